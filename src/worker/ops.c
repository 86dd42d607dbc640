/* ops.c - load, save and delete against the real API (ops.h).
 *
 * One upstream call is assembled from a compiled plan: the path template with its
 * placeholders filled (each value one percent-encoded segment), query, header and cookie
 * parameters, the security alternative the request can satisfy, and the JSON body. A
 * second, "shown" copy of the URL leaves out query values that are secrets, for messages.
 */
#include "ops.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../flow/config.h"
#include "../flow/filter.h"
#include "../flow/user.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "url.h"


/* What the parameter values of one call come from. */
struct call_src {
  const char *external_id;      /* listFilter.id or the object's externalId */
  const cJSON *object;          /* the Flow object (save, update, delete) */
  const struct list_filter *lf; /* loads */
  const char *what;             /* "x-flow-load of Pet", for messages */
};

struct call {
  unsigned method;
  struct buf url, shown, query, shown_query, cookie;
  const char **headers;
  size_t nheaders, maxheaders;
  struct buf body;
  int has_body;
  const char *content_type;
};

static void call_init(struct call *cl)
{
  memset(cl, 0, sizeof(*cl));
  buf_init(&cl->url);
  buf_init(&cl->shown);
  buf_init(&cl->query);
  buf_init(&cl->shown_query);
  buf_init(&cl->cookie);
  buf_init(&cl->body);
}

static void call_free(struct call *cl)
{
  buf_free(&cl->url);
  buf_free(&cl->shown);
  buf_free(&cl->query);
  buf_free(&cl->shown_query);
  buf_free(&cl->cookie);
  buf_free(&cl->body);
}

static int has_crlf(const char *s)
{
  return strchr(s, '\r') || strchr(s, '\n');
}

static int add_header(struct op_ctx *x, struct call *cl, const char *name, const char *value,
                      const char *what)
{
  if(has_crlf(value))
    return problem_set(x->p, 400, "%s: the value for header '%s' contains a line break",
                       what, name);
  if(cl->nheaders == cl->maxheaders)
    return problem_set(x->p, 500, "too many headers");
  const char *h = arena_printf(x->a, "%s: %s", name, value);
  if(!h)
    return problem_set(x->p, 500, "out of memory");
  cl->headers[cl->nheaders++] = h;
  return 0;
}

static void add_query(struct call *cl, const char *name, const char *value, int secret)
{
  buf_putc(&cl->query, cl->query.len ? '&' : '?');
  url_encode_query(&cl->query, name, strlen(name));
  buf_putc(&cl->query, '=');
  url_encode_query(&cl->query, value, strlen(value));
  if(secret)
    return;
  buf_putc(&cl->shown_query, cl->shown_query.len ? '&' : '?');
  url_encode_query(&cl->shown_query, name, strlen(name));
  buf_putc(&cl->shown_query, '=');
  url_encode_query(&cl->shown_query, value, strlen(value));
}

static void add_cookie(struct call *cl, const char *name, const char *value)
{
  if(cl->cookie.len)
    buf_puts(&cl->cookie, "; ");
  buf_puts(&cl->cookie, name);
  buf_putc(&cl->cookie, '=');
  url_encode_query(&cl->cookie, value, strlen(value));
}

static const struct cache_prop *type_props(struct op_ctx *x, const struct cache_type *t)
{
  struct cache_error err;
  uint32_t n;
  const struct cache_prop *props = cache_section(x->c, CS_PROPS, &n, &err);
  if(!props) {
    problem_set(x->p, 500, "cache: %s", err.msg);
    return NULL;
  }
  return props + t->first_prop;
}

static int prop_index(struct op_ctx *x, const struct cache_type *t, const char *name)
{
  const struct cache_prop *props = type_props(x, t);
  for(uint32_t i = 0; props && i < t->nprops; i++)
    if(!strcasecmp(cache_str(x->c, props[i].name), name))
      return (int)i;
  return -1;
}

/* The value of an EQUAL criterion on property NAME that the load sends to the API. */
static const char *pushed_value(struct op_ctx *x, const struct cache_type *t,
                                const struct list_filter *lf, const char *name)
{
  if(!lf)
    return NULL;
  int pi = prop_index(x, t, name);
  for(size_t i = 0; pi >= 0 && i < lf->root.nwhere; i++)
    if(lf->root.where[i].pushed && lf->root.where[i].prop == pi)
      return lf->root.where[i].value;
  return NULL;
}

static const char *param_value(struct op_ctx *x, const struct cache_type *t,
                               const struct cache_param *pa, const struct call_src *src,
                               int *missing_user)
{
  const struct list_filter *lf = src->lf;
  const char *arg = cache_str(x->c, pa->arg);
  static char num[32];
  switch(pa->src) {
  case PSRC_EXTERNAL_ID:
    return src->external_id && *src->external_id ? src->external_id : NULL;
  case PSRC_LIMIT:
    if(!lf || !lf->paging_pushed || lf->limit <= 0)
      return NULL;
    snprintf(num, sizeof(num), "%ld", lf->limit);
    return num;
  case PSRC_OFFSET:
    if(!lf || !lf->paging_pushed || lf->offset <= 0)
      return NULL;
    snprintf(num, sizeof(num), "%ld", lf->offset);
    return num;
  case PSRC_SEARCH:
    return lf && lf->search_pushed ? lf->search : NULL;
  case PSRC_ORDER_BY:
    if(!lf || !lf->order_pushed || !lf->norder || !type_props(x, t))
      return NULL;
    return cache_str(x->c, type_props(x, t)[lf->order[0].prop].name);
  case PSRC_ORDER_DIR:
    if(!lf || !lf->order_pushed || !lf->norder)
      return NULL;
    return lf->order[0].desc ? "DESC" : "ASC";
  case PSRC_USER: {
    int f = flow_user_field_by_name(arg);
    const char *v = f >= 0 ? x->rq->user.value[f] : NULL;
    if(!v)
      *missing_user = 1;
    return v;
  }
  case PSRC_DEFAULT:
    return arg;
  case PSRC_WHERE:
    return pushed_value(x, t, lf, arg);
  case PSRC_PROPERTY:
    if(src->object)
      return map_flow_value(src->object, arg);
    return pushed_value(x, t, lf, arg);
  default:
    return NULL;
  }
}

/* The first security alternative the request can satisfy (product.md §9.1), applied. */
static int apply_security(struct op_ctx *x, const struct cache_plan *pl, struct call *cl,
                          const char *what)
{
  if(!pl->nsecalts)
    return 0;
  struct cache_error err;
  uint32_t n;
  const struct cache_secalt *alts = cache_section(x->c, CS_SECALTS, &n, &err);
  const uint32_t *u32 = alts ? cache_section(x->c, CS_U32, &n, &err) : NULL;
  const struct cache_scheme *sch = u32 ? cache_section(x->c, CS_SCHEMES, &n, &err) : NULL;
  if(!sch)
    return problem_set(x->p, 500, "cache: %s", err.msg);
  const char *key = x->rq->config[CFG_API_KEY];
  const struct flow_user *u = &x->rq->user;
  int signed_in = !flow_user_is_public(u);
  int needs_user = 0;
  for(uint32_t a = 0; a < pl->nsecalts; a++) {
    const struct cache_secalt *alt = &alts[pl->first_secalt + a];
    int ok = 1;
    for(uint32_t k = 0; k < alt->count && ok; k++) {
      const struct cache_scheme *s = &sch[u32[alt->first + k]];
      if(s->type == SCH_APIKEY)
        ok = key != NULL;
      else if(s->type == SCH_OTHER)
        ok = 0;
      else {
        needs_user = 1;
        ok = signed_in;
      }
    }
    if(!ok)
      continue;
    for(uint32_t k = 0; k < alt->count; k++) {
      const struct cache_scheme *s = &sch[u32[alt->first + k]];
      const char *name = cache_str(x->c, s->param_name);
      int r = 0;
      if(s->type == SCH_APIKEY) {
        if(s->in == PIN_HEADER)
          r = add_header(x, cl, name, key, "API Key");
        else if(s->in == PIN_QUERY)
          add_query(cl, name, key, 1);
        else if(s->in == PIN_COOKIE)
          add_cookie(cl, name, key);
      }
      else {
        const char *tok = u->value[FU_TOKEN];
        r = add_header(x, cl, "Authorization", arena_printf(x->a, "%s %s",
                       s->type == SCH_BASIC ? "Basic" : "Bearer", tok ? tok : ""),
                       "the user's token");
      }
      if(r)
        return r;
    }
    return 0;
  }
  if(needs_user && !signed_in)
    return problem_set(x->p, 401, "%s: the API operation needs a signed-in user; sign in "
                       "first", what);
  return 0;    /* nothing applicable: call without credentials, the API decides */
}

/* Builds the URL, headers and body of one call. */
static int call_prepare(struct op_ctx *x, uint32_t type, const struct cache_plan *pl,
                        const struct call_src *src, struct call *cl)
{
  struct cache_error err;
  uint32_t n;
  const struct cache_type *t = cache_type_at(x->c, type, &err);
  const struct cache_param *params = t ? cache_section(x->c, CS_PARAMS, &n, &err) : NULL;
  if(!params)
    return problem_set(x->p, 500, "cache: %s", err.msg);
  params += pl->first_param;
  cl->method = pl->method;
  cl->maxheaders = pl->nparams + 2 * pl->nsecalts + 8;
  cl->headers = arena_alloc(x->a, cl->maxheaders * sizeof(*cl->headers));
  if(!cl->headers)
    return problem_set(x->p, 500, "out of memory");

  /* values: query, header and cookie parameters now; path parameters below */
  for(uint32_t i = 0; i < pl->nparams; i++) {
    const struct cache_param *pa = &params[i];
    if(pa->in == PIN_PATH)
      continue;
    int missing_user = 0;
    const char *v = param_value(x, t, pa, src, &missing_user);
    const char *name = cache_str(x->c, pa->name);
    if(missing_user)
      return problem_set(x->p, 400, "%s: parameter '%s' needs $User.%s, which the request's "
                         "Authorization header does not carry", src->what, name,
                         cache_str(x->c, pa->arg));
    if(!v)
      continue;
    if(pa->in == PIN_QUERY)
      add_query(cl, name, v, 0);
    else if(pa->in == PIN_HEADER) {
      if(add_header(x, cl, name, v, src->what))
        return -1;
    }
    else if(pa->in == PIN_COOKIE) {
      if(has_crlf(v))
        return problem_set(x->p, 400, "%s: the value for cookie '%s' contains a line break",
                           src->what, name);
      add_cookie(cl, name, v);
    }
  }
  if(apply_security(x, pl, cl, src->what))
    return -1;

  /* URL: server + path template, each {name} one encoded segment */
  const char *server = cache_str(x->c, x->c->hdr->server_url);
  size_t sl = strlen(server);
  while(sl && server[sl - 1] == '/')
    sl--;
  buf_append(&cl->url, server, sl);
  const char *path = cache_str(x->c, pl->path);
  for(const char *s = path; *s;) {
    const char *open = strchr(s, '{');
    const char *close = open ? strchr(open, '}') : NULL;
    if(!open || !close) {
      buf_puts(&cl->url, s);
      break;
    }
    buf_append(&cl->url, s, (size_t)(open - s));
    size_t nl = (size_t)(close - open - 1);
    const char *v = NULL;
    const char *pname = NULL;
    for(uint32_t i = 0; i < pl->nparams && !v; i++) {
      const struct cache_param *pa = &params[i];
      const char *name = cache_str(x->c, pa->name);
      if(pa->in != PIN_PATH || strlen(name) != nl || strncmp(name, open + 1, nl))
        continue;
      int missing_user = 0;
      pname = name;
      v = param_value(x, t, pa, src, &missing_user);
      if(missing_user)
        return problem_set(x->p, 400, "%s: path parameter '%s' needs $User.%s, which the "
                           "request's Authorization header does not carry", src->what, name,
                           cache_str(x->c, pa->arg));
    }
    if(!v || !*v)
      return problem_set(x->p, 400, "%s: no value for path parameter '%.*s'%s", src->what,
                         (int)nl, open + 1, pname ? "" : " (the plan does not bind it)");
    url_encode_segment(&cl->url, v, strlen(v));
    s = close + 1;
  }
  buf_append(&cl->shown, cl->url.data, cl->url.len);
  buf_append(&cl->url, cl->query.data, cl->query.len);
  buf_append(&cl->shown, cl->shown_query.data, cl->shown_query.len);
  if(cl->cookie.len && add_header(x, cl, "Cookie", cl->cookie.data, src->what))
    return -1;

  if((pl->flags & PLAN_F_BODY) && src->object) {
    struct cache_error e2;
    const uint32_t *u32 = cache_section(x->c, CS_U32, &n, &e2);
    if(!u32)
      return problem_set(x->p, 500, "cache: %s", e2.msg);
    if(map_flow_to_json(x->c, type, src->object, u32 + pl->first_body, pl->nbody, &cl->body,
                        x->p))
      return -1;
    cl->has_body = 1;
    cl->content_type = cache_str(x->c, pl->body_type);
    if(!*cl->content_type)
      cl->content_type = "application/json";
  }
  /* the query and cookie too: a failed one would otherwise be sent short (unfiltered) */
  if(buf_failed(&cl->url) || buf_failed(&cl->shown) || buf_failed(&cl->body) ||
     buf_failed(&cl->query) || buf_failed(&cl->shown_query) || buf_failed(&cl->cookie))
    return problem_set(x->p, 500, "out of memory");
  return 0;
}

/* The start of an answer for a message: at most 200 bytes, one line. */
static void body_start(const struct buf *b, char *out, size_t size)
{
  size_t n = b->len < 200 ? b->len : 200;
  if(n >= size)
    n = size - 1;
  for(size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)b->data[i];
    out[i] = ch < 0x20 ? ' ' : (char)ch;
  }
  out[n] = '\0';
}

/* Sends the call. 0 = 2xx; 1 = 404 and NOT_FOUND_OK; -1 = problem set. */
static int call_send(struct op_ctx *x, struct call *cl, int not_found_ok)
{
  struct upstream_req rq = { 0 };
  char msg[256];
  rq.method = cl->method;
  rq.url = cl->url.data;
  rq.headers = cl->headers;
  rq.nheaders = cl->nheaders;
  if(cl->has_body) {
    rq.body = cl->body.data;
    rq.body_len = cl->body.len;
    rq.content_type = cl->content_type;
  }
  x->ncalls++;
  enum upstream_error e = upstream_send(x->up, &rq, x->resp, msg, sizeof(msg));
  const char *m = flow_method_name(cl->method);
  if(e == UPE_TIMEOUT) {
    x->upstream_status = 0;
    return problem_set(x->p, 504, "The API did not answer in time: %s %s: %s", m,
                       cl->shown.data, msg);
  }
  if(e == UPE_NOMEM) {
    x->upstream_status = 0;
    return problem_set(x->p, 500, "%s %s: %s", m, cl->shown.data, msg);
  }
  if(e) {
    x->upstream_status = 0;
    return problem_set(x->p, 502, "The API call failed: %s %s: %s", m, cl->shown.data, msg);
  }
  long st = x->resp->status;
  x->upstream_status = st;
  if(st >= 200 && st < 300)
    return 0;
  if(st == 404 && not_found_ok)
    return 1;
  char start[256];
  body_start(&x->resp->body, start, sizeof(start));
  problem_set(x->p, 502, "The API answered %s %s with status %ld: %s", m, cl->shown.data, st,
              start);
  x->p->response_body = x->resp->body.data;
  x->p->response_len = x->resp->body.len;
  return -1;
}

/* The answer as JSON: *ROOT NULL for an empty body. */
static int answer_json(struct op_ctx *x, struct call *cl, cJSON **root)
{
  *root = NULL;
  const struct buf *b = &x->resp->body;
  size_t i = 0;
  while(i < b->len && isspace((unsigned char)b->data[i]))
    i++;
  if(i == b->len)
    return 0;
  const char *m = flow_method_name(cl->method);
  if(!x->resp->is_json) {
    char start[256];
    body_start(b, start, sizeof(start));
    problem_set(x->p, 502, "The API answered %s %s with Content-Type '%s', not JSON: %s", m,
                cl->shown.data, x->resp->content_type[0] ? x->resp->content_type : "(none)",
                start);
    x->p->response_body = b->data;
    x->p->response_len = b->len;
    return -1;
  }
  struct json_error je;
  enum oac_result r = json_parse(b->data, b->len, root, &je);
  if(r == OAC_ENOMEM)
    return problem_set(x->p, 500, "out of memory");
  if(r) {
    problem_set(x->p, 502, "The API's answer to %s %s is not valid JSON: %s", m,
                cl->shown.data, je.msg);
    x->p->response_body = b->data;
    x->p->response_len = b->len;
    return -1;
  }
  return 0;
}

static const struct cache_plan *plan_of(struct op_ctx *x, const struct cache_type *t,
                                        enum cache_op op)
{
  if(!t->plans[op])
    return NULL;
  struct cache_error err;
  uint32_t n;
  const struct cache_plan *plans = cache_section(x->c, CS_PLANS, &n, &err);
  if(!plans || t->plans[op] > n) {
    problem_set(x->p, 500, "cache: %s", plans ? "plan index out of range" : err.msg);
    return NULL;
  }
  return &plans[t->plans[op] - 1];
}

static int plan_has_src(struct op_ctx *x, const struct cache_plan *pl, unsigned src,
                        unsigned in)
{
  struct cache_error err;
  uint32_t n;
  const struct cache_param *params = cache_section(x->c, CS_PARAMS, &n, &err);
  for(uint32_t i = 0; params && i < pl->nparams; i++) {
    const struct cache_param *pa = &params[pl->first_param + i];
    if(pa->src == src && (!in || pa->in == in))
      return 1;
  }
  return 0;
}

/* A where/property parameter of the plan bound to type property PROP? */
static int plan_maps_prop(struct op_ctx *x, const struct cache_type *t,
                          const struct cache_plan *pl, int prop)
{
  struct cache_error err;
  uint32_t n;
  const struct cache_param *params = cache_section(x->c, CS_PARAMS, &n, &err);
  const struct cache_prop *props = type_props(x, t);
  if(!params || !props)
    return 0;
  for(uint32_t i = 0; i < pl->nparams; i++) {
    const struct cache_param *pa = &params[pl->first_param + i];
    if((pa->src == PSRC_WHERE || pa->src == PSRC_PROPERTY) &&
       !strcasecmp(cache_str(x->c, pa->arg), cache_str(x->c, props[prop].name)))
      return 1;
  }
  return 0;
}

/* What the API can do for this load: product.md §5.4. */
static void decide_pushdown(struct op_ctx *x, const struct cache_type *t,
                            const struct cache_plan *pl, struct list_filter *lf)
{
  struct lf_group *g = &lf->root;
  int and = !g->is_or || g->nwhere + g->ngroups <= 1;
  for(size_t i = 0; and && i < g->nwhere; i++) {
    struct lf_where *w = &g->where[i];
    if(w->crit == CR_EQUAL && w->value && plan_maps_prop(x, t, pl, w->prop)) {
      /* one value per parameter: a second EQUAL on the same property stays local */
      int dup = 0;
      for(size_t j = 0; j < i; j++)
        dup |= g->where[j].pushed && g->where[j].prop == w->prop;
      w->pushed = !dup;
    }
  }
  /* an API searches its own fields: not the same as searchCriteria's columns */
  if(lf->search && !lf->search_restricted && plan_has_src(x, pl, PSRC_SEARCH, 0))
    lf->search_pushed = 1;
  if(lf->norder == 1 && plan_has_src(x, pl, PSRC_ORDER_BY, 0))
    lf->order_pushed = 1;
  if(lf->limit > 0 && !filter_is_local(lf) && plan_has_src(x, pl, PSRC_LIMIT, 0) &&
     (lf->offset <= 0 || plan_has_src(x, pl, PSRC_OFFSET, 0)))
    lf->paging_pushed = 1;
}

void ops_response_head(struct buf *out)
{
  buf_puts(out, "{\"culture\":null,\"objectData\":[");
}

void ops_response_tail(struct buf *out, int more)
{
  buf_printf(out, "],\"hasMoreResults\":%s}", more ? "true" : "false");
}

/* ---- example mode (product.md §8): answers from the cache, no upstream call ---------- */

static const struct cache_example *example_of(struct op_ctx *x, const struct cache_type *t,
                                              const struct cache_plan *pl, enum cache_op op)
{
  struct cache_error err;
  const struct cache_example *e = cache_example(x->c, pl, &err);
  if(!e) {
    if(err.msg[0])
      problem_set(x->p, 503, "cache: %s", err.msg);
    else
      problem_set(x->p, 503, "%s of type '%s' answers from an example that the cache does "
                  "not hold: recompile the document", flow_op_extension(op), cache_str(x->c, t->name));
  }
  return e;
}

/* A non-2xx example is the API's error answer: a ServiceProblem with its status. */
static int example_status_problem(struct op_ctx *x, const struct cache_type *t,
                                  const struct cache_example *e, enum cache_op op)
{
  if(e->status >= 200 && e->status < 300)
    return 0;
  const char *body = cache_xstr(e, e->body);
  problem_set(x->p, (int)e->status, "%s of type '%s': the document's example answer has "
              "status %u", flow_op_extension(op), cache_str(x->c, t->name), e->status);
  x->p->response_body = body;
  x->p->response_len = body ? e->body.len : 0;
  return -1;
}

/* filter_src over an example's precomputed values */
static int example_get(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len)
{
  const struct cache_example *e = ctx;
  const struct cache_xstr *v = (const struct cache_xstr *)(const void *)
                               ((const char *)e + e->values);
  struct cache_xstr x = v[item * e->nprops + prop];
  if(!x.off)
    return 0;
  *s = (const char *)e + x.off;
  *len = x.len;
  return 1;
}

static int example_load(struct op_ctx *x, const struct cache_type *t,
                        const struct cache_plan *pl, enum cache_op op,
                        const struct list_filter *lf)
{
  const struct cache_example *e = example_of(x, t, pl, op);
  if(!e || example_status_problem(x, t, e, op))
    return -1;
  const struct cache_example_object *objs = (const struct cache_example_object *)(const void *)
                                            ((const char *)e + e->objects);
  /* nothing to filter, sort or page, or an id asked of a one-object example (that object
   * is the answer whatever the id): the prebuilt answer */
  int whole = lf->id ? !(e->flags & EX_F_LIST) :
              !filter_is_local(lf) && lf->limit <= 0 && lf->offset <= 0;
  if(whole && e->response.off) {
    if(x->direct) {                             /* written from the mapping, no copy */
      *x->direct = cache_xstr(e, e->response);
      *x->direct_len = e->response.len;
    }
    else
      buf_append(x->out, cache_xstr(e, e->response), e->response.len);
    return 0;
  }
  size_t n = e->nobjects;
  size_t *idx = arena_alloc(x->a, (n ? n : 1) * 2 * sizeof(*idx));
  if(!idx)
    return problem_set(x->p, 500, "out of memory");
  size_t sel = 0, first = 0, count;
  int more = 0;
  if(lf->id) {
    /* a list example: the objects with that external ID; one object: the answer */
    for(size_t i = 0; i < n; i++)
      if(!(e->flags & EX_F_LIST) || !strcmp(cache_xstr(e, objs[i].external_id), lf->id))
        idx[sel++] = i;
    count = sel;
  }
  else {
    struct cache_error err;
    uint32_t np;
    const struct cache_prop *props = cache_section(x->c, CS_PROPS, &np, &err);
    if(!props)
      return problem_set(x->p, 500, "cache: %s", err.msg);
    struct filter_src fs = { example_get, (void *)e, props + t->first_prop };
    for(size_t i = 0; i < n; i++)
      if(filter_match(lf, &fs, i))
        idx[sel++] = i;
    filter_sort(lf, &fs, idx, sel, idx + n);
    first = lf->offset > 0 ? ((size_t)lf->offset < sel ? (size_t)lf->offset : sel) : 0;
    count = sel - first;
    if(lf->limit > 0 && count > (size_t)lf->limit) {
      count = (size_t)lf->limit;
      more = 1;
    }
  }
  ops_response_head(x->out);
  for(size_t i = 0; i < count; i++) {
    if(i)
      buf_putc(x->out, ',');
    const struct cache_example_object *o = &objs[idx[first + i]];
    buf_append(x->out, cache_xstr(e, o->mobject), o->mobject.len);
  }
  ops_response_tail(x->out, more);
  return 0;
}

/* A generated external ID: a random UUID (version 4). */
static void random_uuid(char out[37])
{
  unsigned char b[16];
  if(getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
    /* no entropy source: time and a counter still give distinct IDs in this process */
    static unsigned long counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char seed[64];
    int n = snprintf(seed, sizeof(seed), "%ld.%ld.%lu.%ld", (long)ts.tv_sec,
                     (long)ts.tv_nsec, ++counter, (long)getpid());
    map_uuid5(seed, (size_t)n, out);
    return;
  }
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  static const char hex[] = "0123456789abcdef";
  size_t k = 0;
  for(int i = 0; i < 16; i++) {
    if(i == 4 || i == 6 || i == 8 || i == 10)
      out[k++] = '-';
    out[k++] = hex[b[i] >> 4];
    out[k++] = hex[b[i] & 15];
  }
  out[k] = '\0';
}

/* Sets the type's ID property of the JSON object O to EXT (a number when it reads as one
 * and the property is a number). */
static void set_id_prop(struct op_ctx *x, const struct cache_type *t, cJSON *o, const char *ext)
{
  if(t->external_id_prop < 0)
    return;
  const struct cache_prop *props = type_props(x, t);
  if(!props)
    return;
  const struct cache_prop *pr = &props[t->external_id_prop];
  const char *key = cache_str(x->c, pr->json_name);
  cJSON *v;
  if(pr->ctype == CT_NUMBER && json_is_number(ext, strlen(ext))) {
    v = cJSON_CreateNumber(0);
    if(v) {
      size_t n = strlen(ext);
      v->valuestring = cJSON_malloc(n + 1);      /* the digits, as json_parse keeps them */
      if(v->valuestring)
        memcpy(v->valuestring, ext, n + 1);
    }
  }
  else
    v = cJSON_CreateString(ext);
  if(!v)
    return;
  cJSON_DeleteItemFromObjectCaseSensitive(o, key);
  cJSON_AddItemToObject(o, key, v);
}

int op_load(struct op_ctx *x, uint32_t type)
{
  struct cache_error err;
  const struct cache_type *t = cache_type_at(x->c, type, &err);
  if(!t)
    return problem_set(x->p, 500, "cache: %s", err.msg);
  const char *tname = cache_str(x->c, t->name);
  struct list_filter lf;
  if(filter_parse(x->rq->list_filter, x->c, t, x->a, &lf, x->p))
    return -1;
  const struct cache_plan *load = plan_of(x, t, OP_LOAD), *query = plan_of(x, t, OP_QUERY);
  if(x->p->status)
    return -1;
  const struct cache_plan *pl;
  enum cache_op op;
  int by_id = lf.id != NULL, match_id = 0;
  if(by_id) {
    pl = load ? load : query;
    op = load ? OP_LOAD : OP_QUERY;
    match_id = !load;
    if(!pl)
      return problem_set(x->p, 400, "type '%s' has neither x-flow-load nor x-flow-query, so "
                         "it cannot be loaded by id", tname);
  }
  else {
    int load_ok = load && !plan_has_src(x, load, PSRC_EXTERNAL_ID, PIN_PATH);
    pl = query ? query : load_ok ? load : NULL;
    op = query ? OP_QUERY : OP_LOAD;
    if(!pl)
      return problem_set(x->p, 400, "type '%s' has no x-flow-query, so it cannot be loaded "
                         "without an id (listFilter.id)", tname);
  }
  if(pl->flags & PLAN_F_EXAMPLE)
    return example_load(x, t, pl, op, &lf);
  if(!by_id)
    decide_pushdown(x, t, pl, &lf);

  struct call cl;
  call_init(&cl);
  char what[256];
  snprintf(what, sizeof(what), "%s of %s", flow_op_extension(op), tname);
  struct call_src src = { 0 };
  src.external_id = match_id ? NULL : lf.id;
  src.lf = &lf;
  src.what = what;
  cJSON *root = NULL;
  int r = call_prepare(x, type, pl, &src, &cl);
  if(!r)
    r = call_send(x, &cl, by_id);
  if(r == 1) {                                  /* load by id: not found */
    call_free(&cl);
    ops_response_head(x->out);
    ops_response_tail(x->out, 0);
    return 0;
  }
  if(!r)
    r = answer_json(x, &cl, &root);
  call_free(&cl);
  if(r)
    return -1;

  /* the objects of the answer */
  const cJSON *array = NULL, *single = NULL;
  if(root)
    map_unwrap(x->c, type, root, cache_str(x->c, pl->items), &array, &single);
  size_t n = array ? (size_t)cJSON_GetArraySize(array) : single ? 1 : 0;
  const cJSON **items = arena_alloc(x->a, (n ? n : 1) * sizeof(*items));
  size_t *idx = arena_alloc(x->a, (n ? n : 1) * 2 * sizeof(*idx));
  struct map_want *want = map_want_build(x->c, type, x->rq->want, x->a);
  if(!items || !idx || !want) {
    cJSON_Delete(root);
    return problem_set(x->p, 500, "out of memory");
  }
  n = map_objects(array, single, items);
  struct map_items mi = { items, n, x->c, type_props(x, t) };
  struct filter_src fs = { map_items_get, &mi, mi.props };
  size_t sel = 0;
  struct buf id;
  buf_init(&id);
  for(size_t i = 0; i < n; i++) {
    if(match_id) {
      buf_reset(&id);
      if(map_external_id(x->c, type, items[i], &id))
        break;
      if(strcmp(id.data ? id.data : "", lf.id))
        continue;
    }
    else if(!by_id && !filter_match(&lf, &fs, i))
      continue;
    idx[sel++] = i;
  }
  int oom = buf_failed(&id);
  buf_free(&id);
  if(oom) {
    cJSON_Delete(root);
    return problem_set(x->p, 500, "out of memory");
  }
  size_t first = 0, count = sel;
  int more = 0;
  if(!by_id) {
    filter_sort(&lf, &fs, idx, sel, idx + n);
    if(lf.paging_pushed)
      more = lf.limit > 0 && n >= (size_t)lf.limit;
    else if(lf.limit > 0 || lf.offset > 0) {
      first = lf.offset > 0 ? ((size_t)lf.offset < sel ? (size_t)lf.offset : sel) : 0;
      count = sel - first;
      if(lf.limit > 0 && count > (size_t)lf.limit) {
        count = (size_t)lf.limit;
        more = 1;
      }
    }
  }
  ops_response_head(x->out);
  for(size_t i = 0; i < count; i++) {
    if(i)
      buf_putc(x->out, ',');
    if(map_object_to_flow(x->c, type, items[idx[first + i]], want, NULL, 0, x->out, x->p)) {
      cJSON_Delete(root);
      return -1;
    }
  }
  ops_response_tail(x->out, more);
  cJSON_Delete(root);
  return 0;
}

/* "already saved: internalId a (externalId b), ..." appended to the problem message. */
static void note_done(struct op_ctx *x, const struct buf *done, const char *verb)
{
  size_t l = strlen(x->p->msg);
  if(done->len)
    snprintf(x->p->msg + l, sizeof(x->p->msg) - l, " [%s before this failure, do not "
             "retry them: %s]", verb, done->data);
  else
    snprintf(x->p->msg + l, sizeof(x->p->msg) - l, " [nothing was %s]", verb);
}

static void done_add(struct buf *done, const cJSON *obj, const char *ext)
{
  const char *iid = json_get_str(obj, "internalId");
  buf_printf(done, "%sinternalId %s (externalId %s)", done->len ? ", " : "",
             iid ? iid : "null", ext && *ext ? ext : "null");
}

static const char *object_ext(const cJSON *obj, struct arena *a)
{
  const char *e = json_get_str(obj, "externalId");
  if(!e)
    return NULL;
  while(isspace((unsigned char)*e))
    e++;
  size_t n = strlen(e);
  while(n && isspace((unsigned char)e[n - 1]))
    n--;
  return n ? arena_strndup(a, e, n) : NULL;
}

/* The object Flow sent, as the API's JSON (every property, custom and readOnly ones too):
 * built before the call, so that a bad value is a 400 before anything is written. */
static int sent_object(struct op_ctx *x, uint32_t type, const cJSON *obj, cJSON **out)
{
  struct buf b;
  buf_init(&b);
  *out = NULL;
  if(map_flow_to_json(x->c, type, obj, NULL, 0, &b, x->p)) {
    buf_free(&b);
    return -1;
  }
  if(buf_failed(&b)) {
    buf_free(&b);
    return problem_set(x->p, 500, "out of memory");
  }
  struct json_error je;
  enum oac_result r = json_parse(b.data, b.len, out, &je);
  buf_free(&b);
  if(r)
    return problem_set(x->p, 500, "rebuilding the saved object: %s", je.msg);
  return 0;
}

/* The API's answer merged over the sent object: its members replace the sent ones. */
static void merge_answer(cJSON *sent, cJSON *answer)
{
  if(!cJSON_IsObject(answer))
    return;
  cJSON *m = answer->child;
  while(m) {
    cJSON *next = m->next;
    cJSON_DetachItemViaPointer(answer, m);
    cJSON_DeleteItemFromObjectCaseSensitive(sent, m->string);
    cJSON_AddItemToObject(sent, m->string, m);     /* copies the key first */
    m = next;
  }
}

/* Builds one object's call and throws it away: its problem (400, 401), if any, now. */
static int dry_prepare(struct op_ctx *x, uint32_t type, const struct cache_plan *pl,
                       const char *ext, const cJSON *o, const char *tname, size_t i,
                       enum cache_op op)
{
  char what[256];
  snprintf(what, sizeof(what), "%s of %s, objectData[%zu]", flow_op_extension(op), tname, i);
  struct call_src src = { ext, o, NULL, what };
  struct call cl;
  call_init(&cl);
  int r = call_prepare(x, type, pl, &src, &cl);
  call_free(&cl);
  if(r) {
    size_t l = strlen(x->p->msg);
    snprintf(x->p->msg + l, sizeof(x->p->msg) - l, " [nothing was sent]");
  }
  return r;
}

int op_save(struct op_ctx *x, uint32_t type)
{
  struct cache_error err;
  const struct cache_type *t = cache_type_at(x->c, type, &err);
  if(!t)
    return problem_set(x->p, 500, "cache: %s", err.msg);
  const char *tname = cache_str(x->c, t->name);
  const cJSON *objs = x->rq->objects;
  const struct cache_plan *save = plan_of(x, t, OP_SAVE), *update = plan_of(x, t, OP_UPDATE);
  if(x->p->status)
    return -1;
  /* every object's plan and values first: a missing extension or a bad value fails
   * before anything is written */
  const cJSON *o;
  size_t i = 0, n = (size_t)cJSON_GetArraySize(objs);
  cJSON **sent = arena_calloc(x->a, (n ? n : 1) * sizeof(*sent));
  if(!sent)
    return problem_set(x->p, 500, "out of memory");
  int r = 0;
  cJSON_ArrayForEach(o, objs) {
    if(!cJSON_IsObject(o)) {
      r = problem_set(x->p, 400, "objectData[%zu] is not an object", i);
      break;
    }
    const char *ext = object_ext(o, x->a);
    if(!save && !(ext && update)) {
      r = problem_set(x->p, 400, "type '%s' has no %s, so objectData[%zu] cannot be saved",
                      tname, ext ? "x-flow-update or x-flow-save" : "x-flow-save", i);
      break;
    }
    if(sent_object(x, type, o, &sent[i])) {
      size_t l = strlen(x->p->msg);
      snprintf(x->p->msg + l, sizeof(x->p->msg) - l, " (objectData[%zu])", i);
      r = -1;
      break;
    }
    /* a batch: every call built once before the first is sent, so that a value the call
     * refuses (a line break in a header, a missing path value or $User field) fails
     * before anything is written */
    const struct cache_plan *pl = ext && update ? update : save;
    if(n > 1 && !(pl->flags & PLAN_F_EXAMPLE) && dry_prepare(x, type, pl, ext, o, tname, i,
                                                            pl == update ? OP_UPDATE : OP_SAVE)) {
      r = -1;
      break;
    }
    i++;
  }
  if(r) {
    for(size_t k = 0; k < n; k++)
      cJSON_Delete(sent[k]);
    return -1;
  }
  struct map_want *want = map_want_build(x->c, type, x->rq->want, x->a);
  if(!want)
    return problem_set(x->p, 500, "out of memory");
  struct buf done;
  buf_init(&done);
  ops_response_head(x->out);
  i = 0;
  size_t nnew = 0;
  cJSON_ArrayForEach(o, objs)
    nnew += !object_ext(o, x->a);
  cJSON_ArrayForEach(o, objs) {
    const char *ext = object_ext(o, x->a);
    enum cache_op op = ext && update ? OP_UPDATE : OP_SAVE;
    const struct cache_plan *pl = op == OP_UPDATE ? update : save;
    if(pl->flags & PLAN_F_EXAMPLE) {
      /* as if the API had accepted: one new object gets the example's ID, several new
       * ones (or an example without objects) generated ones; an update keeps its own */
      const struct cache_example *e = example_of(x, t, pl, op);
      if(!e || example_status_problem(x, t, e, op)) {
        r = -1;
        break;
      }
      char uuid[37];
      const struct cache_example_object *eo = (const struct cache_example_object *)
        (const void *)((const char *)e + e->objects);
      if(!ext && nnew == 1 && e->nobjects && t->external_id_prop >= 0)
        ext = cache_xstr(e, eo[0].external_id);
      else if(!ext) {
        random_uuid(uuid);
        ext = uuid;
      }
      set_id_prop(x, t, sent[i], ext);
      if(i)
        buf_putc(x->out, ',');
      r = map_object_to_flow_as(x->c, type, sent[i], want, json_get_str(o, "internalId"), ext,
                                (int)json_get_long(o, "order", 0), x->out, x->p);
      if(r)
        break;
      i++;
      continue;
    }
    char what[256];
    snprintf(what, sizeof(what), "%s of %s, objectData[%zu]", flow_op_extension(op), tname, i);
    struct call_src src = { ext, o, NULL, what };
    struct call cl;
    call_init(&cl);
    cJSON *answer = NULL, *merged = sent[i];
    sent[i] = NULL;
    r = call_prepare(x, type, pl, &src, &cl);
    if(!r)
      r = call_send(x, &cl, 0);
    if(!r)
      r = answer_json(x, &cl, &answer);
    call_free(&cl);
    if(!r)
      merge_answer(merged, answer);
    cJSON_Delete(answer);
    if(!r) {
      long order = json_get_long(o, "order", 0);
      if(i)
        buf_putc(x->out, ',');
      /* without an ID property the external ID is a hash of the content: an update keeps
       * the one Flow knows the object by */
      r = map_object_to_flow_as(x->c, type, merged, want, json_get_str(o, "internalId"),
                                op == OP_UPDATE && t->external_id_prop < 0 ? ext : NULL,
                                (int)order, x->out, x->p);
    }
    if(r) {
      cJSON_Delete(merged);
      note_done(x, &done, "saved");
      break;
    }
    /* the external ID just written, for a later failure's message */
    struct buf e;
    buf_init(&e);
    if(op == OP_UPDATE && t->external_id_prop < 0)
      buf_puts(&e, ext);
    else
      map_external_id(x->c, type, merged, &e);
    done_add(&done, o, e.data);
    buf_free(&e);
    cJSON_Delete(merged);
    i++;
  }
  buf_free(&done);
  for(size_t k = 0; k < n; k++)
    cJSON_Delete(sent[k]);                        /* those not reached after a failure */
  if(r)
    return -1;
  ops_response_tail(x->out, 0);
  return 0;
}

int op_delete(struct op_ctx *x, uint32_t type)
{
  struct cache_error err;
  const struct cache_type *t = cache_type_at(x->c, type, &err);
  if(!t)
    return problem_set(x->p, 500, "cache: %s", err.msg);
  const char *tname = cache_str(x->c, t->name);
  const struct cache_plan *pl = plan_of(x, t, OP_DELETE);
  if(x->p->status)
    return -1;
  if(!pl)
    return problem_set(x->p, 400, "type '%s' has no x-flow-delete, so it cannot be deleted",
                       tname);
  if(pl->flags & PLAN_F_EXAMPLE) {
    const struct cache_example *e = example_of(x, t, pl, OP_DELETE);
    if(!e || example_status_problem(x, t, e, OP_DELETE))
      return -1;
    ops_response_head(x->out);
    ops_response_tail(x->out, 0);
    return 0;
  }
  const cJSON *o;
  size_t i = 0;
  int batch = cJSON_GetArraySize(x->rq->objects) > 1;
  cJSON_ArrayForEach(o, x->rq->objects) {
    if(!cJSON_IsObject(o))
      return problem_set(x->p, 400, "objectData[%zu] is not an object", i);
    /* a batch: every call built before the first is sent (see op_save) */
    if(batch && dry_prepare(x, type, pl, object_ext(o, x->a), o, tname, i, OP_DELETE))
      return -1;
    i++;
  }
  i = 0;
  struct buf done;
  buf_init(&done);
  int r = 0;
  cJSON_ArrayForEach(o, x->rq->objects) {
    const char *ext = object_ext(o, x->a);
    char what[256];
    snprintf(what, sizeof(what), "x-flow-delete of %s, objectData[%zu]", tname, i);
    struct call_src src = { ext, o, NULL, what };
    struct call cl;
    call_init(&cl);
    r = call_prepare(x, type, pl, &src, &cl);
    if(!r)
      r = call_send(x, &cl, 1);
    call_free(&cl);
    if(r < 0) {
      note_done(x, &done, "deleted");
      break;
    }
    r = 0;                                      /* 2xx or 404: deleted */
    done_add(&done, o, ext);
    i++;
  }
  buf_free(&done);
  if(r)
    return -1;
  ops_response_head(x->out);
  ops_response_tail(x->out, 0);
  return 0;
}
