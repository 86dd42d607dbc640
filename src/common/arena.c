/* arena.c - bump allocator (see arena.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "arena.h"
#include "mem.h"

struct arena_block {
  struct arena_block *prev;
  size_t size, used;
  unsigned char data[];
};

#define ARENA_ALIGN 16u

void arena_init(struct arena *a, size_t block_size)
{
  a->head = NULL;
  a->block_size = block_size ? block_size : 64 * 1024;
  a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
  struct arena_block *b = a->head;
  size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if(need < n)
    return NULL;
  if(!b || b->size - b->used < need) {
    size_t size = a->block_size;
    if(need > size / 4)   /* big allocations get a block of their own */
      size = need;
    b = oac_malloc(sizeof(*b) + size + ARENA_ALIGN);
    if(!b)
      return NULL;
    b->size = size;
    /* data[] starts after a header that is a multiple of 8; align the first object */
    b->used = (ARENA_ALIGN - ((uintptr_t)b->data % ARENA_ALIGN)) % ARENA_ALIGN;
    b->size += b->used;
    if(need == size && a->head) {
      /* keep the current block on top: it still has room for small allocations */
      b->prev = a->head->prev;
      a->head->prev = b;
      b->used += need;
      a->total += n;
      return b->data + b->used - need;
    }
    b->prev = a->head;
    a->head = b;
  }
  void *p = b->data + b->used;
  b->used += need;
  a->total += n;
  return p;
}

void *arena_calloc(struct arena *a, size_t n)
{
  void *p = arena_alloc(a, n);
  if(p)
    memset(p, 0, n);
  return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
  char *p = arena_alloc(a, n + 1);
  if(p) {
    if(n)
      memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
  return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
  va_list ap;
  char small[256];
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if(n < 0)
    return NULL;
  char *p = arena_alloc(a, (size_t)n + 1);
  if(!p)
    return NULL;
  if((size_t)n < sizeof(small))
    memcpy(p, small, (size_t)n + 1);
  else {
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  return p;
}

void arena_reset(struct arena *a)
{
  struct arena_block *b = a->head;
  if(!b)
    return;
  while(b->prev) {
    struct arena_block *p = b->prev;
    b->prev = p->prev;
    oac_free(p);
  }
  b->used = (ARENA_ALIGN - ((uintptr_t)b->data % ARENA_ALIGN)) % ARENA_ALIGN;
  a->total = 0;
}

void arena_free(struct arena *a)
{
  struct arena_block *b = a->head;
  while(b) {
    struct arena_block *p = b->prev;
    oac_free(b);
    b = p;
  }
  a->head = NULL;
  a->total = 0;
}
