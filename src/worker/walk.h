/* walk.h - a load through an API that pages its lists (product.md §12.2): the pages
 * walked from the first (or from Flow's offsetToken) under the plan's compiled paging
 * (struct cache_paging), the local filter applied as each page arrives, the limits
 * (--max-pages, 64 MiB, the request's budget), next-URL safety and loop detection, the
 * answer with an exact hasMoreResults and an offsetToken. Called by load.c for a plan whose
 * paging style is not CPG_NONE. The decisions are paging_plan.c's; this file does the I/O.
 */
#ifndef OAC_WALK_H
#define OAC_WALK_H

#include "../flow/filter.h"
#include "ops.h"

/* What the walk is for. */
struct walk_goal {
  const char *match_id;         /* a load by id served by the query: the external ID looked
                                   for (the walk stops when it is found); else NULL */
  const cJSON *objects;         /* filterByProvidedObjects: objectData (an array): its
                                   objects' external IDs are looked for */
  const char *external_id;      /* a load by id through an x-flow-load whose answer is a
                                   paged list: the ID its parameters send; every item of the
                                   list is the answer */
};

/* The load of plan PL (OP) of the request's type with the parsed filter LF: writes the
 * ObjectDataResponse into x->out. OAC_OK, or the result with x->p set. GOAL may be NULL
 * (a list load). With GOAL->objects, the answer follows objectData's order: each object
 * with an externalId reloaded (left out when the list no longer has it), each without one
 * as given. */
enum oac_result walk_load(struct op_ctx *x, const struct cache_plan *pl, enum cache_op op,
                          struct list_filter *lf, const struct walk_goal *goal);

/* The list an offsetToken of this request is bound to (offset_token.h). OAC_OK or the
 * result with x->p set. */
struct offset_token_list;
enum oac_result walk_token_list(struct op_ctx *x, enum cache_op op,
                                struct offset_token_list *out);

#endif
