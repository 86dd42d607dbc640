/* log.c - stderr log lines (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

int log_level = LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int log_level_parse(const char *s)
{
  for(int i = 0; i < 4; i++)
    if(s && !strcasecmp(s, level_names[i]))
      return i;
  return -1;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
  if((int)l > log_level)
    return;
  char line[2048];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ", &tm);
  int k = snprintf(line + n, sizeof(line) - n, " openapi-connector[%ld] %s: ", (long)getpid(),
                   level_names[l]);
  if(k > 0)
    n += (size_t)k;
  va_list ap;
  va_start(ap, fmt);
  if(n < sizeof(line))
    vsnprintf(line + n, sizeof(line) - n, fmt, ap);
  va_end(ap);
  n = strlen(line);
  /* one line, whatever the message holds */
  for(size_t i = 0; i < n; i++)
    if(line[i] == '\n' || line[i] == '\r')
      line[i] = ' ';
  if(n > sizeof(line) - 2)
    n = sizeof(line) - 2;
  line[n++] = '\n';
  /* one write(2), so lines of concurrent workers sharing the log do not interleave */
  ssize_t w = write(STDERR_FILENO, line, n);
  (void)w;
}
