/* check_filter.c - list filters (src/flow/filter.h; product.md §5.4, flow-protocol.md
 * §4.6, §6.3): parsing, criteria by content type, AND/OR groups, search, sorting. The
 * real listFilters of the service-sql fixtures are checked by check_fixtures.c; the
 * data-driven cases of tests/data/filter/ by check_filter_cases.c.
 *
 * Every expectation below is worked out by hand from the specification, not copied from
 * the implementation's output. Most tests run over a C array of string rows. */
#include <check.h>
#include "check_main.h"
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "test_cache.h"
#include "common/arena.h"
#include "common/mem.h"
#include "flow/filter.h"
#include "flow/json.h"

/* ------------------------------------------------------------------------------------ */
/* the test type and rows */

static const char *const pet_yaml =
  "openapi: 3.0.3\n"
  "info: {title: filter tests, version: '1'}\n"
  "servers: [{url: 'http://127.0.0.1:3000'}]\n"
  "paths: {}\n"
  "components:\n"
  "  schemas:\n"
  "    Pet:\n"
  "      x-flow-type: {name: Pet}\n"
  "      type: object\n"
  "      properties:\n"
  "        id: {type: integer}\n"
  "        name: {type: string}\n"
  "        price: {type: number}\n"
  "        born: {type: string, format: date-time}\n"
  "        active: {type: boolean}\n"
  "        tags: {type: array, items: {type: string}}\n"
  "        note: {type: string}\n"
  "        secret: {type: string, format: password}\n"
  "        kind: {type: string}\n"
  "        Kind: {type: string}\n";

enum col { C_ID, C_NAME, C_PRICE, C_BORN, C_ACTIVE, C_TAGS, C_NOTE, C_SECRET, C_KIND, C_KIND2,
           NCOL };
static const char *const col_names[NCOL] = {
  "id", "name", "price", "born", "active", "tags", "note", "secret", "kind", "Kind"
};

typedef const char *row_t[NCOL];

/* A list property reads as "" when empty and as a placeholder otherwise (filter_src). */
static const row_t pets[] = {
  { "1", "Rex", "10.5", "2020-01-01T00:00:00Z", "true", "[list]", "Good dog", "rexsecret",
    "dog", "Dog" },
  { "2", "rex", "9.99", "2020-01-01T01:00:00+01:00", "False", "", NULL, NULL, NULL, NULL },
  { "3", "Alpha", "123456789012345678.99", "2019-12-31T23:59:59.5Z", "True", NULL, "", "x",
    NULL, NULL },
  { "4", NULL, "123456789012345678.98", NULL, NULL, "[list]", "alpha beta", NULL, NULL,
    NULL },
  { "5", "Bravo", "1e3", "2021-06-15", "false", "", "REX the second", NULL, NULL, NULL },
  { "-6", "", "-2", "2019-12-31T19:00:00-05:00", "TRUE", NULL, NULL, NULL, NULL, NULL },
};

struct table {
  const row_t *rows;
  size_t n;
};
static const struct table pet_table = { pets, sizeof(pets) / sizeof(pets[0]) };

static struct cache *cache;
static const struct cache_type *pet;
static const struct cache_prop *pet_props;
static int colmap[64];                  /* property index -> column, -1 = none */
static int propof[NCOL];                /* column -> property index */

static struct arena ar;
static struct list_filter lf;
static struct problem pb;
static cJSON *doc;

static int table_get(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len)
{
  const struct table *t = ctx;
  ck_assert_uint_lt(item, t->n);
  ck_assert_uint_lt(prop, pet->nprops);
  int c = colmap[prop];
  const char *v = c >= 0 ? t->rows[item][c] : NULL;
  if(!v)
    return 0;
  *s = v;
  *len = strlen(v);
  return 1;
}

static struct filter_src src_of(const struct table *t)
{
  struct filter_src s = { table_get, (void *)t, pet_props };
  return s;
}

static void setup(void)
{
  struct cache_error err;
  uint32_t n;
  cache = test_cache_compile(pet_yaml, NULL);
  pet = cache_type_at(cache, test_cache_type(cache, "Pet"), &err);
  ck_assert_ptr_nonnull(pet);
  const struct cache_prop *all = cache_section(cache, CS_PROPS, &n, &err);
  ck_assert_ptr_nonnull(all);
  pet_props = all + pet->first_prop;
  ck_assert_uint_le(pet->nprops, 64);
  for(int c = 0; c < NCOL; c++)
    propof[c] = -1;
  for(uint32_t i = 0; i < pet->nprops; i++) {
    colmap[i] = -1;
    for(int c = 0; c < NCOL; c++)
      if(!strcmp(cache_str(cache, pet_props[i].name), col_names[c])) {
        colmap[i] = c;
        propof[c] = (int)i;
      }
  }
  for(int c = 0; c < NCOL; c++)
    ck_assert_msg(propof[c] >= 0, "property %s missing from the test type", col_names[c]);
  arena_init(&ar, 0);
  doc = NULL;
}

static void teardown(void)
{
  cJSON_Delete(doc);
  doc = NULL;
  arena_free(&ar);
  test_cache_free(cache);
}

/* Parses JSON (NULL = no listFilter at all) as the listFilter of a Pet request. */
static int parse(const char *json)
{
  struct json_error je;
  cJSON_Delete(doc);
  doc = NULL;
  if(json)
    ck_assert_msg(json_parse(json, strlen(json), &doc, &je) == OAC_OK, "bad test JSON: %s",
                  json);
  memset(&pb, 0, sizeof(pb));
  return filter_parse(doc, cache, pet, &ar, &lf, &pb);
}

static void parse_ok(const char *json)
{
  int r = parse(json);
  ck_assert_msg(r == 0, "filter_parse(%s) failed: %d %s", json, pb.status, pb.msg);
}

static void parse_fails(const char *json, const char *want)
{
  int r = parse(json);
  ck_assert_msg(r == OAC_EREFUSED, "filter_parse(%s) should fail", json);
  ck_assert_int_eq(pb.status, 400);
  ck_assert_msg(strstr(pb.msg, want), "message '%s' lacks '%s'", pb.msg, want);
}

/* The items of T that match the parsed filter, as "0 2 5". */
static const char *matching(const struct table *t)
{
  static char out[512];
  struct filter_src s = src_of(t);
  size_t o = 0;
  out[0] = 0;
  for(size_t i = 0; i < t->n; i++)
    if(filter_match(&lf, &s, i))
      o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%zu", o ? " " : "", i);
  return out;
}

static const char *sel(const char *json)
{
  parse_ok(json);
  return matching(&pet_table);
}

/* One where criterion on the pets; VAL NULL = a null contentValue. */
static const char *sel1(const char *col, const char *crit, const char *val)
{
  char json[512];
  if(val)
    snprintf(json, sizeof(json), "{\"comparisonType\":\"AND\",\"where\":[{\"columnName\":"
             "\"%s\",\"criteriaType\":\"%s\",\"contentValue\":\"%s\"}]}", col, crit, val);
  else
    snprintf(json, sizeof(json), "{\"comparisonType\":\"AND\",\"where\":[{\"columnName\":"
             "\"%s\",\"criteriaType\":\"%s\",\"contentValue\":null}]}", col, crit);
  return sel(json);
}

/* The pets in the order filter_sort gives for the parsed filter. */
static const char *sorted_table(const struct table *t)
{
  static char out[512];
  size_t idx[64], scratch[64], o = 0;
  ck_assert_uint_le(t->n, 64);
  for(size_t i = 0; i < t->n; i++)
    idx[i] = i;
  struct filter_src s = src_of(t);
  filter_sort(&lf, &s, idx, t->n, scratch);
  /* filter_sort_keyed (values read once) gives the same order, also on a subset of the
   * items in another order (a load sorts the items its filter kept) */
  size_t kidx[64], sub[64], ksub[64], nsub = 0;
  for(size_t i = 0; i < t->n; i++)
    kidx[i] = i;
  filter_sort_keyed(&lf, &s, kidx, t->n, scratch, &ar);
  ck_assert(!memcmp(idx, kidx, t->n * sizeof(*idx)));
  for(size_t i = t->n; i-- > 0;)
    if(i % 3 != 1)
      sub[nsub] = ksub[nsub] = i, nsub++;
  filter_sort(&lf, &s, sub, nsub, scratch);
  filter_sort_keyed(&lf, &s, ksub, nsub, scratch, &ar);
  ck_assert(!memcmp(sub, ksub, nsub * sizeof(*sub)));
  out[0] = 0;
  for(size_t i = 0; i < t->n; i++)
    o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%zu", i ? " " : "", idx[i]);
  return out;
}

static const char *sorted(const char *json)
{
  parse_ok(json);
  return sorted_table(&pet_table);
}

static int cmp_values(unsigned ct, const char *a, const char *b)
{
  return filter_value_cmp(ct, a, a ? strlen(a) : 0, b, b ? strlen(b) : 0);
}
#define CMP cmp_values

/* ------------------------------------------------------------------------------------ */
/* criteria */

START_TEST(test_string_criteria)
{
  ck_assert_str_eq(sel1("name", "EQUAL", "Rex"), "0");           /* exact, case-sensitive */
  ck_assert_str_eq(sel1("name", "EQUAL", "rex"), "1");
  ck_assert_str_eq(sel1("name", "EQUAL", "REX"), "");
  ck_assert_str_eq(sel1("name", "NOT_EQUAL", "Rex"), "1 2 3 4 5");
  ck_assert_str_eq(sel1("name", "GREATER_THAN", "bravo"), "0 1");   /* case-insensitive */
  ck_assert_str_eq(sel1("name", "GREATER_THAN_OR_EQUAL", "bravo"), "0 1 4");
  ck_assert_str_eq(sel1("name", "LESS_THAN", "bravo"), "2");        /* empties never */
  ck_assert_str_eq(sel1("name", "LESS_THAN_OR_EQUAL", "BRAVO"), "2 4");
  ck_assert_str_eq(sel1("name", "CONTAINS", "EX"), "0 1");
  ck_assert_str_eq(sel1("name", "STARTS_WITH", "aL"), "2");
  ck_assert_str_eq(sel1("name", "ENDS_WITH", "VO"), "4");
  ck_assert_str_eq(sel1("name", "ENDS_WITH", "longer than any name"), "");
  ck_assert_str_eq(sel1("note", "CONTAINS", "E"), "3 4");            /* nulls and "" never */
  ck_assert_str_eq(sel1("note", "CONTAINS", "the sec"), "4");
  ck_assert_str_eq(sel1("note", "CONTAINS", "ab"), "");
}
END_TEST

START_TEST(test_empty_criterion_values)
{
  /* CONTAINS / STARTS_WITH / ENDS_WITH: a null or empty value matches everything, nulls
   * included (service-sql fixture conditions-null). */
  ck_assert_str_eq(sel1("name", "CONTAINS", NULL), "0 1 2 3 4 5");
  ck_assert_str_eq(sel1("name", "CONTAINS", ""), "0 1 2 3 4 5");
  ck_assert_str_eq(sel1("note", "STARTS_WITH", NULL), "0 1 2 3 4 5");
  ck_assert_str_eq(sel1("note", "ENDS_WITH", ""), "0 1 2 3 4 5");
  /* EQUAL null asks for the empty values, NOT_EQUAL null for the others. */
  ck_assert_str_eq(sel1("name", "EQUAL", NULL), "3 5");
  ck_assert_str_eq(sel1("name", "EQUAL", ""), "3 5");
  ck_assert_str_eq(sel1("name", "NOT_EQUAL", NULL), "0 1 2 4");
  /* Ordering criteria against a null compare with nothing. */
  ck_assert_str_eq(sel1("name", "GREATER_THAN", NULL), "");
  ck_assert_str_eq(sel1("price", "LESS_THAN_OR_EQUAL", ""), "");
}
END_TEST

START_TEST(test_is_empty)
{
  ck_assert_str_eq(sel1("name", "IS_EMPTY", "true"), "3 5");
  ck_assert_str_eq(sel1("name", "IS_EMPTY", "True"), "3 5");    /* as the postgres fixture */
  ck_assert_str_eq(sel1("name", "IS_EMPTY", "false"), "0 1 2 4");
  ck_assert_str_eq(sel1("name", "IS_EMPTY", "FALSE"), "0 1 2 4");
  ck_assert_str_eq(sel1("active", "IS_EMPTY", "TRUE"), "3");
  /* Lists: [] and null are empty. */
  ck_assert_str_eq(sel1("tags", "IS_EMPTY", "true"), "1 2 4 5");
  ck_assert_str_eq(sel1("tags", "IS_EMPTY", "false"), "0 3");
}
END_TEST

START_TEST(test_number_criteria)
{
  ck_assert_str_eq(sel1("price", "EQUAL", "1000"), "4");            /* 1e3 */
  ck_assert_str_eq(sel1("price", "EQUAL", "10.50"), "0");
  ck_assert_str_eq(sel1("price", "NOT_EQUAL", "1000.0"), "0 1 2 3 5");
  /* Beyond double precision: 123456789012345678.99 vs .98 */
  ck_assert_str_eq(sel1("price", "EQUAL", "123456789012345678.98"), "3");
  ck_assert_str_eq(sel1("price", "GREATER_THAN", "123456789012345678.98"), "2");
  ck_assert_str_eq(sel1("price", "GREATER_THAN_OR_EQUAL", "1E3"), "2 3 4");
  ck_assert_str_eq(sel1("price", "LESS_THAN", "0"), "5");
  ck_assert_str_eq(sel1("price", "LESS_THAN_OR_EQUAL", "-2"), "5");
  ck_assert_str_eq(sel1("price", "LESS_THAN", "10"), "1 5");         /* not "10" < "9.99" */
  ck_assert_str_eq(sel1("id", "EQUAL", "1.0"), "0");
  ck_assert_str_eq(sel1("id", "LESS_THAN", "-5.5"), "5");
  ck_assert_str_eq(sel1("id", "GREATER_THAN", "4"), "4");
  ck_assert_str_eq(sel1("id", "CONTAINS", "-"), "5");                /* the string form */
}
END_TEST

START_TEST(test_datetime_criteria)
{
  /* Rows 0, 1 and 5 are the same instant written with offsets Z, +01:00 and -05:00. */
  ck_assert_str_eq(sel1("born", "EQUAL", "2020-01-01T00:00:00Z"), "0 1 5");
  ck_assert_str_eq(sel1("born", "EQUAL", "2020-01-01T01:00:00+01:00"), "0 1 5");
  ck_assert_str_eq(sel1("born", "EQUAL", "2020-01-01"), "0 1 5");   /* midnight UTC */
  ck_assert_str_eq(sel1("born", "NOT_EQUAL", "2020-01-01T00:00:00Z"), "2 3 4");
  ck_assert_str_eq(sel1("born", "GREATER_THAN", "2020-01-01"), "4");
  ck_assert_str_eq(sel1("born", "LESS_THAN", "2020-01-01T00:00:00+00:00"), "2");
  ck_assert_str_eq(sel1("born", "LESS_THAN", "2019-12-31T23:59:59.5Z"), "");
  ck_assert_str_eq(sel1("born", "LESS_THAN_OR_EQUAL", "2019-12-31T23:59:59.500Z"), "2");
  ck_assert_str_eq(sel1("born", "GREATER_THAN", "2019-12-31T23:59:59.4999Z"), "0 1 2 4 5");
  ck_assert_str_eq(sel1("born", "STARTS_WITH", "2020"), "0 1");       /* the string form */
}
END_TEST

START_TEST(test_boolean_criteria)
{
  ck_assert_str_eq(sel1("active", "EQUAL", "True"), "0 2 5");
  ck_assert_str_eq(sel1("active", "EQUAL", "FALSE"), "1 4");
  ck_assert_str_eq(sel1("active", "NOT_EQUAL", "true"), "1 3 4");
  ck_assert_str_eq(sel1("active", "GREATER_THAN", "false"), "0 2 5"); /* false < true */
  ck_assert_str_eq(sel1("active", "LESS_THAN", "true"), "1 4");
  ck_assert_str_eq(sel1("active", "GREATER_THAN_OR_EQUAL", "False"), "0 1 2 4 5");
}
END_TEST

START_TEST(test_value_cmp)
{
  /* empties first, NULL and "" alike */
  ck_assert_int_lt(CMP(CT_STRING, NULL, "a"), 0);
  ck_assert_int_gt(CMP(CT_NUMBER, "-100", ""), 0);
  ck_assert_int_eq(CMP(CT_STRING, "", NULL), 0);
  /* strings: case-insensitive order */
  ck_assert_int_lt(CMP(CT_STRING, "a", "B"), 0);
  ck_assert_int_gt(CMP(CT_STRING, "b", "A"), 0);
  ck_assert_int_eq(CMP(CT_STRING, "abc", "ABC"), 0);
  ck_assert_int_lt(CMP(CT_STRING, "ab", "abc"), 0);
  ck_assert_int_gt(CMP(CT_STRING, "9", "10"), 0);                  /* text, not numbers */
  /* numbers: by value, exactly */
  ck_assert_int_lt(CMP(CT_NUMBER, "9", "10"), 0);
  ck_assert_int_eq(CMP(CT_NUMBER, "1e3", "1000"), 0);
  ck_assert_int_eq(CMP(CT_NUMBER, "1000", "1.000E+3"), 0);
  ck_assert_int_gt(CMP(CT_NUMBER, "123456789012345678.99", "123456789012345678.98"), 0);
  ck_assert_int_gt(CMP(CT_NUMBER, "-2", "-10"), 0);
  ck_assert_int_lt(CMP(CT_NUMBER, "-0.5", "0"), 0);
  ck_assert_int_lt(CMP(CT_NUMBER, "5", "abc"), 0);      /* numbers before other texts */
  ck_assert_int_lt(CMP(CT_NUMBER, "abc", "ABD"), 0);
  /* date-times: chronologically */
  ck_assert_int_eq(CMP(CT_DATETIME, "2020-01-01T01:00:00+01:00", "2020-01-01T00:00:00Z"), 0);
  ck_assert_int_eq(CMP(CT_DATETIME, "2020-01-01T01:00:00+0100", "2020-01-01T00:00:00Z"), 0);
  ck_assert_int_eq(CMP(CT_DATETIME, "2020-01-01T00:00:00+01", "2019-12-31T23:00:00Z"), 0);
  ck_assert_int_gt(CMP(CT_DATETIME, "2020-01-01T00:00:00-05:00", "2020-01-01T04:59:59Z"), 0);
  ck_assert_int_lt(CMP(CT_DATETIME, "2020-01-01T09:00:00+09:00", "2020-01-01T01:00:00Z"), 0);
  ck_assert_int_eq(CMP(CT_DATETIME, "2020-01-01", "2020-01-01T00:00Z"), 0);
  ck_assert_int_eq(CMP(CT_DATETIME, "2020-01-01T00:00:00", "2020-01-01T00:00:00Z"), 0);
  ck_assert_int_gt(CMP(CT_DATETIME, "2020-01-01T00:00:00.1Z", "2020-01-01T00:00:00Z"), 0);
  ck_assert_int_eq(CMP(CT_DATETIME, "2020-01-01T00:00:00.10Z", "2020-01-01T00:00:00.1Z"), 0);
  ck_assert_int_lt(CMP(CT_DATETIME, "2020-01-01T00:00:00.09Z", "2020-01-01T00:00:00.1Z"), 0);
  ck_assert_int_lt(CMP(CT_DATETIME, "1969-12-31T23:59:59Z", "1970-01-01"), 0);
  ck_assert_int_lt(CMP(CT_DATETIME, "2000-02-29", "2000-03-01"), 0);
  /* not dates (1900 is no leap year; no 13th month): after every date, among themselves
   * as text */
  ck_assert_int_gt(CMP(CT_DATETIME, "1900-02-29", "2100-01-01"), 0);
  ck_assert_int_gt(CMP(CT_DATETIME, "2020-13-01", "2100-01-01"), 0);
  ck_assert_int_lt(CMP(CT_DATETIME, "later", "soon"), 0);
  /* booleans: false before true, any case */
  ck_assert_int_lt(CMP(CT_BOOLEAN, "false", "TRUE"), 0);
  ck_assert_int_eq(CMP(CT_BOOLEAN, "True", "true"), 0);
  ck_assert_int_gt(CMP(CT_BOOLEAN, "true", "False"), 0);
}
END_TEST

START_TEST(test_unparseable_date_equal_is_exact)
{
  /* A date-time property holding something that is not a date compares as text. */
  static const row_t rows[] = {
    { "1", NULL, NULL, "sometime", NULL, NULL, NULL, NULL, NULL, NULL },
    { "2", NULL, NULL, "Sometime", NULL, NULL, NULL, NULL, NULL, NULL },
  };
  static const struct table t = { rows, 2 };
  parse_ok("{\"where\":[{\"columnName\":\"born\",\"criteriaType\":\"EQUAL\","
           "\"contentValue\":\"sometime\"}]}");
  ck_assert_str_eq(matching(&t), "0");
}
END_TEST

/* ------------------------------------------------------------------------------------ */
/* groups */

START_TEST(test_and_or)
{
  /* name CONTAINS r: 0 1 4; price > 10: 0 2 3 4 */
  ck_assert_str_eq(sel("{\"comparisonType\":\"AND\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"CONTAINS\",\"contentValue\":\"r\"},"
                       "{\"columnName\":\"price\",\"criteriaType\":\"GREATER_THAN\",\"contentValue\":\"10\"}]}"),
                   "0 4");
  ck_assert_str_eq(sel("{\"comparisonType\":\"OR\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"CONTAINS\",\"contentValue\":\"r\"},"
                       "{\"columnName\":\"price\",\"criteriaType\":\"GREATER_THAN\",\"contentValue\":\"10\"}]}"),
                   "0 1 2 3 4");
  /* "" and null combine as AND */
  ck_assert_str_eq(sel("{\"comparisonType\":\"\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"CONTAINS\",\"contentValue\":\"r\"},"
                       "{\"columnName\":\"price\",\"criteriaType\":\"GREATER_THAN\",\"contentValue\":\"10\"}]}"),
                   "0 4");
  ck_assert_str_eq(sel("{\"comparisonType\":null,\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Alpha\"},"
                       "{\"columnName\":\"price\",\"criteriaType\":\"LESS_THAN\",\"contentValue\":\"0\"}]}"),
                   "");
  ck_assert_str_eq(sel("{\"comparisonType\":\"or\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Alpha\"},"
                       "{\"columnName\":\"price\",\"criteriaType\":\"LESS_THAN\",\"contentValue\":\"0\"}]}"),
                   "2 5");
  /* no criteria at all: everything */
  ck_assert_str_eq(sel("{\"comparisonType\":\"OR\",\"where\":[]}"), "0 1 2 3 4 5");
  ck_assert_str_eq(sel("{}"), "0 1 2 3 4 5");
}
END_TEST

START_TEST(test_nested_groups)
{
  /* AND of ORs: (name = Rex or name = Bravo) and (active = true or note contains second)
   * = {0,4} and {0,2,5,4} = {0,4}; with id > 1 in the root as well: {4}. */
  const char *and_of_ors =
    "{\"comparisonType\":\"AND\",\"where\":[],\"listFilters\":["
    "{\"comparisonType\":\"OR\",\"where\":["
    "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Rex\"},"
    "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Bravo\"}]},"
    "{\"comparisonType\":\"OR\",\"where\":["
    "{\"columnName\":\"active\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"true\"},"
    "{\"columnName\":\"note\",\"criteriaType\":\"CONTAINS\",\"contentValue\":\"second\"}]}]}";
  ck_assert_str_eq(sel(and_of_ors), "0 4");
  ck_assert_uint_eq(lf.root.ngroups, 2);
  ck_assert(lf.root.groups[0].is_or);
  ck_assert_uint_eq(lf.root.groups[1].nwhere, 2);
  ck_assert_str_eq(sel("{\"comparisonType\":\"AND\",\"where\":["
                       "{\"columnName\":\"id\",\"criteriaType\":\"GREATER_THAN\",\"contentValue\":\"1\"}],"
                       "\"listFilters\":["
                       "{\"comparisonType\":\"OR\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Rex\"},"
                       "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Bravo\"}]},"
                       "{\"comparisonType\":\"OR\",\"where\":["
                       "{\"columnName\":\"active\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"true\"},"
                       "{\"columnName\":\"note\",\"criteriaType\":\"CONTAINS\",\"contentValue\":\"second\"}]}]}"),
                   "4");
  /* OR of ANDs: (active = false and price > 100) or (name starts with r and born = 2020-01-01)
   * = {4} or {0,1} */
  ck_assert_str_eq(sel("{\"comparisonType\":\"OR\",\"listFilters\":["
                       "{\"comparisonType\":\"AND\",\"where\":["
                       "{\"columnName\":\"active\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"false\"},"
                       "{\"columnName\":\"price\",\"criteriaType\":\"GREATER_THAN\",\"contentValue\":\"100\"}]},"
                       "{\"comparisonType\":\"AND\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"STARTS_WITH\",\"contentValue\":\"r\"},"
                       "{\"columnName\":\"born\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"2020-01-01T00:00:00Z\"}]}]}"),
                   "0 1 4");
  /* Two levels: note IS_EMPTY (1 2 5) and (id = 1 or (name = rex and active = false)):
   * the inner OR is {0} or {1}, so the result is {1}. */
  ck_assert_str_eq(sel("{\"comparisonType\":\"AND\",\"where\":["
                       "{\"columnName\":\"note\",\"criteriaType\":\"IS_EMPTY\",\"contentValue\":\"true\"}],"
                       "\"listFilters\":[{\"comparisonType\":\"OR\",\"where\":["
                       "{\"columnName\":\"id\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"1\"}],"
                       "\"listFilters\":[{\"comparisonType\":\"AND\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"rex\"},"
                       "{\"columnName\":\"active\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"false\"}]}]}]}"),
                   "1");
  /* An empty group constrains nothing: not in an AND, not in an OR. */
  ck_assert_str_eq(sel("{\"comparisonType\":\"OR\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Alpha\"}],"
                       "\"listFilters\":[{}]}"), "2");
  ck_assert_str_eq(sel("{\"comparisonType\":\"AND\",\"where\":["
                       "{\"columnName\":\"price\",\"criteriaType\":\"LESS_THAN\",\"contentValue\":\"0\"}],"
                       "\"listFilters\":[{\"where\":null},{\"comparisonType\":\"OR\"}]}"), "5");
  ck_assert_str_eq(sel("{\"comparisonType\":\"OR\",\"listFilters\":[{},{\"where\":[]}]}"),
                   "0 1 2 3 4 5");
}
END_TEST

START_TEST(test_pushed_skipped)
{
  parse_ok("{\"comparisonType\":\"AND\",\"where\":["
           "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Rex\"},"
           "{\"columnName\":\"price\",\"criteriaType\":\"LESS_THAN\",\"contentValue\":\"0\"}]}");
  ck_assert_str_eq(matching(&pet_table), "");
  ck_assert(filter_is_local(&lf));
  lf.root.where[1].pushed = 1;              /* the API applied price < 0 */
  ck_assert_str_eq(matching(&pet_table), "0");
  ck_assert(filter_is_local(&lf));
  lf.root.where[0].pushed = 1;
  ck_assert_str_eq(matching(&pet_table), "0 1 2 3 4 5");
  ck_assert(!filter_is_local(&lf));

  /* An OR group whose members were all pushed has nothing left: everything passes. */
  parse_ok("{\"comparisonType\":\"OR\",\"where\":["
           "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Rex\"},"
           "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Alpha\"}]}");
  ck_assert_str_eq(matching(&pet_table), "0 2");
  lf.root.where[0].pushed = lf.root.where[1].pushed = 1;
  ck_assert_str_eq(matching(&pet_table), "0 1 2 3 4 5");

  /* A nested group whose criteria were pushed. */
  parse_ok("{\"where\":[{\"columnName\":\"active\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"true\"}],"
           "\"listFilters\":[{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Rex\"}]}]}");
  ck_assert_str_eq(matching(&pet_table), "0");
  lf.root.groups[0].where[0].pushed = 1;
  ck_assert_str_eq(matching(&pet_table), "0 2 5");
}
END_TEST

START_TEST(test_is_local)
{
  parse_ok(NULL);
  ck_assert(!filter_is_local(&lf));
  parse_ok("{\"limit\":5,\"offset\":10}");            /* paging alone is not local work */
  ck_assert(!filter_is_local(&lf));
  parse_ok("{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"x\"}]}");
  ck_assert(filter_is_local(&lf));
  lf.root.where[0].pushed = 1;
  ck_assert(!filter_is_local(&lf));
  parse_ok("{\"listFilters\":[{}]}");                 /* any nested group */
  ck_assert(filter_is_local(&lf));
  parse_ok("{\"search\":\"x\"}");
  ck_assert(filter_is_local(&lf));
  lf.search_pushed = 1;
  ck_assert(!filter_is_local(&lf));
  parse_ok("{\"orderByPropertyDeveloperName\":\"name\"}");
  ck_assert(filter_is_local(&lf));
  lf.order_pushed = 1;
  ck_assert(!filter_is_local(&lf));
}
END_TEST

/* ------------------------------------------------------------------------------------ */
/* search */

START_TEST(test_search)
{
  /* Every string property (name, note, kind, Kind), not the password, not numbers. */
  ck_assert_str_eq(sel("{\"search\":\"REX\"}"), "0 1 4");
  ck_assert_ptr_nonnull(lf.search);
  ck_assert(!lf.search_restricted);
  ck_assert_str_eq(sel("{\"search\":\"secret\"}"), "");           /* "rexsecret" is a password */
  ck_assert_str_eq(sel("{\"search\":\"dog\"}"), "0");
  ck_assert_str_eq(sel("{\"search\":\"5\"}"), "");                /* id 5 is a number */
  /* searchCriteria restrict the columns (any content type) */
  ck_assert_str_eq(sel("{\"search\":\"rex\",\"searchCriteria\":[{\"columnName\":\"note\"}]}"), "4");
  ck_assert(lf.search_restricted);
  ck_assert_uint_eq(lf.nsearch_props, 1);
  ck_assert_int_eq(lf.search_props[0], propof[C_NOTE]);
  ck_assert_str_eq(sel("{\"search\":\"5\",\"searchCriteria\":[{\"columnName\":\"id\"},"
                       "{\"columnName\":\"ID\",\"query\":\"x\"},{\"columnName\":null},null]}"), "4");
  ck_assert_uint_eq(lf.nsearch_props, 1);                       /* the duplicate once */
  /* AND-ed with the where block */
  ck_assert_str_eq(sel("{\"search\":\"rex\",\"where\":[{\"columnName\":\"name\","
                       "\"criteriaType\":\"EQUAL\",\"contentValue\":\"rex\"}]}"), "1");
  ck_assert_str_eq(sel("{\"search\":\"second\",\"comparisonType\":\"OR\",\"where\":["
                       "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Alpha\"},"
                       "{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Bravo\"}]}"),
                   "4");
  /* "" and null are no search */
  ck_assert_str_eq(sel("{\"search\":\"\"}"), "0 1 2 3 4 5");
  ck_assert_ptr_null(lf.search);
  ck_assert_str_eq(sel("{\"search\":null}"), "0 1 2 3 4 5");
  /* pushed: the API searched */
  parse_ok("{\"search\":\"REX\"}");
  lf.search_pushed = 1;
  ck_assert_str_eq(matching(&pet_table), "0 1 2 3 4 5");
}
END_TEST

START_TEST(test_search_long_values)
{
  /* A periodic needle in a long periodic value: a naive search backtracks, KMP does not;
   * either way the answer must be right. */
  static char hay[20001], needle[2002], json[2200];
  memset(hay, 'a', 20000);
  hay[20000] = 0;
  memset(needle, 'A', 2000);
  needle[2000] = 'B';
  needle[2001] = 0;
  static row_t rows[2];
  memset(rows, 0, sizeof(rows));
  rows[0][C_NOTE] = hay;
  char hay2[40];
  snprintf(hay2, sizeof(hay2), "xxAAb");
  rows[1][C_NOTE] = hay2;
  struct table t = { (const row_t *)rows, 2 };
  snprintf(json, sizeof(json), "{\"search\":\"%s\"}", needle);
  parse_ok(json);
  ck_assert_str_eq(matching(&t), "");
  hay[19999] = 'b';                        /* now the value ends with the needle */
  ck_assert_str_eq(matching(&t), "0");
  parse_ok("{\"search\":\"aab\"}");
  ck_assert_str_eq(matching(&t), "0 1");
  /* CONTAINS uses the same search */
  parse_ok("{\"where\":[{\"columnName\":\"note\",\"criteriaType\":\"CONTAINS\","
           "\"contentValue\":\"AaAb\"}]}");
  ck_assert_ptr_nonnull(lf.root.where[0].fail);
  ck_assert_str_eq(matching(&t), "0");
}
END_TEST

/* ------------------------------------------------------------------------------------ */
/* sorting */

START_TEST(test_sort_strings)
{
  /* empties (row 3 null, row 5 "") first and in their order; Rex/rex tie keeps 0 before 1 */
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"name\",\"orderByDirectionType\":\"ASC\"}"),
                   "3 5 2 4 0 1");
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"name\",\"orderByDirectionType\":\"\"}"),
                   "3 5 2 4 0 1");
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"name\",\"orderByDirectionType\":null}"),
                   "3 5 2 4 0 1");
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"name\",\"orderByDirectionType\":\"desc\"}"),
                   "0 1 4 2 3 5");
}
END_TEST

START_TEST(test_sort_typed)
{
  /* numbers by value: -2, 9.99, 10.5, 1e3, ...98, ...99 */
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"price\"}"), "5 1 0 4 3 2");
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"price\",\"orderByDirectionType\":\"DESC\"}"),
                   "2 3 4 0 1 5");
  /* date-times: null, 2019-12-31T23:59:59.5Z, the three equal instants in order, 2021 */
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"born\"}"), "3 2 0 1 5 4");
  /* orderBy[] only */
  ck_assert_str_eq(sorted("{\"orderBy\":[{\"columnName\":\"id\",\"direction\":\"desc\"}]}"),
                   "4 3 2 1 0 5");
}
END_TEST

START_TEST(test_sort_multi_key)
{
  /* active ascending (null, false, true), then price descending; orderBy's repeat of
   * active is skipped, the first mention decides. */
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"active\",\"orderByDirectionType\":\"ASC\","
                          "\"orderBy\":[{\"columnName\":\"active\",\"direction\":\"DESC\"},"
                          "{\"columnName\":\"price\",\"direction\":\"DESC\"}]}"),
                   "3 4 1 2 0 5");
  ck_assert_uint_eq(lf.norder, 2);
  ck_assert_int_eq(lf.order[0].prop, propof[C_ACTIVE]);
  ck_assert(!lf.order[0].desc);
  ck_assert_int_eq(lf.order[1].prop, propof[C_PRICE]);
  ck_assert(lf.order[1].desc);
  /* same through orderBy[] alone, entries without a column ignored */
  ck_assert_str_eq(sorted("{\"orderBy\":[{\"columnName\":null},{\"columnName\":\"active\"},"
                          "{\"columnName\":\"price\",\"direction\":\"desc\"},null]}"),
                   "3 4 1 2 0 5");
  /* pushed, or no order: the API's order stays */
  parse_ok("{\"orderByPropertyDeveloperName\":\"price\"}");
  lf.order_pushed = 1;
  ck_assert_str_eq(sorted_table(&pet_table), "0 1 2 3 4 5");
  ck_assert_str_eq(sorted("{\"orderByPropertyDeveloperName\":\"\"}"), "0 1 2 3 4 5");
  ck_assert_str_eq(sorted(NULL), "0 1 2 3 4 5");
}
END_TEST

/* Many equal keys in random order: the result must be ordered by key, and equal keys must
 * keep their original order. */
START_TEST(test_sort_stable_large)
{
  enum { N = 300 };
  static const char *const keys[] = { "b", "A", "a", "B", "", NULL, "c", "C" };
  static row_t rows[N];
  static size_t idx[N], scratch[N];
  memset(rows, 0, sizeof(rows));
  unsigned x = 12345;
  for(size_t i = 0; i < N; i++) {
    x = x * 1103515245u + 12345u;
    rows[i][C_NAME] = keys[(x >> 16) % 8];
    idx[i] = i;
  }
  struct table t = { (const row_t *)rows, N };
  for(int desc = 0; desc < 2; desc++) {
    parse_ok(desc ? "{\"orderByPropertyDeveloperName\":\"name\",\"orderByDirectionType\":\"DESC\"}"
                  : "{\"orderByPropertyDeveloperName\":\"name\"}");
    for(size_t i = 0; i < N; i++)
      idx[i] = i;
    struct filter_src s = src_of(&t);
    filter_sort(&lf, &s, idx, N, scratch);
    int seen[N] = { 0 };
    for(size_t i = 0; i < N; i++) {
      ck_assert_uint_lt(idx[i], N);
      ck_assert(!seen[idx[i]]);
      seen[idx[i]] = 1;
    }
    for(size_t i = 1; i < N; i++) {
      const char *a = rows[idx[i - 1]][C_NAME], *b = rows[idx[i]][C_NAME];
      int ea = !a || !*a, eb = !b || !*b;
      int r = ea || eb ? (ea == eb ? 0 : ea ? -1 : 1) : strcasecmp(a, b);
      if(desc)
        r = -r;
      ck_assert_msg(r <= 0, "out of order at %zu", i);
      if(r == 0)
        ck_assert_msg(idx[i - 1] < idx[i], "not stable at %zu", i);
    }
  }
}
END_TEST

/* ------------------------------------------------------------------------------------ */
/* parsing */

START_TEST(test_parse_absent)
{
  parse_ok(NULL);
  ck_assert(!lf.present);
  ck_assert_ptr_null(lf.id);
  ck_assert_uint_eq(lf.root.nwhere, 0);
  ck_assert_int_eq(lf.limit, 0);
  ck_assert_str_eq(matching(&pet_table), "0 1 2 3 4 5");
  parse_ok("null");
  ck_assert(!lf.present);
  parse_ok("{}");
  ck_assert(lf.present);
  ck_assert_uint_eq(lf.norder, 0);
  ck_assert_ptr_null(lf.search);
}
END_TEST

START_TEST(test_parse_tolerant)
{
  /* any key case, unknown keys, null entries, null everything else */
  parse_ok("{\"ComparisonType\":\"or\",\"WHERE\":[{\"ColumnName\":\"name\",\"CriteriaType\":"
           "\"equal\",\"ContentValue\":\"Rex\",\"objectData\":null,\"unknown\":[1,{}]},null,"
           "{\"columnName\":\"name\",\"criteriaType\":\"Contains\",\"contentValue\":\"al\"}],"
           "\"listFilters\":null,\"orderBy\":null,\"searchCriteria\":null,\"search\":null,"
           "\"offsetToken\":null,\"filterByProvidedObjects\":false,\"somethingNew\":{\"a\":1},"
           "\"orderByPropertyDeveloperName\":null,\"orderByDirectionType\":null,\"id\":null,"
           "\"limit\":null,\"offset\":null}");
  ck_assert(lf.present);
  ck_assert(lf.root.is_or);
  ck_assert_uint_eq(lf.root.nwhere, 2);
  ck_assert_int_eq(lf.root.where[0].crit, CR_EQUAL);
  ck_assert_str_eq(lf.root.where[0].column, "name");
  ck_assert_int_eq(lf.root.where[0].prop, propof[C_NAME]);
  ck_assert_str_eq(lf.root.where[0].value, "Rex");
  ck_assert_int_eq(lf.root.where[1].crit, CR_CONTAINS);
  ck_assert_uint_eq(lf.root.ngroups, 0);
  ck_assert_uint_eq(lf.norder, 0);
  ck_assert_ptr_null(lf.id);
  ck_assert_str_eq(matching(&pet_table), "0 2");
  /* wrong kinds read as absent */
  parse_ok("{\"where\":{\"columnName\":\"nope\"},\"listFilters\":\"x\",\"orderBy\":7,"
           "\"search\":[\"x\"],\"comparisonType\":3,\"orderByPropertyDeveloperName\":false}");
  ck_assert(!lf.root.is_or);
  ck_assert_uint_eq(lf.root.nwhere, 0);
  ck_assert_uint_eq(lf.norder, 0);
  ck_assert_ptr_null(lf.search);
  /* engine rule criteria mean equality; criteria in any case */
  parse_ok("{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"ALL_EQUAL\",\"contentValue\":\"Rex\"},"
           "{\"columnName\":\"name\",\"criteriaType\":\"any_equal\",\"contentValue\":\"Rex\"},"
           "{\"columnName\":\"name\",\"criteriaType\":\"greater_than_or_equal\",\"contentValue\":\"a\"},"
           "{\"columnName\":\"name\",\"criteriaType\":\"Is_Empty\",\"contentValue\":\"false\"}]}");
  ck_assert_int_eq(lf.root.where[0].crit, CR_EQUAL);
  ck_assert_int_eq(lf.root.where[1].crit, CR_EQUAL);
  ck_assert_int_eq(lf.root.where[2].crit, CR_GREATER_THAN_OR_EQUAL);
  ck_assert_int_eq(lf.root.where[3].crit, CR_IS_EMPTY);
  ck_assert_str_eq(matching(&pet_table), "0");
  /* a column name in another case, when only one property matches it */
  parse_ok("{\"where\":[{\"columnName\":\"NAME\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Rex\"}],"
           "\"orderByPropertyDeveloperName\":\"Price\"}");
  ck_assert_int_eq(lf.root.where[0].prop, propof[C_NAME]);
  ck_assert_int_eq(lf.order[0].prop, propof[C_PRICE]);
  /* kind and Kind: exact names choose */
  parse_ok("{\"where\":[{\"columnName\":\"Kind\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Dog\"}]}");
  ck_assert_int_eq(lf.root.where[0].prop, propof[C_KIND2]);
  ck_assert_str_eq(matching(&pet_table), "0");
}
END_TEST

START_TEST(test_parse_values)
{
  /* contentValue wins over value, even when they disagree (types/load-request.json) */
  parse_ok("{\"where\":[{\"columnName\":\"id\",\"criteriaType\":\"EQUAL\",\"value\":\"0\",\"contentValue\":\"1\"}]}");
  ck_assert_str_eq(lf.root.where[0].value, "1");
  ck_assert_str_eq(matching(&pet_table), "0");
  /* value only when contentValue is absent */
  parse_ok("{\"where\":[{\"columnName\":\"id\",\"criteriaType\":\"EQUAL\",\"value\":\"2\"}]}");
  ck_assert_str_eq(lf.root.where[0].value, "2");
  ck_assert_str_eq(matching(&pet_table), "1");
  /* a null contentValue is a null criterion, whatever value says */
  parse_ok("{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"value\":\"Rex\",\"contentValue\":null}]}");
  ck_assert_ptr_null(lf.root.where[0].value);
  ck_assert_str_eq(matching(&pet_table), "3 5");
  /* numbers and booleans as their text */
  parse_ok("{\"where\":[{\"columnName\":\"price\",\"criteriaType\":\"EQUAL\",\"contentValue\":1E3},"
           "{\"columnName\":\"active\",\"criteriaType\":\"EQUAL\",\"contentValue\":false}]}");
  ck_assert_str_eq(lf.root.where[0].value, "1E3");
  ck_assert_str_eq(lf.root.where[1].value, "false");
  ck_assert_str_eq(matching(&pet_table), "4");
  /* the strings stay valid after the JSON is gone (copied into the arena) */
  cJSON_Delete(doc);
  doc = NULL;
  ck_assert_str_eq(lf.root.where[0].column, "price");
  ck_assert_str_eq(lf.root.where[0].value, "1E3");
}
END_TEST

START_TEST(test_parse_id_paging)
{
  parse_ok("{\"id\":\"eyJpZCI6IjEifQ==\",\"limit\":\"10\",\"offset\":\"3\"}");
  ck_assert_str_eq(lf.id, "eyJpZCI6IjEifQ==");
  ck_assert_int_eq(lf.limit, 10);
  ck_assert_int_eq(lf.offset, 3);
  /* a negative limit or offset is a 400 naming the field (product.md §12.2) */
  parse_fails("{\"id\":\"\",\"limit\":-5,\"offset\":\"2\"}",
              "listFilter.limit must not be negative");
  parse_fails("{\"limit\":5,\"offset\":\"-2\"}", "listFilter.offset must not be negative");
  parse_ok("{\"id\":\"\",\"limit\":0,\"offset\":\"0\",\"offsetToken\":\"abc\","
           "\"filterByProvidedObjects\":true}");
  ck_assert_ptr_null(lf.id);
  ck_assert_int_eq(lf.limit, 0);
  ck_assert_int_eq(lf.offset, 0);
  ck_assert_str_eq(lf.offset_token, "abc");
  ck_assert_int_eq(lf.provided_objects, 1);
  parse_ok("{\"offsetToken\":\"\"}");
  ck_assert_ptr_null(lf.offset_token);                       /* empty = none */
  ck_assert_int_eq(lf.provided_objects, 0);
  parse_ok("{\"id\":42,\"limit\":20,\"offset\":\"abc\"}");
  ck_assert_str_eq(lf.id, "42");
  ck_assert_int_eq(lf.limit, 20);
  ck_assert_int_eq(lf.offset, 0);
  parse_ok("{\"id\":12345678901234567890123}");
  ck_assert_str_eq(lf.id, "12345678901234567890123");        /* the digits as sent */
  parse_ok("{\"ID\":true}");
  ck_assert_ptr_null(lf.id);
  cJSON_Delete(doc);
  doc = NULL;
  /* a node built in memory (no number text kept) */
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "id", 7);
  memset(&pb, 0, sizeof(pb));
  ck_assert_int_eq(filter_parse(o, cache, pet, &ar, &lf, &pb), 0);
  ck_assert_str_eq(lf.id, "7");
  cJSON_Delete(o);
}
END_TEST

START_TEST(test_parse_errors)
{
  parse_fails("{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"x\"},"
              "{\"columnName\":\"foo\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"x\"}]}",
              "listFilter.where[1].columnName 'foo' is not a property of type 'Pet'");
  ck_assert_str_eq(pb.msg, "listFilter.where[1].columnName 'foo' is not a property of type 'Pet'");
  parse_fails("{\"listFilters\":[{\"where\":[{\"columnName\":\"foo\",\"criteriaType\":\"EQUAL\"}]}]}",
              "listFilter.listFilters[0].where[0].columnName 'foo' is not a property of type 'Pet'");
  parse_fails("{\"listFilters\":[{},{\"listFilters\":[null,{\"where\":[null,null,"
              "{\"columnName\":\"bar\",\"criteriaType\":\"EQUAL\"}]}]}]}",
              "listFilter.listFilters[1].listFilters[1].where[2].columnName 'bar'");
  parse_fails("{\"where\":[{\"columnName\":\"\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"x\"}]}",
              "listFilter.where[0].columnName");
  parse_fails("{\"where\":[{\"columnName\":null,\"criteriaType\":\"EQUAL\"}]}",
              "listFilter.where[0].columnName");
  parse_fails("{\"where\":[{\"criteriaType\":\"EQUAL\"}]}", "listFilter.where[0].columnName");
  parse_fails("{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"LIKE\",\"contentValue\":\"x\"}]}",
              "listFilter.where[0].criteriaType 'LIKE'");
  parse_fails("{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"\"}]}",
              "listFilter.where[0].criteriaType");
  parse_fails("{\"orderByPropertyDeveloperName\":\"nope\"}",
              "listFilter.orderByPropertyDeveloperName 'nope' is not a property of type 'Pet'");
  parse_fails("{\"orderBy\":[{\"columnName\":\"name\"},{\"columnName\":\"nope\",\"direction\":\"ASC\"}]}",
              "listFilter.orderBy[1].columnName 'nope'");
  parse_fails("{\"orderByPropertyDeveloperName\":\"name\",\"orderByDirectionType\":\"UP\"}",
              "listFilter.orderByDirectionType 'UP'");
  parse_fails("{\"orderBy\":[{\"columnName\":\"name\",\"direction\":\"sideways\"}]}",
              "listFilter.orderBy[0].direction 'sideways'");
  parse_fails("{\"search\":\"x\",\"searchCriteria\":[{\"columnName\":\"nope\"}]}",
              "listFilter.searchCriteria[0].columnName 'nope'");
  parse_fails("{\"comparisonType\":\"XOR\"}", "listFilter.comparisonType 'XOR'");
  parse_fails("{\"listFilters\":[{\"comparisonType\":\"NAND\"}]}",
              "listFilter.listFilters[0].comparisonType 'NAND'");
  /* kind / Kind: "KIND" names neither exactly and both case-insensitively */
  parse_fails("{\"where\":[{\"columnName\":\"KIND\",\"criteriaType\":\"EQUAL\"}]}",
              "'KIND' is not a property of type 'Pet'");
  /* tags is a property; its helper type's ID / Value are not */
  parse_fails("{\"where\":[{\"columnName\":\"Value\",\"criteriaType\":\"EQUAL\"}]}",
              "'Value' is not a property");
}
END_TEST

START_TEST(test_deep_nesting)
{
  /* As deep as json_parse allows: no recursion problem, and it still means something.
   * 200 levels of {"listFilters":[ ... ]} with a criterion at the bottom. */
  enum { LEVELS = 200 };
  struct buf b;
  buf_init(&b);
  for(int i = 0; i < LEVELS; i++)
    buf_puts(&b, "{\"comparisonType\":\"AND\",\"listFilters\":[");
  buf_puts(&b, "{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"Alpha\"}]}");
  for(int i = 0; i < LEVELS; i++)
    buf_puts(&b, "]}");
  ck_assert(!buf_failed(&b));
  parse_ok(b.data);
  ck_assert_str_eq(matching(&pet_table), "2");
  buf_free(&b);
}
END_TEST

/* Every allocation failing in turn: a 500 "out of memory", never a crash, until it fits. */
START_TEST(test_parse_out_of_memory)
{
  const char *json =
    "{\"id\":\"x\",\"search\":\"abc\",\"searchCriteria\":[{\"columnName\":\"note\"}],"
    "\"orderByPropertyDeveloperName\":\"name\",\"orderBy\":[{\"columnName\":\"price\"}],"
    "\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"CONTAINS\",\"contentValue\":\"abc\"}],"
    "\"listFilters\":[{\"where\":[{\"columnName\":\"note\",\"criteriaType\":\"EQUAL\","
    "\"contentValue\":\"x\"}]}]}";
  int ok = 0, failures = 0;
  for(unsigned long n = 1; n < 200 && !ok; n++) {
    arena_free(&ar);
    arena_init(&ar, 32);                  /* tiny blocks: every allocation is a malloc */
    struct json_error je;
    cJSON_Delete(doc);
    ck_assert_int_eq(json_parse(json, strlen(json), &doc, &je), OAC_OK);
    memset(&pb, 0, sizeof(pb));
    oac_mem_fail_at(n);
    int r = filter_parse(doc, cache, pet, &ar, &lf, &pb);
    oac_mem_fail_at(0);
    if(r == 0)
      ok = 1;
    else {
      failures++;
      ck_assert_int_eq(pb.status, 500);
      ck_assert_str_eq(pb.msg, "out of memory");
    }
  }
  ck_assert(ok);
  ck_assert_int_ge(failures, 8);          /* ids, strings, arrays, tables: all were hit */
  ck_assert_str_eq(matching(&pet_table), "");
  ck_assert_str_eq(lf.id, "x");
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("filter");
  TCase *tc = tcase_create("criteria");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_string_criteria);
  tcase_add_test(tc, test_empty_criterion_values);
  tcase_add_test(tc, test_is_empty);
  tcase_add_test(tc, test_number_criteria);
  tcase_add_test(tc, test_datetime_criteria);
  tcase_add_test(tc, test_boolean_criteria);
  tcase_add_test(tc, test_value_cmp);
  tcase_add_test(tc, test_unparseable_date_equal_is_exact);
  suite_add_tcase(s, tc);

  tc = tcase_create("groups");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_and_or);
  tcase_add_test(tc, test_nested_groups);
  tcase_add_test(tc, test_pushed_skipped);
  tcase_add_test(tc, test_is_local);
  tcase_add_test(tc, test_search);
  tcase_add_test(tc, test_search_long_values);
  suite_add_tcase(s, tc);

  tc = tcase_create("sort");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_sort_strings);
  tcase_add_test(tc, test_sort_typed);
  tcase_add_test(tc, test_sort_multi_key);
  tcase_add_test(tc, test_sort_stable_large);
  suite_add_tcase(s, tc);

  tc = tcase_create("parse");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_parse_absent);
  tcase_add_test(tc, test_parse_tolerant);
  tcase_add_test(tc, test_parse_values);
  tcase_add_test(tc, test_parse_id_paging);
  tcase_add_test(tc, test_parse_errors);
  tcase_add_test(tc, test_deep_nesting);
  tcase_add_test(tc, test_parse_out_of_memory);
  suite_add_tcase(s, tc);

  return s;
}
