/* retry.c - Retry-After and the retry decision (retry.h, product.md §13.4). */
#include "retry.h"

#include <string.h>
#include <strings.h>

#include "../cache/format.h"

#define DAY_MS (86400LL * 1000)

static const char *const wkday[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const weekday[] = { "Monday", "Tuesday", "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday" };
static const char *const month[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* A cursor over the bytes of a date. */
struct cur {
  const char *s, *end;
};

static int lit(struct cur *c, const char *t)
{
  size_t n = strlen(t);
  if((size_t)(c->end - c->s) < n || memcmp(c->s, t, n))
    return 0;
  c->s += n;
  return 1;
}

/* Exactly N digits. */
static int digits(struct cur *c, int n, int *out)
{
  int v = 0;
  if(c->end - c->s < n)
    return 0;
  for(int i = 0; i < n; i++) {
    if(c->s[i] < '0' || c->s[i] > '9')
      return 0;
    v = v * 10 + (c->s[i] - '0');
  }
  c->s += n;
  *out = v;
  return 1;
}

static int name_of(struct cur *c, const char *const *names, int count)
{
  for(int i = 0; i < count; i++)
    if(lit(c, names[i]))
      return i;
  return -1;
}

/* "HH:MM:SS" */
static int clock_of(struct cur *c, int *h, int *m, int *s)
{
  return digits(c, 2, h) && lit(c, ":") && digits(c, 2, m) && lit(c, ":") && digits(c, 2, s);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long days_from_civil(long long y, int m, int d)
{
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int days_in(int y, int m)
{
  static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if(m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0))
    return 29;
  return dm[m - 1];
}

int retry_http_date(const char *s, size_t len, time_t *out)
{
  struct cur c = { s, s + len };
  int y = 0, mo, d = 0, h, mi, se;
  /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
  if(name_of(&c, weekday, 7) >= 0) {
    /* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
    int yy;
    if(!lit(&c, ", ") || !digits(&c, 2, &d) || !lit(&c, "-") ||
       (mo = name_of(&c, month, 12)) < 0 || !lit(&c, "-") || !digits(&c, 2, &yy) ||
       !lit(&c, " ") || !clock_of(&c, &h, &mi, &se) || !lit(&c, " GMT"))
      return -1;
    /* RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is in the past century;
     * read against 1970-2069, which is what that rule gives until 2020 and near it after. */
    y = yy < 70 ? 2000 + yy : 1900 + yy;
  }
  else {
    c.s = s;
    if(name_of(&c, wkday, 7) < 0)
      return -1;
    if(lit(&c, ", ")) {
      if(!digits(&c, 2, &d) || !lit(&c, " ") || (mo = name_of(&c, month, 12)) < 0 ||
         !lit(&c, " ") || !digits(&c, 4, &y) || !lit(&c, " ") ||
         !clock_of(&c, &h, &mi, &se) || !lit(&c, " GMT"))
        return -1;
    }
    else {
      /* asctime-date: "Sun Nov  6 08:49:37 1994" */
      if(!lit(&c, " ") || (mo = name_of(&c, month, 12)) < 0 || !lit(&c, " "))
        return -1;
      if(lit(&c, " ")) {
        if(!digits(&c, 1, &d))
          return -1;
      }
      else if(!digits(&c, 2, &d))
        return -1;
      if(!lit(&c, " ") || !clock_of(&c, &h, &mi, &se) || !lit(&c, " ") ||
         !digits(&c, 4, &y))
        return -1;
    }
  }
  if(c.s != c.end)
    return -1;
  mo++;
  if(d < 1 || d > days_in(y, mo) || h > 23 || mi > 59 || se > 60)
    return -1;
  long long t = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + se;
  *out = (time_t)t;
  return 0;
}

long long retry_after_ms(const char *value, size_t len, long long now_ms)
{
  const char *s = value, *e = value + len;
  while(s < e && (*s == ' ' || *s == '\t'))
    s++;
  while(e > s && (e[-1] == ' ' || e[-1] == '\t'))
    e--;
  if(s == e)
    return -1;
  if(*s >= '0' && *s <= '9') {
    long long v = 0;
    for(const char *p = s; p < e; p++) {
      if(*p < '0' || *p > '9')
        return -1;
      if(v < DAY_MS)
        v = v * 10 + (*p - '0');
    }
    v *= 1000;
    return v > DAY_MS ? DAY_MS : v;
  }
  time_t t;
  if(retry_http_date(s, (size_t)(e - s), &t))
    return -1;
  long long d = (long long)t * 1000 - now_ms;
  if(d <= 0)
    return 0;
  return d > DAY_MS ? DAY_MS : d;
}

enum retry_verdict retry_on_status(unsigned method, long status, int has_key,
                                   long long after_ms, int retries, long left_ms,
                                   long *wait_ms)
{
  *wait_ms = 0;
  if(status != 429 && status != 503)
    return RETRY_NO;
  /* POST and PATCH are not idempotent: a 503 may have come after the API acted */
  if(status == 503 && (method == M_POST || method == M_PATCH) && !has_key)
    return RETRY_REFUSED;
  if(retries >= (after_ms >= 0 ? RETRY_MAX_STATUS : 1))
    return RETRY_REFUSED;
  long long w = after_ms >= 0 ? after_ms : RETRY_DEFAULT_WAIT_MS;
  /* the wait and at least something of a call after it */
  if(w >= left_ms)
    return RETRY_REFUSED;
  *wait_ms = (long)w;
  return RETRY_WAIT;
}

int retry_on_failure(unsigned method, int nothing_sent, int retries)
{
  if(retries >= 1)
    return 0;
  if(nothing_sent)
    return 1;
  return method == M_GET || method == M_HEAD || method == M_PUT || method == M_DELETE;
}
