/* log.h - the worker's log: lines on stderr, which every web server puts into its error
 * log. One line per request (handler.c) plus the rare event (a cache refused or replaced).
 * Nothing that could hold a secret is ever passed here: callers log names, paths, statuses
 * and durations, never header values, configuration values, bodies or query strings.
 */
#ifndef OAC_LOG_H
#define OAC_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level;           /* messages above it are dropped; default LOG_INFO */

/* "2026-11-24T10:00:00Z openapi-connector[123] warn: ..." */
void log_msg(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses "error", "warn", "info", "debug"; -1 if none. */
int log_level_parse(const char *s);

#endif
