/* xflow.c - the x-flow-* extensions (product.md §5): CRUD extensions become operation
 * plans, x-flow-identity on security schemes becomes the identity settings.
 *
 * Called by the OpenAPI walk (compile.c) and by type generation (types.c). Parsing of a
 * CRUD extension is deferred to xflow_finish_type(), once the type's properties are known.
 */
#include <string.h>
#include <strings.h>
#include "types.h"
#include "servers.h"
#include "answer_path.h"
#include "paging.h"
#include "unbound.h"
#include "body.h"              /* body encodings, emptyAs (issue 15) */
#include "../flow/config.h"
#include "../flow/user.h"
#include "../cache/cache.h"
#include "../common/text.h"
#include "actions.h"           /* message actions (issue 16) */

int xflow_crud_op(const struct doc_node *key)
{
  for(int i = 0; i < OP_MAX; i++)
    if(doc_scalar_eq_ci(key, flow_op_extension((unsigned)i)))
      return i;
  return -1;
}

static int is_xflow_key(const struct doc_node *k)
{
  return k->kind == DOC_SCALAR && k->len > 7 && !strncasecmp(k->str, "x-flow-", 7);
}

static int is_known_xflow(const struct doc_node *k)
{
  return xflow_crud_op(k) >= 0 || doc_scalar_eq_ci(k, "x-flow-type") ||
         doc_scalar_eq_ci(k, "x-flow-identity") ||
         /* message actions (§14.1) */
         doc_scalar_eq_ci(k, "x-flow-action") || doc_scalar_eq_ci(k, "x-flow-actions");
}

/* message actions (§14.1): the marks of operations, path items and the root */
static int is_action_key(const struct doc_node *k)
{
  return doc_scalar_eq_ci(k, "x-flow-action") || doc_scalar_eq_ci(k, "x-flow-actions");
}

static void set_plan(struct cctx *c, int t, int op, const struct doc_node *k,
                     const struct doc_node *v)
{
  struct model_plan *p = &c->m->types[t].plans[op];
  if(p->at) {
    diag_node(c->diag, DIAG_ERROR, k, "type '%s' already has %s (at %s)", c->m->types[t].name,
              flow_op_extension(op), cc_where(c, p->at));
    return;
  }
  p->at = k;
  p->ext = v;
  p->op = (enum cache_op)op;
}

void xflow_schema_crud(struct cctx *c, const struct doc_node *schema, int t)
{
  for(size_t i = 0; i < schema->n; i++) {
    const struct doc_node *k = schema->items[2 * i];
    int op = xflow_crud_op(k);
    if(op >= 0)
      set_plan(c, t, op, k, schema->items[2 * i + 1]);
    else if(is_action_key(k))
      diag_node(c->diag, DIAG_WARNING, k, "%s goes on an operation object (or, for "
                "x-flow-actions, a path item or the document root), not on a schema "
                "(ignored)", k->str);
    else if(is_xflow_key(k) && !is_known_xflow(k))
      diag_node(c->diag, DIAG_WARNING, k, "unknown extension '%s' (ignored)", k->str);
  }
}

void xflow_operation_crud(struct cctx *c, const struct doc_node *opnode, int t)
{
  for(size_t i = 0; i < opnode->n; i++) {
    const struct doc_node *k = opnode->items[2 * i];
    int op = xflow_crud_op(k);
    if(op >= 0)
      set_plan(c, t, op, k, opnode->items[2 * i + 1]);
  }
}

void xflow_check_undecorated(struct cctx *c, const struct doc_node *schema)
{
  if(!schema || schema->kind != DOC_MAP)
    return;
  for(size_t i = 0; i < schema->n; i++) {
    const struct doc_node *k = schema->items[2 * i];
    if(xflow_crud_op(k) >= 0)
      diag_node(c->diag, DIAG_ERROR, k, "%s on a schema without x-flow-type", k->str);
    else if(is_action_key(k))
      diag_node(c->diag, DIAG_WARNING, k, "%s goes on an operation object (or, for "
                "x-flow-actions, a path item or the document root), not on a schema "
                "(ignored)", k->str);
    else if(is_xflow_key(k) && !is_known_xflow(k))
      diag_node(c->diag, DIAG_WARNING, k, "unknown extension '%s' (ignored)", k->str);
  }
}

/* ------------------------------------------------------------------------------------ */

/* Where the OpenAPI operation declares parameter NAME; 0 if it does not. */
static enum cache_param_in declared_in(struct cctx *c, const struct api_op *api,
                                       const char *name)
{
  const struct doc_node *p = cc_find_param(c, api, name);
  if(!p)
    return 0;
  const struct doc_node *in = doc_get(p, "in");
  if(doc_scalar_eq(in, "path"))
    return PIN_PATH;
  if(doc_scalar_eq(in, "header"))
    return PIN_HEADER;
  if(doc_scalar_eq(in, "cookie"))
    return PIN_COOKIE;
  return PIN_QUERY;
}

static int path_has_placeholder(const char *path, const char *name)
{
  size_t n = strlen(name);
  for(const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{'))
    if(!strncmp(p + 1, name, n) && p[1 + n] == '}')
      return 1;
  return 0;
}

/* Request headers OpenAPI does not let a document declare as parameters (it ignores
 * header parameters named Accept, Content-Type and Authorization), and the common ones an
 * API documents in prose: a binding with such a name goes in a header (§13.8). */
static int header_only_name(const char *name)
{
  static const char *const names[] = { "Accept", "Accept-Language", "Content-Type",
                                       "Authorization", "User-Agent", "If-Match",
                                       "If-None-Match", "Prefer" };
  for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if(!strcasecmp(name, names[i]))
      return 1;
  return 0;
}

struct plan_builder {
  struct model_param params[64];
  size_t n;
  const char *failed[64];   /* parameters already diagnosed: no second error for them */
  size_t nfailed;
};

/* The builder's parameters become plan P's (in the model's arena); 0, or -1 out of memory
 * (cc_oom called). */
static int plan_take_params(struct cctx *c, struct model_plan *p, const struct plan_builder *b)
{
  p->params = arena_alloc(c->a, (b->n ? b->n : 1) * sizeof(*p->params));
  if(!p->params) {
    cc_oom(c);
    return -1;
  }
  memcpy(p->params, b->params, b->n * sizeof(*p->params));
  p->nparams = b->n;
  return 0;
}

static void add_param(struct cctx *c, struct plan_builder *b, const struct api_op *api,
                      const char *path, const struct doc_node *at, const char *name,
                      enum cache_param_src src, const char *arg)
{
  if(b->n == sizeof(b->params) / sizeof(b->params[0])) {
    diag_node(c->diag, DIAG_ERROR, at, "more than %zu parameters",
              sizeof(b->params) / sizeof(b->params[0]));
    return;
  }
  enum cache_param_in in = declared_in(c, api, name);
  if(!in) {
    /* §13.8: a guessed location is a warning, never silent; a header the document cannot
     * declare (Accept, User-Agent...) is a header, not a query parameter */
    in = path_has_placeholder(path, name) ? PIN_PATH :
         header_only_name(name) ? PIN_HEADER : PIN_QUERY;
    /* Accept, Content-Type and Authorization cannot be declared (OpenAPI ignores them):
     * still a guess, said as one, with the mark that says it without one */
    if(api && in == PIN_HEADER && (!strcasecmp(name, "Accept") ||
                                   !strcasecmp(name, "Content-Type") ||
                                   !strcasecmp(name, "Authorization")))
      diag_node(c->diag, DIAG_WARNING, at, "parameter '%s' cannot be declared in OpenAPI: "
                "sent as a header (guessed; headers: {%s: ...} in the mark says it without "
                "a guess)", name, name);
    else if(api)
      diag_node(c->diag, DIAG_WARNING, at, "parameter '%s' is not a parameter of %s %s: "
                "sent as a %s parameter (guessed)", name, cc_method_name(api->method),
                api->path, in == PIN_PATH ? "path" : in == PIN_HEADER ? "header" : "query");
  }
  struct model_param *p = &b->params[b->n++];
  p->name = name;
  p->arg = arg;
  p->src = src;
  p->in = in;
  p->flags = 0;
}

static int list_word(const char *w, enum cache_param_src *src)
{
  static const struct {
    const char *w;
    enum cache_param_src s;
  } words[] = {
    { "externalId", PSRC_EXTERNAL_ID }, { "id", PSRC_EXTERNAL_ID },
    { "limit", PSRC_LIMIT }, { "offset", PSRC_OFFSET }, { "search", PSRC_SEARCH },
    { "orderBy", PSRC_ORDER_BY }, { "orderByDirection", PSRC_ORDER_DIR },
  };
  for(size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if(!strcasecmp(w, words[i].w)) {
      *src = words[i].s;
      return 1;
    }
  return 0;
}

/* §13.9: is property W of TY (by name) one of its external ID's properties? */
static int is_eid_prop(const struct model_type *ty, const char *w)
{
  int pi = types_find_prop(ty, w);
  if(pi < 0)
    return 0;
  if(ty->neid) {
    for(size_t i = 0; i < ty->neid; i++)
      if(ty->eid_props[i] == (unsigned)pi)
        return 1;
    return 0;
  }
  return ty->external_id_prop == pi;
}

/* ---- {config: <developerName>} (product.md §5.2; issue 16) ---- */

/* Is configuration value I a secret (§5.2)? API Key, the client secret (and any
 * ContentPassword value, of which §4 has none today). */
static int config_secret(int i)
{
  return i == CFG_API_KEY || i == CFG_CLIENT_SECRET;
}

/* V is {config: NAME}: binds K to that configuration value (its canonical developerName,
 * matched case-insensitively and trimmed), flags a secret, warns about a secret in the
 * query. Returns 1 when V was such a token (diagnosed if wrong), else 0. */
static int config_param(struct cctx *c, struct plan_builder *b, const struct api_op *api,
                        const char *path, const struct doc_node *k, const struct doc_node *v)
{
  if(!v || v->kind != DOC_MAP || v->n != 1 || !doc_scalar_eq_ci(v->items[0], "config"))
    return 0;
  const struct doc_node *mv = v->items[1];
  int found = -1;
  if(mv->kind == DOC_SCALAR && mv->len) {
    const char *s = mv->str;
    size_t n = mv->len;
    while(n && (*s == ' ' || *s == '\t')) {
      s++;
      n--;
    }
    while(n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
      n--;
    for(int i = 0; i < CFG_COUNT && found < 0; i++)
      if(strlen(flow_config_names[i]) == n && !strncasecmp(flow_config_names[i], s, n))
        found = i;
  }
  if(found < 0) {
    struct buf names;
    buf_init(&names);
    for(int i = 0; i < CFG_COUNT; i++)
      buf_printf(&names, "%s%s", i ? ", " : "", flow_config_names[i]);
    diag_node(c->diag, DIAG_ERROR, mv, "parameter '%s': unknown configuration value '%s' "
              "(use one of: %s)", k->str, mv->kind == DOC_SCALAR ? mv->str : "?",
              names.data ? names.data : "");
    buf_free(&names);
    return 1;
  }
  size_t before = b->n;
  add_param(c, b, api, path, k, k->str, PSRC_CONFIG, flow_config_names[found]);
  if(b->n == before || !config_secret(found))
    return 1;
  b->params[b->n - 1].flags |= CPA_F_SECRET;
  if(b->params[b->n - 1].in == PIN_QUERY)
    diag_node(c->diag, DIAG_WARNING, k, "parameter '%s' is bound to the secret '%s' and sent "
              "in the query string, where proxies and server logs keep it", k->str,
              flow_config_names[found]);
  return 1;
}

static void one_param(struct cctx *c, int t, enum cache_op op, const struct doc_node *k,
                      const struct doc_node *v, const struct api_op *api, const char *path,
                      struct plan_builder *b)
{
  const struct model_type *ty = &c->m->types[t];
  if(doc_scalar_eq_ci(k, "where")) {
    if(op != OP_QUERY) {
      diag_node(c->diag, DIAG_ERROR, k, "'where' is only allowed in x-flow-query");
      return;
    }
    if(!v || v->kind != DOC_MAP) {
      diag_node(c->diag, DIAG_ERROR, v ? v : k, "'where' must map type properties to API "
                "parameter names");
      return;
    }
    for(size_t j = 0; j < v->n; j++) {
      const struct doc_node *wk = v->items[2 * j], *wv = v->items[2 * j + 1];
      if(wv->kind != DOC_SCALAR || !wv->len) {
        diag_node(c->diag, DIAG_ERROR, wv, "'where' entry '%s' must name an API parameter",
                  wk->str);
        continue;
      }
      if(types_find_prop(ty, wk->str) < 0) {
        diag_node(c->diag, DIAG_ERROR, wk, "'where' property '%s' is not a property of type "
                  "'%s'", wk->str, ty->name);
        continue;
      }
      add_param(c, b, api, path, wv, wv->str, PSRC_WHERE, wk->str);
    }
    return;
  }
  enum cache_param_src src;
  if(v->kind == DOC_SCALAR && v->len && !doc_is_null(v)) {
    const char *w = v->str;
    /* §5.2: the words win over property names however the value is quoted ("id" is id:
     * JSON documents quote every string); {property: id} names a property called id */
    if(list_word(w, &src)) {
      if(src != PSRC_EXTERNAL_ID && op != OP_QUERY && op != OP_LOAD)
        diag_node(c->diag, DIAG_WARNING, v, "'%s' has no value in %s (only loads have a "
                  "list filter)", w, op == OP_SAVE ? "x-flow-save" :
                  op == OP_UPDATE ? "x-flow-update" : "x-flow-delete");
      add_param(c, b, api, path, k, k->str, src, NULL);
    }
    else if(!strncasecmp(w, "$User.", 6)) {
      const char *f = w + 6;
      int field = flow_user_field_by_name(f);   /* the worker's own table */
      if(field < 0) {
        diag_node(c->diag, DIAG_ERROR, v, "unknown $User field '%s' (use UserId, Email, "
                  "FirstName, LastName, Username, DirectoryId, DirectoryName, "
                  "PrimaryGroupId, PrimaryGroupName, RoleId or RoleName)", f);
        return;
      }
      add_param(c, b, api, path, k, k->str, PSRC_USER,
                flow_user_field_key((enum flow_user_field)field));
    }
    else if(types_find_prop(ty, w) >= 0) {
      /* in a query a property word is an EQUAL criterion on it (the vendor's
       * `country: country`); elsewhere the object's property value */
      add_param(c, b, api, path, k, k->str,
                op == OP_QUERY ? PSRC_WHERE : op == OP_LOAD ?
                (is_eid_prop(ty, w) ? PSRC_ID_PART : PSRC_WHERE) : PSRC_PROPERTY, w);
    }
    else if(op == OP_QUERY || op == OP_LOAD)
      diag_node(c->diag, DIAG_WARNING, v, "parameter '%s': '%s' is neither a list-filter "
                "value (id, limit, offset, search, orderBy, orderByDirection) nor a property "
                "of type '%s', so it is never sent", k->str, w, ty->name);
    else
      diag_node(c->diag, DIAG_ERROR, v, "parameter '%s': '%s' is not a property of type "
                "'%s'", k->str, w, ty->name);
    return;
  }
  if(config_param(c, b, api, path, k, v))   /* {config: API Key} (§5.2, issue 16) */
    return;
  if(v->kind == DOC_MAP && v->n == 1 && v->items[1]->kind == DOC_SCALAR) {
    const struct doc_node *mk = v->items[0], *mv = v->items[1];
    if(doc_scalar_eq_ci(mk, "default")) {
      add_param(c, b, api, path, k, k->str, PSRC_DEFAULT, mv->str);
      return;
    }
    if(doc_scalar_eq_ci(mk, "property")) {
      if(types_find_prop(ty, mv->str) < 0)
        diag_node(c->diag, DIAG_ERROR, mv, "parameter '%s': '%s' is not a property of type "
                  "'%s'", k->str, mv->str, ty->name);
      else
        add_param(c, b, api, path, k, k->str, op == OP_LOAD && is_eid_prop(ty, mv->str) ?
                  PSRC_ID_PART : PSRC_PROPERTY, mv->str);
      return;
    }
  }
  diag_node(c->diag, DIAG_ERROR, v, "parameter '%s' must be a word, {default: value}, "
            "{config: name} or {property: name}", k->str);
}

static void parse_params(struct cctx *c, int t, enum cache_op op, const struct doc_node *ps,
                         const struct api_op *api, const char *path, struct plan_builder *b)
{
  if(!ps)
    return;
  if(ps->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, ps, "'parameters' must be a mapping of API parameter "
              "names to value sources");
    return;
  }
  for(size_t i = 0; i < ps->n; i++) {
    unsigned errors = c->diag->errors;
    one_param(c, t, op, ps->items[2 * i], ps->items[2 * i + 1], api, path, b);
    if(c->diag->errors != errors && b->nfailed < sizeof(b->failed) / sizeof(b->failed[0]))
      b->failed[b->nfailed++] = ps->items[2 * i]->str;
  }
}

/* OAuth 2.0 client credentials (§13.6): a security requirement's scope list (a sequence
 * of names) space-separated; NULL for none. */
static const char *cc_requirement_scopes(struct cctx *c, const struct doc_node *list)
{
  if(!list || list->kind != DOC_SEQ || !list->n)
    return NULL;
  struct buf b;
  buf_init(&b);
  for(size_t i = 0; i < list->n; i++) {
    if(list->items[i]->kind != DOC_SCALAR || !list->items[i]->len)
      continue;
    if(b.len)
      buf_putc(&b, ' ');
    buf_puts(&b, list->items[i]->str);
  }
  const char *r = buf_failed(&b) || !b.len ? NULL : arena_strndup(c->a, b.data, b.len);
  buf_free(&b);
  return r;
}

static void parse_security(struct cctx *c, struct model_plan *p, const struct api_op *api)
{
  const struct doc_node *sec = api ? doc_get(api->op, "security") : NULL;
  if(!sec)
    sec = c->root_security;
  if(!sec || sec->kind != DOC_SEQ || !sec->n)
    return;
  p->secalt = arena_calloc(c->a, sec->n * sizeof(*p->secalt));
  p->secalt_len = arena_calloc(c->a, sec->n * sizeof(*p->secalt_len));
  p->secalt_scope = arena_calloc(c->a, sec->n * sizeof(*p->secalt_scope));
  if(!p->secalt || !p->secalt_len || !p->secalt_scope) {
    cc_oom(c);
    return;
  }
  for(size_t i = 0; i < sec->n; i++) {
    const struct doc_node *alt = sec->items[i];
    if(alt->kind != DOC_MAP)
      continue;
    size_t *list = arena_calloc(c->a, (alt->n + 1) * sizeof(*list));
    size_t n = 0;
    int usable = 1;
    if(!list) {
      cc_oom(c);
      return;
    }
    const char **scopes = arena_calloc(c->a, (alt->n + 1) * sizeof(*scopes));
    if(!scopes) {
      cc_oom(c);
      return;
    }
    for(size_t j = 0; j < alt->n; j++) {
      const struct doc_node *name = alt->items[2 * j];
      size_t s = 0;
      for(; s < c->m->nschemes; s++)
        if(!strcmp(c->m->schemes[s].name, name->str))
          break;
      if(s == c->m->nschemes) {
        diag_node(c->diag, DIAG_WARNING, name, "security scheme '%s' is not defined in "
                  "components.securitySchemes", name->str);
        usable = 0;
        break;
      }
      /* OAuth 2.0 client credentials (§13.6): the scopes its token request asks for */
      if(c->m->schemes[s].flags & SCH_F_CC)
        scopes[n] = c->m->schemes[s].cc_scope ? c->m->schemes[s].cc_scope :
                    cc_requirement_scopes(c, alt->items[2 * j + 1]);
      list[n++] = s;
    }
    if(!usable)
      continue;
    p->secalt[p->nsecalts] = list;
    p->secalt_scope[p->nsecalts] = scopes;
    p->secalt_len[p->nsecalts] = n;
    p->nsecalts++;
  }
}

static void parse_exclude(struct cctx *c, const struct model_type *ty,
                          const struct doc_node *ex, unsigned char *excluded)
{
  if(!ex)
    return;
  if(ex->kind == DOC_SEQ) {
    for(size_t i = 0; i < ex->n; i++) {
      int pi = ex->items[i]->kind == DOC_SCALAR ? types_find_prop(ty, ex->items[i]->str) : -1;
      if(pi < 0)
        diag_node(c->diag, DIAG_WARNING, ex->items[i], "exclude: no property '%s' in type "
                  "'%s'", ex->items[i]->kind == DOC_SCALAR ? ex->items[i]->str : "?", ty->name);
      else
        excluded[pi] = 1;
    }
    return;
  }
  if(ex->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, ex, "'exclude' must map property names to true");
    return;
  }
  for(size_t i = 0; i < ex->n; i++) {
    const struct doc_node *k = ex->items[2 * i], *v = ex->items[2 * i + 1];
    enum doc_bool b = doc_bool(v);
    if(b == DOC_NOT_BOOL) {
      diag_node(c->diag, DIAG_ERROR, v, "exclude: '%s' must be true or false", k->str);
      continue;
    }
    int pi = types_find_prop(ty, k->str);
    if(pi < 0)
      diag_node(c->diag, DIAG_WARNING, k, "exclude: no property '%s' in type '%s'", k->str,
                ty->name);
    else if(b == DOC_TRUE)
      excluded[pi] = 1;
  }
}

static void parse_example(struct cctx *c, struct model_plan *p, const struct doc_node *ex)
{
  if(!ex)
    return;
  enum doc_bool b = doc_bool(ex);
  if(b != DOC_NOT_BOOL) {
    if(b == DOC_TRUE) {
      p->flags |= PLAN_F_EXAMPLE;
      p->example_setting = ex;
    }
    return;
  }
  if(ex->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, ex, "'example' must be true, false or {response, "
              "examples}");
    return;
  }
  for(size_t i = 0; i < ex->n; i++) {
    const struct doc_node *k = ex->items[2 * i], *v = ex->items[2 * i + 1];
    if(doc_scalar_eq_ci(k, "response") || doc_scalar_eq_ci(k, "examples")) {
      if(v->kind != DOC_SCALAR || !v->len)
        diag_node(c->diag, DIAG_ERROR, v, "example: '%s' must be a %s", k->str,
                  doc_scalar_eq_ci(k, "response") ? "status code" : "name");
    }
    else
      diag_node(c->diag, DIAG_WARNING, k, "unknown key '%s' in example (ignored)", k->str);
  }
  p->flags |= PLAN_F_EXAMPLE;
  p->example_setting = ex;
}

static int key_allowed(enum cache_op op, const struct doc_node *k)
{
  if(doc_scalar_eq_ci(k, "path") || doc_scalar_eq_ci(k, "operation") ||
     doc_scalar_eq_ci(k, "parameters") || doc_scalar_eq_ci(k, "example") ||
     doc_scalar_eq_ci(k, "headers"))
    return 1;
  if(doc_scalar_eq_ci(k, "items") || doc_scalar_eq_ci(k, "paging"))
    return op == OP_LOAD || op == OP_QUERY;
  if(doc_scalar_eq_ci(k, "exclude"))
    return op == OP_UPDATE;
  if(doc_scalar_eq_ci(k, "idempotencyKey"))      /* retries (§13.4) */
    return op == OP_SAVE || op == OP_UPDATE || op == OP_DELETE;
  return body_key_allowed(op, k);   /* emptyAs (issue 15) */
}

/* A list plan (load, query): how it pages (§12.1), and where its list is when the 2xx
 * response schema says it and no `items` is written (§12.1 last paragraph). */
static void list_plan(struct cctx *c, int t, enum cache_op op, const struct api_op *api)
{
  struct model_plan *p = &c->m->types[t].plans[op];
  struct model_paging *pg = arena_alloc(c->a, sizeof(*pg));
  if(!pg) {
    cc_oom(c);
    return;
  }
  if(paging_plan(c, t, op, api, pg) == OAC_OK && pg->style != PAGING_NONE)
    p->paging = pg;
  if(p->items || !api)
    return;
  const struct doc_node *response = paging_response_schema(c, api, NULL);
  struct answer_path where;
  if(response && answer_list_locate(c, response, c->m->types[t].schema, &where)) {
    const char *dotted = answer_path_dotted(c, &where);
    if(dotted && *dotted)
      p->items = dotted;
  }
}

/* §13.9: a path parameter of an x-flow-load that a load by id cannot fill is an error:
 * one bound to a property outside the external ID, when the load only ever runs by id
 * (the type has an x-flow-query, or the load binds the id). */
static void load_path_fillable(struct cctx *c, int t, const struct doc_node *path,
                               const struct plan_builder *b)
{
  const struct model_type *ty = &c->m->types[t];
  int by_id_only = ty->plans[OP_QUERY].at != NULL;
  for(size_t i = 0; i < b->n; i++)
    by_id_only |= b->params[i].src == PSRC_EXTERNAL_ID || b->params[i].src == PSRC_ID_PART;
  if(!by_id_only)
    return;   /* a load without id: the list filter's criteria fill them */
  struct buf props;               /* the suggestion: every such property, in order */
  buf_init(&props);
  for(size_t i = 0; i < b->n; i++) {
    const struct model_param *q = &b->params[i];
    if(q->in == PIN_PATH && (q->src == PSRC_WHERE || q->src == PSRC_PROPERTY))
      buf_printf(&props, "%s%s", props.len ? ", " : "", q->arg);
  }
  for(size_t i = 0; i < b->n; i++) {
    const struct model_param *q = &b->params[i];
    if(q->in != PIN_PATH || (q->src != PSRC_WHERE && q->src != PSRC_PROPERTY))
      continue;
    diag_node(c->diag, DIAG_ERROR, path, "x-flow-load: path parameter '%s' is bound to "
              "property '%s', which a load by id does not carry: make it part of the "
              "external ID (x-flow-type.externalId: [%s]), or bind it to externalId, a "
              "constant or $User", q->name, q->arg, props.data ? props.data : q->arg);
  }
  buf_free(&props);
}

/* Retries (§13.4): `idempotencyKey: <header>` on a save, update or delete, an HTTP header
 * name (RFC 9110 token) that the call does not already send for something else. */
static void parse_idempotency_key(struct cctx *c, struct model_plan *p, enum cache_op op,
                                  const struct doc_node *k)
{
  if(!k || !(op == OP_SAVE || op == OP_UPDATE || op == OP_DELETE ||
              op == (enum cache_op)OP_ACTION))
    return;
  if(k->kind != DOC_SCALAR || !k->len) {
    diag_node(c->diag, DIAG_ERROR, k, "'idempotencyKey' must be the name of a header, like "
              "Idempotency-Key");
    return;
  }
  static const char tchar[] = "!#$%&'*+-.^_`|~";
  for(size_t i = 0; i < k->len; i++) {
    unsigned char ch = (unsigned char)k->str[i];
    if(!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch && strchr(tchar, ch)))) {
      diag_node(c->diag, DIAG_ERROR, k, "'idempotencyKey' is not a header name: '%s' has "
                "'%c' at %zu", k->str, ch >= 0x20 && ch < 0x7f ? ch : '?', i + 1);
      return;
    }
  }
  for(size_t i = 0; i < p->nparams; i++)
    if(p->params[i].in == PIN_HEADER && !strcasecmp(p->params[i].name, k->str)) {
      diag_node(c->diag, DIAG_ERROR, k, "'idempotencyKey' header '%s' is already a parameter "
                "of this call", k->str);
      return;
    }
  static const char *const reserved[] = { "Authorization", "Content-Type", "Content-Length",
                                          "Host", "Cookie", "Accept", "Expect",
                                          "Transfer-Encoding" };
  for(size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
    if(!strcasecmp(reserved[i], k->str)) {
      diag_node(c->diag, DIAG_ERROR, k, "'idempotencyKey' cannot be the %s header",
                reserved[i]);
      return;
    }
  p->idempotency_key = k->str;
}

static void finish_plan(struct cctx *c, int t, enum cache_op op)
{
  struct model_plan *p = &c->m->types[t].plans[op];
  const struct doc_node *v = p->ext, *key = p->at;
  const char *ext = flow_op_extension(op);
  if(!v || v->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, v && !doc_is_null(v) ? v : key, "'%s' must be a mapping",
              ext);
    return;
  }
  for(size_t i = 0; i < v->n; i++)
    if(!key_allowed(op, v->items[2 * i]))
      diag_node(c->diag, DIAG_WARNING, v->items[2 * i], "unknown key '%s' in %s (ignored)",
                v->items[2 * i]->str, ext);
  const struct doc_node *path = doc_get_ci(v, "path");
  const struct doc_node *method = doc_get_ci(v, "operation");
  unsigned errors = c->diag->errors;
  if(!path)
    diag_node(c->diag, DIAG_ERROR, key, "%s needs a 'path'", ext);
  else if(path->kind != DOC_SCALAR || path->str[0] != '/')
    diag_node(c->diag, DIAG_ERROR, path, "path must start with '/'");
  if(!method)
    diag_node(c->diag, DIAG_ERROR, key, "%s needs an 'operation'", ext);
  else if(method->kind != DOC_SCALAR || !cache_method_parse(method->str))
    diag_node(c->diag, DIAG_ERROR, method, "unknown HTTP method '%s'",
              method->kind == DOC_SCALAR ? method->str : "?");
  if(c->diag->errors != errors)
    return;
  p->method = cache_method_parse(method->str);
  p->path = path->str;
  const struct api_op *api = cc_find_op(c, p->method, p->path);
  if(!api)
    diag_node(c->diag, DIAG_WARNING, path, "no operation %s %s in paths: parameter locations "
              "are guessed", cc_method_name(p->method), p->path);
  p->operation = api ? api->op : NULL;
  /* servers (§13.7): path- or operation-level servers */
  p->server_list = servers_for_op(c, api ? api->op : NULL, api ? api->item : NULL);
  struct plan_builder b;
  b.n = 0;
  b.nfailed = 0;
  parse_params(c, t, op, doc_get_ci(v, "parameters"), api, p->path, &b);
  {
    /* §13.8: the `headers:` mark, then what no binding gives (unbound.c) */
    struct unbound_plan ub = { b.params, &b.n, sizeof(b.params) / sizeof(b.params[0]),
                               b.failed, b.nfailed, ext };
    unbound_headers(c, api, doc_get_ci(v, "headers"), &ub);
    unbound_params(c, api, path, &ub);
  }
  /* every {placeholder} must be bound */
  for(const char *s = strchr(p->path, '{'); s; s = strchr(s + 1, '{')) {
    const char *e = strchr(s, '}');
    if(!e)
      break;
    size_t j = 0;
    for(; j < b.n; j++)
      if(b.params[j].in == PIN_PATH && strlen(b.params[j].name) == (size_t)(e - s - 1) &&
         !strncmp(b.params[j].name, s + 1, (size_t)(e - s - 1)))
        break;
    for(size_t f = 0; j == b.n && f < b.nfailed; f++)
      if(strlen(b.failed[f]) == (size_t)(e - s - 1) &&
         !strncmp(b.failed[f], s + 1, (size_t)(e - s - 1)))
        j = 0;   /* its binding was wrong, and said so */
    if(j == b.n)
      diag_node(c->diag, DIAG_ERROR, path, "path parameter '%.*s' has no binding in "
                "parameters", (int)(e - s - 1), s + 1);
  }
  if(op == OP_LOAD)
    load_path_fillable(c, t, path, &b);
  if(plan_take_params(c, p, &b))
    return;
  const struct doc_node *items = doc_get_ci(v, "items");
  if(items && (op == OP_LOAD || op == OP_QUERY)) {
    if(items->kind != DOC_SCALAR || !items->len)
      diag_node(c->diag, DIAG_ERROR, items, "'items' must be a dotted path like albums.items");
    else
      p->items = items->str;
  }
  if(op == OP_LOAD || op == OP_QUERY)
    list_plan(c, t, op, api);
  parse_example(c, p, doc_get_ci(v, "example"));
  parse_security(c, p, api);
  parse_idempotency_key(c, p, op, doc_get_ci(v, "idempotencyKey"));
  if((op == OP_SAVE || op == OP_UPDATE) &&
     (p->method == M_POST || p->method == M_PUT || p->method == M_PATCH)) {
    const struct model_type *ty = &c->m->types[t];
    unsigned char *excluded = arena_calloc(c->a, ty->nprops + 1);
    p->body = arena_alloc(c->a, (ty->nprops + 1) * sizeof(*p->body));
    if(!excluded || !p->body) {
      cc_oom(c);
      return;
    }
    if(op == OP_UPDATE)
      parse_exclude(c, ty, doc_get_ci(v, "exclude"), excluded);
    p->flags |= PLAN_F_BODY;
    for(size_t i = 0; i < ty->nprops; i++)
      if(!excluded[i] && !(ty->props[i].flags & (CP_READONLY | CP_CUSTOM)))
        p->body[p->nbody++] = (unsigned)i;
    body_plan(c, t, p, api);        /* media type, form encodings, emptyAs (issue 15) */
  }
  else
    body_empty_as(c, p);
  p->present = 1;
}

/* ---- message actions (product.md §14.1; issue 16): the call of an action ---------- */

/* One entry of an action's `parameters`: {default: value}, {config: name} or
 * $User.<Field> (§5.2); an action has no object, so nothing else. */
static void action_param(struct cctx *c, struct plan_builder *b, const struct api_op *api,
                         const struct doc_node *k, const struct doc_node *v)
{
  if(config_param(c, b, api, api->path, k, v))
    return;
  if(v->kind == DOC_SCALAR && !strncasecmp(v->str, "$User.", 6)) {
    int field = flow_user_field_by_name(v->str + 6);
    if(field < 0)
      diag_node(c->diag, DIAG_ERROR, v, "unknown $User field '%s' (use UserId, Email, "
                "FirstName, LastName, Username, DirectoryId, DirectoryName, "
                "PrimaryGroupId, PrimaryGroupName, RoleId or RoleName)", v->str + 6);
    else
      add_param(c, b, api, api->path, k, k->str, PSRC_USER,
                flow_user_field_key((enum flow_user_field)field));
    return;
  }
  if(v->kind == DOC_MAP && v->n == 1 && v->items[1]->kind == DOC_SCALAR &&
     doc_scalar_eq_ci(v->items[0], "default")) {
    add_param(c, b, api, api->path, k, k->str, PSRC_DEFAULT, v->items[1]->str);
    return;
  }
  diag_node(c->diag, DIAG_ERROR, v, "x-flow-action: parameter '%s' must be {default: value}, "
            "{config: name} or $User.<Field>", k->kind == DOC_SCALAR ? k->str : "?");
}

void xflow_action_plan(struct cctx *c, struct model_plan *p, const struct api_op *api,
                       const struct doc_node *at, const struct doc_node *mark)
{
  p->op = (enum cache_op)OP_ACTION;
  p->at = at;
  p->ext = mark;
  p->method = api->method;
  p->path = api->path;
  p->operation = api->op;
  p->server_list = servers_for_op(c, api->op, api->item);
  struct plan_builder b;
  b.n = 0;
  b.nfailed = 0;
  const struct doc_node *ps = mark ? doc_get_ci(mark, "parameters") : NULL;
  if(ps && ps->kind != DOC_MAP)
    diag_node(c->diag, DIAG_ERROR, ps, "x-flow-action: 'parameters' must map API parameter "
              "names to {default: value}, {config: name} or $User.<Field>");
  else
    for(size_t i = 0; ps && i < ps->n; i++)
      action_param(c, &b, api, ps->items[2 * i], ps->items[2 * i + 1]);
  struct unbound_plan ub = { b.params, &b.n, sizeof(b.params) / sizeof(b.params[0]),
                             b.failed, b.nfailed, "x-flow-action" };
  unbound_headers(c, api, mark ? doc_get_ci(mark, "headers") : NULL, &ub);
  if(plan_take_params(c, p, &b))
    return;
  parse_example(c, p, mark ? doc_get_ci(mark, "example") : NULL);
  parse_security(c, p, api);
  parse_idempotency_key(c, p, (enum cache_op)OP_ACTION,
                        mark ? doc_get_ci(mark, "idempotencyKey") : NULL);
  p->present = 1;
}

/* §13.9: `externalId: [owner, name]`: the properties whose values, joined by '/', are the
 * external ID. Each a scalar property of the type, each once; one entry is a single ID. */
static void composite_id(struct cctx *c, struct model_type *ty, const struct doc_node *eid)
{
  if(!eid->n) {
    diag_node(c->diag, DIAG_ERROR, eid, "externalId of type '%s': the list is empty",
              ty->name);
    return;
  }
  if(eid->n > 16) {
    diag_node(c->diag, DIAG_ERROR, eid, "externalId of type '%s': more than 16 properties",
              ty->name);
    return;
  }
  unsigned *list = arena_alloc(c->a, eid->n * sizeof(*list));
  if(!list) {
    cc_oom(c);
    return;
  }
  size_t n = 0;
  unsigned errors = c->diag->errors;
  for(size_t i = 0; i < eid->n; i++) {
    const struct doc_node *e = eid->items[i];
    int pi = e->kind == DOC_SCALAR ? types_find_prop(ty, e->str) : -1;
    if(pi < 0) {
      diag_node(c->diag, DIAG_ERROR, e, "externalId '%s' is not a property of type '%s'",
                e->kind == DOC_SCALAR ? e->str : "?", ty->name);
      continue;
    }
    enum cache_ctype ct = ty->props[pi].ctype;
    if(ct == CT_OBJECT || ct == CT_LIST || (ty->props[pi].flags & CP_JSONTEXT)) {
      diag_node(c->diag, DIAG_ERROR, e, "externalId '%s' of type '%s' is not a scalar "
                "property (a string, number or boolean)", e->str, ty->name);
      continue;
    }
    int dup = 0;
    for(size_t j = 0; j < n; j++)
      dup |= list[j] == (unsigned)pi;
    if(dup) {
      diag_node(c->diag, DIAG_ERROR, e, "externalId of type '%s' lists '%s' twice", ty->name,
                e->str);
      continue;
    }
    list[n++] = (unsigned)pi;
  }
  if(c->diag->errors != errors)
    return;
  ty->external_id_prop = (int)list[0];
  if(n > 1) {
    ty->eid_props = list;
    ty->neid = n;
  }
}

void xflow_finish_type(struct cctx *c, int t)
{
  struct model_type *ty = &c->m->types[t];
  ty->external_id_prop = -1;
  const struct doc_node *xt = ty->flags & CT_F_HELPER ? NULL :
                              doc_get_ci(ty->schema, "x-flow-type");
  const struct doc_node *eid = xt ? doc_get_ci(xt, "externalId") : NULL;
  if(eid && eid->kind == DOC_SEQ)
    composite_id(c, ty, eid);
  else if(eid) {
    int pi = eid->kind == DOC_SCALAR ? types_find_prop(ty, eid->str) : -1;
    if(pi < 0)
      diag_node(c->diag, DIAG_ERROR, eid, "externalId '%s' is not a property of type '%s'",
                eid->kind == DOC_SCALAR ? eid->str : "?", ty->name);
    ty->external_id_prop = pi;
  }
  else if(!(ty->flags & CT_F_SCALAR_ITEM)) {
    for(size_t i = 0; i < ty->nprops; i++)
      if(!strcasecmp(ty->props[i].name, "id") && !(ty->props[i].flags & CP_ALTERNATIVE)) {
        ty->external_id_prop = (int)i;
        break;
      }
  }
  for(int op = 0; op < OP_MAX; op++)
    if(c->m->types[t].plans[op].at)
      finish_plan(c, t, (enum cache_op)op);
}

/* ------------------------------------------------------------------------------------ */

/* An absolute http(s) URL, or NULL with an error at N (when present). */
static const char *url_of(struct cctx *c, const struct doc_node *n, const char *what)
{
  if(!n)
    return NULL;
  if(n->kind != DOC_SCALAR || !n->len) {
    diag_node(c->diag, DIAG_ERROR, n, "'%s' must be a URL", what);
    return NULL;
  }
  if(!text_is_http_url(n->str)) {
    diag_node(c->diag, DIAG_ERROR, n, "'%s' must be an absolute http(s) URL, got '%s'", what,
              n->str);
    return NULL;
  }
  return n->str;
}

static void identity_me(struct cctx *c, struct model_scheme *s, const struct doc_node *me)
{
  static const char *const keys[] = { "defaultUrl", "userInfoUrl", "firstName", "lastName",
                                      "email", "username", "userId" };
  if(me->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, me, "'me' must be a mapping");
    return;
  }
  for(size_t i = 0; i < me->n; i++) {
    const struct doc_node *k = me->items[2 * i], *v = me->items[2 * i + 1];
    size_t j = 0;
    for(; j < sizeof(keys) / sizeof(keys[0]); j++)
      if(doc_scalar_eq_ci(k, keys[j]))
        break;
    if(j == sizeof(keys) / sizeof(keys[0])) {
      diag_node(c->diag, DIAG_WARNING, k, "unknown key '%s' in x-flow-identity.me (ignored)",
                k->str);
      continue;
    }
    if(j < 2) {
      const char *u = url_of(c, v, keys[j]);
      *(j ? &s->userinfo_url : &s->default_url) = u;
      continue;
    }
    if(v->kind != DOC_SCALAR || !v->len) {
      diag_node(c->diag, DIAG_ERROR, v, "'%s' must be a string", k->str);
      continue;
    }
    const char **dst[] = { &s->map_first_name, &s->map_last_name, &s->map_email,
                           &s->map_username, &s->map_user_id };
    *dst[j - 2] = v->str;
  }
}

/* Does the JSON array N hold the string S? */
static int list_has(const struct doc_node *n, const char *s)
{
  if(!n || n->kind != DOC_SEQ)
    return 0;
  for(size_t i = 0; i < n->n; i++)
    if(doc_scalar_eq(n->items[i], s))
      return 1;
  return 0;
}

/* openIdConnect: the discovery document at openIdConnectUrl (URL, the node AT), fetched now
 * so the worker never has to: its authorization, token and userinfo endpoints, and how the
 * token endpoint wants the client authenticated. */
static void oidc_discover(struct cctx *c, struct model_scheme *s, const struct doc_node *at,
                          const char *url)
{
  struct doc_file *f = NULL;
  enum oac_result r = doc_load(c->docs, url, &f);
  if(r == OAC_ENOMEM) {
    cc_oom(c);
    return;
  }
  if(r || !f || !f->root || f->root->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, at, "openIdConnect scheme '%s': cannot read the discovery "
              "document %s%s", s->name, url, r ? " (see above)" : ": not a JSON object");
    return;
  }
  static const char *const keys[] = { "authorization_endpoint", "token_endpoint",
                                      "userinfo_endpoint" };
  const char **dst[] = { &s->authorization_url, &s->token_url, &s->userinfo_url };
  for(size_t i = 0; i < 3; i++) {
    const struct doc_node *v = doc_get(f->root, keys[i]);
    if(!v || v->kind != DOC_SCALAR || !text_is_http_url(v->str))
      diag_node(c->diag, DIAG_ERROR, at, "openIdConnect scheme '%s': the discovery document "
                "%s has no http(s) '%s'", s->name, url, keys[i]);
    else
      *dst[i] = v->str;
  }
  /* OpenID Connect Discovery: absent means client_secret_basic */
  const struct doc_node *methods = doc_get(f->root, "token_endpoint_auth_methods_supported");
  if(!methods || list_has(methods, "client_secret_basic") ||
     !list_has(methods, "client_secret_post"))
    s->flags |= SCH_F_CLIENT_BASIC;
}

/* ---- OAuth 2.0 client credentials (product.md §13.6) ------------------------------- */

/* flows.clientCredentials of oauth2 scheme S: its tokenUrl makes the scheme satisfiable
 * with the configured client id and secret; client_secret_basic unless x-flow-identity's
 * clientAuthentication says otherwise. */
static void cc_flow(struct cctx *c, struct model_scheme *s, const struct doc_node *cc)
{
  const struct doc_node *tu = cc->kind == DOC_MAP ? doc_get(cc, "tokenUrl") : NULL;
  if(!doc_is_scalar(tu) || !text_is_http_url(tu->str)) {
    diag_node(c->diag, DIAG_WARNING, tu ? tu : cc, "oauth2 scheme '%s': flows.clientCredentials "
              "needs an absolute http(s) tokenUrl; its client credentials are not used",
              s->name);
    return;
  }
  s->cc_token_url = tu->str;
  s->flags |= SCH_F_CC | SCH_F_CC_BASIC;
}

/* application/x-www-form-urlencoded: every byte but ALPHA DIGIT - . _ ~ as %XX. */
static void cc_form_encode(struct buf *b, const char *v)
{
  static const char hex[] = "0123456789ABCDEF";
  for(const unsigned char *p = (const unsigned char *)v; *p; p++) {
    if((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
       *p == '-' || *p == '.' || *p == '_' || *p == '~')
      buf_putc(b, (char)*p);
    else {
      buf_putc(b, '%');
      buf_putc(b, hex[*p >> 4]);
      buf_putc(b, hex[*p & 15]);
    }
  }
}

/* x-flow-identity.tokenParameters: extra form fields of the token request, encoded now. */
static void cc_token_parameters(struct cctx *c, struct model_scheme *s,
                                const struct doc_node *tp)
{
  static const char *const reserved[] = { "grant_type", "scope", "client_id",
                                          "client_secret", "client_assertion",
                                          "client_assertion_type" };
  if(tp->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, tp, "'tokenParameters' must map form field names to "
              "values (e.g. audience: https://api.example.com)");
    return;
  }
  if(!(s->flags & SCH_F_CC))
    diag_node(c->diag, DIAG_WARNING, tp, "scheme '%s': 'tokenParameters' are sent only by "
              "client credentials (flows.clientCredentials), which it has not", s->name);
  struct buf b;
  buf_init(&b);
  for(size_t i = 0; i < tp->n; i++) {
    const struct doc_node *k = tp->items[2 * i], *v = tp->items[2 * i + 1];
    size_t r = 0;
    for(; r < sizeof(reserved) / sizeof(reserved[0]); r++)
      if(doc_scalar_eq(k, reserved[r]))
        break;
    if(r < sizeof(reserved) / sizeof(reserved[0])) {
      diag_node(c->diag, DIAG_ERROR, k, "tokenParameters: '%s' is set by the connector",
                k->str);
      continue;
    }
    if(k->kind != DOC_SCALAR || !k->len || v->kind != DOC_SCALAR || doc_is_null(v)) {
      diag_node(c->diag, DIAG_ERROR, v, "tokenParameters: '%s' must have a text value",
                k->kind == DOC_SCALAR ? k->str : "?");
      continue;
    }
    if(b.len)
      buf_putc(&b, '&');
    cc_form_encode(&b, k->str);
    buf_putc(&b, '=');
    cc_form_encode(&b, v->str);
  }
  if(buf_failed(&b))
    cc_oom(c);
  else if(b.len)
    s->cc_token_params = arena_strndup(c->a, b.data, b.len);
  buf_free(&b);
}

/* clientAuthentication V: 1 basic, 0 post, -1 wrong (said). */
static int cc_client_auth(struct cctx *c, const struct doc_node *v)
{
  if(doc_scalar_eq(v, "client_secret_basic"))
    return 1;
  if(doc_scalar_eq(v, "client_secret_post"))
    return 0;
  diag_node(c->diag, DIAG_ERROR, v, "'clientAuthentication' is client_secret_post or "
            "client_secret_basic");
  return -1;
}

/* x-flow-identity on an oauth2 scheme with client credentials and no sign-in flow: how
 * its token requests are made, nothing else (it provides no identity). */
static void identity_cc_only(struct cctx *c, struct model_scheme *s,
                             const struct doc_node *xid)
{
  for(size_t i = 0; i < xid->n; i++) {
    const struct doc_node *k = xid->items[2 * i], *v = xid->items[2 * i + 1];
    if(doc_scalar_eq_ci(k, "clientAuthentication")) {
      int basic = cc_client_auth(c, v);
      if(basic == 1)
        s->flags |= SCH_F_CC_BASIC;
      else if(!basic)
        s->flags &= ~SCH_F_CC_BASIC;
    }
    else if(doc_scalar_eq_ci(k, "scope")) {
      if(v->kind != DOC_SCALAR || !v->len)
        diag_node(c->diag, DIAG_ERROR, v, "'scope' must be a space-separated list");
      else
        s->cc_scope = v->str;
    }
    else if(doc_scalar_eq_ci(k, "tokenParameters"))
      cc_token_parameters(c, s, v);
    else if(doc_scalar_eq_ci(k, "me"))
      diag_node(c->diag, DIAG_WARNING, k, "oauth2 scheme '%s' has client credentials only: "
                "nobody signs in, so 'me' is not used", s->name);
    else
      diag_node(c->diag, DIAG_WARNING, k, "unknown key '%s' in x-flow-identity (ignored)",
                k->str);
  }
}

/* x-flow-identity on scheme S (defined at DEF, named NAME): what each variant needs. */
static void identity(struct cctx *c, struct model_scheme *s, const struct doc_node *name,
                     const struct doc_node *def, const struct doc_node *xid)
{
  if(xid->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, xid, "'x-flow-identity' must be a mapping");
    return;
  }
  if(s->type != SCH_BASIC && s->type != SCH_OAUTH2 && s->type != SCH_OIDC) {
    diag_node(c->diag, DIAG_ERROR, xid, "scheme '%s': x-flow-identity goes on an http basic, "
              "oauth2 or openIdConnect scheme (an apiKey needs none: the API Key "
              "configuration value is sent)", s->name);
    return;
  }
  /* client credentials only (§13.6): no sign-in, so no providesIdentity */
  const struct doc_node *flows = s->type == SCH_OAUTH2 ? doc_get(def, "flows") : NULL;
  if(flows && doc_get(flows, "clientCredentials") && !doc_get(flows, "authorizationCode")) {
    identity_cc_only(c, s, xid);
    return;
  }
  s->flags |= SCH_F_IDENTITY;
  if(!(c->m->flags & CACHE_F_IDENTITY))
    s->flags |= SCH_F_SIGN_IN;
  else
    diag_node(c->diag, DIAG_WARNING, xid, "scheme '%s': another scheme's x-flow-identity "
              "already provides the sign-in; this one only secures API calls", s->name);
  c->m->flags |= CACHE_F_IDENTITY;
  const struct doc_node *me = NULL, *client_auth = NULL;
  for(size_t i = 0; i < xid->n; i++) {
    const struct doc_node *k = xid->items[2 * i], *v = xid->items[2 * i + 1];
    if(doc_scalar_eq_ci(k, "me"))
      identity_me(c, s, me = v);
    else if(doc_scalar_eq_ci(k, "scope")) {
      if(v->kind != DOC_SCALAR || !v->len)
        diag_node(c->diag, DIAG_ERROR, v, "'scope' must be a space-separated list");
      else
        s->scope = v->str;
    }
    else if(doc_scalar_eq_ci(k, "clientAuthentication"))
      client_auth = v;
    else if(doc_scalar_eq_ci(k, "tokenParameters") && s->type == SCH_OAUTH2)
      cc_token_parameters(c, s, v);             /* client credentials (§13.6) */
    else
      diag_node(c->diag, DIAG_WARNING, k, "unknown key '%s' in x-flow-identity (ignored)",
                k->str);
  }
  switch(s->type) {
  case SCH_BASIC:
    if(!me)
      diag_node(c->diag, DIAG_ERROR, xid, "basic scheme '%s': x-flow-identity needs 'me' "
                "with a defaultUrl or a userInfoUrl to check the credentials at", s->name);
    else if(!s->default_url && !s->userinfo_url)
      diag_node(c->diag, DIAG_ERROR, me, "basic scheme '%s': 'me' needs a defaultUrl or a "
                "userInfoUrl", s->name);
    else if(s->default_url && s->userinfo_url)
      diag_node(c->diag, DIAG_WARNING, me, "basic scheme '%s': 'me' has both URLs; the "
                "userInfoUrl is used", s->name);
    break;
  case SCH_OAUTH2: {
    const struct doc_node *flows = doc_get(def, "flows");
    const struct doc_node *code = flows ? doc_get(flows, "authorizationCode") : NULL;
    if(!s->authorization_url || !s->token_url)
      diag_node(c->diag, DIAG_ERROR, code ? code : name, "oauth2 scheme '%s': x-flow-identity "
                "needs flows.authorizationCode with an authorizationUrl and a tokenUrl",
                s->name);
    else {
      s->authorization_url = url_of(c, doc_get(code, "authorizationUrl"), "authorizationUrl");
      s->token_url = url_of(c, doc_get(code, "tokenUrl"), "tokenUrl");
    }
    if(!me || !s->userinfo_url)
      diag_node(c->diag, DIAG_ERROR, me ? me : xid, "oauth2 scheme '%s': x-flow-identity "
                "needs 'me' with a userInfoUrl (where the signed-in user is read)", s->name);
    break;
  }
  default: {                                    /* SCH_OIDC */
    const struct doc_node *u = doc_get(def, "openIdConnectUrl");
    if(!s->scope)
      diag_node(c->diag, DIAG_ERROR, xid, "openIdConnect scheme '%s': x-flow-identity needs "
                "a 'scope' (e.g. \"openid email profile\")", s->name);
    if(!u)
      diag_node(c->diag, DIAG_ERROR, name, "openIdConnect scheme '%s' needs an "
                "openIdConnectUrl", s->name);
    else if(me)
      diag_node(c->diag, DIAG_WARNING, me, "openIdConnect scheme '%s': 'me' is not used; "
                "the user comes from the provider's userinfo claims", s->name);
    const char *url = url_of(c, u, "openIdConnectUrl");
    if(url)
      oidc_discover(c, s, u, url);
    if(s->scope && !strstr(s->scope, "openid"))
      diag_node(c->diag, DIAG_WARNING, xid, "openIdConnect scheme '%s': the scope has no "
                "'openid'; most providers then answer no user info", s->name);
    break;
  }
  }
  /* ours: how the token endpoint wants the client authenticated (openIdConnect: the
   * discovery document decides unless this says otherwise) */
  if(client_auth && s->type != SCH_BASIC) {
    /* a value set once applies to the code exchange and to client credentials (§13.6) */
    int basic = cc_client_auth(c, client_auth);
    if(basic == 1)
      s->flags |= SCH_F_CLIENT_BASIC | (s->flags & SCH_F_CC ? SCH_F_CC_BASIC : 0);
    else if(!basic)
      s->flags &= ~(SCH_F_CLIENT_BASIC | SCH_F_CC_BASIC);
  }
  else if(client_auth)
    diag_node(c->diag, DIAG_WARNING, client_auth, "basic scheme '%s': 'clientAuthentication' "
              "is for oauth2 and openIdConnect (ignored)", s->name);
}

static void one_scheme(struct cctx *c, const struct doc_node *name, const struct doc_node *raw)
{
  const struct doc_node *def = cc_resolve(c, raw);
  if(!def || def->kind != DOC_MAP)
    return;
  if(c->m->nschemes == c->m->cap_schemes) {
    size_t cap = c->m->cap_schemes ? c->m->cap_schemes * 2 : 8;
    struct model_scheme *n = arena_calloc(c->a, cap * sizeof(*n));
    if(!n) {
      cc_oom(c);
      return;
    }
    if(c->m->nschemes)
      memcpy(n, c->m->schemes, c->m->nschemes * sizeof(*n));
    c->m->schemes = n;
    c->m->cap_schemes = cap;
  }
  struct model_scheme *s = &c->m->schemes[c->m->nschemes];
  memset(s, 0, sizeof(*s));
  s->name = name->str;
  s->type = SCH_OTHER;
  const struct doc_node *type = doc_get(def, "type");
  if(doc_scalar_eq_ci(type, "apiKey")) {
    const struct doc_node *in = doc_get(def, "in"), *pn = doc_get(def, "name");
    s->type = SCH_APIKEY;
    s->in = doc_scalar_eq(in, "header") ? PIN_HEADER : doc_scalar_eq(in, "cookie") ?
            PIN_COOKIE : doc_scalar_eq(in, "query") ? PIN_QUERY : 0;
    if(!s->in)
      diag_node(c->diag, DIAG_ERROR, in ? in : name, "apiKey scheme '%s' needs 'in': header, "
                "query or cookie", name->str);
    if(!pn || pn->kind != DOC_SCALAR || !pn->len)
      diag_node(c->diag, DIAG_ERROR, name, "apiKey scheme '%s' needs a 'name'", name->str);
    else
      s->param_name = pn->str;
  }
  else if(doc_scalar_eq_ci(type, "http")) {
    const struct doc_node *sch = doc_get(def, "scheme");
    s->type = doc_scalar_eq_ci(sch, "basic") ? SCH_BASIC :
              doc_scalar_eq_ci(sch, "bearer") ? SCH_BEARER : SCH_OTHER;
  }
  else if(doc_scalar_eq_ci(type, "oauth2")) {
    const struct doc_node *flows = doc_get(def, "flows");
    const struct doc_node *code = flows ? doc_get(flows, "authorizationCode") : NULL;
    s->type = SCH_OAUTH2;
    if(code) {
      /* checked (absolute http(s)) only where sign-in uses them, in identity() */
      const struct doc_node *au = doc_get(code, "authorizationUrl");
      const struct doc_node *tu = doc_get(code, "tokenUrl");
      s->authorization_url = doc_is_scalar(au) ? au->str : NULL;
      s->token_url = doc_is_scalar(tu) ? tu->str : NULL;
      const struct doc_node *scopes = doc_get(code, "scopes");
      if(scopes && scopes->kind == DOC_MAP && scopes->n) {
        struct buf b;
        buf_init(&b);
        for(size_t i = 0; i < scopes->n; i++) {
          if(i)
            buf_putc(&b, ' ');
          buf_puts(&b, scopes->items[2 * i]->str);
        }
        s->scope = buf_failed(&b) ? NULL : arena_strndup(c->a, b.data, b.len);
        buf_free(&b);
      }
    }
  }
  else if(doc_scalar_eq_ci(type, "openIdConnect"))
    s->type = SCH_OIDC;
  if(s->type == SCH_OAUTH2) {                   /* client credentials (§13.6) */
    const struct doc_node *flows = doc_get(def, "flows");
    const struct doc_node *cc = flows ? doc_get(flows, "clientCredentials") : NULL;
    if(cc)
      cc_flow(c, s, cc);
  }
  const struct doc_node *xid = doc_get_ci(def, "x-flow-identity");
  if(xid)
    identity(c, s, name, def, xid);
  c->m->nschemes++;
}

void xflow_security(struct cctx *c)
{
  const struct doc_node *comp = doc_get(c->root, "components");
  const struct doc_node *ss = comp ? doc_get(comp, "securitySchemes") : NULL;
  const struct doc_node *schemas = comp ? doc_get(comp, "schemas") : NULL;
  const struct doc_node *misplaced = schemas ? doc_get(schemas, "securitySchemes") : NULL;
  if(ss && ss->kind == DOC_MAP)
    for(size_t i = 0; i < ss->n; i++)
      one_scheme(c, ss->items[2 * i], ss->items[2 * i + 1]);
  if(misplaced && misplaced->kind == DOC_MAP) {
    for(size_t i = 0; i < schemas->n; i++)
      if(doc_scalar_eq(schemas->items[2 * i], "securitySchemes"))
        diag_node(c->diag, DIAG_WARNING, schemas->items[2 * i], "securitySchemes belongs "
                  "under components, not components.schemas (accepted)");
    for(size_t i = 0; i < misplaced->n; i++)
      one_scheme(c, misplaced->items[2 * i], misplaced->items[2 * i + 1]);
  }
}
