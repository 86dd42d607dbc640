/* url.h - URL pieces for upstream calls: percent-encoding and origins.
 *
 * Path values are encoded as exactly one segment (product.md §5.2): everything except the
 * unreserved characters A-Z a-z 0-9 - . _ ~ is %XX-encoded, so "/", "?", "#" and "%" in a
 * value can never change the URL's structure; a value that is "." or ".." has its dots
 * encoded too (%2E), so no URL parser resolves it as a dot-segment. Query names and values
 * use the same set.
 */
#ifndef OAC_URL_H
#define OAC_URL_H

#include <stddef.h>
#include "../common/buf.h"
#include "../common/result.h"

void url_encode_segment(struct buf *b, const char *s, size_t n);
void url_encode_query(struct buf *b, const char *s, size_t n);

/* "scheme://host:port" of an absolute http(s) URL, lowercased, with the default port made
 * explicit, into ORIGIN. OAC_EDOC if URL is not an absolute http(s) URL or does not fit,
 * OAC_ENOMEM. Used to keep redirects on the same scheme, host and port. Parsed by libcurl's own URL
 * parser, so the host is the one curl would connect to; userinfo is left out, an IPv6
 * literal keeps its brackets ("http://[::1]:8080"). */
enum oac_result url_origin(const char *url, char *origin, size_t size);

#endif
