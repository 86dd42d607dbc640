/* mapping.h - JSON <-> Flow objects (product.md §6.1, §7; flow-protocol.md §4.7, §6.6).
 *
 * The request handler gives it cache types and JSON trees (json_parse(): number nodes carry
 * their text) and gets JSON text back in a struct buf. Nothing here talks to the network.
 *
 * JSON -> Flow (answers): every scalar becomes its string form (numbers with the digits of
 * the JSON text, exponent forms written out; booleans "true"/"false"), null ->
 * contentValue null, declared-but-missing properties -> null, undeclared ones ignored,
 * format:password -> null, free-form (CP_JSONTEXT) -> the value's JSON text, scalar arrays
 * -> ContentList of ID/Value helper objects, oneOf/anyOf -> the alternative whose declared
 * properties match most keys (ties: the first). Only requested properties are written; a
 * requested object/list property without a nested `list` gets all properties of its type.
 *
 * Flow -> JSON (request bodies): numbers from their string form (validated, never through
 * a double), booleans from any case, dates as given (CP_DATE: the YYYY-MM-DD part), nested
 * objects and lists recursively, ID/Value lists as plain arrays in order, the first
 * non-empty alternative of a split, JSON text inlined; an unset ("" or null) number /
 * boolean / date is omitted; readOnly and customProperties are never in a body (the plan's
 * body list already leaves them out).
 *
 * External IDs: the ID property's value as a string; without one, a UUID version 5
 * (namespace 914dc1ca-e5cc-4744-9f41-927adbf68794) over the type name, a NUL byte, and the
 * object's JSON canonicalised per RFC 8785.
 */
#ifndef OAC_MAPPING_H
#define OAC_MAPPING_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "../cache/cache.h"
#include "../common/arena.h"
#include "../common/buf.h"
#include "problem.h"

/* Which properties Flow asked for (objectDataType.properties), per type, nested. */
struct map_want;

/* WANT_PROPS is objectDataType.properties (an array of {developerName, list}) or NULL for
 * "all properties, recursively". Unknown names are ignored. Memory from A. NULL on
 * allocation failure. */
struct map_want *map_want_build(struct cache *c, uint32_t type, const cJSON *want_props,
                                struct arena *a);

/* Appends one MObject (flow-protocol.md §4.7) for the API's JSON object V of type TYPE:
 * internalId (INTERNAL_ID, or null), externalId, developerName = the type name,
 * typeElementId null, order ORDER, isSelected false, properties. 0, or -1 with P set (500 on
 * a bad cache, 400 never). */
int map_object_to_flow(struct cache *c, uint32_t type, const cJSON *v,
                       const struct map_want *want, const char *internal_id, int order,
                       struct buf *out, struct problem *p);

/* Appends the JSON object for Flow's MObject OBJ of type TYPE, with the properties whose
 * indices (within the type) are PROPS[0..n) - the plan's body list - or all of them when
 * PROPS is NULL (used to rebuild a saved object before merging the API's answer).
 * 0, or -1 with a 400 in P naming the object property that holds a bad value ("property
 * 'price' of Pet: 'abc' is not a number"). */
int map_flow_to_json(struct cache *c, uint32_t type, const cJSON *obj, const uint32_t *props,
                     size_t n, struct buf *out, struct problem *p);

/* The contentValue of property NAME (case-insensitive) of Flow's MObject OBJ; NULL when
 * absent or null. */
const char *map_flow_value(const cJSON *obj, const char *name);

/* Appends the external ID of the API object V of type TYPE (see above). 0 or -1 (memory). */
int map_external_id(struct cache *c, uint32_t type, const cJSON *v, struct buf *out);

/* Appends the RFC 8785 canonical form of V. 0 or -1 (a number that is not finite). */
int map_jcs(const cJSON *v, struct buf *out);

/* The UUID v5 text (36 characters + NUL) of NAME[0..len) in the connector's namespace. */
void map_uuid5(const void *name, size_t len, char out[37]);

/* map_jcs for external IDs: never refuses a value. A number that is not finite (json_parse
 * reads 1e999 as infinity) is written as its JSON text, so such an object still gets a
 * stable ID. 0 or -1 (memory). */
int map_jcs_id(const cJSON *v, struct buf *out);

/* Appends D as ECMAScript's Number::toString writes it (RFC 8785 §3.2.2.3): the shortest
 * digits that read back as D, "1e+21", "1e-7", "0.000001", -0 as "0". 0, or -1 when D is
 * not finite (nothing appended). */
int map_number_es(double d, struct buf *out);

/* Where the list is in an answer (product.md §5.5): ITEMS (a dotted path, may be empty)
 * applied to ROOT; without it, an array is the list, an object is one object if it holds
 * at least one property of the type, else the first array-of-objects property found (depth
 * at most 2) is the list. Sets *ARRAY (an array node) or *SINGLE (one object), or neither
 * (nothing found: an empty list). */
void map_unwrap(struct cache *c, uint32_t type, const cJSON *root, const char *items,
                const cJSON **array, const cJSON **single);

/* A filter_src over API objects: items[i] are cJSON objects of one type. */
struct map_items {
  const cJSON **v;
  size_t n;
  struct cache *c;
  const struct cache_prop *props;   /* the type's properties */
};
/* The filter_src get() for struct map_items (filter.h). */
int map_items_get(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len);

#endif
