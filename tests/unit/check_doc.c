/* check_doc.c - unit tests of the document tree stage: loading YAML/JSON, positions,
 * anchors and the alias limit, error messages, $ref resolution, doc_to_json.
 * Data: $top_srcdir/tests/data/doc/.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/compile/doc.h"
#include "../../src/common/buf.h"
#include "../../src/common/hash.h"
#include "../../src/common/mem.h"

static struct diag d;
static struct doc_set s;
static char path[4096];

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

/* $top_srcdir/tests/data/doc/NAME */
static const char *data(const char *name)
{
  const char *top = getenv("top_srcdir");
  snprintf(path, sizeof(path), "%s/tests/data/doc/%s", top && *top ? top : ".", name);
  return path;
}

static const char *diag_text(void) { return d.text.data ? d.text.data : ""; }

static struct doc_file *load_ok(const char *name)
{
  struct doc_file *f = NULL;
  enum oac_result r = doc_load(&s, data(name), &f);
  ck_assert_msg(r == OAC_OK, "%s: %s\n%s", name, oac_result_str(r), diag_text());
  ck_assert_ptr_nonnull(f);
  return f;
}

static struct doc_file *mem_ok(const char *text)
{
  struct doc_file *f = NULL;
  enum oac_result r = doc_load_mem(&s, "mem.yaml", text, strlen(text), &f);
  ck_assert_msg(r == OAC_OK, "%s\n%s", oac_result_str(r), diag_text());
  return f;
}

/* The diagnostics contain LINE (a whole message line, without its newline). */
static void expect_diag(const char *line)
{
  const char *t = diag_text();
  size_t n = strlen(line);
  for(const char *p = t; (p = strstr(p, line)); p++)
    if((p == t || p[-1] == '\n') && p[n] == '\n')
      return;
  ck_abort_msg("expected diagnostic:\n%s\ngot:\n%s", line, t);
}

static struct doc_node *path_get(struct doc_node *n, const char *a, const char *b,
                                 const char *c)
{
  n = doc_get(n, a);
  if(b)
    n = doc_get(n, b);
  if(c)
    n = doc_get(n, c);
  ck_assert_msg(n != NULL, "no %s/%s/%s", a, b ? b : "", c ? c : "");
  return n;
}

static char *json_of(const struct doc_node *n)
{
  static char out[4096];
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(doc_to_json(n, &b), OAC_OK);
  snprintf(out, sizeof(out), "%s", b.data);
  buf_free(&b);
  return out;
}

/* ---- loading ------------------------------------------------------------------------- */

START_TEST(yaml_positions)
{
  struct doc_file *f = load_ok("basic.yaml");
  struct doc_node *root = f->root;
  ck_assert_int_eq(root->kind, DOC_MAP);
  ck_assert_uint_eq(root->n, 3);
  ck_assert_uint_eq(root->line, 2);
  ck_assert_uint_eq(root->col, 1);
  ck_assert_str_eq(f->name, data("basic.yaml"));
  ck_assert_ptr_eq(s.files, f);
  ck_assert_uint_eq(s.nfiles, 1);
  ck_assert(f->base[0] == '/');

  struct doc_node *title = path_get(root, "info", "title", NULL);
  ck_assert_str_eq(title->str, "Pets");
  ck_assert_uint_eq(title->len, 4);
  ck_assert_int_eq(title->quoted, 1);
  ck_assert_uint_eq(title->line, 4);
  ck_assert_uint_eq(title->col, 10);
  ck_assert_ptr_eq(title->file, f);

  struct doc_node *ver = path_get(root, "info", "version", NULL);
  ck_assert_str_eq(ver->str, "1.0.0");
  ck_assert_int_eq(ver->quoted, 0);
  ck_assert_uint_eq(ver->line, 5);
  ck_assert_uint_eq(ver->col, 12);

  struct doc_node *get = path_get(root, "paths", "/pets", "get");
  ck_assert_uint_eq(get->line, 9);
  ck_assert_uint_eq(get->col, 7);
  struct doc_node *tags = doc_get(get, "tags");
  ck_assert_int_eq(tags->kind, DOC_SEQ);
  ck_assert_uint_eq(tags->n, 2);
  ck_assert_str_eq(tags->items[1]->str, "animals");
  ck_assert_uint_eq(tags->items[1]->line, 10);
  ck_assert_uint_eq(tags->items[1]->col, 20);
  struct doc_node *params = doc_get(get, "parameters");
  ck_assert_uint_eq(params->n, 1);
  struct doc_node *p0 = params->items[0];
  ck_assert_uint_eq(p0->line, 12);
  ck_assert_uint_eq(p0->col, 11);
  ck_assert_int_eq(doc_bool(doc_get(p0, "required")), DOC_FALSE);
  ck_assert_ptr_null(doc_get(p0, "nope"));
  ck_assert_ptr_null(doc_get(title, "x"));   /* not a map */

  /* the checksum is the hash of the file's bytes */
  FILE *fp = fopen(data("basic.yaml"), "rb");
  ck_assert_ptr_nonnull(fp);
  char bytes[4096];
  size_t n = fread(bytes, 1, sizeof(bytes), fp);
  fclose(fp);
  ck_assert_uint_eq(f->nbytes, n);
  ck_assert(f->checksum == oac_hash64(bytes, n, 0));

  /* loading the same file again returns it from the set */
  struct doc_file *again;
  ck_assert_int_eq(doc_load(&s, data("basic.yaml"), &again), OAC_OK);
  ck_assert_ptr_eq(again, f);
  ck_assert_uint_eq(s.nfiles, 1);
  ck_assert_uint_eq(d.errors + d.warnings, 0);
}
END_TEST

START_TEST(json_document)
{
  struct doc_file *f = load_ok("basic.json");
  struct doc_node *root = f->root;
  ck_assert_int_eq(root->kind, DOC_MAP);
  ck_assert_uint_eq(root->line, 1);
  ck_assert_uint_eq(root->col, 1);
  struct doc_node *v = path_get(root, "info", "version", NULL);
  ck_assert_str_eq(v->str, "1.0.0");
  ck_assert_int_eq(v->quoted, 1);
  ck_assert_uint_eq(v->line, 3);
  ck_assert_uint_eq(v->col, 40);
  struct doc_node *nums = doc_get(root, "x-numbers");
  ck_assert_uint_eq(nums->n, 5);
  ck_assert_str_eq(json_of(nums), "[1,-2.5,1e3,0,\"7\"]");
  ck_assert_str_eq(json_of(doc_get(root, "x-flags")), "[true,false,null]");
  ck_assert_str_eq(json_of(doc_get(root, "paths")), "{}");
  ck_assert_uint_eq(d.errors, 0);
}
END_TEST

START_TEST(anchors_are_shared)
{
  struct doc_file *f = load_ok("anchors.yaml");
  struct doc_node *base = doc_get(f->root, "base");
  ck_assert_int_eq(base->kind, DOC_MAP);
  ck_assert_ptr_eq(doc_get(f->root, "one"), base);
  ck_assert_ptr_eq(path_get(f->root, "two", "inner", NULL), base);
  ck_assert_ptr_eq(doc_get(f->root, "again"), doc_get(f->root, "name"));
  ck_assert_str_eq(doc_get(f->root, "again")->str, "Rex");
  ck_assert_uint_eq(base->line, 1);   /* an anchored node starts at its anchor */
  ck_assert_uint_eq(base->col, 7);
  ck_assert_str_eq(json_of(doc_get(f->root, "two")), "{\"inner\":{\"type\":\"object\",\"x\":1}}");
  ck_assert_uint_eq(d.errors, 0);

  /* a budget of 10 expanded nodes: *base (5 nodes: the map, 2 keys, 2 values) twice is
   * 10, the *n after it is one too many */
  doc_set_free(&s);
  doc_set_init(&s, &d);
  s.limits.max_alias_nodes = 10;
  ck_assert_int_eq(doc_load(&s, data("anchors.yaml"), &f), OAC_ELIMIT);
  char want[10000];
  snprintf(want, sizeof(want),
           "%s:8:8: error: YAML aliases expand to more than 10 nodes (billion laughs?)",
           data("anchors.yaml"));
  expect_diag(want);
}
END_TEST

START_TEST(billion_laughs)
{
  struct doc_file *f = NULL;
  ck_assert_int_eq(doc_load(&s, data("laughs.yaml"), &f), OAC_ELIMIT);
  ck_assert_ptr_null(f);
  ck_assert_uint_eq(s.nfiles, 0);
  ck_assert_uint_eq(d.errors, 1);
  char want[10000];
  /* 9 * 66430 nodes so far; the first *f (597871 nodes) goes past 1,000,000 */
  snprintf(want, sizeof(want),
           "%s:7:8: error: YAML aliases expand to more than 1000000 nodes (billion laughs?)",
           data("laughs.yaml"));
  expect_diag(want);
}
END_TEST

START_TEST(alias_errors)
{
  struct doc_file *f;
  ck_assert_int_eq(doc_load_mem(&s, "m.yaml", "a: 1\nb: *nope\n", 14, &f), OAC_EDOC);
  expect_diag("m.yaml:2:4: error: undefined alias '*nope'");
  const char *rec = "a: &x\n  b: *x\n";
  ck_assert_int_eq(doc_load_mem(&s, "r.yaml", rec, strlen(rec), &f), OAC_EDOC);
  expect_diag("r.yaml:2:6: error: alias '*x' is inside the node it refers to (recursive alias)");
  /* an alias can make a document deeper than the nesting limit */
  s.limits.max_depth = 4;
  const char *deep = "a: &x [[[1]]]\nb: [*x]\n";
  ck_assert_int_eq(doc_load_mem(&s, "d.yaml", deep, strlen(deep), &f), OAC_ELIMIT);
  expect_diag("d.yaml:2:5: error: alias '*x' nests deeper than 4 levels");
}
END_TEST

START_TEST(depth_limit)
{
  struct doc_file *f;
  s.limits.max_depth = 3;
  ck_assert_int_eq(doc_load_mem(&s, "ok.json", "[[[1]]]", 7, &f), OAC_OK);
  ck_assert_int_eq(doc_load_mem(&s, "deep.json", "[[[[1]]]]", 9, &f), OAC_ELIMIT);
  expect_diag("deep.json:1:4: error: nesting deeper than 3 levels");

  /* default limit 512: 100000 levels is refused without recursion trouble */
  size_t n = 100000;
  char *big = malloc(2 * n);
  ck_assert_ptr_nonnull(big);
  memset(big, '[', n);
  memset(big + n, ']', n);
  s.limits.max_depth = 512;
  ck_assert_int_eq(doc_load_mem(&s, "big.json", big, 2 * n, &f), OAC_ELIMIT);
  free(big);
  expect_diag("big.json:1:513: error: nesting deeper than 512 levels");
}
END_TEST

START_TEST(bad_indentation)
{
  struct doc_file *f = NULL;
  ck_assert_int_eq(doc_load(&s, data("bad-indent.yaml"), &f), OAC_EDOC);
  ck_assert_ptr_null(f);
  char want[10000];
  snprintf(want, sizeof(want), "%s:3:2: error: did not find expected key (while parsing a "
           "block mapping at 1:1)", data("bad-indent.yaml"));
  expect_diag(want);
  ck_assert_uint_eq(d.errors, 1);
}
END_TEST

START_TEST(unclosed_quote)
{
  struct doc_file *f = NULL;
  ck_assert_int_eq(doc_load(&s, data("unclosed-quote.yaml"), &f), OAC_EDOC);
  char want[10000];
  snprintf(want, sizeof(want), "%s:4:1: error: found unexpected end of stream (while "
           "scanning a quoted scalar at 2:10)", data("unclosed-quote.yaml"));
  expect_diag(want);
}
END_TEST

START_TEST(reader_error_position)
{
  struct doc_file *f = NULL;
  ck_assert_int_eq(doc_load(&s, data("c1.json"), &f), OAC_EDOC);
  char want[10000];
  /* line 3 is '  "b": "café \xc2\x80 ...': the C1 character is the 14th, at byte 26 */
  snprintf(want, sizeof(want), "%s:3:14: error: control characters are not allowed "
           "(character U+0080 at offset 26)", data("c1.json"));
  expect_diag(want);

  /* invalid UTF-8 is reported with the byte */
  const char bad[] = "a: 1\r\nbb: x\xff\n";
  ck_assert_int_eq(doc_load_mem(&s, "u.yaml", bad, sizeof(bad) - 1, &f), OAC_EDOC);
  expect_diag("u.yaml:2:6: error: invalid leading UTF-8 octet (byte 0xFF at offset 11)");
  /* a byte order mark is not a column */
  const char bom[] = "\xef\xbb\xbf" "a: \x01\n";
  ck_assert_int_eq(doc_load_mem(&s, "bom.yaml", bom, sizeof(bom) - 1, &f), OAC_EDOC);
  expect_diag("bom.yaml:1:4: error: control characters are not allowed (character U+0001 at "
              "offset 6)");
}
END_TEST

START_TEST(other_syntax_errors)
{
  struct doc_file *f;
  const char *k = "a: 1\n[x]: 2\n";
  ck_assert_int_eq(doc_load_mem(&s, "k.yaml", k, strlen(k), &f), OAC_EDOC);
  expect_diag("k.yaml:2:1: error: mapping keys must be scalars");
  const char *two = "a: 1\n---\nb: 2\n";
  ck_assert_int_eq(doc_load_mem(&s, "two.yaml", two, strlen(two), &f), OAC_EDOC);
  expect_diag("two.yaml:2:1: error: a second YAML document in the same file is not supported");
  /* an empty document is a null root */
  ck_assert_int_eq(doc_load_mem(&s, "empty.yaml", "", 0, &f), OAC_OK);
  ck_assert(doc_is_null(f->root));
  ck_assert_uint_eq(f->root->line, 1);
  /* size limit */
  s.limits.max_bytes = 10;
  ck_assert_int_eq(doc_load(&s, data("basic.yaml"), &f), OAC_ELIMIT);
  char want[10000];
  snprintf(want, sizeof(want), "%s: error: the document is larger than 10 bytes",
           data("basic.yaml"));
  expect_diag(want);
}
END_TEST

START_TEST(missing_file)
{
  struct doc_file *f = NULL;
  ck_assert_int_eq(doc_load(&s, data("no-such-file.yaml"), &f), OAC_EIO);
  ck_assert_ptr_null(f);
  char want[10000];
  snprintf(want, sizeof(want), "%s: error: cannot open: No such file or directory\n",
           data("no-such-file.yaml"));
  ck_assert_str_eq(diag_text(), want);
  ck_assert_uint_eq(s.nfiles, 0);
}
END_TEST

START_TEST(url_closed_port)
{
  struct doc_file *f = NULL;
  s.limits.connect_timeout_s = 2;
  s.limits.timeout_s = 5;
  ck_assert_int_eq(doc_load(&s, "http://127.0.0.1:1/openapi.yaml", &f), OAC_EIO);
  ck_assert_ptr_null(f);
  ck_assert_msg(!strncmp(diag_text(), "http://127.0.0.1:1/openapi.yaml: error: cannot download: ",
                         57), "%s", diag_text());
  ck_assert_uint_eq(d.errors, 1);

  /* a relative $ref in a document known by URL resolves as a URL, "../" included */
  const char *doc = "a:\n  $ref: '../other/x.yaml#/X'\n";
  ck_assert_int_eq(doc_load_mem(&s, "http://127.0.0.1:1/api/v1/root.yaml", doc, strlen(doc),
                                &f), OAC_OK);
  const struct doc_node *t;
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(f->root, "a"), &t), OAC_EIO);
  ck_assert_ptr_eq(t, doc_get(f->root, "a"));
  ck_assert_msg(strstr(diag_text(),
                       "\nhttp://127.0.0.1:1/api/other/x.yaml: error: cannot download: "),
                "%s", diag_text());
  expect_diag("http://127.0.0.1:1/api/v1/root.yaml:2:9: error: cannot resolve $ref "
              "'../other/x.yaml#/X': the file could not be loaded");
  /* a downloaded document cannot reach local files */
  const char *local = "a: {$ref: 'file:///etc/passwd'}\n";
  ck_assert_int_eq(doc_load_mem(&s, "https://127.0.0.1:1/x.yaml", local, strlen(local), &f),
                   OAC_OK);
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(f->root, "a"), &t), OAC_EDOC);
  expect_diag("https://127.0.0.1:1/x.yaml: error: 'file:///etc/passwd' is not an http(s) URL: "
              "a downloaded document can only refer to http(s) URLs");
}
END_TEST

START_TEST(duplicate_keys)
{
  struct doc_file *f = load_ok("dup.yaml");
  char want[10000];
  snprintf(want, sizeof(want), "%s:4:3: warning: duplicate key 'title', the later value is used",
           data("dup.yaml"));
  expect_diag(want);
  ck_assert_uint_eq(d.warnings, 1);
  ck_assert_uint_eq(d.errors, 0);
  struct doc_node *info = doc_get(f->root, "info");
  ck_assert_str_eq(doc_get(info, "title")->str, "second");
  ck_assert_str_eq(doc_get_ci(info, "TITLE")->str, "second");
  ck_assert_int_eq(info->dup_keys, 1);
  ck_assert_int_eq(f->root->dup_keys, 0);
  ck_assert_str_eq(json_of(info), "{\"version\":1,\"title\":\"second\"}");

  /* maps with many keys take the hashed path */
  struct buf b;
  buf_init(&b);
  for(int i = 0; i < 40; i++)
    buf_printf(&b, "k%d: %d\n", i, i);
  buf_puts(&b, "k7: last\n");
  ck_assert_int_eq(doc_load_mem(&s, "many.yaml", b.data, b.len, &f), OAC_OK);
  buf_free(&b);
  expect_diag("many.yaml:41:1: warning: duplicate key 'k7', the later value is used");
  ck_assert_str_eq(doc_get(f->root, "k7")->str, "last");
  ck_assert_uint_eq(d.warnings, 2);
}
END_TEST

START_TEST(scalar_helpers_and_json)
{
  const char *text =
    "n1: ~\nn2: null\nn3: NULL\nn4:\nn5: 'null'\nn6: nil\n"
    "b1: true\nb2: FALSE\nb3: \"true\"\nb4: yes\n"
    "i1: 42\ni2: +7\ni3: -0.5e-3\ni4: '42'\ni5: 0x1F\ni6: 007\ni7: 1.\ni8: +-1\n"
    "s1: !!str 12\ns2: |\n  two\n  lines\ns3: \"tab\\there \\u00e9\"\n"
    "Get: x\n";
  struct doc_file *f = mem_ok(text);
  struct doc_node *r = f->root;
  ck_assert(doc_is_null(doc_get(r, "n1")));
  ck_assert(doc_is_null(doc_get(r, "n2")));
  ck_assert(doc_is_null(doc_get(r, "n3")));
  ck_assert(doc_is_null(doc_get(r, "n4")));
  ck_assert(!doc_is_null(doc_get(r, "n5")));
  ck_assert(!doc_is_null(doc_get(r, "n6")));
  ck_assert_int_eq(doc_bool(doc_get(r, "b1")), DOC_TRUE);
  ck_assert_int_eq(doc_bool(doc_get(r, "b2")), DOC_FALSE);
  ck_assert_int_eq(doc_bool(doc_get(r, "b3")), DOC_NOT_BOOL);
  ck_assert_int_eq(doc_bool(doc_get(r, "b4")), DOC_NOT_BOOL);
  ck_assert_int_eq(doc_bool(NULL), DOC_NOT_BOOL);
  ck_assert(doc_scalar_eq(doc_get(r, "i1"), "42"));
  ck_assert(!doc_scalar_eq(doc_get(r, "i1"), "4"));
  ck_assert(!doc_scalar_eq(r, "42"));
  ck_assert(doc_scalar_eq_ci(doc_get(r, "b2"), "false"));
  ck_assert(!doc_scalar_eq(doc_get(r, "b2"), "false"));
  ck_assert(doc_is_scalar(doc_get(r, "i1")));
  ck_assert(!doc_is_scalar(r));
  ck_assert_ptr_null(doc_get(r, "get"));
  ck_assert_str_eq(doc_get_ci(r, "GET")->str, "x");
  ck_assert_int_eq(doc_get(r, "s2")->quoted, 1);
  ck_assert_int_eq(doc_get(r, "s1")->quoted, 1);

  ck_assert_str_eq(json_of(r),
    "{\"n1\":null,\"n2\":null,\"n3\":null,\"n4\":null,\"n5\":\"null\",\"n6\":\"nil\","
    "\"b1\":true,\"b2\":false,\"b3\":\"true\",\"b4\":\"yes\","
    "\"i1\":42,\"i2\":7,\"i3\":-0.5e-3,\"i4\":\"42\",\"i5\":\"0x1F\",\"i6\":\"007\","
    "\"i7\":\"1.\",\"i8\":\"+-1\","
    "\"s1\":\"12\",\"s2\":\"two\\nlines\\n\",\"s3\":\"tab\\there \xc3\xa9\","
    "\"Get\":\"x\"}");
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(doc_to_json(NULL, &b), OAC_OK);
  ck_assert_str_eq(b.data, "null");
  buf_free(&b);
}
END_TEST

/* ---- $ref ---------------------------------------------------------------------------- */

static const struct doc_node *resolve_ok(const struct doc_node *n)
{
  const struct doc_node *t = NULL;
  enum oac_result r = doc_ref_resolve(&s, n, &t);
  ck_assert_msg(r == OAC_OK, "%s\n%s", oac_result_str(r), diag_text());
  ck_assert_ptr_nonnull(t);
  return t;
}

static int ends_with(const char *s1, const char *suffix)
{
  size_t a = strlen(s1), b = strlen(suffix);
  return a >= b && !strcmp(s1 + a - b, suffix);
}

START_TEST(ref_cross_file)
{
  struct doc_file *root = load_ok("refs/root.yaml");
  struct doc_node *schemas = path_get(root->root, "components", "schemas", NULL);

  const struct doc_node *pet = resolve_ok(doc_get(schemas, "Pet"));
  ck_assert_int_eq(pet->kind, DOC_MAP);
  ck_assert(doc_scalar_eq(doc_get(pet, "type"), "object"));
  ck_assert_msg(ends_with(pet->file->name, "tests/data/doc/refs/schemas/pet.yaml"), "%s",
                pet->file->name);
  ck_assert_msg(ends_with(pet->file->base, "/tests/data/doc/refs/schemas/pet.yaml"), "%s",
                pet->file->base);
  ck_assert(pet->file->base[0] == '/');
  ck_assert_uint_eq(pet->line, 2);
  ck_assert_uint_eq(pet->col, 3);
  ck_assert_uint_eq(s.nfiles, 2);

  /* a $ref to a $ref, through "./": the same file, loaded once */
  const struct doc_node *owner = resolve_ok(doc_get(schemas, "Owner"));
  ck_assert_ptr_eq(owner, pet);
  const struct doc_node *whole = resolve_ok(doc_get(schemas, "Whole"));
  ck_assert_ptr_eq(whole, pet->file->root);
  ck_assert_uint_eq(s.nfiles, 2);

  /* "../" from the target file */
  const struct doc_node *id = resolve_ok(path_get((struct doc_node *)pet, "properties", "id",
                                                  NULL));
  ck_assert(doc_scalar_eq(doc_get(id, "format"), "int64"));
  ck_assert_msg(ends_with(id->file->name, "tests/data/doc/refs/common.yaml"), "%s",
                id->file->name);
  ck_assert_ptr_null(strstr(id->file->name, "schemas/.."));   /* normalised */
  ck_assert_uint_eq(id->line, 2);
  ck_assert_uint_eq(s.nfiles, 3);

  /* not a $ref: itself */
  ck_assert_ptr_eq(resolve_ok(schemas), schemas);
  ck_assert_uint_eq(d.errors + d.warnings, 0);

  ck_assert_str_eq(doc_ref_name(&s, doc_get(schemas, "Pet")), "Pet");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(schemas, "Owner")), "Owner");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(schemas, "Whole")), "pet");
  ck_assert_ptr_null(doc_ref_name(&s, schemas));
}
END_TEST

START_TEST(ref_missing_target_and_file)
{
  struct doc_file *root = load_ok("refs/root.yaml");
  struct doc_node *schemas = path_get(root->root, "components", "schemas", NULL);
  const struct doc_node *t = NULL;
  char want[10000];

  const char *petname = resolve_ok(doc_get(schemas, "Pet"))->file->name;
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(schemas, "Missing"), &t), OAC_EDOC);
  snprintf(want, sizeof(want), "%s:11:13: error: cannot resolve $ref "
           "'schemas/pet.yaml#/Nope': no 'Nope' in %s", root->name, petname);
  expect_diag(want);

  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(schemas, "NoFile"), &t), OAC_EIO);
  /* the file is named relative to root.yaml's name, normalised */
  ck_assert_msg(strstr(diag_text(), "tests/data/doc/refs/nofile.yaml: error: cannot open: "
                       "No such file or directory\n"), "%s", diag_text());
  ck_assert_ptr_null(strstr(diag_text(), "/./"));
  snprintf(want, sizeof(want), "%s:13:13: error: cannot resolve $ref 'nofile.yaml#/X': "
           "the file could not be loaded", root->name);
  expect_diag(want);
  ck_assert_uint_eq(d.errors, 3);
}
END_TEST

START_TEST(ref_file_limit)
{
  s.limits.max_files = 2;
  struct doc_file *root = load_ok("refs/root.yaml");
  struct doc_node *schemas = path_get(root->root, "components", "schemas", NULL);
  const struct doc_node *pet = resolve_ok(doc_get(schemas, "Pet"));
  const struct doc_node *t;
  ck_assert_int_eq(doc_ref_resolve(&s, path_get((struct doc_node *)pet, "properties", "id",
                                                NULL), &t), OAC_ELIMIT);
  ck_assert_msg(strstr(diag_text(), "common.yaml: error: more than 2 files to load\n"), "%s",
                diag_text());
  ck_assert_uint_eq(s.nfiles, 2);
}
END_TEST

/* A file that failed to load is not tried again within the same doc_set. */
START_TEST(ref_failed_file_not_retried)
{
  char dir[] = "/tmp/check_doc.XXXXXX", rootname[64], late[64];
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(rootname, sizeof(rootname), "%s/root.yaml", dir);
  snprintf(late, sizeof(late), "%s/late.yaml", dir);
  const char *doc = "a: {$ref: 'late.yaml#/X'}\nb: {$ref: 'late.yaml'}\n";
  struct doc_file *f;
  const struct doc_node *t;
  ck_assert_int_eq(doc_load_mem(&s, rootname, doc, strlen(doc), &f), OAC_OK);
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(f->root, "a"), &t), OAC_EIO);
  FILE *fp = fopen(late, "w");
  ck_assert_ptr_nonnull(fp);
  fputs("X: 1\n", fp);
  fclose(fp);
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(f->root, "b"), &t), OAC_EIO);
  ck_assert_uint_eq(s.nfiles, 1);
  /* a new set does load it */
  doc_set_free(&s);
  doc_set_init(&s, &d);
  ck_assert_int_eq(doc_load_mem(&s, rootname, doc, strlen(doc), &f), OAC_OK);
  ck_assert_str_eq(resolve_ok(doc_get(f->root, "a"))->str, "1");
  ck_assert_str_eq(f->base, rootname);
  ck_assert_str_eq(s.files->next->name, late);
  unlink(late);
  rmdir(dir);
}
END_TEST

START_TEST(ref_cycle_across_files)
{
  struct doc_file *root = load_ok("refs/root.yaml");
  struct doc_node *schemas = path_get(root->root, "components", "schemas", NULL);
  const struct doc_node *t = NULL;
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(schemas, "Cycle"), &t), OAC_EDOC);
  ck_assert_ptr_eq(t, doc_get(schemas, "Cycle"));
  char want[10000];
  snprintf(want, sizeof(want), "%s:15:13: error: circular $ref: a.yaml#/X -> b.yaml#/Y -> "
           "a.yaml#/X", data("refs/root.yaml"));
  expect_diag(want);
  ck_assert_uint_eq(d.errors, 1);

  /* starting inside the cycle */
  struct doc_file *a = load_ok("refs/a.yaml");   /* already in the set */
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(a->root, "X"), &t), OAC_EDOC);
  ck_assert_msg(ends_with(a->name, "tests/data/doc/refs/a.yaml"), "%s", a->name);
  snprintf(want, sizeof(want), "%s:2:9: error: circular $ref: b.yaml#/Y -> a.yaml#/X -> "
           "b.yaml#/Y", a->name);
  expect_diag(want);
  ck_assert_uint_eq(s.nfiles, 3);
}
END_TEST

START_TEST(ref_internal_pointers)
{
  struct doc_file *f = load_ok("pointer.yaml");
  struct doc_node *refs = doc_get(f->root, "refs");
  const struct doc_node *get = path_get(f->root, "paths", "/pets/{id}", "get");
  const struct doc_node *t;

  ck_assert_ptr_eq(resolve_ok(doc_get(refs, "path")), get);
  ck_assert_str_eq(resolve_ok(doc_get(refs, "pct"))->str, "1");
  ck_assert_str_eq(resolve_ok(doc_get(refs, "tilde"))->str, "2");
  ck_assert_str_eq(resolve_ok(doc_get(refs, "idx"))->str, "one");
  ck_assert_str_eq(resolve_ok(doc_get(refs, "chain"))->str, "one");
  ck_assert_ptr_eq(resolve_ok(doc_get(refs, "root")), f->root);
  ck_assert_str_eq(resolve_ok(doc_get(refs, "sib"))->str, "zero");
  /* the pointer passes through refs/path, itself a $ref */
  ck_assert_str_eq(resolve_ok(doc_get(refs, "through"))->str, "getPet");
  ck_assert_uint_eq(d.errors, 0);

  ck_assert_str_eq(doc_ref_name(&s, doc_get(refs, "path")), "get");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(refs, "tilde")), "~tilde");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(refs, "pct")), "a%b");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(refs, "idx")), "1");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(refs, "root")), "pointer");

  char want[10000];
  const char *name = data("pointer.yaml");
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(refs, "badidx"), &t), OAC_EDOC);
  snprintf(want, sizeof(want), "%s:15:18: error: cannot resolve $ref '#/list/2': no '2' in "
           "%s#/list", name, name);
  expect_diag(want);
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(refs, "lead0"), &t), OAC_EDOC);
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(refs, "missing"), &t), OAC_EDOC);
  snprintf(want, sizeof(want), "%s:23:19: error: cannot resolve $ref '#/paths/nope': no "
           "'nope' in %s#/paths", name, name);
  expect_diag(want);
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(refs, "self"), &t), OAC_EDOC);
  snprintf(want, sizeof(want), "%s:18:16: error: circular $ref: #/refs/self -> #/refs/self",
           name);
  expect_diag(want);
  ck_assert_int_eq(doc_ref_resolve(&s, doc_get(refs, "notptr"), &t), OAC_EDOC);
  snprintf(want, sizeof(want), "%s:19:18: error: cannot resolve $ref '#foo': the fragment is "
           "not a JSON pointer", name);
  expect_diag(want);
  ck_assert_uint_eq(d.errors, 5);
  /* a "$ref" that is not a string is a property of that name, not a reference */
  ck_assert_ptr_eq(resolve_ok(doc_get(refs, "notstr")), doc_get(refs, "notstr"));
  ck_assert_ptr_null(doc_ref_name(&s, doc_get(refs, "notstr")));
  ck_assert_uint_eq(d.errors, 5);
}
END_TEST

/* Big maps are looked up through a hash index: the same answers as doc_get. */
START_TEST(ref_big_map)
{
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "big:\n");
  for(int i = 0; i < 300; i++)
    buf_printf(&b, "  k%d: v%d\n", i, i);
  buf_puts(&b, "  k7: later\n  \"\": empty\n  a/b: slash\nrefs:\n");
  for(int i = 0; i < 300; i++)
    buf_printf(&b, "  - $ref: '#/big/k%d'\n", i);
  buf_puts(&b, "  - $ref: '#/big/'\n  - $ref: '#/big/a~1b'\n  - $ref: '#/big/k300'\n");
  struct doc_file *f;
  ck_assert_int_eq(doc_load_mem(&s, "big.yaml", b.data, b.len, &f), OAC_OK);
  buf_free(&b);
  struct doc_node *refs = doc_get(f->root, "refs");
  struct doc_node *big = doc_get(f->root, "big");
  ck_assert_uint_eq(refs->n, 303);
  for(int i = 0; i < 300; i++) {
    char key[16];
    snprintf(key, sizeof(key), "k%d", i);
    ck_assert_ptr_eq(resolve_ok(refs->items[i]), doc_get(big, key));
  }
  ck_assert_str_eq(resolve_ok(refs->items[7])->str, "later");
  ck_assert_str_eq(resolve_ok(refs->items[300])->str, "empty");
  ck_assert_str_eq(resolve_ok(refs->items[301])->str, "slash");
  const struct doc_node *t;
  ck_assert_int_eq(doc_ref_resolve(&s, refs->items[302], &t), OAC_EDOC);
  expect_diag("big.yaml:608:11: error: cannot resolve $ref '#/big/k300': no 'k300' in "
              "big.yaml#/big");
  ck_assert_ptr_nonnull(s.index);
}
END_TEST

/* doc_edit.c: set, append, remove; growth past several capacities; the $ref index is
 * dropped by a change and rebuilt (a key added to an indexed map is found by a $ref) */
START_TEST(edit_tree)
{
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "big:\n");
  for(int i = 0; i < 20; i++)
    buf_printf(&b, "  k%d: v%d\n", i, i);
  buf_puts(&b, "list: [a, b]\nr1: {$ref: '#/big/k3'}\nr2: {$ref: '#/big/new'}\n"
           "anchored: &A {x: 1}\nuse: *A\n");
  struct doc_file *f;
  ck_assert_int_eq(doc_load_mem(&s, "e.yaml", b.data, b.len, &f), OAC_OK);
  buf_free(&b);
  struct doc_node *big = doc_get(f->root, "big"), *list = doc_get(f->root, "list");
  ck_assert_int_eq(doc_get(f->root, "anchored")->aliased, 1);
  ck_assert_int_eq(doc_get(f->root, "big")->aliased, 0);
  ck_assert_str_eq(resolve_ok(doc_get(f->root, "r1"))->str, "v3");
  ck_assert_ptr_nonnull(s.index);
  struct doc_file *syn = doc_file_synthetic(&s, "(inferred)");
  ck_assert_ptr_nonnull(syn);
  ck_assert_str_eq(syn->name, "(inferred)");
  ck_assert_ptr_eq(s.files, f);
  ck_assert_ptr_null(f->next);
  /* replace an existing key, then add 100 new ones */
  struct doc_node *k = doc_new_scalar(&s, "k3", 2, 0, syn, 7, 9);
  struct doc_node *v = doc_new_scalar(&s, "three", 5, 1, syn, 7, 13);
  ck_assert_int_eq(doc_map_set(&s, big, k, v), OAC_OK);
  ck_assert_ptr_null(s.index);
  ck_assert_uint_eq(big->n, 20);
  ck_assert_str_eq(resolve_ok(doc_get(f->root, "r1"))->str, "three");
  for(int i = 0; i < 100; i++) {
    char key[16];
    snprintf(key, sizeof(key), "n%d", i);
    ck_assert_int_eq(doc_map_set(&s, big, doc_new_scalar(&s, key, strlen(key), 0, syn, 1, 1),
                                 doc_new_scalar(&s, key, strlen(key), 0, syn, 1, 1)), OAC_OK);
  }
  ck_assert_uint_eq(big->n, 120);
  ck_assert_int_eq(doc_map_set(&s, big, doc_new_scalar(&s, "new", 3, 0, syn, 2, 3),
                               doc_new_scalar(&s, "added", 5, 0, syn, 2, 8)), OAC_OK);
  const struct doc_node *t = resolve_ok(doc_get(f->root, "r2"));
  ck_assert_str_eq(t->str, "added");
  ck_assert_ptr_eq(t->file, syn);
  ck_assert_uint_eq(t->line, 2);
  ck_assert_uint_eq(t->col, 8);
  for(int i = 0; i < 100; i++) {
    char key[16];
    snprintf(key, sizeof(key), "n%d", i);
    ck_assert_str_eq(doc_get(big, key)->str, key);
  }
  ck_assert_str_eq(doc_get(big, "k0")->str, "v0");
  ck_assert_str_eq(doc_get(big, "k19")->str, "v19");
  /* remove pairs: order of the rest kept; then grow again */
  doc_map_remove_at(&s, big, 0);
  doc_map_remove_at(&s, big, big->n - 1);
  ck_assert_uint_eq(big->n, 119);
  ck_assert_ptr_null(doc_get(big, "k0"));
  ck_assert_ptr_null(doc_get(big, "new"));
  ck_assert_str_eq(big->items[0]->str, "k1");
  ck_assert_int_eq(doc_map_set(&s, big, doc_new_scalar(&s, "z", 1, 0, syn, 1, 1),
                               doc_new_scalar(&s, "zz", 2, 0, syn, 1, 1)), OAC_OK);
  ck_assert_str_eq(doc_get(big, "z")->str, "zz");
  ck_assert_str_eq(doc_get(big, "k1")->str, "v1");
  /* sequences */
  for(int i = 0; i < 40; i++)
    ck_assert_int_eq(doc_seq_append(&s, list, doc_new_scalar(&s, "c", 1, 0, syn, 1, 1)),
                     OAC_OK);
  ck_assert_uint_eq(list->n, 42);
  doc_seq_remove_at(&s, list, 0);
  ck_assert_str_eq(list->items[0]->str, "b");
  ck_assert_uint_eq(list->n, 41);
  doc_seq_remove_at(&s, list, 99);             /* out of range: nothing */
  ck_assert_uint_eq(list->n, 41);
  struct doc_node *m = doc_new_node(&s, DOC_MAP, syn, 3, 4);
  ck_assert_int_eq(doc_seq_append(&s, list, m), OAC_OK);
  ck_assert_int_eq(doc_map_set(&s, m, doc_new_scalar(&s, "q", 1, 0, syn, 1, 1),
                               doc_new_node(&s, DOC_SEQ, syn, 1, 1)), OAC_OK);
  ck_assert_uint_eq(m->n, 1);
  /* wrong kinds are refused */
  ck_assert_int_eq(doc_seq_append(&s, big, m), OAC_EINTERNAL);
  ck_assert_int_eq(doc_map_set(&s, list, k, v), OAC_EINTERNAL);
  ck_assert_int_eq(doc_map_set(&s, big, m, v), OAC_EINTERNAL);
}
END_TEST

START_TEST(ref_names)
{
  const char *text =
    "a: {$ref: '#/components/schemas/Pet'}\n"
    "b: {$ref: '#/a/b~1c'}\n"
    "c: {$ref: 'http://example.com/x/y.json?v=1'}\n"
    "d: {$ref: '../dir/Thing.schema.yaml#'}\n"
    "e: {$ref: 'other.yaml#/defs/My%20Type'}\n"
    "f: {x: 1}\n";
  struct doc_file *f = mem_ok(text);
  ck_assert_str_eq(doc_ref_name(&s, doc_get(f->root, "a")), "Pet");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(f->root, "b")), "b/c");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(f->root, "c")), "y");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(f->root, "d")), "Thing.schema");
  ck_assert_str_eq(doc_ref_name(&s, doc_get(f->root, "e")), "My Type");
  ck_assert_ptr_null(doc_ref_name(&s, doc_get(f->root, "f")));
  ck_assert_ptr_null(doc_ref_name(&s, NULL));
}
END_TEST

/* Every allocation failure is reported as OAC_ENOMEM (no crash, no leak under ASan). */
START_TEST(allocation_failures)
{
  int ok = 0;
  for(unsigned long n = 1; n < 400 && !ok; n++) {
    struct diag dd;
    struct doc_set ss;
    diag_init(&dd, NULL);
    doc_set_init(&ss, &dd);
    ss.arena.block_size = 512;    /* many arena blocks: many allocations to fail */
    oac_mem_fail_at(n);
    struct doc_file *f;
    enum oac_result r = doc_load(&ss, data("refs/root.yaml"), &f);
    const struct doc_node *t = NULL;
    if(!r) {
      const struct doc_node *pet = doc_get(doc_get(doc_get(f->root, "components"), "schemas"),
                                           "Pet");
      r = doc_ref_resolve(&ss, pet, &t);
      if(!r) {
        t = doc_get(doc_get(t, "properties"), "id");
        r = doc_ref_resolve(&ss, t, &t);
      }
    }
    oac_mem_fail_at(0);
    ck_assert_msg(r == OAC_OK || r == OAC_ENOMEM, "fail at %lu: %s", n, oac_result_str(r));
    if(!r) {
      ck_assert(doc_scalar_eq(doc_get(t, "format"), "int64"));
      ok = 1;
    }
    doc_set_free(&ss);
    diag_free(&dd);
  }
  ck_assert_msg(ok, "never succeeded");
}
END_TEST

Suite *suite(void)
{
  Suite *su = suite_create("doc");
  TCase *tc = tcase_create("load");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, yaml_positions);
  tcase_add_test(tc, json_document);
  tcase_add_test(tc, anchors_are_shared);
  tcase_add_test(tc, billion_laughs);
  tcase_add_test(tc, alias_errors);
  tcase_add_test(tc, depth_limit);
  tcase_add_test(tc, bad_indentation);
  tcase_add_test(tc, unclosed_quote);
  tcase_add_test(tc, reader_error_position);
  tcase_add_test(tc, other_syntax_errors);
  tcase_add_test(tc, missing_file);
  tcase_add_test(tc, url_closed_port);
  tcase_add_test(tc, duplicate_keys);
  tcase_add_test(tc, scalar_helpers_and_json);
  suite_add_tcase(su, tc);
  tc = tcase_create("ref");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, ref_cross_file);
  tcase_add_test(tc, ref_missing_target_and_file);
  tcase_add_test(tc, ref_failed_file_not_retried);
  tcase_add_test(tc, ref_file_limit);
  tcase_add_test(tc, ref_cycle_across_files);
  tcase_add_test(tc, ref_internal_pointers);
  tcase_add_test(tc, ref_big_map);
  tcase_add_test(tc, ref_names);
  tcase_add_test(tc, edit_tree);
  tcase_add_test(tc, allocation_failures);
  suite_add_tcase(su, tc);
  return su;
}
