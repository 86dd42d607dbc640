/* overlay.c - OpenAPI Overlays 1.0 / 1.1 applied to the root document (product.md §15.1;
 * see overlay.h).
 *
 * One overlay: load it into the doc set, validate every field and compile every JSONPath
 * first (all problems reported, nothing applied when there is one), then apply the actions
 * in order, each to the result of the previous one, stopping at the first that fails.
 *
 * Changes are made in place (doc_edit.c): a map merge adds pairs or recurses, an array
 * concatenation appends, a primitive is replaced by changing the selected scalar node
 * itself (so every alias of it sees the change, as for maps and arrays: the tree is a
 * graph). Values an overlay writes are deep copies of its nodes, one per target, carrying
 * the overlay's positions and a "view" file: the overlay's name for diagnostics, the root
 * document for $ref resolution (doc_file.refs_in). Nothing copies the document: each action
 * costs its JSONPath evaluation plus the size of what it changes.
 *
 * Anchors: the nodes an alias repeats (doc_node.aliased and everything under one) are
 * found by one walk of the tree per overlay, at its first change, and kept in a pointer
 * set; nodes added under them join the set. A root document without aliases
 * (doc_file.naliases 0, every JSON document) is not walked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "overlay.h"
#include "jsonpath.h"
#include "../common/buf.h"
#include "../common/mem.h"
#include "../common/text.h"

/* nodes the actions of one overlay may add (copies of update values and copy sources):
 * an overlay whose update is repeated over many targets cannot exhaust memory */
#define OV_MAX_NODES 4000000u
/* nesting a copy or a merge may go down (the recursion's bound: actions that copy a node
 * into itself can make the tree deeper than the loader's limit) */
#define OV_MAX_DEPTH 4096u

/* ---- a set of node pointers (open addressing) ---------------------------------------- */

struct ptrset {
  const void **tab;
  size_t cap, n;
};

static size_t ptr_hash(const void *p, size_t cap)
{
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x & (cap - 1);
}

static int ptrset_has(const struct ptrset *s, const void *p)
{
  if(!s->cap)
    return 0;
  for(size_t i = ptr_hash(p, s->cap);; i = (i + 1) & (s->cap - 1)) {
    if(!s->tab[i])
      return 0;
    if(s->tab[i] == p)
      return 1;
  }
}

/* 1 added, 0 already there, -1 out of memory */
static int ptrset_add(struct ptrset *s, const void *p)
{
  if(2 * (s->n + 1) > s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 64;
    const void **tab = oac_calloc(cap, sizeof(*tab));
    if(!tab)
      return -1;
    for(size_t i = 0; i < s->cap; i++)
      if(s->tab[i]) {
        size_t j = ptr_hash(s->tab[i], cap);
        while(tab[j])
          j = (j + 1) & (cap - 1);
        tab[j] = s->tab[i];
      }
    oac_free(s->tab);
    s->tab = tab;
    s->cap = cap;
  }
  size_t i = ptr_hash(p, s->cap);
  while(s->tab[i]) {
    if(s->tab[i] == p)
      return 0;
    i = (i + 1) & (s->cap - 1);
  }
  s->tab[i] = p;
  s->n++;
  return 1;
}

static void ptrset_free(struct ptrset *s)
{
  oac_free(s->tab);
  memset(s, 0, sizeof(*s));
}

/* ---- the overlay being applied ------------------------------------------------------- */

struct action {
  const struct doc_node *at;        /* the action's mapping */
  const struct doc_node *target;    /* its target string */
  const struct doc_node *desc;      /* description, or NULL */
  const struct doc_node *update;    /* NULL = none */
  const struct doc_node *copy;      /* copy's query string (1.1), NULL = none */
  int remove;
  struct jsonpath *q, *src;
};

struct ov {
  struct doc_set *s;
  struct diag *d;
  struct doc_file *root;
  const struct doc_file *file;      /* the overlay */
  struct doc_file *view;            /* overlay's name, root's base and tree (see top) */
  int v11;
  struct action *actions;
  size_t nactions;
  struct ptrset shared;             /* nodes aliases repeat (see top) */
  int shared_done;
  size_t added;
  char name[160];                   /* "action 2 ("description")" of the current action */
};

static const char *kind_name(const struct doc_node *n)
{
  return n->kind == DOC_MAP ? "object" : n->kind == DOC_SEQ ? "array" : "primitive";
}

static void set_action_name(struct ov *o, size_t i)
{
  const struct doc_node *d = o->actions[i].desc;
  if(d && d->kind == DOC_SCALAR && d->len) {
    int cut = d->len > 60;
    snprintf(o->name, sizeof(o->name), "action %zu (\"%.*s%s\")", i + 1,
             cut ? 57 : (int)d->len, d->str, cut ? "..." : "");
    for(char *p = o->name; *p; p++)   /* a multi-line description stays on one line */
      if(*p == '\n' || *p == '\r' || *p == '\t')
        *p = ' ';
  }
  else
    snprintf(o->name, sizeof(o->name), "action %zu", i + 1);
}

/* ---- validation ----------------------------------------------------------------------- */

static int is_ext(const struct doc_node *k)
{
  return k->kind == DOC_SCALAR && !strncmp(k->str, "x-", 2);
}

static int is_string(const struct doc_node *n)
{
  return n && n->kind == DOC_SCALAR && (n->quoted || !doc_is_null(n));
}

/* "1.0.x" or "1.1.x" (x digits): 0 for 1.0, 1 for 1.1, -1 otherwise */
static int parse_version(const struct doc_node *v)
{
  if(!v || v->kind != DOC_SCALAR || v->len < 5 || strncmp(v->str, "1.", 2) ||
     (v->str[2] != '0' && v->str[2] != '1') || v->str[3] != '.')
    return -1;
  for(size_t i = 4; i < v->len; i++)
    if(v->str[i] < '0' || v->str[i] > '9')
      return -1;
  return v->str[2] == '1';
}

static void warn_unknown(struct ov *o, const struct doc_node *k, const char *where)
{
  diag_node(o->d, DIAG_WARNING, k, "unknown field '%.100s' in %s (ignored; extensions start "
            "with x-)", k->kind == DOC_SCALAR ? k->str : "?", where);
}

/* Compile query text N (a target or a copy source) into *OUT; errors at the column. */
static enum oac_result compile_query(struct ov *o, const struct doc_node *n, const char *field,
                                     struct jsonpath **out)
{
  struct jsonpath_error err;
  enum oac_result r = jsonpath_compile(n->str, n->len, out, &err);
  if(r == OAC_EDOC) {
    /* the column inside the string: after the opening quote of a quoted scalar (exact for
     * a one-line string without escapes before the place) */
    unsigned col = n->col + (n->quoted ? 1u : 0u) + (err.col ? err.col - 1 : 0);
    diag_at(o->d, DIAG_ERROR, n->file->name, n->line, col, "%s: %s '%.200s': %s", o->name,
            field, n->str, err.msg);
  }
  return r;
}

static enum oac_result validate_action(struct ov *o, size_t i, const struct doc_node *m)
{
  struct action *a = &o->actions[i];
  a->at = m;
  if(m->kind != DOC_MAP) {
    snprintf(o->name, sizeof(o->name), "action %zu", i + 1);
    diag_node(o->d, DIAG_ERROR, m, "%s is not an Action Object (a mapping with a target)",
              o->name);
    return OAC_OK;
  }
  const struct doc_node *d = doc_get(m, "description");
  if(d && d->kind != DOC_SCALAR) {
    diag_node(o->d, DIAG_ERROR, d, "action %zu: 'description' must be a string", i + 1);
    d = NULL;
  }
  a->desc = d;
  set_action_name(o, i);
  const struct doc_node *rm = NULL;
  for(size_t j = 0; j < m->n; j++) {
    const struct doc_node *k = m->items[2 * j], *v = m->items[2 * j + 1];
    if(doc_scalar_eq(k, "target")) {
      a->target = v;
      if(!is_string(v)) {
        diag_node(o->d, DIAG_ERROR, v, "%s: 'target' must be a JSONPath query string",
                  o->name);
        a->target = NULL;
      }
    }
    else if(doc_scalar_eq(k, "update"))
      a->update = v;
    else if(doc_scalar_eq(k, "remove"))
      rm = v;
    else if(doc_scalar_eq(k, "copy")) {
      if(!o->v11)
        diag_node(o->d, DIAG_ERROR, k, "%s: 'copy' needs Overlay 1.1 (this overlay says "
                  "1.0.x): write overlay: 1.1.0", o->name);
      else if(!is_string(v))
        diag_node(o->d, DIAG_ERROR, v, "%s: 'copy' must be a JSONPath query string", o->name);
      else
        a->copy = v;
    }
    else if(!doc_scalar_eq(k, "description") && !is_ext(k))
      warn_unknown(o, k, "an Action Object");
  }
  if(!a->target && !doc_get(m, "target"))
    diag_node(o->d, DIAG_ERROR, m, "%s has no 'target' (a JSONPath query, required)", o->name);
  if(rm) {
    enum doc_bool b = doc_bool(rm);
    if(b == DOC_NOT_BOOL)
      diag_node(o->d, DIAG_ERROR, rm, "%s: 'remove' must be true or false", o->name);
    a->remove = b == DOC_TRUE;
  }
  if(a->remove && (a->update || a->copy))
    diag_node(o->d, DIAG_WARNING, a->update ? a->update : a->copy, "%s: '%s' has no effect "
              "with remove: true (the targets are removed)", o->name,
              a->update ? "update" : "copy");
  else if(a->update && a->copy) {
    diag_node(o->d, DIAG_ERROR, a->copy, "%s has both 'update' and 'copy': write two actions",
              o->name);
  }
  else if(!a->remove && !a->update && !a->copy && !doc_get(m, "copy"))
    diag_node(o->d, DIAG_WARNING, m, "%s does nothing: it has no 'update', 'copy' or "
              "'remove: true'", o->name);
  enum oac_result r = OAC_OK;
  if(a->target)
    r = compile_query(o, a->target, "target", &a->q);
  if(r != OAC_ENOMEM && a->copy && !a->remove)
    r = compile_query(o, a->copy, "copy", &a->src);
  return r == OAC_ENOMEM ? r : OAC_OK;
}

/* OAC_OK when the overlay is valid (else its errors are reported), OAC_ENOMEM. */
static enum oac_result validate(struct ov *o)
{
  const struct doc_node *root = o->file->root;
  const char *fname = o->file->name;
  if(root->kind != DOC_MAP) {
    diag_at(o->d, DIAG_ERROR, fname, root->line, root->col, "not an Overlay document: the "
            "top level is not a mapping");
    return OAC_OK;
  }
  const struct doc_node *v = doc_get(root, "overlay");
  if(!v) {
    diag_at(o->d, DIAG_ERROR, fname, root->line, root->col, "not an Overlay document: no "
            "'overlay' field (the Overlay Specification version, 1.0.x or 1.1.x)");
    return OAC_OK;
  }
  int minor = parse_version(v);
  if(minor < 0) {
    diag_node(o->d, DIAG_ERROR, v, "unsupported Overlay version '%.100s' (1.0.x and 1.1.x "
              "are supported)", v->kind == DOC_SCALAR ? v->str : "(not a string)");
    return OAC_OK;
  }
  o->v11 = minor == 1;
  const struct doc_node *info = NULL, *actions = NULL;
  for(size_t i = 0; i < root->n; i++) {
    const struct doc_node *k = root->items[2 * i], *val = root->items[2 * i + 1];
    if(doc_scalar_eq(k, "info"))
      info = val;
    else if(doc_scalar_eq(k, "actions"))
      actions = val;
    else if(doc_scalar_eq(k, "extends")) {
      if(!is_string(val))
        diag_node(o->d, DIAG_ERROR, val, "'extends' must be a string (a path or URL of the "
                  "document the overlay applies to)");
    }
    else if(!doc_scalar_eq(k, "overlay") && !is_ext(k))
      warn_unknown(o, k, "the Overlay Object");
  }
  if(!info)
    diag_at(o->d, DIAG_ERROR, fname, root->line, root->col, "the overlay has no 'info' "
            "(title and version, required)");
  else if(info->kind != DOC_MAP)
    diag_node(o->d, DIAG_ERROR, info, "'info' must be a mapping with title and version");
  else {
    static const char *const req[] = { "title", "version" };
    for(int j = 0; j < 2; j++) {
      const struct doc_node *f = doc_get(info, req[j]);
      if(!f)
        diag_node(o->d, DIAG_ERROR, info, "'info' has no '%s' (required)", req[j]);
      else if(!is_string(f))
        diag_node(o->d, DIAG_ERROR, f, "info.%s must be a string", req[j]);
    }
    for(size_t i = 0; i < info->n; i++) {
      const struct doc_node *k = info->items[2 * i];
      if(!doc_scalar_eq(k, "title") && !doc_scalar_eq(k, "version") && !is_ext(k) &&
         !(o->v11 && doc_scalar_eq(k, "description")))
        warn_unknown(o, k, "the Info Object");
    }
  }
  if(!actions) {
    diag_at(o->d, DIAG_ERROR, fname, root->line, root->col, "the overlay has no 'actions' "
            "(a list of at least one action, required)");
    return OAC_OK;
  }
  if(actions->kind != DOC_SEQ || !actions->n) {
    diag_node(o->d, DIAG_ERROR, actions, "'actions' must be a list of at least one action");
    return OAC_OK;
  }
  o->actions = oac_calloc(actions->n, sizeof(*o->actions));
  if(!o->actions)
    return OAC_ENOMEM;
  o->nactions = actions->n;
  for(size_t i = 0; i < actions->n; i++) {
    enum oac_result r = validate_action(o, i, actions->items[i]);
    if(r)
      return r;
  }
  return OAC_OK;
}

/* ---- anchors ----------------------------------------------------------------------- */

/* Fill o->shared with every node an alias repeats: the aliased nodes and their subtrees. */
static enum oac_result find_shared(struct ov *o)
{
  struct stk { struct doc_node *n; int in; } *st = NULL;
  size_t n = 0, cap = 0;
  enum oac_result r = OAC_OK;
  o->shared_done = 1;
  if(!o->root->root || !o->root->naliases)
    return OAC_OK;              /* no alias in the root document (a JSON one): no walk */
  cap = 256;
  st = oac_malloc(cap * sizeof(*st));
  if(!st)
    return OAC_ENOMEM;
  st[n].n = o->root->root;
  st[n++].in = 0;
  while(n && !r) {
    struct stk e = st[--n];
    int in = e.in || e.n->aliased;
    if(in) {
      int added = ptrset_add(&o->shared, e.n);
      if(added < 0) {
        r = OAC_ENOMEM;
        break;
      }
      if(!added)
        continue;       /* its subtree is in the set already */
    }
    if(e.n->kind == DOC_SCALAR)
      continue;
    /* values only (keys are never selected nor changed); scalars are settled here, not
     * pushed: most nodes are scalars, and this walk is over the whole document */
    size_t k = e.n->n, step = e.n->kind == DOC_MAP ? 2 : 1;
    if(n + k > cap) {
      size_t nc = cap;
      while(nc < n + k)
        nc *= 2;
      void *p = oac_realloc(st, nc * sizeof(*st));
      if(!p) {
        r = OAC_ENOMEM;
        break;
      }
      st = p;
      cap = nc;
    }
    for(size_t i = 0; i < k && !r; i++) {
      struct doc_node *c = e.n->items[i * step + step - 1];
      if(c->kind != DOC_SCALAR) {
        st[n].n = c;
        st[n++].in = in;
      }
      else if((in || c->aliased) && ptrset_add(&o->shared, c) < 0)
        r = OAC_ENOMEM;
    }
  }
  oac_free(st);
  return r;
}

static enum oac_result is_shared(struct ov *o, const struct doc_node *n, int *out)
{
  *out = 0;
  if(!o->shared_done) {
    enum oac_result r = find_shared(o);
    if(r)
      return r;
  }
  *out = n && (n->aliased || ptrset_has(&o->shared, n));
  return OAC_OK;
}

/* ---- changing the tree --------------------------------------------------------------- */

static enum oac_result too_many(struct ov *o, const struct action *a)
{
  diag_node(o->d, DIAG_ERROR, a->target, "%s: the overlay's changes would add more than %u "
            "nodes to the document", o->name, OV_MAX_NODES);
  return OAC_ELIMIT;
}

/* A deep copy of V: positions kept, file F (NULL = V's own), one new node per node (an
 * alias inside V is copied once per place). SHARED: the copies join o->shared. */
static enum oac_result too_deep(struct ov *o, const struct action *a)
{
  diag_node(o->d, DIAG_ERROR, a->target, "%s: the change is nested deeper than %u levels",
            o->name, OV_MAX_DEPTH);
  return OAC_ELIMIT;
}

static enum oac_result copy_node(struct ov *o, const struct action *a,
                                 const struct doc_node *v, const struct doc_file *f,
                                 int shared, struct doc_node **out, unsigned depth)
{
  if(++o->added > OV_MAX_NODES)
    return too_many(o, a);
  if(depth > OV_MAX_DEPTH)
    return too_deep(o, a);
  struct doc_node *n = doc_new_node(o->s, v->kind, f ? f : v->file, v->line, v->col);
  if(!n)
    return OAC_ENOMEM;
  n->quoted = v->quoted;
  n->dup_keys = v->dup_keys;
  n->str = v->str;          /* scalar bytes are never changed in place: sharing them is safe */
  n->len = v->len;
  n->n = v->n;
  if(shared && ptrset_add(&o->shared, n) < 0)
    return OAC_ENOMEM;
  size_t k = v->kind == DOC_MAP ? 2 * v->n : v->kind == DOC_SEQ ? v->n : 0;
  if(k) {
    n->items = arena_alloc(&o->s->arena, k * sizeof(*n->items));
    if(!n->items)
      return OAC_ENOMEM;
    for(size_t i = 0; i < k; i++) {
      enum oac_result r = copy_node(o, a, v->items[i], f, shared, &n->items[i], depth + 1);
      if(r)
        return r;
    }
  }
  *out = n;
  return OAC_OK;
}

/* Primitive replaces primitive: the selected scalar node itself takes V's value and
 * position, so every alias of it changes too. */
static void set_scalar(struct ov *o, struct doc_node *t, const struct doc_node *v,
                       const struct doc_file *f)
{
  o->s->index = NULL;
  t->str = v->str;
  t->len = v->len;
  t->quoted = v->quoted;
  t->file = f ? f : v->file;
  t->line = v->line;
  t->col = v->col;
}

static enum oac_result append_copy(struct ov *o, const struct action *a, struct doc_node *seq,
                                   const struct doc_node *v, const struct doc_file *f,
                                   int shared)
{
  struct doc_node *c;
  enum oac_result r = copy_node(o, a, v, f, shared, &c, 0);
  return r ? r : doc_seq_append(o->s, seq, c);
}

/* The value of key K (a scalar, compared with its length) in map T, the later duplicate
 * winning as in doc_get; NULL when absent. */
static struct doc_node *map_find(const struct doc_node *t, const struct doc_node *k)
{
  for(size_t i = t->n; i-- > 0;) {
    const struct doc_node *tk = t->items[2 * i];
    if(tk->kind == DOC_SCALAR && tk->len == k->len && !memcmp(tk->str, k->str, k->len))
      return t->items[2 * i + 1];
  }
  return NULL;
}

/* 1 when key I of map M occurs again later in M (a duplicate key: the later one wins) */
static int key_later(const struct doc_node *m, size_t i)
{
  const struct doc_node *k = m->items[2 * i];
  for(size_t j = i + 1; j < m->n; j++) {
    const struct doc_node *l = m->items[2 * j];
    if(l->kind == DOC_SCALAR && k->kind == DOC_SCALAR && l->len == k->len &&
       !memcmp(l->str, k->str, k->len))
      return 1;
  }
  return 0;
}

/* Merge map V into map T (1.1's rules, recursively). WHAT names V's origin in messages. */
static enum oac_result merge_map(struct ov *o, const struct action *a, struct doc_node *t,
                                 const struct doc_node *v, const struct doc_file *f,
                                 const char *what, unsigned depth)
{
  int shared;
  if(depth > OV_MAX_DEPTH)
    return too_deep(o, a);
  enum oac_result r = is_shared(o, t, &shared);
  for(size_t i = 0; i < v->n && !r; i++) {
    const struct doc_node *k = v->items[2 * i], *val = v->items[2 * i + 1];
    if(k->kind != DOC_SCALAR) {
      diag_node(o->d, DIAG_ERROR, k, "%s: %s has a key that is not a string", o->name, what);
      return OAC_EDOC;
    }
    if(v->dup_keys && key_later(v, i))
      continue;         /* a duplicate key: only its later value is merged (as warned) */
    struct doc_node *ex = map_find(t, k);
    if(!ex) {
      struct doc_node *nk, *nv;
      r = copy_node(o, a, k, f, shared, &nk, depth);
      if(!r)
        r = copy_node(o, a, val, f, shared, &nv, depth);
      if(!r)
        r = doc_map_set(o->s, t, nk, nv);
    }
    else if(ex->kind == DOC_SCALAR && val->kind == DOC_SCALAR)
      set_scalar(o, ex, val, f);
    else if(ex->kind == DOC_SEQ && val->kind == DOC_SEQ)
      for(size_t j = 0; j < val->n && !r; j++)
        r = append_copy(o, a, ex, val->items[j], f, shared);
    else if(ex->kind == DOC_MAP && val->kind == DOC_MAP)
      r = merge_map(o, a, ex, val, f, what, depth + 1);
    else {
      diag_node(o->d, DIAG_ERROR, val, "%s: cannot merge the %s '%.100s' of %s with the %s "
                "the document has there (%s:%u:%u): a primitive replaces a primitive, an "
                "array concatenates with an array, an object merges with an object",
                o->name, kind_name(val), k->str, what, kind_name(ex),
                ex->file ? ex->file->name : "?", ex->line, ex->col);
      return OAC_EDOC;
    }
  }
  return r;
}

/* The matches of L without repeats of a node (RFC 9535 keeps them: an alias, a `..`
 * reaching a node twice), in order, into *OUT (oac_malloc'd) and *N. */
static enum oac_result unique_nodes(const struct jsonpath_nodelist *l,
                                    struct jsonpath_match **out, size_t *n)
{
  struct ptrset seen = { NULL, 0, 0 };
  struct jsonpath_match *u = oac_malloc((l->n ? l->n : 1) * sizeof(*u));
  *n = 0;
  *out = u;
  if(!u)
    return OAC_ENOMEM;
  for(size_t i = 0; i < l->n; i++) {
    int added = l->n == 1 ? 1 : ptrset_add(&seen, l->v[i].node);
    if(added < 0) {
      ptrset_free(&seen);
      return OAC_ENOMEM;
    }
    if(added)
      u[(*n)++] = l->v[i];
  }
  ptrset_free(&seen);
  return OAC_OK;
}

/* update (V from the overlay, F its view file) or copy (V a snapshot of the source, F
 * NULL) applied to the selected nodes L. */
static enum oac_result merge_into(struct ov *o, const struct action *a,
                                  const struct jsonpath_nodelist *l, const struct doc_node *v,
                                  const struct doc_file *f, const struct doc_node *where,
                                  const char *what)
{
  struct jsonpath_match *u;
  size_t n, cnt[3] = { 0, 0, 0 };
  enum oac_result r = unique_nodes(l, &u, &n);
  if(r)
    goto done;
  for(size_t i = 0; i < n; i++)
    cnt[u[i].node->kind]++;
  if((cnt[0] != 0) + (cnt[1] != 0) + (cnt[2] != 0) > 1) {
    diag_node(o->d, DIAG_ERROR, a->target, "%s: the target selects nodes of mixed kinds (%zu "
              "objects, %zu arrays, %zu primitives): an update or a copy needs them all of "
              "one kind", o->name, cnt[DOC_MAP], cnt[DOC_SEQ], cnt[DOC_SCALAR]);
    r = OAC_EDOC;
    goto done;
  }
  enum doc_kind tk = u[0].node->kind;
  if((tk == DOC_MAP && v->kind != DOC_MAP) || (tk == DOC_SCALAR && v->kind != DOC_SCALAR)) {
    diag_node(o->d, DIAG_ERROR, where, "%s: the target selects %s, so %s must be %s (it is "
              "%s %s)", o->name, tk == DOC_MAP ? (n == 1 ? "an object" : "objects") :
              (n == 1 ? "a primitive" : "primitives"), what,
              tk == DOC_MAP ? "an object" : "a primitive",
              v->kind == DOC_SCALAR ? "a" : "an", kind_name(v));
    r = OAC_EDOC;
    goto done;
  }
  /* anchors: a change to a node aliases repeat shows at every alias */
  size_t nshared = 0, first = 0;
  for(size_t i = 0; i < n && !r; i++) {
    int sh = 0;
    r = is_shared(o, u[i].node, &sh);
    if(!r && sh && !nshared++)
      first = i;
  }
  if(r)
    goto done;
  if(nshared) {
    const struct doc_node *x = u[first].node;
    diag_node(o->d, DIAG_WARNING, a->target, "%s: the target at %s:%u:%u%s is (part of) an "
              "anchored YAML node that aliases repeat: the document is a graph, so the "
              "change shows at every alias of it", o->name, x->file ? x->file->name : "?",
              x->line, x->col, nshared > 1 ? " (and others)" : "");
  }
  for(size_t i = 0; i < n && !r; i++) {
    struct doc_node *t = u[i].node;
    int shared;
    r = is_shared(o, t, &shared);
    if(r)
      break;
    if(tk == DOC_MAP)
      r = merge_map(o, a, t, v, f, what, 0);
    else if(tk == DOC_SCALAR)
      set_scalar(o, t, v, f);
    else if(v->kind == DOC_SEQ)         /* array: concatenated */
      for(size_t j = 0; j < v->n && !r; j++)
        r = append_copy(o, a, t, v->items[j], f, shared);
    else                                /* object or primitive: appended */
      r = append_copy(o, a, t, v, f, shared);
  }
done:
  oac_free(u);
  return r;
}

static int slot_cmp(const void *x, const void *y)
{
  const struct jsonpath_match *a = x, *b = y;
  uintptr_t pa = (uintptr_t)a->parent, pb = (uintptr_t)b->parent;
  if(pa != pb)
    return pa < pb ? -1 : 1;
  return a->index < b->index ? 1 : a->index > b->index ? -1 : 0;   /* highest index first */
}

static enum oac_result do_remove(struct ov *o, const struct action *a,
                                 struct jsonpath_nodelist *l)
{
  for(size_t i = 0; i < l->n; i++)
    if(!l->v[i].parent) {
      diag_node(o->d, DIAG_ERROR, a->target, "%s: the target selects the document's root, "
                "which cannot be removed", o->name);
      return OAC_EDOC;
    }
  /* by container, highest index first: removing one item does not move the next */
  qsort(l->v, l->n, sizeof(*l->v), slot_cmp);
  /* anchors: removing from a container aliases repeat removes at every alias of it;
   * removing an anchored node from one place leaves its aliases elsewhere */
  size_t ncont = 0, nnode = 0;
  const struct doc_node *fcont = NULL, *fnode = NULL;
  for(size_t i = 0; i < l->n; i++) {
    int sh = 0, psh = 0;
    enum oac_result r = is_shared(o, l->v[i].node, &sh);
    if(!r)
      r = is_shared(o, l->v[i].parent, &psh);
    if(r)
      return r;
    if(psh && !ncont++)
      fcont = l->v[i].node;
    else if(!psh && sh && !nnode++)
      fnode = l->v[i].node;
  }
  if(ncont)
    diag_node(o->d, DIAG_WARNING, a->target, "%s: the target at %s:%u:%u%s is (part of) an "
              "anchored YAML node that aliases repeat: the document is a graph, so the "
              "removal shows at every alias of what contains it", o->name,
              fcont->file ? fcont->file->name : "?", fcont->line, fcont->col,
              ncont > 1 ? " (and others)" : "");
  if(nnode)
    diag_node(o->d, DIAG_WARNING, a->target, "%s: the target at %s:%u:%u%s is an anchored "
              "YAML node that aliases repeat: it is removed here only, its aliases elsewhere "
              "stay", o->name, fnode->file ? fnode->file->name : "?", fnode->line, fnode->col,
              nnode > 1 ? " (and others)" : "");
  for(size_t i = 0; i < l->n; i++) {
    struct jsonpath_match *m = &l->v[i];
    if(i && m->parent == l->v[i - 1].parent && m->index == l->v[i - 1].index)
      continue;         /* the same place selected twice: removed once */
    if(m->parent->kind == DOC_MAP) {
      if(m->index < m->parent->n && m->parent->items[2 * m->index + 1] == m->node)
        doc_map_remove_at(o->s, m->parent, m->index);
    }
    else if(m->index < m->parent->n && m->parent->items[m->index] == m->node)
      doc_seq_remove_at(o->s, m->parent, m->index);
  }
  return OAC_OK;
}

static enum oac_result eval(struct ov *o, const struct action *a, const struct jsonpath *q,
                            const struct doc_node *text, struct jsonpath_nodelist *l)
{
  enum oac_result r = jsonpath_eval(q, o->root->root, l);
  if(r == OAC_ELIMIT) {
    diag_node(o->d, DIAG_ERROR, text, "%s: the query goes deeper than the JSONPath depth "
              "limit", o->name);
    return OAC_EDOC;
  }
  (void)a;
  return r;
}

static enum oac_result apply_action(struct ov *o, size_t i)
{
  const struct action *a = &o->actions[i];
  struct jsonpath_nodelist l, src;
  jsonpath_nodelist_init(&l);
  jsonpath_nodelist_init(&src);
  set_action_name(o, i);
  if(!a->remove && !a->update && !a->copy)
    return OAC_OK;              /* does nothing (warned when validated) */
  enum oac_result r = eval(o, a, a->q, a->target, &l);
  if(r)
    goto done;
  if(!l.n) {
    diag_node(o->d, DIAG_WARNING, a->target, "%s: the target '%.200s' selects nothing: "
              "nothing changed", o->name, a->target->str);
    goto done;
  }
  if(a->remove)
    r = do_remove(o, a, &l);
  else if(a->update)
    r = merge_into(o, a, &l, a->update, o->view, a->update, "the update");
  else if(a->copy) {
    r = eval(o, a, a->src, a->copy, &src);
    struct jsonpath_match *u = NULL;
    size_t n = 0;
    if(!r)
      r = unique_nodes(&src, &u, &n);
    if(!r && n != 1) {
      if(n)
        diag_node(o->d, DIAG_ERROR, a->copy, "%s: the copy source '%.200s' selects %zu nodes: "
                  "a copy needs exactly one", o->name, a->copy->str, n);
      else
        diag_node(o->d, DIAG_ERROR, a->copy, "%s: the copy source '%.200s' selects nothing: "
                  "a copy needs exactly one node", o->name, a->copy->str);
      r = OAC_EDOC;
    }
    struct doc_node *snap = NULL;
    if(!r)      /* a snapshot first: the source may lie inside a target */
      r = copy_node(o, a, u[0].node, NULL, 0, &snap, 0);
    oac_free(u);
    if(!r)
      r = merge_into(o, a, &l, snap, NULL, a->copy, "the copy source");
  }
done:
  jsonpath_nodelist_free(&l);
  jsonpath_nodelist_free(&src);
  return r;
}

enum oac_result overlay_apply_doc(struct doc_set *s, struct doc_file *root,
                                  const struct doc_file *overlay)
{
  struct ov o;
  memset(&o, 0, sizeof(o));
  o.s = s;
  o.d = s->diag;
  o.root = root;
  o.file = overlay;
  unsigned errors = s->diag->errors;
  enum oac_result r = validate(&o);
  if(!r && s->diag->errors != errors)
    r = OAC_EDOC;
  if(!r) {
    o.view = arena_calloc(&s->arena, sizeof(*o.view));
    if(!o.view)
      r = OAC_ENOMEM;
    else {
      o.view->name = overlay->name;
      o.view->base = root->base;
      o.view->root = root->root;
      o.view->nbytes = overlay->nbytes;
      o.view->checksum = overlay->checksum;
      o.view->refs_in = root;
    }
  }
  for(size_t i = 0; i < o.nactions && !r; i++)
    r = apply_action(&o, i);
  if(r == OAC_ENOMEM && s->diag->errors == errors)
    diag_at(s->diag, DIAG_ERROR, overlay->name, 0, 0, "out of memory applying the overlay");
  for(size_t i = 0; i < o.nactions; i++) {
    jsonpath_free(o.actions[i].q);
    jsonpath_free(o.actions[i].src);
  }
  oac_free(o.actions);
  ptrset_free(&o.shared);
  return r;
}

enum oac_result overlay_apply_file(struct doc_set *s, struct doc_file *root, const char *path,
                                   uint64_t *checksum)
{
  struct doc_file *f = NULL;
  enum oac_result r = doc_load(s, path, &f);
  if(r)
    return r;
  if(checksum)
    *checksum = f->checksum;
  return overlay_apply_doc(s, root, f);
}

enum oac_result overlay_apply_mem(struct doc_set *s, struct doc_file *root, const char *name,
                                  const char *data, size_t len)
{
  struct doc_file *f = NULL;
  enum oac_result r = doc_load_mem(s, name, data, len, &f);
  return r ? r : overlay_apply_doc(s, root, f);
}

enum oac_result overlay_apply_all(struct doc_set *s, struct doc_file *root,
                                  const char *const *paths, size_t n, struct arena *a,
                                  const char **summary)
{
  struct buf b;
  enum oac_result r = OAC_OK;
  buf_init(&b);
  for(size_t i = 0; i < n && !r; i++) {
    uint64_t sum = 0;
    r = overlay_apply_file(s, root, paths[i], &sum);
    if(!r)
      buf_printf(&b, "%016llx %s\n", (unsigned long long)sum, paths[i]);
  }
  if(!r) {
    const char *t = buf_failed(&b) ? NULL : arena_strndup(a, b.data ? b.data : "", b.len);
    if(!t)
      r = OAC_ENOMEM;
    else if(summary)
      *summary = t;
  }
  buf_free(&b);
  return r;
}

/* ---- extends --------------------------------------------------------------------------- */

/* REF resolved against the overlay's PATH (see overlay.h), oac_malloc'd. */
static enum oac_result resolve_against(const char *path, const char *ref, struct diag *d,
                                       const struct doc_node *at, char **out)
{
  *out = NULL;
  if(text_is_http_url(ref) || text_is_http_url(path)) {
    CURLU *u = curl_url();
    char *res = NULL;
    if(!u)
      return OAC_ENOMEM;
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, text_is_http_url(ref) ? ref : path, 0);
    if(!rc && !text_is_http_url(ref))
      rc = curl_url_set(u, CURLUPART_URL, ref, 0);
    if(!rc)
      rc = curl_url_get(u, CURLUPART_URL, &res, 0);
    curl_url_cleanup(u);
    if(rc == CURLUE_OUT_OF_MEMORY)
      return OAC_ENOMEM;
    if(rc || !res || !text_is_http_url(res)) {
      curl_free(res);
      diag_node(d, DIAG_ERROR, at, "extends '%.200s': cannot resolve it against %.200s", ref,
                path);
      return OAC_EDOC;
    }
    size_t n = strlen(res);
    *out = oac_malloc(n + 1);
    if(*out)
      memcpy(*out, res, n + 1);
    curl_free(res);
    return *out ? OAC_OK : OAC_ENOMEM;
  }
  /* a scheme other than http(s) ("file:", "urn:"): not something we can open */
  const char *p = ref;
  while((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (p > ref && *p >= '0' &&
        *p <= '9') || (p > ref && (*p == '+' || *p == '-' || *p == '.')))
    p++;
  if(p > ref + 1 && *p == ':') {
    diag_node(d, DIAG_ERROR, at, "extends '%.200s': only a path or an http(s) URL can be "
              "used", ref);
    return OAC_EDOC;
  }
  struct buf b;
  buf_init(&b);
  if(ref[0] != '/') {
    const char *slash = strrchr(path, '/');
    if(slash)
      buf_append(&b, path, (size_t)(slash - path) + 1);
  }
  const char *q = strpbrk(ref, "?#");      /* a query or fragment means nothing for a file */
  buf_pct_decode(&b, ref, q ? (size_t)(q - ref) : strlen(ref));
  buf_putc(&b, '\0');
  if(buf_failed(&b)) {
    buf_free(&b);
    return OAC_ENOMEM;
  }
  *out = buf_steal(&b, NULL);
  return *out ? OAC_OK : OAC_ENOMEM;
}

enum oac_result overlay_extends(const char *path, struct diag *d, char **out)
{
  struct doc_set s;
  struct doc_file *f = NULL;
  *out = NULL;
  doc_set_init(&s, d);
  enum oac_result r = doc_load(&s, path, &f);
  if(!r) {
    const struct doc_node *e = f->root->kind == DOC_MAP ? doc_get(f->root, "extends") : NULL;
    if(e && !is_string(e)) {
      diag_node(d, DIAG_ERROR, e, "'extends' must be a string (a path or URL of the document "
                "the overlay applies to)");
      r = OAC_EDOC;
    }
    else if(e)
      r = resolve_against(path, e->str, d, e, out);
  }
  doc_set_free(&s);
  return r == OAC_ELIMIT ? OAC_EDOC : r;
}
