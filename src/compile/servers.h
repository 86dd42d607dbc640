/* servers.h - the servers a document allows (product.md §13.7, §6.4): every servers[]
 * entry with its variables replaced by each of their allowed values (enum, or the default
 * alone; --server-variable replaces them), --server added in front as the default, at most
 * SERVERS_MAX URLs per list. Document-level list 0; path- and operation-level lists 1.. */
#ifndef OAC_SERVERS_H
#define OAC_SERVERS_H

#include "types.h"

#define SERVERS_MAX 64

/* The document's list (model.server_lists[0]) and model.server_url (its first). Diagnosed
 * errors (no server URL, a relative one without a base, a variable without a default, a
 * --server-variable value outside an enum or naming no variable, more than 64 URLs). */
void servers_document(struct cctx *c);

/* The list operation API uses: 0 (the document's) or the index of its path- or
 * operation-level list, made on first use (one per servers node). */
size_t servers_for_op(struct cctx *c, const struct doc_node *op, const struct doc_node *item);

#endif
