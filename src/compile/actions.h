/* actions.h - message actions (product.md §14): which operations are actions (§14.1),
 * their slugs, names, inputs, outputs, outcomes and calls (§14.2), compiled into
 * model.actions (sorted by slug). Called by compile.c after the types' plans are finished;
 * the call of an action is built by xflow.c with the CRUD plans' code. */
#ifndef OAC_ACTIONS_H
#define OAC_ACTIONS_H

#include "types.h"

/* Every action of the document into c->m->actions, sorted by slug. */
void actions_compile(struct cctx *c);

/* The slug of an operation (§14.2): from OPERATION_ID (NULL = none), else from METHOD and
 * PATH; lower case, runs outside [a-z0-9] one '-', no '-' at either end, a reserved word
 * with "-action" appended. Allocated in A; NULL when out of memory. */
const char *actions_slug(struct arena *a, const char *operation_id, enum cache_method method,
                         const char *path);

/* xflow.c: the call of the action on operation API (AT: where it was made one, for
 * messages; MARK: the x-flow-action mapping, NULL for `true` or `x-flow-actions: all`):
 * method, path, servers, the parameters MARK binds (PSRC_DEFAULT / PSRC_USER /
 * PSRC_CONFIG), its headers, example, security and idempotencyKey. Inputs, body and emptyAs
 * are the caller's. */
void xflow_action_plan(struct cctx *c, struct model_plan *p, const struct api_op *api,
                       const struct doc_node *at, const struct doc_node *mark);

#endif
