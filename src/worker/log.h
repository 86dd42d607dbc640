/* log.h - the worker's log: lines on stderr, which every web server puts into its error
 * log. One line per request (handler.c) plus the rare event (a cache refused or replaced).
 * Nothing that could hold a secret is ever passed here: callers log names, paths, statuses
 * and durations, never header values, configuration values, bodies or query strings.
 */
#ifndef OAC_LOG_H
#define OAC_LOG_H

#include <signal.h>

#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level;           /* messages above it are dropped; default LOG_INFO */

/* "2026-11-24T10:00:00Z openapi-connector[123] warn: ..." */
void log_msg(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The line of one request, assembled without printf (it runs on every request):
 * "<time> openapi-connector[<pid>] info: <METHOD> <path> type=<type> status=<n>
 * upstream=<n> <ms>ms[ problem=<message>]". A status >= 500 is logged as a warning. */
void log_request(const char *method, const char *path, size_t plen, const char *type,
                 int status, long upstream, long long dur_us, const char *problem);

/* §16.4: the same with the cause of a 502/504 (" cause=refused", ...; NULL = none). */
void log_request_cause(const char *method, const char *path, size_t plen, const char *type,
                       int status, long upstream, long long dur_us, const char *problem,
                       const char *cause);

/* §16.4: --log-file PATH (opened for appending, 0640, onto stderr); -1 with errno set.
 * log_reopen opens it again (logrotate); log_reopen_on_usr1 makes SIGUSR1 do that.
 * Under systemd (JOURNAL_STREAM naming stderr's device:inode) each line starts with its
 * syslog priority ("<3>" error ... "<7>" debug). */
int log_open_file(const char *path);
/* The --log-file path, or NULL (the pool gives it to --user before dropping root). */
const char *log_file_path(void);
/* 0, or -1 when the file cannot be opened again: logged (an error line with the path and
 * errno's text, in the old file, which stays stderr). A reopen in the SIGUSR1 handler that
 * fails is logged the same way by the next log line or log_wait_poll's return. */
int log_reopen(void);
void log_reopen_on_usr1(void);
/* A FastCGI worker keeps SIGUSR1 blocked (in an accept it would make libfcgi drop the
 * connection): log_reopen_pending takes a pending one between requests, log_wait_poll is
 * poll(2) with SIGUSR1 and the signals in ALSO (NULL: none) let in while idle. */
struct pollfd;
void log_usr1_block(void);
void log_reopen_pending(void);
int log_wait_poll(struct pollfd *p, unsigned n, const sigset_t *also);

/* Batching of request lines (FastCGI workers): while on, log_request() collects lines in a
 * buffer that is written when it is full (4 KiB for a pipe, 64 KiB for a file opened for
 * appending: either is written in one piece) or its oldest line is a second old, and by
 * log_flush(), which the worker calls when its (non-blocking) accept finds no request
 * waiting, just before it waits for one - so an idle worker's lines appear right after its
 * last answer and a busy one pays one write(2) per few dozen requests. */
void log_batch(int on);
void log_flush(void);

/* After fork(): the next line reads the process ID again. */
void log_forget_pid(void);

/* Parses "error", "warn", "info", "debug"; -1 if none (a lookup, not an error). */
int log_level_parse(const char *s);

#endif
