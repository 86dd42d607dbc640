/* action.h - POST /actions/<slug>: a message action (product.md §14.3-§14.5), answered by
 * action.c from the cache's action record, its OP_ACTION plan (called through call.c like
 * every CRUD call) and the outcomes the ServiceRequest wired. Called by handler.c.
 */
#ifndef OAC_ACTION_H
#define OAC_ACTION_H

#include <stddef.h>
#include "ops.h"

/* Is PATH (LEN bytes, no query) an action's path (product.md §3)? Without PREFIX (NULL or
 * empty) its last two segments are `actions` and a slug that is none of the reserved
 * endpoint names; with PREFIX the rest must be exactly `/actions/<slug>`. One trailing
 * '/' is ignored; nothing is percent-decoded. 1 with *SLUG / *SLUG_LEN set, else 0. */
int action_route(const char *prefix, const char *path, size_t len, const char **slug,
                 size_t *slug_len);

/* The action SLUG (SLUG_LEN bytes) of the request's cache (x->c): the ServiceResponse into
 * x->out, or the result with x->p set (404 for an unknown slug). x->tv is set here. */
enum oac_result action_serve(struct op_ctx *x, const char *slug, size_t slug_len);

#endif
