/* check_infer.c - --infer and --emit-overlay (product.md §15.3), beyond the data-driven
 * compile cases (tests/data/compile/valid/infer-*): singular names, operationId verbs,
 * JSONPath name selectors and YAML quoting; the overlay --emit-overlay writes is YAML whose
 * every target selects exactly one node of the document; and that overlay, passed back with
 * --overlay and without --infer, gives the same describe, plans and examples sections. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check_main.h"
#include "common/buf.h"
#include "common/mem.h"
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

/* compile SOURCE with OVERLAY (or with --infer, or --infer=crud when CRUD, writing EMIT),
 * into an image */
static enum oac_result compile_to2(const char *source, const char *overlay, const char *emit,
                                   int crud, struct buf *img, struct diag *d)
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
    o.infer = crud ? INFER_CRUD : INFER_ALL;
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

static enum oac_result compile_to(const char *source, const char *overlay, const char *emit,
                                  struct buf *img, struct diag *d)
{
  return compile_to2(source, overlay, emit, 0, img, d);
}

static const struct cache_section *section(const struct buf *img, uint32_t kind)
{
  const struct cache_header *h = (const struct cache_header *)img->data;
  for(uint32_t i = 0; i < h->nsections && i < CACHE_MAX_SECTIONS; i++)
    if(h->sections[i].kind == kind)
      return &h->sections[i];
  return NULL;
}

/* Section KIND of A and B hold the same: equal bytes, except that B's file offsets are
 * A's + the difference of the header sizes (the header names the overlays; string
 * references are file offsets): compared as 32-bit words (tests/tools/cache_sections.c). */
static int same_section(const struct buf *a, const struct buf *b, uint32_t kind)
{
  const struct cache_section *sa = section(a, kind), *sb = section(b, kind);
  if(!sa || !sb)
    return !sa && !sb;
  if(sa->size != sb->size)
    return 0;
  uint32_t ha = ((const struct cache_header *)a->data)->header_size;
  uint32_t delta = ((const struct cache_header *)b->data)->header_size - ha;
  const unsigned char *pa = (const unsigned char *)a->data + sa->offset;
  const unsigned char *pb = (const unsigned char *)b->data + sb->offset;
  if(kind == CS_DESCRIBE)
    return !memcmp(pa, pb, sa->size);
  uint64_t words = sa->size / 4 * 4;
  if(memcmp(pa + words, pb + words, sa->size - words))
    return 0;
  for(uint64_t j = 0; j < words; j += 4) {
    uint32_t wa, wb;
    memcpy(&wa, pa + j, 4);
    memcpy(&wb, pb + j, 4);
    if(wa != wb && !(wa >= ha && wb - wa == delta))
      return 0;
  }
  return 1;
}

/* §15.3: the emitted overlay, passed back with --overlay and without --infer, gives the
 * same describe, plans (their parameters, security alternatives, lists) and examples */
static const char *const round_trip_cases[] = { "infer-petstore", "infer-subcollection",
                                                "infer-pairs", "infer-crud",
                                                "infer-explicit", "infer-clash" };

START_TEST(test_round_trip)
{
  char source[4200], emit[64], opts[4200];
  const char *cs = round_trip_cases[_i];
  snprintf(source, sizeof(source), "%s/compile/valid/%s/spec.yaml", data_dir, cs);
  snprintf(opts, sizeof(opts), "%s/compile/valid/%s/options", data_dir, cs);
  snprintf(emit, sizeof(emit), "/tmp/check_infer_rt.%ld.yaml", (long)getpid());
  FILE *f = fopen(opts, "r");
  ck_assert_ptr_nonnull(f);
  char line[64] = "";
  ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
  fclose(f);
  int crud = !strncmp(line, "--infer=crud", 12);
  struct buf a, b;
  struct diag d;
  buf_init(&a);
  buf_init(&b);
  ck_assert_int_eq(compile_to2(source, NULL, emit, crud, &a, &d), OAC_OK);
  diag_free(&d);
  enum oac_result r = compile_to(source, emit, NULL, &b, &d);
  ck_assert_msg(r == OAC_OK, "%s: the emitted overlay does not compile:\n%s", cs,
                d.text.data ? d.text.data : "");
  diag_free(&d);
  static const uint32_t kinds[] = { CS_DESCRIBE, CS_PLANS, CS_PARAMS, CS_SECALTS, CS_U32,
                                    CS_EXAMPLES };
  static const char *const names[] = { "describe", "plans", "params", "secalts", "u32",
                                       "examples" };
  for(size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
    ck_assert_msg(same_section(&a, &b, kinds[k]), "%s: the %s sections differ", cs,
                  names[k]);
  /* and the header does differ: it names the overlay */
  ck_assert_uint_ne(((const struct cache_header *)a.data)->header_size,
                    ((const struct cache_header *)b.data)->header_size);
  buf_free(&a);
  buf_free(&b);
  unlink(emit);
}
END_TEST

/* Every valid compile case without an `options` file (marked documents, mostly) also
 * compiles with --infer (an inferred mark is never an error), and its emitted overlay
 * round-trips. */
START_TEST(test_valid_cases)
{
  char dir[4200], source[4800], opts[4800], emit[64];
  snprintf(dir, sizeof(dir), "%s/compile/valid", data_dir);
  snprintf(emit, sizeof(emit), "/tmp/check_infer_all.%ld.yaml", (long)getpid());
  DIR *dp = opendir(dir);
  ck_assert_ptr_nonnull(dp);
  unsigned n = 0;
  for(struct dirent *e; (e = readdir(dp));) {
    if(e->d_name[0] == '.')
      continue;
    snprintf(opts, sizeof(opts), "%s/%s/options", dir, e->d_name);
    if(!access(opts, F_OK))
      continue;
    snprintf(source, sizeof(source), "%s/%s/spec.yaml", dir, e->d_name);
    if(access(source, F_OK))
      snprintf(source, sizeof(source), "%s/%s/spec.json", dir, e->d_name);
    struct buf a, b;
    struct diag d;
    buf_init(&a);
    buf_init(&b);
    enum oac_result r = compile_to(source, NULL, emit, &a, &d);
    ck_assert_msg(r == OAC_OK, "%s: --infer: %s\n%s", e->d_name, oac_result_str(r),
                  d.text.data ? d.text.data : "");
    diag_free(&d);
    r = compile_to(source, emit, NULL, &b, &d);
    ck_assert_msg(r == OAC_OK, "%s: --overlay of the emitted overlay: %s\n%s", e->d_name,
                  oac_result_str(r), d.text.data ? d.text.data : "");
    diag_free(&d);
    ck_assert_msg(same_section(&a, &b, CS_DESCRIBE) && same_section(&a, &b, CS_PLANS) &&
                  same_section(&a, &b, CS_PARAMS) && same_section(&a, &b, CS_EXAMPLES),
                  "%s: the round trip gives another describe, plans or examples", e->d_name);
    buf_free(&a);
    buf_free(&b);
    n++;
  }
  closedir(dp);
  ck_assert_uint_gt(n, 30);
  unlink(emit);
}
END_TEST

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

/* Allocation failures (as check_chaos does for the plain compile): with every allocation
 * of an --infer compile failed in turn, the compile ends with OAC_ENOMEM or gives the
 * clean run's describe; LeakSanitizer (the sanitizer build) finds leaks. */
static enum oac_result infer_once(const char *source, struct buf *describe,
                                  unsigned long *allocs)
{
  struct compile_opts o;
  struct doc_set s;
  struct model m;
  struct diag d;
  memset(&o, 0, sizeof(o));
  o.source = source;
  o.infer = INFER_ALL;
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
  model_init(&m);
  enum oac_result r = compile_document(&o, &s, &d, &m);
  *allocs = oac_mem_count();
  oac_mem_fail_at(0);                   /* the copy below is not faulted */
  if(!r)
    buf_append(describe, m.describe, m.describe_len);
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  return r;
}

START_TEST(test_chaos)
{
  char source[4200];
  snprintf(source, sizeof(source), "%s/compile/valid/infer-explicit/spec.yaml", data_dir);
  struct buf ref, got;
  buf_init(&ref);
  oac_mem_fail_at(0);
  unsigned long total = 0, used = 0;
  ck_assert_int_eq(infer_once(source, &ref, &total), OAC_OK);
  ck_assert(!buf_failed(&ref) && ref.len > 0);
  for(unsigned long n = 1; n <= total; n++) {
    buf_init(&got);
    oac_mem_fail_at(n);
    enum oac_result r = infer_once(source, &got, &used);
    if(r == OAC_OK)
      ck_assert_msg(!buf_failed(&got) && got.len == ref.len &&
                    !memcmp(got.data, ref.data, ref.len), "N=%lu: compiled, but another "
                    "describe", n);
    else
      ck_assert_msg(r == OAC_ENOMEM && used >= n, "N=%lu: %s, expected out of memory", n,
                    oac_result_str(r));
    buf_free(&got);
  }
  buf_free(&ref);
}
END_TEST

/* the command line: exit status and output of openapi-connector-compile ARGS */
static int cli(const char *args, char *out, size_t size)
{
  char cmd[8400];
  snprintf(cmd, sizeof(cmd), "src/compile/openapi-connector-compile %s 2>&1", args);
  FILE *p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  size_t n = fread(out, 1, size - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli)
{
  static char out[1 << 16];
  char args[8300];
  ck_assert_msg(access("src/compile/openapi-connector-compile", X_OK) == 0,
                "the compiler is not built (make check runs in the build directory)");
  snprintf(args, sizeof(args), "--check --infer=some %s/compile/valid/infer-petstore/spec.yaml",
           data_dir);
  ck_assert_int_eq(cli(args, out, sizeof(out)), 2);
  ck_assert_msg(strstr(out, "--infer=some: expected all or crud"), "%s", out);
  snprintf(args, sizeof(args), "--check --emit-overlay /dev/null "
           "%s/compile/valid/infer-petstore/spec.yaml", data_dir);
  ck_assert_int_eq(cli(args, out, sizeof(out)), 2);
  ck_assert_msg(strstr(out, "--emit-overlay needs --infer"), "%s", out);
  snprintf(args, sizeof(args), "--check --list --infer %s/compile/valid/infer-petstore/spec.yaml",
           data_dir);
  ck_assert_int_eq(cli(args, out, sizeof(out)), 0);
  ck_assert_msg(strstr(out, "\nTYPE Pet  (inferred)\n"), "%s", out);
  ck_assert_msg(strstr(out, "\nACTION actions/adoptpet  \"Adopt a pet\"  (inferred)\n"), "%s",
                out);
  ck_assert_msg(strstr(out, "ok, 10 types, 6 actions, 0 warnings"), "%s", out);
  snprintf(args, sizeof(args), "--check --list --infer=crud "
           "%s/compile/valid/infer-petstore/spec.yaml", data_dir);
  ck_assert_int_eq(cli(args, out, sizeof(out)), 0);
  ck_assert_msg(!strstr(out, "ACTION "), "%s", out);
  snprintf(args, sizeof(args), "--check --infer --emit-overlay /nonexistent/dir/x.yaml "
           "%s/compile/valid/infer-petstore/spec.yaml", data_dir);
  ck_assert_int_eq(cli(args, out, sizeof(out)), 2);
  ck_assert_msg(strstr(out, "/nonexistent/dir/x.yaml: error: --emit-overlay: cannot write"),
                "%s", out);
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
  tcase_add_test(tc, test_cli);
  tcase_add_test(tc, test_valid_cases);
  tcase_add_test(tc, test_chaos);
  tcase_add_loop_test(tc, test_round_trip, 0,
                      (int)(sizeof(round_trip_cases) / sizeof(round_trip_cases[0])));
  suite_add_tcase(su, tc);
  return su;
}
