/* procs.c - the pool as a daemon (product.md §16.1; procs.h).
 *
 * systemd's protocols (socket activation, sd_notify) go through libsystemd when configure
 * found it (HAVE_LIBSYSTEMD): Debian keeps it, and it follows the protocol's details
 * (LISTEN_PID, LISTEN_FDNAMES, abstract NOTIFY_SOCKET addresses) better than a copy would.
 * Without it, a process started with LISTEN_FDS is refused with a message instead of
 * quietly becoming a CGI program.
 */
#include "procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "../cache/cache.h"
#include "../common/mem.h"

int procs_socket_live(const char *path)
{
  struct sockaddr_un a;
  memset(&a, 0, sizeof(a));
  a.sun_family = AF_UNIX;
  if(strlen(path) >= sizeof(a.sun_path))
    return 0;
  memcpy(a.sun_path, path, strlen(path) + 1);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if(s < 0)
    return 0;
  int live = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EAGAIN;
  close(s);
  return live;
}

/* Process titles ----------------------------------------------------------------------- */

static char *title_start, *title_end;
/* kept (volatile: written only) so that leak checkers see the copies reachable */
static char **volatile argv_copy;
static char **volatile env_copy;                /* environ may be replaced (setenv) */

static char *copy_str(const char *s)
{
  size_t n = strlen(s) + 1;
  char *c = oac_malloc(n);
  if(c)
    memcpy(c, s, n);
  return c;
}

char **procs_title_init(int argc, char **argv)
{
  extern char **environ;
  if(argc < 1 || !argv[0])
    return argv;
  /* the area: argv's strings, then the environment's, as long as they follow each other */
  char *end = argv[0] + strlen(argv[0]) + 1;
  for(int i = 1; i < argc; i++)
    if(argv[i] == end)
      end = argv[i] + strlen(argv[i]) + 1;
  size_t nenv = 0;
  while(environ && environ[nenv])
    nenv++;
  char **env = oac_calloc(nenv + 1, sizeof(*env));
  char **av = oac_calloc((size_t)argc + 1, sizeof(*av));
  if(!env || !av) {
    oac_free(env);
    oac_free(av);
    return argv;
  }
  for(size_t i = 0; i < nenv; i++) {
    if(environ[i] == end)
      end = environ[i] + strlen(environ[i]) + 1;
    if(!(env[i] = copy_str(environ[i])))
      return argv;                              /* out of memory: no titles */
  }
  for(int i = 0; i < argc; i++)
    if(!(av[i] = copy_str(argv[i])))
      return argv;
  environ = env;
  env_copy = env;
  argv_copy = av;
  title_start = argv[0];
  title_end = end;
  return av;
}

void procs_set_title(const char *title)
{
  if(!title_start || title_end - title_start < 2)
    return;
  size_t room = (size_t)(title_end - title_start) - 1, n = strlen(title);
  if(n > room)
    n = room;
  memcpy(title_start, title, n);
  memset(title_start + n, 0, (size_t)(title_end - title_start) - n);
}

/* Privileges ---------------------------------------------------------------------------- */

static int all_digits(const char *s)
{
  if(!*s)
    return 0;
  for(; *s; s++)
    if(*s < '0' || *s > '9')
      return 0;
  return 1;
}

int procs_ids_resolve(struct procs_ids *ids, char *why, size_t n)
{
  if(!ids->user) {
    if(ids->group) {
      snprintf(why, n, "--group goes with --user");
      return -1;
    }
    return 0;
  }
  struct passwd *pw = getpwnam(ids->user);
  if(!pw && all_digits(ids->user))
    pw = getpwuid((uid_t)strtoul(ids->user, NULL, 10));
  if(!pw) {
    snprintf(why, n, "--user %s: no such user", ids->user);
    return -1;
  }
  ids->uid = pw->pw_uid;
  ids->gid = pw->pw_gid;
  if(ids->group) {
    struct group *gr = getgrnam(ids->group);
    if(!gr && all_digits(ids->group))
      gr = getgrgid((gid_t)strtoul(ids->group, NULL, 10));
    if(!gr) {
      snprintf(why, n, "--group %s: no such group", ids->group);
      return -1;
    }
    ids->gid = gr->gr_gid;
  }
  if(ids->uid == 0) {
    snprintf(why, n, "--user %s is root: give an unprivileged account", ids->user);
    return -1;
  }
  return 0;
}

int procs_drop(const struct procs_ids *ids, char *why, size_t n)
{
  if(!ids->user)
    return 0;
  if(geteuid() != 0) {
    if(getuid() == ids->uid && getgid() == ids->gid)
      return 0;                                 /* already that account */
    snprintf(why, n, "--user %s: only root can change to another account", ids->user);
    return -1;
  }
  struct passwd *pw = getpwuid(ids->uid);
  if((pw ? initgroups(pw->pw_name, ids->gid) : setgroups(1, &ids->gid)) ||
     setgid(ids->gid) || setuid(ids->uid)) {
    snprintf(why, n, "--user %s: cannot drop privileges: %s", ids->user, strerror(errno));
    return -1;
  }
  /* root must be out of reach now */
  if(setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || getuid() != ids->uid ||
     geteuid() != ids->uid || getegid() != ids->gid) {
    snprintf(why, n, "--user %s: privileges could be regained after dropping them",
             ids->user);
    return -1;
  }
  return 0;
}

/* systemd --------------------------------------------------------------------------------- */

int procs_have_systemd(void)
{
#ifdef HAVE_LIBSYSTEMD
  return 1;
#else
  return 0;
#endif
}

int procs_listen_fd(void)
{
#ifdef HAVE_LIBSYSTEMD
  int n = sd_listen_fds(1);
  if(n < 0) {
    fprintf(stderr, "openapi-connector: LISTEN_FDS: %s\n", strerror(-n));
    return -2;
  }
  if(n == 0)
    return -1;
  if(n > 1) {
    fprintf(stderr, "openapi-connector: systemd passed %d sockets; the pool takes one "
            "(one ListenStream= in the socket unit)\n", n);
    return -2;
  }
  if(sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
    fprintf(stderr, "openapi-connector: the socket systemd passed (fd %d) is not a "
            "listening stream socket\n", SD_LISTEN_FDS_START);
    return -2;
  }
  return SD_LISTEN_FDS_START;
#else
  const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  if(!fds || !*fds)
    return -1;
  if(pid && *pid && strtol(pid, NULL, 10) != (long)getpid())
    return -1;                                  /* meant for another process */
  fprintf(stderr, "openapi-connector: started with LISTEN_FDS (systemd socket activation), "
          "but this build has no libsystemd: rebuild with libsystemd-dev installed, or "
          "start the pool with --listen\n");
  return -2;
#endif
}

void procs_notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
  sd_notify(0, state);
#else
  (void)state;
#endif
}

void procs_notify_reloading(void)
{
#ifdef HAVE_LIBSYSTEMD
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  sd_notifyf(0, "RELOADING=1\nSTATUS=reloading (SIGHUP)\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
#endif
}

/* --check-config ------------------------------------------------------------------------ */

/* In the child, as the --user account: the directory and every cache in it. */
static int check_caches(const char *dir)
{
  DIR *d = opendir(dir);
  if(!d) {
    printf("cache directory %s: %s%s\n", dir, strerror(errno),
           errno == EACCES ? " (permission denied for this account)" : "");
    return 1;
  }
  int bad = 0, good = 0;
  struct dirent *e;
  while((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if(len < 7 || strcmp(e->d_name + len - 6, ".cache"))
      continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    struct cache c;
    struct cache_error err;
    memset(&c, 0, sizeof(c));
    err.msg[0] = '\0';
    if(cache_open(&c, path, CACHE_VERIFY_ALL, &err)) {
      printf("cache %s: refused: %s\n", path,
             errno == EACCES && !err.msg[0] ? "permission denied" : err.msg);
      bad++;
      continue;
    }
    printf("cache %s: ok (%s)\n", path, cache_registration(&c));
    cache_close(&c);
    good++;
  }
  closedir(d);
  printf("cache directory %s: %d cache%s verified, %d refused\n", dir, good,
         good == 1 ? "" : "s", bad);
  if(!good)
    printf("cache directory %s: no usable cache\n", dir);
  return bad || !good;
}

/* errno's text in lower case, as the check's other lines are ("permission denied") */
static const char *errtext(int e, char *buf, size_t n)
{
  snprintf(buf, n, "%s", strerror(e));
  if(buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
    buf[0] = (char)(buf[0] - 'A' + 'a');
  return buf;
}

/* PATH's directory in DIR ("." for a bare name, "/" for /x). */
static void dir_of(const char *path, char *dir, size_t n)
{
  snprintf(dir, n, "%s", path);
  char *slash = strrchr(dir, '/');
  if(!slash)
    snprintf(dir, n, ".");
  else if(slash == dir)
    slash[1] = '\0';
  else
    *slash = '\0';
}

/* In the child, as the account WHO (product.md §16.3): the snapshot directory exists and
 * the account may write into it, or it is missing and the account may create it (the
 * workers create it, as the account, with mkdir(2): its parent must exist). */
static int check_snapshot_dir(const char *dir, const char *who)
{
  char e[128], parent[4096];
  struct stat st;
  if(!dir || !*dir) {
    printf("snapshot directory: none (--snapshot-dir \"\"): each worker keeps private copies\n");
    return 0;
  }
  if(!stat(dir, &st)) {
    if(!S_ISDIR(st.st_mode)) {
      printf("snapshot directory %s: not a directory\n", dir);
      return 1;
    }
    if(access(dir, W_OK | X_OK)) {
      printf("snapshot directory %s: not writable by %s: %s\n", dir, who,
             errtext(errno, e, sizeof(e)));
      return 1;
    }
    /* the workers' own trust rule (snapshot.c dir_trusted): else private copies */
    char problem[400] = "";
    if(st.st_uid != geteuid() && st.st_uid != 0)
      snprintf(problem, sizeof(problem), "owned by uid %lu, neither %s (uid %lu) nor root",
               (unsigned long)st.st_uid, who, (unsigned long)geteuid());
    else if(st.st_mode & 022)
      snprintf(problem, sizeof(problem), "writable by %s (mode %04o)",
               (st.st_mode & 002) ? "every account" : "its group",
               (unsigned)(st.st_mode & 07777));
    if(problem[0]) {
      printf("snapshot directory %s: permission problem: %s; the workers would keep private "
             "copies\n", dir, problem);
      return 1;
    }
    printf("snapshot directory %s: writable by %s\n", dir, who);
    return 0;
  }
  if(errno != ENOENT) {
    printf("snapshot directory %s: not reachable by %s: %s\n", dir, who,
           errtext(errno, e, sizeof(e)));
    return 1;
  }
  dir_of(dir, parent, sizeof(parent));
  if(access(parent, W_OK | X_OK)) {
    printf("snapshot directory %s: missing, and %s cannot create it in %s: %s\n", dir, who,
           parent, errtext(errno, e, sizeof(e)));
    return 1;
  }
  printf("snapshot directory %s: missing; the workers create it (as %s)\n", dir, who);
  return 0;
}

/* In the child, as the account WHO (product.md §16.4): the --log-file can be opened for
 * appending, or created in its directory, by the account, as SIGUSR1's reopen does it.
 * GIVEN: the pool, started as root, gives an existing file to the account before it drops
 * root, so a file only root may write is no failure then. */
static int check_log_file(const char *path, const char *who, int given)
{
  char e[128], dir[4096];
  struct stat st;
  if(!path) {
    printf("log: standard error\n");
    return 0;
  }
  if(!stat(path, &st)) {
    if(S_ISDIR(st.st_mode)) {
      printf("log file %s: is a directory\n", path);
      return 1;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
    if(fd >= 0) {
      close(fd);
      printf("log file %s: can be appended to by %s\n", path, who);
      return 0;
    }
    if(errno == EACCES && given && S_ISREG(st.st_mode)) {
      printf("log file %s: owned by uid %ld; the pool gives it to %s at start\n", path,
             (long)st.st_uid, who);
      return 0;
    }
    printf("log file %s: cannot be opened for appending by %s: %s\n", path, who,
           errtext(errno, e, sizeof(e)));
    return 1;
  }
  if(errno != ENOENT) {
    printf("log file %s: not reachable by %s: %s\n", path, who, errtext(errno, e, sizeof(e)));
    return 1;
  }
  dir_of(path, dir, sizeof(dir));
  if(access(dir, W_OK | X_OK)) {
    printf("log file %s: missing, and %s cannot create it in %s: %s\n", path, who, dir,
           errtext(errno, e, sizeof(e)));
    return 1;
  }
  printf("log file %s: missing; %s can create it\n", path, who);
  return 0;
}

static int check_socket(const char *listen)
{
  if(!strchr(listen, '/')) {
    /* HOST:PORT: something accepting there is reported; else a trial bind */
    int r = 0;
    char host[256];
    const char *colon = strrchr(listen, ':');
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if(!colon || (size_t)(colon - listen) >= sizeof(host)) {
      printf("socket %s: expected HOST:PORT or a socket path\n", listen);
      return 1;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if(host[0] == '[' && host[strlen(host) - 1] == ']') {
      memmove(host, host + 1, strlen(host));
      host[strlen(host) - 1] = '\0';
    }
    int e = getaddrinfo(host, colon + 1, &hints, &ai);
    if(e) {
      printf("socket %s: %s\n", listen, gai_strerror(e));
      return 1;
    }
    int s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if(s >= 0 && !connect(s, ai->ai_addr, ai->ai_addrlen))
      printf("socket %s: in use by a running pool (or another program accepting there)\n",
             listen);
    else {
      if(s >= 0)
        close(s);
      s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if(s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
         bind(s, ai->ai_addr, ai->ai_addrlen)) {
        printf("socket %s: cannot be bound: %s\n", listen, strerror(errno));
        r = 1;
      }
      else
        printf("socket %s: can be bound\n", listen);
    }
    if(s >= 0)
      close(s);
    freeaddrinfo(ai);
    return r;
  }
  struct stat st;
  if(!lstat(listen, &st)) {
    if(!S_ISSOCK(st.st_mode)) {
      printf("socket %s: exists and is not a socket\n", listen);
      return 1;
    }
    if(procs_socket_live(listen))
      printf("socket %s: in use by a running pool (a second pool would be refused)\n",
             listen);
    else
      printf("socket %s: a stale socket (nothing listening); it will be replaced\n", listen);
    return 0;
  }
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s", listen);
  char *slash = strrchr(dir, '/');
  if(slash == dir)
    slash[1] = '\0';
  else
    *slash = '\0';
  if(access(dir, W_OK | X_OK)) {
    printf("socket %s: cannot be created in %s: %s\n", listen, dir, strerror(errno));
    return 1;
  }
  printf("socket %s: can be created\n", listen);
  return 0;
}

static int check_pid_file(const char *path);

int procs_check_config(const char *cache_dir, const char *snapshot_dir, const char *log_file,
                       const char *listen, const char *pid_file, const struct procs_ids *ids)
{
  int bad = 0;
  printf("options: ok\n");
  if(ids->user)
    printf("account: %s (uid %ld, gid %ld)\n", ids->user, (long)ids->uid, (long)ids->gid);
  /* the account the checks run as, by name in their lines */
  char who[256];
  struct passwd *pw = ids->user ? NULL : getpwuid(geteuid());
  if(ids->user)
    snprintf(who, sizeof(who), "%s", ids->user);
  else if(pw)
    snprintf(who, sizeof(who), "%s", pw->pw_name);
  else
    snprintf(who, sizeof(who), "uid %ld", (long)geteuid());
  int given = ids->user && geteuid() == 0;      /* the pool chowns the log file (main.c) */
  fflush(stdout);
  pid_t p = fork();
  if(p < 0) {
    printf("fork: %s\n", strerror(errno));
    return 1;
  }
  if(p == 0) {
    char why[512];
    if(procs_drop(ids, why, sizeof(why))) {
      printf("%s\n", why);
      fflush(stdout);
      _exit(1);
    }
    int r = check_caches(cache_dir);
    r |= check_snapshot_dir(snapshot_dir, who);
    r |= check_log_file(log_file, who, given);
    fflush(stdout);
    _exit(r);
  }
  int st;
  while(waitpid(p, &st, 0) < 0 && errno == EINTR)
    ;
  if(!WIFEXITED(st) || WEXITSTATUS(st))
    bad = 1;
  if(listen && check_socket(listen))
    bad = 1;
  if(pid_file && check_pid_file(pid_file))      /* a live pool's: reported, no failure */
    bad = 1;
  printf("configuration %s\n", bad ? "has errors" : "ok");
  return bad;
}

/* --pid-file: a lock the master holds for its life ---------------------------------------
 * An OFD lock (Linux; flock elsewhere) belongs to the open file description: the daemon's
 * fork keeps it, a worker closes its copy, and it goes when the master's descriptor does
 * (also on SIGKILL), so a PID file nobody holds is stale whatever PID it names. */

static int pidfile_trylock(int fd)
{
#ifdef F_OFD_SETLK
  struct flock l;
  memset(&l, 0, sizeof(l));
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  return fcntl(fd, F_OFD_SETLK, &l);
#else
  return flock(fd, LOCK_EX | LOCK_NB);
#endif
}

/* 1 when another open file description holds FD's file, 0 when none does, -1 on error */
static int pidfile_locked(int fd)
{
#ifdef F_OFD_GETLK
  struct flock l;
  memset(&l, 0, sizeof(l));
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  if(fcntl(fd, F_OFD_GETLK, &l))
    return -1;
  return l.l_type != F_UNLCK;
#else
  if(flock(fd, LOCK_SH | LOCK_NB))
    return errno == EWOULDBLOCK ? 1 : -1;
  flock(fd, LOCK_UN);
  return 0;
#endif
}

/* the PID written in FD's file, 0 when there is none (yet) */
static long pidfile_pid(int fd)
{
  char b[32];
  ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
  if(n <= 0)
    return 0;
  b[n] = '\0';
  char *end;
  long v = strtol(b, &end, 10);
  return v > 0 && (*end == '\n' || !*end) ? v : 0;
}

int procs_pidfile_ours(int fd, const char *path)
{
  struct stat a, b;
  if(stat(path, &b))
    return errno != ENOENT;     /* a directory the account cannot search: unlink will say */
  return !fstat(fd, &a) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The PID file opened with FLAGS: the pool opens it as root and truncates it, so never
 * through a symbolic link, into a FIFO or device, or into a hard link (whoever can write
 * the directory, e.g. the --user account the file is given to, could point it at
 * /etc/shadow). The descriptor, or -1 with *WHY (errno's text or the reason) and errno
 * kept from open() when that failed. */
static int pidfile_open(const char *path, int flags, const char **why)
{
  int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0644);
  if(fd < 0) {
    int e = errno;
    *why = e == ELOOP ? "is a symbolic link (not followed)" : strerror(e);
    errno = e;
    return -1;
  }
  struct stat st;
  *why = fstat(fd, &st) ? strerror(errno) : !S_ISREG(st.st_mode) ?
    "not a regular file" : st.st_nlink != 1 ? "has other hard links" : NULL;
  if(*why) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  return fd;
}

int procs_pidfile_lock(const char *path)
{
  for(int tries = 0; tries < 20; tries++) {
    const char *why;
    int fd = pidfile_open(path, O_RDWR | O_CREAT, &why);
    if(fd < 0) {
      fprintf(stderr, "openapi-connector: --pid-file %s: %s\n", path, why);
      return -1;
    }
    if(pidfile_trylock(fd)) {
      if(errno != EAGAIN && errno != EACCES && errno != EWOULDBLOCK) {
        fprintf(stderr, "openapi-connector: --pid-file %s: cannot lock it: %s\n", path,
                strerror(errno));
        close(fd);
        return -1;
      }
      /* a pool that has just taken the lock writes its PID a moment later */
      long pid = pidfile_pid(fd);
      for(int i = 0; i < 20 && !pid; i++) {
        usleep(25000);
        pid = pidfile_pid(fd);
      }
      char who[64] = "PID not written yet";
      if(pid)
        snprintf(who, sizeof(who), "PID %ld", pid);
      fprintf(stderr, "openapi-connector: PID file %s is held by a running pool (%s): give "
              "another --pid-file\n", path, who);
      close(fd);
      return -1;
    }
    if(procs_pidfile_ours(fd, path))
      return fd;
    close(fd);                  /* its holder removed it as we opened it: once more */
  }
  fprintf(stderr, "openapi-connector: --pid-file %s: replaced again and again while taking "
          "it; not started\n", path);
  return -1;
}

int procs_pidfile_write(int fd, const char *path)
{
  char b[32];
  int n = snprintf(b, sizeof(b), "%ld\n", (long)getpid());
  if(ftruncate(fd, 0) || pwrite(fd, b, (size_t)n, 0) != n) {
    fprintf(stderr, "openapi-connector: --pid-file %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* --check-config: held (a second pool would be refused), stale, or to be created */
static int check_pid_file(const char *path)
{
  const char *why;
  int fd = pidfile_open(path, O_RDONLY, &why);
  if(fd < 0 && errno == ENOENT) {
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if(!slash)
      snprintf(dir, sizeof(dir), ".");
    else if(slash == dir)
      slash[1] = '\0';
    else
      *slash = '\0';
    if(access(dir, W_OK | X_OK)) {
      printf("PID file %s: cannot be created in %s: %s\n", path, dir, strerror(errno));
      return 1;
    }
    printf("PID file %s: can be created\n", path);
    return 0;
  }
  if(fd < 0) {                  /* the pool would refuse it too */
    printf("PID file %s: cannot be used: %s\n", path, why);
    return 1;
  }
  int held = pidfile_locked(fd);
  long pid = pidfile_pid(fd);
  close(fd);
  if(held < 0) {
    printf("PID file %s: cannot test its lock: %s\n", path, strerror(errno));
    return 1;
  }
  if(held)
    printf("PID file %s: held by a running pool (PID %ld; a second pool with it would be "
           "refused)\n", path, pid);
  else if(pid)
    printf("PID file %s: stale (PID %ld, no pool holds it); it will be taken over\n", path,
           pid);
  else
    printf("PID file %s: stale (no pool holds it); it will be taken over\n", path);
  return 0;
}
