/* inline.c - inline documents: Schema Value compiled by a child compiler (inline.h). */
#include "inline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/mem.h"
#include "../common/sha256.h"
#include "../common/text.h"
#include "../flow/config.h"
#include "../flow/host_pattern.h"
#include "log.h"

/* A sanitizer build's compiler cannot start under RLIMIT_AS at all (AddressSanitizer
 * reserves terabytes of address space for its shadow memory): there the memory limit is not
 * set, and tests/integration/inline.sh skips its memory check. */
#if defined(__SANITIZE_ADDRESS__)
#define OAC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OAC_SANITIZED 1
#endif
#endif

#define HEX_LEN (2 * SHA256_DIGEST_LEN)
#define STDERR_KEEP 4096                /* diagnostics kept for the 400 */

struct inline_state {
  struct inline_opts o;
  int cgi;
  struct cache c;                       /* the last value's cache, open until the next */
  int open;
  char hex[HEX_LEN + 1];
  char reg[HEX_LEN + 8];
  char compiler_id[128];                /* the compiler file's identity, in the cache key */
};

static long mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static long timeout_ms(const struct inline_opts *o)
{
  return o->timeout_ms > 0 ? o->timeout_ms : INLINE_DEFAULT_TIMEOUT_MS;
}

static unsigned long memory_mib(const struct inline_opts *o)
{
  return o->memory_mib ? o->memory_mib : INLINE_DEFAULT_MEMORY_MIB;
}

static unsigned long max_caches(const struct inline_opts *o)
{
  return o->max ? o->max : INLINE_DEFAULT_MAX;
}

int inline_opts_check(const struct inline_opts *o, char *why, size_t whylen)
{
  if(!o->dir)
    return 0;
  if(!*o->dir) {
    snprintf(why, whylen, "--inline-documents needs a directory");
    return -1;
  }
  if(!o->nallow_hosts) {
    snprintf(why, whylen, "--inline-documents needs at least one --allow-host pattern (the "
             "hosts an inline document may call)");
    return -1;
  }
  for(size_t i = 0; i < o->nallow_hosts; i++) {
    struct host_pattern p;
    char w[256];
    if(host_pattern_parse(o->allow_hosts[i], &p, w, sizeof(w))) {
      snprintf(why, whylen, "--allow-host '%.200s': %s", o->allow_hosts[i], w);
      return -1;
    }
  }
  if(mkdir(o->dir, 0700) && errno != EEXIST) {
    snprintf(why, whylen, "--inline-documents %.300s: %s", o->dir, strerror(errno));
    return -1;
  }
  /* the worker trusts DIR's caches as compiled and checked here: no one else may write */
  struct stat st;
  if(!stat(o->dir, &st) && S_ISDIR(st.st_mode) &&
     ((st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
    snprintf(why, whylen, "--inline-documents %.300s: other users may write into it (%s): "
             "its caches would be trusted unchecked; use a directory of the worker's own "
             "(chmod go-w)", o->dir, st.st_uid != geteuid() && st.st_uid ? "another user's" :
             "group or world writable");
    return -1;
  }
  if(access(o->dir, W_OK | X_OK)) {
    snprintf(why, whylen, "--inline-documents %.300s: not a writable directory: %s", o->dir,
             strerror(errno));
    return -1;
  }
  const char *c = o->compiler ? o->compiler : OAC_DEFAULT_COMPILER;
  if(access(c, X_OK)) {
    snprintf(why, whylen, "--compiler %.300s: %s", c, strerror(errno));
    return -1;
  }
  return 0;
}

struct inline_state *inline_new(const struct inline_opts *o, int cgi)
{
  struct inline_state *s = oac_calloc(1, sizeof(*s));
  if(!s)
    return NULL;
  s->o = *o;
  s->cgi = cgi;
  /* a new compiler (an upgrade may check more) compiles the values again */
  struct stat st;
  if(!stat(o->compiler ? o->compiler : OAC_DEFAULT_COMPILER, &st))
    snprintf(s->compiler_id, sizeof(s->compiler_id), "%llu:%llu:%lld:%lld.%09ld",
             (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
             (long long)st.st_size, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
  return s;
}

static void drop(struct inline_state *s)
{
  if(s->open)
    cache_close(&s->c);
  s->open = 0;
  s->hex[0] = '\0';
}

void inline_free(struct inline_state *s)
{
  if(!s)
    return;
  drop(s);
  oac_free(s);
}

/* ---- eviction ------------------------------------------------------------------------ */

/* "<64 lowercase hex>.cache" */
static int cache_name(const char *n)
{
  size_t i = 0;
  for(; i < HEX_LEN; i++)
    if(!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
      return 0;
  return !strcmp(n + i, ".cache");
}

struct entry {
  char name[HEX_LEN + 8];
  long long mtime_ns;
  unsigned long long size;
};

static int by_age(const void *a, const void *b)
{
  const struct entry *x = a, *y = b;
  if(x->mtime_ns != y->mtime_ns)
    return x->mtime_ns < y->mtime_ns ? -1 : 1;
  return strcmp(x->name, y->name);
}

unsigned inline_evict(const char *dir, unsigned long max, unsigned long long max_bytes,
                      const char *keep)
{
  DIR *d = opendir(dir);
  if(!d)
    return 0;
  struct entry *e = NULL;
  size_t n = 0, cap = 0;
  unsigned long long total = 0;
  struct dirent *de;
  while((de = readdir(d))) {
    if(!cache_name(de->d_name))
      continue;
    struct stat st;
    if(fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
      continue;
    if(n == cap) {
      size_t nc = cap ? cap * 2 : 64;
      struct entry *ne = oac_realloc(e, nc * sizeof(*e));
      if(!ne)
        break;
      e = ne;
      cap = nc;
    }
    memcpy(e[n].name, de->d_name, HEX_LEN + 7);      /* cache_name: 70 bytes and a NUL */
    e[n].mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    e[n].size = (unsigned long long)st.st_size;
    total += e[n].size;
    n++;
  }
  unsigned removed = 0;
  if(n)
    qsort(e, n, sizeof(*e), by_age);
  size_t left = n;
  for(size_t i = 0; i < n && (left > max || total > max_bytes); i++) {
    if(keep && !strcmp(e[i].name, keep))
      continue;
    if(!unlinkat(dirfd(d), e[i].name, 0) || errno == ENOENT) {
      removed++;
      left--;
      total -= e[i].size;
    }
  }
  closedir(d);
  oac_free(e);
  return removed;
}

/* ---- describe ------------------------------------------------------------------------ */

int inline_describe(const char *d, size_t len, struct buf *out)
{
  static const char head[] = "{\"culture\":null,\"uri\":null,\"configurationValues\":[";
  static const char tail[] = "],\"providesAutoBinding\"";
  size_t hl = sizeof(head) - 1;
  if(len < hl || memcmp(d, head, hl))
    return -1;
  const char *end = memmem(d + hl, len - hl, tail, sizeof(tail) - 1);
  if(!end)
    return -1;
  buf_append(out, d, hl);
  flow_config_values_json(out, 1);
  buf_append(out, end, len - (size_t)(end - d));
  return 0;
}

/* ---- the compile --------------------------------------------------------------------- */

/* Opens DIR/<hex>.cache into s->c: 1 opened, 0 absent, -1 present but unusable (removed,
 * so the next compile replaces it). */
static int open_cache(struct inline_state *s, const char *path)
{
  struct stat st;
  if(stat(path, &st))
    return 0;
  struct cache_error err;
  if(cache_open(&s->c, path, s->cgi ? CACHE_VERIFY_LAZY : CACHE_VERIFY_ALL, &err)) {
    log_msg(LOG_WARN, "inline document cache %s is unusable (%s): removed", path, err.msg);
    unlink(path);
    return -1;
  }
  s->open = 1;
  utimensat(AT_FDCWD, path, NULL, 0);   /* least recently used goes first: this is a use */
  return 1;
}

/* The diagnostics as the user wrote the value: "<stdin>:3:5:" is "Schema Value:3:5:". */
static void diagnostics(const char *err, size_t len, char *out, size_t outlen)
{
  size_t o = 0;
  static const char from[] = "<stdin>";
  for(size_t i = 0; i < len && o + 1 < outlen;) {
    if(len - i >= sizeof(from) - 1 && !memcmp(err + i, from, sizeof(from) - 1)) {
      int k = snprintf(out + o, outlen - o, "%s", FLOW_CONFIG_SCHEMA_VALUE);
      o += k > 0 ? (size_t)k : 0;
      if(o >= outlen)
        o = outlen - 1;
      i += sizeof(from) - 1;
      continue;
    }
    char c = err[i++];
    out[o++] = c == '\n' ? ' ' : (c == '\r' || c == '\t') ? ' ' : c;
  }
  while(o && out[o - 1] == ' ')
    o--;
  out[o] = '\0';
}

/* Does the compiler's stderr ERR say it ran out of memory? Only its own lines count: a
 * diagnostic at a position of the value ("<stdin>:3:7: ...") may quote the document,
 * whose text could say anything. */
static int out_of_memory(const char *err, size_t len)
{
  static const char *const words[] = { "out of memory", "memory error", "cannot allocate",
                                       "failed to map", "ulimit -v" };
  for(size_t i = 0; i < len;) {
    const char *nl = memchr(err + i, '\n', len - i);
    size_t n = nl ? (size_t)(nl - (err + i)) : len - i;
    char line[1024];
    snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
             err + i);
    int positioned = !strncmp(line, "<stdin>:", 8) && line[8] >= '0' && line[8] <= '9';
    for(size_t w = 0; !positioned && w < sizeof(words) / sizeof(words[0]); w++)
      if(strcasestr(line, words[w]))
        return 1;
    i += n + 1;
  }
  return 0;
}

/* The child: stdin IN, stderr ERRFD, its limits, then the compiler. Never returns. */
static void child(const struct inline_opts *o, int in, int errfd, char **argv, pid_t parent)
{
  /* a worker killed during the compile (SIGKILL, OOM killer) takes its compiler along:
   * only the worker enforces --inline-timeout, so an orphan would run on without limit */
#if defined(__linux__)
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if(getppid() != parent)
    _exit(125);                         /* the worker died before prctl */
#else
  (void)parent;
#endif
  int null = open("/dev/null", O_WRONLY);
  if(dup2(in, 0) < 0 || dup2(errfd, 2) < 0 || (null >= 0 && dup2(null, 1) < 0))
    _exit(126);
  struct rlimit rl;
#if !defined(OAC_SANITIZED)
  rl.rlim_cur = rl.rlim_max = (rlim_t)memory_mib(o) << 20;
  setrlimit(RLIMIT_AS, &rl);
#else
  (void)o;
#endif
  rl.rlim_cur = rl.rlim_max = 0;
  setrlimit(RLIMIT_CORE, &rl);
  /* and a CPU-time backstop where PR_SET_PDEATHSIG is missing: CPU time never runs ahead
   * of wall time, so this never fires before the worker's own limit */
  rl.rlim_cur = rl.rlim_max = (rlim_t)(timeout_ms(o) / 1000 + 2);
  setrlimit(RLIMIT_CPU, &rl);
  /* nothing of the worker's (its FastCGI socket, upstream connections) goes along */
  int closed = 0;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  closed = close_range(3, ~0U, 0) == 0;       /* Linux 5.9: one call */
#endif
  long maxfd = sysconf(_SC_OPEN_MAX);
  if(maxfd < 0 || maxfd > 65536)
    maxfd = 65536;
  for(int fd = 3; !closed && fd < maxfd; fd++)
    close(fd);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  /* the operator's compile-time server variables are not for inline documents */
  unsetenv("OPENAPI_CONNECTOR_SERVER_VARIABLE");
  execv(argv[0], argv);
  char msg[600];
  int k = snprintf(msg, sizeof(msg), "cannot run the compiler %.400s: %s\n", argv[0],
                   strerror(errno));
  if(k > 0 && write(2, msg, (size_t)k) < 0)
    _exit(127);
  _exit(127);
}

/* An unlinked temporary file in DIR holding VALUE, positioned at its start; -1 on error. */
static int value_file(const char *dir, const char *hex, const char *value, size_t len)
{
  char tmp[4200];
  snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.in", dir, hex, (long)getpid());
  int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if(fd < 0)
    return -1;
  unlink(tmp);
  for(size_t off = 0; off < len;) {
    ssize_t w = write(fd, value + off, len - off);
    if(w < 0 && errno == EINTR)
      continue;
    if(w <= 0) {
      close(fd);
      return -1;
    }
    off += (size_t)w;
  }
  if(lseek(fd, 0, SEEK_SET)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Runs the compiler on VALUE into PATH within LIMIT_MS (BY_BUDGET: the limit is the
 * request's budget, not --inline-timeout). 0, or -1 with P set. */
static int compile_value(struct inline_state *s, const char *value, size_t len,
                         const char *path, long limit_ms, int by_budget, struct problem *p)
{
  const struct inline_opts *o = &s->o;
  char *argv[2 * INLINE_MAX_PATTERNS + 12];
  size_t a = 0;
  argv[a++] = (char *)(o->compiler ? o->compiler : OAC_DEFAULT_COMPILER);
  argv[a++] = (char *)"--offline";
  argv[a++] = (char *)"-q";
  argv[a++] = (char *)"--as";
  argv[a++] = s->reg;
  argv[a++] = (char *)"-o";
  argv[a++] = (char *)path;
  for(size_t i = 0; i < o->nallow_hosts && i < INLINE_MAX_PATTERNS; i++) {
    argv[a++] = (char *)"--allow-host";
    argv[a++] = (char *)o->allow_hosts[i];
  }
  argv[a++] = (char *)"-";
  argv[a] = NULL;

  int in = value_file(o->dir, s->hex, value, len);
  if(in < 0) {
    problem_set(p, 500, "inline documents: cannot write to %s: %s", o->dir, strerror(errno));
    return -1;
  }
  int ep[2];
  if(pipe2(ep, O_CLOEXEC)) {
    close(in);
    problem_set(p, 500, "inline documents: cannot make a pipe: %s", strerror(errno));
    return -1;
  }
  long t0 = mono_ms();
  pid_t self = getpid();
  pid_t pid = fork();
  if(pid == 0)
    child(o, in, ep[1], argv, self);
  close(in);
  close(ep[1]);
  if(pid < 0) {
    close(ep[0]);
    problem_set(p, 500, "inline documents: cannot start the compiler: %s", strerror(errno));
    return -1;
  }
  char err[STDERR_KEEP];
  size_t elen = 0;
  int killed = 0, status = 0;
  for(;;) {
    long left = limit_ms - (mono_ms() - t0);
    if(left <= 0) {
      kill(pid, SIGKILL);
      killed = 1;
      break;
    }
    struct pollfd pf = { ep[0], POLLIN, 0 };
    int r = poll(&pf, 1, (int)(left > 100 ? 100 : left));
    if(r < 0 && errno != EINTR)
      break;
    if(r > 0) {
      char chunk[1024];
      ssize_t got = read(ep[0], chunk, sizeof(chunk));
      if(got > 0) {
        size_t keep = (size_t)got < sizeof(err) - elen ? (size_t)got : sizeof(err) - elen;
        memcpy(err + elen, chunk, keep);
        elen += keep;
        continue;
      }
      if(got == 0 || errno != EINTR)
        break;                                  /* end of stderr: the child is ending */
    }
  }
  close(ep[0]);
  /* the child closed stderr (it is ending) or was killed: reap it, within the limit */
  for(;;) {
    pid_t w = waitpid(pid, &status, killed ? 0 : WNOHANG);
    if(w == pid || (w < 0 && errno != EINTR))
      break;
    if(w == 0) {
      if(limit_ms - (mono_ms() - t0) <= 0) {
        kill(pid, SIGKILL);
        killed = 1;
        continue;
      }
      struct timespec ts = { 0, 5 * 1000000L };
      nanosleep(&ts, NULL);
    }
  }
  char diag[PROBLEM_MSG_MAX];
  diagnostics(err, elen, diag, sizeof(diag) - 200);
  long took = mono_ms() - t0;
  if(killed || !WIFEXITED(status) || WEXITSTATUS(status)) {
    /* a compiler stopped while writing leaves its temporary file (cache_write.c names it
     * "<path>.tmp.<pid>"), which eviction does not count: remove it */
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)pid);
    unlink(tmp);
  }
  if(killed) {
    unlink(path);
    if(by_budget)
      problem_set(p, 400, "the Schema Value's compile was stopped after %ld ms: the request's "
                  "time budget (--timeout) ran out", took);
    else
      problem_set(p, 400, "the Schema Value's compile was stopped after %ld ms: over the "
                  "time limit (--inline-timeout %.3g s)", took, (double)timeout_ms(o) / 1000);
    return -1;
  }
  if(WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  int oom = out_of_memory(err, elen);
  if(WIFSIGNALED(status) || oom) {
    if(oom || WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGABRT ||
       WTERMSIG(status) == SIGKILL)
      problem_set(p, 400, "the Schema Value's compile ran out of memory: over the memory "
                  "limit (--inline-memory %lu MiB)%s%s", memory_mib(o),
                  WIFSIGNALED(status) ? "; the compiler was stopped by a signal" : "",
                  "");
    else
      problem_set(p, 400, "the Schema Value's compile was stopped by signal %d",
                  WTERMSIG(status));
    return -1;
  }
  if(WIFEXITED(status) && (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126)) {
    log_msg(LOG_ERROR, "inline documents: %s", diag[0] ? diag : "cannot run the compiler");
    problem_set(p, 500, "inline documents: %s", diag[0] ? diag : "cannot run the compiler");
    return -1;
  }
  problem_set(p, 400, "the Schema Value does not compile: %s", diag[0] ? diag :
              "the compiler gave no reason");
  return -1;
}

/* Is LOCK held by a process of this host that is gone (a worker killed during its
 * compile)? Its pid is the file's text; an unreadable or empty one is not judged here
 * (the holder may not have written it yet): the lock's age decides then. */
static int lock_abandoned(const char *lock)
{
  int fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if(fd < 0)
    return 0;
  char t[24];
  ssize_t n = read(fd, t, sizeof(t) - 1);
  close(fd);
  if(n <= 1 || t[n - 1] != '\n')
    return 0;
  t[n - 1] = '\0';
  char *end;
  long pid = strtol(t, &end, 10);
  if(*end || pid <= 1 || pid == (long)getpid())
    return 0;
  return kill((pid_t)pid, 0) && errno == ESRCH;
}

struct cache *inline_get(struct inline_state *s, const char *value, size_t len,
                         long budget_ms, const char **registration, struct problem *p)
{
  const struct inline_opts *o = &s->o;
  unsigned char md[SHA256_DIGEST_LEN];
  char hex[HEX_LEN + 1];
  /* the cache depends on the value and on the --allow-host patterns it was checked
   * against: narrowing them must not leave caches that call a host no longer allowed */
  struct sha256_ctx h;
  sha256_init(&h);
  for(size_t i = 0; i < o->nallow_hosts; i++)
    sha256_update(&h, o->allow_hosts[i], strlen(o->allow_hosts[i]) + 1);
  sha256_update(&h, "\n", 1);
  sha256_update(&h, s->compiler_id, strlen(s->compiler_id) + 1);
  sha256_update(&h, value, len);
  sha256_final(&h, md);
  for(size_t i = 0; i < SHA256_DIGEST_LEN; i++) {
    hex[2 * i] = text_hex_lower[md[i] >> 4];
    hex[2 * i + 1] = text_hex_lower[md[i] & 15];
  }
  hex[HEX_LEN] = '\0';
  char path[4200], lock[4200], name[HEX_LEN + 8];
  snprintf(name, sizeof(name), "%s.cache", hex);
  snprintf(path, sizeof(path), "%s/%s", o->dir, name);
  snprintf(lock, sizeof(lock), "%s/%s.lock", o->dir, hex);

  /* the same value as the last request, its file still the one mapped: no reopening */
  struct stat st;
  if(s->open && !strcmp(s->hex, hex) && !stat(path, &st) && st.st_ino == s->c.ino &&
     st.st_dev == s->c.dev) {
    utimensat(AT_FDCWD, path, NULL, 0);
    *registration = s->reg;
    return &s->c;
  }
  drop(s);
  memcpy(s->hex, hex, sizeof(hex));
  snprintf(s->reg, sizeof(s->reg), "inline:%s", hex);
  *registration = s->reg;

  long limit = timeout_ms(o);
  int by_budget = 0;
  if(budget_ms < limit) {
    limit = budget_ms;
    by_budget = 1;
  }
  long t0 = mono_ms();
  int recompiles = 0;                   /* after a cache evicted before its open */
  for(;;) {
    int r = open_cache(s, path);
    if(r > 0)
      return &s->c;
    int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if(fd >= 0) {
      char pid[24];                     /* the holder, for lock_abandoned() */
      int pl = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
      if(write(fd, pid, (size_t)pl) != pl)
        log_msg(LOG_WARN, "inline documents: cannot write %s: %s", lock, strerror(errno));
      close(fd);
      long left = limit - (mono_ms() - t0);
      int bad = left <= 0 ? (problem_set(p, 400, "the Schema Value's compile could not start: "
                                         "the request's time budget ran out"), -1)
                          : compile_value(s, value, len, path, left, by_budget, p);
      unlink(lock);
      if(bad)
        return NULL;
      /* open (map) it before evicting: once mapped, no one's eviction can take it away */
      int opened = open_cache(s, path);
      inline_evict(o->dir, max_caches(o), INLINE_DIR_BYTES, name);
      if(opened > 0)
        return &s->c;
      /* gone already: another process's eviction (a small --inline-max, many compiles at
       * once) removed it between the compiler's rename and our open. Compile it again. */
      if(opened == 0 && recompiles++ < 1)
        continue;
      return problem_set(p, 500, "inline documents: the compiled cache %s cannot be read", path),
             NULL;
    }
    if(errno != EEXIST)
      return problem_set(p, 500, "inline documents: cannot create %s: %s", lock,
                         strerror(errno)), NULL;
    /* another request compiles this value: wait for its cache. A lock older than the time
     * limit (and a margin) is left by a process that died: take it over. */
    if(!stat(lock, &st) && (time(NULL) - st.st_mtime > timeout_ms(o) / 1000 + 5 ||
                            lock_abandoned(lock)))
      unlink(lock);
    if(mono_ms() - t0 >= limit) {
      problem_set(p, 400, "the Schema Value is being compiled by another request and was not "
                  "ready within the time limit (%s %.3g s)", by_budget ? "the request's budget,"
                  : "--inline-timeout", (double)limit / 1000);
      return NULL;
    }
    struct timespec ts = { 0, 20 * 1000000L };
    nanosleep(&ts, NULL);
  }
}
