/* cache.h - the cache reader: map a cache file read-only, validate, look up.
 *
 * Linked by the worker and the tests (and the compiler's self-check). Any bad file -
 * truncated, a flipped byte, another format version, an offset out of range, empty - is
 * turned into OAC_ECACHE with a message in struct cache_error, never a crash.
 *
 * Verification is per section: cache_open(..., CACHE_VERIFY_ALL) (long-running worker)
 * checks every section's checksum and every string/index in it; CACHE_VERIFY_LAZY (CGI)
 * checks the header at open and a section the first time cache_section() is asked for it.
 */
#ifndef OAC_CACHE_H
#define OAC_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "../common/result.h"
#include "format.h"

struct cache_error {
  char msg[512];
};

enum cache_verify { CACHE_VERIFY_LAZY = 0, CACHE_VERIFY_ALL = 1 };

struct cache {
  const unsigned char *base;    /* the mapping (or caller's memory) */
  size_t size;
  int mapped;                   /* munmap on close */
  const struct cache_header *hdr;
  uint32_t verified;            /* bit per section kind that passed verification */
  uint32_t bad;                 /* bit per section kind that failed */
  /* identity of the file, for reload detection */
  dev_t dev;
  ino_t ino;
  int64_t mtime_ns;
  char path[4096];
};

enum oac_result cache_open(struct cache *c, const char *path, enum cache_verify v,
                           struct cache_error *err);
enum oac_result cache_open_mem(struct cache *c, const void *data, size_t size,
                               enum cache_verify v, struct cache_error *err);
void cache_close(struct cache *c);

/* The section's bytes, verified (checksum + structure) on first use. NULL + error if the
 * section is absent or bad. */
const void *cache_section(struct cache *c, enum cache_section_kind kind, uint32_t *count,
                          struct cache_error *err);
/* A string of the header or of a verified section (always in bounds, NUL-terminated).
 * The empty string is stored as {0,0}, which does not point at a NUL: hence the test. */
static inline const char *cache_str(const struct cache *c, struct cache_str s)
{
  return s.len ? (const char *)c->base + s.off : "";
}

/* The overlays the cache was compiled with (§15.1): "<16 hex digits> <name>\n" per
 * overlay, in order; "" when none. For /status and --list. */
static inline const char *cache_overlays(const struct cache *c)
{
  return cache_str(c, c->hdr->overlays);
}

/* The HTTP method of an enum cache_method ("GET", ...), NULL for a value that is none. */
const char *cache_method_name(unsigned method);
/* The enum cache_method of NAME (any case: "get", "PATCH"), 0 for none. */
enum cache_method cache_method_parse(const char *name);

/* Type lookup by binding name, O(1): *INDEX = the type, or -1 when no type has that name
 * (not an error). OAC_ECACHE (details in ERR) when the type table or the index is bad. */
enum oac_result cache_lookup_type(struct cache *c, const char *name, size_t len, int *index,
                                  struct cache_error *err);
/* The same as an index, -1 both when absent and when the cache is bad: for callers (tests,
 * fuzzers) that need not tell the two apart. */
int cache_find_type(struct cache *c, const char *name, size_t len, struct cache_error *err);
const struct cache_type *cache_type_at(struct cache *c, uint32_t i, struct cache_error *err);
/* Message actions (product.md §14): the action with slug SLUG (LEN bytes, compared
 * exactly); NULL with ERR's message empty when there is none, NULL with it set when the
 * section is bad. */
const struct cache_action *cache_find_action(struct cache *c, const char *slug, size_t len,
                                             struct cache_error *err);
/* The describe JSON body. */
const char *cache_describe(struct cache *c, size_t *len, struct cache_error *err);
/* A plan's response example (verifies CS_EXAMPLES, every record, on first use): OAC_OK
 * with *OUT the record, or *OUT NULL when the plan has none (not an error); OAC_ECACHE
 * (details in ERR) when the section is bad. */
enum oac_result cache_example(struct cache *c, const struct cache_plan *p,
                              const struct cache_example **out, struct cache_error *err);
/* A text of an example record: NULL for null; always NUL-terminated. */
static inline const char *cache_xstr(const struct cache_example *e, struct cache_xstr s)
{
  return s.off ? (const char *)e + s.off : NULL;
}

/* Header fields for /health and selection, no section needed. */
const char *cache_registration(const struct cache *c);

/* Default file name for a registration string: 16 hex digits of its hash + ".cache"
 * (OUT gets at least 23 bytes). A worker opens DIR/<name> directly. */
void cache_default_name(const char *registration, size_t len, char out[32]);

#endif
