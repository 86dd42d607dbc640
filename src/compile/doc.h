/* doc.h - the document tree: YAML or JSON (read with libyaml), file or http(s) URL.
 *
 * Stage 1 of the compiler. A doc_set owns every file loaded for one compile (the root
 * document and those reached through external $refs), all nodes live in the set's arena.
 * Nodes carry their file, line and column for diagnostics.
 *
 * YAML aliases: an alias is the anchored node itself (the tree is a DAG, nothing is
 * copied); the loader counts how many nodes the aliases would expand to and stops with an
 * error past the limit, so a "billion laughs" document is refused and no later walk can
 * blow up. Merge keys ("<<") are not special (OpenAPI does not use them).
 *
 * $ref: doc_ref_resolve() follows "#/json/pointer", "other.yaml#/pointer", "other.yaml",
 * and "http(s)://host/doc.yaml#/pointer"; relative references resolve against the file
 * that contains them. Chains of $ref ($ref to a $ref) are followed with cycle detection.
 */
#ifndef OAC_DOC_H
#define OAC_DOC_H

#include <stddef.h>
#include <stdint.h>
#include "../common/arena.h"
#include "../common/result.h"
#include "diag.h"

enum doc_kind { DOC_SCALAR, DOC_SEQ, DOC_MAP };

struct doc_file;

struct doc_node {
  enum doc_kind kind;
  unsigned char quoted;       /* scalar written quoted ('x' "x" | >): never null/bool/number */
  unsigned char dup_keys;     /* MAP: some key occurs twice (warned; the later one wins) */
  unsigned char aliased;      /* an anchored node some alias refers to: it stands at more
                                 than one place of the tree (overlays warn when they touch it) */
  unsigned char grown;        /* items was reallocated by doc_edit.c (capacity: see there) */
  unsigned line, col;         /* 1-based start of the node */
  const struct doc_file *file;
  const char *str;            /* scalar text, NUL-terminated (NULL for SEQ/MAP) */
  size_t len;                 /* scalar length */
  size_t n;                   /* SEQ: item count; MAP: pair count */
  struct doc_node **items;    /* SEQ: items[i]; MAP: items[2i] key, items[2i+1] value */
};

struct doc_file {
  char *name;                 /* as shown in diagnostics (the path or URL as given / resolved) */
  char *base;                 /* absolute path or URL, for resolving relative refs */
  struct doc_node *root;
  size_t nbytes;
  uint64_t checksum;          /* oac_hash64 of the bytes */
  size_t naliases;            /* YAML aliases the loader met (0: no node stands at two places;
                                 overlays skip looking for anchors) */
  const struct doc_file *refs_in; /* overlays (§15.1): nodes an overlay wrote carry a file
                                 with the overlay's name whose $refs resolve in this file
                                 (the root document); NULL for a file of its own */
  struct doc_file *next;
};

struct doc_limits {
  size_t max_alias_nodes;     /* nodes aliases may expand to, in all (default 1,000,000) */
  unsigned max_depth;         /* nesting depth (default 512) */
  size_t max_bytes;           /* per file (default 256 MiB) */
  unsigned max_files;         /* files a compile may load (default 256) */
  long connect_timeout_s;     /* http(s) fetch (default 10) */
  long timeout_s;             /* http(s) fetch (default 60) */
};

struct doc_failure;           /* a load that failed (doc_load.c): not retried */
struct doc_index;             /* hash index of big maps for $ref pointers (doc_ref.c) */

struct doc_set {
  struct arena arena;
  struct doc_file *files;     /* first = root document */
  unsigned nfiles;
  struct diag *diag;
  struct doc_limits limits;
  char *ca_file;              /* optional CA bundle for https (not owned) */
  struct doc_failure *failed; /* sources that failed to load, so a $ref does not retry */
  struct doc_index *index;    /* in the arena; NULL until a $ref needs it */
};

void doc_set_init(struct doc_set *s, struct diag *d);
void doc_set_free(struct doc_set *s);

/* Load a document. SOURCE is a path or an http(s) URL. Already-loaded files are returned
 * from the set. Errors: OAC_EIO (missing file, failed download; reported through diag
 * without a line), OAC_EDOC (YAML reader/scanner/parser error, reported at its line:col;
 * reader errors use libyaml's problem_offset), OAC_ELIMIT (alias expansion / depth / size;
 * reported at the node), OAC_ENOMEM. */
enum oac_result doc_load(struct doc_set *s, const char *source, struct doc_file **out);
/* Load REF (a path or URL, percent-encoded as in a URI, no fragment) relative to FROM:
 * resolved against FROM's base, shown relative to FROM's name. For doc_ref.c. A source
 * that failed before fails again with the same result and no new diagnostic. */
enum oac_result doc_load_rel(struct doc_set *s, const struct doc_file *from, const char *ref,
                             struct doc_file **out);
/* Same, from a buffer (tests, fuzzing). NAME is used in diagnostics and as base. */
enum oac_result doc_load_mem(struct doc_set *s, const char *name, const char *data,
                             size_t len, struct doc_file **out);

/* Map lookup by exact key; NULL if absent or M is not a map. */
struct doc_node *doc_get(const struct doc_node *m, const char *key);
/* Map lookup, key compared case-insensitively (x-flow keys, HTTP methods). */
struct doc_node *doc_get_ci(const struct doc_node *m, const char *key);
/* Scalar helpers. */
int doc_is_scalar(const struct doc_node *n);
int doc_scalar_eq(const struct doc_node *n, const char *s);       /* exact */
int doc_scalar_eq_ci(const struct doc_node *n, const char *s);
int doc_is_null(const struct doc_node *n);    /* plain ~, null, Null, NULL or empty */
/* Plain true/false (any case); quoted never counts. The values stay -1/0/1 so that a
 * test written as `b < 0` or `if(b == 1)` keeps its meaning; new code uses the names. */
enum doc_bool { DOC_NOT_BOOL = -1, DOC_FALSE = 0, DOC_TRUE = 1 };
enum doc_bool doc_bool(const struct doc_node *n);
/* JSON text of a node (for examples, free-form values). Plain scalars that look like
 * numbers/true/false/null are written bare, everything else as strings. */
/* doc_to_json returns OAC_ELIMIT past this depth, even if the loader's limit was raised. */
#define DOC_JSON_MAX_DEPTH 4096u
enum oac_result doc_to_json(const struct doc_node *n, struct buf *out);

/* Resolve N if it is a map with a "$ref" (following chains). *OUT receives the target
 * (N itself if it has no $ref). FROM is the file N belongs to (n->file). Errors are
 * reported at the $ref node: unresolvable target, cycle, load failure. Returns OAC_EDOC
 * (bad target, cycle), OAC_EIO / OAC_ELIMIT (the file could not be loaded), OAC_ENOMEM;
 * on error *OUT is N. A "$ref" whose value is not a scalar is no reference (a property
 * named "$ref" in a JSON Schema meta-schema). Siblings of $ref are ignored. */
enum oac_result doc_ref_resolve(struct doc_set *s, const struct doc_node *n,
                                const struct doc_node **out);
/* The last JSON-pointer segment of a $ref string ("#/components/schemas/Pet" -> "Pet"),
 * or the file stem for a whole-file ref. NULL if N has no $ref. Arena-allocated. */
const char *doc_ref_name(struct doc_set *s, const struct doc_node *n);

/* ---- changing the tree (doc_edit.c): overlays (§15.1) and --infer (§15.3) ----------
 * New nodes live in the set's arena and carry the FILE / LINE / COL given, so a value an
 * overlay wrote is reported at the overlay's position. Every change drops the $ref lookup
 * index (doc_ref.c rebuilds it on demand). Node pointers stay valid; items arrays may move.
 * All return NULL / OAC_ENOMEM when memory runs out. */
struct doc_node *doc_new_node(struct doc_set *s, enum doc_kind kind, const struct doc_file *f,
                              unsigned line, unsigned col);
/* A scalar holding a copy of STR (LEN bytes); QUOTED as the loader would set it. */
struct doc_node *doc_new_scalar(struct doc_set *s, const char *str, size_t len, int quoted,
                                const struct doc_file *f, unsigned line, unsigned col);
/* Set KEY (a scalar node) to VAL in MAP: the value of its last occurrence is replaced, or
 * the pair appended. */
enum oac_result doc_map_set(struct doc_set *s, struct doc_node *map, struct doc_node *key,
                            struct doc_node *val);
enum oac_result doc_seq_append(struct doc_set *s, struct doc_node *seq, struct doc_node *item);
/* Remove pair I of MAP / item I of SEQ (order of the rest kept). */
void doc_map_remove_at(struct doc_set *s, struct doc_node *map, size_t i);
void doc_seq_remove_at(struct doc_set *s, struct doc_node *seq, size_t i);
/* A file without bytes, for nodes no file holds (--infer's marks): diagnostics name it
 * NAME; it is not part of s->files (the root document stays first there). */
struct doc_file *doc_file_synthetic(struct doc_set *s, const char *name);

#endif
