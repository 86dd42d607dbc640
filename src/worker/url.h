/* url.h - URL pieces for upstream calls: percent-encoding, origins, and (for paging,
 * issue 14) reference resolution and the safety rules for next URLs.
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

/* RFC 3986 §5.2 reference resolution: REF[0..REF_LEN) (absolute, "//host/p", "/p?q",
 * "p?q", "?q", "" ...) resolved against the absolute URI BASE[0..BASE_LEN), with
 * remove_dot_segments (§5.2.4) and the strict reading of §5.2.2 ("http:g" has a scheme).
 * OUT is reset and receives the target without its fragment (Flow's next page is never a
 * fragment); percent-encoding and case are left as written (nothing decoded, nothing
 * encoded). Role: next URLs of paging styles `next-url` and `link` (product.md §12.1) are
 * resolved against the request URL by the paging walk of issue 14 before url_next_check.
 * OAC_EDOC when BASE has no scheme, when a scheme is not ALPHA *(ALPHA / DIGIT / + - .), or
 * when either holds a control character, a space or a NUL (a URL curl would refuse or
 * read differently); OAC_ENOMEM. No allocation besides OUT's. */
enum oac_result url_resolve(const char *base, size_t base_len, const char *ref, size_t ref_len,
                            struct buf *out);

/* The rules of product.md §12.2 "Safety" for following a next URL (from an answer or an
 * offsetToken), in the order they are checked; URL_NEXT_OK when all hold. */
enum url_next_rule {
  URL_NEXT_OK = 0,
  URL_NEXT_INVALID,   /* not an absolute http(s) URL libcurl can parse */
  URL_NEXT_SCHEME,    /* scheme differs from the selected server's */
  URL_NEXT_HOST,      /* host differs (compared case-insensitively; IPv6 zone included) */
  URL_NEXT_PORT,      /* effective port differs (80 / 443 when not written) */
  URL_NEXT_USERINFO,  /* carries user:password@, which would replace the credentials */
  URL_NEXT_OUTSIDE,   /* path not under the server URL's path (segment boundaries), or,
                         unless it is the first request's path, with a segment that
                         decodes to "." or ".." (%2e, %2f, backslash: a server may decode
                         before it resolves dots) */
  URL_NEXT_PATH       /* path differs from the walk's first request's (without nextPath: any) */
};

/* Says whether the paging walk of issue 14 may follow CANDIDATE, a next URL already
 * resolved (url_resolve) against the request URL: *BROKEN is URL_NEXT_OK or the first
 * rule it breaks. SERVER_URL is the request's selected server ("https://api.example.com/v2";
 * its path, "/v2", with or without a final "/", is the prefix a next URL must stay under);
 * FIRST_PATH the path of the walk's first request ("/v2/items"; anything from a "?" or "#"
 * on is ignored); NEXT_PATH_ANY is paging.nextPath: any, which drops URL_NEXT_PATH.
 * Scheme, host and port are read by libcurl's parser (as url_origin), so they are the ones
 * curl would connect to; paths are compared after dot-segment removal, with %XX hex digits
 * in any case and %XX of an unreserved character equal to the character (RFC 3986 §6.2.2).
 * Returns OAC_OK (the verdict is in *BROKEN), OAC_EDOC when SERVER_URL is not an absolute
 * http(s) URL or FIRST_PATH does not start with "/", OAC_ENOMEM. */
enum oac_result url_next_check(const char *server_url, const char *first_path,
                               int next_path_any, const char *candidate,
                               enum url_next_rule *broken);

/* The rule, as the 502's message says it ("its host differs from the server's"). */
const char *url_next_rule_text(enum url_next_rule r);

#endif
