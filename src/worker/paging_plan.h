/* paging_plan.h - the page arithmetic and the decisions of a paging walk (product.md §12.1
 * end-of-list rules, §12.2 "Flow asks for one page", "Page sizes", "hasMoreResults",
 * "Limits").
 *
 * Role: the foundation of issue 14's load. Pure functions: no I/O, no allocation, no JSON.
 * The walk (the caller, wired in later) fetches the pages; it asks this module what to ask
 * for (paging_plan_make, paging_offset_step), whether the list goes on after each page
 * (paging_page_end), whether the first page showed a capped page size (paging_capped),
 * whether the next page may start (paging_may_start), what hasMoreResults says
 * (paging_has_more_results), and what to answer when a limit stops the walk
 * (paging_limit_outcome).
 *
 * Counts are uint64_t and saturate instead of wrapping, so a huge Flow offset or limit
 * can never turn into a small page number.
 */
#ifndef OAC_PAGING_PLAN_H
#define OAC_PAGING_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* §12.1's five styles. PAGING_NONE: no paging (Part 1's single call). */
enum paging_style {
  PAGING_NONE = 0,
  PAGING_OFFSET,
  PAGING_PAGE,
  PAGING_CURSOR,
  PAGING_NEXT_URL,
  PAGING_LINK
};

/* The paging settings as the compiler stores them (what the walk's decisions need; the
 * parameter names and answer paths live elsewhere). */
struct paging_settings {
  enum paging_style style;
  bool has_limit_param;        /* `limit`: the API takes a page size parameter */
  uint64_t max_limit;          /* `maxLimit`; 0 = unknown */
  uint64_t page_size;          /* `pageSize`: style page without a limit parameter; else 0 */
  int64_t first_page;          /* `firstPage`: style page, the number of the first page */
  bool has_more;               /* the answer carries `hasMore` */
  bool has_total;              /* the answer (or a header) carries `total` */
  bool cursor_from_items;      /* style cursor: `nextCursor` is read from the items
                                  (`data[-1].id`), so it is no sign that more exist */
};

/* Walking styles: each page's position comes from the previous answer (cursor, next URL,
 * Link), so a walk starts at the first page (or at an offsetToken's position). */
bool paging_style_walks(enum paging_style style);

/* Whether the answers of these settings say by themselves that more items exist: hasMore,
 * total, a next URL or link, or a next cursor not read from the items (§12.2). */
bool paging_api_signals_more(const struct paging_settings *ps);

/* One Flow request, as the walk sees it. */
struct paging_request {
  uint64_t offset;             /* Flow's listFilter.offset. With a token: offset and page
                                  styles give the token's raw list position here (API
                                  offset + consumed, or (page - firstPage) x page size +
                                  consumed); walking styles ignore it (token_skip counts) */
  uint64_t limit;              /* Flow's listFilter.limit; 0 = the whole list */
  bool local;                  /* something is applied locally: a criterion, search, sort */
  bool sort;                   /* a sort is applied locally (needs the whole list) */
  bool token;                  /* an offsetToken is used: the walk starts at its API
                                  position (cursor, next URL; offset and page styles: the
                                  position in OFFSET), even with a local filter */
  uint64_t token_skip;         /* with a token: items of its API page already consumed */
};

/* What to ask the API for. */
struct paging_plan {
  uint64_t ask;                /* page size to send in the limit parameter; 0 = send none
                                  (the API's default page) */
  uint64_t s;                  /* the page size the arithmetic uses (page style: the size
                                  asked for or pageSize); 0 = unknown */
  bool extra;                  /* one item more than Flow wants is asked for (limit + 1) */
  uint64_t want;               /* n: items wanted from the walk's position on, the extra
                                  one included (no local filter); 0 = to the end of the list */
  uint64_t matches_wanted;     /* local filter: offset + limit + 1 matches end the walk;
                                  0 = the whole list (no limit, or a sort) */
  bool walk;                   /* start at the first page (or the token's position) and
                                  follow the answers' pointers */
  uint64_t skip;               /* items of the first API page fetched to drop before the
                                  wanted ones (raw items: matches are counted by the caller) */
  int64_t first_page;          /* style page: the first page number to fetch */
  int64_t last_page;           /* style page: the last page number, when want > 0; else -1 */
  uint64_t api_offset;         /* style offset: the offset of the first request */
};

/* The plan of one Flow request. Page style needs s: the limit parameter or pageSize; with
 * neither (a compile error upstream) the plan walks from firstPage with no arithmetic. */
void paging_plan_make(const struct paging_settings *ps, const struct paging_request *rq,
                      struct paging_plan *out);

/* Style offset, and any style that sends a size: the size to send for the next request when
 * GOT items (raw, from the plan's first item) are already in hand: min(want - got,
 * maxLimit), or maxLimit / none for a walk to the end. 0 = send no size; also 0 when GOT
 * reached want (no request is needed). The next offset of style offset is the previous
 * request's offset + the items it received (§12.1: a short page does not end the walk). */
uint64_t paging_next_ask(const struct paging_settings *ps, const struct paging_plan *plan,
                         uint64_t got);

/* A yes/no/absent value from an answer. */
enum paging_tri { PAGING_ABSENT = 0, PAGING_NO, PAGING_YES };

/* What one answer page said. */
struct paging_page {
  uint64_t received;           /* items on this page */
  bool next_present;           /* a next URL, Link rel="next" or next cursor is present
                                  (missing, null and "" are absent) */
  enum paging_tri has_more;    /* hasMore (absent when the settings have none) */
  bool total_present;
  uint64_t total;
  uint64_t position;           /* list position after this page: the API offset the next
                                  page would start at (offset style: offset sent +
                                  received; otherwise the items of the list passed so far) */
};

enum paging_next { PAGING_CONTINUE = 0, PAGING_END };

/* §12.1's end-of-list decision after a page. */
enum paging_next paging_page_end(const struct paging_settings *ps, const struct paging_page *pg);

/* hasMoreResults of the answer (§12.2). */
struct paging_finish {
  uint64_t beyond;             /* items in hand after the last one returned (the extra
                                  item, the rest of a larger page) */
  bool list_ended;             /* paging_page_end said PAGING_END for the last page read */
  bool stopped_by_limit;       /* a limit of paging_may_start stopped the walk */
  const struct paging_page *last;  /* the last page read; NULL when none was read */
  uint64_t last_asked;         /* the page size asked for that page (0 = none sent) */
};

struct paging_more {
  bool more;                   /* hasMoreResults */
  bool exact;                  /* said by the API or by the items in hand; false = "the
                                  API returned a full page" */
};

void paging_has_more_results(const struct paging_settings *ps, const struct paging_finish *f,
                             struct paging_more *out);

/* The capped page size (§12.2 "Page sizes"): ASKED the page size asked for, FIRST the
 * items the walk's first page returned, NEXT the items of the page after it. True when the
 * API caps its page below ASKED: FIRST < ASKED, FIRST > 0 and NEXT > 0; then *REAL_SIZE is
 * FIRST (the walk continues with it, and the log suggests `maxLimit: <FIRST>`). False and
 * *REAL_SIZE = ASKED otherwise. Re-plan with max_limit = *REAL_SIZE. */
bool paging_capped(uint64_t asked, uint64_t first, uint64_t next, uint64_t *real_size);

/* The walk's limits (§12.2 "Limits"). */
enum paging_limit {
  PAGING_LIMIT_NONE = 0,
  PAGING_LIMIT_PAGES,          /* --max-pages */
  PAGING_LIMIT_BYTES,          /* 64 MiB of answers */
  PAGING_LIMIT_TIME            /* the request's upstream time budget */
};

#define PAGING_DEFAULT_MAX_PAGES 100u
#define PAGING_MAX_BYTES ((uint64_t)64 * 1024 * 1024)

struct paging_limits {
  uint64_t max_pages;          /* 0 = PAGING_DEFAULT_MAX_PAGES */
  uint64_t max_bytes;          /* 0 = PAGING_MAX_BYTES */
  int64_t budget_ms;           /* the request's upstream budget; <= 0 = no time limit */
  int64_t connect_timeout_ms;  /* a page is not started with less than this + 1 s left */
};

struct paging_usage {
  uint64_t pages;              /* pages fetched */
  uint64_t bytes;              /* answer bytes received */
  int64_t elapsed_ms;          /* time used of the budget */
  uint64_t items;              /* raw items read */
  uint64_t matches;            /* items that passed the local filter (= items without one) */
};

/* Whether the next page may start: PAGING_LIMIT_NONE, or the first limit reached, checked
 * in the order pages, bytes, time (pages >= --max-pages; bytes >= 64 MiB; less than
 * connect timeout + 1 s of the budget left). It applies to the first page too: the caller
 * decides what a load that read nothing answers. */
enum paging_limit paging_may_start(const struct paging_limits *lim, const struct paging_usage *u);

/* The bytes the next page may still read (0 when the byte limit is reached): the caller
 * caps the page's download with it, so the 64 MiB are never exceeded. */
uint64_t paging_bytes_left(const struct paging_limits *lim, const struct paging_usage *u);

/* The limit's name for messages: "the page limit (--max-pages)", "the 64 MiB answer
 * limit", "the request's time budget"; "no limit" for PAGING_LIMIT_NONE. */
const char *paging_limit_text(enum paging_limit l);

/* What the load was, for the consequences of a limit. */
struct paging_load {
  bool sort;                   /* a sort applied locally */
  bool filtered;               /* a criterion or search applied locally (counts matches) */
  uint64_t offset;             /* Flow's offset when no offsetToken is used; else 0 */
  bool by_id;                  /* a load by id served by walking the query (§5.3) */
  bool provided_objects;       /* filterByProvidedObjects */
};

enum paging_answer {
  PAGING_ANSWER_PARTIAL = 0,   /* 200: what the walk has, hasMoreResults true + offsetToken */
  PAGING_ANSWER_413,
  PAGING_ANSWER_504
};

struct paging_outcome {
  enum paging_answer answer;
  int status;                  /* 200, 413 or 504 */
  bool has_more_results;       /* PARTIAL: true */
  bool token;                  /* PARTIAL: an offsetToken resumes the walk */
};

/* The consequence of limit LIMIT (not NONE) reaching the walk of LOAD after USAGE; the
 * ServiceProblem's message (empty for a partial answer) goes to MSG[0..MSG_SIZE), cut to
 * fit and always NUL-terminated when MSG_SIZE > 0. LIM gives --max-pages for the text.
 * Order: a load by id, filterByProvidedObjects, a sort (pages, bytes: 413; time: 504), an
 * offset not yet passed (413), else the partial answer. */
void paging_limit_outcome(enum paging_limit limit, const struct paging_limits *lim,
                          const struct paging_load *load, const struct paging_usage *u,
                          struct paging_outcome *out, char *msg, size_t msg_size);

/* filterByProvidedObjects with more than --max-pages objects is a 413: true when COUNT
 * objects are too many for LIM, with the message in MSG. */
bool paging_provided_too_many(uint64_t count, const struct paging_limits *lim, char *msg,
                              size_t msg_size);

#endif
