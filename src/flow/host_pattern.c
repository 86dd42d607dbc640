/* host_pattern.c - --allow-host patterns and the host of a URL (host_pattern.h). */
#include "host_pattern.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(char *why, size_t whylen, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
  if(why && whylen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* "http://" / "https://" at the start of S, any case: its length, with *HTTPS set; 0 when
 * S has no scheme; -1 for another scheme ("ftp://"). */
static int scheme_of(const char *s, int *https)
{
  if(!strncasecmp(s, "https://", 8)) {
    *https = 1;
    return 8;
  }
  if(!strncasecmp(s, "http://", 7)) {
    *https = 0;
    return 7;
  }
  const char *c = strstr(s, "://");
  return c && (size_t)(c - s) < strcspn(s, "/.:@[") + 1 ? -1 : 0;
}

static int all_digits(const char *s, size_t n)
{
  if(!n)
    return 0;
  for(size_t i = 0; i < n; i++)
    if(s[i] < '0' || s[i] > '9')
      return 0;
  return 1;
}

/* The host S[0..N) normalised into OUT (lower case, one trailing dot dropped; an IPv6
 * literal keeps its brackets), its IP kind in *IP (0, 4, 6) and address in ADDR. */
static int host_norm(const char *s, size_t n, struct host_pattern *out, char *why,
                     size_t whylen)
{
  out->ip = 0;
  if(!n)
    return fail(why, whylen, "no host");
  if(s[0] == '[') {
    char tmp[64];
    if(n < 3 || s[n - 1] != ']' || n - 2 >= sizeof(tmp))
      return fail(why, whylen, "a bad IPv6 literal");
    memcpy(tmp, s + 1, n - 2);
    tmp[n - 2] = '\0';
    if(inet_pton(AF_INET6, tmp, out->addr) != 1)
      return fail(why, whylen, "a bad IPv6 literal");
    out->ip = 6;
    for(size_t i = 0; i < n; i++)
      out->host[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    out->host[n] = '\0';
    return 0;
  }
  if(n > 1 && s[n - 1] == '.')
    n--;                                        /* the root label: the same DNS name */
  if(n > HOST_PATTERN_MAX)
    return fail(why, whylen, "a host name over %d characters", HOST_PATTERN_MAX);
  size_t label = 0, last = 0;
  for(size_t i = 0; i < n; i++) {
    char c = s[i];
    if(c == '.') {
      if(!label)
        return fail(why, whylen, "an empty label in the host name");
      label = 0;
      last = i + 1;
      out->host[i] = '.';
      continue;
    }
    if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_'))
      return fail(why, whylen, "the character '%s%c' in the host name",
                  c == '%' ? "%" : "", (c > 32 && c < 127) ? c : '?');
    if(++label > 63)
      return fail(why, whylen, "a label over 63 characters in the host name");
    out->host[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  if(!label)
    return fail(why, whylen, "an empty label in the host name");
  out->host[n] = '\0';
  /* a final label of digits (or 0x...) makes the name an IPv4 address to a resolver
   * (inet_aton reads "127.1" and "0x7f.1"): only the canonical dotted form is one */
  const char *tail = out->host + last;
  size_t tl = n - last;
  if(all_digits(tail, tl) || (tl > 2 && tail[0] == '0' && tail[1] == 'x')) {
    if(inet_pton(AF_INET, out->host, out->addr) != 1)
      return fail(why, whylen, "'%s' is not an IPv4 address in dotted-decimal form",
                  out->host);
    out->ip = 4;
  }
  return 0;
}

int host_pattern_parse(const char *pattern, struct host_pattern *out, char *why,
                       size_t whylen)
{
  memset(out, 0, sizeof(*out));
  out->https = 1;
  if(!pattern || !*pattern)
    return fail(why, whylen, "an empty pattern");
  int sl = scheme_of(pattern, &out->https);
  if(sl < 0)
    return fail(why, whylen, "only http:// and https:// may start a pattern");
  const char *h = pattern + sl;
  if(strpbrk(h, "/?#@\\ \t"))
    return fail(why, whylen, "a pattern is [http://|https://]host[:port]: no path, query, "
                "user or space");
  size_t n = strlen(h);
  const char *colon = NULL;
  if(h[0] == '[') {
    const char *rb = strchr(h, ']');
    if(!rb)
      return fail(why, whylen, "a bad IPv6 literal");
    colon = rb[1] == ':' ? rb + 1 : NULL;
    if(rb[1] && !colon)
      return fail(why, whylen, "text after the IPv6 literal");
  }
  else
    colon = strchr(h, ':');
  out->port = out->https ? 443 : 80;
  if(colon) {
    size_t pl = strlen(colon + 1);
    unsigned long p = 0;
    if(!all_digits(colon + 1, pl) || pl > 5 || (p = strtoul(colon + 1, NULL, 10)) < 1 ||
       p > 65535)
      return fail(why, whylen, "the port must be a number from 1 to 65535");
    out->port = (unsigned)p;
    n = (size_t)(colon - h);
  }
  if(n >= 2 && h[0] == '*' && h[1] == '.') {
    out->wildcard = 1;
    h += 2;
    n -= 2;
  }
  if(memchr(h, '*', n))
    return fail(why, whylen, "'*' stands only at the start, as '*.' followed by a domain");
  if(out->wildcard) {
    /* a domain whose last label is a number names IP addresses */
    const char *dot = memrchr(h, '.', n);
    const char *last = dot ? dot + 1 : h;
    if(all_digits(last, n - (size_t)(last - h)))
      return fail(why, whylen, "a wildcard cannot stand for IP addresses");
  }
  if(host_norm(h, n, out, why, whylen))
    return -1;
  if(out->wildcard && out->ip)
    return fail(why, whylen, "a wildcard cannot stand for IP addresses");
  return 0;
}

int host_pattern_url(const char *url, int *https, char *host, size_t hostlen, unsigned *port,
                     char *why, size_t whylen)
{
  struct host_pattern u;
  if(hostlen)
    host[0] = '\0';
  int sl = url ? scheme_of(url, https) : -1;
  if(sl <= 0)
    return fail(why, whylen, "not an http(s) URL");
  const char *a = url + sl;
  size_t n = strcspn(a, "/?#");
  if(hostlen)
    snprintf(host, hostlen, "%.*s", (int)(n > 200 ? 200 : n), a);
  if(memchr(a, '@', n))
    return fail(why, whylen, "a URL with a user name ('@' before the host) is refused");
  if(memchr(a, '\\', n))
    return fail(why, whylen, "a backslash in the URL's host is refused");
  size_t hn = n;
  *port = *https ? 443 : 80;
  const char *colon = NULL;
  if(n && a[0] == '[') {
    const char *rb = memchr(a, ']', n);
    if(!rb)
      return fail(why, whylen, "a bad IPv6 literal");
    if((size_t)(rb + 1 - a) < n) {
      if(rb[1] != ':')
        return fail(why, whylen, "text after the IPv6 literal");
      colon = rb + 1;
    }
  }
  else
    colon = memchr(a, ':', n);
  if(colon) {
    size_t pl = n - (size_t)(colon + 1 - a);
    hn = (size_t)(colon - a);
    if(pl) {                                    /* "host:" is the default port */
      unsigned long p = 0;
      if(!all_digits(colon + 1, pl) || pl > 5)
        return fail(why, whylen, "a bad port");
      for(size_t i = 0; i < pl; i++)
        p = p * 10 + (unsigned long)(colon[1 + i] - '0');
      if(p < 1 || p > 65535)
        return fail(why, whylen, "a bad port");
      *port = (unsigned)p;
    }
  }
  memset(&u, 0, sizeof(u));
  if(host_norm(a, hn, &u, why, whylen))
    return -1;
  if(hostlen)
    snprintf(host, hostlen, "%s", u.host);
  return 0;
}

int host_pattern_match(const struct host_pattern *pats, size_t n, const char *url,
                       char *host, size_t hostlen)
{
  int https;
  unsigned port;
  char h[HOST_PATTERN_MAX + 3];
  struct host_pattern u;
  memset(&u, 0, sizeof(u));
  if(host_pattern_url(url, &https, h, sizeof(h), &port, NULL, 0)) {
    if(hostlen)
      snprintf(host, hostlen, "%s", h);
    return 0;
  }
  if(hostlen) {
    if(port != (https ? 443u : 80u))
      snprintf(host, hostlen, "%s:%u", h, port);
    else
      snprintf(host, hostlen, "%s", h);
  }
  /* the address of an IP literal, once more (host_pattern_url kept only its text) */
  if(host_norm(h, strlen(h), &u, NULL, 0))
    return 0;
  size_t hl = strlen(h);
  for(size_t i = 0; i < n; i++) {
    const struct host_pattern *p = &pats[i];
    if(p->https != https || p->port != port)
      continue;
    if(u.ip || p->ip) {
      if(u.ip == p->ip && !memcmp(u.addr, p->addr, u.ip == 4 ? 4 : 16))
        return 1;
      continue;
    }
    if(!p->wildcard) {
      if(!strcmp(h, p->host))
        return 1;
      continue;
    }
    size_t dl = strlen(p->host);
    if(hl > dl + 1 && h[hl - dl - 1] == '.' && !strcmp(h + hl - dl, p->host))
      return 1;
  }
  return 0;
}
