/* handler.c - routing, describe, health, data and identity operations, errors, the log line
 * (handler.h). */
#include "handler.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../common/arena.h"
#include "../flow/config.h"
#include "../common/mem.h"
#include "caches.h"
#include "log.h"
#include "../flow/json.h"
#include "identity.h"
#include "ops.h"
#include "../flow/problem.h"
#include "../flow/request.h"

struct worker {
  struct worker_opts o;
  struct cache_set *caches;
  struct upstream *up;
  struct upstream_resp resp;
  struct arena arena;
};

enum route {
  R_NONE = 0, R_METADATA, R_DATA, R_DATA_DELETE, R_AUTHORIZATION, R_AUTHENTICATION,
  R_AUTH_GROUP, R_AUTH_GROUP_ATTR, R_AUTH_USER, R_AUTH_USER_ATTR, R_HEALTH
};

/* Longest first: an ending match takes the first entry that fits. */
#define ROUTE(p) p, sizeof(p) - 1
static const struct {
  const char *path;
  size_t len;
  enum route r;
  const char *methods;          /* allowed, for 405 and Allow */
} routes[] = {
  { ROUTE("/authorization/group/attribute"), R_AUTH_GROUP_ATTR, "POST" },
  { ROUTE("/authorization/user/attribute"), R_AUTH_USER_ATTR, "POST" },
  { ROUTE("/authorization/group"), R_AUTH_GROUP, "POST" },
  { ROUTE("/authorization/user"), R_AUTH_USER, "POST" },
  { ROUTE("/metadata/install"), R_METADATA, "POST" },
  { ROUTE("/authorization"), R_AUTHORIZATION, "POST" },
  { ROUTE("/authentication"), R_AUTHENTICATION, "POST" },
  { ROUTE("/data/delete"), R_DATA_DELETE, "POST" },
  { ROUTE("/metadata"), R_METADATA, "POST" },
  { ROUTE("/health"), R_HEALTH, "GET, HEAD" },
  { ROUTE("/data"), R_DATA, "POST, PUT" },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

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
  if(!w->caches || !w->up) {
    worker_free(w);
    return NULL;
  }
  buf_init(&w->resp.body);
  arena_init(&w->arena, 0);
  return w;
}

void worker_free(struct worker *w)
{
  if(!w)
    return;
  caches_free(w->caches);
  upstream_free(w->up);
  buf_free(&w->resp.body);
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

/* The route of PATH (no query), per product.md §3; *ROW = its table row or -1. */
static enum route route_of(const struct worker *w, const char *path, size_t len, int *row)
{
  *row = -1;
  if(len > 1 && path[len - 1] == '/')
    len--;                                      /* one trailing slash is ignored */
  const char *pre = w->o.prefix;
  if(pre && *pre) {
    size_t pl = strlen(pre);
    while(pl && pre[pl - 1] == '/')
      pl--;
    if(len < pl || strncmp(path, pre, pl))
      return R_NONE;
    path += pl;
    len -= pl;
    for(size_t i = 0; i < NROUTES; i++)
      if(routes[i].len == len && !memcmp(path, routes[i].path, len)) {
        *row = (int)i;
        return routes[i].r;
      }
    return R_NONE;
  }
  for(size_t i = 0; i < NROUTES; i++) {
    size_t rl = routes[i].len;
    /* the route starts with '/', so a match is always at a segment boundary; its last
     * byte first, which tells most routes apart at once */
    if(len >= rl && path[len - 1] == routes[i].path[rl - 1] &&
       !memcmp(path + len - rl, routes[i].path, rl)) {
      *row = (int)i;
      return routes[i].r;
    }
  }
  return R_NONE;
}

static int method_allowed(const char *allowed, const char *m)
{
  size_t ml = strlen(m);
  for(const char *s = allowed; (s = strstr(s, m)); s += ml)
    if((s == allowed || s[-1] == ' ') && (s[ml] == ',' || !s[ml]))
      return 1;
  return 0;
}

static void describe(struct worker *w, const struct flow_request *rq, struct http_response *rs,
                     struct problem *p)
{
  const char *url = request_config(rq, CFG_SCHEMA_URL);
  if(!url) {
    flow_describe_head(&rs->body, 0);
    buf_puts(&rs->body, ",\"install\":{\"typeElements\":[]}}");
    return;
  }
  struct cache *c = caches_get(w->caches, url, p);
  if(!c)
    return;
  struct cache_error err;
  size_t len;
  const char *d = cache_describe(c, &len, &err);
  if(!d) {
    problem_set(p, 503, "The compiled document for '%s' is unusable: %s", url, err.msg);
    return;
  }
  buf_append(&rs->body, d, len);
}

static void health(struct worker *w, struct http_response *rs)
{
  buf_printf(&rs->body, "{\"status\":\"ok\",\"version\":\"%s\",\"mode\":\"%s\","
             "\"cacheDir\":", PACKAGE_VERSION, w->o.cgi ? "cgi" : "fastcgi");
  buf_json_str(&rs->body, caches_dir(w->caches));
  buf_puts(&rs->body, ",\"caches\":");
  caches_health_json(w->caches, &rs->body);
  buf_putc(&rs->body, '}');
}

static void op_ctx_init(struct op_ctx *x, struct worker *w, struct cache *c,
                        const struct flow_request *rq, struct http_response *rs,
                        struct problem *p)
{
  memset(x, 0, sizeof(*x));
  x->c = c;
  x->rq = rq;
  x->up = w->up;
  x->resp = &w->resp;
  x->a = &w->arena;
  x->out = &rs->body;
  x->direct = &rs->direct;
  x->direct_len = &rs->direct_len;
  x->p = p;
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
  return caches_get(w->caches, url, p);
}

/* /authorization, /authentication and the directory listings (identity.h). */
static void identity_op(struct worker *w, enum route r, const struct flow_request *rq,
                        struct http_response *rs, struct problem *p, long *upstream_status)
{
  struct op_ctx x;
  int dir = r == R_AUTH_GROUP || r == R_AUTH_USER || r == R_AUTH_GROUP_ATTR ||
            r == R_AUTH_USER_ATTR;
  op_ctx_init(&x, w, NULL, rq, rs, p);
  if(dir) {
    identity_directory(&x, r == R_AUTH_USER || r == R_AUTH_USER_ATTR,
                       r == R_AUTH_GROUP_ATTR || r == R_AUTH_USER_ATTR);
    return;
  }
  if(!(x.c = request_cache(w, rq, p)))
    return;
  const struct cache_scheme *s = identity_scheme(&x);
  if(!s)
    return;
  if(r == R_AUTHORIZATION)
    identity_authorization(&x, s);
  else
    identity_authentication(&x, s);
  *upstream_status = x.upstream_status;
}

/* load / save / delete: the cache and the type, then the operation. */
static void data_op(struct worker *w, enum route r, int is_put, const struct flow_request *rq,
                    struct http_response *rs, struct problem *p, long *upstream_status)
{
  const char *url = request_config(rq, CFG_SCHEMA_URL);
  if(url && !rq->type_name) {
    problem_set(p, 400, "objectDataType.developerName is missing: which type to %s?",
                r == R_DATA_DELETE ? "delete" : is_put ? "save" : "load");
    return;
  }
  struct cache *c = request_cache(w, rq, p);
  if(!c)
    return;
  struct cache_error err;
  int t = cache_find_type(c, rq->type_name, strlen(rq->type_name), &err);
  if(t < 0) {
    if(err.msg[0])
      problem_set(p, 503, "The compiled document for '%s' is unusable: %s", url, err.msg);
    else
      problem_set(p, 404, "objectDataType.developerName: type '%s' is not in the compiled "
                  "document '%s'", rq->type_name, url);
    return;
  }
  struct type_view tv;
  if(type_view_init(&tv, c, (uint32_t)t, p))
    return;
  struct op_ctx x;
  op_ctx_init(&x, w, c, rq, rs, p);
  x.tv = &tv;
  if(r == R_DATA_DELETE)
    op_delete(&x);
  else if(is_put)
    op_save(&x);
  else
    op_load(&x);
  *upstream_status = x.upstream_status;
}

static long long elapsed_us(const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (long long)(t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

void worker_handle(struct worker *w, const struct http_request *rq, struct http_response *rs)
{
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct problem p = { 0 };
  struct flow_request fr;
  int parsed = 0;
  long upstream_status = 0;
  rs->status = 200;
  rs->problem = 0;
  rs->allow = NULL;
  rs->direct = NULL;
  rs->direct_len = 0;
  buf_reset(&rs->body);
  json_arena_begin(&w->arena);                  /* cJSON nodes: no malloc/free each */

  const char *method = rq->method && *rq->method ? rq->method : "GET";
  const char *uri = rq->uri && *rq->uri ? rq->uri : rq->path_info ? rq->path_info : "";
  size_t plen = strcspn(uri, "?#");
  int row;
  enum route r = route_of(w, uri, plen, &row);
  int is_put = !strcmp(method, "PUT");

  if(r == R_NONE)
    problem_set(&p, 404, "no such endpoint: %.*s", (int)(plen > 200 ? 200 : plen), uri);
  else if(!method_allowed(routes[row].methods, method)) {
    problem_set(&p, 405, "%s is not allowed on %s (allowed: %s)", method, routes[row].path,
                routes[row].methods);
    rs->allow = routes[row].methods;
  }
  else if(rq->body_unread)
    problem_set(&p, 500, "out of memory reading the request body");
  else if(rq->body_too_large || rq->body_len > w->o.max_body)
    problem_set(&p, 413, "request body over the limit of %zu bytes", w->o.max_body);
  else if(r == R_HEALTH)
    health(w, rs);
  else if(!request_parse(rq->body ? rq->body : "", rq->body_len, rq->authorization,
                         &w->arena, &fr, &p)) {
    parsed = 1;
    switch(r) {
    case R_METADATA:
      describe(w, &fr, rs, &p);
      break;
    case R_DATA:
    case R_DATA_DELETE:
      data_op(w, r, is_put, &fr, rs, &p, &upstream_status);
      break;
    default:
      identity_op(w, r, &fr, rs, &p, &upstream_status);
      break;
    }
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
  const char *type = parsed && fr.type_name && (r == R_DATA || r == R_DATA_DELETE) ?
                     fr.type_name : "-";
  /* the message of an upstream failure quotes the API's answer, which is not ours to log */
  int quote = p.status && p.status != 502 && p.status != 504;
  log_request(method, uri, plen, type, rs->status, upstream_status, elapsed_us(&t0),
              quote ? p.msg : NULL);
  if(parsed)
    request_free(&fr);
  json_arena_end();
  if(!rs->direct) {
    rs->direct = rs->body.data ? rs->body.data : "";
    rs->direct_len = rs->body.len;
  }
  arena_reset(&w->arena);
}
