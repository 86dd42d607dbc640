/* host_pattern.h - the --allow-host patterns of inline documents (product.md §15.4).
 *
 * A pattern is `[http://|https://]host[:port]`: HOST is exact, or `*.` followed by a domain
 * of one or more labels (matching any host of one or more labels more under it, never the
 * domain itself); comparison is case-insensitive; the scheme defaults to https and the port
 * to the scheme's (80, 443). An IP literal (dotted IPv4, bracketed IPv6) matches only a
 * pattern that is the same literal, never a wildcard. One trailing dot of a host name is
 * ignored on both sides ("example.com." is the same DNS name).
 *
 * A URL is matched by its authority as a client reads it. Anything that could make two
 * readers disagree about the host is no match at all: userinfo ("https://a.com@b.com"), a
 * percent sign, a backslash, white space or any other byte outside letters, digits, '-',
 * '.', '_' in a host name, an empty label, a bad port.
 *
 * Shared by the compiler (every URL of a compiled document is checked before the cache is
 * written) and the worker (the patterns are validated at start-up). libc only.
 */
#ifndef OAC_HOST_PATTERN_H
#define OAC_HOST_PATTERN_H

#include <stddef.h>

#define HOST_PATTERN_MAX 255          /* longest host name, as DNS allows */

struct host_pattern {
  int https;                          /* 1 https, 0 http */
  unsigned port;                      /* the pattern's port or the scheme's */
  int wildcard;                       /* "*.domain": host holds the domain */
  int ip;                             /* an IP literal: 4 (host "a.b.c.d") or 6 (host "[..]") */
  unsigned char addr[16];             /* the literal's address bytes */
  char host[HOST_PATTERN_MAX + 3];    /* lower case, no trailing dot */
};

/* Parses PATTERN into *OUT. 0, or -1 with a reason in WHY (WHYLEN bytes). */
int host_pattern_parse(const char *pattern, struct host_pattern *out, char *why,
                       size_t whylen);

/* The scheme, host (lower case, no trailing dot; an IPv6 literal with its brackets) and
 * port of URL (an absolute http(s) URL). 0, or -1 with a reason in WHY when the URL has no
 * host a client would read unambiguously. HOST holds HOSTLEN bytes; on -1 it holds the
 * authority as written (cut short), for the message. */
int host_pattern_url(const char *url, int *https, char *host, size_t hostlen, unsigned *port,
                     char *why, size_t whylen);

/* Does URL match one of the N patterns? 1 yes, 0 no (a URL host_pattern_url refuses never
 * matches). HOST (HOSTLEN bytes) receives the URL's host[:port] for a message. */
int host_pattern_match(const struct host_pattern *pats, size_t n, const char *url,
                       char *host, size_t hostlen);

#endif
