/* id_part.c - composite external IDs in the worker (product.md §13.9, call.h): the part of
 * a load's id a parameter takes, and the 400 for an id with the wrong number of parts. */
#include "call.h"

#include <string.h>
#include <strings.h>

#include "../flow/ext_id.h"

const char *call_id_part(struct op_ctx *x, const char *id, const char *prop)
{
  const struct cache_prop *props = type_view_props(x->tv, x->p);
  uint32_t one;
  size_t n = 0;
  const uint32_t *parts = props ? ext_id_props(x->c, x->tv->t, &one, &n) : NULL;
  for(size_t k = 0; parts && k < n; k++) {
    if(parts[k] >= x->tv->t->nprops ||
       strcasecmp(cache_str(x->c, props[parts[k]].name), prop))
      continue;
    if(n == 1)
      return id;
    struct buf b;
    buf_init(&b);
    const char *v = NULL;
    if(ext_id_part(id, k, &b) && !buf_failed(&b))
      v = arena_strndup(x->a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return v;
  }
  return NULL;
}

enum oac_result call_check_id(struct op_ctx *x, const char *id)
{
  uint32_t n = x->tv->t->neid;
  if(n < 2 || ext_id_count(id) == n)
    return OAC_OK;
  return problem_set(x->p, 400, "listFilter.id '%s' has %zu part%s, but the external ID of "
                     "type '%s' has %u parts joined by '/' (a '/' or '%%' inside a part is "
                     "written %%2F or %%25)", id, ext_id_count(id),
                     ext_id_count(id) == 1 ? "" : "s", x->tv->name, n);
}
