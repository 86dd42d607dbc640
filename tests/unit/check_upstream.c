/* check_upstream.c - the upstream HTTP client and the URL helpers (upstream.h, url.h).
 *
 * The client is tested against a real HTTP/1.1 server on loopback: upstream_server.py
 * (Python's http.server), started with fork/exec and stopped by its PID (test_server.c). It prints
 * the port it bound, and exits by itself when its stdin (a pipe from us) closes, so a
 * crashed test never leaves it behind. Without python3 the test is skipped (exit 77).
 * The TLS verification cases also need the openssl command for a self-signed certificate.
 */
#include <check.h>
#include "check_main.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "test_server.h"
#include "../../src/worker/upstream.h"
#include "../../src/worker/url.h"
#include "../../src/cache/format.h"

/* ---- the server (test_server.h) ------------------------------------------------------ */

static char openssl[PATH_MAX];
static char tls_dir[PATH_MAX];  /* self-signed certificate and key, "" = none */

static struct test_server plain;        /* the http server of the main test case */
static struct test_server tls;          /* the https server of the TLS case */

static void plain_setup(void) { test_server_start(&plain, NULL); }
static void plain_teardown(void) { test_server_stop(&plain); }

/* A port nobody listens on: bound, read back, closed. */
static int closed_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t al = sizeof a;
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- calls --------------------------------------------------------------------------- */

struct call {
  enum upstream_error e;
  struct upstream_resp rs;
  char err[256];
};

static void call_init(struct call *c)
{
  memset(c, 0, sizeof *c);
  buf_init(&c->rs.body);
  buf_init(&c->rs.headers);
}

static void call_free(struct call *c)
{
  buf_free(&c->rs.body);
  buf_free(&c->rs.headers);
}

static char url_buf[512];

static const char *url_at(int port, const char *path)
{
  snprintf(url_buf, sizeof url_buf, "http://127.0.0.1:%d%s", port, path);
  return url_buf;
}

/* One call to the plain server with optional headers, body and its type. */
static enum upstream_error send_full(struct upstream *u, struct call *c, unsigned method,
                                     const char *url, const char *const *headers,
                                     size_t nheaders, const char *body, const char *ctype)
{
  struct upstream_req rq = {
    .method = method, .url = url, .headers = headers, .nheaders = nheaders,
    .body = body, .body_len = body ? strlen(body) : 0, .content_type = ctype
  };
  c->err[0] = '\0';
  c->e = upstream_send(u, &rq, &c->rs, c->err, sizeof c->err);
  return c->e;
}

static enum upstream_error send_to(struct upstream *u, struct call *c, unsigned method,
                                   const char *path, const char *body)
{
  return send_full(u, c, method, url_at(plain.port, path), NULL, 0, body, NULL);
}

/* The answer as JSON (the caller deletes it). */
static cJSON *answer_json(const struct call *c)
{
  ck_assert_msg(c->e == UPE_OK, "call failed (%d): %s", c->e, c->err);
  cJSON *j = cJSON_ParseWithLength(c->rs.body.data, c->rs.body.len);
  ck_assert_msg(j != NULL, "answer is not JSON: %.200s", c->rs.body.data ? c->rs.body.data : "");
  return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  ck_assert_msg(cJSON_IsNumber(v), "no number '%s'", key);
  return v->valuedouble;
}

/* A request header as /echo saw it (names lowercased), NULL when absent. */
static const char *echo_header(const cJSON *echo, const char *name)
{
  return jstr(cJSON_GetObjectItemCaseSensitive(echo, "headers"), name);
}

static struct upstream *new_upstream(long timeout_ms, size_t max_body)
{
  struct upstream_opts o = { 0, timeout_ms, NULL, max_body };
  struct upstream *u = upstream_new(&o);
  ck_assert_ptr_nonnull(u);
  return u;
}

/* ---- methods, headers, bodies -------------------------------------------------------- */

START_TEST(test_methods_reach_server)
{
  static const struct { unsigned m; const char *name; const char *body; } cases[] = {
    { M_GET, "GET", NULL },
    { M_POST, "POST", "{\"name\":\"Rex\"}" },
    { M_PUT, "PUT", "{\"id\":7,\"name\":\"Rex\"}" },
    { M_DELETE, "DELETE", "{\"reason\":\"gone\"}" },
    { M_PATCH, "PATCH", "{\"name\":\"Max\"}" },
  };
  const char *hdrs[] = { "X-Api-Key: key-123", "X-Trace: t1" };
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  for(size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    send_full(u, &c, cases[i].m, url_at(plain.port, "/echo?a=1&b=two"), hdrs, 2,
              cases[i].body, NULL);
    ck_assert_int_eq(c.rs.status, 200);
    ck_assert(c.rs.is_json);
    ck_assert_str_eq(c.rs.content_type, "application/json");
    cJSON *j = answer_json(&c);
    ck_assert_str_eq(jstr(j, "method"), cases[i].name);
    ck_assert_str_eq(jstr(j, "path"), "/echo");
    ck_assert_str_eq(jstr(j, "query"), "a=1&b=two");
    ck_assert_str_eq(echo_header(j, "x-api-key"), "key-123");
    ck_assert_str_eq(echo_header(j, "x-trace"), "t1");
    ck_assert_str_eq(echo_header(j, "accept"), "application/json");
    const char *ua = echo_header(j, "user-agent");
    ck_assert_ptr_nonnull(ua);
    ck_assert_msg(!strncmp(ua, "openapi-connector/", 18), "User-Agent '%s'", ua);
    ck_assert_ptr_null(echo_header(j, "expect"));
    if(cases[i].body) {
      ck_assert_str_eq(jstr(j, "body"), cases[i].body);
      ck_assert_str_eq(echo_header(j, "content-type"), "application/json");
    }
    else {
      ck_assert_int_eq((int)jnum(j, "body_len"), 0);
      ck_assert_ptr_null(echo_header(j, "content-type"));
    }
    cJSON_Delete(j);
  }
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* The caller's Accept replaces ours (one header, not two); the body's own type is sent. */
START_TEST(test_caller_accept_and_content_type)
{
  const char *hdrs[] = { "accept: application/xml" };
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  send_full(u, &c, M_POST, url_at(plain.port, "/echo"), hdrs, 1, "a=1&b=2",
            "application/x-www-form-urlencoded");
  cJSON *j = answer_json(&c);
  ck_assert_str_eq(echo_header(j, "accept"), "application/xml");
  ck_assert_str_eq(echo_header(j, "content-type"), "application/x-www-form-urlencoded");
  ck_assert_str_eq(jstr(j, "body"), "a=1&b=2");
  cJSON_Delete(j);
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* Bodies sent as they are: a POST with no body is an empty one, a body with a NUL byte
 * and a 2 MiB body arrive whole (and without an Expect: 100-continue round). */
START_TEST(test_bodies)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  send_to(u, &c, M_POST, "/echo", NULL);
  cJSON *j = answer_json(&c);
  ck_assert_str_eq(jstr(j, "method"), "POST");
  ck_assert_str_eq(echo_header(j, "content-length"), "0");
  cJSON_Delete(j);

  struct upstream_req rq = { .method = M_PUT, .url = url_at(plain.port, "/echo"),
                             .body = "a\0b", .body_len = 3, .content_type = "text/plain" };
  ck_assert_int_eq(upstream_send(u, &rq, &c.rs, c.err, sizeof c.err), UPE_OK);
  c.e = UPE_OK;
  j = answer_json(&c);
  ck_assert_int_eq((int)jnum(j, "body_len"), 3);
  ck_assert_str_eq(echo_header(j, "content-type"), "text/plain");
  cJSON_Delete(j);

  size_t big = (size_t)2 << 20;
  char *body = malloc(big + 1);
  ck_assert_ptr_nonnull(body);
  memset(body, 'z', big);
  body[big] = '\0';
  double t0 = now_s();
  send_to(u, &c, M_POST, "/echo", body);
  j = answer_json(&c);
  ck_assert_int_eq((int)jnum(j, "body_len"), (int)big);
  ck_assert_ptr_null(echo_header(j, "expect"));
  /* A server that ignores Expect would cost curl a 1 s wait. */
  ck_assert_msg(now_s() - t0 < 0.9, "2 MiB POST took %.2f s", now_s() - t0);
  cJSON_Delete(j);
  free(body);
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* The handle is reused: what one call set must not leak into the next. */
START_TEST(test_post_then_get_same_handle)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  send_to(u, &c, M_POST, "/echo", "{\"x\":1}");
  cJSON *j = answer_json(&c);
  ck_assert_str_eq(jstr(j, "method"), "POST");
  cJSON_Delete(j);

  send_to(u, &c, M_GET, "/echo", NULL);
  j = answer_json(&c);
  ck_assert_str_eq(jstr(j, "method"), "GET");
  ck_assert_int_eq((int)jnum(j, "body_len"), 0);
  ck_assert_ptr_null(echo_header(j, "content-length"));
  ck_assert_ptr_null(echo_header(j, "content-type"));
  cJSON_Delete(j);

  send_to(u, &c, M_PATCH, "/echo", "{}");
  send_to(u, &c, M_HEAD, "/json", NULL);
  ck_assert_int_eq(c.e, UPE_OK);
  ck_assert_int_eq(c.rs.status, 200);
  ck_assert_uint_eq(c.rs.body.len, 0);

  send_to(u, &c, M_OPTIONS, "/echo", NULL);
  j = answer_json(&c);
  ck_assert_str_eq(jstr(j, "method"), "OPTIONS");
  cJSON_Delete(j);

  send_to(u, &c, M_DELETE, "/echo", NULL);
  j = answer_json(&c);
  ck_assert_str_eq(jstr(j, "method"), "DELETE");
  ck_assert_int_eq((int)jnum(j, "body_len"), 0);
  cJSON_Delete(j);

  send_to(u, &c, M_GET, "/echo", NULL);
  j = answer_json(&c);
  ck_assert_str_eq(jstr(j, "method"), "GET");
  cJSON_Delete(j);
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* Keep-alive: consecutive calls arrive from the same client port, i.e. one connection. */
START_TEST(test_keepalive)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  double port = -1;
  for(int i = 0; i < 4; i++) {
    send_to(u, &c, i == 2 ? M_POST : M_GET, "/echo", i == 2 ? "{}" : NULL);
    cJSON *j = answer_json(&c);
    double p = jnum(j, "client_port");
    if(i)
      ck_assert_msg(p == port, "call %d came on a new connection (%g, was %g)", i, p, port);
    port = p;
    cJSON_Delete(j);
  }
  call_free(&c);
  upstream_free(u);
}
END_TEST

START_TEST(test_status_passthrough)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  static const int codes[] = { 404, 500, 400, 201 };
  for(size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    char path[32];
    snprintf(path, sizeof path, "/status/%d", codes[i]);
    ck_assert_int_eq(send_to(u, &c, M_GET, path, NULL), UPE_OK);
    ck_assert_int_eq(c.rs.status, codes[i]);
    ck_assert(c.rs.is_json);
    cJSON *j = answer_json(&c);
    ck_assert_int_eq((int)jnum(j, "status"), codes[i]);
    ck_assert_ptr_nonnull(strstr(jstr(j, "error"), "as asked"));
    cJSON_Delete(j);
  }
  ck_assert_int_eq(send_to(u, &c, M_DELETE, "/status/204", NULL), UPE_OK);
  ck_assert_int_eq(c.rs.status, 204);
  ck_assert_uint_eq(c.rs.body.len, 0);
  ck_assert_str_eq(c.rs.content_type, "");
  ck_assert(!c.rs.is_json);
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* ---- limits and failures ------------------------------------------------------------- */

START_TEST(test_timeout)
{
  struct upstream *u = new_upstream(300, 0);
  struct call c;
  call_init(&c);
  const char *hdrs[] = { "X-Api-Key: HEADER-SECRET" };
  double t0 = now_s();
  send_full(u, &c, M_GET, url_at(plain.port, "/slow?ms=4000&api_key=QUERY-SECRET"), hdrs, 1,
            NULL, NULL);
  double took = now_s() - t0;
  ck_assert_msg(c.e == UPE_TIMEOUT, "got %d: %s", c.e, c.err);
  ck_assert_msg(took >= 0.25 && took < 3.0, "timed out after %.3f s", took);
  ck_assert_ptr_nonnull(strstr(c.err, "timed out after 300 ms"));
  ck_assert_ptr_null(strstr(c.err, "SECRET"));
  ck_assert_uint_eq(c.rs.body.len, 0);
  /* The handle recovers: the next call is fine. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/json", NULL), UPE_OK);
  ck_assert_int_eq(c.rs.status, 200);
  /* A slow answer within the limit is no error, and its time is measured. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/slow?ms=150", NULL), UPE_OK);
  ck_assert_msg(c.rs.seconds >= 0.14 && c.rs.seconds < 3.0, "seconds %.3f", c.rs.seconds);
  /* The time of every hop counts: a slow redirect, then a fast answer. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/slow?ms=150&then=%2Fjson", NULL), UPE_OK);
  ck_assert_int_eq(c.rs.status, 200);
  ck_assert_msg(c.rs.seconds >= 0.14 && c.rs.seconds < 3.0, "seconds %.3f", c.rs.seconds);
  upstream_free(u);
  /* The limit is for the whole call, not for each hop: 900 ms, then a hop that would
   * take 5 s, against 1000 ms in all (1.9 s if each hop had its own limit). */
  u = new_upstream(1000, 0);
  t0 = now_s();
  ck_assert_int_eq(send_to(u, &c, M_GET, "/slow?ms=900&then=%2Fslow%3Fms%3D5000", NULL),
                   UPE_TIMEOUT);
  took = now_s() - t0;
  ck_assert_msg(took >= 0.95 && took < 1.6, "timed out after %.3f s", took);
  ck_assert_str_eq(c.err, "timed out after 1000 ms");
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* A connect that never completes: a listener with a full accept queue drops further
 * SYNs (Linux), so the connect timeout, not the total one, ends the call. */
START_TEST(test_connect_timeout)
{
  int l = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(l, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t al = sizeof a;
  ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &al), 0);
  ck_assert_int_eq(listen(l, 0), 0);
  int fill[4];
  for(int i = 0; i < 4; i++) {
    fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(fill[i], 0);
    connect(fill[i], (struct sockaddr *)&a, sizeof a);
  }
  usleep(100000);

  struct upstream_opts o = { 300, 3000, NULL, 0 };
  struct upstream *u = upstream_new(&o);
  ck_assert_ptr_nonnull(u);
  struct call c;
  call_init(&c);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/json", ntohs(a.sin_port));
  double t0 = now_s();
  send_full(u, &c, M_GET, url, NULL, 0, NULL, NULL);
  double took = now_s() - t0;
  ck_assert_msg(c.e == UPE_TIMEOUT, "got %d: %s", c.e, c.err);
  ck_assert_str_eq(c.err, "could not connect within 300 ms");
  ck_assert_int_eq(c.rs.nothing_sent, 1);            /* §13.4: a connect-phase timeout */
  ck_assert_msg(took >= 0.25 && took < 2.0, "gave up after %.3f s", took);

  /* A slow answer on a connection that is up (here a reused one) is the total timeout,
   * even though the connect timeout is shorter. */
  struct upstream_opts o2 = { 200, 600, NULL, 0 };
  struct upstream *u2 = upstream_new(&o2);
  ck_assert_ptr_nonnull(u2);
  ck_assert_int_eq(send_to(u2, &c, M_GET, "/json", NULL), UPE_OK);
  ck_assert_int_eq(send_to(u2, &c, M_GET, "/slow?ms=3000", NULL), UPE_TIMEOUT);
  ck_assert_str_eq(c.err, "timed out after 600 ms");
  ck_assert_int_eq(c.rs.nothing_sent, 0);            /* the request went out */
  upstream_free(u2);
  call_free(&c);
  upstream_free(u);
  for(int i = 0; i < 4; i++)
    close(fill[i]);
  close(l);
}
END_TEST

START_TEST(test_connection_refused)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x?api_key=QUERY-SECRET", closed_port());
  const char *hdrs[] = { "Authorization: Bearer HEADER-SECRET" };
  ck_assert_int_eq(send_full(u, &c, M_GET, url, hdrs, 1, NULL, NULL), UPE_CONNECT);
  ck_assert_str_eq(c.err, "connection refused");
  ck_assert_int_eq(c.rs.nothing_sent, 1);
  ck_assert_int_eq(c.rs.status, 0);
  call_free(&c);
  upstream_free(u);
}
END_TEST

START_TEST(test_unresolvable_host)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  /* .invalid never resolves (RFC 6761). */
  ck_assert_int_eq(send_full(u, &c, M_GET, "http://no-such-host.invalid/x", NULL, 0, NULL,
                             NULL), UPE_CONNECT);
  ck_assert_str_eq(c.err, "could not resolve host");
  ck_assert_int_eq(c.rs.nothing_sent, 1);
  call_free(&c);
  upstream_free(u);
}
END_TEST

START_TEST(test_body_limit)
{
  struct upstream *u = new_upstream(0, (size_t)1 << 20);
  struct call c;
  call_init(&c);
  /* Streamed (chunked, no length known up front): the write callback stops it. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/big?mb=2", NULL), UPE_TOO_BIG);
  ck_assert_str_eq(c.err, "answer larger than 1 MiB");
  ck_assert_uint_eq(c.rs.body.len, 0);
  /* Announced with Content-Length. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/big?mb=2&cl=1", NULL), UPE_TOO_BIG);
  /* Exactly the limit is allowed. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/big?mb=1", NULL), UPE_OK);
  ck_assert_uint_eq(c.rs.body.len, (size_t)1 << 20);
  ck_assert_int_eq(send_to(u, &c, M_GET, "/json", NULL), UPE_OK);
  ck_assert_uint_eq(c.rs.body.len, strlen("{\"ok\": true, \"items\": [1, 2, 3]}"));
  call_free(&c);
  upstream_free(u);

  /* The default limit is 16 MiB; a limit that is no whole number of MiB says bytes. */
  u = new_upstream(0, 1000);
  call_init(&c);
  ck_assert_int_eq(send_to(u, &c, M_GET, "/big?mb=1", NULL), UPE_TOO_BIG);
  ck_assert_str_eq(c.err, "answer larger than 1000 bytes");
  call_free(&c);
  upstream_free(u);
}
END_TEST

START_TEST(test_reset_mid_answer)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  ck_assert_int_eq(send_to(u, &c, M_GET, "/reset", NULL), UPE_OTHER);
  ck_assert_msg(!strncmp(c.err, "transfer failed: ", 17), "message '%s'", c.err);
  ck_assert_uint_eq(c.rs.body.len, 0);
  ck_assert_int_eq(send_to(u, &c, M_GET, "/json", NULL), UPE_OK);
  ck_assert_int_eq(c.rs.nothing_sent, 0);            /* §13.4: sent, then broken off */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/reset?when=start", NULL), UPE_OTHER);
  ck_assert_int_eq(c.rs.nothing_sent, 0);            /* read, then closed unanswered */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/json", NULL), UPE_OK);
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* Plain http server, https URL: the handshake fails; an error, not a crash. */
START_TEST(test_https_to_http_server)
{
  struct upstream *u = new_upstream(3000, 0);
  struct call c;
  call_init(&c);
  char url[128];
  snprintf(url, sizeof url, "https://127.0.0.1:%d/json", plain.port);
  send_full(u, &c, M_GET, url, NULL, 0, NULL, NULL);
  ck_assert_msg(c.e == UPE_TLS || c.e == UPE_OTHER, "got %d: %s", c.e, c.err);
  ck_assert(c.err[0]);
  call_free(&c);
  upstream_free(u);
}
END_TEST

START_TEST(test_bad_requests)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  ck_assert_int_eq(send_to(u, &c, 0, "/json", NULL), UPE_OTHER);
  ck_assert_int_eq(send_to(u, &c, 99, "/json", NULL), UPE_OTHER);
  ck_assert_int_eq(send_full(u, &c, M_GET, "ftp://127.0.0.1/x", NULL, 0, NULL, NULL),
                   UPE_OTHER);
  ck_assert_int_eq(send_full(u, &c, M_GET, "/json", NULL, 0, NULL, NULL), UPE_OTHER);
  ck_assert_int_eq(send_full(u, &c, M_GET, NULL, NULL, 0, NULL, NULL), UPE_OTHER);
  /* Still usable. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/json", NULL), UPE_OK);
  call_free(&c);
  upstream_free(u);
  /* Default options. */
  u = upstream_new(NULL);
  ck_assert_ptr_nonnull(u);
  call_init(&c);
  ck_assert_int_eq(send_to(u, &c, M_GET, "/json", NULL), UPE_OK);
  call_free(&c);
  upstream_free(u);
  upstream_free(NULL);
}
END_TEST

/* ---- redirects ----------------------------------------------------------------------- */

START_TEST(test_redirect_same_origin)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  ck_assert_int_eq(send_to(u, &c, M_GET, "/redirect-same", NULL), UPE_OK);
  ck_assert_int_eq(c.rs.status, 200);
  cJSON *j = answer_json(&c);
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok")));
  cJSON_Delete(j);
  call_free(&c);
  upstream_free(u);
}
END_TEST

START_TEST(test_redirect_other_origin)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  char want[3][64];
  snprintf(want[0], sizeof want[0], "http://localhost:%d", plain.port);
  snprintf(want[1], sizeof want[1], "http://127.0.0.1:%d", plain.port + 1);
  snprintf(want[2], sizeof want[2], "https://127.0.0.1:%d", plain.port);
  static const char *const kinds[] = { "host", "port", "scheme" };
  for(int i = 0; i < 3; i++) {
    char path[64];
    snprintf(path, sizeof path, "/redirect-other?to=%s", kinds[i]);
    ck_assert_int_eq(send_to(u, &c, M_GET, path, NULL), UPE_REDIRECT);
    ck_assert_msg(strstr(c.err, want[i]) != NULL, "'%s' does not name %s", c.err, want[i]);
    ck_assert_msg(!strstr(c.err, "SECRET") && !strstr(c.err, "/json"),
                  "message shows more than the origin: %s", c.err);
    ck_assert_uint_eq(c.rs.body.len, 0);
  }
  call_free(&c);
  upstream_free(u);
}
END_TEST

static int hits(struct upstream *u, const char *encoded_key)
{
  struct call c;
  call_init(&c);
  char path[256];
  snprintf(path, sizeof path, "/hits?p=%s", encoded_key);
  send_to(u, &c, M_GET, path, NULL);
  cJSON *j = answer_json(&c);
  int n = (int)jnum(j, "count");
  cJSON_Delete(j);
  call_free(&c);
  return n;
}

START_TEST(test_redirect_limit)
{
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  /* Three redirects are followed... */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/redirect-chain?left=3", NULL), UPE_OK);
  cJSON *j = answer_json(&c);
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "done")));
  cJSON_Delete(j);
  /* ...a fourth is not. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/redirect-chain?left=4", NULL), UPE_REDIRECT);
  ck_assert_str_eq(c.err, "more than 3 redirects");
  /* A loop: the first request and three repeats, then it stops. */
  ck_assert_int_eq(send_to(u, &c, M_GET, "/redirect-loop?tag=loop1", NULL), UPE_REDIRECT);
  ck_assert_int_eq(hits(u, "%2Fredirect-loop%3Ftag%3Dloop1"), 4);
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* 307 and 308 repeat the request as it was; 301, 302 and 303 turn a POST into a GET
 * without its body; 303 does so for any method but HEAD; 301/302 keep a PUT. */
START_TEST(test_redirect_methods)
{
  static const struct {
    const char *path; unsigned m; const char *want_method; int body_kept;
  } cases[] = {
    { "/307-echo", M_POST, "POST", 1 },
    { "/308-echo", M_POST, "POST", 1 },
    { "/307-echo", M_PATCH, "PATCH", 1 },
    { "/303-echo", M_POST, "GET", 0 },
    { "/302-echo", M_POST, "GET", 0 },
    { "/301-echo", M_POST, "GET", 0 },
    { "/303-echo", M_PUT, "GET", 0 },
    { "/302-echo", M_PUT, "PUT", 1 },
  };
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  for(size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    send_full(u, &c, cases[i].m, url_at(plain.port, cases[i].path), NULL, 0,
              "{\"kept\":true}", "application/merge-patch+json");
    cJSON *j = answer_json(&c);
    ck_assert_msg(!strcmp(jstr(j, "method"), cases[i].want_method), "%s: %s", cases[i].path,
                  jstr(j, "method"));
    ck_assert_str_eq(jstr(j, "path"), "/echo");
    if(cases[i].body_kept) {
      ck_assert_str_eq(jstr(j, "body"), "{\"kept\":true}");
      ck_assert_str_eq(echo_header(j, "content-type"), "application/merge-patch+json");
    }
    else {
      ck_assert_int_eq((int)jnum(j, "body_len"), 0);
      ck_assert_ptr_null(echo_header(j, "content-type"));
      ck_assert_ptr_null(echo_header(j, "content-length"));
    }
    cJSON_Delete(j);
  }
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* ---- content types ------------------------------------------------------------------- */

START_TEST(test_is_json)
{
  static const struct { const char *t; int json; } cases[] = {
    { "application%2Fjson", 1 },
    { "application%2Fproblem%2Bjson", 1 },
    { "application%2Fjson%3B%20charset%3Dutf-8", 1 },
    { "APPLICATION%2FJSON", 1 },
    { "application%2Fvnd.api%2Bjson%3Bext%3Dbulk", 1 },
    { "text%2Fplain", 0 },
    { "application%2Fjsonp", 0 },
    { "text%2Fhtml%3B%20a%3Dapplication%2Fjson", 0 },
    { "%2Bjson", 0 },
    { "application%2F%2Bjson", 0 },
  };
  struct upstream *u = new_upstream(0, 0);
  struct call c;
  call_init(&c);
  for(size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[128];
    snprintf(path, sizeof path, "/ctype?t=%s", cases[i].t);
    ck_assert_int_eq(send_to(u, &c, M_GET, path, NULL), UPE_OK);
    ck_assert_msg(c.rs.is_json == cases[i].json, "%s: is_json %d", c.rs.content_type,
                  c.rs.is_json);
  }
  ck_assert_int_eq(send_to(u, &c, M_GET, "/ctype?t=application%2Fjson%3B%20charset%3Dutf-8",
                           NULL), UPE_OK);
  ck_assert_str_eq(c.rs.content_type, "application/json; charset=utf-8");
  ck_assert_int_eq(send_to(u, &c, M_GET, "/text", NULL), UPE_OK);
  ck_assert_str_eq(c.rs.content_type, "text/plain");
  ck_assert(!c.rs.is_json);
  ck_assert_str_eq(c.rs.body.data, "plain words");
  call_free(&c);
  upstream_free(u);
}
END_TEST

/* ---- TLS ----------------------------------------------------------------------------- */

static char cert_path[PATH_MAX + 16], key_path[PATH_MAX + 16];

static int run(const char *const *argv)
{
  pid_t pid = fork();
  if(pid < 0)
    return -1;
  if(pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if(null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int st;
  if(waitpid(pid, &st, 0) != pid)
    return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void tls_setup(void)
{
  char tmpl[] = "/tmp/check_upstream_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(tmpl));
  snprintf(tls_dir, sizeof tls_dir, "%s", tmpl);
  snprintf(cert_path, sizeof cert_path, "%s/cert.pem", tls_dir);
  snprintf(key_path, sizeof key_path, "%s/key.pem", tls_dir);
  const char *argv[] = {
    openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-keyout", key_path, "-out", cert_path, "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", NULL
  };
  ck_assert_msg(run(argv) == 0, "openssl could not make a certificate");
  const char *extra[] = { "--tls", cert_path, key_path, NULL };
  test_server_start(&tls, extra);
}

static void tls_teardown(void)
{
  test_server_stop(&tls);
  if(tls_dir[0]) {
    unlink(cert_path);
    unlink(key_path);
    rmdir(tls_dir);
  }
}

START_TEST(test_tls_verification)
{
  char url[128];
  snprintf(url, sizeof url, "https://127.0.0.1:%d/json", tls.port);
  struct call c;
  call_init(&c);
  /* Self-signed and not in the system's store: refused. */
  struct upstream *u = new_upstream(0, 0);
  ck_assert_int_eq(send_full(u, &c, M_GET, url, NULL, 0, NULL, NULL), UPE_TLS);
  ck_assert_msg(!strncmp(c.err, "TLS failed: ", 12), "message '%s'", c.err);
  upstream_free(u);

  /* With the certificate as CA file: accepted. */
  struct upstream_opts o = { 0, 0, cert_path, 0 };
  u = upstream_new(&o);
  ck_assert_ptr_nonnull(u);
  ck_assert_int_eq(send_full(u, &c, M_GET, url, NULL, 0, NULL, NULL), UPE_OK);
  ck_assert_int_eq(c.rs.status, 200);
  ck_assert(c.rs.is_json);
  /* Same CA, but the name does not match the certificate: refused (VERIFYHOST). */
  char url2[128];
  snprintf(url2, sizeof url2, "https://localhost:%d/json", tls.port);
  enum upstream_error e = send_full(u, &c, M_GET, url2, NULL, 0, NULL, NULL);
  /* localhost may resolve to ::1 only, where nobody listens: refused before TLS. */
  ck_assert_msg(e == UPE_TLS || e == UPE_CONNECT, "got %d: %s", e, c.err);
  if(e == UPE_TLS)
    ck_assert_msg(!strncmp(c.err, "TLS failed: ", 12), "message '%s'", c.err);
  upstream_free(u);
  call_free(&c);
}
END_TEST

/* ---- url.h --------------------------------------------------------------------------- */

static void expect_segment(const char *in, size_t n, const char *want)
{
  struct buf b;
  buf_init(&b);
  url_encode_segment(&b, in, n);
  ck_assert(!buf_failed(&b));
  ck_assert_str_eq(b.data ? b.data : "", want);
  buf_free(&b);
}

START_TEST(test_encode)
{
  expect_segment("../a?b#c/%2f", 12, "..%2Fa%3Fb%23c%2F%252f");
  expect_segment("AZaz09-._~", 10, "AZaz09-._~");
  expect_segment("a b+c&d=e;f", 11, "a%20b%2Bc%26d%3De%3Bf");
  expect_segment("\xc3\xa9", 2, "%C3%A9");
  expect_segment("a\0b", 3, "a%00b");
  expect_segment("", 0, "");
  /* a whole value "." or ".." would be a dot-segment that libcurl resolves away */
  expect_segment(".", 1, "%2E");
  expect_segment("..", 2, "%2E%2E");
  expect_segment("...", 3, "...");
  expect_segment(".a", 2, ".a");
  expect_segment("..\0", 3, "..%00");
  expect_segment("@:!$'()*,", 9, "%40%3A%21%24%27%28%29%2A%2C");
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "q=");
  url_encode_query(&b, "x&y=z+1 /", 9);
  ck_assert_str_eq(b.data, "q=x%26y%3Dz%2B1%20%2F");
  buf_free(&b);
}
END_TEST

static void expect_origin(const char *url, const char *want)
{
  char o[128];
  enum oac_result r = url_origin(url, o, sizeof o);
  if(!want) {
    ck_assert_msg(r == OAC_EDOC, "'%s' should be refused, got '%s'", url ? url : "(null)", o);
    return;
  }
  ck_assert_msg(r == 0, "'%s' refused", url ? url : "(null)");
  ck_assert_str_eq(o, want);
}

START_TEST(test_origin)
{
  expect_origin("http://example.com/a/b?c=d#e", "http://example.com:80");
  expect_origin("https://example.com", "https://example.com:443");
  expect_origin("HTTPS://API.Example.COM:443/v1", "https://api.example.com:443");
  expect_origin("http://example.com:8080/x", "http://example.com:8080");
  expect_origin("https://example.com:80/", "https://example.com:80");
  expect_origin("http://user:pass@example.com/x", "http://example.com:80");
  expect_origin("http://[::1]:9000/x", "http://[::1]:9000");
  expect_origin("https://[2001:DB8::1]/", "https://[2001:db8::1]:443");
  expect_origin("http://127.0.0.1:5/", "http://127.0.0.1:5");
  expect_origin("ftp://example.com/x", NULL);
  expect_origin("file:///etc/passwd", NULL);
  expect_origin("/relative/path", NULL);
  expect_origin("example.com/x", NULL);
  expect_origin("", NULL);
  expect_origin("http://", NULL);
  expect_origin("http://example.com:99999/", NULL);
  expect_origin(NULL, NULL);
  /* Same origin written two ways compares equal. */
  char a[64], b[64];
  ck_assert_int_eq(url_origin("https://h.example/", a, sizeof a), 0);
  ck_assert_int_eq(url_origin("https://H.example:443/other?x", b, sizeof b), 0);
  ck_assert_str_eq(a, b);
  /* Does not fit. */
  char small[16];
  ck_assert_int_eq(url_origin("https://a-long-host-name.example/", small, sizeof small),
                   OAC_EDOC);
  char longurl[400];
  memset(longurl, 0, sizeof longurl);
  memcpy(longurl, "http://", 7);
  memset(longurl + 7, 'h', 300);
  ck_assert_int_eq(url_origin(longurl, a, sizeof a), OAC_EDOC);
}
END_TEST

Suite *suite(void)
{
  int have_python = test_server_find() == 0;
  int have_openssl = test_find_in_path("openssl", openssl, sizeof openssl) == 0;
  if(!have_python) {
    check_skip("python3 not found (it runs the loopback server upstream_server.py)");
    return NULL;
  }
  test_server_environment();

  Suite *s = suite_create("upstream");
  TCase *tu = tcase_create("url");
  tcase_add_test(tu, test_encode);
  tcase_add_test(tu, test_origin);
  suite_add_tcase(s, tu);

  TCase *tc = tcase_create("http");
  tcase_add_unchecked_fixture(tc, plain_setup, plain_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_methods_reach_server);
  tcase_add_test(tc, test_caller_accept_and_content_type);
  tcase_add_test(tc, test_bodies);
  tcase_add_test(tc, test_post_then_get_same_handle);
  tcase_add_test(tc, test_keepalive);
  tcase_add_test(tc, test_status_passthrough);
  tcase_add_test(tc, test_timeout);
  tcase_add_test(tc, test_connect_timeout);
  tcase_add_test(tc, test_connection_refused);
  tcase_add_test(tc, test_unresolvable_host);
  tcase_add_test(tc, test_body_limit);
  tcase_add_test(tc, test_reset_mid_answer);
  tcase_add_test(tc, test_https_to_http_server);
  tcase_add_test(tc, test_bad_requests);
  tcase_add_test(tc, test_redirect_same_origin);
  tcase_add_test(tc, test_redirect_other_origin);
  tcase_add_test(tc, test_redirect_limit);
  tcase_add_test(tc, test_redirect_methods);
  tcase_add_test(tc, test_is_json);
  suite_add_tcase(s, tc);

  if(have_openssl) {
    TCase *tt = tcase_create("tls");
    tcase_add_unchecked_fixture(tt, tls_setup, tls_teardown);
    tcase_set_timeout(tt, 30);
    tcase_add_test(tt, test_tls_verification);
    suite_add_tcase(s, tt);
  }
  else
    printf("note: openssl not found, the TLS verification case is left out\n");

  return s;
}
