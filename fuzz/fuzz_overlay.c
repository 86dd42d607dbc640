/* fuzz_overlay.c - fuzz_compile.c's overlay mode (issue 17, product.md §15.1) as its own
 * harness, with its own corpus, seeds (fuzz/inputs/fuzz_overlay/, plus every compile case
 * of tests/data that applies an overlay: fuzz/seeds.sh) and dictionary
 * (fuzz/fuzz_overlay.dict).
 *
 * Input: DOCUMENT, the separator line "# ---- overlay ----", OVERLAY. Without the
 * separator, the whole input is the overlay and the document is examples/petstore-flow.yaml
 * (read once). The overlay's bytes are written to a file of a private temporary directory
 * and given to compile_document as --overlay gives them (compile_opts.overlays), so the
 * whole path runs: the overlay loaded (YAML or JSON), checked, its actions' JSONPath
 * targets evaluated and applied to the document, then the full compile of fuzz_compile.c
 * with its invariants (a cache image that verifies, every type found by name; an error
 * result has an error diagnostic); and the document after the overlay is written as JSON
 * (--print-document). limits.max_files is 2 (the document and the overlay): a $ref to
 * another file or a URL fails as "more than 2 files to load", so nothing else is opened.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "fuzz_common.h"

#define OVERLAY_SEP "\n# ---- overlay ----\n"

static char *ov_dir;          /* mkdtemp'd, removed at exit */
static char *ov_path;         /* ov_dir/overlay.yaml */
static char *fixed_doc;       /* examples/petstore-flow.yaml */
static size_t fixed_len;

static void overlay_cleanup(void)
{
  if(ov_path)
    unlink(ov_path);
  if(ov_dir)
    rmdir(ov_dir);
  free(ov_path);
  free(ov_dir);
  oac_free(fixed_doc);
}

static void overlay_init(void)
{
  const char *tmp = getenv("TMPDIR");
  size_t n = strlen(tmp && *tmp ? tmp : "/tmp") + 64;
  ov_dir = malloc(n);
  ov_path = malloc(n + 16);
  if(!ov_dir || !ov_path)
    fuzz_fail("out of memory");
  snprintf(ov_dir, n, "%s/oac-fuzz-overlay.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if(!mkdtemp(ov_dir))
    fuzz_fail("mkdtemp %s", ov_dir);
  snprintf(ov_path, n + 16, "%s/overlay.yaml", ov_dir);
  fixed_doc = fuzz_read_file("examples/petstore-flow.yaml", &fixed_len);
  if(!fixed_doc)
    fuzz_fail("examples/petstore-flow.yaml (OAC_FUZZ_SRCDIR?)");
  atexit(overlay_cleanup);
}

/* Split DATA into the document (*DOC, *DOCLEN) and the overlay, written to ov_path. */
static void overlay_split(const uint8_t *data, size_t size, const char **doc, size_t *doclen)
{
  const char *ov = (const char *)data;
  size_t ovlen = size;
  const char *sep = size ? memmem(data, size, OVERLAY_SEP, sizeof(OVERLAY_SEP) - 1) : NULL;
  if(sep) {
    *doc = (const char *)data;
    *doclen = (size_t)(sep - (const char *)data);
    ov = sep + sizeof(OVERLAY_SEP) - 1;
    ovlen = size - (size_t)(ov - (const char *)data);
  }
  else {
    *doc = fixed_doc;
    *doclen = fixed_len;
  }
  FILE *f = fopen(ov_path, "wb");
  if(!f || (ovlen && fwrite(ov, 1, ovlen, f) != ovlen) || fclose(f))
    fuzz_fail("cannot write %s", ov_path);
}

#define FUZZ_COMPILE_OVERLAY 1
#include "fuzz_compile.c"
