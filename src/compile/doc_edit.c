/* doc_edit.c - changing the document tree: overlays (product.md §15.1) and --infer
 * (§15.3) add, replace and remove nodes (see doc.h).
 *
 * Items arrays made by the loader are exactly as long as needed. The first change to a
 * container copies its items into an arena array with room to grow and sets `grown`; the
 * capacity of a grown array is then the smallest power of two (at least 4 slots) that
 * holds its slots, so it is never stored: a full array (slots == that power of two) is
 * copied into one twice as big. The old arrays stay in the arena until the compile ends.
 */
#include <string.h>
#include "doc.h"

/* slots used by a container's items array (a map uses two per pair) */
static size_t slots(const struct doc_node *n)
{
  return n->kind == DOC_MAP ? 2 * n->n : n->n;
}

static size_t pow2_at_least(size_t n)
{
  size_t c = 4;
  while(c < n)
    c *= 2;
  return c;
}

/* room for ADD more slots in N's items */
static enum oac_result reserve(struct doc_set *s, struct doc_node *n, size_t add)
{
  size_t used = slots(n), need = used + add;
  if(n->grown && need <= pow2_at_least(used ? used : 1))
    return OAC_OK;
  if(need < used || need > SIZE_MAX / 2 / sizeof(*n->items))
    return OAC_ENOMEM;
  size_t cap = pow2_at_least(need);
  struct doc_node **items = arena_alloc(&s->arena, cap * sizeof(*items));
  if(!items)
    return OAC_ENOMEM;
  if(used)
    memcpy(items, n->items, used * sizeof(*items));
  n->items = items;
  n->grown = 1;
  return OAC_OK;
}

struct doc_node *doc_new_node(struct doc_set *s, enum doc_kind kind, const struct doc_file *f,
                              unsigned line, unsigned col)
{
  struct doc_node *n = arena_calloc(&s->arena, sizeof(*n));
  if(!n)
    return NULL;
  n->kind = kind;
  n->file = f;
  n->line = line;
  n->col = col;
  return n;
}

struct doc_node *doc_new_scalar(struct doc_set *s, const char *str, size_t len, int quoted,
                                const struct doc_file *f, unsigned line, unsigned col)
{
  struct doc_node *n = doc_new_node(s, DOC_SCALAR, f, line, col);
  char *copy = n ? arena_strndup(&s->arena, str ? str : "", str ? len : 0) : NULL;
  if(!copy)
    return NULL;
  n->str = copy;
  n->len = str ? len : 0;
  n->quoted = quoted ? 1 : 0;
  return n;
}

enum oac_result doc_map_set(struct doc_set *s, struct doc_node *map, struct doc_node *key,
                            struct doc_node *val)
{
  if(!map || map->kind != DOC_MAP || !key || key->kind != DOC_SCALAR || !val)
    return OAC_EINTERNAL;
  s->index = NULL;
  for(size_t i = map->n; i-- > 0;) {
    const struct doc_node *k = map->items[2 * i];
    if(k->kind == DOC_SCALAR && k->len == key->len && !memcmp(k->str, key->str, key->len)) {
      map->items[2 * i + 1] = val;
      return OAC_OK;
    }
  }
  enum oac_result r = reserve(s, map, 2);
  if(r)
    return r;
  map->items[2 * map->n] = key;
  map->items[2 * map->n + 1] = val;
  map->n++;
  return OAC_OK;
}

enum oac_result doc_seq_append(struct doc_set *s, struct doc_node *seq, struct doc_node *item)
{
  if(!seq || seq->kind != DOC_SEQ || !item)
    return OAC_EINTERNAL;
  s->index = NULL;
  enum oac_result r = reserve(s, seq, 1);
  if(r)
    return r;
  seq->items[seq->n++] = item;
  return OAC_OK;
}

void doc_map_remove_at(struct doc_set *s, struct doc_node *map, size_t i)
{
  if(!map || map->kind != DOC_MAP || i >= map->n)
    return;
  s->index = NULL;
  memmove(&map->items[2 * i], &map->items[2 * i + 2], 2 * (map->n - i - 1) * sizeof(*map->items));
  map->n--;
  /* a loader array stays exact-size, a grown one keeps its (power-of-two) room: it only
   * shrinks within the same capacity class when the count drops below it, so copy it
   * again on the next growth */
  map->grown = 0;
}

void doc_seq_remove_at(struct doc_set *s, struct doc_node *seq, size_t i)
{
  if(!seq || seq->kind != DOC_SEQ || i >= seq->n)
    return;
  s->index = NULL;
  memmove(&seq->items[i], &seq->items[i + 1], (seq->n - i - 1) * sizeof(*seq->items));
  seq->n--;
  seq->grown = 0;
}

struct doc_file *doc_file_synthetic(struct doc_set *s, const char *name)
{
  struct doc_file *f = arena_calloc(&s->arena, sizeof(*f));
  if(!f)
    return NULL;
  f->name = arena_strdup(&s->arena, name);
  f->base = arena_strdup(&s->arena, name);
  return f->name && f->base ? f : NULL;
}
