/* check_api_error.c - product.md §13.5 (src/flow/api_error.h): the message of an API's
 * error answer from each known body shape, the order in which they are tried, the start of
 * a body of no known shape (200 characters, never inside a UTF-8 character) and the cut of
 * the whole message at 500 bytes on a character boundary. */
#include <check.h>
#include "check_main.h"
#include <string.h>

#include "common/buf.h"
#include "flow/api_error.h"
#include "flow/problem.h"

static struct buf out;

static void setup(void)
{
  buf_init(&out);
}

static void teardown(void)
{
  buf_free(&out);
}

static const char *msg_of(const char *body, int problem_type)
{
  buf_reset(&out);
  api_error_message(body, strlen(body), problem_type, &out);
  buf_putc(&out, '\0');
  ck_assert(!buf_failed(&out));
  return out.data;
}

struct shape {
  const char *name, *body;
  int problem_type;
  const char *want;
};

static const struct shape shapes[] = {
  { "RFC 9457 title and detail",
    "{\"type\":\"https://example.com/probs/out-of-credit\",\"title\":\"You do not have "
    "enough credit.\",\"detail\":\"Your current balance is 30, but that costs 50.\","
    "\"instance\":\"/account/12345/msgs/abc\",\"balance\":30}", 1,
    "You do not have enough credit.: Your current balance is 30, but that costs 50." },
  { "RFC 9457 errors[].detail",
    "{\"type\":\"about:blank\",\"title\":\"Validation failed\",\"status\":422,"
    "\"errors\":[{\"detail\":\"must be a positive integer\",\"pointer\":\"#/age\"},"
    "{\"detail\":\"must be 'green', 'red' or 'blue'\",\"pointer\":\"#/profile/color\"}]}", 1,
    "Validation failed; must be a positive integer; must be 'green', 'red' or 'blue'" },
  { "problem details without the media type (detail only)",
    "{\"detail\":\"The requested resource was not found\",\"status\":404}", 0,
    "The requested resource was not found" },
  { "problem+json with only errors[].detail",
    "{\"status\":400,\"errors\":[{\"detail\":\"a\"},{\"detail\":\"b\"}]}", 1, "a; b" },
  { "Stripe",
    "{\"error\":{\"code\":\"resource_missing\",\"doc_url\":\"https://stripe.com/docs/error-codes"
    "/resource-missing\",\"message\":\"No such customer: 'cus_123'\",\"param\":\"id\","
    "\"type\":\"invalid_request_error\"}}", 0, "No such customer: 'cus_123'" },
  { "GitHub message and errors",
    "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\",\"field\":\"title\","
    "\"code\":\"missing_field\",\"message\":\"title is missing\"},{\"resource\":\"Issue\","
    "\"code\":\"custom\",\"message\":\"body is too long\"}],\"documentation_url\":"
    "\"https://docs.github.com/rest\"}", 0, "Validation Failed; title is missing; body is too long" },
  { "GitHub message, errors without messages",
    "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\",\"code\":\"invalid\"}]}",
    0, "Validation Failed" },
  { "OAuth error_description",
    "{\"error\":\"invalid_grant\",\"error_description\":\"The refresh token has expired\"}", 0,
    "The refresh token has expired" },
  { "errors[].message",
    "{\"errors\":[{\"message\":\"Cannot query field 'x'\"},{\"message\":\"second\"}]}", 0,
    "Cannot query field 'x'; second" },
  { "error as text",
    "{\"error\":\"Not authorized\",\"code\":401}", 0, "Not authorized" },
  { "message only",
    "{\"message\":\"Rate limit exceeded\",\"status\":429}", 0, "Rate limit exceeded" },
  /* first match: the problem's title beats a message, Stripe's error beats a message */
  { "title before message",
    "{\"title\":\"Bad Request\",\"message\":\"ignored\"}", 0, "Bad Request" },
  { "error.message before message",
    "{\"error\":{\"message\":\"from error\"},\"message\":\"ignored\"}", 0, "from error" },
  { "error_description before error text",
    "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}", 0,
    "Client authentication failed" },
  { "line breaks become spaces",
    "{\"message\":\"line one\\nline two\\ttab\"}", 0, "line one line two tab" },
  { "non-string values are not messages",
    "{\"message\":42,\"error\":{\"message\":null}}", 0,
    "{\"message\":42,\"error\":{\"message\":null}}" },
  { "JSON of no known shape: its start",
    "{\"status\":\"fail\",\"reason\":17}", 0, "{\"status\":\"fail\",\"reason\":17}" },
  { "an array", "[\"a\",\"b\"]", 0, "[\"a\",\"b\"]" },
  { "not JSON", "<html><body>Bad\r\nGateway</body></html>", 0,
    "<html><body>Bad  Gateway</body></html>" },
  { "broken JSON", "{\"message\":\"unterminated", 0, "{\"message\":\"unterminated" },
  { "empty", "", 0, "" },
  { "blank", "  \r\n", 0, "" },
};

START_TEST(each_shape)
{
  const struct shape *t = &shapes[_i];
  const char *got = msg_of(t->body, t->problem_type);
  ck_assert_msg(!strcmp(got, t->want), "%s: got '%s', want '%s'", t->name, got, t->want);
}
END_TEST

START_TEST(start_is_200_characters)
{
  struct buf body;
  buf_init(&body);
  /* 300 two-byte characters: the start is 200 of them, 400 bytes */
  for(int i = 0; i < 300; i++)
    buf_puts(&body, "\xc3\xa9");
  api_error_message(body.data, body.len, 0, &out);
  ck_assert_uint_eq(out.len, 400);
  buf_reset(&body);
  buf_reset(&out);
  for(int i = 0; i < 250; i++)
    buf_putc(&body, 'x');
  api_error_message(body.data, body.len, 0, &out);
  ck_assert_uint_eq(out.len, 200);
  buf_free(&body);
}
END_TEST

START_TEST(long_message_kept_whole)
{
  /* a problem's detail longer than 200 characters is not cut at 200 */
  struct buf body;
  buf_init(&body);
  buf_puts(&body, "{\"title\":\"T\",\"detail\":\"");
  for(int i = 0; i < 60; i++)
    buf_puts(&body, "word ");
  buf_puts(&body, "end\"}");
  api_error_message(body.data, body.len, 1, &out);
  ck_assert_uint_eq(out.len, 3 + 300 + 3);
  ck_assert(!memcmp(out.data, "T: word ", 8));
  ck_assert(!memcmp(out.data + out.len - 8, "word end", 8));
  buf_free(&body);
}
END_TEST

START_TEST(cut_on_boundary)
{
  char s[600];
  /* ASCII: exactly 500 */
  memset(s, 'a', sizeof s);
  ck_assert_uint_eq(api_error_cut(s, sizeof s, 500), 500);
  ck_assert_uint_eq(api_error_cut(s, 499, 500), 499);
  ck_assert_uint_eq(api_error_cut(s, 500, 500), 500);
  /* a 3-byte character across byte 500: cut before it */
  memset(s, 'a', 498);
  memcpy(s + 498, "\xe2\x82\xac", 3);         /* bytes 498..500 */
  memset(s + 501, 'b', 99);
  ck_assert_uint_eq(api_error_cut(s, 600, 500), 498);
  /* a 4-byte character ending exactly at 500: kept */
  memset(s, 'a', 496);
  memcpy(s + 496, "\xf0\x9f\x98\x80", 4);     /* bytes 496..499 */
  s[500] = 'c';
  ck_assert_uint_eq(api_error_cut(s, 600, 500), 500);
  /* two-byte characters all along: an even cut */
  for(int i = 0; i < 600; i += 2)
    memcpy(s + i, "\xc3\xa9", 2);
  ck_assert_uint_eq(api_error_cut(s, 600, 500), 500);
  ck_assert_uint_eq(api_error_cut(s, 600, 499), 498);
}
END_TEST

/* A note appended after a long API message (what a batch already saved, that a record was
 * created) stays inside the 500 bytes Flow shows: the API's text is cut to make room, on a
 * UTF-8 boundary, marked "..."; a short message is left whole. */
START_TEST(note_survives_the_cut)
{
  struct problem p;
  memset(&p, 0, sizeof(p));
  char api[700];
  memset(api, 'x', sizeof(api) - 1);
  api[sizeof(api) - 1] = '\0';
  memcpy(api + 480, "\xc3\xa9\xc3\xa9\xc3\xa9", 6);   /* é around the cut */
  problem_set(&p, 502, "The API answered POST /x with status 422: %s", api);
  problem_note(&p, " [saved before this failure, do not retry them: internalId i1]");
  struct buf b;
  buf_init(&b);
  problem_write_json(&b, &p, "/data");
  buf_putc(&b, '\0');
  ck_assert_ptr_nonnull(strstr(b.data, "[saved before this failure, do not retry them: "
                                        "internalId i1]\""));
  ck_assert_ptr_nonnull(strstr(b.data, "... [saved"));
  ck_assert_uint_le(strlen(p.msg), PROBLEM_MSG_SHOWN);
  for(size_t i = 0; p.msg[i]; i++)                /* no broken UTF-8 sequence left */
    if(((unsigned char)p.msg[i] & 0xE0) == 0xC0)
      ck_assert_int_eq((unsigned char)p.msg[i + 1] & 0xC0, 0x80);
  buf_free(&b);
  memset(&p, 0, sizeof(p));
  problem_set(&p, 502, "short");
  problem_note(&p, " [nothing was saved]");
  ck_assert_str_eq(p.msg, "short [nothing was saved]");
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("api_error");
  TCase *tc = tcase_create("shapes");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, each_shape, 0, (int)(sizeof(shapes) / sizeof(shapes[0])));
  tcase_add_test(tc, start_is_200_characters);
  tcase_add_test(tc, long_message_kept_whole);
  suite_add_tcase(s, tc);
  tc = tcase_create("cut");
  tcase_add_test(tc, cut_on_boundary);
  tcase_add_test(tc, note_survives_the_cut);
  suite_add_tcase(s, tc);
  return s;
}
