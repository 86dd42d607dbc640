/* offline.c - --offline and --allow-host (offline.h; product.md §15.4).
 *
 * The worker compiles inline documents ("Schema Value") with both: the document comes
 * from whoever configures the Flow tenant, so the compiler must read nothing else (no file
 * of the server's disk through a $ref, no URL of the server's network through a $ref, an
 * externalValue or an OIDC discovery document) and the cache may name only hosts the
 * operator allowed.
 */
#include "offline.h"

#include <string.h>
#include <strings.h>
#include "../common/text.h"
#include "../flow/host_pattern.h"

/* Keys whose values are data (examples, defaults, enums): a key named externalValue or
 * openIdConnectUrl in them is no OpenAPI field. A $ref is refused wherever it stands. */
static int data_key(const struct doc_node *k)
{
  return doc_scalar_eq(k, "example") || doc_scalar_eq(k, "default") ||
         doc_scalar_eq(k, "enum") || doc_scalar_eq(k, "const") || doc_scalar_eq(k, "value");
}

struct walk {
  struct diag *d;
  unsigned errors;
  unsigned long visits;
};

static void relative_servers(struct walk *w, const struct doc_node *servers)
{
  if(!servers || servers->kind != DOC_SEQ)
    return;
  for(size_t i = 0; i < servers->n; i++) {
    const struct doc_node *u = doc_get(servers->items[i], "url");
    if(!u || u->kind != DOC_SCALAR || text_is_http_url(u->str) || u->str[0] == '{')
      continue;
    diag_node(w->d, DIAG_ERROR, u, "relative server URL '%.200s': an inline document "
              "(--offline) has no URL to resolve it against; write the absolute URL",
              u->str);
    w->errors++;
  }
}

/* PARENT: the key N stands under (NULL at the root); DATA: inside example/default/... */
static void walk(struct walk *w, const struct doc_node *n, const struct doc_node *parent,
                 int data, unsigned depth)
{
  if(!n || depth > 4096 || ++w->visits > 50000000UL)
    return;
  if(n->kind == DOC_SEQ) {
    for(size_t i = 0; i < n->n; i++)
      walk(w, n->items[i], parent, data, depth + 1);
    return;
  }
  if(n->kind != DOC_MAP)
    return;
  /* the keys of `properties` (and the like) are names, not fields */
  int names = parent && (doc_scalar_eq(parent, "properties") ||
                         doc_scalar_eq(parent, "patternProperties") ||
                         doc_scalar_eq(parent, "paths") || doc_scalar_eq(parent, "schemas"));
  for(size_t i = 0; i < n->n; i++) {
    const struct doc_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
    if(doc_scalar_eq(k, "$ref") && v->kind == DOC_SCALAR && v->len && v->str[0] != '#') {
      diag_node(w->d, DIAG_ERROR, k, "$ref '%.200s' names another file or URL: an inline "
                "document (--offline) must be self-contained (only '#/...' references)",
                v->str);
      w->errors++;
    }
    else if(!data && !names && doc_scalar_eq(k, "externalValue")) {
      diag_node(w->d, DIAG_ERROR, k, "externalValue is refused in an inline document "
                "(--offline): the compiler opens nothing but the document; write the "
                "example's 'value'");
      w->errors++;
    }
    else if(!data && !names && doc_scalar_eq(k, "openIdConnectUrl")) {
      diag_node(w->d, DIAG_ERROR, k, "openIdConnectUrl is refused in an inline document "
                "(--offline): its discovery document would have to be downloaded; OpenID "
                "Connect needs a Schema URL document compiled by the operator");
      w->errors++;
    }
    else if(!data && !names && doc_scalar_eq(k, "servers"))
      relative_servers(w, v);
    /* `examples`: a map of Example Objects (OpenAPI), or a list of values (JSON Schema) */
    int d = data || (!names && (data_key(k) || (doc_scalar_eq(k, "examples") &&
                                                v->kind == DOC_SEQ)));
    walk(w, v, k, d, depth + 1);
  }
}

unsigned offline_check_tree(struct doc_set *s, const struct doc_file *f, struct diag *d)
{
  struct walk w = { d, 0, 0 };
  walk(&w, f->root, NULL, 0, 0);
  /* nothing more may be loaded: a reference this walk missed fails, it does not open */
  s->limits.max_files = s->nfiles;
  return w.errors;
}

int offline_refuse_extends(const struct compile_opts *o, struct diag *d,
                           const struct doc_node *at)
{
  if(!o->offline)
    return 0;
  diag_node(d, DIAG_ERROR, at, "'extends' names another document, which --offline does not "
            "open: give the document as SOURCE");
  return 1;
}

/* The first scalar under N whose text contains HOST (any case), for a position. */
static const struct doc_node *find_host(const struct doc_node *n, const char *host,
                                        unsigned depth)
{
  if(!n || depth > 64)
    return NULL;
  if(n->kind == DOC_SCALAR)
    return strcasestr(n->str, host) ? n : NULL;
  for(size_t i = 0; i < n->n * (n->kind == DOC_MAP ? 2 : 1); i++) {
    const struct doc_node *r = find_host(n->items[i], host, depth + 1);
    if(r)
      return r;
  }
  return NULL;
}

static void refuse(struct cctx *c, const struct doc_node *where, const char *host,
                   const char *what, const char *url)
{
  /* the host without a port, to find where it is written */
  char bare[300];
  snprintf(bare, sizeof(bare), "%s", host);
  if(bare[0] != '[' && strchr(bare, ':'))
    *strchr(bare, ':') = '\0';
  const struct doc_node *at = find_host(where, url, 0);   /* the URL as written first */
  if(!at)
    at = find_host(where, bare, 0);
  if(!at)
    at = where;
  const char *fmt = "host '%s' is not allowed (%s %.200s): no --allow-host pattern matches it";
  if(at)
    diag_node(c->diag, DIAG_ERROR, at, fmt, host, what, url);
  else
    diag_at(c->diag, DIAG_ERROR, c->docs->files->name, 1, 1, fmt, host, what, url);
}

static void check_url(struct cctx *c, const struct host_pattern *p, size_t n, const char *url,
                      const struct doc_node *where, const char *what)
{
  char host[300];
  if(!url || host_pattern_match(p, n, url, host, sizeof(host)))
    return;
  refuse(c, where, host[0] ? host : "?", what, url);
}

void offline_allow_hosts(struct cctx *c)
{
  const struct compile_opts *o = c->opts;
  size_t n = o->nallow_hosts;
  if(!n)
    return;
  struct host_pattern p[64];
  if(n > 64) {
    diag_at(c->diag, DIAG_ERROR, NULL, 0, 0, "at most 64 --allow-host patterns");
    return;
  }
  for(size_t i = 0; i < n; i++) {
    char why[256];
    if(host_pattern_parse(o->allow_hosts[i], &p[i], why, sizeof(why))) {
      diag_at(c->diag, DIAG_ERROR, NULL, 0, 0, "--allow-host '%.200s': %s", o->allow_hosts[i],
              why);
      return;
    }
  }
  const struct model *m = c->m;
  const struct doc_node *root_servers = doc_get(c->root, "servers");
  check_url(c, p, n, m->server_url, root_servers, "server URL");
  for(size_t l = 0; l < m->nserver_lists; l++) {
    const struct model_servers *sl = &m->server_lists[l];
    for(size_t i = 0; i < sl->n; i++)
      check_url(c, p, n, sl->urls[i], l ? sl->at : root_servers,
                l ? "path or operation server URL" : "server URL");
  }
  const struct doc_node *comp = doc_get(c->root, "components");
  const struct doc_node *schemes = comp ? doc_get(comp, "securitySchemes") : NULL;
  for(size_t i = 0; i < m->nschemes; i++) {
    const struct model_scheme *s = &m->schemes[i];
    const struct doc_node *def = schemes ? doc_get(schemes, s->name) : NULL;
    char what[200];
    static const char *const names[] = { "authorization URL", "token URL", "userinfo URL",
                                         "default URL", "client-credentials token URL" };
    const char *urls[] = { s->authorization_url, s->token_url, s->userinfo_url,
                           s->default_url, s->cc_token_url };
    for(size_t k = 0; k < sizeof(urls) / sizeof(urls[0]); k++) {
      snprintf(what, sizeof(what), "the %s of security scheme '%.100s':", names[k], s->name);
      check_url(c, p, n, urls[k], def ? def : schemes, what);
    }
  }
}
