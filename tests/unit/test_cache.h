/* test_cache.h - worker tests get their caches the way users do: an OpenAPI document run
 * through the compile step (in memory, no files), then mapped by the cache reader. */
#ifndef OAC_TEST_CACHE_H
#define OAC_TEST_CACHE_H

#include <stddef.h>
#include "cache/cache.h"

/* Compiles YAML (or JSON) text registered under REGISTRATION ("test.yaml" when NULL) and
 * opens the image with full verification. Fails the running Check test (ck_abort) on
 * compile errors, printing them. Free with test_cache_free. */
struct cache *test_cache_compile(const char *yaml, const char *registration);
void test_cache_free(struct cache *c);

/* Compiles YAML and writes the cache file into DIR under its default name (what the
 * compiler does without -o). Returns the path (static buffer). */
const char *test_cache_write(const char *yaml, const char *registration, const char *dir);

/* The same, with the document's path SOURCE (relative $refs are read beside it; NULL = the
 * registration) and a --server override SERVER (NULL = the document's servers). */
const char *test_cache_write_opts(const char *yaml, const char *registration,
                                  const char *source, const char *server, const char *dir);

/* The whole file at PATH, NUL-terminated (free()); NULL if it cannot be read. */
char *test_read_file(const char *path, size_t *len);

/* A loopback TCP port nothing listens on (bound, read, closed): a connect is refused. */
int test_closed_port(void);

/* Removes directory D and the files in it. */
void test_rm_dir(const char *d);

/* The type index of NAME, failing the test when absent. */
uint32_t test_cache_type(struct cache *c, const char *name);

/* A small marked pet store (one Pet type with a load by id; the servers URL a closed port)
 * whose info.title is TITLE, so that two titles give two different caches (static
 * buffer). */
const char *test_pet_doc(const char *title);

/* Is S a UUID in its 36-character text form (8-4-4-4-12 hex digits)? */
int test_is_uuid(const char *s);

#endif
