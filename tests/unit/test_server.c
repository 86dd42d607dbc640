/* test_server.c - start and stop upstream_server.py (test_server.h). */
#include "test_server.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char python[PATH_MAX];
static char script[PATH_MAX];

int test_find_in_path(const char *name, char *out, size_t size)
{
  const char *path = getenv("PATH");
  if(!path)
    path = "/usr/bin:/bin";
  while(*path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    int w = snprintf(out, size, "%.*s/%s", (int)n, n ? path : ".", name);
    if(w > 0 && (size_t)w < size && access(out, X_OK) == 0)
      return 0;
    path += n;
    if(*path == ':')
      path++;
  }
  return -1;
}

int test_server_find(void)
{
  const char *top = getenv("top_srcdir");
  if(top && *top)
    snprintf(script, sizeof script, "%s/tests/unit/upstream_server.py", top);
  else {
    /* Next to this source file. */
    const char *f = __FILE__;
    const char *slash = strrchr(f, '/');
    int dir = slash ? (int)(slash - f) : 1;
    snprintf(script, sizeof script, "%.*s/upstream_server.py", dir, slash ? f : ".");
  }
  if(access(script, R_OK))
    return -1;
  return test_find_in_path("python3", python, sizeof python);
}

void test_server_start(struct test_server *s, const char *const *extra)
{
  int out[2], in[2];
  ck_assert_msg(python[0] && script[0], "test_server_find() was not called");
  /* Close-on-exec, so no other child (the next server, openssl) holds our ends. */
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if(pid == 0) {
    const char *argv[16];
    int n = 0;
    argv[n++] = python;
    argv[n++] = script;
    argv[n++] = "--exit-on-stdin-eof";
    for(int i = 0; extra && extra[i] && n < 15; i++)
      argv[n++] = extra[i];
    argv[n] = NULL;
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]); close(in[1]); close(out[0]); close(out[1]);
    execv(python, (char *const *)argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  char line[32];
  size_t len = 0;
  while(len < sizeof line - 1) {
    struct pollfd p = { out[0], POLLIN, 0 };
    int r = poll(&p, 1, 15000);
    ck_assert_msg(r > 0, "upstream_server.py did not print its port within 15 s");
    ssize_t got = read(out[0], line + len, 1);
    ck_assert_msg(got == 1, "upstream_server.py exited before printing its port (%s)",
                  script);
    if(line[len] == '\n')
      break;
    len++;
  }
  line[len] = '\0';
  close(out[0]);
  char *end;
  long port = strtol(line, &end, 10);
  ck_assert_msg(end != line && port > 0 && port < 65536, "bad port line '%s'", line);
  s->pid = pid;
  s->port = (int)port;
  s->stdin_fd = in[1];
}

void test_server_stop(struct test_server *s)
{
  if(s->pid <= 0)
    return;
  close(s->stdin_fd);
  kill(s->pid, SIGTERM);
  waitpid(s->pid, NULL, 0);
  s->pid = 0;
}

void test_server_environment(void)
{
  static const char *const proxies[] = { "http_proxy", "HTTP_PROXY", "https_proxy",
                                         "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
  for(size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
    unsetenv(proxies[i]);
  signal(SIGPIPE, SIG_IGN);
}
