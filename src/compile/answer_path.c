/* answer_path.c - paths into the answer resolved against the response schema, and the
 * list located from it (product.md §12.1; the format and the rules are in answer_path.h).
 */
#include <string.h>
#include "answer_path.h"
#include "../common/buf.h"
#include "../common/mem.h"

#define MAX_WRAPPERS 16u
#define MAX_ALT_DEPTH 8u

/* $ref resolved, then one-part allOf wrappers looked through (as types.c's unwrap does:
 * `allOf: [$ref]` with nothing else of substance). NULL when a $ref does not resolve
 * (diagnosed by doc_ref_resolve). */
static const struct doc_node *settle(struct cctx *c, const struct doc_node *raw)
{
  const struct doc_node *s = cc_resolve(c, raw);
  for(unsigned n = 0; s && n < MAX_WRAPPERS; n++) {
    const struct doc_node *all = doc_get(s, "allOf");
    if(!all || all->kind != DOC_SEQ || all->n != 1 || doc_get(s, "properties") ||
       doc_get_ci(s, "x-flow-type"))
      return s;
    const struct doc_node *next = cc_resolve(c, all->items[0]);
    if(!next || next == s)
      return s;
    s = next;
  }
  return s;
}

static int nonempty_seq(const struct doc_node *n)
{
  return n && n->kind == DOC_SEQ && n->n > 0;
}

static const struct doc_node *alternatives(const struct doc_node *s)
{
  const struct doc_node *a = doc_get(s, "oneOf");
  if(nonempty_seq(a))
    return a;
  a = doc_get(s, "anyOf");
  return nonempty_seq(a) ? a : NULL;
}

static int is_array(const struct doc_node *s)
{
  const char *t = types_schema_type(s);
  return t ? !strcmp(t, "array") : doc_get(s, "items") != NULL;
}

static int is_scalar(const struct doc_node *s)
{
  const char *t = types_schema_type(s);
  return t && (!strcmp(t, "string") || !strcmp(t, "integer") || !strcmp(t, "number") ||
               !strcmp(t, "boolean") || !strcmp(t, "null"));
}

/* additionalProperties present and not `false` */
static int open_ended(const struct doc_node *s)
{
  const struct doc_node *ap = doc_get(s, "additionalProperties");
  return ap && doc_bool(ap) != DOC_FALSE;
}

/* What a step finds in a schema. */
enum found { F_FOUND, F_FREE, F_MISSING, F_WRONG_KIND };

/* Member NAME[0..len) of schema S (settled): F_FOUND with *CHILD (the property's schema as
 * written), F_FREE (S does not declare its members), F_MISSING (S declares them and NAME is
 * not one), F_WRONG_KIND (S is an array or a scalar). */
static enum found member(struct cctx *c, const struct doc_node *s, const char *name,
                         size_t len, const struct doc_node **child, unsigned depth)
{
  *child = NULL;
  if(!s || s->kind != DOC_MAP)
    return F_FREE;                      /* `true`, `{}` written as something else */
  struct merged l = { NULL, 0, 0 };
  types_merge_props(c, &l, s);
  int declared = l.n > 0;
  for(size_t i = 0; i < l.n; i++)
    if(strlen(l.v[i].name) == len && !memcmp(l.v[i].name, name, len)) {
      *child = l.v[i].raw;
      break;
    }
  oac_free(l.v);
  if(*child)
    return F_FOUND;
  if(c->fatal)
    return F_MISSING;
  int free_alt = 0, declared_alt = 0;
  const struct doc_node *alts = alternatives(s);
  if(alts && depth < MAX_ALT_DEPTH) {
    for(size_t i = 0; i < alts->n; i++) {
      const struct doc_node *a = settle(c, alts->items[i]);
      if(!a)
        continue;
      enum found f = member(c, a, name, len, child, depth + 1);
      if(f == F_FOUND)
        return F_FOUND;
      if(f == F_FREE)
        free_alt = 1;
      else if(f == F_MISSING)
        declared_alt = 1;
    }
  }
  if(open_ended(s) || free_alt)
    return F_FREE;
  if(declared || declared_alt || doc_get(s, "properties"))
    return F_MISSING;
  if(is_array(s) || is_scalar(s) || doc_get(s, "enum"))
    return F_WRONG_KIND;
  return F_FREE;
}

/* Element schema of S (settled) in *CHILD: F_FOUND, F_FREE (no items schema, or S says
 * nothing), F_WRONG_KIND (S is a declared object or a scalar). */
static enum found element(struct cctx *c, const struct doc_node *s,
                          const struct doc_node **child, unsigned depth)
{
  *child = NULL;
  if(!s || s->kind != DOC_MAP)
    return F_FREE;
  if(is_array(s)) {
    *child = doc_get(s, "items");
    return *child ? F_FOUND : F_FREE;
  }
  const struct doc_node *alts = alternatives(s);
  if(alts && depth < MAX_ALT_DEPTH) {
    int free_alt = 0;
    for(size_t i = 0; i < alts->n; i++) {
      const struct doc_node *a = settle(c, alts->items[i]);
      if(!a)
        continue;
      enum found f = element(c, a, child, depth + 1);
      if(f == F_FOUND)
        return F_FOUND;
      if(f == F_FREE)
        free_alt = 1;
    }
    return free_alt ? F_FREE : F_WRONG_KIND;
  }
  const char *t = types_schema_type(s);
  if(is_scalar(s) || (t && !strcmp(t, "object")) || doc_get(s, "properties") ||
     doc_get(s, "allOf") || doc_get(s, "additionalProperties") || doc_get(s, "enum"))
    return F_WRONG_KIND;
  return F_FREE;
}

static const char *kind_word(const struct doc_node *s)
{
  const char *t = types_schema_type(s);
  if(t)
    return t;
  if(doc_get(s, "items"))
    return "array";
  if(doc_get(s, "properties") || doc_get(s, "allOf"))
    return "object";
  return "value";
}

static const char *article(const char *word)
{
  return strchr("aeiou", word[0]) && word[0] ? "an" : "a";
}

/* "a, b, c" of S's declared properties, or of its alternatives' (up to 8, then "..."),
 * for an error message. */
static void list_props(struct cctx *c, struct buf *b, const struct doc_node *s)
{
  struct merged l = { NULL, 0, 0 };
  types_merge_props(c, &l, s);
  const struct doc_node *alts = l.n ? NULL : alternatives(s);
  for(size_t i = 0; alts && i < alts->n; i++) {
    const struct doc_node *a = settle(c, alts->items[i]);
    if(a && a->kind == DOC_MAP)
      types_merge_props(c, &l, a);
  }
  for(size_t i = 0; i < l.n && i < 8; i++) {
    if(i)
      buf_puts(b, ", ");
    buf_puts(b, l.v[i].name);
  }
  if(l.n > 8)
    buf_puts(b, ", ...");
  oac_free(l.v);
}

/* The parse and the walk of one path. */
struct walk {
  struct cctx *c;
  const struct doc_node *value;
  const char *what;
  const char *text;
  struct answer_step steps[ANSWER_PATH_MAX_STEPS];
  size_t n;
  int freeform;
  const char *free_name;        /* the first step not declared: warned once the path is */
  size_t free_len;              /* read to its end without an error */
  const struct doc_node *free_in;
};

static enum oac_result bad(struct walk *w, const char *fmt, size_t at)
{
  diag_node(w->c->diag, DIAG_ERROR, w->value, "%s '%s': %s (at character %zu)", w->what,
            w->text, fmt, at + 1);
  return OAC_EDOC;
}

static enum oac_result add_step(struct walk *w, enum answer_step_kind k, const char *name,
                                size_t len, long index, size_t at)
{
  if(w->n == ANSWER_PATH_MAX_STEPS)
    return bad(w, "too many steps (the limit is 64)", at);
  struct answer_step *st = &w->steps[w->n++];
  st->kind = k;
  st->index = index;
  st->name = NULL;
  if(k == ANSWER_STEP_NAME) {
    char *p = arena_alloc(w->c->a, len + 1);
    if(!p) {
      cc_oom(w->c);
      return OAC_ENOMEM;
    }
    memcpy(p, name, len);
    p[len] = '\0';
    st->name = p;
  }
  return OAC_OK;
}

/* The first free-form step (warned at the end, when the whole path is well-formed). */
static void went_free(struct walk *w, const struct doc_node *s, const char *name, size_t len)
{
  if(w->freeform)
    return;
  w->freeform = 1;
  w->free_name = name;
  w->free_len = len;
  w->free_in = s;
}

static void warn_free(struct walk *w)
{
  const struct doc_node *s = w->free_in;
  diag_node(w->c->diag, DIAG_WARNING, w->value, "%s '%s': '%.*s' is not declared (free-form "
            "schema%s%s); the rest of the path is read as written, split at dots", w->what,
            w->text, (int)w->free_len, w->free_name, s ? " at " : "",
            s ? cc_where(w->c, s) : "");
}

static enum oac_result missing(struct walk *w, const struct doc_node *s, const char *name,
                               size_t len, size_t at)
{
  struct buf b;
  buf_init(&b);
  list_props(w->c, &b, s);
  diag_node(w->c->diag, DIAG_ERROR, w->value, "%s '%s': no property '%.*s' in the schema at "
            "%s (it has: %s) (at character %zu)", w->what, w->text, (int)len, name,
            cc_where(w->c, s), b.data && b.len ? b.data : "nothing", at + 1);
  buf_free(&b);
  return OAC_EDOC;
}

/* One name step at TEXT+*POS: sets *POS past it and *S to the next schema (NULL = free). */
static enum oac_result name_step(struct walk *w, size_t *pos, const struct doc_node **s)
{
  const char *t = w->text + *pos;
  size_t whole = strcspn(t, "[");
  size_t first = strcspn(t, ".[");
  const struct doc_node *child = NULL;
  size_t len = first;
  enum found f = F_MISSING;
  if(*s && !w->freeform && whole != first) {
    f = member(w->c, *s, t, whole, &child, 0);
    if(w->c->fatal)
      return w->c->fatal;
    if(f == F_FOUND)
      len = whole;
  }
  if(f != F_FOUND && !first)
    return bad(w, "a name is missing", *pos);
  if(f != F_FOUND && *s && !w->freeform) {
    f = member(w->c, *s, t, first, &child, 0);
    if(w->c->fatal)
      return w->c->fatal;
    if(f == F_MISSING)
      return missing(w, *s, t, first, *pos);
    if(f == F_WRONG_KIND) {
      diag_node(w->c->diag, DIAG_ERROR, w->value, "%s '%s': '%.*s' names a member, but "
                "the schema at %s is %s %s (at character %zu)", w->what, w->text,
                (int)first, t, cc_where(w->c, *s), article(kind_word(*s)),
                kind_word(*s), *pos + 1);
      return OAC_EDOC;
    }
    if(f == F_FREE)
      went_free(w, *s, t, first);
  }
  else if(f != F_FOUND)
    went_free(w, NULL, t, first);
  enum oac_result r = add_step(w, ANSWER_STEP_NAME, t, len, 0, *pos);
  if(r)
    return r;
  *pos += len;
  *s = child && !w->freeform ? settle(w->c, child) : NULL;
  if(child && !*s && !w->c->fatal)
    return OAC_EDOC;                    /* unresolvable $ref, diagnosed there */
  return w->c->fatal;
}

/* One `[N]` step at TEXT+*POS (on the '['). */
static enum oac_result index_step(struct walk *w, size_t *pos, const struct doc_node **s)
{
  const char *t = w->text + *pos + 1;
  size_t i = 0;
  long v = 0;
  if(t[0] == '-') {
    if(t[1] != '1' || t[2] != ']')
      return bad(w, "an index counts from the end only as [-1]", *pos);
    v = -1;
    i = 2;
  }
  else {
    while(t[i] >= '0' && t[i] <= '9') {
      if(i == 9)
        return bad(w, "index too large", *pos);
      v = v * 10 + (t[i] - '0');
      i++;
    }
    if(!i || t[i] != ']')
      return bad(w, "'[' must be followed by a number and ']'", *pos);
  }
  const struct doc_node *child = NULL;
  if(*s && !w->freeform) {
    enum found f = element(w->c, *s, &child, 0);
    if(w->c->fatal)
      return w->c->fatal;
    if(f == F_WRONG_KIND) {
      diag_node(w->c->diag, DIAG_ERROR, w->value, "%s '%s': [%ld] needs an array, but the "
                "schema at %s is %s %s (at character %zu)", w->what, w->text, v,
                cc_where(w->c, *s), article(kind_word(*s)), kind_word(*s), *pos + 1);
      return OAC_EDOC;
    }
  }
  enum oac_result r = add_step(w, ANSWER_STEP_INDEX, NULL, 0, v, *pos);
  if(r)
    return r;
  *pos += i + 2;
  *s = child ? settle(w->c, child) : NULL;
  if(child && !*s && !w->c->fatal)
    return OAC_EDOC;
  return w->c->fatal;
}

static enum oac_result store(struct walk *w, struct answer_path *out)
{
  struct buf b;
  buf_init(&b);
  buf_putc(&b, '[');
  for(size_t i = 0; i < w->n; i++) {
    if(i)
      buf_putc(&b, ',');
    if(w->steps[i].kind == ANSWER_STEP_NAME)
      buf_json_str(&b, w->steps[i].name);
    else
      buf_printf(&b, "%ld", w->steps[i].index);
  }
  buf_putc(&b, ']');
  char *text = buf_failed(&b) ? NULL : arena_alloc(w->c->a, b.len + 1);
  struct answer_step *steps = w->n ? arena_alloc(w->c->a, w->n * sizeof(*steps)) : NULL;
  if(!text || (w->n && !steps)) {
    buf_free(&b);
    cc_oom(w->c);
    return OAC_ENOMEM;
  }
  memcpy(text, b.data, b.len + 1);
  out->stored = text;
  out->stored_len = b.len;
  buf_free(&b);
  if(w->n)
    memcpy(steps, w->steps, w->n * sizeof(*steps));
  out->steps = steps;
  out->n = w->n;
  out->freeform = w->freeform;
  return OAC_OK;
}

static enum oac_result resolve(struct cctx *c, const struct doc_node *schema,
                               const struct doc_node *value, const char *what,
                               struct answer_path *out)
{
  if(!value || value->kind != DOC_SCALAR || !value->len || doc_is_null(value)) {
    diag_node(c->diag, DIAG_ERROR, value, "%s must be a path into the answer, like "
              "data[-1].id or meta.next", what);
    return OAC_EDOC;
  }
  struct walk *w = oac_malloc(sizeof(*w));
  if(!w) {
    cc_oom(c);
    return OAC_ENOMEM;
  }
  memset(w, 0, sizeof(*w));
  w->c = c;
  w->value = value;
  w->what = what;
  w->text = value->str;
  enum oac_result r = OAC_OK;
  if(strlen(value->str) != value->len)
    r = bad(w, "a NUL character", strlen(value->str));
  const struct doc_node *s = NULL;
  if(!r && schema) {
    s = settle(c, schema);
    if(!s)
      r = c->fatal ? c->fatal : OAC_EDOC;
  }
  size_t pos = 0;
  while(!r && w->text[pos]) {
    char ch = w->text[pos];
    if(ch == '[')
      r = index_step(w, &pos, &s);
    else if(pos > 0 && w->text[pos - 1] == ']' && ch != '.')
      r = bad(w, "']' must be followed by '.', '[' or the end", pos);
    else {
      if(pos > 0) {                     /* the '.' after a name or a ']' */
        if(!w->text[++pos])
          r = bad(w, "the path ends with '.'", pos - 1);
        else if(w->text[pos] == '[')
          r = bad(w, "a name is missing", pos);
      }
      if(!r)
        r = name_step(w, &pos, &s);
    }
  }
  if(!r && w->freeform)
    warn_free(w);
  if(!r)
    r = store(w, out);
  if(!r)
    out->schema = w->freeform ? NULL : s;
  oac_free(w);
  if(r)
    memset(out, 0, sizeof(*out));
  return r;
}

enum answer_kind answer_path_kind(const struct answer_path *p)
{
  const struct doc_node *s = p ? p->schema : NULL;
  if(!s || s->kind != DOC_MAP || alternatives(s))
    return ANSWER_KIND_UNKNOWN;
  const char *t = types_schema_type(s);
  if(!t) {
    if(doc_get(s, "items"))
      return ANSWER_KIND_ARRAY;
    if(doc_get(s, "properties") || doc_get(s, "allOf"))
      return ANSWER_KIND_OBJECT;
    return ANSWER_KIND_UNKNOWN;
  }
  static const struct { const char *word; enum answer_kind k; } kinds[] = {
    { "string", ANSWER_KIND_STRING }, { "integer", ANSWER_KIND_INTEGER },
    { "number", ANSWER_KIND_NUMBER }, { "boolean", ANSWER_KIND_BOOLEAN },
    { "object", ANSWER_KIND_OBJECT }, { "array", ANSWER_KIND_ARRAY },
  };
  for(size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if(!strcmp(t, kinds[i].word))
      return kinds[i].k;
  return ANSWER_KIND_UNKNOWN;
}

static const char *kind_name(unsigned k)
{
  switch(k) {
  case ANSWER_KIND_STRING: return "a string";
  case ANSWER_KIND_INTEGER: return "an integer";
  case ANSWER_KIND_NUMBER: return "a number";
  case ANSWER_KIND_BOOLEAN: return "a boolean";
  case ANSWER_KIND_OBJECT: return "an object";
  case ANSWER_KIND_ARRAY: return "an array";
  }
  return "a value";
}

enum oac_result answer_path_expect(struct cctx *c, const struct answer_path *p,
                                   const struct doc_node *value, const char *what,
                                   unsigned kinds)
{
  enum answer_kind k = answer_path_kind(p);
  if(k == ANSWER_KIND_UNKNOWN || (kinds & k))
    return OAC_OK;
  struct buf b;
  buf_init(&b);
  unsigned left = kinds;
  for(unsigned bit = 1; bit <= ANSWER_KIND_ARRAY; bit <<= 1) {
    if(!(kinds & bit))
      continue;
    left &= ~bit;
    if(b.len)
      buf_puts(&b, left ? ", " : " or ");
    buf_puts(&b, kind_name(bit));
  }
  diag_node(c->diag, DIAG_ERROR, value, "%s '%s' is %s (schema at %s); it must be %s", what,
            value && value->kind == DOC_SCALAR ? value->str : "?", kind_name(k),
            cc_where(c, p->schema), b.data && b.len ? b.data : "something else");
  buf_free(&b);
  return OAC_EDOC;
}

/* ---- the list's place (§12.1, last paragraph) ---------------------------------------- */

/* Is the settled S an array whose items settle to ITEM? */
static int array_of(struct cctx *c, const struct doc_node *s, const struct doc_node *item)
{
  if(!s || s->kind != DOC_MAP || !is_array(s) || alternatives(s))
    return 0;
  const struct doc_node *it = doc_get(s, "items");
  return it && settle(c, it) == item;
}

/* Among the declared properties of S, the one array of ITEM: 1 and *NAME / *ARR when
 * exactly one, 0 when none, 2 when more. */
static int one_array_prop(struct cctx *c, const struct doc_node *s,
                          const struct doc_node *item, const char **name,
                          const struct doc_node **arr)
{
  struct merged l = { NULL, 0, 0 };
  types_merge_props(c, &l, s);
  int count = 0;
  for(size_t i = 0; i < l.n && count < 2 && !c->fatal; i++) {
    const struct doc_node *p = settle(c, l.v[i].raw);
    if(array_of(c, p, item)) {
      *name = l.v[i].name;
      *arr = p;
      count++;
    }
  }
  oac_free(l.v);
  return count;
}

static int located(struct cctx *c, struct answer_path *out, const char *a, const char *b,
                   const struct doc_node *arr)
{
  struct walk *w = oac_malloc(sizeof(*w));
  if(!w) {
    cc_oom(c);
    return 0;
  }
  memset(w, 0, sizeof(*w));
  w->c = c;
  const char *names[2] = { a, b };
  enum oac_result r = OAC_OK;
  for(size_t i = 0; i < 2 && !r && names[i]; i++)
    r = add_step(w, ANSWER_STEP_NAME, names[i], strlen(names[i]), 0, 0);
  if(!r)
    r = store(w, out);
  oac_free(w);
  if(r) {
    memset(out, 0, sizeof(*out));
    return 0;
  }
  out->schema = arr;
  return 1;
}

static int locate(struct cctx *c, const struct doc_node *response,
                  const struct doc_node *item, struct answer_path *out)
{
  const struct doc_node *s = response ? settle(c, response) : NULL;
  item = item ? settle(c, item) : NULL;
  if(!s || !item || s == item || s->kind != DOC_MAP || c->fatal || alternatives(s))
    return 0;
  if(is_array(s))
    return located(c, out, NULL, NULL, s);
  const char *name = NULL;
  const struct doc_node *arr = NULL;
  int n = one_array_prop(c, s, item, &name, &arr);
  if(n == 1)
    return located(c, out, name, NULL, arr);
  if(n > 1 || c->fatal)
    return 0;
  /* depth 2: the array properties of the object properties (not of the item itself) */
  struct merged l = { NULL, 0, 0 };
  types_merge_props(c, &l, s);
  const char *outer = NULL, *inner = NULL;
  const struct doc_node *found = NULL;
  int count = 0;
  for(size_t i = 0; i < l.n && count < 2 && !c->fatal; i++) {
    const struct doc_node *p = settle(c, l.v[i].raw);
    if(!p || p == item || p->kind != DOC_MAP || is_array(p) || alternatives(p))
      continue;
    const char *in = NULL;
    const struct doc_node *a = NULL;
    int k = one_array_prop(c, p, item, &in, &a);
    if(k) {
      outer = l.v[i].name;
      inner = in;
      found = a;
      count += k;
    }
  }
  oac_free(l.v);
  if(count != 1 || c->fatal)
    return 0;
  return located(c, out, outer, inner, found);
}

/* types_merge_props skips the allOf parts that are types being generated (c->stack): here
 * every part counts, whoever calls (cycles are stopped by its chain of parts). */
enum oac_result answer_path_resolve(struct cctx *c, const struct doc_node *schema,
                                    const struct doc_node *value, const char *what,
                                    struct answer_path *out)
{
  unsigned depth = c->depth;
  memset(out, 0, sizeof(*out));
  c->depth = 0;
  enum oac_result r = resolve(c, schema, value, what, out);
  c->depth = depth;
  return r;
}

int answer_list_locate(struct cctx *c, const struct doc_node *response,
                       const struct doc_node *item, struct answer_path *out)
{
  unsigned depth = c->depth;
  memset(out, 0, sizeof(*out));
  c->depth = 0;
  int found = locate(c, response, item, out);
  c->depth = depth;
  return found;
}

const char *answer_path_dotted(struct cctx *c, const struct answer_path *p)
{
  struct buf b;
  buf_init(&b);
  for(size_t i = 0; i < p->n; i++) {
    const struct answer_step *st = &p->steps[i];
    if(st->kind != ANSWER_STEP_NAME || !st->name[0] || strchr(st->name, '.')) {
      buf_free(&b);
      return NULL;
    }
    if(i)
      buf_putc(&b, '.');
    buf_puts(&b, st->name);
  }
  char *t = buf_failed(&b) ? NULL : arena_alloc(c->a, b.len + 1);
  if(!t) {
    buf_free(&b);
    cc_oom(c);
    return NULL;
  }
  memcpy(t, b.len ? b.data : "", b.len + 1);
  buf_free(&b);
  return t;
}
