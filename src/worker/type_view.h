/* type_view.h - one request's view of the type it loads, saves or deletes: the type
 * record, its name, its properties and plans, and the cache sections its calls read
 * (parameters, lists, security). handler.c fills it once per data request
 * (type_view_init) and hands it down in struct op_ctx; load.c, save.c, call.c and
 * example.c read the cache through it instead of looking sections up at each use.
 *
 * Sections are looked up on first use and kept: a CGI worker verifies a section the first
 * time it is asked for (cache.h, CACHE_VERIFY_LAZY), so a request that needs no
 * parameters - an answer from an example - never pays for verifying them.
 */
#ifndef OAC_TYPE_VIEW_H
#define OAC_TYPE_VIEW_H

#include <stdint.h>
#include "../cache/cache.h"
#include "../flow/problem.h"

struct type_view {
  struct cache *c;
  uint32_t type;                        /* index in the cache */
  const struct cache_type *t;
  const char *name;                     /* the type's name */
  /* read on first use (the accessors below); NULL = not yet */
  const struct cache_prop *props;       /* this type's t->nprops properties */
  const struct cache_plan *plans;       /* CS_PLANS, nplans entries */
  uint32_t nplans;
  const struct cache_param *params;     /* CS_PARAMS */
  const uint32_t *u32;                  /* CS_U32 */
  const struct cache_secalt *secalts;   /* CS_SECALTS */
  const struct cache_scheme *schemes;   /* CS_SCHEMES */
};

/* The view of type TYPE of cache C. 0, or -1 with a 500 in P (a bad cache). */
enum oac_result type_view_init(struct type_view *v, struct cache *c, uint32_t type,
                               struct problem *p);

/* message actions (issue 16): a view with no type (an action whose body is no object or
 * list, or that has none): no properties, no plans, name ""; the sections as above. */
void type_view_init_none(struct type_view *v, struct cache *c);

/* The type's properties; NULL with a 500 in P. */
const struct cache_prop *type_view_props(struct type_view *v, struct problem *p);

/* The plan of operation OP: NULL when the type has none (P untouched) or with a 500 in P. */
const struct cache_plan *type_view_plan(struct type_view *v, enum cache_op op,
                                        struct problem *p);

/* Whole sections for building calls; NULL with ERR set. */
const struct cache_param *type_view_params(struct type_view *v, struct cache_error *err);
const uint32_t *type_view_u32(struct type_view *v, struct cache_error *err);
const struct cache_secalt *type_view_secalts(struct type_view *v, struct cache_error *err);
const struct cache_scheme *type_view_schemes(struct type_view *v, struct cache_error *err);

#endif
