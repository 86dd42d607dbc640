/* test_server.h - upstream_server.py, a real HTTP/1.1 server on loopback for the tests that
 * need an API (check_upstream, check_requests): started with fork/exec, its port read from
 * its first line of output, stopped by its PID. It exits by itself when its stdin (a pipe
 * from the test) closes, so a crashed test never leaves it behind. */
#ifndef OAC_TEST_SERVER_H
#define OAC_TEST_SERVER_H

#include <stddef.h>
#include <sys/types.h>

struct test_server {
  pid_t pid;
  int port;
  int stdin_fd;                 /* our end of its stdin; closing it stops the server */
};

/* NAME's full path from PATH into OUT; 0 when found, -1 otherwise. */
int test_find_in_path(const char *name, char *out, size_t size);

/* Finds python3 and upstream_server.py (top_srcdir/tests/unit, else beside this source);
 * 0 when both are there, -1 otherwise (the caller skips). */
int test_server_find(void);

/* Starts the server with the extra arguments EXTRA (NULL-terminated, or NULL) and reads its
 * port; fails the running test if it does not start within 15 s. */
void test_server_start(struct test_server *s, const char *const *extra);

/* Stops it (nothing when it is not running). */
void test_server_stop(struct test_server *s);

/* The server is on loopback: unsets the proxy variables (no proxy from the environment
 * may get in between) and ignores SIGPIPE (a server that closes early must not kill the
 * test). */
void test_server_environment(void);

#endif
