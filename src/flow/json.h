/* json.h - cJSON, with what the worker needs on top of it.
 *
 * Flow sends every scalar as a string and the API's numbers must reach Flow with the digits
 * of the JSON text (product.md §7), but cJSON keeps only a double. json_parse() therefore
 * records the text of every number token and hangs it on the number's node as valuestring
 * (cJSON_Delete frees it like any other valuestring), so json_num_text() gives the digits
 * as written. It also limits nesting (a deeper request is a 400, not a deep recursion).
 *
 * Lookups are tolerant in the way the protocol asks for (flow-protocol.md §1): keys match
 * case-insensitively, null and absent are the same, a value of the wrong kind is absent.
 */
#ifndef OAC_JSON_H
#define OAC_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "../common/buf.h"
#include "../common/result.h"

#define JSON_MAX_DEPTH 512

struct arena;

/* Memory. Every program that links this file routes cJSON's allocations through the
 * project's allocator (installed before main, so it holds for every cJSON object; free
 * cJSON memory with cJSON_free / cJSON_Delete, never free()). Between json_arena_begin()
 * and json_arena_end() they come from the arena instead and freeing them costs nothing:
 * the worker brackets each request with it, so parsing the request and the API's answer
 * does no malloc/free per node. Nothing allocated in between may outlive the arena's
 * reset. */
void json_arena_begin(struct arena *a);
void json_arena_end(void);
/* cJSON_Delete, or nothing at all while the arena is on (its memory goes with the arena). */
void json_delete(cJSON *tree);

struct json_error {
  size_t offset;        /* byte offset of the problem */
  int too_deep;         /* nesting over JSON_MAX_DEPTH */
  char msg[160];
};

/* Parse TEXT[0..len). OAC_OK and *OUT (free with cJSON_Delete); OAC_ELIMIT when nested too
 * deep; OAC_EDOC on a syntax error (offset + message in ERR); OAC_ENOMEM. Trailing
 * whitespace is allowed, anything else after the value is an error. */
enum oac_result json_parse(const char *text, size_t len, cJSON **out, struct json_error *err);

/* The number's text as written in the parsed JSON ("123456789012345678.99", "1e3"). For a
 * node not made by json_parse, a %.17g rendering is not available: returns NULL. */
static inline const char *json_num_text(const cJSON *n)
{
  return cJSON_IsNumber(n) ? n->valuestring : NULL;
}

/* Appends the JSON number TEXT as a plain decimal: exponent forms are written out
 * ("1e3" -> "1000", "1.5E-2" -> "0.015"), a "-0" stays "-0", other texts are copied.
 * OAC_EDOC if TEXT is not a JSON number (nothing appended). */
enum oac_result json_number_plain(struct buf *b, const char *text, size_t len);

/* Is S[0..len) a valid JSON number (RFC 8259 grammar)? */
int json_is_number(const char *s, size_t len);

/* Exact comparison of two decimal numbers given as text (JSON number grammar, exponents
 * allowed, leading '+' and surrounding blanks tolerated): <0, 0, >0. *OK = 0 when either
 * is not a number (then the result is 0). */
int json_decimal_cmp(const char *a, size_t alen, const char *b, size_t blen, int *ok);

/* Member KEY of object O, case-insensitively; NULL when O is not an object, the key is
 * absent or its value is null. */
const cJSON *json_get(const cJSON *o, const char *key);
/* The member's string, or NULL (absent, null, or not a string). */
const char *json_get_str(const cJSON *o, const char *key);
/* The member as an array / object, or NULL. */
const cJSON *json_get_array(const cJSON *o, const char *key);
const cJSON *json_get_object(const cJSON *o, const char *key);
/* The member as an integer: numbers, and strings holding digits; DEF otherwise. */
long json_get_long(const cJSON *o, const char *key, long def);
/* The member as a boolean: true/false, and the strings "true"/"false" in any case. */
int json_get_bool(const cJSON *o, const char *key, int def);

#endif
