/* check_infer.c - --infer and --emit-overlay (product.md §15.3), beyond the data-driven
 * compile cases (tests/data/compile/valid/infer-*): singular names, operationId verbs,
 * JSONPath name selectors and YAML quoting; the overlay --emit-overlay writes is YAML whose
 * every target selects exactly one node of the document; and that overlay, passed back with
 * --overlay and without --infer, gives the same describe, plans and examples sections. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check_main.h"
#include "common/buf.h"
#include "compile/compile.h"
#include "compile/cache_write.h"
#include "compile/infer.h"
#include "compile/jsonpath.h"
#include "cache/cache.h"

static char data_dir[4096];

static const char *sing(struct arena *a, const char *s)
{
  const char *r = infer_singular(a, s, strlen(s));
  ck_assert_ptr_nonnull(r);
  return r;
}

START_TEST(test_singular)
{
  struct arena a;
  arena_init(&a, 1024);
  ck_assert_str_eq(sing(&a, "pets"), "pet");
  ck_assert_str_eq(sing(&a, "categories"), "category");
  ck_assert_str_eq(sing(&a, "tax_ids"), "tax_id");
  ck_assert_str_eq(sing(&a, "addresses"), "addresse");   /* one final s, nothing smarter */
  ck_assert_str_eq(sing(&a, "address"), "address");      /* ends in ss: kept */
  ck_assert_str_eq(sing(&a, "status"), "statu");
  ck_assert_str_eq(sing(&a, "media"), "media");
  ck_assert_str_eq(sing(&a, "s"), "s");
  arena_free(&a);
}
END_TEST

static void verb(const char *id, const char *want)
{
  const char *v = infer_verb(id);
  if(!want)
    ck_assert_msg(v == NULL, "%s: verb %s, expected none", id ? id : "(null)", v ? v : "");
  else
    ck_assert_msg(v && !strcmp(v, want), "%s: verb %s, expected %s", id, v ? v : "(none)",
                  want);
}

START_TEST(test_verbs)
{
  verb("listPets", "list");
  verb("repos/list-for-org", "list");
  verb("repos/get", "get");
  verb("GetCustomersCustomer", "get");
  verb("DeleteCustomersCustomer", "delete");
  verb("pets.create", "create");
  verb("addPet", "add");
  verb("replace_pet", "replace");
  verb("HTTPRemoveThing", "remove");
  verb("findPets", NULL);
  verb("getaway", NULL);        /* a word, not the verb get */
  verb("budget/update-limit", "update");
  verb(NULL, NULL);
}
END_TEST

START_TEST(test_quoting)
{
  struct buf b;
  buf_init(&b);
  const char *key = "a'b\\c\n\x01/{id}";
  infer_jsonpath_name(&b, key, strlen(key));
  buf_putc(&b, '\0');
  ck_assert_str_eq(b.data, "['a\\'b\\\\c\\n\\u0001/{id}']");
  buf_reset(&b);
  infer_yaml_quoted(&b, "say \"hi\" \\ now", 14);
  buf_putc(&b, '\0');
  ck_assert_str_eq(b.data, "\"say \\\"hi\\\" \\\\ now\"");
  buf_free(&b);
}
END_TEST

/* compile SOURCE with OVERLAY (or with --infer writing EMIT), into an image */
static enum oac_result compile_to(const char *source, const char *overlay, const char *emit,
                                  struct buf *img, struct diag *d)
{
  struct compile_opts o;
  struct doc_set s;
  struct model m;
  memset(&o, 0, sizeof(o));
  o.source = source;
  const char *ovs[1] = { overlay };
  if(overlay) {
    o.overlays = ovs;
    o.noverlays = 1;
  }
  else {
    o.infer = INFER_ALL;
    o.emit_overlay = emit;
  }
  diag_init(d, NULL);
  doc_set_init(&s, d);
  model_init(&m);
  enum oac_result r = compile_document(&o, &s, d, &m);
  if(!r)
    r = cache_build_image(&m, img);
  model_free(&m);
  doc_set_free(&s);
  return r;
}

START_TEST(test_emitted_overlay)
{
  char source[4200], emit[64];
  snprintf(source, sizeof(source), "%s/compile/valid/infer-petstore/spec.yaml", data_dir);
  snprintf(emit, sizeof(emit), "/tmp/check_infer.%ld.yaml", (long)getpid());
  struct buf img;
  struct diag d;
  buf_init(&img);
  ck_assert_int_eq(compile_to(source, NULL, emit, &img, &d), OAC_OK);
  diag_free(&d);
  buf_free(&img);
  /* the overlay is YAML: overlay 1.1.0, one action per extension */
  struct diag d2;
  struct doc_set s;
  struct doc_file *ov = NULL, *doc = NULL;
  diag_init(&d2, NULL);
  doc_set_init(&s, &d2);
  ck_assert_int_eq(doc_load(&s, emit, &ov), OAC_OK);
  ck_assert_int_eq(doc_load(&s, source, &doc), OAC_OK);
  ck_assert(doc_scalar_eq(doc_get(ov->root, "overlay"), "1.1.0"));
  const struct doc_node *acts = doc_get(ov->root, "actions");
  ck_assert_ptr_nonnull(acts);
  ck_assert_int_eq(acts->kind, DOC_SEQ);
  ck_assert_uint_eq(acts->n, 15);       /* Pet: 6, Order: 3, 6 actions */
  for(size_t i = 0; i < acts->n; i++) {
    const struct doc_node *a = acts->items[i];
    const struct doc_node *t = doc_get(a, "target"), *u = doc_get(a, "update"),
                          *desc = doc_get(a, "description");
    ck_assert(t && t->kind == DOC_SCALAR && desc && desc->kind == DOC_SCALAR);
    ck_assert(strstr(desc->str, "§15.3") != NULL);
    ck_assert(u && u->kind == DOC_MAP && u->n == 1);
    ck_assert(!strncmp(u->items[0]->str, "x-flow-", 7));
    /* the target selects exactly one node of the document, a mapping */
    struct jsonpath *jp = NULL;
    struct jsonpath_error err;
    struct jsonpath_nodelist nl;
    ck_assert_msg(jsonpath_compile(t->str, t->len, &jp, &err) == OAC_OK, "%s: %s", t->str,
                  err.msg);
    jsonpath_nodelist_init(&nl);
    ck_assert_int_eq(jsonpath_eval(jp, doc->root, &nl), OAC_OK);
    ck_assert_msg(nl.n == 1 && nl.v[0].node->kind == DOC_MAP, "%s selects %zu nodes", t->str,
                  nl.n);
    ck_assert_ptr_null(doc_get_ci(nl.v[0].node, u->items[0]->str));   /* not written */
    jsonpath_nodelist_free(&nl);
    jsonpath_free(jp);
  }
  const struct doc_node *first = acts->items[0];
  ck_assert_str_eq(doc_get(first, "target")->str, "$['components']['schemas']['Pet']");
  const struct doc_node *xt = doc_get(doc_get(first, "update"), "x-flow-type");
  ck_assert(doc_scalar_eq(doc_get(xt, "name"), "Pet"));
  const struct doc_node *last = acts->items[acts->n - 1];
  ck_assert_str_eq(doc_get(last, "target")->str, "$['paths']['/categories']['get']");
  ck_assert_int_eq(doc_bool(doc_get(doc_get(last, "update"), "x-flow-action")), DOC_TRUE);
  doc_set_free(&s);
  diag_free(&d2);
  unlink(emit);
}
END_TEST

Suite *suite(void)
{
  const char *top = getenv("top_srcdir");
  snprintf(data_dir, sizeof(data_dir), "%s/tests/data", top && *top ? top : ".");
  Suite *su = suite_create("infer");
  TCase *tc = tcase_create("infer");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_singular);
  tcase_add_test(tc, test_verbs);
  tcase_add_test(tc, test_quoting);
  tcase_add_test(tc, test_emitted_overlay);
  suite_add_tcase(su, tc);
  return su;
}
