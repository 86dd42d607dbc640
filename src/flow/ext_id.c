/* ext_id.c - composite external IDs (ext_id.h, product.md §13.9). */
#include "ext_id.h"

#include <string.h>

void ext_id_put_part(struct buf *out, const char *s, size_t len, int first)
{
  if(!first)
    buf_putc(out, '/');
  size_t start = 0;
  for(size_t i = 0; i < len; i++) {
    if(s[i] != '%' && s[i] != '/')
      continue;
    buf_append(out, s + start, i - start);
    buf_puts(out, s[i] == '%' ? "%25" : "%2F");
    start = i + 1;
  }
  buf_append(out, s + start, len - start);
}

size_t ext_id_count(const char *id)
{
  size_t n = 1;
  for(; *id; id++)
    n += *id == '/';
  return n;
}

int ext_id_part(const char *id, size_t i, struct buf *out)
{
  for(; i; i--) {
    id = strchr(id, '/');
    if(!id)
      return 0;
    id++;
  }
  size_t len = strcspn(id, "/");
  for(size_t k = 0; k < len; k++) {
    if(id[k] == '%' && k + 2 < len && id[k + 1] == '2') {
      char h = id[k + 2];
      if(h == '5' || h == 'F' || h == 'f') {
        buf_putc(out, h == '5' ? '%' : '/');
        k += 2;
        continue;
      }
    }
    buf_putc(out, id[k]);
  }
  return 1;
}

const uint32_t *ext_id_props(struct cache *c, const struct cache_type *t, uint32_t *one,
                             size_t *n)
{
  *n = 0;
  if(t->neid > 1) {
    struct cache_error err;
    uint32_t count;
    const uint32_t *u32 = cache_section(c, CS_U32, &count, &err);
    if(!u32 || t->first_eid > count || t->neid > count - t->first_eid)
      return NULL;
    *n = t->neid;
    return u32 + t->first_eid;
  }
  if(t->external_id_prop < 0)
    return one;
  *one = (uint32_t)t->external_id_prop;
  *n = 1;
  return one;
}
