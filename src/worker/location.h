/* location.h - created records answered with `Location` (product.md §13.3), for saves made
 * with x-flow-save: the external ID from the load template, the record loaded back.
 * Called by save.c; the pure parts (template match) are exported for the unit tests.
 */
#ifndef OAC_LOCATION_H
#define OAC_LOCATION_H

#include <cjson/cJSON.h>
#include "call.h"

/* Matches the path LOC_PATH (up to '?', '#' or its end; percent-encoded as sent) against
 * BASE_PATH (the server URL's path, "" or "/v1") followed by the path template TEMPLATE
 * ("/repos/{owner}/{repo}"). 1 when it matches: then for each of the template's
 * placeholders, in order, VALUES[i] is its percent-decoded segment, allocated in A
 * (room for MAX; *N set); else 0. A `{name}` must be a whole segment; one trailing '/' of
 * the Location is ignored; an empty segment never fills a placeholder. */
int location_match(const char *loc_path, const char *base_path, const char *template,
                   const char **names, const char **values, size_t max, size_t *n,
                   struct arena *a);

/* After x-flow-save's call CL answered STATUS (201 or 202) with no ID in its body and a
 * Location header LOCATION: what §13.3 says. MERGED is the object as written (the sent
 * object with the answer merged over it); the loaded-back record is merged over it too.
 * *EXT receives the external ID to answer with (in x->a), or stays NULL (computed from
 * MERGED). OAC_OK, or the problem set (502 for a foreign Location or a refused load-back;
 * *CREATED is then 1: the record exists). */
enum oac_result location_follow(struct op_ctx *x, const struct call *cl, long status,
                                const char *location, cJSON *merged, const char **ext,
                                int *created);

#endif
