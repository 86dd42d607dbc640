/* link.h - the RFC 8288 `Link` response header: the target of the link with a given rel.
 *
 * Role: paging style `link` (product.md §12.1) reads the next page's URL from the `Link`
 * header's rel="next" target. The caller is the paging walk of issue 14 (the load of
 * §12.2): it takes the target found here, resolves it against the request URL
 * (url_resolve, url.h) and follows it only when url_next_check (url.h) allows it.
 *
 * Several `Link` header lines: an HTTP field that is a comma-separated list may be sent as
 * several lines (RFC 9110 §5.3); the caller joins their values, in the order received,
 * with ", " and passes the joined text. Empty list elements (",,", a trailing ",") are
 * allowed, so joining an empty line is harmless.
 */
#ifndef OAC_LINK_H
#define OAC_LINK_H

#include <stddef.h>
#include "../common/result.h"

/* The target URI-reference of the first link-value (in header order) of VALUE[0..LEN)
 * whose `rel` parameter lists REL among its space-separated relation types; REL (a
 * NUL-terminated relation type such as "next") and parameter names compare ASCII
 * case-insensitively.
 *
 *   OAC_OK, *TARGET pointing into VALUE (the text between < and >, as written: nothing
 *           unescaped, not resolved) and *TARGET_LEN its length: found.
 *   OAC_OK, *TARGET NULL and *TARGET_LEN 0: the header is well-formed but no link has REL
 *           (for paging: the last page).
 *   OAC_EDOC: the value is not a Link header (no <, an unterminated <...> or quoted
 *           string, a parameter without a name, text after a value): the whole value is
 *           checked, so the answer never depends on where the garbage is. *TARGET NULL.
 *   OAC_EINTERNAL: REL is NULL or empty, or VALUE is NULL with LEN > 0.
 *
 * Parameters: `name`, `name=token` or `name="quoted string"` (backslash escapes; a ; or ,
 * inside the quotes is text), with optional white space around ; and =. An unquoted value
 * is read up to white space, ; or , so an unquoted URI relation type (rel=http://x/y)
 * works. Only the first `rel` of a link counts (RFC 8288 §3.3); `rel*` is another
 * parameter and is ignored, and so are `anchor`, `rev` and the others. No allocation. */
enum oac_result link_find_rel(const char *value, size_t len, const char *rel,
                              const char **target, size_t *target_len);

#endif
