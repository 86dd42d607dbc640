/* model.h - what the compiler decided: types, properties, operation plans, security.
 *
 * Built by the OpenAPI walk (openapi.c, types.c, plans.c), turned into the describe JSON
 * (describe.c), printed by --list (list.c) and serialized by the cache writer
 * (cache_write.c). Everything is allocated in the model's arena. Field meanings mirror
 * cache/format.h, which is the authoritative description.
 */
#ifndef OAC_MODEL_H
#define OAC_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "../common/arena.h"
#include "../common/result.h"
#include "../cache/format.h"

struct doc_node;
struct model_paging;            /* paging.h */

struct model_prop {
  const char *name;             /* developerName */
  const char *json_name;        /* API JSON key */
  const char *db_type;          /* databaseContentType */
  enum cache_ctype ctype;
  unsigned flags;               /* CP_* */
  int ref_type;                 /* type index or -1 */
  unsigned alt_group, alt_count;
};

struct model_param {
  const char *name;
  const char *arg;
  enum cache_param_in in;
  enum cache_param_src src;
  unsigned flags;               /* CPA_F_* (issue 16) */
};

struct model_plan {
  int present;
  enum cache_op op;
  enum cache_method method;
  unsigned flags;               /* PLAN_F_* */
  const char *path;
  const char *items;            /* NULL = automatic (written, or located from the schema) */
  const struct model_paging *paging;   /* NULL = one call (no paging) */
  const char *body_type;        /* NULL = none */
  struct model_param *params;
  size_t nparams;
  /* security: alternatives, each a list of scheme indices */
  size_t nsecalts;
  size_t *secalt_len;           /* [nsecalts] */
  size_t **secalt;              /* [nsecalts][secalt_len[i]] */
  /* OAuth 2.0 client credentials (§13.6): the scopes each scheme's token request asks
   * for, space-separated; NULL = none */
  const char ***secalt_scope;   /* [nsecalts][secalt_len[i]] */
  unsigned *body;               /* property indices sent in the body */
  size_t nbody;
  /* response example (examples.c): the JSON it stands for, then the cache record */
  const char *example_json;     /* NULL = none (a save/delete example may have none) */
  size_t example_json_len;
  const char *example;          /* struct cache_example record (format.h) */
  size_t example_len;
  unsigned example_status;
  /* where the extension was written: its key and its value (a mapping) */
  const struct doc_node *at;
  const struct doc_node *ext;
  /* raw example setting, resolved by the examples stage */
  const struct doc_node *example_setting;
  const struct doc_node *operation;  /* the matching OpenAPI operation object, or NULL */
  /* body encodings and emptyAs (product.md §13.1, §13.2; compile/body.c) */
  unsigned *body_enc;           /* form bodies: CBODY_F_* per body property; NULL = none */
  enum cache_empty_as empty_as;
  /* retries (product.md §13.4): the mark's idempotencyKey header name; NULL = none */
  const char *idempotency_key;
  size_t server_list;           /* servers (§13.7): index into model.server_lists, 0 = the
                                   document's */
};

struct model_type {
  const char *name;
  const char *summary;          /* schema description, or NULL */
  struct model_prop *props;
  size_t nprops, cap_props;
  int external_id_prop;
  unsigned flags;               /* CT_F_* */
  struct model_plan plans[OP_MAX];
  const struct doc_node *schema;   /* the schema it was generated from (identity key) */
  const char *where;            /* "file:line:col" of the schema, for messages and --list */
  const char *content_types;    /* media types it appears under, for --list ("application/json") */
  /* composite keys (§13.9): the external ID's properties when it lists several */
  unsigned *eid_props;
  size_t neid;
  /* message actions (§14.2; issue 16): generated for an action ("<slug> Body" and its
   * helper types): describe gives it `bindings: []` */
  int action_only;
};

struct model_scheme {
  const char *name;
  enum cache_scheme_type type;
  enum cache_param_in in;
  unsigned flags;
  const char *param_name;
  const char *authorization_url, *token_url, *userinfo_url, *default_url, *scope;
  const char *map_first_name, *map_last_name, *map_email, *map_username, *map_user_id;
  /* OAuth 2.0 client credentials (SCH_F_CC, §13.6) */
  const char *cc_token_url;     /* flows.clientCredentials.tokenUrl */
  const char *cc_token_params;  /* x-flow-identity.tokenParameters, form-encoded */
  const char *cc_scope;         /* x-flow-identity.scope on a client-credentials-only scheme */
};

/* message actions (product.md §14; compile/actions.c). Mirrors cache/format.h's
 * struct cache_action / cache_input / cache_outcome. */
struct model_input {
  const char *name;             /* developerName */
  const char *param;            /* API parameter name; NULL for the body */
  unsigned in;                  /* enum cache_param_in, or CIN_BODY */
  enum cache_ctype ctype;
  unsigned flags;               /* CI_F_* */
  int type;                     /* CT_OBJECT / CT_LIST: type index, else -1 */
  const char *def;              /* CI_F_DEFAULT: the default as text */
};

struct model_outcome {
  unsigned status;              /* 100..599; 1..5 for "4XX"; 0 = default */
  const char *description;      /* NULL = none */
};

struct model_action {
  const char *slug;             /* "post-pets-id-adopt" (uriPart without "actions/") */
  const char *name;             /* developerName */
  const char *summary;          /* developerSummary, outcomes line included */
  unsigned flags;               /* CA_F_* */
  struct model_plan plan;       /* op OP_ACTION */
  struct model_input *inputs;
  size_t ninputs;
  struct model_outcome *outcomes;
  size_t noutcomes;
  int response_type;            /* -1 = none */
  enum cache_ctype response_ctype;      /* CT_NONE = no Response output */
  unsigned response_flags;      /* CP_* of a scalar Response */
  const char *where;            /* FILE:LINE:COL of the operation, for messages / --list */
};

/* servers (§13.7): one list of URLs (no trailing '/'). */
struct model_servers {
  const char **urls;
  size_t n;
  const struct doc_node *at;    /* the servers node (NULL for the document's list) */
};

struct model {
  struct arena arena;
  const char *registration;
  const char *source;
  const char *server_url;
  const char *title;
  const char *api_version;
  uint64_t source_checksum;
  /* overlays (§15.1): "<16 hex digits of oac_hash64> <name as given>\n" per --overlay, in
   * order; NULL or "" = none (overlay.c) */
  const char *overlays;
  uint64_t compile_time;
  unsigned flags;               /* CACHE_F_* */
  struct model_type *types;     /* heap (model.c), valid until the next model_add_type */
  size_t ntypes, cap_types;
  struct model_scheme *schemes;
  size_t nschemes, cap_schemes;
  char *describe;               /* describe JSON, built by describe_build() */
  size_t describe_len;
  char *describe_heap;          /* describe_build()'s buffer (oac_free by model_free) */
  /* servers (§13.7, compile/servers.c): list 0 = the document's, the default (server_url)
   * first; lists 1.. = path- and operation-level servers. None: server_url alone. */
  struct model_servers *server_lists;   /* arena */
  size_t nserver_lists;
  /* message actions (product.md §14; compile/actions.c), sorted by slug once compiled */
  struct model_action *actions; /* heap (oac_free by model_free) */
  size_t nactions, cap_actions;
};

void model_init(struct model *m);
void model_free(struct model *m);
/* Appends a type; its index goes to *INDEX (may be NULL). OAC_ENOMEM, or OAC_ELIMIT past
 * INT32_MAX types. */
enum oac_result model_add_type(struct model *m, const char *name, int *index);
/* Appends a property to type T; its index goes to *INDEX (may be NULL). OAC_EINTERNAL for
 * a bad T or P, OAC_ENOMEM, OAC_ELIMIT. */
enum oac_result model_add_prop(struct model *m, int t, const struct model_prop *p, int *index);
int model_find_type(const struct model *m, const char *name);

#endif
