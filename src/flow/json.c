/* json.c - cJSON plus number texts, tolerant lookups, exact decimals (json.h). */
#include "json.h"

#include <stdint.h>

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../common/arena.h"
#include "../common/buf.h"
#include "../common/mem.h"
#include "../common/text.h"

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

/* ---- the parser ----
 *
 * One pass, building cJSON nodes directly (cJSON_Delete frees them like its own): strings
 * decoded once into their final buffer, each number's text kept as its valuestring, the
 * depth checked as it grows. cJSON's own parser scans every string twice, knows no depth
 * other than its compile-time limit and keeps no number text; this one is the worker's
 * hot path for every request and every API answer.
 */

struct jp {
  const char *s, *end, *p;
  int depth;
  int too_deep, oom;
};

static void skip_ws(struct jp *j)
{
  while(j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
    j->p++;
}

static cJSON *new_node(struct jp *j, int type)
{
  cJSON *n = hook_malloc(sizeof(*n));
  if(!n) {
    j->oom = 1;
    return NULL;
  }
  memset(n, 0, sizeof(*n));
  n->type = type;
  return n;
}

static size_t put_utf8(char *o, unsigned c)
{
  if(c < 0x80) {
    o[0] = (char)c;
    return 1;
  }
  if(c < 0x800) {
    o[0] = (char)(0xC0 | (c >> 6));
    o[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if(c < 0x10000) {
    o[0] = (char)(0xE0 | (c >> 12));
    o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (c >> 18));
  o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
  o[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

/* A string at j->p (on the opening quote): a fresh NUL-terminated copy, escapes decoded.
 * The decoded text is never longer than the source. */
static char *parse_string(struct jp *j)
{
  const char *q = j->p + 1;
  const char *close = q;
  int escapes = 0;
  for(;;) {                                     /* find the closing quote */
    const char *hit = memchr(close, '"', (size_t)(j->end - close));
    if(!hit)
      return NULL;
    size_t k = (size_t)(hit - q), b = 0;
    while(b < k && hit[-1 - (ptrdiff_t)b] == '\\')
      b++;
    if(!(b & 1)) {
      close = hit;
      break;
    }
    close = hit + 1;
  }
  if(memchr(q, '\\', (size_t)(close - q)))
    escapes = 1;
  size_t n = (size_t)(close - q);
  char *out = hook_malloc(n + 1);
  if(!out) {
    j->oom = 1;
    return NULL;
  }
  if(!escapes) {
    memcpy(out, q, n);
    out[n] = '\0';
    j->p = close + 1;
    return out;
  }
  size_t o = 0;
  for(const char *c = q; c < close;) {
    if(*c != '\\') {
      out[o++] = *c++;
      continue;
    }
    if(c + 1 >= close)
      goto bad;
    char e = c[1];
    c += 2;
    switch(e) {
    case '"': out[o++] = '"'; break;
    case '\\': out[o++] = '\\'; break;
    case '/': out[o++] = '/'; break;
    case 'b': out[o++] = '\b'; break;
    case 'f': out[o++] = '\f'; break;
    case 'n': out[o++] = '\n'; break;
    case 'r': out[o++] = '\r'; break;
    case 't': out[o++] = '\t'; break;
    case 'u': {
      unsigned u;
      if(close - c < 4 || !text_hex4(c, &u))
        goto bad;
      c += 4;
      if(u >= 0xD800 && u < 0xDC00) {           /* a high surrogate wants its low half */
        unsigned lo;
        if(close - c < 6 || c[0] != '\\' || c[1] != 'u' || !text_hex4(c + 2, &lo) ||
           lo < 0xDC00 || lo > 0xDFFF)
          goto bad;
        c += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      else if(u >= 0xDC00 && u < 0xE000)
        goto bad;
      if(!u)
        goto bad;                               /* no NUL inside a C string */
      o += put_utf8(out + o, u);
      break;
    }
    default:
      goto bad;
    }
  }
  out[o] = '\0';
  j->p = close + 1;
  return out;
bad:
  cJSON_free(out);
  j->p = close;
  return NULL;
}

static cJSON *parse_value(struct jp *j);

static cJSON *parse_container(struct jp *j, int is_object)
{
  if(++j->depth > JSON_MAX_DEPTH) {
    j->too_deep = 1;
    return NULL;
  }
  cJSON *node = new_node(j, is_object ? cJSON_Object : cJSON_Array);
  if(!node)
    return NULL;
  cJSON *last = NULL;
  j->p++;
  skip_ws(j);
  if(j->p < j->end && *j->p == (is_object ? '}' : ']')) {
    j->p++;
    j->depth--;
    return node;
  }
  for(;;) {
    char *key = NULL;
    if(is_object) {
      skip_ws(j);
      if(j->p >= j->end || *j->p != '"' || !(key = parse_string(j)))
        goto fail;
      skip_ws(j);
      if(j->p >= j->end || *j->p != ':') {
        cJSON_free(key);
        goto fail;
      }
      j->p++;
    }
    cJSON *v = parse_value(j);
    if(!v) {
      cJSON_free(key);
      goto fail;
    }
    v->string = key;
    if(last) {
      last->next = v;
      v->prev = last;
    }
    else
      node->child = v;
    last = v;
    node->child->prev = last;                   /* cJSON keeps the tail there */
    skip_ws(j);
    if(j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if(j->p < j->end && *j->p == (is_object ? '}' : ']')) {
      j->p++;
      j->depth--;
      return node;
    }
    goto fail;
  }
fail:
  cJSON_Delete(node);
  return NULL;
}

static cJSON *parse_value(struct jp *j)
{
  skip_ws(j);
  if(j->p >= j->end)
    return NULL;
  char c = *j->p;
  cJSON *n;
  switch(c) {
  case '{':
  case '[':
    return parse_container(j, c == '{');
  case '"': {
    char *str = parse_string(j);
    if(!str)
      return NULL;
    n = new_node(j, cJSON_String);
    if(!n) {
      cJSON_free(str);
      return NULL;
    }
    n->valuestring = str;
    return n;
  }
  case 't':
  case 'f':
  case 'n': {
    static const struct { const char *w; size_t l; int type; } words[] = {
      { "true", 4, cJSON_True }, { "false", 5, cJSON_False }, { "null", 4, cJSON_NULL }
    };
    for(size_t i = 0; i < 3; i++)
      if(c == words[i].w[0] && (size_t)(j->end - j->p) >= words[i].l &&
         !memcmp(j->p, words[i].w, words[i].l)) {
        j->p += words[i].l;
        n = new_node(j, words[i].type);
        if(n && words[i].type == cJSON_True)
          n->valueint = 1;
        return n;
      }
    return NULL;
  }
  default: {
    const char *b = j->p;
    while(j->p < j->end && (isdigit((unsigned char)*j->p) || *j->p == '-' || *j->p == '+' ||
                            *j->p == '.' || *j->p == 'e' || *j->p == 'E'))
      j->p++;
    size_t len = (size_t)(j->p - b);
    if(!len || !json_is_number(b, len)) {
      j->p = b;
      return NULL;
    }
    n = new_node(j, cJSON_Number);
    char *t = n ? hook_malloc(len + 1) : NULL;
    if(!t) {
      j->oom = 1;
      cJSON_free(n);
      return NULL;
    }
    memcpy(t, b, len);
    t[len] = '\0';
    n->valuestring = t;                         /* the digits as written */
    n->valuedouble = strtod(t, NULL);
    n->valueint = n->valuedouble >= INT_MAX ? INT_MAX :
                  n->valuedouble <= (double)INT_MIN ? INT_MIN : (int)n->valuedouble;
    return n;
  }
  }
}

enum oac_result json_parse(const char *text, size_t len, cJSON **out, struct json_error *err)
{
  struct jp j = { text, text + len, text, 0, 0, 0 };
  *out = NULL;
  memset(err, 0, sizeof(*err));
  alloc_failed = 0;
  cJSON *root = parse_value(&j);
  if(root) {
    skip_ws(&j);
    if(j.p < j.end) {
      cJSON_Delete(root);
      err->offset = (size_t)(j.p - text);
      snprintf(err->msg, sizeof(err->msg), "invalid JSON: text after the value at byte %zu",
               err->offset);
      return OAC_EDOC;
    }
    *out = root;
    return OAC_OK;
  }
  if(j.oom || alloc_failed)
    return OAC_ENOMEM;
  if(j.too_deep) {
    err->too_deep = 1;
    err->offset = (size_t)(j.p - text);
    snprintf(err->msg, sizeof(err->msg), "JSON nested deeper than %d levels", JSON_MAX_DEPTH);
    return OAC_ELIMIT;
  }
  err->offset = (size_t)(j.p - text);
  snprintf(err->msg, sizeof(err->msg), "invalid JSON at byte %zu", err->offset);
  return OAC_EDOC;
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
    text_trim(&s, &len);
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

enum oac_result json_number_plain(struct buf *b, const char *text, size_t len)
{
  struct dec d;
  if(!dec_parse(text, len, 0, &d))
    return OAC_EDOC;
  if(!memchr(text, 'e', len) && !memchr(text, 'E', len)) {
    buf_append(b, text, len);
    return OAC_OK;
  }
  if(d.point > PLAIN_MAX_EXP || d.point < -PLAIN_MAX_EXP) {
    buf_append(b, text, len);
    return OAC_OK;
  }
  if(!d.nd) {
    buf_puts(b, d.neg ? "-0" : "0");
    return OAC_OK;
  }
  if(d.neg)
    buf_putc(b, '-');
  if(d.point <= 0) {
    buf_puts(b, "0.");
    for(long k = 0; k < -d.point; k++)
      buf_putc(b, '0');
    for(size_t k = 0; k < d.nd; k++)
      buf_putc(b, dec_digit(&d, d.lead + k));
    return OAC_OK;
  }
  for(long k = 0; k < d.point; k++)
    buf_putc(b, (size_t)k < d.nd ? dec_digit(&d, d.lead + (size_t)k) : '0');
  if((size_t)d.point < d.nd) {
    buf_putc(b, '.');
    for(size_t k = (size_t)d.point; k < d.nd; k++)
      buf_putc(b, dec_digit(&d, d.lead + k));
  }
  return OAC_OK;
}

const cJSON *json_get(const cJSON *o, const char *key)
{
  if(!cJSON_IsObject(o))
    return NULL;
  /* Flow writes its keys as documented: try the exact spelling first, and only then any
   * case (as Newtonsoft would) - the first match in document order either way */
  const cJSON *v = o->child;
  for(; v; v = v->next)
    if(v->string && v->string[0] == key[0] && !strcmp(v->string, key))
      break;
  if(!v)
    for(v = o->child; v; v = v->next)
      if(v->string && !strcasecmp(v->string, key))
        break;
  return v && !cJSON_IsNull(v) ? v : NULL;
}

void json_delete(cJSON *tree)
{
  if(!json_arena)
    cJSON_Delete(tree);
  /* else: arena memory, given back when the arena is rewound */
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
