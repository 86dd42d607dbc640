/* check_actions.c - message actions on the compiler side (product.md §14.1, §14.2, §14.5;
 * issue 16): slugs, the describe contract of flow-protocol.md §4.4, stability across a
 * reordered document, the reason phrases, --list, and example records in the cache.
 * The data-driven cases (tests/data/compile/{valid,invalid}/action-*) cover inputs,
 * outputs, names, clashes and {config:}.
 */
#include <check.h>
#include "check_main.h"
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/compile/compile.h"
#include "../../src/compile/actions.h"
#include "../../src/compile/cache_write.h"
#include "../../src/cache/cache.h"
#include "../../src/flow/http_status.h"

struct result {
  enum oac_result r;
  struct diag d;
  struct doc_set s;
  struct model m;
};

static void compile_text(const char *text, struct result *res)
{
  struct compile_opts o;
  memset(&o, 0, sizeof(o));
  o.source = "mem.yaml";
  o.data = text;
  o.data_len = strlen(text);
  diag_init(&res->d, NULL);
  doc_set_init(&res->s, &res->d);
  model_init(&res->m);
  res->r = compile_document(&o, &res->s, &res->d, &res->m);
}

static void result_free(struct result *res)
{
  model_free(&res->m);
  doc_set_free(&res->s);
  diag_free(&res->d);
}

/* ---- slugs (§14.2) ---- */

static const struct {
  const char *opid, *method_path, *slug;
  enum cache_method method;
} slugs[] = {
  { "repos/get", "/repos/{owner}/{repo}", "repos-get", M_GET },
  { "adoptPet", "/pets/{id}/adopt", "adoptpet", M_POST },
  { NULL, "/pets/{id}/adopt", "post-pets-id-adopt", M_POST },
  { "---", "/pets/{id}/adopt", "post-pets-id-adopt", M_POST },
  { "", "/x", "delete-x", M_DELETE },
  { "  Issues.List__For Repo!! ", "/", "issues-list-for-repo", M_GET },
  { "status", "/s", "status-action", M_GET },
  { "Metadata", "/s", "metadata-action", M_GET },
  { NULL, "/health", "get-health", M_GET },
  { "data", "/s", "data-action", M_GET },
  { "authorization", "/s", "authorization-action", M_GET },
  { "authentication", "/s", "authentication-action", M_GET },
  { "metrics", "/s", "metrics-action", M_GET },
  { "health", "/s", "health-action", M_GET },
  { "caf\xc3\xa9-cr\xc3\xa8me", "/s", "caf-cr-me", M_GET },
  { "statuses", "/s", "statuses", M_GET },
};

START_TEST(test_slug)
{
  struct arena a;
  arena_init(&a, 0);
  const char *s = actions_slug(&a, slugs[_i].opid, slugs[_i].method, slugs[_i].method_path);
  ck_assert_ptr_nonnull(s);
  ck_assert_msg(!strcmp(s, slugs[_i].slug), "slug of '%s' %s: '%s', expected '%s'",
                slugs[_i].opid ? slugs[_i].opid : "(none)", slugs[_i].method_path, s,
                slugs[_i].slug);
  arena_free(&a);
}
END_TEST

/* ---- reason phrases (§14.2, §14.4 level 2) ---- */

START_TEST(test_reasons)
{
  ck_assert_str_eq(http_reason(200), "OK");
  ck_assert_str_eq(http_reason(404), "Not Found");
  ck_assert_str_eq(http_reason(409), "Conflict");
  ck_assert_str_eq(http_reason(422), "Unprocessable Content");
  ck_assert_str_eq(http_reason(429), "Too Many Requests");
  ck_assert_str_eq(http_reason(100), "Continue");
  ck_assert_str_eq(http_reason(511), "Network Authentication Required");
  ck_assert_ptr_null(http_reason(299));
  ck_assert_ptr_null(http_reason(4));
  ck_assert_ptr_null(http_reason(0));
  ck_assert_ptr_null(http_reason(600));
  ck_assert_ptr_null(http_reason(418));   /* unused in the registry */
}
END_TEST

/* ---- a document with actions ---- */

static const char doc_head[] =
  "openapi: 3.0.3\n"
  "info: {title: Pets, version: '1'}\n"
  "servers: [{url: 'https://api.example.com'}]\n"
  "components:\n"
  "  schemas:\n"
  "    Pet:\n"
  "      type: object\n"
  "      x-flow-type: {name: Pet}\n"
  "      properties:\n"
  "        id: {type: string}\n"
  "        name: {type: string}\n"
  "paths:\n";

static const char path_adopt[] =
  "  /pets/{id}/adopt:\n"
  "    post:\n"
  "      operationId: adoptPet\n"
  "      summary: Adopt a pet\n"
  "      x-flow-action:\n"
  "        example: true\n"
  "      parameters:\n"
  "        - {name: id, in: path, required: true, schema: {type: string}}\n"
  "      requestBody:\n"
  "        required: true\n"
  "        content:\n"
  "          application/json:\n"
  "            schema: {type: object, properties: {note: {type: string}, "
  "owner: {type: object, properties: {login: {type: string}}}}}\n"
  "      responses:\n"
  "        '200':\n"
  "          description: adopted\n"
  "          content:\n"
  "            application/json:\n"
  "              schema: {$ref: '#/components/schemas/Pet'}\n"
  "              example: {id: '7', name: Rex}\n"
  "        '409': {description: already adopted}\n"
  "        4XX: {description: refused}\n";

static const char path_search[] =
  "  /search:\n"
  "    get:\n"
  "      operationId: repos/search\n"
  "      x-flow-action: {example: {response: '404'}}\n"
  "      parameters:\n"
  "        - {name: q, in: query, required: true, schema: {type: string}}\n"
  "      responses:\n"
  "        '200':\n"
  "          description: found\n"
  "          content:\n"
  "            application/json:\n"
  "              schema: {type: array, items: {type: object, properties: "
  "{score: {type: number}}}}\n"
  "        '404':\n"
  "          description: none\n"
  "          content:\n"
  "            application/json:\n"
  "              example: {message: nothing found}\n";

static const char path_status[] =
  "  /status:\n"
  "    get:\n"
  "      operationId: status\n"
  "      x-flow-action: {name: API status}\n"
  "      responses:\n"
  "        '204': {description: up}\n"
  "        default: {description: down}\n";

static char *doc_of(const char *a, const char *b, const char *c)
{
  size_t n = strlen(doc_head) + strlen(a) + strlen(b) + strlen(c) + 1;
  char *s = malloc(n);
  ck_assert_ptr_nonnull(s);
  snprintf(s, n, "%s%s%s%s", doc_head, a, b, c);
  return s;
}

static const cJSON *get(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  ck_assert_msg(v != NULL, "missing field '%s'", k);
  return v;
}

/* Every field of a DescribeValue (flow-protocol.md §4.4) and nothing else. */
static void check_value(const cJSON *v, int order)
{
  ck_assert_int_eq(cJSON_GetArraySize(v), 8);
  ck_assert(cJSON_IsString(get(v, "developerName")));
  ck_assert(cJSON_IsNull(get(v, "contentValue")));
  const char *ct = get(v, "contentType")->valuestring;
  ck_assert_ptr_nonnull(ct);
  int obj = !strcmp(ct, "ContentObject") || !strcmp(ct, "ContentList");
  ck_assert_msg(obj == cJSON_IsString(get(v, "typeElementDeveloperName")),
                "%s: typeElementDeveloperName exactly for objects and lists",
                get(v, "developerName")->valuestring);
  ck_assert_int_eq(get(v, "ordinal")->valueint, order);
  ck_assert_int_eq(get(v, "order")->valueint, order);
  ck_assert(cJSON_IsBool(get(v, "required")));
  ck_assert_int_eq(cJSON_IsTrue(get(v, "required")), cJSON_IsTrue(get(v, "isRequired")));
}

/* The contract: describe with actions has every field of flow-protocol.md §4.4. */
START_TEST(test_describe_contract)
{
  char *text = doc_of(path_adopt, path_search, path_status);
  struct result res;
  compile_text(text, &res);
  ck_assert_msg(res.r == OAC_OK, "%s", res.d.text.data ? res.d.text.data : "");
  cJSON *d = cJSON_Parse(res.m.describe);
  ck_assert_ptr_nonnull(d);
  ck_assert(cJSON_IsTrue(get(d, "providesLogic")));
  ck_assert(cJSON_IsTrue(get(d, "providesDatabase")));
  const cJSON *acts = get(d, "actions");
  ck_assert_int_eq(cJSON_GetArraySize(acts), 3);
  static const char *const slugs_sorted[] = { "actions/adoptpet", "actions/repos-search",
                                              "actions/status-action" };
  static const char *const names[] = { "Adopt a pet", "repos/search", "API status" };
  int i = 0;
  const cJSON *a;
  cJSON_ArrayForEach(a, acts) {
    ck_assert_int_eq(cJSON_GetArraySize(a), 7);
    ck_assert_str_eq(get(a, "uriPart")->valuestring, slugs_sorted[i]);
    ck_assert_str_eq(get(a, "developerName")->valuestring, names[i]);
    ck_assert(cJSON_IsString(get(a, "developerSummary")));
    ck_assert(cJSON_IsArray(get(a, "serviceActionOutcomes")));
    ck_assert_int_eq(cJSON_GetArraySize(get(a, "serviceActionOutcomes")), 0);
    ck_assert(cJSON_IsFalse(get(a, "isViewMessageAction")));
    int k = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, get(a, "serviceInputs"))
      check_value(v, k++);
    k = 0;
    cJSON_ArrayForEach(v, get(a, "serviceOutputs"))
      check_value(v, k++);
    /* the outputs end with Status Code, Error Message, Response Body */
    const cJSON *outs = get(a, "serviceOutputs");
    int n = cJSON_GetArraySize(outs);
    ck_assert_int_ge(n, 3);
    ck_assert_str_eq(get(cJSON_GetArrayItem(outs, n - 3), "developerName")->valuestring,
                     "Status Code");
    ck_assert_str_eq(get(cJSON_GetArrayItem(outs, n - 3), "contentType")->valuestring,
                     "ContentNumber");
    ck_assert_str_eq(get(cJSON_GetArrayItem(outs, n - 2), "developerName")->valuestring,
                     "Error Message");
    ck_assert_str_eq(get(cJSON_GetArrayItem(outs, n - 1), "developerName")->valuestring,
                     "Response Body");
    i++;
  }
  /* adoptpet: id (path) required, Body the generated object; Response Pet */
  a = cJSON_GetArrayItem(acts, 0);
  ck_assert_str_eq(get(a, "developerSummary")->valuestring, "Adopt a pet\n\nOutcomes you can "
                   "wire: 200 OK, 409 Conflict, 4xx, error");
  const cJSON *in = get(a, "serviceInputs");
  ck_assert_int_eq(cJSON_GetArraySize(in), 2);
  ck_assert_str_eq(get(cJSON_GetArrayItem(in, 1), "developerName")->valuestring, "Body");
  ck_assert_str_eq(get(cJSON_GetArrayItem(in, 1), "typeElementDeveloperName")->valuestring,
                   "adoptpet Body");
  ck_assert(cJSON_IsTrue(get(cJSON_GetArrayItem(in, 1), "isRequired")));
  const cJSON *out0 = cJSON_GetArrayItem(get(a, "serviceOutputs"), 0);
  ck_assert_str_eq(get(out0, "developerName")->valuestring, "Response");
  ck_assert_str_eq(get(out0, "typeElementDeveloperName")->valuestring, "Pet");
  /* status: no 2xx JSON, so no Response; `default` adds nothing beyond error */
  a = cJSON_GetArrayItem(acts, 2);
  ck_assert_int_eq(cJSON_GetArraySize(get(a, "serviceOutputs")), 3);
  ck_assert_str_eq(get(a, "developerSummary")->valuestring,
                   "Outcomes you can wire: 204 No Content, error");
  /* generated types: bindings [] ; x-flow-type Pet keeps its binding */
  const cJSON *te;
  int generated = 0;
  cJSON_ArrayForEach(te, get(get(d, "install"), "typeElements")) {
    const char *name = get(te, "developerName")->valuestring;
    int gen = strstr(name, " Body") || strstr(name, " Response");
    generated += gen;
    ck_assert_int_eq(cJSON_GetArraySize(get(te, "bindings")), gen ? 0 : 1);
  }
  ck_assert_int_eq(generated, 3);   /* adoptpet Body, adoptpet Body:owner, repos-search Response */
  cJSON_Delete(d);
  result_free(&res);
  free(text);
}
END_TEST

/* Without actions: providesLogic false and actions []. */
START_TEST(test_describe_none)
{
  char *text = doc_of("", "", "  /x:\n    get:\n      responses: {'200': {description: ok}}\n");
  struct result res;
  compile_text(text, &res);
  ck_assert_int_eq(res.r, OAC_OK);
  cJSON *d = cJSON_Parse(res.m.describe);
  ck_assert(cJSON_IsFalse(get(d, "providesLogic")));
  ck_assert_int_eq(cJSON_GetArraySize(get(d, "actions")), 0);
  ck_assert_int_eq(res.m.nactions, 0);
  cJSON_Delete(d);
  result_free(&res);
  free(text);
}
END_TEST

/* The slug depends on the operation alone: a reordered document gives the same describe,
 * byte for byte, and the same cache sections of actions. */
START_TEST(test_reordered_stable)
{
  char *t1 = doc_of(path_adopt, path_search, path_status);
  char *t2 = doc_of(path_status, path_search, path_adopt);
  struct result r1, r2;
  compile_text(t1, &r1);
  compile_text(t2, &r2);
  ck_assert_int_eq(r1.r, OAC_OK);
  ck_assert_int_eq(r2.r, OAC_OK);
  ck_assert_uint_eq(r1.m.describe_len, r2.m.describe_len);
  ck_assert_msg(!memcmp(r1.m.describe, r2.m.describe, r1.m.describe_len),
                "describe differs:\n%s\n%s", r1.m.describe, r2.m.describe);
  ck_assert_uint_eq(r1.m.nactions, r2.m.nactions);
  for(size_t i = 0; i < r1.m.nactions; i++)
    ck_assert_str_eq(r1.m.actions[i].slug, r2.m.actions[i].slug);
  result_free(&r1);
  result_free(&r2);
  free(t1);
  free(t2);
}
END_TEST

/* --list shows each action: uriPart, call, inputs, outputs, outcomes. */
START_TEST(test_list)
{
  char *text = doc_of(path_adopt, path_search, path_status);
  struct result res;
  compile_text(text, &res);
  ck_assert_int_eq(res.r, OAC_OK);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ck_assert_ptr_nonnull(f);
  list_print(&res.m, f);
  fclose(f);
  static const char *const want[] = {
    "\n3 actions\n",
    "\nACTION actions/adoptpet  \"Adopt a pet\"\n",
    "  call:          POST /pets/{id}/adopt  (example)\n",
    "                 body: application/json, emptyAs empty\n",
    "  id                               ContentString    path id [required]\n",
    "  Body                             ContentObject    body adoptpet Body [required]\n",
    "  outputs:       Response (ContentObject Pet), Status Code, Error Message, Response Body\n",
    "  outcomes:      200 OK \"adopted\", 409 Conflict \"already adopted\", 4xx \"refused\", "
    "success, error\n",
    "\nACTION actions/repos-search  \"repos/search\"\n",
    "  outputs:       Response (ContentList repos-search Response), Status Code",
    "\nACTION actions/status-action  \"API status\"\n",
    "  outcomes:      204 No Content \"up\", default \"down\", success, error\n",
  };
  for(size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
    ck_assert_msg(strstr(buf, want[i]) != NULL, "--list lacks '%s':\n%s", want[i], buf);
  free(buf);
  result_free(&res);
  free(text);
}
END_TEST

/* Example mode (§14.5): each record is CACHE_EXAMPLE_ACTION with the outputs array. */
START_TEST(test_example_records)
{
  char *text = doc_of(path_adopt, path_search, path_status);
  struct result res;
  compile_text(text, &res);
  ck_assert_msg(res.r == OAC_OK, "%s", res.d.text.data ? res.d.text.data : "");
  struct buf img;
  buf_init(&img);
  ck_assert_int_eq(cache_build_image(&res.m, &img), OAC_OK);
  struct cache c;
  struct cache_error err;
  ck_assert_msg(cache_open_mem(&c, img.data, img.len, CACHE_VERIFY_ALL, &err) == OAC_OK, "%s",
                err.msg);
  uint32_t np = 0;
  const struct cache_plan *plans = cache_section(&c, CS_PLANS, &np, &err);
  ck_assert_ptr_nonnull(plans);
  static const struct {
    const char *slug;
    unsigned status;
    const char *response;
  } want[] = {
    { "adoptpet", 200, "[{\"developerName\":\"Status Code\",\"contentType\":\"ContentNumber\","
      "\"contentValue\":\"200\",\"objectData\":null,\"typeElementDeveloperName\":null},"
      "{\"developerName\":\"Response\",\"contentType\":\"ContentObject\","
      "\"contentValue\":null,\"objectData\":[{\"internalId\":null,\"externalId\":\"7\","
      "\"developerName\":\"Pet\",\"typeElementId\":null,\"order\":0,\"isSelected\":false,"
      "\"properties\":[{\"typeElementPropertyId\":null,\"developerName\":\"id\","
      "\"contentType\":\"ContentString\",\"contentValue\":\"7\",\"contentFormat\":null,"
      "\"objectData\":[]},{\"typeElementPropertyId\":null,\"developerName\":\"name\","
      "\"contentType\":\"ContentString\",\"contentValue\":\"Rex\",\"contentFormat\":null,"
      "\"objectData\":[]}]}],\"typeElementDeveloperName\":\"Pet\"}]" },
    { "repos-search", 404, "[{\"developerName\":\"Status Code\",\"contentType\":"
      "\"ContentNumber\",\"contentValue\":\"404\",\"objectData\":null,"
      "\"typeElementDeveloperName\":null},{\"developerName\":\"Error Message\","
      "\"contentType\":\"ContentString\",\"contentValue\":\"The API answered GET /search "
      "with status 404 (example): nothing found\",\"objectData\":null,"
      "\"typeElementDeveloperName\":null},{\"developerName\":\"Response Body\","
      "\"contentType\":\"ContentString\",\"contentValue\":"
      "\"{\\\"message\\\":\\\"nothing found\\\"}\",\"objectData\":null,"
      "\"typeElementDeveloperName\":null}]" },
  };
  for(size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const struct cache_action *a = cache_find_action(&c, want[i].slug, strlen(want[i].slug),
                                                     &err);
    ck_assert_ptr_nonnull(a);
    const struct cache_plan *p = &plans[a->plan];
    ck_assert_uint_eq(p->op, OP_ACTION);
    ck_assert(p->flags & PLAN_F_EXAMPLE);
    ck_assert_uint_eq(p->example_status, want[i].status);
    ck_assert_uint_ne(p->example_len, 0);
    const unsigned char *rec = (const unsigned char *)img.data + p->example_off;
    struct cache_example e;
    memcpy(&e, rec, sizeof(e));
    ck_assert_uint_eq(e.type, CACHE_EXAMPLE_ACTION);
    ck_assert_uint_eq(e.status, want[i].status);
    ck_assert_uint_eq(e.nobjects, 0);
    ck_assert_uint_ne(e.response.off, 0);
    ck_assert_str_eq((const char *)rec + e.response.off, want[i].response);
    ck_assert_uint_ne(e.body.off, 0);
  }
  /* no example for status-action: no record */
  const struct cache_action *a = cache_find_action(&c, "status-action", 13, &err);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(plans[a->plan].example_len, 0);
  cache_close(&c);
  buf_free(&img);
  result_free(&res);
  free(text);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("actions");
  TCase *tc = tcase_create("slugs");
  tcase_add_loop_test(tc, test_slug, 0, (int)(sizeof(slugs) / sizeof(slugs[0])));
  tcase_add_test(tc, test_reasons);
  suite_add_tcase(s, tc);
  tc = tcase_create("compile");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_describe_contract);
  tcase_add_test(tc, test_describe_none);
  tcase_add_test(tc, test_reordered_stable);
  tcase_add_test(tc, test_list);
  tcase_add_test(tc, test_example_records);
  suite_add_tcase(s, tc);
  return s;
}
