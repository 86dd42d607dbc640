/* check_main.c - main() of every Check suite (check_main.h). */
#include "check_main.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static char skip_reason[1024];
static void (*at_end[8])(void);
static int nat_end;

void check_skip(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
  va_end(ap);
  if(!skip_reason[0])
    snprintf(skip_reason, sizeof(skip_reason), "(no reason given)");
}

void check_at_end(void (*fn)(void))
{
  if(nat_end < (int)(sizeof(at_end) / sizeof(at_end[0])))
    at_end[nat_end++] = fn;
  else {
    fprintf(stderr, "check_main: more than 8 check_at_end functions\n");
    abort();
  }
}

static void run_at_end(void)
{
  while(nat_end > 0)
    at_end[--nat_end]();
}

int main(void)
{
  Suite *s = suite();
  if(skip_reason[0]) {
    if(s)
      srunner_free(srunner_create(s));      /* frees the suite */
    printf("SKIP: %s\n", skip_reason);
    fflush(stdout);
    run_at_end();
    return CHECK_EXIT_SKIP;
  }
  if(!s) {
    fprintf(stderr, "check_main: suite() built no suite and gave no reason to skip\n");
    run_at_end();
    return EXIT_FAILURE;
  }
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_ENV);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  run_at_end();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
