/* types.c - type generation, product.md §6.1.
 *
 * Called by the OpenAPI walk (compile.c) for every schema that carries x-flow-type, and
 * recursively for what those schemas contain: nested undecorated objects become helper
 * types "<Parent>:<property>", arrays of scalars become ID/Value helper types, oneOf/anyOf
 * properties are split into one property per alternative, allOf parts are merged, and a
 * schema that refers back to an ancestor reuses the ancestor's type.
 */
#include <string.h>
#include "types.h"
#include "../common/hash.h"
#include "../common/mem.h"

/* product.md §6.1: at most this many types per document, helper types included. */
#define MAX_TYPES 20000u

enum shape { SH_SCALAR, SH_OBJECT, SH_FREEFORM, SH_ARRAY, SH_ALTERNATIVES, SH_DECORATED,
             SH_ANY };

static enum oac_result grow_names(struct cctx *c)
{
  size_t cap = c->nnames_cap ? c->nnames_cap * 2 : 256;
  struct name_slot *n = oac_calloc(cap, sizeof(*n));
  if(!n)
    return OAC_ENOMEM;
  for(size_t i = 0; i < c->nnames_cap; i++) {
    if(!c->names[i].name)
      continue;
    size_t j = oac_hash64(c->names[i].name, strlen(c->names[i].name), 0) & (cap - 1);
    while(n[j].name)
      j = (j + 1) & (cap - 1);
    n[j] = c->names[i];
  }
  oac_free(c->names);
  c->names = n;
  c->nnames_cap = cap;
  return OAC_OK;
}

enum oac_result types_claim_name(struct cctx *c, const char *name, int t,
                                 const struct doc_node *at)
{
  if((c->nnames + 1) * 2 > c->nnames_cap && grow_names(c)) {
    cc_oom(c);
    return OAC_ENOMEM;
  }
  size_t j = oac_hash64(name, strlen(name), 0) & (c->nnames_cap - 1);
  while(c->names[j].name) {
    if(!strcmp(c->names[j].name, name)) {
      const struct model_type *other = &c->m->types[c->names[j].type];
      diag_node(c->diag, DIAG_ERROR, at, "type name '%s' is already used by the schema at %s",
                name, other->where ? other->where : "?");
      return OAC_EDOC;
    }
    j = (j + 1) & (c->nnames_cap - 1);
  }
  c->names[j].name = name;
  c->names[j].type = t;
  c->nnames++;
  return OAC_OK;
}

static int find_decorated(struct cctx *c, const struct doc_node *schema)
{
  for(size_t i = 0; i < c->ndecorated; i++)
    if(c->decorated[i].schema == schema)
      return c->decorated[i].type;
  return -1;
}

static enum oac_result remember_decorated(struct cctx *c, const struct doc_node *schema, int t)
{
  if(c->ndecorated == c->cap_decorated) {
    size_t cap = c->cap_decorated ? c->cap_decorated * 2 : 64;
    struct schema_slot *n = oac_realloc(c->decorated, cap * sizeof(*n));
    if(!n)
      return OAC_ENOMEM;
    c->decorated = n;
    c->cap_decorated = cap;
  }
  c->decorated[c->ndecorated].schema = schema;
  c->decorated[c->ndecorated].type = t;
  c->ndecorated++;
  return OAC_OK;
}

/* The type limit of product.md §6.1, checked before every new type (decorated or helper).
 * Past it: one error at AT naming the limit and the counts so far, and the compile stops
 * (c->fatal = OAC_ELIMIT; compile_document returns OAC_EDOC). Returns OAC_ELIMIT when hit. */
static enum oac_result type_limit(struct cctx *c, const struct doc_node *at)
{
  if(c->m->ntypes < MAX_TYPES)
    return OAC_OK;
  if(c->fatal != OAC_ELIMIT) {
    size_t helpers = 0;
    for(size_t i = 0; i < c->m->ntypes; i++)
      if(c->m->types[i].flags & CT_F_HELPER)
        helpers++;
    diag_node(c->diag, DIAG_ERROR, at, "more than %u types (the limit per document, helper "
              "types included; %zu decorated and %zu helper types so far): add x-flow-type "
              "to nested schemas that are shared, so each becomes one type", MAX_TYPES,
              c->m->ntypes - helpers, helpers);
  }
  c->fatal = OAC_ELIMIT;
  return OAC_ELIMIT;
}

const char *types_schema_type(const struct doc_node *s)
{
  const struct doc_node *t = s ? doc_get(s, "type") : NULL;
  if(!t)
    return NULL;
  if(t->kind == DOC_SCALAR)
    return t->str;
  if(t->kind == DOC_SEQ) {
    for(size_t i = 0; i < t->n; i++)
      if(t->items[i]->kind == DOC_SCALAR && strcmp(t->items[i]->str, "null"))
        return t->items[i]->str;
  }
  return NULL;
}

static int is_nonempty_seq(const struct doc_node *n)
{
  return n && n->kind == DOC_SEQ && n->n > 0;
}

#define MAX_WRAPPERS 16u

/* allOf with a single part and nothing else of substance is a wrapper around that part
 * (a common way to add nullable/description to a $ref). Returns the unwrapped schema. A
 * wrapper that wraps itself (a cycle) stays as it is; more than MAX_WRAPPERS nested
 * wrappers are an error (returns NULL), not a schema read as the wrong shape. */
static const struct doc_node *unwrap(struct cctx *c, const struct doc_node *s)
{
  const struct doc_node *seen[MAX_WRAPPERS + 1];
  for(unsigned n = 0; s; n++) {
    const struct doc_node *all = doc_get(s, "allOf");
    if(!all || all->kind != DOC_SEQ || all->n != 1 || doc_get(s, "properties") ||
       doc_get_ci(s, "x-flow-type"))
      return s;
    for(unsigned i = 0; i < n; i++)
      if(seen[i] == s)
        return s;
    if(n == MAX_WRAPPERS) {
      diag_node(c->diag, DIAG_ERROR, s, "allOf wrappers (one part) nested deeper than %u "
                "levels", MAX_WRAPPERS);
      return NULL;
    }
    seen[n] = s;
    s = cc_resolve(c, all->items[0]);
  }
  return s;
}

static enum shape classify(const struct doc_node *s)
{
  if(!s || s->kind != DOC_MAP)
    return SH_ANY;
  if(doc_get_ci(s, "x-flow-type"))
    return SH_DECORATED;
  if(is_nonempty_seq(doc_get(s, "oneOf")) || is_nonempty_seq(doc_get(s, "anyOf")))
    return SH_ALTERNATIVES;
  const char *type = types_schema_type(s);
  const struct doc_node *props = doc_get(s, "properties");
  int has_props = (props && props->kind == DOC_MAP && props->n > 0) ||
                  is_nonempty_seq(doc_get(s, "allOf"));
  if((type && !strcmp(type, "object")) ||
     (!type && (props || doc_get(s, "allOf") || doc_get(s, "additionalProperties"))))
    return has_props ? SH_OBJECT : SH_FREEFORM;
  if((type && !strcmp(type, "array")) || (!type && doc_get(s, "items")))
    return SH_ARRAY;
  if(type && (!strcmp(type, "string") || !strcmp(type, "integer") ||
              !strcmp(type, "number") || !strcmp(type, "boolean")))
    return SH_SCALAR;
  if(!type && doc_get(s, "enum"))
    return SH_SCALAR;
  return SH_ANY;
}

static void scalar_prop(struct cctx *c, const struct doc_node *s, struct model_prop *p)
{
  const char *type = types_schema_type(s);
  const struct doc_node *fmt = doc_get(s, "format");
  const char *format = fmt && fmt->kind == DOC_SCALAR && fmt->len ? fmt->str : NULL;
  if(!type)
    type = "string";   /* enum without a type */
  p->ctype = CT_STRING;
  if(!strcmp(type, "string")) {
    if(format && (!strcmp(format, "date-time") || !strcmp(format, "date"))) {
      p->ctype = CT_DATETIME;
      if(!strcmp(format, "date"))
        p->flags |= CP_DATE;
    }
    else if(format && !strcmp(format, "password"))
      p->ctype = CT_PASSWORD;
  }
  else if(!strcmp(type, "integer")) {
    p->ctype = CT_NUMBER;
    p->flags |= CP_INTEGER;
  }
  else if(!strcmp(type, "number"))
    p->ctype = CT_NUMBER;
  else if(!strcmp(type, "boolean"))
    p->ctype = CT_BOOLEAN;
  p->db_type = format ? arena_printf(c->a, "%s/%s", type, format) : type;
  if(!p->db_type)
    cc_oom(c);
}

static int ancestor_type(struct cctx *c, const struct doc_node *s)
{
  for(unsigned i = c->depth; i-- > 0;)
    if(c->stack[i].schema == s)
      return c->stack[i].type;
  return -1;
}

static void collect_props(struct cctx *c, int t, const struct doc_node *s);

/* "<Parent>:<property>" */
static const char *helper_name(struct cctx *c, int t, const char *prop)
{
  const char *n = arena_printf(c->a, "%s:%s", c->m->types[t].name, prop);
  if(!n)
    cc_oom(c);
  return n;
}

/* A helper object type NAME for schema S (or the ancestor's type on recursion), its index
 * in *TYPE. Any other result has been diagnosed (or recorded in c->fatal). */
static enum oac_result helper_object(struct cctx *c, const char *name,
                                     const struct doc_node *s, const struct doc_node *at,
                                     int *type)
{
  enum oac_result r;
  int t = ancestor_type(c, s);
  if(t >= 0) {
    *type = t;
    return OAC_OK;
  }
  if(c->depth >= sizeof(c->stack) / sizeof(c->stack[0])) {
    diag_node(c->diag, DIAG_ERROR, at, "schemas nested deeper than %u levels under one type",
              (unsigned)(sizeof(c->stack) / sizeof(c->stack[0])));
    return OAC_ELIMIT;
  }
  if((r = type_limit(c, at)))
    return r;
  if(model_add_type(c->m, name, &t)) {
    cc_oom(c);
    return OAC_ENOMEM;
  }
  c->m->types[t].flags |= CT_F_HELPER;
  c->m->types[t].schema = s;
  c->m->types[t].where = cc_where(c, s);
  if((r = types_claim_name(c, c->m->types[t].name, t, at)))
    return r;
  c->stack[c->depth].schema = s;
  c->stack[c->depth].type = t;
  c->depth++;
  collect_props(c, t, s);
  c->depth--;
  *type = t;
  return OAC_OK;
}

/* The ID/Value helper for an array of scalars (or of things held as JSON text), its index
 * in *TYPE. */
static enum oac_result helper_scalar_list(struct cctx *c, const char *name,
                                          const struct doc_node *items,
                                          enum shape item_shape, const struct doc_node *at,
                                          int *type)
{
  enum oac_result r = type_limit(c, at);
  if(r)
    return r;
  int t;
  if(model_add_type(c->m, name, &t)) {
    cc_oom(c);
    return OAC_ENOMEM;
  }
  c->m->types[t].flags |= CT_F_HELPER | CT_F_SCALAR_ITEM;
  c->m->types[t].schema = items;
  c->m->types[t].where = cc_where(c, items ? items : at);
  if((r = types_claim_name(c, c->m->types[t].name, t, at)))
    return r;
  struct model_prop id = { "ID", "ID", "string", CT_STRING, CP_ID, -1, 0, 0 };
  struct model_prop value = { "Value", "Value", "any", CT_STRING, CP_VALUE, -1, 0, 0 };
  if(item_shape == SH_SCALAR)
    scalar_prop(c, items, &value);
  else {
    value.flags |= CP_JSONTEXT;
    value.db_type = item_shape == SH_ARRAY ? "array" :
                    item_shape == SH_ANY ? "any" : "object";
  }
  if(model_add_prop(c->m, t, &id, NULL) || model_add_prop(c->m, t, &value, NULL))
    cc_oom(c);                                  /* recorded in c->fatal: the walk stops */
  *type = t;
  return OAC_OK;
}

/* Fill P for a (resolved, non-alternatives) schema S of property NAME in type T.
 * OAC_OK, or the failure (diagnosed) for which the property is left out. */
static enum oac_result prop_for(struct cctx *c, int t, const char *name,
                                const struct doc_node *s, const struct doc_node *at,
                                struct model_prop *p)
{
  const char *helper;
  int rt = -1;
  enum oac_result r;
  p->ref_type = -1;
  switch(classify(s)) {
  case SH_DECORATED:
  case SH_OBJECT:
    if(classify(s) == SH_DECORATED)
      r = types_decorated(c, s, &rt);
    else {
      xflow_check_undecorated(c, s);
      helper = helper_name(c, t, name);
      r = helper ? helper_object(c, helper, s, at, &rt) : OAC_ENOMEM;
    }
    if(r)
      return r;
    p->ctype = CT_OBJECT;
    p->db_type = "object";
    p->ref_type = rt;
    return OAC_OK;
  case SH_FREEFORM:
    p->ctype = CT_STRING;
    p->db_type = "object";
    p->flags |= CP_JSONTEXT;
    return OAC_OK;
  case SH_ANY:
  case SH_ALTERNATIVES:   /* nested alternatives: held as JSON text */
    p->ctype = CT_STRING;
    p->db_type = "any";
    p->flags |= CP_JSONTEXT;
    return OAC_OK;
  case SH_SCALAR:
    scalar_prop(c, s, p);
    return OAC_OK;
  case SH_ARRAY: {
    const struct doc_node *items = doc_get(s, "items");
    const struct doc_node *it = items ? unwrap(c, cc_resolve(c, items)) : NULL;
    enum shape ish = items ? classify(it) : SH_ANY;
    if(items && !it)
      return OAC_EDOC;   /* unresolvable $ref, diagnosed */
    p->ctype = CT_LIST;
    p->db_type = "array";
    helper = helper_name(c, t, name);
    if(!helper)
      return OAC_ENOMEM;                        /* cc_oom() done */
    if(ish == SH_DECORATED)
      r = types_decorated(c, it, &rt);
    else if(ish == SH_OBJECT) {
      xflow_check_undecorated(c, it);
      r = helper_object(c, helper, it, at, &rt);
    }
    else {
      r = helper_scalar_list(c, helper, it, ish, at, &rt);
      p->flags |= CP_SCALAR_LIST;
    }
    if(r)
      return r;
    p->ref_type = rt;
    return OAC_OK;
  }
  }
  return OAC_EINTERNAL;                         /* classify() has no other shape */
}

int types_find_prop(const struct model_type *ty, const char *name)
{
  for(size_t i = 0; i < ty->nprops; i++)
    if(!strcmp(ty->props[i].name, name))
      return (int)i;
  return -1;
}

/* The <RefName> of a oneOf/anyOf alternative that is a $ref (§6.1 "<property>-<RefName>"):
 * the last segment of its JSON pointer (#/components/schemas/Pet -> Pet), or the file's
 * stem for a whole-file $ref. A pointer that ends in an array index
 * (#/components/schemas/channel/oneOf/1) would give a number, read as an inline
 * alternative's ("to-1", "to-2") and colliding with one; such an alternative is named by its
 * $ref text as written instead, less a leading "#/components/schemas/"
 * ("to-channel/oneOf/1"): it holds a '/', which no number and no components.schemas name
 * (^[a-zA-Z0-9._-]+$) has. NULL for an inline alternative (or out of memory, diagnosed). */
static const char *alt_ref_name(struct cctx *c, const struct doc_node *alt)
{
  const struct doc_node *ref = alt && alt->kind == DOC_MAP ? doc_get(alt, "$ref") : NULL;
  if(!ref || ref->kind != DOC_SCALAR)
    return NULL;
  const char *last = doc_ref_name(c->docs, alt);
  if(!last) {
    cc_oom(c);
    return NULL;
  }
  size_t i = 0;
  while(last[i] >= '0' && last[i] <= '9')
    i++;
  if(i == 0 || last[i])
    return last;
  static const char prefix[] = "#/components/schemas/";
  const char *r = ref->str;
  if(!strncmp(r, prefix, sizeof(prefix) - 1))
    r += sizeof(prefix) - 1;
  return r;
}

static void add_prop(struct cctx *c, int t, const char *name, const struct doc_node *raw)
{
  const struct doc_node *s = cc_resolve(c, raw);
  if(!s)
    return;
  s = unwrap(c, s);
  if(!s)
    return;
  if(classify(s) == SH_ALTERNATIVES) {
    const struct doc_node *alts = doc_get(s, "oneOf");
    if(!is_nonempty_seq(alts))
      alts = doc_get(s, "anyOf");
    unsigned group = (unsigned)c->m->types[t].nprops;
    unsigned count = 0;
    for(size_t i = 0; i < alts->n; i++) {
      const struct doc_node *alt = alts->items[i];
      const char *ref = alt_ref_name(c, alt);
      const char *aname = ref ? arena_printf(c->a, "%s-%s", name, ref)
                              : arena_printf(c->a, "%s-%zu", name, i + 1);
      const struct doc_node *as = cc_resolve(c, alt);
      if(!aname) {
        cc_oom(c);
        return;
      }
      if(!as)
        continue;
      as = unwrap(c, as);
      if(!as)
        continue;   /* diagnosed */
      struct model_prop p = { aname, name, NULL, CT_STRING, CP_ALTERNATIVE, -1, group, 0 };
      if(prop_for(c, t, aname, as, alt, &p))
        continue;
      if(model_add_prop(c->m, t, &p, NULL)) {
        cc_oom(c);
        return;
      }
      count++;
    }
    for(size_t i = group; i < c->m->types[t].nprops; i++)
      c->m->types[t].props[i].alt_count = count;
    return;
  }
  struct model_prop p = { name, name, NULL, CT_STRING, 0, -1, 0, 0 };
  const struct doc_node *ro = doc_get(s, "readOnly");
  if(!ro && s != raw)
    ro = doc_get(raw, "readOnly");   /* 3.1: readOnly beside a $ref */
  if(doc_bool(ro) == DOC_TRUE)
    p.flags |= CP_READONLY;
  if(prop_for(c, t, name, s, raw, &p))
    return;
  int old = types_find_prop(&c->m->types[t], name);
  if(old >= 0) {   /* allOf: a later definition replaces the earlier one in place */
    c->m->types[t].props[old] = p;
    return;
  }
  if(model_add_prop(c->m, t, &p, NULL))
    cc_oom(c);
}

/* allOf (§6.1): the properties of all parts merged in order, a later declaration of a
 * property replacing an earlier one in place. The merged list is built first and each
 * property generated once, from its last declaration: generating the earlier one too would
 * create its helper types ("<Parent>:<property>") twice. */
#define ALLOF_MAX_DEPTH 32

/* Is S one of the schemas whose allOf parts are being merged (CHAIN[0..n))? */
static int on_chain(const struct doc_node *const *chain, unsigned n, const struct doc_node *s)
{
  for(unsigned i = 0; i < n; i++)
    if(chain[i] == s)
      return 1;
  return 0;
}

/* CHAIN[0..level) holds the schemas whose parts lead here: a part already on it is a cycle
 * (A allOf [B], B allOf [A]) and adds nothing new, so it is skipped, as a part that is an
 * ancestor type is. The examples stage merges with no ancestor on the type stack, so the
 * chain is what stops a cycle there. */
static void merge_props(struct cctx *c, struct merged *l, const struct doc_node *s,
                        unsigned level, const struct doc_node **chain)
{
  if(!s || s->kind != DOC_MAP || c->fatal)
    return;
  if(level > ALLOF_MAX_DEPTH) {
    diag_node(c->diag, DIAG_ERROR, s, "allOf nested deeper than %u levels", ALLOF_MAX_DEPTH);
    return;
  }
  chain[level] = s;
  const struct doc_node *all = doc_get(s, "allOf");
  if(all && all->kind == DOC_SEQ) {
    for(size_t i = 0; i < all->n && !c->fatal; i++) {
      const struct doc_node *part = cc_resolve(c, all->items[i]);
      if(part && ancestor_type(c, part) < 0 && !on_chain(chain, level + 1, part))
        merge_props(c, l, part, level + 1, chain);
    }
  }
  const struct doc_node *props = doc_get(s, "properties");
  if(!props || props->kind != DOC_MAP)
    return;
  for(size_t i = 0; i < props->n && !c->fatal; i++) {
    const char *name = props->items[2 * i]->str;
    const struct doc_node *raw = props->items[2 * i + 1];
    size_t j = 0;
    while(j < l->n && strcmp(l->v[j].name, name))
      j++;
    if(j == l->n) {
      if(l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct merged_prop *n = oac_realloc(l->v, cap * sizeof(*n));
        if(!n) {
          cc_oom(c);
          return;
        }
        l->v = n;
        l->cap = cap;
      }
      l->v[l->n++].name = name;
    }
    l->v[j].raw = raw;
  }
}

void types_merge_props(struct cctx *c, struct merged *l, const struct doc_node *s)
{
  const struct doc_node *chain[ALLOF_MAX_DEPTH + 1];
  merge_props(c, l, s, 0, chain);
}

static void collect_props(struct cctx *c, int t, const struct doc_node *s)
{
  if(!s || s->kind != DOC_MAP || c->fatal)
    return;
  const struct doc_node *all = doc_get(s, "allOf");
  if(all && all->kind == DOC_SEQ) {
    struct merged l = { NULL, 0, 0 };
    const struct doc_node *chain[ALLOF_MAX_DEPTH + 1];
    merge_props(c, &l, s, 0, chain);
    for(size_t i = 0; i < l.n && !c->fatal; i++)
      add_prop(c, t, l.v[i].name, l.v[i].raw);
    oac_free(l.v);
    return;
  }
  const struct doc_node *props = doc_get(s, "properties");
  if(props && props->kind == DOC_MAP) {
    for(size_t i = 0; i < props->n && !c->fatal; i++) {
      const struct doc_node *k = props->items[2 * i];
      add_prop(c, t, k->str, props->items[2 * i + 1]);
    }
  }
}

static const struct doc_node *key_node_ci(const struct doc_node *m, const char *key)
{
  if(!m || m->kind != DOC_MAP)
    return NULL;
  for(size_t i = m->n; i-- > 0;)
    if(doc_scalar_eq_ci(m->items[2 * i], key))
      return m->items[2 * i];
  return NULL;
}

static const struct {
  const char *word;
  enum cache_ctype ct;
  const char *db;
} custom_types[] = {
  { "string", CT_STRING, "string" },
  { "number", CT_NUMBER, "number" },
  { "integer", CT_NUMBER, "integer" },
  { "boolean", CT_BOOLEAN, "boolean" },
  { "date-time", CT_DATETIME, "string/date-time" },
};

static void custom_props(struct cctx *c, int t, const struct doc_node *cp)
{
  if(!cp)
    return;
  if(cp->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, cp, "'customProperties' must be a mapping of property "
              "names to types");
    return;
  }
  for(size_t i = 0; i < cp->n; i++) {
    const struct doc_node *k = cp->items[2 * i], *v = cp->items[2 * i + 1];
    size_t j = 0;
    for(; j < sizeof(custom_types) / sizeof(custom_types[0]); j++)
      if(doc_scalar_eq_ci(v, custom_types[j].word))
        break;
    if(j == sizeof(custom_types) / sizeof(custom_types[0])) {
      diag_node(c->diag, DIAG_ERROR, v, "unknown customProperties type '%s' (use string, "
                "number, integer, boolean or date-time)", v->kind == DOC_SCALAR ? v->str : "?");
      continue;
    }
    if(types_find_prop(&c->m->types[t], k->str) >= 0) {
      diag_node(c->diag, DIAG_ERROR, k, "custom property '%s' is already a property of type "
                "'%s'", k->str, c->m->types[t].name);
      continue;
    }
    struct model_prop p = { k->str, k->str, custom_types[j].db, custom_types[j].ct,
                            CP_CUSTOM, -1, 0, 0 };
    if(model_add_prop(c->m, t, &p, NULL))
      cc_oom(c);
  }
}

enum oac_result types_decorated(struct cctx *c, const struct doc_node *schema, int *type)
{
  enum oac_result r;
  int t = find_decorated(c, schema);
  *type = t;
  if(t >= 0)
    return OAC_OK;
  if(c->fatal)
    return c->fatal;
  const struct doc_node *xkey = key_node_ci(schema, "x-flow-type");
  const struct doc_node *xt = doc_get_ci(schema, "x-flow-type");
  if(!xt || xt->kind != DOC_MAP) {
    if(xt && !doc_is_null(xt))
      diag_node(c->diag, DIAG_ERROR, xt, "'x-flow-type' must be a mapping");
    else
      diag_node(c->diag, DIAG_ERROR, xkey, "x-flow-type needs a 'name'");
    remember_decorated(c, schema, -1);
    return OAC_EDOC;
  }
  const struct doc_node *name = doc_get_ci(xt, "name");
  if(!name || name->kind != DOC_SCALAR || !name->len) {
    diag_node(c->diag, DIAG_ERROR, name && name->kind == DOC_SCALAR ? xkey : (name ? name : xkey),
              "x-flow-type needs a 'name'");
    remember_decorated(c, schema, -1);
    return OAC_EDOC;
  }
  for(size_t i = 0; i < xt->n; i++) {
    const struct doc_node *k = xt->items[2 * i];
    if(!doc_scalar_eq_ci(k, "name") && !doc_scalar_eq_ci(k, "customProperties") &&
       !doc_scalar_eq_ci(k, "externalId"))
      diag_node(c->diag, DIAG_WARNING, k, "unknown key '%s' in x-flow-type (ignored)", k->str);
  }
  if((r = type_limit(c, name)))
    return r;
  if(model_add_type(c->m, name->str, &t) || remember_decorated(c, schema, t)) {
    cc_oom(c);
    return OAC_ENOMEM;
  }
  *type = t;
  struct model_type *ty = &c->m->types[t];
  ty->schema = schema;
  ty->where = cc_where(c, schema);
  const struct doc_node *desc = doc_get(schema, "description");
  if(desc && desc->kind == DOC_SCALAR && desc->len)
    ty->summary = desc->str;
  if(types_claim_name(c, ty->name, t, name))
    return OAC_OK;   /* collision reported; keep going with the type to find more errors */
  if(c->depth >= sizeof(c->stack) / sizeof(c->stack[0])) {
    diag_node(c->diag, DIAG_ERROR, schema, "schemas nested deeper than %u levels",
              (unsigned)(sizeof(c->stack) / sizeof(c->stack[0])));
    return OAC_OK;   /* diagnosed; the type stays, without properties */
  }
  c->stack[c->depth].schema = schema;
  c->stack[c->depth].type = t;
  c->depth++;
  collect_props(c, t, schema);
  c->depth--;
  custom_props(c, t, doc_get_ci(xt, "customProperties"));
  xflow_schema_crud(c, schema, t);
  return OAC_OK;
}

/* ---- message actions (product.md §14.2; issue 16) ------------------------------------- */

/* A generated type NAME ("<slug> Body") for the undecorated object schema S; a name that an
 * x-flow-type (or any type) already has is an error naming both. */
static enum oac_result generated_object(struct cctx *c, const char *name, const char *what,
                                        const struct doc_node *s, const struct doc_node *at,
                                        int *type)
{
  int other = model_find_type(c->m, name);
  if(other >= 0) {
    diag_node(c->diag, DIAG_ERROR, at, "the generated type '%s' (%s) has the name of the "
              "x-flow-type of the schema at %s: rename one of them", name, what,
              c->m->types[other].where ? c->m->types[other].where : "?");
    return OAC_EDOC;
  }
  xflow_check_undecorated(c, s);
  enum oac_result r = helper_object(c, name, s, at, type);
  if(!r)
    c->m->types[*type].flags &= ~CT_F_HELPER;
  return r;
}

enum oac_result types_action_value(struct cctx *c, const char *name, const char *what,
                                   const struct doc_node *raw, const struct doc_node *at,
                                   struct model_prop *p)
{
  memset(p, 0, sizeof(*p));
  p->name = name;
  p->json_name = name;
  p->ref_type = -1;
  p->ctype = CT_STRING;
  p->db_type = "any";
  const struct doc_node *s = raw ? cc_resolve(c, raw) : NULL;
  if(s)
    s = unwrap(c, s);
  if(!s) {
    p->flags |= CP_JSONTEXT;
    return raw ? OAC_EDOC : OAC_OK;
  }
  int rt = -1;
  enum oac_result r = OAC_OK;
  switch(classify(s)) {
  case SH_DECORATED:
    r = types_decorated(c, s, &rt);
    p->ctype = CT_OBJECT;
    p->db_type = "object";
    break;
  case SH_OBJECT:
    r = generated_object(c, name, what, s, at, &rt);
    p->ctype = CT_OBJECT;
    p->db_type = "object";
    break;
  case SH_SCALAR:
    scalar_prop(c, s, p);
    return OAC_OK;
  case SH_ARRAY: {
    const struct doc_node *items = doc_get(s, "items");
    const struct doc_node *it = items ? unwrap(c, cc_resolve(c, items)) : NULL;
    enum shape ish = items ? classify(it) : SH_ANY;
    if(items && !it)
      return OAC_EDOC;
    p->ctype = CT_LIST;
    p->db_type = "array";
    if(ish == SH_DECORATED)
      r = types_decorated(c, it, &rt);
    else if(ish == SH_OBJECT)
      r = generated_object(c, name, what, it, at, &rt);
    else {
      int other = model_find_type(c->m, name);
      if(other >= 0) {
        diag_node(c->diag, DIAG_ERROR, at, "the generated type '%s' (%s) has the name of the "
                  "x-flow-type of the schema at %s: rename one of them", name, what,
                  c->m->types[other].where ? c->m->types[other].where : "?");
        return OAC_EDOC;
      }
      r = helper_scalar_list(c, name, it, ish, at, &rt);
      p->flags |= CP_SCALAR_LIST;
    }
    break;
  }
  default:                      /* free-form objects, oneOf/anyOf, anything: JSON text */
    p->flags |= CP_JSONTEXT;
    p->db_type = classify(s) == SH_FREEFORM ? "object" : "any";
    return OAC_OK;
  }
  if(r || rt < 0)
    return r ? r : OAC_EDOC;
  p->ref_type = rt;
  return OAC_OK;
}

/* How many types generating schema S (resolved) as an object would create, itself
 * included; stops counting past BUDGET. Ancestors on STACK[0..depth) are reused. */
static size_t estimate_object(struct cctx *c, const struct doc_node *s,
                              const struct doc_node **stack, unsigned depth, size_t budget);

static size_t estimate_value(struct cctx *c, const struct doc_node *raw,
                             const struct doc_node **stack, unsigned depth, size_t budget,
                             int split)
{
  const struct doc_node *s = cc_resolve(c, raw);
  s = s ? unwrap(c, s) : NULL;
  if(!s || c->fatal)
    return 0;
  switch(classify(s)) {
  case SH_DECORATED:
    return find_decorated(c, s) >= 0 ? 0 : estimate_object(c, s, stack, depth, budget);
  case SH_OBJECT:
    return estimate_object(c, s, stack, depth, budget);
  case SH_ARRAY: {
    const struct doc_node *it = doc_get(s, "items");
    it = it ? cc_resolve(c, it) : NULL;
    it = it ? unwrap(c, it) : NULL;
    enum shape ish = it ? classify(it) : SH_ANY;
    if(ish == SH_OBJECT || (ish == SH_DECORATED && find_decorated(c, it) < 0))
      return estimate_object(c, it, stack, depth, budget);
    return ish == SH_DECORATED ? 0 : 1;
  }
  case SH_ALTERNATIVES: {
    if(!split)
      return 0;
    const struct doc_node *alts = doc_get(s, "oneOf");
    if(!is_nonempty_seq(alts))
      alts = doc_get(s, "anyOf");
    size_t n = 0;
    for(size_t i = 0; i < alts->n && n <= budget; i++)
      n += estimate_value(c, alts->items[i], stack, depth, budget - n, 0);
    return n;
  }
  default:
    return 0;
  }
}

static size_t estimate_object(struct cctx *c, const struct doc_node *s,
                              const struct doc_node **stack, unsigned depth, size_t budget)
{
  for(unsigned i = 0; i < depth; i++)
    if(stack[i] == s)
      return 0;                                 /* recursion: the ancestor's type */
  if(depth >= sizeof(c->stack) / sizeof(c->stack[0]))
    return 0;
  stack[depth] = s;
  size_t n = 1;
  struct merged l = { NULL, 0, 0 };
  types_merge_props(c, &l, s);
  for(size_t i = 0; i < l.n && n <= budget && !c->fatal; i++)
    n += estimate_value(c, l.v[i].raw, stack, depth + 1, budget - n, 1);
  oac_free(l.v);
  return n;
}

size_t types_action_estimate(struct cctx *c, const struct doc_node *raw, size_t budget)
{
  const struct doc_node *stack[sizeof(c->stack) / sizeof(c->stack[0])];
  if(!raw)
    return 0;
  const struct doc_node *s = cc_resolve(c, raw);
  s = s ? unwrap(c, s) : NULL;
  if(!s || classify(s) == SH_ALTERNATIVES)
    return 0;                                   /* JSON text */
  return estimate_value(c, raw, stack, 0, budget, 0);
}

size_t types_room(const struct cctx *c)
{
  return c->m->ntypes < MAX_TYPES ? MAX_TYPES - c->m->ntypes : 0;
}

int types_action_shape(struct cctx *c, const struct doc_node *raw)
{
  const struct doc_node *s = raw ? cc_resolve(c, raw) : NULL;
  s = s ? unwrap(c, s) : NULL;
  if(!s)
    return 0;
  enum shape sh = classify(s);
  return sh == SH_OBJECT || sh == SH_DECORATED ? 1 : sh == SH_FREEFORM ? 0 : -1;
}
