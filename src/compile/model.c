/* model.c - the compiler's in-memory model (see model.h): types and their properties.
 *
 * Called by the OpenAPI walk while it generates types, and by the tests. Everything lives
 * in the model's arena (growing an array allocates a twice-as-large copy and abandons the
 * old one, freed with the arena) except two large arrays on the heap: the types array
 * (reallocated in place; so a pointer into it is valid only until the next
 * model_add_type) and the describe text. model_free() frees the three.
 */
#include <string.h>
#include "model.h"
#include "../common/mem.h"

void model_init(struct model *m)
{
  memset(m, 0, sizeof(*m));
  arena_init(&m->arena, 0);
}

void model_free(struct model *m)
{
  oac_free(m->describe_heap);
  oac_free(m->types);
  oac_free(m->actions);
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
  if(m->ntypes == m->cap_types) {
    /* the heap, not the arena: realloc grows a large array in place (mremap) instead of
     * abandoning copies of it, which cost a tenth of a compile with 10,000 types */
    size_t ncap = m->cap_types ? m->cap_types * 2 : 8;
    if(ncap > SIZE_MAX / sizeof(*m->types))
      return OAC_ELIMIT;
    struct model_type *arr = oac_realloc(m->types, ncap * sizeof(*m->types));
    if(!arr)
      return OAC_ENOMEM;
    m->types = arr;
    m->cap_types = ncap;
  }
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
