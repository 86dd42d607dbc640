/* describe.c - the DescribeServiceResponse body (flow-protocol.md §4.4-4.5, product.md §3,
 * §4), built once at compile time and stored in the cache as ready JSON text. */
#include <string.h>
#include "compile.h"
#include "../common/mem.h"
#include "../flow/config.h"

/* A string literal, its length known at compile time (the describe body of a large document
 * is megabytes of these). */
#define PUT(b, lit) buf_append((b), (lit), sizeof(lit) - 1)


/* Appends again the N bytes at offset OFF of B (text written a moment ago): a name that
 * occurs several times in an element is escaped once. */
static void again(struct buf *b, size_t off, size_t n)
{
  if(buf_reserve(b, n))
    return;
  memcpy(b->data + b->len, b->data + off, n);
  b->len += n;
  b->data[b->len] = '\0';
}

/* Appends S as a JSON string; *OFF and *N tell where it went (for again()). */
static void json_str_at(struct buf *b, const char *s, size_t *off, size_t *n)
{
  *off = b->len;
  buf_json_str(b, s);
  *n = buf_failed(b) ? 0 : b->len - *off;
}

static void type_element(struct buf *b, const struct model *m, const struct model_type *t)
{
  size_t name_off, name_n, p_off, p_n;
  PUT(b, "{\"elementType\":\"TYPE\",\"developerName\":");
  json_str_at(b, t->name, &name_off, &name_n);
  PUT(b, ",\"developerSummary\":");
  buf_json_str(b, t->summary);
  PUT(b, ",\"id\":null,\"serviceElementId\":null,\"properties\":[");
  for(size_t i = 0; i < t->nprops; i++) {
    const struct model_prop *p = &t->props[i];
    if(i)
      buf_putc(b, ',');
    PUT(b, "{\"id\":null,\"developerName\":");
    buf_json_str(b, p->name);
    PUT(b, ",\"contentType\":");
    buf_json_str(b, flow_ctype_name(p->ctype));
    PUT(b, ",\"contentFormat\":null,\"typeElementId\":null,\"typeElementDeveloperName\":");
    buf_json_str(b, p->ref_type >= 0 ? m->types[p->ref_type].name : NULL);
    buf_putc(b, '}');
  }
  if(t->action_only) {           /* generated for an action (§14.2): no database binding */
    PUT(b, "],\"bindings\":[],\"updateByName\":false}");
    return;
  }
  PUT(b, "],\"bindings\":[{\"id\":null,\"developerName\":");
  again(b, name_off, name_n);
  PUT(b, ",\"developerSummary\":");
  PUT(b, "\"The binding for ");
  if(name_n >= 2)
    again(b, name_off + 1, name_n - 2);     /* the escaped name without its quotes */
  buf_putc(b, '"');
  PUT(b, ",\"databaseTableName\":");
  again(b, name_off, name_n);
  PUT(b, ",\"serviceElementId\":null,\"propertyBindings\":[");
  for(size_t i = 0; i < t->nprops; i++) {
    const struct model_prop *p = &t->props[i];
    if(i)
      buf_putc(b, ',');
    PUT(b, "{\"databaseFieldName\":");
    json_str_at(b, p->name, &p_off, &p_n);
    PUT(b, ",\"typeElementPropertyId\":null,\"typeElementPropertyDeveloperName\":");
    again(b, p_off, p_n);
    PUT(b, ",\"databaseContentType\":");
    buf_json_str(b, p->db_type);
    buf_putc(b, '}');
  }
  PUT(b, "]}],\"updateByName\":false}");
}

/* ---- message actions (product.md §14.2; flow-protocol.md §4.4) ---- */

/* One DescribeValue of an action's inputs or outputs. */
static void describe_value(struct buf *b, const struct model *m, const char *name,
                           unsigned ctype, int type, int required, size_t order)
{
  PUT(b, "{\"developerName\":");
  buf_json_str(b, name);
  PUT(b, ",\"contentValue\":null,\"contentType\":");
  buf_json_str(b, flow_ctype_name(ctype));
  PUT(b, ",\"typeElementDeveloperName\":");
  buf_json_str(b, (ctype == CT_OBJECT || ctype == CT_LIST) && type >= 0 &&
                  (size_t)type < m->ntypes ? m->types[type].name : NULL);
  buf_printf(b, ",\"ordinal\":%zu,\"order\":%zu,\"required\":%s,\"isRequired\":%s}",
             order, order, required ? "true" : "false", required ? "true" : "false");
}

static void describe_action(struct buf *b, const struct model *m, const struct model_action *a)
{
  PUT(b, "{\"uriPart\":");
  buf_printf(b, "\"actions/%s\"", a->slug);     /* a slug is [a-z0-9-] only */
  PUT(b, ",\"developerName\":");
  buf_json_str(b, a->name);
  PUT(b, ",\"developerSummary\":");
  buf_json_str(b, a->summary);
  PUT(b, ",\"serviceInputs\":[");
  for(size_t i = 0; i < a->ninputs; i++) {
    const struct model_input *in = &a->inputs[i];
    if(i)
      buf_putc(b, ',');
    describe_value(b, m, in->name, in->ctype, in->type, (in->flags & CI_F_REQUIRED) != 0, i);
  }
  PUT(b, "],\"serviceOutputs\":[");
  size_t o = 0;
  if(a->response_ctype != CT_NONE) {
    describe_value(b, m, "Response", a->response_ctype, a->response_type, 0, o++);
    buf_putc(b, ',');
  }
  describe_value(b, m, "Status Code", CT_NUMBER, -1, 0, o++);
  buf_putc(b, ',');
  describe_value(b, m, "Error Message", CT_STRING, -1, 0, o++);
  buf_putc(b, ',');
  describe_value(b, m, "Response Body", CT_STRING, -1, 0, o++);
  PUT(b, "],\"serviceActionOutcomes\":[],\"isViewMessageAction\":false}");
}

enum oac_result describe_build(struct model *m)
{
  struct buf b;
  buf_init(&b);
  flow_describe_head_open(&b, (m->flags & CACHE_F_IDENTITY) != 0, m->nactions > 0);
  for(size_t i = 0; i < m->nactions; i++) {
    if(i)
      buf_putc(&b, ',');
    describe_action(&b, m, &m->actions[i]);
  }
  buf_putc(&b, ']');
  PUT(&b, ",\"install\":{\"typeElements\":[");
  for(size_t i = 0; i < m->ntypes; i++) {
    if(i)
      buf_putc(&b, ',');
    type_element(&b, m, &m->types[i]);
  }
  PUT(&b, "]}}");
  if(buf_failed(&b)) {
    buf_free(&b);
    return OAC_ENOMEM;
  }
  /* the buffer becomes the model's (a copy of megabytes of JSON costs as much as
   * writing it) */
  size_t len;
  char *text = buf_steal(&b, &len);
  if(!text)
    return OAC_ENOMEM;
  oac_free(m->describe_heap);
  m->describe = m->describe_heap = text;
  m->describe_len = len;
  return OAC_OK;
}
