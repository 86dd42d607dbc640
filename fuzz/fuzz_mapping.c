/* fuzz_mapping.c - any bytes as an API's answer and a Flow request: the worker's JSON
 * parser (json_parse), then the mapping of API objects to Flow MObjects and back
 * (mapping.h) and the list filter (filter.h), for a type of a compiled document.
 *
 * The caches are compiled once at start-up: the pet store example and every document of
 * tests/data/compile/valid/ (all their types, helper types included, can be picked).
 *
 * Input: [type lo][type hi][flags] ANSWER NUL [CONTROL]
 *   type     (lo | hi << 8) modulo the number of types of all caches
 *   flags    bit 0: unwrap with the type's query plan's items path (else automatic)
 *   ANSWER   the API's JSON answer: unwrapped (map_unwrap, map_objects), every object
 *            mapped to an MObject (map_object_to_flow, which must give JSON), its external
 *            ID, every property as the filter reads it; the whole answer canonicalised
 *            (map_jcs / map_jcs_id)
 *   CONTROL  JSON: its "properties" is objectDataType.properties (map_want_build), its
 *            "listFilter" a listFilter (filter_parse, then filter_match / filter_sort over
 *            the answer's objects), and the whole of it a Flow MObject turned into the
 *            API's JSON (map_flow_to_json, with all properties and with the save plan's
 *            body list)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/mem.h"
#include "fuzz_common.h"
#include "flow/filter.h"
#include "flow/json.h"
#include "flow/mapping.h"

#define MAX_CACHES 64

struct loaded {
  struct cache c;
  void *image;
};
static struct loaded caches[MAX_CACHES];
static size_t ncaches;
static struct { uint32_t cache, type; } *pairs;
static size_t npairs;

static void load(const char *path, const char *as)
{
  if(ncaches == MAX_CACHES)
    return;
  struct buf img;
  buf_init(&img);
  if(fuzz_compile_file(path, as, "http://127.0.0.1:9", &img))
    fuzz_fail("%s does not compile", path);
  struct loaded *l = &caches[ncaches];
  size_t len = img.len;
  l->image = buf_steal(&img, &len);
  struct cache_error err;
  if(cache_open_mem(&l->c, l->image, len, CACHE_VERIFY_ALL, &err))
    fuzz_fail("%s: %s", path, err.msg);
  uint32_t nt;
  if(!cache_section(&l->c, CS_TYPES, &nt, &err))
    fuzz_fail("%s: %s", path, err.msg);
  pairs = realloc(pairs, (npairs + nt) * sizeof(*pairs));
  for(uint32_t t = 0; t < nt; t++) {
    pairs[npairs].cache = (uint32_t)ncaches;
    pairs[npairs].type = t;
    npairs++;
  }
  ncaches++;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  load("examples/petstore-flow.yaml", "petstore");
  char path[4096];
  snprintf(path, sizeof(path), "%s/tests/data/compile/valid", fuzz_srcdir());
  DIR *d = opendir(path);
  if(!d)
    fuzz_fail("cannot read %s", path);
  char *names[MAX_CACHES];
  size_t n = 0;
  struct dirent *e;
  while((e = readdir(d)) && n < MAX_CACHES - 1)
    if(e->d_name[0] != '.')
      names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof(names[0]), cmp_str);   /* the same type numbers on every run */
  for(size_t i = 0; i < n; i++) {
    snprintf(path, sizeof(path), "%s/tests/data/compile/valid/%s/spec.json", fuzz_srcdir(),
             names[i]);
    if(access(path, F_OK))
      snprintf(path, sizeof(path), "tests/data/compile/valid/%s/spec.yaml", names[i]);
    load(path, names[i]);
    free(names[i]);
  }
  return 0;
}

static void must_be_json(const struct buf *b, const char *what)
{
  cJSON *j = NULL;
  struct json_error je;
  if(json_parse(b->data ? b->data : "", b->len, &j, &je) != OAC_OK)
    fuzz_fail("%s is not JSON (%s at %zu): %.*s", what, je.msg, je.offset,
              (int)(b->len > 400 ? 400 : b->len), b->data ? b->data : "");
  cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if(size < 3 || !npairs)
    return 0;
  size_t pick = ((size_t)data[0] | (size_t)data[1] << 8) % npairs;
  unsigned flags = data[2];
  struct cache *c = &caches[pairs[pick].cache].c;
  uint32_t type = pairs[pick].type;
  const char *text = (const char *)data + 3;
  size_t len = size - 3;
  const char *nul = memchr(text, 0, len);
  size_t alen = nul ? (size_t)(nul - text) : len;
  const char *ctl_text = nul ? nul + 1 : NULL;
  size_t clen = nul ? len - alen - 1 : 0;

  struct cache_error err;
  const struct cache_type *t = cache_type_at(c, type, &err);
  uint32_t np, npl, nu;
  const struct cache_prop *props = cache_section(c, CS_PROPS, &np, &err);
  const struct cache_plan *plans = cache_section(c, CS_PLANS, &npl, &err);
  const uint32_t *u32 = cache_section(c, CS_U32, &nu, &err);
  if(!t || !props || !plans || !u32)
    fuzz_fail("compiled cache unusable");

  cJSON *root = NULL, *ctl = NULL;
  struct json_error je;
  if(json_parse(text, alen, &root, &je) != OAC_OK)
    root = NULL;
  if(ctl_text && json_parse(ctl_text, clen, &ctl, &je) != OAC_OK)
    ctl = NULL;

  struct arena a;
  arena_init(&a, 0);
  struct buf out;
  buf_init(&out);
  struct problem p;
  memset(&p, 0, sizeof(p));

  const cJSON *want_props = ctl ? json_get_array(ctl, "properties") : NULL;
  struct map_want *want = map_want_build(c, type, want_props, &a);
  if(!want)
    fuzz_fail("map_want_build failed");

  if(root) {
    const char *items_path = NULL;
    if((flags & 1) && t->plans[OP_QUERY])
      items_path = cache_str(c, plans[t->plans[OP_QUERY] - 1].items);
    const cJSON *array = NULL, *single = NULL;
    map_unwrap(c, type, root, items_path, &array, &single);
    size_t n = array ? (size_t)cJSON_GetArraySize(array) : single ? 1 : 0;
    const cJSON **items = malloc((n ? n : 1) * sizeof(*items));
    n = map_objects(array, single, items);
    for(size_t i = 0; i < n; i++) {
      buf_reset(&out);
      memset(&p, 0, sizeof(p));
      if(!map_object_to_flow(c, type, items[i], want, i ? NULL : "iid", (int)i, &out, &p))
        must_be_json(&out, "map_object_to_flow's MObject");
      else if(p.status != 500)
        fuzz_fail("map_object_to_flow: status %d", p.status);
      buf_reset(&out);
      if(map_external_id(c, type, items[i], &out))
        fuzz_fail("map_external_id failed");
      if(!out.len)
        fuzz_fail("empty external ID");
    }
    struct map_items mi = { items, n, c, props + t->first_prop };
    for(size_t i = 0; i < n; i++)
      for(uint32_t k = 0; k < t->nprops; k++) {
        const char *s;
        size_t sl;
        if(map_items_get(&mi, i, k, &s, &sl) && sl)
          (void)*(volatile const char *)(s + sl - 1);
      }
    if(ctl) {
      struct list_filter lf;
      memset(&p, 0, sizeof(p));
      if(!filter_parse(json_get_object(ctl, "listFilter"), c, t, &a, &lf, &p)) {
        struct filter_src fs = { map_items_get, &mi, mi.props };
        size_t *idx = malloc((n ? n : 1) * 2 * sizeof(*idx)), sel = 0;
        for(size_t i = 0; i < n; i++)
          if(filter_match(&lf, &fs, i))
            idx[sel++] = i;
        filter_sort(&lf, &fs, idx, sel, idx + n);
        for(size_t i = 0; i < sel; i++)
          if(idx[i] >= n)
            fuzz_fail("filter_sort gave item %zu of %zu", idx[i], n);
        free(idx);
      }
      else if(p.status != 400 && p.status != 500)
        fuzz_fail("filter_parse: status %d", p.status);
    }
    free(items);
    buf_reset(&out);
    if(!map_jcs(root, &out))
      must_be_json(&out, "map_jcs");
    buf_reset(&out);
    if(map_jcs_id(root, &out))
      fuzz_fail("map_jcs_id failed");
  }
  if(ctl) {
    buf_reset(&out);
    memset(&p, 0, sizeof(p));
    if(!map_flow_to_json(c, type, ctl, NULL, 0, &out, &p))
      must_be_json(&out, "map_flow_to_json");
    else if(p.status != 400 && p.status != 500)
      fuzz_fail("map_flow_to_json: status %d", p.status);
    uint32_t k = t->plans[OP_SAVE];
    if(k) {
      const struct cache_plan *pl = &plans[k - 1];
      buf_reset(&out);
      memset(&p, 0, sizeof(p));
      if(!map_flow_to_json(c, type, ctl, u32 + pl->first_body, pl->nbody, &out, &p))
        must_be_json(&out, "map_flow_to_json (body list)");
    }
    map_flow_value(ctl, "name");
  }
  buf_free(&out);
  arena_free(&a);
  cJSON_Delete(root);
  cJSON_Delete(ctl);
  return 0;
}
