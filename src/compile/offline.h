/* offline.h - inline documents on the compiler's side (product.md §15.4): --offline (the
 * compiler opens nothing but the document) and --allow-host (every URL of the compiled
 * document must match a pattern before the cache is written). */
#ifndef OAC_OFFLINE_H
#define OAC_OFFLINE_H

#include "types.h"

/* --offline, right after the root document F is loaded: a file or URL $ref, an
 * externalValue, an openIdConnectUrl and a relative server URL are errors at their
 * position; then no other file may be loaded at all (the doc set's file limit is set to
 * the files already loaded, so even a missed reference fails instead of opening). Returns
 * the number of errors reported. */
unsigned offline_check_tree(struct doc_set *s, const struct doc_file *f, struct diag *d);

/* For the overlay code (§15.1): `extends` names another document to open, which --offline
 * refuses. Reports the error at AT (the extends node) and returns 1 when O is offline;
 * returns 0 (nothing said) otherwise. */
int offline_refuse_extends(const struct compile_opts *o, struct diag *d,
                           const struct doc_node *at);

/* --allow-host: every server URL (all lists, after expansion) and every authorization,
 * token, userinfo, default and client-credentials token URL of C's model must match one of
 * c->opts->allow_hosts; each one that does not is an error naming its host and where it
 * came from. A bad pattern is an error too. Nothing is checked without patterns. */
void offline_allow_hosts(struct cctx *c);

#endif
