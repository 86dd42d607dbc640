/* handler.h - one HTTP request in, one response out: routing (product.md §3), describe,
 * health, the data operations, ServiceProblems, the log line. Knows nothing of FastCGI or
 * CGI: main.c fills struct http_request from either and writes struct http_response back,
 * and the tests call worker_handle() directly.
 */
#ifndef OAC_HANDLER_H
#define OAC_HANDLER_H

#include <stddef.h>
#include "../common/buf.h"
#include "upstream.h"
#include "inline.h"             /* inline documents (issue 17, §15.4) */

#define WORKER_MAX_BODY (8u << 20)      /* request body limit: 8 MiB */

struct worker_opts {
  const char *cache_dir;
  const char *prefix;           /* mount prefix to strip; NULL = match path endings */
  int cgi;                      /* one request per process: lazy cache verification */
  struct upstream_opts up;
  size_t max_body;              /* 0 = WORKER_MAX_BODY */
  unsigned long max_pages;      /* a paging walk's page limit; 0 = 100 (--max-pages) */
  struct inline_opts inl;       /* inline documents (§15.4): inl.dir NULL = off */
  /* health, status, metrics (§16.4) */
  int health_strict;            /* --health-strict: a refused cache makes /health a 503 */
  int status;                   /* --status: /status and /metrics for --status-allow */
  unsigned long slow_request_ms;  /* --slow-request MS: log slower requests; 0 = off */
};

struct worker;

/* NULL on allocation failure or when curl cannot be initialised. */
struct worker *worker_new(const struct worker_opts *o);
void worker_free(struct worker *w);
/* SIGHUP: look at the cache files on the next request. */
void worker_recheck_caches(struct worker *w);

struct http_request {
  const char *method;           /* REQUEST_METHOD */
  const char *uri;              /* REQUEST_URI (query string is ignored); NULL = use path_info */
  const char *path_info;        /* PATH_INFO, the CGI fallback */
  const char *authorization;    /* HTTP_AUTHORIZATION, NULL = none */
  const char *body;
  size_t body_len;
  int body_too_large;           /* the caller saw a CONTENT_LENGTH over the limit */
  int body_unread;              /* no memory to read the body into: a 500 */
  const char *remote_addr;      /* REMOTE_ADDR, for --status-allow (§16.4); NULL = none */
};

struct http_response {
  int status;
  int problem;                  /* add X-ManyWho-Service-Problem-Kind: service */
  const char *allow;            /* 405: the Allow header, else NULL */
  struct buf body;              /* JSON (buf_init by the caller; reset by worker_handle) */
  const char *direct;           /* when set, the body is these DIRECT_LEN bytes instead (a
                                   prebuilt answer in a mapped cache, valid until the next
                                   request) */
  size_t direct_len;
  const char *content_type;     /* NULL = application/json (§16.4: /metrics is text) */
};

void worker_handle(struct worker *w, const struct http_request *rq, struct http_response *rs);

size_t worker_max_body(const struct worker *w);

#endif
