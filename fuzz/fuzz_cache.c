/* fuzz_cache.c - any bytes as a cache image: the reader must refuse or accept them without
 * a crash, and whatever it accepts must be safe to use the way the worker uses it.
 *
 * Input: one flags byte, then the image.
 *   bit 0  recompute the section and header checksums first, so mutations reach the
 *          structural checks behind them (a random flip otherwise only ever fails the
 *          checksum)
 *   bit 1  open with CACHE_VERIFY_LAZY (CGI) instead of CACHE_VERIFY_ALL
 * After a successful open everything is walked through the reader's accessors (types by
 * index and by name, properties, plans, parameters, security alternatives, schemes,
 * examples with every text, the describe JSON), and each type goes through the worker's
 * mapping code (API JSON -> Flow MObject, external ID, Flow MObject -> JSON).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/hash.h"
#include "fuzz_common.h"
#include "flow/json.h"
#include "flow/mapping.h"

static cJSON *api_obj, *flow_obj;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  static const char api[] =
    "{\"id\":12,\"name\":\"Rex\",\"status\":\"sold\",\"tags\":[{\"id\":1,\"name\":\"a\"},\"x\"],"
    "\"category\":{\"id\":2,\"name\":\"dogs\"},\"photoUrls\":[\"u\",null,3],\"price\":1e3,"
    "\"active\":true,\"extra\":{\"k\":[1,{\"z\":null}]}}";
  static const char flow[] =
    "{\"internalId\":\"i1\",\"externalId\":\"12\",\"developerName\":\"T\",\"properties\":["
    "{\"developerName\":\"id\",\"contentValue\":\"12\"},"
    "{\"developerName\":\"name\",\"contentValue\":\"Rex\"},"
    "{\"developerName\":\"price\",\"contentValue\":\"1.5\"},"
    "{\"developerName\":\"tags\",\"objectData\":[{\"developerName\":\"x\",\"properties\":["
    "{\"developerName\":\"Value\",\"contentValue\":\"a\"}]}]}]}";
  struct json_error je;
  if(json_parse(api, sizeof(api) - 1, &api_obj, &je) ||
     json_parse(flow, sizeof(flow) - 1, &flow_obj, &je))
    fuzz_fail("fixed JSON does not parse");
  return 0;
}

/* Recompute every checksum that lies inside the image (the writer's rules, format.h). */
static void fix_checksums(unsigned char *img, size_t size)
{
  if(size < sizeof(struct cache_header))
    return;
  struct cache_header *h = (struct cache_header *)(void *)img;
  uint32_t n = h->nsections < CACHE_MAX_SECTIONS ? h->nsections : CACHE_MAX_SECTIONS;
  for(uint32_t i = 0; i < n; i++) {
    struct cache_section *s = &h->sections[i];
    if(s->offset <= size && s->size <= size - s->offset)
      s->checksum = oac_hash64(img + s->offset, (size_t)s->size, CACHE_FORMAT_VERSION);
  }
  if(h->header_size >= sizeof(*h) && h->header_size <= size) {
    h->header_checksum = 0;
    h->header_checksum = oac_hash64(img, h->header_size, 0);
  }
}

static volatile size_t sink;

static void touch(const char *s)
{
  sink += strlen(s);            /* ASan: the string is in bounds and terminated */
}

static void walk_example(struct cache *c, const struct cache_plan *pl, uint32_t ntypes)
{
  struct cache_error err;
  const struct cache_example *e;
  if(cache_example(c, pl, &e, &err) || !e)
    return;
  if(e->type >= ntypes)
    fuzz_fail("example of a verified cache names type %u of %u", e->type, ntypes);
  const char *t;
  if((t = cache_xstr(e, e->body)))
    touch(t);
  if((t = cache_xstr(e, e->response)))
    touch(t);
  const struct cache_example_object *o =
    (const struct cache_example_object *)(const void *)((const char *)e + e->objects);
  const struct cache_xstr *v =
    (const struct cache_xstr *)(const void *)((const char *)e + e->values);
  for(uint32_t k = 0; k < e->nobjects; k++) {
    touch(cache_xstr(e, o[k].mobject));
    touch(cache_xstr(e, o[k].external_id));
    for(uint32_t j = 0; j < e->nprops; j++)
      if((t = cache_xstr(e, v[(size_t)k * e->nprops + j])))
        touch(t);
  }
}

static void walk(struct cache *c)
{
  struct cache_error err;
  touch(cache_registration(c));
  size_t dlen;
  const char *d = cache_describe(c, &dlen, &err);
  if(d && dlen)
    sink += (unsigned char)d[dlen - 1];
  uint32_t nt, np, npl, npa, nsa, nu, nsc;
  const struct cache_type *types = cache_section(c, CS_TYPES, &nt, &err);
  const struct cache_prop *props = cache_section(c, CS_PROPS, &np, &err);
  const struct cache_plan *plans = cache_section(c, CS_PLANS, &npl, &err);
  const struct cache_param *params = cache_section(c, CS_PARAMS, &npa, &err);
  const struct cache_secalt *alts = cache_section(c, CS_SECALTS, &nsa, &err);
  const uint32_t *u32 = cache_section(c, CS_U32, &nu, &err);
  const struct cache_scheme *schemes = cache_section(c, CS_SCHEMES, &nsc, &err);
  cache_find_type(c, "Pet", 3, &err);
  cache_find_type(c, "", 0, &err);
  if(!types)
    return;
  for(uint32_t i = 0; i < nt; i++) {
    const struct cache_type *t = cache_type_at(c, i, &err);
    if(t != &types[i])
      fuzz_fail("cache_type_at(%u) is not the TYPES record", i);
    const char *name = cache_str(c, t->name);
    int k = cache_find_type(c, name, t->name.len, &err);
    if(k >= 0 && strcmp(cache_str(c, types[k].name), name))
      fuzz_fail("cache_find_type('%s') found '%s'", name, cache_str(c, types[k].name));
    if(props)
      for(uint32_t j = 0; j < t->nprops; j++) {
        const struct cache_prop *p = &props[t->first_prop + j];
        touch(cache_str(c, p->name));
        touch(cache_str(c, p->json_name));
        touch(cache_str(c, p->db_type));
        if(p->ref_type >= 0 && !cache_type_at(c, (uint32_t)p->ref_type, &err))
          fuzz_fail("property type %d of a verified cache unusable", p->ref_type);
      }
    if(!plans)
      continue;
    for(int op = 0; op < OP_MAX; op++) {
      if(!t->plans[op])
        continue;
      const struct cache_plan *pl = &plans[t->plans[op] - 1];
      touch(cache_str(c, pl->path));
      touch(cache_str(c, pl->items));
      touch(cache_str(c, pl->body_type));
      if(params)
        for(uint32_t j = 0; j < pl->nparams; j++) {
          touch(cache_str(c, params[pl->first_param + j].name));
          touch(cache_str(c, params[pl->first_param + j].arg));
        }
      if(u32)
        for(uint32_t j = 0; j < pl->nbody; j++)
          if(u32[pl->first_body + j] >= t->nprops)
            fuzz_fail("body property out of range in a verified cache");
      if(alts && u32 && schemes)
        for(uint32_t j = 0; j < pl->nsecalts; j++) {
          const struct cache_secalt *a = &alts[pl->first_secalt + j];
          for(uint32_t s = 0; s < a->count; s++) {
            const struct cache_scheme *sc = &schemes[u32[a->first + s]];
            touch(cache_str(c, sc->name));
            touch(cache_str(c, sc->param_name));
            touch(cache_str(c, sc->token_url));
            touch(cache_str(c, sc->map_user_id));
          }
        }
      walk_example(c, pl, nt);
    }
  }
  (void)npa;
  (void)nsa;
  (void)nu;
  (void)nsc;
  (void)np;
  /* the worker's mapping code on every type (a handful: keep each run short) */
  if(!props)
    return;
  struct arena a;
  arena_init(&a, 0);
  json_arena_begin(&a);
  for(uint32_t i = 0; i < nt && i < 16; i++) {
    struct buf out;
    struct problem p;
    buf_init(&out);
    memset(&p, 0, sizeof(p));
    struct map_want *w = map_want_build(c, i, NULL, &a);
    map_object_to_flow(c, i, api_obj, w, "iid", 0, &out, &p);
    buf_reset(&out);
    map_external_id(c, i, api_obj, &out);
    buf_reset(&out);
    memset(&p, 0, sizeof(p));
    map_flow_to_json(c, i, flow_obj, NULL, 0, &out, &p);
    const cJSON *arr = NULL, *one = NULL;
    map_unwrap(c, i, api_obj, NULL, &arr, &one);
    buf_free(&out);
  }
  json_arena_end();
  arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if(!size)
    return 0;
  unsigned flags = data[0];
  size--;
  /* the reader wants an 8-aligned image, as a mapping is */
  unsigned char *img = malloc(size ? size : 1);
  if(!img)
    return 0;
  memcpy(img, data + 1, size);
  if(flags & 1)
    fix_checksums(img, size);
  struct cache c;
  struct cache_error err;
  enum cache_verify v = flags & 2 ? CACHE_VERIFY_LAZY : CACHE_VERIFY_ALL;
  if(cache_open_mem(&c, img, size, v, &err) == OAC_OK) {
    walk(&c);
    cache_close(&c);
  }
  else if(!err.msg[0])
    fuzz_fail("cache_open_mem failed without a message");
  free(img);
  return 0;
}
