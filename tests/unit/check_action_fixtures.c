/* check_action_fixtures.c - the ServiceRequests the Flow engine sent to service-email's
 * actions (../shared/flow-fixtures/service-email, or OAC_FLOW_FIXTURES/service-email) read
 * by the worker's ServiceRequest reader (flow/service.h), and the ServiceResponse the
 * worker writes for each compared with service-email's own answer: the same fields, token
 * and tenantId echoed. A skip (77) with the reason when the fixtures are absent.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/format.h"
#include "common/arena.h"
#include "flow/json.h"
#include "flow/request.h"
#include "flow/service.h"
#include "test_cache.h"

static char root[4096];

static cJSON *read_json(const char *path)
{
  size_t len;
  char *text = test_read_file(path, &len);
  ck_assert_msg(text != NULL, "cannot read %s", path);
  cJSON *j = NULL;
  struct json_error je;
  ck_assert_msg(json_parse(text, len, &j, &je) == OAC_OK, "%s: %s", path, je.msg);
  free(text);
  return j;
}

/* One case folder: request-*.json and response-*.json beside it. */
static void check_case(const char *dir, const char *req, const char *resp)
{
  char path[4400];
  snprintf(path, sizeof(path), "%s/%s/%s", root, dir, req);
  size_t len;
  char *body = test_read_file(path, &len);
  ck_assert_msg(body != NULL, "cannot read %s", path);
  struct arena ar;
  arena_init(&ar, 0);
  struct flow_request fr;
  struct problem pr = { 0 };
  ck_assert_msg(request_parse(body, len, NULL, &ar, &fr, &pr) == OAC_OK, "%s: %s", path, pr.msg);
  struct service_request sr;
  ck_assert_int_eq(service_request_read(fr.root, &ar, &sr, &pr), OAC_OK);
  ck_assert_msg(sr.token && cJSON_IsString(sr.token), "%s: no token", path);
  ck_assert_msg(sr.ninputs >= 4, "%s: %zu inputs", path, sr.ninputs);
  ck_assert_uint_eq(sr.noutcomes, 1);
  ck_assert_str_eq(sr.outcomes[0].name, "go");
  ck_assert_ptr_nonnull(sr.outcomes[0].id);
  ck_assert_int_eq(sr.outcomes[0].order, 0);
  /* the inputs as service-email describes them: values from contentValue, objects and
   * lists from objectData, whatever contentType says */
  struct input_spec subject = { "Subject", CT_STRING, CI_F_REQUIRED, NULL, 0 };
  struct input_value v;
  ck_assert_int_eq(service_input_value(&subject, service_input_find(&sr, "subject"), &ar, &v,
                                       &pr), OAC_OK);
  ck_assert(v.set && *v.text);
  const struct service_input *from = service_input_find(&sr, "From");
  ck_assert_ptr_nonnull(from);
  if(from->objects) {                                    /* ContentObject in these cases */
    struct input_spec fs = { "From", CT_OBJECT, CI_F_REQUIRED, NULL, 0 };
    ck_assert_int_eq(service_input_value(&fs, from, &ar, &v, &pr), OAC_OK);
    ck_assert_str_eq(json_get_str(v.object, "developerName"), "Contact");
    struct input_spec ts = { "To", CT_LIST, CI_F_REQUIRED, NULL, 0 };
    ck_assert_int_eq(service_input_value(&ts, service_input_find(&sr, "To"), &ar, &v, &pr),
                     OAC_OK);
    ck_assert_int_ge(cJSON_GetArraySize(v.list), 1);
    /* HTML Body: described as ContentContent, sent as ContentString */
    struct input_spec hs = { "HTML Body", CT_CONTENT, 0, NULL, 0 };
    ck_assert_int_eq(service_input_value(&hs, service_input_find(&sr, "html body"), &ar, &v,
                                         &pr), OAC_OK);
    ck_assert_ptr_nonnull(strstr(v.text, "Hello"));
  }
  /* the ServiceResponse: service-email's fields, token and tenantId echoed */
  struct buf out;
  buf_init(&out);
  service_response(&out, &sr, "[]", 2, NULL);
  ck_assert(!buf_failed(&out));
  cJSON *mine = NULL;
  struct json_error je;
  ck_assert_int_eq(json_parse(out.data, out.len, &mine, &je), OAC_OK);
  snprintf(path, sizeof(path), "%s/%s/%s", root, dir, resp);
  cJSON *theirs = read_json(path);
  const cJSON *f;
  cJSON_ArrayForEach(f, theirs)
    ck_assert_msg(cJSON_GetObjectItemCaseSensitive(mine, f->string) != NULL,
                  "%s: the worker's ServiceResponse has no '%s'", path, f->string);
  ck_assert_str_eq(json_get_str(mine, "token"), json_get_str(theirs, "token"));
  ck_assert_str_eq(json_get_str(mine, "tenantId"), json_get_str(theirs, "tenantId"));
  ck_assert_str_eq(json_get_str(mine, "invokeType"), "FORWARD");
  cJSON_Delete(mine);
  cJSON_Delete(theirs);
  buf_free(&out);
  request_free(&fr);
  arena_free(&ar);
  free(body);
}

START_TEST(test_service_email_requests)
{
  static const struct { const char *dir, *req, *resp; } cases[] = {
    { "SendEmailController/simple", "request-send-simple-email.json",
      "response-send-simple-email.json" },
    { "SendEmailController/basic", "request-send-email.json", "response-send-email.json" },
    { "SendEmailController/decision", "request-send-email.json", "response-send-email.json" },
    { "SendEmailController/supportnull", "request-send-email.json",
      "response-send-email.json" },
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    check_case(cases[i].dir, cases[i].req, cases[i].resp);
  printf("%zu service-email ServiceRequests read\n", sizeof(cases) / sizeof(cases[0]));
}
END_TEST

Suite *suite(void)
{
  const char *env = getenv("OAC_FLOW_FIXTURES");
  const char *top = getenv("top_srcdir");
  if(env && *env)
    snprintf(root, sizeof(root), "%s/service-email", env);
  else
    snprintf(root, sizeof(root), "%s/../shared/flow-fixtures/service-email",
             top && *top ? top : "..");
  struct stat st;
  char probe[4200];
  snprintf(probe, sizeof(probe), "%s/SendEmailController/simple", root);
  if(stat(probe, &st) || !S_ISDIR(st.st_mode)) {
    check_skip("no service-email fixtures: %s is not a directory (set OAC_FLOW_FIXTURES to "
               "the flow-fixtures directory to run these tests)", probe);
    return NULL;
  }
  printf("service-email fixtures from %s\n", root);
  Suite *s = suite_create("action_fixtures");
  TCase *tc = tcase_create("service-email");
  tcase_add_test(tc, test_service_email_requests);
  suite_add_tcase(s, tc);
  return s;
}
