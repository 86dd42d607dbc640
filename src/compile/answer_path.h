/* answer_path.h - paths into an API's answer, resolved against the 2xx response schema
 * (product.md §12.1, "Paths into the answer"), and the list located from that schema
 * (§12.1, last paragraph). Compile side; the worker evaluates the stored form with
 * src/flow/answer_path.h.
 *
 * Syntax of a path as written in a mark (`nextCursor: data[-1].id`, `next:
 * "@odata.nextLink"`, `hasMore: meta.paging.has_more`): member names, `[N]` for element N
 * (0-based) and `[-1]` for the last element; `.` between a name and the next name, `[`
 * directly after a name or a `]`. At each name step, a property declared in the current
 * schema whose WHOLE name equals the text up to the next `[` (or to the end) is taken as one
 * step, dots included (`@odata.nextLink`, `a.b`); otherwise the text splits at its first
 * `.`. $refs are followed (cc_resolve), allOf parts merged (types_merge_props), one-part
 * allOf wrappers looked through; in a oneOf/anyOf the first alternative that declares the
 * name gives it. A name that a declared schema does not have is an error at the mark's value
 * node; in a free-form schema (an object without declared properties, a schema with
 * additionalProperties, no type at all) it is a warning, and the rest of the text is read
 * as written, split at every `.`. Indices into an array schema step into its `items`.
 *
 * STORED FORM (what the cache keeps; src/flow/answer_path.c reads it): a compact JSON array
 * text, one element per step: a JSON string for a member name, an integer for an element
 * (0-based; -1 = the last). `data[-1].id` -> ["data",-1,"id"]; `"@odata.nextLink"` ->
 * ["@odata.nextLink"]; the answer itself (a list location at the root) -> []. No spaces;
 * names escaped as buf_json_strn does (\" \\ \n \r \t \b \f \u00XX); indices are -1 or
 * 0 ... ANSWER_PATH_MAX_INDEX. NUL-free, so it is stored as any other cache string.
 */
#ifndef OAC_COMPILE_ANSWER_PATH_H
#define OAC_COMPILE_ANSWER_PATH_H

#include <stddef.h>
#include "types.h"

/* Largest element index a path may name (nine digits: the worker reads it without
 * overflow checks). Steps per path: at most ANSWER_PATH_MAX_STEPS. */
#define ANSWER_PATH_MAX_INDEX 999999999L
#define ANSWER_PATH_MAX_STEPS 64

enum answer_step_kind { ANSWER_STEP_NAME, ANSWER_STEP_INDEX };

struct answer_step {
  enum answer_step_kind kind;
  const char *name;             /* NAME: the member name, NUL-terminated (model arena) */
  long index;                   /* INDEX: element index, -1 = the last element */
};

/* What a schema says a value is, one bit each (answer_path_kind, answer_path_expect). */
enum answer_kind {
  ANSWER_KIND_UNKNOWN = 0,      /* no type to check: free-form, alternatives, no `type` */
  ANSWER_KIND_STRING = 1u << 0,
  ANSWER_KIND_INTEGER = 1u << 1,
  ANSWER_KIND_NUMBER = 1u << 2,
  ANSWER_KIND_BOOLEAN = 1u << 3,
  ANSWER_KIND_OBJECT = 1u << 4,
  ANSWER_KIND_ARRAY = 1u << 5
};

struct answer_path {
  const struct answer_step *steps;   /* [n], model arena; NULL when n == 0 */
  size_t n;
  const char *stored;           /* the stored form (above), model arena, NUL-terminated */
  size_t stored_len;
  const struct doc_node *schema;     /* the last step's schema ($ref resolved, one-part allOf
                                      * wrappers looked through); NULL when unknown */
  int freeform;                 /* some step was not declared: read as written (warned) */
};

/* Resolve the path written in VALUE (a scalar: the mark's value node) against SCHEMA (the
 * 2xx response schema, $ref or not). WHAT names the mark in messages ("paging.nextCursor").
 * OAC_OK with *OUT filled (possibly after a warning: out->freeform); OAC_EDOC when the path
 * is malformed or names nothing in a declared schema (diagnosed at VALUE as
 * "WHAT 'text': ..."); OAC_ENOMEM (cc_oom done). A NULL SCHEMA is free-form throughout. */
enum oac_result answer_path_resolve(struct cctx *c, const struct doc_node *schema,
                                    const struct doc_node *value, const char *what,
                                    struct answer_path *out);

/* The kind of P's last step (one ANSWER_KIND_* bit), or ANSWER_KIND_UNKNOWN. */
enum answer_kind answer_path_kind(const struct answer_path *p);

/* Type check of P's last step: OAC_OK when its kind is in KINDS (a set of ANSWER_KIND_*
 * bits) or unknown; else OAC_EDOC with an error at VALUE naming WHAT, the path and the
 * schema's place ("paging.hasMore 'has_more' is a string (schema at FILE:L:C); it must be
 * a boolean"). */
enum oac_result answer_path_expect(struct cctx *c, const struct answer_path *p,
                                   const struct doc_node *value, const char *what,
                                   unsigned kinds);

/* §12.1 last paragraph: where the list is, when the 2xx response schema RESPONSE says it.
 * ITEM is the type's item schema (the decorated schema node). Returns 1 and fills *OUT
 * (schema = the array's schema) when
 *   - RESPONSE is an array schema: the empty path (the answer is the list), or
 *   - RESPONSE is an object, and exactly one of its array properties has items that resolve
 *     to ITEM: that property (`data`); else, when none has, exactly one array property of
 *     one of its object properties does (`albums.items`). Depth 1 wins over depth 2, as
 *     in the run-time guess (mapping.c: map_unwrap); two candidates at the same depth are
 *     no answer.
 * Returns 0 when the schema does not say (the run-time guess of §5.5 stays): RESPONSE is
 * ITEM itself, free-form, alternatives, or has no such property; also on out of memory
 * (then c->fatal is set). No diagnostics of its own. */
int answer_list_locate(struct cctx *c, const struct doc_node *response,
                       const struct doc_node *item, struct answer_path *out);

/* P as the dotted text of an `items` mark (x-flow-query.items, §5.5: "albums.items"),
 * model arena; "" for the empty path. NULL when P has an index step or a name that is
 * empty or holds a '.' (the dotted form could not say it), or out of memory (cc_oom). */
const char *answer_path_dotted(struct cctx *c, const struct answer_path *p);

#endif
