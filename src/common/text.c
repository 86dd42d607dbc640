/* text.c - small text helpers (text.h). */
#include <string.h>
#include <strings.h>
#include "text.h"

const char text_hex_lower[17] = "0123456789abcdef";
const char text_hex_upper[17] = "0123456789ABCDEF";

int text_hex_value(int c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int text_hex4(const char *p, unsigned *out)
{
  unsigned v = 0;
  for(int i = 0; i < 4; i++) {
    int h = text_hex_value((unsigned char)p[i]);
    if(h < 0)
      return 0;
    v = v * 16 + (unsigned)h;
  }
  *out = v;
  return 1;
}

void text_uuid_format(const unsigned char b[16], char out[37])
{
  size_t o = 0;
  for(int i = 0; i < 16; i++) {
    if(i == 4 || i == 6 || i == 8 || i == 10)
      out[o++] = '-';
    out[o++] = text_hex_lower[b[i] >> 4];
    out[o++] = text_hex_lower[b[i] & 15];
  }
  out[o] = '\0';
}

int text_is_space(int c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

void text_trim(const char **s, size_t *len)
{
  while(*len && text_is_space((unsigned char)**s)) {
    (*s)++;
    (*len)--;
  }
  while(*len && text_is_space((unsigned char)(*s)[*len - 1]))
    (*len)--;
}

const char *text_trim_dup(const char *s, struct arena *a)
{
  if(!s)
    return NULL;
  size_t n = strlen(s);
  text_trim(&s, &n);
  return n ? arena_strndup(a, s, n) : NULL;
}

int text_is_http_url(const char *s)
{
  return s && (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8));
}
