/* doc_ref.c - $ref resolution: JSON pointers, other files and URLs, chains of $ref with
 * cycle detection; the name a $ref gives its target (see doc.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "doc.h"
#include "../common/buf.h"
#include "../common/hash.h"
#include "../common/mem.h"

/* A chain longer than this is refused (also bounds the recursion of pointers that pass
 * through a $ref on their way). */
#define REF_MAX_CHAIN 1024

/* Maps with at least this many pairs are looked up through the index (a document with
 * thousands of schemas and 100k $refs would otherwise spend its time in doc_get). */
#define INDEX_MIN_PAIRS 16

struct ix_entry {
  const struct doc_node *map;     /* NULL = empty slot */
  const struct doc_node *key;     /* NULL = the "map is indexed" marker */
  const struct doc_node *val;
  uint64_t hash;
};

struct doc_index {
  struct ix_entry *tab;
  size_t cap, used;
};

struct chain {
  const struct doc_node **refs;   /* the $ref value nodes being followed */
  const struct doc_node **maps;   /* the maps holding them */
  size_t n, cap;
};

/* The $ref string of map N, or NULL. A "$ref" whose value is not a scalar is no
 * reference: it is a property named "$ref" (JSON Schema meta-schemas in Kubernetes' and
 * GitHub Enterprise's documents have "properties": {"$ref": {"type": "string"}}). */
static const struct doc_node *ref_of(const struct doc_node *n)
{
  const struct doc_node *r = n && n->kind == DOC_MAP ? doc_get(n, "$ref") : NULL;
  return r && r->kind == DOC_SCALAR ? r : NULL;
}

/* Unescape one pointer token (~1 -> '/', ~0 -> '~') into B. */
static void token_unescape(struct buf *b, const char *s, size_t len)
{
  buf_reset(b);
  for(size_t i = 0; i < len; i++) {
    if(s[i] == '~' && i + 1 < len && (s[i + 1] == '0' || s[i + 1] == '1')) {
      buf_putc(b, s[i + 1] == '0' ? '~' : '/');
      i++;
    }
    else
      buf_putc(b, s[i]);
  }
  if(!b->data)
    buf_append(b, "", 0);
}

static enum oac_result follow(struct doc_set *s, struct chain *c, const struct doc_node *n,
                              const struct doc_node **out);

static uint64_t ix_hash(const struct doc_node *map, const char *key, size_t len)
{
  return oac_hash64(key, len, (uint64_t)(uintptr_t)map) | 1;   /* never 0 */
}

static struct ix_entry *ix_slot(const struct doc_index *ix, const struct doc_node *map,
                                const char *key, size_t len, uint64_t h)
{
  size_t mask = ix->cap - 1;
  for(size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    struct ix_entry *e = &ix->tab[i];
    if(!e->map)
      return e;
    if(e->map == map && e->hash == h &&
       (key ? e->key && e->key->len == len && !memcmp(e->key->str, key, len) : !e->key))
      return e;
  }
}

/* Room for N more entries; OAC_ENOMEM if the memory is not there (then lookups go
 * linear). */
static enum oac_result ix_reserve(struct doc_set *s, size_t n)
{
  struct doc_index *ix = s->index;
  if(!ix) {
    ix = arena_calloc(&s->arena, sizeof(*ix));
    if(!ix)
      return OAC_ENOMEM;
    s->index = ix;
  }
  if((ix->used + n) * 2 <= ix->cap)
    return OAC_OK;
  size_t cap = ix->cap ? ix->cap : 1024;
  while((ix->used + n) * 2 > cap) {
    if(cap > SIZE_MAX / 2 / sizeof(struct ix_entry))
      return OAC_ENOMEM;
    cap *= 2;
  }
  /* the old table stays in the arena: geometric growth wastes at most as much again */
  struct ix_entry *tab = arena_calloc(&s->arena, cap * sizeof(*tab));
  if(!tab)
    return OAC_ENOMEM;
  struct doc_index old = *ix;
  ix->tab = tab;
  ix->cap = cap;
  for(size_t i = 0; i < old.cap; i++)
    if(old.tab[i].map) {
      const struct ix_entry *e = &old.tab[i];
      *ix_slot(ix, e->map, e->key ? e->key->str : NULL, e->key ? e->key->len : 0,
               e->hash) = *e;
    }
  return OAC_OK;
}

/* Map lookup by exact key (the later duplicate wins, as in doc_get); big maps are hashed
 * once and then looked up in O(1). */
static const struct doc_node *map_get(struct doc_set *s, const struct doc_node *m,
                                      const char *key, size_t len)
{
  if(m->n >= INDEX_MIN_PAIRS) {
    struct doc_index *ix = s->index;
    uint64_t mh = ix_hash(m, "", 0);
    if(!ix || !ix->cap || !ix_slot(ix, m, NULL, 0, mh)->map) {
      if(ix_reserve(s, m->n + 1) == OAC_OK) {
        ix = s->index;
        for(size_t i = 0; i < m->n; i++) {
          const struct doc_node *k = m->items[2 * i];
          if(k->kind != DOC_SCALAR)
            continue;
          uint64_t h = ix_hash(m, k->str, k->len);
          struct ix_entry *e = ix_slot(ix, m, k->str, k->len, h);
          if(!e->map)
            ix->used++;
          e->map = m;
          e->key = k;
          e->val = m->items[2 * i + 1];
          e->hash = h;
        }
        struct ix_entry *e = ix_slot(ix, m, NULL, 0, mh);
        e->map = m;
        e->key = NULL;
        e->hash = mh;
        ix->used++;
      }
    }
    if(ix && ix->cap && ix_slot(ix, m, NULL, 0, mh)->map) {
      struct ix_entry *e = ix_slot(ix, m, key, len, ix_hash(m, key, len));
      return e->map ? e->val : NULL;
    }
  }
  for(size_t i = m->n; i-- > 0;) {
    const struct doc_node *k = m->items[2 * i];
    if(k->kind == DOC_SCALAR && k->len == len && !memcmp(k->str, key, len))
      return m->items[2 * i + 1];
  }
  return NULL;
}

static int in_chain(const struct chain *c, const struct doc_node *m, size_t *at)
{
  for(size_t i = 0; i < c->n; i++)
    if(c->maps[i] == m) {
      *at = i;
      return 1;
    }
  return 0;
}

static enum oac_result push(struct chain *c, const struct doc_node *m,
                            const struct doc_node *ref)
{
  if(c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 16;
    const struct doc_node **r = oac_realloc(c->refs, cap * sizeof(*r));
    if(!r)
      return OAC_ENOMEM;
    c->refs = r;
    const struct doc_node **mm = oac_realloc(c->maps, cap * sizeof(*mm));
    if(!mm)
      return OAC_ENOMEM;
    c->maps = mm;
    c->cap = cap;
  }
  c->refs[c->n] = ref;
  c->maps[c->n] = m;
  c->n++;
  return OAC_OK;
}

/* "circular $ref: a -> b -> a", reported at the first $ref of the chain. The list names
 * the targets in order; when the cycle returns to the first map, its target closes it. */
static enum oac_result report_cycle(struct doc_set *s, const struct chain *c, size_t at)
{
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "circular $ref: ");
  for(size_t i = 0; i < c->n; i++) {
    if(i)
      buf_puts(&b, " -> ");
    buf_append(&b, c->refs[i]->str, c->refs[i]->len > 200 ? 200 : c->refs[i]->len);
  }
  if(!at) {
    buf_puts(&b, " -> ");
    buf_append(&b, c->refs[0]->str, c->refs[0]->len > 200 ? 200 : c->refs[0]->len);
  }
  if(buf_failed(&b)) {
    buf_free(&b);
    return OAC_ENOMEM;
  }
  diag_node(s->diag, DIAG_ERROR, c->refs[0], "%s", b.data);
  buf_free(&b);
  return OAC_EDOC;
}

/* Index of a sequence: decimal digits, no leading zero, in range. */
static int seq_index(const char *t, size_t len, size_t n, size_t *idx)
{
  size_t v = 0;
  if(!len || (len > 1 && t[0] == '0'))
    return 0;
  for(size_t i = 0; i < len; i++) {
    if(t[i] < '0' || t[i] > '9' || v > (SIZE_MAX - 9) / 10)
      return 0;
    v = v * 10 + (size_t)(t[i] - '0');
  }
  if(v >= n)
    return 0;
  *idx = v;
  return 1;
}

/* The node REF (a $ref string, in file REF->file) points at, not following a $ref at the
 * target itself. */
static enum oac_result target(struct doc_set *s, struct chain *c, const struct doc_node *ref,
                              const struct doc_node **out)
{
  const char *str = ref->str;
  const char *hash = memchr(str, '#', ref->len);
  size_t flen = hash ? (size_t)(hash - str) : ref->len;
  const struct doc_file *file = ref->file && ref->file->refs_in ? ref->file->refs_in
                                                                : ref->file;  /* overlays */
  enum oac_result r = OAC_OK;
  struct buf ptr, tok;
  buf_init(&ptr);
  buf_init(&tok);

  if(flen) {
    char *fpart = arena_strndup(&s->arena, str, flen);
    struct doc_file *f;
    if(!fpart)
      return OAC_ENOMEM;
    r = doc_load_rel(s, file, fpart, &f);
    if(r == OAC_ENOMEM)
      return r;
    if(r) {
      diag_node(s->diag, DIAG_ERROR, ref,
                "cannot resolve $ref '%.200s': the file could not be loaded", str);
      return r;
    }
    file = f;
  }
  const struct doc_node *cur = file->root;
  if(hash) {
    size_t plen = ref->len - flen - 1;
    buf_pct_decode(&ptr, hash + 1, plen);
    if(buf_failed(&ptr)) {
      r = OAC_ENOMEM;
      goto done;
    }
    if(ptr.len && ptr.data[0] != '/') {
      diag_node(s->diag, DIAG_ERROR, ref,
                "cannot resolve $ref '%.200s': the fragment is not a JSON pointer", str);
      r = OAC_EDOC;
      goto done;
    }
  }
  size_t pos = 0;
  while(pos < ptr.len) {
    size_t start = ++pos;       /* skip the '/' */
    while(pos < ptr.len && ptr.data[pos] != '/')
      pos++;
    token_unescape(&tok, ptr.data + start, pos - start);
    if(buf_failed(&tok)) {
      r = OAC_ENOMEM;
      goto done;
    }
    const struct doc_node *next = NULL;
    if(cur->kind == DOC_MAP) {
      next = map_get(s, cur, tok.data, tok.len);
      if(!next && ref_of(cur)) {
        /* the pointer goes through a $ref: continue in its target */
        const struct doc_node *via;
        size_t keep = c->n;
        r = follow(s, c, cur, &via);
        c->n = keep;
        if(r)
          goto done;
        if(via->kind == DOC_MAP)
          next = map_get(s, via, tok.data, tok.len);
        else if(via->kind == DOC_SEQ) {
          size_t i;
          if(seq_index(tok.data, tok.len, via->n, &i))
            next = via->items[i];
        }
      }
    }
    else if(cur->kind == DOC_SEQ) {
      size_t i;
      if(seq_index(tok.data, tok.len, cur->n, &i))
        next = cur->items[i];
    }
    if(!next) {
      if(start > 1)
        diag_node(s->diag, DIAG_ERROR, ref, "cannot resolve $ref '%.200s': no '%.200s' in %s#%.*s",
                  str, tok.data, file->name, (int)(start - 1 > 200 ? 200 : start - 1),
                  ptr.data);
      else
        diag_node(s->diag, DIAG_ERROR, ref, "cannot resolve $ref '%.200s': no '%.200s' in %s",
                  str, tok.data, file->name);
      r = OAC_EDOC;
      goto done;
    }
    cur = next;
  }
  *out = cur;
done:
  buf_free(&ptr);
  buf_free(&tok);
  return r;
}

/* Follow N's $ref (and the $refs of its targets) to a node without one. C holds the maps
 * whose resolution is in progress: meeting one again is a cycle. */
static enum oac_result follow(struct doc_set *s, struct chain *c, const struct doc_node *n,
                              const struct doc_node **out)
{
  for(;;) {
    const struct doc_node *ref = ref_of(n);
    size_t at;
    if(!ref) {
      *out = n;
      return OAC_OK;
    }
    if(in_chain(c, n, &at))
      return report_cycle(s, c, at);
    if(c->n >= REF_MAX_CHAIN) {
      diag_node(s->diag, DIAG_ERROR, c->refs[0], "more than %d $ref indirections",
                REF_MAX_CHAIN);
      return OAC_ELIMIT;
    }
    enum oac_result r = push(c, n, ref);
    if(r)
      return r;
    r = target(s, c, ref, &n);
    if(r)
      return r;
  }
}

enum oac_result doc_ref_resolve(struct doc_set *s, const struct doc_node *n,
                                const struct doc_node **out)
{
  struct chain c = { NULL, NULL, 0, 0 };
  *out = n;
  if(!ref_of(n))
    return OAC_OK;
  enum oac_result r = follow(s, &c, n, out);
  oac_free(c.refs);
  oac_free(c.maps);
  if(r)
    *out = n;
  return r;
}

const char *doc_ref_name(struct doc_set *s, const struct doc_node *n)
{
  const struct doc_node *ref = ref_of(n);
  if(!ref)
    return NULL;
  const char *str = ref->str;
  const char *hash = memchr(str, '#', ref->len);
  struct buf b, t;
  buf_init(&b);
  buf_init(&t);
  const char *res = NULL;
  if(hash && hash + 1 < str + ref->len) {
    /* last pointer segment, decoded */
    buf_pct_decode(&b, hash + 1, ref->len - (size_t)(hash + 1 - str));
    if(buf_failed(&b))
      goto done;
    const char *last = b.data ? strrchr(b.data, '/') : NULL;
    last = last ? last + 1 : (b.data ? b.data : "");
    token_unescape(&t, last, strlen(last));
    if(!buf_failed(&t))
      res = arena_strndup(&s->arena, t.data, t.len);
  }
  else {
    /* whole file: the stem of its name ("schemas/pet.yaml?v=2" -> "pet") */
    size_t flen = hash ? (size_t)(hash - str) : ref->len;
    const char *fname = str;
    if(!flen && ref->file) {
      fname = ref->file->name;
      flen = strlen(fname);
    }
    size_t end = flen;
    const char *q = memchr(fname, '?', flen);
    if(q)
      end = (size_t)(q - fname);
    size_t st = end;
    while(st > 0 && fname[st - 1] != '/')
      st--;
    size_t dot = end;
    for(size_t i = end; i > st; i--)
      if(fname[i - 1] == '.') {
        dot = i - 1;
        break;
      }
    if(dot == st)
      dot = end;    /* ".hidden" keeps its name */
    buf_pct_decode(&b, fname + st, dot - st);
    if(!buf_failed(&b))
      res = arena_strndup(&s->arena, b.data ? b.data : "", b.len);
  }
done:
  buf_free(&b);
  buf_free(&t);
  return res;
}
