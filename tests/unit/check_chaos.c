/* check_chaos.c - allocation failures, in the style of jansson's test_chaos: every
 * allocation an operation makes is failed in turn, and the operation must still end well.
 *
 * For each operation the allocations of one clean run are counted (oac_mem_count()); then
 * for every N from 1 to that count, oac_mem_fail_at(N) fails the Nth allocation and the
 * operation runs again. Expected for every N: no crash; either an error result (the
 * compiler: OAC_ENOMEM; the worker: a well-formed 500 ServiceProblem) or exactly the
 * answer of the clean run; and no leak. The worker is also asked the same request once
 * more without a failure, which must give the clean answer again (a failure leaves no
 * broken state behind).
 *
 * Leaks are found by LeakSanitizer: the suite is meaningful in the sanitizer build
 * (--enable-sanitizers, ASAN_OPTIONS=detect_leaks=1, which the CI sanitizer stage sets); in
 * the normal build it checks the answers only. It is left out of the valgrind stage of CI
 * (.ci/run), where its thousands of runs would be slow.
 *
 * A paged load (the walk of product.md §12.2) needs a live API: the "paged" case runs
 * against upstream_server.py's stateless paged lists on loopback (test_server.h), so each
 * of its thousands of repeats gets the same pages; without python3 it is left out (said
 * on stdout).
 *
 * What the fault injection reaches: every allocation of the project's own code (mem.h:
 * oac_malloc/calloc/realloc, so also the arenas' blocks and struct buf growth), and cJSON's,
 * which json.c routes through the project's allocator (directly, or through the request
 * arena while a request is handled). Not reached: libyaml's allocations while the compiler
 * reads the document, libcurl's (the upstream and token calls, URL parsing), libc's own
 * (stdio, opendir, getaddrinfo), and Check's.
 */
#include <check.h>
#include "check_main.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache.h"
#include "common/buf.h"
#include "common/mem.h"
#include "compile/cache_write.h"
#include "compile/compile.h"
#include "test_cache.h"
#include "test_server.h"
#include "worker/handler.h"
#include "flow/json.h"
#include "worker/log.h"

static char dir[512];
static int closed_port;
static char *pet_yaml;
static size_t pet_len;

static const char PET_REG[] = "examples/petstore-flow.yaml";
static const char ID_REG[] = "https://example.test/chaos.yaml";


/* A small document with sign-in (x-flow-identity) and a type whose API is a closed port. */
static const char *id_doc(void)
{
  static char text[8192];
  snprintf(text, sizeof(text),
    "openapi: 3.0.3\n"
    "info: {title: chaos, version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:%d/v1'}]\n"
    "components:\n"
    "  securitySchemes:\n"
    "    key: {type: apiKey, in: header, name: X-Key}\n"
    "    oauth:\n"
    "      type: oauth2\n"
    "      flows: {authorizationCode: {authorizationUrl: 'https://id.example/a?x=1', "
    "tokenUrl: 'http://127.0.0.1:%d/t', scopes: {read: '', write: ''}}}\n"
    "      x-flow-identity: {me: {userInfoUrl: 'https://id.example/me', userId: id}}\n"
    "  schemas:\n"
    "    Pet:\n"
    "      x-flow-type: {name: Pet}\n"
    "      x-flow-load: {path: '/pets/{id}', operation: get, parameters: {id: id}}\n"
    "      x-flow-query: {path: /pets, operation: get, parameters: {_limit: limit, "
    "where: {status: status}}}\n"
    "      x-flow-save: {path: /pets, operation: post}\n"
    "      type: object\n"
    "      properties:\n"
    "        id: {type: integer, readOnly: true}\n"
    "        name: {type: string}\n"
    "        status: {type: string}\n"
    "    Customer:\n"
    "      x-flow-type: {name: Customer}\n"
    "      x-flow-save: {path: /customers, operation: post, idempotencyKey: Idempotency-Key}\n"
    "      type: object\n"
    "      properties:\n"
    "        id: {type: string, readOnly: true}\n"
    "        name: {type: string}\n"
    "        metadata: {type: object, properties: {plan: {type: string}, "
    "seats: {type: integer}}}\n"
    "        tags: {type: array, items: {type: string}}\n"
    "security: [{key: []}]\n"
    "paths:\n"
    "  /customers:\n"
    "    post:\n"
    "      requestBody:\n"
    "        content:\n"
    "          application/x-www-form-urlencoded:\n"
    "            schema: {$ref: '#/components/schemas/Customer'}\n"
    "            encoding: {metadata: {style: deepObject, explode: true}}\n"
    "      responses: {'200': {description: ok}}\n"
    "  /pets:\n"
    "    get:\n"
    "      responses: {'200': {description: ok}}\n"
    "    post:\n"
    "      responses: {'201': {description: ok}}\n"
    "  /pets/{id}:\n"
    "    get:\n"
    "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
    "      responses: {'200': {description: ok}}\n",
    closed_port, closed_port);
  return text;
}


static int count_files(const char *d)
{
  DIR *dd = opendir(d);
  int n = 0;
  struct dirent *e;
  ck_assert_ptr_nonnull(dd);
  while((e = readdir(dd)))
    if(strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      n++;
  closedir(dd);
  return n;
}

static void setup(void)
{
  const char *b = getenv("top_builddir");
  const char *top = getenv("top_srcdir");
  snprintf(dir, sizeof(dir), "%s/tests/unit/worker-caches.chaos-XXXXXX", b ? b : ".");
  if(!mkdtemp(dir)) {
    snprintf(dir, sizeof(dir), "/tmp/worker-caches.chaos-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
  }
  char path[1024];
  snprintf(path, sizeof(path), "%s/examples/petstore-flow.yaml", top ? top : "..");
  pet_yaml = test_read_file(path, &pet_len);
  ck_assert_msg(pet_yaml != NULL, "cannot read %s", path);
  closed_port = test_closed_port();
  log_level = -1;                       /* thousands of 500s: keep the log empty */
  oac_mem_fail_at(0);
}

static void teardown(void)
{
  oac_mem_fail_at(0);
  test_rm_dir(dir);
  free(pet_yaml);
  pet_yaml = NULL;
}

/* ---- the compiler ---------------------------------------------------------------------- */

/* Compile the pet store and write its cache file, as openapi-connector-compile does. On
 * success the file is read back with full verification and *IMAGE gets its bytes
 * (free()). */
/* overlays (issue 17): test_compile_overlay sets it; compile_once applies it as --overlay */
static const char *chaos_overlay;

static enum oac_result compile_once(const char *out_dir, char **image, size_t *ilen,
                                   unsigned long *allocs)
{
  FILE *devnull = fopen("/dev/null", "w");
  ck_assert_ptr_nonnull(devnull);
  struct diag d;
  struct doc_set s;
  struct model m;
  diag_init(&d, devnull);
  doc_set_init(&s, &d);
  model_init(&m);
  struct compile_opts o = { 0 };
  o.source = PET_REG;
  o.data = pet_yaml;
  o.data_len = pet_len;
  if(chaos_overlay) {                   /* test_compile_overlay (issue 17) */
    o.overlays = &chaos_overlay;
    o.noverlays = 1;
  }
  char path[1024];
  enum oac_result r = compile_document(&o, &s, &d, &m);
  if(r == OAC_OK) {
    char name[32];
    cache_default_name(m.registration, strlen(m.registration), name);
    snprintf(path, sizeof(path), "%s/%s", out_dir, name);
    r = cache_write_file(&m, path);
  }
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  fclose(devnull);
  *allocs = oac_mem_count();
  if(r == OAC_OK) {
    oac_mem_fail_at(0);                 /* the reading back is checked, not faulted */
    struct cache c;
    struct cache_error err;
    ck_assert_msg(cache_open(&c, path, CACHE_VERIFY_ALL, &err) == OAC_OK,
                  "the cache written does not verify: %s", err.msg);
    cache_close(&c);
    *image = test_read_file(path, ilen);
    ck_assert_ptr_nonnull(*image);
  }
  return r;
}

START_TEST(test_compile)
{
  char *ref = NULL, *got = NULL;
  size_t ref_len = 0, got_len = 0;
  oac_mem_fail_at(0);
  unsigned long total = 0, used;
  ck_assert_int_eq(compile_once(dir, &ref, &ref_len, &total), OAC_OK);
  ck_assert_uint_gt(total, 0);
  unsigned long failed = 0;
  for(unsigned long n = 1; n <= total; n++) {
    test_rm_dir(dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    oac_mem_fail_at(n);
    got = NULL;
    enum oac_result r = compile_once(dir, &got, &got_len, &used);
    oac_mem_fail_at(0);
    if(r == OAC_OK) {
      /* the same cache as the clean run: all but the header (its compile time) */
      size_t hs = ((const struct cache_header *)ref)->header_size;
      ck_assert_msg(got_len == ref_len && !memcmp(got + hs, ref + hs, ref_len - hs),
                    "N=%lu: compiled, but not the same cache", n);
      ck_assert_int_eq(count_files(dir), 1);
      free(got);
    }
    else {
      ck_assert_msg(r == OAC_ENOMEM && used >= n, "N=%lu: %s, expected out of memory", n,
                    oac_result_str(r));
      /* no temporary file left behind */
      ck_assert_msg(count_files(dir) == 0, "N=%lu: files left in the cache directory", n);
      failed++;
    }
  }
  printf("compile (pet store + cache file): N = 1..%lu, %lu ended in out of memory\n",
         total, failed);
  free(ref);
}
END_TEST

/* ---- an overlay applied, then the compile (issue 17, §15.1) --------------------------- */

/* Every kind of action on the pet store: an update adding a property, a filter and a
 * descendant target (one writes an x-flow-action), a remove, a 1.1 copy. */
static const char chaos_overlay_text[] =
  "overlay: 1.1.0\n"
  "info: {title: chaos, version: \"1\"}\n"
  "actions:\n"
  "  - target: $.components.schemas.Pet.properties\n"
  "    update: {nickname: {description: added by an overlay}}\n"
  "  - target: \"$.paths[*][?@.operationId == 'listCategories']\"\n"
  "    update: {x-flow-action: {name: Categories}}\n"
  "  - target: \"$..[?@.operationId == 'findOrders']\"\n"
  "    update: {summary: orders, tags: [orders]}\n"
  "  - target: \"$.paths['/pets/search'].post.summary\"\n"
  "    remove: true\n"
  "  - target: $.components.schemas.Pet.properties.nickname\n"
  "    copy: $.components.schemas.Pet.properties.name\n";

START_TEST(test_compile_overlay)
{
  char ovpath[1100];
  snprintf(ovpath, sizeof(ovpath), "%s.overlay.yaml", dir);
  FILE *f = fopen(ovpath, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(chaos_overlay_text, 1, sizeof(chaos_overlay_text) - 1, f),
                    sizeof(chaos_overlay_text) - 1);
  ck_assert_int_eq(fclose(f), 0);
  chaos_overlay = ovpath;
  char *ref = NULL, *got = NULL, *plain = NULL;
  size_t ref_len = 0, got_len = 0, plain_len = 0;
  unsigned long total = 0, used, plain_total = 0;
  oac_mem_fail_at(0);
  ck_assert_int_eq(compile_once(dir, &ref, &ref_len, &total), OAC_OK);
  /* the overlay did something: not the cache of the pet store as it is */
  chaos_overlay = NULL;
  test_rm_dir(dir);
  ck_assert_int_eq(mkdir(dir, 0755), 0);
  ck_assert_int_eq(compile_once(dir, &plain, &plain_len, &plain_total), OAC_OK);
  chaos_overlay = ovpath;
  size_t hs = ((const struct cache_header *)ref)->header_size;
  ck_assert_msg(plain_len != ref_len || memcmp(plain + hs, ref + hs, ref_len - hs),
                "the overlay changed nothing");
  ck_assert_uint_gt(total, plain_total);
  free(plain);
  unsigned long failed = 0;
  for(unsigned long n = 1; n <= total; n++) {
    test_rm_dir(dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    oac_mem_fail_at(n);
    got = NULL;
    enum oac_result r = compile_once(dir, &got, &got_len, &used);
    oac_mem_fail_at(0);
    if(r == OAC_OK) {
      ck_assert_msg(got_len == ref_len && !memcmp(got + hs, ref + hs, ref_len - hs),
                    "N=%lu: compiled, but not the same cache", n);
      free(got);
    }
    else {
      ck_assert_msg(r == OAC_ENOMEM && used >= n, "N=%lu: %s, expected out of memory", n,
                    oac_result_str(r));
      ck_assert_msg(count_files(dir) == 0, "N=%lu: files left in the cache directory", n);
      failed++;
    }
  }
  printf("compile with an overlay (pet store + 5 actions + cache file): N = 1..%lu, %lu "
         "ended in out of memory\n", total, failed);
  chaos_overlay = NULL;
  unlink(ovpath);
  free(ref);
}
END_TEST

/* ---- the worker ------------------------------------------------------------------------ */

static struct worker *new_worker(int cgi)
{
  struct worker_opts o = { 0 };
  o.cache_dir = dir;
  o.cgi = cgi;
  o.up.connect_timeout_ms = 2000;
  o.up.timeout_ms = 3000;
  return worker_new(&o);
}

struct answer {
  unsigned long allocs;         /* made by worker_handle */
  int status, problem;
  char *body;
  size_t len;
};

static void answer_free(struct answer *a)
{
  free(a->body);
  a->body = NULL;
}

/* One request; faults end before the answer is checked. The answer must be JSON, and a
 * ServiceProblem must carry its documented fields. */
static void handle(struct worker *w, const char *method, const char *uri, const char *body,
                   const char *auth, unsigned long fail_at, struct answer *a)
{
  struct http_request rq = { 0 };
  struct http_response rs;
  rq.method = method;
  rq.uri = uri;
  rq.body = body;
  rq.body_len = body ? strlen(body) : 0;
  rq.authorization = auth;
  buf_init(&rs.body);
  oac_mem_fail_at(fail_at);
  worker_handle(w, &rq, &rs);
  a->allocs = oac_mem_count();
  oac_mem_fail_at(0);
  a->status = rs.status;
  a->problem = rs.problem;
  a->len = rs.direct_len;
  a->body = malloc(rs.direct_len + 1);
  ck_assert_ptr_nonnull(a->body);
  memcpy(a->body, rs.direct, rs.direct_len);
  a->body[rs.direct_len] = '\0';
  buf_free(&rs.body);
  cJSON *j = NULL;
  struct json_error je;
  ck_assert_msg(json_parse(a->body, a->len, &j, &je) == OAC_OK, "%s %s (N=%lu): the answer "
                "is not JSON: %s", method, uri, fail_at, a->body);
  if(a->problem) {
    ck_assert_str_eq(json_get_str(j, "kind"), "service");
    ck_assert_int_eq(json_get_long(j, "statusCode", 0), a->status);
    ck_assert_ptr_nonnull(json_get_str(j, "message"));
  }
  cJSON_Delete(j);
}

static int same_answer(const struct answer *a, const struct answer *b)
{
  return a->status == b->status && a->problem == b->problem && a->len == b->len &&
         !memcmp(a->body, b->body, a->len);
}

static const char *with_schema(const char *reg, const char *extra_cfg, const char *tail)
{
  static char b[4096];
  snprintf(b, sizeof(b), "{\"configurationValues\":[{\"developerName\":\"Schema URL\","
           "\"contentValue\":\"%s\"}%s]%s%s}", reg, extra_cfg, *tail ? "," : "", tail);
  return b;
}

#define ANN "UserId%3Du-ann%26Token%3Dtok%26Email%3Dann%40example.com%26PrimaryGroupId%3Dg1"
#define CLIENT ",{\"developerName\":\"OAuth2/OIDC: Client Id\",\"contentValue\":\"cid\"}," \
  "{\"developerName\":\"OAuth2/OIDC: Client Secret\",\"contentValue\":\"S3CRET\"}"

struct rcase {
  const char *name, *method, *uri, *auth;
  int status;                   /* of the clean run */
  const char *marker;           /* in the clean answer */
  const char *reg, *cfg, *tail; /* the body: with_schema(reg, cfg, tail); reg NULL = tail */
};

static const struct rcase rcases[] = {
  { "describe without Schema URL", "POST", "/metadata", NULL, 200, "typeElements",
    NULL, NULL, "{\"configurationValues\":null}" },
  { "describe with Schema URL", "POST", "/metadata", NULL, 200, "PetExample",
    PET_REG, "", "" },
  { "load, example mode", "POST", "/data", NULL, 200, "doggie",
    PET_REG, "", "\"objectDataType\":{\"developerName\":\"PetExample\"}" },
  { "load, example mode, filtered", "POST", "/data", NULL, 200, "objectData",
    PET_REG, "", "\"objectDataType\":{\"developerName\":\"PetExample\"},\"listFilter\":"
    "{\"limit\":1,\"orderByPropertyDeveloperName\":\"name\",\"orderByDirectionType\":"
    "\"DESC\",\"where\":[{\"columnName\":\"status\",\"criteriaType\":\"NOT_EQUAL\","
    "\"contentValue\":\"x\"}]}" },
  { "load by id, example mode", "POST", "/data", NULL, 200, "objectData",
    PET_REG, "", "\"objectDataType\":{\"developerName\":\"PetExample\"},\"listFilter\":"
    "{\"id\":\"1\"}" },
  { "load, upstream on a closed port", "POST", "/data", ANN, 502, "connection refused",
    ID_REG, "", "\"objectDataType\":{\"developerName\":\"Pet\"},\"listFilter\":{\"limit\":5,"
    "\"where\":[{\"columnName\":\"status\",\"criteriaType\":\"EQUAL\",\"contentValue\":"
    "\"sold\"}]}" },
  { "save, example mode", "PUT", "/data", NULL, 200, "\"externalId\"",
    PET_REG, "", "\"objectDataType\":{\"developerName\":\"PetExample\"},\"objectData\":["
    "{\"internalId\":\"a1\",\"externalId\":null,\"developerName\":\"PetExample\","
    "\"properties\":[{\"developerName\":\"name\",\"contentValue\":\"Rex\"},"
    "{\"developerName\":\"price\",\"contentValue\":\"123456789012345678.99\"},"
    "{\"developerName\":\"tags\",\"objectData\":[{\"developerName\":\"PetExample:tags\","
    "\"properties\":[{\"developerName\":\"name\",\"contentValue\":\"t\"}]}]}]}]" },
  { "update, example mode", "PUT", "/data", NULL, 200, "\"externalId\":\"7\"",
    PET_REG, "", "\"objectDataType\":{\"developerName\":\"PetExample\"},\"objectData\":["
    "{\"internalId\":\"c1\",\"externalId\":\"7\",\"developerName\":\"PetExample\","
    "\"properties\":[{\"developerName\":\"id\",\"contentValue\":\"7\"},"
    "{\"developerName\":\"name\",\"contentValue\":\"changed\"}]}]" },
  { "save, a form body (deepObject, an array, an idempotency key), upstream on a closed "
    "port", "PUT", "/data", ANN, 502, "connection refused",
    ID_REG, "", "\"objectDataType\":{\"developerName\":\"Customer\"},\"objectData\":["
    "{\"internalId\":\"c1\",\"developerName\":\"Customer\",\"properties\":["
    "{\"developerName\":\"name\",\"contentValue\":\"J\u00fcrgen & Co\"},"
    "{\"developerName\":\"metadata\",\"objectData\":[{\"developerName\":"
    "\"Customer:metadata\",\"properties\":[{\"developerName\":\"plan\",\"contentValue\":"
    "\"pro\"},{\"developerName\":\"seats\",\"contentValue\":\"3\"}]}]},"
    "{\"developerName\":\"tags\",\"objectData\":[{\"developerName\":\"Customer:tags\","
    "\"properties\":[{\"developerName\":\"Value\",\"contentValue\":\"a b\"}]}]}]}]" },
  { "save, upstream on a closed port", "PUT", "/data", ANN, 502, "connection refused",
    ID_REG, "", "\"objectDataType\":{\"developerName\":\"Pet\"},\"objectData\":["
    "{\"internalId\":\"a1\",\"developerName\":\"Pet\",\"properties\":["
    "{\"developerName\":\"name\",\"contentValue\":\"Rex\"}]}]" },
  { "delete, example mode", "POST", "/data/delete", NULL, 200, "objectData",
    PET_REG, "", "\"objectDataType\":{\"developerName\":\"PetExample\"},\"objectData\":["
    "{\"internalId\":\"e1\",\"externalId\":\"1\",\"developerName\":\"PetExample\"}]" },
  { "authorization", "POST", "/authorization", ANN, 200, "LoginUrl",
    ID_REG, CLIENT, "\"authorization\":{\"globalAuthenticationType\":\"SPECIFIED\","
    "\"users\":[{\"authenticationId\":\"u-bob\"}],\"groups\":[{\"authenticationId\":"
    "\"g1\"}]}" },
  { "authentication, token endpoint on a closed port", "POST", "/authentication", NULL, 200,
    "ACCESS_DENIED", ID_REG, CLIENT, "\"authenticationType\":\"OAUTH2\",\"code\":\"c-1\"" },
  { "authorization/group", "POST", "/authorization/group", NULL, 200,
    "GroupAuthorizationGroup", NULL, NULL, "{\"configurationValues\":[{\"developerName\":"
    "\"Authorization Groups\",\"contentValue\":\" g1, g2,,admins ,Gamma\"}],"
    "\"listFilter\":{\"search\":\"G\",\"limit\":2}}" },
  { "health", "GET", "/health", NULL, 200, "\"caches\"", NULL, NULL, NULL },
  { "malformed request", "POST", "/data", NULL, 400, "invalid JSON",
    NULL, NULL, "{\"configurationValues\":[{\"developerName\":" },
};
#define NRCASES (sizeof(rcases) / sizeof(rcases[0]))

static const char *rcase_body(const struct rcase *c)
{
  return c->reg ? with_schema(c->reg, c->cfg, c->tail) : c->tail;
}

static void write_caches(void)
{
  /* the pet store as the demo registers it, and the small document with sign-in */
  char *yaml = malloc(pet_len + 1);
  ck_assert_ptr_nonnull(yaml);
  memcpy(yaml, pet_yaml, pet_len);
  yaml[pet_len] = '\0';
  test_cache_write(yaml, PET_REG, dir);
  free(yaml);
  test_cache_write(id_doc(), ID_REG, dir);
}

/* Every request type, every allocation failed in turn, on a warm worker (its caches
 * mapped, its arena grown): the answer is the clean one or a 500, and the next request
 * gets the clean answer. */
static void chaos_request(struct worker *w, const struct rcase *c, const char *body,
                          struct answer *ref);

START_TEST(test_requests)
{
  const struct rcase *c = &rcases[_i];
  write_caches();
  struct worker *w = new_worker(0);
  ck_assert_ptr_nonnull(w);
  struct answer ref;
  chaos_request(w, c, rcase_body(c), &ref);
  answer_free(&ref);
  worker_free(w);
}
END_TEST

/* Request C with BODY on W, clean, then with each of its allocations failed in turn; the
 * clean answer into *REF (answer_free). */
static void chaos_request(struct worker *w, const struct rcase *c, const char *body,
                          struct answer *ref_out)
{
  char *b = body ? strdup(body) : NULL;
  struct answer ref, got;
  handle(w, c->method, c->uri, b, c->auth, 0, &ref);        /* warm-up */
  answer_free(&ref);
  handle(w, c->method, c->uri, b, c->auth, 0, &ref);
  unsigned long total = ref.allocs;
  ck_assert_msg(ref.status == c->status && strstr(ref.body, c->marker), "%s: clean answer "
                "%d %s", c->name, ref.status, ref.body);
  unsigned long oom = 0;
  for(unsigned long n = 1; n <= total; n++) {
    handle(w, c->method, c->uri, b, c->auth, n, &got);
    if(!same_answer(&got, &ref)) {
      ck_assert_msg(got.status == 500 && got.problem, "%s, N=%lu: %d %s", c->name, n,
                    got.status, got.body);
      oom++;
    }
    answer_free(&got);
    handle(w, c->method, c->uri, b, c->auth, 0, &got);
    ck_assert_msg(same_answer(&got, &ref), "%s, after N=%lu: %d %s", c->name, n, got.status,
                  got.body);
    answer_free(&got);
  }
  printf("%s: N = 1..%lu, %lu answered 500\n", c->name, total, oom);
  *ref_out = ref;
  free(b);
}

/* A new worker and its first request, which maps and verifies the caches (FastCGI) or
 * opens the one it needs (CGI), and grows the arena and buffers from nothing: worker_new
 * returns NULL, or the request is answered right or with a 500. */
static void chaos_new_worker(int cgi, const struct rcase *c, const char *body);

START_TEST(test_new_worker)
{
  const struct rcase *c = &rcases[_i / 2];
  write_caches();
  chaos_new_worker(_i % 2, c, rcase_body(c));
}
END_TEST

/* Request C with BODY on a new worker (CGI or FastCGI), every allocation of worker_new and
 * of the request failed in turn. */
static void chaos_new_worker(int cgi, const struct rcase *c, const char *body)
{
  char *b = body ? strdup(body) : NULL;
  struct answer ref, got;
  oac_mem_fail_at(0);
  struct worker *w = new_worker(cgi);
  ck_assert_ptr_nonnull(w);
  unsigned long total = oac_mem_count();
  handle(w, c->method, c->uri, b, c->auth, 0, &ref);
  total += ref.allocs;
  worker_free(w);
  ck_assert_msg(ref.status == c->status && strstr(ref.body, c->marker), "%s: clean answer "
                "%d %s", c->name, ref.status, ref.body);
  unsigned long nulls = 0, oom = 0;
  for(unsigned long n = 1; n <= total; n++) {
    oac_mem_fail_at(n);
    w = new_worker(cgi);
    unsigned long used = oac_mem_count();
    oac_mem_fail_at(0);
    if(!w) {
      ck_assert_msg(used >= n, "N=%lu: worker_new failed without a failed allocation", n);
      nulls++;
      continue;
    }
    /* the Nth allocation of the whole sequence */
    handle(w, c->method, c->uri, b, c->auth, n > used ? n - used : 0, &got);
    if(!same_answer(&got, &ref)) {
      ck_assert_msg(got.status == 500 && got.problem, "%s, new %s worker, N=%lu: %d %s",
                    c->name, cgi ? "CGI" : "FastCGI", n, got.status, got.body);
      oom++;
    }
    answer_free(&got);
    worker_free(w);
  }
  printf("%s, new %s worker: N = 1..%lu, worker_new NULL %lu, answered 500 %lu\n", c->name,
         cgi ? "CGI" : "FastCGI", total, nulls, oom);
  answer_free(&ref);
  free(b);
}

/* ---- a paged load (the walk, walk.c) ------------------------------------------------- */

static struct test_server srv;
static const char PAGED_REG[] = "https://example.test/chaos-paged.yaml";

/* upstream_server.py's stateless paged lists: /v1/paged (cursor, has_more) and /v1/linked
 * (Link header), nine items "1".."9" named ant bee cat ape bat cow asp boa cod, 3 a page. */
static const char *paged_doc(int port)
{
  static char text[8192];
  snprintf(text, sizeof(text),
    "openapi: 3.0.3\n"
    "info: {title: chaos paged, version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:%d/v1'}]\n"
    "components:\n"
    "  schemas:\n"
    "    Cur:\n"
    "      type: object\n"
    "      x-flow-type: {name: Cur}\n"
    "      x-flow-query:\n"
    "        path: /paged\n"
    "        operation: get\n"
    "        paging: {style: cursor, cursor: cursor, limit: limit, maxLimit: 3, "
    "nextCursor: next_cursor, hasMore: has_more}\n"
    "      properties: {id: {type: string}, name: {type: string}}\n"
    "    Lnk:\n"
    "      type: object\n"
    "      x-flow-type: {name: Lnk}\n"
    "      x-flow-query:\n"
    "        path: /linked\n"
    "        operation: get\n"
    "        paging: {style: link, limit: limit, maxLimit: 3}\n"
    "      properties: {id: {type: string}, name: {type: string}}\n"
    "paths:\n"
    "  /paged:\n"
    "    get:\n"
    "      parameters:\n"
    "        - {name: cursor, in: query, schema: {type: string}}\n"
    "        - {name: limit, in: query, schema: {type: integer}}\n"
    "      responses:\n"
    "        '200':\n"
    "          description: a page\n"
    "          content:\n"
    "            application/json:\n"
    "              schema:\n"
    "                type: object\n"
    "                properties:\n"
    "                  data: {type: array, items: {$ref: '#/components/schemas/Cur'}}\n"
    "                  next_cursor: {type: string, nullable: true}\n"
    "                  has_more: {type: boolean}\n"
    "  /linked:\n"
    "    get:\n"
    "      parameters: [{name: limit, in: query, schema: {type: integer}}]\n"
    "      responses:\n"
    "        '200':\n"
    "          description: a page\n"
    "          content:\n"
    "            application/json:\n"
    "              schema: {type: array, items: {$ref: '#/components/schemas/Lnk'}}\n",
    port);
  return text;
}

static void setup_paged(void)
{
  setup();
  test_server_environment();
  test_server_start(&srv, NULL);
  test_cache_write(paged_doc(srv.port), PAGED_REG, dir);
}

static void teardown_paged(void)
{
  test_server_stop(&srv);
  teardown();
}

/* A paged load through each style, every allocation failed in turn: the whole list with a
 * local CONTAINS filter across pages; a limit whose answer carries an offsetToken; the
 * request that brings that token back. */
START_TEST(test_paged)
{
  const char *type = _i ? "Lnk" : "Cur";
  struct worker *w = new_worker(0);
  ck_assert_ptr_nonnull(w);
  char tail[2048], name[128];
  struct rcase c = { name, "POST", "/data", NULL, 200, "", PAGED_REG, "", tail };
  struct answer ref;

  snprintf(name, sizeof(name), "paged load (%s), whole list, CONTAINS over 3 pages", type);
  snprintf(tail, sizeof(tail), "\"objectDataType\":{\"developerName\":\"%s\"},"
           "\"listFilter\":{\"where\":[{\"columnName\":\"name\",\"criteriaType\":"
           "\"CONTAINS\",\"contentValue\":\"a\"}]}", type);
  c.marker = "\"externalId\":\"8\"";          /* boa, on the third page */
  chaos_request(w, &c, rcase_body(&c), &ref);
  ck_assert_ptr_null(strstr(ref.body, "offsetToken"));
  answer_free(&ref);
  chaos_new_worker(_i, &c, rcase_body(&c));    /* cold: the arena grows during the walk */

  snprintf(name, sizeof(name), "paged load (%s), limit 4, offsetToken", type);
  snprintf(tail, sizeof(tail), "\"objectDataType\":{\"developerName\":\"%s\"},"
           "\"listFilter\":{\"limit\":4}", type);
  c.marker = "\"offsetToken\":\"";
  chaos_request(w, &c, rcase_body(&c), &ref);
  cJSON *j = NULL;
  struct json_error je;
  ck_assert_int_eq(json_parse(ref.body, ref.len, &j, &je), OAC_OK);
  const char *tok = json_get_str(j, "offsetToken");
  ck_assert_ptr_nonnull(tok);

  snprintf(name, sizeof(name), "paged load (%s), the offsetToken brought back", type);
  snprintf(tail, sizeof(tail), "\"objectDataType\":{\"developerName\":\"%s\"},"
           "\"listFilter\":{\"limit\":4,\"offset\":4,\"offsetToken\":\"%s\"}", type,
           tok);
  cJSON_Delete(j);
  answer_free(&ref);
  c.marker = "\"externalId\":\"5\"";
  chaos_request(w, &c, rcase_body(&c), &ref);
  ck_assert_ptr_nonnull(strstr(ref.body, "\"externalId\":\"8\""));
  ck_assert_ptr_null(strstr(ref.body, "\"externalId\":\"4\""));
  answer_free(&ref);
  worker_free(w);
}
END_TEST

/* ---- message actions (issue 16) ------------------------------------------------------ */

static const char ACT_REG[] = "https://example.test/chaos-actions.yaml";

/* Actions against upstream_server.py (stateless): /echo answers what it got, /status/404
 * a 404. */
static const char *actions_doc(int port)
{
  static char text[4096];
  snprintf(text, sizeof(text),
    "openapi: 3.0.3\n"
    "info: {title: chaos actions, version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:%d'}]\n"
    "paths:\n"
    "  /echo:\n"
    "    post:\n"
    "      operationId: echo\n"
    "      x-flow-action: {idempotencyKey: Idempotency-Key}\n"
    "      parameters:\n"
    "        - {name: q, in: query, schema: {type: array, items: {type: string}}}\n"
    "        - {name: n, in: query, required: true, schema: {type: number}}\n"
    "        - {name: when, in: query, schema: {type: string, format: date}}\n"
    "      requestBody:\n"
    "        required: true\n"
    "        content:\n"
    "          application/json:\n"
    "            schema:\n"
    "              type: object\n"
    "              properties:\n"
    "                note: {type: string}\n"
    "                age: {type: integer}\n"
    "                owner: {type: object, properties: {name: {type: string}}}\n"
    "      responses:\n"
    "        '200':\n"
    "          description: echoed\n"
    "          content:\n"
    "            application/json:\n"
    "              schema:\n"
    "                type: object\n"
    "                properties: {method: {type: string}, path: {type: string}, "
    "body_len: {type: integer}}\n"
    "  /status/404:\n"
    "    get:\n"
    "      operationId: missing\n"
    "      x-flow-action: true\n"
    "      responses:\n"
    "        '200': {description: ok}\n"
    "        '404': {description: Not here}\n",
    port);
  return text;
}

static void setup_actions(void)
{
  setup();
  test_server_environment();
  test_server_start(&srv, NULL);
  test_cache_write(actions_doc(srv.port), ACT_REG, dir);
}

/* An action invocation, every allocation failed in turn: inputs read and checked, the
 * body mapped, the call, the answer mapped to outputs, the outcome selected, the
 * ServiceResponse written; and a 404 that selects a wired outcome (Error Message and
 * Response Body); cold workers too. */
START_TEST(test_actions)
{
  struct worker *w = new_worker(0);
  ck_assert_ptr_nonnull(w);
  struct answer ref;
  struct rcase c = { "action, JSON body, mapped answer, outcome", "POST", "/actions/echo",
    NULL, 200, "\"selectedOutcomeId\":\"o-ok\"", ACT_REG, "",
    "\"token\":\"t\",\"annotations\":{\"a\":1},\"inputs\":["
    "{\"developerName\":\"q\",\"contentValue\":\"a, b\"},"
    "{\"developerName\":\"n\",\"contentValue\":\"1.5\"},"
    "{\"developerName\":\"when\",\"contentValue\":\"2024-01-02T03:04:05Z\"},"
    "{\"developerName\":\"Body\",\"objectData\":[{\"developerName\":\"echo Body\","
    "\"properties\":[{\"developerName\":\"note\",\"contentValue\":\"hi\"},"
    "{\"developerName\":\"age\",\"contentValue\":\"3\"},{\"developerName\":\"owner\","
    "\"objectData\":[{\"developerName\":\"echo Body:owner\",\"properties\":["
    "{\"developerName\":\"name\",\"contentValue\":\"Ann\"}]}]}]}]}],"
    "\"outcomes\":[{\"id\":\"o-err\",\"developerName\":\"error\",\"order\":0},"
    "{\"id\":\"o-ok\",\"developerName\":\"OK\",\"order\":1}]" };
  chaos_request(w, &c, rcase_body(&c), &ref);
  ck_assert_ptr_nonnull(strstr(ref.body, "\"developerName\":\"Response\""));
  answer_free(&ref);
  chaos_new_worker(0, &c, rcase_body(&c));

  struct rcase d = { "action, a 404 selecting a wired outcome", "POST", "/actions/missing",
    NULL, 200, "\"selectedOutcomeId\":\"o-nh\"", ACT_REG, "",
    "\"outcomes\":[{\"id\":\"o-err\",\"developerName\":\"error\",\"order\":0},"
    "{\"id\":\"o-nh\",\"developerName\":\"not here\",\"order\":1}]" };
  chaos_request(w, &d, rcase_body(&d), &ref);
  ck_assert_ptr_nonnull(strstr(ref.body, "\"Response Body\""));
  answer_free(&ref);
  chaos_new_worker(1, &d, rcase_body(&d));

  struct rcase e = { "action, an input refused", "POST", "/actions/echo", NULL, 400,
    "input 'n'", ACT_REG, "", "\"inputs\":[{\"developerName\":\"n\",\"contentValue\":\"x\"}]" };
  chaos_request(w, &e, rcase_body(&e), &ref);
  answer_free(&ref);
  worker_free(w);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("chaos");
  TCase *tc = tcase_create("compile");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_compile);
  tcase_add_test(tc, test_compile_overlay);                         /* issue 17 */
  suite_add_tcase(s, tc);
  tc = tcase_create("worker");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_requests, 0, (int)NRCASES);
  tcase_add_loop_test(tc, test_new_worker, 0, 2 * (int)NRCASES);   /* FastCGI, CGI */
  suite_add_tcase(s, tc);
  if(test_server_find())
    printf("chaos: no paged load: python3 or tests/unit/upstream_server.py not found\n");
  else {
    tc = tcase_create("paged");
    tcase_add_checked_fixture(tc, setup_paged, teardown_paged);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_paged, 0, 2);                      /* cursor, link */
    suite_add_tcase(s, tc);
    tc = tcase_create("actions");                                   /* issue 16 */
    tcase_add_checked_fixture(tc, setup_actions, teardown_paged);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_actions);
    suite_add_tcase(s, tc);
  }
  return s;
}
