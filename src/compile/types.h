/* types.h - the compile context shared by the OpenAPI walk (compile.c), the x-flow
 * extension parser (xflow.c) and type generation (types.c, product.md §6.1). */
#ifndef OAC_TYPES_H
#define OAC_TYPES_H

#include "compile.h"

/* One OpenAPI operation, indexed once so extensions can find theirs. */
struct api_op {
  const char *path;              /* as written under paths */
  const char *norm;              /* placeholders collapsed to "{}" for matching */
  enum cache_method method;
  const struct doc_node *op;     /* the operation object */
  const struct doc_node *item;   /* the path item (path-level parameters) */
};

struct name_slot {
  const char *name;
  int type;
};

struct schema_slot {
  const struct doc_node *schema;
  int type;
};

struct ancestor {
  const struct doc_node *schema;
  int type;
};

struct cctx {
  const struct compile_opts *opts;
  struct doc_set *docs;
  struct diag *diag;
  struct model *m;
  struct arena *a;               /* = &m->arena */
  const struct doc_node *root;
  const struct doc_node *root_security;  /* document-level security, or NULL */
  struct api_op *ops;
  size_t nops;
  /* type name -> index (open addressing, power of two) */
  struct name_slot *names;
  size_t nnames_cap, nnames;
  /* decorated schema node -> type index */
  struct schema_slot *decorated;
  size_t ndecorated, cap_decorated;
  /* walk stack for recursion reuse */
  struct ancestor stack[64];
  unsigned depth;
  enum oac_result fatal;         /* OAC_ENOMEM / OAC_ELIMIT once hit */
  int io_error;                  /* a referenced file or URL could not be loaded */
};

/* Types. The type index of decorated SCHEMA (generating it on first use) in *TYPE: OAC_OK,
 * or the reason it could not be generated (diagnosed; OAC_ENOMEM / OAC_ELIMIT are also in
 * c->fatal), *TYPE then -1. SCHEMA must carry x-flow-type. */
enum oac_result types_decorated(struct cctx *c, const struct doc_node *schema, int *type);
/* Register NAME for type T; reports a collision at AT. OAC_EDOC for a collision
 * (diagnosed), OAC_ENOMEM. */
enum oac_result types_claim_name(struct cctx *c, const char *name, int t, const struct doc_node *at);

/* The properties of schema S with its allOf parts merged (§6.1): each name once, in the
 * position of its first declaration, with its last declaration. Appends to L (start from
 * {NULL, 0, 0}; free L->v with oac_free). Errors (out of memory, allOf nested too deeply)
 * are diagnosed. */
struct merged_prop {
  const char *name;
  const struct doc_node *raw;
};
struct merged {
  struct merged_prop *v;
  size_t n, cap;
};
void types_merge_props(struct cctx *c, struct merged *l, const struct doc_node *s);

/* Index of property NAME in TY, -1 if absent. */
int types_find_prop(const struct model_type *ty, const char *name);
/* The OpenAPI type word: `type: x`, or the first non-null entry of a 3.1 type array;
 * NULL when none (or S is NULL). */
const char *types_schema_type(const struct doc_node *s);

/* message actions (§14.2; issue 16): the Flow value of schema RAW (a body or a response;
 * NULL = none, a JSON text): an x-flow-type is ContentObject of it, an undecorated object a
 * ContentObject of the generated type NAME ("<slug> Body", WHAT says what it is for
 * messages; helper types below it per §6.1), an array a ContentList of its items' type
 * (generated NAME, or an ID/Value helper NAME for scalars), a scalar its scalar, anything
 * else (free-form, oneOf/anyOf) ContentString with CP_JSONTEXT. Fills P (ctype, flags,
 * ref_type, db_type). OAC_OK, or the failure (diagnosed at AT). */
struct model_prop;
enum oac_result types_action_value(struct cctx *c, const char *name, const char *what,
                                   const struct doc_node *raw, const struct doc_node *at,
                                   struct model_prop *p);

/* How many types types_action_value would generate for RAW (at least; it stops counting
 * past BUDGET), and how many more the document may have (§6.1's limit). An action made
 * only by `x-flow-actions: all` that would pass the limit is left out (actions.c). */
size_t types_action_estimate(struct cctx *c, const struct doc_node *raw, size_t budget);
size_t types_room(const struct cctx *c);
/* RAW as a form body: 1 an object (x-flow-type or properties), 0 none or a free-form
 * object (nothing to send), -1 anything else. */
int types_action_shape(struct cctx *c, const struct doc_node *raw);

/* x-flow extensions (xflow.c). */
/* Parse the CRUD extensions written on SCHEMA (decorated, type T). */
void xflow_schema_crud(struct cctx *c, const struct doc_node *schema, int t);
/* Parse CRUD extensions written on an operation object; they belong to type T. */
void xflow_operation_crud(struct cctx *c, const struct doc_node *op, int t);
/* Report CRUD extensions found on a schema without x-flow-type; warn on unknown x-flow-*. */
void xflow_check_undecorated(struct cctx *c, const struct doc_node *schema);
/* Post-pass: plans, external ID (after all types exist). */
void xflow_finish_type(struct cctx *c, int t);
/* Security schemes + x-flow-identity. */
void xflow_security(struct cctx *c);
/* Is KEY one of x-flow-load/query/save/update/delete? Returns the op or -1. */
int xflow_crud_op(const struct doc_node *key);

/* Helpers (compile.c). */
const struct doc_node *cc_resolve(struct cctx *c, const struct doc_node *n);
const char *cc_where(struct cctx *c, const struct doc_node *n);
const struct api_op *cc_find_op(struct cctx *c, enum cache_method m, const char *path);
/* The parameter object NAME of API (operation level first, then path level), or NULL. */
const struct doc_node *cc_find_param(struct cctx *c, const struct api_op *api,
                                     const char *name);
const char *cc_method_name(enum cache_method m);
void cc_oom(struct cctx *c);

#endif
