/* paging.h - how an operation pages (product.md §12.1), decided at compile time: the
 * `paging` mark of x-flow-query / x-flow-load parsed and validated (paging_from_mark), or,
 * without a mark, inferred from the operation (paging_infer), or declared by a Part 1
 * binding of the `offset` token.
 *
 * Called by xflow.c (list_plan) once a list plan's parameters are parsed; the result is
 * stored in the plan's struct cache_paging (cache_write.c) and printed by --list.
 *
 * Paths into the answer are stored in answer_path.h's stored form (a JSON array text:
 * `data[-1].id` -> ["data",-1,"id"]). Every string lives in the model arena.
 */
#ifndef OAC_COMPILE_PAGING_H
#define OAC_COMPILE_PAGING_H

#include "types.h"
#include "../common/buf.h"

enum paging_style {
  PAGING_NONE = 0,              /* one API call (Part 1) */
  PAGING_OFFSET,
  PAGING_PAGE,
  PAGING_CURSOR,
  PAGING_NEXT_URL,
  PAGING_LINK
};

enum paging_origin {
  PAGING_FROM_NOTHING = 0,      /* no mark, nothing inferred */
  PAGING_FROM_MARK,             /* a `paging` mark */
  PAGING_FROM_BINDING,          /* a Part 1 binding of the `offset` token (§12.1) */
  PAGING_FROM_INFERENCE         /* inferred: --list says "(inferred)" */
};

struct model_paging {
  enum paging_style style;
  enum paging_origin origin;
  int inferred;                 /* origin == PAGING_FROM_INFERENCE */
  /* API query parameters (names as declared), NULL when not used */
  const char *limit;            /* the page size parameter */
  const char *offset;           /* style offset */
  const char *page;             /* style page */
  const char *cursor;           /* style cursor */
  long max_limit;               /* largest page; 0 = not known */
  long page_size;               /* style page without a limit parameter; 0 = none */
  long first_page;              /* style page: the first page's number (default 1) */
  int next_path_any;            /* next-url, link: `nextPath: any` */
  /* answer paths, stored form; NULL when not used */
  const char *next_cursor;      /* style cursor */
  int next_cursor_in_items;     /* next_cursor is read from the items (has an index step:
                                 * `data[-1].id`): no sign that more exist (§12.1) */
  const char *next;             /* style next-url */
  const char *has_more;         /* a boolean; false = the last page */
  const char *total;            /* the total count, from the answer */
  const char *total_header;     /* the total count, from this response header */
  /* inference: the other styles whose signs were seen, "offset, page" (NULL = none) */
  const char *also_seen;
  /* what --list prints: "paging: cursor via starting_after, from has_more (inferred)";
   * NULL for PAGING_NONE */
  const char *description;
};

/* Parse and validate MARK (the value of x-flow-query.paging / x-flow-load.paging) of plan
 * OP of type T. The plan's method, path, ext and parameters must be set (finish_plan).
 * API is the plan's OpenAPI operation (cc_find_op), or NULL (no parameter checks then).
 * Every error is reported at the offending node (FILE:LINE:COL). Returns OAC_OK with *OUT
 * filled, OAC_EDOC (diagnosed; *OUT is PAGING_NONE), OAC_ENOMEM (cc_oom done). */
enum oac_result paging_from_mark(struct cctx *c, int t, enum cache_op op,
                                 const struct api_op *api, const struct doc_node *mark,
                                 struct model_paging *out);

/* No mark: §12.1 "Without a paging mark...". A binding of the `offset` token declares
 * offset style (origin PAGING_FROM_BINDING); otherwise the signs are read in order and the
 * first complete style wins (origin PAGING_FROM_INFERENCE, also_seen). Two answer
 * properties of the same rank, or signs without a complete style: a warning at the
 * extension's key and PAGING_NONE. Returns OAC_OK (with or without paging) or OAC_ENOMEM. */
enum oac_result paging_infer(struct cctx *c, int t, enum cache_op op,
                             const struct api_op *api, struct model_paging *out);

/* Either of the above, as the plan says: the mark when `paging` is written, else the
 * inference (which also checks a mark written beside the limit/offset tokens). */
enum oac_result paging_plan(struct cctx *c, int t, enum cache_op op,
                            const struct api_op *api, struct model_paging *out);

/* The 2xx response schema of operation API (the lowest 2xx code, its JSON media type), and
 * that response object (for its headers). NULL when there is none. */
const struct doc_node *paging_response_schema(struct cctx *c, const struct api_op *api,
                                              const struct doc_node **response);

/* The style's word ("offset", "page", "cursor", "next-url", "link"; "none"). */
const char *paging_style_name(enum paging_style s);

/* P as one JSON object (tests, debugging): only the settings that are set; answer paths
 * as their stored arrays. */
void paging_to_json(const struct model_paging *p, struct buf *out);

#endif
