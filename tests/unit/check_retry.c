/* check_retry.c - product.md §13.4 (src/worker/retry.h): Retry-After as seconds and as
 * HTTP dates in the three forms of RFC 9110 §5.6.7, garbage that counts as absent, waits
 * that do not fit the budget, the count of retries, and the method/status rules. */
#include <check.h>
#include "check_main.h"
#include <string.h>
#include <time.h>

#include "cache/format.h"
#include "worker/retry.h"

/* 1994-11-06T08:49:37Z, RFC 9110's example */
#define T_EXAMPLE ((time_t)784111777)

static long long after(const char *v, time_t now)
{
  return retry_after_ms(v, strlen(v), (long long)now * 1000);
}

START_TEST(seconds)
{
  ck_assert_int_eq(after("0", 0), 0);
  ck_assert_int_eq(after("1", 0), 1000);
  ck_assert_int_eq(after("120", 0), 120000);
  ck_assert_int_eq(after("  3 \t", 0), 3000);
  ck_assert_int_eq(after("007", 0), 7000);
  /* huge: clamped to a day, never wrapped */
  ck_assert_int_eq(after("99999999999999999999999999", 0), 86400LL * 1000);
  ck_assert_int_eq(after("86401", 0), 86400LL * 1000);
}
END_TEST

START_TEST(dates_three_forms)
{
  time_t t = 0;
  const char *imf = "Sun, 06 Nov 1994 08:49:37 GMT";
  const char *rfc850 = "Sunday, 06-Nov-94 08:49:37 GMT";
  const char *asc = "Sun Nov  6 08:49:37 1994";
  ck_assert_int_eq(retry_http_date(imf, strlen(imf), &t), 0);
  ck_assert_int_eq((long long)t, (long long)T_EXAMPLE);
  t = 0;
  ck_assert_int_eq(retry_http_date(rfc850, strlen(rfc850), &t), 0);
  ck_assert_int_eq((long long)t, (long long)T_EXAMPLE);
  t = 0;
  ck_assert_int_eq(retry_http_date(asc, strlen(asc), &t), 0);
  ck_assert_int_eq((long long)t, (long long)T_EXAMPLE);
  const char *asc2 = "Thu Dec 24 23:59:59 2026";
  ck_assert_int_eq(retry_http_date(asc2, strlen(asc2), &t), 0);
  const char *leap = "Thu, 29 Feb 2024 00:00:00 GMT";
  ck_assert_int_eq(retry_http_date(leap, strlen(leap), &t), 0);
  ck_assert_int_eq((long long)t, 1709164800LL);
  const char *y2k = "Sat, 01 Jan 2000 00:00:00 GMT";
  ck_assert_int_eq(retry_http_date(y2k, strlen(y2k), &t), 0);
  ck_assert_int_eq((long long)t, 946684800LL);
}
END_TEST

START_TEST(date_waits)
{
  /* 30 s ahead, now, in the past */
  ck_assert_int_eq(after("Sun, 06 Nov 1994 08:50:07 GMT", T_EXAMPLE), 30000);
  ck_assert_int_eq(after("Sun, 06 Nov 1994 08:49:37 GMT", T_EXAMPLE), 0);
  ck_assert_int_eq(after("Sun, 06 Nov 1994 08:00:00 GMT", T_EXAMPLE), 0);
  ck_assert_int_eq(after("Sunday, 06-Nov-94 08:49:39 GMT", T_EXAMPLE), 2000);
  ck_assert_int_eq(after("Sun Nov  6 08:49:38 1994", T_EXAMPLE), 1000);
  /* to the millisecond: 0.75 s into the second, a date 2 s ahead is 1.25 s away */
  const char *d2 = "Sun, 06 Nov 1994 08:49:39 GMT";
  ck_assert_int_eq(retry_after_ms(d2, strlen(d2), (long long)T_EXAMPLE * 1000 + 750), 1250);
  ck_assert_int_eq(retry_after_ms(d2, strlen(d2), (long long)T_EXAMPLE * 1000 + 2500), 0);
  /* far ahead: clamped to a day */
  ck_assert_int_eq(after("Fri, 01 Jan 2100 00:00:00 GMT", T_EXAMPLE), 86400LL * 1000);
}
END_TEST

static const char *const garbage[] = {
  "", "   ", "soon", "-1", "1.5", "1e3", "+5", "5s", "0x10", "1 2",
  "Sun, 06 Nov 1994 08:49:37",          /* no GMT */
  "Sun, 06 Nov 1994 08:49:37 UTC",
  "Sun, 6 Nov 1994 08:49:37 GMT",       /* one-digit day in IMF-fixdate */
  "Sun, 31 Nov 1994 08:49:37 GMT",      /* no such day */
  "Sun, 29 Feb 2023 08:49:37 GMT",
  "Sun, 06 Foo 1994 08:49:37 GMT",
  "Sun, 06 Nov 1994 24:00:00 GMT",
  "Sun, 06 Nov 1994 08:61:00 GMT",
  "Xyz, 06 Nov 1994 08:49:37 GMT",
  "sun, 06 nov 1994 08:49:37 gmt",      /* case-sensitive per RFC 9110 */
  "Sun, 06 Nov 1994 08:49:37 GMT junk",
  "Sunday, 06-Nov-1994 08:49:37 GMT",
  "Sun Nov 6 08:49:37 1994",            /* asctime pads the day with a space */
  "2026-12-04T22:00:00Z",
};

START_TEST(garbage_is_absent)
{
  ck_assert_msg(after(garbage[_i], T_EXAMPLE) == -1, "'%s' read as a wait", garbage[_i]);
}
END_TEST

START_TEST(status_rules)
{
  long w = -5;
  /* not a 429/503: no retry */
  ck_assert_int_eq(retry_on_status(M_GET, 500, 0, 1000, 0, 15000, &w), RETRY_NO);
  ck_assert_int_eq(retry_on_status(M_GET, 502, 0, -1, 0, 15000, &w), RETRY_NO);
  ck_assert_int_eq(retry_on_status(M_GET, 200, 0, -1, 0, 15000, &w), RETRY_NO);
  /* every method on 429 */
  static const unsigned methods[] = { M_GET, M_PUT, M_POST, M_DELETE, M_PATCH, M_HEAD };
  for(size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
    ck_assert_int_eq(retry_on_status(methods[i], 429, 0, 1000, 0, 15000, &w), RETRY_WAIT);
    ck_assert_int_eq(w, 1000);
  }
  /* 503: GET, PUT, DELETE, HEAD yes; POST and PATCH only with a key */
  ck_assert_int_eq(retry_on_status(M_GET, 503, 0, 2000, 0, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(w, 2000);
  ck_assert_int_eq(retry_on_status(M_PUT, 503, 0, -1, 0, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(w, RETRY_DEFAULT_WAIT_MS);
  ck_assert_int_eq(retry_on_status(M_DELETE, 503, 0, 0, 0, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(w, 0);
  ck_assert_int_eq(retry_on_status(M_POST, 503, 0, 1000, 0, 15000, &w), RETRY_REFUSED);
  ck_assert_int_eq(retry_on_status(M_PATCH, 503, 0, -1, 0, 15000, &w), RETRY_REFUSED);
  ck_assert_int_eq(retry_on_status(M_POST, 503, 1, 1000, 0, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(w, 1000);
  ck_assert_int_eq(retry_on_status(M_PATCH, 503, 1, -1, 0, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(w, RETRY_DEFAULT_WAIT_MS);
}
END_TEST

START_TEST(counts)
{
  long w;
  /* with Retry-After: twice */
  ck_assert_int_eq(retry_on_status(M_GET, 429, 0, 10, 0, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(retry_on_status(M_GET, 429, 0, 10, 1, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(retry_on_status(M_GET, 429, 0, 10, 2, 15000, &w), RETRY_REFUSED);
  /* without: once */
  ck_assert_int_eq(retry_on_status(M_GET, 503, 0, -1, 0, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(retry_on_status(M_GET, 503, 0, -1, 1, 15000, &w), RETRY_REFUSED);
}
END_TEST

START_TEST(budget)
{
  long w;
  /* a wait that does not fit the time left is not waited for */
  ck_assert_int_eq(retry_on_status(M_GET, 429, 0, 30000, 0, 15000, &w), RETRY_REFUSED);
  ck_assert_int_eq(retry_on_status(M_GET, 429, 0, 15000, 0, 15000, &w), RETRY_REFUSED);
  ck_assert_int_eq(retry_on_status(M_GET, 429, 0, 14999, 0, 15000, &w), RETRY_WAIT);
  ck_assert_int_eq(retry_on_status(M_GET, 503, 0, -1, 0, 250, &w), RETRY_REFUSED);
  ck_assert_int_eq(retry_on_status(M_GET, 503, 0, -1, 0, 251, &w), RETRY_WAIT);
  ck_assert_int_eq(retry_on_status(M_GET, 503, 0, 0, 0, 0, &w), RETRY_REFUSED);
  ck_assert_int_eq(retry_on_status(M_GET, 503, 0, 0, 0, -20, &w), RETRY_REFUSED);
}
END_TEST

START_TEST(failures)
{
  static const unsigned all[] = { M_GET, M_PUT, M_POST, M_DELETE, M_PATCH, M_HEAD, M_OPTIONS };
  for(size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    /* nothing sent: once, whatever the method */
    ck_assert_int_eq(retry_on_failure(all[i], 1, 0), 1);
    ck_assert_int_eq(retry_on_failure(all[i], 1, 1), 0);
    ck_assert_int_eq(retry_on_failure(all[i], 0, 1), 0);
  }
  /* sent: only the idempotent methods */
  ck_assert_int_eq(retry_on_failure(M_GET, 0, 0), 1);
  ck_assert_int_eq(retry_on_failure(M_HEAD, 0, 0), 1);
  ck_assert_int_eq(retry_on_failure(M_PUT, 0, 0), 1);
  ck_assert_int_eq(retry_on_failure(M_DELETE, 0, 0), 1);
  ck_assert_int_eq(retry_on_failure(M_POST, 0, 0), 0);
  ck_assert_int_eq(retry_on_failure(M_PATCH, 0, 0), 0);
  ck_assert_int_eq(retry_on_failure(M_OPTIONS, 0, 0), 0);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("retry");
  TCase *tc = tcase_create("Retry-After");
  tcase_add_test(tc, seconds);
  tcase_add_test(tc, dates_three_forms);
  tcase_add_test(tc, date_waits);
  tcase_add_loop_test(tc, garbage_is_absent, 0, (int)(sizeof(garbage) / sizeof(garbage[0])));
  suite_add_tcase(s, tc);
  tc = tcase_create("decision");
  tcase_add_test(tc, status_rules);
  tcase_add_test(tc, counts);
  tcase_add_test(tc, budget);
  tcase_add_test(tc, failures);
  suite_add_tcase(s, tc);
  return s;
}
