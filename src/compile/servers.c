/* servers.c - the servers a document allows (servers.h, product.md §13.7). */
#include <string.h>
#include "servers.h"
#include "compile.h"
#include "../common/buf.h"
#include "../common/text.h"

/* One variable of a URL template: its name and allowed values. */
struct svar {
  const char *name;
  size_t nlen;
  const char **vals;
  size_t n;
};

/* The values --server-variable NAME=V1,V2 gives NAME (the last such option wins), split
 * into the arena; 0 values when none names it. */
static size_t opt_values(struct cctx *c, const char *name, size_t nlen, const char ***out)
{
  const char *arg = NULL;
  for(size_t i = 0; i < c->opts->nserver_vars; i++) {
    const char *s = c->opts->server_vars[i], *eq = strchr(s, '=');
    if(eq && (size_t)(eq - s) == nlen && !strncmp(s, name, nlen))
      arg = eq + 1;
  }
  *out = NULL;
  if(!arg)
    return 0;
  size_t n = 1;
  for(const char *p = arg; *p; p++)
    n += *p == ',';
  const char **v = arena_alloc(c->a, n * sizeof(*v));
  if(!v) {
    cc_oom(c);
    return 0;
  }
  size_t k = 0;
  for(const char *p = arg;;) {
    const char *e = strchr(p, ',');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if(l && !(v[k] = arena_strndup(c->a, p, l))) {
      cc_oom(c);
      return 0;
    }
    k += l != 0;
    if(!e)
      break;
    p = e + 1;
  }
  *out = v;
  return k;
}

/* Resolve a relative server URL against BASE (an http(s) URL). */
static const char *resolve(struct cctx *c, const char *rel, const char *base)
{
  const char *hs = strstr(base, "://") + 3;
  const char *path = strchr(hs, '/');
  size_t origin = path ? (size_t)(path - base) : strlen(base);
  if(rel[0] == '/' && rel[1] == '/') {   /* scheme-relative */
    size_t sl = (size_t)(hs - base) - 2;
    return arena_printf(c->a, "%.*s%s", (int)sl, base, rel);
  }
  if(rel[0] == '/')
    return arena_printf(c->a, "%.*s%s", (int)origin, base, rel);
  const char *slash = strrchr(path ? path : "", '/');
  size_t dir = path && slash ? (size_t)(slash - base) + 1 : origin;
  if(!path)
    return arena_printf(c->a, "%.*s/%s", (int)dir, base, rel);
  return arena_printf(c->a, "%.*s%s", (int)dir, base, rel);
}

struct list {
  const char **urls;
  size_t n, cap;
  int over;                     /* past SERVERS_MAX */
  struct buf why;               /* the variables with several values, for the error */
};

static void add_url(struct cctx *c, struct list *l, const char *url, size_t len)
{
  while(len && url[len - 1] == '/')
    len--;
  for(size_t i = 0; i < l->n; i++)
    if(strlen(l->urls[i]) == len && !strncmp(l->urls[i], url, len))
      return;
  if(l->n == SERVERS_MAX) {
    l->over = 1;
    return;
  }
  if(l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 8;
    const char **u = arena_alloc(c->a, cap * sizeof(*u));
    if(!u) {
      cc_oom(c);
      return;
    }
    if(l->n)
      memcpy(u, l->urls, l->n * sizeof(*u));
    l->urls = u;
    l->cap = cap;
  }
  if(!(l->urls[l->n] = arena_strndup(c->a, url, len))) {
    cc_oom(c);
    return;
  }
  l->n++;
}

static int document_has(struct cctx *c, const char *name, size_t nlen, const char *value);

/* The allowed values of variable NAME of server entry E (diagnosed at URL on error):
 * --server-variable's (a subset of an enum), else the default first and the rest of the
 * enum, else the default alone. 0 on error. */
static size_t var_values(struct cctx *c, const struct doc_node *e, const struct doc_node *url,
                         struct svar *v)
{
  const struct doc_node *vars = doc_get(e, "variables");
  const struct doc_node *var = NULL;
  for(size_t i = 0; vars && vars->kind == DOC_MAP && i < vars->n; i++) {
    const struct doc_node *k = vars->items[2 * i];
    if(k->kind == DOC_SCALAR && k->len == v->nlen && !strncmp(k->str, v->name, v->nlen))
      var = vars->items[2 * i + 1];
  }
  const struct doc_node *def = var ? doc_get(var, "default") : NULL;
  const struct doc_node *en = var ? doc_get(var, "enum") : NULL;
  if(en && en->kind != DOC_SEQ)
    en = NULL;
  const char **ov;
  size_t no = opt_values(c, v->name, v->nlen, &ov);
  if(no) {
    if(!en) {
      v->vals = ov;
      return v->n = no;
    }
    /* an enum variable: the given values this entry's enum has (entries may give the same
     * variable different enums, as S3's region: the values narrow each entry to what it
     * offers; an entry that offers none of them is left out, with a warning) */
    v->vals = arena_alloc(c->a, no * sizeof(*v->vals));
    if(!v->vals) {
      cc_oom(c);
      return 0;
    }
    v->n = 0;
    for(size_t i = 0; i < no; i++)
      if(!document_has(c, v->name, v->nlen, ov[i])) {
        diag_node(c->diag, DIAG_ERROR, en, "--server-variable %.*s: '%s' is not one of the "
                  "variable's enum values", (int)v->nlen, v->name, ov[i]);
        return 0;
      }
    for(size_t i = 0; i < no; i++)
      for(size_t j = 0; j < en->n; j++)
        if(doc_scalar_eq(en->items[j], ov[i])) {
          v->vals[v->n++] = ov[i];
          break;
        }
    if(!v->n)
      diag_node(c->diag, DIAG_WARNING, en, "--server-variable %.*s: none of its values is in "
                "this server's enum: the server is left out", (int)v->nlen, v->name);
    return v->n;
  }
  if(!def || def->kind != DOC_SCALAR) {
    /* with --server the entry is left out (it used to be ignored with all the others) */
    diag_node(c->diag, c->opts->server ? DIAG_WARNING : DIAG_ERROR, url,
              "server variable '%.*s' has no default%s", (int)v->nlen, v->name,
              c->opts->server ? ": this server is left out" : "");
    return 0;
  }
  size_t cap = 1 + (en ? en->n : 0);
  v->vals = arena_alloc(c->a, cap * sizeof(*v->vals));
  if(!v->vals) {
    cc_oom(c);
    return 0;
  }
  v->n = 0;
  v->vals[v->n++] = def->str;
  for(size_t j = 0; en && j < en->n; j++)
    if(en->items[j]->kind == DOC_SCALAR && strcmp(en->items[j]->str, def->str))
      v->vals[v->n++] = en->items[j]->str;
  return v->n;
}

/* Adds every URL of server entry E to L. */
static void expand_entry(struct cctx *c, const struct doc_node *e, struct list *l)
{
  const struct doc_node *url = doc_get(e, "url");
  if(!url || url->kind != DOC_SCALAR || !url->len)
    return;
  struct svar vars[16];
  size_t nv = 0;
  for(const char *p = strchr(url->str, '{'); p; p = strchr(p + 1, '{')) {
    const char *q = strchr(p, '}');
    if(!q)
      break;
    size_t j = 0;
    while(j < nv && !(vars[j].nlen == (size_t)(q - p - 1) &&
                      !strncmp(vars[j].name, p + 1, vars[j].nlen)))
      j++;
    if(j < nv)
      continue;
    if(nv == sizeof(vars) / sizeof(vars[0])) {
      diag_node(c->diag, DIAG_ERROR, url, "more than 16 server variables");
      return;
    }
    vars[nv].name = p + 1;
    vars[nv].nlen = (size_t)(q - p - 1);
    if(!var_values(c, e, url, &vars[nv]))
      return;
    if(vars[nv].n > 1) {
      buf_printf(&l->why, "%s'%.*s' (%zu values)", l->why.len ? ", " : "", (int)vars[nv].nlen,
                 vars[nv].name, vars[nv].n);
    }
    nv++;
  }
  /* every combination, the first variable's values changing slowest */
  size_t idx[16] = { 0 };
  struct buf b;
  buf_init(&b);
  for(;;) {
    b.len = 0;
    for(const char *p = url->str; *p;) {
      const char *q = *p == '{' ? strchr(p, '}') : NULL;
      if(q) {
        size_t j = 0;
        while(j < nv && !(vars[j].nlen == (size_t)(q - p - 1) &&
                          !strncmp(vars[j].name, p + 1, vars[j].nlen)))
          j++;
        if(j < nv)
          buf_puts(&b, vars[j].vals[idx[j]]);
        p = q + 1;
        continue;
      }
      buf_putc(&b, *p++);
    }
    if(buf_failed(&b)) {
      cc_oom(c);
      break;
    }
    const char *u = b.data;
    if(!text_is_http_url(u)) {
      const char *base = text_is_http_url(c->opts->as) ? c->opts->as :
                         text_is_http_url(c->opts->source) ? c->opts->source : NULL;
      if(!base) {
        /* the first entry is the default (§6.4): it must be callable; a relative one after
         * an absolute one is left out, with a warning (it cannot be selected) */
        if(!c->opts->server && !l->n)
          diag_node(c->diag, DIAG_ERROR, url, "relative server URL '%s' needs --as with an "
                    "http(s) URL, or --server", u);
        else if(!c->opts->server)
          diag_node(c->diag, DIAG_WARNING, url, "relative server URL '%s' is left out of the "
                    "servers a request may select (it needs --as with an http(s) URL)", u);
        break;   /* with --server: a relative entry is not one to call */
      }
      if(!(u = resolve(c, u, base))) {
        cc_oom(c);
        break;
      }
    }
    add_url(c, l, u, strlen(u));
    if(l->over)
      break;
    size_t j = nv;
    while(j > 0 && ++idx[j - 1] == vars[j - 1].n)
      idx[--j] = 0;
    if(j == 0)
      break;
  }
  buf_free(&b);
}

/* The list of servers node S (a sequence) into L; diagnosed. */
static void expand(struct cctx *c, const struct doc_node *s, struct list *l)
{
  for(size_t i = 0; s && s->kind == DOC_SEQ && i < s->n && !l->over && !c->fatal; i++)
    expand_entry(c, s->items[i], l);
  if(l->over)
    diag_node(c->diag, DIAG_ERROR, s, "the servers allow more than %d URLs (variables %s): "
              "choose the values to keep with --server-variable NAME=V1,V2", SERVERS_MAX,
              l->why.len ? l->why.data : "none");
}

/* Does any servers node of the document name variable NAME (for --server-variable)? */
static int names_var(const struct doc_node *s, const char *name, size_t nlen)
{
  for(size_t i = 0; s && s->kind == DOC_SEQ && i < s->n; i++) {
    const struct doc_node *url = doc_get(s->items[i], "url");
    for(const char *p = url && url->kind == DOC_SCALAR ? strchr(url->str, '{') : NULL; p;
        p = strchr(p + 1, '{')) {
      const char *q = strchr(p, '}');
      if(q && (size_t)(q - p - 1) == nlen && !strncmp(p + 1, name, nlen))
        return 1;
    }
  }
  return 0;
}

/* Does an entry of servers node S give variable NAME an enum holding VALUE? */
static int enum_has(const struct doc_node *s, const char *name, size_t nlen, const char *value)
{
  for(size_t i = 0; s && s->kind == DOC_SEQ && i < s->n; i++) {
    const struct doc_node *vars = doc_get(s->items[i], "variables");
    for(size_t k = 0; vars && vars->kind == DOC_MAP && k < vars->n; k++) {
      const struct doc_node *key = vars->items[2 * k];
      const struct doc_node *en = doc_get(vars->items[2 * k + 1], "enum");
      if(key->kind != DOC_SCALAR || key->len != nlen || strncmp(key->str, name, nlen) ||
         !en || en->kind != DOC_SEQ)
        continue;
      for(size_t j = 0; j < en->n; j++)
        if(doc_scalar_eq(en->items[j], value))
          return 1;
    }
  }
  return 0;
}

/* Does any servers node of the document (document, path and operation level) name
 * variable NAME (VALUE NULL), or give it an enum holding VALUE? */
static int document_has(struct cctx *c, const char *name, size_t nlen, const char *value)
{
#define NODE_HAS(s) (value ? enum_has((s), name, nlen, value) : names_var((s), name, nlen))
  if(NODE_HAS(doc_get(c->root, "servers")))
    return 1;
  const struct doc_node *paths = doc_get(c->root, "paths");
  for(size_t i = 0; paths && paths->kind == DOC_MAP && i < paths->n; i++) {
    const struct doc_node *item = paths->items[2 * i + 1];
    if(NODE_HAS(doc_get(item, "servers")))
      return 1;
    for(size_t j = 0; item && item->kind == DOC_MAP && j < item->n; j++)
      if(item->items[2 * j + 1]->kind == DOC_MAP &&
         NODE_HAS(doc_get(item->items[2 * j + 1], "servers")))
        return 1;
  }
#undef NODE_HAS
  return 0;
}

static struct model_servers *new_list(struct cctx *c)
{
  struct model *m = c->m;
  struct model_servers *ls = arena_alloc(c->a, (m->nserver_lists + 1) * sizeof(*ls));
  if(!ls) {
    cc_oom(c);
    return NULL;
  }
  if(m->nserver_lists)
    memcpy(ls, m->server_lists, m->nserver_lists * sizeof(*ls));
  m->server_lists = ls;
  memset(&ls[m->nserver_lists], 0, sizeof(*ls));
  return &ls[m->nserver_lists++];
}

void servers_document(struct cctx *c)
{
  for(size_t i = 0; i < c->opts->nserver_vars; i++) {
    const char *s = c->opts->server_vars[i], *eq = strchr(s, '=');
    if(!eq || eq == s || !eq[1]) {
      diag_at(c->diag, DIAG_ERROR, NULL, 0, 0, "--server-variable must be NAME=V1,V2: '%s'",
              s);
      return;
    }
    if(!document_has(c, s, (size_t)(eq - s), NULL)) {
      diag_at(c->diag, DIAG_ERROR, NULL, 0, 0, "--server-variable: no server URL of the "
              "document has a variable '%.*s'", (int)(eq - s), s);
      return;
    }
  }
  struct list l;
  memset(&l, 0, sizeof(l));
  buf_init(&l.why);
  const char *opt = c->opts->server;
  if(opt) {
    if(!text_is_http_url(opt)) {
      diag_at(c->diag, DIAG_ERROR, NULL, 0, 0, "--server must be an http(s) URL: '%s'", opt);
      buf_free(&l.why);
      return;
    }
    add_url(c, &l, opt, strlen(opt));
    c->m->flags |= CACHE_F_SERVER_OPTION;   /* the document's own entries start at 1 */
  }
  unsigned errors = c->diag->errors;
  const struct doc_node *servers = doc_get(c->root, "servers");
  expand(c, servers, &l);
  buf_free(&l.why);
  if(c->diag->errors != errors || c->fatal)
    return;
  if(!l.n) {
    const struct doc_node *at = servers;
    if(servers && servers->kind == DOC_SEQ && servers->n)
      at = doc_get(servers->items[0], "url") ? doc_get(servers->items[0], "url")
                                              : servers->items[0];
    if(at && at->file)
      diag_node(c->diag, DIAG_ERROR, at, "no server URL: add servers[0].url or pass "
                "--server");
    else
      diag_at(c->diag, DIAG_ERROR, c->docs->files->name, 1, 1, "no server URL: add "
              "servers[0].url or pass --server");
    return;
  }
  struct model_servers *ms = new_list(c);
  if(!ms)
    return;
  ms->urls = l.urls;
  ms->n = l.n;
  c->m->server_url = l.urls[0];
}

size_t servers_for_op(struct cctx *c, const struct doc_node *op, const struct doc_node *item)
{
  const struct doc_node *s = op ? doc_get(op, "servers") : NULL;
  if(!s || s->kind != DOC_SEQ || !s->n)
    s = item ? doc_get(item, "servers") : NULL;
  if(!s || s->kind != DOC_SEQ || !s->n || !c->m->nserver_lists)
    return 0;
  for(size_t i = 1; i < c->m->nserver_lists; i++)
    if(c->m->server_lists[i].at == s)
      return i;
  struct list l;
  memset(&l, 0, sizeof(l));
  buf_init(&l.why);
  expand(c, s, &l);
  buf_free(&l.why);
  if(!l.n)
    return 0;
  struct model_servers *ms = new_list(c);
  if(!ms)
    return 0;
  ms->urls = l.urls;
  ms->n = l.n;
  ms->at = s;
  return c->m->nserver_lists - 1;
}
