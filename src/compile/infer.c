/* infer.c - `--infer`, `--infer=crud` and `--emit-overlay FILE` (product.md §15.3).
 *
 * 1. Read the document as written (after the overlays): its operations, the explicit marks
 *    (x-flow-type schemas, CRUD marks and the operations they use, x-flow-action,
 *    x-flow-actions: all), and the pairs P / P/{id}.
 * 2. Plan: for each pair that yields a type (the GET P/{id} 2xx schema; the list's items and
 *    the POST's 2xx schema must be it), the winner among the pairs of one type (shortest
 *    path, then operationId verbs, then lexical order) gets x-flow-type and its CRUD marks
 *    on that schema; every operation left over gets `x-flow-action: true` (not with
 *    --infer=crud). Explicit marks always win: a schema with x-flow-type, an operation with
 *    a CRUD mark or x-flow-action, or one an explicit mark uses, gets nothing.
 * 3. The marks are added to the tree (doc_edit.c) as nodes of the synthetic file
 *    "(inferred)": mark N (1-based, the order of --emit-overlay's actions) has every node at
 *    line N. A trial compile (quiet diagnostics, a throwaway model) tells which marks fail a
 *    check: its errors at "(inferred):N:" name them. Those marks are excluded (a warning at
 *    the document node naming the rule), all marks are taken out of the tree again, and the
 *    plan is made anew (a type dropped leaves its operations to actions). An error with no
 *    inferred position, when the document compiles cleanly without the marks, is found by
 *    bisection over the marks' groups (a type with its CRUD marks, or one action). At most
 *    MAX_TRIALS trial compiles; past that nothing is inferred.
 * 4. The compile itself, with the caller's diagnostics; the types and actions whose marks
 *    are in the "(inferred)" file get CT_F_INFERRED / CA_F_INFERRED; --emit-overlay writes
 *    the marks as an Overlay 1.1 document.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "infer.h"
#include "../cache/cache.h"
#include "../common/mem.h"

#define INFERRED_FILE "(inferred)"
#define MAX_TRIALS 48

enum mark_kind { MK_TYPE, MK_CRUD, MK_ACTION };
enum role { R_QUERY, R_LOAD, R_SAVE, R_UPDATE, R_DELETE, R_MAX };

static const char *const role_ext[R_MAX] = { "x-flow-query", "x-flow-load", "x-flow-save",
                                             "x-flow-update", "x-flow-delete" };
static const char *const role_verbs[R_MAX][2] = { { "list", NULL }, { "get", NULL },
                                                  { "create", "add" },
                                                  { "update", "replace" },
                                                  { "delete", "remove" } };

struct iop {                    /* an operation of the document */
  const char *path;             /* as written */
  const char *norm;             /* placeholders as {} */
  const char *method_key;       /* the key as written ("get") */
  enum cache_method method;
  struct doc_node *op;
  const char *target;           /* JSONPath of the operation; NULL: not in the root file */
  const char *opid;             /* operationId or NULL */
  unsigned used : 1;            /* an explicit CRUD mark uses it */
  unsigned marked : 1;          /* it carries x-flow-action or a CRUD mark itself */
  unsigned all : 1;             /* x-flow-actions: all covers it */
  unsigned excl_crud : 1;       /* an inferred CRUD mark on it failed */
  unsigned excl_action : 1;     /* its inferred x-flow-action failed */
  unsigned crud_now : 1;        /* this plan: an inferred CRUD mark uses it */
};

struct ipath {
  const char *path, *norm;
  size_t first, n;              /* its operations: ops[first .. first + n) */
};

struct ipair {
  struct ipath *coll, *item;
  struct iop *role[R_MAX];      /* the operations for each CRUD role (NULL = none) */
  struct iop *other_update;     /* PUT when PATCH won, or the other way round */
  const char *update_rule;
  struct doc_node *schema;      /* the type's schema (resolved) */
  const char *schema_target;    /* its JSONPath */
  const char *name;             /* the type's name */
  const char *id_prop;          /* the item's ID property; NULL = default rule (or none) */
  int id_explicit;              /* write externalId: ID (not found by the default rule) */
  const char **parents;         /* parent parameters (item path's names) */
  const char **coll_parents;    /* the same, as the collection path names them */
  size_t nparents;
  int composite;
  int ok;                       /* yields its type */
  int winner;                   /* the pair its type's marks come from */
  int score;                    /* operationId verbs that fit their roles */
};

struct mark {
  enum mark_kind kind;
  enum role role;
  struct doc_node *host, *key, *val;
  const char *target, *rule;
  const struct doc_node *where; /* document node for warnings */
  struct iop *op;               /* CRUD, ACTION */
  struct doc_node *schema;      /* TYPE, CRUD */
  const char *type_name;
  size_t unit;
  int in_tree, failed;
  const char *reason;           /* the first error that made it fail */
};

struct inf {
  const struct compile_opts *o;
  struct doc_set *s;
  struct doc_file *f, *syn;
  struct diag *d;
  struct arena *a;
  struct iop *ops;
  size_t nops, capops;
  struct ipath *paths;
  size_t npaths, cappaths;
  struct ipair *pairs;
  size_t npairs, cappairs;
  const struct doc_node **typed;        /* schemas with an explicit x-flow-type */
  size_t ntyped, captyped;
  struct { const struct doc_node *schema; int role; } *opcrud;   /* operation-level marks */
  size_t nopcrud, capopcrud;
  const struct doc_node **excl;         /* schemas whose inferred type failed */
  size_t nexcl, capexcl;
  struct mark *marks;
  size_t nmarks, capmarks, nunits;
  unsigned trials;
  int oom;
};

/* ---- small helpers -------------------------------------------------------------------- */

static int grow(struct inf *x, void **arr, size_t *cap, size_t n, size_t size)
{
  if(n < *cap)
    return 0;
  size_t nc = *cap ? *cap * 2 : 16;
  void *p = oac_realloc(*arr, nc * size);
  if(!p) {
    x->oom = 1;
    return -1;
  }
  *arr = p;
  *cap = nc;
  return 0;
}
#define GROW(x, arr, cap, n) grow((x), (void **)&(arr), &(cap), (n), sizeof(*(arr)))

static int ieq(const char *a, const char *b)
{
  for(; *a && *b; a++, b++)
    if((*a | 0x20) != (*b | 0x20))
      return 0;
  return !*a && !*b;
}

void infer_jsonpath_name(struct buf *b, const char *key, size_t len)
{
  buf_puts(b, "['");
  for(size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)key[i];
    switch(ch) {
    case '\'': buf_puts(b, "\\'"); break;
    case '\\': buf_puts(b, "\\\\"); break;
    case '\b': buf_puts(b, "\\b"); break;
    case '\f': buf_puts(b, "\\f"); break;
    case '\n': buf_puts(b, "\\n"); break;
    case '\r': buf_puts(b, "\\r"); break;
    case '\t': buf_puts(b, "\\t"); break;
    default:
      if(ch < 0x20)
        buf_printf(b, "\\u%04x", ch);
      else
        buf_putc(b, (char)ch);
    }
  }
  buf_puts(b, "']");
}

void infer_yaml_quoted(struct buf *b, const char *s, size_t len)
{
  buf_putc(b, '"');
  for(size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if(ch == '"' || ch == '\\') {
      buf_putc(b, '\\');
      buf_putc(b, (char)ch);
    }
    else if(ch == '\n')
      buf_puts(b, "\\n");
    else if(ch == '\t')
      buf_puts(b, "\\t");
    else if(ch < 0x20 || ch == 0x7f)
      buf_printf(b, "\\x%02x", ch);
    else
      buf_putc(b, (char)ch);
  }
  buf_putc(b, '"');
}

/* TARGET + one name selector, in the arena; NULL stays NULL */
static const char *tjoin(struct inf *x, const char *target, const char *key)
{
  if(!target || !key)
    return NULL;
  struct buf b;
  buf_init(&b);
  buf_puts(&b, target);
  infer_jsonpath_name(&b, key, strlen(key));
  const char *r = buf_failed(&b) ? NULL : arena_strndup(x->a, b.data, b.len);
  if(!r)
    x->oom = 1;
  buf_free(&b);
  return r;
}

const char *infer_singular(struct arena *a, const char *seg, size_t len)
{
  if(len > 3 && !memcmp(seg + len - 3, "ies", 3)) {
    char *r = arena_strndup(a, seg, len - 2);
    if(r)
      r[len - 3] = 'y';
    return r;
  }
  if(len > 1 && seg[len - 1] == 's' && seg[len - 2] != 's')
    return arena_strndup(a, seg, len - 1);
  return arena_strndup(a, seg, len);
}

const char *infer_verb(const char *id)
{
  static const char *const verbs[] = { "list", "get", "create", "add", "update", "replace",
                                       "delete", "remove" };
  if(!id)
    return NULL;
  const char *slash = strrchr(id, '/');
  const char *p = slash ? slash + 1 : id;
  while(*p) {
    while(*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9')))
      p++;
    const char *w = p;
    if(*p)
      p++;
    /* a word: letters up to a separator or an upper-case letter after a lower-case one */
    while(*p && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                 ((*p >= 'A' && *p <= 'Z') && (p[-1] >= 'A' && p[-1] <= 'Z') &&
                  !(p[1] >= 'a' && p[1] <= 'z'))))
      p++;
    size_t n = (size_t)(p - w);
    for(size_t v = 0; n && v < sizeof(verbs) / sizeof(verbs[0]); v++)
      if(strlen(verbs[v]) == n) {
        size_t k = 0;
        while(k < n && (w[k] | 0x20) == verbs[v][k])
          k++;
        if(k == n)
          return verbs[v];
      }
  }
  return NULL;
}

static int verb_fits(const struct iop *op, enum role r)
{
  const char *v = op ? infer_verb(op->opid) : NULL;
  return v && (!strcmp(v, role_verbs[r][0]) || (role_verbs[r][1] &&
                                                 !strcmp(v, role_verbs[r][1])));
}

/* "/pets/{petId}" -> "/pets/{}" (as compile.c matches marks and operations) */
static const char *normalize(struct inf *x, const char *p)
{
  const char *o = compile_normalize_path(x->a, p);
  if(!o)
    x->oom = 1;
  return o;
}

/* ---- resolving, with the JSONPath of the result ---------------------------------------- */

/* The node a local JSON pointer ("#/components/schemas/Pet") names in the root file, and
 * its JSONPath (*TARGET) and, for #/components/schemas/NAME, NAME (*COMP). */
static struct doc_node *pointer(struct inf *x, const char *ref, const char **target,
                                const char **comp)
{
  struct doc_node *n = x->f->root;
  struct buf t, seg;
  buf_init(&t);
  buf_init(&seg);
  buf_putc(&t, '$');
  const char *p = ref + 1;
  unsigned depth = 0;
  int comp_ok = 1;
  *comp = NULL;
  while(n && *p == '/') {
    p++;
    const char *e = strchr(p, '/');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    struct buf raw;
    buf_init(&raw);
    buf_pct_decode(&raw, p, len);
    if(buf_failed(&raw))
      x->oom = 1;
    buf_reset(&seg);
    for(size_t i = 0; raw.data && i < raw.len; i++) {
      if(raw.data[i] == '~' && i + 1 < raw.len && (raw.data[i + 1] == '0' ||
                                                    raw.data[i + 1] == '1')) {
        buf_putc(&seg, raw.data[i + 1] == '0' ? '~' : '/');
        i++;
      }
      else
        buf_putc(&seg, raw.data[i]);
    }
    buf_free(&raw);
    buf_putc(&seg, '\0');
    const char *key = seg.data ? seg.data : "";
    if(n->kind == DOC_MAP) {
      n = doc_get(n, key);
      infer_jsonpath_name(&t, key, strlen(key));
    }
    else if(n->kind == DOC_SEQ) {
      char *end;
      unsigned long i = strtoul(key, &end, 10);
      n = *key && !*end && i < n->n ? n->items[i] : NULL;
      buf_printf(&t, "[%lu]", i);
    }
    else
      n = NULL;
    if((depth == 0 && strcmp(key, "components")) || (depth == 1 && strcmp(key, "schemas")))
      comp_ok = 0;
    if(depth == 2 && comp_ok && !(*comp = arena_strdup(x->a, key)))
      x->oom = 1;
    depth++;
    p += len;
  }
  if(depth != 3 || !comp_ok)
    *comp = NULL;
  *target = n && !buf_failed(&t) ? arena_strndup(x->a, t.data, t.len) : NULL;
  if(buf_failed(&t) || buf_failed(&seg) || (n && !*target))
    x->oom = 1;
  buf_free(&t);
  buf_free(&seg);
  return n;
}

/* N through its $refs. *TARGET: the JSONPath of the result (TARGET when N has no $ref,
 * the pointer's path for local refs, NULL when it lies in another file); *COMP: the
 * component name when the last ref named #/components/schemas/NAME (else NULL). */
static struct doc_node *resolve(struct inf *x, struct doc_node *n, const char *target,
                                const char **out_target, const char **comp)
{
  const char *c = NULL;
  for(int hops = 0; n && n->kind == DOC_MAP && hops < 32; hops++) {
    const struct doc_node *ref = doc_get(n, "$ref");
    if(!ref || ref->kind != DOC_SCALAR)
      break;
    if(n->file == x->f && ref->str[0] == '#') {
      n = pointer(x, ref->str, &target, &c);
      continue;
    }
    const struct doc_node *o = NULL;
    enum oac_result r = doc_ref_resolve(x->s, n, &o);
    if(r == OAC_ENOMEM)
      x->oom = 1;
    if(r)
      n = NULL;
    else
      n = (struct doc_node *)o;
    target = NULL;
    c = NULL;
    break;
  }
  if(out_target)
    *out_target = n ? target : NULL;
  if(comp)
    *comp = n ? c : NULL;
  return n;
}

/* The lowest 2xx response's JSON schema of OP, resolved; NULL when there is none. */
static struct doc_node *ok_schema(struct inf *x, const struct iop *op, const char **target,
                                  const char **comp)
{
  struct doc_node *rs = doc_get(op->op, "responses");
  const char *rt = tjoin(x, op->target, "responses");
  *target = *comp = NULL;
  if(!rs || rs->kind != DOC_MAP)
    return NULL;
  size_t best = rs->n;
  int best_code = 1000;
  for(size_t i = 0; i < rs->n; i++) {
    const struct doc_node *k = rs->items[2 * i];
    int code = 0;
    if(k->kind != DOC_SCALAR || k->len != 3)
      continue;
    if(k->str[0] == '2' && (k->str[1] | 0x20) == 'x' && (k->str[2] | 0x20) == 'x')
      code = 299;
    else if(k->str[0] == '2' && k->str[1] >= '0' && k->str[1] <= '9' && k->str[2] >= '0' &&
            k->str[2] <= '9')
      code = 200 + (k->str[1] - '0') * 10 + (k->str[2] - '0');
    if(code && code < best_code) {
      best_code = code;
      best = i;
    }
  }
  if(best == rs->n)
    return NULL;
  const char *t = tjoin(x, rt, rs->items[2 * best]->str);
  struct doc_node *r = resolve(x, rs->items[2 * best + 1], t, &t, NULL);
  struct doc_node *content = r ? doc_get(r, "content") : NULL;
  if(!content || content->kind != DOC_MAP)
    return NULL;
  for(size_t i = 0; i < content->n; i++) {
    const struct doc_node *k = content->items[2 * i];
    struct doc_node *mt = content->items[2 * i + 1];
    if(k->kind != DOC_SCALAR || !strstr(k->str, "json") || mt->kind != DOC_MAP)
      continue;
    const char *st = tjoin(x, tjoin(x, tjoin(x, t, "content"), k->str), "schema");
    struct doc_node *sch = doc_get(mt, "schema");
    return sch ? resolve(x, sch, st, target, comp) : NULL;
  }
  return NULL;
}

static int is_object_schema(const struct doc_node *s)
{
  if(!s || s->kind != DOC_MAP || doc_get(s, "items"))
    return 0;
  const struct doc_node *ty = doc_get(s, "type");
  if(ty && ty->kind == DOC_SCALAR && !doc_scalar_eq(ty, "object"))
    return 0;
  const struct doc_node *pr = doc_get(s, "properties");
  return (pr && pr->kind == DOC_MAP) || doc_get(s, "allOf") || doc_scalar_eq(ty, "object");
}

/* 1 when list schema L holds S's objects (an array of S, or an object whose array property
 * at depth <= 2 is one), else 0 */
static int list_holds(struct inf *x, struct doc_node *l, const struct doc_node *s, int depth)
{
  if(!l || l->kind != DOC_MAP || depth > 2)
    return 0;
  struct doc_node *items = doc_get(l, "items");
  if(items)
    return resolve(x, items, NULL, NULL, NULL) == s;
  struct doc_node *pr = doc_get(l, "properties");
  if(!pr || pr->kind != DOC_MAP || depth == 2)
    return 0;
  for(size_t i = 0; i < pr->n; i++)
    if(list_holds(x, resolve(x, pr->items[2 * i + 1], NULL, NULL, NULL), s, depth + 1))
      return 1;
  return 0;
}

/* Property NAME of object schema S (its `properties`, or an allOf member's): 1 a scalar
 * property, 0 none, -1 one that is not scalar or that oneOf/anyOf split. *KEY: its name as
 * written (case-insensitive match when CI). */
static int prop_kind(struct inf *x, struct doc_node *s, const char *name, int ci,
                     const char **key, int depth)
{
  if(!s || s->kind != DOC_MAP || depth > 8)
    return 0;
  struct doc_node *pr = doc_get(s, "properties");
  for(size_t i = 0; pr && pr->kind == DOC_MAP && i < pr->n; i++) {
    const struct doc_node *k = pr->items[2 * i];
    if(k->kind != DOC_SCALAR || !(ci ? ieq(k->str, name) : !strcmp(k->str, name)))
      continue;
    if(key)
      *key = k->str;
    struct doc_node *p = resolve(x, pr->items[2 * i + 1], NULL, NULL, NULL);
    if(!p || p->kind != DOC_MAP)
      return -1;
    if(doc_get(p, "oneOf") || doc_get(p, "anyOf") || doc_get(p, "allOf") ||
       doc_get(p, "properties") || doc_get(p, "items"))
      return -1;
    const struct doc_node *ty = doc_get(p, "type");
    if(doc_scalar_eq(ty, "object") || doc_scalar_eq(ty, "array"))
      return -1;
    return 1;
  }
  const struct doc_node *all = doc_get(s, "allOf");
  for(size_t i = 0; all && all->kind == DOC_SEQ && i < all->n; i++) {
    int k = prop_kind(x, resolve(x, all->items[i], NULL, NULL, NULL), name, ci, key,
                      depth + 1);
    if(k)
      return k;
  }
  static const char *const split[] = { "oneOf", "anyOf" };
  for(int j = 0; j < 2; j++) {
    const struct doc_node *alts = doc_get(s, split[j]);
    for(size_t i = 0; alts && alts->kind == DOC_SEQ && i < alts->n; i++)
      if(prop_kind(x, resolve(x, alts->items[i], NULL, NULL, NULL), name, ci, NULL,
                   depth + 1))
        return -1;
  }
  return 0;
}

/* ---- reading the document ---------------------------------------------------------------- */

static struct iop *find_op(struct inf *x, const char *path, const char *method)
{
  enum cache_method m = cache_method_parse(method);
  const char *norm = normalize(x, path);
  for(size_t i = 0; norm && i < x->nops; i++)
    if(x->ops[i].method == m && !strcmp(x->ops[i].norm, norm))
      return &x->ops[i];
  return NULL;
}

static int crud_role(const struct doc_node *k)
{
  for(int r = 0; r < R_MAX; r++)
    if(doc_scalar_eq_ci(k, role_ext[r]))
      return r;
  return -1;
}

static int says_all(const struct doc_node *map)
{
  for(size_t i = 0; map && map->kind == DOC_MAP && i < map->n; i++)
    if(doc_scalar_eq_ci(map->items[2 * i], "x-flow-actions") &&
       doc_scalar_eq_ci(map->items[2 * i + 1], "all"))
      return 1;
  return 0;
}

/* a schema that may carry marks: x-flow-type, and the operations its CRUD marks use */
static void scan_schema(struct inf *x, struct doc_node *raw)
{
  struct doc_node *s = resolve(x, raw, NULL, NULL, NULL);
  for(int pass = 0; pass < 2 && s && s->kind == DOC_MAP; pass++) {
    /* a schema with x-flow-type or a CRUD mark is the author's: nothing is inferred on
     * it (a CRUD mark without x-flow-type stays the error it is) */
    int marked = doc_get_ci(s, "x-flow-type") != NULL;
    for(size_t i = 0; i < s->n; i++)
      marked |= crud_role(s->items[2 * i]) >= 0;
    if(marked) {
      if(GROW(x, x->typed, x->captyped, x->ntyped))
        return;
      x->typed[x->ntyped++] = s;
    }
    for(size_t i = 0; i < s->n; i++) {
      const struct doc_node *v = s->items[2 * i + 1];
      if(crud_role(s->items[2 * i]) < 0 || v->kind != DOC_MAP)
        continue;
      const struct doc_node *p = doc_get(v, "path"), *m = doc_get(v, "operation");
      struct iop *op = p && m && p->kind == DOC_SCALAR && m->kind == DOC_SCALAR ?
                       find_op(x, p->str, m->str) : NULL;
      if(op)
        op->used = 1;
    }
    s = pass ? NULL : resolve(x, doc_get(s, "items"), NULL, NULL, NULL);
  }
}

static void scan_content(struct inf *x, struct doc_node *holder)
{
  struct doc_node *h = resolve(x, holder, NULL, NULL, NULL);
  struct doc_node *content = h ? doc_get(h, "content") : NULL;
  for(size_t i = 0; content && content->kind == DOC_MAP && i < content->n; i++)
    if(content->items[2 * i + 1]->kind == DOC_MAP)
      scan_schema(x, doc_get(content->items[2 * i + 1], "schema"));
}

static void read_document(struct inf *x)
{
  struct doc_node *root = x->f->root;
  struct doc_node *paths = doc_get(root, "paths");
  int root_all = says_all(root);
  for(size_t i = 0; paths && paths->kind == DOC_MAP && i < paths->n && !x->oom; i++) {
    const struct doc_node *k = paths->items[2 * i];
    const char *t = tjoin(x, tjoin(x, "$", "paths"), k->str);
    struct doc_node *item = resolve(x, paths->items[2 * i + 1], t, &t, NULL);
    if(!item || item->kind != DOC_MAP || k->kind != DOC_SCALAR)
      continue;
    if(GROW(x, x->paths, x->cappaths, x->npaths))
      return;
    struct ipath *ip = &x->paths[x->npaths++];
    ip->path = k->str;
    ip->norm = normalize(x, k->str);
    ip->first = x->nops;
    ip->n = 0;
    int item_all = says_all(item);
    for(size_t j = 0; j < item->n; j++) {
      const struct doc_node *mk = item->items[2 * j];
      struct doc_node *op = item->items[2 * j + 1];
      enum cache_method m = mk->kind == DOC_SCALAR ? cache_method_parse(mk->str) : 0;
      if(!m || op->kind != DOC_MAP)
        continue;
      if(GROW(x, x->ops, x->capops, x->nops))
        return;
      struct iop *o = &x->ops[x->nops++];
      memset(o, 0, sizeof(*o));
      o->path = k->str;
      o->norm = ip->norm;
      o->method_key = mk->str;
      o->method = m;
      o->op = op;
      o->target = tjoin(x, t, mk->str);
      const struct doc_node *id = doc_get(op, "operationId");
      o->opid = id && id->kind == DOC_SCALAR ? id->str : NULL;
      o->all = root_all || item_all;
      ip->n++;
    }
  }
  /* explicit marks on operations */
  for(size_t i = 0; i < x->nops && !x->oom; i++) {
    struct iop *o = &x->ops[i];
    for(size_t j = 0; j < o->op->n; j++) {
      const struct doc_node *k = o->op->items[2 * j];
      int r = crud_role(k);
      if(doc_scalar_eq_ci(k, "x-flow-action"))
        o->marked = 1;
      if(r < 0)
        continue;
      o->marked = o->used = 1;
      const char *t, *c;
      const struct doc_node *s = ok_schema(x, o, &t, &c);
      if(s && !GROW(x, x->opcrud, x->capopcrud, x->nopcrud)) {
        x->opcrud[x->nopcrud].schema = s;
        x->opcrud[x->nopcrud++].role = r;
      }
    }
  }
  /* explicit marks on schemas: the places compile.c visits */
  struct doc_node *comp = doc_get(root, "components");
  struct doc_node *schemas = comp ? doc_get(comp, "schemas") : NULL;
  for(size_t i = 0; schemas && schemas->kind == DOC_MAP && i < schemas->n; i++)
    scan_schema(x, schemas->items[2 * i + 1]);
  for(size_t i = 0; i < x->nops && !x->oom; i++) {
    struct doc_node *op = x->ops[i].op;
    scan_content(x, doc_get(op, "requestBody"));
    struct doc_node *rs = doc_get(op, "responses");
    for(size_t j = 0; rs && rs->kind == DOC_MAP && j < rs->n; j++)
      scan_content(x, rs->items[2 * j + 1]);
  }
}

static int typed(const struct inf *x, const struct doc_node *s)
{
  for(size_t i = 0; i < x->ntyped; i++)
    if(x->typed[i] == s)
      return 1;
  return 0;
}

static int excluded(const struct inf *x, const struct doc_node *s)
{
  for(size_t i = 0; i < x->nexcl; i++)
    if(x->excl[i] == s)
      return 1;
  return 0;
}

static int opcrud_claims(const struct inf *x, const struct doc_node *s, int role)
{
  for(size_t i = 0; i < x->nopcrud; i++)
    if(x->opcrud[i].schema == s && x->opcrud[i].role == role)
      return 1;
  return 0;
}

static struct iop *path_op(struct inf *x, const struct ipath *p, enum cache_method m)
{
  for(size_t i = 0; i < p->n; i++)
    if(x->ops[p->first + i].method == m)
      return &x->ops[p->first + i];
  return NULL;
}

/* the {names} of PATH, in order (arena) */
static size_t templates(struct inf *x, const char *path, const char ***out)
{
  size_t n = 0;
  for(const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{'))
    n++;
  const char **v = arena_alloc(x->a, (n ? n : 1) * sizeof(*v));
  if(!v) {
    x->oom = 1;
    return 0;
  }
  n = 0;
  for(const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
    const char *e = strchr(p, '}');
    if(!e)
      break;
    v[n] = arena_strndup(x->a, p + 1, (size_t)(e - p - 1));
    if(!v[n]) {
      x->oom = 1;
      return 0;
    }
    n++;
  }
  *out = v;
  return n;
}

/* The pair (COLL, ITEM): its operations, its type, whether it yields it. */
static void make_pair(struct inf *x, struct ipath *coll, struct ipath *item)
{
  if(GROW(x, x->pairs, x->cappairs, x->npairs))
    return;
  struct ipair *p = &x->pairs[x->npairs++];
  memset(p, 0, sizeof(*p));
  p->coll = coll;
  p->item = item;
  p->role[R_QUERY] = path_op(x, coll, M_GET);
  p->role[R_SAVE] = path_op(x, coll, M_POST);
  p->role[R_LOAD] = path_op(x, item, M_GET);
  p->role[R_DELETE] = path_op(x, item, M_DELETE);
  struct iop *patch = path_op(x, item, M_PATCH), *put = path_op(x, item, M_PUT);
  p->role[R_UPDATE] = patch ? patch : put;
  p->update_rule = patch ? "PATCH P/{id} -> x-flow-update" :
                   "PUT P/{id} -> x-flow-update (no PATCH)";
  if(patch && put) {
    const char *vp = infer_verb(patch->opid), *vu = infer_verb(put->opid);
    if(vp && vu && !strcmp(vp, "replace") && !strcmp(vu, "update")) {
      p->role[R_UPDATE] = put;
      p->other_update = patch;
      p->update_rule = "PUT P/{id} -> x-flow-update (operationId verbs: PUT says update, "
                       "PATCH says replace)";
    }
    else {
      p->other_update = put;
      p->update_rule = "PATCH P/{id} -> x-flow-update (PATCH preferred over PUT)";
    }
  }
  if(!p->role[R_LOAD])
    return;
  const char *comp, *t;
  struct doc_node *s = ok_schema(x, p->role[R_LOAD], &t, &comp);
  if(!is_object_schema(s) || !t)
    return;
  p->schema = s;
  p->schema_target = t;
  if(comp)
    p->name = comp;
  else {
    /* inline: the last static segment of P, singular */
    const char *seg = NULL;
    size_t len = 0;
    for(const char *q = coll->path; *q;) {
      while(*q == '/')
        q++;
      const char *e = strchr(q, '/');
      size_t n = e ? (size_t)(e - q) : strlen(q);
      if(n && !memchr(q, '{', n)) {
        seg = q;
        len = n;
      }
      q += n;
    }
    if(!seg)
      return;
    p->name = infer_singular(x->a, seg, len);
    if(!p->name) {
      x->oom = 1;
      return;
    }
  }
  /* the list's items and the create schema must be the item schema */
  if(p->role[R_QUERY]) {
    const char *lt, *lc;
    struct doc_node *l = ok_schema(x, p->role[R_QUERY], &lt, &lc);
    if(l && !list_holds(x, l, s, 0))
      return;
    if(!l)
      p->role[R_QUERY] = NULL;          /* no JSON list: left to actions */
  }
  if(p->role[R_SAVE]) {
    const char *ct, *cc;
    struct doc_node *c = ok_schema(x, p->role[R_SAVE], &ct, &cc);
    if(c && c != s)
      return;
    if(!c)
      p->role[R_SAVE] = NULL;
  }
  /* parents: scalar properties of the item schema */
  const char **ip, **cp;
  size_t ni = templates(x, item->path, &ip), nc = templates(x, coll->path, &cp);
  if(x->oom || ni != nc + 1)
    return;
  p->parents = ip;
  p->coll_parents = cp;
  p->nparents = nc;
  p->composite = nc > 0;
  for(size_t i = 0; i < nc; i++)
    if(prop_kind(x, s, ip[i], 0, NULL, 0) != 1 || prop_kind(x, s, cp[i], 0, NULL, 0) != 1)
      return;
  /* the ID property: `id` (any case, the default rule), else the item parameter's name */
  const char *key = NULL;
  if(prop_kind(x, s, "id", 1, &key, 0) == 1)
    p->id_prop = key;
  else if(prop_kind(x, s, ip[nc], 0, &key, 0) == 1) {
    p->id_prop = key;
    p->id_explicit = 1;
  }
  if(p->composite) {
    if(!p->id_prop)
      return;
    for(size_t i = 0; i < nc; i++)
      if(!strcmp(ip[i], p->id_prop))
        return;
    p->id_explicit = 1;
  }
  for(int r = 0; r < R_MAX; r++)
    p->score += verb_fits(p->role[r], (enum role)r);
  p->ok = 1;
}

static void find_pairs(struct inf *x)
{
  for(size_t i = 0; i < x->npaths && !x->oom; i++) {
    struct ipath *q = &x->paths[i];
    const char *n = q->norm;
    size_t len = strlen(n);
    if(len < 4 || strcmp(n + len - 3, "/{}"))
      continue;
    for(size_t j = 0; j < x->npaths; j++) {
      const char *pn = x->paths[j].norm;
      if(j != i && strlen(pn) == len - 3 && !strncmp(pn, n, len - 3)) {
        make_pair(x, &x->paths[j], q);
        break;
      }
    }
  }
  /* several pairs, one type: the shortest path wins, then the operationId verbs, then
   * lexical order; the others are left to actions, with a warning */
  for(size_t i = 0; i < x->npairs; i++) {
    struct ipair *p = &x->pairs[i];
    if(!p->ok)
      continue;
    struct ipair *w = p;
    for(size_t j = 0; j < x->npairs; j++) {
      struct ipair *q = &x->pairs[j];
      if(!q->ok || q->schema != p->schema || q == w)
        continue;
      size_t lw = strlen(w->item->path), lq = strlen(q->item->path);
      if(lq < lw || (lq == lw && (q->score > w->score ||
                                  (q->score == w->score && strcmp(q->item->path,
                                                                  w->item->path) < 0))))
        w = q;
    }
    p->winner = w == p;
    /* the warning names the rule that decided: the length, else the verbs, else lexical */
    const char *why = strlen(w->item->path) < strlen(p->item->path) ? "the shortest path" :
                      w->score > p->score ? "paths of the same length: the operationIds "
                                            "that fit their roles" :
                      "paths of the same length: lexical order";
    if(!p->winner && !typed(x, p->schema))
      diag_node(x->d, DIAG_WARNING, p->role[R_LOAD]->op, "--infer: paths %s and %s both "
                "yield type '%s': %s wins (%s), the operations of %s and %s "
                "%s", w->coll->path, p->coll->path, p->name, w->coll->path, why,
                p->coll->path, p->item->path, x->o->infer == INFER_ALL ?
                "are left to actions" : "stay unmarked (--infer=crud)");
  }
}

/* ---- marks ------------------------------------------------------------------------------- */

static struct doc_node *scalar(struct inf *x, const char *str, int quoted, unsigned line)
{
  struct doc_node *n = doc_new_scalar(x->s, str, strlen(str), quoted, x->syn, line, 1);
  if(!n)
    x->oom = 1;
  return n;
}

static struct doc_node *map(struct inf *x, unsigned line)
{
  struct doc_node *n = doc_new_node(x->s, DOC_MAP, x->syn, line, 1);
  if(!n)
    x->oom = 1;
  return n;
}

static void put(struct inf *x, struct doc_node *m, const char *k, struct doc_node *v)
{
  struct doc_node *key = m && v ? scalar(x, k, 0, m->line) : NULL;
  if(!key || doc_map_set(x->s, m, key, v))
    x->oom = 1;
}

static struct doc_node *prop_ref(struct inf *x, const char *name, unsigned line)
{
  struct doc_node *m = map(x, line);
  put(x, m, "property", scalar(x, name, 1, line));
  return m;
}

static struct mark *new_mark(struct inf *x, enum mark_kind kind, struct doc_node *host,
                             const char *key, const char *target, size_t unit)
{
  if(GROW(x, x->marks, x->capmarks, x->nmarks))
    return NULL;
  struct mark *k = &x->marks[x->nmarks++];
  memset(k, 0, sizeof(*k));
  k->kind = kind;
  k->host = host;
  k->target = target;
  k->unit = unit;
  k->key = scalar(x, key, 0, (unsigned)x->nmarks);
  return k;
}

static void type_marks(struct inf *x, struct ipair *p)
{
  int any = 0;
  for(int r = 0; r < R_MAX; r++) {
    struct iop *o = p->role[r];
    if(o && !o->marked && !o->used && !o->excl_crud && !opcrud_claims(x, p->schema, r))
      any = 1;
  }
  if(!any)
    return;
  size_t unit = x->nunits++;
  struct mark *t = new_mark(x, MK_TYPE, p->schema, "x-flow-type", p->schema_target, unit);
  if(!t)
    return;
  unsigned line = (unsigned)x->nmarks;
  t->schema = p->schema;
  t->type_name = p->name;
  t->where = p->schema;
  t->val = map(x, line);
  put(x, t->val, "name", scalar(x, p->name, 1, line));
  if(p->composite) {
    struct doc_node *seq = doc_new_node(x->s, DOC_SEQ, x->syn, line, 1);
    for(size_t i = 0; seq && i < p->nparents; i++)
      if(doc_seq_append(x->s, seq, scalar(x, p->parents[i], 1, line)))
        x->oom = 1;
    if(!seq || doc_seq_append(x->s, seq, scalar(x, p->id_prop, 1, line)))
      x->oom = 1;
    put(x, t->val, "externalId", seq);
  }
  else if(p->id_explicit)
    put(x, t->val, "externalId", scalar(x, p->id_prop, 1, line));
  t->rule = arena_printf(x->a, "§15.3: type '%s' from the 2xx schema of GET %s (%s), which "
                         "the list, item and create schemas agree on%s", p->name,
                         p->item->path, p->schema_target, p->composite ?
                         "; sub-collection: composite external ID, the parent properties "
                         "then the item's ID property (§13.9)" : "");
  for(int r = 0; r < R_MAX && !x->oom; r++) {
    struct iop *o = p->role[r];
    if(!o || o->marked || o->used || o->excl_crud || opcrud_claims(x, p->schema, r))
      continue;
    struct mark *k = new_mark(x, MK_CRUD, p->schema, role_ext[r], p->schema_target, unit);
    if(!k)
      return;
    line = (unsigned)x->nmarks;
    k->role = (enum role)r;
    k->op = o;
    k->schema = p->schema;
    k->type_name = p->name;
    k->where = o->op;
    k->val = map(x, line);
    put(x, k->val, "path", scalar(x, o->path, 1, line));
    put(x, k->val, "operation", scalar(x, o->method_key, 1, line));
    struct doc_node *ps = map(x, line);
    int on_coll = r == R_QUERY || r == R_SAVE;
    const char **names = on_coll ? p->coll_parents : p->parents;
    /* the parent parameters: each bound to the item property of its name */
    if(r == R_QUERY && p->nparents) {
      struct doc_node *w = map(x, line);
      for(size_t i = 0; i < p->nparents; i++)
        put(x, w, names[i], scalar(x, names[i], 1, line));
      put(x, ps, "where", w);
    }
    else
      for(size_t i = 0; i < p->nparents; i++)
        put(x, ps, names[i], prop_ref(x, names[i], line));
    if(!on_coll)                        /* the item parameter: the (composite) ID */
      put(x, ps, p->parents[p->nparents], p->composite ? prop_ref(x, p->id_prop, line) :
          scalar(x, "externalId", 1, line));
    if(ps && ps->n)
      put(x, k->val, "parameters", ps);
    o->crud_now = 1;
    static const char *const base[R_MAX] = { "GET P -> x-flow-query", "GET P/{id} -> "
                                             "x-flow-load", "POST P -> x-flow-save", NULL,
                                             "DELETE P/{id} -> x-flow-delete" };
    k->rule = arena_printf(x->a, "§15.3: %s of type '%s' (P = %s)%s", r == R_UPDATE ?
                           p->update_rule : base[r], p->name, p->coll->path, p->nparents ?
                           "; the parent parameters bound to the item properties of the "
                           "same name" : "");
  }
}

static void plan(struct inf *x)
{
  x->nmarks = 0;
  x->nunits = 0;
  for(size_t i = 0; i < x->nops; i++)
    x->ops[i].crud_now = 0;
  for(size_t i = 0; i < x->npairs && !x->oom; i++) {
    struct ipair *p = &x->pairs[i];
    if(p->ok && p->winner && !typed(x, p->schema) && !excluded(x, p->schema))
      type_marks(x, p);
  }
  if(x->o->infer != INFER_ALL)
    return;
  for(size_t i = 0; i < x->nops && !x->oom; i++) {
    struct iop *o = &x->ops[i];
    if(o->crud_now || o->marked || o->used || o->all || o->excl_action || !o->target)
      continue;
    struct mark *k = new_mark(x, MK_ACTION, o->op, "x-flow-action", o->target, x->nunits++);
    if(!k)
      return;
    k->op = o;
    k->where = o->op;
    k->val = scalar(x, "true", 0, (unsigned)x->nmarks);
    k->rule = arena_printf(x->a, "§15.3/§14.1: %s %s, which no CRUD mark uses, becomes an "
                           "action", cache_method_name(o->method), o->path);
  }
}

static void apply(struct inf *x, size_t units)
{
  for(size_t i = 0; i < x->nmarks && !x->oom; i++) {
    struct mark *k = &x->marks[i];
    if(k->in_tree || k->unit >= units)
      continue;
    if(doc_get_ci(k->host, k->key->str))
      continue;                         /* written meanwhile (never replaced) */
    if(doc_map_set(x->s, k->host, k->key, k->val))
      x->oom = 1;
    else
      k->in_tree = 1;
  }
}

static void take_out(struct inf *x)
{
  for(size_t i = x->nmarks; i-- > 0;) {
    struct mark *k = &x->marks[i];
    if(!k->in_tree)
      continue;
    for(size_t j = 0; j < k->host->n; j++)
      if(k->host->items[2 * j] == k->key) {
        doc_map_remove_at(x->s, k->host, j);
        break;
      }
    k->in_tree = 0;
  }
}

/* ---- trial compiles ------------------------------------------------------------------- */

struct trial {
  unsigned errors, attributed;
  char *first;                  /* the first error's message (oac heap) */
};

static enum oac_result trial(struct inf *x, struct trial *t)
{
  struct diag q;
  struct model m;
  memset(t, 0, sizeof(*t));
  diag_init(&q, NULL);
  q.max_errors = 1000000;
  model_init(&m);
  struct diag *saved = x->s->diag;
  x->s->diag = &q;
  enum oac_result r = compile_loaded(x->o, x->s, x->f, &q, &m);
  x->s->diag = saved;
  x->trials++;
  model_free(&m);
  if(r == OAC_ENOMEM) {
    diag_free(&q);
    return r;
  }
  if(buf_failed(&q.text)) {             /* the errors' positions are lost with it */
    diag_free(&q);
    return OAC_ENOMEM;
  }
  t->errors = q.errors;
  if(!q.errors && r)
    t->errors = 1;                      /* an I/O failure, say */
  size_t plen = strlen(INFERRED_FILE);
  for(char *line = q.text.data, *nl; line && *line; line = nl ? nl + 1 : NULL) {
    nl = strchr(line, '\n');
    char *e = strstr(line, ": error: ");
    if(!e || (nl && e > nl))
      continue;
    size_t mlen = (size_t)((nl ? nl : line + strlen(line)) - (e + 9));
    if(!t->first) {
      t->first = oac_malloc(mlen + 1);
      if(t->first) {
        memcpy(t->first, e + 9, mlen);
        t->first[mlen] = '\0';
      }
    }
    if(strncmp(line, INFERRED_FILE ":", plen + 1))
      continue;
    unsigned long id = strtoul(line + plen + 1, NULL, 10);
    if(id < 1 || id > x->nmarks)
      continue;
    struct mark *k = &x->marks[id - 1];
    t->attributed++;
    if(!k->failed) {
      k->failed = 1;
      k->reason = arena_strndup(x->a, e + 9, mlen);
    }
  }
  diag_free(&q);
  return OAC_OK;
}

static const char *kind_word(const struct mark *k)
{
  return k->kind == MK_TYPE ? "x-flow-type" : k->kind == MK_ACTION ? "x-flow-action" :
         role_ext[k->role];
}

/* exclude mark K from the next plans, with a warning naming its rule */
static void exclude(struct inf *x, struct mark *k, const char *reason)
{
  if(k->kind == MK_TYPE) {
    if(!GROW(x, x->excl, x->capexcl, x->nexcl))
      x->excl[x->nexcl++] = k->schema;
  }
  else if(k->kind == MK_CRUD)
    k->op->excl_crud = 1;
  else
    k->op->excl_action = 1;
  if(k->kind == MK_ACTION)
    diag_node(x->d, DIAG_WARNING, k->where, "--infer: %s %s is not made an action: %s "
              "(rule %s)", cache_method_name(k->op->method), k->op->path,
              reason ? reason : "it fails a compile check", k->rule);
  else if(k->kind == MK_TYPE)
    diag_node(x->d, DIAG_WARNING, k->where, "--infer: type '%s' is not inferred: %s (rule "
              "%s); its operations are left to actions", k->type_name,
              reason ? reason : "it fails a compile check", k->rule);
  else
    diag_node(x->d, DIAG_WARNING, k->where, "--infer: %s of type '%s' (%s %s) is dropped: "
              "%s (rule %s)", kind_word(k), k->type_name, cache_method_name(k->op->method),
              k->op->path, reason ? reason : "it fails a compile check", k->rule);
}

/* Plan, apply and try until a trial compile has no error the marks cause. */
static enum oac_result settle(struct inf *x)
{
  struct trial t;
  enum oac_result r;
  for(;;) {
    plan(x);
    apply(x, x->nunits);
    if(x->oom)
      return OAC_ENOMEM;
    if(!x->nmarks)
      return OAC_OK;
    if(x->trials >= MAX_TRIALS)
      break;
    if((r = trial(x, &t)))
      return r;
    if(!t.errors) {
      oac_free(t.first);
      return OAC_OK;
    }
    if(t.attributed) {
      oac_free(t.first);
      for(size_t i = 0; i < x->nmarks; i++) {
        struct mark *k = &x->marks[i];
        if(!k->failed)
          continue;
        /* a type that failed takes its CRUD marks along: said once, for the type */
        int type_failed = 0;
        for(size_t j = 0; k->kind == MK_CRUD && j < x->nmarks; j++)
          type_failed |= x->marks[j].kind == MK_TYPE && x->marks[j].unit == k->unit &&
                         x->marks[j].failed;
        if(type_failed)
          k->op->excl_crud = 1;
        else
          exclude(x, k, k->reason);
      }
      take_out(x);
      continue;
    }
    /* errors at no inferred position: the document's own, or the marks' effect elsewhere */
    oac_free(t.first);
    take_out(x);
    struct trial base;
    if((r = trial(x, &base)))
      return r;
    oac_free(base.first);
    if(base.errors) {
      apply(x, x->nunits);              /* the document's own errors: the compile says them */
      return x->oom ? OAC_ENOMEM : OAC_OK;
    }
    size_t lo = 0, hi = x->nunits;      /* prefix lo compiles, prefix hi does not */
    char *why = NULL;
    while(hi - lo > 1 && x->trials < MAX_TRIALS) {
      size_t mid = lo + (hi - lo) / 2;
      apply(x, mid);
      if((r = trial(x, &t))) {
        oac_free(why);
        return r;
      }
      take_out(x);
      if(t.errors) {
        hi = mid;
        oac_free(why);
        why = t.first;
      }
      else {
        lo = mid;
        oac_free(t.first);
      }
    }
    if(hi - lo > 1) {
      oac_free(why);
      break;
    }
    for(size_t i = 0; i < x->nmarks; i++)
      if(x->marks[i].unit == lo && (x->marks[i].kind != MK_CRUD)) {
        exclude(x, &x->marks[i], why ? why : "the compile fails with it");
        break;
      }
    oac_free(why);
  }
  /* out of trials: nothing is inferred */
  take_out(x);
  diag_at(x->d, DIAG_WARNING, x->f->name, 1, 1, "--infer: gave up after %u trial compiles: "
          "no mark is inferred", x->trials);
  x->nmarks = 0;
  return OAC_OK;
}

/* ---- after the compile ---------------------------------------------------------------- */

static int inferred_key(const struct doc_node *map, const char *key, const struct doc_file *f)
{
  for(size_t i = 0; map && map->kind == DOC_MAP && i < map->n; i++)
    if(doc_scalar_eq_ci(map->items[2 * i], key) && map->items[2 * i]->file == f)
      return 1;
  return 0;
}

static void flag_model(struct inf *x, struct model *m)
{
  for(size_t i = 0; i < m->ntypes; i++)
    if(inferred_key(m->types[i].schema, "x-flow-type", x->syn))
      m->types[i].flags |= CT_F_INFERRED;
  for(size_t i = 0; i < m->nactions; i++)
    if(inferred_key(m->actions[i].plan.operation, "x-flow-action", x->syn))
      m->actions[i].flags = (m->actions[i].flags & ~CA_F_EXPLICIT) | CA_F_INFERRED;
}

static int plain_key(const char *s)
{
  static const char *const words[] = { "true", "false", "null", "yes", "no", "on", "off",
                                       "y", "n" };
  if(!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
    return 0;                           /* a number, "-", "$", "~", "": quoted */
  for(size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if(ieq(s, words[i]))
      return 0;                         /* YAML would read a bool or null */
  for(; *s; s++)
    if(!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
         *s == '-' || *s == '_'))
      return 0;
  return 1;
}

static void emit_node(struct buf *b, const struct doc_node *n, unsigned indent)
{
  if(n->kind == DOC_SCALAR) {
    if(n->quoted)
      infer_yaml_quoted(b, n->str, n->len);
    else
      buf_append(b, n->str, n->len);
    return;
  }
  if(n->kind == DOC_SEQ) {
    buf_putc(b, '[');
    for(size_t i = 0; i < n->n; i++) {
      buf_puts(b, i ? ", " : "");
      emit_node(b, n->items[i], indent);
    }
    buf_putc(b, ']');
    return;
  }
  if(!n->n)
    buf_puts(b, "{}");
  for(size_t i = 0; i < n->n; i++) {
    const struct doc_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
    buf_printf(b, "\n%*s", (int)indent, "");
    if(plain_key(k->str))
      buf_puts(b, k->str);
    else
      infer_yaml_quoted(b, k->str, k->len);
    buf_putc(b, ':');
    if(v->kind != DOC_MAP || !v->n)
      buf_putc(b, ' ');
    emit_node(b, v, indent + 2);
  }
}

static enum oac_result emit(struct inf *x, const struct model *m)
{
  struct buf b;
  buf_init(&b);
  buf_printf(&b, "# Marks inferred by openapi-connector-compile --infer%s from %s\n"
             "# (product.md §15.3). Review and edit them, then compile with\n"
             "#   openapi-connector-compile --overlay THIS_FILE %s\n"
             "# (without --infer) for the same describe, plans and examples.\n"
             "overlay: 1.1.0\ninfo:\n  title: ", x->o->infer == INFER_CRUD ? "=crud" : "",
             x->o->source, x->o->source);
  const char *title = arena_printf(x->a, "Marks inferred for %s", m->title ? m->title :
                                   x->o->source);
  infer_yaml_quoted(&b, title ? title : "", title ? strlen(title) : 0);
  buf_puts(&b, "\n  version: \"1.0.0\"\nactions:");
  size_t n = 0;
  for(size_t i = 0; i < x->nmarks; i++) {
    const struct mark *k = &x->marks[i];
    if(!k->in_tree)
      continue;
    n++;
    buf_puts(&b, "\n  - target: ");
    infer_yaml_quoted(&b, k->target, strlen(k->target));
    buf_puts(&b, "\n    description: ");
    infer_yaml_quoted(&b, k->rule ? k->rule : "", k->rule ? strlen(k->rule) : 0);
    buf_puts(&b, "\n    update:\n      ");
    buf_puts(&b, k->key->str);
    buf_putc(&b, ':');
    if(k->val->kind != DOC_MAP)
      buf_putc(&b, ' ');
    emit_node(&b, k->val, 8);
  }
  if(!n)   /* an overlay needs one action: one that changes nothing */
    buf_puts(&b, "\n  - target: \"$\"\n    description: \"nothing was inferred (every "
             "operation is marked, used by a mark, or fits no rule): this action changes "
             "nothing\"\n    update: {}");
  buf_putc(&b, '\n');
  if(buf_failed(&b)) {
    buf_free(&b);
    return OAC_ENOMEM;
  }
  FILE *f = fopen(x->o->emit_overlay, "w");
  int ok = f && fwrite(b.data, 1, b.len, f) == b.len;
  int err = errno;
  if(f && fclose(f))
    ok = 0;
  if(!ok)
    diag_at(x->d, DIAG_ERROR, x->o->emit_overlay, 0, 0, "--emit-overlay: cannot write: %s",
            strerror(err));
  else if(!n)
    diag_at(x->d, DIAG_WARNING, x->o->emit_overlay, 0, 0, "--emit-overlay: nothing was "
            "inferred, the overlay's one action changes nothing");
  buf_free(&b);
  return ok ? OAC_OK : OAC_EIO;
}

enum oac_result infer_compile(const struct compile_opts *o, struct doc_set *s,
                              struct doc_file *f, struct diag *d, struct model *m)
{
  struct inf x;
  memset(&x, 0, sizeof(x));
  x.o = o;
  x.s = s;
  x.f = f;
  x.d = d;
  x.a = &s->arena;
  x.syn = doc_file_synthetic(s, INFERRED_FILE);
  enum oac_result r = x.syn ? OAC_OK : OAC_ENOMEM;
  struct diag q;                        /* reading the document: $ref errors are the
                                         * compile's to report */
  diag_init(&q, NULL);
  if(!r && f->root && f->root->kind == DOC_MAP) {
    s->diag = &q;
    read_document(&x);
    find_pairs(&x);
    s->diag = d;
    r = x.oom ? OAC_ENOMEM : settle(&x);
  }
  diag_free(&q);
  s->failed = NULL;     /* what failed to load in the trials is loaded (and said) again */
  if(!r)
    r = compile_loaded(o, s, f, d, m);
  if(!r) {
    flag_model(&x, m);
    if(o->emit_overlay)
      r = emit(&x, m);
  }
  oac_free(x.ops);
  oac_free(x.paths);
  oac_free(x.pairs);
  oac_free(x.typed);
  oac_free(x.opcrud);
  oac_free(x.excl);
  oac_free(x.marks);
  return r;
}
