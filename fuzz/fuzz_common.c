/* fuzz_common.c - see fuzz_common.h. */
#include "fuzz_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cache/cache.h"
#include "compile/cache_write.h"
#include "common/mem.h"
#include "compile/compile.h"

#ifndef OAC_FUZZ_SRCDIR
#define OAC_FUZZ_SRCDIR "."
#endif

const char *fuzz_srcdir(void)
{
  const char *s = getenv("OAC_FUZZ_SRCDIR");
  return s && *s ? s : OAC_FUZZ_SRCDIR;
}

void fuzz_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("fuzz harness check failed: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

static void full_path(const char *path, char *full, size_t n)
{
  if(path[0] == '/')
    snprintf(full, n, "%s", path);
  else
    snprintf(full, n, "%s/%s", fuzz_srcdir(), path);
}

char *fuzz_read_file(const char *path, size_t *len)
{
  char full[4096];
  full_path(path, full, sizeof(full));
  FILE *f = fopen(full, "rb");
  if(!f)
    return NULL;
  struct buf b;
  buf_init(&b);
  char chunk[8192];
  size_t n;
  while((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    buf_append(&b, chunk, n);
  fclose(f);
  size_t l = 0;
  char *s = buf_steal(&b, &l);
  if(!s)
    s = oac_calloc(1, 1);
  if(len)
    *len = s ? l : 0;
  return s;
}

char *fuzz_replace(char *text, const char *from, const char *to)
{
  if(!text)
    return NULL;
  struct buf out;
  buf_init(&out);
  const char *p = text;
  size_t fl = strlen(from);
  for(const char *q; (q = strstr(p, from)); p = q + fl) {
    buf_append(&out, p, (size_t)(q - p));
    buf_puts(&out, to);
  }
  buf_puts(&out, p);
  oac_free(text);
  size_t l;
  char *s = buf_steal(&out, &l);
  return s ? s : oac_calloc(1, 1);
}

int fuzz_compile_file(const char *path, const char *as, const char *server, struct buf *img)
{
  return fuzz_compile_text(path, NULL, 0, as, server, img);
}

int fuzz_compile_text(const char *path, const char *text, size_t len, const char *as,
                      const char *server, struct buf *img)
{
  char full[4096];
  full_path(path, full, sizeof(full));
  struct diag d;
  struct doc_set s;
  struct model m;
  struct compile_opts o;
  memset(&o, 0, sizeof(o));
  o.source = full;
  o.as = as;
  o.server = server;
  o.data = text;
  o.data_len = len;
  diag_init(&d, NULL);                 /* printed below only when it fails */
  doc_set_init(&s, &d);
  model_init(&m);
  enum oac_result r = compile_document(&o, &s, &d, &m);
  if(!r && !m.describe)
    r = describe_build(&m);
  if(!r)
    r = cache_build_image(&m, img);
  if(r)
    fprintf(stderr, "%.*sfuzz: %s does not compile (%s)\n", (int)d.text.len,
            d.text.data ? d.text.data : "", full, oac_result_str(r));
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  return r ? -1 : 0;
}

int fuzz_write_cache(const struct buf *img, const char *as, const char *dir)
{
  char name[32], path[4096];
  cache_default_name(as, strlen(as), name);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if(!f)
    return -1;
  size_t n = fwrite(img->data, 1, img->len, f);
  if(fclose(f) || n != img->len)
    return -1;
  return 0;
}

int fuzz_closed_port(void)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if(s < 0)
    fuzz_fail("socket");
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  if(bind(s, (struct sockaddr *)&a, sizeof(a)) || getsockname(s, (struct sockaddr *)&a, &l))
    fuzz_fail("bind a loopback port");
  close(s);
  return ntohs(a.sin_port);
}
