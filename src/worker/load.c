/* load.c - the load operation (product.md §5.2-§5.5): by id or by query, what the API can
 * filter, sort and page itself (pushdown), the call, the list unwrapped from the answer,
 * the rest of the filter applied locally, the ObjectDataResponse (ops.h). Called by
 * handler.c for POST /data.
 */
#include "ops.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../flow/config.h"
#include "../flow/filter.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "../flow/response.h"
#include "call.h"
#include "example.h"
#include "walk.h"

/* A where/property parameter of the plan bound to type property PROP? */
static int plan_maps_prop(struct op_ctx *x, const struct cache_plan *pl, int prop)
{
  struct cache_error err;
  const struct cache_param *params = type_view_params(x->tv, &err);
  const struct cache_prop *props = type_view_props(x->tv, x->p);
  if(!params || !props)
    return 0;
  for(uint32_t i = 0; i < pl->nparams; i++) {
    const struct cache_param *pa = &params[pl->first_param + i];
    if((pa->src == PSRC_WHERE || pa->src == PSRC_PROPERTY || pa->src == PSRC_ID_PART) &&
       !strcasecmp(cache_str(x->c, pa->arg), cache_str(x->c, props[prop].name)))
      return 1;
  }
  return 0;
}

/* What the API can do for this load: product.md §5.4. */
static void decide_pushdown(struct op_ctx *x, const struct cache_plan *pl,
                            struct list_filter *lf)
{
  struct lf_group *g = &lf->root;
  int and = !g->is_or || g->nwhere + g->ngroups <= 1;
  for(size_t i = 0; and && i < g->nwhere; i++) {
    struct lf_where *w = &g->where[i];
    if(w->crit == CR_EQUAL && w->value && plan_maps_prop(x, pl, w->prop)) {
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

/* One load by id of plan PL (x-flow-load) for external ID ID: the answer's object into
 * RW, nothing when the API says 404. */
static enum oac_result load_one(struct op_ctx *x, const struct cache_plan *pl, const char *id,
                                const struct map_want *want, struct response *rw)
{
  struct call cl;
  call_init(&cl);
  char what[256];
  snprintf(what, sizeof(what), "x-flow-load of %s", x->tv->name);
  struct call_src src = { 0 };
  src.external_id = id;
  src.what = what;
  cJSON *root = NULL;
  int not_found = 0;
  enum oac_result r = call_prepare(x, pl, &src, &cl);
  if(!r)
    r = call_send(x, &cl, &not_found);
  if(!r && !not_found)
    r = answer_json(x, &cl, &root);
  call_free(&cl);
  if(r || not_found || !root)
    return r;
  const cJSON *array = NULL, *single = NULL;
  map_unwrap(x->c, x->tv->type, root, cache_str(x->c, pl->items), &array, &single);
  const cJSON *o = single ? single : array ? cJSON_GetArrayItem(array, 0) : NULL;
  if(cJSON_IsObject(o))
    r = response_add_mapped(rw, x->c, x->tv->type, o, want, NULL, NULL, 0, x->p);
  json_delete(root);
  return r;
}

/* filterByProvidedObjects (§12.2): the objects of objectData reloaded by their external
 * IDs, in their order: one load by id each with x-flow-load, else the query walked until
 * every ID is found; objects no longer there are left out, objects without an externalId
 * are returned as given. */
static enum oac_result load_provided(struct op_ctx *x, const struct cache_plan *load,
                                     const struct cache_plan *query, struct list_filter *lf)
{
  const cJSON *objs = x->rq->objects;
  if(!cJSON_IsArray(objs) || !cJSON_GetArraySize(objs)) {
    response_empty(x->out);
    return OAC_OK;
  }
  if(!load || (!plan_has_src(x, load, PSRC_EXTERNAL_ID, 0) &&
               !plan_has_src(x, load, PSRC_ID_PART, 0))) {   /* §13.9: the parts */
    if(!query)
      return problem_set(x->p, 400, "type '%s' has neither an x-flow-load by id nor an "
                         "x-flow-query, so filterByProvidedObjects cannot reload its objects",
                         x->tv->name);
    struct walk_goal g = { NULL, objs, NULL }; /* an unpaged query: one page */
    return walk_load(x, query, OP_QUERY, lf, &g);
  }
  unsigned long max = x->max_pages ? x->max_pages : 100;
  if((unsigned long)cJSON_GetArraySize(objs) > max)
    return problem_set(x->p, 413, "x-flow-load of %s: filterByProvidedObjects lists %d "
                       "objects, more than the page limit (--max-pages %lu)", x->tv->name,
                       cJSON_GetArraySize(objs), max);
  struct map_want *want = map_want_build(x->c, x->tv->type, x->rq->want, x->a);
  if(!want)
    return problem_nomem(x->p, "out of memory");
  struct response rw;
  response_begin(&rw, x->out);
  const cJSON *o;
  cJSON_ArrayForEach(o, objs) {
    const char *ext = json_get_str(o, "externalId");
    enum oac_result r = OAC_OK;
    if(!ext || !*ext) {
      char *text = cJSON_PrintUnformatted(o);
      if(!text)
        return problem_nomem(x->p, "out of memory");
      response_add(&rw, text, strlen(text));
    }
    else
      r = load_one(x, load, ext, want, &rw);
    if(r)
      return r;
  }
  response_end(&rw, 0);
  return OAC_OK;
}

enum oac_result op_load(struct op_ctx *x)
{
  struct type_view *tv = x->tv;
  const char *tname = tv->name;
  struct list_filter lf;
  enum oac_result r = filter_parse(x->rq->list_filter, x->c, tv->t, x->a, &lf, x->p);
  if(r)
    return r;
  const struct cache_plan *load = type_view_plan(tv, OP_LOAD, x->p),
                          *query = type_view_plan(tv, OP_QUERY, x->p);
  if(x->p->status)
    return x->p->result;                        /* a broken cache: the 500 is set */
  const struct cache_plan *pl;
  enum cache_op op;
  int by_id = lf.id != NULL, match_id = 0;
  if(by_id && (r = call_check_id(x, lf.id)))    /* §13.9: a composite ID's parts */
    return r;
  if(by_id) {
    pl = load ? load : query;
    op = load ? OP_LOAD : OP_QUERY;
    match_id = !load;
    if(!pl)
      return problem_set(x->p, 400, "type '%s' has neither x-flow-load nor x-flow-query, so "
                         "it cannot be loaded by id", tname);
  }
  else {
    int load_ok = load && !plan_has_src(x, load, PSRC_EXTERNAL_ID, PIN_PATH) &&
                  !plan_has_src(x, load, PSRC_ID_PART, PIN_PATH);  /* §13.9 */
    pl = query ? query : load_ok ? load : NULL;
    op = query ? OP_QUERY : OP_LOAD;
    if(!pl)
      return problem_set(x->p, 400, "type '%s' has no x-flow-query, so it cannot be loaded "
                         "without an id (listFilter.id)", tname);
  }
  if(pl->flags & PLAN_F_EXAMPLE)
    return example_load(x, pl, op, &lf);
  if(lf.provided_objects && !by_id)
    return load_provided(x, load, query, &lf);
  if(!by_id)
    decide_pushdown(x, pl, &lf);
  if(pl->paging.style != CPG_NONE) {
    /* the API pages this list (§12.2): a load by id through the query walks it for the ID;
     * one through an x-flow-load whose answer is a paged list walks all of it */
    struct walk_goal g = { match_id ? lf.id : NULL, NULL, by_id && !match_id ? lf.id : NULL };
    return walk_load(x, pl, op, &lf, &g);
  }
  if(lf.offset_token && !by_id)
    return problem_set(x->p, 400, "listFilter.offsetToken: the %s of type '%s' is not paged "
                       "through the API (it has no paging), so it issues no offsetToken",
                       flow_op_extension(op), tname);

  struct call cl;
  call_init(&cl);
  char what[256];
  snprintf(what, sizeof(what), "%s of %s", flow_op_extension(op), tname);
  struct call_src src = { 0 };
  src.external_id = match_id ? NULL : lf.id;
  src.lf = &lf;
  src.what = what;
  cJSON *root = NULL;
  int not_found = 0;
  r = call_prepare(x, pl, &src, &cl);
  if(!r)
    r = call_send(x, &cl, by_id ? &not_found : NULL);
  if(!r && not_found) {                                      /* load by id: not found */
    call_free(&cl);
    response_empty(x->out);
    return OAC_OK;
  }
  if(!r)
    r = answer_json(x, &cl, &root);
  call_free(&cl);
  if(r)
    return r;

  /* the objects of the answer */
  const cJSON *array = NULL, *single = NULL;
  if(root)
    map_unwrap(x->c, tv->type, root, cache_str(x->c, pl->items), &array, &single);
  size_t n = array ? (size_t)cJSON_GetArraySize(array) : single ? 1 : 0;
  const cJSON **items = arena_alloc(x->a, (n ? n : 1) * sizeof(*items));
  size_t *idx = arena_alloc(x->a, (n ? n : 1) * 2 * sizeof(*idx));
  struct map_want *want = map_want_build(x->c, tv->type, x->rq->want, x->a);
  if(!items || !idx || !want) {
    cJSON_Delete(root);
    return problem_nomem(x->p, "out of memory");
  }
  n = map_objects(array, single, items);
  struct map_items mi = { items, n, x->c, type_view_props(tv, x->p) };
  struct map_items_memo memo;                   /* oneOf choices: once per object */
  map_items_memo_init(&memo, &mi, tv->t->nprops,
                      !by_id && filter_is_local(&lf) ? x->a : NULL);
  struct filter_src fs = { map_items_memo_get, &memo, mi.props };
  size_t sel = 0;
  struct buf id;
  buf_init(&id);
  for(size_t i = 0; i < n; i++) {
    if(match_id) {
      buf_reset(&id);
      if(map_external_id(x->c, tv->type, items[i], &id))
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
    return problem_nomem(x->p, "out of memory");
  }
  size_t first = 0, count = sel;
  int more = 0;
  if(!by_id) {
    filter_sort_keyed(&lf, &fs, idx, sel, idx + n, x->a);
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
  struct response rw;
  response_begin(&rw, x->out);
  for(size_t i = 0; i < count; i++) {
    if((r = response_add_mapped(&rw, x->c, tv->type, items[idx[first + i]], want, NULL,
                                NULL, 0, x->p))) {
      cJSON_Delete(root);
      return r;
    }
  }
  response_end(&rw, more);
  cJSON_Delete(root);
  return OAC_OK;
}

