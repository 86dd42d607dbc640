/* overlay.h - OpenAPI Overlays (OAI Overlay Specification 1.0 / 1.1; product.md §15.1).
 *
 * An overlay is loaded into the compile's doc_set (after the root document, which stays
 * first in s->files), validated, and its actions applied in order to the root document's
 * tree as written: targets are RFC 9535 JSONPath queries (jsonpath.h) evaluated over the
 * root file only, never through a $ref. 1.1 semantics for both versions: `update` merges
 * recursively (only in the target: kept; only in the update: added; primitive replaces
 * primitive; array concatenates with array; object merges with object; anything else is an
 * error), an update of selected arrays with an object or a primitive appends it, `remove:
 * true` removes every selected node, 1.1's `copy` merges the one node its query selects.
 * A node selected twice is changed once; zero matches is a warning; targets of mixed kinds
 * are an error; touching an anchored node (YAML &anchor, repeated by aliases) is a warning.
 *
 * Content an overlay adds keeps the overlay's file / line / column (so a bad x-flow-* value
 * it wrote is reported in the overlay); a $ref it writes is read as if written in the root
 * document. Diagnostics about the overlay itself point into the overlay.
 */
#ifndef OAC_OVERLAY_H
#define OAC_OVERLAY_H

#include <stddef.h>
#include <stdint.h>
#include "../common/arena.h"
#include "../common/result.h"
#include "doc.h"

/* Apply the overlay at PATH (a path or an http(s) URL, as doc_load takes) to ROOT, the root
 * document (already in S). *CHECKSUM (may be NULL) receives oac_hash64 of the overlay's
 * bytes. Errors are reported through s->diag: OAC_EDOC (the overlay is invalid or an
 * action failed; the tree may be partly changed), OAC_EIO (the file cannot be read),
 * OAC_ELIMIT (a limit; diagnosed), OAC_ENOMEM. */
enum oac_result overlay_apply_file(struct doc_set *s, struct doc_file *root, const char *path,
                                   uint64_t *checksum);
/* The same with the overlay's text in memory; NAME names it in diagnostics (tests, fuzz). */
enum oac_result overlay_apply_mem(struct doc_set *s, struct doc_file *root, const char *name,
                                  const char *data, size_t len);
/* The same with an overlay already loaded into S. */
enum oac_result overlay_apply_doc(struct doc_set *s, struct doc_file *root,
                                  const struct doc_file *overlay);

/* Apply PATHS[0..N) in order (compile_document's hook). *SUMMARY (allocated in A) receives
 * the cache header's text: one line per overlay, "<16 lowercase hex digits of its
 * checksum> <path as given>\n"; "" when N is 0. Stops at the first overlay that fails. */
enum oac_result overlay_apply_all(struct doc_set *s, struct doc_file *root,
                                  const char *const *paths, size_t n, struct arena *a,
                                  const char **summary);

/* The document the overlay at PATH `extends`, resolved against PATH (a relative path
 * against its directory, a relative reference against its URL), in *OUT (oac_malloc'd,
 * free with oac_free); *OUT is NULL when the overlay has no `extends`. Errors go to D:
 * OAC_EIO (cannot read it), OAC_EDOC (not YAML/JSON, or `extends` is not a string / not a
 * path or an http(s) URL), OAC_ENOMEM. */
enum oac_result overlay_extends(const char *path, struct diag *d, char **out);

#endif
