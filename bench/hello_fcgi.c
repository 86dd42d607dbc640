/* hello_fcgi - the floor for bench/example-load: a minimal libfcgi responder.
 *
 * It does per request what the worker cannot avoid doing and nothing else: accept
 * (FCGX_Accept_r), read CONTENT_LENGTH bytes of the request body into a reused buffer (as
 * the worker does), and answer "Status: 200 OK", Content-Type application/json, a
 * Content-Length and a fixed JSON body. The worker's example-mode load is measured against
 * it, so the difference is what the worker adds: routing, reading the request's JSON, the
 * cache lookup and writing the answer.
 *
 * For a fair comparison the body should be as long as the worker's answer, so the same
 * bytes cross the socket: HELLO_FCGI_BODY_FILE names a file read once at start whose
 * content is the body (bench/example-load passes the worker's own answer). Without it the
 * body is a small built-in JSON object.
 *
 * Build: gcc -O2 bench/hello_fcgi.c -lfcgi -o bench/hello_fcgi (or make bench/hello_fcgi).
 * Run only under a FastCGI server (lighttpd bin-path, cgi-fcgi -start); in CGI mode it
 * answers one request and exits.
 */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static const char default_body[] = "{\"hello\":\"world\"}";

int main(void)
{
  const char *body = default_body;
  size_t body_len = sizeof(default_body) - 1;
  const char *file = getenv("HELLO_FCGI_BODY_FILE");
  if(file && *file) {
    char *data = bench_read_file(file, &body_len);
    if(!data) {
      fprintf(stderr, "hello_fcgi: cannot read HELLO_FCGI_BODY_FILE %s\n", file);
      return 1;
    }
    body = data;
  }

  /* The headers never change: build them once. */
  char head[128];
  int head_len = snprintf(head, sizeof(head), "Status: 200 OK\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n", body_len);
  if(head_len < 0 || (size_t)head_len >= sizeof(head))
    return 1;

  if(FCGX_Init()) {
    fprintf(stderr, "hello_fcgi: FCGX_Init failed\n");
    return 1;
  }
  FCGX_Request req;
  if(FCGX_InitRequest(&req, 0, 0)) {
    fprintf(stderr, "hello_fcgi: FCGX_InitRequest failed\n");
    return 1;
  }
  char *in = NULL;
  size_t in_cap = 0;
  while(FCGX_Accept_r(&req) >= 0) {
    long cl = bench_content_length(FCGX_GetParam("CONTENT_LENGTH", req.envp));
    if(cl > 0 && (size_t)cl + 1 > in_cap) {
      char *bigger = realloc(in, (size_t)cl + 1);
      if(bigger) {
        in = bigger;
        in_cap = (size_t)cl + 1;
      }
    }
    if(cl > 0 && (size_t)cl < in_cap) {
      int got = FCGX_GetStr(in, (int)cl, req.in);
      in[got > 0 ? got : 0] = '\0';
    }
    FCGX_PutStr(head, head_len, req.out);
    FCGX_PutStr(body, (int)body_len, req.out);
    FCGX_Finish_r(&req);
  }
  free(in);
  return 0;
}
