/* infer.h - `--infer` and `--emit-overlay` (product.md §15.3): CRUD marks and actions
 * inferred from REST conventions, added to the document tree as nodes of the synthetic
 * file "(inferred)" (doc_edit.c), checked by trial compiles, then compiled.
 *
 * compile_document() calls infer_compile() once the document is loaded (and the overlays
 * applied) when compile_opts.infer is set. docs/internals/compile-pipeline.md describes
 * the trial compiles; the README's "Inferred marks" the rules.
 */
#ifndef OAC_INFER_H
#define OAC_INFER_H

#include "compile.h"

/* Infer, check (trial compiles: an inferred mark that fails a compile check is dropped
 * with a warning naming its rule), compile into M with D, flag the inferred types and
 * actions (CT_F_INFERRED, CA_F_INFERRED), and write o->emit_overlay when it is set.
 * Returns what compile_loaded() returns, or OAC_EIO when the overlay cannot be written. */
enum oac_result infer_compile(const struct compile_opts *o, struct doc_set *s,
                              struct doc_file *f, struct diag *d, struct model *m);

/* ---- exposed for the unit tests ---- */

/* The singular of a path segment (§15.3): "ies" -> "y", else one final "s" dropped unless
 * the name ends in "ss". Allocated in A. */
const char *infer_singular(struct arena *a, const char *seg, size_t len);

/* The first of the verbs list, get, create, add, update, replace, delete, remove that is a
 * word of OPERATION_ID ("repos/list-for-org", "listPets", "GetCustomers", "pets.create"),
 * or NULL. */
const char *infer_verb(const char *operation_id);

/* Appends a JSONPath name selector for KEY: ['...'] with RFC 9535's escapes. */
void infer_jsonpath_name(struct buf *b, const char *key, size_t len);

/* Appends S as a YAML double-quoted scalar. */
void infer_yaml_quoted(struct buf *b, const char *s, size_t len);

#endif
