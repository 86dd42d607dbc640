/* procs.h - the pool as a daemon (product.md §16.1): a live socket never taken over,
 * the root refusal and --user/--group, systemd socket activation and readiness (libsystemd
 * when configure found it), process titles, --check-config. See procs.c. */
#ifndef OAC_PROCS_H
#define OAC_PROCS_H

#include <stddef.h>
#include <sys/types.h>

/* 1 when a process accepts connections on the AF_UNIX socket PATH (connect succeeds), 0
 * when nothing does (a stale file, or none). */
int procs_socket_live(const char *path);

/* Process titles as nginx does: the original argv and environment area is kept for the
 * title, and the program goes on with copies. Returns the copy of ARGV (environ is moved
 * to copies too). */
char **procs_title_init(int argc, char **argv);
void procs_set_title(const char *title);

/* The account to drop to. */
struct procs_ids {
  const char *user, *group;     /* NULL: not asked for */
  uid_t uid;
  gid_t gid;
};

/* Resolves IDS->user/group; 0, or -1 with WHY set. */
int procs_ids_resolve(struct procs_ids *ids, char *why, size_t n);

/* setgroups/initgroups, setgid, setuid, then checks that root cannot be regained; 0, or -1
 * with WHY set. Nothing to do when IDS->user is NULL. */
int procs_drop(const struct procs_ids *ids, char *why, size_t n);

/* Socket activation: the inherited listening socket (fd 3) when LISTEN_FDS/LISTEN_PID
 * name this process, -1 when not started that way, -2 with a message on stderr when it
 * cannot be used (more than one socket, not a stream socket, a build without libsystemd). */
int procs_listen_fd(void);

/* sd_notify(STATE) when NOTIFY_SOCKET is set (a no-op without libsystemd). */
void procs_notify(const char *state);

/* SIGHUP (a reload): "RELOADING=1", "STATUS=" and "MONOTONIC_USEC=" (CLOCK_MONOTONIC, as
 * systemd 253's Type=notify-reload wants it) when NOTIFY_SOCKET is set; the pool sends
 * "READY=1" with its status once the workers were told. A no-op without libsystemd. */
void procs_notify_reloading(void);

/* 1 when this build can use systemd's protocols. */
int procs_have_systemd(void);

/* --pid-file (§16.1): opens PATH (created 0644, close-on-exec; a symbolic link, a file that
 * is not regular or has other hard links is refused) and takes a non-blocking
 * exclusive lock on it, for the caller to hold for its life: the descriptor, or -1 with
 * one line on stderr (a file another pool holds is named with the PID written in it). A
 * forked child must close its copy. */
int procs_pidfile_lock(const char *path);
/* Truncates FD's file and writes this process's PID; 0, or -1 with a line on stderr. */
int procs_pidfile_write(int fd, const char *path);
/* 0 when PATH is gone or names another file than FD's, else 1 (the holder may remove it;
 * also when PATH cannot be looked at, and unlink will say why). */
int procs_pidfile_ours(int fd, const char *path);

/* --check-config: the cache directory (readable, every cache verifies), SNAPSHOT_DIR
 * (NULL or "" for none: writable and trusted as snapshot.c trusts it, or missing
 * and creatable) and LOG_FILE (NULL for stderr:
 * can be appended to, or created) - all checked by a child that drops to IDS first - and
 * LISTEN and PID_FILE (NULL for none; a live pool's socket and its locked PID file are
 * reported, not failures). Prints what it
 * found on stdout, a problem on one line naming the path, the account and the errno text;
 * 0 when all is well, 1 otherwise. */
int procs_check_config(const char *cache_dir, const char *snapshot_dir, const char *log_file,
                       const char *listen, const char *pid_file,
                       const struct procs_ids *ids);

#endif
