/* compile.c - the compile step's driver and OpenAPI walk.
 *
 * compile_document() loads the document (doc_load.c), checks it is OpenAPI 3.0/3.1,
 * settles the server URL (§6.4), reads the security schemes (xflow.c), indexes the
 * operations, and visits every schema that may carry x-flow-type (components.schemas,
 * request bodies, response media types); type generation (types.c) follows references
 * from there, into other files too. Then plans are finished and the describe JSON built.
 */
#include <string.h>
#include <time.h>
#include "types.h"
#include "servers.h"
#include "../flow/config.h"
#include "examples.h"
#include "actions.h"            /* message actions (issue 16) */
#include "offline.h"            /* inline documents (issue 17, §15.4) */
#include "overlay.h"            /* overlays (issue 17, §15.1) */
#include "infer.h"              /* --infer (issue 17) */
#include "../common/mem.h"
#include "../cache/cache.h"
#include "../common/text.h"

const char *cc_method_name(enum cache_method m)
{
  return flow_method_name((unsigned)m);
}

void cc_oom(struct cctx *c)
{
  if(c->fatal != OAC_ENOMEM)
    diag_at(c->diag, DIAG_ERROR, NULL, 0, 0, "out of memory");
  c->fatal = OAC_ENOMEM;
}

const struct doc_node *cc_resolve(struct cctx *c, const struct doc_node *n)
{
  const struct doc_node *out = NULL;
  if(!n)
    return NULL;
  enum oac_result r = doc_ref_resolve(c->docs, n, &out);
  if(r == OAC_EIO)
    c->io_error = 1;   /* exit status 2, as for the root document */
  else if(r == OAC_ENOMEM)
    cc_oom(c);
  if(r)
    return NULL;
  return out;
}

const char *cc_where(struct cctx *c, const struct doc_node *n)
{
  const char *w;
  if(!n || !n->file)
    return "?";
  w = arena_printf(c->a, "%s:%u:%u", n->file->name, n->line, n->col);
  return w ? w : "?";
}

/* "/pets/{petId}" -> "/pets/{}" so extension and operation match whatever names the
 * placeholders have (compile.h). */
char *compile_normalize_path(struct arena *a, const char *p)
{
  size_t n = strlen(p);
  char *o = arena_alloc(a, n + 1), *q = o;
  if(!o)
    return NULL;
  while(*p) {
    if(*p == '{') {
      const char *e = strchr(p, '}');
      if(e) {
        *q++ = '{';
        *q++ = '}';
        p = e + 1;
        continue;
      }
    }
    *q++ = *p++;
  }
  if(q - o > 1 && q[-1] == '/')
    q--;
  *q = '\0';
  return o;
}

const struct api_op *cc_find_op(struct cctx *c, enum cache_method m, const char *path)
{
  struct arena tmp;
  const struct api_op *found = NULL;
  arena_init(&tmp, strlen(path) + 64);
  const char *norm = compile_normalize_path(&tmp, path);
  if(!norm)
    cc_oom(c);            /* not "no such operation": that would compile a different plan */
  else
    for(size_t i = 0; i < c->nops && !found; i++)
      if(c->ops[i].method == m && !strcmp(c->ops[i].norm, norm))
        found = &c->ops[i];
  arena_free(&tmp);
  return found;
}

const struct doc_node *cc_find_param(struct cctx *c, const struct api_op *api,
                                     const char *name)
{
  const struct doc_node *lists[2] = { api ? doc_get(api->op, "parameters") : NULL,
                                      api ? doc_get(api->item, "parameters") : NULL };
  for(int l = 0; l < 2; l++) {
    const struct doc_node *ps = lists[l];
    if(!ps || ps->kind != DOC_SEQ)
      continue;
    for(size_t i = 0; i < ps->n; i++) {
      const struct doc_node *p = cc_resolve(c, ps->items[i]);
      if(p && doc_scalar_eq(doc_get(p, "name"), name))
        return p;
    }
  }
  return NULL;
}

static void index_operations(struct cctx *c, const struct doc_node *paths)
{
  size_t cap = 0;
  if(!paths || paths->kind != DOC_MAP)
    return;
  for(size_t i = 0; i < paths->n; i++) {
    const struct doc_node *item = cc_resolve(c, paths->items[2 * i + 1]);
    if(item && item->kind == DOC_MAP)
      cap += item->n;
  }
  c->ops = oac_calloc(cap ? cap : 1, sizeof(*c->ops));
  if(!c->ops) {
    cc_oom(c);
    return;
  }
  for(size_t i = 0; i < paths->n; i++) {
    const struct doc_node *k = paths->items[2 * i];
    const struct doc_node *item = cc_resolve(c, paths->items[2 * i + 1]);
    if(!item || item->kind != DOC_MAP)
      continue;
    for(size_t j = 0; j < item->n && c->nops < cap; j++) {
      int m = (int)cache_method_parse(item->items[2 * j]->str);
      const struct doc_node *op = item->items[2 * j + 1];
      if(!m || op->kind != DOC_MAP)
        continue;
      struct api_op *a = &c->ops[c->nops++];
      a->path = k->str;
      a->norm = compile_normalize_path(c->a, k->str);
      a->method = (enum cache_method)m;
      a->op = op;
      a->item = item;
      if(!a->norm) {
        cc_oom(c);
        return;
      }
    }
  }
}

static void note_content_type(struct cctx *c, int t, const char *media)
{
  struct model_type *ty = &c->m->types[t];
  if(ty->content_types) {
    const char *p = strstr(ty->content_types, media);
    size_t n = strlen(media);
    if(p && (p == ty->content_types || p[-1] == ' ') && (p[n] == ',' || !p[n]))
      return;
    ty->content_types = arena_printf(c->a, "%s, %s", ty->content_types, media);
  }
  else
    ty->content_types = media;
  if(!ty->content_types)
    cc_oom(c);
}

/* A schema that may carry x-flow-type: a components.schemas entry or a media type's. Its
 * type, or -1 when it has none or the type failed: a failure is diagnosed (or in
 * c->fatal), and the walk goes on to find more errors, so both are the same answer here. */
static int visit_schema(struct cctx *c, const struct doc_node *raw, const char *media)
{
  const struct doc_node *s = cc_resolve(c, raw);
  int t = -1;
  if(!s || s->kind != DOC_MAP)
    return -1;
  if(doc_get_ci(s, "x-flow-type")) {
    if(types_decorated(c, s, &t))
      t = -1;
  }
  else {
    xflow_check_undecorated(c, s);
    const struct doc_node *items = doc_get(s, "items");
    const struct doc_node *it = items ? cc_resolve(c, items) : NULL;
    if(it && it->kind == DOC_MAP && doc_get_ci(it, "x-flow-type") &&
       types_decorated(c, it, &t))
      t = -1;
  }
  if(t >= 0 && media)
    note_content_type(c, t, media);
  return t;
}

/* Schemas under a `content` map; returns the type of the first JSON one, or -1. */
static int visit_content(struct cctx *c, const struct doc_node *content)
{
  int first = -1;
  if(!content || content->kind != DOC_MAP)
    return -1;
  for(size_t i = 0; i < content->n; i++) {
    const struct doc_node *mt = content->items[2 * i + 1];
    if(mt->kind != DOC_MAP)
      continue;
    int t = visit_schema(c, doc_get(mt, "schema"), content->items[2 * i]->str);
    if(t >= 0 && first < 0 && strstr(content->items[2 * i]->str, "json"))
      first = t;
  }
  return first;
}

static int has_crud(const struct doc_node *op)
{
  for(size_t i = 0; i < op->n; i++)
    if(xflow_crud_op(op->items[2 * i]) >= 0)
      return 1;
  return 0;
}

static void visit_operations(struct cctx *c)
{
  for(size_t i = 0; i < c->nops && !c->fatal; i++) {
    const struct doc_node *op = c->ops[i].op;
    const struct doc_node *rb = cc_resolve(c, doc_get(op, "requestBody"));
    if(rb)
      visit_content(c, doc_get(rb, "content"));
    const struct doc_node *responses = doc_get(op, "responses");
    int ok_type = -1;
    if(responses && responses->kind == DOC_MAP) {
      for(size_t j = 0; j < responses->n; j++) {
        const struct doc_node *r = cc_resolve(c, responses->items[2 * j + 1]);
        if(!r || r->kind != DOC_MAP)
          continue;
        int t = visit_content(c, doc_get(r, "content"));
        const struct doc_node *code = responses->items[2 * j];
        if(ok_type < 0 && (doc_scalar_eq(code, "200") || doc_scalar_eq(code, "201")))
          ok_type = t;
      }
    }
    if(has_crud(op)) {
      if(ok_type >= 0)
        xflow_operation_crud(c, op, ok_type);
      else
        for(size_t j = 0; j < op->n; j++)
          if(xflow_crud_op(op->items[2 * j]) >= 0)
            diag_node(c->diag, DIAG_ERROR, op->items[2 * j], "%s on an operation needs a "
                      "200/201 JSON response schema with x-flow-type", op->items[2 * j]->str);
    }
  }
}

static void visit_components(struct cctx *c)
{
  const struct doc_node *comp = doc_get(c->root, "components");
  const struct doc_node *schemas = comp ? doc_get(comp, "schemas") : NULL;
  if(!schemas || schemas->kind != DOC_MAP)
    return;
  for(size_t i = 0; i < schemas->n && !c->fatal; i++) {
    if(doc_scalar_eq(schemas->items[2 * i], "securitySchemes") &&
       !doc_get(schemas->items[2 * i + 1], "type") &&
       !doc_get(schemas->items[2 * i + 1], "properties"))
      continue;   /* the vendor's misplaced securitySchemes (xflow_security) */
    visit_schema(c, schemas->items[2 * i + 1], NULL);
  }
}

/* The servers (§6.4, §13.7): compile/servers.c. */
static void settle_server(struct cctx *c)
{
  servers_document(c);
}

/* OAC_EDOC (diagnosed) unless ROOT is an OpenAPI 3.0 or 3.1 document. */
static enum oac_result check_version(struct cctx *c)
{
  const struct doc_node *root = c->root;
  const char *name = c->docs->files->name;
  if(!root || root->kind != DOC_MAP) {
    diag_at(c->diag, DIAG_ERROR, name, 1, 1, "not an OpenAPI document: no 'openapi' field");
    return OAC_EDOC;
  }
  for(size_t i = 0; i < root->n; i++)
    if(doc_scalar_eq(root->items[2 * i], "swagger")) {
      diag_node(c->diag, DIAG_ERROR, root->items[2 * i], "Swagger 2.0 documents are not "
                "supported: convert the document to OpenAPI 3 (for example with "
                "swagger2openapi)");
      return OAC_EDOC;
    }
  const struct doc_node *v = doc_get(root, "openapi");
  if(!v) {
    diag_at(c->diag, DIAG_ERROR, name, 1, 1, "not an OpenAPI document: no 'openapi' field");
    return OAC_EDOC;
  }
  if(v->kind != DOC_SCALAR ||
     !(!strncmp(v->str, "3.0", 3) || !strncmp(v->str, "3.1", 3)) ||
     (v->str[3] && v->str[3] != '.')) {
    diag_node(c->diag, DIAG_ERROR, v, "unsupported OpenAPI version '%s' (3.0.x and 3.1.x are "
              "supported)", v->kind == DOC_SCALAR ? v->str : "?");
    return OAC_EDOC;
  }
  return OAC_OK;
}

static const char *info_field(const struct doc_node *root, const char *key)
{
  const struct doc_node *info = doc_get(root, "info");
  const struct doc_node *v = info ? doc_get(info, key) : NULL;
  return v && v->kind == DOC_SCALAR ? v->str : NULL;
}

enum oac_result compile_document(const struct compile_opts *o, struct doc_set *s,
                                 struct diag *d, struct model *m)
{
  struct doc_file *f = NULL;
  enum oac_result r;
  if(o->ca_file)
    s->ca_file = (char *)o->ca_file;
  if(o->data)
    r = doc_load_mem(s, o->source, o->data, o->data_len, &f);
  else
    r = doc_load(s, o->source, &f);
  if(r)
    return r == OAC_ELIMIT ? OAC_EDOC : r;
  /* overlays (§15.1, overlay.c): applied in order to the root as written, before anything */
  if(o->noverlays) {
    r = overlay_apply_all(s, f, o->overlays, o->noverlays, &m->arena, &m->overlays);
    if(r)
      return r == OAC_ENOMEM || r == OAC_EIO ? r : OAC_EDOC;
  }
  /* --infer (§15.3, compile/infer.c): marks added to the tree, trial compiles, then the
   * compile itself (it calls compile_loaded) */
  if(o->infer != INFER_NONE)
    return infer_compile(o, s, f, d, m);
  return compile_loaded(o, s, f, d, m);
}

enum oac_result compile_loaded(const struct compile_opts *o, struct doc_set *s,
                               struct doc_file *f, struct diag *d, struct model *m)
{
  struct cctx c;
  enum oac_result r;
  memset(&c, 0, sizeof(c));
  c.opts = o;
  c.docs = s;
  c.diag = d;
  c.m = m;
  c.a = &m->arena;
  c.root = f->root;
  /* inline documents (§15.4): --offline refuses what would open another file or URL */
  if(o->offline && offline_check_tree(s, f, d))
    return OAC_EDOC;
  if(check_version(&c))
    return OAC_EDOC;
  m->source = arena_strdup(c.a, o->source);
  m->registration = arena_strdup(c.a, o->as ? o->as : o->source);
  m->title = info_field(c.root, "title");
  m->api_version = info_field(c.root, "version");
  m->source_checksum = f->checksum;
  m->compile_time = (uint64_t)time(NULL);
  if(!m->source || !m->registration)
    cc_oom(&c);
  const struct doc_node *sec = doc_get(c.root, "security");
  c.root_security = sec && sec->kind == DOC_SEQ ? sec : NULL;
  settle_server(&c);
  xflow_security(&c);
  index_operations(&c, doc_get(c.root, "paths"));
  visit_components(&c);
  visit_operations(&c);
  for(size_t t = 0; t < m->ntypes && !c.fatal; t++)
    xflow_finish_type(&c, (int)t);
  if(!c.fatal)
    actions_compile(&c);        /* message actions (§14): after the CRUD plans */
  if(!c.fatal)
    examples_resolve(&c);
  if(!c.fatal)
    offline_allow_hosts(&c);    /* --allow-host (§15.4): before any cache is written */
  r = c.fatal;
  oac_free(c.ops);
  oac_free(c.names);
  oac_free(c.decorated);
  if(r == OAC_ENOMEM)
    return r;
  /* a limit (OAC_ELIMIT, diagnosed where it was hit) stops the compile like an error */
  if(d->errors || r)
    return c.io_error ? OAC_EIO : OAC_EDOC;
  r = describe_build(m);
  if(!r)
    r = examples_build(m);
  if(r == OAC_ELIMIT) {
    diag_at(d, DIAG_ERROR, s->files->name, 1, 1, "the compiled document is over the cache "
            "format's size limit (32-bit offsets: 4 GiB per cache, 2 GiB per example "
            "record)");
    r = OAC_EDOC;
  }
  return r;
}
