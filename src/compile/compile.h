/* compile.h - the compile step as one call: document -> model (+ describe JSON).
 *
 * Used by the CLI (main.c), the tests and bench/compile. Stages, one file each
 * (docs/internals/compile-pipeline.md maps them): doc_load.c / doc_ref.c (tree, $ref),
 * compile.c (version, servers, the walk over operations and schemas), xflow.c (x-flow-*
 * extensions, operation plans, security and identity), types.c (§6.1 type generation),
 * examples.c (response examples), describe.c (describe JSON), list.c (--list table),
 * cache_write.c (the cache file).
 */
#ifndef OAC_COMPILE_H
#define OAC_COMPILE_H

#include <stdio.h>
#include "../common/result.h"
#include "diag.h"
#include "doc.h"
#include "model.h"

#define OAC_COMPILER_VERSION PACKAGE_VERSION

struct compile_opts {
  const char *source;        /* path or http(s) URL */
  const char *as;            /* registration string (--as), NULL = source */
  const char *server;        /* --server override, NULL = the document's */
  const char *ca_file;       /* CA bundle for https fetches, NULL = system */
  /* In-memory input instead of reading SOURCE (tests, fuzzing); SOURCE names it. */
  const char *data;
  size_t data_len;
  /* servers (§13.7): --server-variable NAME=V1,V2, as given (the last one per NAME wins) */
  const char *const *server_vars;
  size_t nserver_vars;
  /* documents you cannot edit (product.md §15) */
  const char *const *overlays;  /* --overlay FILE, applied in this order (§15.1) */
  size_t noverlays;
  enum compile_infer { INFER_NONE = 0, INFER_ALL, INFER_CRUD } infer;   /* --infer (§15.3) */
  const char *emit_overlay;     /* --emit-overlay FILE: what --infer added, as an overlay */
  int offline;                  /* --offline (§15.4): open nothing but the document */
  const char *const *allow_hosts;       /* --allow-host PATTERN (§15.4) */
  size_t nallow_hosts;
};

/* Load, resolve, validate, generate. Diagnostics go to D. Returns OAC_OK (possibly with
 * warnings), OAC_EDOC when D has errors, OAC_EIO/OAC_EUSAGE/OAC_ENOMEM otherwise. The doc
 * set S must be initialised by the caller and outlives M's use of node pointers. */
enum oac_result compile_document(const struct compile_opts *o, struct doc_set *s,
                                 struct diag *d, struct model *m);

/* The compile of a loaded document F (the root of S): what compile_document does after
 * loading it (and, with --infer, after the inferred marks were added: compile/infer.c runs
 * it once per trial). */
enum oac_result compile_loaded(const struct compile_opts *o, struct doc_set *s,
                               struct doc_file *f, struct diag *d, struct model *m);

/* "/pets/{petId}" -> "/pets/{}" (a trailing '/' dropped): how marks and operations are
 * matched whatever their placeholders are named. Arena-allocated; NULL when out of memory. */
char *compile_normalize_path(struct arena *a, const char *p);

/* The describe JSON for M (stored in m->describe). */
enum oac_result describe_build(struct model *m);

/* The --list table. */
void list_print(const struct model *m, FILE *out);

#endif
