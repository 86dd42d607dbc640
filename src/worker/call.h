/* call.h - one upstream API call: built from a compiled plan (URL, parameters, security,
 * body), sent, its answer checked (call.c). Used by the data operations (load.c, save.c).
 */
#ifndef OAC_CALL_H
#define OAC_CALL_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "../flow/filter.h"
#include "ops.h"

/* message actions (product.md §14.3; issue 16): the value of one input, by developerName */
struct call_input {
  const char *name;             /* the input's developerName (a PSRC_INPUT param's arg) */
  const char *value;            /* its text; NULL = not sent */
  const char *const *parts;     /* an exploded query array: one a=v pair each (a=1&a=2) */
  size_t nparts;
  const char *const *items;     /* any other array: its items, each encoded on its own and */
  size_t nitems;                /* joined by SEP left as it is (OpenAPI form/simple: "1,2", */
  char sep;                     /* spaceDelimited "1%202", pipeDelimited "1|2") */
  int secret;                   /* masked in every shown URL (CI_F_SECRET) */
};

/* What the parameter values of one call come from. */
struct call_src {
  const char *external_id;      /* listFilter.id or the object's externalId */
  const cJSON *object;          /* the Flow object (save, update, delete) */
  const struct list_filter *lf; /* loads */
  const char *what;             /* "x-flow-load of Pet", for messages */
  /* a paging walk's own query parameters (page size, offset, page, cursor): a plan
   * parameter of the same name is left out, and each of these with a value is sent */
  const char *const *set_names;
  const char *const *set_values;  /* NULL = not sent */
  size_t nset;
  /* message actions (§14.3; issue 16): the inputs PSRC_INPUT parameters read; a body built
   * by the action (JSON, or the text of a text/plain body; form encodings apply to a JSON
   * object); the idempotency key's name (the uriPart; NULL = the type's name) */
  const struct call_input *inputs;
  size_t ninputs;
  const char *body;             /* NULL = none */
  size_t body_len;
  const char *key_name;
};

struct call {
  unsigned method;
  struct buf url, shown, query, shown_query, cookie;
  const char **headers;
  size_t nheaders, maxheaders;
  struct buf body;
  int has_body;
  const char *content_type;
  /* query parameters that are secrets (an API key): their names, and "name=value" pairs
   * joined by '&' (encoded), so a paging walk can take them out of a next URL it keeps and
   * put them into one it follows */
  const char **secret_names;
  size_t nsecret;
  struct buf secret_query;
  size_t max_body;              /* a smaller answer limit (a walk's bytes left); 0 = none */
  int too_big;                  /* call_send: the answer was over the limit */
  /* retries (product.md §13.4): the plan's idempotencyKey header and its value, sent on
   * every attempt; NULL = none (a POST or PATCH is then not retried on a 503) */
  const char *idempotency_key;
  /* OAuth 2.0 client credentials (product.md §13.6): the scheme whose token the call
   * carries (NULL = none), the scopes asked for, the token's cache key and the index of
   * its Authorization header; an API 401 drops the token and call_send tries once more
   * with a new one (cc_retried) */
  const struct cache_scheme *cc_scheme;
  const char *cc_scopes;
  unsigned char cc_key[32];
  size_t cc_header;
  int cc_retried;
  /* message actions (§14.4; issue 16): the API's final status after the retries when
   * call_send got an answer it could read (2xx, or refused with a status); 0 otherwise
   * (timeouts, connection and TLS failures: they never select an outcome) */
  long final_status;
};

void call_init(struct call *cl);
void call_free(struct call *cl);

/* Builds the URL, headers and body of one call of plan PL of the request's type (x->tv).
 * OAC_OK, or the result with the problem set (400 for a value the call cannot carry, 401,
 * 500). */
enum oac_result call_prepare(struct op_ctx *x, const struct cache_plan *pl,
                             const struct call_src *src, struct call *cl);

/* Sends the call. OAC_OK for a 2xx answer; any other result has set the problem (502 for
 * another status, 504, 500).
 * A 404 is an answer, not an error, only for a caller that passes NOT_FOUND (a load by id,
 * a delete): then call_send returns OAC_OK with *NOT_FOUND = 1 (0 for a 2xx). With
 * NOT_FOUND NULL a 404 is a refusal like any other status. So a 404 never looks like a
 * 2xx to a caller that did not ask, and the outcome is never a third integer value. */
enum oac_result call_send(struct op_ctx *x, struct call *cl, int *not_found);

/* --try (product.md §16.5; try.c): when set, call_send calls this after every attempt with
 * the call (its shown URL has the secrets masked), what was sent, and the answer (E is
 * UPE_OK, or the failure and ERRMSG). NULL in normal operation: one pointer test per
 * attempt. */
typedef void call_trace_fn(void *arg, const struct call *cl, const struct upstream_req *rq,
                           const struct upstream_resp *rs, enum upstream_error e,
                           const char *errmsg);
extern call_trace_fn *call_trace;
extern void *call_trace_arg;

/* The answer as JSON: *ROOT NULL for an empty body. OAC_OK, or the result with the problem
 * set. */
enum oac_result answer_json(struct op_ctx *x, struct call *cl, cJSON **root);

/* §13.9 (id_part.c): the decoded part of external ID ID that type property PROP (by name)
 * holds in the request's type (x->tv); the whole ID for a single ID property; NULL when
 * PROP is no part of it or ID has no such part. In x->a. */
const char *call_id_part(struct op_ctx *x, const char *id, const char *prop);

/* §13.9: a load by id ID of a type with a composite ID: OAC_OK when ID has as many parts as
 * the type's ID, else a 400 saying how many. */
enum oac_result call_check_id(struct op_ctx *x, const char *id);

/* Does plan PL bind a parameter to SRC (enum cache_param_src), in IN (0 = anywhere)? */
int plan_has_src(struct op_ctx *x, const struct cache_plan *pl, unsigned src,
                 unsigned in);

#endif
