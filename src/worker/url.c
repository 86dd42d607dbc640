/* url.c - percent-encoding and origins for upstream calls (url.h).
 *
 * url_origin() parses with libcurl's own URL parser (curl_url) rather than by hand: the
 * origin it returns is then the host and port curl itself would connect to for that URL,
 * so a redirect target cannot pass the same-origin check under one reading of the URL and
 * be fetched under another (userinfo tricks, odd slashes, percent-encoded host names).
 */
#include <stdio.h>
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

enum oac_result url_origin(const char *url, char *origin, size_t size)
{
  if(!url || !origin || !size)
    return OAC_EDOC;
  origin[0] = '\0';
  CURLU *h = curl_url();
  if(!h)
    return OAC_ENOMEM;
  char *scheme = NULL, *host = NULL, *port = NULL, *zone = NULL;
  enum oac_result rv = OAC_EDOC;
  int n;
  /* No flags: a URL without a scheme is refused rather than guessed, and only schemes
   * this libcurl supports parse at all. */
  if(curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
    goto done;
  if(curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
     curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
     curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
    goto done;
  lower(scheme);
  if(strcmp(scheme, "http") && strcmp(scheme, "https"))
    goto done;
  if(!host[0])
    goto done;
  lower(host);
  /* curl hands the IPv6 zone ("%25eth0") out separately; two zones are two origins. */
  if(curl_url_get(h, CURLUPART_ZONEID, &zone, 0) != CURLUE_OK)
    zone = NULL;
  if(zone && host[0] == '[') {
    size_t hl = strlen(host);
    n = snprintf(origin, size, "%s://%.*s%%25%s]:%s", scheme, (int)(hl - 1), host, zone,
                 port);
  }
  else
    n = snprintf(origin, size, "%s://%s:%s", scheme, host, port);
  if(n < 0 || (size_t)n >= size) {
    origin[0] = '\0';
    goto done;
  }
  rv = OAC_OK;
done:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(zone);
  curl_url_cleanup(h);
  return rv;
}
