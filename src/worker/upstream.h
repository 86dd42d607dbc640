/* upstream.h - calls to the real API with libcurl (product.md §2, §10).
 *
 * One struct upstream per worker process holds one CURL easy handle, reused for every call
 * so connections stay alive between requests. Limits: connect timeout and total timeout
 * (5 s / 15 s by default), TLS peer and host verification always on (a CA file may be
 * given), redirects followed only to the same scheme, host and port and at most 3 times,
 * answers over the body limit (16 MiB) refused. Only http and https.
 *
 * The caller builds the URL from a compiled server URL, so the host is always one the
 * compiled documents name; upstream_send() refuses a redirect anywhere else.
 */
#ifndef OAC_UPSTREAM_H
#define OAC_UPSTREAM_H

#include <stddef.h>
#include "../common/buf.h"
#include "../common/result.h"

struct upstream;

struct upstream_opts {
  long connect_timeout_ms;      /* 0 = 5000 */
  long timeout_ms;              /* 0 = 15000 */
  const char *ca_file;          /* NULL = the system's */
  size_t max_body;              /* 0 = 16 MiB */
};

/* O may be NULL (all defaults). NULL on failure (curl could not be initialised). The CA
 * file is only read at the first https call; a bad one then fails as UPE_TLS. */
struct upstream *upstream_new(const struct upstream_opts *o);
void upstream_free(struct upstream *u);

struct upstream_req {
  unsigned method;              /* enum cache_method (format.h) */
  const char *url;              /* absolute; query included */
  const char *const *headers;   /* "Name: value" lines, already checked for CR/LF */
  size_t nheaders;
  const char *body;             /* NULL = none */
  size_t body_len;
  const char *content_type;     /* of the body; NULL = application/json */
  size_t max_body;              /* a smaller answer limit for this call (a paging walk's
                                   bytes left); 0 = the upstream's (16 MiB) */
};

struct upstream_resp {
  long status;                  /* HTTP status of the final answer */
  struct buf body;              /* the answer (buf_init by the caller, reused) */
  char content_type[128];       /* "" when none */
  int is_json;                  /* application/json or any +json */
  double seconds;               /* total time of the call */
  struct buf headers;           /* the final answer's header lines, "Name: value\r\n" each
                                   (buf_init by the caller, reused; at most 64 KiB kept) */
  /* retries (product.md §13.4): set by upstream_send on a failure */
  int nothing_sent;             /* the request never went out: resolve, connect or TLS
                                   handshake failed, or the connect phase timed out */
};

/* The values of every header NAME (case-insensitive) of the answer in RS, joined by ", "
 * (RFC 9110 §5.3), appended to OUT. 1 when there was at least one, else 0. */
int upstream_header(const struct upstream_resp *rs, const char *name, struct buf *out);

/* One Flow request's upstream budget (product.md §10): every call until the next
 * upstream_begin shares the total timeout. Without upstream_begin each call has it all. */
void upstream_begin(struct upstream *u);
/* Milliseconds of the budget left (the total timeout when no budget runs). */
long upstream_left_ms(struct upstream *u);
/* The connect timeout in milliseconds. */
long upstream_connect_ms(const struct upstream *u);

enum upstream_error {
  UPE_OK = 0,
  UPE_CONNECT,                  /* refused, unreachable, DNS failure -> 502 */
  UPE_TIMEOUT,                  /* connect or total timeout -> 504 */
  UPE_TOO_BIG,                  /* answer over max_body -> 502 */
  UPE_REDIRECT,                 /* to another origin, or more than 3 -> 502 */
  UPE_TLS,                      /* certificate or handshake -> 502 */
  UPE_OTHER,                    /* any other transfer error (reset mid-answer...) -> 502 */
  UPE_NOMEM                     /* out of memory on our side -> 500 */
};

/* Performs the call. On UPE_OK the response is complete (any status). Otherwise ERRMSG
 * says what happened in words fit for a ServiceProblem ("connection refused", "timed out
 * after 15000 ms", ...), never with the URL's query or a header value (API keys); rs->body
 * is then empty and rs->status is the last HTTP status seen (0 = none, 3xx for a refused
 * redirect). The timeout covers the whole call, redirects included; rs->seconds adds up
 * every hop. Redirects: 303 makes any method but HEAD a GET, 301/302 make a POST a GET
 * (the body is dropped), 307/308 repeat the request as it was; another 3xx, or one
 * without Location, is the answer. */
enum upstream_error upstream_send(struct upstream *u, const struct upstream_req *rq,
                                  struct upstream_resp *rs, char *errmsg, size_t errlen);

/* §16.4: the cause of a 502/504 for the log line, from the request's last call
 * ("refused", "timeout", "tls", "status-500", "invalid-json", ...); NULL when no call was
 * made since upstream_begin. BUF (LEN >= 24) may hold the text. */
const char *upstream_last_cause(const struct upstream *u, char *buf, size_t len);

#endif
