/* test_data.c - the data-driven runners' helpers (test_data.h). */
#include "test_data.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flow/json.h"
#include "test_cache.h"

const char *td_dir(const char *kind)
{
  static char d[2048];
  const char *top = getenv("top_srcdir");
  snprintf(d, sizeof(d), "%s/tests/data/%s", top && *top ? top : ".", kind);
  return d;
}

static char **case_names;
static int ncases;

static int name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int td_cases(const char *kind, char ***names)
{
  const char *dir = td_dir(kind);
  DIR *d = opendir(dir);
  struct dirent *e;
  int cap = 0;
  while(d && (e = readdir(d))) {
    if(e->d_name[0] == '.')
      continue;
    const char *only = getenv("OAC_CASE");
    if(only && *only && strcmp(only, e->d_name))
      continue;
    char p[4096];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    if(stat(p, &st) || !S_ISDIR(st.st_mode))
      continue;
    if(ncases == cap) {
      cap = cap ? 2 * cap : 32;
      char **n = realloc(case_names, (size_t)cap * sizeof(*n));
      if(!n)
        abort();
      case_names = n;
    }
    case_names[ncases] = strdup(e->d_name);
    if(!case_names[ncases])
      abort();
    ncases++;
  }
  if(d)
    closedir(d);
  if(ncases)
    qsort(case_names, (size_t)ncases, sizeof(*case_names), name_cmp);
  printf("%s cases: %d (from %s)\n", kind, ncases, dir);
  *names = case_names;
  return ncases;
}

void td_cases_free(void)
{
  for(int i = 0; i < ncases; i++)
    free(case_names[i]);
  free(case_names);
  case_names = NULL;
  ncases = 0;
}

char *td_replace(const char *text, const char *from, const char *to)
{
  struct buf b;
  buf_init(&b);
  size_t fl = strlen(from);
  for(const char *s = text;;) {
    const char *hit = fl ? strstr(s, from) : NULL;
    if(!hit) {
      buf_puts(&b, s);
      break;
    }
    buf_append(&b, s, (size_t)(hit - s));
    buf_puts(&b, to);
    s = hit + fl;
  }
  ck_assert(!buf_failed(&b));
  size_t len;
  char *r = buf_steal(&b, &len);
  ck_assert_ptr_nonnull(r);
  return r;
}

int td_exists(const char *path)
{
  return access(path, R_OK) == 0;
}

cJSON *td_read_json(const char *path, const char *const *sub, size_t nsub)
{
  char *text = test_read_file(path, NULL);
  if(!text)
    return NULL;
  for(size_t i = 0; i < nsub; i++) {
    char *t = td_replace(text, sub[2 * i], sub[2 * i + 1]);
    free(text);
    text = t;
  }
  cJSON *v = NULL;
  struct json_error je;
  int ok = json_parse(text, strlen(text), &v, &je) == OAC_OK;
  ck_assert_msg(ok, "%s is not JSON: %s", path, je.msg);
  free(text);
  return v;
}

static void mismatch(struct buf *why, const char *path, const char *what, const cJSON *want,
                     const cJSON *got)
{
  char *w = want ? cJSON_PrintUnformatted(want) : NULL;
  char *g = got ? cJSON_PrintUnformatted(got) : NULL;
  buf_printf(why, "at %s: %s: expected %s, got %s", *path ? path : "(top)", what,
             w ? w : "(nothing)", g ? g : "(absent)");
  cJSON_free(w);
  cJSON_free(g);
}

static int match(const cJSON *want, const cJSON *got, int subset, const char *path,
                 struct buf *why)
{
  if(cJSON_IsString(want) && !strcmp(want->valuestring, "@ANY@")) {
    if(!got) {
      mismatch(why, path, "a value", want, got);
      return 0;
    }
    return 1;
  }
  if(cJSON_IsString(want) && !strcmp(want->valuestring, "@UUID@")) {
    if(!cJSON_IsString(got) || !test_is_uuid(got->valuestring)) {
      mismatch(why, path, "a UUID", want, got);
      return 0;
    }
    return 1;
  }
  if(cJSON_IsObject(want) && cJSON_GetArraySize(want) == 1 && want->child->string &&
     want->child->string[0] == '@') {
    const cJSON *m = want->child;
    if(!strcmp(m->string, "@subset"))
      return match(m, got, 1, path, why);
    if(!strcmp(m->string, "@contains")) {
      if(!cJSON_IsString(got)) {
        mismatch(why, path, "a string", want, got);
        return 0;
      }
      const cJSON *one = cJSON_IsArray(m) ? m->child : m;
      for(; one; one = cJSON_IsArray(m) ? one->next : NULL)
        if(!cJSON_IsString(one) || !strstr(got->valuestring, one->valuestring)) {
          mismatch(why, path, "a string containing it", one, got);
          return 0;
        }
      return 1;
    }
    buf_printf(why, "at %s: unknown matcher '%s' in the expected JSON", path, m->string);
    return 0;
  }
  if(!got) {
    mismatch(why, path, "a value", want, got);
    return 0;
  }
  if(cJSON_IsObject(want)) {
    if(!cJSON_IsObject(got)) {
      mismatch(why, path, "an object", want, got);
      return 0;
    }
    const cJSON *w;
    cJSON_ArrayForEach(w, want) {
      char sub[1024];
      snprintf(sub, sizeof(sub), "%s.%s", path, w->string);
      const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, w->string);
      if(cJSON_IsString(w) && !strcmp(w->valuestring, "@ABSENT@")) {
        if(g) {
          mismatch(why, sub, "no such key", w, g);
          return 0;
        }
        continue;
      }
      if(!match(w, g, subset, sub, why))
        return 0;
    }
    if(!subset) {
      const cJSON *g;
      cJSON_ArrayForEach(g, got)
        if(!cJSON_GetObjectItemCaseSensitive(want, g->string)) {
          char sub[1024];
          snprintf(sub, sizeof(sub), "%s.%s", path, g->string);
          mismatch(why, sub, "no such key", NULL, g);
          return 0;
        }
    }
    return 1;
  }
  if(cJSON_IsArray(want)) {
    if(!cJSON_IsArray(got) || cJSON_GetArraySize(got) != cJSON_GetArraySize(want)) {
      mismatch(why, path, "an array of that length", want, got);
      return 0;
    }
    const cJSON *w = want->child, *g = got->child;
    for(int i = 0; w; w = w->next, g = g->next, i++) {
      char sub[1024];
      snprintf(sub, sizeof(sub), "%s[%d]", path, i);
      if(!match(w, g, subset, sub, why))
        return 0;
    }
    return 1;
  }
  if(!cJSON_Compare(want, got, 1)) {
    mismatch(why, path, "equal", want, got);
    return 0;
  }
  return 1;
}

int td_json_match(const cJSON *want, const cJSON *got, int subset, struct buf *why)
{
  return match(want, got, subset, "", why);
}

struct cache *td_case_cache(const char *case_dir, const char *type, const char *default_spec,
                            uint32_t *type_index)
{
  char path[4096];
  char *text = NULL;
  snprintf(path, sizeof(path), "%s/spec.yaml", case_dir);
  text = test_read_file(path, NULL);
  if(!text) {
    snprintf(path, sizeof(path), "%s/type.yaml", case_dir);
    char *schema = test_read_file(path, NULL);
    if(schema) {
      struct buf b;
      buf_init(&b);
      buf_printf(&b, "openapi: 3.0.3\ninfo: {title: '%s', version: '1'}\n"
                 "servers: [{url: 'http://127.0.0.1:9'}]\npaths: {}\ncomponents:\n"
                 "  schemas:\n    %s:\n      x-flow-type: {name: %s}\n", case_dir, type, type);
      for(const char *l = schema; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        buf_puts(&b, "      ");
        buf_append(&b, l, n);
        buf_putc(&b, '\n');
        l += n + (nl ? 1 : 0);
      }
      free(schema);
      ck_assert(!buf_failed(&b));
      size_t len;
      text = buf_steal(&b, &len);
    }
  }
  if(!text && default_spec)
    text = test_read_file(default_spec, NULL);
  ck_assert_msg(text != NULL, "%s: no spec.yaml, no type.yaml%s", case_dir,
                default_spec ? " and no default document" : "");
  struct cache *c = test_cache_compile(text, "case.yaml");
  free(text);
  *type_index = test_cache_type(c, type);
  return c;
}

const struct cache_prop *td_type_props(struct cache *c, uint32_t t)
{
  struct cache_error err;
  uint32_t n;
  const struct cache_type *ty = cache_type_at(c, t, &err);
  ck_assert_ptr_nonnull(ty);
  const struct cache_prop *all = cache_section(c, CS_PROPS, &n, &err);
  ck_assert_ptr_nonnull(all);
  return all + ty->first_prop;
}
