/* snapshot.c - shared, verified copies of the caches (snapshot.h, product.md §16.3). */
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/mem.h"
#include "../common/sha256.h"
#include "../common/text.h"
#include "log.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static char *snap_dir;          /* NULL: snapshots off */
static int dir_failed;          /* warned once: private copies from now on */

/* Leases (fcntl F_SETLEASE, F_RDLCK) on the mapped snapshots: whoever opens one for writing
 * or truncates it is held back by the kernel (lease-break-time, 45 s by default) until
 * the holder releases the lease; the holder's signal handler first replaces the shared
 * mapping, at the same address, with a private copy of its still intact bytes (mremap
 * MREMAP_FIXED), so a request reading it at that very moment reads the same bytes and
 * never gets SIGBUS. A fixed table: the handler must not see it reallocated. */
#define LEASE_SLOTS 4096
#define LEASE_SIGNAL (SIGRTMIN + 3)
static struct lease {
  int fd;                       /* 0: free */
  void *addr;
  size_t size;
  volatile sig_atomic_t broken; /* the mapping is a private copy now */
  volatile sig_atomic_t lost;   /* ...of a file already cut short: zeros past its end */
} leases[LEASE_SLOTS];
static int lease_handler_set;
/* a break found its file already cut short (snapshot_lost_pending) */
static volatile sig_atomic_t leases_lost;

static void on_lease_break(int sig, siginfo_t *si, void *uc)
{
  (void)sig;
  (void)uc;
  int saved = errno;
  for(size_t i = 0; i < LEASE_SLOTS; i++) {
    struct lease *l = &leases[i];
    if(!l->fd || l->fd != si->si_fd || l->broken)
      continue;
    /* The signal may come late: a FastCGI worker holds it while libfcgi reads or writes
     * (main.c serve_fcgi), and past lease-break-time (45 s) the kernel takes the lease
     * away and lets the writer truncate. Pages past the file's end would raise SIGBUS
     * here: only the bytes still in the file are copied (fstat is async-signal-safe), the
     * rest of the copy stays zeros and snapshot_check reports it damaged at once. */
    size_t keep = l->size;
    struct stat fs;
    if(!fstat(l->fd, &fs) && (unsigned long long)fs.st_size < (unsigned long long)keep) {
      keep = fs.st_size > 0 ? (size_t)fs.st_size : 0;
      l->lost = 1;
      leases_lost = 1;
    }
    void *copy = l->addr ? mmap(NULL, l->size, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
    if(copy != MAP_FAILED) {
      memcpy(copy, l->addr, keep);
      if(mprotect(copy, l->size, PROT_READ) ||
         mremap(copy, l->size, l->size, MREMAP_MAYMOVE | MREMAP_FIXED, l->addr) == MAP_FAILED)
        munmap(copy, l->size);
    }
    l->broken = 1;
    fcntl(l->fd, F_SETLEASE, F_UNLCK);
  }
  errno = saved;
}

/* File descriptors (each lease keeps its snapshot open): at the first lease the soft
 * RLIMIT_NOFILE is raised towards the hard limit, up to what the table can use
 * (LEASE_FD_LOW + LEASE_SLOTS + LEASE_FD_RESERVE). When the limit is above LEASE_FD_LOW
 * (FD_SETSIZE: libfcgi select()s the accepted connection's descriptor, so it must stay
 * below) the lease descriptors are moved to numbers >= LEASE_FD_LOW, leaving every low one
 * to sockets, curl and files; otherwise they stay low and LEASE_FD_RESERVE descriptors are
 * kept free. Past the budget a snapshot is mapped without a lease, with one warning. */
#define LEASE_FD_LOW 1024
#define LEASE_FD_RESERVE 128
static int lease_budget;        /* leases this process may hold (lease_budget_init) */
static int lease_high;          /* lease descriptors go to >= LEASE_FD_LOW */
static int lease_count;         /* leases held */
static unsigned long long lease_limit;  /* the soft RLIMIT_NOFILE after the raise */
static int lease_warned;

static void lease_budget_init(void)
{
  struct rlimit rl;
  lease_budget = 0;
  if(getrlimit(RLIMIT_NOFILE, &rl))
    return;
  rlim_t want = LEASE_FD_LOW + LEASE_SLOTS + LEASE_FD_RESERVE;
  if(rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
    want = rl.rlim_max;
  if(rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    struct rlimit raised = { want, rl.rlim_max };
    if(!setrlimit(RLIMIT_NOFILE, &raised))
      rl.rlim_cur = want;
  }
  lease_limit = rl.rlim_cur == RLIM_INFINITY ? 1ULL << 20 : (unsigned long long)rl.rlim_cur;
  lease_high = lease_limit > LEASE_FD_LOW;
  unsigned long long b = lease_high ? lease_limit - LEASE_FD_LOW
    : lease_limit > LEASE_FD_RESERVE ? lease_limit - LEASE_FD_RESERVE : 0;
  lease_budget = b > LEASE_SLOTS ? LEASE_SLOTS : (int)b;
}

/* The budget is used up: one warning per process. */
static void lease_budget_warn(void)
{
  if(lease_warned)
    return;
  lease_warned = 1;
  if(lease_count >= LEASE_SLOTS)
    log_msg(LOG_WARN, "snapshot leases: all %d lease slots of this process used; further "
            "snapshots are mapped without a lease (their check once a second still protects "
            "them)", LEASE_SLOTS);
  else
    log_msg(LOG_WARN, "snapshot leases: %d of RLIMIT_NOFILE %llu file descriptors used "
            "(%llu kept for connections and files); further snapshots are mapped without a "
            "lease (their check once a second still protects them): raise the hard limit "
            "(LimitNOFILE= under systemd, ulimit -Hn), the worker raises its soft limit "
            "to it", lease_count, lease_limit, lease_limit - (unsigned long long)lease_count);
}

/* Takes a read lease on *FD (the snapshot, opened read-only), which the slot then owns:
 * the slot's index + 1, or 0 without a lease (*FD is left to the caller). *FD may be
 * replaced by a duplicate numbered >= LEASE_FD_LOW (the original closed). The mapping's
 * address is set in leases[] once it exists. */
static int lease_take(int *fdp, size_t size)
{
  if(!lease_handler_set) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_lease_break;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if(sigaction(LEASE_SIGNAL, &sa, NULL))
      return 0;
    lease_handler_set = 1;
  }
  lease_budget_init();             /* the limit may have changed: one getrlimit per lease */
  if(lease_count >= lease_budget) {
    lease_budget_warn();
    return 0;
  }
  size_t i = 0;
  while(i < LEASE_SLOTS && leases[i].fd)
    i++;
  if(i == LEASE_SLOTS || *fdp <= 0)
    return 0;
  int fd = *fdp;
  if(lease_high && fd < LEASE_FD_LOW) {
    int high = fcntl(fd, F_DUPFD_CLOEXEC, LEASE_FD_LOW);
    if(high < 0) {                 /* EMFILE: every number up to the limit is taken */
      lease_budget_warn();
      return 0;
    }
    close(fd);
    *fdp = fd = high;
  }
  leases[i].addr = NULL;
  leases[i].size = size;
  leases[i].broken = 0;
  leases[i].lost = 0;
  leases[i].fd = fd;
  if(fcntl(fd, F_SETSIG, LEASE_SIGNAL) || fcntl(fd, F_SETOWN, getpid()) ||
     fcntl(fd, F_SETLEASE, F_RDLCK)) {
    leases[i].fd = 0;
    return 0;
  }
  lease_count++;
  return (int)i + 1;
}

int snapshot_lost_pending(void)
{
  int r = leases_lost;
  leases_lost = 0;
  return r;
}

int snapshot_lease_signal(void)
{
  return LEASE_SIGNAL;
}

void snapshot_release(struct snapshot_ref *ref)
{
  if(ref->lease > 0 && ref->lease <= LEASE_SLOTS) {
    struct lease *l = &leases[ref->lease - 1];
    int fd = l->fd;
    l->fd = 0;                  /* the handler no longer looks at it */
    if(fd > 0) {
      fcntl(fd, F_SETLEASE, F_UNLCK);
      close(fd);
      lease_count--;
    }
  }
  ref->lease = 0;
  ref->name[0] = '\0';
}

void snapshot_set_dir(const char *dir)
{
  oac_free(snap_dir);
  snap_dir = NULL;
  dir_failed = 0;
  if(!dir || !*dir)
    return;
  size_t n = strlen(dir);
  snap_dir = oac_malloc(n + 1);
  if(snap_dir)
    memcpy(snap_dir, dir, n + 1);
}

const char *snapshot_dir(void)
{
  return snap_dir;
}

static time_t mono_sec(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

/* The directory cannot hold snapshots: one warning per process, then private copies. */
static void give_up(const char *what, int e)
{
  if(dir_failed)
    return;
  dir_failed = 1;
  log_msg(LOG_WARN, "snapshot directory %s: %s: %s; every worker keeps a private copy of "
          "each cache (set --snapshot-dir to a directory the worker user can write)",
          snap_dir, what, strerror(e));
}

/* Why map_existing found no good snapshot (for the log). */
static char bad_why[96];

/* The snapshot directory, created when missing, may hold snapshots: a directory owned by
 * this process's effective user or root and writable by its owner only. (Snapshot files
 * of another owner are refused by map_existing anyway, since their owner could truncate
 * them under the mapping; but an account that can write to the directory could still
 * remove or take the snapshots' names all along, and in a sticky one keep them.) Else one
 * warning per process, and 0: private copies. */
static int dir_trusted(void)
{
  struct stat ds;
  if(stat(snap_dir, &ds) &&
     (errno != ENOENT || (mkdir(snap_dir, 0755) && errno != EEXIST) || stat(snap_dir, &ds))) {
    give_up("cannot create or reach it", errno);
    return 0;
  }
  char problem[160] = "";
  if(!S_ISDIR(ds.st_mode)) {
    give_up("not a directory", ENOTDIR);
    return 0;
  }
  if(ds.st_uid != geteuid() && ds.st_uid != 0)
    snprintf(problem, sizeof(problem), "owned by uid %lu, neither this process's user "
             "(uid %lu) nor root", (unsigned long)ds.st_uid, (unsigned long)geteuid());
  else if(ds.st_mode & 022)
    snprintf(problem, sizeof(problem), "writable by %s (mode %04o)",
             (ds.st_mode & 002) ? "every account" : "its group",
             (unsigned)(ds.st_mode & 07777));
  if(!problem[0])
    return 1;
  if(!dir_failed) {
    dir_failed = 1;
    log_msg(LOG_WARN, "snapshot directory %s: permission problem: %s; every worker keeps a "
            "private copy of each cache (give the directory to the worker user, writable by "
            "it only: chown USER, chmod 0755)", snap_dir, problem);
  }
  return 0;
}

/* Maps PATH if it is a regular file of SIZE bytes without write permission, owned by this
 * process's effective user or root, whose bytes equal IMAGE, under a read lease when the
 * file system grants one (taken before the file is mapped and compared, so nobody can
 * truncate it under the comparison). 0 with *OUT, *ST and *LEASE set; -1 with errno
 * EBADMSG (and bad_why) when something that is not a good snapshot is there, else open's
 * errno (ENOENT: none yet). */
static int map_existing(const char *path, const void *image, size_t size, void **out,
                        struct stat *st, int *lease)
{
  *lease = 0;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if(fd < 0) {
    if(errno == ELOOP || errno == EISDIR) {  /* a link or a directory where a snapshot goes */
      snprintf(bad_why, sizeof(bad_why), "is not a regular file");
      errno = EBADMSG;
    }
    return -1;                             /* ENOENT, or the directory's own trouble */
  }
  int l = lease_take(&fd, size);
  struct snapshot_ref ref = { .lease = l };
  bad_why[0] = '\0';
  if(fstat(fd, st) || !S_ISREG(st->st_mode))
    snprintf(bad_why, sizeof(bad_why), "is not a regular file");
  else if((unsigned long long)st->st_size != (unsigned long long)size)
    snprintf(bad_why, sizeof(bad_why), "does not have the verified cache's size");
  else if(st->st_mode & 0222)
    snprintf(bad_why, sizeof(bad_why), "has a write permission bit");
  else if(st->st_uid != geteuid() && st->st_uid != 0)   /* another account could change it */
    snprintf(bad_why, sizeof(bad_why), "is owned by uid %lu, neither this process's user "
             "(uid %lu) nor root", (unsigned long)st->st_uid, (unsigned long)geteuid());
  if(bad_why[0]) {
    if(l)
      snapshot_release(&ref);              /* closes FD */
    else
      close(fd);
    errno = EBADMSG;
    return -1;
  }
  void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  if(l && p != MAP_FAILED)
    leases[l - 1].addr = p;
  /* Without a lease the size was checked on the open file: the mapping is backed by SIZE
   * bytes unless the file is truncated between fstat and here - by root, in a directory
   * of our own. With one, a writer waits for us. */
  if(p == MAP_FAILED || memcmp(p, image, size) || (l && leases[l - 1].broken)) {
    if(l)
      snapshot_release(&ref);
    else
      close(fd);
    if(p != MAP_FAILED)
      munmap(p, size);
    snprintf(bad_why, sizeof(bad_why), "does not match the verified cache");
    errno = EBADMSG;
    return -1;
  }
  if(!l)
    close(fd);
  *out = p;
  *lease = l;
  return 0;
}

/* Writes IMAGE to a temporary file in the directory and moves it to PATH: without
 * replacing an existing file (REPLACE 0: another worker's concurrent snapshot wins) or over
 * it (REPLACE 1: a bad snapshot). 0 or -1 with errno. */
static int write_snapshot(const char *path, const char *hex, const void *image, size_t size,
                          int replace)
{
  char tmp[4200];
  int n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", snap_dir, hex);
  if(n < 0 || (size_t)n >= sizeof(tmp)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = mkstemp(tmp);
  if(fd < 0)
    return -1;
  size_t done = 0;
  while(done < size) {
    ssize_t k = write(fd, (const char *)image + done, size - done);
    if(k < 0 && errno == EINTR)
      continue;
    if(k <= 0)
      break;
    done += (size_t)k;
  }
  int e = done < size ? (errno ? errno : EIO) : 0;
  if(!e && (fchmod(fd, 0444) || fsync(fd)))
    e = errno;
  if(close(fd) && !e)
    e = errno;
  if(!e) {
    if(replace)
      e = rename(tmp, path) ? errno : 0;
    else if(renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE)) {
      e = errno;
      if(e == EINVAL || e == ENOSYS) /* file system without it: plain rename */
        e = rename(tmp, path) ? errno : 0;
      else if(e == EEXIST)
        e = 0;                       /* someone else's snapshot: it is checked next */
    }
  }
  unlink(tmp);                       /* ENOENT after a successful rename */
  errno = e;
  return e ? -1 : 0;
}

static int is_snapshot_name(const char *name)
{
  size_t n = strlen(name);
  if(n == 64 + 6 && !strcmp(name + 64, ".cache"))
    return 1;
  return name[0] == '.' && n == 1 + 64 + 7 && name[65] == '.';  /* a writer's temp file */
}

int snapshot_cleanup(const char *dir, time_t max_age)
{
  DIR *d = opendir(dir);
  if(!d)
    return 0;
  int fd = dirfd(d), removed = 0;
  time_t now = time(NULL);
  struct dirent *de;
  while((de = readdir(d))) {
    struct stat st;
    if(!is_snapshot_name(de->d_name) ||
       fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
      continue;
    if(now - st.st_mtim.tv_sec > max_age && !unlinkat(fd, de->d_name, 0)) {
      log_msg(LOG_INFO, "snapshot %s/%s removed (unused for %ld seconds)", dir, de->d_name,
              (long)(now - st.st_mtim.tv_sec));
      removed++;
    }
  }
  closedir(d);
  return removed;
}

/* DIR/NAME of REF; 0, or -1 when it does not fit. */
static int ref_path(const struct snapshot_ref *ref, char *out, size_t size)
{
  int n = snap_dir ? snprintf(out, size, "%s/%s", snap_dir, ref->name) : -1;
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

void snapshot_adopt(struct cache *c, struct snapshot_ref *ref)
{
  ref->name[0] = '\0';
  ref->lease = 0;
  if(!snap_dir || dir_failed || !c->mapped || !c->size)
    return;
  unsigned char sum[SHA256_DIGEST_LEN];
  sha256(c->base, c->size, sum);
  char hex[2 * SHA256_DIGEST_LEN + 1];
  for(size_t i = 0; i < SHA256_DIGEST_LEN; i++) {
    hex[2 * i] = text_hex_lower[sum[i] >> 4];
    hex[2 * i + 1] = text_hex_lower[sum[i] & 15];
  }
  hex[sizeof(hex) - 1] = '\0';
  char path[4096];
  int n = snprintf(path, sizeof(path), "%s/%s.cache", snap_dir, hex);
  if(n < 0 || (size_t)n >= sizeof(path)) {
    give_up("path too long", ENAMETOOLONG);
    return;
  }
  if(!dir_trusted())
    return;
  void *p = NULL;
  struct stat st;
  int wrote = 0, lease = 0;
  if(map_existing(path, c->base, c->size, &p, &st, &lease)) {
    int bad = errno == EBADMSG;
    if(bad)
      log_msg(LOG_WARN, "snapshot %s %s (cache %s): replacing it", path, bad_why, c->path);
    if(write_snapshot(path, hex, c->base, c->size, bad)) {
      give_up("cannot write a snapshot", errno);
      return;
    }
    wrote = 1;
    if(map_existing(path, c->base, c->size, &p, &st, &lease)) {
      log_msg(LOG_WARN, "snapshot %s failed its check just after it was written; cache %s "
              "stays a private copy", path, c->path);
      return;
    }
  }
  munmap((void *)c->base, c->size);
  c->base = p;
  c->hdr = (const struct cache_header *)p;
  snprintf(ref->name, sizeof(ref->name), "%s.cache", hex);
  ref->dev = st.st_dev;
  ref->ino = st.st_ino;
  ref->lease = lease;
  ref->touched = 0;
  snapshot_touch(ref, mono_sec());
  if(wrote)
    snapshot_cleanup(snap_dir, 3600);
}

int snapshot_check(const struct snapshot_ref *ref, size_t size)
{
  if(ref->lease > 0 && ref->lease <= LEASE_SLOTS && leases[ref->lease - 1].broken)
    return leases[ref->lease - 1].lost ? 2 /* cut short before the copy: zeros in it */
      : 1;                      /* someone wrote to it: the mapping is a private copy now */
  struct stat st;
  char path[4200];
  if(ref_path(ref, path, sizeof(path)) || lstat(path, &st) || st.st_dev != ref->dev || st.st_ino != ref->ino)
    return 1;
  return (unsigned long long)st.st_size != (unsigned long long)size || (st.st_mode & 0222)
    ? 2 : 0;
}

void snapshot_touch(struct snapshot_ref *ref, time_t now)
{
  char path[4200];
  if(!ref->name[0] || (ref->touched && now - ref->touched < 600) ||
     ref_path(ref, path, sizeof(path)))
    return;
  ref->touched = now;
  utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW);  /* best effort */
}
