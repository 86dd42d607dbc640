/* check_overlay.c - OpenAPI Overlays (product.md §15.1, src/compile/overlay.c).
 *
 * Each case loads a small document and an overlay from memory, applies it, and compares
 * the document's JSON (doc_to_json) and the diagnostics (FILE:LINE:COL: severity: text)
 * with what §15.1 and Overlay 1.1 say: the merge rules, remove of several matches, a node
 * selected twice, zero matches, mixed kinds, anchors, $ref objects left as written, the
 * versions, copy, JSON overlays, positions (also of a JSONPath error inside the target),
 * a bad mark an overlay wrote reported in the overlay (through compile_document), the
 * name and checksum the model records, `extends`, and allocation failures.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/compile/compile.h"
#include "../../src/compile/overlay.h"
#include "../../src/common/hash.h"
#include "../../src/common/mem.h"

struct run {
  struct diag d;
  struct doc_set s;
  struct doc_file *root;
  enum oac_result r;
  char json[8192];
};

static void run_free(struct run *t)
{
  doc_set_free(&t->s);
  diag_free(&t->d);
}

/* Apply overlay OV (named ov.yaml) to DOC (doc.yaml); the result in T (free with
 * run_free). */
static void run(struct run *t, const char *doc, const char *ov)
{
  memset(t, 0, sizeof(*t));
  diag_init(&t->d, NULL);
  doc_set_init(&t->s, &t->d);
  ck_assert_int_eq(doc_load_mem(&t->s, "doc.yaml", doc, strlen(doc), &t->root), OAC_OK);
  t->r = overlay_apply_mem(&t->s, t->root, "ov.yaml", ov, strlen(ov));
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(doc_to_json(t->root->root, &b), OAC_OK);
  ck_assert_uint_lt(b.len, sizeof(t->json));
  memcpy(t->json, b.data, b.len);
  t->json[b.len] = '\0';
  buf_free(&b);
  ck_assert_ptr_eq(t->s.files, t->root);      /* the root document stays first */
}

static const char *diags(const struct run *t)
{
  return t->d.text.data ? t->d.text.data : "";
}

#define HAS(t, s) ck_assert_msg(strstr(diags(t), s), "no \"%s\" in:\n%s", s, diags(t))
#define OK_JSON(t, want) do { \
    ck_assert_msg((t)->r == OAC_OK, "%s\n%s", oac_result_str((t)->r), diags(t)); \
    ck_assert_str_eq((t)->json, want); } while(0)

#define HEAD "overlay: 1.1.0\ninfo: {title: t, version: '1'}\nactions:\n"
#define HEAD10 "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"

/* every merge rule of 1.1, at the top of the update and nested */
START_TEST(test_merge_rules)
{
  struct run t;
  run(&t, "a: {keep: 1, p: x, arr: [1], obj: {k: 1, deep: {z: 0}}}\n",
      HEAD "  - target: $.a\n    update:\n      p: y\n      new: {n: 2}\n      arr: [2, 3]\n"
      "      obj: {j: 2, deep: {z: 9}}\n");
  OK_JSON(&t, "{\"a\":{\"keep\":1,\"p\":\"y\",\"arr\":[1,2,3],\"obj\":{\"k\":1,"
          "\"deep\":{\"z\":9},\"j\":2},\"new\":{\"n\":2}}}");
  ck_assert_uint_eq(t.d.errors + t.d.warnings, 0);
  run_free(&t);
  /* an array target: an array concatenates, an object or a primitive is appended */
  run(&t, "l: [1]\n", HEAD "  - target: $.l\n    update: [2]\n"
      "  - target: $.l\n    update: {o: 1}\n  - target: $.l\n    update: three\n");
  OK_JSON(&t, "{\"l\":[1,2,{\"o\":1},\"three\"]}");
  run_free(&t);
}
END_TEST

/* other pairs are an error, at the overlay's value */
START_TEST(test_merge_conflicts)
{
  struct run t;
  run(&t, "a: {arr: [1], s: x}\n", HEAD "  - target: $.a\n    update:\n      arr: {x: 1}\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:6:12: error: action 1: cannot merge the object 'arr' of the update with "
      "the array the document has there (doc.yaml:1:10)");
  run_free(&t);
  run(&t, "a: {s: x}\n", HEAD "  - target: $.a\n    update: {s: [1]}\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "error: action 1: cannot merge the array 's' of the update with the primitive");
  run_free(&t);
  /* top level: an object target needs an object, a primitive one a primitive */
  run(&t, "a: {s: x}\n", HEAD "  - target: $.a\n    update: [1]\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:5:13: error: action 1: the target selects an object, so the update must "
      "be an object (it is an array)");
  run_free(&t);
  run(&t, "a: {s: x}\n", HEAD "  - target: $.a.s\n    update: {x: 1}\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "the target selects a primitive, so the update must be a primitive (it is an "
      "object)");
  run_free(&t);
}
END_TEST

/* a primitive replaces a primitive: the value and its position are the overlay's */
START_TEST(test_update_primitive)
{
  struct run t;
  run(&t, "info: {title: Old, version: 1}\n",
      HEAD "  - target: $.info.title\n    update: 'New'\n  - target: $.info.version\n"
      "    update: 2\n");
  OK_JSON(&t, "{\"info\":{\"title\":\"New\",\"version\":2}}");
  const struct doc_node *title = doc_get(doc_get(t.root->root, "info"), "title");
  ck_assert_str_eq(title->file->name, "ov.yaml");
  ck_assert_uint_eq(title->line, 5);
  ck_assert_uint_eq(title->col, 13);
  ck_assert(title->quoted);
  run_free(&t);
}
END_TEST

/* remove: true removes every selected node, map pairs and sequence items alike */
START_TEST(test_remove_several)
{
  struct run t;
  run(&t, "paths:\n  /a: {get: {responses: {'200': {}, '500': {}, default: {}}}}\n"
      "  /b: {post: {responses: {'500': {}, '201': {}}}}\n"
      "tags: [keep, x, keep, y, z, keep]\n",
      HEAD "  - target: $.paths..responses['500','default']\n    remove: true\n"
      "  - target: $.tags[?@ != 'keep']\n    remove: true\n");
  OK_JSON(&t, "{\"paths\":{\"/a\":{\"get\":{\"responses\":{\"200\":{}}}},\"/b\":{\"post\":"
          "{\"responses\":{\"201\":{}}}}},\"tags\":[\"keep\",\"keep\",\"keep\"]}");
  run_free(&t);
  /* indexes: items 0, 2 and 3 of one sequence, in any order in the query */
  run(&t, "l: [a, b, c, d, e]\n", HEAD "  - target: $.l[3, 0, 2]\n    remove: true\n");
  OK_JSON(&t, "{\"l\":[\"b\",\"e\"]}");
  run_free(&t);
  /* the root cannot be removed */
  run(&t, "a: 1\n", HEAD "  - target: $\n    remove: true\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:4:13: error: action 1: the target selects the document's root");
  run_free(&t);
}
END_TEST

/* a node selected twice is changed once */
START_TEST(test_selected_twice)
{
  struct run t;
  run(&t, "a: {l: [x]}\n", HEAD "  - target: $['a','a'].l\n    update: [y]\n");
  OK_JSON(&t, "{\"a\":{\"l\":[\"x\",\"y\"]}}");
  run_free(&t);
  run(&t, "l: [a, b, c]\n", HEAD "  - target: $.l[0, 0, -3]\n    remove: true\n");
  OK_JSON(&t, "{\"l\":[\"b\",\"c\"]}");
  run_free(&t);
  /* two filters selecting the same map: one x-seen item */
  run(&t, "a: {b: {c: {}}}\n", HEAD "  - target: $.a[?@.c, ?@.c, 'b']\n    update: {x-seen: [1]}\n");
  OK_JSON(&t, "{\"a\":{\"b\":{\"c\":{},\"x-seen\":[1]}}}");
  run_free(&t);
}
END_TEST

/* zero matches: nothing changes, a warning naming the action at its target */
START_TEST(test_zero_matches)
{
  struct run t;
  run(&t, "a: 1\n", HEAD "  - target: $.a\n    update: 2\n"
      "  - target: \"$.nope\"\n    description: add a thing\n    update: {x: 1}\n");
  OK_JSON(&t, "{\"a\":2}");
  HAS(&t, "ov.yaml:6:13: warning: action 2 (\"add a thing\"): the target '$.nope' selects "
      "nothing: nothing changed");
  ck_assert_uint_eq(t.d.warnings, 1);
  run_free(&t);
}
END_TEST

/* targets of mixed kinds are an error (update), not for remove */
START_TEST(test_mixed_kinds)
{
  struct run t;
  run(&t, "a: {m: {}, s: x, l: []}\n", HEAD "  - target: $.a.*\n    update: {x: 1}\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:4:13: error: action 1: the target selects nodes of mixed kinds (1 objects, "
      "1 arrays, 1 primitives)");
  ck_assert_str_eq(t.json, "{\"a\":{\"m\":{},\"s\":\"x\",\"l\":[]}}");
  run_free(&t);
  run(&t, "a: {m: {}, s: x, l: []}\n", HEAD "  - target: $.a.*\n    remove: true\n");
  OK_JSON(&t, "{\"a\":{}}");
  run_free(&t);
}
END_TEST

/* anchors: the document is a graph; a change to an anchored node shows at every alias */
START_TEST(test_aliases)
{
  struct run t;
  run(&t, "base: &b {x: 1, in: {y: 2}}\nuse: *b\nother: {z: 3}\n",
      HEAD "  - target: $.use\n    update: {w: 4}\n");
  OK_JSON(&t, "{\"base\":{\"x\":1,\"in\":{\"y\":2},\"w\":4},\"use\":{\"x\":1,\"in\":{\"y\":2},"
          "\"w\":4},\"other\":{\"z\":3}}");
  HAS(&t, "ov.yaml:4:13: warning: action 1: the target at doc.yaml:1:7 is (part of) an "
      "anchored YAML node that aliases repeat");
  run_free(&t);
  /* inside an anchored node, and a removal from one: warned too */
  run(&t, "base: &b {x: 1, in: {y: 2}}\nuse: *b\nother: {z: 3}\n",
      HEAD "  - target: $.base.in\n    update: {v: 5}\n  - target: $.use.x\n    remove: true\n"
      "  - target: $.other\n    update: {z: 4}\n");
  OK_JSON(&t, "{\"base\":{\"in\":{\"y\":2,\"v\":5}},\"use\":{\"in\":{\"y\":2,\"v\":5}},"
          "\"other\":{\"z\":4}}");
  HAS(&t, "ov.yaml:4:13: warning: action 1: the target at doc.yaml:1:21");
  HAS(&t, "ov.yaml:6:13: warning: action 2: the target at doc.yaml:1:14");
  ck_assert_uint_eq(t.d.warnings, 2);       /* $.other is no anchor's */
  run_free(&t);
  /* an anchored node removed from one place: its alias stays */
  run(&t, "base: &b {x: 1}\nuse: *b\n", HEAD "  - target: $.base\n    remove: true\n");
  OK_JSON(&t, "{\"use\":{\"x\":1}}");
  HAS(&t, "ov.yaml:4:13: warning: action 1: the target at doc.yaml:1:7 is an anchored YAML "
      "node that aliases repeat: it is removed here only, its aliases elsewhere stay");
  run_free(&t);
  /* an aliased scalar replaced: every alias shows the new value */
  run(&t, "a: &v old\nb: *v\n", HEAD "  - target: $.b\n    update: new\n");
  OK_JSON(&t, "{\"a\":\"new\",\"b\":\"new\"}");
  ck_assert_uint_eq(t.d.warnings, 1);
  run_free(&t);
}
END_TEST

/* targets never follow a $ref; a $ref object stays one */
START_TEST(test_ref_as_written)
{
  struct run t;
  const char *doc = "a: {$ref: '#/c/x'}\nc: {x: {y: 1}}\n";
  run(&t, doc, HEAD "  - target: $.a.y\n    update: 2\n");
  OK_JSON(&t, "{\"a\":{\"$ref\":\"#/c/x\"},\"c\":{\"x\":{\"y\":1}}}");
  HAS(&t, "warning: action 1: the target '$.a.y' selects nothing");
  run_free(&t);
  run(&t, doc, HEAD "  - target: $.a\n    update: {description: d}\n");
  OK_JSON(&t, "{\"a\":{\"$ref\":\"#/c/x\",\"description\":\"d\"},\"c\":{\"x\":{\"y\":1}}}");
  run_free(&t);
  /* a $ref an overlay writes resolves in the root document, reported in the overlay */
  run(&t, doc, HEAD "  - target: $\n    update: {b: {$ref: '#/c/x'}, bad: {$ref: '#/c/nope'}}\n");
  ck_assert_int_eq(t.r, OAC_OK);
  const struct doc_node *out = NULL;
  ck_assert_int_eq(doc_ref_resolve(&t.s, doc_get(t.root->root, "b"), &out), OAC_OK);
  ck_assert(doc_scalar_eq(doc_get(out, "y"), "1"));
  ck_assert_int_eq(doc_ref_resolve(&t.s, doc_get(t.root->root, "bad"), &out), OAC_EDOC);
  HAS(&t, "ov.yaml:5:46: error: cannot resolve $ref '#/c/nope': no 'nope' in doc.yaml#/c");
  run_free(&t);
}
END_TEST

/* versions: 1.0.x and 1.1.x only */
START_TEST(test_versions)
{
  static const struct { const char *v, *msg; } bad[] = {
    { "overlay: 0.9.0\n", "ov.yaml:1:10: error: unsupported Overlay version '0.9.0' (1.0.x and "
      "1.1.x are supported)" },
    { "overlay: 2.0.0\n", "ov.yaml:1:10: error: unsupported Overlay version '2.0.0'" },
    { "overlay: 1.2.0\n", "error: unsupported Overlay version '1.2.0'" },
    { "overlay: '1.1'\n", "error: unsupported Overlay version '1.1'" },
    { "", "ov.yaml:1:1: error: not an Overlay document: no 'overlay' field" },
  };
  for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char ov[512];
    struct run t;
    snprintf(ov, sizeof(ov), "%sinfo: {title: t, version: '1'}\nactions:\n"
             "  - target: $.a\n    update: 2\n", bad[i].v);
    run(&t, "a: 1\n", ov);
    ck_assert_int_eq(t.r, OAC_EDOC);
    ck_assert_str_eq(t.json, "{\"a\":1}");
    HAS(&t, bad[i].msg);
    run_free(&t);
  }
  struct run t;
  run(&t, "a: 1\n", "overlay: 1.0.7\ninfo: {title: t, version: '1'}\nactions:\n"
      "  - target: $.a\n    update: 2\n");
  OK_JSON(&t, "{\"a\":2}");
  run_free(&t);
}
END_TEST

/* the Overlay and Action objects' fields */
START_TEST(test_fields)
{
  struct run t;
  run(&t, "a: 1\n", "overlay: 1.1.0\ninfo: {title: t}\nx-tool: {any: thing}\nfoo: 1\n"
      "actions: []\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:2:7: error: 'info' has no 'version' (required)");
  HAS(&t, "ov.yaml:4:1: warning: unknown field 'foo' in the Overlay Object");
  HAS(&t, "ov.yaml:5:10: error: 'actions' must be a list of at least one action");
  ck_assert(!strstr(diags(&t), "x-tool"));
  run_free(&t);
  run(&t, "a: 1\n", HEAD "  - update: 2\n  - target: $.a\n    remove: maybe\n"
      "  - target: $.a\n    x-note: fine\n    updat: 3\n"
      "  - target: $.a\n    update: 1\n    copy: $.a\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  ck_assert_str_eq(t.json, "{\"a\":1}");     /* nothing applied */
  HAS(&t, "ov.yaml:4:5: error: action 1 has no 'target'");
  HAS(&t, "ov.yaml:6:13: error: action 2: 'remove' must be true or false");
  HAS(&t, "ov.yaml:9:5: warning: unknown field 'updat' in an Action Object");
  HAS(&t, "ov.yaml:7:5: warning: action 3 does nothing");
  HAS(&t, "ov.yaml:12:11: error: action 4 has both 'update' and 'copy'");
  ck_assert(!strstr(diags(&t), "x-note"));
  run_free(&t);
  /* remove wins over update: a warning */
  run(&t, "a: 1\nb: 2\n", HEAD "  - target: $.a\n    remove: true\n    update: 3\n");
  OK_JSON(&t, "{\"b\":2}");
  HAS(&t, "ov.yaml:6:13: warning: action 1: 'update' has no effect with remove: true");
  run_free(&t);
}
END_TEST

/* copy (1.1): one source node merged like an update; zero or several are errors */
START_TEST(test_copy)
{
  struct run t;
  const char *doc = "paths:\n  /items: {get: {summary: g}}\n  /some: {delete: {summary: d}}\n";
  run(&t, doc, HEAD "  - target: $.paths\n    update: {/new: {}}\n"
      "  - target: $.paths['/new']\n    copy: $.paths['/items']\n"
      "  - target: $.paths['/items']\n    remove: true\n");
  OK_JSON(&t, "{\"paths\":{\"/some\":{\"delete\":{\"summary\":\"d\"}},\"/new\":{\"get\":"
          "{\"summary\":\"g\"}}}}");
  /* the copy is a copy: changing it leaves nothing else changed, positions are the
   * document's */
  const struct doc_node *g = doc_get(doc_get(doc_get(doc_get(t.root->root, "paths"), "/new"),
                                             "get"), "summary");
  ck_assert_str_eq(g->file->name, "doc.yaml");
  ck_assert_uint_eq(g->line, 2);
  run_free(&t);
  /* a source inside its target */
  run(&t, "a: {b: {c: 1}}\n", HEAD "  - target: $.a\n    copy: $.a\n");
  OK_JSON(&t, "{\"a\":{\"b\":{\"c\":1}}}");   /* b merges into b, c: 1 replaces c: 1 */
  run_free(&t);
  run(&t, "a: {b: {c: 1}}\n", HEAD "  - target: $.a.b\n    copy: $.a\n");
  OK_JSON(&t, "{\"a\":{\"b\":{\"c\":1,\"b\":{\"c\":1}}}}");
  run_free(&t);
  run(&t, doc, HEAD "  - target: $.paths['/some']\n    description: copy it\n"
      "    copy: $.paths.nothing\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:6:11: error: action 1 (\"copy it\"): the copy source '$.paths.nothing' "
      "selects nothing: a copy needs exactly one node");
  run_free(&t);
  run(&t, doc, HEAD "  - target: $.paths['/some']\n    copy: $.paths.*.*\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:5:11: error: action 1: the copy source '$.paths.*.*' selects 2 nodes: a "
      "copy needs exactly one");
  run_free(&t);
  run(&t, doc, HEAD10 "  - target: $.paths['/some']\n    copy: $.paths['/items']\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:5:5: error: action 1: 'copy' needs Overlay 1.1");
  run_free(&t);
}
END_TEST

/* a JSON overlay, and a JSONPath error's column inside the target string */
START_TEST(test_json_and_positions)
{
  struct run t;
  run(&t, "a: {b: 1}\n", "{\"overlay\": \"1.0.0\", \"info\": {\"title\": \"j\", \"version\": "
      "\"1\"},\n \"actions\": [{\"target\": \"$.a\", \"update\": {\"c\": [true, null]}}]}\n");
  OK_JSON(&t, "{\"a\":{\"b\":1,\"c\":[true,null]}}");
  run_free(&t);
  run(&t, "a: 1\n", "{\"overlay\": \"1.1.0\", \"info\": {\"title\": \"j\", \"version\": "
      "\"1\"},\n \"actions\": [{\"target\": \"$.a[?length(@) > 1]\", \"remove\": true}]}\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  /* line 2; the string starts at column 25, its text at 26, "length" at 26 + 5 */
  HAS(&t, "ov.yaml:2:31: error: action 1: target '$.a[?length(@) > 1]': unsupported JSONPath "
      "feature: function extension");
  run_free(&t);
  run(&t, "a: 1\n", HEAD "  - target: $.a[::2]\n    remove: true\n"
      "  - target: $.a[\n    remove: true\n");
  ck_assert_int_eq(t.r, OAC_EDOC);
  HAS(&t, "ov.yaml:4:17: error: action 1: target '$.a[::2]': unsupported JSONPath feature: "
      "slice selector");
  HAS(&t, "ov.yaml:6:17: error: action 2: target '$.a[': JSONPath syntax error");
  run_free(&t);
}
END_TEST

static char tmpdir[256];

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static const char petstore[] =
  "openapi: 3.0.3\n"
  "info: {title: Pets, version: '1'}\n"
  "servers: [{url: 'https://pets.example.com'}]\n"
  "paths:\n"
  "  /pets:\n"
  "    get:\n"
  "      responses:\n"
  "        '200':\n"
  "          description: ok\n"
  "          content:\n"
  "            application/json:\n"
  "              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}\n"
  "components:\n"
  "  schemas:\n"
  "    Pet:\n"
  "      type: object\n"
  "      properties: {id: {type: string}, name: {type: string}}\n";

/* through compile_document: a bad mark the overlay wrote is reported in the overlay; the
 * model records each overlay's name and checksum */
START_TEST(test_compile_positions)
{
  char p1[512], p2[512];
  snprintf(p1, sizeof(p1), "%s/good.yaml", tmpdir);
  snprintf(p2, sizeof(p2), "%s/bad.yaml", tmpdir);
  const char *good = HEAD "  - target: $.components.schemas.Pet\n"
                     "    update:\n      x-flow-type: {name: Pet}\n";
  write_file(p1, good);
  write_file(p2, HEAD "  - target: $.components.schemas.Pet\n"
             "    update:\n      x-flow-type: {name: Pet}\n"
             "      x-flow-load: {path: /pets/{id}, operation: gte}\n");
  for(int bad = 0; bad < 2; bad++) {
    struct compile_opts o;
    struct diag d;
    struct doc_set s;
    struct model m;
    const char *ovs[2] = { p1, p2 };
    memset(&o, 0, sizeof(o));
    o.source = "pets.yaml";
    o.data = petstore;
    o.data_len = strlen(petstore);
    o.overlays = bad ? &ovs[1] : ovs;
    o.noverlays = 1;
    diag_init(&d, NULL);
    doc_set_init(&s, &d);
    model_init(&m);
    enum oac_result r = compile_document(&o, &s, &d, &m);
    const char *text = d.text.data ? d.text.data : "";
    if(bad) {
      char want[700];
      ck_assert_int_eq(r, OAC_EDOC);
      snprintf(want, sizeof(want), "%s:7:", p2);
      ck_assert_msg(strstr(text, want) && strstr(text, "error"), "%s", text);
    }
    else {
      char want[700];
      ck_assert_msg(r == OAC_OK, "%s", text);
      ck_assert_int_ge(model_find_type(&m, "Pet"), 0);
      snprintf(want, sizeof(want), "%016llx %s\n",
               (unsigned long long)oac_hash64(good, strlen(good), 0), p1);
      ck_assert_str_eq(m.overlays, want);
      ck_assert_str_eq(s.files->name, "pets.yaml");   /* the root stays first */
    }
    model_free(&m);
    doc_set_free(&s);
    diag_free(&d);
  }
}
END_TEST

/* extends: resolved against the overlay's directory or URL; none -> NULL */
START_TEST(test_extends)
{
  char p[512];
  char *out = NULL;
  struct diag d;
  diag_init(&d, NULL);
  snprintf(p, sizeof(p), "%s/ext.yaml", tmpdir);
  write_file(p, HEAD10 "  - target: $\n    update: {}\n");
  ck_assert_int_eq(overlay_extends(p, &d, &out), OAC_OK);
  ck_assert_ptr_null(out);
  write_file(p, "extends: '../api/open%20api.yaml'\n" HEAD10 "  - target: $\n    update: {}\n");
  ck_assert_int_eq(overlay_extends(p, &d, &out), OAC_OK);
  char want[600];
  snprintf(want, sizeof(want), "%s/../api/open api.yaml", tmpdir);
  ck_assert_str_eq(out, want);
  oac_free(out);
  write_file(p, "extends: 'https://example.com/v1/api.yaml'\n" HEAD10);
  ck_assert_int_eq(overlay_extends(p, &d, &out), OAC_OK);
  ck_assert_str_eq(out, "https://example.com/v1/api.yaml");
  oac_free(out);
  write_file(p, "extends: 'file:///etc/passwd'\n" HEAD10);
  ck_assert_int_eq(overlay_extends(p, &d, &out), OAC_EDOC);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(strstr(d.text.data, "only a path or an http(s) URL"));
  snprintf(want, sizeof(want), "%s/missing.yaml", tmpdir);
  ck_assert_int_eq(overlay_extends(want, &d, &out), OAC_EIO);
  diag_free(&d);
}
END_TEST

/* allocation failures: never a crash, OAC_ENOMEM (or success once enough memory) */
START_TEST(test_oom)
{
  const char *doc = "base: &b {x: 1}\nuse: *b\nl: [1, 2, 3]\npaths: {/a: {get: {}}}\n";
  const char *ov = HEAD "  - target: $.use\n    update: {y: [1, {z: 2}]}\n"
                   "  - target: $.l[0, 2]\n    remove: true\n"
                   "  - target: $.paths\n    update: {/b: {}}\n"
                   "  - target: $.paths['/b']\n    copy: $.paths['/a']\n"
                   "  - target: $.nothing\n    update: 1\n";
  int ok = 0;
  for(unsigned long n = 1; n < 5000 && !ok; n++) {
    struct diag d;
    struct doc_set s;
    struct doc_file *f = NULL;
    diag_init(&d, NULL);
    doc_set_init(&s, &d);
    s.arena.block_size = 256;
    enum oac_result r = doc_load_mem(&s, "doc.yaml", doc, strlen(doc), &f);
    ck_assert_int_eq(r, OAC_OK);
    oac_mem_fail_at(n);
    r = overlay_apply_mem(&s, f, "ov.yaml", ov, strlen(ov));
    oac_mem_fail_at(0);
    ck_assert_msg(r == OAC_OK || r == OAC_ENOMEM, "fail at %lu: %s", n, oac_result_str(r));
    if(!r) {
      struct buf b;
      buf_init(&b);
      ck_assert_int_eq(doc_to_json(f->root, &b), OAC_OK);
      buf_putc(&b, '\0');
      ck_assert_str_eq(b.data, "{\"base\":{\"x\":1,\"y\":[1,{\"z\":2}]},\"use\":{\"x\":1,\"y\":"
                       "[1,{\"z\":2}]},\"l\":[2],\"paths\":{\"/a\":{\"get\":{}},\"/b\":"
                       "{\"get\":{}}}}");
      buf_free(&b);
      ok = 1;
    }
    doc_set_free(&s);
    diag_free(&d);
  }
  ck_assert_msg(ok, "never succeeded");
}
END_TEST

/* compile_document with an overlay under allocation failures: OAC_ENOMEM, never a crash
 * or a wrong answer */
START_TEST(test_compile_oom)
{
  char p1[512];
  snprintf(p1, sizeof(p1), "%s/marks.yaml", tmpdir);
  write_file(p1, HEAD "  - target: $.components.schemas.Pet\n"
             "    update:\n      x-flow-type: {name: Pet}\n"
             "  - target: $.paths..responses['200'].description\n    update: fine\n");
  int ok = 0;
  for(unsigned long n = 1; n < 20000 && !ok; n++) {
    struct compile_opts o;
    struct diag d;
    struct doc_set s;
    struct model m;
    const char *ovs[1] = { p1 };
    memset(&o, 0, sizeof(o));
    o.source = "pets.yaml";
    o.data = petstore;
    o.data_len = strlen(petstore);
    o.overlays = ovs;
    o.noverlays = 1;
    diag_init(&d, NULL);
    doc_set_init(&s, &d);
    model_init(&m);
    oac_mem_fail_at(n);
    enum oac_result r = compile_document(&o, &s, &d, &m);
    oac_mem_fail_at(0);
    ck_assert_msg(r == OAC_OK || r == OAC_ENOMEM, "fail at %lu: %s", n, oac_result_str(r));
    if(!r) {
      ck_assert_int_eq(model_find_type(&m, "Pet"), 0);
      ck_assert_ptr_nonnull(strstr(m.overlays, p1));
      ok = 1;
    }
    model_free(&m);
    doc_set_free(&s);
    diag_free(&d);
  }
  ck_assert_msg(ok, "never succeeded");
}
END_TEST

/* a copy nested deeper than the recursion's bound is an error, not a crash */
START_TEST(test_too_deep)
{
  struct diag d;
  struct doc_set s;
  struct doc_file *f = NULL;
  size_t levels = 4200;
  char *doc = oac_malloc(6 * levels + 64);
  ck_assert_ptr_nonnull(doc);
  size_t n = 0;
  n += (size_t)snprintf(doc + n, 16, "x: 1\nd: ");
  for(size_t i = 0; i < levels; i++)
    n += (size_t)snprintf(doc + n, 8, "{a: ");
  doc[n++] = '1';
  for(size_t i = 0; i < levels; i++)
    doc[n++] = '}';
  doc[n++] = '\n';
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
  s.limits.max_depth = 10000;
  ck_assert_int_eq(doc_load_mem(&s, "doc.yaml", doc, n, &f), OAC_OK);
  const char *ov = HEAD "  - target: $\n    update: {y: 2}\n"
                   "  - target: $\n    copy: $.d\n";
  ck_assert_int_eq(overlay_apply_mem(&s, f, "ov.yaml", ov, strlen(ov)), OAC_ELIMIT);
  ck_assert_ptr_nonnull(strstr(d.text.data, "ov.yaml:6:13: error: action 2: the change is "
                               "nested deeper than 4096 levels"));
  ck_assert(doc_scalar_eq(doc_get(f->root, "y"), "2"));   /* action 1 was applied */
  doc_set_free(&s);
  diag_free(&d);
  oac_free(doc);
}
END_TEST

static void setup(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "%s/oac-overlay.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

Suite *suite(void)
{
  Suite *su = suite_create("overlay");
  TCase *tc = tcase_create("overlay");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_merge_rules);
  tcase_add_test(tc, test_merge_conflicts);
  tcase_add_test(tc, test_update_primitive);
  tcase_add_test(tc, test_remove_several);
  tcase_add_test(tc, test_selected_twice);
  tcase_add_test(tc, test_zero_matches);
  tcase_add_test(tc, test_mixed_kinds);
  tcase_add_test(tc, test_aliases);
  tcase_add_test(tc, test_ref_as_written);
  tcase_add_test(tc, test_versions);
  tcase_add_test(tc, test_fields);
  tcase_add_test(tc, test_copy);
  tcase_add_test(tc, test_json_and_positions);
  tcase_add_test(tc, test_compile_positions);
  tcase_add_test(tc, test_extends);
  tcase_add_test(tc, test_oom);
  tcase_add_test(tc, test_too_deep);
  tcase_add_test(tc, test_compile_oom);
  suite_add_tcase(su, tc);
  return su;
}
