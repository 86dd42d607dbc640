/* problem.h - an error on its way to Flow as a ServiceProblem (product.md §10,
 * flow-protocol.md §4.12).
 *
 * Every module of the worker that can refuse a request fills a struct problem: the HTTP
 * status and a message that names what was wrong (the request field, the type, the
 * upstream call). The request handler turns it into the JSON body with the header
 * X-ManyWho-Service-Problem-Kind: service.
 */
#ifndef OAC_PROBLEM_H
#define OAC_PROBLEM_H

#include <stddef.h>
#include "../common/buf.h"
#include "../common/result.h"

#define PROBLEM_MSG_MAX 1024

struct problem {
  int status;                   /* 0 = no problem */
  enum oac_result result;       /* what kind: OAC_EREFUSED, or OAC_ENOMEM (problem_nomem) */
  char msg[PROBLEM_MSG_MAX];
  const char *response_body;    /* the upstream's body (502), not owned; NULL = none */
  size_t response_len;
};

/* Sets status and message (truncated to fit). Returns OAC_EREFUSED (also kept in
 * p->result), so that a failing function can end with `return problem_set(p, 400, "...")`.
 * A function that takes a struct problem and returns anything but OAC_OK has set it. */
enum oac_result problem_set(struct problem *p, int status, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* The characters of a message Flow shows (the SDKs cut it there; problem_write_json). */
#define PROBLEM_MSG_SHOWN 500

/* Appends a note to P's message (" [saved before this failure: ...]") so that it is
 * inside the PROBLEM_MSG_SHOWN bytes Flow shows: when both do not fit, the message before
 * the note is cut (on a UTF-8 boundary, marked "...") to make room; the note is what a
 * user must not lose (what was already written). */
void problem_note(struct problem *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An allocation failure: status 500 and the message, p->result = OAC_ENOMEM, which it
 * returns. Callers that must tell memory from a refusal (the compiler's examples stage)
 * read the result, never the message. */
enum oac_result problem_nomem(struct problem *p, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/* The ServiceProblem JSON body for request path URI. */
void problem_write_json(struct buf *b, const struct problem *p, const char *uri);

#endif
