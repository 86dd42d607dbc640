/* check_examples.c - response examples, end to end: each case of tests/data/examples/
 * (the vendor's documented cases, boomi-openapi-connector.md §5, and product.md §8) is
 * compiled, then every <name>.request.json in it is sent through the request handler and
 * the answer compared with <name>.expect.json. The documents' server URL is a loopback
 * port that listens but never accepts: after all cases, nothing may have connected to it.
 *
 * expect.json: {"status": N, "hasMoreResults": B, "objectData": [{"internalId", "externalId"
 * ("@UUID@" = any UUID), "properties": {name: contentValue}, "objects": {name: {nested
 * property: contentValue}}}], "distinctExternalIds": B, "responseBody": JSON,
 * "messageContains": S}. A request named load* is POST /data, save* PUT /data, delete*
 * POST /data/delete.
 */
#include <arpa/inet.h>
#include <check.h>
#include "check_main.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "test_cache.h"
#include "worker/handler.h"
#include "flow/json.h"
#include "worker/log.h"

static char dir[512];
static int trap_fd = -1;
static char server[64];

/* TEXT with every FROM replaced by TO (malloc'ed). */
static char *replace(const char *text, const char *from, const char *to)
{
  struct buf b;
  buf_init(&b);
  size_t fl = strlen(from);
  for(const char *s = text;;) {
    const char *hit = strstr(s, from);
    if(!hit) {
      buf_puts(&b, s);
      break;
    }
    buf_append(&b, s, (size_t)(hit - s));
    buf_puts(&b, to);
    s = hit + fl;
  }
  size_t len;
  return buf_steal(&b, &len);
}

static const char *data_dir(void)
{
  static char d[1024];
  const char *top = getenv("top_srcdir");
  snprintf(d, sizeof(d), "%s/tests/data/examples", top ? top : ".");
  return d;
}

static const cJSON *prop_named(const cJSON *mobject, const char *name)
{
  const cJSON *p;
  cJSON_ArrayForEach(p, json_get_array(mobject, "properties"))
    if(!strcmp(json_get_str(p, "developerName") ? json_get_str(p, "developerName") : "", name))
      return p;
  return NULL;
}

static void compare_values(const char *where, const cJSON *got_obj, const cJSON *want)
{
  const cJSON *w;
  cJSON_ArrayForEach(w, want) {
    const cJSON *p = prop_named(got_obj, w->string);
    ck_assert_msg(p != NULL, "%s: no property '%s'", where, w->string);
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(p, "contentValue");
    if(cJSON_IsNull(w))
      ck_assert_msg(cJSON_IsNull(cv), "%s.%s: expected null", where, w->string);
    else
      ck_assert_msg(cJSON_IsString(cv) && !strcmp(cv->valuestring, w->valuestring),
                    "%s.%s: expected '%s', got '%s'", where, w->string, w->valuestring,
                    cJSON_IsString(cv) ? cv->valuestring : "(not a string)");
  }
}

static void check_answer(const char *where, const struct http_response *rs, const cJSON *exp)
{
  long status = json_get_long(exp, "status", 200);
  ck_assert_msg(rs->status == status, "%s: status %d, expected %ld: %s", where, rs->status,
                status, rs->direct);
  cJSON *got = NULL;
  struct json_error je;
  ck_assert_msg(json_parse(rs->direct, rs->direct_len, &got, &je) == OAC_OK,
                "%s: answer is not JSON", where);
  const char *contains = json_get_str(exp, "messageContains");
  if(contains)
    ck_assert_msg(strstr(json_get_str(got, "message"), contains) != NULL,
                  "%s: message '%s' lacks '%s'", where, json_get_str(got, "message"), contains);
  const cJSON *rb = cJSON_GetObjectItemCaseSensitive(exp, "responseBody");
  if(rb) {
    /* a non-2xx example: a ServiceProblem whose responseBody is the example's JSON text */
    ck_assert(rs->problem);
    const char *text = json_get_str(got, "responseBody");
    ck_assert_msg(text != NULL, "%s: no responseBody", where);
    cJSON *body = cJSON_Parse(text);
    ck_assert_msg(cJSON_Compare(body, rb, 1), "%s: responseBody %s", where, text);
    cJSON_Delete(body);
  }
  const cJSON *objs = cJSON_GetObjectItemCaseSensitive(exp, "objectData");
  if(objs) {
    const cJSON *gobjs = json_get_array(got, "objectData");
    ck_assert_msg(cJSON_GetArraySize(gobjs) == cJSON_GetArraySize(objs),
                  "%s: %d objects, expected %d", where, cJSON_GetArraySize(gobjs),
                  cJSON_GetArraySize(objs));
    ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItem(got, "hasMoreResults")) ==
                  cJSON_IsTrue(cJSON_GetObjectItem(exp, "hasMoreResults")),
                  "%s: hasMoreResults", where);
    for(int i = 0; i < cJSON_GetArraySize(objs); i++) {
      const cJSON *w = cJSON_GetArrayItem(objs, i), *g = cJSON_GetArrayItem(gobjs, i);
      char at[600];
      snprintf(at, sizeof(at), "%s: objectData[%d]", where, i);
      const char *ext = json_get_str(w, "externalId"), *gext = json_get_str(g, "externalId");
      if(ext && !strcmp(ext, "@UUID@"))
        ck_assert_msg(test_is_uuid(gext), "%s: externalId '%s' is not a UUID", at, gext);
      else if(ext)
        ck_assert_msg(gext && !strcmp(ext, gext), "%s: externalId '%s', expected '%s'", at,
                      gext ? gext : "(null)", ext);
      const char *iid = json_get_str(w, "internalId");
      if(iid)
        ck_assert_str_eq(json_get_str(g, "internalId"), iid);
      compare_values(at, g, json_get_object(w, "properties"));
      const cJSON *nested;
      cJSON_ArrayForEach(nested, json_get_object(w, "objects")) {
        const cJSON *p = prop_named(g, nested->string);
        ck_assert_msg(p != NULL, "%s: no property '%s'", at, nested->string);
        const cJSON *child = cJSON_GetArrayItem(json_get_array(p, "objectData"), 0);
        ck_assert_msg(child != NULL, "%s.%s: no nested object", at, nested->string);
        compare_values(at, child, nested);
      }
    }
    if(cJSON_IsTrue(cJSON_GetObjectItem(exp, "distinctExternalIds")))
      for(int i = 0; i < cJSON_GetArraySize(gobjs); i++)
        for(int j = i + 1; j < cJSON_GetArraySize(gobjs); j++)
          ck_assert_str_ne(json_get_str(cJSON_GetArrayItem(gobjs, i), "externalId"),
                           json_get_str(cJSON_GetArrayItem(gobjs, j), "externalId"));
  }
  cJSON_Delete(got);
}

static int run_case(struct worker *w, const char *name)
{
  char path[1200];
  snprintf(path, sizeof(path), "%s/%s/spec.yaml", data_dir(), name);
  char *spec = test_read_file(path, NULL);
  ck_assert_msg(spec != NULL, "cannot read %s", path);
  char *text = replace(spec, "@SERVER@", server);
  test_cache_write(text, name, dir);
  free(spec);
  free(text);
  snprintf(path, sizeof(path), "%s/%s", data_dir(), name);
  DIR *d = opendir(path);
  ck_assert_ptr_nonnull(d);
  struct dirent *de;
  int n = 0;
  while((de = readdir(d))) {
    const char *suffix = strstr(de->d_name, ".request.json");
    if(!suffix || suffix[13])
      continue;
    char base[256];
    snprintf(base, sizeof(base), "%.*s", (int)(suffix - de->d_name), de->d_name);
    char rq_path[1600], exp_path[1600];
    snprintf(rq_path, sizeof(rq_path), "%s/%s", path, de->d_name);
    snprintf(exp_path, sizeof(exp_path), "%s/%s.expect.json", path, base);
    char *rq_text = test_read_file(rq_path, NULL), *exp_text = test_read_file(exp_path, NULL);
    ck_assert_msg(rq_text && exp_text, "%s: request or expectation missing", rq_path);
    char *body = replace(rq_text, "@SCHEMA@", name);
    cJSON *exp = cJSON_Parse(exp_text);
    ck_assert_msg(exp != NULL, "%s is not JSON", exp_path);
    struct http_request rq = { 0 };
    rq.method = !strncmp(base, "save", 4) ? "PUT" : "POST";
    rq.uri = !strncmp(base, "delete", 6) ? "/flow/data/delete" : "/flow/data";
    rq.body = body;
    rq.body_len = strlen(body);
    struct http_response rs = { 0 };
    buf_init(&rs.body);
    worker_handle(w, &rq, &rs);
    char where[400];
    snprintf(where, sizeof(where), "%s/%s", name, base);
    check_answer(where, &rs, exp);
    buf_free(&rs.body);
    cJSON_Delete(exp);
    free(body);
    free(rq_text);
    free(exp_text);
    n++;
  }
  closedir(d);
  return n;
}

static const char *const cases[] = {
  "media-type-wins", "named-example-string", "named-example-number", "example-list",
  "not-found-404", "property-examples", "save-delete"
};

START_TEST(test_example_case)
{
  struct worker_opts o = { 0 };
  o.cache_dir = dir;
  o.cgi = _i % 2;                                 /* FastCGI and CGI caches both */
  o.up.connect_timeout_ms = 1000;
  o.up.timeout_ms = 1000;
  struct worker *w = worker_new(&o);
  ck_assert_ptr_nonnull(w);
  int n = run_case(w, cases[_i / 2]);
  ck_assert_msg(n > 0, "%s: no requests", cases[_i / 2]);
  worker_free(w);
  /* the server URL listens but never accepts: any attempt would be queued here */
  struct sockaddr_in a;
  socklen_t l = sizeof(a);
  int c = accept(trap_fd, (struct sockaddr *)&a, &l);
  ck_assert_msg(c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
                "%s: something connected to the document's server URL", cases[_i / 2]);
}
END_TEST

/* The trap itself works: a connection to it is seen. */
START_TEST(test_trap_sees_connections)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t l = sizeof(a);
  ck_assert_int_eq(getsockname(trap_fd, (struct sockaddr *)&a, &l), 0);
  ck_assert_int_eq(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
  int c = -1;
  for(int i = 0; i < 100 && c < 0; i++) {
    c = accept(trap_fd, NULL, NULL);
    if(c < 0)
      usleep(10000);
  }
  ck_assert_int_ge(c, 0);
  close(c);
  close(s);
}
END_TEST

static void setup(void)
{
  const char *b = getenv("top_builddir");
  snprintf(dir, sizeof(dir), "%s/tests/unit/example-caches.XXXXXX", b ? b : ".");
  if(!mkdtemp(dir)) {
    snprintf(dir, sizeof(dir), "/tmp/example-caches.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
  }
  trap_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  ck_assert_int_eq(bind(trap_fd, (struct sockaddr *)&a, sizeof(a)), 0);
  ck_assert_int_eq(listen(trap_fd, 16), 0);
  ck_assert_int_eq(getsockname(trap_fd, (struct sockaddr *)&a, &l), 0);
  fcntl(trap_fd, F_SETFL, O_NONBLOCK);
  snprintf(server, sizeof(server), "http://127.0.0.1:%d", ntohs(a.sin_port));
  log_level = LOG_ERROR;
}

static void teardown(void)
{
  close(trap_fd);
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[1200];
  while(d && (e = readdir(d)))
    if(e->d_name[0] != '.') {
      snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
      unlink(p);
    }
  if(d)
    closedir(d);
  rmdir(dir);
}

Suite *suite(void)
{
  Suite *s = suite_create("examples");
  TCase *tc = tcase_create("vendor cases");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, test_example_case, 0, (int)(2 * sizeof(cases) / sizeof(cases[0])));
  tcase_add_test(tc, test_trap_sees_connections);
  suite_add_tcase(s, tc);
  return s;
}
