/* format.h - the binary spec cache file format, shared by the compiler (writer) and the
 * worker (reader). Position-independent: every reference is an offset from the start of
 * the file. Native little-endian only (the byte-order field refuses anything else).
 *
 * Layout:  [header + header strings][section 1][section 2]...   each section 16-aligned
 *
 * The layout is strict, so that every byte of a valid file is covered by a checksum or a
 * check: header_size includes the zero padding after the header strings (a multiple of 16);
 * sections follow each other in table order, each at the next 16-aligned offset after the
 * previous one, with zero padding between them; the file ends where the last section ends;
 * every kind is present exactly once; unused section table entries are zero.
 *
 * The header (struct cache_header, then the strings it names) is covered by
 * header_checksum (computed with that field zeroed). Each section has its own checksum so a
 * CGI process verifies only what it reads. Strings are (offset, length) pairs; the bytes at
 * offset+length are a NUL. Record indices are 0-based; "index + 1" fields use 0 for none.
 *
 * Changing anything here (including oac_hash64) means bumping CACHE_FORMAT_VERSION.
 */
#ifndef OAC_CACHE_FORMAT_H
#define OAC_CACHE_FORMAT_H

#include <stdint.h>

#define CACHE_MAGIC "OACACHE\x1a"     /* 8 bytes, no NUL needed */
#define CACHE_FORMAT_VERSION 7u
#define CACHE_BYTE_ORDER 0x01020304u
#define CACHE_ALIGN 16u
#define CACHE_MAX_SECTIONS 16u

enum cache_section_kind {
  CS_STRINGS = 1,   /* string pool: NUL-terminated strings */
  CS_DESCRIBE,      /* the whole DescribeServiceResponse JSON text (no NUL) */
  CS_TYPES,         /* struct cache_type[count] */
  CS_PROPS,         /* struct cache_prop[count] */
  CS_INDEX,         /* struct cache_index_head + struct cache_bucket[nbuckets] */
  CS_PLANS,         /* struct cache_plan[count] */
  CS_PARAMS,        /* struct cache_param[count] */
  CS_U32,           /* uint32_t[count]: lists (body property indices, scheme indices) */
  CS_SECALTS,       /* struct cache_secalt[count] */
  CS_SCHEMES,       /* struct cache_scheme[count] */
  CS_EXAMPLES,      /* response examples: struct cache_example records (below) */
  /* servers (product.md §13.7) */
  CS_SERVERS,       /* struct cache_server[count]: list 0 (the document's) first */
  /* message actions (product.md §14) */
  CS_ACTIONS,       /* struct cache_action[count], sorted by slug (strcmp order) */
  CS_INPUTS,        /* struct cache_input[count]: the actions' serviceInputs */
  CS_OUTCOMES,      /* struct cache_outcome[count]: the actions' declared responses */
  CS_KIND_MAX
};

struct cache_str {
  uint32_t off;     /* from the start of the file; 0 with len 0 = empty string */
  uint32_t len;
};

struct cache_section {
  uint32_t kind;        /* enum cache_section_kind */
  uint32_t count;       /* number of records (bytes for STRINGS/DESCRIBE/EXAMPLES) */
  uint64_t offset;
  uint64_t size;        /* bytes */
  uint64_t checksum;    /* oac_hash64(section bytes, size, CACHE_FORMAT_VERSION) */
};

#define CACHE_F_IDENTITY 0x1u   /* the document declares an x-flow-identity */
#define CACHE_F_SERVER_OPTION 0x2u /* list 0 of CS_SERVERS starts with --server's URL, so
                                    * the document's own servers start at index 1 (§13.7) */

struct cache_header {
  char magic[8];
  uint32_t format_version;
  uint32_t byte_order;
  uint64_t file_size;
  uint64_t compile_time;        /* Unix seconds */
  uint64_t source_checksum;     /* oac_hash64 of the root document bytes */
  uint32_t header_size;         /* struct + header strings + padding: the first section's
                                   offset, a multiple of CACHE_ALIGN */
  uint32_t flags;               /* CACHE_F_* */
  struct cache_str registration;/* the Schema URL this cache answers (--as or SOURCE) */
  struct cache_str source;      /* SOURCE as given */
  struct cache_str compiler_version;
  struct cache_str server_url;  /* upstream base URL */
  struct cache_str title;       /* info.title */
  struct cache_str api_version; /* info.version */
  struct cache_str overlays;    /* --overlay files (§15.1), text: one line per overlay in the
                                   order applied, "<16 lowercase hex digits: oac_hash64 of
                                   its bytes> <name as given>\n"; empty when none */
  uint32_t ntypes;              /* == CS_TYPES count (quick answer for /health) */
  uint32_t nsections;
  struct cache_section sections[CACHE_MAX_SECTIONS];
  uint64_t header_checksum;     /* oac_hash64(header_size bytes with this field 0, 0) */
};

/* Flow content types, as stored. */
enum cache_ctype {
  CT_NONE = 0,
  CT_STRING, CT_NUMBER, CT_BOOLEAN, CT_DATETIME, CT_PASSWORD, CT_OBJECT, CT_LIST,
  CT_CONTENT, CT_ENCRYPTED
};

/* Property flags. */
#define CP_READONLY     0x0001u  /* readOnly: never sent in a request body */
#define CP_CUSTOM       0x0002u  /* from customProperties: never sent in a body */
#define CP_DATE         0x0004u  /* format: date -> written back as YYYY-MM-DD */
#define CP_JSONTEXT     0x0008u  /* free-form value held as JSON text (ContentString) */
#define CP_SCALAR_LIST  0x0010u  /* list of an ID/Value helper type: plain JSON array */
#define CP_ALTERNATIVE  0x0020u  /* one alternative of a oneOf/anyOf split */
#define CP_INTEGER      0x0040u  /* OpenAPI integer (numbers otherwise) */
#define CP_ID           0x0080u  /* helper ID property (element index) */
#define CP_VALUE        0x0100u  /* helper Value property (the element) */

struct cache_prop {
  struct cache_str name;        /* developerName = databaseFieldName */
  struct cache_str json_name;   /* key in the API's JSON (the original property of a split) */
  struct cache_str db_type;     /* databaseContentType: "string/date-time", ... */
  uint16_t ctype;               /* enum cache_ctype */
  uint16_t flags;               /* CP_* */
  int32_t ref_type;             /* type index for CT_OBJECT / CT_LIST, -1 otherwise */
  uint32_t alt_group;           /* CP_ALTERNATIVE: index (within the type) of the group's
                                   first alternative; alternatives of a group are adjacent */
  uint32_t alt_count;           /* CP_ALTERNATIVE: alternatives in the group */
};

enum cache_op { OP_LOAD = 0, OP_QUERY, OP_SAVE, OP_UPDATE, OP_DELETE, OP_MAX };
/* cache_plan.op of a message action's plan (product.md §14): the plan belongs to a
 * struct cache_action, not to a type (no cache_type.plans entry points to it) */
#define OP_ACTION ((unsigned)OP_MAX)

#define CT_F_HELPER      0x1u    /* generated helper type (<Parent>:<prop>) */
#define CT_F_SCALAR_ITEM 0x2u    /* ID/Value helper of a scalar array */
#define CT_F_INFERRED    0x4u    /* its marks were inferred by --infer (§15.3) */

struct cache_type {
  struct cache_str name;        /* type name = binding name */
  uint32_t first_prop;          /* into CS_PROPS */
  uint32_t nprops;
  int32_t external_id_prop;     /* index within the type's props, -1 = none (UUID v5) */
  uint32_t flags;               /* CT_F_* */
  uint32_t plans[OP_MAX];       /* index + 1 into CS_PLANS, 0 = no such extension */
  /* composite keys (product.md §13.9): `externalId: [owner, name]` lists its properties
   * (indices within the type) at CS_U32[first_eid..first_eid+neid); external_id_prop is
   * then the first. neid 0 = a single ID property (external_id_prop) or none. */
  uint32_t first_eid, neid;
};

struct cache_index_head {
  uint32_t nbuckets;            /* power of two, >= 2 * ntypes, >= 8; == the section's count */
  uint32_t pad;
};
struct cache_bucket {
  uint32_t hash;                /* low 32 bits of oac_name_hash(name) */
  uint32_t type;                /* type index + 1, 0 = empty */
};

enum cache_method { M_GET = 1, M_PUT, M_POST, M_DELETE, M_PATCH, M_HEAD, M_OPTIONS };
enum cache_param_in { PIN_QUERY = 1, PIN_PATH, PIN_HEADER, PIN_COOKIE };
enum cache_param_src {
  PSRC_EXTERNAL_ID = 1,  /* externalId / id: the listFilter.id or the object's external ID */
  PSRC_LIMIT, PSRC_OFFSET, PSRC_SEARCH, PSRC_ORDER_BY, PSRC_ORDER_DIR,
  PSRC_USER,             /* arg = $User field name as written after "$User." */
  PSRC_DEFAULT,          /* arg = the constant's text */
  PSRC_PROPERTY,         /* arg = property name of the object */
  PSRC_WHERE,            /* query: arg = type property; an EQUAL on it is sent */
  PSRC_ID_PART,          /* §13.9, x-flow-load: arg = a property of the type's external
                            ID: its part of the id loaded (else as PSRC_WHERE) */
  /* issue 16 (product.md §5.2, §14) */
  PSRC_CONFIG,           /* arg = a configuration value's developerName ({config: API Key}) */
  PSRC_INPUT             /* OP_ACTION plans: arg = the developerName of the action's input
                            (struct cache_input) whose value is sent */
};

#define PLAN_F_EXAMPLE   0x1u    /* answer from CS_EXAMPLES, no upstream call */
#define PLAN_F_BODY      0x2u    /* send the object as a JSON request body */

/* How a list plan pages (product.md §12.1), decided at compile time (compile/paging.c)
 * and executed by the worker's walk (worker/load.c, worker/paging_plan.c). Parameter names
 * are the API's query parameters; answer paths are in flow/answer_path.h's stored form (a
 * JSON array text: `data[-1].id` -> ["data",-1,"id"]); empty = not used. */
enum cache_paging_style {
  CPG_NONE = 0, CPG_OFFSET, CPG_PAGE, CPG_CURSOR, CPG_NEXT_URL, CPG_LINK, CPG_MAX
};

#define CPG_F_NEXT_PATH_ANY   0x1u  /* next-url, link: `nextPath: any` */
#define CPG_F_CURSOR_IN_ITEMS 0x2u  /* nextCursor is read from the items (`data[-1].id`) */
#define CPG_F_INFERRED        0x4u  /* inferred, not written (--list says so) */

struct cache_paging {
  uint16_t style;               /* enum cache_paging_style */
  uint16_t flags;               /* CPG_F_* */
  uint32_t pad;
  uint64_t max_limit;           /* 0 = not known */
  uint64_t page_size;           /* style page without a limit parameter; else 0 */
  int64_t first_page;           /* style page: the first page's number */
  struct cache_str limit, offset, page, cursor;         /* API query parameter names */
  struct cache_str next_cursor, next, has_more, total;  /* answer paths (stored form) */
  struct cache_str total_header;                        /* total from this header */
  struct cache_str description; /* "paging: cursor via starting_after, from has_more" */
};

struct cache_plan {
  uint16_t op;                  /* enum cache_op */
  uint16_t method;              /* enum cache_method */
  uint32_t flags;               /* PLAN_F_* */
  struct cache_str path;        /* template relative to the server URL: "/pet/{petId}" */
  struct cache_str items;       /* unwrap path ("albums.items"), empty = automatic */
  struct cache_str body_type;   /* request media type ("application/json") */
  uint32_t first_param, nparams;    /* into CS_PARAMS */
  uint32_t first_secalt, nsecalts;  /* into CS_SECALTS: alternatives, first usable wins */
  uint32_t first_body, nbody;       /* into CS_U32: property indices sent in the body */
  uint32_t example_off, example_len;/* PLAN_F_EXAMPLE: its struct cache_example record in
                                       CS_EXAMPLES (file offset, bytes); len 0 = none */
  uint32_t example_status;          /* HTTP status of the example (200 normally) */
  uint32_t pad;
  struct cache_paging paging;       /* style CPG_NONE: one call (Part 1) */
  /* body encodings and emptyAs (product.md §13.1, §13.2; issue 15) */
  uint32_t body_enc;                /* form bodies: index + 1 into CS_U32 of nbody CBODY_F_*
                                       words, one per body property; 0 = none */
  uint32_t empty_as;                /* enum cache_empty_as, the default already applied */
  /* retries (product.md §13.4): the header that carries the idempotency key of a save,
   * update or delete (its mark's idempotencyKey); empty = none */
  struct cache_str idempotency_key;
  /* servers (§13.7): the plan's own list (path- or operation-level servers) in CS_SERVERS;
   * count 0 = the document's (list 0). The request's Server picks index i of list 0; the
   * plan calls its entry i when it has one, else its first. */
  uint32_t server_first, server_count;
};

/* How one body property goes into a form body (the media type's `encoding` object);
 * the same values as flow/form.h's FORM_F_*. */
#define CBODY_F_DEEP       0x1u     /* style: deepObject */
#define CBODY_F_NO_EXPLODE 0x2u     /* explode: false */
/* emptyAs (product.md §13.2): what a "" ContentString becomes in the body */
enum cache_empty_as { CEA_EMPTY = 0, CEA_OMIT, CEA_NULL, CEA_MAX };

struct cache_param {
  struct cache_str name;        /* API parameter name */
  struct cache_str arg;         /* see enum cache_param_src */
  uint16_t in;                  /* enum cache_param_in */
  uint16_t src;                 /* enum cache_param_src */
  uint32_t flags;               /* CPA_F_* (issue 16) */
};

/* cache_param.flags */
#define CPA_F_SECRET     0x1u    /* bound to a secret (product.md §5.2): masked in every log
                                    line, message and --try output */

struct cache_secalt {
  uint32_t first, count;        /* into CS_U32: scheme indices that must all be applied */
  /* OAuth 2.0 client credentials (product.md §13.6): into CS_U32, COUNT pairs (offset,
   * length) of strings, one per scheme above: the scopes its token request asks for,
   * space-separated (x-flow-identity.scope of a client-credentials-only scheme, else the
   * requirement's); 0, 0 = none */
  uint32_t first_scope;
  uint32_t pad;
};

enum cache_scheme_type {
  SCH_APIKEY = 1, SCH_BASIC, SCH_BEARER, SCH_OAUTH2, SCH_OIDC, SCH_OTHER
};

#define SCH_F_IDENTITY 0x1u     /* carries x-flow-identity */
#define SCH_F_SIGN_IN 0x2u      /* the scheme /authorization and /authentication use (the
                                 * first with x-flow-identity) */
#define SCH_F_CLIENT_BASIC 0x4u /* token endpoint: client id and secret as HTTP Basic
                                 * (client_secret_basic); else in the form (client_secret_post) */
/* OAuth 2.0 client credentials (product.md §13.6) */
#define SCH_F_CC 0x8u           /* flows.clientCredentials with an http(s) tokenUrl: the
                                 * client id and secret configured make it satisfiable */
#define SCH_F_CC_BASIC 0x10u    /* its token request authenticates with client_secret_basic
                                 * (the default); else client_secret_post */

struct cache_scheme {
  struct cache_str name;        /* key under components.securitySchemes */
  uint16_t type;                /* enum cache_scheme_type */
  uint16_t in;                  /* apiKey: enum cache_param_in */
  uint32_t flags;               /* SCH_F_* */
  struct cache_str param_name;  /* apiKey: the header/query/cookie name */
  /* identity (x-flow-identity); for openIdConnect the endpoints come from the discovery
   * document, fetched at compile time */
  struct cache_str authorization_url, token_url, userinfo_url, default_url, scope;
  struct cache_str map_first_name, map_last_name, map_email, map_username, map_user_id;
  /* OAuth 2.0 client credentials (SCH_F_CC, product.md §13.6): the flow's tokenUrl, and
   * x-flow-identity.tokenParameters as form fields ready to append ("audience=x&b=y") */
  struct cache_str cc_token_url, cc_token_params;
};

/* servers (product.md §13.7): every URL the document allows, variables expanded, no
 * trailing '/'. Records are grouped by list, lists in order: list 0 is the document-level
 * one (its first record is the default, == the header's server_url); lists 1.. are
 * path- and operation-level lists that plans point to. */
struct cache_server {
  struct cache_str url;
  uint32_t list;
  uint32_t pad;
};

/* A response example (product.md §8), resolved and mapped to Flow objects at compile time,
 * so the worker answers from it without parsing JSON. One record per plan with an example,
 * 8-aligned; every offset inside a record is relative to the record's start, so the
 * compiler builds it as one self-contained blob. Texts are NUL-terminated.
 *
 *   [struct cache_example][struct cache_example_object x nobjects]
 *   [struct cache_xstr x nobjects*nprops][texts]
 */
struct cache_xstr {
  uint32_t off;                 /* from the record's start; 0 = null (no value) */
  uint32_t len;
};

#define EX_F_LIST 0x1u          /* the example was a JSON array */

struct cache_example {
  uint32_t status;              /* the response the example stands for (200, 404, ...) */
  uint32_t type;                /* type index */
  uint32_t nobjects;            /* 2xx: the objects found in it (0 otherwise) */
  uint32_t nprops;              /* == the type's nprops */
  uint32_t flags;               /* EX_F_* */
  uint32_t objects;             /* offset of struct cache_example_object[nobjects] */
  uint32_t values;              /* offset of struct cache_xstr[nobjects * nprops]: each
                                   property's value as a list filter reads it (filter.h) */
  uint32_t pad;
  struct cache_xstr body;       /* the example's JSON text (a non-2xx responseBody) */
  struct cache_xstr response;   /* 2xx: the whole unfiltered ObjectDataResponse */
};

struct cache_example_object {
  struct cache_xstr mobject;    /* the MObject's JSON text, all properties */
  struct cache_xstr external_id;
};

/* Message actions (product.md §14), compiled by compile/actions.c, answered by
 * worker/action.c at POST /actions/<slug>. Each action's call is an ordinary plan (op
 * OP_ACTION) in CS_PLANS, built by the same code as CRUD calls: parameters bound by the
 * mark are PSRC_DEFAULT / PSRC_USER / PSRC_CONFIG, the others PSRC_INPUT (arg = the
 * input's developerName); the body comes from the input with in == CIN_BODY. The
 * DescribeServiceActionResponse itself is in CS_DESCRIBE (prebuilt). */
#define CA_F_EXPLICIT   0x1u    /* made an action by x-flow-action (not by `all`/--infer) */
#define CA_F_INFERRED   0x2u    /* made an action by --infer (issue 17) */

struct cache_action {
  struct cache_str slug;        /* uriPart without "actions/": "post-pets-id-adopt" */
  struct cache_str name;        /* developerName, for messages and --list */
  uint32_t plan;                /* index into CS_PLANS (op OP_ACTION) */
  uint32_t flags;               /* CA_F_* */
  uint32_t first_input, ninputs;        /* into CS_INPUTS, serviceInputs order */
  uint32_t first_outcome, noutcomes;    /* into CS_OUTCOMES, document order */
  int32_t response_type;        /* Response output of CT_OBJECT / CT_LIST: its type, else -1 */
  uint16_t response_ctype;      /* the Response output's enum cache_ctype; CT_NONE = no
                                   Response output (no 2xx JSON response schema) */
  uint16_t response_flags;      /* CP_* of a scalar Response (CP_INTEGER, CP_DATE, ...) */
};

#define CIN_BODY 0u             /* cache_input.in of the request body input */

#define CI_F_REQUIRED   0x01u   /* required (parameter's required, requestBody.required) */
#define CI_F_DEFAULT    0x02u   /* def holds the schema default, sent for an empty value */
#define CI_F_ARRAY      0x04u   /* array-of-scalar parameter: comma-separated text in,
                                   serialised per style/explode (CI_F_EXPLODE, CI_F_DELIM) */
#define CI_F_EXPLODE    0x08u   /* explode: true (query form: a=1&a=2) */
#define CI_F_JSON       0x10u   /* object parameter: a JSON text sent as it is */
#define CI_F_INTEGER    0x20u   /* integer schema (ContentNumber) */
#define CI_F_DATE       0x40u   /* format: date (ContentDateTime sent as YYYY-MM-DD) */
#define CI_F_TEXT       0x80u   /* CIN_BODY: text/plain, the scalar's text is the body */
#define CI_F_SECRET     0x100u  /* the parameter is a secret (format: password): masked */
#define CI_F_SPACE_DELIM 0x200u /* style spaceDelimited (CI_F_ARRAY) */
#define CI_F_PIPE_DELIM 0x400u  /* style pipeDelimited (CI_F_ARRAY) */

struct cache_input {
  struct cache_str name;        /* developerName ("id (path)", "Body", "Request Body") */
  struct cache_str param;       /* the API parameter's name; empty for CIN_BODY */
  uint16_t in;                  /* enum cache_param_in, or CIN_BODY */
  uint16_t ctype;               /* enum cache_ctype of the DescribeValue */
  uint32_t flags;               /* CI_F_* */
  int32_t type;                 /* CT_OBJECT / CT_LIST: the type index, else -1 */
  uint32_t pad;
  struct cache_str def;         /* CI_F_DEFAULT: the schema default as text (JSON text for
                                   CI_F_JSON, comma-separated for CI_F_ARRAY) */
};

/* One declared response of an action's operation (its `responses` keys), the names
 * §14.4's outcome levels 1-3 compare with. */
struct cache_outcome {
  uint32_t status;              /* 100..599; 1..5 for a class key ("4XX"); 0 = `default` */
  uint32_t pad;
  struct cache_str description; /* the response's description; empty = none */
};

/* An action's response example (§14.5): a struct cache_example record in CS_EXAMPLES like
 * a CRUD plan's, with type = UINT32_MAX, nobjects = nprops = 0, body = the example's
 * JSON text, and response = the ServiceResponse `outputs` array text, mapped at compile
 * time (Status Code; Response for a 2xx; Error Message and Response Body otherwise). */
#define CACHE_EXAMPLE_ACTION UINT32_MAX

#endif
