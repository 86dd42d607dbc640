/* check_mapping_cases.c - JSON <-> Flow mapping as data (src/flow/mapping.h): every folder
 * of tests/data/mapping/ is one case (tests/data/README.md has the format):
 *
 *   spec.yaml or type.yaml   the document, or the one schema of the type
 *   case.json                optional: {"type" (default "Thing"), "direction" ("both",
 *                            "toFlow", "toApi"), "properties" (objectDataType.properties:
 *                            what Flow asked for), "items" (where the list is), "match"
 *                            ("subset": flow.json lists only some keys of each MObject)}
 *   api.json                 the API's JSON: an object, or an answer holding a list
 *   flow.json                the objectData Flow gets for it (MObjects, in order)
 *   api-from-flow.json       optional: what flow.json maps back to, when that is not
 *                            api.json (an array: one JSON object per MObject)
 *   error.json               optional, instead of the above for a refusal:
 *                            {"direction", "status", "message"}
 *
 * toFlow: map_unwrap + map_objects find the objects of api.json, map_object_to_flow writes
 * each. toApi: map_flow_to_json writes each MObject of flow.json (all properties).
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/buf.h"
#include "flow/json.h"
#include "flow/mapping.h"
#include "flow/problem.h"
#include "test_cache.h"
#include "test_data.h"

static char **cases;
static int ncases;

/* api.json -> Flow objects: the objectData array text into OUT; 0, or the problem. */
static int to_flow(struct cache *c, uint32_t t, const cJSON *api, const cJSON *conf,
                   struct buf *out, struct problem *p)
{
  struct arena a;
  arena_init(&a, 0);
  struct map_want *want = NULL;
  const cJSON *props = cJSON_GetObjectItem(conf, "properties");
  if(props) {
    want = map_want_build(c, t, props, &a);
    ck_assert_ptr_nonnull(want);
  }
  const cJSON *array = NULL, *single = NULL;
  map_unwrap(c, t, api, json_get_str(conf, "items"), &array, &single);
  int n = array ? cJSON_GetArraySize(array) : 1;
  const cJSON **items = calloc((size_t)n + 1, sizeof(*items));
  ck_assert_ptr_nonnull(items);
  size_t k = map_objects(array, single, items);
  int r = 0;
  buf_putc(out, '[');
  for(size_t i = 0; i < k && !r; i++) {
    if(i)
      buf_putc(out, ',');
    if(map_object_to_flow(c, t, items[i], want, NULL, (int)i, out, p))
      r = -1;
  }
  buf_putc(out, ']');
  free(items);
  arena_free(&a);
  return r;
}

/* flow.json -> API JSON: an array of the objects' JSON into OUT; 0, or the problem. */
static int to_api(struct cache *c, uint32_t t, const cJSON *flow, struct buf *out,
                  struct problem *p)
{
  const cJSON *o;
  int first = 1;
  buf_putc(out, '[');
  cJSON_ArrayForEach(o, flow) {
    if(!first)
      buf_putc(out, ',');
    first = 0;
    if(map_flow_to_json(c, t, o, NULL, 0, out, p))
      return -1;
  }
  buf_putc(out, ']');
  return 0;
}

static cJSON *parse_out(const char *name, const struct buf *out)
{
  ck_assert(!buf_failed(out));
  cJSON *v = NULL;
  struct json_error je;
  ck_assert_msg(json_parse(out->data, out->len, &v, &je) == OAC_OK,
                "%s: the mapping wrote no JSON: %.*s", name, (int)out->len, out->data);
  return v;
}

START_TEST(test_mapping_case)
{
  const char *name = cases[_i];
  char dir[2048], path[4096];
  snprintf(dir, sizeof(dir), "%s/%s", td_dir("mapping"), name);
  snprintf(path, sizeof(path), "%s/case.json", dir);
  cJSON *conf = td_read_json(path, NULL, 0);
  const char *type = json_get_str(conf, "type") ? json_get_str(conf, "type") : "Thing";
  uint32_t t;
  struct cache *c = td_case_cache(dir, type, NULL, &t);
  snprintf(path, sizeof(path), "%s/api.json", dir);
  cJSON *api = td_read_json(path, NULL, 0);
  snprintf(path, sizeof(path), "%s/flow.json", dir);
  cJSON *flow = td_read_json(path, NULL, 0);
  snprintf(path, sizeof(path), "%s/error.json", dir);
  cJSON *err = td_read_json(path, NULL, 0);
  const char *dirn = json_get_str(err ? err : conf, "direction");
  int do_flow = !dirn || !strcmp(dirn, "both") || !strcmp(dirn, "toFlow");
  int do_api = !dirn || !strcmp(dirn, "both") || !strcmp(dirn, "toApi");
  ck_assert_msg(do_flow || do_api, "%s: direction '%s' is none of both, toFlow, toApi", name,
                dirn);
  struct buf out, why;
  buf_init(&out);
  buf_init(&why);
  struct problem p;
  memset(&p, 0, sizeof(p));
  if(err) {
    /* a refusal: the mapping fails with this status and message */
    int r = do_flow ? to_flow(c, t, api, conf, &out, &p) : to_api(c, t, flow, &out, &p);
    ck_assert_msg(r != 0, "%s: the mapping did not refuse: %.*s", name, (int)out.len,
                  out.data);
    cJSON *got = cJSON_CreateObject();
    cJSON_AddNumberToObject(got, "status", p.status);
    cJSON_AddStringToObject(got, "message", p.msg);
    cJSON_AddStringToObject(got, "direction", do_flow ? "toFlow" : "toApi");
    ck_assert_msg(td_json_match(err, got, 0, &why), "%s: %s", name, why.data);
    cJSON_Delete(got);
  } else {
    ck_assert_msg(api && flow, "%s: api.json and flow.json are both needed", name);
    if(do_flow) {
      ck_assert_msg(to_flow(c, t, api, conf, &out, &p) == 0, "%s: toFlow: %d %s", name,
                    p.status, p.msg);
      cJSON *got = parse_out(name, &out);
      if(getenv("OAC_CASE_PRINT")) {
        printf("%s toFlow: %.*s\n", name, (int)out.len, out.data);
        fflush(stdout);
      }
      const char *m = json_get_str(conf, "match");
      ck_assert_msg(td_json_match(flow, got, m && !strcmp(m, "subset"), &why), "%s: toFlow %s",
                    name, why.data);
      cJSON_Delete(got);
    }
    if(do_api) {
      buf_reset(&out);
      ck_assert_msg(to_api(c, t, flow, &out, &p) == 0, "%s: toApi: %d %s", name, p.status,
                    p.msg);
      cJSON *got = parse_out(name, &out);
      if(getenv("OAC_CASE_PRINT")) {
        printf("%s toApi: %.*s\n", name, (int)out.len, out.data);
        fflush(stdout);
      }
      snprintf(path, sizeof(path), "%s/api-from-flow.json", dir);
      cJSON *back = td_read_json(path, NULL, 0);
      cJSON *want = back;
      if(!want) {
        /* api.json itself: one object, or the objects of its list */
        want = cJSON_CreateArray();
        const cJSON *array = NULL, *single = NULL;
        map_unwrap(c, t, api, json_get_str(conf, "items"), &array, &single);
        if(single)
          cJSON_AddItemToArray(want, cJSON_Duplicate(single, 1));
        const cJSON *e;
        cJSON_ArrayForEach(e, array)
          cJSON_AddItemToArray(want, cJSON_Duplicate(e, 1));
      }
      ck_assert_msg(td_json_match(want, got, 0, &why), "%s: toApi %s", name, why.data);
      cJSON_Delete(want);
      cJSON_Delete(got);
    }
  }
  buf_free(&why);
  buf_free(&out);
  cJSON_Delete(err);
  cJSON_Delete(flow);
  cJSON_Delete(api);
  cJSON_Delete(conf);
  test_cache_free(c);
}
END_TEST

Suite *suite(void)
{
  ncases = td_cases("mapping", &cases);
  check_at_end(td_cases_free);
  if(!ncases)
    return NULL;
  Suite *s = suite_create("mapping cases");
  TCase *tc = tcase_create("cases");
  tcase_set_timeout(tc, 30);
  tcase_add_loop_test(tc, test_mapping_case, 0, ncases);
  suite_add_tcase(s, tc);
  return s;
}
