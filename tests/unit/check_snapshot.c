/* check_snapshot.c - shared caches (product.md §16.3, src/worker/snapshot.c): a long-running
 * cache set maps a verified snapshot MAP_SHARED; concurrent writers, tampered, truncated
 * and unusable snapshots, the hourly clean-up, and CGI left alone. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "test_cache.h"
#include "worker/caches.h"
#include "worker/log.h"
#include "worker/snapshot.h"
#include "flow/problem.h"

static char base[256], cdir[300], sdir[300];
static const char REG[] = "https://example.test/snap.yaml";
static const char REG2[] = "https://example.test/snap-two.yaml";


static char cache_path[600];

static void setup(void)
{
  const char *b = getenv("top_builddir");
  snprintf(base, sizeof(base), "%s/tests/unit/snapshot.XXXXXX", b ? b : ".");
  if(!mkdtemp(base)) {
    snprintf(base, sizeof(base), "/tmp/snapshot.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
  }
  char real[PATH_MAX];                       /* /proc/self/maps names absolute paths */
  ck_assert_ptr_nonnull(realpath(base, real));
  ck_assert_uint_lt(strlen(real), sizeof(base));
  snprintf(base, sizeof(base), "%s", real);
  snprintf(cdir, sizeof(cdir), "%s/cache", base);
  snprintf(sdir, sizeof(sdir), "%s/snap", base);
  ck_assert_int_eq(mkdir(cdir, 0755), 0);
  snprintf(cache_path, sizeof(cache_path), "%s",
           test_cache_write(test_pet_doc("Snap one"), REG, cdir));
  snapshot_set_dir(sdir);
  log_level = LOG_ERROR;
}

static void teardown(void)
{
  snapshot_set_dir(NULL);
  test_rm_dir(cdir);
  test_rm_dir(sdir);
  rmdir(base);
}

/* The number of snapshot files ("<64 hex>.cache") in the snapshot directory; *NAME gets
 * the last one's name, *TMP counts other files (temporary ones left behind). */
static int snapshots(char name[128], int *tmp)
{
  int n = 0;
  if(tmp)
    *tmp = 0;
  DIR *d = opendir(sdir);
  if(!d)
    return 0;
  struct dirent *de;
  while((de = readdir(d))) {
    if(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    size_t l = strlen(de->d_name);
    if(l == 70 && !strcmp(de->d_name + 64, ".cache")) {
      n++;
      if(name)
        snprintf(name, 128, "%s", de->d_name);
    }
    else if(tmp)
      (*tmp)++;
  }
  closedir(d);
  return n;
}

/* The /proc/self/maps line of the mapping holding ADDR ("" if none). */
static const char *map_of(const void *addr)
{
  static char line[4600];
  FILE *f = fopen("/proc/self/maps", "r");
  ck_assert_ptr_nonnull(f);
  while(fgets(line, sizeof(line), f)) {
    unsigned long lo, hi;
    if(sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (unsigned long)addr >= lo &&
       (unsigned long)addr < hi) {
      fclose(f);
      return line;
    }
  }
  fclose(f);
  return "";
}

static struct cache *get(struct cache_set *s, const char *reg, int want_status)
{
  struct problem p = { 0 };
  struct cache *c = caches_get(s, reg, &p);
  if(want_status) {
    ck_assert_ptr_null(c);
    ck_assert_int_eq(p.status, want_status);
    return NULL;
  }
  ck_assert_msg(c != NULL, "no cache for %s: %d %s", reg, p.status, p.msg);
  return c;
}

static const char *title(struct cache *c)
{
  return cache_str(c, c->hdr->title);
}

static char *read_all(const char *path, size_t *len)
{
  char *t = test_read_file(path, len);
  ck_assert_ptr_nonnull(t);
  return t;
}

/* The snapshot is written once (0444, the cache's bytes), mapped shared, reused by a second
 * set (a second worker), and a recompiled cache gets a new one. */
START_TEST(test_snapshot_shared)
{
  struct cache_set *s = caches_new(cdir, 0);
  struct cache *c = get(s, REG, 0);
  ck_assert_str_eq(title(c), "Snap one");
  char name[128], path[1024];
  int tmp;
  ck_assert_int_eq(snapshots(name, &tmp), 1);
  ck_assert_int_eq(tmp, 0);
  snprintf(path, sizeof(path), "%s/%s", sdir, name);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 0444);
  size_t la, lb;
  char *a = read_all(cache_path, &la), *b = read_all(path, &lb);
  ck_assert_uint_eq(la, lb);
  ck_assert_int_eq(memcmp(a, b, la), 0);
  free(a);
  free(b);
  const char *m = map_of(c->base);
  ck_assert_msg(strstr(m, name) && strstr(m, " r--s "), "not a shared read-only mapping of "
                "the snapshot: %s", m);
  ck_assert_str_eq(c->path, cache_path);       /* reported as the operator's file */
  /* a second worker maps the same file */
  struct cache_set *s2 = caches_new(cdir, 0);
  struct cache *c2 = get(s2, REG, 0);
  ck_assert_ptr_ne(c2->base, c->base);
  ck_assert_ptr_nonnull(strstr(map_of(c2->base), name));
  ck_assert_int_eq(snapshots(NULL, NULL), 1);
  /* a new version: a new snapshot, the old one stays for whoever maps it */
  test_cache_write(test_pet_doc("Snap two"), REG, cdir);
  caches_recheck(s);
  ck_assert_str_eq(title(get(s, REG, 0)), "Snap two");
  ck_assert_int_eq(snapshots(NULL, NULL), 2);
  ck_assert_str_eq(title(get(s2, REG, 0)), "Snap one");  /* not rechecked yet */
  caches_free(s2);
  caches_free(s);
}
END_TEST

/* Eight processes loading the same new cache at the same moment: one snapshot, whole, no
 * temporary file left, every process serving it from a shared mapping. */
START_TEST(test_snapshot_concurrent)
{
  for(int round = 0; round < 5; round++) {
    test_rm_dir(sdir);
    int go[2];
    ck_assert_int_eq(pipe(go), 0);
    pid_t kids[8];
    for(int i = 0; i < 8; i++) {
      kids[i] = fork();
      ck_assert_int_ge(kids[i], 0);
      if(!kids[i]) {
        char x;
        close(go[1]);
        if(read(go[0], &x, 1) != 0)
          _exit(3);
        struct cache_set *s = caches_new(cdir, 0);
        struct problem p = { 0 };
        struct cache *c = caches_get(s, REG, &p);
        int ok = c && !strcmp(cache_str(c, c->hdr->title), "Snap one") &&
          strstr(map_of(c->base), " r--s ") && strstr(map_of(c->base), sdir);
        caches_free(s);
        _exit(ok ? 0 : 1);
      }
    }
    close(go[0]);
    close(go[1]);                      /* every child starts now */
    for(int i = 0; i < 8; i++) {
      int status;
      ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
      ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                    "round %d: process %d failed (status 0x%x)", round, i, status);
    }
    int tmp;
    char name[128], path[1024];
    ck_assert_int_eq(snapshots(name, &tmp), 1);
    ck_assert_int_eq(tmp, 0);
    snprintf(path, sizeof(path), "%s/%s", sdir, name);
    size_t la, lb;
    char *a = read_all(cache_path, &la), *b = read_all(path, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_int_eq(memcmp(a, b, la), 0);
    free(a);
    free(b);
  }
}
END_TEST

/* Writes DATA (LEN bytes) over PATH in place, as root or an owner who chmods first. */
static void overwrite(const char *path, const char *data, size_t len, int truncate_to)
{
  chmod(path, 0644);
  int fd = open(path, O_WRONLY);
  ck_assert_int_ge(fd, 0);
  if(truncate_to >= 0)
    ck_assert_int_eq(ftruncate(fd, truncate_to), 0);
  if(data)
    ck_assert_int_eq(pwrite(fd, data, len, 0), (ssize_t)len);
  close(fd);
  chmod(path, 0444);
}

/* A snapshot found damaged on disk (flipped bytes, truncated, a symbolic link, writable) is
 * never mapped: it is replaced by a good copy and the cache serves. */
START_TEST(test_snapshot_tampered_on_disk)
{
  struct cache_set *s = caches_new(cdir, 0);
  get(s, REG, 0);
  caches_free(s);
  char name[128], path[1024];
  ck_assert_int_eq(snapshots(name, NULL), 1);
  snprintf(path, sizeof(path), "%s/%s", sdir, name);
  size_t len;
  char *good = read_all(path, &len);
  for(int how = 0; how < 4; how++) {
    if(how == 0) {                           /* same size, bytes flipped */
      char *bad = read_all(path, &len);
      for(size_t i = 100; i < len; i += 501)
        bad[i] ^= 0x5a;
      overwrite(path, bad, len, -1);
      free(bad);
    }
    else if(how == 1)                        /* cut in half */
      overwrite(path, NULL, 0, (int)(len / 2));
    else if(how == 2) {                      /* a symbolic link to the cache file */
      unlink(path);
      ck_assert_int_eq(symlink(cache_path, path), 0);
    }
    else                                     /* right bytes, but writable */
      chmod(path, 0666);
    s = caches_new(cdir, 0);
    struct cache *c = get(s, REG, 0);
    ck_assert_str_eq(title(c), "Snap one");
    ck_assert_msg(strstr(map_of(c->base), name) != NULL, "case %d: %s", how, map_of(c->base));
    caches_free(s);
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0444, "case %d", how);
    size_t l2;
    char *now = read_all(path, &l2);
    ck_assert_uint_eq(l2, len);
    ck_assert_int_eq(memcmp(now, good, len), 0);
    free(now);
  }
  free(good);
}
END_TEST

/* Does this file system grant read leases (fcntl F_SETLEASE)? */
static int leases_work(void)
{
  char p[600];
  snprintf(p, sizeof(p), "%s/lease-probe", base);
  int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0444);
  ck_assert_int_ge(fd, 0);
  close(fd);
  fd = open(p, O_RDONLY);
  int ok = fcntl(fd, F_SETLEASE, F_RDLCK) == 0;
  if(ok)
    fcntl(fd, F_SETLEASE, F_UNLCK);
  close(fd);
  unlink(p);
  return ok;
}

/* overwrite() from another process, as an operator's command would (a process opening for
 * writing a file it holds a lease on would break its own lease). */
static void overwrite_elsewhere(const char *path, int truncate_to)
{
  pid_t k = fork();
  ck_assert_int_ge(k, 0);
  if(!k) {
    chmod(path, 0644);
    int fd = open(path, O_WRONLY);
    _exit(fd < 0 || ftruncate(fd, truncate_to) ? 1 : 0);
  }
  int status;
  while(waitpid(k, &status, 0) < 0)
    ck_assert_int_eq(errno, EINTR);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "truncating %s failed", path);
  chmod(path, 0444);
}

/* Reads every byte of C (a truncated shared mapping would raise SIGBUS here). */
static unsigned sum_all(const struct cache *c)
{
  unsigned x = 0;
  for(size_t i = 0; i < c->size; i++)
    x += c->base[i];
  return x;
}

/* A snapshot truncated in place while a set maps it: with a lease (the usual case) the set
 * has swapped in a private copy before the truncation happens, so even reading the mapping
 * before the next check is safe and, with the cache file bad too, the last verified version
 * keeps serving; without one (a file system without leases) the truncation is noticed at
 * the next check and the cache is loaded again, or dropped (503) when its file is bad too,
 * never read from the truncated mapping. */
START_TEST(test_snapshot_truncated_while_mapped)
{
  int lease = leases_work();
  struct cache_set *s = caches_new(cdir, 0);
  struct cache *c = get(s, REG, 0);
  unsigned sum = sum_all(c);
  char name[128], path[1024];
  ck_assert_int_eq(snapshots(name, NULL), 1);
  snprintf(path, sizeof(path), "%s/%s", sdir, name);
  overwrite_elsewhere(path, 100);
  if(lease) {
    ck_assert_uint_eq(sum_all(c), sum);        /* no SIGBUS, the same bytes */
    ck_assert_ptr_null(strstr(map_of(c->base), name));
  }
  caches_recheck(s);
  c = get(s, REG, 0);
  size_t dlen;
  struct cache_error err;
  ck_assert_ptr_nonnull(cache_describe(c, &dlen, &err));
  ck_assert_str_eq(title(c), "Snap one");
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq((size_t)st.st_size, c->size);  /* replaced by a whole one */
  /* again, with the cache file rewritten in place with garbage as well */
  ck_assert_ptr_nonnull(strstr(map_of(c->base), name));
  sum = sum_all(c);
  overwrite_elsewhere(path, 100);
  int fd = open(cache_path, O_WRONLY | O_TRUNC);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "garbage", 7), 7);
  close(fd);
  caches_recheck(s);
  if(lease) {
    c = get(s, REG, 0);                        /* the verified version, a private copy */
    ck_assert_uint_eq(sum_all(c), sum);
    ck_assert_str_eq(title(c), "Snap one");
  }
  else
    get(s, REG, 503);
  caches_free(s);
}
END_TEST

/* A snapshot directory that cannot be used: private copies, one warning per process. */
START_TEST(test_snapshot_dir_unusable)
{
  test_cache_write(test_pet_doc("Snap other"), REG2, cdir);
  char file[400], bad[500], logf[500];
  snprintf(file, sizeof(file), "%s/not-a-dir", base);
  FILE *f = fopen(file, "w");
  ck_assert_ptr_nonnull(f);
  fclose(f);
  snprintf(bad, sizeof(bad), "%s/snapshots", file);    /* ENOTDIR, even for root */
  snapshot_set_dir(bad);
  snprintf(logf, sizeof(logf), "%s/stderr.log", base);
  fflush(stderr);
  int saved = dup(2), fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_int_ge(fd, 0);
  dup2(fd, 2);
  close(fd);
  log_level = LOG_WARN;
  struct cache_set *s = caches_new(cdir, 0);
  struct cache *c = get(s, REG, 0), *c2 = get(s, REG2, 0);
  ck_assert_str_eq(title(c), "Snap one");
  ck_assert_str_eq(title(c2), "Snap other");
  ck_assert_msg(strstr(map_of(c->base), " rw") == NULL && strstr(map_of(c->base), "cache") == NULL,
                "expected a private anonymous copy: %s", map_of(c->base));
  caches_free(s);
  log_level = LOG_ERROR;
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  size_t len;
  char *text = read_all(logf, &len), *p = text;
  int n = 0;
  while((p = strstr(p, "snapshot directory"))) {
    n++;
    p++;
  }
  ck_assert_msg(n == 1, "expected one warning, got %d: %s", n, text);
  ck_assert_ptr_nonnull(strstr(text, "private copy"));
  free(text);
  unlink(logf);
  unlink(file);
}
END_TEST

/* Snapshots and temporary files unused for an hour are removed, the others kept; writing a
 * new snapshot runs the clean-up. */
START_TEST(test_snapshot_cleanup)
{
  ck_assert_int_eq(mkdir(sdir, 0755), 0);
  char old[600], fresh[600], tmpf[600], other[600];
  snprintf(old, sizeof(old), "%s/%064d.cache", sdir, 1);
  snprintf(fresh, sizeof(fresh), "%s/%064d.cache", sdir, 2);
  snprintf(tmpf, sizeof(tmpf), "%s/.%064d.abcdef", sdir, 3);
  snprintf(other, sizeof(other), "%s/operator-notes.txt", sdir);
  const char *files[] = { old, fresh, tmpf, other };
  for(int i = 0; i < 4; i++) {
    FILE *f = fopen(files[i], "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
  }
  struct timespec t[2] = { { time(NULL) - 2 * 3600, 0 }, { time(NULL) - 2 * 3600, 0 } };
  ck_assert_int_eq(utimensat(AT_FDCWD, old, t, 0), 0);
  ck_assert_int_eq(utimensat(AT_FDCWD, tmpf, t, 0), 0);
  ck_assert_int_eq(utimensat(AT_FDCWD, other, t, 0), 0);
  struct cache_set *s = caches_new(cdir, 0);
  get(s, REG, 0);                            /* writes a snapshot: the clean-up runs */
  caches_free(s);
  ck_assert_int_ne(access(old, F_OK), 0);
  ck_assert_int_ne(access(tmpf, F_OK), 0);
  ck_assert_int_eq(access(fresh, F_OK), 0);
  ck_assert_int_eq(access(other, F_OK), 0);  /* not ours: left alone */
  ck_assert_int_eq(snapshots(NULL, NULL), 2);  /* fresh + the new one */
  ck_assert_int_eq(snapshot_cleanup(sdir, 3600), 0);
  ck_assert_int_eq(snapshot_cleanup(sdir, -1), 2);
  unlink(other);
}
END_TEST

/* CGI maps the cache file itself (§6.2); "" turns snapshots off for a long-running set. */
START_TEST(test_snapshot_cgi_and_off)
{
  struct cache_set *s = caches_new(cdir, 1);
  struct cache *c = get(s, REG, 0);
  ck_assert_ptr_nonnull(strstr(map_of(c->base), cache_path));
  caches_free(s);
  ck_assert_int_eq(snapshots(NULL, NULL), 0);
  snapshot_set_dir("");
  ck_assert_ptr_null(snapshot_dir());
  s = caches_new(cdir, 0);
  c = get(s, REG, 0);
  ck_assert_ptr_null(strstr(map_of(c->base), "cache"));
  caches_free(s);
  ck_assert_int_eq(access(sdir, F_OK), -1);
}
END_TEST

/* stderr goes to BASE/stderr.log (log_level LOG_WARN) until log_end(), which returns what
 * was logged (free it). */
static int log_saved = -1;
static char log_path[500];

static void log_begin(void)
{
  snprintf(log_path, sizeof(log_path), "%s/stderr.log", base);
  fflush(stderr);
  log_saved = dup(2);
  int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_int_ge(fd, 0);
  dup2(fd, 2);
  close(fd);
  log_level = LOG_WARN;
}

static char *log_end(void)
{
  log_level = LOG_ERROR;
  fflush(stderr);
  dup2(log_saved, 2);
  close(log_saved);
  size_t len;
  char *text = test_read_file(log_path, &len);   /* NULL: nothing logged */
  unlink(log_path);
  return text ? text : calloc(1, 1);
}

static int count_of(const char *text, const char *what)
{
  int n = 0;
  for(const char *p = text; (p = strstr(p, what)); p++)
    n++;
  return n;
}

/* File descriptors (snapshot.c's lease budget): in a child process of its own (the
 * limits and the once-per-process warning must not leak into the other tests, whether
 * Check forks or not), with RLIMIT_NOFILE set to SOFT/HARD, N snapshots are adopted. */
struct fd_result {
  int ok, skipped;            /* skipped: the hard limit cannot be changed (valgrind) */
  char msg[512];
  int leased, fds, min_fd, max_fd, warnings;
  unsigned long long soft_after;
};

#define CHILD_CHECK(r, cond, ...) do { if(!(cond)) { \
    snprintf((r)->msg, sizeof((r)->msg), __VA_ARGS__); return; } } while(0)

/* A fake verified image of 4096 bytes, distinct for I (snapshot_adopt needs only a mapped
 * image: caches.c verified it). */
static void fake_image(struct cache *c, int i)
{
  memset(c, 0, sizeof(*c));
  unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                          -1, 0);
  ck_assert_ptr_ne(p, MAP_FAILED);
  for(size_t k = 0; k < 4096; k++)
    p[k] = (unsigned char)(k * 7 + (size_t)i * 13 + (size_t)(i >> 8));
  snprintf((char *)p, 64, "image %d", i);
  c->base = p;
  c->size = 4096;
  c->mapped = 1;
  c->hdr = (const struct cache_header *)p;
}

static void fd_child(struct fd_result *r, rlim_t soft, rlim_t hard, int n)
{
  struct rlimit rl = { soft, hard };
  if(setrlimit(RLIMIT_NOFILE, &rl) && errno == EPERM) {
    r->skipped = r->ok = 1;   /* valgrind keeps its own hard limit */
    return;
  }
  CHILD_CHECK(r, getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == soft, "setrlimit: %s",
              strerror(errno));
  struct cache *c = calloc((size_t)n, sizeof(*c));
  struct snapshot_ref *ref = calloc((size_t)n, sizeof(*ref));
  CHILD_CHECK(r, c && ref, "out of memory");
  log_begin();
  for(int i = 0; i < n; i++) {
    fake_image(&c[i], i);
    snapshot_adopt(&c[i], &ref[i]);
  }
  char *text = log_end();
  r->warnings = count_of(text, "snapshot leases:");
  char want[64];
  getrlimit(RLIMIT_NOFILE, &rl);
  r->soft_after = (unsigned long long)rl.rlim_cur;
  snprintf(want, sizeof(want), "RLIMIT_NOFILE %llu", r->soft_after);
  CHILD_CHECK(r, !r->warnings || strstr(text, want) || strstr(text, "lease slots"),
              "the warning does not name %s: %s", want, text);
  CHILD_CHECK(r, !strstr(text, "snapshot directory"), "unexpected: %s", text);
  free(text);
  r->min_fd = 1 << 30;
  for(int i = 0; i < n; i++) {
    char img[64];
    snprintf(img, sizeof(img), "image %d", i);
    CHILD_CHECK(r, ref[i].name[0], "snapshot %d not adopted", i);
    CHILD_CHECK(r, !strcmp((const char *)c[i].base, img) && c[i].base[4095] ==
                (unsigned char)(4095 * 7 + i * 13 + (i >> 8)), "snapshot %d: wrong bytes", i);
    CHILD_CHECK(r, strstr(map_of(c[i].base), ref[i].name) != NULL,
                "snapshot %d not mapped from its file: %s", i, map_of(c[i].base));
    CHILD_CHECK(r, snapshot_check(&ref[i], c[i].size) == 0, "snapshot %d: check failed", i);
    if(ref[i].lease)
      r->leased++;
  }
  DIR *d = opendir("/proc/self/fd");                 /* the descriptors on snapshots */
  CHILD_CHECK(r, d != NULL, "/proc/self/fd: %s", strerror(errno));
  struct dirent *de;
  while((de = readdir(d))) {
    char link[300], to[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
    ssize_t k = readlink(link, to, sizeof(to) - 1);
    if(k <= 0)
      continue;
    to[k] = '\0';
    if(strncmp(to, sdir, strlen(sdir)) || to[strlen(sdir)] != '/')
      continue;
    int fd = atoi(de->d_name);
    r->fds++;
    if(fd < r->min_fd)
      r->min_fd = fd;
    if(fd > r->max_fd)
      r->max_fd = fd;
  }
  closedir(d);
  /* the reserve: sockets and files can still be opened, below FD_SETSIZE */
  int extra[64], ne = 0;
  for(; ne < 64; ne++) {
    extra[ne] = open("/dev/null", O_RDONLY);
    CHILD_CHECK(r, extra[ne] >= 0 && extra[ne] < 1024, "no descriptor left for files: "
                "%d (%s) after %d", extra[ne], strerror(errno), ne);
  }
  while(ne > 0)
    close(extra[--ne]);
  for(int i = 0; i < n; i++) {
    snapshot_release(&ref[i]);
    munmap((void *)c[i].base, c[i].size);
  }
  free(c);
  free(ref);
  r->ok = 1;
}

static struct fd_result fd_run(rlim_t soft, rlim_t hard, int n)
{
  struct fd_result *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(r, MAP_FAILED);
  memset(r, 0, sizeof(*r));
  test_rm_dir(sdir);
  fflush(stdout);
  fflush(stderr);
  pid_t k = fork();
  ck_assert_int_ge(k, 0);
  if(!k) {
    fd_child(r, soft, hard, n);
    _exit(0);
  }
  int status;
  ck_assert_int_eq(waitpid(k, &status, 0), k);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
  ck_assert_msg(r->ok, "limit %lu/%lu, %d snapshots: %s", (unsigned long)soft,
                (unsigned long)hard, n, r->msg);
  struct fd_result out = *r;
  munmap(r, sizeof(*r));
  if(out.skipped)
    printf("test_snapshot_fd_budget: limit %lu/%lu not tried: setrlimit refused to change "
           "the hard limit (valgrind does)\n", (unsigned long)soft, (unsigned long)hard);
  fflush(stdout);
  return out;
}

/* More snapshots than the lease budget: every one is mapped and checked, the lease
 * descriptors stay within the limit (above FD_SETSIZE when the limit allows, so libfcgi's
 * select() never sees one), a reserve stays free, one warning names the limit. */
START_TEST(test_snapshot_fd_budget)
{
  if(!leases_work()) {
    printf("test_snapshot_fd_budget: skipped, this file system grants no leases\n");
    return;
  }
  struct rlimit rl;
  ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  /* a hard limit of 200: the leases stay low, 128 descriptors are kept free */
  struct fd_result r = fd_run(200, 200, 100);
  if(!r.skipped) {
    ck_assert_int_eq(r.leased, 200 - 128);
    ck_assert_int_eq(r.fds, r.leased);
    ck_assert_int_lt(r.max_fd, 200);
    ck_assert_int_eq(r.warnings, 1);
  }
  if(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= 1100) {
    /* a soft limit of 1024, a hard one of 1100: raised to 1100, the leases go above 1023 */
    r = fd_run(1024, 1100, 100);
    if(!r.skipped) {
      ck_assert_uint_eq(r.soft_after, 1100);
      ck_assert_int_eq(r.leased, 1100 - 1024);
      ck_assert_int_eq(r.fds, r.leased);
      ck_assert_int_ge(r.min_fd, 1024);
      ck_assert_int_lt(r.max_fd, 1100);
      ck_assert_int_eq(r.warnings, 1);
    }
  }
  else
    printf("test_snapshot_fd_budget: hard RLIMIT_NOFILE %lu, high descriptors not tried\n",
           (unsigned long)rl.rlim_max);
  /* the default soft limit under the process's hard one: room for every lease */
  rlim_t soft = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 1024 ? rl.rlim_max : 1024;
  r = fd_run(soft, rl.rlim_max, 20);
  ck_assert_int_eq(r.skipped, 0);
  ck_assert_int_eq(r.leased, 20);
  ck_assert_int_eq(r.fds, 20);
  ck_assert_int_eq(r.warnings, 0);
  if(r.soft_after > 1024 + 20) {
    ck_assert_int_ge(r.min_fd, 1024);
    ck_assert_uint_le(r.soft_after, 1024 + 4096 + 128);
  }
}
END_TEST

/* Trust (root only: files and directories are given to nobody): a snapshot owned by
 * another account is replaced by our own; a snapshot directory that another account can
 * change (owned by it, group- or world-writable, sticky or not) is refused with one
 * warning naming the permission problem, and the caches stay private copies. */
START_TEST(test_snapshot_trust)
{
  if(geteuid() != 0) {
    printf("test_snapshot_trust: skipped, not root (chown to nobody needs it)\n");
    return;
  }
  uid_t nobody = 65534;
  struct cache_set *s = caches_new(cdir, 0);
  get(s, REG, 0);
  caches_free(s);
  char name[128], path[1024];
  ck_assert_int_eq(snapshots(name, NULL), 1);
  snprintf(path, sizeof(path), "%s/%s", sdir, name);
  /* the right bytes, mode 0444, but another account's file */
  ck_assert_int_eq(chown(path, nobody, nobody), 0);
  log_begin();
  s = caches_new(cdir, 0);
  struct cache *c = get(s, REG, 0);
  char *text = log_end();
  ck_assert_str_eq(title(c), "Snap one");
  ck_assert_ptr_nonnull(strstr(map_of(c->base), name));
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_uid, geteuid());           /* replaced by our own */
  ck_assert_int_eq(st.st_mode & 07777, 0444);
  ck_assert_msg(strstr(text, "is owned by uid 65534") && strstr(text, "replacing it"), "%s",
                text);
  free(text);
  caches_free(s);
  /* directories another account can change */
  const struct { int mode; uid_t owner; const char *says; } dirs[] = {
    { 0775, 0, "writable by its group" }, { 0757, 0, "writable by every account" },
    { 01777, 0, "writable by every account" }, { 0755, nobody, "owned by uid 65534" },
  };
  for(size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
    test_rm_dir(sdir);
    ck_assert_int_eq(mkdir(sdir, 0700), 0);
    ck_assert_int_eq(chmod(sdir, (mode_t)dirs[i].mode), 0);
    ck_assert_int_eq(chown(sdir, dirs[i].owner, dirs[i].owner), 0);
    snapshot_set_dir(sdir);                           /* a new process, as far as warnings go */
    test_cache_write(test_pet_doc("Snap other"), REG2, cdir);
    log_begin();
    s = caches_new(cdir, 0);
    c = get(s, REG, 0);
    struct cache *c2 = get(s, REG2, 0);
    text = log_end();
    ck_assert_str_eq(title(c), "Snap one");
    ck_assert_str_eq(title(c2), "Snap other");
    ck_assert_msg(strstr(map_of(c->base), "cache") == NULL && strstr(map_of(c2->base),
                  "cache") == NULL, "case %zu: expected private copies: %s", i, map_of(c->base));
    caches_free(s);
    ck_assert_int_eq(snapshots(NULL, NULL), 0);
    ck_assert_msg(count_of(text, "snapshot directory") == 1 && strstr(text, "permission") &&
                  strstr(text, dirs[i].says) && strstr(text, sdir), "case %zu: %s", i, text);
    free(text);
  }
  /* the same directory made ours (0755): snapshots again */
  ck_assert_int_eq(chown(sdir, 0, 0), 0);
  ck_assert_int_eq(chmod(sdir, 0755), 0);
  snapshot_set_dir(sdir);
  s = caches_new(cdir, 0);
  c = get(s, REG, 0);
  ck_assert_ptr_nonnull(strstr(map_of(c->base), sdir));
  caches_free(s);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("snapshot");
  TCase *tc = tcase_create("snapshot");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_snapshot_shared);
  tcase_add_test(tc, test_snapshot_concurrent);
  tcase_add_test(tc, test_snapshot_tampered_on_disk);
  tcase_add_test(tc, test_snapshot_truncated_while_mapped);
  tcase_add_test(tc, test_snapshot_dir_unusable);
  tcase_add_test(tc, test_snapshot_cleanup);
  tcase_add_test(tc, test_snapshot_cgi_and_off);
  tcase_add_test(tc, test_snapshot_fd_budget);
  tcase_add_test(tc, test_snapshot_trust);
  suite_add_tcase(s, tc);
  return s;
}
