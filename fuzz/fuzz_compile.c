/* fuzz_compile.c - any bytes as an OpenAPI document: the loader and the whole compile step
 * (YAML/JSON tree, $ref, x-flow-*, types, plans, examples, describe JSON, --list) must
 * report errors, never crash; a document that compiles must give a cache image that the
 * reader accepts with full verification, whose types are all found by name.
 *
 * The document is the root file of its doc_set and the only one: limits.max_files is 1, so
 * an external $ref (a file or an http(s) URL) fails as "more than 1 files to load" and the
 * harness never touches the file system or the network.
 *
 * Overlay mode (FUZZ_COMPILE_OVERLAY, fuzz/fuzz_overlay.c, issue 17): the input is a
 * document and an overlay, applied by compile_document as --overlay applies it; see there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "common/buf.h"
#include "compile/cache_write.h"
#include "compile/compile.h"
#include "fuzz_common.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  devnull = fopen("/dev/null", "w");
  if(!devnull)
    fuzz_fail("/dev/null");
#ifdef FUZZ_COMPILE_OVERLAY
  overlay_init();                             /* overlay mode (fuzz_overlay.c) */
#endif
  return 0;
}

static void check_image(const struct buf *img)
{
  /* the reader wants 8-aligned memory: a malloc'd copy */
  void *copy = malloc(img->len ? img->len : 1);
  if(!copy)
    return;
  memcpy(copy, img->data, img->len);
  struct cache c;
  struct cache_error err;
  if(cache_open_mem(&c, copy, img->len, CACHE_VERIFY_ALL, &err))
    fuzz_fail("the compiled image does not verify: %s", err.msg);
  uint32_t nt;
  const struct cache_type *t = cache_section(&c, CS_TYPES, &nt, &err);
  if(!t)
    fuzz_fail("no TYPES: %s", err.msg);
  for(uint32_t i = 0; i < nt; i++) {
    const char *name = cache_str(&c, t[i].name);
    int k = cache_find_type(&c, name, t[i].name.len, &err);
    if(k != (int)i)
      fuzz_fail("type %u '%s' found as %d", i, name, k);
  }
  size_t dlen;
  if(!cache_describe(&c, &dlen, &err))
    fuzz_fail("no describe: %s", err.msg);
  cache_close(&c);
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct diag d;
  struct doc_set s;
  struct model m;
  struct compile_opts o;
  memset(&o, 0, sizeof(o));
  o.source = "fuzz.yaml";
  o.as = "https://fuzz.example/api.yaml";
  o.data = (const char *)data;
  o.data_len = size;
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
  s.limits.max_files = 1;
#ifdef FUZZ_COMPILE_OVERLAY
  /* overlay mode (fuzz_overlay.c): the document and the overlay, as --overlay gives it */
  const char *const ovs[1] = { ov_path };
  overlay_split(data, size, &o.data, &o.data_len);
  o.overlays = ovs;
  o.noverlays = 1;
  s.limits.max_files = 2;
#endif
  model_init(&m);
  enum oac_result r = compile_document(&o, &s, &d, &m);
#ifdef FUZZ_COMPILE_OVERLAY
  if(s.files && s.files->root) {              /* --print-document */
    struct buf js;
    buf_init(&js);
    enum oac_result jr = doc_to_json(s.files->root, &js);
    if(jr && jr != OAC_ELIMIT && jr != OAC_ENOMEM)
      fuzz_fail("doc_to_json after the overlay: %s", oac_result_str(jr));
    buf_free(&js);
  }
#endif
  if(!r && !m.describe)
    r = describe_build(&m);
  if(!r) {
    struct buf img;
    buf_init(&img);
    r = cache_build_image(&m, &img);
    if(!r)
      check_image(&img);
    else if(r != OAC_ENOMEM)
      fuzz_fail("cache_build_image: %s", oac_result_str(r));
    buf_free(&img);
    list_print(&m, devnull);
  }
  else if(r == OAC_EDOC && !d.errors)
    fuzz_fail("compile_document gave OAC_EDOC without an error diagnostic");
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  return 0;
}
