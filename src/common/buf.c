/* buf.c - growable byte buffer (see buf.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "buf.h"
#include "mem.h"
#include "text.h"

void buf_init(struct buf *b)
{
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}

void buf_free(struct buf *b)
{
  oac_free(b->data);
  buf_init(b);
}

void buf_reset(struct buf *b)
{
  b->len = 0;
  b->oom = 0;
  if(b->data)
    b->data[0] = '\0';
}

enum oac_result buf_reserve(struct buf *b, size_t extra)
{
  if(b->oom)
    return OAC_ENOMEM;
  if(b->len + extra + 1 <= b->cap)
    return OAC_OK;
  size_t cap = b->cap ? b->cap : 256;
  while(cap < b->len + extra + 1) {
    if(cap > SIZE_MAX / 2) {
      b->oom = 1;
      return OAC_ENOMEM;
    }
    cap *= 2;
  }
  char *p = oac_realloc(b->data, cap);
  if(!p) {
    b->oom = 1;
    return OAC_ENOMEM;
  }
  b->data = p;
  b->cap = cap;
  return OAC_OK;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
  if(buf_reserve(b, n))
    return;
  if(n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s) { buf_append(b, s, strlen(s)); }

void buf_putc(struct buf *b, char c) { buf_append(b, &c, 1); }

void buf_printf(struct buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if(n < 0) {
    b->oom = 1;
    return;
  }
  if(buf_reserve(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void buf_zero(struct buf *b, size_t n)
{
  if(buf_reserve(b, n))
    return;
  memset(b->data + b->len, 0, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_align(struct buf *b, size_t align)
{
  size_t r = b->len % align;
  if(r)
    buf_zero(b, align - r);
}

/* Length of the well-formed UTF-8 sequence at S[0..N) (N >= 1, S[0] >= 0x80), or minus
 * the length of its maximal subpart (the bytes to replace with one U+FFFD, Unicode 3.9
 * "U+FFFD substitution of maximal subparts"): -1 for a byte that cannot start one. */
static long utf8_seq(const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
  if(c >= 0xc2 && c <= 0xdf)
    len = 2;
  else if(c >= 0xe0 && c <= 0xef) {
    len = 3;
    if(c == 0xe0)
      lo = 0xa0;
    else if(c == 0xed)
      hi = 0x9f;
  } else if(c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if(c == 0xf0)
      lo = 0x90;
    else if(c == 0xf4)
      hi = 0x8f;
  } else
    return -1;
  for(size_t k = 1; k < len; k++) {
    if(k >= n)
      return -(long)k;
    unsigned char d = s[k];
    if(k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xbf))
      return -(long)k;
  }
  return (long)len;
}

void buf_json_escape(struct buf *b, const char *s, size_t n)
{
  if(buf_reserve(b, n))
    return;
  size_t start = 0;
  for(size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char u[6];
    if(c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
      continue; /* the fast path: plain ASCII */
    if(c >= 0x80) {
      long l = utf8_seq((const unsigned char *)s + i, n - i);
      if(l > 0) {
        i += (size_t)l - 1; /* valid UTF-8: kept as it is */
        continue;
      }
      /* invalid: its maximal subpart becomes one U+FFFD (RFC 8259 wants UTF-8) */
      buf_append(b, s + start, i - start);
      buf_append(b, "\xef\xbf\xbd", 3);
      i += (size_t)(-l) - 1;
      start = i + 1;
      continue;
    }
    switch(c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    default:
      u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
      u[4] = text_hex_lower[c >> 4]; u[5] = text_hex_lower[c & 15];
      buf_append(b, s + start, i - start);
      buf_append(b, u, 6);
      start = i + 1;
      continue;
    }
    buf_append(b, s + start, i - start);
    buf_puts(b, esc);
    start = i + 1;
  }
  buf_append(b, s + start, n - start);
}

void buf_json_strn(struct buf *b, const char *s, size_t n)
{
  if(!s) {
    buf_append(b, "null", 4);
    return;
  }
  buf_putc(b, '"');
  buf_json_escape(b, s, n);
  buf_putc(b, '"');
}

void buf_json_str(struct buf *b, const char *s)
{
  buf_json_strn(b, s, s ? strlen(s) : 0);
}

char *buf_steal(struct buf *b, size_t *len)
{
  char *p = b->oom ? NULL : b->data;
  if(len)
    *len = p ? b->len : 0;
  if(!p)
    oac_free(b->data);
  buf_init(b);
  return p;
}

void buf_pct_decode(struct buf *b, const char *s, size_t len)
{
  size_t start = 0;
  for(size_t i = 0; i < len; i++) {
    int h, l;
    if(s[i] == '%' && i + 2 < len && (h = text_hex_value((unsigned char)s[i + 1])) >= 0 &&
       (l = text_hex_value((unsigned char)s[i + 2])) >= 0 && (h || l)) {
      char c = (char)(h * 16 + l);
      buf_append(b, s + start, i - start);
      buf_append(b, &c, 1);
      i += 2;
      start = i + 1;
    }
  }
  buf_append(b, s + start, len - start);
}
