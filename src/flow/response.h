/* response.h - the ObjectDataResponse Flow reads after a load, save, delete or directory
 * listing (flow-protocol.md §4.7):
 *   {"culture":null,"objectData":[MObject,...],"hasMoreResults":MORE}
 *
 * One writer for both sides, so that an answer the compile step prebuilds from a response
 * example (compile/examples.c) is byte for byte the answer the worker writes from an API's
 * answer (worker/load.c, save.c, example.c) and the worker's identity listings
 * (worker/identity.c) have the same frame.
 */
#ifndef OAC_RESPONSE_H
#define OAC_RESPONSE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "../cache/cache.h"
#include "../common/buf.h"
#include "mapping.h"
#include "problem.h"

struct response {
  struct buf *out;
  size_t n;                     /* MObjects started so far */
};

/* Writes the head into OUT. */
void response_begin(struct response *r, struct buf *out);

/* Starts the next MObject (the separator after the first); the caller writes it. */
void response_next(struct response *r);

/* Appends a prebuilt MObject (LEN bytes of JSON). */
void response_add(struct response *r, const char *mobject, size_t len);

/* Appends the MObject for the API's JSON object V of type TYPE (map_object_to_flow_as:
 * EXTERNAL_ID NULL = computed). OAC_OK, or the result with P set. */
enum oac_result response_add_mapped(struct response *r, struct cache *c, uint32_t type,
                                    const cJSON *v, const struct map_want *want,
                                    const char *internal_id, const char *external_id,
                                    int order, struct problem *p);

/* Writes the tail: hasMoreResults MORE. */
void response_end(struct response *r, int more);

/* The same with an offsetToken (product.md §12.2): TOKEN[0..LEN), none when NULL or empty. */
void response_end_token(struct response *r, int more, const char *token, size_t len);

/* A whole response without objects (a delete, a load by id that found nothing). */
void response_empty(struct buf *out);

#endif
