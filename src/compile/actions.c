/* actions.c - message actions (actions.h; product.md §14.1, §14.2).
 *
 * Which operations are actions: `x-flow-action` on an operation (true or a mapping),
 * `x-flow-actions: all` at the root or on a path item (every operation under it that no
 * CRUD mark uses). Each one gets a slug that depends on the operation alone (so a reordered
 * document compiles to the same actions), and is built in slug order (so the generated
 * types come out in the same order too): the call (xflow.c, with the CRUD plans' code),
 * an input per parameter the mark does not bind, the body input, the Response output and
 * the outcomes. An operation made an action only by `all` that cannot be one is left out
 * with a warning; with x-flow-action the same problem is an error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions.h"
#include "body.h"
#include "../common/mem.h"
#include "../flow/config.h"
#include "../flow/http_status.h"

#define SUMMARY_MAX 1000u       /* characters of the summary/description kept (§14.2) */
#define MAX_INPUTS 256u

static const char *const reserved_slugs[] = { "metadata", "data", "health", "status",
                                              "metrics", "authorization", "authentication" };

/* Appends the slug form of S to B: lower case, runs outside [a-z0-9] one '-' (no leading
 * '-': the caller trims the end). */
static void slug_append(struct buf *b, const char *s)
{
  for(; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if(ch >= 'A' && ch <= 'Z')
      ch = (unsigned char)(ch - 'A' + 'a');
    if((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
      buf_putc(b, (char)ch);
    else if(b->len && b->data[b->len - 1] != '-')
      buf_putc(b, '-');
  }
}

const char *actions_slug(struct arena *a, const char *operation_id, enum cache_method method,
                         const char *path)
{
  struct buf b;
  buf_init(&b);
  if(operation_id)
    slug_append(&b, operation_id);
  while(b.len && b.data[b.len - 1] == '-')
    b.len--;
  if(!b.len) {
    slug_append(&b, flow_method_name((unsigned)method));
    buf_putc(&b, '-');
    slug_append(&b, path ? path : "");
    while(b.len && b.data[b.len - 1] == '-')
      b.len--;
  }
  if(b.data)
    b.data[b.len] = '\0';
  for(size_t i = 0; b.data && i < sizeof(reserved_slugs) / sizeof(reserved_slugs[0]); i++)
    if(!strcmp(b.data, reserved_slugs[i])) {
      buf_puts(&b, "-action");
      break;
    }
  const char *r = buf_failed(&b) || !b.data ? NULL : arena_strndup(a, b.data, b.len);
  buf_free(&b);
  return r;
}

/* ---- which operations (§14.1) ---------------------------------------------------- */

struct cand {
  const struct api_op *api;
  const struct doc_node *at;    /* the x-flow-action key, else the operation */
  const struct doc_node *mark;  /* x-flow-action's mapping, NULL for true / all */
  int explicit;                 /* x-flow-action */
  const char *slug;
  const char *opid;             /* operationId, NULL = none */
  const char *opname;           /* "POST /pets/{id}/adopt" */
  size_t order;                 /* document order, for ties */
  int drop;
};

/* `x-flow-actions: all` at N (root or path item): 1 when it says all. */
static int actions_all(struct cctx *c, const struct doc_node *map)
{
  if(!map || map->kind != DOC_MAP)
    return 0;
  for(size_t i = 0; i < map->n; i++) {
    const struct doc_node *k = map->items[2 * i], *v = map->items[2 * i + 1];
    if(!doc_scalar_eq_ci(k, "x-flow-actions"))
      continue;
    if(doc_scalar_eq_ci(v, "all"))
      return 1;
    diag_node(c->diag, DIAG_ERROR, v, "x-flow-actions must be 'all' (every operation "
              "under it that no CRUD mark uses becomes an action)");
  }
  return 0;
}

/* Is operation OP used by a CRUD mark (written on it, or a plan's operation)? */
static int crud_used(struct cctx *c, const struct doc_node *op)
{
  for(size_t i = 0; i < op->n; i++)
    if(xflow_crud_op(op->items[2 * i]) >= 0)
      return 1;
  for(size_t t = 0; t < c->m->ntypes; t++)
    for(int k = 0; k < OP_MAX; k++)
      if(c->m->types[t].plans[k].present && c->m->types[t].plans[k].operation == op)
        return 1;
  return 0;
}

static const char *const mark_keys[] = { "name", "summary", "parameters", "example", "emptyAs",
                                         "headers", "idempotencyKey" };

/* x-flow-action's value V (at key K): 1 an action (*MARK its mapping or NULL), 0 not one
 * (false), -1 wrong (said). */
static int read_mark(struct cctx *c, const struct doc_node *k, const struct doc_node *v,
                     const struct doc_node **mark)
{
  *mark = NULL;
  enum doc_bool b = doc_bool(v);
  if(b != DOC_NOT_BOOL)
    return b == DOC_TRUE;
  if(!v || v->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, v && !doc_is_null(v) ? v : k, "x-flow-action must be "
              "true, false or a mapping {name, summary, parameters, example, emptyAs, "
              "headers, idempotencyKey}");
    return -1;
  }
  for(size_t i = 0; i < v->n; i++) {
    const struct doc_node *mk = v->items[2 * i], *mv = v->items[2 * i + 1];
    size_t j = 0;
    for(; j < sizeof(mark_keys) / sizeof(mark_keys[0]); j++)
      if(doc_scalar_eq_ci(mk, mark_keys[j]))
        break;
    if(j == sizeof(mark_keys) / sizeof(mark_keys[0]))
      diag_node(c->diag, DIAG_WARNING, mk, "unknown key '%s' in x-flow-action (ignored)",
                mk->kind == DOC_SCALAR ? mk->str : "?");
    else if(j < 2 && (mv->kind != DOC_SCALAR || doc_is_null(mv) || !mv->len))
      diag_node(c->diag, DIAG_ERROR, mv, "x-flow-action: '%s' must be a text", mark_keys[j]);
  }
  *mark = v;
  return 1;
}

static int cand_cmp(const void *a, const void *b)
{
  const struct cand *x = a, *y = b;
  int r = strcmp(x->slug, y->slug);
  return r ? r : x->order < y->order ? -1 : x->order > y->order;
}

/* ---- building one action (§14.2) --------------------------------------------------- */

static const char *scalar_text(const struct doc_node *n)
{
  return n && n->kind == DOC_SCALAR && n->len && !doc_is_null(n) ? n->str : NULL;
}

/* S cut at SUMMARY_MAX characters (UTF-8), in the arena. */
static const char *cut_summary(struct cctx *c, const char *s)
{
  size_t chars = 0, i = 0;
  for(; s[i]; i++) {
    if(((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == SUMMARY_MAX)
      break;
  }
  return s[i] ? arena_strndup(c->a, s, i) : s;
}

/* The schema default of a parameter, as text (arrays comma-separated, objects JSON). */
static const char *default_text(struct cctx *c, const struct doc_node *d, int array)
{
  if(!d || doc_is_null(d))
    return NULL;
  if(d->kind == DOC_SCALAR)
    return d->str;
  struct buf b;
  buf_init(&b);
  if(array && d->kind == DOC_SEQ) {
    for(size_t i = 0; i < d->n; i++) {
      if(i)
        buf_putc(&b, ',');
      if(d->items[i]->kind == DOC_SCALAR)
        buf_puts(&b, d->items[i]->str);
    }
  }
  else if(doc_to_json(d, &b))
    b.oom = 1;
  const char *r = buf_failed(&b) ? NULL : arena_strndup(c->a, b.data ? b.data : "", b.len);
  buf_free(&b);
  return r;
}

/* Type, flags and default of the input for parameter P (resolved) in IN. */
static void param_input(struct cctx *c, const struct doc_node *p, enum cache_param_in in,
                        struct model_input *ip)
{
  ip->ctype = CT_STRING;
  ip->type = -1;
  const struct doc_node *s = cc_resolve(c, doc_get(p, "schema"));
  if(!s || s->kind != DOC_MAP) {
    const struct doc_node *ct = doc_get(p, "content");
    if(ct && ct->kind == DOC_MAP && ct->n && ct->items[0]->kind == DOC_SCALAR &&
       strstr(ct->items[0]->str, "json"))
      ip->flags |= CI_F_JSON;           /* `content` JSON: a JSON text sent as it is */
    return;
  }
  const char *type = types_schema_type(s);
  const struct doc_node *fmt = doc_get(s, "format");
  int is_array = (type && !strcmp(type, "array")) || (!type && doc_get(s, "items"));
  if(is_array) {
    const struct doc_node *it = cc_resolve(c, doc_get(s, "items"));
    const char *itype = it ? types_schema_type(it) : NULL;
    if(it && it->kind == DOC_MAP && (itype ? strcmp(itype, "object") && strcmp(itype, "array")
                                           : doc_get(it, "enum") != NULL)) {
      ip->flags |= CI_F_ARRAY;
      const struct doc_node *style = doc_get(p, "style");
      const struct doc_node *explode = doc_get(p, "explode");
      int form = in == PIN_QUERY || in == PIN_COOKIE;   /* OpenAPI's default styles */
      if(doc_scalar_eq(style, "spaceDelimited"))
        ip->flags |= CI_F_SPACE_DELIM;
      else if(doc_scalar_eq(style, "pipeDelimited"))
        ip->flags |= CI_F_PIPE_DELIM;
      if(style)
        form = doc_scalar_eq(style, "form");
      enum doc_bool e = doc_bool(explode);
      if(e == DOC_TRUE || (e == DOC_NOT_BOOL && form))
        ip->flags |= CI_F_EXPLODE;
    }
    else
      ip->flags |= CI_F_JSON;
  }
  else if((type && !strcmp(type, "object")) ||
          (!type && (doc_get(s, "properties") || doc_get(s, "allOf") ||
                     doc_get(s, "oneOf") || doc_get(s, "anyOf") ||
                     doc_get(s, "additionalProperties"))))
    ip->flags |= CI_F_JSON;
  else if(type && !strcmp(type, "integer")) {
    ip->ctype = CT_NUMBER;
    ip->flags |= CI_F_INTEGER;
  }
  else if(type && !strcmp(type, "number"))
    ip->ctype = CT_NUMBER;
  else if(type && !strcmp(type, "boolean"))
    ip->ctype = CT_BOOLEAN;
  else if(doc_scalar_eq(fmt, "date-time"))
    ip->ctype = CT_DATETIME;
  else if(doc_scalar_eq(fmt, "date")) {
    ip->ctype = CT_DATETIME;
    ip->flags |= CI_F_DATE;
  }
  else if(doc_scalar_eq(fmt, "password"))
    ip->flags |= CI_F_SECRET;
  const struct doc_node *d = doc_get(s, "default");
  if(!d || doc_is_null(d)) {
    const struct doc_node *e = doc_get(s, "enum");   /* a single enum value (§13.8) */
    d = e && e->kind == DOC_SEQ && e->n == 1 ? e->items[0] : NULL;
  }
  ip->def = default_text(c, d, (ip->flags & CI_F_ARRAY) != 0);
  if(ip->def)
    ip->flags |= CI_F_DEFAULT;
}

/* Does scheme alternative list of plan P fill parameter NAME in IN (an apiKey)? */
static int security_fills(struct cctx *c, const struct model_plan *p, const char *name,
                          enum cache_param_in in)
{
  for(size_t a = 0; a < p->nsecalts; a++)
    for(size_t k = 0; k < p->secalt_len[a]; k++) {
      const struct model_scheme *s = &c->m->schemes[p->secalt[a][k]];
      if(s->type == SCH_APIKEY && s->in == in && s->param_name &&
         (in == PIN_HEADER ? !strcasecmp(s->param_name, name) : !strcmp(s->param_name, name)))
        return 1;
    }
  return 0;
}

static int bound_in_plan(const struct model_plan *p, const char *name, enum cache_param_in in)
{
  for(size_t i = 0; i < p->nparams; i++)
    if(p->params[i].in == in && (in == PIN_HEADER ? !strcasecmp(p->params[i].name, name)
                                                  : !strcmp(p->params[i].name, name)))
      return 1;
  return 0;
}

static enum cache_param_in in_of(const struct doc_node *in)
{
  return doc_scalar_eq(in, "path") ? PIN_PATH : doc_scalar_eq(in, "header") ? PIN_HEADER :
         doc_scalar_eq(in, "cookie") ? PIN_COOKIE : doc_scalar_eq(in, "query") ? PIN_QUERY : 0;
}

static const char *const in_names[] = { "body", "query", "path", "header", "cookie" };

struct pin {
  const char *name;
  enum cache_param_in in;
  const struct doc_node *p;     /* resolved parameter object, NULL for a bare placeholder */
};

/* The operation's parameters (operation level first, then the path level's it does not
 * hide), and `{x}` placeholders no parameter declares. */
static size_t collect_params(struct cctx *c, const struct api_op *api, struct pin *out,
                             size_t max)
{
  size_t n = 0;
  const struct doc_node *lists[2] = { doc_get(api->op, "parameters"),
                                      doc_get(api->item, "parameters") };
  for(int l = 0; l < 2; l++)
    for(size_t i = 0; lists[l] && lists[l]->kind == DOC_SEQ && i < lists[l]->n; i++) {
      const struct doc_node *p = cc_resolve(c, lists[l]->items[i]);
      const char *name = p && p->kind == DOC_MAP ? scalar_text(doc_get(p, "name")) : NULL;
      enum cache_param_in in = p && p->kind == DOC_MAP ? in_of(doc_get(p, "in")) : 0;
      if(!name || !in)
        continue;
      size_t j = 0;
      while(j < n && !(out[j].in == in && !strcmp(out[j].name, name)))
        j++;
      if(j < n || n == max)
        continue;
      out[n].name = name;
      out[n].in = in;
      out[n].p = p;
      n++;
    }
  for(const char *s = strchr(api->path, '{'); s && n < max; s = strchr(s + 1, '{')) {
    const char *e = strchr(s, '}');
    if(!e)
      break;
    size_t j = 0;
    while(j < n && !(out[j].in == PIN_PATH && strlen(out[j].name) == (size_t)(e - s - 1) &&
                     !strncmp(out[j].name, s + 1, (size_t)(e - s - 1))))
      j++;
    if(j < n)
      continue;
    out[n].name = arena_strndup(c->a, s + 1, (size_t)(e - s - 1));
    out[n].in = PIN_PATH;
    out[n].p = NULL;
    if(!out[n].name) {
      cc_oom(c);
      return n;
    }
    n++;
  }
  return n;
}

/* "4XX" -> 4, "404" -> 404, "default" -> 0; -1 for anything else. */
static int outcome_status(const struct doc_node *k)
{
  if(doc_scalar_eq_ci(k, "default"))
    return 0;
  const char *s = k && k->kind == DOC_SCALAR ? k->str : "";
  if(strlen(s) != 3 || s[0] < '1' || s[0] > '5')
    return -1;
  if((s[1] == 'X' || s[1] == 'x') && (s[2] == 'X' || s[2] == 'x'))
    return s[0] - '0';
  if(s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
    return -1;
  return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* The JSON media type object of response R (resolved): application/json, else the first
 * *json* one; NULL when none. */
static const struct doc_node *json_media(struct cctx *c, const struct doc_node *r)
{
  const struct doc_node *content = r && r->kind == DOC_MAP ? doc_get(r, "content") : NULL;
  if(!content || content->kind != DOC_MAP)
    return NULL;
  const struct doc_node *mt = doc_get(content, "application/json");
  for(size_t i = 0; !mt && i < content->n; i++)
    if(content->items[2 * i]->kind == DOC_SCALAR && strstr(content->items[2 * i]->str, "json"))
      mt = content->items[2 * i + 1];
  return cc_resolve(c, mt);
}

/* The media type object of the lowest 2xx JSON response with a schema (a 2XX class key
 * after every 2xx code); NULL when none. */
static const struct doc_node *response_media(struct cctx *c, const struct doc_node *rs)
{
  int best = -1;
  const struct doc_node *best_media = NULL;
  for(size_t i = 0; rs && rs->kind == DOC_MAP && i < rs->n; i++) {
    int st = outcome_status(rs->items[2 * i]);
    int rank = st == 2 ? 300 : st;
    if(rank < 200 || rank > 300)
      continue;
    const struct doc_node *media = json_media(c, cc_resolve(c, rs->items[2 * i + 1]));
    if(media && media->kind == DOC_MAP && doc_get(media, "schema") &&
       (best < 0 || rank < best)) {
      best = rank;
      best_media = media;
    }
  }
  return best_media;
}

/* Outcomes (one per `responses` key) and the Response output (the lowest 2xx JSON one). */
static void outputs(struct cctx *c, struct cand *k, struct model_action *a)
{
  const struct doc_node *rs = cc_resolve(c, doc_get(k->api->op, "responses"));
  a->response_ctype = CT_NONE;
  a->response_type = -1;
  if(!rs || rs->kind != DOC_MAP)
    return;
  a->outcomes = arena_calloc(c->a, (rs->n ? rs->n : 1) * sizeof(*a->outcomes));
  if(!a->outcomes) {
    cc_oom(c);
    return;
  }
  for(size_t i = 0; i < rs->n; i++) {
    int st = outcome_status(rs->items[2 * i]);
    const struct doc_node *r = cc_resolve(c, rs->items[2 * i + 1]);
    if(st < 0)
      continue;
    struct model_outcome *o = &a->outcomes[a->noutcomes++];
    o->status = (unsigned)st;
    o->description = r && r->kind == DOC_MAP ? scalar_text(doc_get(r, "description")) : NULL;
  }
  const struct doc_node *best_media = response_media(c, rs);
  if(!best_media)
    return;
  const char *name = arena_printf(c->a, "%s Response", k->slug);
  const char *what = arena_printf(c->a, "the response of action '%s'", k->slug);
  if(!name || !what) {
    cc_oom(c);
    return;
  }
  struct model_prop p;
  if(types_action_value(c, name, what, doc_get(best_media, "schema"), k->at, &p))
    return;
  a->response_ctype = p.ctype;
  a->response_type = p.ref_type;
  a->response_flags = p.flags & (CP_INTEGER | CP_DATE | CP_JSONTEXT | CP_SCALAR_LIST);
}

/* The request body input (§14.2), the plan's body list and media type. 0, or -1 when the
 * action cannot be made (diagnosed). */
static int body_input(struct cctx *c, struct cand *k, struct model_action *a,
                      struct model_input *ip, const char *name)
{
  const char *mtype, *why;
  const struct doc_node *schema;
  enum body_kind kind = body_action_media(c, k->api, &mtype, &schema, &why);
  struct model_plan *p = &a->plan;
  if(kind == BODY_NONE) {
    body_empty_as(c, p);
    return 1;
  }
  if(kind == BODY_UNUSABLE) {
    if(k->explicit)
      diag_node(c->diag, DIAG_ERROR, k->at, "x-flow-action: operation %s %s", k->opname,
                why ? why : "has a body that cannot be sent");
    else
      diag_node(c->diag, DIAG_WARNING, k->api->op, "operation %s is not made an action "
                "(x-flow-actions: all): the operation %s", k->opname,
                why ? why : "has a body that cannot be sent");
    return -1;
  }
  const struct doc_node *rb = cc_resolve(c, doc_get(k->api->op, "requestBody"));
  memset(ip, 0, sizeof(*ip));
  ip->name = name;
  ip->in = CIN_BODY;
  ip->type = -1;
  if(rb && doc_bool(doc_get(rb, "required")) == DOC_TRUE)
    ip->flags |= CI_F_REQUIRED;
  p->flags |= PLAN_F_BODY;
  p->body_type = mtype;
  if(kind == BODY_TEXT) {
    ip->ctype = CT_STRING;
    ip->flags |= CI_F_TEXT;
    body_empty_as(c, p);
    return 0;
  }
  const char *tname = arena_printf(c->a, "%s Body", k->slug);
  const char *what = arena_printf(c->a, "the request body of action '%s'", k->slug);
  if(!tname || !what) {
    cc_oom(c);
    return -1;
  }
  int shape = kind == BODY_JSON ? 1 : types_action_shape(c, schema);
  /* a form of free-form pairs (additionalProperties a schema or true) has nothing Flow can
   * type: it cannot be an action (§14.1), and is never silently a call without its body */
  const struct doc_node *rs = shape ? NULL : cc_resolve(c, schema);
  const struct doc_node *ap = rs && rs->kind == DOC_MAP ? doc_get(rs, "additionalProperties")
                                                        : NULL;
  if(ap && (ap->kind == DOC_MAP || doc_bool(ap) == DOC_TRUE)) {
    if(k->explicit)
      diag_node(c->diag, DIAG_ERROR, k->at, "x-flow-action: operation %s: its %s body "
                "declares no properties, only additionalProperties, which no input can "
                "carry", k->opname, mtype);
    else
      diag_node(c->diag, DIAG_WARNING, k->api->op, "operation %s is not made an action "
                "(x-flow-actions: all): its %s body declares no properties, only "
                "additionalProperties, which no input can carry", k->opname, mtype);
    return -1;
  }
  if(!shape) {
    /* a form with no properties (Stripe's deletes): nothing to send, no input */
    p->flags &= ~PLAN_F_BODY;
    p->body_type = NULL;
    body_empty_as(c, p);
    return 1;
  }
  if(shape < 0) {
    if(k->explicit)
      diag_node(c->diag, DIAG_ERROR, k->at, "x-flow-action: operation %s: its %s body is "
                "not an object, which that media type needs", k->opname, mtype);
    else
      diag_node(c->diag, DIAG_WARNING, k->api->op, "operation %s is not made an action "
                "(x-flow-actions: all): its %s body is not an object, which that media "
                "type needs", k->opname, mtype);
    return -1;
  }
  struct model_prop v;
  if(types_action_value(c, tname, what, schema, k->at, &v))
    return -1;
  ip->ctype = v.ctype;
  ip->type = v.ref_type;
  if(v.flags & CP_JSONTEXT)
    ip->flags |= CI_F_JSON;
  if(v.flags & CP_INTEGER)
    ip->flags |= CI_F_INTEGER;
  if(v.flags & CP_DATE)
    ip->flags |= CI_F_DATE;
  if(v.ctype == CT_PASSWORD) {
    ip->ctype = CT_STRING;
    ip->flags |= CI_F_SECRET;
  }
  if(v.ctype != CT_OBJECT && v.ctype != CT_LIST) {   /* a JSON scalar or JSON text */
    body_empty_as(c, p);
    return 0;
  }
  /* an object or a list: the properties sent, as a save's (form encodings by body.c) */
  const struct model_type *ty = &c->m->types[v.ref_type];
  p->body = arena_alloc(c->a, (ty->nprops + 1) * sizeof(*p->body));
  if(!p->body) {
    cc_oom(c);
    return -1;
  }
  for(size_t i = 0; i < ty->nprops; i++)
    if(!(ty->props[i].flags & (CP_READONLY | CP_CUSTOM)))
      p->body[p->nbody++] = (unsigned)i;
  body_plan(c, v.ref_type, p, k->api);
  return 0;
}

/* An action made only by `x-flow-actions: all` whose body and Response would pass the
 * type limit of §6.1 is left out with a warning (1), before any type is generated. */
static int too_many_types(struct cctx *c, struct cand *k)
{
  const char *mtype, *why;
  const struct doc_node *body = NULL;
  if(body_action_media(c, k->api, &mtype, &body, &why) == BODY_TEXT)
    body = NULL;
  const struct doc_node *media = response_media(c, cc_resolve(c, doc_get(k->api->op,
                                                                          "responses")));
  size_t room = types_room(c);
  size_t n = types_action_estimate(c, body, room);
  if(n <= room && media)
    n += types_action_estimate(c, doc_get(media, "schema"), room - n);
  if(n <= room)
    return 0;
  diag_node(c->diag, DIAG_WARNING, k->api->op, "operation %s is not made an action "
            "(x-flow-actions: all): its body and response types would pass the limit of "
            "%zu types more; an x-flow-type on the schemas they share makes each one type",
            k->opname, room);
  return 1;
}

/* Builds action K into A; 0, or -1 when it is left out (diagnosed). */
static int build(struct cctx *c, struct cand *k, struct model_action *a)
{
  unsigned errors = c->diag->errors;
  memset(a, 0, sizeof(*a));
  a->slug = k->slug;
  a->flags = k->explicit ? CA_F_EXPLICIT : 0;
  a->where = cc_where(c, k->at);
  a->response_type = -1;
  const struct doc_node *op = k->api->op;
  const char *mname = k->mark ? scalar_text(doc_get_ci(k->mark, "name")) : NULL;
  const char *msum = k->mark ? scalar_text(doc_get_ci(k->mark, "summary")) : NULL;
  const char *osum = scalar_text(doc_get(op, "summary"));
  const char *odesc = scalar_text(doc_get(op, "description"));
  a->name = mname ? mname : msum ? msum : osum ? osum : k->opid ? k->opid : k->opname;
  xflow_action_plan(c, &a->plan, k->api, k->at, k->mark);
  /* inputs: the parameters the mark does not bind, then the body */
  struct pin *pins = arena_alloc(c->a, MAX_INPUTS * sizeof(*pins));
  if(!pins) {
    cc_oom(c);
    return -1;
  }
  size_t np = collect_params(c, k->api, pins, MAX_INPUTS);
  if(np == MAX_INPUTS)
    diag_node(c->diag, DIAG_WARNING, k->at, "operation %s: more than %u parameters; the "
              "others are no inputs", k->opname, MAX_INPUTS);
  struct model_input *in = arena_calloc(c->a, (np + 1) * sizeof(*in));
  struct model_param *params = arena_calloc(c->a, (a->plan.nparams + np + 1) *
                                            sizeof(*params));
  if(!in || !params) {
    cc_oom(c);
    return -1;
  }
  memcpy(params, a->plan.params, a->plan.nparams * sizeof(*params));
  int body_named = 0;
  for(size_t i = 0; i < np; i++) {
    const struct pin *q = &pins[i];
    body_named |= !strcasecmp(q->name, "Body");   /* inputs are matched in any case */
    if(bound_in_plan(&a->plan, q->name, q->in) || security_fills(c, &a->plan, q->name, q->in))
      continue;
    if(q->in == PIN_HEADER && (!strcasecmp(q->name, "Accept") ||
                               !strcasecmp(q->name, "Content-Type") ||
                               !strcasecmp(q->name, "Authorization")))
      continue;
    struct model_input *ip = &in[a->ninputs++];
    ip->name = q->name;
    ip->param = q->name;
    ip->in = q->in;
    if(q->p)
      param_input(c, q->p, q->in, ip);
    else {
      ip->ctype = CT_STRING;
      ip->type = -1;
    }
    /* required as the parameter says (§14.2), a default or not: the worker sends the
     * default (§13.8) for a required input left empty */
    if(q->in == PIN_PATH || (q->p && doc_bool(doc_get(q->p, "required")) == DOC_TRUE))
      ip->flags |= CI_F_REQUIRED;
  }
  /* two parameters with one name: each "<name> (<in>)"; in any case, since the worker
   * matches inputs by developerName case-insensitively (§14.3) */
  for(size_t i = 0; i < a->ninputs; i++) {
    int dup = 0;
    for(size_t j = 0; j < a->ninputs; j++)
      dup |= j != i && !strcasecmp(in[i].param, in[j].param);
    if(dup && !(in[i].name = arena_printf(c->a, "%s (%s)", in[i].param,
                                          in_names[in[i].in]))) {
      cc_oom(c);
      return -1;
    }
  }
  for(size_t i = 0; i < a->ninputs; i++) {
    struct model_param *q = &params[a->plan.nparams + i];
    q->name = in[i].param;
    q->arg = in[i].name;
    q->in = (enum cache_param_in)in[i].in;
    q->src = PSRC_INPUT;
    q->flags = 0;
  }
  a->plan.params = params;
  a->plan.nparams += a->ninputs;
  if(!k->explicit && too_many_types(c, k))
    return -1;
  int r = body_input(c, k, a, &in[a->ninputs], body_named ? "Request Body" : "Body");
  if(r < 0)
    return -1;
  if(r == 0)
    a->ninputs++;
  a->inputs = in;
  outputs(c, k, a);
  /* developerSummary: the text, then the outcomes that can be wired (§14.4) */
  struct buf s;
  buf_init(&s);
  const char *text = msum ? msum : osum ? osum : odesc;
  if(text) {
    buf_puts(&s, cut_summary(c, text));
    buf_puts(&s, "\n\n");
  }
  buf_puts(&s, "Outcomes you can wire: ");
  for(size_t i = 0; i < a->noutcomes; i++) {
    unsigned st = a->outcomes[i].status;
    if(!st)
      continue;                                   /* default: error covers it */
    if(st < 10)
      buf_printf(&s, "%uxx, ", st);
    else {
      const char *reason = http_reason(st);
      buf_printf(&s, "%u%s%s, ", st, reason ? " " : "", reason ? reason : "");
    }
  }
  buf_puts(&s, "error");
  a->summary = buf_failed(&s) ? NULL : arena_strndup(c->a, s.data, s.len);
  buf_free(&s);
  if(!a->summary) {
    cc_oom(c);
    return -1;
  }
  return c->diag->errors != errors ? -1 : 0;
}

/* Two actions with one developerName: each gets " (<operationId or METHOD /path>)". */
static void unique_names(struct cctx *c, struct model_action *as, const struct cand *const *ks,
                         size_t n)
{
  unsigned char *dup = arena_calloc(c->a, n + 1);
  if(!dup) {
    cc_oom(c);
    return;
  }
  for(size_t i = 0; i < n; i++)
    for(size_t j = i + 1; j < n; j++)
      if(!strcasecmp(as[i].name, as[j].name))
        dup[i] = dup[j] = 1;
  for(size_t i = 0; i < n; i++)
    if(dup[i]) {
      as[i].name = arena_printf(c->a, "%s (%s)", as[i].name,
                                ks[i]->opid ? ks[i]->opid : ks[i]->opname);
      if(!as[i].name) {
        cc_oom(c);
        return;
      }
    }
}

/* Equal slugs (§14.2): between two x-flow-action marks an error; else every action of the
 * group is left out, with a warning naming them. */
static void slug_clashes(struct cctx *c, struct cand *k, size_t n)
{
  for(size_t i = 0; i < n;) {
    size_t j = i + 1;
    while(j < n && !strcmp(k[i].slug, k[j].slug))
      j++;
    if(j - i > 1) {
      int all_explicit = 1;
      for(size_t x = i; x < j; x++)
        all_explicit &= k[x].explicit;
      struct buf names;
      buf_init(&names);
      for(size_t x = i; x < j; x++) {
        buf_printf(&names, "%s%s (%s)", x == i ? "" : x + 1 == j ? " and " : ", ",
                   k[x].opname, cc_where(c, k[x].at));
        k[x].drop = 1;
      }
      if(all_explicit)
        diag_node(c->diag, DIAG_ERROR, k[i + 1].at, "x-flow-action: %s have the same slug "
                  "'%s' (actions/%s): give one of them another operationId", names.data ?
                  names.data : "", k[i].slug, k[i].slug);
      else
        diag_node(c->diag, DIAG_WARNING, k[i].at, "actions %s would have the same slug '%s': "
                  "all are left out; an overlay setting operationId on one of them resolves "
                  "it", names.data ? names.data : "", k[i].slug);
      buf_free(&names);
    }
    i = j;
  }
}

/* `trace` operations (not in c->ops: the cache has no TRACE method) are never actions:
 * an x-flow-action on one is an error, one that `x-flow-actions: all` would take a
 * warning naming it (§14.1). */
static int says_all(const struct doc_node *map)
{
  if(!map || map->kind != DOC_MAP)
    return 0;
  for(size_t i = 0; i < map->n; i++)
    if(doc_scalar_eq_ci(map->items[2 * i], "x-flow-actions") &&
       doc_scalar_eq_ci(map->items[2 * i + 1], "all"))
      return 1;
  return 0;
}

static void trace_operations(struct cctx *c)
{
  const struct doc_node *paths = cc_resolve(c, doc_get(c->root, "paths"));
  if(!paths || paths->kind != DOC_MAP)
    return;
  int root_all = says_all(c->root);
  for(size_t i = 0; i < paths->n; i++) {
    const struct doc_node *item = cc_resolve(c, paths->items[2 * i + 1]);
    if(!item || item->kind != DOC_MAP)
      continue;
    for(size_t j = 0; j < item->n; j++) {
      const struct doc_node *op = item->items[2 * j + 1];
      if(!doc_scalar_eq_ci(item->items[2 * j], "trace") || !op || op->kind != DOC_MAP)
        continue;
      const struct doc_node *key = NULL, *val = NULL;
      for(size_t m = 0; m < op->n; m++)
        if(doc_scalar_eq_ci(op->items[2 * m], "x-flow-action")) {
          key = op->items[2 * m];
          val = op->items[2 * m + 1];
        }
      if(key && doc_bool(val) != DOC_FALSE)
        diag_node(c->diag, DIAG_ERROR, key, "operation TRACE %s cannot be an action: the "
                  "connector makes no TRACE calls", paths->items[2 * i]->str);
      else if(!key && (root_all || says_all(item)))
        diag_node(c->diag, DIAG_WARNING, op, "operation TRACE %s is not made an action "
                  "(x-flow-actions: all): the connector makes no TRACE calls",
                  paths->items[2 * i]->str);
    }
  }
}

void actions_compile(struct cctx *c)
{
  trace_operations(c);
  if(!c->nops)
    return;
  int root_all = actions_all(c, c->root);
  struct cand *k = oac_calloc(c->nops, sizeof(*k));
  if(!k) {
    cc_oom(c);
    return;
  }
  size_t n = 0;
  const struct doc_node *last_item = NULL;
  int item_all = 0;
  for(size_t i = 0; i < c->nops && !c->fatal; i++) {
    const struct api_op *api = &c->ops[i];
    if(api->item != last_item) {
      last_item = api->item;
      item_all = actions_all(c, api->item);
    }
    const struct doc_node *key = NULL, *val = NULL;
    for(size_t j = 0; j < api->op->n; j++)
      if(doc_scalar_eq_ci(api->op->items[2 * j], "x-flow-action")) {
        key = api->op->items[2 * j];
        val = api->op->items[2 * j + 1];
      }
    const struct doc_node *mark = NULL;
    int is = key ? read_mark(c, key, val, &mark) : 0;
    if(is < 0 || (key && !is))
      continue;                   /* wrong (said), or x-flow-action: false */
    if(!is && !((root_all || item_all) && !crud_used(c, api->op)))
      continue;
    struct cand *x = &k[n];
    x->api = api;
    x->at = key ? key : api->op;
    x->mark = mark;
    x->explicit = is;
    x->opid = scalar_text(doc_get(api->op, "operationId"));
    x->opname = arena_printf(c->a, "%s %s", cc_method_name(api->method), api->path);
    x->slug = actions_slug(c->a, x->opid, api->method, api->path);
    x->order = i;
    if(!x->opname || !x->slug) {
      cc_oom(c);
      break;
    }
    n++;
  }
  if(c->fatal || !n) {
    oac_free(k);
    return;
  }
  qsort(k, n, sizeof(*k), cand_cmp);
  slug_clashes(c, k, n);
  size_t t0 = c->m->ntypes;
  struct model_action *as = oac_calloc(n, sizeof(*as));
  const struct cand **ks = oac_calloc(n, sizeof(*ks));
  if(!as || !ks) {
    oac_free(k);
    oac_free(as);
    oac_free(ks);
    cc_oom(c);
    return;
  }
  size_t na = 0;
  for(size_t i = 0; i < n && !c->fatal; i++) {
    if(k[i].drop)
      continue;
    size_t before = c->m->ntypes;
    if(build(c, &k[i], &as[na]))
      continue;
    /* the types generated for it ("<slug> Body", "<slug> Response" and their helpers)
     * need no database binding */
    for(size_t t = before; t < c->m->ntypes; t++) {
      const char *tn = c->m->types[t].name;
      size_t sl = strlen(k[i].slug);
      if(!strncmp(tn, k[i].slug, sl) && (!strncmp(tn + sl, " Body", 5) ||
                                         !strncmp(tn + sl, " Response", 9)))
        c->m->types[t].action_only = 1;
    }
    ks[na++] = &k[i];
  }
  unique_names(c, as, ks, na);
  /* types first met through an action (decorated ones included): external IDs, plans */
  for(size_t t = t0; t < c->m->ntypes && !c->fatal; t++)
    xflow_finish_type(c, (int)t);
  oac_free(c->m->actions);
  c->m->actions = as;
  c->m->nactions = na;
  c->m->cap_actions = n;
  oac_free(ks);
  oac_free(k);
}
