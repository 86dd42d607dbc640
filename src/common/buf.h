/* buf.h - growable byte buffer, always NUL-terminated.
 *
 * Used for building JSON text, URLs and the cache image. On allocation failure the buffer
 * remembers it (b->oom) and later appends are no-ops, so a sequence of appends needs one
 * check at the end: if(buf_failed(&b)) ...
 */
#ifndef OAC_BUF_H
#define OAC_BUF_H

#include <stddef.h>
#include <stdint.h>
#include "result.h"

struct buf {
  char *data;
  size_t len;
  size_t cap;
  int oom;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);           /* len = 0, keeps memory */
/* Room for EXTRA more bytes (and the NUL); OAC_ENOMEM (then the buffer is failed). */
enum oac_result buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n zero bytes (for alignment / reserved space). */
void buf_zero(struct buf *b, size_t n);
/* Pad with zeros to a multiple of align. */
void buf_align(struct buf *b, size_t align);
/* JSON string literal with quotes and escapes; NULL writes null. */
void buf_json_str(struct buf *b, const char *s);
void buf_json_strn(struct buf *b, const char *s, size_t n);
/* %XX-decodes S[0..len) into B; invalid sequences and %00 are kept as written. */
void buf_pct_decode(struct buf *b, const char *s, size_t len);
/* The escaped characters of a JSON string, without the quotes. */
void buf_json_escape(struct buf *b, const char *s, size_t n);
static inline int buf_failed(const struct buf *b) { return b->oom; }
/* Hands the memory over to the caller (NULL if failed); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
