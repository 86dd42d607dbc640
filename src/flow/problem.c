/* problem.c - ServiceProblem bodies (problem.h). */
#include "problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum oac_result problem_set(struct problem *p, int status, const char *fmt, ...)
{
  va_list ap;
  p->status = status;
  p->result = OAC_EREFUSED;
  va_start(ap, fmt);
  vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
  va_end(ap);
  return OAC_EREFUSED;
}

enum oac_result problem_nomem(struct problem *p, const char *fmt, ...)
{
  va_list ap;
  p->status = 500;
  p->result = OAC_ENOMEM;
  va_start(ap, fmt);
  vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
  va_end(ap);
  return OAC_ENOMEM;
}

void problem_note(struct problem *p, const char *fmt, ...)
{
  char note[PROBLEM_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(note, sizeof(note), fmt, ap);
  va_end(ap);
  size_t nl = strlen(note), ml = strlen(p->msg);
  if(ml + nl > PROBLEM_MSG_SHOWN) {
    size_t keep = nl + 3 < PROBLEM_MSG_SHOWN ? PROBLEM_MSG_SHOWN - nl - 3 : 0;
    if(keep < ml) {
      while(keep > 0 && ((unsigned char)p->msg[keep] & 0xC0) == 0x80)
        keep--;                                 /* not inside a UTF-8 sequence */
      memcpy(p->msg + keep, "...", 4);
      ml = keep + 3;
    }
  }
  snprintf(p->msg + ml, sizeof(p->msg) - ml, "%s", note);
}

void problem_write_json(struct buf *b, const struct problem *p, const char *uri)
{
  /* The SDKs cut the message at 500 characters; Flow shows it to builders and users. */
  size_t n = 0;
  while(p->msg[n] && n < PROBLEM_MSG_SHOWN)
    n++;
  while(p->msg[n] && n > 0 && ((unsigned char)p->msg[n] & 0xC0) == 0x80)
    n--;                                        /* not inside a UTF-8 sequence */
  buf_puts(b, "{\"kind\":\"service\",\"uri\":");
  buf_json_str(b, uri);
  buf_printf(b, ",\"statusCode\":%d,\"message\":", p->status);
  buf_json_strn(b, p->msg, n);
  buf_puts(b, ",\"responseBody\":");
  if(p->response_body)
    buf_json_strn(b, p->response_body, p->response_len);
  else
    buf_puts(b, "null");
  buf_puts(b, ",\"responseHeaders\":null,\"invokeType\":null,\"action\":null}");
}
