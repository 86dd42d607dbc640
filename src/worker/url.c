/* url.c - percent-encoding, origins, reference resolution and next-URL checks (url.h).
 *
 * url_origin() and url_next_check() parse with libcurl's own URL parser (curl_url) rather
 * than by hand: the origin they see is then the host and port curl itself would connect
 * to for that URL, so a redirect target or a next URL cannot pass the check under one
 * reading of the URL and be fetched under another (userinfo tricks, odd slashes,
 * percent-encoded host names).
 * url_resolve() is RFC 3986 §5.2 by hand instead: curl's resolver would also normalize
 * and encode, and the next URL must stay as the API wrote it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "url.h"
#include "../common/text.h"

static int unreserved(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

/* Runs of unreserved bytes are appended in one piece; everything else as %XX. */
static void encode(struct buf *b, const char *s, size_t n)
{
  size_t i = 0;
  while(i < n) {
    size_t start = i;
    while(i < n && unreserved((unsigned char)s[i]))
      i++;
    if(i > start)
      buf_append(b, s + start, i - start);
    if(i < n) {
      unsigned char c = (unsigned char)s[i++];
      char pct[3] = { '%', text_hex_upper[c >> 4], text_hex_upper[c & 15] };
      buf_append(b, pct, 3);
    }
  }
}

/* A value that is "." or ".." would be a dot-segment, which URL parsers (libcurl's among
 * them) resolve: "/pets/.." would become "/". Its dots are encoded, so it stays data. */
void url_encode_segment(struct buf *b, const char *s, size_t n)
{
  if((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
    buf_append(b, "%2E%2E", 3 * n);
  else
    encode(b, s, n);
}

/* The same set as for a segment: "&", "=", "+" and ";" in a value are encoded too, so no
 * server can read them as separators. */
void url_encode_query(struct buf *b, const char *s, size_t n) { encode(b, s, n); }

static void lower(char *s)
{
  for(; *s; s++)
    if(*s >= 'A' && *s <= 'Z')
      *s = (char)(*s - 'A' + 'a');
}

/* The parts of an absolute http(s) URL as libcurl reads it: scheme and host lowercased,
 * the port made explicit (80 / 443 when not written), the IPv6 zone, the path (after
 * curl's own dot-segment removal) and whether userinfo is present. Every string is
 * curl's (parts_free). OAC_EDOC if URL is not an absolute http(s) URL with a host,
 * OAC_ENOMEM when curl_url() fails. */
struct url_parts {
  char *scheme, *host, *port, *zone, *path;
  int userinfo;
};

static void parts_free(struct url_parts *p)
{
  curl_free(p->scheme);
  curl_free(p->host);
  curl_free(p->port);
  curl_free(p->zone);
  curl_free(p->path);
  memset(p, 0, sizeof *p);
}

static enum oac_result parts_get(const char *url, struct url_parts *p)
{
  memset(p, 0, sizeof *p);
  CURLU *h = curl_url();
  if(!h)
    return OAC_ENOMEM;
  enum oac_result rv = OAC_EDOC;
  char *user = NULL, *password = NULL;
  /* No flags: a URL without a scheme is refused rather than guessed, and only schemes
   * this libcurl supports parse at all. */
  if(curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
    goto done;
  if(curl_url_get(h, CURLUPART_SCHEME, &p->scheme, 0) != CURLUE_OK ||
     curl_url_get(h, CURLUPART_HOST, &p->host, 0) != CURLUE_OK ||
     curl_url_get(h, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
     curl_url_get(h, CURLUPART_PATH, &p->path, 0) != CURLUE_OK)
    goto done;
  lower(p->scheme);
  if(strcmp(p->scheme, "http") && strcmp(p->scheme, "https"))
    goto done;
  if(!p->host[0])
    goto done;
  lower(p->host);
  /* curl hands the IPv6 zone ("%25eth0") out separately; two zones are two origins. */
  if(curl_url_get(h, CURLUPART_ZONEID, &p->zone, 0) != CURLUE_OK)
    p->zone = NULL;
  p->userinfo = curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK ||
                curl_url_get(h, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK;
  rv = OAC_OK;
done:
  curl_free(user);
  curl_free(password);
  curl_url_cleanup(h);
  if(rv)
    parts_free(p);
  return rv;
}

enum oac_result url_origin(const char *url, char *origin, size_t size)
{
  if(!url || !origin || !size)
    return OAC_EDOC;
  origin[0] = '\0';
  struct url_parts p;
  enum oac_result rv = parts_get(url, &p);
  if(rv)
    return rv;
  int n;
  if(p.zone && p.host[0] == '[') {
    size_t hl = strlen(p.host);
    n = snprintf(origin, size, "%s://%.*s%%25%s]:%s", p.scheme, (int)(hl - 1), p.host, p.zone,
                 p.port);
  }
  else
    n = snprintf(origin, size, "%s://%s:%s", p.scheme, p.host, p.port);
  if(n < 0 || (size_t)n >= size) {
    origin[0] = '\0';
    rv = OAC_EDOC;
  }
  parts_free(&p);
  return rv;
}

/* Reference resolution (RFC 3986 §5) ------------------------------------------------- */

/* A URI reference split as RFC 3986 Appendix B does (the fragment is dropped). */
struct uref {
  const char *scheme, *auth, *path, *query;
  size_t scheme_len, auth_len, path_len, query_len;
  int has_scheme, has_auth, has_query;
};

static int alpha(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

static int scheme_ok(const char *s, size_t n)
{
  if(!n || !alpha((unsigned char)s[0]))
    return 0;
  for(size_t i = 1; i < n; i++) {
    int c = (unsigned char)s[i];
    if(!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
      return 0;
  }
  return 1;
}

static int any_of(int c, const char *set) { return c && strchr(set, c) != NULL; }

static enum oac_result split(const char *s, size_t n, struct uref *r)
{
  memset(r, 0, sizeof *r);
  for(size_t i = 0; i < n; i++)
    if((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
      return OAC_EDOC;
  size_t i = 0, k = 0;
  while(k < n && !any_of(s[k], ":/?#"))
    k++;
  if(k < n && s[k] == ':') {
    if(!scheme_ok(s, k))
      return OAC_EDOC;
    r->has_scheme = 1;
    r->scheme = s;
    r->scheme_len = k;
    i = k + 1;
  }
  if(i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
    i += 2;
    size_t a = i;
    while(i < n && !any_of(s[i], "/?#"))
      i++;
    r->has_auth = 1;
    r->auth = s + a;
    r->auth_len = i - a;
  }
  size_t p = i;
  while(i < n && !any_of(s[i], "?#"))
    i++;
  r->path = s + p;
  r->path_len = i - p;
  if(i < n && s[i] == '?') {
    size_t q = ++i;
    while(i < n && s[i] != '#')
      i++;
    r->has_query = 1;
    r->query = s + q;
    r->query_len = i - q;
  }
  return OAC_OK;
}

/* Removes the last segment of P[0..O) and the "/" before it; the new length. */
static size_t drop_last(const char *p, size_t o)
{
  while(o > 0 && p[o - 1] != '/')
    o--;
  return o > 0 ? o - 1 : 0;
}

/* RFC 3986 §5.2.4 remove_dot_segments on P[0..N) in place (the output never overtakes the
 * input: it is written at O <= I); the new length. */
static size_t remove_dots(char *p, size_t n)
{
  size_t i = 0, o = 0;
  while(i < n) {
    size_t rest = n - i;
    const char *in = p + i;
    if(rest >= 3 && !memcmp(in, "../", 3))
      i += 3;                                           /* A */
    else if(rest >= 2 && !memcmp(in, "./", 2))
      i += 2;
    else if(rest >= 3 && !memcmp(in, "/./", 3))
      i += 2;                                           /* B */
    else if(rest == 2 && !memcmp(in, "/.", 2))
      p[++i] = '/';
    else if(rest >= 4 && !memcmp(in, "/../", 4)) {      /* C */
      i += 3;
      o = drop_last(p, o);
    }
    else if(rest == 3 && !memcmp(in, "/..", 3)) {
      i += 2;
      p[i] = '/';
      o = drop_last(p, o);
    }
    else if((rest == 1 && in[0] == '.') || (rest == 2 && !memcmp(in, "..", 2)))
      i = n;                                            /* D */
    else {                                              /* E */
      size_t j = i + (p[i] == '/');
      while(j < n && p[j] != '/')
        j++;
      memmove(p + o, p + i, j - i);
      o += j - i;
      i = j;
    }
  }
  return o;
}

/* remove_dots on OUT's bytes from P0 to the end. */
static void remove_dots_from(struct buf *out, size_t p0)
{
  if(buf_failed(out) || !out->data)
    return;
  out->len = p0 + remove_dots(out->data + p0, out->len - p0);
  out->data[out->len] = '\0';
}

enum oac_result url_resolve(const char *base, size_t base_len, const char *ref, size_t ref_len,
                            struct buf *out)
{
  if(!out)
    return OAC_EDOC;
  buf_reset(out);
  if(!base || (!ref && ref_len))
    return OAC_EDOC;
  if(!ref)
    ref = "";
  struct uref b, r;
  if(split(base, base_len, &b) || !b.has_scheme || split(ref, ref_len, &r))
    return OAC_EDOC;
  const struct uref *sch = r.has_scheme ? &r : &b;
  const struct uref *auth = r.has_scheme || r.has_auth ? &r : &b;
  const struct uref *query = &r;
  buf_append(out, sch->scheme, sch->scheme_len);
  buf_putc(out, ':');
  if(auth->has_auth) {
    buf_append(out, "//", 2);
    buf_append(out, auth->auth, auth->auth_len);
  }
  size_t p0 = out->len;
  if(r.has_scheme || r.has_auth || (r.path_len && r.path[0] == '/')) {
    buf_append(out, r.path, r.path_len);
    remove_dots_from(out, p0);
  }
  else if(!r.path_len) {
    buf_append(out, b.path, b.path_len);      /* §5.2.2: the base path as it is */
    if(!r.has_query)
      query = &b;
  }
  else {                                      /* §5.2.3 merge */
    if(b.has_auth && !b.path_len)
      buf_putc(out, '/');
    else {
      size_t last = b.path_len;
      while(last > 0 && b.path[last - 1] != '/')
        last--;
      buf_append(out, b.path, last);
    }
    buf_append(out, r.path, r.path_len);
    remove_dots_from(out, p0);
  }
  if(query->has_query) {
    buf_putc(out, '?');
    buf_append(out, query->query, query->query_len);
  }
  return buf_failed(out) ? OAC_ENOMEM : OAC_OK;
}

/* Next URLs: product.md §12.2 Safety -------------------------------------------------- */

/* The next comparison unit of S[0..N) at *I (RFC 3986 §6.2.2): a %XX with hex digits is
 * the byte it encodes, still *ENCODED unless it is unreserved; any other byte is itself. */
static int path_unit(const char *s, size_t n, size_t *i, int *encoded)
{
  int c = (unsigned char)s[*i], h, l;
  if(c == '%' && *i + 2 < n && (h = text_hex_value(s[*i + 1])) >= 0 &&
     (l = text_hex_value(s[*i + 2])) >= 0) {
    *i += 3;
    c = h * 16 + l;
    *encoded = !unreserved((unsigned char)c);
    return c;
  }
  (*i)++;
  *encoded = 0;
  return c;
}

/* Do A and B read alike (0 = same)? With PREFIX, is A B's first segments (A "" is the
 * root: every path is under it)? */
static int path_cmp(const char *a, size_t an, const char *b, size_t bn, int prefix)
{
  size_t i = 0, j = 0;
  while(i < an && j < bn) {
    int ea, eb;
    int ca = path_unit(a, an, &i, &ea), cb = path_unit(b, bn, &j, &eb);
    if(ca != cb || ea != eb)
      return 1;
  }
  if(i < an)
    return 1;
  if(j == bn)
    return 0;
  if(!prefix)
    return 1;
  int e;
  return !(path_unit(b, bn, &j, &e) == '/' && !e);
}

/* Does PATH, %XX-decoded, hold a segment "." or ".." (segments split at "/" and "\")? A
 * server that decodes before it resolves dots (nginx does) would leave the prefix. */
static int decoded_dots(const char *path, struct buf *tmp)
{
  buf_reset(tmp);
  buf_pct_decode(tmp, path, strlen(path));
  if(buf_failed(tmp))
    return -1;
  const char *s = tmp->data ? tmp->data : "";
  size_t n = tmp->len, seg = 0;
  for(size_t i = 0; i <= n; i++) {
    if(i == n || s[i] == '/' || s[i] == '\\') {
      size_t l = i - seg;
      if((l == 1 && s[seg] == '.') || (l == 2 && s[seg] == '.' && s[seg + 1] == '.'))
        return 1;
      seg = i + 1;
    }
  }
  return 0;
}

static enum url_next_rule next_rule(const struct url_parts *srv, const struct url_parts *c,
                                    const char *first, size_t first_len, int next_path_any,
                                    struct buf *tmp, enum oac_result *rv)
{
  if(strcmp(srv->scheme, c->scheme))
    return URL_NEXT_SCHEME;
  if(strcmp(srv->host, c->host) ||
     strcmp(srv->zone ? srv->zone : "", c->zone ? c->zone : ""))
    return URL_NEXT_HOST;
  if(strtol(srv->port, NULL, 10) != strtol(c->port, NULL, 10))
    return URL_NEXT_PORT;
  if(c->userinfo)
    return URL_NEXT_USERINFO;
  int dots = decoded_dots(c->path, tmp);
  if(dots < 0) {
    *rv = OAC_ENOMEM;
    return URL_NEXT_OK;
  }
  /* curl has removed the dot segments already; once more costs nothing and does not
   * depend on it. */
  buf_reset(tmp);
  buf_puts(tmp, c->path);
  remove_dots_from(tmp, 0);
  if(buf_failed(tmp)) {
    *rv = OAC_ENOMEM;
    return URL_NEXT_OK;
  }
  const char *path = tmp->data;
  size_t path_len = tmp->len;
  size_t sl = strlen(srv->path);
  while(sl > 0 && srv->path[sl - 1] == '/')
    sl--;
  int same = !path_cmp(first, first_len, path, path_len, 0);
  /* Encoded dots in the very path of the first request (a value "..", which
   * url_encode_segment sends as %2E%2E) are no new risk: the first request went there. */
  if((dots && !same) || path_cmp(srv->path, sl, path, path_len, 1))
    return URL_NEXT_OUTSIDE;
  if(!next_path_any && !same)
    return URL_NEXT_PATH;
  return URL_NEXT_OK;
}

enum oac_result url_next_check(const char *server_url, const char *first_path,
                               int next_path_any, const char *candidate,
                               enum url_next_rule *broken)
{
  if(!broken)
    return OAC_EDOC;
  *broken = URL_NEXT_INVALID;
  if(!server_url || !first_path || first_path[0] != '/')
    return OAC_EDOC;
  struct url_parts srv, c;
  enum oac_result rv = parts_get(server_url, &srv);
  if(rv)
    return rv;
  if(!candidate || (rv = parts_get(candidate, &c)) != OAC_OK) {
    parts_free(&srv);
    return rv == OAC_ENOMEM ? rv : OAC_OK;      /* *broken stays URL_NEXT_INVALID */
  }
  /* The first request's path, up to its query, with its dot segments removed. */
  struct buf first, tmp;
  buf_init(&first);
  buf_init(&tmp);
  buf_append(&first, first_path, strcspn(first_path, "?#"));
  remove_dots_from(&first, 0);
  if(buf_failed(&first))
    rv = OAC_ENOMEM;
  else
    *broken = next_rule(&srv, &c, first.data, first.len, next_path_any, &tmp, &rv);
  if(rv)
    *broken = URL_NEXT_INVALID;
  buf_free(&first);
  buf_free(&tmp);
  parts_free(&srv);
  parts_free(&c);
  return rv;
}

const char *url_next_rule_text(enum url_next_rule r)
{
  switch(r) {
  case URL_NEXT_OK:
    return "it may be followed";
  case URL_NEXT_INVALID:
    return "it is not an absolute http(s) URL";
  case URL_NEXT_SCHEME:
    return "its scheme differs from the server's";
  case URL_NEXT_HOST:
    return "its host differs from the server's";
  case URL_NEXT_PORT:
    return "its port differs from the server's";
  case URL_NEXT_USERINFO:
    return "it carries a user name or password";
  case URL_NEXT_OUTSIDE:
    return "its path is not under the server URL's path";
  case URL_NEXT_PATH:
    return "its path differs from the first request's (paging.nextPath: any allows that)";
  }
  return "unknown rule";
}
