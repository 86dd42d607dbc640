/* mapping.h - JSON <-> Flow objects (product.md §6.1, §7; flow-protocol.md §4.7, §6.6).
 *
 * The request handler gives it cache types and JSON trees (json_parse(): number nodes carry
 * their text) and gets JSON text back in a struct buf. Nothing here talks to the network.
 *
 * JSON -> Flow (answers): every scalar becomes its string form (numbers with the digits of
 * the JSON text, exponent forms written out; booleans "true"/"false"), null ->
 * contentValue null, declared-but-missing properties -> null, undeclared ones ignored,
 * format:password -> null, free-form (CP_JSONTEXT) -> the value's JSON text, scalar arrays
 * -> ContentList of ID/Value helper objects (externalId and ID = the 0-based index, Value =
 * the element), oneOf/anyOf -> the alternative whose declared properties match most keys
 * (ties: the first; the value's kind decides first, so 42 goes to a number alternative, an
 * array to a list alternative, "2021-..." to a date-time one). A value of the wrong kind for
 * a scalar property (an object where a string is declared) is shown as its JSON text; for
 * an object/list property it gives objectData null. Only requested properties are written;
 * a requested object/list property without a nested `list` gets all properties of its type.
 * Nested MObjects have internalId null, their own externalId, and order = their index in
 * the API's array (0 for an object property).
 *
 * Flow -> JSON (request bodies): numbers from their string form (validated, never through
 * a double), booleans from any case, dates as given (CP_DATE: the YYYY-MM-DD part), nested
 * objects and lists recursively, ID/Value lists as plain arrays (objectData order, an
 * unset element as null), the first non-empty alternative of a split, JSON text inlined;
 * an unset ("" or null) number / boolean / date / JSON text is omitted (a string "" is sent
 * as ""); objectData null leaves an object or list out, [] sends a list as []; readOnly and
 * customProperties are never in a body (the plan's body list leaves them out at the top,
 * nested types leave them out here).
 *
 * External IDs: the ID property's value as a string; without one, a UUID version 5
 * (namespace 914dc1ca-e5cc-4744-9f41-927adbf68794) over the type name, a NUL byte, and the
 * object's JSON canonicalised per RFC 8785. An object whose ID property is missing, null,
 * "" or not a scalar gets the UUID too. Numbers are written as their plain decimal (the
 * same text as the property's contentValue).
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
 * "all properties, recursively" (so is an empty array, and so is a `list` that is null,
 * empty or names nothing). Names match case-insensitively; unknown names are ignored. A
 * `list` holds ObjectDataTypes ({developerName, properties}); property entries written
 * directly in it are accepted too. Lookup tables are built here once per request, in A.
 * NULL on allocation failure or when TYPE is not in the cache. */
struct map_want *map_want_build(struct cache *c, uint32_t type, const cJSON *want_props,
                                struct arena *a);

/* Appends one MObject (flow-protocol.md §4.7) for the API's JSON object V of type TYPE:
 * internalId (INTERNAL_ID, or null), externalId, developerName = the type name,
 * typeElementId null, order ORDER, isSelected false, properties (in the type's order).
 * WANT NULL = everything; a WANT built for another type is ignored (everything). OAC_OK, or
 * OAC_EREFUSED with P set (500 on a bad cache or memory, 400 never). */
enum oac_result map_object_to_flow(struct cache *c, uint32_t type, const cJSON *v,
                       const struct map_want *want, const char *internal_id, int order,
                       struct buf *out, struct problem *p);

/* The same with the external ID given (NULL = computed): an update of a type without an
 * ID property keeps the external ID Flow sent. */
enum oac_result map_object_to_flow_as(struct cache *c, uint32_t type, const cJSON *v,
                          const struct map_want *want, const char *internal_id,
                          const char *external_id, int order, struct buf *out,
                          struct problem *p);

/* Appends the JSON object for Flow's MObject OBJ of type TYPE, with the properties whose
 * indices (within the type) are PROPS[0..n) - the plan's body list - in that order, or all
 * of them when PROPS is NULL (used to rebuild a saved object before merging the API's
 * answer; readOnly/custom properties of nested types are then kept too). Flow's property
 * names match case-insensitively. OAC_OK, or OAC_EREFUSED with a 400 in P naming the object property that
 * holds a bad value ("property 'price' of Pet: 'abc' is not a number", nested ones by their
 * helper type: "property 'score' of Pet:extra: ..."), or a 500 (bad cache, memory); the
 * buffer then holds a partial body. */
enum oac_result map_flow_to_json(struct cache *c, uint32_t type, const cJSON *obj, const uint32_t *props,
                     size_t n, struct buf *out, struct problem *p);
/* The same with emptyAs (product.md §13.2): EMPTY_AS (enum cache_empty_as) says what a ""
 * ContentString becomes, at every nesting level: CEA_EMPTY "" (map_flow_to_json),
 * CEA_OMIT left out like an unset value (an element of a list keeps its place as null),
 * CEA_NULL null. */
enum oac_result map_flow_to_json_empty(struct cache *c, uint32_t type, const cJSON *obj,
                                       const uint32_t *props, size_t n, unsigned empty_as,
                                       struct buf *out, struct problem *p);

/* ---- message actions (product.md §14.2; issue 16): a body or Response that is an array of
 * scalars, whose items are TYPE, an ID/Value helper (CT_F_SCALAR_ITEM) ---- */

/* Is TYPE such a helper? */
int map_type_scalar_item(struct cache *c, uint32_t type);

/* Appends Flow's ID/Value objects LIST (objectData) as a plain JSON array of the Values
 * (§7: helper scalar lists as plain arrays). Errors as map_flow_to_json_empty. */
enum oac_result map_scalar_list_to_json(struct cache *c, uint32_t type, const cJSON *list,
                                        unsigned empty_as, struct buf *out, struct problem *p);

/* Appends the MObject of element ITEM (its index, the external ID), the scalar V, of such a
 * list. Errors as map_object_to_flow. */
enum oac_result map_scalar_item_to_flow(struct cache *c, uint32_t type, const cJSON *v,
                                        long item, struct buf *out, struct problem *p);

/* The contentValue of property NAME (case-insensitive) of Flow's MObject OBJ; NULL when
 * absent or null. Points into OBJ. */
const char *map_flow_value(const cJSON *obj, const char *name);

/* Appends the external ID of the API object V of type TYPE (see above). OAC_ENOMEM, or
 * OAC_ECACHE when TYPE is not a usable type of C. */
enum oac_result map_external_id(struct cache *c, uint32_t type, const cJSON *v, struct buf *out);

/* Does the API object V of type TYPE carry a value for every ID property (§7, §13.9)? 0
 * for a type without one, and for a bad cache. */
int map_has_external_id(struct cache *c, uint32_t type, const cJSON *v);

/* Appends the RFC 8785 canonical form of V. OAC_EDOC for a number that is not finite,
 * OAC_ENOMEM. Duplicate keys are kept, in their order. */
enum oac_result map_jcs(const cJSON *v, struct buf *out);

/* The UUID v5 text (36 characters + NUL) of NAME[0..len) in the connector's namespace. */
void map_uuid5(const void *name, size_t len, char out[37]);

/* A random UUID (version 4) for a generated external ID; without an entropy source, the
 * UUID v5 of the time, a counter and the process ID (still distinct within the process). */
void map_uuid_random(char out[37]);

/* map_jcs for external IDs: never refuses a value. A number that is not finite (json_parse
 * reads 1e999 as infinity) is written as its JSON text, so such an object still gets a
 * stable ID. OAC_ENOMEM is its only failure. */
enum oac_result map_jcs_id(const cJSON *v, struct buf *out);

/* Appends D as ECMAScript's Number::toString writes it (RFC 8785 §3.2.2.3): the shortest
 * digits that read back as D, "1e+21", "1e-7", "0.000001", -0 as "0". OAC_EDOC when D is
 * not finite (nothing appended). */
enum oac_result map_number_es(double d, struct buf *out);

/* Where the list is in an answer (product.md §5.5): ITEMS (a dotted path, may be empty)
 * applied to ROOT; without it, an array is the list, an object is one object if it holds
 * at least one property of the type, else the first array-of-objects property found (depth
 * at most 2) is the list. Sets *ARRAY (an array node) or *SINGLE (one object), or neither
 * (nothing found: an empty list). */
void map_unwrap(struct cache *c, uint32_t type, const cJSON *root, const char *items,
                const cJSON **array, const cJSON **single);

/* The objects map_unwrap found, into ITEMS (room for the array's size, or 1): the single
 * object, or the array's elements that are objects (others are skipped). Their count. */
size_t map_objects(const cJSON *array, const cJSON *single, const cJSON **items);

/* A filter_src over API objects: items[i] are cJSON objects of one type. */
struct map_items {
  const cJSON **v;
  size_t n;
  struct cache *c;
  const struct cache_prop *props;   /* the type's properties */
};
/* The filter_src get() for struct map_items (filter.h). Values as Flow sees them: numbers
 * as written in the JSON text, booleans "true"/"false", passwords null, a oneOf value only
 * for the alternative it goes to. A free-form (or wrong-kind) object/array value is
 * represented by "{}" / "[]" when empty and a non-empty stand-in otherwise, not by its
 * JSON text (this needs no memory per call). */
int map_items_get(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len);

/* struct map_items that makes each object's oneOf / anyOf choice once, on the first read of
 * the value, instead of at every read (a sort reads each value about log n times). */
struct map_items_memo {
  struct map_items items;
  uint32_t *pick;               /* [item * ngroups + slot]: the alternative the item's value
                                   went to, UINT32_MAX = not chosen yet; NULL = no memo */
  uint32_t *slot;               /* per property: the slot of its oneOf group */
  uint32_t ngroups;
};

/* Sets up M over ITEMS (copied) for a type of NPROPS properties, with memory from A (NULL:
 * no memo). A type without alternatives needs no memo; without memory there is none either
 * (the reads then choose each time: the same answers, slower). */
void map_items_memo_init(struct map_items_memo *m, const struct map_items *items,
                         uint32_t nprops, struct arena *a);

/* The filter_src get() for struct map_items_memo: map_items_get's values. */
int map_items_memo_get(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len);

#endif
