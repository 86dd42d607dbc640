/* example.c - example mode (product.md §8): answers from the response examples the
 * compile step stored in the cache, with no upstream call (example.h). Called by load.c
 * (op_load) and save.c (op_save, op_delete) when the plan has PLAN_F_EXAMPLE.
 */
#include "example.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../flow/config.h"
#include "../flow/ext_id.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "../flow/response.h"
#include "call.h"
#include "log.h"
#include "offset_token.h"
#include "walk.h"

const struct cache_example *example_of(struct op_ctx *x, const struct cache_plan *pl,
                                       enum cache_op op)
{
  struct cache_error err;
  const struct cache_example *e;
  if(cache_example(x->c, pl, &e, &err))
    problem_set(x->p, 503, "cache: %s", err.msg);
  else if(!e)
    problem_set(x->p, 503, "%s of type '%s' answers from an example that the cache does "
                "not hold: recompile the document", flow_op_extension(op), x->tv->name);
  return e;
}

/* A non-2xx example is the API's error answer: a ServiceProblem with its status. */
enum oac_result example_status_problem(struct op_ctx *x, const struct cache_example *e,
                                       enum cache_op op)
{
  if(e->status >= 200 && e->status < 300)
    return OAC_OK;
  const char *body = cache_xstr(e, e->body);
  enum oac_result r = problem_set(x->p, (int)e->status, "%s of type '%s': the document's "
                                  "example answer has status %u", flow_op_extension(op),
                                  x->tv->name, e->status);
  x->p->response_body = body;
  x->p->response_len = body ? e->body.len : 0;
  return r;
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

enum oac_result example_load(struct op_ctx *x, const struct cache_plan *pl, enum cache_op op,
                             const struct list_filter *lf)
{
  const struct cache_example *e = example_of(x, pl, op);
  if(!e)
    return x->p->result;                        /* the 503 is set */
  enum oac_result r = example_status_problem(x, e, op);
  if(r)
    return r;
  const struct cache_example_object *objs = (const struct cache_example_object *)(const void *)
                                            ((const char *)e + e->objects);
  /* nothing to filter, sort or page, or an id asked of a one-object example (that object
   * is the answer whatever the id): the prebuilt answer */
  int whole = lf->id ? !(e->flags & EX_F_LIST) :
              !filter_is_local(lf) && lf->limit <= 0 && lf->offset <= 0 && !lf->offset_token;
  if(whole && e->response.off) {
    if(x->direct) {                             /* written from the mapping, no copy */
      *x->direct = cache_xstr(e, e->response);
      *x->direct_len = e->response.len;
    }
    else
      buf_append(x->out, cache_xstr(e, e->response), e->response.len);
    return OAC_OK;
  }
  size_t n = e->nobjects;
  size_t *idx = arena_alloc(x->a, (n ? n : 1) * 2 * sizeof(*idx));
  if(!idx)
    return problem_nomem(x->p, "out of memory");
  size_t sel = 0, first = 0, count;
  int more = 0;
  /* the offsetToken of a paged example list: the index it continues at (§12.2) */
  struct offset_token_list list;
  long offset = lf->offset;
  if(!lf->id) {
    enum oac_result tr = walk_token_list(x, op, &list);
    if(tr)
      return tr;
  }
  if(!lf->id && lf->offset_token) {
    struct offset_token tok;
    enum offset_token_why why;
    enum oac_result tr = offset_token_decode(lf->offset_token, strlen(lf->offset_token), &list,
                                             x->a, &tok, &why);
    if(tr == OAC_ENOMEM)
      return problem_nomem(x->p, "out of memory");
    if(tr)
      return problem_set(x->p, 400, "listFilter.offsetToken: %s", offset_token_why_str(why));
    if(tok.kind != OT_POS_EXAMPLE)
      return problem_set(x->p, 400, "listFilter.offsetToken: %s",
                         offset_token_why_str(OT_ANOTHER_LIST));
    if(offset_token_used(lf->offset, &tok))
      offset = tok.pos_num > (uint64_t)LONG_MAX ? LONG_MAX : (long)tok.pos_num;
    else
      log_msg(LOG_DEBUG, "example of %s: the offsetToken is ignored: listFilter.offset %ld "
              "differs from its offset", x->tv->name, lf->offset);
  }
  if(lf->id) {
    /* a list example: the objects with that external ID; one object: the answer */
    for(size_t i = 0; i < n; i++)
      if(!(e->flags & EX_F_LIST) || !strcmp(cache_xstr(e, objs[i].external_id), lf->id))
        idx[sel++] = i;
    count = sel;
  }
  else {
    const struct cache_prop *props = type_view_props(x->tv, x->p);
    if(!props)
      return x->p->result;                      /* the 500 is set */
    struct filter_src fs = { example_get, (void *)e, props };
    for(size_t i = 0; i < n; i++)
      if(filter_match(lf, &fs, i))
        idx[sel++] = i;
    filter_sort_keyed(lf, &fs, idx, sel, idx + n, x->a);
    first = offset > 0 ? ((size_t)offset < sel ? (size_t)offset : sel) : 0;
    count = sel - first;
    if(lf->limit > 0 && count > (size_t)lf->limit) {
      count = (size_t)lf->limit;
      more = 1;
    }
  }
  struct buf tok;
  buf_init(&tok);
  if(more) {
    struct offset_token t;
    memset(&t, 0, sizeof(t));
    t.list = list;
    t.kind = OT_POS_EXAMPLE;
    t.pos_num = first + count;
    t.offset = first + count;
    enum oac_result tr = offset_token_encode(&t, &tok);
    if(tr == OAC_ELIMIT)
      buf_reset(&tok);          /* over 4 KiB: hasMoreResults without a token */
    else if(tr || buf_failed(&tok)) {
      buf_free(&tok);
      return tr == OAC_EINTERNAL ? problem_set(x->p, 500, "offsetToken: cannot encode it")
                                 : problem_nomem(x->p, "out of memory");
    }
  }
  struct response rw;
  response_begin(&rw, x->out);
  for(size_t i = 0; i < count; i++) {
    const struct cache_example_object *o = &objs[idx[first + i]];
    response_add(&rw, cache_xstr(e, o->mobject), o->mobject.len);
  }
  response_end_token(&rw, more, tok.data, tok.len);
  buf_free(&tok);
  return OAC_OK;
}

/* Sets property PR of the JSON object O to V (a number when it reads as one and the
 * property is a number). */
static void set_prop(struct op_ctx *x, cJSON *o, const struct cache_prop *pr, const char *ext)
{
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

/* Sets the type's ID property of the JSON object O to EXT (a number when it reads as one
 * and the property is a number); a composite ID (§13.9) sets each part's property. */
void set_id_prop(struct op_ctx *x, cJSON *o, const char *ext)
{
  const struct cache_type *t = x->tv->t;
  if(t->external_id_prop < 0)
    return;
  const struct cache_prop *props = type_view_props(x->tv, x->p);
  if(!props)
    return;
  uint32_t one;
  size_t n = 0;
  const uint32_t *parts = ext_id_props(x->c, t, &one, &n);
  if(n == 1) {
    set_prop(x, o, &props[parts[0]], ext);
    return;
  }
  if(!parts || ext_id_count(ext) != n)
    return;
  struct buf b;
  buf_init(&b);
  for(size_t k = 0; k < n; k++) {
    buf_reset(&b);
    if(parts[k] < t->nprops && ext_id_part(ext, k, &b) && !buf_failed(&b))
      set_prop(x, o, &props[parts[k]], b.data ? b.data : "");
  }
  buf_free(&b);
}
