/* model.c - the compiler's in-memory model (see model.h): types and their properties.
 *
 * Called by the OpenAPI walk while it generates types, and by the tests. Everything lives
 * in the model's arena: growing an array allocates a twice-as-large copy and abandons the
 * old one (freed with the arena), so model_free() is one arena_free().
 */
#include <string.h>
#include "model.h"

void model_init(struct model *m)
{
  memset(m, 0, sizeof(*m));
  arena_init(&m->arena, 0);
}

void model_free(struct model *m)
{
  arena_free(&m->arena);
  memset(m, 0, sizeof(*m));
  arena_init(&m->arena, 0);
}

/* Makes room for one more element of size ELEM in *ARR (N used, *CAP allocated);
 * OAC_ENOMEM when out of memory (or the size would overflow). */
static enum oac_result grow(struct arena *a, void **arr, size_t n, size_t *cap, size_t elem)
{
  if(n < *cap)
    return OAC_OK;
  size_t ncap = *cap ? *cap * 2 : 8;
  if(ncap < *cap || ncap > SIZE_MAX / elem)
    return OAC_ENOMEM;
  void *p = arena_alloc(a, ncap * elem);
  if(!p)
    return OAC_ENOMEM;
  if(n)
    memcpy(p, *arr, n * elem);
  *arr = p;
  *cap = ncap;
  return OAC_OK;
}

enum oac_result model_add_type(struct model *m, const char *name, int *index)
{
  if(m->ntypes >= INT32_MAX)
    return OAC_ELIMIT;
  char *copy = arena_strdup(&m->arena, name ? name : "");
  if(!copy)
    return OAC_ENOMEM;
  void *arr = m->types;
  if(grow(&m->arena, &arr, m->ntypes, &m->cap_types, sizeof(*m->types)))
    return OAC_ENOMEM;
  m->types = arr;
  struct model_type *t = &m->types[m->ntypes];
  memset(t, 0, sizeof(*t));
  t->name = copy;
  t->external_id_prop = -1;
  for(int op = 0; op < OP_MAX; op++)
    t->plans[op].op = (enum cache_op)op;
  if(index)
    *index = (int)m->ntypes;
  m->ntypes++;
  return OAC_OK;
}

enum oac_result model_add_prop(struct model *m, int t, const struct model_prop *p, int *index)
{
  if(t < 0 || (size_t)t >= m->ntypes || !p)
    return OAC_EINTERNAL;
  struct model_type *ty = &m->types[t];
  if(ty->nprops >= INT32_MAX)
    return OAC_ELIMIT;
  void *arr = ty->props;
  if(grow(&m->arena, &arr, ty->nprops, &ty->cap_props, sizeof(*ty->props)))
    return OAC_ENOMEM;
  ty->props = arr;
  ty->props[ty->nprops] = *p;
  if(index)
    *index = (int)ty->nprops;
  ty->nprops++;
  return OAC_OK;
}

int model_find_type(const struct model *m, const char *name)
{
  if(!name)
    return -1;
  for(size_t i = 0; i < m->ntypes; i++)
    if(m->types[i].name && !strcmp(m->types[i].name, name))
      return (int)i;
  return -1;
}
