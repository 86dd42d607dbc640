/* ext_id.h - composite external IDs (product.md §13.9).
 *
 * `x-flow-type.externalId: [owner, name]`: the external ID is the parts' values joined by
 * `/`, each part with exactly `%` -> `%25` and `/` -> `%2F` (upper-case hex) and nothing
 * else (`octocat/hello-world`). Splitting decodes `%25` and `%2F` (either case of the hex)
 * and leaves every other byte as it is, so split(join(parts)) == parts for any parts.
 * Used by mapping.c (the IDs of API objects) and the worker (loads by id, saves).
 */
#ifndef OAC_EXT_ID_H
#define OAC_EXT_ID_H

#include <stddef.h>
#include <stdint.h>
#include "../common/buf.h"
#include "../cache/cache.h"

/* Appends part S[0..len) encoded (`%` -> `%25`, `/` -> `%2F`), after a `/` unless FIRST. */
void ext_id_put_part(struct buf *out, const char *s, size_t len, int first);

/* The number of parts of ID (its `/` count + 1; 1 for ""). */
size_t ext_id_count(const char *id);

/* Appends the decoded part I (0-based) of ID to OUT; 0 when ID has no part I. */
int ext_id_part(const char *id, size_t i, struct buf *out);

/* The type's external ID properties, indices within the type: *N parts (1 for a single
 * ID property, 0 for none: the content UUID). A pointer into the cache's CS_U32 section for
 * a composite ID, else into *ONE. NULL with *N 0 when the cache is bad. */
const uint32_t *ext_id_props(struct cache *c, const struct cache_type *t, uint32_t *one,
                             size_t *n);

#endif
