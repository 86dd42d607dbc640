/* status.h - the figures of /status and /metrics (product.md §16.4), and who may read them.
 *
 * The counters live in one block of shared anonymous memory: the own pool's master maps it
 * before it forks the workers (status_init), so every worker adds to the same figures with
 * atomic operations and any of them answers for the whole pool. A process spawned by a web
 * server maps its own on first use and reports only its own figures.
 */
#ifndef OAC_STATUS_H
#define OAC_STATUS_H

#include <stddef.h>
#include "../common/buf.h"

/* The endpoints counted (the "endpoint" label). */
enum status_endpoint {
  SE_METADATA, SE_LOAD, SE_SAVE, SE_DELETE, SE_AUTHORIZATION, SE_AUTHENTICATION,
  SE_DIRECTORY, SE_ACTION, SE_HEALTH, SE_STATUS, SE_METRICS, SE_OTHER, SE_N
};

/* The causes of 413 and 503 answers. */
enum status_cause { SC_413_BODY, SC_503_CACHE, SC_503_UPSTREAM, SC_503_HEALTH, SC_N };

/* Upstream calls by outcome. */
enum status_upstream { SU_2XX, SU_3XX, SU_4XX, SU_5XX, SU_TIMEOUT, SU_REFUSED, SU_TLS,
                       SU_OTHER, SU_N };

/* Maps the block once (idempotent); WORKERS is the pool's size (1 outside a pool). 0, or
 * -1 when mmap fails (the figures are then not kept; /status says so with a 500). */
int status_init(unsigned workers);

void status_busy(int delta);
void status_request(enum status_endpoint ep, int status, long long dur_us, int slow);
void status_cause(enum status_cause c);
void status_upstream(enum status_upstream o);
void status_retry(void);
void status_page(void);

/* --status-allow: "CIDR[,CIDR...]" (an address alone is a /32 or /128). 0, or -1 with WHY
 * set. The list is kept in a static table (one per process). */
int status_allow_parse(const char *list, char *why, size_t whylen);
/* REMOTE_ADDR admitted by the list (the default, 127.0.0.1/8,::1, when none was parsed). */
int status_allowed(const char *remote_addr);

/* The pool-wide part of /status (members without the braces: "started", "uptimeSeconds",
 * "workers", "requests", ...), and the OpenMetrics text without the caches' lines and
 * without "# EOF". */
void status_json(struct buf *out);
void status_metrics(struct buf *out);

#endif
