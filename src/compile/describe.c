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

enum oac_result describe_build(struct model *m)
{
  struct buf b;
  buf_init(&b);
  flow_describe_head(&b, (m->flags & CACHE_F_IDENTITY) != 0);
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
