/* answer_path.c - a stored path into the answer, evaluated without allocation (the format is
 * in answer_path.h; the compiler writes it, src/compile/answer_path.c). */
#include <string.h>
#include "answer_path.h"

#define MAX_STEPS 64
#define MAX_DIGITS 9

struct cursor {
  const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
  while(c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static int hex4(const char *p, unsigned *out)
{
  unsigned v = 0;
  for(int i = 0; i < 4; i++) {
    char ch = p[i];
    v <<= 4;
    if(ch >= '0' && ch <= '9')
      v |= (unsigned)(ch - '0');
    else if(ch >= 'a' && ch <= 'f')
      v |= (unsigned)(ch - 'a' + 10);
    else if(ch >= 'A' && ch <= 'F')
      v |= (unsigned)(ch - 'A' + 10);
    else
      return 0;
  }
  *out = v;
  return 1;
}

/* The next character of a JSON string body at C (after the opening quote), as UTF-8 bytes
 * in OUT: their count (1..4), 0 at the closing quote (consumed), -1 when malformed. Raw
 * bytes are passed through one at a time. */
static int next_char(struct cursor *c, unsigned char out[4])
{
  if(c->p >= c->end)
    return -1;
  unsigned char ch = (unsigned char)*c->p;
  if(ch == '"') {
    c->p++;
    return 0;
  }
  if(ch < 0x20)
    return -1;
  if(ch != '\\') {
    out[0] = ch;
    c->p++;
    return 1;
  }
  if(c->end - c->p < 2)
    return -1;
  char e = c->p[1];
  c->p += 2;
  switch(e) {
  case '"': out[0] = '"'; return 1;
  case '\\': out[0] = '\\'; return 1;
  case '/': out[0] = '/'; return 1;
  case 'b': out[0] = '\b'; return 1;
  case 'f': out[0] = '\f'; return 1;
  case 'n': out[0] = '\n'; return 1;
  case 'r': out[0] = '\r'; return 1;
  case 't': out[0] = '\t'; return 1;
  case 'u': break;
  default: return -1;
  }
  unsigned u, lo;
  if(c->end - c->p < 4 || !hex4(c->p, &u))
    return -1;
  c->p += 4;
  if(u >= 0xDC00 && u <= 0xDFFF)
    return -1;                          /* a low surrogate alone */
  if(u >= 0xD800 && u <= 0xDBFF) {
    if(c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' || !hex4(c->p + 2, &lo) ||
       lo < 0xDC00 || lo > 0xDFFF)
      return -1;
    c->p += 6;
    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
  }
  if(u == 0)
    return -1;                          /* no member name holds a NUL */
  if(u < 0x80) {
    out[0] = (unsigned char)u;
    return 1;
  }
  if(u < 0x800) {
    out[0] = (unsigned char)(0xC0 | (u >> 6));
    out[1] = (unsigned char)(0x80 | (u & 0x3F));
    return 2;
  }
  if(u < 0x10000) {
    out[0] = (unsigned char)(0xE0 | (u >> 12));
    out[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
    out[2] = (unsigned char)(0x80 | (u & 0x3F));
    return 3;
  }
  out[0] = (unsigned char)(0xF0 | (u >> 18));
  out[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
  out[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
  out[3] = (unsigned char)(0x80 | (u & 0x3F));
  return 4;
}

static unsigned char lower(unsigned char ch)
{
  return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

/* Does the JSON string body at C (after its quote) equal KEY (case-insensitively when CI)?
 * C is left after the closing quote; -1 when the string is malformed. */
static int string_eq(struct cursor *c, const char *key, int ci)
{
  const unsigned char *k = (const unsigned char *)(key ? key : "");
  int same = key != NULL;
  for(;;) {
    unsigned char ch[4];
    int n = next_char(c, ch);
    if(n < 0)
      return -1;
    if(n == 0)
      return same && !*k;
    for(int i = 0; i < n && same; i++) {
      if(!*k || (ci ? lower(ch[i]) != lower(*k) : ch[i] != *k))
        same = 0;
      else
        k++;
    }
  }
}

/* Skips the string at C (after its quote): 0, or -1 when malformed. */
static int skip_string(struct cursor *c)
{
  return string_eq(c, NULL, 0) < 0 ? -1 : 0;
}

/* The member of object V named by the string at C (after its quote): exact match first,
 * then case-insensitive. *OK = 0 when the string is malformed. */
static const cJSON *member(struct cursor *c, const cJSON *v, int *ok)
{
  const char *start = c->p;
  const cJSON *hit = NULL;
  for(int ci = 0; ci < 2 && !hit; ci++)
    for(const cJSON *e = v->child; e && !hit; e = e->next) {
      c->p = start;
      int r = string_eq(c, e->string, ci);
      if(r < 0) {
        *ok = 0;
        return NULL;
      }
      if(r)
        hit = e;
    }
  c->p = start;
  if(skip_string(c))
    *ok = 0;
  return hit;
}

/* An index at C: -1 or 0 ... 999999999 without leading zeros. 1 and *OUT, or 0. */
static int index_at(struct cursor *c, long *out)
{
  if(c->p < c->end && *c->p == '-') {
    if(c->end - c->p < 2 || c->p[1] != '1' || (c->end - c->p > 2 && c->p[2] >= '0' &&
                                                c->p[2] <= '9'))
      return 0;
    c->p += 2;
    *out = -1;
    return 1;
  }
  long v = 0;
  int n = 0;
  while(c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    if(n == MAX_DIGITS || (n == 1 && v == 0))
      return 0;
    v = v * 10 + (*c->p - '0');
    c->p++;
    n++;
  }
  *out = v;
  return n > 0;
}

static const cJSON *element(const cJSON *v, long i)
{
  const cJSON *e = v->child;
  if(i < 0) {
    if(!e)
      return NULL;
    while(e->next)
      e = e->next;
    return e;
  }
  for(; e && i; i--)
    e = e->next;
  return e;
}

/* Walks STORED over ROOT (ROOT NULL: only checks the text). *OK = 0 when malformed. */
static const cJSON *walk(const char *stored, size_t len, const cJSON *root, int *ok)
{
  struct cursor c = { stored, stored + len };
  const cJSON *v = root;
  *ok = 0;
  if(!stored)
    return NULL;
  skip_ws(&c);
  if(c.p >= c.end || *c.p != '[')
    return NULL;
  c.p++;
  skip_ws(&c);
  int steps = 0;
  if(c.p < c.end && *c.p == ']')
    c.p++;
  else {
    for(;;) {
      if(c.p >= c.end || ++steps > MAX_STEPS)
        return NULL;
      if(*c.p == '"') {
        c.p++;
        int fine = 1;
        if(v && cJSON_IsObject(v))
          v = member(&c, v, &fine);
        else {
          v = NULL;
          fine = !skip_string(&c);
        }
        if(!fine)
          return NULL;
      }
      else {
        long i;
        if(!index_at(&c, &i))
          return NULL;
        v = v && cJSON_IsArray(v) ? element(v, i) : NULL;
      }
      skip_ws(&c);
      if(c.p >= c.end)
        return NULL;
      if(*c.p == ']') {
        c.p++;
        break;
      }
      if(*c.p != ',')
        return NULL;
      c.p++;
      skip_ws(&c);
    }
  }
  skip_ws(&c);
  if(c.p != c.end)
    return NULL;
  *ok = 1;
  return v;
}

const cJSON *answer_path_eval(const char *stored, size_t len, const cJSON *root)
{
  int ok;
  const cJSON *v = walk(stored, len, root, &ok);
  return ok ? v : NULL;
}

int answer_path_valid(const char *stored, size_t len)
{
  int ok;
  walk(stored, len, NULL, &ok);
  return ok;
}
