/* mem.h - the project's allocation entry points.
 *
 * All heap allocation of the project's own code goes through these, so the allocation-
 * failure ("chaos") tests can fail the Nth call. Third-party libraries (libyaml, cJSON,
 * libcurl) allocate on their own and are out of this scheme.
 */
#ifndef OAC_MEM_H
#define OAC_MEM_H

#include <stddef.h>

void *oac_malloc(size_t n);
void *oac_calloc(size_t nmemb, size_t size);
void *oac_realloc(void *p, size_t n);
void oac_free(void *p);

/* Test hook: make the Nth allocation from now on fail (0 = never). */
void oac_mem_fail_at(unsigned long n);
unsigned long oac_mem_count(void);

#endif
