/* caches.c - selecting and reloading compiled documents (caches.h). */
#include "caches.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/mem.h"
#include "log.h"
#include "snapshot.h"   /* shared caches (§16.3) */

struct entry {
  struct cache c;               /* mapped when ok */
  int ok;
  int seen;                     /* found by the current scan */
  /* identity of a file that failed, so that it is reported once, not every second */
  dev_t bad_dev;
  ino_t bad_ino;
  int64_t bad_mtime;
  int bad_perm;                 /* §16.4: refused for permissions, not for its content */
  /* errno of the last attempt when it failed for a reason outside the file (EMFILE,
   * ENFILE, a stat() the directory's permissions refused): not remembered as bad, tried
   * again on the next scan; 0 = none */
  int load_errno;
  char *path;                   /* allocated: 200 caches must not cost 200 x 4 KiB */
  struct snapshot_ref snap;     /* shared caches (§16.3): the snapshot mapped, if any */
};

struct cache_set {
  char *dir;
  int cgi;
  struct entry *e;
  size_t n, cap;
  time_t last_check;            /* monotonic seconds of the last scan; 0 = never */
  int scanned;
  int oom;                      /* the last scan ran out of memory: scan again next time */
  struct cache one;             /* CGI: the one cache this process uses */
  int one_open;
  int dir_errno;                /* errno of the last scan's opendir/readdir; 0 = it read */
};

static time_t now_sec(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

struct cache_set *caches_new(const char *dir, int cgi)
{
  struct cache_set *s = oac_calloc(1, sizeof(*s));
  if(!s)
    return NULL;
  size_t n = strlen(dir);
  s->dir = oac_malloc(n + 1);
  if(!s->dir) {
    oac_free(s);
    return NULL;
  }
  memcpy(s->dir, dir, n + 1);
  s->cgi = cgi;
  return s;
}

void caches_free(struct cache_set *s)
{
  if(!s)
    return;
  for(size_t i = 0; i < s->n; i++) {
    snapshot_release(&s->e[i].snap);
    if(s->e[i].ok)
      cache_close(&s->e[i].c);
    oac_free(s->e[i].path);
  }
  if(s->one_open)
    cache_close(&s->one);
  oac_free(s->e);
  oac_free(s->dir);
  oac_free(s);
}

const char *caches_dir(const struct cache_set *s)
{
  return s->dir;
}

void caches_recheck(struct cache_set *s)
{
  s->scanned = 0;
}

static int is_cache_name(const char *name)
{
  size_t n = strlen(name);
  return name[0] != '.' && n > 6 && !strcmp(name + n - 6, ".cache");
}

static int64_t mtime_ns(const struct stat *st)
{
  return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static struct entry *entry_for(struct cache_set *s, const char *path)
{
  for(size_t i = 0; i < s->n; i++)
    if(!strcmp(s->e[i].path, path))
      return &s->e[i];
  if(s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    struct entry *e = oac_realloc(s->e, cap * sizeof(*e));
    if(!e)
      return NULL;
    s->e = e;
    s->cap = cap;
  }
  size_t n = strlen(path);
  char *copy = oac_malloc(n + 1);
  if(!copy)
    return NULL;
  memcpy(copy, path, n + 1);
  struct entry *e = &s->e[s->n++];
  memset(e, 0, sizeof(*e));
  e->path = copy;
  return e;
}

/* §16.4: U without userinfo, query or fragment, for a log line (BUF of N bytes). */
static const char *url_shown(const char *u, char *buf, size_t n)
{
  size_t end = strcspn(u, "?#");
  const char *scheme = strstr(u, "://");
  if(scheme && (size_t)(scheme - u) < end) {
    const char *host = scheme + 3;
    size_t auth = strcspn(host, "/?#");
    const char *at = memchr(host, '@', auth);
    const char *rest = at ? at + 1 : host;
    snprintf(buf, n, "%.*s%.*s", (int)(host - u), u, (int)(end - (size_t)(rest - u)), rest);
  }
  else
    snprintf(buf, n, "%.*s", (int)end, u);
  return buf;
}

/* A failure that is not the file's fault (a limit, the directory's permissions): it is
 * tried again on the next scan, never remembered as a bad file (§16.4: named, never
 * "recompile it"). */
static int outside_errno(int e)
{
  return e == EMFILE || e == ENFILE || e == EACCES || e == EPERM;
}

/* errno E as the operator should read it: a limit names itself and how to raise it. */
static const char *errno_text(int e, char *buf, size_t n)
{
  struct rlimit rl;
  if(e == EMFILE && !getrlimit(RLIMIT_NOFILE, &rl)) {
    if(rl.rlim_cur == RLIM_INFINITY)
      snprintf(buf, n, "too many open files (RLIMIT_NOFILE unlimited)");
    else
      snprintf(buf, n, "too many open files (RLIMIT_NOFILE %llu): raise LimitNOFILE= or "
               "ulimit -n", (unsigned long long)rl.rlim_cur);
  }
  else if(e == EMFILE)
    snprintf(buf, n, "too many open files (RLIMIT_NOFILE): raise LimitNOFILE= or ulimit -n");
  else if(e == ENFILE)
    snprintf(buf, n, "too many open files in the system (sysctl fs.file-max)");
  else if(e == EACCES || e == EPERM)
    snprintf(buf, n, "permission denied (running as uid %ld)", (long)geteuid());
  else if(e == ENOENT)
    snprintf(buf, n, "missing");
  else
    snprintf(buf, n, "%s", strerror(e));
  return buf;
}

/* Bring one file's entry up to date: map it if new or replaced and valid. SNAP_GONE: its
 * snapshot changed on disk, so the file is loaded again even when unchanged. */
static void load_file(struct cache_set *s, struct entry *e, const char *path,
                      const struct stat *st, int snap_gone)
{
  if(!snap_gone && e->ok && e->c.dev == st->st_dev && e->c.ino == st->st_ino &&
     e->c.mtime_ns == mtime_ns(st)) {
    e->load_errno = 0;
    return;                                     /* unchanged */
  }
  if(e->bad_ino && e->bad_dev == st->st_dev && e->bad_ino == st->st_ino &&
     e->bad_mtime == mtime_ns(st)) {
    e->load_errno = 0;
    return;                                     /* known bad, already reported */
  }
  struct cache fresh;
  struct cache_error err;
  enum oac_result r = cache_open(&fresh, path, CACHE_VERIFY_ALL, &err);
  int r_errno = errno;
  if(r == OAC_ENOMEM || (r == OAC_EIO && r_errno == ENOMEM)) {   /* ENOMEM: mmap */
    log_msg(LOG_ERROR, "cache %s: out of memory while loading it", path);
    s->oom = 1;                                 /* not bad: tried again on the next scan */
    return;
  }
  if(r == OAC_EIO && (r_errno == EMFILE || r_errno == ENFILE)) {
    /* a limit, not the file: not bad, tried again on the next scan; logged once */
    if(e->load_errno != r_errno) {
      char why[200];
      log_msg(LOG_ERROR, "cache %s: not loaded%s: %s; tried again on the next scan", path,
              e->ok ? " (the previous version stays in service)" : "",
              errno_text(r_errno, why, sizeof(why)));
    }
    e->load_errno = r_errno;
    return;
  }
  e->load_errno = 0;
  if(r) {
    e->bad_perm = r == OAC_EIO && (r_errno == EACCES || r_errno == EPERM);
    e->bad_dev = st->st_dev;
    e->bad_ino = st->st_ino;
    e->bad_mtime = mtime_ns(st);
    if(e->ok)
      log_msg(LOG_ERROR, "cache %s refused, the previous version stays in service: %s",
              path, err.msg);
    else
      log_msg(LOG_ERROR, "cache %s refused: %s", path, err.msg);
    return;
  }
  /* shared caches (§16.3): the old mapping's lease is given up first (no request reads it
   * before it is closed below), so that a worker at its lease budget takes one for the new
   * snapshot; a private copy when the snapshot fails */
  snapshot_release(&e->snap);
  struct snapshot_ref ref;
  snapshot_adopt(&fresh, &ref);
  e->snap = ref;
  if(e->ok) {
    char shown[512];
    log_msg(LOG_INFO, "cache %s replaced (registered as %s)", path,
            url_shown(cache_registration(&fresh), shown, sizeof(shown)));
    cache_close(&e->c);
  }
  else {
    char shown[512];
    log_msg(LOG_INFO, "cache %s loaded (registered as %s)", path,
            url_shown(cache_registration(&fresh), shown, sizeof(shown)));
  }
  e->c = fresh;
  e->ok = 1;
  e->bad_ino = 0;
}

/* PATH's entry, marked as found by this scan; NULL (logged, scanned again next time) when
 * memory runs out */
static struct entry *seen_entry(struct cache_set *s, const char *path)
{
  struct entry *e = entry_for(s, path);
  if(!e) {
    log_msg(LOG_ERROR, "out of memory while loading caches");
    s->oom = 1;
    return NULL;
  }
  e->seen = 1;
  return e;
}

static void refresh_file(struct cache_set *s, const char *path, const struct stat *st)
{
  struct entry *e = seen_entry(s, path);
  if(!e)
    return;
  /* shared caches (§16.3): a snapshot replaced or removed behind our back is loaded again
   * (the mapping stays valid meanwhile); one truncated or grown in place is never read
   * again: if the cache file cannot replace it, the cache is dropped (a 503, not SIGBUS) */
  int snap = e->ok && e->snap.name[0] ? snapshot_check(&e->snap, e->c.size) : 0;
  if(snap) {
    log_msg(LOG_WARN, "snapshot %s/%s of cache %s was %s: loading the cache again",
            snapshot_dir(), e->snap.name, path,
            snap == 2 ? "truncated or rewritten in place" : "replaced, removed or written to");
    snapshot_release(&e->snap);
    e->bad_ino = 0;                             /* the file is tried again, even if refused */
  }
  else if(e->ok && e->snap.name[0])
    snapshot_touch(&e->snap, s->last_check);
  const void *before = e->ok ? e->c.base : NULL;
  load_file(s, e, path, st, snap != 0);
  if(snap == 2 && e->ok && e->c.base == before) {
    log_msg(LOG_ERROR, "cache %s dropped: its snapshot was damaged and the file cannot "
            "replace it", path);
    cache_close(&e->c);
    e->ok = 0;
  }
}

static void scan(struct cache_set *s)
{
  time_t now = now_sec();
  if(s->scanned && !s->oom && now - s->last_check < 1 &&
     !snapshot_lost_pending())                  /* §16.3: a snapshot lost its bytes */
    return;
  s->scanned = 1;
  s->oom = 0;
  s->last_check = now;
  for(size_t i = 0; i < s->n; i++)
    s->e[i].seen = 0;
  int was = s->dir_errno;
  DIR *d = opendir(s->dir);
  s->dir_errno = d ? 0 : errno;
  if(d) {
    struct dirent *de;
    char path[4096];
    for(;;) {
      errno = 0;
      if(!(de = readdir(d))) {
        s->dir_errno = errno;                   /* 0: the end */
        break;
      }
      if(!is_cache_name(de->d_name))
        continue;
      struct stat st;
      int n = snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
      if(n < 0 || (size_t)n >= sizeof(path))
        continue;
      if(stat(path, &st)) {
        int se = errno;
        if(!outside_errno(se))
          continue;                             /* removed meanwhile: dropped below */
        /* a file the directory lets us list but not reach (a limit, r-- without x): it
         * stays as it was, and a request for it is told why */
        struct entry *e = seen_entry(s, path);
        if(!e)
          continue;
        if(e->load_errno != se) {
          char why[200];
          log_msg(LOG_ERROR, "cache %s: %s: %s; tried again on the next scan", path,
                  e->ok ? "cannot be checked (the loaded version stays in service)" :
                  "not loaded", errno_text(se, why, sizeof(why)));
        }
        e->load_errno = se;
        continue;
      }
      if(!S_ISREG(st.st_mode))
        continue;
      refresh_file(s, path, &st);
    }
    closedir(d);
  }
  if(s->dir_errno) {
    /* §16.4: the directory cannot be read (permissions, a limit, removed): what is loaded
     * keeps serving (nothing is dropped), a registration not loaded is a 503 naming the
     * directory's problem (caches_get); logged when it starts */
    if(s->dir_errno != was) {
      char why[200];
      size_t ok = 0;
      for(size_t i = 0; i < s->n; i++)
        ok += s->e[i].ok != 0;
      log_msg(LOG_WARN, "cache directory %s: %s; the %zu loaded cache(s) stay in service",
              s->dir, errno_text(s->dir_errno, why, sizeof(why)), ok);
    }
    return;
  }
  if(was)
    log_msg(LOG_INFO, "cache directory %s: readable again", s->dir);
  /* files that disappeared are dropped (nothing refers to them between requests) */
  size_t k = 0;
  for(size_t i = 0; i < s->n; i++) {
    if(!s->e[i].seen) {
      if(s->e[i].ok) {
        log_msg(LOG_INFO, "cache %s removed", s->e[i].path);
        snapshot_release(&s->e[i].snap);
        cache_close(&s->e[i].c);
      }
      oac_free(s->e[i].path);
      continue;
    }
    if(k != i)
      s->e[k] = s->e[i];
    k++;
  }
  s->n = k;
}

/* §16.4: the directory cannot be read: an unknown registration may be in it. */
static void dir_unreadable(struct cache_set *s, const char *url, int e, struct problem *p)
{
  char why[200];
  problem_set(p, 503, "No loaded compiled document is registered for the Schema URL '%s', "
              "and the cache directory cannot be read: cache directory %s: %s", url, s->dir,
              errno_text(e, why, sizeof(why)));
}

static void unknown(struct cache_set *s, const char *url, struct problem *p)
{
  problem_set(p, 400, "No compiled document is registered for the Schema URL '%s' in %s. "
              "Compile it with: openapi-connector-compile --cache-dir %s '%s'",
              url, s->dir, s->dir, url);
}

/* CGI: the file named after the registration, else any file registered under it. */
static struct cache *get_cgi(struct cache_set *s, const char *url, struct problem *p)
{
  char name[32], path[4096];
  struct cache_error err;
  if(s->one_open) {
    if(!strcmp(cache_registration(&s->one), url))
      return &s->one;
    cache_close(&s->one);
    s->one_open = 0;
  }
  cache_default_name(url, strlen(url), name);
  snprintf(path, sizeof(path), "%s/%s", s->dir, name);
  enum oac_result r = cache_open(&s->one, path, CACHE_VERIFY_LAZY, &err);
  if(r == OAC_ENOMEM) {
    problem_set(p, 500, "out of memory opening %s", path);
    return NULL;
  }
  int r_errno = errno;
  if(r == OAC_EIO && (r_errno == EACCES || r_errno == EPERM)) {
    /* §16.4: not "recompile it": a permissions problem */
    problem_set(p, 503, "The compiled document for '%s' cannot be read: %s", url, err.msg);
    return NULL;
  }
  if(r == OAC_EIO && (r_errno == EMFILE || r_errno == ENFILE || r_errno == ENOMEM)) {
    /* §16.4: a limit, named; not "not registered" */
    char why[200];
    problem_set(p, 503, "The compiled document for '%s' (%s) could not be opened: %s", url,
                path, errno_text(r_errno, why, sizeof(why)));
    return NULL;
  }
  int default_bad = r && r != OAC_EIO;
  char bad_msg[512] = "";
  if(!r && !strcmp(cache_registration(&s->one), url)) {
    s->one_open = 1;
    return &s->one;
  }
  if(!r)
    cache_close(&s->one);
  else if(default_bad)
    snprintf(bad_msg, sizeof(bad_msg), "%s", err.msg);
  /* files written with -o: read the headers */
  DIR *d = opendir(s->dir);
  int dir_errno = d ? 0 : errno;
  if(d) {
    struct dirent *de;
    struct cache cand;
    while((de = readdir(d))) {
      if(!is_cache_name(de->d_name) || !strcmp(de->d_name, name))
        continue;
      int n = snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
      if(n < 0 || (size_t)n >= sizeof(path))
        continue;
      if(cache_open(&cand, path, CACHE_VERIFY_LAZY, &err))
        continue;
      if(strcmp(cache_registration(&cand), url)) {
        cache_close(&cand);
        continue;
      }
      if(s->one_open && s->one.hdr->compile_time >= cand.hdr->compile_time) {
        log_msg(LOG_WARN, "%s and %s are both registered as %s; using the newer, %s",
                s->one.path, cand.path, url, s->one.path);
        cache_close(&cand);
        continue;
      }
      if(s->one_open) {
        log_msg(LOG_WARN, "%s and %s are both registered as %s; using the newer, %s",
                s->one.path, cand.path, url, cand.path);
        cache_close(&s->one);
      }
      s->one = cand;
      s->one_open = 1;
    }
    closedir(d);
  }
  if(s->one_open)
    return &s->one;
  if(default_bad) {
    problem_set(p, 503, "The compiled document for '%s' is unusable (%s). Recompile it with: "
                "openapi-connector-compile --cache-dir %s '%s'", url, bad_msg, s->dir, url);
    return NULL;
  }
  if(dir_errno) {
    dir_unreadable(s, url, dir_errno, p);
    return NULL;
  }
  unknown(s, url, p);
  return NULL;
}

struct cache *caches_get(struct cache_set *s, const char *url, struct problem *p)
{
  if(s->cgi)
    return get_cgi(s, url, p);
  scan(s);
  struct cache *best = NULL;
  int dup = 0;
  for(size_t i = 0; i < s->n; i++) {
    struct entry *e = &s->e[i];
    if(!e->ok || strcmp(cache_registration(&e->c), url))
      continue;
    if(best) {
      dup = 1;
      if(e->c.hdr->compile_time <= best->hdr->compile_time)
        continue;
    }
    best = &e->c;
  }
  if(dup)
    log_msg(LOG_WARN, "several caches in %s are registered as %s; using the newest, %s",
            s->dir, url, best->path);
  if(best)
    return best;
  if(s->oom) {
    problem_set(p, 500, "out of memory loading the compiled documents");
    return NULL;
  }
  /* a refused file named after this registration: say so instead of "unknown" */
  char name[32], path[4096], why[200];
  cache_default_name(url, strlen(url), name);
  snprintf(path, sizeof(path), "%s/%s", s->dir, name);
  for(size_t i = 0; i < s->n; i++)
    if(!s->e[i].ok && !strcmp(s->e[i].path, path) && s->e[i].load_errno) {
      /* §16.4: a limit or the directory's permissions, not the file: named, no
       * "recompile" */
      problem_set(p, 503, "The compiled document for '%s' (%s) could not be loaded: %s; it "
                  "is tried again on the next request", url, path,
                  errno_text(s->e[i].load_errno, why, sizeof(why)));
      return NULL;
    }
    else if(!s->e[i].ok && !strcmp(s->e[i].path, path) && s->e[i].bad_perm) {
      /* §16.4: not "recompile it": a permissions problem (opened again for the message) */
      struct cache c;
      struct cache_error err;
      if(cache_open(&c, path, CACHE_VERIFY_LAZY, &err) == OAC_OK) {
        cache_close(&c);            /* readable now: the next scan takes it */
        snprintf(err.msg, sizeof(err.msg), "permission denied");
      }
      problem_set(p, 503, "The compiled document for '%s' cannot be read: %s", url, err.msg);
      return NULL;
    }
    else if(!s->e[i].ok && !strcmp(s->e[i].path, path)) {
      problem_set(p, 503, "The compiled document for '%s' (%s) failed validation. Recompile "
                  "it with: openapi-connector-compile --cache-dir %s '%s'", url, path,
                  s->dir, url);
      return NULL;
    }
  if(s->dir_errno) {
    dir_unreadable(s, url, s->dir_errno, p);
    return NULL;
  }
  /* caches not loaded for a limit: one of them (written with -o) may be this one */
  size_t pending = 0;
  int pending_errno = 0;
  for(size_t i = 0; i < s->n; i++)
    if(!s->e[i].ok && s->e[i].load_errno) {
      pending++;
      pending_errno = s->e[i].load_errno;
    }
  if(pending) {
    problem_set(p, 503, "No loaded compiled document is registered for the Schema URL '%s', "
                "and %zu cache(s) in %s could not be loaded: %s; it is tried again on the "
                "next request", url, pending, s->dir,
                errno_text(pending_errno, why, sizeof(why)));
    return NULL;
  }
  unknown(s, url, p);
  return NULL;
}

/* S without userinfo ("user:pass@") and without query or fragment (§16.4). */
void caches_json_url(struct buf *out, const char *u)
{
  size_t n = strcspn(u, "?#");
  const char *scheme = strstr(u, "://");
  struct buf tmp;
  buf_init(&tmp);
  if(scheme && (size_t)(scheme - u) < n) {
    const char *host = scheme + 3;
    size_t auth = strcspn(host, "/?#");
    const char *at = memchr(host, '@', auth);
    buf_append(&tmp, u, (size_t)(host - u));
    if(at)
      host = at + 1;
    buf_append(&tmp, host, n - (size_t)(host - u));
  }
  else
    buf_append(&tmp, u, n);
  if(buf_failed(&tmp))
    out->oom = 1;
  buf_json_str(out, tmp.data ? tmp.data : "");
  buf_free(&tmp);
}

/* cache_overlays' "<16 hex> <name>\n" lines as [{"name":…,"checksum":…}] members. */
static void caches_overlays_json(struct buf *out, const struct cache *c)
{
  const char *o = cache_overlays(c);
  int first = 1;
  while(o && *o) {
    size_t line = strcspn(o, "\n");
    const char *sp = memchr(o, ' ', line);
    if(sp) {
      char name[1024];
      size_t nl = line - (size_t)(sp + 1 - o);
      snprintf(name, sizeof(name), "%.*s", (int)(nl < 1000 ? nl : 1000), sp + 1);
      buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
      buf_json_str(out, name);
      buf_printf(out, ",\"checksum\":\"%.*s\"}", (int)(sp - o), o);
      first = 0;
    }
    o += line;
    if(*o)
      o++;
  }
}

static void status_one(struct buf *out, const struct cache *c, int first)
{
  const struct cache_header *h = c->hdr;
  buf_puts(out, first ? "{\"registration\":" : ",{\"registration\":");
  caches_json_url(out, cache_registration(c));
  buf_puts(out, ",\"source\":");
  caches_json_url(out, cache_str(c, h->source));
  buf_puts(out, ",\"title\":");
  buf_json_str(out, cache_str(c, h->title));
  buf_puts(out, ",\"compiler\":");
  buf_json_str(out, cache_str(c, h->compiler_version));
  char when[32];
  time_t t = (time_t)h->compile_time;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  buf_printf(out, ",\"compiled\":\"%s\",\"sourceChecksum\":\"%016llx\",\"types\":%u,"
             "\"overlays\":[", when, (unsigned long long)h->source_checksum,
             (unsigned)h->ntypes);
  caches_overlays_json(out, c);
  buf_puts(out, "]}");
}

/* FN for every usable cache: a one-request (CGI) process reads the directory's headers,
 * a long-lived one its scanned set. A scan that ran out of memory marks OUT (a 500, not a
 * short list). */
static void each_cache(struct cache_set *s, struct buf *out,
                       void (*fn)(struct buf *, const struct cache *, int *), int *arg)
{
  if(s->cgi) {
    DIR *d = opendir(s->dir);
    if(!d)
      return;
    struct dirent *de;
    char path[4096];
    while((de = readdir(d))) {
      struct cache c;
      struct cache_error err;
      int n = snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
      if(!is_cache_name(de->d_name) || n < 0 || (size_t)n >= sizeof(path) ||
         cache_open(&c, path, CACHE_VERIFY_LAZY, &err))
        continue;
      fn(out, &c, arg);
      cache_close(&c);
    }
    closedir(d);
    return;
  }
  scan(s);
  if(s->oom)
    out->oom = 1;
  for(size_t i = 0; i < s->n; i++)
    if(s->e[i].ok)
      fn(out, &s->e[i].c, arg);
}

static void status_each(struct buf *out, const struct cache *c, int *first)
{
  status_one(out, c, *first);
  *first = 0;
}

void caches_status_json(struct cache_set *s, struct buf *out)
{
  buf_putc(out, '[');
  int first = 1;
  each_cache(s, out, status_each, &first);
  buf_putc(out, ']');
}

void caches_health(struct cache_set *s, struct caches_state *h)
{
  memset(h, 0, sizeof(*h));
  if(s->cgi) {
    DIR *d = opendir(s->dir);
    if(!d) {
      h->dir_errno = errno;
      return;
    }
    struct dirent *de;
    char path[4096];
    while((de = readdir(d))) {
      struct cache c;
      struct cache_error err;
      int n = snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
      if(!is_cache_name(de->d_name) || n < 0 || (size_t)n >= sizeof(path))
        continue;
      if(cache_open(&c, path, CACHE_VERIFY_LAZY, &err))
        h->refused++;
      else {
        h->usable++;
        cache_close(&c);
      }
    }
    closedir(d);
    return;
  }
  scan(s);
  h->dir_errno = s->dir_errno;
  h->oom = s->oom;
  for(size_t i = 0; i < s->n; i++) {
    if(s->e[i].ok)
      h->usable++;
    if(s->e[i].bad_ino)       /* refused (the previous version may still serve) */
      h->refused++;
    if(!s->e[i].ok && s->e[i].load_errno) {
      h->unloaded++;
      h->unloaded_errno = s->e[i].load_errno;
    }
  }
}

/* §16.4: one line per usable cache, labelled with its registration's hash (the name of its
 * default file, without ".cache") and its source checksum; never the strings. */
static void metrics_one(struct buf *out, const struct cache *c)
{
  char name[32];
  const char *reg = cache_registration(c);
  cache_default_name(reg, strlen(reg), name);
  char *dot = strchr(name, '.');
  if(dot)
    *dot = '\0';
  buf_printf(out, "openapi_connector_cache_info{registration=\"%s\",checksum=\"%016llx\"} 1\n",
             name, (unsigned long long)c->hdr->source_checksum);
}

static void metrics_each(struct buf *out, const struct cache *c, int *unused)
{
  (void)unused;
  metrics_one(out, c);
}

void caches_metrics(struct cache_set *s, struct buf *out)
{
  buf_puts(out, "# TYPE openapi_connector_cache info\n"
           "# HELP openapi_connector_cache A usable compiled document (hashed registration).\n");
  each_cache(s, out, metrics_each, NULL);
}
