/* api_error.h - the message of an API's non-2xx answer (product.md §13.5): read from the
 * body's known shapes, first match - RFC 9457 problem details, Stripe's {error:{message}},
 * GitHub's {message, errors[].message}, {error_description}, {errors:[{message}]},
 * {error:"text"}, {message} - else the first 200 characters of the body. Pure.
 */
#ifndef OAC_API_ERROR_H
#define OAC_API_ERROR_H

#include <stddef.h>
#include "../common/buf.h"

/* What the ServiceProblem message may hold (the SDKs cut there, flow-protocol.md §4.12). */
#define API_ERROR_MSG_MAX 500
/* The start of a body of no known shape, in characters. */
#define API_ERROR_START_CHARS 200

/* Appends the message of the answer BODY (LEN bytes) to OUT: one line (control characters
 * become spaces). PROBLEM_TYPE when the answer's Content-Type is application/problem+json.
 * Nothing is appended for an empty body. */
void api_error_message(const char *body, size_t len, int problem_type, struct buf *out);

/* The length of the longest start of S (LEN bytes) of at most MAX bytes that ends on a
 * UTF-8 character boundary. */
size_t api_error_cut(const char *s, size_t len, size_t max);

#endif
