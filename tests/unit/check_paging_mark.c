/* check_paging_mark.c - the paging mark and its inference at compile time (product.md
 * §12.1; src/compile/paging.c), data-driven: tests/data/paging/{valid,invalid}/<case>/
 * (tests/data/paging/README describes a case).
 *
 * Each case's spec.yaml is compiled (compile_document, which decides each list plan's
 * paging in xflow.c's list_plan); the first type with an x-flow-query (else an
 * x-flow-load) is looked at: its plan's paging as JSON (paging_to_json) is compared with
 * expected.json, and every diagnostic of the compile with `error` / `warnings`.
 */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_data.h"
#include "test_cache.h"
#include "../../src/compile/paging.h"
#include "../../src/common/mem.h"

static char **valid, **invalid;
static int nvalid, ninvalid;

struct run {
  struct diag d;
  struct doc_set s;
  struct model m;
  struct model_paging pg;
  enum oac_result r;
  char *said;                   /* what the compile diagnosed, the case folder cut off */
  char dir[4096];
};

static void run_case(const char *kind, const char *name, struct run *x)
{
  char src[4200];
  snprintf(x->dir, sizeof(x->dir), "%s/%s", td_dir(kind), name);
  snprintf(src, sizeof(src), "%s/spec.yaml", x->dir);
  struct compile_opts o;
  memset(&o, 0, sizeof(o));
  o.source = src;
  diag_init(&x->d, NULL);
  doc_set_init(&x->s, &x->d);
  model_init(&x->m);
  x->r = compile_document(&o, &x->s, &x->d, &x->m);
  ck_assert_msg(x->r == OAC_OK || x->r == OAC_EDOC, "%s: the compiler failed: %s\n%s", name,
                oac_result_str(x->r), x->d.text.data ? x->d.text.data : "");
  int t = -1;
  enum cache_op op = OP_QUERY;
  for(size_t i = 0; i < x->m.ntypes && t < 0; i++)
    if(x->m.types[i].plans[OP_QUERY].at)
      t = (int)i;
  for(size_t i = 0; i < x->m.ntypes && t < 0; i++)
    if(x->m.types[i].plans[OP_LOAD].at) {
      t = (int)i;
      op = OP_LOAD;
    }
  ck_assert_msg(t >= 0, "%s: no type with an x-flow-query or x-flow-load", name);
  const struct model_plan *pl = &x->m.types[t].plans[op];
  memset(&x->pg, 0, sizeof(x->pg));
  if(pl->paging)
    x->pg = *pl->paging;
  char prefix[4200];
  snprintf(prefix, sizeof(prefix), "%s/", x->dir);
  x->said = td_replace(x->d.text.data ? x->d.text.data : "", prefix, "");
  ck_assert_ptr_nonnull(x->said);
}

static void run_free(struct run *x)
{
  free(x->said);
  model_free(&x->m);
  doc_set_free(&x->s);
  diag_free(&x->d);
}

/* Does TEXT have a line that starts with EXPECTED's "FILE:L:C: severity:" and holds the
 * rest of it? */
static int said(const char *text, const char *expected)
{
  const char *sev = strstr(expected, ": error: ");
  if(!sev)
    sev = strstr(expected, ": warning: ");
  ck_assert_msg(sev != NULL, "bad expectation line '%s' (FILE:L:C: error|warning: text)",
                expected);
  const char *rest = strchr(sev + 2, ':') + 2;
  size_t head = (size_t)(rest - expected);
  for(const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if(len >= head && !strncmp(line, expected, head)) {
      char *copy = strndup(line, len);
      int ok = copy && strstr(copy + head, rest) != NULL;
      free(copy);
      if(ok)
        return 1;
    }
    line += len + (end ? 1 : 0);
  }
  return 0;
}

/* Every non-empty, non-# line of file PATH must have been said; returns how many. */
static int expect_lines(const char *path, const char *text, const char *name)
{
  char *want = test_read_file(path, NULL);
  int n = 0;
  if(!want)
    return 0;
  for(char *line = strtok(want, "\n"); line; line = strtok(NULL, "\n")) {
    if(!line[0] || line[0] == '#')
      continue;
    n++;
    ck_assert_msg(said(text, line), "%s: expected\n  %s\nbut paging said:\n%s", name, line,
                  text);
  }
  free(want);
  return n;
}

static int count(const char *text, const char *what)
{
  int n = 0;
  for(const char *p = strstr(text, what); p; p = strstr(p + 1, what))
    n++;
  return n;
}

START_TEST(test_valid)
{
  struct run x;
  const char *name = valid[_i];
  run_case("paging/valid", name, &x);
  struct buf b;
  buf_init(&b);
  paging_to_json(&x.pg, &b);
  buf_putc(&b, '\0');
  ck_assert(!buf_failed(&b));
  if(getenv("OAC_CASE_PRINT"))
    printf("%s: %s\n%s", name, b.data, x.said);
  ck_assert_msg(x.r == OAC_OK, "%s: %s\n%s", name, oac_result_str(x.r), x.said);
  ck_assert_msg(!count(x.said, ": error: "), "%s: errors:\n%s", name, x.said);
  char path[4300];
  snprintf(path, sizeof(path), "%s/warnings", x.dir);
  int warned = expect_lines(path, x.said, name);
  ck_assert_msg(count(x.said, ": warning: ") == warned, "%s: %d warning(s) expected, "
                "paging said:\n%s", name, warned, x.said);
  cJSON *got = cJSON_Parse(b.data);
  ck_assert_msg(got != NULL, "%s: paging_to_json wrote no JSON: %s", name, b.data);
  snprintf(path, sizeof(path), "%s/expected.json", x.dir);
  cJSON *want = td_read_json(path, NULL, 0);
  ck_assert_msg(want != NULL, "%s: no expected.json", name);
  struct buf why;
  buf_init(&why);
  int ok = td_json_match(want, got, 0, &why);
  ck_assert_msg(ok, "%s: %s\ngot %s", name, why.data ? why.data : "", b.data);
  buf_free(&why);
  cJSON_Delete(want);
  cJSON_Delete(got);
  buf_free(&b);
  run_free(&x);
}
END_TEST

START_TEST(test_invalid)
{
  struct run x;
  const char *name = invalid[_i];
  run_case("paging/invalid", name, &x);
  if(getenv("OAC_CASE_PRINT"))
    printf("%s:\n%s", name, x.said);
  ck_assert_msg(x.r == OAC_EDOC, "%s: %s, not OAC_EDOC\n%s", name, oac_result_str(x.r),
                x.said);
  ck_assert_msg(x.pg.style == PAGING_NONE, "%s: a paging style despite the errors", name);
  char path[4300];
  snprintf(path, sizeof(path), "%s/error", x.dir);
  int errors = expect_lines(path, x.said, name);
  ck_assert_msg(errors > 0, "%s: no `error` file (or it is empty)", name);
  ck_assert_msg(count(x.said, ": error: ") == errors, "%s: %d error(s) expected, paging "
                "said:\n%s", name, errors, x.said);
  snprintf(path, sizeof(path), "%s/warnings", x.dir);
  int warned = expect_lines(path, x.said, name);
  ck_assert_msg(count(x.said, ": warning: ") == warned, "%s: %d warning(s) expected, "
                "paging said:\n%s", name, warned, x.said);
  run_free(&x);
}
END_TEST

/* The JSON form of an empty struct, and the style names (the rest is the cases'). */
START_TEST(test_none)
{
  struct model_paging p;
  memset(&p, 0, sizeof(p));
  struct buf b;
  buf_init(&b);
  paging_to_json(&p, &b);
  buf_putc(&b, '\0');
  ck_assert_str_eq(b.data, "{\"style\":\"none\"}");
  buf_free(&b);
  ck_assert_str_eq(paging_style_name(PAGING_NEXT_URL), "next-url");
  ck_assert_str_eq(paging_style_name((enum paging_style)42), "none");
}
END_TEST

/* td_cases keeps one list: each kind's names are copied out of it. */
static int list(const char *kind, char ***out)
{
  char **names;
  int n = td_cases(kind, &names);
  *out = calloc((size_t)n + 1, sizeof(**out));
  if(!*out)
    abort();
  for(int i = 0; i < n; i++)
    if(!((*out)[i] = strdup(names[i])))
      abort();
  td_cases_free();
  return n;
}

static void at_end(void)
{
  for(int i = 0; i < nvalid; i++)
    free(valid[i]);
  for(int i = 0; i < ninvalid; i++)
    free(invalid[i]);
  free(valid);
  free(invalid);
}

Suite *suite(void)
{
  Suite *s = suite_create("paging_mark");
  TCase *tc = tcase_create("cases");
  nvalid = list("paging/valid", &valid);
  tcase_add_loop_test(tc, test_valid, 0, nvalid);
  ninvalid = list("paging/invalid", &invalid);
  tcase_add_loop_test(tc, test_invalid, 0, ninvalid);
  tcase_add_test(tc, test_none);
  suite_add_tcase(s, tc);
  check_at_end(at_end);
  return s;
}
