/* call.c - one upstream API call, built from a compiled plan and sent (call.h).
 *
 * One upstream call is assembled from a compiled plan: the path template with its
 * placeholders filled (each value one percent-encoded segment), query, header and cookie
 * parameters, the security alternative the request can satisfy, and the JSON body. A
 * second, "shown" copy of the URL leaves out query values that are secrets, for messages.
 * Called by load.c and save.c (one call per object); the answer's status and JSON are
 * checked here, mapping is theirs.
 */
#include "call.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../flow/config.h"
#include "../flow/user.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "client_token.h"
#include "log.h"
#include "url.h"
#include "body.h"                 /* form bodies (issue 15) */
#include "log.h"
#include "retry.h"
#include "status.h"
#include "../flow/api_error.h"
#include "server.h"

void call_init(struct call *cl)
{
  memset(cl, 0, sizeof(*cl));
  buf_init(&cl->url);
  buf_init(&cl->shown);
  buf_init(&cl->query);
  buf_init(&cl->shown_query);
  buf_init(&cl->cookie);
  buf_init(&cl->body);
  buf_init(&cl->secret_query);
}

void call_free(struct call *cl)
{
  buf_free(&cl->url);
  buf_free(&cl->shown);
  buf_free(&cl->query);
  buf_free(&cl->shown_query);
  buf_free(&cl->cookie);
  buf_free(&cl->body);
  buf_free(&cl->secret_query);
}

static int has_crlf(const char *s)
{
  return strchr(s, '\r') || strchr(s, '\n');
}

static enum oac_result add_header(struct op_ctx *x, struct call *cl, const char *name,
                                  const char *value, const char *what)
{
  if(has_crlf(value))
    return problem_set(x->p, 400, "%s: the value for header '%s' contains a line break",
                       what, name);
  if(cl->nheaders == cl->maxheaders)
    return problem_set(x->p, 500, "too many headers");
  const char *h = arena_printf(x->a, "%s: %s", name, value);
  if(!h)
    return problem_nomem(x->p, "out of memory");
  cl->headers[cl->nheaders++] = h;
  return OAC_OK;
}

/* Appends name=ENC (ENC already encoded) to the query, and to the shown or secret one. */
static void add_query_enc(struct call *cl, const char *name, const char *enc, size_t el,
                          int secret)
{
  buf_putc(&cl->query, cl->query.len ? '&' : '?');
  url_encode_query(&cl->query, name, strlen(name));
  buf_putc(&cl->query, '=');
  buf_append(&cl->query, enc, el);
  if(secret) {
    if(cl->secret_query.len)
      buf_putc(&cl->secret_query, '&');
    url_encode_query(&cl->secret_query, name, strlen(name));
    buf_putc(&cl->secret_query, '=');
    buf_append(&cl->secret_query, enc, el);
    if(cl->secret_names && cl->nsecret < cl->maxheaders)
      cl->secret_names[cl->nsecret++] = name;
    return;
  }
  buf_putc(&cl->shown_query, cl->shown_query.len ? '&' : '?');
  url_encode_query(&cl->shown_query, name, strlen(name));
  buf_putc(&cl->shown_query, '=');
  buf_append(&cl->shown_query, enc, el);
}

static void add_query(struct call *cl, const char *name, const char *value, int secret)
{
  struct buf e;
  buf_init(&e);
  url_encode_query(&e, value, strlen(value));
  if(buf_failed(&e))
    cl->query.oom = 1;
  else
    add_query_enc(cl, name, e.data ? e.data : "", e.len, secret);
  buf_free(&e);
}

/* An array input's items (issue 16): each encoded, joined by its separator as OpenAPI's
 * styles write it ("1,2", "1%202", "1|2"); PATH: encoded as a path segment. */
static void encode_items(struct buf *b, const struct call_input *in, int path)
{
  for(size_t k = 0; k < in->nitems; k++) {
    if(k) {
      if(in->sep == ' ')
        buf_puts(b, "%20");
      else
        buf_putc(b, in->sep);
    }
    if(path)
      url_encode_segment(b, in->items[k], strlen(in->items[k]));
    else
      url_encode_query(b, in->items[k], strlen(in->items[k]));
  }
}

static void add_cookie(struct call *cl, const char *name, const char *value)
{
  if(cl->cookie.len)
    buf_puts(&cl->cookie, "; ");
  buf_puts(&cl->cookie, name);
  buf_putc(&cl->cookie, '=');
  url_encode_query(&cl->cookie, value, strlen(value));
}

static int prop_index(struct op_ctx *x, const char *name)
{
  const struct cache_prop *props = type_view_props(x->tv, x->p);
  for(uint32_t i = 0; props && i < x->tv->t->nprops; i++)
    if(!strcasecmp(cache_str(x->c, props[i].name), name))
      return (int)i;
  return -1;
}

/* The value of an EQUAL criterion on property NAME that the load sends to the API. */
static const char *pushed_value(struct op_ctx *x, const struct list_filter *lf,
                                const char *name)
{
  if(!lf)
    return NULL;
  int pi = prop_index(x, name);
  for(size_t i = 0; pi >= 0 && i < lf->root.nwhere; i++)
    if(lf->root.where[i].pushed && lf->root.where[i].prop == pi)
      return lf->root.where[i].value;
  return NULL;
}

/* message actions (§14.3; issue 16): the input a PSRC_INPUT parameter reads, or NULL */
static const struct call_input *src_input(struct op_ctx *x, const struct cache_param *pa,
                                          const struct call_src *src)
{
  if(pa->src != PSRC_INPUT)
    return NULL;
  const char *arg = cache_str(x->c, pa->arg);
  for(size_t i = 0; i < src->ninputs; i++)
    if(!strcmp(src->inputs[i].name, arg))
      return &src->inputs[i];
  return NULL;
}

/* Is parameter PA a secret (§5.2: masked wherever a URL is shown)? */
static int param_secret(struct op_ctx *x, const struct cache_param *pa,
                        const struct call_src *src)
{
  const struct call_input *in = src_input(x, pa, src);
  return (pa->flags & CPA_F_SECRET) || (in && in->secret);
}

static const char *param_value(struct op_ctx *x, const struct cache_param *pa,
                               const struct call_src *src, int *missing_user)
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
    if(!lf || !lf->order_pushed || !lf->norder || !type_view_props(x->tv, x->p))
      return NULL;
    return cache_str(x->c, x->tv->props[lf->order[0].prop].name);
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
    return pushed_value(x, lf, arg);
  case PSRC_ID_PART:                 /* §13.9: its part of the id loaded (id_part.c) */
    if(src->external_id && *src->external_id)
      return call_id_part(x, src->external_id, arg);
    return src->object ? map_flow_value(src->object, arg) : pushed_value(x, lf, arg);
  case PSRC_PROPERTY:
    if(src->object)
      return map_flow_value(src->object, arg);
    return pushed_value(x, lf, arg);
  case PSRC_CONFIG:                  /* {config: <developerName>} (§5.2; issue 16) */
    return request_config_named(x->rq, arg, x->a);
  case PSRC_INPUT: {                 /* an action's input (§14.3; issue 16) */
    const struct call_input *in = src_input(x, pa, src);
    return in ? in->value : NULL;
  }
  default:
    return NULL;
  }
}

/* Is NAME one of the query parameters the call's source sets itself? */
static int src_sets(const struct call_src *src, const char *name)
{
  for(size_t i = 0; i < src->nset; i++)
    if(!strcmp(src->set_names[i], name))
      return 1;
  return 0;
}

/* The first security alternative the request can satisfy (product.md §9.1), applied. */
static enum oac_result apply_security(struct op_ctx *x, const struct cache_plan *pl,
                                      struct call *cl, const char *what)
{
  if(!pl->nsecalts)
    return OAC_OK;
  struct cache_error err;
  const struct cache_secalt *alts = type_view_secalts(x->tv, &err);
  const uint32_t *u32 = alts ? type_view_u32(x->tv, &err) : NULL;
  const struct cache_scheme *sch = u32 ? type_view_schemes(x->tv, &err) : NULL;
  if(!sch)
    return problem_set(x->p, 500, "cache: %s", err.msg);
  const char *key = x->rq->config[CFG_API_KEY];
  const struct flow_user *u = &x->rq->user;
  int signed_in = !flow_user_is_public(u);
  int needs_user = 0;
  /* OAuth 2.0 client credentials (§13.6): configured, they satisfy a scheme with
   * flows.clientCredentials for every user; a signed-in user's token comes first on a
   * scheme that also signs users in */
  int cc_set = x->rq->config[CFG_CLIENT_ID] && x->rq->config[CFG_CLIENT_SECRET];
  int user_token = signed_in && u->value[FU_TOKEN] && *u->value[FU_TOKEN];
  int needs_cc = 0;
  for(uint32_t a = 0; a < pl->nsecalts; a++) {
    const struct cache_secalt *alt = &alts[pl->first_secalt + a];
    int ok = 1;
    for(uint32_t k = 0; k < alt->count && ok; k++) {
      const struct cache_scheme *s = &sch[u32[alt->first + k]];
      if(s->type == SCH_APIKEY)
        ok = key != NULL;
      else if(s->type == SCH_OTHER)
        ok = 0;
      else if(s->flags & SCH_F_CC) {            /* client credentials (§13.6) */
        int sign_in = cache_str(x->c, s->authorization_url)[0] != '\0';
        ok = cc_set || (sign_in && user_token);
        if(!ok && sign_in)
          needs_user = 1;
        else if(!ok)
          needs_cc = 1;
      }
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
      enum oac_result r = OAC_OK;
      if(s->type == SCH_APIKEY) {
        if(s->in == PIN_HEADER)
          r = add_header(x, cl, name, key, "API Key");
        else if(s->in == PIN_QUERY)
          add_query(cl, name, key, 1);
        else if(s->in == PIN_COOKIE)
          add_cookie(cl, name, key);
      }
      else if((s->flags & SCH_F_CC) && !(user_token &&
                                          cache_str(x->c, s->authorization_url)[0])) {
        /* client credentials (§13.6): the process's token for them */
        struct cache_str sc = { u32[alt->first_scope + 2 * k],
                                u32[alt->first_scope + 2 * k + 1] };
        const char *tok = NULL;
        cl->cc_scopes = cache_str(x->c, sc);
        if((r = client_token_get(x, s, cl->cc_scopes, cl->cc_key, &tok)))
          return r;
        const char *bearer = arena_printf(x->a, "Bearer %s", tok);
        if(!bearer)
          return problem_nomem(x->p, "out of memory");
        cl->cc_scheme = s;
        cl->cc_header = cl->nheaders;
        r = add_header(x, cl, "Authorization", bearer, "the client-credentials token");
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
    return OAC_OK;
  }
  if(needs_user && !signed_in)
    return problem_set(x->p, 401, "%s: the API operation needs a signed-in user; sign in "
                       "first", what);
  if(needs_cc)                                  /* client credentials (§13.6) */
    return problem_set(x->p, 400, "%s: the API operation needs client credentials: set the "
                       "configuration values '%s' and '%s'", what,
                       flow_config_names[CFG_CLIENT_ID], flow_config_names[CFG_CLIENT_SECRET]);
  return OAC_OK;  /* nothing applicable: call without credentials, the API decides */
}

/* Retries (product.md §13.4): the plan's idempotencyKey header with a UUID v5 of the type
 * name, a NUL byte and the object's internalId - or, without one, the canonical JSON
 * (RFC 8785) of the body (of the object for a call without a body). The same object gives
 * the same key on every attempt of the call. */
static enum oac_result idempotency_key(struct op_ctx *x, const struct cache_plan *pl,
                                       const struct call_src *src, struct call *cl)
{
  if(!src->object && !src->key_name)
    return OAC_OK;
  struct buf name;
  buf_init(&name);
  buf_puts(&name, src->key_name ? src->key_name : cache_str(x->c, x->tv->t->name));
  buf_putc(&name, '\0');
  const char *iid = src->object ? json_get_str(src->object, "internalId") : NULL;
  enum oac_result r = OAC_OK;
  if(iid && *iid)
    buf_puts(&name, iid);
  else if(cl->has_body) {
    cJSON *body = NULL;
    struct json_error je;
    r = json_parse(cl->body.data, cl->body.len, &body, &je);   /* still JSON here */
    if(r == OAC_OK)
      r = map_jcs_id(body, &name);
    else if(r != OAC_ENOMEM && src->body) {   /* an action's text/plain body: its bytes */
      buf_append(&name, cl->body.data, cl->body.len);
      r = OAC_OK;
    }
    json_delete(body);
  }
  else if(src->object)
    r = map_jcs_id(src->object, &name);
  else
    buf_append(&name, cl->url.data, cl->url.len);  /* an action without a body: its URL */
  if(r || buf_failed(&name)) {
    buf_free(&name);
    return problem_nomem(x->p, "out of memory");
  }
  char uuid[37];
  map_uuid5(name.data, name.len, uuid);
  buf_free(&name);
  const char *hname = cache_str(x->c, pl->idempotency_key);
  if((r = add_header(x, cl, hname, uuid, src->what)))
    return r;
  cl->idempotency_key = cl->headers[cl->nheaders - 1];
  return OAC_OK;
}

/* Builds the URL, headers and body of one call. */
enum oac_result call_prepare(struct op_ctx *x, const struct cache_plan *pl,
                             const struct call_src *src, struct call *cl)
{
  enum oac_result r;
  struct cache_error err;
  const struct cache_param *params = type_view_params(x->tv, &err);
  if(!params)
    return problem_set(x->p, 500, "cache: %s", err.msg);
  params += pl->first_param;
  cl->method = pl->method;
  cl->maxheaders = pl->nparams + 2 * pl->nsecalts + 8;
  cl->headers = arena_alloc(x->a, cl->maxheaders * sizeof(*cl->headers));
  cl->secret_names = arena_alloc(x->a, cl->maxheaders * sizeof(*cl->secret_names));
  if(!cl->headers || !cl->secret_names)
    return problem_nomem(x->p, "out of memory");

  /* values: query, header and cookie parameters now; path parameters below */
  for(uint32_t i = 0; i < pl->nparams; i++) {
    const struct cache_param *pa = &params[i];
    if(pa->in == PIN_PATH || (pa->in == PIN_QUERY && src_sets(src, cache_str(x->c, pa->name))))
      continue;
    int missing_user = 0;
    const char *v = param_value(x, pa, src, &missing_user);
    const char *name = cache_str(x->c, pa->name);
    if(missing_user)
      return problem_set(x->p, 400, "%s: parameter '%s' needs $User.%s, which the request's "
                         "Authorization header does not carry", src->what, name,
                         cache_str(x->c, pa->arg));
    const struct call_input *in = src_input(x, pa, src);
    if(in && in->nparts && pa->in == PIN_QUERY) {   /* an exploded array: a=1&a=2 */
      for(size_t k = 0; k < in->nparts; k++)
        add_query(cl, name, in->parts[k], in->secret || (pa->flags & CPA_F_SECRET));
      continue;
    }
    if(!v)
      continue;
    if(in && in->nitems && pa->in == PIN_QUERY) {   /* an array: 1,2 / 1%202 / 1|2 */
      struct buf e;
      buf_init(&e);
      encode_items(&e, in, 0);
      if(buf_failed(&e))
        cl->query.oom = 1;
      else
        add_query_enc(cl, name, e.data, e.len, param_secret(x, pa, src));
      buf_free(&e);
    }
    else if(pa->in == PIN_QUERY)
      add_query(cl, name, v, param_secret(x, pa, src));   /* secrets masked (§5.2) */
    else if(pa->in == PIN_HEADER) {
      if((r = add_header(x, cl, name, v, src->what)))
        return r;
    }
    else if(pa->in == PIN_COOKIE) {
      if(has_crlf(v))
        return problem_set(x->p, 400, "%s: the value for cookie '%s' contains a line break",
                           src->what, name);
      add_cookie(cl, name, v);
    }
  }
  for(size_t i = 0; i < src->nset; i++)
    if(src->set_values[i])
      add_query(cl, src->set_names[i], src->set_values[i], 0);
  if((r = apply_security(x, pl, cl, src->what)))
    return r;

  /* URL: server + path template, each {name} one encoded segment */
  const char *server = server_url(x, pl);   /* servers (§13.7) */
  size_t sl = strlen(server);
  while(sl && server[sl - 1] == '/')
    sl--;
  buf_append(&cl->url, server, sl);
  buf_append(&cl->shown, server, sl);
  const char *path = cache_str(x->c, pl->path);
  for(const char *s = path; *s;) {
    const char *open = strchr(s, '{');
    const char *close = open ? strchr(open, '}') : NULL;
    if(!open || !close) {
      buf_puts(&cl->url, s);
      buf_puts(&cl->shown, s);
      break;
    }
    buf_append(&cl->url, s, (size_t)(open - s));
    buf_append(&cl->shown, s, (size_t)(open - s));
    int secret = 0;
    size_t nl = (size_t)(close - open - 1);
    const char *v = NULL;
    const char *pname = NULL;
    const struct cache_param *ppa = NULL;
    for(uint32_t i = 0; i < pl->nparams && !v; i++) {
      const struct cache_param *pa = &params[i];
      const char *name = cache_str(x->c, pa->name);
      if(pa->in != PIN_PATH || strlen(name) != nl || strncmp(name, open + 1, nl))
        continue;
      int missing_user = 0;
      pname = name;
      ppa = pa;
      v = param_value(x, pa, src, &missing_user);
      secret = param_secret(x, pa, src);
      if(missing_user)
        return problem_set(x->p, 400, "%s: path parameter '%s' needs $User.%s, which the "
                           "request's Authorization header does not carry", src->what, name,
                           cache_str(x->c, pa->arg));
    }
    if((!v || !*v) && ppa && ppa->src == PSRC_CONFIG)   /* {config: X} (issue 16) */
      return problem_set(x->p, 400, "%s: path parameter '%s' needs the configuration value "
                         "'%s', which the request does not set", src->what, pname,
                         cache_str(x->c, ppa->arg));
    if(!v || !*v)
      return problem_set(x->p, 400, "%s: no value for path parameter '%.*s'%s", src->what,
                         (int)nl, open + 1, pname ? "" : " (the plan does not bind it)");
    const struct call_input *pin = NULL;
    for(uint32_t i = 0; i < pl->nparams && !pin; i++)
      if(pname && !strcmp(cache_str(x->c, params[i].name), pname) && params[i].in == PIN_PATH)
        pin = src_input(x, &params[i], src);
    if(pin && pin->nitems)                      /* an array: a,b (simple style) */
      encode_items(&cl->url, pin, 1);
    else
      url_encode_segment(&cl->url, v, strlen(v));
    if(secret)                                  /* a secret (§5.2) is never shown */
      buf_puts(&cl->shown, "***");
    else if(pin && pin->nitems)
      encode_items(&cl->shown, pin, 1);
    else
      url_encode_segment(&cl->shown, v, strlen(v));
    s = close + 1;
  }
  buf_append(&cl->url, cl->query.data, cl->query.len);
  buf_append(&cl->shown, cl->shown_query.data, cl->shown_query.len);
  if(cl->cookie.len && (r = add_header(x, cl, "Cookie", cl->cookie.data, src->what)))
    return r;

  if(src->body || ((pl->flags & PLAN_F_BODY) && src->object)) {
    if(src->body)                 /* an action's body, built by action.c (issue 16) */
      buf_append(&cl->body, src->body, src->body_len);
    else {
      struct cache_error e2;
      const uint32_t *u32 = type_view_u32(x->tv, &e2);
      if(!u32)
        return problem_set(x->p, 500, "cache: %s", e2.msg);
      if((r = map_flow_to_json_empty(x->c, x->tv->type, src->object, u32 + pl->first_body,
                                     pl->nbody, pl->empty_as, &cl->body, x->p)))
        return r;
    }
    cl->has_body = 1;
    cl->content_type = cache_str(x->c, pl->body_type);
    if(!*cl->content_type)
      cl->content_type = "application/json";
    /* the idempotency key from the body's JSON, before a form encoding (§13.4) */
    if(pl->idempotency_key.len && (r = idempotency_key(x, pl, src, cl)))
      return r;
    /* form bodies (product.md §13.1; issue 15): an object's (an action's text, list or
     * scalar body is sent as built) */
    if(src->object && (r = call_body_form(x, pl, cl)))
      return r;
  }
  else if(pl->idempotency_key.len && (r = idempotency_key(x, pl, src, cl)))
    return r;
  /* the query and cookie too: a failed one would otherwise be sent short (unfiltered) */
  if(buf_failed(&cl->url) || buf_failed(&cl->shown) || buf_failed(&cl->body) ||
     buf_failed(&cl->secret_query) ||
     buf_failed(&cl->query) || buf_failed(&cl->shown_query) || buf_failed(&cl->cookie))
    return problem_nomem(x->p, "out of memory");
  return OAC_OK;
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

static int is_problem_type(const char *ct)
{
  return !strncasecmp(ct, "application/problem+json", 24) &&
         (!ct[24] || ct[24] == ';' || ct[24] == ' ');
}

/* The 502 of a non-2xx answer (product.md §13.5): "The API answered <METHOD> <URL> with
 * status <N>: <its message>", cut at 500 bytes on a character boundary; responseBody keeps
 * the whole body. */
static enum oac_result api_refused(struct op_ctx *x, struct call *cl, const char *m, long st)
{
  struct buf b;
  buf_init(&b);
  buf_printf(&b, "The API answered %s %s with status %ld: ", m, cl->shown.data, st);
  api_error_message(x->resp->body.data, x->resp->body.len,
                    is_problem_type(x->resp->content_type), &b);
  if(buf_failed(&b)) {
    buf_free(&b);
    return problem_nomem(x->p, "out of memory");
  }
  size_t n = api_error_cut(b.data, b.len, API_ERROR_MSG_MAX);
  enum oac_result r = problem_set(x->p, 502, "%.*s", (int)n, b.data);
  buf_free(&b);
  x->p->response_body = x->resp->body.data;
  x->p->response_len = x->resp->body.len;
  return r;
}

/* The URL of a call for the log: no query at all (log.h: never query strings). */
static int log_url_len(const struct call *cl)
{
  const char *q = strchr(cl->shown.data, '?');
  return (int)(q ? (size_t)(q - cl->shown.data) : cl->shown.len);
}

static void sleep_ms(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while(nanosleep(&ts, &ts) && errno == EINTR)
    ;
}

call_trace_fn *call_trace;       /* --try only (call.h) */
void *call_trace_arg;

/* Sends the call (call.h: a 404 is *NOT_FOUND only when the caller asks), retried per
 * product.md §13.4 (retry.h) within the request's upstream budget. */
enum oac_result call_send(struct op_ctx *x, struct call *cl, int *not_found)
{
  if(not_found)
    *not_found = 0;
  cl->final_status = 0;
  struct upstream_req rq = { 0 };
  char msg[256];
  rq.method = cl->method;
  rq.url = cl->url.data;
  rq.headers = cl->headers;
  rq.nheaders = cl->nheaders;
  rq.max_body = cl->max_body;
  cl->too_big = 0;
  if(cl->has_body) {
    rq.body = cl->body.data;
    rq.body_len = cl->body.len;
    rq.content_type = cl->content_type;
  }
  const char *m = flow_method_name(cl->method);
  int status_retries = 0, fail_retries = 0;
  struct buf ra;
  buf_init(&ra);
  for(;;) {
    x->ncalls++;
    enum upstream_error e = upstream_send(x->up, &rq, x->resp, msg, sizeof(msg));
    if(call_trace)                              /* --try (§16.5) */
      call_trace(call_trace_arg, cl, &rq, x->resp, e, msg);
    /* a timeout after sending took the budget, a certificate problem stays one: only a
     * transfer that broke off, or one that never started, is tried again */
    if(e && e != UPE_NOMEM && e != UPE_TOO_BIG && e != UPE_REDIRECT &&
       ((e != UPE_TLS && e != UPE_TIMEOUT) || x->resp->nothing_sent) &&
       retry_on_failure(cl->method, x->resp->nothing_sent, fail_retries) &&
       upstream_left_ms(x->up) > 0) {
      fail_retries++;
      status_retry();                           /* §16.4 */
      log_msg(LOG_INFO, "retrying %s %.*s: %s%s", m, log_url_len(cl), cl->shown.data, msg,
              x->resp->nothing_sent ? " (nothing was sent)" : "");
      continue;
    }
    if(e == UPE_TIMEOUT) {
      x->upstream_status = 0;
      buf_free(&ra);
      return problem_set(x->p, 504, "The API did not answer in time: %s %s: %s", m,
                         cl->shown.data, msg);
    }
    if(e == UPE_NOMEM) {
      x->upstream_status = 0;
      buf_free(&ra);
      return problem_nomem(x->p, "%s %s: %s", m, cl->shown.data, msg);
    }
    if(e) {
      x->upstream_status = 0;
      cl->too_big = e == UPE_TOO_BIG;
      buf_free(&ra);
      return problem_set(x->p, 502, "The API call failed: %s %s: %s", m, cl->shown.data, msg);
    }
    long st = x->resp->status;
    x->upstream_status = st;
    if(st != 429 && st != 503)
      break;
    buf_reset(&ra);
    int has_ra = upstream_header(x->resp, "Retry-After", &ra);
    if(buf_failed(&ra)) {
      buf_free(&ra);
      return problem_nomem(x->p, "out of memory");
    }
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    long long after = has_ra ? retry_after_ms(ra.data, ra.len, (long long)wall.tv_sec * 1000 +
                                              wall.tv_nsec / 1000000) : -1;
    long wait = 0;
    long left = upstream_left_ms(x->up);
    enum retry_verdict v = retry_on_status(cl->method, st, cl->idempotency_key != NULL,
                                           after, status_retries, left, &wait);
    if(v == RETRY_WAIT) {
      status_retries++;
      status_retry();                           /* §16.4 */
      log_msg(LOG_INFO, "retrying %s %.*s after %ld ms: the API answered %ld%s (retry %d)",
              m, log_url_len(cl), cl->shown.data, wait, st,
              after >= 0 ? " with Retry-After" : "", status_retries);
      if(wait > 0)
        sleep_ms(wait);
      continue;
    }
    /* still refusing: a 503 that names the cause and gives the API's Retry-After */
    const char *why;
    if(st == 503 && (cl->method == M_POST || cl->method == M_PATCH) && !cl->idempotency_key)
      why = "not retried: a 503 to a request that is not idempotent (the mark sets no "
            "idempotencyKey)";
    else if(status_retries && status_retries >= (after >= 0 ? RETRY_MAX_STATUS : 1))
      why = status_retries == 1 ? "after 1 retry" : "after 2 retries";
    else
      why = "a retry would not fit in the time left";
    cl->final_status = st;      /* still refusing: an action's outcome may take it */
    struct buf am;
    buf_init(&am);
    api_error_message(x->resp->body.data, x->resp->body.len,
                      is_problem_type(x->resp->content_type), &am);
    enum oac_result r = problem_set(x->p, 503, "The API is refusing requests for now: it "
                                    "answered %s %s with status %ld (Retry-After: %.64s), %s%s%s",
                                    m, cl->shown.data, st,
                                    has_ra && ra.len ? ra.data : "none", why,
                                    am.len ? ": " : "", am.len ? am.data : "");
    buf_free(&am);
    buf_free(&ra);
    x->p->response_body = x->resp->body.data;
    x->p->response_len = x->resp->body.len;
    return r;
  }
  buf_free(&ra);
  long st = x->resp->status;
  if(st >= 200 && st < 300) {
    cl->final_status = st;
    return OAC_OK;
  }
  /* OAuth 2.0 client credentials (§13.6): a 401 drops the token; once more with a new one */
  if(st == 401 && cl->cc_scheme && !cl->cc_retried) {
    const char *tok = NULL;
    cl->cc_retried = 1;
    log_msg(LOG_INFO, "client credentials: %s %s answered 401; the token is dropped and the "
            "call repeated with a new one", m, cl->shown.data);
    client_token_drop(cl->cc_key);
    enum oac_result r = client_token_get(x, cl->cc_scheme, cl->cc_scopes, cl->cc_key, &tok);
    if(r)
      return r;
    const char *h = arena_printf(x->a, "Authorization: Bearer %s", tok);
    if(!h)
      return problem_nomem(x->p, "out of memory");
    cl->headers[cl->cc_header] = h;
    return call_send(x, cl, not_found);
  }
  cl->final_status = st;
  if(st == 404 && not_found) {
    *not_found = 1;
    return OAC_OK;
  }
  return api_refused(x, cl, m, st);
}

/* The answer as JSON: *ROOT NULL for an empty body. */
enum oac_result answer_json(struct op_ctx *x, struct call *cl, cJSON **root)
{
  *root = NULL;
  const struct buf *b = &x->resp->body;
  size_t i = 0;
  while(i < b->len && isspace((unsigned char)b->data[i]))
    i++;
  if(i == b->len)
    return OAC_OK;
  const char *m = flow_method_name(cl->method);
  if(!x->resp->is_json) {
    char start[256];
    body_start(b, start, sizeof(start));
    enum oac_result r = problem_set(x->p, 502, "The API answered %s %s with Content-Type "
                                    "'%s', not JSON: %s", m, cl->shown.data,
                                    x->resp->content_type[0] ? x->resp->content_type
                                                             : "(none)", start);
    x->p->response_body = b->data;
    x->p->response_len = b->len;
    return r;
  }
  struct json_error je;
  enum oac_result r = json_parse(b->data, b->len, root, &je);
  if(r == OAC_ENOMEM)
    return problem_nomem(x->p, "out of memory");
  if(r) {
    r = problem_set(x->p, 502, "The API's answer to %s %s is not valid JSON: %s", m,
                    cl->shown.data, je.msg);
    x->p->response_body = b->data;
    x->p->response_len = b->len;
    return r;
  }
  return OAC_OK;
}

int plan_has_src(struct op_ctx *x, const struct cache_plan *pl, unsigned src,
                 unsigned in)
{
  struct cache_error err;
  const struct cache_param *params = type_view_params(x->tv, &err);
  for(uint32_t i = 0; params && i < pl->nparams; i++) {
    const struct cache_param *pa = &params[pl->first_param + i];
    if(pa->src == src && (!in || pa->in == in))
      return 1;
  }
  return 0;
}
