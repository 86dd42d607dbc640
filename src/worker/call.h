/* call.h - one upstream API call: built from a compiled plan (URL, parameters, security,
 * body), sent, its answer checked (call.c). Used by the data operations (load.c, save.c).
 */
#ifndef OAC_CALL_H
#define OAC_CALL_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "../flow/filter.h"
#include "ops.h"

/* What the parameter values of one call come from. */
struct call_src {
  const char *external_id;      /* listFilter.id or the object's externalId */
  const cJSON *object;          /* the Flow object (save, update, delete) */
  const struct list_filter *lf; /* loads */
  const char *what;             /* "x-flow-load of Pet", for messages */
};

struct call {
  unsigned method;
  struct buf url, shown, query, shown_query, cookie;
  const char **headers;
  size_t nheaders, maxheaders;
  struct buf body;
  int has_body;
  const char *content_type;
};

void call_init(struct call *cl);
void call_free(struct call *cl);

/* Builds the URL, headers and body of one call of plan PL of the request's type (x->tv).
 * 0, or -1 with the problem set (400 for a value the call cannot carry, 401, 500). */
int call_prepare(struct op_ctx *x, const struct cache_plan *pl, const struct call_src *src,
                 struct call *cl);

/* What call_send returns besides 0 (a 2xx answer) and a refusal (any other nonzero value:
 * the problem is set). */
#define CALL_NOT_FOUND 1                        /* a 404, and NOT_FOUND_OK was given */

/* Sends the call. 0 = 2xx; CALL_NOT_FOUND; anything else = problem set. */
int call_send(struct op_ctx *x, struct call *cl, int not_found_ok);

/* The answer as JSON: *ROOT NULL for an empty body. 0, or -1 with the problem set. */
int answer_json(struct op_ctx *x, struct call *cl, cJSON **root);

/* Does plan PL bind a parameter to SRC (enum cache_param_src), in IN (0 = anywhere)? */
int plan_has_src(struct op_ctx *x, const struct cache_plan *pl, unsigned src,
                 unsigned in);

#endif
