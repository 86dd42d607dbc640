/* check_form.c - unit tests for src/flow/form.c: the bytes of form bodies (product.md §13.1).
 *
 * Every expected string is written out by hand from §13.1's rules (and, for Stripe's
 * shapes, from the examples of Stripe's public API reference: metadata[order_id]=6735,
 * line_items[0][price]=..., expand[]=...); UTF-8 bytes from Python's
 * "é€😀".encode().hex().
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "flow/json.h"
#include "flow/form.h"

static void expect_form(const char *json, const struct form_field *fields, size_t n,
                        const char *want)
{
  cJSON *body = NULL;
  struct json_error jerr;
  ck_assert_int_eq(json_parse(json, strlen(json), &body, &jerr), OAC_OK);
  struct buf out;
  buf_init(&out);
  ck_assert_int_eq(form_urlencode(body, fields, n, &out), OAC_OK);
  ck_assert_msg(!strcmp(out.data ? out.data : "", want), "%s\n  gave  %s\n  want  %s", json,
                out.data ? out.data : "", want);
  buf_free(&out);
  cJSON_Delete(body);
}

START_TEST(test_pair_order_and_scalars)
{
  /* members in the body's order (not sorted), numbers as written, booleans lower case */
  expect_form("{\"zeta\":\"z\",\"amount\":2000,\"price\":1.50,\"big\":1e3,\"live\":true,"
              "\"off\":false,\"alpha\":\"a\"}", NULL, 0,
              "zeta=z&amount=2000&price=1.50&big=1e3&live=true&off=false&alpha=a");
}
END_TEST

START_TEST(test_reserved_characters)
{
  /* space is '+', unreserved stay, everything else %XX upper-case; '[' ']' encoded in
   * values */
  expect_form("{\"q\":\"a b&c=d+e/f?g#h%i[j]k,l;m:n@o!p*q'r(s)t$u-v.w_x~y\"}", NULL, 0,
              "q=a+b%26c%3Dd%2Be%2Ff%3Fg%23h%25i%5Bj%5Dk%2Cl%3Bm%3An%40o%21p%2Aq%27r%28s%29"
              "t%24u-v.w_x~y");
  /* control bytes and a quote */
  expect_form("{\"t\":\"l1\\nl2\\t\\\"\"}", NULL, 0, "t=l1%0Al2%09%22");
}
END_TEST

START_TEST(test_names_keep_brackets)
{
  expect_form("{\"a[b]\":\"x y\",\"na me\":\"v\",\"k&=\":\"1\"}", NULL, 0,
              "a[b]=x+y&na+me=v&k%26%3D=1");
  /* a key inside a deepObject keeps its brackets too, and encodes the rest */
  expect_form("{\"metadata\":{\"order id\":\"6735\",\"[x]\":\"y\"}}", NULL, 0,
              "metadata[order+id]=6735&metadata[[x]]=y");
}
END_TEST

START_TEST(test_unicode)
{
  expect_form("{\"n\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", NULL, 0,
              "n=%C3%A9%E2%82%AC%F0%9F%98%80");
  /* \u escapes in the JSON are the same UTF-8 bytes */
  expect_form("{\"n\\u00e9\":\"\\u20ac\"}", NULL, 0, "n%C3%A9=%E2%82%AC");
}
END_TEST

START_TEST(test_deep_object)
{
  static const struct form_field f[] = { { "metadata", FORM_F_DEEP } };
  expect_form("{\"metadata\":{\"order_id\":\"6735\",\"nested\":{\"a\":{\"b\":\"c\"}}},"
              "\"x\":\"1\"}", f, 1,
              "metadata[order_id]=6735&metadata[nested][a][b]=c&x=1");
  /* an object under style form (the default) is written the same way */
  expect_form("{\"metadata\":{\"order_id\":\"6735\"}}", NULL, 0, "metadata[order_id]=6735");
  /* an empty object sends nothing */
  expect_form("{\"a\":{},\"b\":\"1\"}", NULL, 0, "b=1");
}
END_TEST

START_TEST(test_arrays_of_objects)
{
  static const struct form_field f[] = { { "line_items", FORM_F_DEEP } };
  const char *json = "{\"line_items\":[{\"price\":\"price_1\",\"quantity\":2},"
                     "{\"price\":\"price_2\",\"quantity\":1,\"tax_rates\":[\"t1\",\"t2\"]}]}";
  const char *want = "line_items[0][price]=price_1&line_items[0][quantity]=2&"
                     "line_items[1][price]=price_2&line_items[1][quantity]=1&"
                     "line_items[1][tax_rates][]=t1&line_items[1][tax_rates][]=t2";
  expect_form(json, f, 1, want);
  /* under form (explode true or false) an array holding objects is deepObject too */
  expect_form(json, NULL, 0, want);
  static const struct form_field g[] = { { "line_items", FORM_F_NO_EXPLODE } };
  expect_form(json, g, 1, want);
}
END_TEST

START_TEST(test_arrays_of_scalars)
{
  static const struct form_field deep[] = { { "expand", FORM_F_DEEP } };
  expect_form("{\"expand\":[\"customer\",\"invoice.subscription\"]}", deep, 1,
              "expand[]=customer&expand[]=invoice.subscription");
  /* form, explode true (the default) */
  expect_form("{\"a\":[1,2,\"x y\"]}", NULL, 0, "a=1&a=2&a=x+y");
  static const struct form_field ex[] = { { "a", 0 } };
  expect_form("{\"a\":[1,2]}", ex, 1, "a=1&a=2");
  /* form, explode false: the separating commas as they are, a comma in a value encoded */
  static const struct form_field nx[] = { { "a", FORM_F_NO_EXPLODE } };
  expect_form("{\"a\":[1,2]}", nx, 1, "a=1,2");
  expect_form("{\"a\":[\"x,y\",\"z\",true]}", nx, 1, "a=x%2Cy,z,true");
  /* an empty array sends nothing, in every style */
  expect_form("{\"a\":[],\"b\":\"1\"}", nx, 1, "b=1");
  expect_form("{\"expand\":[],\"b\":\"1\"}", deep, 1, "b=1");
  expect_form("{\"a\":[],\"b\":\"1\"}", NULL, 0, "b=1");
  /* flags are per member name: another member keeps the default */
  expect_form("{\"b\":[1,2],\"a\":[3,4]}", nx, 1, "b=1&b=2&a=3,4");
}
END_TEST

START_TEST(test_booleans_and_empty_values)
{
  /* "" and null (emptyAs empty / null) both send name= */
  expect_form("{\"a\":\"\",\"b\":null,\"c\":{\"d\":null,\"e\":\"\"},\"f\":true}", NULL, 0,
              "a=&b=&c[d]=&c[e]=&f=true");
  static const struct form_field deep[] = { { "l", FORM_F_DEEP } };
  expect_form("{\"l\":[null,\"\"]}", deep, 1, "l[]=&l[]=");
  static const struct form_field nx[] = { { "l", FORM_F_NO_EXPLODE } };
  expect_form("{\"l\":[null,\"a\",\"\"]}", nx, 1, "l=,a,");
  /* an empty body is no pair at all */
  expect_form("{}", NULL, 0, "");
}
END_TEST

START_TEST(test_not_an_object)
{
  cJSON *a = cJSON_CreateArray();
  struct buf out;
  buf_init(&out);
  char boundary[72];
  ck_assert_int_eq(form_urlencode(a, NULL, 0, &out), OAC_EDOC);
  ck_assert_int_eq(form_multipart(a, &out, boundary), OAC_EDOC);
  ck_assert_uint_eq(out.len, 0);
  buf_free(&out);
  cJSON_Delete(a);
}
END_TEST

START_TEST(test_multipart)
{
  const char *json = "{\"name\":\"Jenny Rosen\",\"n\":5,\"ok\":false,\"e\":null,"
                     "\"tags\":[\"a\",\"b\"],\"meta\":{\"k\":1.0},\"q\\\"x\":\"\xc3\xa9\"}";
  cJSON *body = NULL;
  struct json_error jerr;
  ck_assert_int_eq(json_parse(json, strlen(json), &body, &jerr), OAC_OK);
  struct buf out;
  buf_init(&out);
  char b[72];
  ck_assert_int_eq(form_multipart(body, &out, b), OAC_OK);
  ck_assert_uint_le(strlen(b), 70);
  ck_assert_uint_gt(strlen(b), 0);
  char want[2048];
  snprintf(want, sizeof(want),
           "--%s\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nJenny Rosen\r\n"
           "--%s\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n5\r\n"
           "--%s\r\nContent-Disposition: form-data; name=\"ok\"\r\n\r\nfalse\r\n"
           "--%s\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n"
           "--%s\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\na\r\n"
           "--%s\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nb\r\n"
           "--%s\r\nContent-Disposition: form-data; name=\"meta\"\r\n"
           "Content-Type: application/json\r\n\r\n{\"k\":1.0}\r\n"
           "--%s\r\nContent-Disposition: form-data; name=\"q%%22x\"\r\n\r\n\xc3\xa9\r\n"
           "--%s--\r\n", b, b, b, b, b, b, b, b, b);
  ck_assert_str_eq(out.data, want);
  /* the boundary occurs nowhere in the content: only in its delimiter lines */
  size_t count = 0;
  for(const char *s = strstr(out.data, b); s; s = strstr(s + 1, b))
    count++;
  ck_assert_uint_eq(count, 9);
  buf_free(&out);
  cJSON_Delete(body);
}
END_TEST

START_TEST(test_multipart_boundary_avoids_content)
{
  /* a value that holds the boundary the first choice would be: the next one is taken */
  const char *first_json = "{\"a\":\"x\"}";
  cJSON *body = NULL;
  struct json_error jerr;
  ck_assert_int_eq(json_parse(first_json, strlen(first_json), &body, &jerr), OAC_OK);
  struct buf out;
  buf_init(&out);
  char b1[72], b2[72];
  ck_assert_int_eq(form_multipart(body, &out, b1), OAC_OK);
  cJSON_Delete(body);
  /* the boundary depends on the content; put the first boundary into a value, and check
   * that whatever is chosen for that content does not occur in the value */
  char json[256];
  snprintf(json, sizeof(json), "{\"a\":\"--%s--\"}", b1);
  ck_assert_int_eq(json_parse(json, strlen(json), &body, &jerr), OAC_OK);
  buf_reset(&out);
  ck_assert_int_eq(form_multipart(body, &out, b2), OAC_OK);
  ck_assert_str_ne(b1, b2);
  size_t count = 0;
  for(const char *s = strstr(out.data, b2); s; s = strstr(s + 1, b2))
    count++;
  ck_assert_uint_eq(count, 2);
  buf_free(&out);
  cJSON_Delete(body);
}
END_TEST

START_TEST(test_encode_primitive)
{
  struct buf out;
  buf_init(&out);
  form_encode(&out, "a b[c]~", 7, 1);
  ck_assert_str_eq(out.data, "a+b[c]~");
  buf_reset(&out);
  form_encode(&out, "a b[c]~", 7, 0);
  ck_assert_str_eq(out.data, "a+b%5Bc%5D~");
  buf_reset(&out);
  form_encode(&out, "\xff\x00", 2, 0);
  ck_assert_str_eq(out.data, "%FF%00");
  buf_free(&out);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("form");
  TCase *tc = tcase_create("urlencoded");
  tcase_add_test(tc, test_pair_order_and_scalars);
  tcase_add_test(tc, test_reserved_characters);
  tcase_add_test(tc, test_names_keep_brackets);
  tcase_add_test(tc, test_unicode);
  tcase_add_test(tc, test_deep_object);
  tcase_add_test(tc, test_arrays_of_objects);
  tcase_add_test(tc, test_arrays_of_scalars);
  tcase_add_test(tc, test_booleans_and_empty_values);
  tcase_add_test(tc, test_not_an_object);
  tcase_add_test(tc, test_encode_primitive);
  suite_add_tcase(s, tc);
  TCase *mp = tcase_create("multipart");
  tcase_add_test(mp, test_multipart);
  tcase_add_test(mp, test_multipart_boundary_avoids_content);
  suite_add_tcase(s, mp);
  return s;
}
