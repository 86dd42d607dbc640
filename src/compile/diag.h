/* diag.h - compiler diagnostics: "FILE:LINE:COL: error|warning: message".
 *
 * The caller owns a struct diag; every stage reports through it. Messages go to the stream
 * given (stderr for the CLI) and are also kept in memory (tests compare them).
 * Lines and columns are 1-based.
 */
#ifndef OAC_DIAG_H
#define OAC_DIAG_H

#include <stdint.h>
#include <stdio.h>

#define DIAG_SEEN_MAX 512
#include "../common/buf.h"

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct doc_node;

struct diag {
  FILE *out;          /* may be NULL: keep in memory only */
  struct buf text;    /* every message, one per line */
  unsigned errors;
  unsigned warnings;
  unsigned max_errors;  /* stop reporting after this many (0 = 100) */
  unsigned nseen;       /* hashes of the messages said, to say each only once */
  uint64_t seen[DIAG_SEEN_MAX];
};

void diag_init(struct diag *d, FILE *out);
void diag_free(struct diag *d);
/* Position given explicitly (file may be NULL for messages without a place). */
void diag_at(struct diag *d, enum diag_severity sev, const char *file, unsigned line,
             unsigned col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Position of a document node. */
void diag_node(struct diag *d, enum diag_severity sev, const struct doc_node *n,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
