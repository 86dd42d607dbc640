/* type_view.c - one request's view of its type (type_view.h): filled by handler.c, read by
 * the data operations. Each section is looked up once per request. */
#include "type_view.h"

#include <string.h>

enum oac_result type_view_init(struct type_view *v, struct cache *c, uint32_t type,
                               struct problem *p)
{
  struct cache_error err;
  memset(v, 0, sizeof(*v));
  v->c = c;
  v->type = type;
  v->t = cache_type_at(c, type, &err);
  if(!v->t)
    return problem_set(p, 500, "cache: %s", err.msg);
  v->name = cache_str(c, v->t->name);
  return OAC_OK;
}

void type_view_init_none(struct type_view *v, struct cache *c)
{
  static const struct cache_type none;          /* no properties, no plans */
  memset(v, 0, sizeof(*v));
  v->c = c;
  v->type = UINT32_MAX;
  v->t = &none;
  v->name = "";
}

const struct cache_prop *type_view_props(struct type_view *v, struct problem *p)
{
  if(!v->props) {
    struct cache_error err;
    uint32_t n;
    const struct cache_prop *props = cache_section(v->c, CS_PROPS, &n, &err);
    if(!props) {
      problem_set(p, 500, "cache: %s", err.msg);
      return NULL;
    }
    v->props = props + v->t->first_prop;
  }
  return v->props;
}

const struct cache_plan *type_view_plan(struct type_view *v, enum cache_op op,
                                        struct problem *p)
{
  if(!v->t->plans[op])
    return NULL;
  if(!v->plans) {
    struct cache_error err;
    v->plans = cache_section(v->c, CS_PLANS, &v->nplans, &err);
    if(!v->plans) {
      problem_set(p, 500, "cache: %s", err.msg);
      return NULL;
    }
  }
  if(v->t->plans[op] > v->nplans) {
    problem_set(p, 500, "cache: plan index out of range");
    return NULL;
  }
  return &v->plans[v->t->plans[op] - 1];
}

const struct cache_param *type_view_params(struct type_view *v, struct cache_error *err)
{
  uint32_t n;
  if(!v->params)
    v->params = cache_section(v->c, CS_PARAMS, &n, err);
  return v->params;
}

const uint32_t *type_view_u32(struct type_view *v, struct cache_error *err)
{
  uint32_t n;
  if(!v->u32)
    v->u32 = cache_section(v->c, CS_U32, &n, err);
  return v->u32;
}

const struct cache_secalt *type_view_secalts(struct type_view *v, struct cache_error *err)
{
  uint32_t n;
  if(!v->secalts)
    v->secalts = cache_section(v->c, CS_SECALTS, &n, err);
  return v->secalts;
}

const struct cache_scheme *type_view_schemes(struct type_view *v, struct cache_error *err)
{
  uint32_t n;
  if(!v->schemes)
    v->schemes = cache_section(v->c, CS_SCHEMES, &n, err);
  return v->schemes;
}
