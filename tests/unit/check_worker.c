/* check_worker.c - the request handler as Flow sees it: routing, describe, health, errors,
 * tolerant request parsing, cache selection and reload, and how upstream calls are built
 * (seen through the 502 a closed upstream port gives, whose message shows the URL).
 * Calls worker_handle() directly; the integration tests drive the real program.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "test_cache.h"
#include "worker/handler.h"
#include "flow/json.h"
#include "worker/log.h"
#include "common/arena.h"
#include "flow/problem.h"
#include "flow/request.h"

static char dir[256];
static int closed_port;

static const char REG[] = "https://example.test/pets.yaml";


static char *doc_text(const char *title)
{
  static char text[8192];
  snprintf(text, sizeof(text),
    "openapi: 3.0.3\n"
    "info: {title: '%s', version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:%d/v1'}]\n"
    "components:\n"
    "  securitySchemes:\n"
    "    key: {type: apiKey, in: query, name: api_key}\n"
    "    hkey: {type: apiKey, in: header, name: X-Key}\n"
    "    oauth:\n"
    "      type: oauth2\n"
    "      flows: {authorizationCode: {authorizationUrl: 'https://id.example/a?x=1', "
    "tokenUrl: 'http://127.0.0.1:%d/t', scopes: {read: '', write: ''}}}\n"
    "      x-flow-identity: {me: {userInfoUrl: 'https://id.example/me', userId: id}}\n"
    "  schemas:\n"
    "    Pet:\n"
    "      x-flow-type: {name: Pet}\n"
    "      x-flow-load: {path: '/pets/{id}', operation: get, parameters: {id: id, "
    "X-User: $User.FirstName}}\n"
    "      x-flow-query:\n"
    "        path: /pets\n"
    "        operation: get\n"
    "        parameters: {_limit: limit, owner: $User.Email, tag: {default: 'a b'}, "
    "where: {status: status}}\n"
    "      x-flow-save: {path: /pets, operation: post}\n"
    "      x-flow-delete: {path: '/pets/{id}', operation: delete, parameters: {id: externalId}}\n"
    "      type: object\n"
    "      properties:\n"
    "        id: {type: integer, readOnly: true}\n"
    "        name: {type: string}\n"
    "        status: {type: string}\n"
    "    Owner:\n"
    "      x-flow-type: {name: Owner}\n"
    "      x-flow-load:\n"
    "        path: '/owners/{id}'\n"
    "        operation: get\n"
    "        parameters: {id: id, X-Trace: {property: name}}\n"
    "      x-flow-save: {path: /owners, operation: post}\n"
    "      type: object\n"
    "      properties:\n"
    "        id: {type: string}\n"
    "        name: {type: string}\n"
    "paths:\n"
    "  /pets:\n"
    "    get:\n"
    "      security: [{key: []}]\n"
    "      parameters:\n"
    "        - {name: owner, in: query, schema: {type: string}}\n"
    "        - {name: tag, in: header, schema: {type: string}}\n"
    "      responses: {'200': {description: ok}}\n"
    "    post:\n"
    "      security: [{oauth: []}]\n"
    "      responses: {'201': {description: ok}}\n"
    "  /pets/{id}:\n"
    "    get:\n"
    "      security: [{hkey: []}, {key: []}]\n"
    "      parameters:\n"
    "        - {name: id, in: path, required: true, schema: {type: string}}\n"
    "        - {name: X-User, in: header, schema: {type: string}}\n"
    "      responses: {'200': {description: ok}}\n"
    "    delete:\n"
    "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
    "      responses: {'200': {description: ok}}\n"
    "  /owners/{id}:\n"
    "    get:\n"
    "      parameters:\n"
    "        - {name: id, in: path, required: true, schema: {type: string}}\n"
    "        - {name: X-Trace, in: header, schema: {type: string}}\n"
    "      responses: {'200': {description: ok}}\n",
    title, closed_port, closed_port);
  return text;
}


static void setup(void)
{
  const char *b = getenv("top_builddir");
  snprintf(dir, sizeof(dir), "%s/tests/unit/worker-caches.XXXXXX", b ? b : ".");
  if(!mkdtemp(dir)) {
    snprintf(dir, sizeof(dir), "/tmp/worker-caches.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
  }
  closed_port = test_closed_port();
  test_cache_write(doc_text("Pets one"), REG, dir);
  log_level = LOG_ERROR;          /* keep the test log readable */
}

static void teardown(void)
{
  test_rm_dir(dir);
}

static struct worker *new_worker(int cgi, const char *prefix)
{
  struct worker_opts o = { 0 };
  o.cache_dir = dir;
  o.prefix = prefix;
  o.cgi = cgi;
  o.up.connect_timeout_ms = 2000;
  o.up.timeout_ms = 3000;
  o.status = 1;                   /* §16.4: /status for the tests' 127.0.0.1 */
  struct worker *w = worker_new(&o);
  ck_assert_ptr_nonnull(w);
  return w;
}

static const char *remote = "127.0.0.1";      /* REMOTE_ADDR of call() */

struct answer {
  struct http_response rs;
  cJSON *json;
};

static void call(struct worker *w, const char *method, const char *uri, const char *body,
                 const char *auth, struct answer *a)
{
  struct http_request rq = { 0 };
  rq.method = method;
  rq.uri = uri;
  rq.body = body;
  rq.body_len = body ? strlen(body) : 0;
  rq.authorization = auth;
  rq.remote_addr = remote;
  buf_init(&a->rs.body);
  worker_handle(w, &rq, &a->rs);
  struct json_error je;
  a->json = NULL;
  ck_assert_msg(json_parse(a->rs.direct, a->rs.direct_len, &a->json, &je) == OAC_OK,
                "answer is not JSON: %s", a->rs.direct);
  if(a->rs.problem) {
    /* flow-protocol.md §4.12: the documented ServiceProblem fields */
    ck_assert_str_eq(json_get_str(a->json, "kind"), "service");
    ck_assert_int_eq(json_get_long(a->json, "statusCode", 0), a->rs.status);
    ck_assert_ptr_nonnull(json_get_str(a->json, "message"));
    ck_assert_ptr_nonnull(json_get_str(a->json, "uri"));
  }
}

static void answer_free(struct answer *a)
{
  cJSON_Delete(a->json);
  buf_free(&a->rs.body);
}

static const char *msg(const struct answer *a)
{
  const char *m = json_get_str(a->json, "message");
  return m ? m : "";
}

#define ASSERT_HAS(hay, needle) \
  ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' not in '%s'", (needle), (hay))

/* A request body with the Schema URL (and an API key) and the given tail. */
static const char *req(const char *schema, const char *tail)
{
  static char b[4096];
  snprintf(b, sizeof(b), "{\"configurationValues\":[{\"developerName\":\"Schema URL\","
           "\"contentValue\":\"%s\"},{\"developerName\":\"API Key\",\"contentValue\":"
           "\"k-SECRET\"}]%s%s}", schema, tail && *tail ? "," : "", tail ? tail : "");
  return b;
}

START_TEST(test_routing_suffix)
{
  struct worker *w = new_worker(0, NULL);
  static const struct { const char *m, *uri; int status; } cases[] = {
    { "POST", "/metadata", 200 },
    { "POST", "/api/openapi/metadata", 200 },
    { "POST", "/api/openapi/metadata/", 200 },
    { "POST", "/api/openapi/metadata?x=1", 200 },
    { "POST", "/api/openapi/metadata/install", 200 },
    { "GET", "/x/health", 200 },
    { "POST", "/x/mymetadata", 404 },        /* only at a '/' boundary */
    { "POST", "/x/metadata/other", 404 },
    { "GET", "/x/metadata", 405 },
    { "GET", "/x/data", 405 },
    { "DELETE", "/x/data/delete", 405 },
    { "POST", "/", 404 },
    { "POST", "", 404 },
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct answer a;
    call(w, cases[i].m, cases[i].uri, "{}", NULL, &a);
    ck_assert_msg(a.rs.status == cases[i].status, "%s %s: %d, expected %d", cases[i].m,
                  cases[i].uri, a.rs.status, cases[i].status);
    ck_assert_int_eq(a.rs.problem, cases[i].status != 200);
    if(cases[i].status == 405)
      ck_assert_ptr_nonnull(a.rs.allow);
    answer_free(&a);
  }
  /* /data/delete is not taken for /data, nor the reverse: a delete without a type names
   * "delete", a load "load" */
  struct answer a;
  call(w, "POST", "/x/data/delete", req(REG, NULL), NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "delete");
  answer_free(&a);
  call(w, "POST", "/x/data", req(REG, NULL), NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "load");
  answer_free(&a);
  worker_free(w);
}
END_TEST

START_TEST(test_routing_prefix)
{
  struct worker *w = new_worker(0, "/api/openapi/");
  struct answer a;
  call(w, "POST", "/api/openapi/metadata", "{}", NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  answer_free(&a);
  call(w, "POST", "/other/metadata", "{}", NULL, &a);      /* outside the prefix */
  ck_assert_int_eq(a.rs.status, 404);
  answer_free(&a);
  call(w, "POST", "/api/openapi/x/metadata", "{}", NULL, &a);  /* exact after the prefix */
  ck_assert_int_eq(a.rs.status, 404);
  answer_free(&a);
  /* CGI without REQUEST_URI: PATH_INFO */
  struct http_request rq = { 0 };
  rq.method = "GET";
  rq.path_info = "/api/openapi/health";
  buf_init(&a.rs.body);
  worker_handle(w, &rq, &a.rs);
  ck_assert_int_eq(a.rs.status, 200);
  buf_free(&a.rs.body);
  worker_free(w);
}
END_TEST

static void check_config_values(const cJSON *d)
{
  /* product.md §4: seven values in this order, only Schema URL required; both spellings of
   * the required flag and the order (flow-protocol.md §12) */
  static const char *const names[] = {
    "Schema URL", "API Key", "OAuth2/OIDC: Client Id", "OAuth2/OIDC: Client Secret",
    "Authorization Groups", "Authorization Users", "Server"
  };
  const cJSON *cv = json_get_array(d, "configurationValues");
  ck_assert_int_eq(cJSON_GetArraySize(cv), 7);
  for(int i = 0; i < 7; i++) {
    const cJSON *v = cJSON_GetArrayItem(cv, i);
    ck_assert_str_eq(json_get_str(v, "developerName"), names[i]);
    ck_assert_str_eq(json_get_str(v, "contentType"), "ContentString");
    ck_assert_int_eq(json_get_long(v, "ordinal", -1), i);
    ck_assert_int_eq(json_get_long(v, "order", -1), i);
    ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItem(v, "required")), i == 0);
    ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItem(v, "isRequired")), i == 0);
  }
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(d, "providesDatabase")));
  ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(d, "providesLogic")));
  ck_assert_int_eq(cJSON_GetArraySize(json_get_array(d, "actions")), 0);
}

START_TEST(test_describe)
{
  struct worker *w = new_worker(_i, NULL);
  struct answer a;
  /* the first install: no configuration values at all (flow-protocol.md §6.1) */
  call(w, "POST", "/metadata", "{\"culture\":null,\"uri\":\"https://x\","
       "\"configurationValues\":null}", NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  check_config_values(a.json);
  ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(a.json, "providesIdentity")));
  ck_assert_int_eq(cJSON_GetArraySize(json_get_array(json_get_object(a.json, "install"),
                                                     "typeElements")), 0);
  answer_free(&a);
  /* an empty body is a describe without values too */
  call(w, "POST", "/metadata", "", NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  answer_free(&a);
  /* with the Schema URL (key spelled in another case, value with blanks): the types */
  call(w, "POST", "/metadata/install", "{\"ConfigurationValues\":[{\"DeveloperName\":"
       "\" schema url \",\"contentValue\":\"  https://example.test/pets.yaml \","
       "\"contentType\":null,\"objectData\":null,\"unknownKey\":[1,2]}]}", NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  check_config_values(a.json);
  const cJSON *types = json_get_array(json_get_object(a.json, "install"), "typeElements");
  ck_assert_int_eq(cJSON_GetArraySize(types), 2);
  int pet = 0;
  const cJSON *t;
  cJSON_ArrayForEach(t, types) {
    ck_assert_str_eq(json_get_str(t, "elementType"), "TYPE");
    if(!strcmp(json_get_str(t, "developerName"), "Pet")) {
      pet = 1;
      const cJSON *b = cJSON_GetArrayItem(json_get_array(t, "bindings"), 0);
      ck_assert_str_eq(json_get_str(b, "databaseTableName"), "Pet");
      ck_assert_int_eq(cJSON_GetArraySize(json_get_array(t, "properties")), 3);
    }
  }
  ck_assert(pet);
  answer_free(&a);
  /* an unknown Schema URL: 400 naming the command that compiles it */
  call(w, "POST", "/metadata", req("https://example.test/other.yaml", NULL), NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "openapi-connector-compile");
  ASSERT_HAS(msg(&a), "https://example.test/other.yaml");
  answer_free(&a);
  worker_free(w);
}
END_TEST

START_TEST(test_health)
{
  struct worker *w = new_worker(_i, NULL);
  struct answer a;
  call(w, "GET", "/health", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  ck_assert_str_eq(json_get_str(a.json, "status"), "ok");
  ck_assert_str_eq(json_get_str(a.json, "version"), PACKAGE_VERSION);
  ck_assert_int_eq(json_get_long(a.json, "caches", -1), 1);
  ck_assert_int_eq(json_get_long(a.json, "cachesRefused", -1), 0);
  /* §16.4: no paths, no Schema URLs */
  ck_assert_ptr_null(strstr(a.rs.direct, "example.test"));
  ck_assert_ptr_null(strstr(a.rs.direct, "worker-caches"));
  answer_free(&a);
  /* /status has the caches */
  call(w, "GET", "/status", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  const cJSON *c = cJSON_GetArrayItem(json_get_array(a.json, "caches"), 0);
  ck_assert_str_eq(json_get_str(c, "registration"), REG);
  ck_assert_str_eq(json_get_str(c, "title"), "Pets one");
  ck_assert_int_eq(json_get_long(c, "types", 0), 2);
  ck_assert_ptr_nonnull(json_get_str(c, "compiled"));
  ck_assert_ptr_nonnull(json_get_str(c, "sourceChecksum"));
  ck_assert_ptr_null(strstr(a.rs.direct, "worker-caches"));
  answer_free(&a);
  /* a caller outside --status-allow (default loopback): the 404 of an unknown path */
  remote = "192.0.2.7";
  call(w, "GET", "/status", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 404);
  answer_free(&a);
  call(w, "POST", "/metrics", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 404);
  answer_free(&a);
  remote = "::ffff:127.0.0.1";
  call(w, "GET", "/status", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  answer_free(&a);
  remote = "127.0.0.1";
  /* a refused cache beside the good one: still 200, counted */
  char bad[600];
  snprintf(bad, sizeof(bad), "%s/0000000000000bad.cache", dir);
  FILE *f = fopen(bad, "wb");
  ck_assert_ptr_nonnull(f);
  fputs("OACACHE\x1a this is not a cache", f);
  fclose(f);
  worker_recheck_caches(w);
  call(w, "GET", "/health", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  ck_assert_int_eq(json_get_long(a.json, "cachesRefused", -1), 1);
  answer_free(&a);
  worker_free(w);
  /* --health-strict: the refused cache makes it a 503 */
  struct worker_opts o = { 0 };
  o.cache_dir = dir;
  o.cgi = _i;
  o.health_strict = 1;
  w = worker_new(&o);
  call(w, "GET", "/health", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 503);
  ck_assert_ptr_nonnull(strstr(json_get_str(a.json, "reason"), "refused"));
  answer_free(&a);
  /* --status off: /status is an unknown path */
  call(w, "GET", "/status", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 404);
  answer_free(&a);
  worker_free(w);
  /* a missing directory: 503 naming no path */
  char missing[600];
  snprintf(missing, sizeof(missing), "%s/missing", dir);
  o.cache_dir = missing;
  o.health_strict = 0;
  w = worker_new(&o);
  call(w, "GET", "/health", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 503);
  ck_assert_str_eq(json_get_str(a.json, "reason"), "the cache directory is missing");
  ck_assert_ptr_null(strstr(a.rs.direct, "worker-caches"));
  answer_free(&a);
  worker_free(w);
  /* no usable cache: 503 */
  unlink(bad);
  mkdir(missing, 0755);
  w = worker_new(&o);
  call(w, "GET", "/health", NULL, NULL, &a);
  ck_assert_int_eq(a.rs.status, 503);
  ck_assert_ptr_nonnull(strstr(json_get_str(a.json, "reason"), "no cache"));
  answer_free(&a);
  worker_free(w);
  rmdir(missing);
}
END_TEST

START_TEST(test_bad_requests)
{
  struct worker *w = new_worker(0, NULL);
  struct answer a;
  static const struct { const char *body; const char *word; } cases[] = {
    { "{\"configurationValues\":", "invalid JSON" },
    { "[1,2]", "object" },
    { "{} {}", "invalid JSON" },
    { "{\"configurationValues\":[]}", "Schema URL" },
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    call(w, "POST", "/data", cases[i].body, NULL, &a);
    ck_assert_int_eq(a.rs.status, 400);
    ASSERT_HAS(msg(&a), cases[i].word);
    answer_free(&a);
  }
  /* nested deeper than the limit: a 400, not a crash */
  struct buf deep;
  buf_init(&deep);
  buf_puts(&deep, "{\"listFilter\":");
  for(int i = 0; i < 100000; i++)
    buf_putc(&deep, '[');
  call(w, "POST", "/data", deep.data, NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "nested");
  answer_free(&a);
  buf_free(&deep);
  /* the type: missing, unknown */
  call(w, "POST", "/data", req(REG, "\"objectDataType\":{\"developerName\":null}"), NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "objectDataType.developerName");
  answer_free(&a);
  call(w, "POST", "/data", req(REG, "\"objectDataType\":{\"developerName\":\"Nope\"}"), NULL,
       &a);
  ck_assert_int_eq(a.rs.status, 404);
  ASSERT_HAS(msg(&a), "Nope");
  answer_free(&a);
  /* an operation the type lacks: Owner has no query, Owner no delete */
  call(w, "POST", "/data", req(REG, "\"objectDataType\":{\"developerName\":\"Owner\"}"), NULL,
       &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "x-flow-query");
  answer_free(&a);
  call(w, "POST", "/data/delete", req(REG, "\"objectDataType\":{\"developerName\":\"Owner\"},"
       "\"objectData\":[{\"externalId\":\"1\"}]"), NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "x-flow-delete");
  answer_free(&a);
  /* a body over the limit */
  struct http_request rq = { 0 };
  rq.method = "POST";
  rq.uri = "/data";
  rq.body_too_large = 1;
  buf_init(&a.rs.body);
  worker_handle(w, &rq, &a.rs);
  ck_assert_int_eq(a.rs.status, 413);
  ck_assert(a.rs.problem);
  buf_free(&a.rs.body);
  worker_free(w);
}
END_TEST

/* The URL a load builds, read from the 502 of the closed upstream port. */
START_TEST(test_upstream_url)
{
  struct worker *w = new_worker(0, NULL);
  struct answer a;
  char expect[256];
  const char *auth = "ManyWhoTenantId%3Dt%26Email%3Dann%40example.com%26UserId%3Du1%26"
                     "Token%3Dtok%26FirstName%3DAnn";
  /* load by id: the id is one encoded path segment, the API key in the header (the first
   * alternative) - so nothing secret in the URL */
  call(w, "POST", "/data", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"},"
       "\"listFilter\":{\"id\":\"../a?b#c/%2f\"}"), auth, &a);
  ck_assert_int_eq(a.rs.status, 502);
  snprintf(expect, sizeof(expect), "GET http://127.0.0.1:%d/v1/pets/..%%2Fa%%3Fb%%23c%%2F%%252f:",
           closed_port);
  ASSERT_HAS(msg(&a), expect);
  ck_assert_ptr_null(strstr(a.rs.direct, "k-SECRET"));
  answer_free(&a);
  /* a query: the API key goes into the query, and is left out of the message; $User.Email
   * from the Authorization header; the where EQUAL on status pushed; limit pushed */
  call(w, "POST", "/data", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"},"
       "\"listFilter\":{\"limit\":5,\"comparisonType\":\"AND\",\"where\":[{\"columnName\":"
       "\"status\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"sold out\"}]}"), auth, &a);
  ck_assert_int_eq(a.rs.status, 502);
  snprintf(expect, sizeof(expect), "GET http://127.0.0.1:%d/v1/pets?", closed_port);
  ASSERT_HAS(msg(&a), expect);
  ASSERT_HAS(msg(&a), "_limit=5");
  ASSERT_HAS(msg(&a), "owner=ann%40example.com");
  ASSERT_HAS(msg(&a), "status=sold%20out");
  ck_assert_ptr_null(strstr(msg(&a), "api_key"));
  ck_assert_ptr_null(strstr(a.rs.direct, "k-SECRET"));
  answer_free(&a);
  /* a local criterion besides: paging is no longer pushed */
  call(w, "POST", "/data", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"},"
       "\"listFilter\":{\"limit\":5,\"where\":[{\"columnName\":\"name\",\"criteriaType\":"
       "\"CONTAINS\",\"contentValue\":\"o\"}]}"), auth, &a);
  ck_assert_int_eq(a.rs.status, 502);
  ck_assert_ptr_null(strstr(msg(&a), "_limit"));
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* servers (§13.7): the request's Server picks one of the document-level servers (trimmed,
 * a trailing '/' ignored, empty = the first); a plan with its own servers calls the entry
 * at the same index, else its first; any other value is a 400 listing the allowed ones,
 * before anything connects. Every URL is a closed loopback port: the 502 message shows
 * the URL called. */
static const char REG_SERVERS[] = "https://example.test/servers.yaml";

static void server_call(struct worker *w, const char *server, const char *tail,
                        struct answer *a)
{
  char body[2048];
  snprintf(body, sizeof(body), "{\"configurationValues\":[{\"developerName\":\"Schema URL\","
           "\"contentValue\":\"%s\"},{\"developerName\":\"server\",\"contentValue\":%s%s%s}],"
           "\"objectDataType\":{\"developerName\":\"Pet\"},%s}", REG_SERVERS,
           server ? "\"" : "", server ? server : "null", server ? "\"" : "", tail);
  call(w, "POST", "/data", body, NULL, a);
}

START_TEST(test_server_selection)
{
  char text[2048], expect[256], sv[128];
  int p = closed_port;
  snprintf(text, sizeof(text),
    "openapi: 3.0.3\n"
    "info: {title: servers, version: '1'}\n"
    "servers:\n"
    "  - url: 'http://127.0.0.1:%d/{ver}/'\n"
    "    variables: {ver: {default: v1, enum: [v1, v2]}}\n"
    "  - url: 'http://localhost:%d/sandbox'\n"
    "paths:\n"
    "  /pets:\n"
    "    servers: [{url: 'http://127.0.0.1:%d/p1'}, {url: 'http://127.0.0.1:%d/p2'}]\n"
    "    get: {responses: {'200': {description: ok}}}\n"
    "  /pets/{id}:\n"
    "    get:\n"
    "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
    "      responses: {'200': {description: ok}}\n"
    "components:\n"
    "  schemas:\n"
    "    Pet:\n"
    "      x-flow-type: {name: Pet}\n"
    "      x-flow-load: {path: '/pets/{id}', operation: get, parameters: {id: id}}\n"
    "      x-flow-query: {path: /pets, operation: get}\n"
    "      type: object\n"
    "      properties: {id: {type: string}}\n", p, p, p, p);
  test_cache_write(text, REG_SERVERS, dir);
  static const char by_id[] = "\"listFilter\":{\"id\":\"7\"}";
  static const char query[] = "\"listFilter\":{\"limit\":5}";
  for(int cgi = 0; cgi < 2; cgi++) {
    struct worker *w = new_worker(cgi, NULL);
    struct answer a;
    static const struct { const char *server; const char *load_at, *query_at; } cases[] = {
      { NULL, "127.0.0.1:%d/v1", "127.0.0.1:%d/p1" },
      { "", "127.0.0.1:%d/v1", "127.0.0.1:%d/p1" },
      { " http://127.0.0.1:%d/v2/ ", "127.0.0.1:%d/v2", "127.0.0.1:%d/p2" },
      { "http://localhost:%d/sandbox", "localhost:%d/sandbox", "127.0.0.1:%d/p1" },
    };
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
      if(cases[i].server)
        snprintf(sv, sizeof(sv), cases[i].server, p);
      server_call(w, cases[i].server ? sv : NULL, by_id, &a);
      ck_assert_int_eq(a.rs.status, 502);
      snprintf(expect, sizeof(expect), "GET http://%s/pets/7:", cases[i].load_at);
      char e2[256];
      snprintf(e2, sizeof(e2), expect, p);
      ASSERT_HAS(msg(&a), e2);
      answer_free(&a);
      server_call(w, cases[i].server ? sv : NULL, query, &a);
      ck_assert_int_eq(a.rs.status, 502);
      snprintf(expect, sizeof(expect), "GET http://%s/pets", cases[i].query_at);
      snprintf(e2, sizeof(e2), expect, p);
      ASSERT_HAS(msg(&a), e2);
      answer_free(&a);
    }
    /* anything else (case counts): a 400 that lists the allowed servers */
    static const char *const bad[] = { "http://evil.example", "http://127.0.0.1:%d/v3",
                                       "HTTP://127.0.0.1:%d/v1" };
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      snprintf(sv, sizeof(sv), bad[i], p);
      server_call(w, sv, by_id, &a);
      ck_assert_int_eq(a.rs.status, 400);
      ASSERT_HAS(msg(&a), "'Server'");
      snprintf(expect, sizeof(expect), "http://127.0.0.1:%d/v1, http://127.0.0.1:%d/v2, "
               "http://localhost:%d/sandbox", p, p, p);
      ASSERT_HAS(msg(&a), expect);
      answer_free(&a);
    }
    worker_free(w);
  }
  /* compiled with --server: its URL goes first, and the path-level list keeps the index
   * among the document's own servers (v2 -> p2, not p1); --server's URL itself has no
   * counterpart there: the operation's first */
  char local[128];
  snprintf(local, sizeof(local), "http://127.0.0.1:%d/local", p);
  test_cache_write_opts(text, REG_SERVERS, NULL, local, dir);
  struct worker *w = new_worker(0, NULL);
  static const struct { const char *server; const char *query_at; } opt_cases[] = {
    { "", "p1" }, { "http://127.0.0.1:%d/local", "p1" }, { "http://127.0.0.1:%d/v1", "p1" },
    { "http://127.0.0.1:%d/v2", "p2" }, { "http://localhost:%d/sandbox", "p1" },
  };
  for(size_t i = 0; i < sizeof(opt_cases) / sizeof(opt_cases[0]); i++) {
    struct answer a;
    snprintf(sv, sizeof(sv), opt_cases[i].server, p);
    server_call(w, sv, query, &a);
    ck_assert_int_eq(a.rs.status, 502);
    snprintf(expect, sizeof(expect), "GET http://127.0.0.1:%d/%s/pets", p,
             opt_cases[i].query_at);
    ASSERT_HAS(msg(&a), expect);
    answer_free(&a);
  }
  worker_free(w);
  /* 40 servers do not fit in the 500 characters Flow shows: the 400 lists what fits and
   * says how many more, never a list that looks whole */
  struct buf many;
  buf_init(&many);
  buf_printf(&many, "openapi: 3.0.3\ninfo: {title: many, version: '1'}\nservers:\n"
             "  - url: 'http://127.0.0.1:%d/a-rather-long-tenant-prefix/{t}'\n"
             "    variables: {t: {default: t00, enum: [", p);
  for(int i = 0; i < 40; i++)
    buf_printf(&many, "%st%02d", i ? ", " : "", i);
  buf_puts(&many, "]}}\npaths: {}\ncomponents:\n  schemas:\n    Pet:\n"
           "      x-flow-type: {name: Pet}\n      type: object\n"
           "      properties: {id: {type: string}}\n");
  ck_assert(!buf_failed(&many));
  test_cache_write(many.data, REG_SERVERS, dir);
  buf_free(&many);
  w = new_worker(0, NULL);
  struct answer a;
  server_call(w, "http://evil.example", query, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "more (openapi-connector-compile --list shows them all)");
  snprintf(expect, sizeof(expect), "http://127.0.0.1:%d/a-rather-long-tenant-prefix/t00", p);
  ASSERT_HAS(msg(&a), expect);
  answer_free(&a);
  worker_free(w);
}
END_TEST

START_TEST(test_user_and_security)
{
  struct worker *w = new_worker(0, NULL);
  struct answer a;
  /* $User.Email without an Authorization header: 400 naming it */
  call(w, "POST", "/data", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"}"), NULL,
       &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "$User.Email");
  answer_free(&a);
  /* a header value from the request with CR/LF is refused: FirstName is "a\r\nX-Evil: 1" */
  call(w, "POST", "/data", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"},"
       "\"listFilter\":{\"id\":\"1\"}"), "UserId%3Du%26FirstName%3Da%0D%0AX-Evil%3A%201",
       &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "line break");
  answer_free(&a);
  /* an operation whose only security is OAuth 2.0, for the public user: 401 */
  call(w, "PUT", "/data", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"},"
       "\"objectData\":[{\"internalId\":\"i1\",\"externalId\":null,\"developerName\":\"Pet\","
       "\"properties\":[{\"developerName\":\"name\",\"contentValue\":\"Rex\"}]}]"),
       "UserId%3DPUBLIC_USER%26Token%3DNONE", &a);
  ck_assert_int_eq(a.rs.status, 401);
  ASSERT_HAS(msg(&a), "sign");
  answer_free(&a);
  /* a delete without the external ID the path needs: 400 naming the parameter */
  call(w, "POST", "/data/delete", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"},"
       "\"objectData\":[{\"internalId\":\"i1\",\"externalId\":\"\",\"developerName\":\"Pet\"}]"),
       NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "'id'");
  answer_free(&a);
  /* a batch whose second object lacks it: the same 400 before the first call (which would
   * have been a 502 from the closed port), nothing sent */
  call(w, "POST", "/data/delete", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"},"
       "\"objectData\":[{\"internalId\":\"i1\",\"externalId\":\"1\",\"developerName\":\"Pet\"},"
       "{\"internalId\":\"i2\",\"externalId\":\"\",\"developerName\":\"Pet\"}]"),
       NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "objectData[1]");
  ASSERT_HAS(msg(&a), "nothing was sent");
  answer_free(&a);
  /* a delete whose call fails (the API's port is closed): the 502, and the loop stops there
   * (nothing was deleted), it does not take the failure for a deletion */
  call(w, "POST", "/data/delete", req(REG, "\"objectDataType\":{\"developerName\":\"Pet\"},"
       "\"objectData\":[{\"internalId\":\"i1\",\"externalId\":\"1\",\"developerName\":\"Pet\"}]"),
       NULL, &a);
  ck_assert_int_eq(a.rs.status, 502);
  ASSERT_HAS(msg(&a), "nothing was deleted");
  answer_free(&a);
  worker_free(w);
}
END_TEST

static const char *health_title(struct worker *w)
{
  static char title[64];
  struct answer a;
  call(w, "GET", "/status", NULL, NULL, &a);
  const cJSON *c = cJSON_GetArrayItem(json_get_array(a.json, "caches"), 0);
  snprintf(title, sizeof(title), "%s", c ? json_get_str(c, "title") : "(none)");
  answer_free(&a);
  return title;
}

START_TEST(test_reload)
{
  struct worker *w = new_worker(0, NULL);
  ck_assert_str_eq(health_title(w), "Pets one");
  /* a recompiled document replaces the file (rename): picked up without a restart */
  const char *path = test_cache_write(doc_text("Pets two"), REG, dir);
  worker_recheck_caches(w);
  ck_assert_str_eq(health_title(w), "Pets two");
  /* a corrupt file in its place: refused, the previous one keeps serving */
  char tmp[600];
  snprintf(tmp, sizeof(tmp), "%s.new", path);
  FILE *f = fopen(tmp, "wb");
  ck_assert_ptr_nonnull(f);
  fputs("OACACHE\x1a this is not a cache", f);
  fclose(f);
  ck_assert_int_eq(rename(tmp, path), 0);
  worker_recheck_caches(w);
  ck_assert_str_eq(health_title(w), "Pets two");
  struct answer a;
  call(w, "POST", "/metadata", req(REG, NULL), NULL, &a);
  ck_assert_int_eq(a.rs.status, 200);
  answer_free(&a);
  worker_free(w);
  /* a new process (CGI) has no previous one: 503 naming the compile command */
  w = new_worker(1, NULL);
  call(w, "POST", "/metadata", req(REG, NULL), NULL, &a);
  ck_assert_int_eq(a.rs.status, 503);
  ASSERT_HAS(msg(&a), "openapi-connector-compile");
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* The worker's JSON parser (json.c): what cJSON would build, plus the number texts. */
/* The value of property NAME of the first object of an ObjectDataResponse. */
static const char *first_prop(const cJSON *d, const char *name)
{
  const cJSON *o = cJSON_GetArrayItem(json_get_array(d, "objectData"), 0), *p;
  cJSON_ArrayForEach(p, json_get_array(o, "properties"))
    if(!strcmp(json_get_str(p, "developerName"), name))
      return json_get_str(p, "contentValue");
  return NULL;
}

/* flow-protocol.md §3.2 headers: the public user, and a signed-in one */
#define PUBLIC_USER "UserId%3DPUBLIC_USER%26Token%3DNONE"
#define ANN "UserId%3Du-ann%26Token%3Dtok%26Email%3Dann%40example.com%26PrimaryGroupId%3Dg1"

START_TEST(test_identity_authorization)
{
  struct worker *w = new_worker(0, NULL);
  struct answer a;
  static const struct {
    const char *rules, *user, *status;
    int ann;
  } cases[] = {
    { "\"globalAuthenticationType\":\"PUBLIC\"", PUBLIC_USER, "200", 0 },
    { "\"globalAuthenticationType\":\"ALL_USERS\"", PUBLIC_USER, "401", 0 },
    { "\"globalAuthenticationType\":\"ALL_USERS\"", ANN, "200", 1 },
    { "\"globalAuthenticationType\":\"ALL_USERS\"", NULL, "401", 0 },
    { "\"globalAuthenticationType\":\"SPECIFIED\",\"users\":[{\"authenticationId\":\"u-ann\"}]",
      ANN, "200", 1 },
    { "\"globalAuthenticationType\":\"SPECIFIED\",\"users\":[{\"authenticationId\":\"u-bob\"}],"
      "\"groups\":[{\"authenticationId\":\"g1\"}]", ANN, "200", 1 },
    { "\"globalAuthenticationType\":\"SPECIFIED\",\"users\":[{\"authenticationId\":\"u-bob\"}],"
      "\"groups\":null", ANN, "401", 1 },
    { "\"globalAuthenticationType\":\"SPECIFIED\",\"users\":[{\"authenticationId\":\"u-ann\"}]",
      PUBLIC_USER, "401", 0 },
    /* a rule type nobody knows lets nobody in */
    { "\"globalAuthenticationType\":\"SOMETIMES\"", ANN, "401", 1 },
    /* an id written as a number */
    { "\"globalAuthenticationType\":\"SPECIFIED\",\"users\":[{\"authenticationId\":5}]",
      "UserId%3D5%26Token%3Dt", "200", 2 },
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char tail[512];
    snprintf(tail, sizeof(tail), "\"authorization\":{%s}", cases[i].rules);
    char body[1024];
    snprintf(body, sizeof(body), "{\"configurationValues\":[{\"developerName\":\"Schema URL\","
             "\"contentValue\":\"%s\"},{\"developerName\":\"OAuth2/OIDC: Client Id\","
             "\"contentValue\":\"my client\"}],%s}", REG, tail);
    call(w, "POST", "/authorization", body, cases[i].user, &a);
    ck_assert_int_eq(a.rs.status, 200);
    ck_assert_msg(!strcmp(first_prop(a.json, "Status"), cases[i].status), "case %zu: %s", i,
                  first_prop(a.json, "Status"));
    ck_assert_str_eq(first_prop(a.json, "AuthenticationType"), "OAUTH2");
    /* the authorization URL keeps its query; the client id and scopes encoded */
    ck_assert_str_eq(first_prop(a.json, "LoginUrl"), "https://id.example/a?x=1&"
                     "response_type=code&client_id=my%20client&scope=read%20write");
    const cJSON *o = cJSON_GetArrayItem(json_get_array(a.json, "objectData"), 0);
    ck_assert_str_eq(json_get_str(o, "developerName"), "$User");
    ck_assert_str_eq(json_get_str(o, "externalId"), cases[i].ann == 1 ? "u-ann" :
                     cases[i].ann == 2 ? "5" : "PUBLIC_USER");
    ck_assert_int_eq(cJSON_GetArraySize(json_get_array(o, "properties")), 14);
    if(cases[i].ann == 1)
      ck_assert_str_eq(first_prop(a.json, "Email"), "ann@example.com");
    answer_free(&a);
  }
  /* the sign-in page needs the client id */
  call(w, "POST", "/authorization", req(REG, "\"authorization\":{\"globalAuthenticationType\":"
       "\"ALL_USERS\"}"), PUBLIC_USER, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "OAuth2/OIDC: Client Id");
  answer_free(&a);
  worker_free(w);
}
END_TEST

START_TEST(test_identity_authentication)
{
  struct worker *w = new_worker(0, NULL);
  struct answer a;
  static const struct {
    const char *cfg, *cred, *says;
  } cases[] = {
    { "", "", "No authorization code" },
    { "", "\"code\":\"c-1\"", "'OAuth2/OIDC: Client Id' is missing" },
    { ",{\"developerName\":\"OAuth2/OIDC: Client Id\",\"contentValue\":\"cid\"}",
      "\"code\":\"c-1\"", "'OAuth2/OIDC: Client Secret' is missing" },
    /* the token endpoint is a closed port */
    { ",{\"developerName\":\"OAuth2/OIDC: Client Id\",\"contentValue\":\"cid\"},"
      "{\"developerName\":\"OAuth2/OIDC: Client Secret\",\"contentValue\":\"S3CRET\"}",
      "\"code\":\"c-1\"", "could not be reached" },
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char body[1024];
    snprintf(body, sizeof(body), "{\"configurationValues\":[{\"developerName\":\"Schema URL\","
             "\"contentValue\":\"%s\"}%s],\"authenticationType\":\"OAUTH2\"%s%s}", REG,
             cases[i].cfg, *cases[i].cred ? "," : "", cases[i].cred);
    call(w, "POST", "/authentication", body, NULL, &a);
    ck_assert_int_eq(a.rs.status, 200);
    ck_assert_str_eq(json_get_str(a.json, "status"), "ACCESS_DENIED");
    ASSERT_HAS(json_get_str(a.json, "statusMessage"), cases[i].says);
    ck_assert_ptr_null(strstr(a.rs.direct, "S3CRET"));
    ck_assert_ptr_null(json_get_str(a.json, "token"));
    answer_free(&a);
  }
  /* a document without x-flow-identity provides no sign-in */
  test_cache_write("openapi: 3.0.3\ninfo: {title: plain, version: '1'}\n"
                   "servers: [{url: 'http://127.0.0.1:9'}]\npaths: {}\n", "plain", dir);
  worker_recheck_caches(w);
  call(w, "POST", "/authentication", req("plain", "\"code\":\"c\""), NULL, &a);
  ck_assert_int_eq(a.rs.status, 400);
  ASSERT_HAS(msg(&a), "x-flow-identity");
  answer_free(&a);
  worker_free(w);
}
END_TEST

START_TEST(test_identity_directory)
{
  struct worker *w = new_worker(0, NULL);
  struct answer a;
  static const struct {
    const char *tail, *ids;
    int more;
  } cases[] = {
    { "", "g1,g2,admins,Gamma", 0 },
    { ",\"listFilter\":{\"search\":\"G\"}", "g1,g2,Gamma", 0 },
    { ",\"listFilter\":{\"offset\":1,\"limit\":2}", "g2,admins", 1 },
    { ",\"listFilter\":{\"offset\":2,\"limit\":2}", "admins,Gamma", 0 },
    { ",\"objectData\":[{\"developerName\":\"GroupAuthorizationGroup\",\"properties\":["
      "{\"developerName\":\"AuthenticationId\",\"contentValue\":\"admins\"}]}]", "admins", 0 },
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char body[1024];
    snprintf(body, sizeof(body), "{\"configurationValues\":[{\"developerName\":"
             "\"Authorization Groups\",\"contentValue\":\" g1, g2,,admins ,Gamma\"}]%s}",
             cases[i].tail);
    call(w, "POST", "/authorization/group", body, NULL, &a);
    ck_assert_int_eq(a.rs.status, 200);
    char got[256] = "";
    const cJSON *o;
    cJSON_ArrayForEach(o, json_get_array(a.json, "objectData")) {
      ck_assert_str_eq(json_get_str(o, "developerName"), "GroupAuthorizationGroup");
      if(*got)
        strcat(got, ",");
      strcat(got, json_get_str(o, "externalId"));
    }
    ck_assert_msg(!strcmp(got, cases[i].ids), "case %zu: %s", i, got);
    ck_assert_int_eq(json_get_bool(a.json, "hasMoreResults", -1), cases[i].more);
    answer_free(&a);
  }
  call(w, "POST", "/authorization/user", "{\"configurationValues\":[{\"developerName\":"
       "\"Authorization Users\",\"contentValue\":\"u-ann\"}]}", NULL, &a);
  ck_assert_str_eq(first_prop(a.json, "AuthenticationId"), "u-ann");
  ck_assert_str_eq(json_get_str(cJSON_GetArrayItem(json_get_array(a.json, "objectData"), 0),
                                "developerName"), "GroupAuthorizationUser");
  answer_free(&a);
  call(w, "POST", "/authorization/group/attribute", "{}", NULL, &a);
  ck_assert_str_eq(first_prop(a.json, "Value"), "MEMBERS");
  answer_free(&a);
  call(w, "POST", "/authorization/user/attribute", "{}", NULL, &a);
  ck_assert_int_eq(cJSON_GetArraySize(json_get_array(a.json, "objectData")), 0);
  answer_free(&a);
  worker_free(w);
}
END_TEST

START_TEST(test_json_parser)
{
  cJSON *v = NULL;
  struct json_error je;
  const char *t = "{\"a\":\"x\\u00e9\\ud83d\\ude00\\n\\\"\",\"b\":[1,-2.5e3,true,false,null,"
                  "123456789012345678.99],\"c\":{},\"a\":2}";
  ck_assert_int_eq(json_parse(t, strlen(t), &v, &je), OAC_OK);
  ck_assert_str_eq(cJSON_GetObjectItem(v, "a")->valuestring, "x\xc3\xa9\xf0\x9f\x98\x80\n\"");
  const cJSON *b = cJSON_GetObjectItem(v, "b");
  ck_assert_int_eq(cJSON_GetArraySize(b), 6);
  ck_assert_str_eq(json_num_text(cJSON_GetArrayItem(b, 1)), "-2.5e3");
  ck_assert(cJSON_GetArrayItem(b, 1)->valuedouble == -2500.0);
  ck_assert(cJSON_IsTrue(cJSON_GetArrayItem(b, 2)));
  ck_assert(cJSON_IsFalse(cJSON_GetArrayItem(b, 3)));
  ck_assert(cJSON_IsNull(cJSON_GetArrayItem(b, 4)));
  ck_assert_str_eq(json_num_text(cJSON_GetArrayItem(b, 5)), "123456789012345678.99");
  ck_assert(cJSON_IsObject(cJSON_GetObjectItem(v, "c")));
  ck_assert_int_eq(cJSON_GetArraySize(v), 4);               /* the duplicate is kept */
  ck_assert_ptr_eq(cJSON_GetArrayItem(v, 3)->prev, cJSON_GetArrayItem(v, 2));
  ck_assert_ptr_eq(v->child->prev, cJSON_GetArrayItem(v, 3)); /* cJSON's tail link */
  /* the tree is a normal cJSON tree: printing gives the same values back */
  char *printed = cJSON_PrintUnformatted(v);
  ck_assert_ptr_nonnull(strstr(printed, "\"c\":{}"));
  cJSON_free(printed);
  cJSON_Delete(v);
  static const char *const bad[] = {
    "{\"a\":}", "[1,]", "\"\\ud800\"", "\"\\udc00x\"", "{\"a\":1}x", "tru", "\"abc",
    "{\"a\" 1}", "[01]", "[1.]", "\"\\u0000\"", "\"\\q\"", "", "{,}", "[1 2]"
  };
  for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    v = NULL;
    ck_assert_msg(json_parse(bad[i], strlen(bad[i]), &v, &je) == OAC_EDOC, "'%s'", bad[i]);
    ck_assert_ptr_null(v);
  }
  /* depth: 512 levels are fine, 513 are refused as too deep */
  struct buf d;
  buf_init(&d);
  for(int k = 0; k < 512; k++)
    buf_putc(&d, '[');
  for(int k = 0; k < 512; k++)
    buf_putc(&d, ']');
  ck_assert_int_eq(json_parse(d.data, d.len, &v, &je), OAC_OK);
  cJSON_Delete(v);
  buf_reset(&d);
  for(int k = 0; k < 513; k++)
    buf_putc(&d, '[');
  ck_assert_int_eq(json_parse(d.data, d.len, &v, &je), OAC_ELIMIT);
  ck_assert(je.too_deep);
  buf_free(&d);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("worker");
  TCase *tc = tcase_create("handler");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_routing_suffix);
  tcase_add_test(tc, test_routing_prefix);
  tcase_add_loop_test(tc, test_describe, 0, 2);      /* FastCGI, CGI */
  tcase_add_loop_test(tc, test_health, 0, 2);
  tcase_add_test(tc, test_bad_requests);
  tcase_add_test(tc, test_upstream_url);
  tcase_add_test(tc, test_server_selection);
  tcase_add_test(tc, test_user_and_security);
  tcase_add_test(tc, test_reload);
  tcase_add_test(tc, test_json_parser);
  tcase_add_test(tc, test_identity_authorization);
  tcase_add_test(tc, test_identity_authentication);
  tcase_add_test(tc, test_identity_directory);
  suite_add_tcase(s, tc);
  return s;
}
