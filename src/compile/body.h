/* body.h - the request body of a save/update plan (product.md §13.1, §13.2): its media type
 * chosen from the operation's requestBody.content, the form encoding of each body property,
 * and emptyAs. Called by xflow.c once the plan's body list is known. */
#ifndef OAC_BODY_H
#define OAC_BODY_H

#include "types.h"

/* Is K a key body_plan reads (emptyAs) for operation OP? */
int body_key_allowed(enum cache_op op, const struct doc_node *k);

/* Sets P->body_type, P->body_enc and P->empty_as of plan P (of type T) whose operation is
 * API (NULL when not in paths); diagnoses an unsupported media type, a file in a multipart
 * body, a bad emptyAs and an object under style form. */
void body_plan(struct cctx *c, int t, struct model_plan *p, const struct api_op *api);

/* emptyAs alone, for plans without a body (validated, stored). */
void body_empty_as(struct cctx *c, struct model_plan *p);

#endif
