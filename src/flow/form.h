/* form.h - request bodies as forms (product.md §13.1): the JSON body the mapping built
 * (map_flow_to_json) re-encoded as application/x-www-form-urlencoded or multipart/form-data.
 *
 * The bytes are fixed by §13.1:
 *   - pairs in the order of the JSON object's members (the mapping writes them in the body
 *     schema's property order, after the allOf merge); array elements in index order;
 *   - a space becomes '+'; in names '[' and ']' stay as they are; every other byte outside
 *     A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex of the UTF-8 bytes);
 *   - deepObject: objects a[b][c]=v, arrays of objects a[0][b]=v, arrays of scalars a[]=v;
 *   - form (the default), explode true: a=1&a=2; explode false: a=1,2 (the separating commas
 *     as they are); an object (or an array holding objects) under form is written as
 *     deepObject (the compiler warns);
 *   - numbers as their JSON text, booleans true/false, null (emptyAs null) as "name=".
 * Unset values never reach here: the mapping leaves them out of the JSON.
 *
 * Pure: no cache, no worker. Used by the worker's call (worker/call.c) and the unit suite
 * tests/unit/check_form.c.
 */
#ifndef OAC_FORM_H
#define OAC_FORM_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "../common/buf.h"
#include "../common/result.h"

/* The encoding object's settings of one top-level body property (stored per body property
 * in the cache, format.h). 0 = style form, explode true. */
#define FORM_F_DEEP       0x1u  /* style: deepObject */
#define FORM_F_NO_EXPLODE 0x2u  /* explode: false */

struct form_field {
  const char *name;             /* the JSON member name (the API's property name) */
  unsigned flags;               /* FORM_F_* */
};

/* Appends BODY (a JSON object) as application/x-www-form-urlencoded. FIELDS[0..n) give the
 * style of top-level members by name; a member not listed is form, explode true. OAC_EDOC
 * when BODY is not an object, OAC_ENOMEM when OUT failed. */
enum oac_result form_urlencode(const cJSON *body, const struct form_field *fields, size_t n,
                               struct buf *out);

/* Appends BODY (a JSON object) as multipart/form-data: each top-level member one part
 * (scalars as their text, null as an empty part, an array of scalars one part per element,
 * objects and arrays holding objects as application/json parts). BOUNDARY gets the
 * boundary used (at most 70 characters, NUL-terminated), chosen so that it occurs nowhere
 * in the content. OAC_EDOC when BODY is not an object, OAC_ENOMEM. */
enum oac_result form_multipart(const cJSON *body, struct buf *out, char boundary[72]);

/* The percent-encoding of §13.1 (for tests and the query-less callers): appends S[0..len),
 * keeping '[' and ']' when NAME is set. */
void form_encode(struct buf *out, const char *s, size_t len, int name);

#endif
