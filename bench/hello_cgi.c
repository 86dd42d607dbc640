/* hello_cgi - the floor for bench/run's CGI rows: a minimal CGI program.
 *
 * It does what every CGI answer costs and nothing else: the process start, reading and
 * discarding CONTENT_LENGTH bytes of stdin, and writing "Status: 200 OK", Content-Type
 * application/json, a Content-Length and a body to stdout. The body is the content of the
 * file named by the environment variable HELLO_CGI_BODY_FILE when it is set (so the same
 * bytes cross the pipe as with the worker's answer), else a fixed 40-byte JSON object.
 *
 * Built twice from this source:
 *   bench/hello_cgi       libc only: the cost of fork + exec + the dynamic loader's floor;
 *   bench/hello_cgi_libs  linked with -Wl,--no-as-needed against the worker's shared
 *                         libraries (libfcgi, libcjson, libcurl), none of them used, so each
 *                         exec maps and relocates libcurl's whole dependency tree (TLS,
 *                         HTTP/2, IDN, LDAP, Kerberos, ...) as the worker's exec does.
 * The difference between the two is what the worker's CGI mode pays for its libraries
 * before it runs a line of its own code.
 *
 * Build: make bench/hello_cgi bench/hello_cgi_libs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"

static const char default_body[] = "{\"hello\":\"world\",\"source\":\"hello_cgi.c\"}";
_Static_assert(sizeof(default_body) - 1 == 40, "the built-in body is 40 bytes");

/* write(2) all of it; 0 on success. */
static int write_all(const char *p, size_t n)
{
  while(n > 0) {
    ssize_t w = write(1, p, n);
    if(w < 0 && errno == EINTR)
      continue;
    if(w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(void)
{
  /* The request body: read and thrown away. */
  const char *cl = getenv("CONTENT_LENGTH");
  long left = 0;
  if(cl && *cl) {
    char *end;
    left = strtol(cl, &end, 10);
    if(*end || left < 0)
      left = 0;
  }
  char buf[16384];
  while(left > 0) {
    ssize_t r = read(0, buf, left < (long)sizeof(buf) ? (size_t)left : sizeof(buf));
    if(r < 0 && errno == EINTR)
      continue;
    if(r <= 0)
      break;
    left -= r;
  }

  const char *body = default_body;
  size_t body_len = sizeof(default_body) - 1;
  const char *file = getenv("HELLO_CGI_BODY_FILE");
  if(file && *file) {
    char *data = bench_read_file(file, &body_len);
    if(!data) {
      fprintf(stderr, "hello_cgi: cannot read HELLO_CGI_BODY_FILE %s: %s\n", file,
              strerror(errno));
      static const char fail[] = "Status: 500 Internal Server Error\r\n"
                                 "Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n";
      return write_all(fail, sizeof(fail) - 1) ? 1 : 0;
    }
    body = data;
  }

  char head[128];
  int head_len = snprintf(head, sizeof(head), "Status: 200 OK\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n", body_len);
  if(head_len < 0 || (size_t)head_len >= sizeof(head))
    return 1;
  if(write_all(head, (size_t)head_len) || write_all(body, body_len))
    return 1;
  return 0;
}
