/* jsonpath.h - JSONPath (RFC 9535) queries over the document tree, for overlays (§15.1).
 *
 * The subset is RFC 9535 without slice selectors and function extensions: root and current
 * identifiers, name selectors (quoted, with escapes), wildcards, indexes (negative too),
 * descendant segments, filters with ||, &&, !, parentheses, comparisons (== != < <= > >=)
 * between literals and singular queries (deep equality of arrays and objects), existence
 * tests and nested filters. A slice or a function call is refused with
 * "unsupported JSONPath feature: ..." at its column, never evaluated wrongly.
 *
 * Filters see the YAML values typed by the YAML 1.2 core schema: a plain scalar is null
 * (null Null NULL ~ or empty), bool (true/True/TRUE/false/...), int (decimal, 0o octal,
 * 0x hex), float (with .inf and .nan) or else a string; a quoted scalar is a string.
 *
 * A YAML alias is the anchored node itself, so a node reached through two paths is
 * selected twice (RFC 9535 keeps duplicates); the caller dedupes if it needs to.
 */
#ifndef OAC_JSONPATH_H
#define OAC_JSONPATH_H

#include <stddef.h>
#include "../common/result.h"
#include "doc.h"

struct jsonpath;                /* a compiled query (opaque) */

struct jsonpath_error {
  unsigned col;                 /* 1-based column (in characters) in the query text */
  char msg[160];                /* "unsupported JSONPath feature: slice selector", ... */
};

/* Compile TEXT (LEN bytes, UTF-8). OAC_EDOC with *ERR filled for a syntax error or an
 * unsupported feature; OAC_ENOMEM. *OUT is NULL on error. */
enum oac_result jsonpath_compile(const char *text, size_t len, struct jsonpath **out,
                                 struct jsonpath_error *err);
void jsonpath_free(struct jsonpath *p);

/* One selected node, with where it sits so that a remove or an update can act on it. */
struct jsonpath_match {
  struct doc_node *node;
  struct doc_node *parent;      /* NULL for the root */
  struct doc_node *key;         /* the key node when PARENT is a map, else NULL */
  size_t index;                 /* MAP: the pair index (items[2*index]); SEQ: the item index */
};

struct jsonpath_nodelist {
  struct jsonpath_match *v;
  size_t n, cap;
};

void jsonpath_nodelist_init(struct jsonpath_nodelist *l);
void jsonpath_nodelist_free(struct jsonpath_nodelist *l);

/* Evaluate P against ROOT; the selected nodes are appended to OUT in RFC 9535 order (for
 * maps the document's key order). OAC_ENOMEM, or OAC_ELIMIT past the depth limit (4096
 * levels); on error OUT may hold part of the result: free it. */
enum oac_result jsonpath_eval(const struct jsonpath *p, struct doc_node *root,
                              struct jsonpath_nodelist *out);

#endif
