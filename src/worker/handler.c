/* handler.c - one request in, one answer out (handler.h): the route table (the index of the
 * endpoints: path -> method -> handler function), the handlers of describe, health,
 * identity and the data operations, ServiceProblems, the log line. Called by main.c
 * (FastCGI, CGI, the own pool) and by the tests through worker_handle(). */
#include "handler.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../common/arena.h"
#include "../flow/config.h"
#include "../common/mem.h"
#include "action.h"
#include "caches.h"
#include "log.h"
#include "../flow/json.h"
#include "identity.h"
#include "ops.h"
#include "server.h"
#include "../flow/problem.h"
#include "../flow/request.h"
#include "status.h"             /* health, status, metrics, logs (§16.4) */

struct worker {
  struct worker_opts o;
  struct cache_set *caches;
  struct upstream *up;
  struct upstream_resp resp;
  struct arena arena;
  /* inline documents (§15.4): the compiled Schema Value of the request in hand, or NULL */
  struct inline_state *inl;
  struct cache *inline_cache;
  int inline_problem;           /* the problem is about the value: not quoted in the log */
};

/* What an endpoint's handler gets, and what it leaves for the log line. */
struct endpoint {
  struct worker *w;
  const struct flow_request *rq;  /* the parsed body; NULL for an endpoint that reads none */
  struct http_response *rs;       /* the answer goes into rs->body (or rs->direct) ... */
  struct problem *p;              /* ... or a ServiceProblem here */
  long upstream_status;           /* of the last API call (0 = none), for the log line */
  const char *slug;               /* POST /actions/<slug> (issue 16): the slug, not NUL- */
  size_t slug_len;                /* terminated (it points into the request path) */
};

typedef void endpoint_fn(struct endpoint *e);

static endpoint_fn serve_status, serve_metrics;        /* §16.4 */
static endpoint_fn serve_describe, serve_health, serve_authorization, serve_authentication,
  serve_groups, serve_users, serve_group_attributes, serve_user_attributes, serve_load,
  serve_save, serve_delete, serve_action;

#define RT_BODY 1u              /* the handler gets the parsed Flow request (e->rq) */
#define RT_TYPE 2u              /* the log line names the request's objectDataType */

/* The index of the endpoints the worker answers (product.md §3): path, then method, then
 * the function that answers. Longest path first: an ending match takes the first entry
 * that fits. */
#define ROUTE(p) p, sizeof(p) - 1
static const struct route {
  const char *path;
  size_t len;
  const char *allow;            /* the methods, for 405 and Allow */
  struct {
    const char *method;
    endpoint_fn *fn;
  } on[2];
  unsigned flags;
} routes[] = {
  { ROUTE("/authorization/group/attribute"), "POST",
    { { "POST", serve_group_attributes } }, RT_BODY },
  { ROUTE("/authorization/user/attribute"), "POST",
    { { "POST", serve_user_attributes } }, RT_BODY },
  { ROUTE("/authorization/group"), "POST", { { "POST", serve_groups } }, RT_BODY },
  { ROUTE("/authorization/user"), "POST", { { "POST", serve_users } }, RT_BODY },
  { ROUTE("/metadata/install"), "POST", { { "POST", serve_describe } }, RT_BODY },
  { ROUTE("/authorization"), "POST", { { "POST", serve_authorization } }, RT_BODY },
  { ROUTE("/authentication"), "POST", { { "POST", serve_authentication } }, RT_BODY },
  { ROUTE("/data/delete"), "POST", { { "POST", serve_delete } }, RT_BODY | RT_TYPE },
  { ROUTE("/metadata"), "POST", { { "POST", serve_describe } }, RT_BODY },
  { ROUTE("/health"), "GET, HEAD", { { "GET", serve_health }, { "HEAD", serve_health } }, 0 },
  /* §16.4: answered only with --status, to --status-allow addresses (else a 404) */
  { ROUTE("/status"), "GET, HEAD", { { "GET", serve_status }, { "HEAD", serve_status } }, 0 },
  { ROUTE("/metrics"), "GET, HEAD", { { "GET", serve_metrics }, { "HEAD", serve_metrics } },
    0 },
  { ROUTE("/data"), "POST, PUT", { { "POST", serve_load }, { "PUT", serve_save } },
    RT_BODY | RT_TYPE },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Message actions (product.md §3, §14; issue 16): matched before the table (action.c) */
static const struct route action_rt = {
  ROUTE("/actions/<slug>"), "POST", { { "POST", serve_action } }, RT_BODY
};

struct worker *worker_new(const struct worker_opts *o)
{
  struct worker *w = oac_calloc(1, sizeof(*w));
  if(!w)
    return NULL;
  w->o = *o;
  if(!w->o.max_body)
    w->o.max_body = WORKER_MAX_BODY;
  w->caches = caches_new(o->cache_dir, o->cgi);
  w->up = upstream_new(&o->up);
  if(o->inl.dir && !(w->inl = inline_new(&o->inl, o->cgi))) {
    worker_free(w);
    return NULL;
  }
  if(!w->caches || !w->up) {
    worker_free(w);
    return NULL;
  }
  buf_init(&w->resp.body);
  buf_init(&w->resp.headers);
  arena_init(&w->arena, 0);
  return w;
}

void worker_free(struct worker *w)
{
  if(!w)
    return;
  caches_free(w->caches);
  inline_free(w->inl);
  upstream_free(w->up);
  buf_free(&w->resp.body);
  buf_free(&w->resp.headers);
  arena_free(&w->arena);
  oac_free(w);
}

void worker_recheck_caches(struct worker *w)
{
  caches_recheck(w->caches);
}

size_t worker_max_body(const struct worker *w)
{
  return w->o.max_body;
}

/* The route of PATH (no query), per product.md §3; NULL for none. */
static const struct route *route_of(const struct worker *w, const char *path, size_t len)
{
  if(len > 1 && path[len - 1] == '/')
    len--;                                      /* one trailing slash is ignored */
  const char *pre = w->o.prefix;
  if(pre && *pre) {
    size_t pl = strlen(pre);
    while(pl && pre[pl - 1] == '/')
      pl--;
    if(len < pl || strncmp(path, pre, pl))
      return NULL;
    path += pl;
    len -= pl;
    for(size_t i = 0; i < NROUTES; i++)
      if(routes[i].len == len && !memcmp(path, routes[i].path, len))
        return &routes[i];
    return NULL;
  }
  for(size_t i = 0; i < NROUTES; i++) {
    size_t rl = routes[i].len;
    /* the route starts with '/', so a match is always at a segment boundary; its last
     * byte first, which tells most routes apart at once */
    if(len >= rl && path[len - 1] == routes[i].path[rl - 1] &&
       !memcmp(path + len - rl, routes[i].path, rl))
      return &routes[i];
  }
  return NULL;
}

/* The function that answers method M on route RT; NULL = not allowed (a 405). */
static endpoint_fn *route_handler(const struct route *rt, const char *m)
{
  for(size_t i = 0; i < sizeof(rt->on) / sizeof(rt->on[0]) && rt->on[i].method; i++)
    if(!strcmp(rt->on[i].method, m))
      return rt->on[i].fn;
  return NULL;
}

/* ---- the endpoints' handlers, in the order of the route table's index ---------------- */

/* POST /metadata, /metadata/install: the describe answer the compile step stored. */
static void serve_describe(struct endpoint *e)
{
  const char *url = request_config(e->rq, CFG_SCHEMA_URL);
  if(!url) {
    if(e->w->inl) {             /* inline documents (§15.4): Schema Value listed */
      struct buf head;
      buf_init(&head);
      flow_describe_head(&head, 0);
      if(buf_failed(&head) || inline_describe(head.data, head.len, &e->rs->body))
        buf_append(&e->rs->body, head.data ? head.data : "", head.len);
      buf_free(&head);
    }
    else
      flow_describe_head(&e->rs->body, 0);
    buf_puts(&e->rs->body, ",\"install\":{\"typeElements\":[]}}");
    return;
  }
  struct cache *c = e->w->inline_cache ? e->w->inline_cache : caches_get(e->w->caches, url, e->p);
  if(!c)
    return;
  struct cache_error err;
  size_t len;
  const char *d = cache_describe(c, &len, &err);
  if(!d) {
    problem_set(e->p, 503, "The compiled document for '%s' is unusable: %s", url, err.msg);
    return;
  }
  /* inline documents (§15.4): with the opt-in, describe lists Schema Value */
  if(!e->w->inl || inline_describe(d, len, &e->rs->body))
    buf_append(&e->rs->body, d, len);
}

/* GET, HEAD /health (§16.4): for load balancers; no paths, no Schema URLs. 503 only when
 * the cache directory is missing or unreadable or no cache is usable (with --health-strict
 * also when a cache is refused). */
static void serve_health(struct endpoint *e)
{
  struct buf *b = &e->rs->body;
  struct caches_state h;
  caches_health(e->w->caches, &h);
  if(h.oom)
    b->oom = 1;                 /* a cache left out for want of memory: a 500, not a 503 */
  const char *why = NULL;
  char reason[160];
  if(h.dir_errno == ENOENT || h.dir_errno == ENOTDIR)
    why = "the cache directory is missing";
  else if(h.dir_errno == EACCES || h.dir_errno == EPERM) {
    snprintf(reason, sizeof(reason), "the cache directory cannot be read: permission denied "
             "(running as uid %ld)", (long)geteuid());
    why = reason;
  }
  else if(h.dir_errno) {
    snprintf(reason, sizeof(reason), "the cache directory cannot be read: %s",
             strerror(h.dir_errno));
    why = reason;
  }
  else if(!h.usable && h.unloaded) {
    snprintf(reason, sizeof(reason), "no usable cache: %zu could not be loaded: %s", h.unloaded,
             strerror(h.unloaded_errno));
    why = reason;
  }
  else if(!h.usable)
    why = h.refused ? "no usable cache: every cache was refused" : "no cache in the directory";
  else if(h.refused && e->w->o.health_strict)
    why = "a cache was refused (--health-strict)";
  else if(h.unloaded && e->w->o.health_strict)
    why = "a cache could not be loaded (--health-strict)";
  buf_printf(b, "{\"status\":\"%s\",\"version\":\"%s\",\"mode\":\"%s\",",
             why ? "unavailable" : "ok", PACKAGE_VERSION, e->w->o.cgi ? "cgi" : "fastcgi");
  if(why) {
    e->rs->status = 503;
    buf_puts(b, "\"reason\":");
    buf_json_str(b, why);
    buf_putc(b, ',');
  }
  buf_printf(b, "\"caches\":%zu,\"cachesRefused\":%zu}", h.usable, h.refused);
}

/* GET, HEAD /status (§16.4): the pool's figures and the caches, as JSON. */
static void serve_status(struct endpoint *e)
{
  struct buf *b = &e->rs->body;
  struct caches_state h;
  caches_health(e->w->caches, &h);
  buf_printf(b, "{\"version\":\"%s\",\"mode\":\"%s\",", PACKAGE_VERSION,
             e->w->o.cgi ? "cgi" : "fastcgi");
  status_json(b);
  buf_printf(b, ",\"cachesRefused\":%zu,\"caches\":", h.refused);
  caches_status_json(e->w->caches, b);
  buf_putc(b, '}');
}

/* GET, HEAD /metrics (§16.4): the same figures as OpenMetrics text; a cache is labelled
 * with its registration's hash, never the string. */
static void serve_metrics(struct endpoint *e)
{
  struct buf *b = &e->rs->body;
  struct caches_state h;
  caches_health(e->w->caches, &h);
  status_metrics(b);
  buf_printf(b, "# TYPE openapi_connector_caches gauge\n"
             "# HELP openapi_connector_caches Compiled documents by state.\n"
             "openapi_connector_caches{state=\"usable\"} %zu\n"
             "openapi_connector_caches{state=\"refused\"} %zu\n", h.usable, h.refused);
  caches_metrics(e->w->caches, b);
  buf_puts(b, "# EOF\n");
  e->rs->content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
}

static void op_ctx_init(struct op_ctx *x, struct endpoint *e, struct cache *c)
{
  memset(x, 0, sizeof(*x));
  x->c = c;
  x->rq = e->rq;
  x->up = e->w->up;
  x->max_pages = e->w->o.max_pages;
  x->resp = &e->w->resp;
  x->a = &e->w->arena;
  x->out = &e->rs->body;
  x->direct = &e->rs->direct;
  x->direct_len = &e->rs->direct_len;
  x->p = e->p;
}

/* The cache a request's Schema URL names; NULL with P set. */
static struct cache *request_cache(struct worker *w, const struct flow_request *rq,
                                   struct problem *p)
{
  const char *url = request_config(rq, CFG_SCHEMA_URL);
  if(!url) {
    problem_set(p, 400, "configurationValues: 'Schema URL' is missing; it selects the "
                "compiled API description");
    return NULL;
  }
  if(w->inline_cache)           /* inline documents (§15.4) */
    return w->inline_cache;
  return caches_get(w->caches, url, p);
}

/* POST /authorization (AUTHORIZATION 1) and /authentication (0): the cache's sign-in
 * scheme, then identity.c. */
static void sign_in_op(struct endpoint *e, int authorization)
{
  struct op_ctx x;
  op_ctx_init(&x, e, NULL);
  if(!(x.c = request_cache(e->w, e->rq, e->p)))
    return;
  const struct cache_scheme *s = identity_scheme(&x);
  if(!s)
    return;
  if(authorization)
    identity_authorization(&x, s);
  else
    identity_authentication(&x, s);
  e->upstream_status = x.upstream_status;
}

/* POST /authorization: the running user and whether the flow may run (identity.c). */
static void serve_authorization(struct endpoint *e)
{
  sign_in_op(e, 1);
}

/* POST /authentication: sign a user in with the API's scheme (identity.c). */
static void serve_authentication(struct endpoint *e)
{
  sign_in_op(e, 0);
}

/* The directory listings of the configured users and groups (identity_directory). */
static void directory_op(struct endpoint *e, int users, int attributes)
{
  struct op_ctx x;
  op_ctx_init(&x, e, NULL);
  identity_directory(&x, users, attributes);
}

/* POST /authorization/group */
static void serve_groups(struct endpoint *e)
{
  directory_op(e, 0, 0);
}

/* POST /authorization/user */
static void serve_users(struct endpoint *e)
{
  directory_op(e, 1, 0);
}

/* POST /authorization/group/attribute */
static void serve_group_attributes(struct endpoint *e)
{
  directory_op(e, 0, 1);
}

/* POST /authorization/user/attribute */
static void serve_user_attributes(struct endpoint *e)
{
  directory_op(e, 1, 1);
}

/* load / save / delete: the cache, the type and its view (type_view.h), then OP. */
static void data_op(struct endpoint *e, const char *verb, op_fn *op)
{
  const struct flow_request *rq = e->rq;
  struct problem *p = e->p;
  const char *url = request_config(rq, CFG_SCHEMA_URL);
  if(url && !rq->type_name) {
    problem_set(p, 400, "objectDataType.developerName is missing: which type to %s?", verb);
    return;
  }
  struct cache *c = request_cache(e->w, rq, p);
  if(!c)
    return;
  struct cache_error err;
  int t;
  if(cache_lookup_type(c, rq->type_name, strlen(rq->type_name), &t, &err)) {
    problem_set(p, 503, "The compiled document for '%s' is unusable: %s", url, err.msg);
    return;
  }
  if(t < 0) {
    problem_set(p, 404, "objectDataType.developerName: type '%s' is not in the compiled "
                "document '%s'", rq->type_name, url);
    return;
  }
  struct type_view tv;
  if(type_view_init(&tv, c, (uint32_t)t, p))
    return;
  struct op_ctx x;
  op_ctx_init(&x, e, c);
  x.tv = &tv;
  if(server_select(&x))   /* servers (§13.7): before anything connects */
    return;
  op(&x);
  e->upstream_status = x.upstream_status;
}

/* POST /actions/<slug>: a message action (action.c; issue 16). */
static void serve_action(struct endpoint *e)
{
  struct op_ctx x;
  op_ctx_init(&x, e, NULL);
  if(!(x.c = request_cache(e->w, e->rq, e->p)))
    return;
  action_serve(&x, e->slug, e->slug_len);
  e->upstream_status = x.upstream_status;
}

/* POST /data: load by id or by query (load.c). */
static void serve_load(struct endpoint *e)
{
  data_op(e, "load", op_load);
}

/* PUT /data: save - insert or update (save.c). */
static void serve_save(struct endpoint *e)
{
  data_op(e, "save", op_save);
}

/* POST /data/delete (save.c). */
static void serve_delete(struct endpoint *e)
{
  data_op(e, "delete", op_delete);
}

/* inline documents (§15.4): a request with a Schema Value and no Schema URL gets the
 * value's cache (compiled now when new), and its registration stands in for the Schema
 * URL from here on. 0, or -1 with P set. */
static int inline_resolve(struct worker *w, struct flow_request *fr, struct problem *p)
{
  const char *v = request_config_named(fr, FLOW_CONFIG_SCHEMA_VALUE, &w->arena);
  if(!v || request_config(fr, CFG_SCHEMA_URL))
    return 0;                   /* none, or Schema URL wins */
  w->inline_problem = 1;
  if(!w->inl)
    return problem_set(p, 400, "configurationValues: 'Schema Value' is set, but inline "
                       "documents are off on this server (the operator enables them with "
                       "--inline-documents); give a 'Schema URL' instead"), -1;
  size_t len = strlen(v);
  if(len > INLINE_MAX_VALUE)
    return problem_set(p, 400, "configurationValues: 'Schema Value' is %zu bytes, over the "
                       "limit of 2 MiB (%u bytes)", len, INLINE_MAX_VALUE), -1;
  const char *reg = NULL;
  w->inline_cache = inline_get(w->inl, v, len, upstream_left_ms(w->up), &reg, p);
  if(!w->inline_cache)
    return -1;
  w->inline_problem = 0;
  fr->config[CFG_SCHEMA_URL] = reg;
  return 0;
}

static long long elapsed_us(const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (long long)(t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* §16.4: the "endpoint" of the figures */
static enum status_endpoint endpoint_stat(const struct route *rt, endpoint_fn *serve)
{
  static const struct { endpoint_fn *fn; enum status_endpoint ep; } map[] = {
    { serve_describe, SE_METADATA }, { serve_load, SE_LOAD }, { serve_save, SE_SAVE },
    { serve_delete, SE_DELETE }, { serve_authorization, SE_AUTHORIZATION },
    { serve_authentication, SE_AUTHENTICATION }, { serve_groups, SE_DIRECTORY },
    { serve_users, SE_DIRECTORY }, { serve_group_attributes, SE_DIRECTORY },
    { serve_user_attributes, SE_DIRECTORY }, { serve_action, SE_ACTION },
    { serve_health, SE_HEALTH }, { serve_status, SE_STATUS }, { serve_metrics, SE_METRICS },
  };
  if(!rt)
    return SE_OTHER;
  endpoint_fn *fn = serve ? serve : rt->on[0].fn;         /* a 405: the path's endpoint */
  for(size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if(map[i].fn == fn)
      return map[i].ep;
  return SE_OTHER;
}

void worker_handle(struct worker *w, const struct http_request *rq, struct http_response *rs)
{
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct problem p = { 0 };
  struct flow_request fr;
  int parsed = 0;
  struct endpoint e = { w, NULL, rs, &p, 0, NULL, 0 };
  status_busy(1);                               /* §16.4 */
  rs->content_type = NULL;
  rs->status = 200;
  rs->problem = 0;
  rs->allow = NULL;
  rs->direct = NULL;
  rs->direct_len = 0;
  buf_reset(&rs->body);
  upstream_begin(w->up);                        /* one upstream budget per request (§10) */
  w->inline_cache = NULL;                       /* inline documents (§15.4) */
  w->inline_problem = 0;
  json_arena_begin(&w->arena);                  /* cJSON nodes: no malloc/free each */

  const char *method = rq->method && *rq->method ? rq->method : "GET";
  const char *uri = rq->uri && *rq->uri ? rq->uri : rq->path_info ? rq->path_info : "";
  size_t plen = strcspn(uri, "?#");
  const struct route *rt = NULL;
  if(action_route(w->o.prefix, uri, plen, &e.slug, &e.slug_len))   /* actions (issue 16) */
    rt = &action_rt;
  else
    rt = route_of(w, uri, plen);
  /* §16.4: /status and /metrics exist only with --status and for --status-allow callers;
   * anyone else gets the 404 of an unknown path */
  if(rt && (rt->on[0].fn == serve_status || rt->on[0].fn == serve_metrics) &&
     !(w->o.status && status_allowed(rq->remote_addr)))
    rt = NULL;
  endpoint_fn *serve = rt ? route_handler(rt, method) : NULL;

  if(!rt)
    problem_set(&p, 404, "no such endpoint: %.*s", (int)(plen > 200 ? 200 : plen), uri);
  else if(!serve) {
    problem_set(&p, 405, "%s is not allowed on %s (allowed: %s)", method, rt->path,
                rt->allow);
    rs->allow = rt->allow;
  }
  else if(rq->body_unread)
    problem_set(&p, 500, "out of memory reading the request body");
  else if(rq->body_too_large || rq->body_len > w->o.max_body)
    problem_set(&p, 413, "request body over the limit of %zu bytes", w->o.max_body);
  else if(!(rt->flags & RT_BODY))
    serve(&e);
  else if(!request_parse(rq->body ? rq->body : "", rq->body_len, rq->authorization,
                         &w->arena, &fr, &p)) {
    parsed = 1;
    e.rq = &fr;
    if(!inline_resolve(w, &fr, &p))             /* inline documents (§15.4) */
      serve(&e);
  }
  else
    parsed = 1;                                 /* request_parse cleans up with free */

  if(!p.status && buf_failed(&rs->body))
    problem_set(&p, 500, "out of memory");
  if(p.status) {
    rs->direct = NULL;
    buf_reset(&rs->body);
    rs->body.oom = 0;
    rs->status = p.status;
    rs->problem = 1;
    char path[256];
    snprintf(path, sizeof(path), "%.*s", (int)(plen > 200 ? 200 : plen), uri);
    problem_write_json(&rs->body, &p, path);
    if(buf_failed(&rs->body)) {
      /* no memory even for the problem: a fixed one, never an empty body */
      static const char oom[] = "{\"kind\":\"service\",\"uri\":null,\"statusCode\":500,"
        "\"message\":\"out of memory\",\"responseBody\":null,\"responseHeaders\":null,"
        "\"invokeType\":null,\"action\":null}";
      rs->status = 500;
      rs->direct = oom;
      rs->direct_len = sizeof(oom) - 1;
    }
  }
  /* the log line: names, statuses, times; never values */
  const char *type = parsed && fr.type_name && (rt->flags & RT_TYPE) ? fr.type_name : "-";
  char slug[128];
  if(rt == &action_rt) {                        /* an action: its slug (issue 16) */
    snprintf(slug, sizeof(slug), "%.*s", (int)(e.slug_len < 100 ? e.slug_len : 100), e.slug);
    type = slug;
  }
  /* the message of an upstream failure quotes the API's answer, which is not ours to log */
  int quote = p.status && p.status != 502 && p.status != 504 &&
              !(p.status == 503 && e.upstream_status) &&   /* an API still refusing (§13.4) */
              !w->inline_problem;       /* an inline document's diagnostics quote it */
  /* §16.4: a 502/504 names its cause; the figures of /status; slow requests */
  char cause_buf[32];
  const char *cause = rs->status == 502 || rs->status == 504 ?
    upstream_last_cause(w->up, cause_buf, sizeof(cause_buf)) : NULL;
  long long us = elapsed_us(&t0);
  int slow = w->o.slow_request_ms && us >= (long long)w->o.slow_request_ms * 1000;
  log_request_cause(method, uri, plen, type, rs->status, e.upstream_status, us,
                    quote ? p.msg : NULL, cause);
  if(slow)
    log_msg(LOG_WARN, "slow request: %s %.*s took %lld ms (over --slow-request %lu ms)",
            method, (int)(plen > 200 ? 200 : plen), uri, us / 1000, w->o.slow_request_ms);
  status_request(endpoint_stat(rt, serve), rs->status, us, slow);
  if(rs->status == 413)
    status_cause(SC_413_BODY);
  else if(rs->status == 503)
    status_cause(e.upstream_status ? SC_503_UPSTREAM :
                 serve == serve_health ? SC_503_HEALTH : SC_503_CACHE);
  status_busy(-1);
  if(parsed)
    request_free(&fr);
  json_arena_end();
  if(!rs->direct) {
    rs->direct = rs->body.data ? rs->body.data : "";
    rs->direct_len = rs->body.len;
  }
  arena_reset(&w->arena);
}
