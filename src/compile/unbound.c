/* unbound.c - parameters the marks do not bind, and the `headers:` mark (unbound.h,
 * product.md §13.8). */
#include "unbound.h"

#include <string.h>
#include <strings.h>

/* Is NAME already bound in B (headers case-insensitively), or diagnosed? */
static int bound(const struct unbound_plan *b, const char *name, enum cache_param_in in)
{
  for(size_t i = 0; i < *b->n; i++) {
    const struct model_param *p = &b->params[i];
    if(in == PIN_HEADER && p->in == PIN_HEADER ? !strcasecmp(p->name, name)
                                               : !strcmp(p->name, name))
      return 1;
  }
  for(size_t i = 0; i < b->nfailed; i++)
    if(b->failed[i] && !strcmp(b->failed[i], name))
      return 1;
  return 0;
}

static void push(struct cctx *c, struct unbound_plan *b, const struct doc_node *at,
                 const char *name, enum cache_param_in in, const char *value)
{
  if(*b->n == b->max) {
    diag_node(c->diag, DIAG_ERROR, at, "more than %zu parameters", b->max);
    return;
  }
  struct model_param *p = &b->params[(*b->n)++];
  p->name = name;
  p->arg = value;
  p->src = PSRC_DEFAULT;
  p->in = in;
  p->flags = 0;
}

/* RFC 9110 §5.6.2 token characters. */
static int is_token(const char *s)
{
  if(!*s)
    return 0;
  for(; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if(!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         (ch && strchr("!#$%&'*+-.^_`|~", ch))))
      return 0;
  }
  return 1;
}

static int is_one_of(const char *name, const char *const *names, size_t n)
{
  for(size_t i = 0; i < n; i++)
    if(!strcasecmp(name, names[i]))
      return 1;
  return 0;
}

/* Does the operation (or the document) require security? An empty requirement `{}` makes
 * it optional, which still lets the worker send credentials. */
static int secured(struct cctx *c, const struct api_op *api)
{
  const struct doc_node *sec = api ? doc_get(api->op, "security") : NULL;
  if(!sec)
    sec = c->root_security;
  if(!sec || sec->kind != DOC_SEQ)
    return 0;
  for(size_t i = 0; i < sec->n; i++)
    if(sec->items[i]->kind == DOC_MAP && sec->items[i]->n)
      return 1;
  return 0;
}

void unbound_headers(struct cctx *c, const struct api_op *api, const struct doc_node *headers,
                     struct unbound_plan *b)
{
  static const char *const framing[] = { "Host", "Content-Length", "Transfer-Encoding",
                                         "Connection", "Upgrade", "TE" };
  static const char *const credentials[] = { "Authorization", "Cookie",
                                             "Proxy-Authorization" };
  if(!headers)
    return;
  if(headers->kind != DOC_MAP) {
    diag_node(c->diag, DIAG_ERROR, headers, "'headers' must map header names to values");
    return;
  }
  int sec = secured(c, api);
  for(size_t i = 0; i < headers->n; i++) {
    const struct doc_node *k = headers->items[2 * i], *v = headers->items[2 * i + 1];
    const char *name = k->kind == DOC_SCALAR ? k->str : "";
    if(!is_token(name)) {
      diag_node(c->diag, DIAG_ERROR, k, "%s: header name '%s' is not an HTTP token (RFC 9110 "
                "§5.6.2: letters, digits and !#$%%&'*+-.^_`|~)", b->ext, name);
      continue;
    }
    if(is_one_of(name, framing, sizeof(framing) / sizeof(framing[0]))) {
      diag_node(c->diag, DIAG_ERROR, k, "%s: header '%s' is set by the connection itself and "
                "cannot be a fixed header", b->ext, name);
      continue;
    }
    if(sec && is_one_of(name, credentials, sizeof(credentials) / sizeof(credentials[0]))) {
      diag_node(c->diag, DIAG_ERROR, k, "%s: header '%s' on an operation with a security "
                "requirement: the credentials come from its security scheme", b->ext, name);
      continue;
    }
    if(v->kind != DOC_SCALAR || doc_is_null(v)) {
      diag_node(c->diag, DIAG_ERROR, v, "%s: header '%s' needs a value (a string)", b->ext,
                name);
      continue;
    }
    if(strchr(v->str, '\r') || strchr(v->str, '\n')) {
      diag_node(c->diag, DIAG_ERROR, v, "%s: the value of header '%s' contains a line break",
                b->ext, name);
      continue;
    }
    if(bound(b, name, PIN_HEADER)) {
      diag_node(c->diag, DIAG_ERROR, k, "%s: header '%s' is also bound in parameters",
                b->ext, name);
      continue;
    }
    push(c, b, k, name, PIN_HEADER, v->str);
  }
}

/* The schema's default, or its only enum value, as text; NULL when neither. */
static const char *constant_of(struct cctx *c, const struct doc_node *param)
{
  const struct doc_node *s = cc_resolve(c, doc_get(param, "schema"));
  if(!s || s->kind != DOC_MAP)
    return NULL;
  const struct doc_node *d = doc_get(s, "default");
  if(d && d->kind == DOC_SCALAR && !doc_is_null(d))
    return d->str;
  const struct doc_node *e = doc_get(s, "enum");
  if(e && e->kind == DOC_SEQ && e->n == 1 && e->items[0]->kind == DOC_SCALAR &&
     !doc_is_null(e->items[0]))
    return e->items[0]->str;
  return NULL;
}

/* Has the operation level a parameter NAME in IN (it hides the path level's)? */
static int declared_on_op(struct cctx *c, const struct api_op *api, const char *name,
                          const char *in)
{
  const struct doc_node *ps = doc_get(api->op, "parameters");
  for(size_t i = 0; ps && ps->kind == DOC_SEQ && i < ps->n; i++) {
    const struct doc_node *p = cc_resolve(c, ps->items[i]);
    if(p && doc_scalar_eq(doc_get(p, "name"), name) && doc_scalar_eq(doc_get(p, "in"), in))
      return 1;
  }
  return 0;
}

void unbound_params(struct cctx *c, const struct api_op *api, const struct doc_node *at,
                    struct unbound_plan *b)
{
  if(!api)
    return;
  const struct doc_node *lists[2] = { doc_get(api->op, "parameters"),
                                      doc_get(api->item, "parameters") };
  for(int l = 0; l < 2; l++) {
    const struct doc_node *ps = lists[l];
    for(size_t i = 0; ps && ps->kind == DOC_SEQ && i < ps->n; i++) {
      const struct doc_node *p = cc_resolve(c, ps->items[i]);
      const struct doc_node *name = p ? doc_get(p, "name") : NULL;
      const struct doc_node *in = p ? doc_get(p, "in") : NULL;
      if(!name || name->kind != DOC_SCALAR || !name->len || !in || in->kind != DOC_SCALAR)
        continue;
      if(l == 1 && declared_on_op(c, api, name->str, in->str))
        continue;
      enum cache_param_in pin = doc_scalar_eq(in, "path") ? PIN_PATH :
                                doc_scalar_eq(in, "header") ? PIN_HEADER :
                                doc_scalar_eq(in, "cookie") ? PIN_COOKIE :
                                doc_scalar_eq(in, "query") ? PIN_QUERY : 0;
      /* OpenAPI ignores header parameters with these names */
      static const char *const ignored[] = { "Accept", "Content-Type", "Authorization" };
      if(!pin || (pin == PIN_HEADER && is_one_of(name->str, ignored, 3)) ||
         bound(b, name->str, pin))
        continue;
      int required = pin == PIN_PATH || doc_bool(doc_get(p, "required")) == DOC_TRUE;
      if(!required && pin != PIN_HEADER)
        continue;
      const char *value = constant_of(c, p);
      if(value)
        push(c, b, at, name->str, pin, value);
      else if(required && pin != PIN_PATH)   /* a path one: "has no binding", an error */
        diag_node(c->diag, DIAG_WARNING, at, "%s: %s %s requires %s parameter '%s', which "
                  "no binding gives and whose schema has neither a default nor a single enum "
                  "value: the API may refuse the call", b->ext, cc_method_name(api->method),
                  api->path, in->str, name->str);
    }
  }
}
