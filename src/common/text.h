/* text.h - small text helpers that know no caller: hex digits, trimming, the "is this an
 * absolute http(s) URL" test, UUID text.
 *
 * Each exists once here instead of a private copy per module (percent-encoding, JSON
 * escapes, cache file names, JSON \u escapes in the parser and in the YAML loader's JSON
 * rewrite, UUID v4/v5 text, Flow values, configuration values, server URLs).
 */
#ifndef OAC_TEXT_H
#define OAC_TEXT_H

#include <stddef.h>
#include "arena.h"

/* "0123456789abcdef" and "0123456789ABCDEF" (16 digits and a NUL). */
extern const char text_hex_lower[17];
extern const char text_hex_upper[17];

/* Value of a hex digit, -1 if C is not one (a lookup: -1 is an answer, not an error). */
int text_hex_value(int c);

/* Do P[0..4) hold four hex digits? Nonzero with their value in *OUT, else 0 (*OUT not
 * touched). P must have four readable bytes (a NUL stops it early). */
int text_hex4(const char *p, unsigned *out);

/* The RFC 4122 text form of the 16 bytes B: 36 lowercase characters and a NUL. */
void text_uuid_format(const unsigned char b[16], char out[37]);

/* Is C white space as isspace() sees it in the C locale (space, \t, \n, \v, \f, \r)? */
int text_is_space(int c);

/* Moves *S and shrinks *LEN past leading and trailing white space. */
void text_trim(const char **s, size_t *len);

/* S (NUL-terminated, may be NULL) trimmed, copied into A; NULL when nothing is left (or A
 * is out of memory). */
const char *text_trim_dup(const char *s, struct arena *a);

/* Does S (may be NULL) start with "http://" or "https://", in any case? */
int text_is_http_url(const char *s);

#endif
