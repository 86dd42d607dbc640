/* diag.c - compiler diagnostics (see diag.h). */
#include <stdarg.h>
#include <stdio.h>
#include "diag.h"
#include "doc.h"
#include "../common/hash.h"

void diag_init(struct diag *d, FILE *out)
{
  d->out = out;
  buf_init(&d->text);
  d->errors = d->warnings = 0;
  d->max_errors = 100;
  d->nseen = 0;
}

void diag_free(struct diag *d) { buf_free(&d->text); }

static void emit(struct diag *d, enum diag_severity sev, const char *file, unsigned line,
                 unsigned col, const char *fmt, va_list ap)
{
  if(sev == DIAG_ERROR)
    d->errors++;
  else
    d->warnings++;
  if(sev == DIAG_ERROR && d->max_errors && d->errors > d->max_errors)
    return;
  size_t start = d->text.len;
  uint64_t h;
  if(file && line)
    buf_printf(&d->text, "%s:%u:%u: ", file, line, col);
  else if(file)
    buf_printf(&d->text, "%s: ", file);
  buf_puts(&d->text, sev == DIAG_ERROR ? "error: " : "warning: ");
  char msg[1024];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  buf_puts(&d->text, msg);
  buf_putc(&d->text, '\n');
  /* the same node can be reached on several walks: say each thing once */
  h = buf_failed(&d->text) ? 0 : oac_hash64(d->text.data + start, d->text.len - start, 0);
  for(unsigned i = 0; h && i < d->nseen && i < DIAG_SEEN_MAX; i++)
    if(d->seen[i] == h) {
      d->text.len = start;
      d->text.data[start] = '\0';
      if(sev == DIAG_ERROR)
        d->errors--;
      else
        d->warnings--;
      return;
    }
  if(d->nseen < DIAG_SEEN_MAX)
    d->seen[d->nseen++] = h;
  if(d->out && !buf_failed(&d->text)) {
    fwrite(d->text.data + start, 1, d->text.len - start, d->out);
    fflush(d->out);
  }
  if(sev == DIAG_ERROR && d->max_errors && d->errors == d->max_errors && d->out)
    fprintf(d->out, "too many errors, stopping here\n");
}

void diag_at(struct diag *d, enum diag_severity sev, const char *file, unsigned line,
             unsigned col, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  emit(d, sev, file, line, col, fmt, ap);
  va_end(ap);
}

void diag_node(struct diag *d, enum diag_severity sev, const struct doc_node *n,
               const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  if(n && n->file)
    emit(d, sev, n->file->name, n->line, n->col, fmt, ap);
  else
    emit(d, sev, NULL, 0, 0, fmt, ap);
  va_end(ap);
}
