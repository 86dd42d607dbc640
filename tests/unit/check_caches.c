/* check_caches.c - the long-running worker's cache registry (src/worker/caches.c) when the
 * failure is not the file's (product.md §16.4: a limit or a permission problem is named,
 * never a wrong answer; the last verified version keeps serving):
 *  - a cache that cannot be opened for want of file descriptors (EMFILE) is not remembered
 *    as bad: a 503 naming RLIMIT_NOFILE (no "Recompile"), loaded once descriptors are free;
 *  - a cache directory that becomes unreadable (0700 under another account) or is removed
 *    keeps every loaded cache serving, and an unknown registration is a 503 naming the
 *    directory's problem, not a 400 "not registered". */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "test_cache.h"
#include "worker/caches.h"
#include "worker/log.h"
#include "worker/snapshot.h"
#include "flow/problem.h"

static char base[256], cdir[300], moved[300];
static const char REG[] = "https://example.test/caches-one.yaml";
static const char REG2[] = "https://example.test/caches-two.yaml";
static const char OTHER[] = "https://example.test/never-compiled.yaml";


static void setup(void)
{
  /* under /tmp: the account the permission test switches to must reach it */
  snprintf(base, sizeof(base), "/tmp/check_caches.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(base));
  ck_assert_int_eq(chmod(base, 0755), 0);
  snprintf(cdir, sizeof(cdir), "%s/cache", base);
  snprintf(moved, sizeof(moved), "%s/moved", base);
  ck_assert_int_eq(mkdir(cdir, 0755), 0);
  test_cache_write(test_pet_doc("One"), REG, cdir);
  test_cache_write(test_pet_doc("Two"), REG2, cdir);
  snapshot_set_dir(NULL);                    /* private copies: no lease descriptors */
  log_level = LOG_ERROR;
}

static void teardown(void)
{
  chmod(cdir, 0755);
  test_rm_dir(cdir);
  test_rm_dir(moved);
  rmdir(base);
}

/* caches_get's answer: the cache or NULL with P. */
static struct cache *get(struct cache_set *s, const char *reg, struct problem *p)
{
  memset(p, 0, sizeof(*p));
  return caches_get(s, reg, p);
}

/* EMFILE: every descriptor but one taken (opendir gets it, the cache's open() fails). */
START_TEST(test_caches_emfile)
{
  struct rlimit old, low;
  ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
  low = old;
  low.rlim_cur = 64;
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
  int fds[64], nfd = 0;
  for(;;) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if(fd < 0) {
      ck_assert_int_eq(errno, EMFILE);
      break;
    }
    ck_assert_int_lt(nfd, 64);
    fds[nfd++] = fd;
  }
  ck_assert_int_gt(nfd, 0);
  close(fds[--nfd]);                         /* one for opendir */

  struct cache_set *s = caches_new(cdir, 0);
  struct problem p;
  ck_assert_ptr_null(get(s, REG, &p));
  ck_assert_int_eq(p.status, 503);
  ck_assert_msg(strstr(p.msg, "too many open files (RLIMIT_NOFILE 64)"), "%s", p.msg);
  ck_assert_msg(strstr(p.msg, "ulimit -n"), "%s", p.msg);
  ck_assert_msg(!strstr(p.msg, "Recompile") && !strstr(p.msg, "failed validation"), "%s",
                p.msg);
  /* a registration not found among what is loaded: it may be one of those files */
  ck_assert_ptr_null(get(s, OTHER, &p));
  ck_assert_int_eq(p.status, 503);
  ck_assert_msg(strstr(p.msg, "2 cache(s)") && strstr(p.msg, "RLIMIT_NOFILE 64"), "%s",
                p.msg);
  struct caches_state h;
  caches_health(s, &h);
  ck_assert_uint_eq(h.refused, 0);           /* not counted as refused files */

  /* descriptors free again: the next scan loads them (not remembered as bad) */
  while(nfd)
    close(fds[--nfd]);
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
  caches_recheck(s);
  struct cache *c = get(s, REG, &p);
  ck_assert_msg(c != NULL, "%d %s", p.status, p.msg);
  ck_assert_str_eq(cache_str(c, c->hdr->title), "One");
  ck_assert_ptr_nonnull(get(s, REG2, &p));
  ck_assert_ptr_null(get(s, OTHER, &p));
  ck_assert_int_eq(p.status, 400);           /* now really unknown */
  caches_free(s);
}
END_TEST

/* The directory removed (renamed away): what is loaded serves, the unknown one is a 503. */
START_TEST(test_caches_dir_missing)
{
  struct cache_set *s = caches_new(cdir, 0);
  struct problem p;
  ck_assert_ptr_nonnull(get(s, REG, &p));
  ck_assert_ptr_nonnull(get(s, REG2, &p));
  ck_assert_int_eq(rename(cdir, moved), 0);
  caches_recheck(s);
  struct cache *c = get(s, REG, &p);
  ck_assert_msg(c != NULL, "%d %s", p.status, p.msg);
  ck_assert_str_eq(cache_str(c, c->hdr->title), "One");
  ck_assert_ptr_null(get(s, OTHER, &p));
  ck_assert_int_eq(p.status, 503);
  char want[400];
  snprintf(want, sizeof(want), "cache directory %s: missing", cdir);
  ck_assert_msg(strstr(p.msg, want), "%s", p.msg);
  ck_assert_msg(!strstr(p.msg, "Compile it with"), "%s", p.msg);
  struct caches_state h;
  caches_health(s, &h);
  ck_assert_int_eq(h.dir_errno, ENOENT);     /* /health: 503 "missing", as before */
  ck_assert_uint_eq(h.usable, 2);
  /* back: readable again, an unknown registration is a 400 again */
  ck_assert_int_eq(rename(moved, cdir), 0);
  caches_recheck(s);
  ck_assert_ptr_nonnull(get(s, REG2, &p));
  ck_assert_ptr_null(get(s, OTHER, &p));
  ck_assert_int_eq(p.status, 400);
  caches_free(s);
}
END_TEST

/* 0700 under another account: as root, a child switches to nobody (65534) with the
 * directory its own, loads, then makes it unreadable (chmod 0000: an owner who is not root
 * is refused too). Not root: the same in the test process's own account. */
static int dir_unreadable_child(void)
{
  struct cache_set *s = caches_new(cdir, 0);
  struct problem p;
  int bad = 0;
  if(!get(s, REG, &p)) {
    fprintf(stderr, "first load: %d %s\n", p.status, p.msg);
    bad |= 1;
  }
  if(chmod(cdir, 0000)) {
    perror("chmod");
    bad |= 2;
  }
  caches_recheck(s);
  struct cache *c = get(s, REG, &p);
  if(!c || strcmp(cache_str(c, c->hdr->title), "One")) {
    fprintf(stderr, "loaded cache after chmod: %d %s\n", p.status, p.msg);
    bad |= 4;
  }
  if(get(s, REG2, &p) == NULL) {
    fprintf(stderr, "second loaded cache after chmod: %d %s\n", p.status, p.msg);
    bad |= 8;
  }
  char want[400];
  snprintf(want, sizeof(want), "cache directory %s: permission denied (running as uid %ld)",
           cdir, (long)geteuid());
  if(get(s, OTHER, &p) || p.status != 503 || !strstr(p.msg, want) ||
     strstr(p.msg, "Compile it with")) {
    fprintf(stderr, "unknown after chmod: %d %s (want 503 with '%s')\n", p.status, p.msg,
            want);
    bad |= 16;
  }
  struct caches_state h;
  caches_health(s, &h);
  if(h.dir_errno != EACCES || h.usable != 2) {
    fprintf(stderr, "health: dir_errno %d usable %zu\n", h.dir_errno, h.usable);
    bad |= 32;
  }
  /* CGI (one request): the same 503, not "not registered" */
  struct cache_set *cgi = caches_new(cdir, 1);
  if(get(cgi, OTHER, &p) || p.status != 503) {
    fprintf(stderr, "CGI unknown after chmod: %d %s\n", p.status, p.msg);
    bad |= 64;
  }
  caches_free(cgi);
  chmod(cdir, 0755);
  caches_free(s);
  return bad;
}

START_TEST(test_caches_dir_unreadable)
{
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if(!pid) {
    if(geteuid() == 0) {
      if(chown(base, 65534, 65534) || chown(cdir, 65534, 65534) ||
         setgid(65534) || setuid(65534))
        _exit(100);
    }
    _exit(dir_unreadable_child());
  }
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the child failed (status 0x%x; see its stderr)", status);
  if(geteuid() == 0) {
    ck_assert_int_eq(chown(cdir, 0, 0), 0);
    ck_assert_int_eq(chown(base, 0, 0), 0);
  }
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("caches");
  TCase *tc = tcase_create("caches");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_caches_emfile);
  tcase_add_test(tc, test_caches_dir_missing);
  tcase_add_test(tc, test_caches_dir_unreadable);
  suite_add_tcase(s, tc);
  return s;
}
