/* filter.c - list filters (filter.h): read a listFilter, apply what the API did not.
 *
 * Parsing turns column names into property indices once, so matching and sorting never
 * look at names. Matching and sorting read the objects through struct filter_src and
 * allocate nothing: the one thing that needs memory (the tables that keep a
 * case-insensitive substring search linear on long values) is prepared by filter_parse.
 */
#include "filter.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"

/* ------------------------------------------------------------------------------------ */
/* text helpers */

/* ASCII case folding: enough for Flow's enum words and for the case-insensitive string
 * criteria; other bytes (UTF-8 included) compare as they are. */
static inline unsigned char fold(char c)
{
  unsigned char u = (unsigned char)c;
  return u >= 'A' && u <= 'Z' ? (unsigned char)(u + ('a' - 'A')) : u;
}

static int ci_eqn(const char *a, const char *b, size_t n)
{
  for(size_t i = 0; i < n; i++)
    if(fold(a[i]) != fold(b[i]))
      return 0;
  return 1;
}

static int ci_cmp(const char *a, size_t an, const char *b, size_t bn)
{
  size_t n = an < bn ? an : bn;
  for(size_t i = 0; i < n; i++) {
    unsigned char x = fold(a[i]), y = fold(b[i]);
    if(x != y)
      return x < y ? -1 : 1;
  }
  return an < bn ? -1 : an > bn;
}

/* Knuth-Morris-Pratt failure table of the folded NEEDLE: a request may carry a long search
 * text and an answer long values, so a quadratic search would be a way to stall a worker. */
static size_t *kmp_table(struct arena *a, const char *needle, size_t n)
{
  if(!n || n > ((size_t)-1) / sizeof(size_t))
    return NULL;
  size_t *f = arena_alloc(a, n * sizeof(*f));
  if(!f)
    return NULL;
  size_t k = 0;
  f[0] = 0;
  for(size_t i = 1; i < n; i++) {
    while(k && fold(needle[i]) != fold(needle[k]))
      k = f[k - 1];
    if(fold(needle[i]) == fold(needle[k]))
      k++;
    f[i] = k;
  }
  return f;
}

/* Case-insensitive: does H contain N? With FAIL (kmp_table of N) in linear time. */
static int ci_contains(const char *h, size_t hn, const char *nd, size_t nn, const size_t *fail)
{
  if(!nn)
    return 1;
  if(nn > hn)
    return 0;
  if(!fail) {
    for(size_t i = 0; i + nn <= hn; i++)
      if(ci_eqn(h + i, nd, nn))
        return 1;
    return 0;
  }
  size_t k = 0;
  for(size_t i = 0; i < hn; i++) {
    while(k && fold(h[i]) != fold(nd[k]))
      k = fail[k - 1];
    if(fold(h[i]) == fold(nd[k]))
      k++;
    if(k == nn)
      return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------------------------ */
/* typed values */

/* A date-time as seconds since the epoch (UTC) plus the fraction's digits (no trailing
 * zeros), so that comparisons are exact at any precision. */
struct datetime {
  int64_t sec;
  const char *frac;
  size_t nfrac;
};

static int two_digits(const char *s, size_t n, size_t at, int *out)
{
  if(at + 2 > n || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9')
    return 0;
  *out = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return 1;
}

/* Days from 1970-01-01 to the proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
  static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if(m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return dm[m - 1];
}

/* ISO 8601 / RFC 3339: YYYY-MM-DD, optionally [T or space]HH:MM[:SS[.fraction]] and then
 * Z, +HH:MM, +HHMM or +HH. Without an offset the time is taken as UTC. */
static int datetime_parse(const char *s, size_t n, struct datetime *d)
{
  int y1, y2, mo, da, h = 0, mi = 0, se = 0;
  if(n < 10 || !two_digits(s, n, 0, &y1) || !two_digits(s, n, 2, &y2) || s[4] != '-' ||
     !two_digits(s, n, 5, &mo) || s[7] != '-' || !two_digits(s, n, 8, &da))
    return 0;
  int y = y1 * 100 + y2;
  if(mo < 1 || mo > 12 || da < 1 || da > days_in_month(y, mo))
    return 0;
  d->frac = NULL;
  d->nfrac = 0;
  int off = 0;
  size_t i = 10;
  if(i < n) {
    if(s[i] != 'T' && s[i] != 't' && s[i] != ' ')
      return 0;
    i++;
    if(!two_digits(s, n, i, &h) || i + 2 >= n || s[i + 2] != ':' ||
       !two_digits(s, n, i + 3, &mi))
      return 0;
    i += 5;
    if(i < n && s[i] == ':') {
      if(!two_digits(s, n, i + 1, &se))
        return 0;
      i += 3;
      if(i < n && (s[i] == '.' || s[i] == ',')) {
        d->frac = s + ++i;
        while(i < n && s[i] >= '0' && s[i] <= '9')
          i++;
        d->nfrac = (size_t)(s + i - d->frac);
        if(!d->nfrac)
          return 0;
      }
    }
    if(h > 23 || mi > 59 || se > 60)
      return 0;
    if(i < n) {
      if(s[i] == 'Z' || s[i] == 'z')
        i++;
      else if(s[i] == '+' || s[i] == '-') {
        int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
        if(!two_digits(s, n, ++i, &oh))
          return 0;
        i += 2;
        if(i < n && s[i] == ':') {
          if(!two_digits(s, n, i + 1, &om))
            return 0;
          i += 3;
        } else if(i < n) {
          if(!two_digits(s, n, i, &om))
            return 0;
          i += 2;
        }
        if(oh > 23 || om > 59)
          return 0;
        off = sign * (oh * 3600 + om * 60);
      } else
        return 0;
    }
    if(i != n)
      return 0;
  }
  while(d->nfrac && d->frac[d->nfrac - 1] == '0')
    d->nfrac--;
  d->sec = days_from_civil(y, mo, da) * 86400 + h * 3600 + mi * 60 + se - off;
  return 1;
}

int filter_datetime_valid(const char *s, size_t n)   /* message actions (issue 16) */
{
  struct datetime d;
  return datetime_parse(s, n, &d);
}

static int datetime_cmp(const struct datetime *a, const struct datetime *b)
{
  if(a->sec != b->sec)
    return a->sec < b->sec ? -1 : 1;
  size_t n = a->nfrac > b->nfrac ? a->nfrac : b->nfrac;
  for(size_t k = 0; k < n; k++) {
    char x = k < a->nfrac ? a->frac[k] : '0', y = k < b->nfrac ? b->frac[k] : '0';
    if(x != y)
      return x < y ? -1 : 1;
  }
  return 0;
}

/* A text read as a boolean ("True", "FALSE": case-insensitive). BT_FALSE < BT_TRUE, so
 * two booleans compare by their difference. */
enum bool_text { BT_NOT_BOOL, BT_FALSE, BT_TRUE };

static enum bool_text bool_parse(const char *s, size_t n)
{
  if(n == 4 && ci_eqn(s, "true", 4))
    return BT_TRUE;
  if(n == 5 && ci_eqn(s, "false", 5))
    return BT_FALSE;
  return BT_NOT_BOOL;
}

/* Compares two non-empty values by content type. *TYPED says whether both were read as
 * the type (number, date-time, boolean); otherwise values of the type come before other
 * texts, and two other texts compare case-insensitively. Keeping the typed ones apart
 * (rather than comparing a number with a word as text) keeps the order transitive, which a
 * sort needs. */
static int typed_cmp(unsigned ct, const char *a, size_t an, const char *b, size_t bn,
                     int *typed)
{
  int ka = 0, kb = 0, r = 0;
  *typed = 0;
  switch(ct) {
  case CT_NUMBER: {
    int ok;
    r = json_decimal_cmp(a, an, b, bn, &ok);
    if(ok) {
      *typed = 1;
      return r;
    }
    (void)json_decimal_cmp(a, an, "0", 1, &ka);
    (void)json_decimal_cmp(b, bn, "0", 1, &kb);
    break;
  }
  case CT_DATETIME: {
    struct datetime x, y;
    ka = datetime_parse(a, an, &x);
    kb = datetime_parse(b, bn, &y);
    if(ka && kb) {
      *typed = 1;
      return datetime_cmp(&x, &y);
    }
    break;
  }
  case CT_BOOLEAN: {
    enum bool_text x = bool_parse(a, an), y = bool_parse(b, bn);
    ka = x != BT_NOT_BOOL;
    kb = y != BT_NOT_BOOL;
    if(ka && kb) {
      *typed = 1;
      return (int)x - (int)y;
    }
    break;
  }
  default:
    break;
  }
  if(ka != kb)
    return ka ? -1 : 1;
  return ci_cmp(a, an, b, bn);
}

int filter_value_cmp(unsigned ctype, const char *a, size_t alen, const char *b, size_t blen)
{
  int ea = !a || !alen, eb = !b || !blen, typed;
  if(ea || eb)
    return ea == eb ? 0 : ea ? -1 : 1;
  return typed_cmp(ctype, a, alen, b, blen, &typed);
}

/* EQUAL on two non-empty values: strings (and anything without a typed reading) exactly,
 * as an API does it when the filter is pushed down (product.md §5.4); numbers, date-times
 * and booleans by value. */
static int values_equal(unsigned ct, const char *a, size_t an, const char *b, size_t bn)
{
  if(ct == CT_NUMBER || ct == CT_DATETIME || ct == CT_BOOLEAN) {
    int typed, r = typed_cmp(ct, a, an, b, bn, &typed);
    if(typed)
      return r == 0;
    if(ct == CT_BOOLEAN)
      return an == bn && ci_eqn(a, b, an);
  }
  return an == bn && !memcmp(a, b, an);
}

/* ------------------------------------------------------------------------------------ */
/* parsing */

static const char *const criteria_names[] = {
  [CR_EQUAL] = "EQUAL", [CR_NOT_EQUAL] = "NOT_EQUAL", [CR_GREATER_THAN] = "GREATER_THAN",
  [CR_GREATER_THAN_OR_EQUAL] = "GREATER_THAN_OR_EQUAL", [CR_LESS_THAN] = "LESS_THAN",
  [CR_LESS_THAN_OR_EQUAL] = "LESS_THAN_OR_EQUAL", [CR_CONTAINS] = "CONTAINS",
  [CR_STARTS_WITH] = "STARTS_WITH", [CR_ENDS_WITH] = "ENDS_WITH", [CR_IS_EMPTY] = "IS_EMPTY"
};

static enum criteria criteria_by_name(const char *s)
{
  for(size_t i = 1; i < sizeof(criteria_names) / sizeof(criteria_names[0]); i++)
    if(!strcasecmp(s, criteria_names[i]))
      return (enum criteria)i;
  /* The .NET engine's rule criteria: on a single column they mean equality. */
  if(!strcasecmp(s, "ALL_EQUAL") || !strcasecmp(s, "ANY_EQUAL"))
    return CR_EQUAL;
  return CR_NONE;
}

struct parse {
  struct cache *c;
  const struct cache_prop *props;
  uint32_t nprops;
  const char *tname;
  struct arena *a;
  struct problem *p;
};

/* The JSON path of a group, for messages: "listFilter", "listFilter.listFilters[0]", ...
 * Kept as a chain of stack frames and written out only when there is something to say. */
struct path {
  const struct path *up;
  size_t index;                 /* in the parent's listFilters */
};

static size_t path_render(const struct path *pa, char *out, size_t size)
{
  size_t n;
  if(!pa->up)
    n = (size_t)snprintf(out, size, "listFilter");
  else {
    n = path_render(pa->up, out, size);
    if(n < size)
      n += (size_t)snprintf(out + n, size - n, ".listFilters[%zu]", pa->index);
  }
  return n < size ? n : size - 1;
}

/* Property by name: exact match first (Flow sends the databaseFieldName as described),
 * else the one property that matches case-insensitively. -1 if none. */
static int find_prop(const struct parse *ps, const char *name)
{
  int ci = -1, nci = 0;
  for(uint32_t i = 0; i < ps->nprops; i++) {
    const char *pn = cache_str(ps->c, ps->props[i].name);
    if(!strcmp(pn, name))
      return (int)i;
    if(!strcasecmp(pn, name)) {
      ci = (int)i;
      nci++;
    }
  }
  return nci == 1 ? ci : -1;
}

static enum oac_result oom(struct problem *p)
{
  return problem_nomem(p, "out of memory");
}

/* A column name at FIELD ("where[1].columnName") of the group at PA: its property index
 * in *PROP, or OAC_EREFUSED with the 400 set. */
static enum oac_result column_prop(const struct parse *ps, const struct path *pa,
                                   const char *field, const char *name, int *prop)
{
  char at[512];
  *prop = find_prop(ps, name);
  if(*prop >= 0)
    return OAC_OK;
  path_render(pa, at, sizeof(at));
  return problem_set(ps->p, 400, "%s.%s '%.200s' is not a property of type '%s'", at, field,
                     name, ps->tname);
}

/* A scalar's text: strings as they are, numbers as written, booleans as true/false; NULL
 * for null and for objects / arrays. */
static const char *scalar_text(const cJSON *v, char *tmp, size_t size)
{
  if(cJSON_IsString(v))
    return v->valuestring;
  if(cJSON_IsBool(v))
    return cJSON_IsTrue(v) ? "true" : "false";
  if(cJSON_IsNumber(v)) {
    const char *t = json_num_text(v);
    if(t)
      return t;
    double x = v->valuedouble;   /* a node built in memory, not by json_parse */
    if(x > -9007199254740992.0 && x < 9007199254740992.0 && x == (double)(long long)x)
      snprintf(tmp, size, "%lld", (long long)x);
    else
      snprintf(tmp, size, "%.17g", x);
    return tmp;
  }
  return NULL;
}

static enum oac_result parse_where(const struct parse *ps, const struct path *pa, size_t i,
                                   const cJSON *j, struct lf_where *w)
{
  char at[512], field[64], tmp[64];
  const char *col = json_get_str(j, "columnName");
  snprintf(field, sizeof(field), "where[%zu].columnName", i);
  if(!col || !*col) {
    path_render(pa, at, sizeof(at));
    return problem_set(ps->p, 400, "%s.%s is empty: a where criterion needs a column", at,
                       field);
  }
  enum oac_result r = column_prop(ps, pa, field, col, &w->prop);
  if(r)
    return r;
  if(!(w->column = arena_strdup(ps->a, col)))
    return oom(ps->p);

  const char *ct = json_get_str(j, "criteriaType");
  if(!ct || !*ct) {
    path_render(pa, at, sizeof(at));
    return problem_set(ps->p, 400, "%s.where[%zu].criteriaType is empty (column '%.200s')",
                       at, i, col);
  }
  w->crit = criteria_by_name(ct);
  if(w->crit == CR_NONE) {
    path_render(pa, at, sizeof(at));
    return problem_set(ps->p, 400, "%s.where[%zu].criteriaType '%.100s' is not a criteria "
                       "type (EQUAL, NOT_EQUAL, GREATER_THAN, GREATER_THAN_OR_EQUAL, "
                       "LESS_THAN, LESS_THAN_OR_EQUAL, CONTAINS, STARTS_WITH, ENDS_WITH, "
                       "IS_EMPTY)", at, i, ct);
  }

  /* contentValue is the value; the deprecated `value` can disagree with it and counts
   * only when contentValue is absent (flow-protocol.md §12). A null contentValue is a
   * null criterion, not a reason to read `value`. */
  const cJSON *v = cJSON_GetObjectItem(j, "contentValue");
  if(!v)
    v = cJSON_GetObjectItem(j, "value");
  const char *text = scalar_text(v, tmp, sizeof(tmp));
  if(text && !(w->value = arena_strdup(ps->a, text)))
    return oom(ps->p);
  if(w->crit == CR_CONTAINS && w->value && *w->value &&
     !(w->fail = kmp_table(ps->a, w->value, strlen(w->value))))
    return oom(ps->p);
  return OAC_OK;
}

static enum oac_result parse_group(const struct parse *ps, const struct path *pa,
                                   const cJSON *j, struct lf_group *g, unsigned depth)
{
  char at[512];
  memset(g, 0, sizeof(*g));
  if(depth > JSON_MAX_DEPTH) {
    path_render(pa, at, sizeof(at));
    return problem_set(ps->p, 400, "%s: listFilters nested too deeply", at);
  }
  const char *ct = json_get_str(j, "comparisonType");
  if(ct && *ct && strcasecmp(ct, "AND")) {
    if(strcasecmp(ct, "OR")) {
      path_render(pa, at, sizeof(at));
      return problem_set(ps->p, 400, "%s.comparisonType '%.100s' is not AND or OR", at, ct);
    }
    g->is_or = 1;
  }

  const cJSON *where = json_get_array(j, "where");
  int nw = cJSON_GetArraySize(where);
  if(nw > 0) {
    if(!(g->where = arena_calloc(ps->a, (size_t)nw * sizeof(*g->where))))
      return oom(ps->p);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, where) {
      if(cJSON_IsObject(e)) {        /* null entries: nothing to apply */
        enum oac_result r = parse_where(ps, pa, i, e, &g->where[g->nwhere]);
        if(r)
          return r;
        g->nwhere++;
      }
      i++;
    }
  }

  const cJSON *groups = json_get_array(j, "listFilters");
  int ng = cJSON_GetArraySize(groups);
  if(ng > 0) {
    if(!(g->groups = arena_calloc(ps->a, (size_t)ng * sizeof(*g->groups))))
      return oom(ps->p);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, groups) {
      if(cJSON_IsObject(e)) {
        struct path sub = { pa, i };
        enum oac_result r = parse_group(ps, &sub, e, &g->groups[g->ngroups], depth + 1);
        if(r)
          return r;
        g->ngroups++;
      }
      i++;
    }
  }
  return OAC_OK;
}

/* "ASC" / "DESC" in any case; "" and null are ascending. */
static enum oac_result parse_direction(const struct parse *ps, const char *s,
                                       const char *field, int *desc)
{
  *desc = 0;
  if(!s || !*s || !strcasecmp(s, "ASC"))
    return OAC_OK;
  if(!strcasecmp(s, "DESC")) {
    *desc = 1;
    return OAC_OK;
  }
  return problem_set(ps->p, 400, "listFilter.%s '%.100s' is not ASC or DESC", field, s);
}

static void add_order(struct list_filter *f, int prop, int desc)
{
  for(size_t k = 0; k < f->norder; k++)
    if(f->order[k].prop == prop)
      return;                    /* the first mention of a column decides */
  f->order[f->norder].prop = prop;
  f->order[f->norder].desc = desc;
  f->norder++;
}

static enum oac_result parse_order(const struct parse *ps, const struct path *root,
                                   const cJSON *lf, struct list_filter *f)
{
  const char *col = json_get_str(lf, "orderByPropertyDeveloperName");
  const cJSON *ob = json_get_array(lf, "orderBy");
  int n = cJSON_GetArraySize(ob);
  if(!(f->order = arena_calloc(ps->a, (size_t)(n + 1) * sizeof(*f->order))))
    return oom(ps->p);
  enum oac_result r;
  if(col && *col) {
    int desc, prop;
    r = column_prop(ps, root, "orderByPropertyDeveloperName", col, &prop);
    if(!r)
      r = parse_direction(ps, json_get_str(lf, "orderByDirectionType"),
                          "orderByDirectionType", &desc);
    if(r)
      return r;
    add_order(f, prop, desc);
  }
  size_t i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, ob) {
    char field[64];
    const char *c = json_get_str(e, "columnName");
    if(c && *c) {                /* an entry without a column sorts by nothing */
      int desc, prop;
      snprintf(field, sizeof(field), "orderBy[%zu].columnName", i);
      if((r = column_prop(ps, root, field, c, &prop)))
        return r;
      snprintf(field, sizeof(field), "orderBy[%zu].direction", i);
      if((r = parse_direction(ps, json_get_str(e, "direction"), field, &desc)))
        return r;
      add_order(f, prop, desc);
    }
    i++;
  }
  return OAC_OK;
}

static enum oac_result parse_search(const struct parse *ps, const struct path *root,
                                    const cJSON *lf, struct list_filter *f)
{
  const char *s = json_get_str(lf, "search");
  if(s && *s) {
    if(!(f->search = arena_strdup(ps->a, s)) ||
       !(f->search_fail = kmp_table(ps->a, s, strlen(s))))
      return oom(ps->p);
  }
  const cJSON *sc = json_get_array(lf, "searchCriteria");
  size_t n = (size_t)cJSON_GetArraySize(sc);
  if(n < ps->nprops)
    n = ps->nprops;
  if(n && !(f->search_props = arena_alloc(ps->a, n * sizeof(*f->search_props))))
    return oom(ps->p);
  size_t i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, sc) {
    char field[64];
    const char *c = json_get_str(e, "columnName");
    if(c && *c) {
      snprintf(field, sizeof(field), "searchCriteria[%zu].columnName", i);
      int prop;
      enum oac_result r = column_prop(ps, root, field, c, &prop);
      if(r)
        return r;
      size_t k = 0;
      while(k < f->nsearch_props && f->search_props[k] != prop)
        k++;
      if(k == f->nsearch_props)
        f->search_props[f->nsearch_props++] = prop;
    }
    i++;
  }
  if(f->nsearch_props)
    f->search_restricted = 1;
  else
    for(uint32_t k = 0; k < ps->nprops; k++)
      if(ps->props[k].ctype == CT_STRING || ps->props[k].ctype == CT_CONTENT)
        f->search_props[f->nsearch_props++] = (int)k;
  return OAC_OK;
}

enum oac_result filter_parse(const cJSON *lf, struct cache *c, const struct cache_type *t,
                             struct arena *a, struct list_filter *out, struct problem *p)
{
  memset(out, 0, sizeof(*out));
  if(!cJSON_IsObject(lf))
    return OAC_OK;               /* null, absent (or not an object): no filter */
  out->present = 1;

  struct cache_error err;
  uint32_t nprops;
  const struct cache_prop *all = cache_section(c, CS_PROPS, &nprops, &err);
  if(!all || t->first_prop > nprops || t->nprops > nprops - t->first_prop)
    return problem_set(p, 500, "spec cache: %s", all ? "property range out of bounds"
                       : err.msg);
  struct parse ps = { c, all + t->first_prop, t->nprops, cache_str(c, t->name), a, p };
  struct path root = { NULL, 0 };

  const cJSON *id = json_get(lf, "id");
  char tmp[64];
  const char *idtext = cJSON_IsString(id) || cJSON_IsNumber(id)
                       ? scalar_text(id, tmp, sizeof(tmp)) : NULL;
  if(idtext && *idtext && !(out->id = arena_strdup(a, idtext)))
    return problem_nomem(p, "out of memory");

  enum oac_result r = parse_group(&ps, &root, lf, &out->root, 0);
  if(!r)
    r = parse_order(&ps, &root, lf, out);
  if(!r)
    r = parse_search(&ps, &root, lf, out);
  if(r)
    return r;                    /* P is set */

  /* Numbers or numeric strings (json_get_long); nothing negative reaches paging. */
  out->limit = json_get_long(lf, "limit", 0);
  out->offset = json_get_long(lf, "offset", 0);
  if(out->limit < 0)
    return problem_set(p, 400, "listFilter.limit must not be negative (it is %ld)",
                       out->limit);
  if(out->offset < 0)
    return problem_set(p, 400, "listFilter.offset must not be negative (it is %ld)",
                       out->offset);
  const char *token = json_get_str(lf, "offsetToken");
  if(token && *token && !(out->offset_token = arena_strdup(a, token)))
    return problem_nomem(p, "out of memory");
  out->provided_objects = json_get_bool(lf, "filterByProvidedObjects", 0);
  return OAC_OK;
}

/* ------------------------------------------------------------------------------------ */
/* matching */

static unsigned prop_ctype(const struct filter_src *src, int prop)
{
  return src->props ? src->props[prop].ctype : CT_STRING;
}

/* The value of PROP: 1 with its text, 0 (S = NULL) for null / absent. */
static int get_value(const struct filter_src *src, size_t item, int prop, const char **s,
                     size_t *n)
{
  *s = NULL;
  *n = 0;
  if(prop < 0 || !src->get(src->ctx, item, (uint32_t)prop, s, n)) {
    *s = NULL;
    *n = 0;
    return 0;
  }
  if(!*s) {
    *s = "";
    *n = 0;
  }
  return 1;
}

static int where_match(const struct lf_where *w, const struct filter_src *src, size_t item)
{
  const char *s, *c = w->value;
  size_t n, cn = c ? strlen(c) : 0;
  get_value(src, item, w->prop, &s, &n);
  int empty = !s || !n;
  unsigned ct = prop_ctype(src, w->prop);
  switch(w->crit) {
  case CR_NONE:
    return 1;
  case CR_IS_EMPTY:
    /* "true" (any case) asks for empty values; anything else for the others, as
     * service-sql's IS NULL / IS NOT NULL. */
    return (cn == 4 && ci_eqn(c, "true", 4)) == empty;
  case CR_CONTAINS:
    return !cn || (s && ci_contains(s, n, c, cn, w->fail));
  case CR_STARTS_WITH:
    return !cn || (s && n >= cn && ci_eqn(s, c, cn));
  case CR_ENDS_WITH:
    return !cn || (s && n >= cn && ci_eqn(s + n - cn, c, cn));
  case CR_EQUAL:
  case CR_NOT_EQUAL: {
    /* A null or empty criterion value asks for the empty values. */
    int eq = !cn ? empty : empty ? 0 : values_equal(ct, s, n, c, cn);
    return w->crit == CR_EQUAL ? eq : !eq;
  }
  case CR_GREATER_THAN:
  case CR_GREATER_THAN_OR_EQUAL:
  case CR_LESS_THAN:
  case CR_LESS_THAN_OR_EQUAL: {
    /* As in SQL: nothing is greater or less than a null, and a null is neither. */
    if(!cn || empty)
      return 0;
    int r = filter_value_cmp(ct, s, n, c, cn);
    return w->crit == CR_GREATER_THAN ? r > 0 : w->crit == CR_GREATER_THAN_OR_EQUAL ? r >= 0
           : w->crit == CR_LESS_THAN ? r < 0 : r <= 0;
  }
  }
  return 0;
}

/* A group's verdict on one object. GV_EMPTY when the group has nothing left to apply (all
 * pushed, or empty): such a group does not constrain an AND, and does not count as a
 * member of an OR. GV_FALSE is 0, so `!group_eval()` means "rejected". */
enum group_verdict { GV_FALSE, GV_TRUE, GV_EMPTY };

static enum group_verdict group_eval(const struct lf_group *g, const struct filter_src *src,
                                     size_t item)
{
  int any = 0;
  for(size_t i = 0; i < g->nwhere; i++) {
    if(g->where[i].pushed)
      continue;
    any = 1;
    int r = where_match(&g->where[i], src, item);
    if(g->is_or ? r : !r)
      return r ? GV_TRUE : GV_FALSE;
  }
  for(size_t i = 0; i < g->ngroups; i++) {
    enum group_verdict r = group_eval(&g->groups[i], src, item);
    if(r == GV_EMPTY)
      continue;
    any = 1;
    if(g->is_or ? r == GV_TRUE : r == GV_FALSE)
      return r;
  }
  if(!any)
    return GV_EMPTY;
  return g->is_or ? GV_FALSE : GV_TRUE;
}

static int search_match(const struct list_filter *f, const struct filter_src *src,
                        size_t item)
{
  size_t sn = strlen(f->search);
  for(size_t k = 0; k < f->nsearch_props; k++) {
    const char *s;
    size_t n;
    if(get_value(src, item, f->search_props[k], &s, &n) &&
       ci_contains(s, n, f->search, sn, f->search_fail))
      return 1;
  }
  return 0;
}

int filter_match(const struct list_filter *f, const struct filter_src *src, size_t item)
{
  if(!group_eval(&f->root, src, item))
    return 0;
  if(f->search && !f->search_pushed && !search_match(f, src, item))
    return 0;
  return 1;
}

static int group_is_local(const struct lf_group *g)
{
  if(g->ngroups)
    return 1;
  for(size_t i = 0; i < g->nwhere; i++)
    if(!g->where[i].pushed)
      return 1;
  return 0;
}

int filter_is_local(const struct list_filter *f)
{
  return group_is_local(&f->root) || (f->search && !f->search_pushed) ||
         (f->norder && !f->order_pushed);
}

/* ------------------------------------------------------------------------------------ */
/* sorting */

static int item_cmp(const struct list_filter *f, const struct filter_src *src, size_t x,
                    size_t y)
{
  for(size_t k = 0; k < f->norder; k++) {
    const char *a, *b;
    size_t an, bn;
    int prop = f->order[k].prop;
    get_value(src, x, prop, &a, &an);
    get_value(src, y, prop, &b, &bn);
    int r = filter_value_cmp(prop_ctype(src, prop), a, an, b, bn);
    if(r)
      return f->order[k].desc ? -r : r;
  }
  return 0;
}

/* One item's value of one sort column, read before sorting (filter_sort_keyed). */
struct sort_key {
  const char *s;
  size_t n;
};

struct sorter {
  const struct list_filter *f;
  const struct filter_src *src;
  const struct sort_key *keys;  /* [position * norder + column]; NULL = read at each compare */
};

static int sorter_cmp(const struct sorter *st, size_t x, size_t y)
{
  const struct list_filter *f = st->f;
  if(!st->keys)
    return item_cmp(f, st->src, x, y);
  for(size_t k = 0; k < f->norder; k++) {
    const struct sort_key *a = &st->keys[x * f->norder + k], *b = &st->keys[y * f->norder + k];
    int r = filter_value_cmp(prop_ctype(st->src, f->order[k].prop), a->s, a->n, b->s, b->n);
    if(r)
      return f->order[k].desc ? -r : r;
  }
  return 0;
}

/* Bottom-up merge sort: stable, n log n comparisons, no recursion, no allocation. */
static void merge_sort(const struct sorter *st, size_t *idx, size_t n, size_t *scratch)
{
  size_t *from = idx, *to = scratch;
  for(size_t width = 1; width < n; width = width > n / 2 ? n : 2 * width) {
    for(size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = n - lo > width ? lo + width : n;
      size_t hi = n - mid > width ? mid + width : n;
      size_t i = lo, j = mid, o = lo;
      while(i < mid && j < hi)
        to[o++] = sorter_cmp(st, from[j], from[i]) < 0 ? from[j++] : from[i++];
      while(i < mid)
        to[o++] = from[i++];
      while(j < hi)
        to[o++] = from[j++];
      if(n - lo <= 2 * width)
        break;
    }
    size_t *t = from;
    from = to;
    to = t;
  }
  if(from != idx)
    memcpy(idx, from, n * sizeof(*idx));
}

void filter_sort(const struct list_filter *f, const struct filter_src *src, size_t *idx,
                 size_t n, size_t *scratch)
{
  if(!f->norder || f->order_pushed || n < 2)
    return;
  struct sorter st = { f, src, NULL };
  merge_sort(&st, idx, n, scratch);
}

void filter_sort_keyed(const struct list_filter *f, const struct filter_src *src, size_t *idx,
                       size_t n, size_t *scratch, struct arena *a)
{
  if(!f->norder || f->order_pushed || n < 2)
    return;
  size_t nk = f->norder;
  struct sort_key *keys = n <= SIZE_MAX / sizeof(*keys) / nk ?
                          arena_alloc(a, n * nk * sizeof(*keys)) : NULL;
  size_t *items = keys ? arena_alloc(a, n * sizeof(*items)) : NULL;
  if(!items) {
    filter_sort(f, src, idx, n, scratch);        /* no memory: read at each comparison */
    return;
  }
  /* each item's values once; then sort positions 0..n-1 and map them back to items */
  for(size_t i = 0; i < n; i++) {
    items[i] = idx[i];
    for(size_t k = 0; k < nk; k++)
      get_value(src, idx[i], f->order[k].prop, &keys[i * nk + k].s, &keys[i * nk + k].n);
    idx[i] = i;
  }
  struct sorter st = { f, src, keys };
  merge_sort(&st, idx, n, scratch);
  for(size_t i = 0; i < n; i++)
    idx[i] = items[idx[i]];
}
