/* ops.h - the data operations: load (load.c), save (insert / update) and delete (save.c)
 * (product.md §5.2-§5.4, §7, §9.1). Called by the request handler (handler.c) once it has
 * the cache and the type; each operation chooses the plan, builds the upstream call(s) from
 * the plan's parameter bindings (call.c), or answers from the cached example (example.c),
 * maps the answers and writes the ObjectDataResponse into `out`. struct op_ctx is one
 * request's context, shared with the identity endpoints (identity.c).
 */
#ifndef OAC_OPS_H
#define OAC_OPS_H

#include <stdint.h>
#include "../cache/cache.h"
#include "../common/arena.h"
#include "../common/buf.h"
#include "../flow/problem.h"
#include "../flow/request.h"
#include "type_view.h"
#include "upstream.h"

struct op_ctx {
  struct cache *c;
  struct type_view *tv;         /* the request's type (data operations; NULL otherwise) */
  const struct flow_request *rq;
  struct upstream *up;
  struct upstream_resp *resp;   /* reused between calls (its body buffer) */
  struct arena *a;              /* per-request memory */
  struct buf *out;              /* the response body */
  const char **direct;          /* a prebuilt body instead of OUT (see http_response) */
  size_t *direct_len;
  struct problem *p;
  long upstream_status;         /* of the last call, for the log (0 = none) */
  unsigned long max_pages;      /* --max-pages (0 = the default, 100) */
  unsigned ncalls;
  uint32_t server;              /* servers (§13.7): the request's document-level server
                                   (server.c), 0 = the default */
};

/* A data operation: writes the ObjectDataResponse into x->out; OAC_OK, or the result with
 * x->p set (the handler sends x->p, so it needs no more than that). */
typedef enum oac_result op_fn(struct op_ctx *x);

op_fn op_load;
op_fn op_save;
op_fn op_delete;

#endif
