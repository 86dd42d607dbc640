/* filter.h - list filters: what Flow asks for, and what the worker applies itself
 * (product.md §5.4, flow-protocol.md §4.6, §6.3).
 *
 * filter_parse() reads a listFilter (tolerantly: nulls, missing and unknown keys, any key
 * case, "" enums) into a struct list_filter whose criteria name type properties by index.
 * The load operation decides what goes to the API (it sets `pushed` on the criteria it
 * sends, and the *_pushed flags); filter_match() / filter_sort() apply everything else to
 * the objects, which they read through a struct filter_src - so the same code filters an
 * upstream answer (cJSON) and, later, a response example stored in the cache.
 *
 * Semantics: AND / OR ("" or null = AND) over `where` and nested `listFilters` groups;
 * string CONTAINS / STARTS_WITH / ENDS_WITH case-insensitive (null or empty criterion
 * value matches everything); EQUAL / NOT_EQUAL on strings exact; values compare by the
 * property's content type (numbers exactly as decimals, date-times chronologically,
 * booleans false < true, strings case-insensitively for ordering criteria);
 * IS_EMPTY "true" = null / empty string / empty list, "false" = the opposite; `search` is
 * a case-insensitive substring OR-ed across the string properties (or the searchCriteria
 * columns) and AND-ed with the rest. Sorting is stable, empty values first ascending.
 *
 * Decisions the protocol leaves open:
 * - ALL_EQUAL / ANY_EQUAL (.NET engine rule criteria) are read as EQUAL.
 * - EQUAL with a null or "" value matches the empty values (NOT_EQUAL the others);
 *   GREATER/LESS_THAN(_OR_EQUAL) never match when either side is empty (SQL's NULL).
 * - IS_EMPTY: "true" in any case asks for empty values, any other value for non-empty ones
 *   (service-sql: IS NULL / IS NOT NULL).
 * - A value that does not read as the property's type (a word in a number property, a
 *   non-date in a date-time one) sorts after the typed values and compares as text with
 *   other such values: a total order, so sorting stays consistent.
 * - Date-times: ISO 8601 date, optionally with time, fraction and offset (Z, +HH:MM,
 *   +HHMM, +HH); no offset = UTC; a date alone = its midnight UTC.
 * - Column names match the property names exactly, else case-insensitively when exactly
 *   one property matches. An unknown comparisonType / direction is a 400, like an unknown
 *   criteriaType; a where entry without a column or criteriaType is a 400; orderBy and
 *   searchCriteria entries without a column are ignored.
 * - A group that has nothing left to apply (empty, or every criterion pushed) does not
 *   constrain its parent: true in an AND, not counted in an OR; the root then matches all.
 */
#ifndef OAC_FILTER_H
#define OAC_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "../cache/cache.h"
#include "../common/arena.h"
#include "problem.h"

enum criteria {
  CR_NONE = 0,
  CR_EQUAL, CR_NOT_EQUAL, CR_GREATER_THAN, CR_GREATER_THAN_OR_EQUAL, CR_LESS_THAN,
  CR_LESS_THAN_OR_EQUAL, CR_CONTAINS, CR_STARTS_WITH, CR_ENDS_WITH, CR_IS_EMPTY
};

struct lf_where {
  const char *column;           /* as sent (columnName) */
  int prop;                     /* index within the type's properties */
  enum criteria crit;
  const char *value;            /* contentValue (else value); NULL = null */
  int pushed;                   /* sent to the API: not applied locally */
  const size_t *fail;           /* filter_parse: KMP table of VALUE for CONTAINS (linear
                                   time on long values); NULL = plain search */
};

struct lf_group {
  int is_or;                    /* comparisonType OR */
  struct lf_where *where;
  size_t nwhere;
  struct lf_group *groups;      /* nested listFilters */
  size_t ngroups;
};

struct lf_order {
  int prop;
  int desc;
};

struct list_filter {
  int present;                  /* listFilter was an object */
  const char *id;               /* non-empty = load one object by external ID; else NULL */
  struct lf_group root;
  const char *search;           /* non-empty, else NULL */
  int *search_props;            /* the columns searched: the searchCriteria columns, else
                                   (filled in by filter_parse) every ContentString and
                                   ContentContent property; NULL = none matches */
  size_t nsearch_props;
  int search_restricted;        /* searchCriteria named the columns (an API's search
                                   parameter searching everything is then not equivalent) */
  const size_t *search_fail;    /* filter_parse: KMP table of SEARCH; NULL = plain search */
  struct lf_order *order;       /* orderByPropertyDeveloperName, then orderBy[] entries */
  size_t norder;
  long limit;                   /* 0 = none */
  long offset;
  const char *offset_token;     /* listFilter.offsetToken: non-empty, else NULL */
  int provided_objects;         /* listFilter.filterByProvidedObjects: true */
  int search_pushed, order_pushed, paging_pushed;   /* set by the load operation */
};

/* Parses LF (a listFilter object, or NULL/null = no filter) for type T of cache C. Every
 * string the result holds is copied into A (freed with it), so LF may go first. A
 * criterion, sort or search column that is not a property of the type, or an unknown
 * criteriaType, is a 400 naming it (with its position, e.g.
 * "listFilter.listFilters[0].where[1].columnName 'foo' is not a property of type 'Pet'").
 * limit / offset: numbers or numeric strings; a negative one is a 400 naming it (§12.2).
 * id: a non-empty string, or a number as its text. offsetToken: a non-empty string. OAC_OK, or OAC_EREFUSED with P set (400, or 500 out of memory). */
enum oac_result filter_parse(const cJSON *lf, struct cache *c, const struct cache_type *t,
                 struct arena *a, struct list_filter *out, struct problem *p);

/* How the filter reads the objects. get() returns 1 and the scalar's text (numbers as
 * written) for a value, 0 for null/absent; for an object or list property it returns 1
 * with "" and len 0 if empty ([] / {}), 1 with a non-empty placeholder otherwise. The text
 * must stay valid across further get() calls: a sort reads two values, then compares. */
struct filter_src {
  int (*get)(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len);
  void *ctx;
  const struct cache_prop *props;   /* the type's properties (for content types) */
};

/* Does ITEM pass everything not pushed to the API (where groups and search)? */
int filter_match(const struct list_filter *f, const struct filter_src *src, size_t item);

/* Anything left for the worker to do, apart from paging? */
int filter_is_local(const struct list_filter *f);

/* Sorts IDX[0..n) (item numbers) stably by the filter's order, unless order_pushed or no
 * order. SCRATCH has room for n entries. */
void filter_sort(const struct list_filter *f, const struct filter_src *src, size_t *idx,
                 size_t n, size_t *scratch);

/* filter_sort, reading each item's sort values once (into a table in A) rather than at
 * every comparison: for a source whose get() is not a plain table lookup (API objects).
 * get()'s texts must then stay valid for the whole sort. Without memory it reads at each
 * comparison, as filter_sort: the same order either way. */
void filter_sort_keyed(const struct list_filter *f, const struct filter_src *src, size_t *idx,
                       size_t n, size_t *scratch, struct arena *a);

/* Compares two values of content type CTYPE as product.md §5.4 orders them (NULL = empty,
 * which sorts first). Exposed for the tests. */
int filter_value_cmp(unsigned ctype, const char *a, size_t alen, const char *b, size_t blen);

/* Is S[0..n) an ISO 8601 / RFC 3339 date or date-time as the filters read it (YYYY-MM-DD,
 * optionally a time and an offset)? Message actions check ContentDateTime inputs with it
 * (product.md §14.3). */
int filter_datetime_valid(const char *s, size_t n);

#endif
