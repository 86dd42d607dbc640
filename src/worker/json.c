/* json.c - cJSON plus number texts, tolerant lookups, exact decimals (json.h). */
#include "json.h"

#include <stdint.h>

#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../common/arena.h"
#include "../common/mem.h"

/* ---- allocation hooks ---- */

#define HOOK_PREFIX 16u                 /* keeps the 16-byte alignment of both sources */
#define TAG_HEAP 0x70616568u
#define TAG_ARENA 0x616e6572u

static struct arena *json_arena;
static int alloc_failed;                /* since json_parse began: cJSON says only "NULL" */

static void *hook_malloc(size_t n)
{
  if(n > SIZE_MAX - HOOK_PREFIX)
    return NULL;
  unsigned char *p;
  uint32_t tag;
  if(json_arena) {
    p = arena_alloc(json_arena, n + HOOK_PREFIX);
    tag = TAG_ARENA;
  }
  else {
    p = oac_malloc(n + HOOK_PREFIX);
    tag = TAG_HEAP;
  }
  if(!p) {
    alloc_failed = 1;
    return NULL;
  }
  memcpy(p, &tag, sizeof(tag));
  return p + HOOK_PREFIX;
}

static void hook_free(void *q)
{
  if(!q)
    return;
  unsigned char *p = (unsigned char *)q - HOOK_PREFIX;
  uint32_t tag;
  memcpy(&tag, p, sizeof(tag));
  if(tag == TAG_HEAP)
    oac_free(p);
}

__attribute__((constructor)) static void hooks_install(void)
{
  cJSON_Hooks h = { hook_malloc, hook_free };
  cJSON_InitHooks(&h);
}

void json_arena_begin(struct arena *a)
{
  json_arena = a;
}

void json_arena_end(void)
{
  json_arena = NULL;
}

/* One pass over valid-looking JSON text: the depth, and where each number token is. */
struct num_scan {
  size_t *pos, *len;
  size_t n, cap;
};

static int scan_numbers(const char *s, size_t len, struct num_scan *ns, int *too_deep)
{
  int depth = 0;
  for(size_t i = 0; i < len; i++) {
    char ch = s[i];
    if(ch == '"') {
      /* to the closing quote: one not preceded by an odd number of backslashes */
      for(i++;;) {
        const char *q = memchr(s + i, '"', len - i);
        if(!q) {
          i = len;
          break;
        }
        size_t j = (size_t)(q - s), k = j;
        while(k > i && s[k - 1] == '\\')
          k--;
        if(!((j - k) & 1)) {
          i = j;
          break;
        }
        i = j + 1;
      }
    }
    else if(ch == '[' || ch == '{') {
      if(++depth > JSON_MAX_DEPTH) {
        *too_deep = 1;
        return 0;
      }
    }
    else if(ch == ']' || ch == '}')
      depth--;
    else if(ch == '-' || (ch >= '0' && ch <= '9')) {
      size_t j = i;
      while(j < len && (isdigit((unsigned char)s[j]) || s[j] == '-' || s[j] == '+' ||
                        s[j] == '.' || s[j] == 'e' || s[j] == 'E'))
        j++;
      if(ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        size_t *p = cJSON_malloc(cap * 2 * sizeof(size_t));
        if(!p)
          return -1;
        if(ns->n) {
          memcpy(p, ns->pos, ns->n * sizeof(size_t));
          memcpy(p + cap, ns->len, ns->n * sizeof(size_t));
        }
        cJSON_free(ns->pos);
        ns->pos = p;
        ns->len = p + cap;
        ns->cap = cap;
      }
      ns->pos[ns->n] = i;
      ns->len[ns->n++] = j - i;
      i = j - 1;
    }
  }
  return 0;
}

/* Pre-order walk: the k-th number node is the k-th number token of the text. The depth is
 * at most JSON_MAX_DEPTH (checked by the scan), so an explicit stack of that size does. */
static int attach_numbers(cJSON *root, const char *text, const struct num_scan *ns)
{
  cJSON *stack[JSON_MAX_DEPTH + 2];
  int sp = 0;
  size_t k = 0;
  cJSON *n = root;
  for(;;) {
    for(; n; n = n->next) {
      if(cJSON_IsNumber(n)) {
        if(k >= ns->n)
          return 0;                     /* cannot happen for text cJSON accepted */
        char *t = cJSON_malloc(ns->len[k] + 1);
        if(!t)
          return -1;
        memcpy(t, text + ns->pos[k], ns->len[k]);
        t[ns->len[k]] = '\0';
        n->valuestring = t;
        k++;
      }
      if((cJSON_IsArray(n) || cJSON_IsObject(n)) && n->child) {
        if(sp == JSON_MAX_DEPTH + 2)
          return 0;
        stack[sp++] = n->next;          /* resume with the sibling after the subtree */
        n = n->child;
        break;
      }
      if(n == root)
        return 0;
    }
    if(n)
      continue;
    if(!sp)
      return 0;
    n = stack[--sp];
  }
}

enum oac_result json_parse(const char *text, size_t len, cJSON **out, struct json_error *err)
{
  struct num_scan ns = { 0 };
  int too_deep = 0;
  *out = NULL;
  memset(err, 0, sizeof(*err));
  if(scan_numbers(text, len, &ns, &too_deep) < 0) {
    cJSON_free(ns.pos);
    return OAC_ENOMEM;
  }
  if(too_deep) {
    cJSON_free(ns.pos);
    err->too_deep = 1;
    snprintf(err->msg, sizeof(err->msg), "JSON nested deeper than %d levels", JSON_MAX_DEPTH);
    return OAC_ELIMIT;
  }
  const char *end = NULL;
  alloc_failed = 0;
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if(!root && alloc_failed) {
    cJSON_free(ns.pos);
    return OAC_ENOMEM;
  }
  if(!root) {
    cJSON_free(ns.pos);
    const char *at = cJSON_GetErrorPtr();
    err->offset = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
    snprintf(err->msg, sizeof(err->msg), "invalid JSON at byte %zu", err->offset);
    return OAC_EDOC;
  }
  size_t used = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
  while(used < len && (text[used] == ' ' || text[used] == '\t' || text[used] == '\n' ||
                       text[used] == '\r' || text[used] == '\0'))
    used++;
  if(used < len) {
    cJSON_free(ns.pos);
    cJSON_Delete(root);
    err->offset = used;
    snprintf(err->msg, sizeof(err->msg), "invalid JSON: text after the value at byte %zu",
             used);
    return OAC_EDOC;
  }
  int r = attach_numbers(root, text, &ns);
  cJSON_free(ns.pos);
  if(r < 0) {
    cJSON_Delete(root);
    return OAC_ENOMEM;
  }
  *out = root;
  return OAC_OK;
}

int json_is_number(const char *s, size_t len)
{
  size_t i = 0;
  if(i < len && s[i] == '-')
    i++;
  if(i >= len || !isdigit((unsigned char)s[i]))
    return 0;
  if(s[i] == '0')
    i++;
  else
    while(i < len && isdigit((unsigned char)s[i]))
      i++;
  if(i < len && s[i] == '.') {
    i++;
    if(i >= len || !isdigit((unsigned char)s[i]))
      return 0;
    while(i < len && isdigit((unsigned char)s[i]))
      i++;
  }
  if(i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if(i < len && (s[i] == '+' || s[i] == '-'))
      i++;
    if(i >= len || !isdigit((unsigned char)s[i]))
      return 0;
    while(i < len && isdigit((unsigned char)s[i]))
      i++;
  }
  return i == len;
}

/* A decimal split into sign, significant digits and the position of the decimal point:
 * value = sign * 0.D1D2...Dn * 10^exp, D1 != 0, Dn != 0; n == 0 for zero. The digits stay
 * in the text: INT/FRAC point at the parts, skipping is done through dig(). */
struct dec {
  int neg;
  const char *ip, *fp;      /* integer digits, fraction digits */
  size_t ni, nf;
  long exp;                 /* written exponent */
  size_t lead;              /* leading zeros of the digit string ip+fp */
  size_t nd;                /* significant digits after lead (trailing zeros dropped) */
  long point;               /* exp10 as above */
};

static char dec_digit(const struct dec *d, size_t k)
{
  return k < d->ni ? d->ip[k] : d->fp[k - d->ni];
}

static int dec_parse(const char *s, size_t len, int lenient, struct dec *d)
{
  memset(d, 0, sizeof(*d));
  if(lenient) {
    while(len && isspace((unsigned char)*s)) {
      s++;
      len--;
    }
    while(len && isspace((unsigned char)s[len - 1]))
      len--;
    if(len && *s == '+') {
      s++;
      len--;
    }
  }
  if(!json_is_number(s, len))
    return 0;
  size_t i = 0;
  if(s[0] == '-') {
    d->neg = 1;
    i++;
  }
  d->ip = s + i;
  while(i < len && isdigit((unsigned char)s[i]))
    i++;
  d->ni = (size_t)(s + i - d->ip);
  if(i < len && s[i] == '.') {
    d->fp = s + ++i;
    while(i < len && isdigit((unsigned char)s[i]))
      i++;
    d->nf = (size_t)(s + i - d->fp);
  }
  if(i < len) {                                  /* exponent */
    int eneg = 0;
    i++;
    if(s[i] == '+' || s[i] == '-')
      eneg = s[i++] == '-';
    long e = 0;
    for(; i < len; i++)
      if(e < 100000000L)
        e = e * 10 + (s[i] - '0');
    d->exp = eneg ? -e : e;
  }
  size_t n = d->ni + d->nf;
  while(d->lead < n && dec_digit(d, d->lead) == '0')
    d->lead++;
  size_t last = n;
  while(last > d->lead && dec_digit(d, last - 1) == '0')
    last--;
  d->nd = last - d->lead;
  d->point = (long)d->ni - (long)d->lead + d->exp;
  return 1;
}

int json_decimal_cmp(const char *a, size_t alen, const char *b, size_t blen, int *ok)
{
  struct dec x, y;
  *ok = dec_parse(a, alen, 1, &x) && dec_parse(b, blen, 1, &y);
  if(!*ok)
    return 0;
  int sx = x.nd ? (x.neg ? -1 : 1) : 0, sy = y.nd ? (y.neg ? -1 : 1) : 0;
  if(sx != sy)
    return sx < sy ? -1 : 1;
  if(!sx)
    return 0;
  int mag = 0;
  if(x.point != y.point)
    mag = x.point < y.point ? -1 : 1;
  else {
    size_t n = x.nd > y.nd ? x.nd : y.nd;
    for(size_t k = 0; k < n && !mag; k++) {
      char cx = k < x.nd ? dec_digit(&x, x.lead + k) : '0';
      char cy = k < y.nd ? dec_digit(&y, y.lead + k) : '0';
      if(cx != cy)
        mag = cx < cy ? -1 : 1;
    }
  }
  return sx < 0 ? -mag : mag;
}

#define PLAIN_MAX_EXP 4096L   /* beyond this an exponent form is kept as written */

int json_number_plain(struct buf *b, const char *text, size_t len)
{
  struct dec d;
  if(!dec_parse(text, len, 0, &d))
    return 0;
  if(!memchr(text, 'e', len) && !memchr(text, 'E', len)) {
    buf_append(b, text, len);
    return 1;
  }
  if(d.point > PLAIN_MAX_EXP || d.point < -PLAIN_MAX_EXP) {
    buf_append(b, text, len);
    return 1;
  }
  if(!d.nd) {
    buf_puts(b, d.neg ? "-0" : "0");
    return 1;
  }
  if(d.neg)
    buf_putc(b, '-');
  if(d.point <= 0) {
    buf_puts(b, "0.");
    for(long k = 0; k < -d.point; k++)
      buf_putc(b, '0');
    for(size_t k = 0; k < d.nd; k++)
      buf_putc(b, dec_digit(&d, d.lead + k));
    return 1;
  }
  for(long k = 0; k < d.point; k++)
    buf_putc(b, (size_t)k < d.nd ? dec_digit(&d, d.lead + (size_t)k) : '0');
  if((size_t)d.point < d.nd) {
    buf_putc(b, '.');
    for(size_t k = (size_t)d.point; k < d.nd; k++)
      buf_putc(b, dec_digit(&d, d.lead + k));
  }
  return 1;
}

const cJSON *json_get(const cJSON *o, const char *key)
{
  if(!cJSON_IsObject(o))
    return NULL;
  const cJSON *v = cJSON_GetObjectItem(o, key);     /* case-insensitive */
  return v && !cJSON_IsNull(v) ? v : NULL;
}

const char *json_get_str(const cJSON *o, const char *key)
{
  const cJSON *v = json_get(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

const cJSON *json_get_array(const cJSON *o, const char *key)
{
  const cJSON *v = json_get(o, key);
  return cJSON_IsArray(v) ? v : NULL;
}

const cJSON *json_get_object(const cJSON *o, const char *key)
{
  const cJSON *v = json_get(o, key);
  return cJSON_IsObject(v) ? v : NULL;
}

long json_get_long(const cJSON *o, const char *key, long def)
{
  const cJSON *v = json_get(o, key);
  if(cJSON_IsNumber(v)) {
    double x = v->valuedouble;
    return x >= (double)LONG_MIN && x <= (double)LONG_MAX ? (long)x : def;
  }
  if(cJSON_IsString(v) && v->valuestring[0]) {
    char *end;
    long x = strtol(v->valuestring, &end, 10);
    return *end ? def : x;
  }
  return def;
}

int json_get_bool(const cJSON *o, const char *key, int def)
{
  const cJSON *v = json_get(o, key);
  if(cJSON_IsBool(v))
    return cJSON_IsTrue(v);
  if(cJSON_IsString(v)) {
    if(!strcasecmp(v->valuestring, "true"))
      return 1;
    if(!strcasecmp(v->valuestring, "false"))
      return 0;
  }
  return def;
}
