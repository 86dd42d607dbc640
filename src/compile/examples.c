/* examples.c - response examples (product.md §8), in two steps.
 *
 * examples_resolve() runs on the document: for every CRUD extension with an `example`
 * setting it finds the JSON the setting stands for, with the precedence of §8 (a named
 * example; else the chosen response's media-type example, its first named example, its
 * schema's example, the type schema's example, an object assembled from the properties'
 * examples), and reports a setting that points nowhere at its line:col.
 *
 * examples_build() runs on the finished model: it maps each example to Flow objects with
 * the worker's own mapping code (against a first image of the cache, so the result is
 * byte for byte what the worker would have produced from an API answer) and stores the
 * records the worker serves without parsing anything (format.h, struct cache_example).
 */
#include "examples.h"

#include <stdlib.h>
#include <string.h>

#include "../cache/cache.h"
#include "../common/mem.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "../flow/response.h"
#include "cache_write.h"
#include "../flow/config.h"
#include "../flow/api_error.h"      /* message actions: Error Message (issue 16) */
#include "../flow/service.h"        /* message actions: the outputs (issue 16) */

/* nesting of distinct schemas an example is assembled through (recursion stops earlier) */
#define ASSEMBLE_MAX_DEPTH 64u

/* The JSON media type object of a response: application/json, else the first *json*. */
static const struct doc_node *json_media(struct cctx *c, const struct doc_node *resp,
                                         const char **name)
{
  const struct doc_node *content = resp ? doc_get(resp, "content") : NULL;
  if(!content || content->kind != DOC_MAP)
    return NULL;
  const struct doc_node *mt = doc_get(content, "application/json");
  *name = "application/json";
  for(size_t i = 0; !mt && i < content->n; i++)
    if(strstr(content->items[2 * i]->str, "json")) {
      mt = content->items[2 * i + 1];
      *name = content->items[2 * i]->str;
    }
  return cc_resolve(c, mt);
}

/* A status code key ("200", 404): its number, 0 if it is none. */
static unsigned status_of(const char *s)
{
  if(strlen(s) != 3 || s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
     s[2] > '9')
    return 0;
  return (unsigned)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
}

/* The value of an Example Object (possibly a $ref). */
static const struct doc_node *example_value(struct cctx *c, const struct doc_node *ex)
{
  ex = cc_resolve(c, ex);
  return ex && ex->kind == DOC_MAP ? doc_get(ex, "value") : NULL;
}

/* doc_to_json of an example, errors reported: out of memory, or an example nested deeper
 * than the JSON writer's limit (DOC_JSON_MAX_DEPTH). 0 ok, -1 reported. */
static int example_json(struct cctx *c, const struct doc_node *n, struct buf *out)
{
  enum oac_result r = doc_to_json(n, out);
  if(r == OAC_ELIMIT)
    diag_node(c->diag, DIAG_ERROR, n, "example nested deeper than %u levels",
              DOC_JSON_MAX_DEPTH);
  else if(r)
    cc_oom(c);
  return r ? -1 : 0;
}

/* The schemas an assembly is inside of: a schema met again is recursion, below which
 * there is no example (as type generation reuses the ancestor's type). */
struct assembly {
  const struct doc_node *schema;
  const struct assembly *up;
  unsigned depth;
};

/* JSON of an object assembled from property-level examples; 0 when there was none. The
 * properties are the schema's with its allOf parts merged as for its type (§6.1). */
static int assemble(struct cctx *c, const struct doc_node *schema, struct buf *out,
                    const struct assembly *up)
{
  schema = cc_resolve(c, schema);
  if(!schema || schema->kind != DOC_MAP || c->fatal)
    return 0;
  const struct doc_node *ex = doc_get(schema, "example");
  if(ex && up)
    return example_json(c, ex, out) ? 0 : 1;
  for(const struct assembly *a = up; a; a = a->up)
    if(a->schema == schema)
      return 0;
  struct assembly here = { schema, up, up ? up->depth + 1 : 0 };
  if(here.depth > ASSEMBLE_MAX_DEPTH) {
    diag_node(c->diag, DIAG_ERROR, schema, "example: the properties' examples are nested "
              "deeper than %u levels (give the schema an example)", ASSEMBLE_MAX_DEPTH);
    return 0;
  }
  struct merged l = { NULL, 0, 0 };
  types_merge_props(c, &l, schema);
  size_t mark = out->len;
  int n = 0;
  buf_putc(out, '{');
  for(size_t i = 0; i < l.n && !c->fatal; i++) {
    size_t before = out->len;
    if(n)
      buf_putc(out, ',');
    buf_json_str(out, l.v[i].name);
    buf_putc(out, ':');
    if(assemble(c, l.v[i].raw, out, &here))
      n++;
    else
      out->len = before;                      /* no example below this property */
  }
  oac_free(l.v);
  buf_putc(out, '}');
  if(!n)
    out->len = mark;
  if(out->data)
    out->data[out->len] = '\0';
  return n > 0;
}

/* SCHEMA: the type's schema (fallbacks), NAME / EXT: for messages; NEED: a 2xx example
 * must be found (loads, queries); ASSEMBLE: one may be assembled from the properties'. */
static void resolve_one(struct cctx *c, const struct doc_node *schema, const char *name,
                        const char *ext, int need, int assemble_ok, struct model_plan *p)
{
  const struct doc_node *set = p->example_setting;
  const struct doc_node *rnode = set->kind == DOC_MAP ? doc_get_ci(set, "response") : NULL;
  const struct doc_node *enode = set->kind == DOC_MAP ? doc_get_ci(set, "examples") : NULL;
  const struct doc_node *op_node = p->operation;
  const char *m = cc_method_name(p->method);
  const struct doc_node *responses = op_node ? cc_resolve(c, doc_get(op_node, "responses"))
                                             : NULL;
  if(responses && responses->kind != DOC_MAP)
    responses = NULL;
  const struct doc_node *resp = NULL;
  const char *rkey = NULL;
  unsigned status = 200;
  if(rnode && rnode->kind == DOC_SCALAR) {
    if(!op_node) {
      diag_node(c->diag, DIAG_ERROR, rnode, "example: response '%s' of %s %s: the document "
                "has no such operation", rnode->str, m, p->path);
      return;
    }
    status = status_of(rnode->str);
    if(!status) {
      diag_node(c->diag, DIAG_ERROR, rnode, "example: response '%s' is not a status code",
                rnode->str);
      return;
    }
    resp = responses ? doc_get(responses, rnode->str) : NULL;
    if(!resp) {
      diag_node(c->diag, DIAG_ERROR, rnode, "example: %s %s has no response '%s'", m,
                p->path, rnode->str);
      return;
    }
    rkey = rnode->str;
  }
  else if(responses) {
    /* the lowest 2xx response */
    for(size_t i = 0; i < responses->n; i++) {
      unsigned s = status_of(responses->items[2 * i]->str);
      if(s >= 200 && s < 300 && (!rkey || s < status)) {
        status = s;
        rkey = responses->items[2 * i]->str;
        resp = responses->items[2 * i + 1];
      }
    }
  }
  resp = cc_resolve(c, resp);
  const char *mtname = "application/json";
  const struct doc_node *media = resp ? json_media(c, resp, &mtname) : NULL;
  const struct doc_node *value = NULL;
  struct buf text;
  buf_init(&text);
  if(enode && enode->kind == DOC_SCALAR) {
    const struct doc_node *exs = media ? doc_get(media, "examples") : NULL;
    const struct doc_node *ex = exs && exs->kind == DOC_MAP ? doc_get(exs, enode->str) : NULL;
    if(!ex) {
      diag_node(c->diag, DIAG_ERROR, enode, "example: no example '%s' under responses.%s."
                "content.%s.examples of %s %s", enode->str, rkey ? rkey : "200", mtname, m,
                p->path);
      return;
    }
    value = example_value(c, ex);
    if(!value) {
      diag_node(c->diag, DIAG_ERROR, enode, "example '%s' has no 'value' (externalValue is "
                "not supported)", enode->str);
      return;
    }
  }
  else {
    if(media)
      value = doc_get(media, "example");
    const struct doc_node *exs = media && !value ? doc_get(media, "examples") : NULL;
    if(exs && exs->kind == DOC_MAP && exs->n)
      value = example_value(c, exs->items[1]);
    const struct doc_node *sch = media && !value ? cc_resolve(c, doc_get(media, "schema"))
                                                 : NULL;
    if(sch && sch->kind == DOC_MAP)
      value = doc_get(sch, "example");
    if(!value && status < 300 && schema)
      value = doc_get(schema, "example");
    if(!value && status < 300 && schema && assemble_ok)
      assemble(c, schema, &text, NULL);
  }
  if(value && example_json(c, value, &text)) {
    buf_free(&text);
    return;
  }
  if(buf_failed(&text)) {
    buf_free(&text);
    cc_oom(c);
    return;
  }
  if(!text.len && status < 300 && need) {
    diag_node(c->diag, DIAG_ERROR, set, "example: no example found for %s of '%s' (looked "
              "at the %s response's media type, its named examples and schema, the type's "
              "schema and its properties)", ext, name, rkey ? rkey : "2xx");
    buf_free(&text);
    return;
  }
  p->example_status = status;
  if(text.len) {
    p->example_json = arena_strndup(c->a, text.data, text.len);
    p->example_json_len = text.len;
    if(!p->example_json)
      cc_oom(c);
  }
  buf_free(&text);
}

void examples_resolve(struct cctx *c)
{
  for(size_t t = 0; t < c->m->ntypes && !c->fatal; t++) {
    struct model_type *ty = &c->m->types[t];
    for(int op = 0; op < OP_MAX; op++)
      if(ty->plans[op].present && (ty->plans[op].flags & PLAN_F_EXAMPLE) &&
         ty->plans[op].example_setting)
        resolve_one(c, ty->schema, ty->name, flow_op_extension((unsigned)op),
                    op == OP_LOAD || op == OP_QUERY, op == OP_LOAD || op == OP_QUERY,
                    &ty->plans[op]);
  }
  /* message actions (§14.5): the Response type's schema is the fallback; an example
   * without JSON answers its status alone */
  for(size_t i = 0; i < c->m->nactions && !c->fatal; i++) {
    struct model_action *a = &c->m->actions[i];
    if(!(a->plan.flags & PLAN_F_EXAMPLE) || !a->plan.example_setting)
      continue;
    const struct doc_node *schema = a->response_ctype == CT_OBJECT && a->response_type >= 0 ?
                                    c->m->types[a->response_type].schema : NULL;
    resolve_one(c, schema, a->name, "x-flow-action", 0, schema != NULL, &a->plan);
  }
}

/* ---- records ---------------------------------------------------------------------- */

struct rec {
  struct buf texts;             /* offsets relative to the start of the texts */
  struct cache_example_object *objs;
  struct cache_xstr *vals;
};

static struct cache_xstr add_text(struct rec *r, const char *s, size_t n)
{
  struct cache_xstr x;
  x.off = (uint32_t)r->texts.len + 1;           /* + 1: 0 means null; fixed up below */
  x.len = (uint32_t)n;
  buf_append(&r->texts, s, n);
  buf_putc(&r->texts, '\0');
  return x;
}

static void fix(struct cache_xstr *x, uint32_t base)
{
  if(x->off)
    x->off = x->off - 1 + base;
}

static enum oac_result build_record(struct cache *c, uint32_t type, const struct model_plan *p,
                                    struct arena *a, const char **out, size_t *outlen)
{
  struct cache_error err;
  const struct cache_type *t = cache_type_at(c, type, &err);
  if(!t)
    return OAC_EINTERNAL;
  struct cache_example e;
  memset(&e, 0, sizeof(e));
  e.status = p->example_status ? p->example_status : 200;
  e.type = type;
  e.nprops = t->nprops;
  struct rec r;
  memset(&r, 0, sizeof(r));
  buf_init(&r.texts);
  cJSON *root = NULL;
  struct buf tmp, resp;
  buf_init(&tmp);
  buf_init(&resp);
  enum oac_result res = OAC_OK;
  if(p->example_json)
    e.body = add_text(&r, p->example_json, p->example_json_len);
  if(p->example_json && e.status < 300) {
    struct json_error je;
    res = json_parse(p->example_json, p->example_json_len, &root, &je);
    if(res)
      goto done;
    const cJSON *array = NULL, *single = NULL;
    map_unwrap(c, type, root, p->items ? p->items : "", &array, &single);
    if(cJSON_IsArray(root))
      e.flags |= EX_F_LIST;
    size_t n = array ? (size_t)cJSON_GetArraySize(array) : single ? 1 : 0;
    const cJSON **items = oac_calloc(n ? n : 1, sizeof(*items));
    r.objs = oac_calloc(n ? n : 1, sizeof(*r.objs));
    r.vals = oac_calloc((n ? n : 1) * (t->nprops ? t->nprops : 1), sizeof(*r.vals));
    if(!items || !r.objs || !r.vals) {
      oac_free(items);
      res = OAC_ENOMEM;
      goto done;
    }
    size_t k = map_objects(array, single, items);
    uint32_t np;
    const struct cache_prop *props = cache_section(c, CS_PROPS, &np, &err);
    struct map_items mi = { items, k, c, props ? props + t->first_prop : NULL };
    struct problem pr = { 0 };
    struct response rw;
    response_begin(&rw, &resp);
    for(size_t i = 0; i < k && !res; i++) {
      buf_reset(&tmp);
      enum oac_result mr = props ? map_object_to_flow(c, type, items[i], NULL, NULL, 0, &tmp,
                                                      &pr) : OAC_EINTERNAL;
      if(mr) {
        /* memory is memory; any other refusal of the compiler's own cache is a fault */
        res = mr == OAC_ENOMEM ? OAC_ENOMEM : OAC_EINTERNAL;
        break;
      }
      response_add(&rw, tmp.data, tmp.len);
      r.objs[i].mobject = add_text(&r, tmp.data, tmp.len);
      buf_reset(&tmp);
      if(map_external_id(c, type, items[i], &tmp)) {
        res = OAC_ENOMEM;
        break;
      }
      r.objs[i].external_id = add_text(&r, tmp.data ? tmp.data : "", tmp.len);
      for(uint32_t j = 0; j < t->nprops; j++) {
        const char *s;
        size_t len;
        if(map_items_get(&mi, i, j, &s, &len))
          r.vals[i * t->nprops + j] = add_text(&r, s, len);
      }
    }
    oac_free(items);
    response_end(&rw, 0);
    e.nobjects = (uint32_t)k;
    if(!res)
      e.response = add_text(&r, resp.data, resp.len);
  }
  if(buf_failed(&r.texts) || buf_failed(&tmp) || buf_failed(&resp))
    res = OAC_ENOMEM;
  if(!res) {
    /* header | objects | values | texts, each 8-aligned */
    size_t objs = (sizeof(e) + 7) & ~(size_t)7;
    size_t vals = objs + (((size_t)e.nobjects * sizeof(*r.objs) + 7) & ~(size_t)7);
    size_t texts = vals + (((size_t)e.nobjects * e.nprops * sizeof(*r.vals) + 7) &
                           ~(size_t)7);
    size_t total = (texts + r.texts.len + 7) & ~(size_t)7;
    if(total > UINT32_MAX / 2) {
      res = OAC_ELIMIT;
      goto done;
    }
    e.objects = (uint32_t)objs;
    e.values = (uint32_t)vals;
    fix(&e.body, (uint32_t)texts);
    fix(&e.response, (uint32_t)texts);
    for(uint32_t i = 0; i < e.nobjects; i++) {
      fix(&r.objs[i].mobject, (uint32_t)texts);
      fix(&r.objs[i].external_id, (uint32_t)texts);
    }
    for(size_t i = 0; i < (size_t)e.nobjects * e.nprops; i++)
      fix(&r.vals[i], (uint32_t)texts);
    unsigned char *blob = arena_calloc(a, total);
    if(!blob) {
      res = OAC_ENOMEM;
      goto done;
    }
    memcpy(blob, &e, sizeof(e));
    if(e.nobjects)
      memcpy(blob + objs, r.objs, e.nobjects * sizeof(*r.objs));
    if(e.nobjects && e.nprops)
      memcpy(blob + vals, r.vals, (size_t)e.nobjects * e.nprops * sizeof(*r.vals));
    if(r.texts.len)
      memcpy(blob + texts, r.texts.data, r.texts.len);
    *out = (const char *)blob;
    *outlen = total;
  }
done:
  cJSON_Delete(root);
  buf_free(&r.texts);
  buf_free(&tmp);
  buf_free(&resp);
  oac_free(r.objs);
  oac_free(r.vals);
  return res;
}

/* ---- message actions (product.md §14.5; issue 16) --------------------------------- */

/* The Response output of a 2xx example ROOT into B (after a ','), or nothing: mapped by
 * the worker's own code (flow/service.c), so example mode answers as a real call would. */
static enum oac_result action_response(struct cache *c, const struct model *m,
                                       const struct model_action *a, const cJSON *root,
                                       struct buf *b)
{
  struct problem pr = { 0 };
  const char *type_name = a->response_type >= 0 ? m->types[a->response_type].name : NULL;
  if(!service_response_value(c, a->response_ctype, a->response_type, type_name, "", root, b,
                             &pr))
    return OAC_OK;
  return pr.result == OAC_ENOMEM ? OAC_ENOMEM : OAC_EINTERNAL;
}

/* The record of action A's example (format.h, CACHE_EXAMPLE_ACTION): the example JSON as
 * body, and the ServiceResponse outputs array as response. */
static enum oac_result build_action_record(struct cache *c, const struct model *m,
                                           const struct model_action *a, struct arena *ar,
                                           const char **out, size_t *outlen)
{
  const struct model_plan *p = &a->plan;
  struct cache_example e;
  memset(&e, 0, sizeof(e));
  e.status = p->example_status ? p->example_status : 200;
  e.type = CACHE_EXAMPLE_ACTION;
  struct rec r;
  memset(&r, 0, sizeof(r));
  buf_init(&r.texts);
  struct buf o;
  buf_init(&o);
  cJSON *root = NULL;
  enum oac_result res = OAC_OK;
  if(p->example_json) {
    e.body = add_text(&r, p->example_json, p->example_json_len);
    struct json_error je;
    res = json_parse(p->example_json, p->example_json_len, &root, &je);
  }
  buf_putc(&o, '[');
  char status[16];
  snprintf(status, sizeof(status), "%u", e.status);
  /* the outputs in the worker's order: Status Code first (worker/action.c) */
  service_output(&o, "Status Code", "ContentNumber", status, strlen(status), NULL, 0, NULL);
  if(!res && e.status < 300)
    res = action_response(c, m, a, root, &o);
  if(!res && e.status >= 300) {
    /* §13.5's message, with the path template: nothing was sent */
    struct buf msg;
    buf_init(&msg);
    buf_printf(&msg, "The API answered %s %s with status %u (example)",
               flow_method_name((unsigned)p->method), p->path, e.status);
    size_t head = msg.len;
    buf_puts(&msg, ": ");
    if(p->example_json)
      api_error_message(p->example_json, p->example_json_len, 0, &msg);
    if(msg.len == head + 2)
      msg.len = head;                            /* no message in the body */
    size_t cut = buf_failed(&msg) ? 0 : api_error_cut(msg.data, msg.len, API_ERROR_MSG_MAX);
    buf_putc(&o, ',');
    service_output(&o, "Error Message", "ContentString", msg.data ? msg.data : "", cut, NULL,
                   0, NULL);
    buf_putc(&o, ',');
    service_output(&o, "Response Body", "ContentString",
                   p->example_json ? p->example_json : "", p->example_json ?
                   api_error_cut(p->example_json, p->example_json_len, SERVICE_BODY_MAX) : 0,
                   NULL, 0, NULL);
    if(buf_failed(&msg))
      res = OAC_ENOMEM;
    buf_free(&msg);
  }
  buf_putc(&o, ']');
  if(!res && buf_failed(&o))
    res = OAC_ENOMEM;
  if(!res)
    e.response = add_text(&r, o.data, o.len);
  if(!res && buf_failed(&r.texts))
    res = OAC_ENOMEM;
  if(!res) {
    size_t texts = (sizeof(e) + 7) & ~(size_t)7;
    size_t total = (texts + r.texts.len + 7) & ~(size_t)7;
    if(total > UINT32_MAX / 2)
      res = OAC_ELIMIT;
    else {
      e.objects = e.values = (uint32_t)texts;
      fix(&e.body, (uint32_t)texts);
      fix(&e.response, (uint32_t)texts);
      unsigned char *blob = arena_calloc(ar, total);
      if(!blob)
        res = OAC_ENOMEM;
      else {
        memcpy(blob, &e, sizeof(e));
        memcpy(blob + texts, r.texts.data, r.texts.len);
        *out = (const char *)blob;
        *outlen = total;
      }
    }
  }
  cJSON_Delete(root);
  buf_free(&o);
  buf_free(&r.texts);
  return res;
}

enum oac_result examples_build(struct model *m)
{
  int any = 0;
  for(size_t i = 0; i < m->nactions; i++)          /* message actions (§14.5) */
    any |= (m->actions[i].plan.flags & PLAN_F_EXAMPLE) != 0;
  for(size_t t = 0; t < m->ntypes && !any; t++)
    for(int op = 0; op < OP_MAX; op++)
      any |= m->types[t].plans[op].present && (m->types[t].plans[op].flags & PLAN_F_EXAMPLE);
  if(!any)
    return OAC_OK;
  /* a first image without records: the mapping code reads types from a real cache */
  struct buf img;
  buf_init(&img);
  enum oac_result r = cache_build_image(m, &img);
  struct cache c;
  struct cache_error err;
  if(!r && cache_open_mem(&c, img.data, img.len, CACHE_VERIFY_ALL, &err))
    r = OAC_EINTERNAL;
  if(r) {
    buf_free(&img);
    return r;
  }
  for(size_t t = 0; t < m->ntypes && !r; t++)
    for(int op = 0; op < OP_MAX && !r; op++) {
      struct model_plan *p = &m->types[t].plans[op];
      if(p->present && (p->flags & PLAN_F_EXAMPLE))
        r = build_record(&c, (uint32_t)t, p, &m->arena, &p->example, &p->example_len);
    }
  for(size_t i = 0; i < m->nactions && !r; i++) {  /* message actions (§14.5) */
    struct model_action *a = &m->actions[i];
    if(a->plan.flags & PLAN_F_EXAMPLE)
      r = build_action_record(&c, m, a, &m->arena, &a->plan.example, &a->plan.example_len);
  }
  cache_close(&c);
  buf_free(&img);
  return r;
}
