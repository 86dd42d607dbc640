/* describe.c - the DescribeServiceResponse body (flow-protocol.md §4.4-4.5, product.md §3,
 * §4), built once at compile time and stored in the cache as ready JSON text. */
#include <string.h>
#include "compile.h"
#include "../flow/config.h"


static void type_element(struct buf *b, const struct model *m, const struct model_type *t)
{
  buf_puts(b, "{\"elementType\":\"TYPE\",\"developerName\":");
  buf_json_str(b, t->name);
  buf_puts(b, ",\"developerSummary\":");
  buf_json_str(b, t->summary);
  buf_puts(b, ",\"id\":null,\"serviceElementId\":null,\"properties\":[");
  for(size_t i = 0; i < t->nprops; i++) {
    const struct model_prop *p = &t->props[i];
    buf_puts(b, i ? ",{\"id\":null,\"developerName\":" : "{\"id\":null,\"developerName\":");
    buf_json_str(b, p->name);
    buf_puts(b, ",\"contentType\":");
    buf_json_str(b, flow_ctype_name(p->ctype));
    buf_puts(b, ",\"contentFormat\":null,\"typeElementId\":null,\"typeElementDeveloperName\":");
    buf_json_str(b, p->ref_type >= 0 ? m->types[p->ref_type].name : NULL);
    buf_putc(b, '}');
  }
  buf_puts(b, "],\"bindings\":[{\"id\":null,\"developerName\":");
  buf_json_str(b, t->name);
  buf_puts(b, ",\"developerSummary\":");
  buf_puts(b, "\"The binding for ");
  buf_json_escape(b, t->name, strlen(t->name));
  buf_putc(b, '"');
  buf_puts(b, ",\"databaseTableName\":");
  buf_json_str(b, t->name);
  buf_puts(b, ",\"serviceElementId\":null,\"propertyBindings\":[");
  for(size_t i = 0; i < t->nprops; i++) {
    const struct model_prop *p = &t->props[i];
    buf_puts(b, i ? ",{\"databaseFieldName\":" : "{\"databaseFieldName\":");
    buf_json_str(b, p->name);
    buf_puts(b, ",\"typeElementPropertyId\":null,\"typeElementPropertyDeveloperName\":");
    buf_json_str(b, p->name);
    buf_puts(b, ",\"databaseContentType\":");
    buf_json_str(b, p->db_type);
    buf_putc(b, '}');
  }
  buf_puts(b, "]}],\"updateByName\":false}");
}

enum oac_result describe_build(struct model *m)
{
  struct buf b;
  buf_init(&b);
  flow_describe_head(&b, (m->flags & CACHE_F_IDENTITY) != 0);
  buf_puts(&b, ",\"install\":{\"typeElements\":[");
  for(size_t i = 0; i < m->ntypes; i++) {
    if(i)
      buf_putc(&b, ',');
    type_element(&b, m, &m->types[i]);
  }
  buf_puts(&b, "]}}");
  if(buf_failed(&b)) {
    buf_free(&b);
    return OAC_ENOMEM;
  }
  m->describe = arena_strndup(&m->arena, b.data, b.len);
  m->describe_len = b.len;
  buf_free(&b);
  return m->describe ? OAC_OK : OAC_ENOMEM;
}
