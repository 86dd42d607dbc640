/* inline.h - inline documents: the `Schema Value` configuration value (product.md §15.4).
 *
 * Only with --inline-documents DIR (and at least one --allow-host pattern) does the worker
 * accept a document in the request. It never parses YAML itself: it runs the compiler as a
 * child process (fork + exec, no shell) with --offline, the --allow-host patterns and -q,
 * the value on the child's standard input (an unlinked temporary file in DIR), the cache
 * written to DIR/<hex SHA-256 of the patterns, the compiler and the value>.cache; RLIMIT_AS
 * and a time limit (the smaller of --inline-timeout and the request's upstream budget,
 * §10) bound it, and its standard
 * error (the diagnostics) comes back in the 400. The next requests with the same value
 * open that cache directly (verified like any cache). One compile per value: an O_EXCL
 * lock file DIR/<hex>.lock; the other requests poll for the cache until the time limit.
 * DIR keeps at most --inline-max caches and INLINE_DIR_BYTES; the least recently used
 * (mtime, touched on every use) go first. docs/internals/request-path.md has a note.
 */
#ifndef OAC_INLINE_H
#define OAC_INLINE_H

#include <stddef.h>
#include "../cache/cache.h"
#include "../common/buf.h"
#include "../flow/problem.h"

#define INLINE_MAX_VALUE (2u << 20)             /* a Schema Value's limit: 2 MiB */
#define INLINE_DIR_BYTES (256ull << 20)         /* DIR's caches, in all: 256 MiB */
#define INLINE_DEFAULT_TIMEOUT_MS 10000L
#define INLINE_DEFAULT_MEMORY_MIB 512UL
#define INLINE_DEFAULT_MAX 100UL
#define INLINE_MAX_PATTERNS 64

#ifndef OAC_DEFAULT_COMPILER
#define OAC_DEFAULT_COMPILER "/usr/local/bin/openapi-connector-compile"
#endif

struct inline_opts {
  const char *dir;                      /* --inline-documents DIR; NULL = off */
  const char *allow_hosts[INLINE_MAX_PATTERNS];  /* --allow-host */
  size_t nallow_hosts;
  const char *compiler;                 /* --compiler; NULL = OAC_DEFAULT_COMPILER */
  long timeout_ms;                      /* --inline-timeout; 0 = the default */
  unsigned long memory_mib;             /* --inline-memory; 0 = the default */
  unsigned long max;                    /* --inline-max; 0 = the default */
};

/* Start-up check of O (when O->dir is set): the patterns parse, at least one is given,
 * DIR exists (made 0700 when missing) and is writable. 0, or -1 with WHY. */
int inline_opts_check(const struct inline_opts *o, char *why, size_t whylen);

struct inline_state;

/* NULL on allocation failure. O is copied (its strings are not). CGI: lazy verification. */
struct inline_state *inline_new(const struct inline_opts *o, int cgi);
void inline_free(struct inline_state *s);

/* The cache compiled from VALUE (LEN bytes, trimmed, at most INLINE_MAX_VALUE), compiled
 * now when DIR has none; BUDGET_MS is what is left of the request's upstream budget. The
 * cache stays open until the next call or inline_free; *REGISTRATION receives its
 * registration ("inline:<hex>"). NULL with P set (400 for the document or a limit, 500
 * when the compiler cannot run). */
struct cache *inline_get(struct inline_state *s, const char *value, size_t len,
                         long budget_ms, const char **registration, struct problem *p);

/* Eviction: removes the least recently used (oldest mtime first) "<64 hex>.cache" files of
 * DIR, except KEEP (a file name, may be NULL), until at most MAX remain and they hold at
 * most MAX_BYTES. Returns how many were removed. */
unsigned inline_evict(const char *dir, unsigned long max, unsigned long long max_bytes,
                      const char *keep);

/* Describe with `Schema Value` listed after `Schema URL` (and Schema URL no longer
 * required): the describe body D (LEN bytes, as the compiler or flow_describe_head wrote
 * it) with its configurationValues rewritten, appended to OUT. -1 (nothing appended) when
 * D does not start as expected. */
int inline_describe(const char *d, size_t len, struct buf *out);

#endif
