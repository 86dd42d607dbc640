/* paging.c - the paging mark and its inference (product.md §12.1; the API is in paging.h).
 * Called from xflow.c's list_plan.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "paging.h"
#include "answer_path.h"
#include "../flow/config.h"
#include "../common/mem.h"

const char *paging_style_name(enum paging_style s)
{
  static const char *const names[] = { "none", "offset", "page", "cursor", "next-url",
                                        "link" };
  return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "none";
}

/* ---- schemas and parameters ----------------------------------------------------------- */

/* $ref resolved, one-part allOf wrappers looked through (as answer_path.c does). */
static const struct doc_node *settle(struct cctx *c, const struct doc_node *raw)
{
  const struct doc_node *s = cc_resolve(c, raw);
  for(unsigned n = 0; s && n < 16; n++) {
    const struct doc_node *all = doc_get(s, "allOf");
    if(!all || all->kind != DOC_SEQ || all->n != 1 || doc_get(s, "properties"))
      return s;
    const struct doc_node *next = cc_resolve(c, all->items[0]);
    if(!next || next == s)
      return s;
    s = next;
  }
  return s;
}

static int type_is(const struct doc_node *s, const char *t)
{
  const char *w = types_schema_type(s);
  return w && !strcmp(w, t);
}

static int in_query(const struct doc_node *p)
{
  const struct doc_node *in = doc_get(p, "in");
  return !in || doc_scalar_eq(in, "query");
}

static const struct doc_node *param_schema(struct cctx *c, const struct doc_node *p)
{
  const struct doc_node *s = doc_get(p, "schema");
  return s ? settle(c, s) : NULL;
}

/* An integer schema (offset, page and page-size parameters). */
static int integer_param(struct cctx *c, const struct doc_node *p)
{
  return type_is(param_schema(c, p), "integer");
}

/* A string schema without a date or date-time format (cursor parameters). */
static int cursor_param(struct cctx *c, const struct doc_node *p)
{
  const struct doc_node *s = param_schema(c, p);
  const struct doc_node *f = s ? doc_get(s, "format") : NULL;
  return type_is(s, "string") && !doc_scalar_eq(f, "date") && !doc_scalar_eq(f, "date-time");
}

/* A scalar that is a whole number 0..999999999 (plain, unquoted): 1 and *V; else 0. */
static int small_number(const struct doc_node *n, long *v)
{
  if(!n || n->kind != DOC_SCALAR || n->quoted || !n->len || n->len > 9)
    return 0;
  long x = 0;
  for(size_t i = 0; i < n->len; i++) {
    if(n->str[i] < '0' || n->str[i] > '9')
      return 0;
    x = x * 10 + (n->str[i] - '0');
  }
  *v = x;
  return 1;
}

/* The `maximum` of P's schema (an integer), or 0. */
static long schema_maximum(struct cctx *c, const struct doc_node *p)
{
  const struct doc_node *s = p ? param_schema(c, p) : NULL;
  long v = 0;
  return s && small_number(doc_get(s, "maximum"), &v) ? v : 0;
}

const struct doc_node *paging_response_schema(struct cctx *c, const struct api_op *api,
                                              const struct doc_node **response)
{
  const struct doc_node *responses = api ? cc_resolve(c, doc_get(api->op, "responses")) : NULL;
  const struct doc_node *resp = NULL;
  long best = 0;
  if(response)
    *response = NULL;
  if(!responses || responses->kind != DOC_MAP)
    return NULL;
  for(size_t i = 0; i < responses->n; i++) {
    const struct doc_node *k = responses->items[2 * i];
    long code = 0;
    if(k->kind != DOC_SCALAR || k->len != 3 || !(code = strtol(k->str, NULL, 10)))
      continue;
    if(code >= 200 && code < 300 && (!resp || code < best)) {
      best = code;
      resp = responses->items[2 * i + 1];
    }
  }
  resp = resp ? cc_resolve(c, resp) : NULL;
  if(!resp || resp->kind != DOC_MAP)
    return NULL;
  if(response)
    *response = resp;
  const struct doc_node *content = doc_get(resp, "content");
  if(!content || content->kind != DOC_MAP)
    return NULL;
  const struct doc_node *media = NULL;
  for(size_t i = 0; i < content->n && !media; i++)
    if(strstr(content->items[2 * i]->str, "json"))
      media = content->items[2 * i + 1];
  if(!media && content->n == 1)
    media = content->items[1];
  media = media ? cc_resolve(c, media) : NULL;
  return media ? doc_get(media, "schema") : NULL;
}

/* ---- output helpers ------------------------------------------------------------------- */

/* Written forms for the description (not stored). */
struct written {
  const char *next, *next_cursor, *has_more, *total;
};

static void describe(struct cctx *c, struct model_paging *p, const struct written *w)
{
  struct buf b;
  buf_init(&b);
  buf_printf(&b, "paging: %s", paging_style_name(p->style));
  const char *via = p->style == PAGING_OFFSET ? p->offset : p->style == PAGING_PAGE ? p->page :
                    p->style == PAGING_CURSOR ? p->cursor : NULL;
  if(via)
    buf_printf(&b, " via %s", via);
  if(p->style == PAGING_LINK)
    buf_puts(&b, " via the Link header");
  const char *from[4];
  size_t n = 0;
  if(w->next)
    from[n++] = w->next;
  if(w->next_cursor && !p->next_cursor_in_items)
    from[n++] = w->next_cursor;
  if(w->has_more)
    from[n++] = w->has_more;
  if(w->total)
    from[n++] = w->total;
  for(size_t i = 0; i < n; i++)
    buf_printf(&b, "%s%s", i ? ", " : ", from ", from[i]);
  if(p->origin == PAGING_FROM_INFERENCE)
    buf_printf(&b, " (inferred%s%s)", p->also_seen ? "; also seen: " : "",
               p->also_seen ? p->also_seen : "");
  else if(p->origin == PAGING_FROM_BINDING)
    buf_puts(&b, " (from the offset binding)");
  p->description = buf_failed(&b) ? NULL : arena_strndup(c->a, b.data, b.len);
  if(!p->description)
    cc_oom(c);
  buf_free(&b);
}

/* ---- the mark ------------------------------------------------------------------------- */

enum key {
  K_STYLE, K_LIMIT, K_MAXLIMIT, K_PAGESIZE, K_OFFSET, K_PAGE, K_FIRSTPAGE, K_CURSOR,
  K_NEXTCURSOR, K_NEXT, K_NEXTPATH, K_HASMORE, K_TOTAL, K_MAX
};

static const char *const key_names[K_MAX] = {
  "style", "limit", "maxLimit", "pageSize", "offset", "page", "firstPage", "cursor",
  "nextCursor", "next", "nextPath", "hasMore", "total"
};

/* Which styles use each key (bit 1 << style); 0 = every style. */
static unsigned key_styles(enum key k)
{
  switch(k) {
  case K_PAGESIZE: case K_PAGE: case K_FIRSTPAGE: return 1u << PAGING_PAGE;
  case K_OFFSET: return 1u << PAGING_OFFSET;
  case K_CURSOR: case K_NEXTCURSOR: return 1u << PAGING_CURSOR;
  case K_NEXT: return 1u << PAGING_NEXT_URL;
  case K_NEXTPATH: return 1u << PAGING_NEXT_URL | 1u << PAGING_LINK;
  default: return 0;
  }
}

static int scalar_text(const struct doc_node *n)
{
  return n && n->kind == DOC_SCALAR && n->len && !doc_is_null(n) &&
         strlen(n->str) == n->len;
}

/* The parameters bound to the limit / offset tokens in EXT's `parameters`: calls F for each
 * (the key node and the value node). */
static const struct doc_node *token_binding(const struct doc_node *ext, size_t *from,
                                            const struct doc_node **key)
{
  const struct doc_node *ps = ext ? doc_get_ci(ext, "parameters") : NULL;
  if(!ps || ps->kind != DOC_MAP)
    return NULL;
  for(size_t i = *from; i < ps->n; i++) {
    const struct doc_node *v = ps->items[2 * i + 1];
    if(doc_scalar_eq_ci(v, "limit") || doc_scalar_eq_ci(v, "offset")) {
      *key = ps->items[2 * i];
      *from = i + 1;
      return v;
    }
  }
  return NULL;
}

/* A parameter named by the mark: declared in the query, of the right type. */
static const char *mark_param(struct cctx *c, const struct api_op *api,
                              const struct model_plan *pl, enum key k,
                              const struct doc_node *v, const struct doc_node **param)
{
  *param = NULL;
  if(!scalar_text(v)) {
    diag_node(c->diag, DIAG_ERROR, v, "paging.%s must name an API query parameter",
              key_names[k]);
    return NULL;
  }
  if(!api)
    return v->str;          /* no operation in paths: warned by finish_plan, nothing to check */
  const struct doc_node *p = cc_find_param(c, api, v->str);
  if(!p) {
    diag_node(c->diag, DIAG_ERROR, v, "paging.%s '%s': %s %s has no parameter '%s'",
              key_names[k], v->str, cc_method_name(pl->method), pl->path, v->str);
    return NULL;
  }
  if(!in_query(p)) {
    diag_node(c->diag, DIAG_ERROR, v, "paging.%s '%s' is a %s parameter (at %s); paging "
              "parameters go in the query", key_names[k], v->str,
              doc_get(p, "in")->str, cc_where(c, p));
    return NULL;
  }
  const struct doc_node *s = param_schema(c, p);
  if(k == K_CURSOR) {
    if(!cursor_param(c, p)) {
      const struct doc_node *f = s ? doc_get(s, "format") : NULL;
      diag_node(c->diag, DIAG_ERROR, v, "paging.cursor '%s' must be a string parameter "
                "without a date or date-time format (its schema at %s is %s%s%s)", v->str,
                cc_where(c, s ? s : p), types_schema_type(s) ? types_schema_type(s) : "untyped",
                doc_is_scalar(f) ? ", format " : "", doc_is_scalar(f) ? f->str : "");
      return NULL;
    }
  }
  else if(!integer_param(c, p)) {
    diag_node(c->diag, DIAG_ERROR, v, "paging.%s '%s' must be an integer parameter (its "
              "schema at %s is %s)", key_names[k], v->str, cc_where(c, s ? s : p),
              types_schema_type(s) ? types_schema_type(s) : "untyped");
    return NULL;
  }
  *param = p;
  return v->str;
}

/* An answer path of the mark, resolved and type-checked: its stored form, or NULL. */
static const char *mark_path(struct cctx *c, const struct doc_node *schema, enum key k,
                             const struct doc_node *v, unsigned kinds, int *in_items)
{
  char what[32];
  struct answer_path ap;
  snprintf(what, sizeof(what), "paging.%s", key_names[k]);
  if(answer_path_resolve(c, schema, v, what, &ap) != OAC_OK)
    return NULL;
  if(answer_path_expect(c, &ap, v, what, kinds) != OAC_OK)
    return NULL;
  if(in_items) {
    *in_items = 0;
    for(size_t i = 0; i < ap.n; i++)
      if(ap.steps[i].kind == ANSWER_STEP_INDEX)
        *in_items = 1;
  }
  return ap.stored;
}

static int header_name_ok(const char *s)
{
  if(!*s)
    return 0;
  for(; *s; s++)
    if(!strchr("!#$%&'*+-.^_`|~", *s) && !((*s >= '0' && *s <= '9') ||
       (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
      return 0;
  return 1;
}

enum oac_result paging_from_mark(struct cctx *c, int t, enum cache_op op,
                                 const struct api_op *api, const struct doc_node *mark,
                                 struct model_paging *out)
{
  const struct model_plan *pl = &c->m->types[t].plans[op];
  const struct doc_node *kn[K_MAX] = { 0 }, *vn[K_MAX] = { 0 };
  struct written w = { 0 };
  unsigned errors = c->diag->errors;
  memset(out, 0, sizeof(*out));
  if(!mark || mark->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, mark, "'paging' must be a mapping with a 'style' "
              "(offset, page, cursor, next-url or link)");
    return OAC_EDOC;
  }
  for(size_t i = 0; i < mark->n; i++) {
    const struct doc_node *k = mark->items[2 * i];
    size_t j = 0;
    while(j < K_MAX && !doc_scalar_eq_ci(k, key_names[j]))
      j++;
    if(j == K_MAX) {
      diag_node(c->diag, DIAG_WARNING, k, "unknown key '%s' in paging (ignored)",
                k->kind == DOC_SCALAR ? k->str : "?");
      continue;
    }
    if(kn[j]) {
      diag_node(c->diag, DIAG_ERROR, k, "paging.%s is given twice (keys are "
                "case-insensitive; the first at %s)", key_names[j], cc_where(c, kn[j]));
      continue;
    }
    kn[j] = k;
    vn[j] = mark->items[2 * i + 1];
  }
  /* a paging mark beside the Part 1 limit / offset tokens */
  size_t from = 0;
  const struct doc_node *bk = NULL, *bv;
  while((bv = token_binding(pl->ext, &from, &bk)) != NULL)
    diag_node(c->diag, DIAG_ERROR, bv, "parameter '%s' binds the '%s' token, and the paging "
              "mark at %s pages this %s: write one or the other (with paging, name the "
              "parameter in paging.%s)", bk->str, bv->str, cc_where(c, mark),
              flow_op_extension(op), doc_scalar_eq_ci(bv, "limit") ? "limit" : "offset");
  /* the style */
  enum paging_style style = PAGING_NONE;
  if(!vn[K_STYLE])
    diag_node(c->diag, DIAG_ERROR, mark, "paging needs a 'style': offset, page, cursor, "
              "next-url or link");
  else {
    for(int s = PAGING_OFFSET; s <= PAGING_LINK; s++)
      if(doc_scalar_eq_ci(vn[K_STYLE], paging_style_name((enum paging_style)s)))
        style = (enum paging_style)s;
    if(!style)
      diag_node(c->diag, DIAG_ERROR, vn[K_STYLE], "paging.style '%s' is not one of offset, "
                "page, cursor, next-url, link", scalar_text(vn[K_STYLE]) ?
                vn[K_STYLE]->str : "?");
  }
  if(!style)
    return c->fatal ? c->fatal : OAC_EDOC;
  out->style = style;
  /* the style's own settings */
  static const struct { enum paging_style s; enum key k; const char *what; } needs[] = {
    { PAGING_OFFSET, K_OFFSET, "the API parameter for the items to skip" },
    { PAGING_PAGE, K_PAGE, "the API parameter for the page number" },
    { PAGING_CURSOR, K_CURSOR, "the API parameter that takes the cursor" },
    { PAGING_CURSOR, K_NEXTCURSOR, "where the next cursor is in the answer" },
    { PAGING_NEXT_URL, K_NEXT, "where the next page's URL is in the answer" },
  };
  for(size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
    if(needs[i].s == style && !vn[needs[i].k])
      diag_node(c->diag, DIAG_ERROR, vn[K_STYLE], "paging style %s needs paging.%s (%s)",
                paging_style_name(style), key_names[needs[i].k], needs[i].what);
  if(style == PAGING_PAGE && !vn[K_LIMIT] && !vn[K_PAGESIZE])
    diag_node(c->diag, DIAG_ERROR, vn[K_STYLE], "paging style page needs a page size: "
              "paging.limit (the API parameter for it) or paging.pageSize (the API's fixed "
              "page size)");
  for(int k = K_LIMIT; k < K_MAX; k++)
    if(kn[k] && key_styles((enum key)k) && !(key_styles((enum key)k) & 1u << style)) {
      diag_node(c->diag, DIAG_WARNING, kn[k], "paging.%s is not used by style %s (ignored)",
                key_names[k], paging_style_name(style));
      kn[k] = vn[k] = NULL;
    }
  if(style == PAGING_PAGE && vn[K_LIMIT] && vn[K_PAGESIZE]) {
    diag_node(c->diag, DIAG_WARNING, kn[K_PAGESIZE], "paging.pageSize is for a page style "
              "without a limit parameter; paging.limit sets the page size (pageSize "
              "ignored)");
    kn[K_PAGESIZE] = vn[K_PAGESIZE] = NULL;
  }
  /* parameters */
  const struct doc_node *limit_param = NULL, *ignored;
  if(vn[K_LIMIT])
    out->limit = mark_param(c, api, pl, K_LIMIT, vn[K_LIMIT], &limit_param);
  if(vn[K_OFFSET])
    out->offset = mark_param(c, api, pl, K_OFFSET, vn[K_OFFSET], &ignored);
  if(vn[K_PAGE])
    out->page = mark_param(c, api, pl, K_PAGE, vn[K_PAGE], &ignored);
  if(vn[K_CURSOR])
    out->cursor = mark_param(c, api, pl, K_CURSOR, vn[K_CURSOR], &ignored);
  /* a parameter paging sends, also bound in `parameters` (other than by the tokens, an
   * error above): paging's value wins */
  const struct doc_node *ps = pl->ext ? doc_get_ci(pl->ext, "parameters") : NULL;
  const char *sent[4] = { out->limit, out->offset, out->page, out->cursor };
  static const enum key sent_key[4] = { K_LIMIT, K_OFFSET, K_PAGE, K_CURSOR };
  for(size_t i = 0; ps && ps->kind == DOC_MAP && i < ps->n; i++) {
    const struct doc_node *pk = ps->items[2 * i], *pv = ps->items[2 * i + 1];
    if(doc_scalar_eq_ci(pv, "limit") || doc_scalar_eq_ci(pv, "offset"))
      continue;
    for(size_t j = 0; j < 4; j++)
      if(sent[j] && doc_scalar_eq(pk, sent[j]))
        diag_node(c->diag, DIAG_WARNING, pk, "parameter '%s' is also named by paging.%s: "
                  "paging sets it on every call (this binding is not used)", pk->str,
                  key_names[sent_key[j]]);
  }
  /* numbers */
  if(vn[K_MAXLIMIT] && (!small_number(vn[K_MAXLIMIT], &out->max_limit) || !out->max_limit))
    diag_node(c->diag, DIAG_ERROR, vn[K_MAXLIMIT], "paging.maxLimit must be a whole number "
              "from 1 to 999999999");
  else if(!vn[K_MAXLIMIT])
    out->max_limit = schema_maximum(c, limit_param);
  if(vn[K_PAGESIZE] && (!small_number(vn[K_PAGESIZE], &out->page_size) || !out->page_size))
    diag_node(c->diag, DIAG_ERROR, vn[K_PAGESIZE], "paging.pageSize must be a whole number "
              "from 1 to 999999999");
  if(style == PAGING_PAGE) {
    out->first_page = 1;
    if(vn[K_FIRSTPAGE] && !small_number(vn[K_FIRSTPAGE], &out->first_page))
      diag_node(c->diag, DIAG_ERROR, vn[K_FIRSTPAGE], "paging.firstPage must be a whole "
                "number (0 or 1, usually)");
  }
  if(vn[K_NEXTPATH]) {
    if(doc_scalar_eq_ci(vn[K_NEXTPATH], "any"))
      out->next_path_any = 1;
    else if(!doc_scalar_eq_ci(vn[K_NEXTPATH], "same"))
      diag_node(c->diag, DIAG_ERROR, vn[K_NEXTPATH], "paging.nextPath must be 'same' (the "
                "default: next URLs keep the first request's path) or 'any'");
  }
  /* answer paths */
  const struct doc_node *schema = paging_response_schema(c, api, NULL);
  if(vn[K_NEXTCURSOR] && (out->next_cursor = mark_path(c, schema, K_NEXTCURSOR,
                          vn[K_NEXTCURSOR], ANSWER_KIND_STRING,
                          &out->next_cursor_in_items)) != NULL)
    w.next_cursor = vn[K_NEXTCURSOR]->str;
  if(vn[K_NEXT] && (out->next = mark_path(c, schema, K_NEXT, vn[K_NEXT], ANSWER_KIND_STRING,
                                          NULL)) != NULL)
    w.next = vn[K_NEXT]->str;
  if(vn[K_HASMORE] && (out->has_more = mark_path(c, schema, K_HASMORE, vn[K_HASMORE],
                                                 ANSWER_KIND_BOOLEAN, NULL)) != NULL)
    w.has_more = vn[K_HASMORE]->str;
  const struct doc_node *tv = vn[K_TOTAL];
  if(tv && scalar_text(tv) && !strncasecmp(tv->str, "header:", 7)) {
    const char *h = tv->str + 7;
    while(*h == ' ')
      h++;
    if(!header_name_ok(h))
      diag_node(c->diag, DIAG_ERROR, tv, "paging.total '%s': 'header:' must be followed by "
                "a header name (header:X-Total-Count)", tv->str);
    else {
      out->total_header = h;
      w.total = tv->str;
    }
  }
  else if(tv && (out->total = mark_path(c, schema, K_TOTAL, tv, ANSWER_KIND_INTEGER |
                                        ANSWER_KIND_NUMBER, NULL)) != NULL)
    w.total = tv->str;
  if(c->fatal)
    return c->fatal;
  if(c->diag->errors != errors) {
    memset(out, 0, sizeof(*out));
    return OAC_EDOC;
  }
  out->origin = PAGING_FROM_MARK;
  describe(c, out, &w);
  return c->fatal;
}

/* ---- inference ------------------------------------------------------------------------ */

static const char *const next_names[] = {
  "next", "nextLink", "@odata.nextLink", "next_url", "next_page_url", "nextPageUrl"
};
static const char *const cursor_names[] = {
  "cursor", "starting_after", "after", "page_token", "pageToken", "next_token", "nextToken",
  "continuation"
};
static const char *const next_cursor_names[] = {
  "next_cursor", "nextCursor", "next_page_token", "nextPageToken", "next_token", "nextToken",
  "NextToken", "continuation", "continuation_token", "continuationToken", "next_page_cursor"
};
static const char *const has_more_names[] = { "has_more", "hasMore" };
static const char *const offset_names[] = { "offset", "skip", "start" };
static const char *const page_names[] = { "page" };
static const char *const size_names[] = {
  "limit", "per_page", "page_size", "pageSize", "maxResults", "top", "count"
};

#define NAMES(a) (a), sizeof(a) / sizeof((a)[0])

static int named(const char *s, const char *const *names, size_t n)
{
  for(size_t i = 0; i < n; i++)
    if(!strcmp(s, names[i]))
      return 1;
  return 0;
}

/* An answer property found by name at depth 1 or 2. */
struct found_prop {
  const char *outer, *name;     /* outer: the depth-1 property holding it, or NULL */
  const struct doc_node *schema;
};

struct finds {
  struct found_prop v[8];
  size_t n;
  unsigned depth;               /* of v[] (the shallowest seen) */
};

static void add_find(struct finds *f, unsigned depth, const char *outer, const char *name,
                     const struct doc_node *s)
{
  if(f->n && depth > f->depth)
    return;
  if(f->n && depth < f->depth)
    f->n = 0;
  f->depth = depth;
  if(f->n < sizeof(f->v) / sizeof(f->v[0])) {
    f->v[f->n].outer = outer;
    f->v[f->n].name = name;
    f->v[f->n].schema = s;
    f->n++;
  }
}

struct answer_signs {
  struct finds next_uri;        /* next-like strings with format uri / uri-reference */
  struct finds next_plain;      /* next-like strings without */
  struct finds cursors;         /* next-cursor-like strings */
  struct finds has_more;        /* has_more-like booleans */
};

static void look_at(struct cctx *c, struct answer_signs *a, unsigned depth, const char *outer,
                    const char *name, const struct doc_node *s)
{
  if(named(name, NAMES(next_names)) && type_is(s, "string")) {
    const struct doc_node *f = doc_get(s, "format");
    int uri = doc_scalar_eq(f, "uri") || doc_scalar_eq(f, "uri-reference");
    add_find(uri ? &a->next_uri : &a->next_plain, depth, outer, name, s);
  }
  if(named(name, NAMES(next_cursor_names)) && type_is(s, "string"))
    add_find(&a->cursors, depth, outer, name, s);
  if(named(name, NAMES(has_more_names)) && type_is(s, "boolean"))
    add_find(&a->has_more, depth, outer, name, s);
  (void)c;
}

static void read_answer(struct cctx *c, const struct doc_node *schema, struct answer_signs *a)
{
  const struct doc_node *s = schema ? settle(c, schema) : NULL;
  if(!s || s->kind != DOC_MAP || type_is(s, "array"))
    return;
  struct merged l = { NULL, 0, 0 };
  unsigned depth = c->depth;
  c->depth = 0;                 /* every allOf part counts (as in answer_path.c) */
  types_merge_props(c, &l, s);
  for(size_t i = 0; i < l.n && !c->fatal; i++) {
    const struct doc_node *p = settle(c, l.v[i].raw);
    if(!p || p->kind != DOC_MAP)
      continue;
    look_at(c, a, 1, NULL, l.v[i].name, p);
    if(type_is(p, "array") || doc_get(p, "items"))
      continue;
    struct merged in = { NULL, 0, 0 };
    types_merge_props(c, &in, p);
    for(size_t j = 0; j < in.n && !c->fatal; j++) {
      const struct doc_node *q = settle(c, in.v[j].raw);
      if(q && q->kind == DOC_MAP)
        look_at(c, a, 2, l.v[i].name, in.v[j].name, q);
    }
    oac_free(in.v);
  }
  oac_free(l.v);
  c->depth = depth;
}

/* Stored form and written form of a found property (plus optional [-1].ID tail). */
static const char *stored_of(struct cctx *c, const char *a, const char *b, const char *idname,
                             const char **written)
{
  struct buf s, w;
  buf_init(&s);
  buf_init(&w);
  buf_putc(&s, '[');
  const char *names[2] = { a, b };
  int first = 1;
  for(size_t i = 0; i < 2; i++) {
    if(!names[i])
      continue;
    if(!first) {
      buf_putc(&s, ',');
      buf_putc(&w, '.');
    }
    first = 0;
    buf_json_str(&s, names[i]);
    buf_puts(&w, names[i]);
  }
  if(idname) {
    buf_printf(&s, "%s-1,", first ? "" : ",");
    buf_json_str(&s, idname);
    buf_printf(&w, "[-1].%s", idname);
  }
  buf_putc(&s, ']');
  const char *out = NULL;
  *written = NULL;
  if(!buf_failed(&s) && !buf_failed(&w)) {
    out = arena_strndup(c->a, s.data, s.len);
    *written = arena_strndup(c->a, w.len ? w.data : "", w.len);
  }
  if(!out || !*written)
    cc_oom(c);
  buf_free(&s);
  buf_free(&w);
  return out;
}

static const char *found_stored(struct cctx *c, const struct found_prop *f,
                                const char **written)
{
  return f->outer ? stored_of(c, f->outer, f->name, NULL, written) :
                    stored_of(c, f->name, NULL, NULL, written);
}

/* The first query parameter of API named in NAMES (in NAMES' order) that passes OK, with
 * its parameter object in *PARAM; NULL when none. */
static const char *query_param(struct cctx *c, const struct api_op *api,
                               const char *const *names, size_t n,
                               int (*ok)(struct cctx *, const struct doc_node *),
                               const struct doc_node **param)
{
  for(size_t i = 0; i < n; i++) {
    const struct doc_node *p = cc_find_param(c, api, names[i]);
    if(p && in_query(p) && ok(c, p)) {
      if(param)
        *param = p;
      return names[i];
    }
  }
  return NULL;
}

static const char *two_names(struct cctx *c, const struct finds *f)
{
  const char *wa = NULL, *wb = NULL;
  found_stored(c, &f->v[0], &wa);
  found_stored(c, &f->v[1], &wb);
  const char *s = arena_printf(c->a, "'%s' and '%s'", wa ? wa : "?", wb ? wb : "?");
  return s ? s : "two properties";
}

static void left_off(struct cctx *c, const struct model_plan *pl, const char *why)
{
  diag_node(c->diag, DIAG_WARNING, pl->at, "%s: paging left off (one API call, "
            "hasMoreResults from the answer): %s; write a paging mark to say how this "
            "operation pages", pl->at && pl->at->kind == DOC_SCALAR ? pl->at->str : "paging",
            why);
}

/* The last item's ID property's JSON name, for `LIST[-1].ID`, and the list's place. */
static int last_item_id(struct cctx *c, int t, const struct doc_node *schema,
                        const char **outer, const char **inner, const char **id)
{
  const struct model_type *ty = &c->m->types[t];
  if(ty->external_id_prop < 0 || ty->neid || !schema)   /* a composite key: no one ID */
    return 0;
  struct answer_path ap;
  if(!answer_list_locate(c, schema, ty->schema, &ap) || ap.n == 0 || ap.n > 2)
    return 0;
  *outer = ap.steps[0].name;
  *inner = ap.n == 2 ? ap.steps[1].name : NULL;
  *id = ty->props[ty->external_id_prop].json_name;
  return *id != NULL;
}

enum oac_result paging_infer(struct cctx *c, int t, enum cache_op op,
                             const struct api_op *api, struct model_paging *out)
{
  const struct model_plan *pl = &c->m->types[t].plans[op];
  struct written w = { 0 };
  memset(out, 0, sizeof(*out));
  /* Part 1's tokens: offset declares offset style, limit alone keeps one call */
  const char *tok_offset = NULL, *tok_limit = NULL;
  for(size_t i = 0; i < pl->nparams; i++) {
    if(pl->params[i].src == PSRC_OFFSET && !tok_offset)
      tok_offset = pl->params[i].name;
    if(pl->params[i].src == PSRC_LIMIT && !tok_limit)
      tok_limit = pl->params[i].name;
  }
  if(tok_offset) {
    out->style = PAGING_OFFSET;
    out->origin = PAGING_FROM_BINDING;
    out->offset = tok_offset;
    out->limit = tok_limit;
    out->max_limit = tok_limit ? schema_maximum(c, cc_find_param(c, api, tok_limit)) : 0;
    describe(c, out, &w);
    return c->fatal;
  }
  if(tok_limit || !api)
    return OAC_OK;
  const struct doc_node *response = NULL;
  const struct doc_node *schema = paging_response_schema(c, api, &response);
  struct answer_signs a;
  memset(&a, 0, sizeof(a));
  read_answer(c, schema, &a);
  if(c->fatal)
    return c->fatal;
  const struct doc_node *size_param = NULL;
  const char *size = query_param(c, api, NAMES(size_names), integer_param, &size_param);
  const char *cursor = query_param(c, api, NAMES(cursor_names), cursor_param, NULL);
  const char *offset = query_param(c, api, NAMES(offset_names), integer_param, NULL);
  const char *page = query_param(c, api, NAMES(page_names), integer_param, NULL);
  const struct doc_node *headers = response ? cc_resolve(c, doc_get(response, "headers")) :
                                              NULL;
  int link = headers && doc_get_ci(headers, "Link") != NULL;
  /* next-like strings: next-url when a URI or when no parameter is cursor-named (a
   * cursor-named parameter that fails the cursor type check is no cursor parameter) */
  struct finds next = a.next_uri;
  if(!cursor)
    for(size_t i = 0; i < a.next_plain.n; i++)
      add_find(&next, a.next_plain.depth, a.next_plain.v[i].outer, a.next_plain.v[i].name,
               a.next_plain.v[i].schema);
  struct finds cursors = a.cursors;
  if(cursor)
    for(size_t i = 0; i < a.next_plain.n; i++)
      add_find(&cursors, a.next_plain.depth, a.next_plain.v[i].outer, a.next_plain.v[i].name,
               a.next_plain.v[i].schema);
  /* the styles in order: seen (a sign), complete, or disagreeing */
  int seen[PAGING_LINK + 1] = { 0 };
  seen[PAGING_LINK] = link;
  seen[PAGING_NEXT_URL] = next.n > 0;
  seen[PAGING_CURSOR] = cursor != NULL;
  seen[PAGING_OFFSET] = offset != NULL;
  seen[PAGING_PAGE] = page != NULL;
  static const enum paging_style order[] = { PAGING_LINK, PAGING_NEXT_URL, PAGING_CURSOR,
                                             PAGING_OFFSET, PAGING_PAGE };
  enum paging_style chosen = PAGING_NONE;
  const char *why = NULL;
  const char *hm_outer = NULL, *hm_inner = NULL, *id = NULL;
  int disagree = 0;
  for(size_t i = 0; i < 5 && !chosen && !disagree; i++) {
    enum paging_style s = order[i];
    if(!seen[s])
      continue;
    switch(s) {
    case PAGING_LINK:
      chosen = s;
      break;
    case PAGING_NEXT_URL:
      if(next.n > 1) {
        disagree = 1;
        why = arena_printf(c->a, "the answer has both %s (next URLs)", two_names(c, &next));
      }
      else
        chosen = s;
      break;
    case PAGING_CURSOR:
      if(cursors.n > 1) {
        disagree = 1;
        why = arena_printf(c->a, "the answer has both %s (next cursors)",
                           two_names(c, &cursors));
      }
      else if(cursors.n == 1 || (a.has_more.n == 1 &&
              last_item_id(c, t, schema, &hm_outer, &hm_inner, &id)))
        chosen = s;
      break;
    case PAGING_OFFSET:
      chosen = s;
      break;
    default:                              /* page: complete with a page size only */
      if(size)
        chosen = s;
      break;
    }
  }
  if(c->fatal)
    return c->fatal;
  if(disagree) {
    left_off(c, pl, why ? why : "two answer properties of the same rank");
    return c->fatal;
  }
  if(!chosen) {
    int any = 0;
    for(size_t i = 0; i < 5; i++)
      any |= seen[order[i]];
    if(any) {
      const char *msg = cursor ? arena_printf(c->a, "query parameter '%s' looks like a cursor, "
                                              "but the answer has no next cursor (next_cursor, "
                                              "nextPageToken, ...) nor has_more with the "
                                              "last item's ID", cursor) :
                        arena_printf(c->a, "query parameter '%s' looks like a page number, "
                                     "but no page-size parameter (limit, per_page, "
                                     "page_size, ...) is there", page ? page : "?");
      left_off(c, pl, msg ? msg : "the signs are incomplete");
    }
    return c->fatal;
  }
  out->style = chosen;
  out->origin = PAGING_FROM_INFERENCE;
  out->inferred = 1;
  out->limit = size;
  out->max_limit = size ? schema_maximum(c, size_param) : 0;
  switch(chosen) {
  case PAGING_NEXT_URL:
    out->next = found_stored(c, &next.v[0], &w.next);
    break;
  case PAGING_CURSOR:
    out->cursor = cursor;
    if(cursors.n == 1)
      out->next_cursor = found_stored(c, &cursors.v[0], &w.next_cursor);
    else {
      out->next_cursor = stored_of(c, hm_outer, hm_inner, id, &w.next_cursor);
      out->next_cursor_in_items = 1;
    }
    break;
  case PAGING_OFFSET:
    out->offset = offset;
    break;
  case PAGING_PAGE:
    out->page = page;
    out->first_page = 1;
    break;
  default:
    break;
  }
  if(a.has_more.n == 1)
    out->has_more = found_stored(c, &a.has_more.v[0], &w.has_more);
  /* also seen */
  struct buf b;
  buf_init(&b);
  for(size_t i = 0; i < 5; i++)
    if(seen[order[i]] && order[i] != chosen)
      buf_printf(&b, "%s%s", b.len ? ", " : "", paging_style_name(order[i]));
  if(b.len)
    out->also_seen = buf_failed(&b) ? NULL : arena_strndup(c->a, b.data, b.len);
  if(b.len && !out->also_seen)
    cc_oom(c);
  buf_free(&b);
  if(!c->fatal)
    describe(c, out, &w);
  return c->fatal;
}

enum oac_result paging_plan(struct cctx *c, int t, enum cache_op op,
                            const struct api_op *api, struct model_paging *out)
{
  const struct model_plan *pl = &c->m->types[t].plans[op];
  const struct doc_node *mark = pl->ext ? doc_get_ci(pl->ext, "paging") : NULL;
  memset(out, 0, sizeof(*out));
  if(op != OP_QUERY && op != OP_LOAD) {
    if(mark)
      diag_node(c->diag, DIAG_ERROR, mark, "paging is for x-flow-query and x-flow-load "
                "(lists), not %s", flow_op_extension(op));
    return mark ? OAC_EDOC : OAC_OK;
  }
  if(mark)
    return paging_from_mark(c, t, op, api, mark, out);
  return paging_infer(c, t, op, api, out);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static void jstr(struct buf *b, const char *key, const char *v)
{
  if(!v)
    return;
  buf_printf(b, ",\"%s\":", key);
  buf_json_str(b, v);
}

static void jraw(struct buf *b, const char *key, const char *v)
{
  if(v)
    buf_printf(b, ",\"%s\":%s", key, v);
}

void paging_to_json(const struct model_paging *p, struct buf *b)
{
  static const char *const origins[] = { "none", "mark", "binding", "inferred" };
  buf_printf(b, "{\"style\":\"%s\"", paging_style_name(p->style));
  if(p->style == PAGING_NONE) {
    buf_putc(b, '}');
    return;
  }
  buf_printf(b, ",\"origin\":\"%s\"", origins[p->origin]);
  jstr(b, "limit", p->limit);
  jstr(b, "offset", p->offset);
  jstr(b, "page", p->page);
  jstr(b, "cursor", p->cursor);
  if(p->max_limit)
    buf_printf(b, ",\"maxLimit\":%ld", p->max_limit);
  if(p->page_size)
    buf_printf(b, ",\"pageSize\":%ld", p->page_size);
  if(p->style == PAGING_PAGE)
    buf_printf(b, ",\"firstPage\":%ld", p->first_page);
  if(p->style == PAGING_NEXT_URL || p->style == PAGING_LINK)
    buf_printf(b, ",\"nextPath\":\"%s\"", p->next_path_any ? "any" : "same");
  jraw(b, "nextCursor", p->next_cursor);
  if(p->next_cursor)
    buf_printf(b, ",\"nextCursorInItems\":%s", p->next_cursor_in_items ? "true" : "false");
  jraw(b, "next", p->next);
  jraw(b, "hasMore", p->has_more);
  jraw(b, "total", p->total);
  jstr(b, "totalHeader", p->total_header);
  if(p->also_seen) {
    buf_puts(b, ",\"alsoSeen\":[");
    const char *s = p->also_seen;
    for(int first = 1; *s; first = 0) {
      size_t n = strcspn(s, ",");
      if(!first)
        buf_putc(b, ',');
      buf_json_strn(b, s, n);
      s += n;
      while(*s == ',' || *s == ' ')
        s++;
    }
    buf_putc(b, ']');
  }
  jstr(b, "description", p->description);
  buf_putc(b, '}');
}

_Static_assert((int)PAGING_OFFSET == (int)CPG_OFFSET && (int)PAGING_PAGE == (int)CPG_PAGE &&
               (int)PAGING_CURSOR == (int)CPG_CURSOR &&
               (int)PAGING_NEXT_URL == (int)CPG_NEXT_URL && (int)PAGING_LINK == (int)CPG_LINK,
               "paging styles are stored as cache_paging_style");
