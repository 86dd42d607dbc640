/* caches.h - the worker's compiled documents: which cache answers a Schema URL
 * (product.md §6.3).
 *
 * Long-running worker (FastCGI): every *.cache file of the directory is mapped and fully
 * verified when first needed; at most once a second (on a request) the files are checked
 * with stat() and the directory re-read: a new or replaced file is mapped and verified, and
 * replaces the old mapping only if it is valid - a bad file is logged once and the previous
 * one stays in service. A deleted file is dropped. The verified copy is then swapped for a
 * shared snapshot of it (snapshot.h, product.md §16.3) when a snapshot directory is set.
 * A file that cannot be opened for a limit (EMFILE, ENFILE, ENOMEM) is not bad: logged
 * naming the limit and tried again on the next scan. A directory that cannot be read
 * (opendir/readdir error: permissions, missing, a limit) drops nothing: the loaded caches
 * keep serving (§16.4).
 *
 * CGI (one request per process): the file named after the Schema URL's hash is opened
 * directly with lazy verification (only the sections the request reads are checked); only
 * when it is absent or registered under another string are the other files' headers read.
 *
 * When two files claim the same registration, the newest compile wins (a warning is
 * logged).
 */
#ifndef OAC_CACHES_H
#define OAC_CACHES_H

#include <stddef.h>
#include "../cache/cache.h"
#include "../common/buf.h"
#include "../flow/problem.h"

struct cache_set;

/* DIR is copied. CGI selects the one-request strategy. NULL on allocation failure. */
struct cache_set *caches_new(const char *dir, int cgi);
void caches_free(struct cache_set *s);

/* The cache registered under SCHEMA_URL (already trimmed). NULL with P set: 400 naming
 * the compile command when none is registered, 503 when the only candidate is unusable,
 * and 503 naming the problem when the worker cannot tell (the directory cannot be read,
 * caches not opened for a limit: RLIMIT_NOFILE named, never "recompile"). */
struct cache *caches_get(struct cache_set *s, const char *schema_url, struct problem *p);

/* Forget the stat() rate limit: the next caches_get checks the files (SIGHUP). */
void caches_recheck(struct cache_set *s);

/* The /status "caches" array (§16.4): one object per usable cache (registration and source
 * without userinfo or query, title, compile time, source checksum, types, overlays). */
void caches_status_json(struct cache_set *s, struct buf *out);

/* U as a JSON string without userinfo, query or fragment (§16.4). */
void caches_json_url(struct buf *out, const char *u);

/* What /health reports (§16.4): the directory's state and the caches' counts. */
struct caches_state {
  int dir_errno;                /* 0 = the directory could be read, else opendir's errno */
  size_t usable, refused;
  size_t unloaded;              /* not loaded for a limit (too many open files), retried */
  int unloaded_errno;           /* that limit's errno */
  int oom;                      /* the scan ran out of memory: the counts are not to be told */
};
void caches_health(struct cache_set *s, struct caches_state *h);

/* The OpenMetrics lines of the usable caches (an info metric labelled with the
 * registration's hash and the source checksum). */
void caches_metrics(struct cache_set *s, struct buf *out);

const char *caches_dir(const struct cache_set *s);

#endif
