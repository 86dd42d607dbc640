/* example.h - example mode (product.md §8): answers from the examples stored in the cache,
 * no upstream call (example.c). Used by load.c and save.c.
 */
#ifndef OAC_EXAMPLE_H
#define OAC_EXAMPLE_H

#include <cjson/cJSON.h>
#include "../flow/filter.h"
#include "ops.h"

/* The example record of plan PL (operation OP of the request's type); NULL with a 503. */
const struct cache_example *example_of(struct op_ctx *x, const struct cache_plan *pl,
                                       enum cache_op op);

/* A non-2xx example is the API's error answer: OAC_EREFUSED with that ServiceProblem; else
 * OAC_OK. */
enum oac_result example_status_problem(struct op_ctx *x, const struct cache_example *e,
                           enum cache_op op);

/* A load answered from the example: filtered, sorted and paged by LF. OAC_OK, or the
 * result with x->p set. */
enum oac_result example_load(struct op_ctx *x, const struct cache_plan *pl, enum cache_op op,
                 const struct list_filter *lf);

/* Sets the ID property of the request type's JSON object O to EXT (a number when it reads
 * as one and the property is a number). */
void set_id_prop(struct op_ctx *x, cJSON *o, const char *ext);

#endif
