/* answer_path.h - a stored path into an API's answer, evaluated (product.md §12.1).
 *
 * The compiler resolves the paths written in marks (`data[-1].id`, `"@odata.nextLink"`)
 * against the response schema and stores them (src/compile/answer_path.h) as a compact JSON
 * array: a string per member name, an integer per element, -1 for the last element:
 *
 *     ["data",-1,"id"]    ["@odata.nextLink"]    ["meta","paging","next"]    []
 *
 * This side reads that text straight from the cache, with no allocation: the worker, and
 * the compiler's example code, both evaluate it against a parsed answer.
 */
#ifndef OAC_FLOW_ANSWER_PATH_H
#define OAC_FLOW_ANSWER_PATH_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* The node STORED[0..len) names in ROOT, or NULL: a member that is absent (names match
 * exactly, else ASCII case-insensitively, as the `items` path of map_unwrap does), an index
 * out of range (-1 on an empty array included), a step that meets the wrong kind of value
 * (a name on an array, an index on an object, anything on a scalar), or a STORED text that
 * is not a well-formed path (see answer_path_valid). `[]` gives ROOT itself. A JSON null
 * found at the end is returned as it is (the caller decides what null means). */
const cJSON *answer_path_eval(const char *stored, size_t len, const cJSON *root);

/* Is STORED[0..len) a well-formed stored path: `[` elements `]` with optional whitespace,
 * each element a JSON string (valid escapes, no unpaired surrogate, no \u0000) or an
 * integer -1 or 0 ... 999999999 without leading zeros; at most 64 elements. 1 or 0. */
int answer_path_valid(const char *stored, size_t len);

#endif
