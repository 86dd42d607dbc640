/* check_answer_path.c - paths into the answer (product.md §12.1): resolved against the
 * response schema at compile time (src/compile/answer_path.c), the list located from the
 * schema, and the stored form evaluated against answers (src/flow/answer_path.c).
 *
 * Table-driven: each resolve case is a small document (inline YAML, loaded with the
 * in-memory loader) whose first line is `mark: PATH` (so its diagnostics are at
 * mem.yaml:1:7) and whose second line gives the response schema; the shared components
 * below follow. Every path that resolves is also evaluated, in its stored form, against an
 * answer where the case gives one.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "../../src/compile/answer_path.h"
#include "../../src/flow/answer_path.h"
#include "../../src/common/mem.h"

#define COMPONENTS \
  "components:\n" \
  "  schemas:\n" \
  "    Customer:\n" \
  "      type: object\n" \
  "      x-flow-type: {name: Customer}\n" \
  "      properties:\n" \
  "        id: {type: string}\n" \
  "        object: {type: string}\n" \
  "        email: {type: string}\n" \
  "    CustomerList:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        object: {type: string, enum: [list]}\n" \
  "        data: {type: array, items: {$ref: '#/components/schemas/Customer'}}\n" \
  "        has_more: {type: boolean}\n" \
  "        url: {type: string}\n" \
  "    Paging:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        next: {type: string, format: uri}\n" \
  "        total: {type: integer}\n" \
  "    Base:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        count: {type: number}\n" \
  "    Meta:\n" \
  "      allOf:\n" \
  "        - $ref: '#/components/schemas/Base'\n" \
  "        - type: object\n" \
  "          properties:\n" \
  "            paging: {$ref: '#/components/schemas/Paging'}\n" \
  "    OData:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        '@odata.nextLink': {type: string}\n" \
  "        '@odata.count': {type: integer}\n" \
  "        value: {type: array, items: {$ref: '#/components/schemas/Customer'}}\n" \
  "    Dotted:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        a.b: {type: array, items: {type: object, properties: {c: {type: integer}}}}\n" \
  "        a: {type: object, properties: {b: {type: string}}}\n" \
  "        'we\"ird': {type: boolean}\n" \
  "        x..y: {type: string}\n" \
  "    Free:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        meta: {type: object}\n" \
  "        extra:\n" \
  "          type: object\n" \
  "          additionalProperties: true\n" \
  "          properties: {known: {type: string}}\n" \
  "        any: {}\n" \
  "        list: {type: array}\n" \
  "    Album:\n" \
  "      type: object\n" \
  "      x-flow-type: {name: Album}\n" \
  "      properties: {id: {type: string}, name: {type: string}}\n" \
  "    Artist:\n" \
  "      type: object\n" \
  "      x-flow-type: {name: Artist}\n" \
  "      properties: {id: {type: string}, genres: {type: array, items: {type: string}}}\n" \
  "    AlbumPage:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        href: {type: string}\n" \
  "        items: {type: array, items: {$ref: '#/components/schemas/Album'}}\n" \
  "        limit: {type: integer}\n" \
  "        next: {type: string, nullable: true}\n" \
  "        offset: {type: integer}\n" \
  "        total: {type: integer}\n" \
  "    ArtistPage:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        items: {type: array, items: {$ref: '#/components/schemas/Artist'}}\n" \
  "        next: {type: string}\n" \
  "    SearchResult:\n" \
  "      type: object\n" \
  "      properties:\n" \
  "        albums: {$ref: '#/components/schemas/AlbumPage'}\n" \
  "        artists: {$ref: '#/components/schemas/ArtistPage'}\n"

static struct diag d;
static struct doc_set s;
static struct model m;
static struct cctx c;
static const struct doc_node *root;

static const char *diag_text(void) { return d.text.data ? d.text.data : ""; }

/* Loads "mark: MARK\nschema: SCHEMA\n" + COMPONENTS into a fresh context. */
static void load(const char *mark, const char *schema)
{
  static char text[16384];
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
  model_init(&m);
  memset(&c, 0, sizeof(c));
  c.docs = &s;
  c.diag = &d;
  c.m = &m;
  c.a = &m.arena;
  int n = snprintf(text, sizeof(text), "mark: %s\nschema: %s\n%s", mark ? mark : "x",
                   schema ? schema : "~", COMPONENTS);
  ck_assert_int_lt(n, (int)sizeof(text));
  struct doc_file *f = NULL;
  enum oac_result r = doc_load_mem(&s, "mem.yaml", text, (size_t)n, &f);
  ck_assert_msg(r == OAC_OK, "%s\n%s", oac_result_str(r), diag_text());
  root = f->root;
  c.root = root;
}

static void unload(void)
{
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
}

static const struct doc_node *component(const char *name)
{
  const struct doc_node *n = doc_get(doc_get(doc_get(root, "components"), "schemas"), name);
  ck_assert_msg(n != NULL, "no component %s", name);
  return n;
}

/* The response schema of the case: line 2 (`schema:`), NULL for `~`. */
static const struct doc_node *case_schema(void)
{
  const struct doc_node *sch = doc_get(root, "schema");
  return doc_is_null(sch) ? NULL : sch;
}

/* ---- resolving ------------------------------------------------------------------------ */

enum outcome { OK, WARN, ERR };

struct resolve_case {
  const char *mark;             /* as written after "mark: " */
  const char *schema;           /* as written after "schema: " (flow YAML); NULL = none */
  enum outcome outcome;
  const char *stored;           /* expected stored form (OK, WARN) */
  unsigned kind;                /* expected answer_path_kind */
  const char *diag;             /* a substring of the diagnostics (WARN, ERR), or NULL */
  const char *answer;           /* an answer to evaluate the stored form on, or NULL */
  const char *value;            /* the value found there (cJSON_PrintUnformatted), NULL = none */
};

#define REF(x) "{$ref: '#/components/schemas/" x "'}"

static const struct resolve_case resolve_cases[] = {
  /* nested, arrays and [-1] */
  { "data[-1].id", REF("CustomerList"), OK, "[\"data\",-1,\"id\"]", ANSWER_KIND_STRING, NULL,
    "{\"data\":[{\"id\":\"cus_1\"},{\"id\":\"cus_2\"}],\"has_more\":true}", "\"cus_2\"" },
  { "data[0].id", REF("CustomerList"), OK, "[\"data\",0,\"id\"]", ANSWER_KIND_STRING, NULL,
    "{\"data\":[{\"id\":\"cus_1\"},{\"id\":\"cus_2\"}]}", "\"cus_1\"" },
  { "has_more", REF("CustomerList"), OK, "[\"has_more\"]", ANSWER_KIND_BOOLEAN, NULL,
    "{\"data\":[],\"has_more\":false}", "false" },
  { "data", REF("CustomerList"), OK, "[\"data\"]", ANSWER_KIND_ARRAY, NULL, NULL, NULL },
  { "'data[-1].id'", REF("CustomerList"), OK, "[\"data\",-1,\"id\"]", ANSWER_KIND_STRING,
    NULL, NULL, NULL },
  { "'[1].email'", "{type: array, items: " REF("Customer") "}", OK, "[1,\"email\"]",
    ANSWER_KIND_STRING, NULL, "[{\"email\":\"a@x\"},{\"email\":\"b@x\"}]", "\"b@x\"" },
  /* a property name with dots: the whole name wins over splitting */
  { "\"@odata.nextLink\"", REF("OData"), OK, "[\"@odata.nextLink\"]", ANSWER_KIND_STRING,
    NULL, "{\"value\":[],\"@odata.nextLink\":\"https://x/y?$skip=10\"}",
    "\"https://x/y?$skip=10\"" },
  { "'@odata.count'", REF("OData"), OK, "[\"@odata.count\"]", ANSWER_KIND_INTEGER, NULL,
    "{\"@odata\":{\"count\":1},\"@odata.count\":7}", "7" },
  { "a.b", REF("Dotted"), OK, "[\"a.b\"]", ANSWER_KIND_ARRAY, NULL, NULL, NULL },
  { "a.b[2].c", REF("Dotted"), OK, "[\"a.b\",2,\"c\"]", ANSWER_KIND_INTEGER, NULL,
    "{\"a.b\":[{\"c\":1},{\"c\":2},{\"c\":3}],\"a\":{\"b\":\"no\"}}", "3" },
  { "x..y", REF("Dotted"), OK, "[\"x..y\"]", ANSWER_KIND_STRING, NULL, NULL, NULL },
  { "a.b[-1]", REF("Dotted"), OK, "[\"a.b\",-1]", ANSWER_KIND_OBJECT, NULL, NULL, NULL },
  { "'we\"ird'", REF("Dotted"), OK, "[\"we\\\"ird\"]", ANSWER_KIND_BOOLEAN, NULL,
    "{\"we\\\"ird\":true}", "true" },
  /* $ref and allOf */
  { "paging.next", REF("Meta"), OK, "[\"paging\",\"next\"]", ANSWER_KIND_STRING, NULL,
    "{\"count\":3,\"paging\":{\"next\":\"/p?page=2\"}}", "\"/p?page=2\"" },
  { "count", REF("Meta"), OK, "[\"count\"]", ANSWER_KIND_NUMBER, NULL, NULL, NULL },
  { "meta.paging.total", "{type: object, properties: {meta: " REF("Meta") "}}", OK,
    "[\"meta\",\"paging\",\"total\"]", ANSWER_KIND_INTEGER, NULL,
    "{\"meta\":{\"paging\":{\"total\":50}}}", "50" },
  { "meta.paging.total", "{type: object, properties: {meta: {allOf: [" REF("Meta") "]}}}", OK,
    "[\"meta\",\"paging\",\"total\"]", ANSWER_KIND_INTEGER, NULL, NULL, NULL },
  { "albums.items[-1].name", REF("SearchResult"), OK,
    "[\"albums\",\"items\",-1,\"name\"]", ANSWER_KIND_STRING, NULL, NULL, NULL },
  /* oneOf / anyOf: the first alternative that declares the name */
  { "count", "{oneOf: [" REF("Paging") ", " REF("Base") "]}", OK, "[\"count\"]",
    ANSWER_KIND_NUMBER, NULL, NULL, NULL },
  { "next", "{anyOf: [" REF("Paging") ", {type: 'null'}]}", OK, "[\"next\"]",
    ANSWER_KIND_STRING, NULL, NULL, NULL },
  /* free-form: a warning, the rest split at dots */
  { "meta.paging.next", REF("Free"), WARN, "[\"meta\",\"paging\",\"next\"]",
    ANSWER_KIND_UNKNOWN, "mem.yaml:1:7: warning: paging.next 'meta.paging.next': 'paging' is "
    "not declared (free-form schema at mem.yaml:", "{\"meta\":{\"paging\":{\"next\":\"u\"}}}",
    "\"u\"" },
  { "meta.@odata.nextLink", REF("Free"), WARN, "[\"meta\",\"@odata\",\"nextLink\"]",
    ANSWER_KIND_UNKNOWN, "'@odata' is not declared", NULL, NULL },
  { "extra.known", REF("Free"), OK, "[\"extra\",\"known\"]", ANSWER_KIND_STRING, NULL, NULL,
    NULL },
  { "extra.other.x", REF("Free"), WARN, "[\"extra\",\"other\",\"x\"]", ANSWER_KIND_UNKNOWN,
    "'other' is not declared", NULL, NULL },
  { "any.x[0]", REF("Free"), WARN, "[\"any\",\"x\",0]", ANSWER_KIND_UNKNOWN,
    "'x' is not declared", NULL, NULL },
  { "list[-1].id", REF("Free"), WARN, "[\"list\",-1,\"id\"]", ANSWER_KIND_UNKNOWN,
    "'id' is not declared (free-form schema)", "{\"list\":[{\"id\":1},{\"id\":2}]}", "2" },
  { "list[0]", REF("Free"), OK, "[\"list\",0]", ANSWER_KIND_UNKNOWN, NULL, NULL, NULL },
  { "a.b", NULL, WARN, "[\"a\",\"b\"]", ANSWER_KIND_UNKNOWN, "'a' is not declared", NULL,
    NULL },
  { "next", "{type: object}", WARN, "[\"next\"]", ANSWER_KIND_UNKNOWN,
    "'next' is not declared (free-form schema at mem.yaml:2:9)", NULL, NULL },
  /* names nothing in a declared schema: an error at the mark */
  { "data[-1].idx", REF("CustomerList"), ERR, NULL, 0,
    "mem.yaml:1:7: error: paging.next 'data[-1].idx': no property 'idx' in the schema at "
    "mem.yaml:6:7 (it has: id, object, email) (at character 10)", NULL, NULL },
  { "hasMore", REF("CustomerList"), ERR, NULL, 0,
    "mem.yaml:1:7: error: paging.next 'hasMore': no property 'hasMore' in the schema at "
    "mem.yaml:13:7 (it has: object, data, has_more, url)", NULL, NULL },
  { "paging.nxt", REF("Meta"), ERR, NULL, 0, "no property 'nxt'", NULL, NULL },
  { "nope", "{anyOf: [" REF("Paging") ", {type: 'null'}]}", ERR, NULL, 0,
    "no property 'nope'", NULL, NULL },
  { "a.c", REF("Dotted"), ERR, NULL, 0, "no property 'c' in the schema at mem.yaml:", NULL,
    NULL },
  { "url.x", REF("CustomerList"), ERR, NULL, 0,
    "'x' names a member, but the schema at mem.yaml:", NULL, NULL },
  { "data.id", REF("CustomerList"), ERR, NULL, 0, "is an array (at character 6)", NULL,
    NULL },
  { "a[0]", REF("Dotted"), ERR, NULL, 0, "[0] needs an array, but the schema at mem.yaml:",
    NULL, NULL },
  { "has_more[0]", REF("CustomerList"), ERR, NULL, 0, "is a boolean", NULL, NULL },
  /* malformed paths */
  { "a..b", NULL, ERR, NULL, 0, "'a..b': a name is missing (at character 3)", NULL, NULL },
  { "a..b", REF("Dotted"), ERR, NULL, 0, "'a..b': a name is missing (at character 3)", NULL,
    NULL },
  { "'a.[0]'", NULL, ERR, NULL, 0, "'a.[0]': a name is missing (at character 3)", NULL, NULL },
  { "a.", NULL, ERR, NULL, 0, "the path ends with '.'", NULL, NULL },
  { ".a", NULL, ERR, NULL, 0, "'.a': a name is missing (at character 1)", NULL, NULL },
  { "'a[x]'", NULL, ERR, NULL, 0, "'[' must be followed by a number and ']'", NULL, NULL },
  { "'a['", NULL, ERR, NULL, 0, "'[' must be followed by a number and ']'", NULL, NULL },
  { "'a[-2]'", NULL, ERR, NULL, 0, "only as [-1]", NULL, NULL },
  { "'a[1234567890]'", NULL, ERR, NULL, 0, "index too large", NULL, NULL },
  { "'a[0]b'", NULL, ERR, NULL, 0, "']' must be followed by '.', '[' or the end", NULL,
    NULL },
  { "''", REF("CustomerList"), ERR, NULL, 0,
    "mem.yaml:1:7: error: paging.next must be a path into the answer", NULL, NULL },
  { "[a, b]", REF("CustomerList"), ERR, NULL, 0, "must be a path into the answer", NULL,
    NULL },
};

START_TEST(test_resolve)
{
  const struct resolve_case *k = &resolve_cases[_i];
  load(k->mark, k->schema);
  struct answer_path p;
  enum oac_result r = answer_path_resolve(&c, case_schema(), doc_get(root, "mark"),
                                          "paging.next", &p);
  const char *t = diag_text();
  if(k->outcome == ERR) {
    ck_assert_msg(r == OAC_EDOC, "case %d '%s': %s, expected an error\n%s", _i, k->mark,
                  oac_result_str(r), t);
    ck_assert_uint_eq(d.errors, 1);
    ck_assert_uint_eq(d.warnings, 0);       /* a free-form warning only for a good path */
    ck_assert_ptr_null(p.stored);
  }
  else {
    ck_assert_msg(r == OAC_OK, "case %d '%s': %s\n%s", _i, k->mark, oac_result_str(r), t);
    ck_assert_uint_eq(d.errors, 0);
    ck_assert_msg(d.warnings == (k->outcome == WARN ? 1u : 0u), "case %d '%s': %u warnings\n%s",
                  _i, k->mark, d.warnings, t);
    ck_assert_int_eq(p.freeform, k->outcome == WARN);
    ck_assert_str_eq(p.stored, k->stored);
    ck_assert_uint_eq(p.stored_len, strlen(k->stored));
    ck_assert_msg(answer_path_kind(&p) == (enum answer_kind)k->kind,
                  "case %d '%s': kind %d, want %u", _i, k->mark, answer_path_kind(&p), k->kind);
    ck_assert(answer_path_valid(p.stored, p.stored_len));
    /* the steps say what the stored text says */
    cJSON *st = cJSON_Parse(p.stored);
    ck_assert(cJSON_IsArray(st));
    ck_assert_int_eq(cJSON_GetArraySize(st), (int)p.n);
    for(size_t i = 0; i < p.n; i++) {
      const cJSON *e = cJSON_GetArrayItem(st, (int)i);
      if(p.steps[i].kind == ANSWER_STEP_NAME)
        ck_assert_str_eq(cJSON_GetStringValue(e), p.steps[i].name);
      else
        ck_assert(cJSON_IsNumber(e) && (long)e->valuedouble == p.steps[i].index);
    }
    cJSON_Delete(st);
  }
  if(k->diag)
    ck_assert_msg(strstr(t, k->diag) != NULL, "case %d '%s': expected\n%s\ngot:\n%s", _i,
                  k->mark, k->diag, t);
  if(k->answer) {
    cJSON *a = cJSON_Parse(k->answer);
    ck_assert_ptr_nonnull(a);
    const cJSON *v = answer_path_eval(p.stored, p.stored_len, a);
    if(!k->value)
      ck_assert_ptr_null(v);
    else {
      ck_assert_ptr_nonnull(v);
      char *txt = cJSON_PrintUnformatted(v);
      ck_assert_str_eq(txt, k->value);
      cJSON_free(txt);
    }
    cJSON_Delete(a);
  }
  unload();
}
END_TEST

/* The type of the last step, checked with the error naming the mark. */
START_TEST(test_expect_kind)
{
  static const struct {
    const char *mark;
    const char *what;
    unsigned kinds;
    const char *error;          /* NULL = accepted */
  } cases[] = {
    { "has_more", "paging.hasMore", ANSWER_KIND_BOOLEAN, NULL },
    { "url", "paging.hasMore", ANSWER_KIND_BOOLEAN,
      "mem.yaml:1:7: error: paging.hasMore 'url' is a string (schema at mem.yaml:18:14); it "
      "must be a boolean" },
    { "data[-1].id", "paging.total", ANSWER_KIND_INTEGER | ANSWER_KIND_NUMBER,
      "mem.yaml:1:7: error: paging.total 'data[-1].id' is a string (schema at mem.yaml:9:13); "
      "it must be an integer or a number" },
    { "data", "paging.next", ANSWER_KIND_STRING, "'data' is an array" },
    { "data[0]", "paging.next", ANSWER_KIND_STRING, "'data[0]' is an object" },
    { "url", "paging.next", ANSWER_KIND_STRING, NULL },
    { "data[-1].id", "paging.nextCursor", ANSWER_KIND_STRING | ANSWER_KIND_INTEGER, NULL },
    { "meta.total", "paging.total", ANSWER_KIND_INTEGER, NULL },    /* undeclared: unknown */
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int free_meta = !strncmp(cases[i].mark, "meta", 4);
    load(cases[i].mark, free_meta ? REF("Free") : REF("CustomerList"));
    struct answer_path p;
    const struct doc_node *v = doc_get(root, "mark");
    ck_assert_int_eq(answer_path_resolve(&c, case_schema(), v, cases[i].what, &p), OAC_OK);
    enum oac_result r = answer_path_expect(&c, &p, v, cases[i].what, cases[i].kinds);
    if(!cases[i].error) {
      ck_assert_msg(r == OAC_OK && d.errors == 0, "%s: %s", cases[i].mark, diag_text());
    }
    else {
      ck_assert_int_eq(r, OAC_EDOC);
      ck_assert_uint_eq(d.errors, 1);
      ck_assert_msg(strstr(diag_text(), cases[i].error) != NULL, "expected\n%s\ngot:\n%s",
                    cases[i].error, diag_text());
    }
    unload();
  }
}
END_TEST

/* Called while a type is being generated (its schema on the type stack): an allOf part that
 * is that type still counts, and the stack is left as it was. */
START_TEST(test_inside_type_generation)
{
  load("count", REF("Meta"));
  c.stack[0].schema = component("Base");
  c.stack[0].type = 0;
  c.depth = 1;
  struct answer_path p;
  ck_assert_int_eq(answer_path_resolve(&c, case_schema(), doc_get(root, "mark"), "paging.total",
                                       &p), OAC_OK);
  ck_assert_str_eq(p.stored, "[\"count\"]");
  ck_assert_uint_eq(c.depth, 1);
  ck_assert_ptr_eq(c.stack[0].schema, component("Base"));
  unload();
}
END_TEST

/* ---- the list's place ----------------------------------------------------------------- */

struct locate_case {
  const char *schema;           /* the 2xx response schema */
  const char *item;             /* the type's item schema (a component) */
  const char *stored;           /* expected path, NULL = the schema does not say */
  const char *dotted;           /* expected answer_path_dotted, NULL = none */
};

static const struct locate_case locate_cases[] = {
  /* an array answer: the answer itself */
  { "{type: array, items: " REF("Customer") "}", "Customer", "[]", "" },
  { "{items: " REF("Customer") "}", "Customer", "[]", "" },
  /* Stripe: {object: list, data: [Customer]}, Customer has `object` too */
  { REF("CustomerList"), "Customer", "[\"data\"]", "data" },
  { "{allOf: [" REF("CustomerList") "]}", "Customer", "[\"data\"]", "data" },
  /* Spotify: the paging object one level down */
  { "{type: object, properties: {albums: " REF("AlbumPage") "}}", "Album",
    "[\"albums\",\"items\"]", "albums.items" },
  { REF("SearchResult"), "Album", "[\"albums\",\"items\"]", "albums.items" },
  { REF("SearchResult"), "Artist", "[\"artists\",\"items\"]", "artists.items" },
  /* OData */
  { REF("OData"), "Customer", "[\"value\"]", "value" },
  { "{type: object, properties: {'a.list': {type: array, items: " REF("Customer") "}}}",
    "Customer", "[\"a.list\"]", NULL },
  /* items that are a one-part allOf wrapper of the item schema */
  { "{type: object, properties: {rows: {type: array, items: {allOf: [" REF("Customer")
    "]}}}}", "Customer", "[\"rows\"]", "rows" },
  /* allOf parts merged */
  { "{allOf: [" REF("Base") ", {properties: {data: {type: array, items: " REF("Customer")
    "}}}]}", "Customer", "[\"data\"]", "data" },
  /* depth 1 wins over depth 2 */
  { "{type: object, properties: {meta: {type: object, properties: {recent: {type: array, "
    "items: " REF("Customer") "}}}, data: {type: array, items: " REF("Customer") "}}}",
    "Customer", "[\"data\"]", "data" },
  /* arrays of another type beside the one */
  { "{type: object, properties: {tags: {type: array, items: {type: string}}, others: {type: "
    "array, items: " REF("Album") "}, data: {type: array, items: " REF("Customer") "}}}",
    "Customer", "[\"data\"]", "data" },
  /* the schema does not say */
  { "{type: object, properties: {data: {type: array, items: " REF("Customer") "}, previous: "
    "{type: array, items: " REF("Customer") "}}}", "Customer", NULL, NULL },
  { "{type: object, properties: {data: {type: array, items: " REF("Album") "}}}", "Customer",
    NULL, NULL },
  { "{type: object, properties: {a: {properties: {x: {type: array, items: " REF("Customer")
    "}}}, b: {properties: {y: {type: array, items: " REF("Customer") "}}}}}", "Customer",
    NULL, NULL },
  { "{type: object, properties: {a: {properties: {b: {properties: {c: {type: array, items: "
    REF("Customer") "}}}}}}}", "Customer", NULL, NULL },
  { REF("Customer"), "Customer", NULL, NULL },
  { "{type: object}", "Customer", NULL, NULL },
  { "{type: object, properties: {data: {type: array}}}", "Customer", NULL, NULL },
  { "{oneOf: [" REF("CustomerList") ", " REF("OData") "]}", "Customer", NULL, NULL },
  { "{type: object, properties: {data: {type: array, items: {type: object, properties: {id: "
    "{type: string}}}}}}", "Customer", NULL, NULL },
  { "~", "Customer", NULL, NULL },
};

START_TEST(test_locate)
{
  const struct locate_case *k = &locate_cases[_i];
  load("x", k->schema);
  struct answer_path p;
  int found = answer_list_locate(&c, case_schema(), component(k->item), &p);
  ck_assert_uint_eq(d.errors, 0);
  ck_assert_uint_eq(d.warnings, 0);
  if(!k->stored) {
    ck_assert_msg(!found, "case %d: found %s", _i, found ? p.stored : "");
    ck_assert_ptr_null(p.stored);
  }
  else {
    ck_assert_msg(found, "case %d: not found", _i);
    ck_assert_str_eq(p.stored, k->stored);
    ck_assert(answer_path_valid(p.stored, p.stored_len));
    ck_assert_int_eq(answer_path_kind(&p), ANSWER_KIND_ARRAY);
    const char *dotted = answer_path_dotted(&c, &p);
    if(k->dotted) {
      ck_assert_ptr_nonnull(dotted);
      ck_assert_str_eq(dotted, k->dotted);
    }
    else
      ck_assert_ptr_null(dotted);
  }
  unload();
}
END_TEST

/* A Stripe answer read through the located path: the list, not one object. */
START_TEST(test_locate_then_eval)
{
  load("x", REF("CustomerList"));
  struct answer_path p;
  ck_assert_int_eq(answer_list_locate(&c, case_schema(), component("Customer"), &p), 1);
  cJSON *a = cJSON_Parse("{\"object\":\"list\",\"url\":\"/v1/customers\",\"has_more\":false,"
                         "\"data\":[{\"id\":\"cus_1\",\"object\":\"customer\"}]}");
  const cJSON *v = answer_path_eval(p.stored, p.stored_len, a);
  ck_assert(cJSON_IsArray(v));
  ck_assert_int_eq(cJSON_GetArraySize(v), 1);
  cJSON_Delete(a);
  unload();
}
END_TEST

/* Out of memory at every allocation of a resolve and of a list location: OAC_ENOMEM with
 * c->fatal set (or success when the failure comes after the last allocation); no leak, no
 * crash (valgrind). */
START_TEST(test_out_of_memory)
{
  int ok_resolve = 0, ok_locate = 0;
  for(unsigned long n = 1; n < 400 && !(ok_resolve && ok_locate); n++) {
    load("meta.paging.total[0]", "{type: object, properties: {meta: {allOf: [" REF("Meta")
         "]}}}");
    struct answer_path p;
    oac_mem_fail_at(n);
    enum oac_result r = answer_path_resolve(&c, case_schema(), doc_get(root, "mark"),
                                            "paging.total", &p);
    oac_mem_fail_at(0);
    ck_assert_msg(r == OAC_OK || r == OAC_ENOMEM || (r == OAC_EDOC && d.errors == 1),
                  "%lu: %s", n, oac_result_str(r));
    if(r == OAC_ENOMEM)
      ck_assert_int_eq(c.fatal, OAC_ENOMEM);
    else if(r == OAC_EDOC)          /* integer is no array: the walk got to the end */
      ok_resolve = 1;
    unload();
    load("x", REF("SearchResult"));
    oac_mem_fail_at(n);
    int found = answer_list_locate(&c, case_schema(), component("Album"), &p);
    oac_mem_fail_at(0);
    if(found) {
      ck_assert_str_eq(p.stored, "[\"albums\",\"items\"]");
      ok_locate = 1;
    }
    else
      ck_assert_int_eq(c.fatal, OAC_ENOMEM);
    unload();
  }
  ck_assert(ok_resolve && ok_locate);
}
END_TEST

/* ---- evaluating the stored form ------------------------------------------------------- */

struct eval_case {
  const char *stored;
  const char *answer;
  const char *value;            /* cJSON_PrintUnformatted of the node, NULL = none */
};

static const struct eval_case eval_cases[] = {
  { "[\"data\",-1,\"id\"]", "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}]}", "\"b\"" },
  { "[\"data\",0,\"id\"]", "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}]}", "\"a\"" },
  { "[\"data\",1]", "{\"data\":[1,2]}", "2" },
  /* index out of range, -1 on an empty array */
  { "[\"data\",2,\"id\"]", "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}]}", NULL },
  { "[\"data\",-1,\"id\"]", "{\"data\":[]}", NULL },
  { "[\"data\",-1]", "{\"data\":[]}", NULL },
  { "[\"data\",0]", "{\"data\":[]}", NULL },
  /* missing members, wrong kinds */
  { "[\"has_more\"]", "{}", NULL },
  { "[\"meta\",\"next\"]", "{\"meta\":null}", NULL },
  { "[\"meta\",\"next\"]", "{\"meta\":\"s\"}", NULL },
  { "[\"x\"]", "[1]", NULL },
  { "[0]", "{\"0\":1}", NULL },
  { "[0]", "\"s\"", NULL },
  { "[\"data\",0,0]", "{\"data\":[{\"id\":1}]}", NULL },
  /* null is found as it is; the root */
  { "[\"next\"]", "{\"next\":null}", "null" },
  { "[]", "[1,2]", "[1,2]" },
  { " [ \"a\" , 0 ] ", "{\"a\":[5]}", "5" },
  /* names: exact first, then case-insensitive; dots are part of a name */
  { "[\"a\"]", "{\"A\":2,\"a\":1}", "1" },
  { "[\"A\"]", "{\"a\":1,\"A\":2}", "2" },
  { "[\"has_more\"]", "{\"HAS_MORE\":true}", "true" },
  { "[\"@odata.nextLink\"]", "{\"@odata\":{\"nextLink\":1},\"@odata.nextLink\":\"u\"}", "\"u\"" },
  { "[\"a.b\",1]", "{\"a.b\":[1,2]}", "2" },
  { "[\"ab\"]", "{\"a\":1,\"abc\":2}", NULL },
  { "[\"abc\"]", "{\"ab\":1}", NULL },
  /* escapes */
  { "[\"we\\\"ird\\\\\"]", "{\"we\\\"ird\\\\\":1}", "1" },
  { "[\"\\u00e9t\\u00E9\"]", "{\"\xc3\xa9t\xc3\xa9\":1}", "1" },
  { "[\"\\ud83d\\ude00\"]", "{\"\xf0\x9f\x98\x80\":1}", "1" },
  { "[\"a\\/b\\n\"]", "{\"a/b\\n\":1}", "1" },
  { "[\"\\u20ac\"]", "{\"\xe2\x82\xac\":1}", "1" },
};

START_TEST(test_eval)
{
  const struct eval_case *k = &eval_cases[_i];
  cJSON *a = cJSON_Parse(k->answer);
  ck_assert_ptr_nonnull(a);
  ck_assert(answer_path_valid(k->stored, strlen(k->stored)));
  unsigned long before = oac_mem_count();
  const cJSON *v = answer_path_eval(k->stored, strlen(k->stored), a);
  ck_assert_uint_eq(oac_mem_count(), before);           /* no allocation */
  if(!k->value)
    ck_assert_msg(v == NULL, "case %d %s: found something", _i, k->stored);
  else {
    ck_assert_msg(v != NULL, "case %d %s: nothing found", _i, k->stored);
    char *txt = cJSON_PrintUnformatted(v);
    ck_assert_str_eq(txt, k->value);
    cJSON_free(txt);
  }
  cJSON_Delete(a);
}
END_TEST

/* Malformed stored texts: not valid, and never a node (even where a prefix would find one). */
static const char *const malformed[] = {
  "", "[", "]", "\"a\"", "{}", "[\"a\"", "[a]", "[\"a\",]", "[,\"a\"]", "[\"a\" \"b\"]",
  "[01]", "[-2]", "[-0]", "[-1", "[-12]", "[1e3]", "[1.0]", "[+1]", "[1234567890]",
  "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"\\u0000\"]", "[\"\\x\"]",
  "[\"\\u12\"]", "[\"a\"] x", "[\"a\"]]", "[\"a\nb\"]", "[null]", "[true]", "[[0]]",
  "[\"a\\", NULL,
};

START_TEST(test_malformed)
{
  cJSON *a = cJSON_Parse("{\"a\":[{\"b\":1}],\"0\":2}");
  ck_assert_ptr_nonnull(a);
  for(size_t i = 0; malformed[i]; i++) {
    ck_assert_msg(!answer_path_valid(malformed[i], strlen(malformed[i])), "'%s' is valid",
                  malformed[i]);
    ck_assert_ptr_null(answer_path_eval(malformed[i], strlen(malformed[i]), a));
  }
  /* 64 steps are allowed, 65 are not; LEN bounds the text (no NUL needed) */
  char many[1024];
  size_t n = 0;
  many[n++] = '[';
  for(int i = 0; i < 65; i++)
    n += (size_t)snprintf(many + n, sizeof(many) - n, "%s0", i ? "," : "");
  many[n++] = ']';
  ck_assert(!answer_path_valid(many, n));
  n = 0;
  many[n++] = '[';
  for(int i = 0; i < 64; i++)
    n += (size_t)snprintf(many + n, sizeof(many) - n, "%s0", i ? "," : "");
  many[n++] = ']';
  ck_assert(answer_path_valid(many, n));
  ck_assert(answer_path_valid("[\"a\"]xyz", 5));
  ck_assert_ptr_nonnull(answer_path_eval("[\"a\",0]garbage", 7, a));
  ck_assert_ptr_null(answer_path_eval(NULL, 0, a));
  ck_assert_ptr_null(answer_path_eval("[\"a\"]", 5, NULL));
  cJSON_Delete(a);
}
END_TEST

Suite *suite(void)
{
  Suite *su = suite_create("answer_path");
  TCase *tc = tcase_create("resolve");
  tcase_add_loop_test(tc, test_resolve, 0,
                      (int)(sizeof(resolve_cases) / sizeof(resolve_cases[0])));
  tcase_add_test(tc, test_expect_kind);
  tcase_add_test(tc, test_inside_type_generation);
  suite_add_tcase(su, tc);
  tc = tcase_create("locate");
  tcase_add_loop_test(tc, test_locate, 0, (int)(sizeof(locate_cases) / sizeof(locate_cases[0])));
  tcase_add_test(tc, test_locate_then_eval);
  tcase_add_test(tc, test_out_of_memory);
  suite_add_tcase(su, tc);
  tc = tcase_create("eval");
  tcase_add_loop_test(tc, test_eval, 0, (int)(sizeof(eval_cases) / sizeof(eval_cases[0])));
  tcase_add_test(tc, test_malformed);
  suite_add_tcase(su, tc);
  return su;
}
