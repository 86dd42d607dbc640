/* server.h - the request's `Server` (product.md §4, §13.7): which of the document-level
 * servers the compiler stored (CS_SERVERS list 0) a request calls, and the URL each plan
 * calls with it (its own path- or operation-level list at the same index, else its first).
 * Nothing in a request names a host: the value only picks a stored URL. */
#ifndef OAC_WORKER_SERVER_H
#define OAC_WORKER_SERVER_H

#include "ops.h"

/* Sets x->server from the request's Server value (trimmed, a trailing '/' ignored; empty =
 * 0, the default). OAC_EUSAGE with a 400 listing the allowed servers for any other value,
 * OAC_ECACHE with a 503 for a bad section. */
enum oac_result server_select(struct op_ctx *x);

/* The base URL plan PL calls (no trailing '/'), x->server selected; the header's
 * server_url when the section is unusable (server_select has refused such a cache). */
const char *server_url(struct op_ctx *x, const struct cache_plan *pl);

#endif
