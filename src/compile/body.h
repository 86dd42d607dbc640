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

/* message actions (§13.1, §14.2; issue 16): the media type an action's body is sent as
 * (*TYPE) and its schema (*SCHEMA, resolved, NULL when none): BODY_NONE without a request
 * body; BODY_UNUSABLE when it cannot be sent (*WHY says why, naming the media types
 * offered): XML, application/octet-stream only, a file in a multipart body. Nothing is
 * diagnosed: the caller decides between an error and a warning. */
enum body_kind { BODY_NONE = 0, BODY_JSON, BODY_FORM, BODY_MULTIPART, BODY_TEXT,
                 BODY_UNUSABLE };
enum body_kind body_action_media(struct cctx *c, const struct api_op *api, const char **type,
                                 const struct doc_node **schema, const char **why);

#endif
