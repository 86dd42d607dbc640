/* check_filter_cases.c - list filters as data (src/flow/filter.h): every folder of
 * tests/data/filter/ is one case (tests/data/README.md has the format):
 *
 *   objects.json      the API's objects (an array of JSON objects of type Item)
 *   listFilter.json   the listFilter Flow sends
 *   expected.json     the objects that pass it, in the filter's order (an array), or a
 *                     refusal {"status": 400, "message": ...}
 *   spec.yaml         optional: a document with a type Item (default: tests/data/filter/
 *                     spec.yaml), or type.yaml (the schema of Item alone)
 *
 * filter_parse reads the listFilter; filter_match keeps the objects that pass; filter_sort
 * orders them, reading the objects through map_items_get as the load does. limit and offset
 * are the load's business (tests/data/requests/), not the filter's: a case must not set them.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/buf.h"
#include "flow/filter.h"
#include "flow/json.h"
#include "flow/mapping.h"
#include "flow/problem.h"
#include "test_cache.h"
#include "test_data.h"

static char **cases;
static int ncases;

START_TEST(test_filter_case)
{
  const char *name = cases[_i];
  char dir[2048], path[4096], def[4096];
  snprintf(dir, sizeof(dir), "%s/%s", td_dir("filter"), name);
  snprintf(def, sizeof(def), "%s/spec.yaml", td_dir("filter"));
  uint32_t t;
  struct cache *c = td_case_cache(dir, "Item", def, &t);
  struct cache_error ce;
  const struct cache_type *ty = cache_type_at(c, t, &ce);
  ck_assert_ptr_nonnull(ty);
  snprintf(path, sizeof(path), "%s/objects.json", dir);
  cJSON *objs = td_read_json(path, NULL, 0);
  snprintf(path, sizeof(path), "%s/listFilter.json", dir);
  cJSON *lf = td_read_json(path, NULL, 0);
  snprintf(path, sizeof(path), "%s/expected.json", dir);
  cJSON *want = td_read_json(path, NULL, 0);
  ck_assert_msg(cJSON_IsArray(objs) && lf && want, "%s: objects.json (an array), "
                "listFilter.json and expected.json are needed", name);
  ck_assert_msg(!cJSON_GetObjectItem(lf, "limit") && !cJSON_GetObjectItem(lf, "offset"),
                "%s: limit and offset belong in a request case", name);

  struct arena a;
  arena_init(&a, 0);
  struct list_filter f;
  struct problem p;
  memset(&p, 0, sizeof(p));
  struct buf why;
  buf_init(&why);
  if(filter_parse(lf, c, ty, &a, &f, &p)) {
    ck_assert_msg(cJSON_IsObject(want), "%s: filter_parse refused: %d %s", name, p.status,
                  p.msg);
    cJSON *got = cJSON_CreateObject();
    cJSON_AddNumberToObject(got, "status", p.status);
    cJSON_AddStringToObject(got, "message", p.msg);
    ck_assert_msg(td_json_match(want, got, 0, &why), "%s: %s", name, why.data);
    cJSON_Delete(got);
  } else {
    ck_assert_msg(cJSON_IsArray(want), "%s: filter_parse accepted the filter, expected.json "
                  "expects a refusal", name);
    size_t n = (size_t)cJSON_GetArraySize(objs);
    const cJSON **items = calloc(n + 1, sizeof(*items));
    size_t *idx = calloc(2 * n + 1, sizeof(*idx));
    ck_assert(items && idx);
    size_t k = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, objs)
      items[k++] = o;
    struct map_items mi = { items, n, c, td_type_props(c, t) };
    struct filter_src src = { map_items_get, &mi, mi.props };
    size_t m = 0;
    for(size_t i = 0; i < n; i++)
      if(filter_match(&f, &src, i))
        idx[m++] = i;
    filter_sort(&f, &src, idx, m, idx + n);
    cJSON *got = cJSON_CreateArray();
    for(size_t i = 0; i < m; i++)
      cJSON_AddItemToArray(got, cJSON_Duplicate(items[idx[i]], 1));
    if(getenv("OAC_CASE_PRINT")) {
      char *s = cJSON_PrintUnformatted(got);
      printf("%s: %s\n", name, s);
      fflush(stdout);
      cJSON_free(s);
    }
    ck_assert_msg(td_json_match(want, got, 0, &why), "%s: %s", name, why.data);
    cJSON_Delete(got);
    free(items);
    free(idx);
  }
  buf_free(&why);
  arena_free(&a);
  cJSON_Delete(want);
  cJSON_Delete(lf);
  cJSON_Delete(objs);
  test_cache_free(c);
}
END_TEST

Suite *suite(void)
{
  ncases = td_cases("filter", &cases);
  check_at_end(td_cases_free);
  if(!ncases)
    return NULL;
  Suite *s = suite_create("filter cases");
  TCase *tc = tcase_create("cases");
  tcase_set_timeout(tc, 30);
  tcase_add_loop_test(tc, test_filter_case, 0, ncases);
  suite_add_tcase(s, tc);
  return s;
}
