/* check_fixtures.c - the tests that read the shared Flow protocol fixtures: real payloads
 * captured from public Flow SDKs and connectors (../shared/flow-fixtures, or the directory
 * named by OAC_FLOW_FIXTURES; INDEX.md there says what each group is). They are not part of
 * this tree, so without them this program is a skip (exit 77 with the reason), not a pass;
 * a fixture group that is absent leaves its test case out, with a note in the log. With a
 * group present, its tests pass or fail like any other (tests/fixtures-skip.sh proves both
 * paths).
 *
 *   sdk-java/authorization-header-*.txt   the Authorization header parser (flow/user.h)
 *   service-sql/                          every listFilter parses (flow/filter.h); objects a
 *                                         response lists match the filter, in its order
 *   any *request*.json                    every request parses (flow/request.h)
 */
#include <check.h>
#include "check_main.h"
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_cache.h"
#include "common/arena.h"
#include "common/buf.h"
#include "flow/filter.h"
#include "flow/json.h"
#include "flow/problem.h"
#include "flow/request.h"
#include "flow/user.h"

static char root[2048];         /* the fixture directory */
static struct arena ar;

static void expect(const struct flow_user *u, enum flow_user_field f, const char *want)
{
  ck_assert_msg(u->value[f] != NULL, "%s is absent", flow_user_field_key(f));
  ck_assert_str_eq(u->value[f], want);
  ck_assert_uint_eq(u->len[f], strlen(want));
}

/* ---- sdk-java: Authorization headers ------------------------------------------------- */

static char *read_fixture(const char *name)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/sdk-java/%s", root, name);
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "%s: cannot read it", path);
  static char data[65536];
  size_t n = fread(data, 1, sizeof(data) - 1, f);
  fclose(f);
  while(n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
    n--;
  data[n] = '\0';
  return data;
}

static void parse_fixture(const char *name, struct flow_user *u, struct buf *b)
{
  char *h = read_fixture(name);
  buf_init(b);
  ck_assert_int_eq(flow_user_parse(h, strlen(h), u, b), OAC_OK);
}

/* Real headers captured from the Java SDK's tests. */
START_TEST(test_fixture_public_user)
{
  struct flow_user u;
  struct buf b;
  parse_fixture("authorization-header-public-user.txt", &u, &b);
  expect(&u, FU_USER_ID, "PUBLIC_USER");
  expect(&u, FU_TOKEN, "NONE");
  expect(&u, FU_DIRECTORY_ID, "UNAUTHENTICATED");
  expect(&u, FU_EMAIL, "admin@manywho.com");
  expect(&u, FU_FIRST_NAME, "");
  ck_assert_ptr_nonnull(strstr(u.value[FU_MANYWHO_TOKEN], "%3D"));  /* left encoded */
  ck_assert(flow_user_is_public(&u));
  buf_free(&b);
}
END_TEST

START_TEST(test_fixture_example_token)
{
  struct flow_user u;
  struct buf b;
  parse_fixture("authorization-header-example-token.txt", &u, &b);
  ck_assert(u.present);
  expect(&u, FU_MANYWHO_TENANT_ID, "59a962d4-46e1-44b9-9882-2717663fc5ec");
  expect(&u, FU_DIRECTORY_ID, "UNAUTHENTICATED");
  buf_free(&b);
}
END_TEST

/* ---- service-sql: listFilters -------------------------------------------------------- */

static char **fx_files;
static size_t fx_n, fx_cap;

static int fx_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)ftw;
  size_t n = strlen(path);
  if(flag == FTW_F && n > 5 && !strcmp(path + n - 5, ".json")) {
    if(fx_n == fx_cap) {
      fx_cap = fx_cap ? 2 * fx_cap : 64;
      fx_files = realloc(fx_files, fx_cap * sizeof(*fx_files));
      ck_assert_ptr_nonnull(fx_files);
    }
    fx_files[fx_n++] = strdup(path);
  }
  return 0;
}

static int str_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static cJSON *read_json(const char *path)
{
  FILE *f = fopen(path, "rb");
  if(!f)
    return NULL;
  struct buf b;
  char chunk[4096];
  size_t n;
  buf_init(&b);
  while((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    buf_append(&b, chunk, n);
  fclose(f);
  ck_assert(!buf_failed(&b));
  cJSON *j = NULL;
  struct json_error je;
  ck_assert_msg(json_parse(b.data ? b.data : "", b.len, &j, &je) == OAC_OK, "%s: %s", path,
                je.msg);
  buf_free(&b);
  return j;
}

/* The MObjects of a service-sql response, read by property developerName. */
struct mobjects {
  const cJSON *objs;
  const char **names;           /* property index -> name */
};

static int mobject_get(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len)
{
  const struct mobjects *m = ctx;
  const cJSON *o = cJSON_GetArrayItem(m->objs, (int)item), *p;
  cJSON_ArrayForEach(p, json_get_array(o, "properties")) {
    const char *dn = json_get_str(p, "developerName");
    if(dn && !strcmp(dn, m->names[prop])) {
      const char *v = json_get_str(p, "contentValue");
      if(!v)
        return 0;
      *s = v;
      *len = strlen(v);
      return 1;
    }
  }
  return 0;
}

/* The OpenAPI type a Flow content type comes from. */
static void add_schema_type(cJSON *sch, const char *content_type)
{
  if(content_type && !strcasecmp(content_type, "ContentNumber"))
    cJSON_AddStringToObject(sch, "type", "number");
  else if(content_type && !strcasecmp(content_type, "ContentBoolean"))
    cJSON_AddStringToObject(sch, "type", "boolean");
  else if(content_type && !strcasecmp(content_type, "ContentDateTime")) {
    cJSON_AddStringToObject(sch, "type", "string");
    cJSON_AddStringToObject(sch, "format", "date-time");
  } else
    cJSON_AddStringToObject(sch, "type", "string");
}

/* One request fixture: a type with the request's objectDataType columns (content types
 * from the paired response where it shows them), then filter_parse must accept the
 * listFilter; if the response lists objects found by a filter, each must pass filter_match
 * and their order must be the filter's order. Returns 1 if the file had a listFilter. */
static int check_fixture(const char *path)
{
  cJSON *req = read_json(path);
  ck_assert_ptr_nonnull(req);
  if(!cJSON_IsObject(req) || !cJSON_GetObjectItem(req, "listFilter")) {
    cJSON_Delete(req);
    return 0;
  }
  const cJSON *odt = json_get_object(req, "objectDataType");
  const char *tname = json_get_str(odt, "developerName");
  ck_assert_msg(tname != NULL, "%s: no objectDataType.developerName", path);

  /* the response beside it: ...request... -> ...response... */
  char rpath[4096];
  const char *base = strrchr(path, '/');
  const char *at = strstr(base ? base : path, "request");
  cJSON *resp = NULL;
  if(at) {
    snprintf(rpath, sizeof(rpath), "%.*s%s%s", (int)(at - path), path, "response",
             at + strlen("request"));
    resp = read_json(rpath);
  }
  const cJSON *objs = json_get_array(resp, "objectData");

  cJSON *oas = cJSON_Parse("{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"fixture\","
                           "\"version\":\"1\"},\"servers\":[{\"url\":\"http://127.0.0.1:1\"}],"
                           "\"paths\":{},\"components\":{\"schemas\":{\"T\":{\"type\":\"object\","
                           "\"properties\":{}}}}}");
  ck_assert_ptr_nonnull(oas);
  cJSON *schema = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(oas,
                                      "components"), "schemas"), "T");
  cJSON *xt = cJSON_AddObjectToObject(schema, "x-flow-type");
  cJSON_AddStringToObject(xt, "name", tname);
  cJSON *props = cJSON_GetObjectItem(schema, "properties");
  const cJSON *p;
  cJSON_ArrayForEach(p, json_get_array(odt, "properties")) {
    const char *dn = json_get_str(p, "developerName");
    if(!dn || cJSON_GetObjectItemCaseSensitive(props, dn))
      continue;
    const char *ct = NULL;
    const cJSON *o, *q;
    cJSON_ArrayForEach(o, objs)
      cJSON_ArrayForEach(q, json_get_array(o, "properties"))
        if(json_get_str(q, "developerName") && !strcmp(json_get_str(q, "developerName"), dn))
          ct = json_get_str(q, "contentType");
    add_schema_type(cJSON_AddObjectToObject(props, dn), ct);
  }
  char *text = cJSON_PrintUnformatted(oas);
  ck_assert_ptr_nonnull(text);
  struct cache *c = test_cache_compile(text, "fixture.json");
  struct cache_error err;
  const struct cache_type *t = cache_type_at(c, test_cache_type(c, tname), &err);
  ck_assert_ptr_nonnull(t);

  struct list_filter f;
  struct problem fp;
  memset(&fp, 0, sizeof(fp));
  int r = filter_parse(cJSON_GetObjectItem(req, "listFilter"), c, t, &ar, &f, &fp);
  ck_assert_msg(r == 0, "%s: filter_parse: %d %s", path, fp.status, fp.msg);

  /* What the protocol notes say about particular captures. */
  if(strstr(path, "common/data/load/types/load-request.json")) {
    ck_assert_str_eq(f.root.where[0].value, "1");       /* contentValue, not value "0" */
    ck_assert_int_eq(f.limit, 10);
  }
  if(strstr(path, "dates/isnull/request-dates.json")) {
    ck_assert_int_eq(f.root.where[0].crit, CR_IS_EMPTY);
    ck_assert_str_eq(f.root.where[0].value, "True");
  }
  if(strstr(path, "by-filter/start-end-contain/load-search-request.json"))
    ck_assert_str_eq(f.root.where[0].value, "ountry2");  /* value is null there */

  int nobj = cJSON_GetArraySize(objs);
  if(f.present && !f.id && nobj > 0) {
    uint32_t np;
    const struct cache_prop *all = cache_section(c, CS_PROPS, &np, &err);
    ck_assert_ptr_nonnull(all);
    const char **names = calloc(t->nprops + 1, sizeof(*names));
    ck_assert_ptr_nonnull(names);
    for(uint32_t i = 0; i < t->nprops; i++)
      names[i] = cache_str(c, all[t->first_prop + i].name);
    struct mobjects m = { objs, names };
    struct filter_src s = { mobject_get, &m, all + t->first_prop };
    size_t *idx = calloc(2 * (size_t)nobj, sizeof(*idx));
    ck_assert_ptr_nonnull(idx);
    for(int i = 0; i < nobj; i++) {
      ck_assert_msg(filter_match(&f, &s, (size_t)i), "%s: response object %d does not match "
                    "the request's filter", path, i);
      idx[i] = (size_t)i;
    }
    filter_sort(&f, &s, idx, (size_t)nobj, idx + nobj);
    for(int i = 0; i < nobj; i++)
      ck_assert_msg(idx[i] == (size_t)i, "%s: response order differs from the sort", path);
    free(idx);
    free(names);
  }
  test_cache_free(c);
  cJSON_free(text);
  cJSON_Delete(oas);
  cJSON_Delete(resp);
  cJSON_Delete(req);
  return 1;
}

START_TEST(test_filter_fixtures)
{
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/service-sql", root);
  arena_init(&ar, 0);
  fx_n = 0;
  ck_assert_int_eq(nftw(dir, fx_visit, 16, FTW_PHYS), 0);
  qsort(fx_files, fx_n, sizeof(*fx_files), str_cmp);
  size_t with_filter = 0;
  for(size_t i = 0; i < fx_n; i++) {
    with_filter += (size_t)check_fixture(fx_files[i]);
    free(fx_files[i]);
  }
  free(fx_files);
  fx_files = NULL;
  fx_cap = 0;
  /* INDEX.md lists 42 request files with a listFilter; at least the load ones must be here */
  ck_assert_uint_ge(with_filter, 16);
  printf("%zu service-sql listFilters parsed\n", with_filter);
  arena_free(&ar);
}
END_TEST

/* ---- every request fixture ----------------------------------------------------------- */

/* Every request fixture (real engine-shaped payloads) parses. */
START_TEST(test_request_fixtures_parse)
{
  char cmd[4200];
  snprintf(cmd, sizeof(cmd), "find '%s' -name '*request*.json' 2>/dev/null | sort", root);
  FILE *p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  char line[1024];
  int n = 0;
  while(fgets(line, sizeof(line), p)) {
    line[strcspn(line, "\n")] = '\0';
    size_t blen;
    char *body = test_read_file(line, &blen);
    ck_assert_ptr_nonnull(body);
    struct arena ar;
    arena_init(&ar, 0);
    struct flow_request fr;
    struct problem pr = { 0 };
    int r = request_parse(body, blen, NULL, &ar, &fr, &pr);
    ck_assert_msg(r == 0, "%s: %s", line, pr.msg);
    /* data requests name their type; describe requests carry configuration values, and
     * message-action ServiceRequests (service-email) carry inputs instead */
    ck_assert_msg(fr.type_name || strstr(line, "describe") || strstr(line, "metadata") ||
                  cJSON_GetObjectItem(fr.root, "inputs"), "%s: no type name found", line);
    request_free(&fr);
    arena_free(&ar);
    free(body);
    n++;
  }
  pclose(p);
  ck_assert_msg(n > 0, "no request fixture under %s", root);
  printf("%d request fixtures parsed\n", n);
}
END_TEST

static int is_dir(const char *p)
{
  struct stat st;
  return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
  struct stat st;
  return !stat(p, &st) && S_ISREG(st.st_mode);
}

static int nrequests;
static int count_requests(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)ftw;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if(flag == FTW_F && strstr(base, "request") && n > 5 && !strcmp(base + n - 5, ".json"))
    nrequests++;
  return 0;
}

Suite *suite(void)
{
  const char *env = getenv("OAC_FLOW_FIXTURES");
  const char *top = getenv("top_srcdir");
  if(env && *env)
    snprintf(root, sizeof(root), "%s", env);
  else
    snprintf(root, sizeof(root), "%s/../shared/flow-fixtures", top && *top ? top : "..");
  if(!is_dir(root)) {
    check_skip("no Flow fixtures: %s is not a directory (set OAC_FLOW_FIXTURES to the "
               "flow-fixtures directory to run these tests)", root);
    return NULL;
  }
  printf("Flow fixtures from %s\n", root);
  Suite *s = suite_create("fixtures");
  int groups = 0;
  char p[4096];

  snprintf(p, sizeof(p), "%s/sdk-java/authorization-header-public-user.txt", root);
  if(is_file(p)) {
    TCase *tc = tcase_create("sdk-java");
    tcase_add_test(tc, test_fixture_public_user);
    tcase_add_test(tc, test_fixture_example_token);
    suite_add_tcase(s, tc);
    groups++;
  } else
    printf("note: %s is absent: the Authorization header fixtures are left out\n", p);

  snprintf(p, sizeof(p), "%s/service-sql", root);
  if(is_dir(p)) {
    TCase *tc = tcase_create("service-sql");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_filter_fixtures);
    suite_add_tcase(s, tc);
    groups++;
  } else
    printf("note: %s is absent: the listFilter fixtures are left out\n", p);

  nrequests = 0;
  nftw(root, count_requests, 16, FTW_PHYS);
  if(nrequests > 0) {
    TCase *tc = tcase_create("requests");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_request_fixtures_parse);
    suite_add_tcase(s, tc);
    groups++;
  } else
    printf("note: no *request*.json under %s: the request parsing fixtures are left out\n",
           root);

  if(!groups) {
    check_skip("%s holds none of the fixture groups these tests read (sdk-java/, "
               "service-sql/, *request*.json)", root);
    return s;
  }
  return s;
}
