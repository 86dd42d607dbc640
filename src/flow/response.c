/* response.c - the ObjectDataResponse writer (response.h): used by the worker's operations
 * and by the compile step's example records, so both write the same bytes. */
#include "response.h"

void response_begin(struct response *r, struct buf *out)
{
  r->out = out;
  r->n = 0;
  buf_puts(out, "{\"culture\":null,\"objectData\":[");
}

void response_next(struct response *r)
{
  if(r->n++)
    buf_putc(r->out, ',');
}

void response_add(struct response *r, const char *mobject, size_t len)
{
  response_next(r);
  buf_append(r->out, mobject, len);
}

enum oac_result response_add_mapped(struct response *r, struct cache *c, uint32_t type,
                                    const cJSON *v, const struct map_want *want,
                                    const char *internal_id, const char *external_id,
                                    int order, struct problem *p)
{
  response_next(r);
  return map_object_to_flow_as(c, type, v, want, internal_id, external_id, order, r->out, p);
}

void response_end(struct response *r, int more)
{
  buf_puts(r->out, more ? "],\"hasMoreResults\":true}" : "],\"hasMoreResults\":false}");
}

void response_end_token(struct response *r, int more, const char *token, size_t len)
{
  if(!token || !len) {
    response_end(r, more);
    return;
  }
  buf_puts(r->out, more ? "],\"hasMoreResults\":true,\"offsetToken\":"
                        : "],\"hasMoreResults\":false,\"offsetToken\":");
  buf_json_strn(r->out, token, len);
  buf_putc(r->out, '}');
}

void response_empty(struct buf *out)
{
  struct response r;
  response_begin(&r, out);
  response_end(&r, 0);
}
