/* retry.h - when an upstream call is tried again (product.md §13.4): the Retry-After
 * header read (seconds or an HTTP date), and the decision for a 429/503 answer and for a
 * failed connection. Pure: no clock, no I/O; call.c passes the time and the budget left.
 */
#ifndef OAC_RETRY_H
#define OAC_RETRY_H

#include <stddef.h>
#include <time.h>

/* Retries of one call on 429/503 with a Retry-After; without one, only one. */
#define RETRY_MAX_STATUS 2
/* The wait without Retry-After. */
#define RETRY_DEFAULT_WAIT_MS 250L

/* An HTTP date (RFC 9110 §5.6.7: IMF-fixdate, the obsolete RFC 850 form, asctime) in the
 * LEN bytes at S, as Unix seconds in *OUT. 0 when it is one, -1 when not. */
int retry_http_date(const char *s, size_t len, time_t *out);

/* The wait a Retry-After VALUE (LEN bytes, blanks around it allowed) asks for at NOW_MS
 * (Unix time in milliseconds, so that a date is waited for to the millisecond, not up to a
 * second longer), in milliseconds: its delta-seconds, or the time until its HTTP date (0
 * for one in the past). -1 when it is neither: it then counts as absent. Huge values are
 * clamped to a day. */
long long retry_after_ms(const char *value, size_t len, long long now_ms);

enum retry_verdict {
  RETRY_NO = 0,     /* not a 429/503: the answer is what it is */
  RETRY_WAIT,       /* retry after *WAIT_MS */
  RETRY_REFUSED     /* a 429/503 that is not retried (rule, count or budget): a 503 */
};

/* For an answer with STATUS to a call with METHOD (enum cache_method): HAS_KEY when the
 * call carries an idempotency key, AFTER_MS the Retry-After's wait (-1 absent), RETRIES
 * the retries this call already had on 429/503, LEFT_MS the budget left. */
enum retry_verdict retry_on_status(unsigned method, long status, int has_key,
                                   long long after_ms, int retries, long left_ms,
                                   long *wait_ms);

/* For a call that failed without an answer: 1 when it is tried once more. NOTHING_SENT
 * when the failure came before the request went out (resolve, connect, TLS handshake, a
 * connect-phase timeout); RETRIES the retries it already had after failures. */
int retry_on_failure(unsigned method, int nothing_sent, int retries);

#endif
