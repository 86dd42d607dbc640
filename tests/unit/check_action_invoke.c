/* check_action_invoke.c - message actions in the worker, the pure parts (issue 16): outcome selection by status
 * (product.md §14.4, flow/outcome.h), the ServiceRequest read tolerantly and the
 * ServiceResponse written (§14.3, flow-protocol.md §4.8, flow/service.h), the input checks
 * and conversions of §14.3 (service_input_value), and the action routing of §3
 * (action_route). The calls themselves are request cases (tests/data/requests/action-*).
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <string.h>

#include "cache/format.h"
#include "common/arena.h"
#include "common/buf.h"
#include "flow/json.h"
#include "flow/outcome.h"
#include "flow/service.h"
#include "worker/action.h"

/* ---- outcomes (§14.4) ------------------------------------------------------------- */

static const struct outcome_declared decl[] = {
  { 200, "adopted" }, { 404, "No such pet" }, { 409, "Already taken" },
  { 4, "Other client error" }, { 0, "Something broke" }
};
#define NDECL (sizeof(decl) / sizeof(decl[0]))

static int pick(unsigned status, const struct outcome_wired *w, size_t n, int *level)
{
  return outcome_select(status, decl, NDECL, w, n, level);
}

/* An `error` outcome listed first, with the lowest order, loses to the exact status. */
START_TEST(test_outcome_exact_beats_error)
{
  const struct outcome_wired w[] = { { "e", "error", 0 }, { "n", "404", 1 } };
  int level;
  ck_assert_int_eq(pick(404, w, 2, &level), 1);
  ck_assert_int_eq(level, 1);
  ck_assert_int_eq(pick(500, w, 2, &level), 0);   /* no 500: the catch-all */
  ck_assert_int_eq(level, 5);
  ck_assert_int_eq(pick(200, w, 2, &level), -1);  /* `error` never takes a 2xx */
  ck_assert_int_eq(level, 0);
}
END_TEST

/* Within a level the lowest order wins, then the earlier entry; names trimmed, any case. */
START_TEST(test_outcome_order)
{
  const struct outcome_wired w[] = {
    { "a", " Failed ", 7 }, { "b", "ERROR", 3 }, { "c", "error", 3 }, { "d", "fail", 0 }
  };
  ck_assert_int_eq(pick(503, w, 4, NULL), 1);
  const struct outcome_wired w2[] = { { "a", "409", OUTCOME_NO_ORDER }, { "b", "409", 2 } };
  ck_assert_int_eq(pick(409, w2, 2, NULL), 1);    /* an absent order sorts last */
  const struct outcome_wired w3[] = { { "a", "409", 2 }, { "b", "409", 2 } };
  ck_assert_int_eq(pick(409, w3, 2, NULL), 0);    /* a tie: the earlier entry */
}
END_TEST

/* Level 2 is the registry's phrase, whatever phrase the API sent: "Conflict" for 409, and
 * a wire phrase such as "Pet Taken" names nothing. */
START_TEST(test_outcome_reason_phrase)
{
  const struct outcome_wired w[] = {
    { "wire", "Pet Taken", 0 }, { "cls", "4xx", 0 }, { "std", "conflict", 5 }
  };
  int level;
  ck_assert_int_eq(pick(409, w, 3, &level), 2);
  ck_assert_int_eq(level, 2);
  const struct outcome_wired w2[] = { { "nf", "Not Found", 0 }, { "e", "error", 0 } };
  ck_assert_int_eq(pick(404, w2, 2, &level), 0);
  ck_assert_int_eq(level, 2);
  const struct outcome_wired w3[] = { { "tmr", "too many requests", 0 } };
  ck_assert_int_eq(pick(429, w3, 1, &level), 0);  /* the final status after retries */
}
END_TEST

/* Level 3: the status's description, else its class key's, else default's. */
START_TEST(test_outcome_description)
{
  const struct outcome_wired w[] = {
    { "cls", "4xx", 0 }, { "taken", "already taken", 1 }, { "other", "OTHER CLIENT ERROR", 2 },
    { "dflt", "something broke", 3 }
  };
  int level;
  ck_assert_int_eq(pick(409, w, 4, &level), 1);
  ck_assert_int_eq(level, 3);
  ck_assert_int_eq(pick(418, w, 4, &level), 2);   /* no 418: the 4XX key's description */
  ck_assert_int_eq(level, 3);
  ck_assert_int_eq(pick(502, w, 4, &level), 3);   /* no 5XX key: default's */
  ck_assert_int_eq(level, 3);
  ck_assert_str_eq(outcome_description(404, decl, NDECL), "No such pet");
  ck_assert_ptr_null(outcome_description(404, NULL, 0));
  const struct outcome_declared empty[] = { { 404, "" }, { 4, "client" } };
  ck_assert_ptr_null(outcome_description(404, empty, 2));   /* the status's own, empty */
}
END_TEST

/* Level 4 (class) before level 5; 2xx: success / ok; others: error / failed. */
START_TEST(test_outcome_class_and_generic)
{
  const struct outcome_wired w[] = { { "err", "error", 0 }, { "cls", "5XX", 9 } };
  int level;
  ck_assert_int_eq(pick(503, w, 2, &level), 1);
  ck_assert_int_eq(level, 4);
  const struct outcome_wired ok[] = { { "f", "failed", 0 }, { "o", "Ok", 4 }, { "s", "success", 2 } };
  ck_assert_int_eq(pick(201, ok, 3, &level), 2);  /* OK is 200's phrase, not 201's */
  ck_assert_int_eq(level, 5);
  ck_assert_int_eq(pick(200, ok, 3, &level), 1);  /* 200: "OK" is level 2 */
  ck_assert_int_eq(level, 2);
  ck_assert_int_eq(pick(400, ok, 3, &level), 0);
  const struct outcome_wired none[] = { { "x", NULL, 0 }, { "y", "", 0 }, { "z", "  ", 0 } };
  ck_assert_int_eq(pick(400, none, 3, &level), -1);
  ck_assert_int_eq(pick(400, NULL, 0, &level), -1);
}
END_TEST

/* ---- the ServiceRequest (flow-protocol.md §4.8) ----------------------------------- */

static struct arena ar;
static cJSON *root;
static struct problem pr;

static void setup(void)
{
  arena_init(&ar, 0);
  root = NULL;
  memset(&pr, 0, sizeof(pr));
}

static void teardown(void)
{
  cJSON_Delete(root);
  arena_free(&ar);
}

static void parse(const char *text, struct service_request *sr)
{
  struct json_error je;
  cJSON_Delete(root);
  root = NULL;
  ck_assert_int_eq(json_parse(text, strlen(text), &root, &je), OAC_OK);
  ck_assert_int_eq(service_request_read(root, &ar, sr, &pr), OAC_OK);
}

/* flow-protocol.md §4.8's example, with outcomes wired. */
START_TEST(test_request_protocol_example)
{
  struct service_request sr;
  parse("{ \"token\": \"9b1c\", \"tenantId\": \"t-1\", \"stateId\": \"s\", \"callbackUri\": "
        "\"https://flow.example/api/run/1/response\", \"configurationValues\": [], "
        "\"inputs\": [ { \"developerName\": \"To\", \"contentType\": \"ContentString\", "
        "\"contentValue\": \"a@b.c\" } ], \"outcomes\": [ {\"id\": \"o1\", \"developerName\": "
        "\"Sent\", \"label\": null, \"order\": 2, \"isBulkAction\": false} ] }", &sr);
  ck_assert_str_eq(sr.token->valuestring, "9b1c");
  ck_assert_str_eq(sr.tenant_id->valuestring, "t-1");
  ck_assert_ptr_null(sr.culture);
  ck_assert_ptr_null(sr.annotations);
  ck_assert_uint_eq(sr.ninputs, 1);
  const struct service_input *in = service_input_find(&sr, " to ");
  ck_assert_ptr_nonnull(in);
  ck_assert_str_eq(in->value->valuestring, "a@b.c");
  ck_assert_ptr_null(service_input_find(&sr, "From"));
  ck_assert_uint_eq(sr.noutcomes, 1);
  ck_assert_str_eq(sr.outcomes[0].id, "o1");
  ck_assert_str_eq(sr.outcomes[0].name, "Sent");
  ck_assert_int_eq(sr.outcomes[0].order, 2);
}
END_TEST

/* Tolerant: nulls, missing keys, other key case, junk elements, numbers and booleans as
 * contentValue. */
START_TEST(test_request_tolerant)
{
  struct service_request sr;
  parse("{}", &sr);
  ck_assert_ptr_null(sr.token);
  ck_assert_uint_eq(sr.ninputs, 0);
  ck_assert_uint_eq(sr.noutcomes, 0);
  parse("{\"TOKEN\": null, \"Inputs\": [null, 3, {\"DEVELOPERNAME\": \"  n  \", \"contentvalue\": "
        "12.50}, {\"developerName\": null, \"contentValue\": \"x\"}, {\"developerName\": \"b\", "
        "\"contentValue\": true, \"objectData\": null}], \"outcomes\": null, "
        "\"annotations\": {\"k\": \"v\"}}", &sr);
  ck_assert_ptr_null(sr.token);
  ck_assert_ptr_nonnull(sr.annotations);
  ck_assert_uint_eq(sr.ninputs, 3);
  const struct service_input *n = service_input_find(&sr, "N");
  ck_assert_ptr_nonnull(n);
  ck_assert_str_eq(json_num_text(n->value), "12.50");
  ck_assert_ptr_null(sr.inputs[1].name);
  ck_assert(cJSON_IsTrue(service_input_find(&sr, "b")->value));
  ck_assert_uint_eq(sr.noutcomes, 0);
  parse("{\"outcomes\": [{\"id\": 5, \"developerName\": \"x\"}, {\"id\": \"y\", \"order\": \"3\"}]}",
        &sr);
  ck_assert_uint_eq(sr.noutcomes, 2);
  ck_assert_ptr_null(sr.outcomes[0].id);          /* not a string: no id */
  ck_assert_int_eq(sr.outcomes[0].order, OUTCOME_NO_ORDER);
  ck_assert_int_eq(sr.outcomes[1].order, 3);
  ck_assert_ptr_null(sr.outcomes[1].name);
}
END_TEST

/* ---- input values (§14.3) --------------------------------------------------------- */

/* The value of a one-input request {"developerName": "x", ...VALUE_JSON} for SPEC: the
 * result, *OUT, and the problem in pr. */
static enum oac_result value_of(const struct input_spec *spec, const char *value_json,
                                struct input_value *out)
{
  char text[1024];
  struct service_request sr;
  snprintf(text, sizeof(text), "{\"inputs\": [{\"developerName\": \"x\"%s%s}]}",
           value_json ? ", " : "", value_json ? value_json : "");
  parse(text, &sr);
  memset(&pr, 0, sizeof(pr));
  return service_input_value(spec, service_input_find(&sr, spec->name), &ar, out, &pr);
}

#define ASSERT_400(spec, json, needle) do { \
    struct input_value v_; \
    ck_assert_int_ne(value_of((spec), (json), &v_), OAC_OK); \
    ck_assert_int_eq(pr.status, 400); \
    ck_assert_msg(strstr(pr.msg, (needle)) != NULL, "'%s' not in '%s'", (needle), pr.msg); \
    ck_assert_msg(strstr(pr.msg, "input 'x'") != NULL, "the input is not named: %s", pr.msg); \
  } while(0)

START_TEST(test_input_errors)
{
  struct input_spec num = { "x", CT_NUMBER, CI_F_REQUIRED, NULL, 0 };
  ASSERT_400(&num, "\"contentValue\": \"1,5\"", "is not a number");
  ASSERT_400(&num, "\"contentValue\": \"0x10\"", "is not a number");
  ASSERT_400(&num, "\"contentValue\": \"\"", "is required");
  ASSERT_400(&num, "\"contentValue\": null", "is required");
  struct input_spec absent = { "x", CT_STRING, CI_F_REQUIRED, NULL, 0 };
  absent.name = "y";
  {
    struct input_value v;
    ck_assert_int_ne(value_of(&absent, "\"contentValue\": \"a\"", &v), OAC_OK);
    ck_assert_int_eq(pr.status, 400);
    ck_assert_ptr_nonnull(strstr(pr.msg, "input 'y' is required"));
    ck_assert_ptr_nonnull(strstr(pr.msg, "no such input"));
  }
  struct input_spec b = { "x", CT_BOOLEAN, 0, NULL, 0 };
  ASSERT_400(&b, "\"contentValue\": \"yes\"", "is not a boolean");
  ASSERT_400(&b, "\"contentValue\": \"1\"", "is not a boolean");
  struct input_spec d = { "x", CT_DATETIME, 0, NULL, 0 };
  ASSERT_400(&d, "\"contentValue\": \"05/06/2024\"", "is not an ISO 8601");
  ASSERT_400(&d, "\"contentValue\": \"2024-02-30\"", "is not an ISO 8601");
  struct input_spec o = { "x", CT_OBJECT, 0, NULL, 1 };
  ASSERT_400(&o, "\"objectData\": [{\"properties\": []}, {\"properties\": []}]",
             "holds one object; objectData has 2");
  struct input_spec ro = { "x", CT_OBJECT, CI_F_REQUIRED, NULL, 1 };
  ASSERT_400(&ro, "\"objectData\": []", "is required");
  ASSERT_400(&ro, "\"contentValue\": \"{}\"", "is required");   /* objects: objectData only */
  struct input_spec rl = { "x", CT_LIST, CI_F_REQUIRED, NULL, 1 };
  ASSERT_400(&rl, "\"objectData\": null", "is required");
}
END_TEST

START_TEST(test_input_values)
{
  struct input_value v;
  struct input_spec num = { "x", CT_NUMBER, 0, NULL, 0 };
  ck_assert_int_eq(value_of(&num, "\"contentValue\": \" -1.5e3 \"", &v), OAC_OK);
  ck_assert_str_eq(v.text, "-1.5e3");
  ck_assert_int_eq(value_of(&num, "\"contentValue\": 42", &v), OAC_OK);   /* a JSON number */
  ck_assert_str_eq(v.text, "42");
  ck_assert_int_eq(value_of(&num, "\"contentValue\": \"\"", &v), OAC_OK); /* optional: none */
  ck_assert_int_eq(v.set, 0);
  struct input_spec b = { "x", CT_BOOLEAN, 0, NULL, 0 };
  ck_assert_int_eq(value_of(&b, "\"contentValue\": \"TRUE\"", &v), OAC_OK);
  ck_assert_str_eq(v.text, "true");
  ck_assert_int_eq(value_of(&b, "\"contentValue\": false", &v), OAC_OK);
  ck_assert_str_eq(v.text, "false");
  struct input_spec d = { "x", CT_DATETIME, CI_F_DATE, NULL, 0 };
  ck_assert_int_eq(value_of(&d, "\"contentValue\": \"2024-05-06T23:30:00+02:00\"", &v), OAC_OK);
  ck_assert_str_eq(v.text, "2024-05-06");
  d.flags = 0;
  ck_assert_int_eq(value_of(&d, "\"contentValue\": \"2024-05-06T23:30:00Z\"", &v), OAC_OK);
  ck_assert_str_eq(v.text, "2024-05-06T23:30:00Z");
  /* contentType is never trusted: a ContentString sent for a number is still checked */
  ck_assert_int_eq(value_of(&num, "\"contentType\": \"ContentString\", \"contentValue\": \"7\"",
                            &v), OAC_OK);
  ck_assert_str_eq(v.text, "7");
  /* strings keep their spaces */
  struct input_spec s = { "x", CT_STRING, 0, NULL, 0 };
  ck_assert_int_eq(value_of(&s, "\"contentValue\": \" a b \"", &v), OAC_OK);
  ck_assert_str_eq(v.text, " a b ");
  /* defaults for an empty or absent optional input */
  struct input_spec def = { "x", CT_NUMBER, CI_F_DEFAULT, "3", 0 };
  ck_assert_int_eq(value_of(&def, NULL, &v), OAC_OK);
  ck_assert_int_eq(v.set, 1);
  ck_assert_str_eq(v.text, "3");
  ck_assert_int_eq(value_of(&def, "\"contentValue\": \"5\"", &v), OAC_OK);
  ck_assert_str_eq(v.text, "5");
  /* arrays: comma-separated, trimmed, empty ones left out, joined per the style */
  struct input_spec arr = { "x", CT_STRING, CI_F_ARRAY | CI_F_EXPLODE, NULL, 0 };
  ck_assert_int_eq(value_of(&arr, "\"contentValue\": \" a, b ,,c \"", &v), OAC_OK);
  ck_assert_uint_eq(v.nparts, 3);
  ck_assert_str_eq(v.parts[0], "a");
  ck_assert_str_eq(v.parts[2], "c");
  ck_assert_str_eq(v.text, "a,b,c");
  arr.flags = CI_F_ARRAY | CI_F_PIPE_DELIM;
  ck_assert_int_eq(value_of(&arr, "\"contentValue\": \"a,b\"", &v), OAC_OK);
  ck_assert_str_eq(v.text, "a|b");
  arr.flags = CI_F_ARRAY | CI_F_SPACE_DELIM;
  ck_assert_int_eq(value_of(&arr, "\"contentValue\": \"a,b\"", &v), OAC_OK);
  ck_assert_str_eq(v.text, "a b");
  ck_assert_int_eq(value_of(&arr, "\"contentValue\": \" , \"", &v), OAC_OK);
  ck_assert_int_eq(v.set, 0);
  /* objects and lists from objectData */
  struct input_spec o = { "x", CT_OBJECT, CI_F_REQUIRED, NULL, 1 };
  ck_assert_int_eq(value_of(&o, "\"contentType\": \"ContentString\", \"objectData\": "
                            "[{\"developerName\": \"T\", \"properties\": []}]", &v), OAC_OK);
  ck_assert_str_eq(json_get_str(v.object, "developerName"), "T");
  struct input_spec l = { "x", CT_LIST, 0, NULL, 1 };
  ck_assert_int_eq(value_of(&l, "\"objectData\": [{}, {}]", &v), OAC_OK);
  ck_assert_int_eq(cJSON_GetArraySize(v.list), 2);
  ck_assert_int_eq(value_of(&l, "\"objectData\": []", &v), OAC_OK);
  ck_assert_int_eq(v.set, 0);
}
END_TEST

/* ---- the ServiceResponse (flow-protocol.md §4.8) ----------------------------------- */

START_TEST(test_response_fields)
{
  struct service_request sr;
  parse("{\"token\": \"tk\", \"tenantId\": \"tn\", \"culture\": {\"language\": \"EN\", "
        "\"x\": 1.50}, \"annotations\": {\"a\": [1, true, null]}}", &sr);
  struct buf b;
  buf_init(&b);
  buf_putc(&b, '[');
  service_output(&b, "Status Code", "ContentNumber", "200", 3, NULL, 0, NULL);
  buf_putc(&b, ']');
  struct buf out;
  buf_init(&out);
  service_response(&out, &sr, b.data, b.len, "o-1");
  ck_assert(!buf_failed(&out));
  cJSON *j = NULL;
  struct json_error je;
  ck_assert_int_eq(json_parse(out.data, out.len, &j, &je), OAC_OK);
  static const char *const fields[] = {
    "token", "tenantId", "culture", "annotations", "invokeType", "waitMessage", "outputs",
    "selectedOutcomeId", "rootFaults", "valueFaults", "mode"
  };
  for(size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
    ck_assert_msg(cJSON_GetObjectItemCaseSensitive(j, fields[i]) != NULL, "no %s in %s",
                  fields[i], out.data);
  ck_assert_int_eq(cJSON_GetArraySize(j), 11);
  ck_assert_str_eq(json_get_str(j, "token"), "tk");
  ck_assert_str_eq(json_get_str(j, "tenantId"), "tn");
  ck_assert_str_eq(json_get_str(j, "invokeType"), "FORWARD");
  ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "waitMessage")));
  ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "mode")));
  ck_assert_str_eq(json_get_str(j, "selectedOutcomeId"), "o-1");
  ck_assert(cJSON_IsObject(json_get(j, "rootFaults")) && !json_get(j, "rootFaults")->child);
  ck_assert_int_eq(cJSON_GetArraySize(json_get(j, "valueFaults")), 0);
  ck_assert_str_eq(json_num_text(json_get(json_get(j, "culture"), "x")), "1.50");
  ck_assert_ptr_nonnull(strstr(out.data, "\"annotations\":{\"a\":[1,true,null]}"));
  const cJSON *o = cJSON_GetArrayItem(json_get(j, "outputs"), 0);
  static const char *const ofields[] = {
    "developerName", "contentType", "contentValue", "objectData", "typeElementDeveloperName"
  };
  for(size_t i = 0; i < sizeof(ofields) / sizeof(ofields[0]); i++)
    ck_assert_msg(cJSON_GetObjectItemCaseSensitive(o, ofields[i]) != NULL, "no %s", ofields[i]);
  ck_assert_str_eq(json_get_str(o, "contentValue"), "200");
  /* absent token and annotations: null; no outcome: null */
  parse("{}", &sr);
  buf_reset(&out);
  service_response(&out, &sr, NULL, 0, NULL);
  buf_putc(&out, '\0');
  ck_assert_str_eq(out.data, "{\"token\":null,\"tenantId\":null,\"culture\":null,"
                   "\"annotations\":null,\"invokeType\":\"FORWARD\",\"waitMessage\":null,"
                   "\"outputs\":[],\"selectedOutcomeId\":null,\"rootFaults\":{},"
                   "\"valueFaults\":[],\"mode\":null}");
  cJSON_Delete(j);
  buf_free(&b);
  buf_free(&out);
}
END_TEST

/* ---- routing (§3) ----------------------------------------------------------------- */

START_TEST(test_route)
{
  static const struct { const char *prefix, *path, *slug; } cases[] = {
    { NULL, "/actions/adopt", "adopt" },
    { NULL, "/api/openapi/actions/adopt", "adopt" },
    { NULL, "/api/openapi/actions/adopt/", "adopt" },          /* one trailing '/' */
    { NULL, "/actions/status-action", "status-action" },
    { NULL, "/actions/a%2Fb", "a%2Fb" },                        /* no percent-decoding */
    { NULL, "/actions/metadata", NULL },                        /* reserved: the table's */
    { NULL, "/actions/data", NULL },
    { NULL, "/x/actions/health", NULL },
    { NULL, "/actions/authorization", NULL },
    { NULL, "/actions/authentication", NULL },
    { NULL, "/actions/metrics", NULL },
    { NULL, "/actions/status", NULL },
    { NULL, "/actions/", NULL },
    { NULL, "/actions", NULL },
    { NULL, "/myactions/adopt", NULL },                         /* at a '/' boundary */
    { NULL, "/actions/adopt//", NULL },
    { NULL, "actions/adopt", NULL },
    { "/api", "/api/actions/adopt", "adopt" },
    { "/api/", "/api/actions/adopt", "adopt" },
    { "/api", "/api/x/actions/adopt", NULL },                   /* --prefix: exactly */
    { "/api", "/other/actions/adopt", NULL },
    { "/api", "/api/actions/data", NULL },
    { "", "/z/actions/adopt", "adopt" },                        /* empty = no prefix */
    { "/", "/actions/adopt", "adopt" },                         /* "/": exactly */
    { "/flow", "/flowx", NULL },                                /* a slug inside the prefix */
    { "/flow", "/flow", NULL },
    { "/flow/actions", "/flow/actions/x", NULL },
    { "/", "/z/actions/adopt", NULL },
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *slug = NULL;
    size_t len = 0;
    int ok = action_route(cases[i].prefix, cases[i].path, strlen(cases[i].path), &slug, &len);
    if(!cases[i].slug)
      ck_assert_msg(!ok, "%s is no action path", cases[i].path);
    else {
      ck_assert_msg(ok, "%s is an action path", cases[i].path);
      ck_assert_uint_eq(len, strlen(cases[i].slug));
      ck_assert(!memcmp(slug, cases[i].slug, len));
    }
  }
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("action_invoke");
  TCase *tc = tcase_create("outcomes");
  tcase_add_test(tc, test_outcome_exact_beats_error);
  tcase_add_test(tc, test_outcome_order);
  tcase_add_test(tc, test_outcome_reason_phrase);
  tcase_add_test(tc, test_outcome_description);
  tcase_add_test(tc, test_outcome_class_and_generic);
  suite_add_tcase(s, tc);
  tc = tcase_create("service");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_request_protocol_example);
  tcase_add_test(tc, test_request_tolerant);
  tcase_add_test(tc, test_input_errors);
  tcase_add_test(tc, test_input_values);
  tcase_add_test(tc, test_response_fields);
  suite_add_tcase(s, tc);
  tc = tcase_create("route");
  tcase_add_test(tc, test_route);
  suite_add_tcase(s, tc);
  return s;
}
