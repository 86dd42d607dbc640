/* jcs.c - RFC 8785 canonical JSON, ECMAScript number text, UUID v5 and v4 (mapping.h).
 *
 * The canonical form exists for one purpose here: an API object without an ID property
 * gets the UUID v5 of its canonical JSON as external ID, so the same object must give the
 * same bytes whatever order its keys came in and however its numbers were written.
 */
#include "mapping.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "../common/mem.h"
#include "../common/sha1.h"
#include "../common/text.h"

/* ---- numbers: ECMAScript Number::toString (ECMA-262 §6.1.6.1.20) ------------------- */

/* The decimal digits of D (positive, finite) as printf rounds them to PREC significant
 * digits: DIG[0..prec) (trailing zeros kept) and the %e exponent. */
static void digits_at(double d, int prec, char dig[24], int *exp10)
{
  char tmp[48];
  snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
  int n = 0;
  const char *s = tmp;
  for(; *s && *s != 'e' && *s != 'E'; s++)
    if(*s >= '0' && *s <= '9' && n < 23)
      dig[n++] = *s;       /* skips the decimal point, whatever the locale makes it */
  *exp10 = *s ? (int)strtol(s + 1, NULL, 10) : 0;
  while(n < prec)
    dig[n++] = '0';
  dig[n] = '\0';
}

/* The number of digits of DIG[0..k) without trailing zeros (at least one). */
static int strip_zeros(char *dig, int k)
{
  while(k > 1 && dig[k - 1] == '0')
    k--;
  dig[k] = '\0';
  return k;
}

/* The shortest digits that read back as D (ECMAScript wants the fewest digits, and of
 * equally short candidates the nearest): printf's correctly rounded digits at increasing
 * precision. Where the interval of numbers that read back as D is symmetric, the nearest
 * candidate is in it if any is. It is lopsided only at powers of two; for every finite
 * power of two this gives ECMAScript's answer (checked against node for all of them). */
static void shortest_digits(double d, char dig[24], int *k, int *exp10)
{
  for(int prec = 1; prec <= 17; prec++) {
    char tmp[48];
    digits_at(d, prec, dig, exp10);
    *k = strip_zeros(dig, prec);
    snprintf(tmp, sizeof(tmp), "%c.%se%d", dig[0], *k > 1 ? dig + 1 : "0", *exp10);
    if(strtod(tmp, NULL) == d)              /* 17 significant digits always read back */
      return;
  }
}

enum oac_result map_number_es(double d, struct buf *out)
{
  if(!isfinite(d))
    return OAC_EDOC;
  if(d == 0) {                                /* also -0 */
    buf_putc(out, '0');
    return 0;
  }
  if(d < 0) {
    buf_putc(out, '-');
    d = -d;
  }
  char dig[24];
  int k, e;
  shortest_digits(d, dig, &k, &e);
  int n = e + 1;                              /* value = 0.DIG * 10^n */
  if(k <= n && n <= 21) {                     /* integer: digits, then zeros */
    buf_append(out, dig, (size_t)k);
    for(int i = k; i < n; i++)
      buf_putc(out, '0');
  }
  else if(0 < n && n <= 21) {                 /* point inside the digits */
    buf_append(out, dig, (size_t)n);
    buf_putc(out, '.');
    buf_append(out, dig + n, (size_t)(k - n));
  }
  else if(-6 < n && n <= 0) {                 /* 0.000ddd */
    buf_puts(out, "0.");
    for(int i = 0; i < -n; i++)
      buf_putc(out, '0');
    buf_append(out, dig, (size_t)k);
  }
  else {                                      /* d[.ddd]e+x / e-x */
    buf_putc(out, dig[0]);
    if(k > 1) {
      buf_putc(out, '.');
      buf_append(out, dig + 1, (size_t)(k - 1));
    }
    buf_printf(out, "e%c%d", n - 1 < 0 ? '-' : '+', n - 1 < 0 ? 1 - n : n - 1);
  }
  return 0;
}

/* ---- canonical JSON ----------------------------------------------------------------- */

/* The next UTF-16 code unit of the UTF-8 text S[0..n) at *I; *LOW holds the low surrogate
 * still owed for a character outside the BMP. Bytes that are not valid UTF-8 count as
 * units of their own value (the order stays total and deterministic). */
static unsigned next_unit(const unsigned char *s, size_t n, size_t *i, unsigned *low)
{
  if(*low) {
    unsigned u = *low;
    *low = 0;
    return u;
  }
  unsigned c = s[*i];
  size_t need = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 && c <= 0xEF ? 2 :
                c >= 0xC2 && c <= 0xDF ? 1 : 0;
  if(!need || *i + need >= n) {
    (*i)++;
    return c;
  }
  unsigned cp = c & (0x3Fu >> need);
  for(size_t j = 1; j <= need; j++) {
    unsigned cc = s[*i + j];
    if((cc & 0xC0) != 0x80) {
      (*i)++;
      return c;
    }
    cp = cp << 6 | (cc & 0x3F);
  }
  *i += need + 1;
  if(cp >= 0x10000) {
    cp -= 0x10000;
    *low = 0xDC00 + (cp & 0x3FF);
    return 0xD800 + (cp >> 10);
  }
  return cp;
}

/* RFC 8785 §3.2.3: property names compare as arrays of UTF-16 code units. */
static int key_cmp(const char *a, const char *b)
{
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  size_t nx = strlen(a), ny = strlen(b), i = 0, j = 0;
  unsigned lx = 0, ly = 0;
  for(;;) {
    int ex = i >= nx && !lx, ey = j >= ny && !ly;
    if(ex || ey)
      return ex && ey ? 0 : ex ? -1 : 1;
    unsigned ux = next_unit(x, nx, &i, &lx), uy = next_unit(y, ny, &j, &ly);
    if(ux != uy)
      return ux < uy ? -1 : 1;
  }
}

/* Stable merge sort of members by key (duplicate keys keep their order). */
static void sort_members(const cJSON **m, const cJSON **tmp, size_t n)
{
  if(n < 2)
    return;
  size_t h = n / 2;
  sort_members(m, tmp, h);
  sort_members(m + h, tmp, n - h);
  size_t i = 0, j = h, o = 0;
  while(i < h && j < n)
    tmp[o++] = key_cmp(m[j]->string ? m[j]->string : "", m[i]->string ? m[i]->string : "")
               < 0 ? m[j++] : m[i++];
  while(i < h)
    tmp[o++] = m[i++];
  while(j < n)
    tmp[o++] = m[j++];
  memcpy(m, tmp, n * sizeof(*m));
}

/* LENIENT: a number that is not finite (json_parse reads 1e999 as infinity) is written as
 * its JSON text instead of failing. */
static enum oac_result jcs_write(const cJSON *v, struct buf *out, int lenient)
{
  if(!v || cJSON_IsNull(v) || cJSON_IsInvalid(v) || cJSON_IsRaw(v)) {
    buf_puts(out, "null");
    return 0;
  }
  if(cJSON_IsFalse(v)) {
    buf_puts(out, "false");
    return 0;
  }
  if(cJSON_IsTrue(v)) {
    buf_puts(out, "true");
    return 0;
  }
  if(cJSON_IsNumber(v)) {
    if(map_number_es(v->valuedouble, out) == OAC_OK)
      return 0;
    const char *t = json_num_text(v);
    if(!lenient || !t)
      return OAC_EDOC;
    buf_puts(out, t);
    return 0;
  }
  if(cJSON_IsString(v)) {
    /* RFC 8785 §3.2.2.2 is JSON.stringify's escaping, which is buf_json_escape's:
     * \" \\ \b \t \n \f \r, other controls as \u00xx (lowercase), the rest as is. */
    buf_json_str(out, v->valuestring ? v->valuestring : "");
    return 0;
  }
  if(cJSON_IsArray(v)) {
    buf_putc(out, '[');
    for(const cJSON *e = v->child; e; e = e->next) {
      if(e != v->child)
        buf_putc(out, ',');
      enum oac_result r = jcs_write(e, out, lenient);
      if(r)
        return r;
    }
    buf_putc(out, ']');
    return 0;
  }
  /* object */
  size_t n = 0;
  for(const cJSON *e = v->child; e; e = e->next)
    n++;
  const cJSON *small[32];
  const cJSON **m = small;
  if(n > 16) {
    m = oac_malloc(2 * n * sizeof(*m));
    if(!m)
      return OAC_ENOMEM;
  }
  size_t i = 0;
  for(const cJSON *e = v->child; e; e = e->next)
    m[i++] = e;
  sort_members(m, m + n, n);
  enum oac_result r = OAC_OK;
  buf_putc(out, '{');
  for(i = 0; i < n && !r; i++) {
    if(i)
      buf_putc(out, ',');
    buf_json_str(out, m[i]->string ? m[i]->string : "");
    buf_putc(out, ':');
    r = jcs_write(m[i], out, lenient);
  }
  buf_putc(out, '}');
  if(m != small)
    oac_free(m);
  return r;
}

enum oac_result map_jcs(const cJSON *v, struct buf *out)
{
  enum oac_result r = jcs_write(v, out, 0);
  return r ? r : buf_failed(out) ? OAC_ENOMEM : OAC_OK;
}

enum oac_result map_jcs_id(const cJSON *v, struct buf *out)
{
  enum oac_result r = jcs_write(v, out, 1);
  return r ? r : buf_failed(out) ? OAC_ENOMEM : OAC_OK;
}

/* ---- UUID v5 ------------------------------------------------------------------------ */

void map_uuid5(const void *name, size_t len, char out[37])
{
  /* 914dc1ca-e5cc-4744-9f41-927adbf68794 (product.md §7) */
  static const unsigned char ns[16] = {
    0x91, 0x4d, 0xc1, 0xca, 0xe5, 0xcc, 0x47, 0x44,
    0x9f, 0x41, 0x92, 0x7a, 0xdb, 0xf6, 0x87, 0x94
  };
  struct sha1_ctx ctx;
  unsigned char h[SHA1_DIGEST_LEN];
  sha1_init(&ctx);
  sha1_update(&ctx, ns, sizeof(ns));
  sha1_update(&ctx, name, len);
  sha1_final(&ctx, h);
  h[6] = (unsigned char)((h[6] & 0x0F) | 0x50);     /* version 5 */
  h[8] = (unsigned char)((h[8] & 0x3F) | 0x80);     /* RFC 4122 variant */
  text_uuid_format(h, out);
}

void map_uuid_random(char out[37])
{
  unsigned char b[16];
  if(getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
    /* no entropy source: time and a counter still give distinct IDs in this process */
    static unsigned long counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char seed[64];
    int n = snprintf(seed, sizeof(seed), "%ld.%ld.%lu.%ld", (long)ts.tv_sec,
                     (long)ts.tv_nsec, ++counter, (long)getpid());
    map_uuid5(seed, (size_t)n, out);
    return;
  }
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);     /* version 4 */
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);     /* RFC 4122 variant */
  text_uuid_format(b, out);
}
