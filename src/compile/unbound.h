/* unbound.h - parameters the marks do not bind, and the `headers:` mark (product.md §13.8).
 *
 * Both become constant bindings (PSRC_DEFAULT) of the plan at compile time, so the worker
 * sends them as it sends any `{default: value}`. Called by xflow.c's finish_plan().
 */
#ifndef OAC_UNBOUND_H
#define OAC_UNBOUND_H

#include "types.h"

/* The bindings of one plan being built: PARAMS[0..*N), room for MAX; FAILED[0..NFAILED)
 * names bindings already diagnosed (they count as bound). */
struct unbound_plan {
  struct model_param *params;
  size_t *n, max;
  const char *const *failed;
  size_t nfailed;
  const char *ext;              /* "x-flow-load", for messages */
};

/* The `headers:` mark HEADERS (NULL = none) of an operation API (NULL = not in the
 * document): each a PIN_HEADER constant, its name and value checked. */
void unbound_headers(struct cctx *c, const struct api_op *api, const struct doc_node *headers,
                     struct unbound_plan *b);

/* The operation's parameters no binding names: a required one or a header with a schema
 * `default` (or a single `enum` value) is bound to it; a required one with neither is a
 * warning at AT. */
void unbound_params(struct cctx *c, const struct api_op *api, const struct doc_node *at,
                    struct unbound_plan *b);

#endif
