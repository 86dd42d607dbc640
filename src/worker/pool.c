/* pool.c - the worker's own pre-fork pool (product.md §11; pool.h).
 *
 * The master opens the listening socket, forks exactly N workers that accept on it, and
 * then only waits: a worker that dies is replaced (after a pause when workers die as fast
 * as they start), SIGHUP is passed on (the workers look at their caches again), SIGTERM
 * is passed on and the master waits for the workers to finish the request in hand, then
 * removes its PID file and socket and exits. A worker serves at most --max-requests
 * requests, then exits and is replaced, so nothing it holds can grow without bound.
 */
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/mem.h"
#include "../common/result.h"
#include "log.h"
#include "procs.h"

static volatile sig_atomic_t got_term, got_hup, got_chld;
static volatile sig_atomic_t got_usr1;          /* §16.4: reopen the log, tell the workers */

static void on_signal(int sig)
{
  if(sig == SIGTERM || sig == SIGINT)
    got_term = 1;
  else if(sig == SIGHUP)
    got_hup = 1;
  else if(sig == SIGCHLD)
    got_chld = 1;
  else if(sig == SIGUSR1)
    got_usr1 = 1;
}

/* listen_unix and listen_tcp return a descriptor or -1, as socket(2) which they wrap. */
static int listen_unix(const char *path, int mode)
{
  struct sockaddr_un a;
  memset(&a, 0, sizeof(a));
  a.sun_family = AF_UNIX;
  if(strlen(path) >= sizeof(a.sun_path)) {
    fprintf(stderr, "openapi-connector: --listen: socket path too long: %s\n", path);
    return -1;
  }
  memcpy(a.sun_path, path, strlen(path) + 1);
  struct stat st;
  if(!lstat(path, &st) && S_ISSOCK(st.st_mode)) {
    /* §16.1: a socket something listens on is never taken over */
    if(procs_socket_live(path)) {
      fprintf(stderr, "openapi-connector: --listen %s: in use by a running process (another "
              "pool?); not taking it over. Stop it first, or choose another path\n", path);
      return -1;
    }
    unlink(path);                               /* a stale socket of an earlier run */
  }
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  /* the mode is set before listen(): no connection can arrive while it is still wrong */
  if(s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
     (mode >= 0 && chmod(path, (mode_t)mode)) || listen(s, 1024)) {
    fprintf(stderr, "openapi-connector: --listen %s: %s\n", path, strerror(errno));
    if(s >= 0)
      close(s);
    return -1;
  }
  return s;
}

static int listen_tcp(const char *spec)
{
  char host[256];
  const char *colon = strrchr(spec, ':');
  if(!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= sizeof(host)) {
    fprintf(stderr, "openapi-connector: --listen: expected HOST:PORT or a socket path, got "
            "'%s'\n", spec);
    return -1;
  }
  memcpy(host, spec, (size_t)(colon - spec));
  host[colon - spec] = '\0';
  if(host[0] == '[' && host[strlen(host) - 1] == ']') {       /* [::1]:9000 */
    memmove(host, host + 1, strlen(host));
    host[strlen(host) - 1] = '\0';
  }
  struct addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  int e = getaddrinfo(host, colon + 1, &hints, &ai);
  if(e) {
    fprintf(stderr, "openapi-connector: --listen %s: %s\n", spec, gai_strerror(e));
    return -1;
  }
  int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  int one = 1;
  if(s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
     bind(s, ai->ai_addr, ai->ai_addrlen) || listen(s, 1024)) {
    fprintf(stderr, "openapi-connector: --listen %s: %s\n", spec, strerror(errno));
    if(s >= 0)
      close(s);
    s = -1;
  }
  freeaddrinfo(ai);
  return s;
}

int pool_listen(const char *spec, int mode)
{
  return strchr(spec, '/') ? listen_unix(spec, mode) : listen_tcp(spec);
}

/* --pid-file (§16.1): the descriptor whose lock the master holds for its life (procs.c),
 * -1 when none; a worker closes its copy after the fork */
static int pid_fd = -1;

int pool_pid_fd(void)
{
  return pid_fd;
}

/* §16.1: one warning line when the file cannot be removed (ENOENT: already gone) */
static void remove_at_exit(const char *what, const char *path)
{
  if(unlink(path) && errno != ENOENT)
    log_msg(LOG_WARN, "cannot remove the %s %s at exit as uid %ld: %s; remove it by hand "
            "(or keep it in a directory the --user account owns)", what, path,
            (long)geteuid(), strerror(errno));
}

/* --pid-file: removed only while it is still the file we locked (never one another pool
 * wrote after ours was deleted by hand), then the lock goes with the descriptor */
static void pid_release(const char *path)
{
  if(procs_pidfile_ours(pid_fd, path))
    remove_at_exit("PID file", path);
  else
    log_msg(LOG_WARN, "the PID file %s is no longer the one this pool wrote; left as it is",
            path);
  close(pid_fd);
  pid_fd = -1;
}

static pid_t start_worker(const struct pool_opts *o, int lsock, sigset_t *saved)
{
  pid_t pid = fork();
  if(pid)
    return pid;                                 /* the master (or -1) */
  /* the worker: default signal handling, the master's mask undone */
  signal(SIGCHLD, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  sigprocmask(SIG_SETMASK, saved, NULL);
  log_forget_pid();
  if(pid_fd >= 0) {                             /* --pid-file: the master's lock */
    close(pid_fd);
    pid_fd = -1;
  }
  procs_set_title("openapi-connector: worker");
  _exit(o->serve(o->arg, lsock, o->max_requests));
}

int pool_run(const struct pool_opts *o)
{
  int lsock = o->activated_fd ? o->activated_fd : pool_listen(o->listen, o->socket_mode);
  if(lsock < 0)
    return 2;
  procs_set_title("openapi-connector: master");
  /* --pid-file: locked before --daemon's fork (whose child keeps the lock), so that a
   * file another pool holds gives exit status 2 to the caller; the socket just bound is
   * ours and goes */
  if(o->pid_file && (pid_fd = procs_pidfile_lock(o->pid_file)) < 0) {
    close(lsock);
    if(!o->activated_fd && strchr(o->listen, '/'))
      unlink(o->listen);
    return 2;
  }
  if(o->daemon) {
    pid_t p = fork();
    if(p < 0) {
      fprintf(stderr, "openapi-connector: --daemon: fork: %s\n", strerror(errno));
      if(pid_fd >= 0)
        pid_release(o->pid_file);
      return 1;
    }
    if(p > 0)
      _exit(0);
    setsid();
    int n = open("/dev/null", O_RDWR);
    if(n >= 0) {
      dup2(n, 0);
      dup2(n, 1);
      if(n > 2)
        close(n);
    }
  }
  if(pid_fd >= 0 && procs_pidfile_write(pid_fd, o->pid_file)) {
    close(lsock);
    if(!o->activated_fd && strchr(o->listen, '/'))
      unlink(o->listen);
    pid_release(o->pid_file);
    return 2;
  }
  /* §16.1: root is left once the socket is bound and the PID file written */
  if(o->drop) {
    int r = o->drop(o->arg);
    if(r) {
      close(lsock);
      if(pid_fd >= 0)
        pid_release(o->pid_file);
      return r;
    }
  }
  pid_t *kids = oac_calloc((size_t)o->workers, sizeof(*kids));
  time_t *born = oac_calloc((size_t)o->workers, sizeof(*born));
  if(!kids || !born) {
    oac_free(kids);
    oac_free(born);
    close(lsock);
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGCHLD, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);                /* §16.4 */
  /* signals are taken only while the master waits (sigsuspend), so none is missed */
  sigset_t block, saved;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGHUP);
  sigaddset(&block, SIGCHLD);
  sigaddset(&block, SIGUSR1);                   /* §16.4 */
  sigprocmask(SIG_BLOCK, &block, &saved);
  log_msg(LOG_INFO, "pool started on %s with %d workers", o->listen, o->workers);
  int quick_deaths = 0, ready = 0;
  for(;;) {
    /* every empty slot gets a worker, unless we are stopping */
    for(int i = 0; i < o->workers && !got_term; i++)
      if(!kids[i]) {
        pid_t p = start_worker(o, lsock, &saved);
        if(p < 0) {
          log_msg(LOG_ERROR, "fork: %s", strerror(errno));
          break;
        }
        kids[i] = p;
        born[i] = time(NULL);
      }
    if(got_term)
      break;
    char state[512];                            /* §16.1: readiness for systemd */
    snprintf(state, sizeof(state), "READY=1\nSTATUS=serving on %s with %d workers",
             o->listen, o->workers);
    if(!ready++)
      procs_notify(state);
    sigsuspend(&saved);
    if(got_hup) {
      got_hup = 0;
      procs_notify_reloading();                 /* §16.1: systemd sees the reload */
      log_msg(LOG_INFO, "SIGHUP: workers look at their caches again");
      for(int i = 0; i < o->workers; i++)
        if(kids[i])
          kill(kids[i], SIGHUP);
      procs_notify(state);                      /* §16.1: told: ready again */
    }
    if(got_usr1) {                              /* §16.4: --log-file rotated */
      got_usr1 = 0;
      /* a failed reopen is logged (log.c) and the workers are not told: they run as the
       * same account and would fail too, one line each; all keep the old file */
      if(!log_reopen()) {
        log_msg(LOG_INFO, "SIGUSR1: log file reopened");
        for(int i = 0; i < o->workers; i++)
          if(kids[i])
            kill(kids[i], SIGUSR1);
      }
    }
    if(got_chld) {
      got_chld = 0;
      int st;
      pid_t p;
      while((p = waitpid(-1, &st, WNOHANG)) > 0)
        for(int i = 0; i < o->workers; i++)
          if(kids[i] == p) {
            kids[i] = 0;
            int clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
            if(!clean)
              log_msg(LOG_WARN, "worker %ld ended (%s %d); starting another", (long)p,
                      WIFSIGNALED(st) ? "signal" : "status",
                      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            if(!clean && time(NULL) - born[i] < 1 && ++quick_deaths > 3) {
              /* dying as fast as they start: do not spin */
              sigprocmask(SIG_SETMASK, &saved, NULL);
              sleep(1);
              sigprocmask(SIG_BLOCK, &block, NULL);
            }
            else if(clean || time(NULL) - born[i] >= 1)
              quick_deaths = 0;
          }
    }
  }
  /* stop: each worker finishes the request in hand */
  log_msg(LOG_INFO, "SIGTERM: stopping %d workers", o->workers);
  procs_notify("STOPPING=1\nSTATUS=stopping");
  for(int i = 0; i < o->workers; i++)
    if(kids[i])
      kill(kids[i], SIGTERM);
  sigprocmask(SIG_SETMASK, &saved, NULL);
  time_t deadline = time(NULL) + 30;
  int left = 0;
  do {
    left = 0;
    for(int i = 0; i < o->workers; i++)
      if(kids[i]) {
        if(waitpid(kids[i], NULL, WNOHANG) == kids[i])
          kids[i] = 0;
        else
          left++;
      }
    if(left)
      usleep(20000);
  } while(left && time(NULL) < deadline);
  for(int i = 0; i < o->workers; i++)
    if(kids[i]) {
      kill(kids[i], SIGKILL);
      waitpid(kids[i], NULL, 0);
    }
  close(lsock);
  /* after --user's drop the account may not remove them (a directory only root writes):
   * said, not left silently (a stale socket is replaced by the next pool; a stale PID file
   * could make a logrotate script signal another process) */
  if(!o->activated_fd && strchr(o->listen, '/'))
    remove_at_exit("socket", o->listen);
  if(pid_fd >= 0)
    pid_release(o->pid_file);
  oac_free(kids);
  oac_free(born);
  log_msg(LOG_INFO, "pool stopped");
  log_flush();
  return 0;
}
