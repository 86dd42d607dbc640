/* arena.h - bump allocator: many small allocations, one free.
 *
 * The compiler builds its whole document tree and model in one arena; the worker resets
 * one arena after each response. Allocation failure returns NULL (the chaos test fails
 * the Nth underlying malloc, see mem.h), never aborts.
 */
#ifndef OAC_ARENA_H
#define OAC_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
  struct arena_block *head;   /* current block, linked to older ones */
  size_t block_size;          /* size of new blocks (default 64 KiB) */
  size_t total;               /* bytes handed out, for statistics */
};

void arena_init(struct arena *a, size_t block_size);
/* Aligned to 16 bytes. NULL on allocation failure. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t n);
/* Copies n bytes and adds a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena; NULL on failure. */
char *arena_printf(struct arena *a, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* Free every block but the first and rewind it (worker: once per request). */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
