/* mem.c - allocation wrappers with a failure-injection hook for the chaos tests. */
#include <stdlib.h>
#include "mem.h"

static unsigned long alloc_count;
static unsigned long fail_at;

static int should_fail(void)
{
  alloc_count++;
  return fail_at && alloc_count == fail_at;
}

void oac_mem_fail_at(unsigned long n)
{
  alloc_count = 0;
  fail_at = n;
}

unsigned long oac_mem_count(void) { return alloc_count; }

void *oac_malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }

void *oac_calloc(size_t nmemb, size_t size)
{
  return should_fail() ? NULL : calloc(nmemb ? nmemb : 1, size ? size : 1);
}

void *oac_realloc(void *p, size_t n) { return should_fail() ? NULL : realloc(p, n ? n : 1); }

void oac_free(void *p) { free(p); }
