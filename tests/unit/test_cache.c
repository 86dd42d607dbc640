/* test_cache.c - compile test documents in memory (test_cache.h). */
#include "test_cache.h"

#include <ctype.h>
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "compile/cache_write.h"
#include "compile/compile.h"

struct test_cache {
  struct cache c;               /* first: the struct cache * handed out is this */
  char *image;
};

static void compile_image_opts(const char *yaml, const char *registration, const char *source,
                               const char *server, struct buf *img)
{
  struct diag d;
  struct doc_set s;
  struct model m;
  char *log = NULL;
  size_t loglen = 0;
  FILE *mem = open_memstream(&log, &loglen);
  ck_assert_ptr_nonnull(mem);
  diag_init(&d, mem);
  doc_set_init(&s, &d);
  model_init(&m);
  struct compile_opts o = { 0 };
  o.source = source ? source : registration ? registration : "test.yaml";
  o.as = source ? registration : NULL;
  o.server = server;
  o.data = yaml;
  o.data_len = strlen(yaml);
  enum oac_result r = compile_document(&o, &s, &d, &m);
  if(!r)
    r = describe_build(&m);
  if(!r)
    r = cache_build_image(&m, img);
  fclose(mem);
  if(r) {
    fprintf(stderr, "test document does not compile (%s):\n%s", oac_result_str(r), log);
    free(log);
    ck_abort_msg("test document does not compile");
  }
  free(log);
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
}

static void compile_image(const char *yaml, const char *registration, struct buf *img)
{
  compile_image_opts(yaml, registration, NULL, NULL, img);
}

struct cache *test_cache_compile(const char *yaml, const char *registration)
{
  struct buf img;
  buf_init(&img);
  compile_image(yaml, registration, &img);
  struct test_cache *t = calloc(1, sizeof(*t));
  ck_assert_ptr_nonnull(t);
  size_t len = img.len;
  t->image = buf_steal(&img, &len);
  struct cache_error err;
  enum oac_result r = cache_open_mem(&t->c, t->image, len, CACHE_VERIFY_ALL, &err);
  ck_assert_msg(r == OAC_OK, "cache_open_mem: %s", err.msg);
  return &t->c;
}

void test_cache_free(struct cache *c)
{
  struct test_cache *t = (struct test_cache *)c;
  if(!t)
    return;
  cache_close(&t->c);
  oac_free(t->image);
  free(t);
}

const char *test_cache_write(const char *yaml, const char *registration, const char *dir)
{
  return test_cache_write_opts(yaml, registration, NULL, NULL, dir);
}

const char *test_cache_write_opts(const char *yaml, const char *registration,
                                  const char *source, const char *server, const char *dir)
{
  static char path[4096];
  struct buf img;
  char name[32];
  buf_init(&img);
  compile_image_opts(yaml, registration, source, server, &img);
  cache_default_name(registration, strlen(registration), name);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  char tmp[4200];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(img.data, 1, img.len, f), img.len);
  ck_assert_int_eq(fclose(f), 0);
  ck_assert_int_eq(rename(tmp, path), 0);
  buf_free(&img);
  return path;
}

uint32_t test_cache_type(struct cache *c, const char *name)
{
  struct cache_error err;
  int t = cache_find_type(c, name, strlen(name), &err);
  ck_assert_msg(t >= 0, "type '%s' not in the test cache", name);
  return (uint32_t)t;
}

char *test_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if(!f)
    return NULL;
  struct buf b;
  buf_init(&b);
  char chunk[4096];
  size_t n;
  while((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    buf_append(&b, chunk, n);
  fclose(f);
  size_t l;
  char *p = buf_steal(&b, &l);
  if(len)
    *len = l;
  return p;
}

int test_closed_port(void)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
  ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &l), 0);
  close(s);
  return ntohs(a.sin_port);
}

void test_rm_dir(const char *d)
{
  DIR *dd = opendir(d);
  if(!dd)
    return;
  struct dirent *e;
  char p[1024];
  while((e = readdir(dd)))
    if(strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
      unlink(p);
    }
  closedir(dd);
  rmdir(d);
}

int test_is_uuid(const char *s)
{
  if(!s || strlen(s) != 36)
    return 0;
  for(int i = 0; i < 36; i++)
    if(i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
      return 0;
  return 1;
}

const char *test_pet_doc(const char *title)
{
  static char text[1024];
  snprintf(text, sizeof(text),
    "openapi: 3.0.3\n"
    "info: {title: '%s', version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:9/v1'}]\n"
    "components:\n"
    "  schemas:\n"
    "    Pet:\n"
    "      x-flow-type: {name: Pet}\n"
    "      x-flow-load: {path: '/pets/{id}', operation: get, parameters: {id: id}}\n"
    "      type: object\n"
    "      properties:\n"
    "        id: {type: string}\n"
    "        name: {type: string}\n"
    "paths:\n"
    "  /pets/{id}:\n"
    "    get:\n"
    "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
    "      responses: {'200': {description: ok}}\n", title);
  return text;
}
