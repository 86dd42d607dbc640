/* pool.h - `openapi-connector --listen ADDR --workers N`: the worker's own pre-fork pool
 * for servers that connect to a FastCGI socket (mod_proxy_fcgi, nginx, lighttpd "socket").
 * See pool.c. */
#ifndef OAC_POOL_H
#define OAC_POOL_H

struct pool_opts {
  const char *listen;           /* HOST:PORT, [V6]:PORT, or a path (contains '/') */
  int workers;                  /* exactly this many */
  unsigned long max_requests;   /* per worker, 0 = unlimited */
  int daemon;                   /* detach (fork, setsid, stdin/stdout to /dev/null) */
  const char *pid_file;         /* the master's PID, removed at exit */
  int socket_mode;              /* a socket path's permissions, -1 = as the umask leaves them */
  /* A worker's life: serve requests on LSOCK (at most MAX, 0 = no limit) and return the
   * exit status. Runs in the forked child. */
  int (*serve)(void *arg, int lsock, unsigned long max);
  void *arg;
  /* §16.1: systemd's socket (>= 3; 0 = open LISTEN), and the privilege drop run after the
   * socket is bound and the PID file written (0 or an exit status; NULL = none) */
  int activated_fd;
  int (*drop)(void *arg);
};

/* Opens the listening socket of SPEC (a path gets MODE unless MODE is -1); -1 with a
 * message on stderr. Returns a descriptor or -1 like socket(2), which it wraps. */
int pool_listen(const char *spec, int mode);

/* The --pid-file descriptor whose lock the master holds, -1 when none (pool_opts.drop
 * gives the file to the --user account through it). */
int pool_pid_fd(void);

/* Runs the master until SIGTERM/SIGINT; its exit status (2 for a bad address or PID
 * file). */
int pool_run(const struct pool_opts *o);

#endif
