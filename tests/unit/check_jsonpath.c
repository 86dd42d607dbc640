/* check_jsonpath.c - the JSONPath engine of overlays (src/compile/jsonpath.c, §15.1).
 *
 * Built twice: check_jsonpath (our own cases, 2. below) and, with OAC_JSONPATH_CTS,
 * check_jsonpath_cts (1.), which is a skip (exit 77, with the reason) without cts.json.
 *
 * 1. The JSONPath Compliance Test Suite (cts.json), read from
 *    $OAC_CONFORMANCE_DIR/jsonpath/cts.json or $top_srcdir/../shared/conformance/jsonpath/
 *    (never copied into this tree): a case whose selector has a slice or a function call
 *    must be refused as an unsupported feature, an invalid selector must be refused, every
 *    other case must select exactly the suite's result (or one of its results).
 * 2. Our own cases: error columns and messages, filters on YAML scalars typed by the YAML
 *    1.2 core schema, aliases, what a match says about its parent.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "common/buf.h"
#include "common/mem.h"
#include "compile/diag.h"
#include "compile/doc.h"
#include "compile/jsonpath.h"

/* One loaded document per test, freed at teardown. */
static struct diag d;
static struct doc_set s;

static void setup(void)
{
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
}

static void teardown(void)
{
  doc_set_free(&s);
  diag_free(&d);
}

#ifndef OAC_JSONPATH_CTS
static struct doc_node *load(const char *text)
{
  static unsigned seq;
  char name[64];
  snprintf(name, sizeof(name), "mem-%u.yaml", ++seq);
  struct doc_file *f = NULL;
  enum oac_result r = doc_load_mem(&s, name, text, strlen(text), &f);
  ck_assert_msg(r == OAC_OK, "%s: %s", oac_result_str(r), d.text.data ? d.text.data : "");
  return f->root;
}

/* Evaluate QUERY on ROOT; the selected nodes as a JSON array (doc_to_json of each). */
static char *select_json(struct doc_node *root, const char *query, struct jsonpath_nodelist *l)
{
  struct jsonpath *p = NULL;
  struct jsonpath_error err;
  enum oac_result r = jsonpath_compile(query, strlen(query), &p, &err);
  ck_assert_msg(r == OAC_OK, "%s: col %u: %s", query, err.col, err.msg);
  jsonpath_nodelist_init(l);
  ck_assert_int_eq(jsonpath_eval(p, root, l), OAC_OK);
  jsonpath_free(p);
  struct buf b;
  buf_init(&b);
  buf_putc(&b, '[');
  for(size_t i = 0; i < l->n; i++) {
    if(i)
      buf_putc(&b, ',');
    ck_assert_int_eq(doc_to_json(l->v[i].node, &b), OAC_OK);
  }
  buf_putc(&b, ']');
  ck_assert(!buf_failed(&b));
  return buf_steal(&b, NULL);
}

static unsigned mismatches;    /* expect() prints each and goes on; checked by done() */

static void done(void)
{
  ck_assert_msg(mismatches == 0, "%u selections differ (printed above)", mismatches);
}

static void expect(const char *yaml, const char *query, const char *json)
{
  struct jsonpath_nodelist l;
  char *got = select_json(load(yaml), query, &l);
  if(strcmp(got, json) != 0) {
    printf("%s: got %s, want %s\n", query, got, json);
    fflush(stdout);
    mismatches++;
  }
  oac_free(got);
  jsonpath_nodelist_free(&l);
}

static void expect_error(const char *query, unsigned col, const char *msg)
{
  struct jsonpath *p = (struct jsonpath *)1;
  struct jsonpath_error err;
  enum oac_result r = jsonpath_compile(query, strlen(query), &p, &err);
  ck_assert_msg(r == OAC_EDOC, "%s: compiled (%s)", query, oac_result_str(r));
  ck_assert_ptr_null(p);
  ck_assert_msg(err.col == col && strstr(err.msg, msg), "%s: col %u: %s; want col %u: %s",
                query, err.col, err.msg, col, msg);
}

/* Own cases ------------------------------------------------------------------------------- */

START_TEST(test_errors)
{
  expect_error("$[1:2]", 3, "unsupported JSONPath feature: slice selector");
  expect_error("$.a[ :]", 6, "unsupported JSONPath feature: slice selector");
  expect_error("$[::-1]", 3, "unsupported JSONPath feature: slice selector");
  expect_error("$['a', -1 : ]", 8, "unsupported JSONPath feature: slice selector");
  expect_error("$[?@.a[0:1]]", 8, "unsupported JSONPath feature: slice selector");
  expect_error("$[?length(@) > 1]", 4,
               "unsupported JSONPath feature: function extension 'length'");
  expect_error("$.a[?@.b == count(@.c)]", 13,
               "unsupported JSONPath feature: function extension 'count'");
  expect_error("$[?!match(@, 'a.*')]", 5,
               "unsupported JSONPath feature: function extension 'match'");
  expect_error("$[?@.a && (search(@.b, 'x'))]", 12,
               "unsupported JSONPath feature: function extension 'search'");
  /* syntax errors: plain messages, no "unsupported" */
  expect_error("a", 1, "JSONPath syntax error: a query starts with '$'");
  expect_error("", 1, "JSONPath syntax error: a query starts with '$'");
  expect_error("$.a.", 5, "JSONPath syntax error: expected a member name or '*'");
  expect_error("$['a]", 3, "JSONPath syntax error: unterminated string");
  expect_error("$[01]", 3, "JSONPath syntax error: an index has no leading zeros");
  expect_error("$[-0]", 3, "JSONPath syntax error: -0 is not an index");
  expect_error("$[9007199254740992]", 3, "index out of range");
  expect_error("$[?@.* == 1]", 4, "a comparison needs a singular query");
  expect_error("$[?@.a == $..b]", 11, "a comparison needs a singular query");
  expect_error("$[?true]", 8, "expected a comparison operator after a literal");
  expect_error("$[?@.a = 1]", 8, "expected ',' or ']'");
  expect_error("$.a ", 4, "expected '.', '[' or the end of the query");
  expect_error("$['\\x']", 4, "invalid escape");
  expect_error("$['\\uD800']", 4, "high surrogate");
  expect_error("$[?(@.a]", 8, "expected ')'");
  /* columns count characters, not bytes */
  expect_error("$.\xc3\xa9[x", 5, "expected a selector");
  /* deep nesting is refused, not a stack overflow */
  char deep[1024] = "$[?";
  memset(deep + 3, '(', 300);
  deep[303] = '\0';
  expect_error(deep, 132, "nested too deeply");
}
END_TEST

START_TEST(test_yaml_scalars)
{
  const char *doc = "a: {maximum: 10}\n"
                    "b: {maximum: '10'}\n"
                    "c: {maximum: 3}\n"
                    "d: {maximum: 0x10}\n"
                    "e: {maximum: 0o4}\n"
                    "f: {maximum: 1e1}\n"
                    "g: {maximum: \"12\"}\n"
                    "h: {maximum: .inf}\n"
                    "i: {maximum: .nan}\n"
                    "j: {maximum: 0o17}\n"
                    "k:\n  maximum: |\n    10\n";
  /* (doc_to_json writes plain scalars it does not take for JSON numbers as strings)
   * the plain 10 (and 0x10, 0o17, 1e1, .inf), not the quoted '10' nor the literal block */
  expect(doc, "$..[?@.maximum > 5].maximum", "[10,\"0x10\",1e1,\".inf\",\"0o17\"]");
  expect(doc, "$[?@.maximum == 16]", "[{\"maximum\":\"0x10\"}]");
  expect(doc, "$[?@.maximum == 15]", "[{\"maximum\":\"0o17\"}]");
  expect(doc, "$[?@.maximum == 10.0]", "[{\"maximum\":10},{\"maximum\":1e1}]");
  expect(doc, "$[?@.maximum == '10']", "[{\"maximum\":\"10\"}]");
  expect(doc, "$[?@.maximum < 5]", "[{\"maximum\":3},{\"maximum\":\"0o4\"}]");
  expect(doc, "$[?@.maximum != @.maximum]", "[{\"maximum\":\".nan\"}]");

  const char *nulls = "- {x: ~}\n- {x: null}\n- {x: 'null'}\n- {x: }\n- {x: NULL}\n"
                      "- {y: 1}\n- {x: Null}\n- {x: \"\"}\n";
  expect(nulls, "$[?@.x == null]",
         "[{\"x\":null},{\"x\":null},{\"x\":null},{\"x\":null},{\"x\":null}]");
  expect(nulls, "$[?@.x == 'null'].x", "[\"null\"]");
  expect(nulls, "$[?@.x == '']", "[{\"x\":\"\"}]");
  expect(nulls, "$[?@.x]", "[{\"x\":null},{\"x\":null},{\"x\":\"null\"},{\"x\":null},"
         "{\"x\":null},{\"x\":null},{\"x\":\"\"}]");
  expect(nulls, "$[?!@.x]", "[{\"y\":1}]");

  const char *bools = "- {x: True}\n- {x: 'true'}\n- {x: TRUE}\n- {x: yes}\n- {x: false}\n";
  expect(bools, "$[?@.x == true]", "[{\"x\":true},{\"x\":true}]");
  expect(bools, "$[?@.x == false]", "[{\"x\":false}]");
  expect(bools, "$[?@.x == 'yes' || @.x == 'true'].x", "[\"true\",\"yes\"]");
  expect(bools, "$[?@.x > false]", "[]");

  /* strings that only look like numbers in YAML 1.1 stay strings; signs are numbers */
  expect("[+12, 012, 1_000, 0b11, -.5, 1., .5e1, 0x1G]", "$[?@ > 0]",
         "[12,\"012\",\"1.\",\".5e1\"]");
  expect("[+12, 012, 1_000, 0b11, -.5, 1., .5e1, 0x1G]", "$[?@ == 12]", "[12,\"012\"]");
  done();
}
END_TEST

START_TEST(test_aliases)
{
  const char *doc = "defs:\n"
                    "  p: &P {type: string, n: 1}\n"
                    "a: *P\n"
                    "b: [*P, *P]\n";
  struct jsonpath_nodelist l;
  struct doc_node *root = load(doc);
  char *got = select_json(root, "$..type", &l);
  ck_assert_str_eq(got, "[\"string\",\"string\",\"string\",\"string\"]");
  ck_assert_uint_eq(l.n, 4);
  for(size_t i = 1; i < l.n; i++) {
    ck_assert_ptr_eq(l.v[i].node, l.v[0].node);     /* one node, reached four ways */
    ck_assert_ptr_eq(l.v[i].parent, l.v[0].parent);
  }
  oac_free(got);
  jsonpath_nodelist_free(&l);

  got = select_json(root, "$['a', 'b'][?@.n == 1]", &l);
  ck_assert_str_eq(got, "[{\"type\":\"string\",\"n\":1},{\"type\":\"string\",\"n\":1}]");
  ck_assert_ptr_eq(l.v[0].node, l.v[1].node);
  ck_assert_ptr_null(l.v[0].key);                   /* a SEQ parent: no key */
  ck_assert_uint_eq(l.v[1].index, 1);
  oac_free(got);
  jsonpath_nodelist_free(&l);

  /* deep equality of structured values, one query against another */
  expect(doc, "$[?@ == $.defs.p]", "[{\"type\":\"string\",\"n\":1}]");
  expect("{x: {a: [1, {b: 2}]}, y: {a: [1, {b: 2.0}]}, z: {a: [1, {b: '2'}]}}",
         "$[?@.a == $.x.a]", "[{\"a\":[1,{\"b\":2}]},{\"a\":[1,{\"b\":2.0}]}]");
  done();
}
END_TEST

START_TEST(test_matches)
{
  struct doc_node *root = load("m: {k: v, j: [a, b, c]}\n");
  struct jsonpath_nodelist l;
  char *got = select_json(root, "$.m.j[-1]", &l);
  ck_assert_str_eq(got, "[\"c\"]");
  ck_assert_ptr_eq(l.v[0].parent, doc_get(doc_get(root, "m"), "j"));
  ck_assert_uint_eq(l.v[0].index, 2);
  ck_assert_ptr_null(l.v[0].key);
  oac_free(got);
  jsonpath_nodelist_free(&l);

  got = select_json(root, "$.m['j']", &l);
  ck_assert_ptr_eq(l.v[0].parent, doc_get(root, "m"));
  ck_assert_uint_eq(l.v[0].index, 1);
  ck_assert_str_eq(l.v[0].key->str, "j");
  oac_free(got);
  jsonpath_nodelist_free(&l);

  got = select_json(root, "$", &l);
  ck_assert_uint_eq(l.n, 1);
  ck_assert_ptr_eq(l.v[0].node, root);
  ck_assert_ptr_null(l.v[0].parent);
  oac_free(got);
  jsonpath_nodelist_free(&l);

  expect("{min: 1, max: 3, in: [{min: 2, max: 1}, {min: 0, max: 4}]}",
         "$.in[?@.min < @.max && @.max <= $.max || @.min == 2]", "[{\"min\":2,\"max\":1}]");
  done();
}
END_TEST

START_TEST(test_filters)
{
  const char *doc = "paths:\n"
                    "  /pets:\n"
                    "    get: {operationId: listPets, tags: [pets]}\n"
                    "    post: {operationId: createPet, x-flow: {type: Pet}}\n"
                    "  /users/{id}:\n"
                    "    get: {operationId: getUser, deprecated: true}\n";
  expect(doc, "$.paths.*[?@.operationId == 'createPet'].operationId", "[\"createPet\"]");
  expect(doc, "$.paths.*[?@.operationId == 'createPet']",
         "[{\"operationId\":\"createPet\",\"x-flow\":{\"type\":\"Pet\"}}]");
  expect(doc, "$.paths[*][?@.deprecated == true].operationId", "[\"getUser\"]");
  expect(doc, "$.paths[?@.get && !@.post]..operationId", "[\"getUser\"]");
  expect(doc, "$..[?@.tags[?@ == 'pets']].operationId", "[\"listPets\"]");
  expect(doc, "$.paths['/users/{id}'] .get[\"operationId\"]", "[\"getUser\"]");
  expect(doc, "$..[?(@.operationId >= 'getUser')].operationId", "[\"listPets\",\"getUser\"]");
  expect(doc, "$.paths.*[?@['x-flow'].type == 'Pet'].operationId", "[\"createPet\"]");
  /* escapes in quoted names, negative indexes, the later of duplicate keys (as doc_get) */
  expect("{\"\u00e9\": 1, \"a'b\": 2, \"\\t\": 3}", "$['\\u00e9', \"a'b\", 'a\\'b', '\\t']",
         "[1,2,2,3]");
  expect("[a, b, c]", "$[-1, -3, -4, 0, 3]", "[\"c\",\"a\",\"a\"]");
  expect("{k: 1, k: 2}", "$.k", "[2]");
  expect("{k: 1, k: 2}", "$.*", "[2]");
  done();
}
END_TEST

/* The fast paths (a singular existence test; == and != between a singular query and a
 * literal; the iterative `..` walk) against the general evaluation: each fast query is
 * compared with the same test written against a value of the document ($.lit...), which
 * takes the general path (two queries), and with its expected result. */
static void expect_same(const char *yaml, const char *fast, const char *slow, const char *json)
{
  expect(yaml, fast, json);
  expect(yaml, slow, json);
}

START_TEST(test_fast_paths)
{
  /* quoted vs plain scalars; 10 vs 10.0 vs "10"; null and bool typing */
  const char *doc = "lit: {s10: '10', n10: 10, f10: 10.0, t: 'true', b: true, n: 'null',\n"
                    "      z: null, e: '', x: 'x'}\n"
                    "v:\n"
                    "  - {k: 10}\n"           /* 0: plain int */
                    "  - {k: '10'}\n"         /* 1: quoted string */
                    "  - {k: 10.0}\n"         /* 2: plain float */
                    "  - {k: \"10\"}\n"       /* 3: quoted string */
                    "  - {k: true}\n"         /* 4: bool */
                    "  - {k: 'true'}\n"       /* 5: string */
                    "  - {k: null}\n"         /* 6: null */
                    "  - {k: 'null'}\n"       /* 7: string */
                    "  - {k: ~}\n"            /* 8: null */
                    "  - {k: }\n"             /* 9: null (empty plain) */
                    "  - {k: ''}\n"           /* 10: empty string */
                    "  - {k: x}\n"            /* 11: plain string */
                    "  - {k: [x]}\n"          /* 12: a SEQ */
                    "  - {j: x}\n"            /* 13: no k */
                    "  - x\n"                 /* 14: a scalar item */
                    "  - {k: 0xA}\n";         /* 15: plain hex int 10 */
  expect_same(doc, "$.v[?@.k == '10'].k", "$.v[?@.k == $.lit.s10].k", "[\"10\",\"10\"]");
  expect_same(doc, "$.v[?'10' == @.k].k", "$.v[?$.lit.s10 == @.k].k", "[\"10\",\"10\"]");
  expect_same(doc, "$.v[?@.k == 10].k", "$.v[?@.k == $.lit.n10].k", "[10,10.0,\"0xA\"]");
  expect_same(doc, "$.v[?@.k == 10.0].k", "$.v[?@.k == $.lit.f10].k", "[10,10.0,\"0xA\"]");
  expect_same(doc, "$.v[?@.k == 'true'].k", "$.v[?@.k == $.lit.t].k", "[\"true\"]");
  expect_same(doc, "$.v[?@.k == true].k", "$.v[?@.k == $.lit.b].k", "[true]");
  expect_same(doc, "$.v[?@.k == 'null'].k", "$.v[?@.k == $.lit.n].k", "[\"null\"]");
  expect_same(doc, "$.v[?@.k == null].k", "$.v[?@.k == $.lit.z].k", "[null,null,null]");
  expect_same(doc, "$.v[?@.k == ''].k", "$.v[?@.k == $.lit.e].k", "[\"\"]");
  expect_same(doc, "$.v[?@.k == 'x'].k", "$.v[?@.k == $.lit.x].k", "[\"x\"]");
  /* != selects Nothing (no k, a scalar item) and the SEQ too */
  expect_same(doc, "$.v[?@.k != 'x']", "$.v[?@.k != $.lit.x]",
              "[{\"k\":10},{\"k\":\"10\"},{\"k\":10.0},{\"k\":\"10\"},{\"k\":true},"
              "{\"k\":\"true\"},{\"k\":null},{\"k\":\"null\"},{\"k\":null},{\"k\":null},"
              "{\"k\":\"\"},{\"k\":[\"x\"]},{\"j\":\"x\"},\"x\",{\"k\":\"0xA\"}]");
  expect_same(doc, "$.v[?@.k != 10 && @.k != '10' && @.k]",
              "$.v[?@.k != $.lit.n10 && @.k != $.lit.s10 && @.k]",
              "[{\"k\":true},{\"k\":\"true\"},{\"k\":null},{\"k\":\"null\"},{\"k\":null},"
              "{\"k\":null},{\"k\":\"\"},{\"k\":\"x\"},{\"k\":[\"x\"]}]");
  /* existence: a null value exists; a nested singular path; an index; $ inside */
  expect_same(doc, "$.v[?@.j].j", "$.v[?@.j == $.lit.x].j", "[\"x\"]");
  expect(doc, "$.v[?@.k[0]].k", "[[\"x\"]]");
  expect(doc, "$.v[?!@.k]", "[{\"j\":\"x\"},\"x\"]");
  expect(doc, "$.v[?$.lit.z]", "[{\"k\":10},{\"k\":\"10\"},{\"k\":10.0},{\"k\":\"10\"},"
         "{\"k\":true},{\"k\":\"true\"},{\"k\":null},{\"k\":\"null\"},{\"k\":null},"
         "{\"k\":null},{\"k\":\"\"},{\"k\":\"x\"},{\"k\":[\"x\"]},{\"j\":\"x\"},\"x\","
         "{\"k\":\"0xA\"}]");
  expect(doc, "$.v[?$.lit.nothing]", "[]");
  /* a non-singular existence test keeps the general path */
  expect(doc, "$.v[?@.*[0]].k", "[[\"x\"]]");
  expect(doc, "$.v[?@..[?@ == 'x']]", "[{\"k\":\"x\"},{\"k\":[\"x\"]},{\"j\":\"x\"}]");

  /* duplicates: the later key wins under .. and in the filter (doc_to_json prints it) */
  const char *dup = "a: {id: 1, id: 2}\nb: [{id: 2}, {c: {id: 2, id: 1}}]\n";
  expect(dup, "$..[?@.id == 2]", "[{\"id\":2},{\"id\":2}]");
  expect(dup, "$..[?@.id == 1]", "[{\"id\":1}]");
  expect("{k: {x: 1}, k: {x: 2}}", "$..[?@.x]", "[{\"x\":2}]");

  /* a node reached twice (an alias) is selected twice, in document order */
  const char *al = "d: &D {op: a, in: {op: b}}\nl: [*D, {op: c}]\nm: {z: *D}\n";
  expect(al, "$..[?@.op == 'b'].op", "[\"b\",\"b\",\"b\"]");
  /* a node's matching children come before their subtrees: not the order of $..op */
  expect(al, "$..[?@.op].op", "[\"a\",\"b\",\"a\",\"c\",\"b\",\"a\",\"b\"]");
  expect(al, "$..op", "[\"a\",\"b\",\"a\",\"b\",\"c\",\"a\",\"b\"]");
  expect(al, "$..[?@.op != 'b'].op", "[\"a\",\"a\",\"c\",\"a\"]");
  done();
}
END_TEST

/* `..[?@.k ...]` takes the keyed walk (keys compared as the walk passes them), the same
 * filter with `&& 1 == 1` the general one (the filter on each child, from its parent):
 * both must select the same nodes, with the same parent, key and index, in the same
 * order; `..[?!(...)]` must select every other child. */
START_TEST(test_keyed_walk)
{
  static const char *docs[] = {
    "a: {k: x, b: {k: y, c: [{k: x}, {j: 1}, x, [{k: x}]]}, k: z}\n"
    "l: [{k: x, k: y}, {k: y, k: x}, {k: {j: 1}}, {k: [x, 1]}, {k: null}, {k: '1'}]\n"
    "m: {k: {k: {k: x}}}\n",
    "d: &D {k: x, in: {k: 1, z: [{k: x}]}}\nl: [*D, {k: '1'}, *D]\nm: {z: *D, k: x}\n",
    "[{k: x}, [[{k: x}], {k: 1.0}], x, {}, [], {k: {k: {}}}]\n",
  };
  static const char *filters[] = {
    "@.k", "@.k == 'x'", "'x' == @.k", "@.k != 'x'", "@.k == 1", "@.k != 1", "@.k.j == 1",
    "@.k.j", "@.k[0] == 'x'", "@.k[1]", "@.k == null", "@.k.k", "@['k'] == 'y'",
  };
  for(size_t di = 0; di < sizeof(docs) / sizeof(docs[0]); di++) {
    struct doc_node *root = load(docs[di]);
    for(size_t fi = 0; fi < sizeof(filters) / sizeof(filters[0]); fi++) {
      char q1[128], q2[128], q3[128];
      snprintf(q1, sizeof(q1), "$..[?%s]", filters[fi]);
      snprintf(q2, sizeof(q2), "$..[?%s && 1 == 1]", filters[fi]);
      snprintf(q3, sizeof(q3), "$..[?!(%s)]", filters[fi]);
      struct jsonpath_nodelist a, b, c, all;
      char *ja = select_json(root, q1, &a), *jb = select_json(root, q2, &b);
      char *jc = select_json(root, q3, &c), *jall = select_json(root, "$..*", &all);
      ck_assert_msg(strcmp(ja, jb) == 0, "doc %zu: %s: %s, %s", di, q1, ja, jb);
      ck_assert_uint_eq(a.n, b.n);
      for(size_t i = 0; i < a.n; i++) {
        ck_assert_ptr_eq(a.v[i].node, b.v[i].node);
        ck_assert_ptr_eq(a.v[i].parent, b.v[i].parent);
        ck_assert_ptr_eq(a.v[i].key, b.v[i].key);
        ck_assert_uint_eq(a.v[i].index, b.v[i].index);
      }
      ck_assert_msg(a.n + c.n == all.n, "doc %zu: %s: %zu + %zu of %zu", di, q1, a.n, c.n,
                    all.n);
      oac_free(ja);
      oac_free(jb);
      oac_free(jc);
      oac_free(jall);
      jsonpath_nodelist_free(&a);
      jsonpath_nodelist_free(&b);
      jsonpath_nodelist_free(&c);
      jsonpath_nodelist_free(&all);
    }
  }
  /* a few answers spelled out: a map's match comes before its subtree's */
  /* (a's k is z: the later key wins; l[1]'s is x) */
  expect(docs[0], "$..[?@.k == 'x'].k", "[\"x\",\"x\",\"x\",\"x\"]");
  expect(docs[0], "$..[?@.k == 'y']..j", "[1]");
  expect(docs[0], "$.m..[?@.k]", "[{\"k\":{\"k\":\"x\"}},{\"k\":\"x\"}]");
  expect(docs[2], "$..[?@.k == 1]", "[{\"k\":1.0}]");
  /* (scalars have no member k: Nothing != 1) */
  expect(docs[2], "$..[?@.k != 1]", "[{\"k\":\"x\"},[[{\"k\":\"x\"}],{\"k\":1.0}],\"x\",{},[],"
         "{\"k\":{\"k\":{}}},\"x\",[{\"k\":\"x\"}],{\"k\":\"x\"},\"x\",1.0,{\"k\":{}},{}]");
  done();
}
END_TEST

/* `..` deeper than the walk's frames on the C stack (64): the heap takes over, document
 * order is kept, and every allocation failing in turn gives OAC_ENOMEM, nothing leaked. */
START_TEST(test_deep_descendant)
{
  enum { LEVELS = 300 };
  char *doc = oac_malloc(16 * LEVELS + 64);
  ck_assert_ptr_nonnull(doc);
  size_t n = 0;
  for(size_t i = 0; i < LEVELS; i++)
    n += (size_t)snprintf(doc + n, 16, "{id: %u, a: [", (unsigned)i);
  for(size_t i = 0; i < LEVELS; i++)
    n += (size_t)snprintf(doc + n, 4, "]}");
  doc[n] = '\0';
  s.limits.max_depth = 10000;
  struct doc_node *root = load(doc);
  oac_free(doc);

  struct jsonpath_nodelist l;
  char *got = select_json(root, "$..[?@.id == 299 || @.id == 150 || @.id == 1].id", &l);
  ck_assert_str_eq(got, "[1,150,299]");
  oac_free(got);
  jsonpath_nodelist_free(&l);
  got = select_json(root, "$..id", &l);
  ck_assert_uint_eq(l.n, LEVELS);         /* `..` starts at the root itself... */
  oac_free(got);
  jsonpath_nodelist_free(&l);
  got = select_json(root, "$..[?@.id]", &l);
  ck_assert_uint_eq(l.n, LEVELS - 1);     /* ...which is no child of anything */
  for(size_t i = 0; i < l.n; i++) {
    char want[32];
    snprintf(want, sizeof(want), "%zu", i + 1);
    ck_assert_str_eq(doc_get(l.v[i].node, "id")->str, want);
  }
  oac_free(got);
  jsonpath_nodelist_free(&l);

  const char *q = "$..[?@.id == 299]";
  unsigned long k;
  for(k = 1; k < 1000; k++) {
    struct jsonpath *p = NULL;
    struct jsonpath_error err;
    jsonpath_nodelist_init(&l);
    ck_assert_int_eq(jsonpath_compile(q, strlen(q), &p, &err), OAC_OK);
    oac_mem_fail_at(k);
    enum oac_result r = jsonpath_eval(p, root, &l);
    oac_mem_fail_at(0);
    jsonpath_free(p);
    size_t cnt = l.n;
    jsonpath_nodelist_free(&l);
    if(r == OAC_OK) {
      ck_assert_uint_eq(cnt, 1);
      break;
    }
    ck_assert_int_eq(r, OAC_ENOMEM);
  }
  ck_assert_uint_gt(k, 2);      /* the nodelists, then the walk's frames, failed first */
  ck_assert_uint_lt(k, 1000);
}
END_TEST

/* Every allocation of compile and eval failing in turn: OAC_ENOMEM, nothing leaked
 * (valgrind and the sanitizer build check that), then the right answer. */
START_TEST(test_oom)
{
  struct doc_node *root = load("a: [{b: 1}, {b: 2, c: [x, y]}]\nd: {b: 2}\n");
  const char *q = "$..[?@.b == 2 && (@.c[?@ == 'y'] || @.b == $.d.b)]['b', 'c']";
  unsigned long n;
  for(n = 1; n < 10000; n++) {
    struct jsonpath *p = NULL;
    struct jsonpath_error err;
    struct jsonpath_nodelist l;
    jsonpath_nodelist_init(&l);
    oac_mem_fail_at(n);
    enum oac_result r = jsonpath_compile(q, strlen(q), &p, &err);
    if(r == OAC_OK)
      r = jsonpath_eval(p, root, &l);
    oac_mem_fail_at(0);
    jsonpath_free(p);
    size_t got = l.n;
    jsonpath_nodelist_free(&l);
    if(r == OAC_OK) {
      ck_assert_uint_eq(got, 3);    /* a[1].b, a[1].c, d.b */
      break;
    }
    ck_assert_int_eq(r, OAC_ENOMEM);
  }
  ck_assert_uint_gt(n, 3);
  ck_assert_uint_lt(n, 10000);
}
END_TEST

#else /* OAC_JSONPATH_CTS */

/* The Compliance Test Suite ------------------------------------------------------------------ */

static char cts_path[4096];

/* The selector has a slice (a ':' inside brackets) or a function call (name '(') outside
 * string literals: a lexical look, independent of the parser under test. */
static int uses_unsupported(const char *sel)
{
  for(const char *p = sel; *p; p++) {
    if(*p == '\'' || *p == '"') {
      char q = *p;
      for(p++; *p && *p != q; p++)
        if(*p == '\\' && p[1])
          p++;
      if(!*p)
        return 0;
      continue;
    }
    if(*p == ':')
      return 1;
    if(*p >= 'a' && *p <= 'z' && (p == sel || !strchr("._abcdefghijklmnopqrstuvwxyz"
                                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                                       p[-1]))) {
      const char *e = p;
      while((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '_')
        e++;
      if(*e == '(')
        return 1;
    }
  }
  return 0;
}

/* A JSON string for the YAML loader: the characters libyaml refuses raw (C0 and C1
 * controls, DEL) escaped, the rest as it is. */
static void put_string(struct buf *b, const char *v)
{
  const unsigned char *u = (const unsigned char *)v;
  buf_putc(b, '"');
  for(size_t i = 0; u[i]; i++) {
    unsigned c = u[i];
    if(c == 0xC2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F)
      buf_printf(b, "\\u%04X", u[++i]);
    else if(c < 0x20 || c == 0x7F)
      buf_printf(b, "\\u%04X", c);
    else if(c == '"' || c == '\\')
      buf_printf(b, "\\%c", (char)c);
    else
      buf_putc(b, (char)c);
  }
  buf_putc(b, '"');
}

/* JSON text of a CTS document (cJSON prints DEL and C1 controls raw). */
static void put_json(struct buf *b, const cJSON *j)
{
  if(cJSON_IsString(j))
    put_string(b, j->valuestring);
  else if(cJSON_IsArray(j) || cJSON_IsObject(j)) {
    buf_putc(b, cJSON_IsArray(j) ? '[' : '{');
    for(const cJSON *c = j->child; c; c = c->next) {
      if(c != j->child)
        buf_putc(b, ',');
      if(cJSON_IsObject(j)) {
        put_string(b, c->string);
        buf_putc(b, ':');
      }
      put_json(b, c);
    }
    buf_putc(b, cJSON_IsArray(j) ? ']' : '}');
  } else {
    char *t = cJSON_PrintUnformatted(j);
    ck_assert_ptr_nonnull(t);
    buf_puts(b, t);
    cJSON_free(t);
  }
}

/* The doc node equals the JSON value. */
static int json_eq(const struct doc_node *n, const cJSON *j)
{
  if(cJSON_IsArray(j) || cJSON_IsObject(j)) {
    if(n->kind != (cJSON_IsArray(j) ? DOC_SEQ : DOC_MAP) ||
       (size_t)cJSON_GetArraySize(j) != n->n)
      return 0;
    size_t i = 0;
    for(const cJSON *c = j->child; c; c = c->next, i++) {
      const struct doc_node *v = cJSON_IsArray(j) ? n->items[i] : NULL;
      if(cJSON_IsObject(j)) {
        for(size_t k = 0; k < n->n && !v; k++)
          if(n->items[2 * k]->kind == DOC_SCALAR && strcmp(n->items[2 * k]->str, c->string) == 0)
            v = n->items[2 * k + 1];
      }
      if(!v || !json_eq(v, c))
        return 0;
    }
    return 1;
  }
  if(n->kind != DOC_SCALAR)
    return 0;
  if(cJSON_IsString(j))
    return n->quoted && strlen(j->valuestring) == n->len && strcmp(n->str, j->valuestring) == 0;
  if(n->quoted)
    return 0;
  if(cJSON_IsNull(j))
    return doc_is_null(n);
  if(cJSON_IsTrue(j))
    return doc_bool(n) == DOC_TRUE;
  if(cJSON_IsFalse(j))
    return doc_bool(n) == DOC_FALSE;
  if(cJSON_IsNumber(j)) {
    char *e;
    double v = strtod(n->str, &e);
    return *e == '\0' && v == j->valuedouble;
  }
  return 0;
}

static int list_eq(const struct jsonpath_nodelist *l, const cJSON *want)
{
  if((size_t)cJSON_GetArraySize(want) != l->n)
    return 0;
  size_t i = 0;
  for(const cJSON *c = want->child; c; c = c->next, i++)
    if(!json_eq(l->v[i].node, c))
      return 0;
  return 1;
}

START_TEST(test_cts)
{
  FILE *f = fopen(cts_path, "rb");
  ck_assert_msg(f != NULL, "%s: cannot open", cts_path);
  struct buf text;
  buf_init(&text);
  char chunk[65536];
  size_t got;
  while((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
    buf_append(&text, chunk, got);
  fclose(f);
  ck_assert(!buf_failed(&text));
  cJSON *cts = cJSON_Parse(text.data);
  buf_free(&text);
  ck_assert_msg(cts != NULL, "%s is not JSON", cts_path);
  const cJSON *tests = cJSON_GetObjectItemCaseSensitive(cts, "tests");
  ck_assert(cJSON_IsArray(tests));

  unsigned total = 0, passed = 0, unsupported = 0, invalid = 0, failed = 0;
  struct buf fails;
  buf_init(&fails);
  for(const cJSON *t = tests->child; t; t = t->next) {
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
    const cJSON *jsel = cJSON_GetObjectItemCaseSensitive(t, "selector");
    const char *sel = cJSON_GetStringValue(jsel);
    ck_assert_ptr_nonnull(sel);
    total++;
    int is_invalid = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "invalid_selector"));
    int unsup = uses_unsupported(sel);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(t, "tags");
    for(const cJSON *g = tags ? tags->child : NULL; g; g = g->next)
      if(!is_invalid && cJSON_IsString(g) &&
         (strcmp(g->valuestring, "slice") == 0 || strcmp(g->valuestring, "function") == 0))
        ck_assert_msg(unsup, "%s: tagged %s, the test's look does not see it", name,
                      g->valuestring);
    struct jsonpath *p = NULL;
    struct jsonpath_error err;
    enum oac_result r = jsonpath_compile(sel, strlen(sel), &p, &err);
    ck_assert(r == OAC_OK || r == OAC_EDOC);
    int refused_unsup = r && strncmp(err.msg, "unsupported JSONPath feature: ", 30) == 0;
    if(is_invalid) {
      if(r) {
        passed++;
        invalid++;
      } else {
        failed++;
        buf_printf(&fails, "%s: %s: accepted an invalid selector\n", name, sel);
      }
    } else if(unsup) {
      if(refused_unsup)
        unsupported++;
      else {
        failed++;
        buf_printf(&fails, "%s: %s: not refused as unsupported (%s)\n", name, sel,
                   r ? err.msg : "compiled");
      }
    } else if(r) {
      failed++;
      buf_printf(&fails, "%s: %s: refused: col %u: %s\n", name, sel, err.col, err.msg);
    } else {
      const cJSON *docj = cJSON_GetObjectItemCaseSensitive(t, "document");
      struct buf jb;
      buf_init(&jb);
      put_json(&jb, docj);
      ck_assert(!buf_failed(&jb));
      const char *json = jb.data;
      char docname[64];
      snprintf(docname, sizeof(docname), "cts-%u.json", total);
      struct doc_file *df = NULL;
      enum oac_result lr = doc_load_mem(&s, docname, json, strlen(json), &df);
      ck_assert_msg(lr == OAC_OK, "%s: document: %s\n%s\n%s", name, oac_result_str(lr), json,
                    d.text.data ? d.text.data : "");
      buf_free(&jb);
      struct jsonpath_nodelist l;
      jsonpath_nodelist_init(&l);
      ck_assert_int_eq(jsonpath_eval(p, df->root, &l), OAC_OK);
      const cJSON *want = cJSON_GetObjectItemCaseSensitive(t, "result");
      int ok = 0;
      if(want)
        ok = list_eq(&l, want);
      else {
        const cJSON *alts = cJSON_GetObjectItemCaseSensitive(t, "results");
        ck_assert_msg(cJSON_IsArray(alts), "%s: no result", name);
        for(const cJSON *a = alts->child; a && !ok; a = a->next)
          ok = list_eq(&l, a);
      }
      if(ok)
        passed++;
      else {
        failed++;
        struct buf g;
        buf_init(&g);
        for(size_t i = 0; i < l.n; i++) {
          buf_puts(&g, i ? "," : "");
          (void)doc_to_json(l.v[i].node, &g);
        }
        buf_printf(&fails, "%s: %s: WRONG SELECTION [%s]\n", name, sel, g.data ? g.data : "");
        buf_free(&g);
      }
      jsonpath_nodelist_free(&l);
      doc_set_free(&s);         /* a set loads at most 256 files */
      doc_set_init(&s, &d);
    }
    jsonpath_free(p);
  }
  cJSON_Delete(cts);
  printf("JSONPath CTS (%s): %u passed (%u of them invalid selectors refused), %u refused as "
         "unsupported (slice or function), %u failed, %u total\n",
         cts_path, passed, invalid, unsupported, failed, total);
  ck_assert_msg(failed == 0, "%u CTS cases failed:\n%s", failed, fails.data ? fails.data : "");
  ck_assert_uint_eq(passed + unsupported, total);
  ck_assert_uint_gt(passed, 0);
  buf_free(&fails);
}
END_TEST

#endif /* OAC_JSONPATH_CTS */

Suite *suite(void)
{
#ifdef OAC_JSONPATH_CTS
  const char *env = getenv("OAC_CONFORMANCE_DIR");
  const char *top = getenv("top_srcdir");
  if(env && *env)
    snprintf(cts_path, sizeof(cts_path), "%s/jsonpath/cts.json", env);
  else
    snprintf(cts_path, sizeof(cts_path), "%s/../shared/conformance/jsonpath/cts.json",
             top && *top ? top : "..");
  FILE *f = fopen(cts_path, "rb");
  if(!f) {
    check_skip("no JSONPath Compliance Test Suite: %s cannot be read (set OAC_CONFORMANCE_DIR "
               "to the directory holding jsonpath/cts.json to run it)", cts_path);
    return NULL;
  }
  fclose(f);
  printf("JSONPath Compliance Test Suite from %s\n", cts_path);
  Suite *su = suite_create("jsonpath-cts");
  TCase *tc = tcase_create("cts");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_cts);
  suite_add_tcase(su, tc);
#else
  Suite *su = suite_create("jsonpath");
  TCase *tc = tcase_create("own");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_yaml_scalars);
  tcase_add_test(tc, test_aliases);
  tcase_add_test(tc, test_matches);
  tcase_add_test(tc, test_filters);
  tcase_add_test(tc, test_oom);
  tcase_add_test(tc, test_fast_paths);
  tcase_add_test(tc, test_deep_descendant);
  tcase_add_test(tc, test_keyed_walk);
  suite_add_tcase(su, tc);
#endif
  return su;
}
