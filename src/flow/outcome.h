/* outcome.h - which wired outcome an action's answer selects (product.md §14.4). Pure: no
 * cache, no network; the worker (worker/action.c) gives it the final status after retries,
 * the operation's declared responses and the outcomes the ServiceRequest lists.
 *
 * The most specific name any wired outcome carries wins, tried in this order:
 *   1. the exact status ("404");
 *   2. its standard reason phrase (RFC 9110 / IANA, flow/http_status.h), never the wire's;
 *   3. the response's `description` in the document: the declared response for the
 *      status, else for its class key ("4XX"), else `default`;
 *   4. the class ("4xx");
 *   5. "success" or "ok" for a 2xx, "error" or "failed" otherwise.
 * Within a level the lowest `order` wins, then the earlier entry. Names are compared
 * trimmed and case-insensitively.
 */
#ifndef OAC_FLOW_OUTCOME_H
#define OAC_FLOW_OUTCOME_H

#include <stddef.h>

/* One outcome the builder wired (ServiceRequest outcomes[]). */
struct outcome_wired {
  const char *id;               /* its id (echoed as selectedOutcomeId); may be NULL */
  const char *name;             /* developerName; NULL = none (never selected) */
  long order;                   /* `order`; absent = OUTCOME_NO_ORDER */
};
#define OUTCOME_NO_ORDER 2147483647L

/* One declared response of the operation (cache_outcome): STATUS 100..599, 1..5 for a
 * class key, 0 for `default`; DESCRIPTION NULL or "" = none. */
struct outcome_declared {
  unsigned status;
  const char *description;
};

/* The index in WIRED of the outcome STATUS selects, or -1 for none. LEVEL (may be NULL)
 * gets the level (1..5) that matched, 0 for none. */
int outcome_select(unsigned status, const struct outcome_declared *decl, size_t ndecl,
                   const struct outcome_wired *wired, size_t nwired, int *level);

/* The declared description level 3 compares with: the response for STATUS, else its
 * class key, else `default`; NULL when none has one. */
const char *outcome_description(unsigned status, const struct outcome_declared *decl,
                                size_t ndecl);

#endif
