/* check_cache.c - unit tests of the spec cache: writer (cache_write.c, model.c) and reader
 * (reader.c). A small model built by hand goes through the image and back; then damaged
 * images (truncated, every single byte flipped, other version, offsets out of range, a
 * string without its NUL, empty, random) must be refused with OAC_ECACHE and a message.
 */
#include <check.h>
#include "check_main.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/cache/cache.h"
#include "../../src/common/hash.h"
#include "../../src/common/mem.h"
#include "../../src/compile/cache_write.h"
#include "../../src/compile/model.h"

static const char DESCRIBE[] = "{\"uri\":\"https://example.com/pets.yaml\",\"types\":[]}";
static const char EXAMPLE[] = "[{\"id\":1,\"email\":\"a@example.com\"}]";
static unsigned char example_rec[256];

/* A response example record (format.h) with no objects and EXAMPLE as its body text. */
static size_t make_example_record(uint32_t type, uint32_t nprops)
{
  struct cache_example e;
  memset(&e, 0, sizeof(e));
  memset(example_rec, 0, sizeof(example_rec));
  e.status = 200;
  e.type = type;
  e.nprops = nprops;
  e.objects = e.values = (uint32_t)sizeof(e);
  e.body.off = (uint32_t)sizeof(e);
  e.body.len = (uint32_t)strlen(EXAMPLE);
  memcpy(example_rec, &e, sizeof(e));
  memcpy(example_rec + sizeof(e), EXAMPLE, strlen(EXAMPLE) + 1);
  return (sizeof(e) + strlen(EXAMPLE) + 1 + 7) & ~(size_t)7;
}
static const char REGISTRATION[] = "https://example.com/pets.yaml";

/* ---- a small model ---- */

static enum oac_result add_prop(struct model *m, int t, const char *name, enum cache_ctype ct,
                    int ref, unsigned flags)
{
  struct model_prop p;
  memset(&p, 0, sizeof(p));
  p.name = name;
  p.json_name = name;
  p.db_type = ct == CT_NUMBER ? "integer/int64" : ct == CT_LIST ? "array" : "string";
  p.ctype = ct;
  p.ref_type = ref;
  p.flags = flags;
  return model_add_prop(m, t, &p, NULL);
}

/* Types Pet, Owner, Pet:tags; Pet has load (GET, secured) and save (POST, body), Owner a
 * query answered from an example. Returns 0, or -1 on allocation failure. */
static int build_model(struct model *m)
{
  model_init(m);
  struct arena *a = &m->arena;
  m->registration = REGISTRATION;
  m->source = "pets.yaml";
  m->server_url = "https://api.example.com/v1";
  m->title = "Pets";
  m->api_version = "1.0.0";
  m->overlays = "0123456789abcdef marks.overlay.yaml\n";   /* overlays (§15.1) */
  m->source_checksum = 0x1234567890abcdefULL;
  m->compile_time = 1700000000;
  m->flags = CACHE_F_IDENTITY;
  m->describe = arena_strdup(a, DESCRIBE);
  if(!m->describe)
    return -1;
  m->describe_len = strlen(DESCRIBE);

  int pet, owner, tags;
  if(model_add_type(m, "Pet", &pet) || model_add_type(m, "Owner", &owner) ||
     model_add_type(m, "Pet:tags", &tags))
    return -1;
  m->types[tags].flags = CT_F_HELPER | CT_F_SCALAR_ITEM;
  if(add_prop(m, pet, "id", CT_NUMBER, -1, CP_INTEGER) ||
     add_prop(m, pet, "name", CT_STRING, -1, 0) ||
     add_prop(m, pet, "tags", CT_LIST, tags, CP_SCALAR_LIST) ||
     add_prop(m, pet, "owner", CT_OBJECT, owner, 0) ||
     add_prop(m, owner, "id", CT_NUMBER, -1, 0) ||
     add_prop(m, owner, "email", CT_STRING, -1, 0) ||
     add_prop(m, tags, "ID", CT_STRING, -1, CP_ID) ||
     add_prop(m, tags, "Value", CT_STRING, -1, CP_VALUE))
    return -1;
  m->types[pet].external_id_prop = 0;

  struct model_scheme *s = arena_calloc(a, sizeof(*s));
  if(!s)
    return -1;
  s->name = "api_key";
  s->type = SCH_APIKEY;
  s->in = PIN_HEADER;
  s->param_name = "X-API-Key";
  m->schemes = s;
  m->nschemes = m->cap_schemes = 1;

  struct model_plan *load = &m->types[pet].plans[OP_LOAD];
  load->present = 1;
  load->method = M_GET;
  load->path = "/pet/{petId}";
  load->params = arena_calloc(a, 2 * sizeof(*load->params));
  load->secalt_len = arena_calloc(a, sizeof(size_t));
  load->secalt = arena_calloc(a, sizeof(size_t *));
  if(!load->params || !load->secalt_len || !load->secalt)
    return -1;
  load->params[0] = (struct model_param){"petId", NULL, PIN_PATH, PSRC_EXTERNAL_ID, 0};
  load->params[1] = (struct model_param){"X-Trace", "flow", PIN_HEADER, PSRC_DEFAULT, 0};
  load->nparams = 2;
  load->secalt[0] = arena_calloc(a, sizeof(size_t));
  if(!load->secalt[0])
    return -1;
  load->secalt[0][0] = 0;
  load->secalt_len[0] = 1;
  load->nsecalts = 1;

  struct model_plan *save = &m->types[pet].plans[OP_SAVE];
  save->present = 1;
  save->method = M_POST;
  save->flags = PLAN_F_BODY;
  save->path = "/pet";
  save->body_type = "application/json";
  save->body = arena_calloc(a, 2 * sizeof(unsigned));
  if(!save->body)
    return -1;
  save->body[0] = 1;
  save->body[1] = 2;
  save->nbody = 2;

  struct model_plan *q = &m->types[owner].plans[OP_QUERY];
  q->present = 1;
  q->method = M_GET;
  q->flags = PLAN_F_EXAMPLE;
  q->path = "/owners";
  q->items = "data.items";
  q->example_len = make_example_record((uint32_t)owner, (uint32_t)m->types[owner].nprops);
  q->example = (const char *)example_rec;
  q->example_status = 200;
  return 0;
}

/* A malloc'ed (so aligned) copy of the image of the small model. */
static unsigned char *make_image(size_t *len)
{
  struct model m;
  ck_assert_int_eq(build_model(&m), 0);
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_OK);
  model_free(&m);
  unsigned char *p = malloc(b.len);
  ck_assert_ptr_nonnull(p);
  memcpy(p, b.data, b.len);
  *len = b.len;
  buf_free(&b);
  return p;
}

static struct cache_header *H(unsigned char *img) { return (struct cache_header *)(void *)img; }

static struct cache_section *find_sec(unsigned char *img, unsigned kind)
{
  struct cache_header *h = H(img);
  for(uint32_t i = 0; i < h->nsections; i++)
    if(h->sections[i].kind == kind)
      return &h->sections[i];
  ck_abort_msg("no section %u", kind);
  return NULL;
}

static void fix_header(unsigned char *img)
{
  struct cache_header *h = H(img);
  h->header_checksum = 0;
  h->header_checksum = oac_hash64(img, h->header_size, 0);
}

static void fix_section(unsigned char *img, unsigned kind)
{
  struct cache_section *s = find_sec(img, kind);
  s->checksum = oac_hash64(img + s->offset, s->size, CACHE_FORMAT_VERSION);
  fix_header(img);
}

static void expect_bad(const void *img, size_t len, enum cache_verify v, const char *word)
{
  struct cache c;
  struct cache_error err;
  enum oac_result r = cache_open_mem(&c, img, len, v, &err);
  ck_assert_msg(r == OAC_ECACHE, "expected OAC_ECACHE, got %d (%s)", r, err.msg);
  ck_assert_msg(strstr(err.msg, word), "message \"%s\" lacks \"%s\"", err.msg, word);
}

static char tmpdir[256];

static void make_tmpdir(void)
{
  const char *t = getenv("TMPDIR");
  snprintf(tmpdir, sizeof(tmpdir), "%s/check_cache.XXXXXX", t && *t ? t : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
  DIR *d = opendir(tmpdir);
  if(d) {
    struct dirent *e;
    while((e = readdir(d))) {
      if(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
        continue;
      char p[600];
      snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
      unlink(p);
    }
    closedir(d);
  }
  rmdir(tmpdir);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  if(n)
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
  ck_assert_int_eq(fclose(f), 0);
}

static int count_tmp_files(void)
{
  int n = 0;
  DIR *d = opendir(tmpdir);
  ck_assert_ptr_nonnull(d);
  struct dirent *e;
  while((e = readdir(d)))
    if(strstr(e->d_name, ".tmp."))
      n++;
  closedir(d);
  return n;
}

/* ---- round trip ---- */

static void check_contents(struct cache *c)
{
  struct cache_error err;
  ck_assert_str_eq(cache_registration(c), REGISTRATION);
  ck_assert_str_eq(cache_str(c, c->hdr->server_url), "https://api.example.com/v1");
  ck_assert_str_eq(cache_str(c, c->hdr->title), "Pets");
  ck_assert_str_eq(cache_str(c, c->hdr->source), "pets.yaml");
  ck_assert_str_eq(cache_overlays(c), "0123456789abcdef marks.overlay.yaml\n");   /* §15.1 */
  ck_assert_uint_eq(c->hdr->ntypes, 3);
  ck_assert_uint_eq(c->hdr->flags, CACHE_F_IDENTITY);
  ck_assert_uint_eq(c->hdr->compile_time, 1700000000);

  size_t dlen;
  const char *d = cache_describe(c, &dlen, &err);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(dlen, strlen(DESCRIBE));
  ck_assert(!memcmp(d, DESCRIBE, dlen));

  ck_assert_int_eq(cache_find_type(c, "Pet", 3, &err), 0);
  ck_assert_int_eq(cache_find_type(c, "Owner", 5, &err), 1);
  ck_assert_int_eq(cache_find_type(c, "Pet:tags", 8, &err), 2);
  ck_assert_int_eq(cache_find_type(c, "pet", 3, &err), -1);
  ck_assert_str_eq(err.msg, "");
  ck_assert_int_eq(cache_find_type(c, "Pet:tag", 7, &err), -1);
  ck_assert_int_eq(cache_find_type(c, "Pets", 4, &err), -1);
  ck_assert_int_eq(cache_find_type(c, "Pet", 2, &err), -1);
  ck_assert_int_eq(cache_find_type(c, "", 0, &err), -1);
  int ti = 7;
  ck_assert_int_eq(cache_lookup_type(c, "Owner", 5, &ti, &err), OAC_OK);
  ck_assert_int_eq(ti, 1);
  ck_assert_int_eq(cache_lookup_type(c, "Nobody", 6, &ti, &err), OAC_OK);
  ck_assert_int_eq(ti, -1);

  uint32_t nprops, nplans, nparams, nu, nsec, nsch;
  const struct cache_prop *props = cache_section(c, CS_PROPS, &nprops, &err);
  const struct cache_plan *plans = cache_section(c, CS_PLANS, &nplans, &err);
  const struct cache_param *params = cache_section(c, CS_PARAMS, &nparams, &err);
  const uint32_t *u = cache_section(c, CS_U32, &nu, &err);
  const struct cache_secalt *sa = cache_section(c, CS_SECALTS, &nsec, &err);
  const struct cache_scheme *sch = cache_section(c, CS_SCHEMES, &nsch, &err);
  ck_assert(props && plans && params && u && sa && sch);
  ck_assert_uint_eq(nprops, 8);
  ck_assert_uint_eq(nplans, 3);
  ck_assert_uint_eq(nparams, 2);
  ck_assert_uint_eq(nsec, 1);
  ck_assert_uint_eq(nsch, 1);

  const struct cache_type *pet = cache_type_at(c, 0, &err);
  ck_assert_ptr_nonnull(pet);
  ck_assert_str_eq(cache_str(c, pet->name), "Pet");
  ck_assert_uint_eq(pet->nprops, 4);
  ck_assert_int_eq(pet->external_id_prop, 0);
  ck_assert_str_eq(cache_str(c, props[pet->first_prop + 1].name), "name");
  ck_assert_str_eq(cache_str(c, props[pet->first_prop + 0].db_type), "integer/int64");
  ck_assert_int_eq(props[pet->first_prop + 2].ref_type, 2);
  ck_assert_int_eq(props[pet->first_prop + 3].ref_type, 1);
  ck_assert_uint_eq(props[pet->first_prop + 3].ctype, CT_OBJECT);
  ck_assert_int_eq(props[pet->first_prop + 1].ref_type, -1);
  ck_assert_uint_eq(pet->plans[OP_QUERY], 0);
  ck_assert_uint_ne(pet->plans[OP_LOAD], 0);
  ck_assert_uint_ne(pet->plans[OP_SAVE], 0);

  const struct cache_plan *load = &plans[pet->plans[OP_LOAD] - 1];
  ck_assert_uint_eq(load->op, OP_LOAD);
  ck_assert_uint_eq(load->method, M_GET);
  ck_assert_str_eq(cache_str(c, load->path), "/pet/{petId}");
  ck_assert_str_eq(cache_str(c, load->items), "");
  ck_assert_uint_eq(load->nparams, 2);
  ck_assert_str_eq(cache_str(c, params[load->first_param].name), "petId");
  ck_assert_uint_eq(params[load->first_param].in, PIN_PATH);
  ck_assert_uint_eq(params[load->first_param].src, PSRC_EXTERNAL_ID);
  ck_assert_str_eq(cache_str(c, params[load->first_param].arg), "");
  ck_assert_str_eq(cache_str(c, params[load->first_param + 1].arg), "flow");
  ck_assert_uint_eq(load->nsecalts, 1);
  ck_assert_uint_eq(sa[load->first_secalt].count, 1);
  uint32_t si = u[sa[load->first_secalt].first];
  ck_assert_uint_eq(si, 0);
  ck_assert_str_eq(cache_str(c, sch[si].name), "api_key");
  ck_assert_str_eq(cache_str(c, sch[si].param_name), "X-API-Key");
  ck_assert_uint_eq(sch[si].type, SCH_APIKEY);
  ck_assert_uint_eq(load->example_len, 0);

  const struct cache_plan *save = &plans[pet->plans[OP_SAVE] - 1];
  ck_assert_uint_eq(save->method, M_POST);
  ck_assert_str_eq(cache_str(c, save->body_type), "application/json");
  ck_assert_uint_eq(save->nbody, 2);
  ck_assert_uint_eq(u[save->first_body], 1);
  ck_assert_uint_eq(u[save->first_body + 1], 2);

  const struct cache_type *owner = cache_type_at(c, 1, &err);
  ck_assert_ptr_nonnull(owner);
  ck_assert_int_eq(owner->external_id_prop, -1);
  const struct cache_plan *q = &plans[owner->plans[OP_QUERY] - 1];
  ck_assert_uint_eq(q->flags, PLAN_F_EXAMPLE);
  ck_assert_str_eq(cache_str(c, q->items), "data.items");
  const struct cache_example *ex;
  ck_assert_int_eq(cache_example(c, q, &ex, &err), OAC_OK);
  ck_assert_ptr_nonnull(ex);
  ck_assert_uint_eq(ex->status, 200);
  ck_assert_uint_eq(ex->nobjects, 0);
  ck_assert_str_eq(cache_xstr(ex, ex->body), EXAMPLE);
  ck_assert_ptr_null(cache_xstr(ex, ex->response));
  ck_assert_uint_eq(q->example_status, 200);
  const struct cache_example *none;
  ck_assert_int_eq(cache_example(c, load, &none, &err), OAC_OK);   /* no example: not an error */
  ck_assert_ptr_null(none);

  const struct cache_type *tags = cache_type_at(c, 2, &err);
  ck_assert_ptr_nonnull(tags);
  ck_assert_uint_eq(tags->flags, CT_F_HELPER | CT_F_SCALAR_ITEM);
  ck_assert_ptr_null(cache_type_at(c, 3, &err));
  ck_assert(strstr(err.msg, "out of range"));
}

START_TEST(test_roundtrip_mem)
{
  size_t len;
  unsigned char *img = make_image(&len);
  for(uint32_t i = 0; i < H(img)->nsections; i++)
    ck_assert_uint_eq(H(img)->sections[i].offset % 16, 0);
  for(int v = 0; v < 2; v++) {
    struct cache c;
    struct cache_error err;
    ck_assert_msg(cache_open_mem(&c, img, len, v ? CACHE_VERIFY_ALL : CACHE_VERIFY_LAZY,
                                 &err) == OAC_OK, "%s", err.msg);
    if(v)
      ck_assert_uint_eq(c.verified, ((1u << CS_KIND_MAX) - 1) & ~1u);
    else
      ck_assert_uint_eq(c.verified, 0);
    check_contents(&c);
    cache_close(&c);
  }
  free(img);
}
END_TEST

START_TEST(test_strings_deduplicated)
{
  size_t len;
  unsigned char *img = make_image(&len);
  struct cache_section *s = find_sec(img, CS_STRINGS);
  /* "id" appears as name and json_name of two types: stored once */
  const char *pool = (const char *)img + s->offset;
  size_t n = 0;
  for(size_t i = 0; i + 3 <= s->size; i++)
    if((i == 0 || !pool[i - 1]) && !memcmp(pool + i, "id", 3))
      n++;
  ck_assert_uint_eq(n, 1);
  free(img);
}
END_TEST

START_TEST(test_empty_model)
{
  struct model m;
  model_init(&m);
  m.describe = arena_strdup(&m.arena, "{}");
  m.describe_len = 2;
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_OK);
  struct cache c;
  struct cache_error err;
  ck_assert_msg(cache_open_mem(&c, b.data, b.len, CACHE_VERIFY_ALL, &err) == OAC_OK, "%s",
                err.msg);
  ck_assert_str_eq(cache_registration(&c), "");
  ck_assert_int_eq(cache_find_type(&c, "X", 1, &err), -1);
  ck_assert_uint_ne(c.hdr->compile_time, 0);   /* filled in when the model has none */
  cache_close(&c);
  buf_free(&b);
  /* no describe built: refused */
  m.describe = NULL;
  m.describe_len = 0;
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_EINTERNAL);
  buf_free(&b);
  model_free(&m);
}
END_TEST

START_TEST(test_many_types)
{
  /* enough types to make the index collide and the arrays grow */
  struct model m;
  model_init(&m);
  m.describe = "{}";
  m.describe_len = 2;
  char name[32];
  for(int i = 0; i < 300; i++) {
    snprintf(name, sizeof(name), "T%d", i);
    int t = -1;
    ck_assert_int_eq(model_add_type(&m, name, &t), OAC_OK);
    ck_assert_int_eq(t, i);
    ck_assert_int_eq(add_prop(&m, i, "p", CT_STRING, i ? i - 1 : -1, 0), 0);
  }
  ck_assert_int_eq(model_find_type(&m, "T42"), 42);
  ck_assert_int_eq(model_find_type(&m, "T300"), -1);
  ck_assert_int_eq(model_add_prop(&m, 300, &m.types[0].props[0], NULL), OAC_EINTERNAL);
  ck_assert_int_eq(model_add_prop(&m, -1, &m.types[0].props[0], NULL), OAC_EINTERNAL);
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_OK);
  struct cache c;
  struct cache_error err;
  ck_assert_msg(cache_open_mem(&c, b.data, b.len, CACHE_VERIFY_ALL, &err) == OAC_OK, "%s",
                err.msg);
  for(int i = 0; i < 300; i++) {
    snprintf(name, sizeof(name), "T%d", i);
    ck_assert_int_eq(cache_find_type(&c, name, strlen(name), &err), i);
    snprintf(name, sizeof(name), "U%d", i);
    ck_assert_int_eq(cache_find_type(&c, name, strlen(name), &err), -1);
  }
  uint32_t nb;
  const struct cache_index_head *ih = cache_section(&c, CS_INDEX, &nb, &err);
  ck_assert_ptr_nonnull(ih);
  ck_assert_uint_eq(nb, 1024);
  cache_close(&c);
  buf_free(&b);
  model_free(&m);
}
END_TEST

START_TEST(test_model_inconsistent)
{
  struct model m;
  ck_assert_int_eq(build_model(&m), 0);
  struct buf b;
  buf_init(&b);
  m.types[0].props[3].ref_type = 3;   /* no type 3 */
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_EINTERNAL);
  m.types[0].props[3].ref_type = 1;
  m.types[0].plans[OP_SAVE].body[1] = 4;   /* Pet has 4 properties */
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_EINTERNAL);
  m.types[0].plans[OP_SAVE].body[1] = 2;
  m.types[0].plans[OP_LOAD].secalt[0][0] = 1;   /* one scheme */
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_EINTERNAL);
  m.types[0].plans[OP_LOAD].secalt[0][0] = 0;
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_OK);
  buf_free(&b);
  model_free(&m);
}
END_TEST

START_TEST(test_alloc_failures)
{
  /* every allocation of building the model and the image may fail: clean error, no leak */
  int ok = 0;
  for(unsigned long n = 1; n < 400 && !ok; n++) {
    struct model m;
    oac_mem_fail_at(n);
    int built = build_model(&m) == 0;
    struct buf b;
    buf_init(&b);
    enum oac_result r = built ? cache_build_image(&m, &b) : OAC_ENOMEM;
    oac_mem_fail_at(0);
    if(r == OAC_OK) {
      struct cache c;
      struct cache_error err;
      ck_assert_msg(cache_open_mem(&c, b.data, b.len, CACHE_VERIFY_ALL, &err) == OAC_OK, "%s",
                    err.msg);
      cache_close(&c);
      ok = 1;
    }
    else
      ck_assert_int_eq(r, OAC_ENOMEM);
    buf_free(&b);
    model_free(&m);
  }
  ck_assert(ok);
}
END_TEST

/* ---- files ---- */

START_TEST(test_write_file)
{
  make_tmpdir();
  struct model m;
  ck_assert_int_eq(build_model(&m), 0);
  char path[600];
  snprintf(path, sizeof(path), "%s/pets.cache", tmpdir);
  ck_assert_int_eq(cache_write_file(&m, path), OAC_OK);
  ck_assert_int_eq(count_tmp_files(), 0);
  /* and again over the existing file */
  ck_assert_int_eq(cache_write_file(&m, path), OAC_OK);
  ck_assert_int_eq(count_tmp_files(), 0);

  struct cache c;
  struct cache_error err;
  ck_assert_msg(cache_open(&c, path, CACHE_VERIFY_ALL, &err) == OAC_OK, "%s", err.msg);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert(c.mapped);
  ck_assert(c.dev == st.st_dev);
  ck_assert(c.ino == st.st_ino);
  ck_assert(c.ino != 0);
  ck_assert_int_eq(c.mtime_ns, (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
  ck_assert_str_eq(c.path, path);
  check_contents(&c);
  cache_close(&c);

  ck_assert_msg(cache_open(&c, path, CACHE_VERIFY_LAZY, &err) == OAC_OK, "%s", err.msg);
  check_contents(&c);
  cache_close(&c);

  /* a directory that does not exist: EIO with errno kept, nothing left behind */
  char bad[700];
  snprintf(bad, sizeof(bad), "%s/nope/pets.cache", tmpdir);
  errno = 0;
  ck_assert_int_eq(cache_write_file(&m, bad), OAC_EIO);
  ck_assert_int_eq(errno, ENOENT);
  /* rename onto a directory fails after the temporary file was written */
  char dir[700];
  snprintf(dir, sizeof(dir), "%s/adir", tmpdir);
  ck_assert_int_eq(mkdir(dir, 0755), 0);
  errno = 0;
  ck_assert_int_eq(cache_write_file(&m, dir), OAC_EIO);
  ck_assert_int_ne(errno, 0);
  ck_assert_int_eq(count_tmp_files(), 0);
  ck_assert_int_eq(rmdir(dir), 0);

  /* opening what is not there, or not a file */
  snprintf(bad, sizeof(bad), "%s/missing.cache", tmpdir);
  ck_assert_int_eq(cache_open(&c, bad, CACHE_VERIFY_ALL, &err), OAC_EIO);
  ck_assert(strstr(err.msg, bad));
  ck_assert_int_eq(cache_open(&c, tmpdir, CACHE_VERIFY_ALL, &err), OAC_ECACHE);
  ck_assert(strstr(err.msg, "regular"));

  model_free(&m);
  remove_tmpdir();
}
END_TEST

START_TEST(test_empty_file)
{
  make_tmpdir();
  char path[600];
  snprintf(path, sizeof(path), "%s/empty.cache", tmpdir);
  write_bytes(path, "", 0);
  struct cache c;
  struct cache_error err;
  ck_assert_int_eq(cache_open(&c, path, CACHE_VERIFY_LAZY, &err), OAC_ECACHE);
  ck_assert(strstr(err.msg, "empty file"));
  ck_assert(strstr(err.msg, path));
  remove_tmpdir();
  expect_bad("", 0, CACHE_VERIFY_LAZY, "empty");
}
END_TEST

START_TEST(test_truncated)
{
  size_t len;
  unsigned char *img = make_image(&len);
  make_tmpdir();
  char path[600];
  snprintf(path, sizeof(path), "%s/cut.cache", tmpdir);
  struct cache_header *h = H(img);
  const struct cache_section *types = find_sec(img, CS_TYPES);
  size_t cuts[] = {1, 7, 8, 12, 100, sizeof(struct cache_header) - 1,
                   sizeof(struct cache_header), h->header_size - 1, h->header_size,
                   h->header_size + 5, types->offset + types->size / 2, len - 16, len - 1};
  for(size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
    ck_assert_uint_lt(cuts[i], len);
    write_bytes(path, img, cuts[i]);
    struct cache c;
    struct cache_error err;
    ck_assert_int_eq(cache_open(&c, path, CACHE_VERIFY_LAZY, &err), OAC_ECACHE);
    ck_assert_msg(strstr(err.msg, "truncated"), "cut %zu: %s", cuts[i], err.msg);
    ck_assert(strstr(err.msg, path));
    expect_bad(img, cuts[i], CACHE_VERIFY_ALL, "truncated");
  }
  /* trailing bytes */
  unsigned char *big = calloc(1, len + 16);
  ck_assert_ptr_nonnull(big);
  memcpy(big, img, len);
  expect_bad(big, len + 16, CACHE_VERIFY_LAZY, "trailing");
  free(big);
  remove_tmpdir();
  free(img);
}
END_TEST

START_TEST(test_flip_every_byte)
{
  size_t len;
  unsigned char *img = make_image(&len);
  for(size_t i = 0; i < len; i++) {
    for(int bit = 0; bit < 8; bit += 7) {
      img[i] ^= (unsigned char)(1u << bit);
      struct cache c;
      struct cache_error err;
      enum oac_result r = cache_open_mem(&c, img, len, CACHE_VERIFY_ALL, &err);
      ck_assert_msg(r == OAC_ECACHE, "flip of bit %d at byte %zu of %zu not detected", bit,
                    i, len);
      ck_assert(err.msg[0]);
      img[i] ^= (unsigned char)(1u << bit);
    }
  }
  struct cache c;
  struct cache_error err;
  ck_assert_int_eq(cache_open_mem(&c, img, len, CACHE_VERIFY_ALL, &err), OAC_OK);
  cache_close(&c);
  free(img);
}
END_TEST

START_TEST(test_wrong_version)
{
  size_t len;
  unsigned char *img = make_image(&len);
  H(img)->format_version = CACHE_FORMAT_VERSION + 1;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "recompile");
  char want[128];
  snprintf(want, sizeof(want), "format version %u, this worker reads version %u",
           CACHE_FORMAT_VERSION + 1, CACHE_FORMAT_VERSION);
  expect_bad(img, len, CACHE_VERIFY_LAZY, want);
  H(img)->format_version = CACHE_FORMAT_VERSION;
  H(img)->byte_order = __builtin_bswap32(CACHE_BYTE_ORDER);
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "byte order");
  H(img)->byte_order = CACHE_BYTE_ORDER;
  memcpy(H(img)->magic, "OACACHF\x1a", 8);
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "not an openapi-connector cache file");
  free(img);
}
END_TEST

START_TEST(test_offset_out_of_range)
{
  size_t len;
  unsigned char *img = make_image(&len);
  unsigned char *orig = malloc(len);
  ck_assert_ptr_nonnull(orig);
  memcpy(orig, img, len);

  /* a section offset beyond the file */
  find_sec(img, CS_PLANS)->offset = len + 64;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "out of range");
  /* a section offset inside the file but where the section is not */
  memcpy(img, orig, len);
  find_sec(img, CS_PLANS)->offset += 16;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "out of range");
  /* a huge size that wraps */
  memcpy(img, orig, len);
  find_sec(img, CS_DESCRIBE)->size = UINT64_MAX - 8;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "out of range");

  /* a header string beyond the header */
  memcpy(img, orig, len);
  H(img)->title.off = (uint32_t)len;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "out of range");
  memcpy(img, orig, len);
  H(img)->title.len = UINT32_MAX;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "out of range");
  /* the overlays' names and checksums (§15.1): checked like the other header strings */
  memcpy(img, orig, len);
  H(img)->overlays.off = (uint32_t)len;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "header string overlays");
  memcpy(img, orig, len);
  H(img)->overlays.off -= 1;      /* no NUL where it should end */
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "header string overlays");

  /* a property's string outside the pool: only the structural check can see it */
  memcpy(img, orig, len);
  struct cache_section *ps = find_sec(img, CS_PROPS);
  struct cache_prop *props = (struct cache_prop *)(void *)(img + ps->offset);
  props[2].json_name.off = (uint32_t)(len - 1);
  fix_section(img, CS_PROPS);
  expect_bad(img, len, CACHE_VERIFY_ALL, "out of range");
  expect_bad(img, len, CACHE_VERIFY_ALL, "PROPS record 2");
  {
    struct cache c;
    struct cache_error err;
    ck_assert_int_eq(cache_open_mem(&c, img, len, CACHE_VERIFY_LAZY, &err), OAC_OK);
    uint32_t n;
    ck_assert_ptr_null(cache_section(&c, CS_PROPS, &n, &err));
    ck_assert(strstr(err.msg, "json_name"));
    ck_assert(c.bad & (1u << CS_PROPS));
    /* asking again fails again */
    ck_assert_ptr_null(cache_section(&c, CS_PROPS, &n, &err));
    cache_close(&c);
  }
  /* a type reference out of range */
  memcpy(img, orig, len);
  props[3].ref_type = 3;
  fix_section(img, CS_PROPS);
  expect_bad(img, len, CACHE_VERIFY_ALL, "type reference");
  /* a type's property range */
  memcpy(img, orig, len);
  struct cache_section *ts = find_sec(img, CS_TYPES);
  struct cache_type *types = (struct cache_type *)(void *)(img + ts->offset);
  types[2].nprops = 3;
  fix_section(img, CS_TYPES);
  expect_bad(img, len, CACHE_VERIFY_ALL, "TYPES record 2");
  /* a plan index */
  memcpy(img, orig, len);
  types[1].plans[OP_DELETE] = 4;
  fix_section(img, CS_TYPES);
  expect_bad(img, len, CACHE_VERIFY_ALL, "plan 4 out of range");
  /* a plan's parameters and example */
  memcpy(img, orig, len);
  struct cache_section *pls = find_sec(img, CS_PLANS);
  struct cache_plan *plans = (struct cache_plan *)(void *)(img + pls->offset);
  /* a type's slot holding a plan of another operation (a message action's plan, whose
   * example names no type: found by fuzz_cache) */
  {
    uint32_t k = 0;
    int slot = -1;
    for(uint32_t t = 0; t < ts->count && !k; t++)
      for(int op = 0; op < OP_MAX && !k; op++)
        if(types[t].plans[op]) {
          k = types[t].plans[op];
          slot = op;
        }
    ck_assert_uint_ne(k, 0);
    plans[k - 1].op = OP_ACTION;
    fix_section(img, CS_PLANS);
    expect_bad(img, len, CACHE_VERIFY_ALL, "is a plan of operation");
    memcpy(img, orig, len);
    plans[k - 1].op = (uint16_t)(slot == OP_LOAD ? OP_DELETE : OP_LOAD);
    fix_section(img, CS_PLANS);
    expect_bad(img, len, CACHE_VERIFY_ALL, "is a plan of operation");
    memcpy(img, orig, len);
  }
  plans[0].nparams = 3;
  fix_section(img, CS_PLANS);
  expect_bad(img, len, CACHE_VERIFY_ALL, "parameters");
  memcpy(img, orig, len);
  plans[2].example_len += 1;
  fix_section(img, CS_PLANS);
  expect_bad(img, len, CACHE_VERIFY_ALL, "example");
  /* body encodings beyond U32, an unknown emptyAs (issue 15) */
  memcpy(img, orig, len);
  plans[1].body_enc = find_sec(img, CS_U32)->count;
  fix_section(img, CS_PLANS);
  expect_bad(img, len, CACHE_VERIFY_ALL, "body encodings");
  memcpy(img, orig, len);
  plans[1].empty_as = CEA_MAX;
  fix_section(img, CS_PLANS);
  expect_bad(img, len, CACHE_VERIFY_ALL, "emptyAs");
  /* a body property index beyond the type */
  memcpy(img, orig, len);
  struct cache_section *us = find_sec(img, CS_U32);
  uint32_t *u = (uint32_t *)(void *)(img + us->offset);
  u[plans[1].first_body] = 9;
  fix_section(img, CS_U32);
  expect_bad(img, len, CACHE_VERIFY_ALL, "body property");
  /* a secalt scheme index */
  memcpy(img, orig, len);
  u[0] = 1;
  fix_section(img, CS_U32);
  expect_bad(img, len, CACHE_VERIFY_ALL, "scheme 1 out of range");
  /* an index bucket */
  memcpy(img, orig, len);
  struct cache_section *is = find_sec(img, CS_INDEX);
  struct cache_bucket *bk = (struct cache_bucket *)(void *)(img + is->offset +
                                                            sizeof(struct cache_index_head));
  bk[0].type = 9;
  fix_section(img, CS_INDEX);
  expect_bad(img, len, CACHE_VERIFY_ALL, "INDEX record 0");
  {
    /* opened lazily, the bad bucket shows at the first lookup: a result, not "absent" */
    struct cache lc;
    struct cache_error lerr;
    int t = 5;
    ck_assert_int_eq(cache_open_mem(&lc, img, len, CACHE_VERIFY_LAZY, &lerr), OAC_OK);
    ck_assert_int_eq(cache_lookup_type(&lc, "Pet", 3, &t, &lerr), OAC_ECACHE);
    ck_assert_int_eq(t, -1);
    ck_assert_str_ne(lerr.msg, "");
    cache_close(&lc);
  }
  /* counts that disagree with sizes */
  memcpy(img, orig, len);
  find_sec(img, CS_PARAMS)->count = 3;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "does not match");
  memcpy(img, orig, len);
  H(img)->ntypes = 4;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "types");
  /* duplicate / unknown section kinds, too many sections */
  memcpy(img, orig, len);
  find_sec(img, CS_U32)->kind = CS_PARAMS;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "duplicate");
  memcpy(img, orig, len);
  find_sec(img, CS_U32)->kind = 99;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "unknown kind");
  memcpy(img, orig, len);
  H(img)->nsections = 17;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "sections");
  memcpy(img, orig, len);
  H(img)->header_size = 0xfffffff0u;   /* refused before the checksum is looked at */
  expect_bad(img, len, CACHE_VERIFY_LAZY, "header size");

  /* sanity: the original still opens */
  memcpy(img, orig, len);
  struct cache c;
  struct cache_error err;
  ck_assert_int_eq(cache_open_mem(&c, img, len, CACHE_VERIFY_ALL, &err), OAC_OK);
  cache_close(&c);
  free(orig);
  free(img);
}
END_TEST

/* servers (§13.7): the lists in CS_SERVERS (list 0 first, the header's server_url its first
 * record) and a plan's own list; a bad list order or a plan's range outside its list is
 * refused. A model without lists stores its server_url alone. */
START_TEST(test_servers_section)
{
  static const char *const doc_urls[] = { "https://api.example.com/v1",
                                          "https://sandbox.example.com" };
  static const char *const op_urls[] = { "https://a.example.com", "https://b.example.com" };
  struct model m;
  ck_assert_int_eq(build_model(&m), 0);
  struct model_servers *ls = arena_alloc(&m.arena, 2 * sizeof(*ls));
  ck_assert_ptr_nonnull(ls);
  memset(ls, 0, 2 * sizeof(*ls));
  ls[0].urls = (const char **)doc_urls;
  ls[0].n = 2;
  ls[1].urls = (const char **)op_urls;
  ls[1].n = 2;
  m.server_lists = ls;
  m.nserver_lists = 2;
  int pet = model_find_type(&m, "Pet");
  ck_assert_int_ge(pet, 0);
  m.types[pet].plans[OP_SAVE].server_list = 1;
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_OK);
  model_free(&m);
  size_t len = b.len;
  unsigned char *img = malloc(len), *orig = malloc(len);
  ck_assert(img && orig);
  memcpy(img, b.data, len);
  memcpy(orig, b.data, len);
  buf_free(&b);

  struct cache c;
  struct cache_error err;
  ck_assert_int_eq(cache_open_mem(&c, img, len, CACHE_VERIFY_ALL, &err), OAC_OK);
  uint32_t n, np;
  const struct cache_server *s = cache_section(&c, CS_SERVERS, &n, &err);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(n, 4);
  ck_assert_str_eq(cache_str(&c, s[0].url), "https://api.example.com/v1");
  ck_assert_str_eq(cache_str(&c, s[1].url), "https://sandbox.example.com");
  ck_assert_str_eq(cache_str(&c, s[3].url), "https://b.example.com");
  ck_assert_uint_eq(s[1].list, 0);
  ck_assert_uint_eq(s[2].list, 1);
  const struct cache_plan *plans = cache_section(&c, CS_PLANS, &np, &err);
  ck_assert_ptr_nonnull(plans);
  unsigned own = 0;
  for(uint32_t i = 0; i < np; i++)
    if(plans[i].server_count) {
      own++;
      ck_assert_uint_eq(plans[i].op, OP_SAVE);
      ck_assert_uint_eq(plans[i].server_first, 2);
      ck_assert_uint_eq(plans[i].server_count, 2);
    }
  ck_assert_uint_eq(own, 1);
  cache_close(&c);

  /* lists out of order */
  struct cache_section *ss = find_sec(img, CS_SERVERS);
  struct cache_server *rec = (struct cache_server *)(void *)(img + ss->offset);
  rec[1].list = 2;
  fix_section(img, CS_SERVERS);
  expect_bad(img, len, CACHE_VERIFY_ALL, "SERVERS record 1");
  /* no document-level list first */
  memcpy(img, orig, len);
  rec[0].list = 1;
  fix_section(img, CS_SERVERS);
  expect_bad(img, len, CACHE_VERIFY_ALL, "no document-level server");
  /* a plan's list beyond the section, or pointing into list 0 */
  struct cache_section *ps = find_sec(img, CS_PLANS);
  struct cache_plan *pl = (struct cache_plan *)(void *)(img + ps->offset);
  for(int k = 0; k < 2; k++) {
    memcpy(img, orig, len);
    for(uint32_t i = 0; i < ps->count; i++)
      if(pl[i].server_count) {
        if(k == 0)
          pl[i].server_count = 3;
        else
          pl[i].server_first = 0;
      }
    fix_section(img, CS_PLANS);
    expect_bad(img, len, CACHE_VERIFY_ALL, "servers");
  }
  free(img);
  free(orig);

  /* no lists: the server_url alone */
  ck_assert_int_eq(build_model(&m), 0);
  buf_init(&b);
  ck_assert_int_eq(cache_build_image(&m, &b), OAC_OK);
  model_free(&m);
  ck_assert_int_eq(cache_open_mem(&c, b.data, b.len, CACHE_VERIFY_ALL, &err), OAC_OK);
  s = cache_section(&c, CS_SERVERS, &n, &err);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(cache_str(&c, s[0].url), "https://api.example.com/v1");
  cache_close(&c);
  buf_free(&b);
}
END_TEST

START_TEST(test_str_without_nul)
{
  size_t len;
  unsigned char *img = make_image(&len);
  struct cache_section *ts = find_sec(img, CS_TYPES);
  struct cache_type *types = (struct cache_type *)(void *)(img + ts->offset);
  types[0].name.len -= 1;   /* "Pe" followed by 't', not NUL */
  fix_section(img, CS_TYPES);
  expect_bad(img, len, CACHE_VERIFY_ALL, "NUL");
  expect_bad(img, len, CACHE_VERIFY_ALL, "TYPES record 0");
  free(img);

  img = make_image(&len);
  H(img)->registration.len -= 1;
  fix_header(img);
  expect_bad(img, len, CACHE_VERIFY_LAZY, "NUL");
  free(img);
}
END_TEST

START_TEST(test_random_bytes)
{
  srand(12345);
  size_t sizes[] = {1, 50, sizeof(struct cache_header), 4096};
  for(size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    unsigned char *p = malloc(sizes[k]);
    ck_assert_ptr_nonnull(p);
    for(int round = 0; round < 50; round++) {
      for(size_t i = 0; i < sizes[k]; i++)
        p[i] = (unsigned char)rand();
      if(p[0] == 'O')
        p[0] = 'X';
      expect_bad(p, sizes[k], CACHE_VERIFY_ALL, "not an openapi-connector cache file");
      /* with the magic: refused further on */
      if(sizes[k] >= 8) {
        memcpy(p, CACHE_MAGIC, 8);
        struct cache c;
        struct cache_error err;
        ck_assert_int_eq(cache_open_mem(&c, p, sizes[k], CACHE_VERIFY_ALL, &err), OAC_ECACHE);
      }
    }
    free(p);
  }
  make_tmpdir();
  char path[600];
  snprintf(path, sizeof(path), "%s/random.cache", tmpdir);
  unsigned char junk[1000];
  for(size_t i = 0; i < sizeof(junk); i++)
    junk[i] = (unsigned char)(rand() | 1);
  write_bytes(path, junk, sizeof(junk));
  struct cache c;
  struct cache_error err;
  ck_assert_int_eq(cache_open(&c, path, CACHE_VERIFY_ALL, &err), OAC_ECACHE);
  ck_assert(strstr(err.msg, "not an openapi-connector cache file"));
  remove_tmpdir();
}
END_TEST

START_TEST(test_lazy)
{
  size_t len;
  unsigned char *img = make_image(&len);
  struct cache_section *pls = find_sec(img, CS_PLANS);
  img[pls->offset + 20] ^= 0x40;   /* a byte of the first plan */
  struct cache c;
  struct cache_error err;
  expect_bad(img, len, CACHE_VERIFY_ALL, "PLANS");
  ck_assert_msg(cache_open_mem(&c, img, len, CACHE_VERIFY_LAZY, &err) == OAC_OK, "%s",
                err.msg);
  size_t dlen;
  const char *d = cache_describe(&c, &dlen, &err);
  ck_assert_ptr_nonnull(d);
  ck_assert(dlen == strlen(DESCRIBE) && !memcmp(d, DESCRIBE, dlen));
  ck_assert_int_eq(cache_find_type(&c, "Owner", 5, &err), 1);
  ck_assert(c.verified & (1u << CS_DESCRIBE));
  ck_assert(!(c.verified & (1u << CS_PLANS)));
  uint32_t n = 77;
  ck_assert_ptr_null(cache_section(&c, CS_PLANS, &n, &err));
  ck_assert_uint_eq(n, 0);
  ck_assert(strstr(err.msg, "PLANS"));
  ck_assert(strstr(err.msg, "checksum"));
  ck_assert(c.bad & (1u << CS_PLANS));
  /* other sections still fine */
  ck_assert_ptr_nonnull(cache_section(&c, CS_SCHEMES, &n, &err));
  ck_assert_ptr_null(cache_section(&c, (enum cache_section_kind)0, &n, &err));
  ck_assert_ptr_null(cache_section(&c, CS_KIND_MAX, &n, &err));
  cache_close(&c);
  free(img);
}
END_TEST

START_TEST(test_misaligned_memory)
{
  size_t len;
  unsigned char *img = make_image(&len);
  unsigned char *p = malloc(len + 8);
  ck_assert_ptr_nonnull(p);
  memcpy(p + 4, img, len);
  expect_bad(p + 4, len, CACHE_VERIFY_LAZY, "aligned");
  free(p);
  free(img);
}
END_TEST

START_TEST(test_default_name)
{
  char out[32];
  cache_default_name(REGISTRATION, strlen(REGISTRATION), out);
  ck_assert_uint_eq(strlen(out), 22);
  ck_assert_str_eq(out + 16, ".cache");
  char want[17];
  snprintf(want, sizeof(want), "%016llx",
           (unsigned long long)oac_hash64(REGISTRATION, strlen(REGISTRATION), 0));
  ck_assert(!memcmp(out, want, 16));
  char other[32];
  cache_default_name(REGISTRATION, strlen(REGISTRATION) - 1, other);
  ck_assert_str_ne(out, other);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("cache");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_roundtrip_mem);
  tcase_add_test(tc, test_strings_deduplicated);
  tcase_add_test(tc, test_empty_model);
  tcase_add_test(tc, test_many_types);
  tcase_add_test(tc, test_model_inconsistent);
  tcase_add_test(tc, test_alloc_failures);
  tcase_add_test(tc, test_write_file);
  tcase_add_test(tc, test_empty_file);
  tcase_add_test(tc, test_truncated);
  tcase_add_test(tc, test_flip_every_byte);
  tcase_add_test(tc, test_wrong_version);
  tcase_add_test(tc, test_offset_out_of_range);
  tcase_add_test(tc, test_servers_section);
  tcase_add_test(tc, test_str_without_nul);
  tcase_add_test(tc, test_random_bytes);
  tcase_add_test(tc, test_lazy);
  tcase_add_test(tc, test_misaligned_memory);
  tcase_add_test(tc, test_default_name);
  suite_add_tcase(s, tc);
  return s;
}
