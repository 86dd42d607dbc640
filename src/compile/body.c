/* body.c - the request body of a save/update plan (body.h; product.md §13.1, §13.2).
 *
 * The media type is decided here, once: JSON when the operation offers it (application/json,
 * any +json such as application/merge-patch+json, or a wildcard that admits JSON), else
 * application/x-www-form-urlencoded, else multipart/form-data; anything else is an error
 * naming the operation and what it offers. For a urlencoded body each body property gets its
 * `encoding` (style form/deepObject, explode) as CBODY_F_* flags, so the worker only encodes.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "../flow/config.h"
#include "../common/mem.h"

enum media { MEDIA_OTHER = 0, MEDIA_JSON, MEDIA_FORM, MEDIA_MULTIPART };

/* The media type S without parameters, compared case-insensitively. */
static int base_is(const char *s, const char *want)
{
  size_t n = strcspn(s, "; \t");
  return strlen(want) == n && !strncasecmp(s, want, n);
}

static enum media classify(const char *s)
{
  size_t n = strcspn(s, "; \t");
  if(base_is(s, "application/json-patch+json"))
    return MEDIA_OTHER;   /* RFC 6902: a list of operations, not the object (Kubernetes) */
  if(base_is(s, "application/json") || base_is(s, "*/*") || base_is(s, "application/*") ||
     (n > 5 && !strncasecmp(s + n - 5, "+json", 5)))
    return MEDIA_JSON;
  if(base_is(s, "application/x-www-form-urlencoded"))
    return MEDIA_FORM;
  if(base_is(s, "multipart/form-data"))
    return MEDIA_MULTIPART;
  return MEDIA_OTHER;
}

int body_key_allowed(enum cache_op op, const struct doc_node *k)
{
  return (op == OP_SAVE || op == OP_UPDATE) && doc_scalar_eq_ci(k, "emptyAs");
}

void body_empty_as(struct cctx *c, struct model_plan *p)
{
  const struct doc_node *v = p->ext ? doc_get_ci(p->ext, "emptyAs") : NULL;
  p->empty_as = p->method == M_PATCH ? CEA_OMIT : CEA_EMPTY;
  if(!v || !(p->op == OP_SAVE || p->op == OP_UPDATE || p->op == (enum cache_op)OP_ACTION))
    return;
  if(doc_scalar_eq(v, "omit"))
    p->empty_as = CEA_OMIT;
  else if(doc_scalar_eq(v, "null"))       /* quoted or YAML's null: meant as the word */
    p->empty_as = CEA_NULL;
  else if(doc_scalar_eq(v, "empty"))
    p->empty_as = CEA_EMPTY;
  else
    diag_node(c->diag, DIAG_ERROR, v, "emptyAs must be omit, null or empty, got '%s'",
              v->kind == DOC_SCALAR ? v->str : "?");
}

/* "application/xml, application/octet-stream" */
static const char *offered(struct cctx *c, const struct doc_node *content)
{
  const char *s = "";
  for(size_t i = 0; i < content->n; i++) {
    const char *k = content->items[2 * i]->str ? content->items[2 * i]->str : "?";
    s = arena_printf(c->a, "%s%s%s", s, i ? ", " : "", k);
    if(!s) {
      cc_oom(c);
      return "";
    }
  }
  return s;
}

/* Is schema S (resolved) a file: format binary, or an array of them? */
static int is_file(struct cctx *c, const struct doc_node *s)
{
  s = cc_resolve(c, s);
  if(!s || s->kind != DOC_MAP)
    return 0;
  if(doc_scalar_eq(doc_get(s, "format"), "binary"))
    return 1;
  const struct doc_node *items = cc_resolve(c, doc_get(s, "items"));
  return items && items->kind == DOC_MAP && doc_scalar_eq(doc_get(items, "format"), "binary");
}

static void form_flags(struct cctx *c, const struct model_type *ty, struct model_plan *p,
                       const struct doc_node *encoding, const char *ext, const char *opname)
{
  p->body_enc = arena_calloc(c->a, (p->nbody ? p->nbody : 1) * sizeof(*p->body_enc));
  if(!p->body_enc) {
    cc_oom(c);
    return;
  }
  for(size_t k = 0; k < p->nbody; k++) {
    const struct model_prop *pr = &ty->props[p->body[k]];
    const struct doc_node *enc = encoding && encoding->kind == DOC_MAP ?
                                 cc_resolve(c, doc_get(encoding, pr->json_name)) : NULL;
    const struct doc_node *style = enc && enc->kind == DOC_MAP ? doc_get(enc, "style") : NULL;
    const struct doc_node *explode = enc && enc->kind == DOC_MAP ? doc_get(enc, "explode")
                                                                 : NULL;
    unsigned f = 0;
    if(doc_scalar_eq(style, "deepObject"))
      f |= CBODY_F_DEEP;
    else if(style && !doc_scalar_eq(style, "form"))
      diag_node(c->diag, DIAG_WARNING, style, "%s: operation %s: style '%s' of body property "
                "'%s' is not used in form bodies: form is", ext, opname,
                style->kind == DOC_SCALAR ? style->str : "?", pr->json_name);
    if(explode && doc_bool(explode) == DOC_FALSE)
      f |= CBODY_F_NO_EXPLODE;
    int object = pr->ctype == CT_OBJECT ||
                 (pr->ctype == CT_LIST && !(pr->flags & CP_SCALAR_LIST));
    if(object && !(f & CBODY_F_DEEP) && !(pr->flags & CP_ALTERNATIVE))
      diag_node(c->diag, DIAG_WARNING, enc && enc->kind == DOC_MAP ? enc : p->at,
                "%s: operation %s: body property '%s' is an object under style form: it is "
                "sent as deepObject (%s[key]=value)", ext, opname, pr->json_name,
                pr->json_name);
    p->body_enc[k] = f;
  }
}

/* A form's pairs follow the body schema's property order, after the allOf merge (§13.1):
 * the body list is put in the order of L (stable; properties L does not name go last). */
static void order_body(struct cctx *c, const struct model_type *ty, struct model_plan *p,
                       const struct merged *l)
{
  size_t *rank = arena_alloc(c->a, (p->nbody ? p->nbody : 1) * sizeof(*rank));
  if(!rank) {
    cc_oom(c);
    return;
  }
  for(size_t k = 0; k < p->nbody; k++) {
    const char *name = ty->props[p->body[k]].json_name;
    rank[k] = l->n;
    for(size_t i = 0; i < l->n; i++)
      if(name && l->v[i].name && !strcmp(name, l->v[i].name)) {
        rank[k] = i;
        break;
      }
  }
  for(size_t k = 1; k < p->nbody; k++)          /* insertion sort: stable, lists are short */
    for(size_t j = k; j > 0 && rank[j - 1] > rank[j]; j--) {
      size_t r = rank[j];
      rank[j] = rank[j - 1];
      rank[j - 1] = r;
      unsigned b = p->body[j];
      p->body[j] = p->body[j - 1];
      p->body[j - 1] = b;
    }
}

void body_plan(struct cctx *c, int t, struct model_plan *p, const struct api_op *api)
{
  const struct model_type *ty = &c->m->types[t];
  const char *ext = flow_op_extension(p->op);
  body_empty_as(c, p);
  p->body_type = "application/json";
  const struct doc_node *rb = api ? cc_resolve(c, doc_get(api->op, "requestBody")) : NULL;
  const struct doc_node *content = rb && rb->kind == DOC_MAP ? doc_get(rb, "content") : NULL;
  if(!content || content->kind != DOC_MAP || !content->n)
    return;
  size_t pick[4] = { SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX };
  for(size_t i = 0; i < content->n; i++) {
    const struct doc_node *k = content->items[2 * i];
    enum media m = k->kind == DOC_SCALAR ? classify(k->str) : MEDIA_OTHER;
    if(pick[m] == SIZE_MAX || (m == MEDIA_JSON && base_is(k->str, "application/json")))
      pick[m] = i;        /* among JSON media types, application/json itself first */
  }
  const char *opname = arena_printf(c->a, "%s %s", cc_method_name(api->method), api->path);
  if(!opname) {
    cc_oom(c);
    return;
  }
  enum media m = pick[MEDIA_JSON] != SIZE_MAX ? MEDIA_JSON :
                 pick[MEDIA_FORM] != SIZE_MAX ? MEDIA_FORM :
                 pick[MEDIA_MULTIPART] != SIZE_MAX ? MEDIA_MULTIPART : MEDIA_OTHER;
  if(m == MEDIA_OTHER) {
    diag_node(c->diag, DIAG_ERROR, p->at, "%s: operation %s offers %s; a body is sent as JSON, "
              "application/x-www-form-urlencoded or multipart/form-data", ext, opname,
              offered(c, content));
    return;
  }
  const struct doc_node *key = content->items[2 * pick[m]];
  p->body_type = key->str;
  if(m == MEDIA_JSON) {
    if(!base_is(key->str, "application/json") && (key->str[0] == '*' ||
                                                  !strncasecmp(key->str, "application/*", 13)))
      p->body_type = "application/json";  /* a wildcard: JSON is what is sent */
    return;
  }
  const struct doc_node *media = cc_resolve(c, content->items[2 * pick[m] + 1]);
  const struct doc_node *schema = media && media->kind == DOC_MAP ?
                                  cc_resolve(c, doc_get(media, "schema")) : NULL;
  if(schema) {
    struct merged l = { NULL, 0, 0 };
    types_merge_props(c, &l, schema);
    for(size_t i = 0; m == MEDIA_MULTIPART && i < l.n; i++)
      if(is_file(c, l.v[i].raw))
        diag_node(c->diag, DIAG_ERROR, p->at, "%s: operation %s: multipart property '%s' is "
                  "a file (format: binary), which a Flow object cannot carry; the operation "
                  "offers %s", ext, opname, l.v[i].name, offered(c, content));
    order_body(c, ty, p, &l);
    oac_free(l.v);
  }
  if(m == MEDIA_FORM)
    form_flags(c, ty, p, media && media->kind == DOC_MAP ? doc_get(media, "encoding") : NULL,
               ext, opname);
}

/* ---- message actions (product.md §13.1, §14.2; issue 16) ------------------------------ */

enum body_kind body_action_media(struct cctx *c, const struct api_op *api, const char **type,
                                 const struct doc_node **schema, const char **why)
{
  *type = NULL;
  *schema = NULL;
  *why = NULL;
  const struct doc_node *rb = cc_resolve(c, doc_get(api->op, "requestBody"));
  const struct doc_node *content = rb && rb->kind == DOC_MAP ? doc_get(rb, "content") : NULL;
  if(!content || content->kind != DOC_MAP || !content->n)
    return BODY_NONE;
  size_t pick[4] = { SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX }, text = SIZE_MAX;
  for(size_t i = 0; i < content->n; i++) {
    const struct doc_node *k = content->items[2 * i];
    enum media m = k->kind == DOC_SCALAR ? classify(k->str) : MEDIA_OTHER;
    if(pick[m] == SIZE_MAX || (m == MEDIA_JSON && base_is(k->str, "application/json")))
      pick[m] = i;
    if(m == MEDIA_OTHER && k->kind == DOC_SCALAR && base_is(k->str, "text/plain") &&
       text == SIZE_MAX)
      text = i;
  }
  enum media m = pick[MEDIA_JSON] != SIZE_MAX ? MEDIA_JSON :
                 pick[MEDIA_FORM] != SIZE_MAX ? MEDIA_FORM :
                 pick[MEDIA_MULTIPART] != SIZE_MAX ? MEDIA_MULTIPART : MEDIA_OTHER;
  size_t at = m == MEDIA_OTHER ? text : pick[m];
  const struct doc_node *media = at != SIZE_MAX ? cc_resolve(c, content->items[2 * at + 1])
                                                : NULL;
  const struct doc_node *s = media && media->kind == DOC_MAP ?
                             cc_resolve(c, doc_get(media, "schema")) : NULL;
  if(m == MEDIA_OTHER) {
    const char *st = s ? types_schema_type(s) : NULL;
    if(at == SIZE_MAX || (s && st && strcmp(st, "string"))) {
      *why = arena_printf(c->a, "offers %s; a body is sent as JSON, "
                          "application/x-www-form-urlencoded, multipart/form-data or "
                          "text/plain (a string)", offered(c, content));
      if(!*why)
        cc_oom(c);
      return BODY_UNUSABLE;
    }
    *type = content->items[2 * at]->str;
    *schema = s;
    return BODY_TEXT;
  }
  *schema = s;
  *type = content->items[2 * at]->str;
  if(m == MEDIA_JSON) {
    if(!base_is(*type, "application/json") && ((*type)[0] == '*' ||
                                               !strncasecmp(*type, "application/*", 13)))
      *type = "application/json";
    return BODY_JSON;
  }
  if(m == MEDIA_MULTIPART && s) {
    struct merged l = { NULL, 0, 0 };
    types_merge_props(c, &l, s);
    for(size_t i = 0; i < l.n && !*why; i++)
      if(is_file(c, l.v[i].raw)) {
        *why = arena_printf(c->a, "has multipart property '%s', a file (format: binary), "
                            "which a Flow object cannot carry; the operation offers %s",
                            l.v[i].name, offered(c, content));
        if(!*why)
          cc_oom(c);
      }
    oac_free(l.v);
    if(*why)
      return BODY_UNUSABLE;
  }
  return m == MEDIA_FORM ? BODY_FORM : BODY_MULTIPART;
}
