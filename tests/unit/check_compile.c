/* check_compile.c - data-driven tests of the compile step.
 *
 * tests/data/compile/valid/<case>/{spec.yaml|spec.json, types.json[, warnings]}: the
 * document compiles; the describe body's types equal types.json (compact form: type ->
 * [[name, contentType, databaseContentType(, typeElementDeveloperName)]...]); every
 * binding is consistent with its type; expected warnings appear; where a `plans` file is
 * given, the operation plans equal it (one line per parameter, see plans_text()); where an
 * `actions` file is given, the message actions equal it (see actions_text()), and every
 * case's actions are found again in the cache image by slug.
 * tests/data/compile/invalid/<case>/{spec.yaml, errors}: every expected diagnostic
 * (FILE:LINE:COL: severity: substring) appears and no other error does.
 * Either kind may have an `options` file: compile options, one a line (see struct result).
 * Plus: the bundled example, a round trip through the cache reader, CLI-level checks.
 */
#include <check.h>
#include "check_main.h"
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/compile/compile.h"
#include "../../src/compile/cache_write.h"
#include "../../src/cache/cache.h"
#include "../../src/flow/config.h"

static char srcdir[2048];
static char *valid_cases[256], *invalid_cases[256];
static int nvalid, ninvalid;

static char *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if(!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)n + 1);
  if(p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if(p) {
    p[n] = '\0';
    if(len)
      *len = (size_t)n;
  }
  return p;
}

static int exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

static int cmpstr(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_cases(const char *kind, char **out, int max)
{
  char dir[4096];
  int n = 0;
  snprintf(dir, sizeof(dir), "%s/tests/data/compile/%s", srcdir, kind);
  DIR *d = opendir(dir);
  if(!d)
    return 0;
  struct dirent *e;
  while((e = readdir(d)) && n < max) {
    if(e->d_name[0] == '.')
      continue;
    char p[4096 + 256];
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    struct stat st;
    if(stat(p, &st) == 0 && S_ISDIR(st.st_mode))
      out[n++] = strdup(p);
  }
  closedir(d);
  qsort(out, (size_t)n, sizeof(*out), cmpstr);
  return n;
}

struct result {
  enum oac_result r;
  struct diag d;
  struct doc_set s;
  struct model m;
  char source[4096];
  char *vars_text;              /* servers (§13.7): the case's `server-variables` file */
  const char *vars[16];
  /* issue 17: the case's `options` file, one compile option a line: `--overlay FILE`
   * (relative to the case folder; repeatable, in order), `--infer`, `--infer=all`,
   * `--infer=crud`, `--offline`, `--allow-host PATTERN` (repeatable) */
  char *opts_text;
  char overlay_paths[8][4096];
  const char *overlays[8];
  const char *hosts[16];
};

static void compile_case(const char *dir, struct result *res)
{
  struct compile_opts o;
  memset(&o, 0, sizeof(o));
  snprintf(res->source, sizeof(res->source), "%s/spec.yaml", dir);
  if(!exists(res->source))
    snprintf(res->source, sizeof(res->source), "%s/spec.json", dir);
  o.source = res->source;
  /* servers (§13.7): a `server-variables` file holds --server-variable values, one a line */
  char vp[4096];
  snprintf(vp, sizeof(vp), "%s/server-variables", dir);
  res->vars_text = read_file(vp, NULL);
  size_t nv = 0;
  for(char *l = res->vars_text ? strtok(res->vars_text, "\n") : NULL; l && nv < 16;
      l = strtok(NULL, "\n"))
    if(*l && *l != '#')
      res->vars[nv++] = l;
  o.server_vars = res->vars;
  o.nserver_vars = nv;
  /* issue 17: the `options` file */
  snprintf(vp, sizeof(vp), "%s/options", dir);
  res->opts_text = read_file(vp, NULL);
  char *save = NULL;
  for(char *l = res->opts_text ? strtok_r(res->opts_text, "\n", &save) : NULL; l;
      l = strtok_r(NULL, "\n", &save)) {
    if(!*l || *l == '#')
      continue;
    if(!strncmp(l, "--overlay ", 10)) {
      ck_assert_msg(o.noverlays < 8, "%s/options: at most 8 overlays", dir);
      snprintf(res->overlay_paths[o.noverlays], sizeof(res->overlay_paths[0]), "%s/%s", dir,
               l + 10);
      res->overlays[o.noverlays] = res->overlay_paths[o.noverlays];
      o.noverlays++;
    }
    else if(!strcmp(l, "--infer") || !strcmp(l, "--infer=all"))
      o.infer = INFER_ALL;
    else if(!strcmp(l, "--infer=crud"))
      o.infer = INFER_CRUD;
    else if(!strcmp(l, "--offline"))
      o.offline = 1;
    else if(!strncmp(l, "--allow-host ", 13)) {
      ck_assert_msg(o.nallow_hosts < 16, "%s/options: at most 16 --allow-host", dir);
      res->hosts[o.nallow_hosts++] = l + 13;
    }
    else
      ck_abort_msg("%s/options: unknown option line '%s'", dir, l);
  }
  o.overlays = res->overlays;
  o.allow_hosts = res->hosts;
  diag_init(&res->d, NULL);
  doc_set_init(&res->s, &res->d);
  model_init(&res->m);
  res->r = compile_document(&o, &res->s, &res->d, &res->m);
}

static void result_free(struct result *res)
{
  model_free(&res->m);
  doc_set_free(&res->s);
  diag_free(&res->d);
  free(res->vars_text);
  res->vars_text = NULL;
  free(res->opts_text);
  res->opts_text = NULL;
}

/* Does the diagnostic text contain a line "FILE:L:C: sev: ...substring..."? Paths in the
 * actual text are made relative to the case directory first. */
static int diag_has(const char *text, const char *dir, const char *expected)
{
  char prefix[4096];
  const char *sev = strstr(expected, ": error: ");
  if(!sev)
    sev = strstr(expected, ": warning: ");
  if(!sev || !text)
    return 0;
  const char *colon = strchr(sev + 2, ':');
  size_t poslen = (size_t)(colon - expected + 1);
  const char *sub = colon + 2;
  snprintf(prefix, sizeof(prefix), "%s/", dir);
  /* relative copy of the text */
  size_t tl = strlen(text), pl = strlen(prefix);
  char *rel = malloc(tl + 1), *o = rel;
  ck_assert_ptr_nonnull(rel);
  for(const char *p = text; *p;) {
    if(!strncmp(p, prefix, pl))
      p += pl;
    else
      *o++ = *p++;
  }
  *o = '\0';
  int found = 0;
  for(const char *line = rel; line && *line && !found;) {
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    if(n >= poslen && !strncmp(line, expected, poslen)) {
      char tmp[2048];
      snprintf(tmp, sizeof(tmp), "%.*s", (int)(n - poslen), line + poslen);
      if(strcasestr(tmp, sub))
        found = 1;
    }
    line = end ? end + 1 : NULL;
  }
  free(rel);
  return found;
}

static void check_expected_lines(const char *dir, const char *file, const char *text)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, file);
  char *exp = read_file(path, NULL);
  if(!exp)
    return;
  for(char *line = strtok(exp, "\n"); line; line = strtok(NULL, "\n")) {
    while(*line == ' ')
      line++;
    if(!*line || *line == '#')
      continue;
    ck_assert_msg(diag_has(text, dir, line), "%s: expected diagnostic not found:\n  %s\n"
                  "actual diagnostics:\n%s", dir, line, text ? text : "(none)");
  }
  free(exp);
}

static const char *jstr(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Shape checks every TypeElement must pass, whatever the case. */
static void check_type_element(const cJSON *te)
{
  const char *name = jstr(te, "developerName");
  ck_assert_ptr_nonnull(name);
  ck_assert_str_eq(jstr(te, "elementType"), "TYPE");
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(te, "properties");
  const cJSON *bindings = cJSON_GetObjectItemCaseSensitive(te, "bindings");
  ck_assert(cJSON_IsArray(props));
  /* message actions (§14.2): a type generated for an action has no binding */
  if(cJSON_IsArray(bindings) && !cJSON_GetArraySize(bindings) && strchr(name, ' '))
    return;
  ck_assert_int_eq(cJSON_GetArraySize(bindings), 1);
  const cJSON *b = cJSON_GetArrayItem(bindings, 0);
  ck_assert_str_eq(jstr(b, "developerName"), name);
  ck_assert_str_eq(jstr(b, "databaseTableName"), name);
  const cJSON *pb = cJSON_GetObjectItemCaseSensitive(b, "propertyBindings");
  ck_assert_int_eq(cJSON_GetArraySize(pb), cJSON_GetArraySize(props));
  for(int i = 0; i < cJSON_GetArraySize(props); i++) {
    const cJSON *p = cJSON_GetArrayItem(props, i), *q = cJSON_GetArrayItem(pb, i);
    ck_assert_str_eq(jstr(q, "databaseFieldName"), jstr(p, "developerName"));
    ck_assert_str_eq(jstr(q, "typeElementPropertyDeveloperName"), jstr(p, "developerName"));
    ck_assert_ptr_nonnull(jstr(q, "databaseContentType"));
    const char *ct = jstr(p, "contentType");
    ck_assert_ptr_nonnull(ct);
    int needs_ref = !strcmp(ct, "ContentObject") || !strcmp(ct, "ContentList");
    ck_assert_msg(needs_ref == (jstr(p, "typeElementDeveloperName") != NULL),
                  "%s.%s: typeElementDeveloperName must be set exactly for objects and lists",
                  name, jstr(p, "developerName"));
  }
}

/* Compare the describe body's types with the compact expectation. */
static void compare_types(const char *where, const char *describe, const char *expected_path)
{
  char *exp_text = read_file(expected_path, NULL);
  ck_assert_msg(exp_text != NULL, "%s: cannot read %s", where, expected_path);
  cJSON *exp = cJSON_Parse(exp_text);
  ck_assert_msg(exp != NULL, "%s: %s is not valid JSON", where, expected_path);
  cJSON *got = cJSON_Parse(describe);
  ck_assert_msg(got != NULL, "%s: the describe body is not valid JSON", where);
  const cJSON *tes = cJSON_GetObjectItemCaseSensitive(
    cJSON_GetObjectItemCaseSensitive(got, "install"), "typeElements");
  ck_assert(cJSON_IsArray(tes));
  ck_assert_msg(cJSON_GetArraySize(tes) == cJSON_GetArraySize(exp),
                "%s: %d types generated, %d expected", where, cJSON_GetArraySize(tes),
                cJSON_GetArraySize(exp));
  const cJSON *te;
  cJSON_ArrayForEach(te, tes) {
    check_type_element(te);
    const char *name = jstr(te, "developerName");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(exp, name);
    ck_assert_msg(want != NULL, "%s: unexpected type '%s'", where, name);
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(te, "properties");
    const cJSON *pb = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(te, "bindings"), 0),
      "propertyBindings");
    ck_assert_msg(cJSON_GetArraySize(props) == cJSON_GetArraySize(want),
                  "%s: type '%s' has %d properties, %d expected", where, name,
                  cJSON_GetArraySize(props), cJSON_GetArraySize(want));
    for(int i = 0; i < cJSON_GetArraySize(want); i++) {
      const cJSON *w = cJSON_GetArrayItem(want, i);
      const cJSON *p = cJSON_GetArrayItem(props, i), *q = cJSON_GetArrayItem(pb, i);
      const char *wname = cJSON_GetArrayItem(w, 0)->valuestring;
      const char *wct = cJSON_GetArrayItem(w, 1)->valuestring;
      const char *wdb = cJSON_GetArrayItem(w, 2)->valuestring;
      const cJSON *wref = cJSON_GetArrayItem(w, 3);
      ck_assert_msg(!strcmp(jstr(p, "developerName"), wname), "%s: %s property %d is '%s', "
                    "expected '%s'", where, name, i, jstr(p, "developerName"), wname);
      ck_assert_msg(!strcmp(jstr(p, "contentType"), wct), "%s: %s.%s is %s, expected %s",
                    where, name, wname, jstr(p, "contentType"), wct);
      /* a type generated for an action has no binding, so no database type (§14.2) */
      ck_assert_msg(!q || !strcmp(jstr(q, "databaseContentType"), wdb), "%s: %s.%s database type "
                    "is %s, expected %s", where, name, wname, jstr(q, "databaseContentType"),
                    wdb);
      const char *ref = jstr(p, "typeElementDeveloperName");
      if(wref && cJSON_IsString(wref))
        ck_assert_msg(ref && !strcmp(ref, wref->valuestring), "%s: %s.%s refers to %s, "
                      "expected %s", where, name, wname, ref ? ref : "nothing",
                      wref->valuestring);
      else
        ck_assert_msg(ref == NULL, "%s: %s.%s refers to %s, expected nothing", where, name,
                      wname, ref);
    }
  }
  cJSON_Delete(got);
  cJSON_Delete(exp);
  free(exp_text);
}

/* The plans of M as text, one line per parameter (a plan without parameters: one line
 * ending at the path): "<Type> <op> <METHOD> <path> <param> <in> <source>[ <arg>]". */
static void plans_text(const struct model *m, struct buf *out)
{
  static const char *const ops[OP_MAX] = { "load", "query", "save", "update", "delete" };
  static const char *const ins[] = { "?", "query", "path", "header", "cookie" };
  static const char *const srcs[] = { "?", "externalId", "limit", "offset", "search",
                                      "orderBy", "orderByDirection", "user", "default",
                                      "property", "where", "idPart", "config", "input" };
  static const char *const methods[] = { "?", "GET", "PUT", "POST", "DELETE", "PATCH",
                                         "HEAD", "OPTIONS" };
  for(size_t t = 0; t < m->ntypes; t++)
    for(int op = 0; op < OP_MAX; op++) {
      const struct model_plan *p = &m->types[t].plans[op];
      if(!p->present)
        continue;
      char head[1024];
      snprintf(head, sizeof(head), "%s %s %s %s", m->types[t].name, ops[op],
               (unsigned)p->method < 8 ? methods[p->method] : "?", p->path);
      if(!p->nparams) {
        buf_puts(out, head);
        buf_putc(out, '\n');
      }
      for(size_t i = 0; i < p->nparams; i++) {
        const struct model_param *q = &p->params[i];
        char line[2048];
        snprintf(line, sizeof(line), "%s %s %s %s%s%s\n", head, q->name,
                 (unsigned)q->in < 5 ? ins[q->in] : "?",
                 (unsigned)q->src < 14 ? srcs[q->src] : "?", q->arg ? " " : "",
                 q->arg ? q->arg : "");
        if(q->flags & CPA_F_SECRET)             /* issue 16: bound to a secret */
          snprintf(line + strlen(line) - 1, sizeof(line) - strlen(line) + 1, " [secret]\n");
        buf_puts(out, line);
      }
    }
}

/* Where DIR has a `plans` file (comment lines start with '#'), the plans equal it. */
static void check_plans(const char *dir, const struct model *m)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/plans", dir);
  char *want = read_file(path, NULL);
  if(!want)
    return;
  struct buf exp, got;
  buf_init(&exp);
  buf_init(&got);
  for(char *line = strtok(want, "\n"); line; line = strtok(NULL, "\n"))
    if(*line && *line != '#') {
      buf_puts(&exp, line);
      buf_putc(&exp, '\n');
    }
  plans_text(m, &got);
  ck_assert(!buf_failed(&exp) && !buf_failed(&got));
  ck_assert_msg(exp.len == got.len && !memcmp(exp.data, got.data, exp.len),
                "%s: plans differ from %s\nexpected:\n%s\nactual:\n%s", dir, path,
                exp.data ? exp.data : "", got.data ? got.data : "");
  buf_free(&exp);
  buf_free(&got);
  free(want);
}

/* servers (§13.7): where DIR has a `servers` file (comment lines start with '#'), the
 * server lists ("list N: URL" a line, in order) and the plans' lists ("TYPE OP: list N",
 * for a plan with its own list) equal it; also read back from the cache image. */
static void check_servers(const char *dir, const struct model *m, struct cache *c)
{
  static const char *const ops[OP_MAX] = { "load", "query", "save", "update", "delete" };
  char path[4096];
  snprintf(path, sizeof(path), "%s/servers", dir);
  char *want = read_file(path, NULL);
  if(!want)
    return;
  struct buf exp, got, img;
  buf_init(&exp);
  buf_init(&got);
  buf_init(&img);
  for(char *line = strtok(want, "\n"); line; line = strtok(NULL, "\n"))
    if(*line && *line != '#') {
      buf_puts(&exp, line);
      buf_putc(&exp, '\n');
    }
  for(size_t l = 0; l < m->nserver_lists; l++)
    for(size_t i = 0; i < m->server_lists[l].n; i++)
      buf_printf(&got, "list %zu: %s\n", l, m->server_lists[l].urls[i]);
  for(size_t t = 0; t < m->ntypes; t++)
    for(int op = 0; op < OP_MAX; op++)
      if(m->types[t].plans[op].present && m->types[t].plans[op].server_list)
        buf_printf(&got, "%s %s: list %zu\n", m->types[t].name, ops[op],
                   m->types[t].plans[op].server_list);
  /* the cache's SERVERS section says the same */
  uint32_t n;
  struct cache_error err;
  const struct cache_server *s = cache_section(c, CS_SERVERS, &n, &err);
  ck_assert_ptr_nonnull(s);
  for(uint32_t i = 0; i < n; i++)
    buf_printf(&img, "list %u: %s\n", s[i].list, cache_str(c, s[i].url));
  ck_assert_str_eq(cache_str(c, c->hdr->server_url), m->server_url);
  ck_assert(!buf_failed(&exp) && !buf_failed(&got) && !buf_failed(&img));
  ck_assert_msg(exp.len == got.len && !memcmp(exp.data, got.data, exp.len),
                "%s: servers differ from %s\nexpected:\n%s\nactual:\n%s", dir, path,
                exp.data ? exp.data : "", got.data ? got.data : "");
  ck_assert_msg(img.len <= got.len && !memcmp(img.data, got.data, img.len),
                "%s: the cache's servers differ:\n%s", dir, img.data);
  buf_free(&exp);
  buf_free(&got);
  buf_free(&img);
  free(want);
}

/* Where DIR has a `bodies` file (comment lines start with '#'), the body of every plan
 * that sends one, as the cache stores it (product.md §13.1, §13.2), equals it: one line
 * "Type op media-type emptyAs [json_name:deep|form[,noexplode] ...]" (the encodings only
 * for a form body). */
static void check_bodies(const char *dir, struct cache *c)
{
  static const char *const ops[OP_MAX] = { "load", "query", "save", "update", "delete" };
  static const char *const empties[] = { "empty", "omit", "null" };
  char path[4096];
  snprintf(path, sizeof(path), "%s/bodies", dir);
  char *want = read_file(path, NULL);
  if(!want)
    return;
  struct cache_error err;
  uint32_t nt = 0, np = 0, nu = 0, npr = 0;
  const struct cache_type *types = cache_section(c, CS_TYPES, &nt, &err);
  const struct cache_plan *plans = cache_section(c, CS_PLANS, &np, &err);
  const uint32_t *u32 = cache_section(c, CS_U32, &nu, &err);
  const struct cache_prop *props = cache_section(c, CS_PROPS, &npr, &err);
  ck_assert_msg(types && plans && u32 && props, "%s: %s", dir, err.msg);
  struct buf exp, got;
  buf_init(&exp);
  buf_init(&got);
  for(char *line = strtok(want, "\n"); line; line = strtok(NULL, "\n"))
    if(*line && *line != '#') {
      buf_puts(&exp, line);
      buf_putc(&exp, '\n');
    }
  for(uint32_t t = 0; t < nt; t++)
    for(int op = 0; op < OP_MAX; op++) {
      if(!types[t].plans[op])
        continue;
      const struct cache_plan *pl = &plans[types[t].plans[op] - 1];
      if(!(pl->flags & PLAN_F_BODY))
        continue;
      buf_printf(&got, "%s %s %s %s", cache_str(c, types[t].name), ops[op],
                 cache_str(c, pl->body_type), pl->empty_as < 3 ? empties[pl->empty_as] : "?");
      for(uint32_t k = 0; pl->body_enc && k < pl->nbody; k++) {
        uint32_t f = u32[pl->body_enc - 1 + k];
        const struct cache_prop *pr = &props[types[t].first_prop + u32[pl->first_body + k]];
        buf_printf(&got, " %s:%s%s", cache_str(c, pr->json_name),
                   f & CBODY_F_DEEP ? "deep" : "form", f & CBODY_F_NO_EXPLODE ? ",noexplode" : "");
      }
      buf_putc(&got, '\n');
    }
  ck_assert(!buf_failed(&exp) && !buf_failed(&got));
  ck_assert_msg(exp.len == got.len && !memcmp(exp.data, got.data, exp.len),
                "%s: bodies differ from %s\nexpected:\n%s\nactual:\n%s", dir, path,
                exp.data ? exp.data : "", got.data ? got.data : "");
  buf_free(&exp);
  buf_free(&got);
  free(want);
}

/* ---- message actions (product.md §14; issue 16) ---- */

/* The actions of M as text (the `actions` expectation of a case):
 *   action <slug> "<name>" explicit|all <METHOD> <path> body=<media type or -> emptyAs=<n>
 *     flags=<PLAN_F_* hex>
 *   idempotencyKey <header>                         (when set)
 *   param <name> <in> <src> <arg>[ secret]          (the call's parameters, in order)
 *   input "<name>" <contentType> <in> <param> flags=<CI_F_* hex>[ type=<T>][ default=<d>]
 *   response <contentType>[ <T>]                    (none: no such line)
 *   outcome <status> <description>
 *   summary <developerSummary, newlines as \n> */
static void actions_text(const struct model *m, struct buf *out)
{
  static const char *const ins[] = { "body", "query", "path", "header", "cookie" };
  static const char *const srcs[] = { "?", "externalId", "limit", "offset", "search",
                                      "orderBy", "orderByDirection", "user", "default",
                                      "property", "where", "idPart", "config", "input" };
  for(size_t i = 0; i < m->nactions; i++) {
    const struct model_action *a = &m->actions[i];
    const struct model_plan *p = &a->plan;
    buf_printf(out, "action %s \"%s\" %s %s %s body=%s emptyAs=%u flags=%x\n", a->slug,
               a->name, a->flags & CA_F_EXPLICIT ? "explicit" : "all",
               flow_method_name((unsigned)p->method), p->path,
               p->body_type ? p->body_type : "-", (unsigned)p->empty_as, p->flags);
    if(p->idempotency_key)
      buf_printf(out, "idempotencyKey %s\n", p->idempotency_key);
    for(size_t k = 0; k < p->nparams; k++)
      buf_printf(out, "param %s %s %s %s%s\n", p->params[k].name,
                 ins[p->params[k].in < 5 ? p->params[k].in : 0],
                 srcs[p->params[k].src < 14 ? p->params[k].src : 0],
                 p->params[k].arg ? p->params[k].arg : "-",
                 p->params[k].flags & CPA_F_SECRET ? " secret" : "");
    for(size_t k = 0; k < a->ninputs; k++) {
      const struct model_input *in = &a->inputs[k];
      buf_printf(out, "input \"%s\" %s %s %s flags=%x", in->name, flow_ctype_name(in->ctype),
                 ins[in->in < 5 ? in->in : 0], in->param ? in->param : "-", in->flags);
      if(in->type >= 0)
        buf_printf(out, " type=%s", m->types[in->type].name);
      if(in->def)
        buf_printf(out, " default=%s", in->def);
      buf_putc(out, '\n');
    }
    if(a->response_ctype != CT_NONE)
      buf_printf(out, "response %s%s%s\n", flow_ctype_name(a->response_ctype),
                 a->response_type >= 0 ? " " : "",
                 a->response_type >= 0 ? m->types[a->response_type].name : "");
    for(size_t k = 0; k < a->noutcomes; k++)
      buf_printf(out, "outcome %u %s\n", a->outcomes[k].status,
                 a->outcomes[k].description ? a->outcomes[k].description : "-");
    buf_puts(out, "summary ");
    for(const char *c = a->summary; c && *c; c++)
      if(*c == '\n')
        buf_puts(out, "\\n");
      else
        buf_putc(out, *c);
    buf_putc(out, '\n');
  }
}

/* Where DIR has an `actions` file ('#' lines are comments), the actions equal it; and the
 * cache image holds them: sorted by slug, each found by cache_find_action with its inputs
 * and outcomes. */
static void check_actions(const char *dir, const struct model *m, struct cache *c)
{
  struct cache_error err;
  uint32_t n = 0;
  const struct cache_action *ca = cache_section(c, CS_ACTIONS, &n, &err);
  ck_assert_msg(n == m->nactions, "%s: %u actions in the cache, %zu compiled", dir, n,
                m->nactions);
  for(size_t i = 0; i < m->nactions; i++) {
    const struct model_action *a = &m->actions[i];
    const struct cache_action *f = cache_find_action(c, a->slug, strlen(a->slug), &err);
    ck_assert_msg(f == ca + i, "%s: action %s not found in the cache", dir, a->slug);
    ck_assert_str_eq(cache_str(c, f->name), a->name);
    ck_assert_uint_eq(f->ninputs, a->ninputs);
    ck_assert_uint_eq(f->noutcomes, a->noutcomes);
  }
  char path[4096];
  snprintf(path, sizeof(path), "%s/actions", dir);
  char *want = read_file(path, NULL);
  if(!want)
    return;
  struct buf exp, got;
  buf_init(&exp);
  buf_init(&got);
  for(char *line = strtok(want, "\n"); line; line = strtok(NULL, "\n"))
    if(*line && *line != '#') {
      buf_puts(&exp, line);
      buf_putc(&exp, '\n');
    }
  actions_text(m, &got);
  ck_assert(!buf_failed(&exp) && !buf_failed(&got));
  ck_assert_msg(exp.len == got.len && !memcmp(exp.data, got.data, exp.len),
                "%s: actions differ from %s\nexpected:\n%s\nactual:\n%s", dir, path,
                exp.data ? exp.data : "", got.data ? got.data : "");
  buf_free(&exp);
  buf_free(&got);
  free(want);
}

/* issue 17 (--infer, product.md §15.3): where DIR has an `inferred` file, the types and
 * actions flagged inferred (CT_F_INFERRED, CA_F_INFERRED) are exactly its lines,
 * "type NAME" in model order then "action SLUG" in slug order ('#' lines are comments). */
static void check_inferred(const char *dir, const struct model *m)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/inferred", dir);
  char *want = read_file(path, NULL);
  if(!want)
    return;
  struct buf exp, got;
  buf_init(&exp);
  buf_init(&got);
  char *save = NULL;
  for(char *line = strtok_r(want, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    if(*line && *line != '#')
      buf_printf(&exp, "%s\n", line);
  for(size_t t = 0; t < m->ntypes; t++)
    if(m->types[t].flags & CT_F_INFERRED)
      buf_printf(&got, "type %s\n", m->types[t].name);
  for(size_t i = 0; i < m->nactions; i++)
    if(m->actions[i].flags & CA_F_INFERRED)
      buf_printf(&got, "action %s\n", m->actions[i].slug);
  ck_assert(!buf_failed(&exp) && !buf_failed(&got));
  ck_assert_msg(exp.len == got.len && (!exp.len || !memcmp(exp.data, got.data, exp.len)),
                "%s: inferred types and actions differ from %s\nexpected:\n%s\nactual:\n%s",
                dir, path, exp.data ? exp.data : "", got.data ? got.data : "");
  buf_free(&exp);
  buf_free(&got);
  free(want);
}

START_TEST(test_valid_case)
{
  const char *dir = valid_cases[_i];
  struct result res;
  compile_case(dir, &res);
  ck_assert_msg(res.r == OAC_OK, "%s: compile failed (%s):\n%s", dir, oac_result_str(res.r),
                res.d.text.data ? res.d.text.data : "");
  /* what a worker serves: the describe body read back from the cache image */
  struct buf img;
  struct cache c;
  struct cache_error err;
  size_t len = 0;
  buf_init(&img);
  ck_assert_int_eq(cache_build_image(&res.m, &img), OAC_OK);
  ck_assert_msg(cache_open_mem(&c, img.data, img.len, CACHE_VERIFY_ALL, &err) == OAC_OK,
                "%s: %s", dir, err.msg);
  const char *cached = cache_describe(&c, &len, &err);
  ck_assert_ptr_nonnull(cached);
  char *body = strndup(cached, len);
  char path[4096];
  snprintf(path, sizeof(path), "%s/types.json", dir);
  compare_types(dir, body, path);
  /* where a full expected describe body is given, it must match exactly (as JSON) */
  snprintf(path, sizeof(path), "%s/describe.json", dir);
  char *full = read_file(path, NULL);
  if(full) {
    cJSON *want = cJSON_Parse(full), *got = cJSON_Parse(body);
    ck_assert_msg(want != NULL, "%s: describe.json is not valid JSON", dir);
    ck_assert_msg(cJSON_Compare(want, got, 1), "%s: describe body differs from describe.json:"
                  "\n%s", dir, body);
    cJSON_Delete(want);
    cJSON_Delete(got);
    free(full);
  }
  free(body);
  check_bodies(dir, &c);
  check_servers(dir, &res.m, &c);
  check_actions(dir, &res.m, &c);               /* message actions (issue 16) */
  cache_close(&c);
  buf_free(&img);
  check_expected_lines(dir, "warnings", res.d.text.data);
  check_plans(dir, &res.m);
  check_inferred(dir, &res.m);                  /* --infer (issue 17) */
  result_free(&res);
}
END_TEST

START_TEST(test_invalid_case)
{
  const char *dir = invalid_cases[_i];
  struct result res;
  compile_case(dir, &res);
  ck_assert_msg(res.r == OAC_EDOC, "%s: expected document errors, got %s:\n%s", dir,
                oac_result_str(res.r), res.d.text.data ? res.d.text.data : "");
  check_expected_lines(dir, "errors", res.d.text.data);
  /* no error beyond the expected ones */
  char path[4096];
  snprintf(path, sizeof(path), "%s/errors", dir);
  char *exp = read_file(path, NULL);
  ck_assert_ptr_nonnull(exp);
  unsigned want = 0;
  for(const char *p = exp; (p = strstr(p, ": error: ")); p++)
    want++;
  ck_assert_msg(res.d.errors <= want, "%s: %u errors reported, %u expected:\n%s", dir,
                res.d.errors, want, res.d.text.data);
  free(exp);
  result_free(&res);
}
END_TEST

static void compile_example(struct result *res)
{
  struct compile_opts o;
  memset(&o, 0, sizeof(o));
  snprintf(res->source, sizeof(res->source), "%s/examples/petstore-flow.yaml", srcdir);
  o.source = res->source;
  o.as = "https://example.com/petstore-flow.yaml";
  res->vars_text = NULL;
  res->opts_text = NULL;         /* issue 17: no `options` file */
  diag_init(&res->d, NULL);
  doc_set_init(&res->s, &res->d);
  model_init(&res->m);
  res->r = compile_document(&o, &res->s, &res->d, &res->m);
}

START_TEST(test_example_types)
{
  struct result res;
  char path[4096];
  compile_example(&res);
  ck_assert_msg(res.r == OAC_OK, "petstore-flow.yaml: %s\n%s", oac_result_str(res.r),
                res.d.text.data ? res.d.text.data : "");
  ck_assert_msg(res.d.warnings == 0, "the bundled example must compile without warnings:\n%s",
                res.d.text.data);
  snprintf(path, sizeof(path), "%s/examples/petstore-flow.types.json", srcdir);
  compare_types("petstore-flow.yaml", res.m.describe, path);
  result_free(&res);
}
END_TEST

/* The full describe body: configuration values and flags per product.md §3-4. */
START_TEST(test_example_describe_shape)
{
  struct result res;
  compile_example(&res);
  ck_assert_int_eq(res.r, OAC_OK);
  cJSON *j = cJSON_Parse(res.m.describe);
  ck_assert_ptr_nonnull(j);
  const cJSON *cv = cJSON_GetObjectItemCaseSensitive(j, "configurationValues");
  static const char *const names[] = { "Schema URL", "API Key", "OAuth2/OIDC: Client Id",
                                       "OAuth2/OIDC: Client Secret", "Authorization Groups",
                                       "Authorization Users", "Server" };
  ck_assert_int_eq(cJSON_GetArraySize(cv), 7);
  for(int i = 0; i < 7; i++) {
    const cJSON *v = cJSON_GetArrayItem(cv, i);
    ck_assert_str_eq(jstr(v, "developerName"), names[i]);
    ck_assert_str_eq(jstr(v, "contentType"), "ContentString");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(v, "ordinal")->valueint, i);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(v, "order")->valueint, i);
    int req = i == 0;
    ck_assert(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(v, "required")));
    ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "required")), req);
    ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "isRequired")), req);
  }
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "providesDatabase")));
  ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "providesIdentity")));
  /* the example's message actions (issue 16): adoptPet, searchPets, vaccinatePet, status */
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "providesLogic")));
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "actions")), 4);
  cJSON_Delete(j);
  ck_assert_str_eq(res.m.server_url, "http://127.0.0.1:3000");
  result_free(&res);
}
END_TEST

/* compile -> cache image -> reader: the describe text and every type are found again. */
START_TEST(test_example_cache_round_trip)
{
  struct result res;
  struct buf img;
  struct cache c;
  struct cache_error err;
  compile_example(&res);
  ck_assert_int_eq(res.r, OAC_OK);
  buf_init(&img);
  ck_assert_int_eq(cache_build_image(&res.m, &img), OAC_OK);
  ck_assert_msg(cache_open_mem(&c, img.data, img.len, CACHE_VERIFY_ALL, &err) == OAC_OK,
                "%s", err.msg);
  size_t len = 0;
  const char *d = cache_describe(&c, &len, &err);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(len, res.m.describe_len);
  ck_assert(memcmp(d, res.m.describe, len) == 0);
  ck_assert_str_eq(cache_registration(&c), "https://example.com/petstore-flow.yaml");
  for(size_t i = 0; i < res.m.ntypes; i++) {
    const char *name = res.m.types[i].name;
    int t = cache_find_type(&c, name, strlen(name), &err);
    ck_assert_msg(t == (int)i, "type %s found at %d", name, t);
  }
  ck_assert_int_eq(cache_find_type(&c, "NoSuchType", 10, &err), -1);
  int pet = cache_find_type(&c, "Pet", 3, &err);
  ck_assert_int_ge(pet, 0);
  const struct cache_type *ty = cache_type_at(&c, (uint32_t)pet, &err);
  ck_assert_ptr_nonnull(ty);
  for(int op = 0; op < OP_MAX; op++)
    ck_assert_msg(ty->plans[op] != 0, "Pet lacks plan %d", op);
  cache_close(&c);
  buf_free(&img);
  result_free(&res);
}
END_TEST

/* Plans of the example: parameter sources and locations, body without readOnly/excluded. */
START_TEST(test_example_plans)
{
  struct result res;
  compile_example(&res);
  ck_assert_int_eq(res.r, OAC_OK);
  int pet = model_find_type(&res.m, "Pet");
  ck_assert_int_ge(pet, 0);
  const struct model_type *t = &res.m.types[pet];
  ck_assert_int_ge(t->external_id_prop, 0);
  ck_assert_str_eq(t->props[t->external_id_prop].name, "id");
  const struct model_plan *upd = &t->plans[OP_UPDATE];
  ck_assert(upd->present);
  ck_assert_int_eq(upd->method, M_PUT);
  ck_assert(upd->flags & PLAN_F_BODY);
  int found = 0;
  for(size_t i = 0; i < upd->nparams; i++)
    if(!strcmp(upd->params[i].name, "id")) {
      ck_assert_int_eq(upd->params[i].in, PIN_PATH);
      ck_assert_int_eq(upd->params[i].src, PSRC_EXTERNAL_ID);
      found = 1;
    }
  ck_assert(found);
  for(size_t i = 0; i < upd->nbody; i++)
    ck_assert_str_ne(t->props[upd->body[i]].name, "id");
  const struct model_plan *q = &t->plans[OP_QUERY];
  int where = 0;
  for(size_t i = 0; i < q->nparams; i++)
    if(q->params[i].src == PSRC_WHERE) {
      ck_assert_int_eq(q->params[i].in, PIN_QUERY);
      where++;
    }
  ck_assert_int_ge(where, 1);
  ck_assert_uint_ge(q->nsecalts, 1);
  result_free(&res);
}
END_TEST

/* The bundled pet store as JSON (tests/data/compile/valid/petstore-json, every string
 * quoted) compiles to the same cache as the YAML: describe body, plans (§5.2's words such
 * as `id: id` and `_limit: limit` are words however quoted) and examples. Only the source's
 * identity differs, so it is made equal before the images are compared byte for byte. */
START_TEST(test_petstore_json_same_as_yaml)
{
  struct result y, j;
  char dir[4096];
  compile_example(&y);
  ck_assert_msg(y.r == OAC_OK, "%s", y.d.text.data ? y.d.text.data : "");
  snprintf(dir, sizeof(dir), "%s/tests/data/compile/valid/petstore-json", srcdir);
  compile_case(dir, &j);
  ck_assert_msg(j.r == OAC_OK, "petstore-json: %s", j.d.text.data ? j.d.text.data : "");
  ck_assert_uint_eq(j.d.warnings, y.d.warnings);
  ck_assert_uint_eq(j.m.describe_len, y.m.describe_len);
  ck_assert(memcmp(j.m.describe, y.m.describe, y.m.describe_len) == 0);
  ck_assert_uint_eq(j.m.ntypes, y.m.ntypes);
  for(size_t t = 0; t < y.m.ntypes; t++)
    for(int op = 0; op < OP_MAX; op++) {
      const struct model_plan *a = &y.m.types[t].plans[op], *b = &j.m.types[t].plans[op];
      ck_assert_int_eq(a->present, b->present);
      ck_assert_uint_eq(a->nparams, b->nparams);
      for(size_t i = 0; i < a->nparams; i++) {
        ck_assert_str_eq(a->params[i].name, b->params[i].name);
        ck_assert_int_eq(a->params[i].src, b->params[i].src);
        ck_assert_int_eq(a->params[i].in, b->params[i].in);
      }
    }
  j.m.source = y.m.source;
  j.m.registration = y.m.registration;
  j.m.source_checksum = y.m.source_checksum;
  j.m.compile_time = y.m.compile_time;
  struct buf iy, ij;
  buf_init(&iy);
  buf_init(&ij);
  ck_assert_int_eq(cache_build_image(&y.m, &iy), OAC_OK);
  ck_assert_int_eq(cache_build_image(&j.m, &ij), OAC_OK);
  ck_assert_uint_eq(ij.len, iy.len);
  ck_assert_msg(memcmp(ij.data, iy.data, iy.len) == 0, "the JSON pet store's cache differs "
                "from the YAML's");
  buf_free(&iy);
  buf_free(&ij);
  result_free(&j);
  result_free(&y);
}
END_TEST

/* The same document as JSON text in memory compiles to the same describe body. */
START_TEST(test_mem_source_and_server_override)
{
  static const char doc[] =
    "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"
    "\"paths\":{},\"components\":{\"schemas\":{\"A\":{\"x-flow-type\":{\"name\":\"A\"},"
    "\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}}}";
  struct compile_opts o;
  struct diag d;
  struct doc_set s;
  struct model m;
  memset(&o, 0, sizeof(o));
  o.source = "mem.json";
  o.data = doc;
  o.data_len = sizeof(doc) - 1;
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
  model_init(&m);
  /* no servers and no --server: an error */
  ck_assert_int_eq(compile_document(&o, &s, &d, &m), OAC_EDOC);
  ck_assert_ptr_nonnull(strstr(d.text.data, "no server URL"));
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  o.server = "https://api.example.com/v1/";
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
  model_init(&m);
  ck_assert_int_eq(compile_document(&o, &s, &d, &m), OAC_OK);
  ck_assert_str_eq(m.server_url, "https://api.example.com/v1");
  ck_assert_uint_eq(m.ntypes, 1);
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
}
END_TEST

/* servers (§13.7): --server is added in front of the document's servers as the default;
 * a --server-variable that names no variable, or without '=', is an error. */
START_TEST(test_server_option_adds)
{
  static const char doc[] =
    "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"
    "\"servers\":[{\"url\":\"https://{env}.example.com/\",\"variables\":{\"env\":"
    "{\"default\":\"prod\",\"enum\":[\"sandbox\",\"prod\"]}}},{\"url\":\"/rel\"}],"
    "\"paths\":{},\"components\":{\"schemas\":{\"A\":{\"x-flow-type\":{\"name\":\"A\"},"
    "\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}}}";
  static const char *const bad[] = { "nope=1", "env" };
  for(int round = 0; round < 3; round++) {
    struct compile_opts o;
    struct diag d;
    struct doc_set s;
    struct model m;
    memset(&o, 0, sizeof(o));
    o.source = "mem.json";
    o.data = doc;
    o.data_len = sizeof(doc) - 1;
    o.server = "http://127.0.0.1:9/";
    if(round) {
      o.server_vars = &bad[round - 1];
      o.nserver_vars = 1;
    }
    diag_init(&d, NULL);
    doc_set_init(&s, &d);
    model_init(&m);
    enum oac_result r = compile_document(&o, &s, &d, &m);
    if(round == 0) {
      /* the relative entry has no base: with --server it is left out, not an error */
      ck_assert_int_eq(r, OAC_OK);
      ck_assert_uint_eq(m.nserver_lists, 1);
      ck_assert_uint_eq(m.server_lists[0].n, 3);
      ck_assert_str_eq(m.server_url, "http://127.0.0.1:9");
      ck_assert_str_eq(m.server_lists[0].urls[0], "http://127.0.0.1:9");
      ck_assert_str_eq(m.server_lists[0].urls[1], "https://prod.example.com");
      ck_assert_str_eq(m.server_lists[0].urls[2], "https://sandbox.example.com");
    }
    else {
      ck_assert_int_eq(r, OAC_EDOC);
      ck_assert_ptr_nonnull(strstr(d.text.data, "--server-variable"));
    }
    model_free(&m);
    doc_set_free(&s);
    diag_free(&d);
  }
}
END_TEST

/* A $ref to a file that does not exist: an I/O error (exit status 2), not a document
 * error, with the $ref's position in the message. */
START_TEST(test_missing_ref_file_is_io_error)
{
  static const char doc[] =
    "openapi: 3.0.3\n"
    "info: {title: t, version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:9'}]\n"
    "paths: {}\n"
    "components:\n"
    "  schemas:\n"
    "    A:\n"
    "      x-flow-type: {name: A}\n"
    "      properties:\n"
    "        b: {$ref: 'no-such-file.yaml#/B'}\n";
  char name[4096];
  struct compile_opts o;
  struct diag d;
  struct doc_set s;
  struct model m;
  memset(&o, 0, sizeof(o));
  snprintf(name, sizeof(name), "%s/tests/data/compile/mem.yaml", srcdir);
  o.source = name;
  o.data = doc;
  o.data_len = sizeof(doc) - 1;
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
  model_init(&m);
  ck_assert_int_eq(compile_document(&o, &s, &d, &m), OAC_EIO);
  ck_assert_ptr_nonnull(strstr(d.text.data, "mem.yaml:10:19: error: cannot resolve $ref"));
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
}
END_TEST

/* A document with NDEC decorated schemas T0..T<NDEC-1>, each with a string property and,
 * if HELPER, an undecorated nested object (one helper type "T<i>:h" each). Schema i's name
 * (the x-flow-type name) stands at line 8 + 3i, column 27. */
static char *many_types_doc(unsigned ndec, int helper)
{
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "openapi: 3.0.3\n"
               "info: {title: many types, version: '1'}\n"
               "servers: [{url: 'http://127.0.0.1:9'}]\n"
               "paths: {}\n"
               "components:\n"
               "  schemas:\n");
  for(unsigned i = 0; i < ndec; i++) {
    char line[256];
    snprintf(line, sizeof(line), "    T%u:\n      x-flow-type: {name: T%u}\n"
             "      properties: {a: {type: string}%s}\n", i, i,
             helper ? ", h: {properties: {x: {type: string}}}" : "");
    buf_puts(&b, line);
  }
  ck_assert(!buf_failed(&b));
  return b.data;
}

/* Compile TEXT as "many.yaml"; MAX_DEPTH raises the loader's nesting limit (0: as is). */
static enum oac_result compile_text_depth(const char *text, struct diag *d, struct model *m,
                                          struct doc_set *s, unsigned max_depth)
{
  struct compile_opts o;
  memset(&o, 0, sizeof(o));
  o.source = "many.yaml";
  o.data = text;
  o.data_len = strlen(text);
  diag_init(d, NULL);
  doc_set_init(s, d);
  if(max_depth)
    s->limits.max_depth = max_depth;
  model_init(m);
  return compile_document(&o, s, d, m);
}

static enum oac_result compile_text(const char *text, struct diag *d, struct model *m,
                                    struct doc_set *s)
{
  return compile_text_depth(text, d, m, s, 0);
}

/* product.md §6.1: at most 20,000 types per document, helper types included; more is a
 * compile error that names the count and suggests x-flow-type on shared nested schemas.
 * (The compiler used to stop at 20,000 silently: "ok, 20000 types", exit 0.) */
START_TEST(test_type_limit)
{
  static const struct {
    unsigned ndec;
    int helper;
    enum oac_result r;
    const char *msg;   /* expected error (FILE:LINE:COL: error: ...) or NULL */
  } cases[] = {
    { 20005, 0, OAC_EDOC, "many.yaml:60008:27: error: more than 20000 types (the limit per "
      "document, helper types included; 20000 decorated and 0 helper types so far): add "
      "x-flow-type to nested schemas that are shared" },
    { 20000, 0, OAC_OK, NULL },
    /* helper types count: 10,001 decorated + their helpers is 20,002 */
    { 10001, 1, OAC_EDOC, "many.yaml:30008:27: error: more than 20000 types (the limit per "
      "document, helper types included; 10000 decorated and 10000 helper types so far)" },
    { 10000, 1, OAC_OK, NULL },
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *text = many_types_doc(cases[i].ndec, cases[i].helper);
    struct diag d;
    struct doc_set s;
    struct model m;
    enum oac_result r = compile_text(text, &d, &m, &s);
    ck_assert_msg(r == cases[i].r, "%u types%s: %s, expected %s\n%s", cases[i].ndec,
                  cases[i].helper ? " with helpers" : "", oac_result_str(r),
                  oac_result_str(cases[i].r), d.text.data ? d.text.data : "");
    if(cases[i].msg) {
      ck_assert_msg(d.text.data && strstr(d.text.data, cases[i].msg), "expected:\n%s\n"
                    "got:\n%s", cases[i].msg, d.text.data ? d.text.data : "(nothing)");
      ck_assert_uint_eq(d.errors, 1);
    }
    else
      ck_assert_uint_eq(m.ntypes, cases[i].helper ? 2 * cases[i].ndec : cases[i].ndec);
    model_free(&m);
    doc_set_free(&s);
    diag_free(&d);
    free(text);
  }
}
END_TEST

/* The same through the command line: exit status 1 and the message, never "ok". */
START_TEST(test_type_limit_cli)
{
  const char *bin = "src/compile/openapi-connector-compile";
  ck_assert_msg(exists(bin), "%s not built (make check runs in the build directory)", bin);
  char dir[] = "/tmp/oac-limit-XXXXXX", path[64], cmd[256];
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/many.yaml", dir);
  char *text = many_types_doc(20005, 0);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fputs(text, f) >= 0, 1);
  ck_assert_int_eq(fclose(f), 0);
  free(text);
  snprintf(cmd, sizeof(cmd), "%s --check %s 2>&1", bin, path);
  FILE *p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  char out[4096];
  size_t n = fread(out, 1, sizeof(out) - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit status %d, expected 1:\n%s",
                WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
  ck_assert_msg(strstr(out, "many.yaml:60008:27: error: more than 20000 types"), "%s", out);
  ck_assert_msg(!strstr(out, "ok,"), "%s", out);
  unlink(path);
  rmdir(dir);
}
END_TEST

/* An example assembled from the properties' examples (product.md §8) merges allOf parts
 * as the type does (§6.1: a later declaration replaces an earlier one, once, in the
 * earlier position) and stops at recursion instead of repeating the schema to a depth. */
START_TEST(test_assembled_example_allof_and_recursion)
{
  static const char doc[] =
    "openapi: 3.0.3\n"
    "info: {title: t, version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:9'}]\n"
    "paths:\n"
    "  /nodes/{id}:\n"
    "    get:\n"
    "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
    "      responses:\n"
    "        '200':\n"
    "          description: a node\n"
    "          content: {application/json: {schema: {$ref: '#/components/schemas/Node'}}}\n"
    "components:\n"
    "  schemas:\n"
    "    Node:\n"
    "      x-flow-type: {name: Node}\n"
    "      x-flow-load: {path: '/nodes/{id}', operation: get, parameters: {id: id},\n"
    "                    example: true}\n"
    "      allOf:\n"
    "        - type: object\n"
    "          properties:\n"
    "            id: {type: string, example: n1}\n"
    "            label: {type: string, example: first}\n"
    "        - type: object\n"
    "          properties:\n"
    "            label: {type: string, example: second}\n"
    "            parent: {$ref: '#/components/schemas/Node'}\n"
    "            meta:\n"
    "              type: object\n"
    "              properties:\n"
    "                owner: {$ref: '#/components/schemas/Node'}\n"
    "                size: {type: integer, example: 3}\n";
  struct diag d;
  struct doc_set s;
  struct model m;
  ck_assert_msg(compile_text(doc, &d, &m, &s) == OAC_OK, "%s", d.text.data);
  int t = model_find_type(&m, "Node");
  ck_assert_int_ge(t, 0);
  const struct model_plan *p = &m.types[t].plans[OP_LOAD];
  ck_assert(p->present);
  ck_assert_ptr_nonnull(p->example_json);
  ck_assert_str_eq(p->example_json, "{\"id\":\"n1\",\"label\":\"second\",\"meta\":{\"size\":3}}");
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
}
END_TEST

/* The examples' limits are diagnosed, never a silently shorter example: property examples
 * nested through more than 64 distinct schemas, and an example nested deeper than the JSON
 * writer's 4096 levels (reachable only with the loader's limit raised). */
START_TEST(test_example_limits)
{
  static const char head[] =
    "openapi: 3.0.3\n"
    "info: {title: t, version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:9'}]\n"
    "paths:\n"
    "  /s: {get: {responses: {'200': {description: s, content: {application/json: "
    "{schema: {$ref: '#/components/schemas/S0'}}}}}}}\n"
    "components:\n"
    "  schemas:\n"
    "    S0:\n"
    "      x-flow-type: {name: S0}\n"
    "      x-flow-query: {path: /s, operation: get, example: true}\n";
  struct buf b;
  struct diag d;
  struct doc_set s;
  struct model m;
  /* S0 -> S1 -> ... -> S70, the last with an example */
  buf_init(&b);
  buf_puts(&b, head);
  for(unsigned i = 0; i <= 70; i++) {
    char line[256];
    if(i) {
      snprintf(line, sizeof(line), "    S%u:\n", i);
      buf_puts(&b, line);
    }
    if(i < 70)
      snprintf(line, sizeof(line), "      properties: {n: {$ref: '#/components/schemas/S%u'}}\n",
               i + 1);
    else
      snprintf(line, sizeof(line), "      properties: {v: {type: string, example: deep}}\n");
    buf_puts(&b, line);
  }
  ck_assert(!buf_failed(&b));
  ck_assert_int_eq(compile_text(b.data, &d, &m, &s), OAC_EDOC);
  ck_assert_msg(strstr(d.text.data, "error: example: the properties' examples are nested "
                       "deeper than 64 levels"), "%s", d.text.data);
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  /* an example 5000 levels deep: [[[...]]] */
  buf_reset(&b);
  buf_puts(&b, head);
  buf_puts(&b, "      properties: {v: {type: array}}\n      example: {v: ");
  for(int i = 0; i < 5000; i++)
    buf_putc(&b, '[');
  for(int i = 0; i < 5000; i++)
    buf_putc(&b, ']');
  buf_puts(&b, "}\n");
  ck_assert(!buf_failed(&b));
  ck_assert_int_eq(compile_text_depth(b.data, &d, &m, &s, 10000), OAC_EDOC);
  ck_assert_msg(strstr(d.text.data, "error: example nested deeper than 4096 levels"), "%s",
                d.text.data);
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  buf_free(&b);
}
END_TEST

static void free_cases(void)
{
  for(int i = 0; i < nvalid; i++)
    free(valid_cases[i]);
  for(int i = 0; i < ninvalid; i++)
    free(invalid_cases[i]);
}

Suite *suite(void)
{
  const char *top = getenv("top_srcdir");
  snprintf(srcdir, sizeof(srcdir), "%s", top && *top ? top : ".");
  nvalid = list_cases("valid", valid_cases, 256);
  ninvalid = list_cases("invalid", invalid_cases, 256);
  check_at_end(free_cases);
  printf("compile cases: %d valid, %d invalid (from %s/tests/data/compile)\n", nvalid,
         ninvalid, srcdir);
  if(!nvalid || !ninvalid) {
    fprintf(stderr, "no data-driven cases found under %s/tests/data/compile\n", srcdir);
    return NULL;
  }
  Suite *s = suite_create("compile");
  TCase *tc = tcase_create("cases");
  tcase_set_timeout(tc, 30);
  if(nvalid)
    tcase_add_loop_test(tc, test_valid_case, 0, nvalid);
  if(ninvalid)
    tcase_add_loop_test(tc, test_invalid_case, 0, ninvalid);
  suite_add_tcase(s, tc);
  TCase *ex = tcase_create("example");
  tcase_add_test(ex, test_example_types);
  tcase_add_test(ex, test_example_describe_shape);
  tcase_add_test(ex, test_example_cache_round_trip);
  tcase_add_test(ex, test_example_plans);
  tcase_add_test(ex, test_petstore_json_same_as_yaml);
  tcase_add_test(ex, test_mem_source_and_server_override);
  tcase_add_test(ex, test_server_option_adds);
  tcase_add_test(ex, test_missing_ref_file_is_io_error);
  tcase_add_test(ex, test_assembled_example_allof_and_recursion);
  suite_add_tcase(s, ex);
  TCase *lim = tcase_create("limits");
  tcase_set_timeout(lim, 120);   /* documents of 20,000 types, also under sanitizers */
  tcase_add_test(lim, test_type_limit);
  tcase_add_test(lim, test_type_limit_cli);
  tcase_add_test(lim, test_example_limits);
  suite_add_tcase(s, lim);
  return s;
}

