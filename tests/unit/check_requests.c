/* check_requests.c - the worker's requests as data: every folder of tests/data/requests/
 * is one case (tests/data/README.md has the format):
 *
 *   request.json    the Flow request (method, path, headers, body) and the document to
 *                   compile (spec.yaml beside it by default, or a document of the tree)
 *   upstream.json   optional: what the API answers to each call, and what each call must
 *                   have been (method, path, query, headers, body)
 *   response.json   the status and body the worker must answer
 *
 * The API is upstream_server.py on loopback (test_server.h) in script mode: it answers the
 * Nth call with the script's Nth answer and records every request, so a case without
 * upstream.json also proves that nothing was sent. The request goes through worker_handle(),
 * the function the FastCGI and CGI front ends call. OAC_CASE_PRINT=1 prints each answer (to
 * write a new case's response.json; check it by hand before committing it).
 */
#include <check.h>
#include "check_main.h"
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/buf.h"
#include "flow/json.h"
#include "test_cache.h"
#include "test_data.h"
#include "test_server.h"
#include "worker/handler.h"
#include "worker/log.h"

static char **cases;
static int ncases;

static char *read_text(const char *path)
{
  char *t = test_read_file(path, NULL);
  ck_assert_msg(t != NULL, "cannot read %s", path);
  return t;
}

/* The document to compile: NAME relative to the case folder, else to top_srcdir. */
static void document_path(const char *case_dir, const char *name, char *out, size_t size)
{
  snprintf(out, size, "%s/%s", case_dir, name);
  if(td_exists(out))
    return;
  const char *top = getenv("top_srcdir");
  snprintf(out, size, "%s/%s", top && *top ? top : ".", name);
  ck_assert_msg(td_exists(out), "%s: document '%s' not found beside the case or in the tree",
                case_dir, name);
}

/* Adds "configuration": {name: value} as configurationValues to BODY (when it has none). */
static void add_configuration(cJSON *body, const cJSON *conf)
{
  if(!conf || cJSON_GetObjectItem(body, "configurationValues"))
    return;
  cJSON *arr = cJSON_AddArrayToObject(body, "configurationValues");
  const cJSON *c;
  cJSON_ArrayForEach(c, conf) {
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "developerName", c->string);
    if(cJSON_IsString(c))
      cJSON_AddStringToObject(v, "contentValue", c->valuestring);
    else
      cJSON_AddNullToObject(v, "contentValue");
    cJSON_AddStringToObject(v, "contentType", "ContentString");
    cJSON_AddItemToArray(arr, v);
  }
}

static const char *header_of(const cJSON *rq, const char *name)
{
  const cJSON *h;
  cJSON_ArrayForEach(h, cJSON_GetObjectItem(rq, "headers"))
    if(!strcasecmp(h->string, name) && cJSON_IsString(h))
      return h->valuestring;
  return NULL;
}

/* One expected call against the recorded request GOT. */
static void check_call(const char *where, const cJSON *expect, const cJSON *got)
{
  struct buf why;
  buf_init(&why);
  const cJSON *e;
  cJSON_ArrayForEach(e, expect) {
    const cJSON *g;
    int subset = 0;
    cJSON *lower = NULL;
    if(!strcmp(e->string, "headers")) {
      /* header names in any case; values as given (null = must be absent) */
      lower = cJSON_CreateObject();
      const cJSON *h;
      cJSON_ArrayForEach(h, e) {
        char name[256];
        size_t i;
        for(i = 0; h->string[i] && i < sizeof(name) - 1; i++)
          name[i] = (char)tolower((unsigned char)h->string[i]);
        name[i] = '\0';
        cJSON_AddItemToObject(lower, name, cJSON_IsNull(h) ? cJSON_CreateString("@ABSENT@") :
                              cJSON_Duplicate(h, 1));
      }
      g = cJSON_GetObjectItem(got, "headers");
      subset = 1;
    } else if(!strcmp(e->string, "query")) {
      g = cJSON_GetObjectItem(got, "query");
      subset = cJSON_IsTrue(cJSON_GetObjectItem(expect, "queryExact")) ? 0 : 1;
    } else if(!strcmp(e->string, "queryExact") || !strcmp(e->string, "comment"))
      continue;
    else
      g = cJSON_GetObjectItemCaseSensitive(got, e->string);
    int ok = td_json_match(lower ? lower : e, g, subset, &why);
    cJSON_Delete(lower);
    ck_assert_msg(ok, "%s: %s %s", where, e->string, why.data ? why.data : "");
  }
  buf_free(&why);
}

START_TEST(test_request_case)
{
  const char *name = cases[_i];
  char case_dir[2048], path[4096], record[4200], cache_dir[3000];
  snprintf(case_dir, sizeof(case_dir), "%s/%s", td_dir("requests"), name);

  /* the API: the script (or none: every call is unexpected) */
  const char *b = getenv("top_builddir");
  snprintf(cache_dir, sizeof(cache_dir), "%s/tests/unit/requests-%s.XXXXXX", b ? b : ".",
           name);
  if(!mkdtemp(cache_dir)) {
    snprintf(cache_dir, sizeof(cache_dir), "/tmp/requests-%s.XXXXXX", name);
    ck_assert_ptr_nonnull(mkdtemp(cache_dir));
  }
  char script[4200];
  snprintf(script, sizeof(script), "%s/upstream.json", case_dir);
  int has_script = td_exists(script);
  if(!has_script) {
    snprintf(script, sizeof(script), "%s/no-calls.json", cache_dir);
    FILE *f = fopen(script, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"calls\": []}\n", f);
    fclose(f);
  }
  snprintf(record, sizeof(record), "%s/received.json", cache_dir);
  const char *args[] = { "--script", script, "--record", record, NULL };
  struct test_server srv = { 0 };
  test_server_start(&srv, args);
  char upstream[64], registration[512];
  snprintf(upstream, sizeof(upstream), "http://127.0.0.1:%d", srv.port);
  snprintf(registration, sizeof(registration), "https://example.test/%s.yaml", name);

  /* the request, and the document compiled into the cache directory */
  snprintf(path, sizeof(path), "%s/request.json", case_dir);
  const char *sub0[] = { "@UPSTREAM@", upstream };
  cJSON *rqj = td_read_json(path, sub0, 1);
  ck_assert_msg(rqj != NULL, "%s: no request.json", case_dir);
  const char *reg = json_get_str(rqj, "registration");
  if(reg)
    snprintf(registration, sizeof(registration), "%s", reg);
  const char *sub[] = { "@UPSTREAM@", upstream, "@SCHEMA_URL@", registration };
  const char *docname = json_get_str(rqj, "document");
  document_path(case_dir, docname ? docname : "spec.yaml", path, sizeof(path));
  char *doc = read_text(path);
  char *doc2 = td_replace(doc, "@UPSTREAM@", upstream);
  test_cache_write_opts(doc2, registration, path, json_get_str(rqj, "server"), cache_dir);
  free(doc);
  free(doc2);
  cJSON_Delete(rqj);
  /* read again: @SCHEMA_URL@ is known now */
  snprintf(path, sizeof(path), "%s/request.json", case_dir);
  rqj = td_read_json(path, sub, 2);

  cJSON *body = cJSON_Duplicate(cJSON_GetObjectItem(rqj, "body"), 1);
  char *body_text = NULL;
  if(cJSON_IsObject(body)) {
    add_configuration(body, cJSON_GetObjectItem(rqj, "configuration"));
    char *printed = cJSON_PrintUnformatted(body);
    ck_assert_ptr_nonnull(printed);
    body_text = strdup(printed);
    cJSON_free(printed);
  } else if(json_get_str(rqj, "bodyText"))
    body_text = strdup(json_get_str(rqj, "bodyText"));
  struct worker_opts o = { 0 };
  o.cache_dir = cache_dir;
  o.cgi = cJSON_IsTrue(cJSON_GetObjectItem(rqj, "cgi"));
  o.up.connect_timeout_ms = 3000;
  o.up.timeout_ms = 5000;
  struct worker *w = worker_new(&o);
  ck_assert_ptr_nonnull(w);
  struct http_request rq = { 0 };
  rq.method = json_get_str(rqj, "method") ? json_get_str(rqj, "method") : "POST";
  rq.uri = json_get_str(rqj, "path") ? json_get_str(rqj, "path") : "/data";
  rq.authorization = header_of(rqj, "Authorization");
  rq.body = body_text;
  rq.body_len = body_text ? strlen(body_text) : 0;
  struct http_response rs = { 0 };
  buf_init(&rs.body);
  worker_handle(w, &rq, &rs);
  test_server_stop(&srv);
  if(getenv("OAC_CASE_PRINT")) {
    printf("%s: %d %.*s\n", name, rs.status, (int)rs.direct_len, rs.direct);
    fflush(stdout);
  }

  /* the answer */
  snprintf(path, sizeof(path), "%s/response.json", case_dir);
  cJSON *want = td_read_json(path, sub, 2);
  ck_assert_msg(want != NULL, "%s: no response.json", case_dir);
  long status = json_get_long(want, "status", 200);
  ck_assert_msg(rs.status == status, "%s: status %d, expected %ld: %.*s", name, rs.status,
                status, (int)rs.direct_len, rs.direct);
  const cJSON *problem = cJSON_GetObjectItem(want, "problem");
  if(problem)
    ck_assert_msg(rs.problem == cJSON_IsTrue(problem), "%s: the ServiceProblem header is %s",
                  name, rs.problem ? "there" : "missing");
  cJSON *got = NULL;
  struct json_error je;
  ck_assert_msg(json_parse(rs.direct, rs.direct_len, &got, &je) == OAC_OK,
                "%s: the answer is not JSON: %.*s", name, (int)rs.direct_len, rs.direct);
  const cJSON *wb = cJSON_GetObjectItem(want, "body");
  struct buf why;
  buf_init(&why);
  if(wb) {
    const char *m = json_get_str(want, "match");
    int subset = m && !strcmp(m, "subset");
    ck_assert_msg(td_json_match(wb, got, subset, &why), "%s: response body %s\n%.*s", name,
                  why.data, (int)rs.direct_len, rs.direct);
  }

  /* the calls the API received */
  cJSON *script_j = has_script ? td_read_json(script, sub, 2) : NULL;
  const cJSON *calls = cJSON_GetObjectItem(script_j, "calls");
  cJSON *seen = td_read_json(record, NULL, 0);
  ck_assert_msg(seen != NULL, "%s: the server recorded nothing", name);
  ck_assert_msg(cJSON_GetArraySize(seen) == cJSON_GetArraySize(calls),
                "%s: the API received %d calls, upstream.json has %d: %s", name,
                cJSON_GetArraySize(seen), cJSON_GetArraySize(calls),
                cJSON_PrintUnformatted(seen));
  for(int i = 0; i < cJSON_GetArraySize(calls); i++) {
    char where[600];
    snprintf(where, sizeof(where), "%s: call %d", name, i + 1);
    check_call(where, cJSON_GetObjectItem(cJSON_GetArrayItem(calls, i), "expect"),
               cJSON_GetArrayItem(seen, i));
  }

  buf_free(&why);
  cJSON_Delete(seen);
  cJSON_Delete(script_j);
  cJSON_Delete(got);
  cJSON_Delete(want);
  buf_free(&rs.body);
  worker_free(w);
  free(body_text);
  cJSON_Delete(body);
  cJSON_Delete(rqj);
  test_rm_dir(cache_dir);
}
END_TEST

Suite *suite(void)
{
  if(test_server_find()) {
    check_skip("python3 or tests/unit/upstream_server.py not found (the API of these "
               "cases is that loopback server)");
    return NULL;
  }
  test_server_environment();
  log_level = LOG_ERROR;
  ncases = td_cases("requests", &cases);
  check_at_end(td_cases_free);
  if(!ncases) {
    fprintf(stderr, "no request cases under %s\n", td_dir("requests"));
    return NULL;
  }
  Suite *s = suite_create("requests");
  TCase *tc = tcase_create("cases");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_request_case, 0, ncases);
  suite_add_tcase(s, tc);
  return s;
}
