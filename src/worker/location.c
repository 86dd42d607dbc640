/* location.c - created records answered with `Location` (location.h, product.md §13.3).
 *
 * The Location is resolved against the request URL. On another scheme, host or port it is
 * a 502 that says the record was created. Its path matched against the server's path and
 * the type's x-flow-load template gives the external ID from the template's parameters
 * (those bound to externalId, or to the parts of a composite ID, §13.9); the x-flow-load
 * plan then runs with that ID and the loaded record is merged over the object as written.
 * A Location matching no template gives its last path segment, with a warning in the log,
 * and no load-back.
 */
#include "location.h"
#include "server.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../flow/ext_id.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "example.h"
#include "log.h"
#include "url.h"

#define MAX_CAPTURES 16

/* The path of absolute URL U: from the first '/' after "scheme://authority" to '?' or
 * '#' (exclusive); *LEN its length. "" when it has none. */
static const char *url_path(const char *u, size_t *len)
{
  const char *s = strstr(u, "://");
  s = s ? s + 3 : u;
  s += strcspn(s, "/?#");
  *len = *s == '/' ? strcspn(s, "?#") : 0;
  return s;
}

int location_match(const char *loc_path, const char *base_path, const char *template,
                   const char **names, const char **values, size_t max, size_t *n,
                   struct arena *a)
{
  size_t plen = strcspn(loc_path, "?#"), blen = strlen(base_path);
  while(blen && base_path[blen - 1] == '/')
    blen--;
  *n = 0;
  if(plen < blen || memcmp(loc_path, base_path, blen))
    return 0;
  const char *p = loc_path + blen, *end = loc_path + plen;
  if(end > p + 1 && end[-1] == '/')
    end--;                                       /* one trailing '/' */
  const char *t = template;
  while(*t) {
    if(*t != '/' || p >= end || *p != '/')
      return 0;
    t++;
    p++;
    size_t tl = strcspn(t, "/"), pl = strcspn(p, "/");
    if(p + pl > end)
      pl = (size_t)(end - p);
    if(tl >= 2 && t[0] == '{' && t[tl - 1] == '}' && !memchr(t + 1, '{', tl - 2)) {
      if(!pl || *n == max)
        return 0;
      struct buf b;
      buf_init(&b);
      buf_pct_decode(&b, p, pl);
      char *v = buf_failed(&b) ? NULL : arena_strndup(a, b.data ? b.data : "", b.len);
      char *name = arena_strndup(a, t + 1, tl - 2);
      buf_free(&b);
      if(!v || !name)
        return 0;
      names[*n] = name;
      values[(*n)++] = v;
    }
    else if(tl != pl || memcmp(t, p, tl))
      return 0;
    t += tl;
    p += pl;
  }
  return p == end;
}

/* The external ID that the load plan PL's path parameters give for the captured VALUES of
 * NAMES: the one bound to externalId, else every part of the type's ID (§13.9) joined.
 * NULL when they do not give one. */
static const char *id_from_captures(struct op_ctx *x, const struct cache_plan *pl,
                                    const char **names, const char **values, size_t n)
{
  struct cache_error err;
  const struct cache_param *params = type_view_params(x->tv, &err);
  const struct cache_prop *props = type_view_props(x->tv, x->p);
  uint32_t one;
  size_t np = 0;
  const uint32_t *parts = props ? ext_id_props(x->c, x->tv->t, &one, &np) : NULL;
  if(!params || !parts || !np)
    return NULL;
  const char *part[MAX_CAPTURES] = { 0 };
  for(uint32_t i = 0; i < pl->nparams; i++) {
    const struct cache_param *pa = &params[pl->first_param + i];
    if(pa->in != PIN_PATH)
      continue;
    const char *v = NULL;
    for(size_t k = 0; k < n && !v; k++)
      if(!strcmp(names[k], cache_str(x->c, pa->name)))
        v = values[k];
    if(!v)
      continue;
    if(pa->src == PSRC_EXTERNAL_ID)
      return v;
    if(pa->src != PSRC_ID_PART)
      continue;
    for(size_t k = 0; k < np && k < MAX_CAPTURES; k++)
      if(parts[k] < x->tv->t->nprops &&
         !strcasecmp(cache_str(x->c, props[parts[k]].name), cache_str(x->c, pa->arg)))
        part[k] = v;
  }
  struct buf id;
  buf_init(&id);
  size_t k = 0;
  for(; k < np && k < MAX_CAPTURES && part[k]; k++)
    ext_id_put_part(&id, part[k], strlen(part[k]), k == 0);
  const char *r = k == np && !buf_failed(&id) ?
                  arena_strndup(x->a, id.data ? id.data : "", id.len) : NULL;
  buf_free(&id);
  return r;
}

/* The answer's members replace the object's (§7). */
static void merge_over(cJSON *o, cJSON *answer)
{
  cJSON *m = answer->child;
  while(m) {
    cJSON *next = m->next;
    cJSON_DetachItemViaPointer(answer, m);
    cJSON_DeleteItemFromObjectCaseSensitive(o, m->string);
    cJSON_AddItemToObject(o, m->string, m);
    m = next;
  }
}

/* Runs the type's x-flow-load plan PL for ID and merges the record over MERGED. *GONE = 1
 * when the API answered 404. */
static enum oac_result load_back(struct op_ctx *x, const struct cache_plan *pl,
                                 const char *id, cJSON *merged, int *gone)
{
  char what[256];
  snprintf(what, sizeof(what), "x-flow-load of %s (loading back the record just created)",
           x->tv->name);
  struct call_src src = { 0 };
  src.external_id = id;
  src.what = what;
  struct call cl;
  call_init(&cl);
  cJSON *root = NULL;
  enum oac_result r = call_prepare(x, pl, &src, &cl);
  if(!r)
    r = call_send(x, &cl, gone);
  if(!r && !*gone)
    r = answer_json(x, &cl, &root);
  call_free(&cl);
  if(r || *gone || !root)
    return r;
  const cJSON *array = NULL, *single = NULL;
  map_unwrap(x->c, x->tv->type, root, cache_str(x->c, pl->items), &array, &single);
  const cJSON *o = single ? single : array ? cJSON_GetArrayItem(array, 0) : NULL;
  if(cJSON_IsObject(o))
    merge_over(merged, (cJSON *)o);
  json_delete(root);
  return OAC_OK;
}

/* "; the object as written: {...}" for the 502 of a record that exists. */
static void written(struct op_ctx *x, const cJSON *merged)
{
  char *text = cJSON_PrintUnformatted(merged);
  if(text)
    problem_note(x->p, "; the object as written: %s", text);
  cJSON_free(text);
}

enum oac_result location_follow(struct op_ctx *x, const struct call *cl, long status,
                                const char *location, cJSON *merged, const char **ext,
                                int *created)
{
  *ext = NULL;
  *created = 0;
  struct buf abs;
  buf_init(&abs);
  char o1[512], o2[512];
  enum oac_result rr = url_resolve(cl->url.data, cl->url.len, location, strlen(location),
                                   &abs);
  int same = rr == OAC_OK && !buf_failed(&abs) &&
             url_origin(abs.data, o1, sizeof(o1)) == OAC_OK &&
             url_origin(cl->url.data, o2, sizeof(o2)) == OAC_OK && !strcmp(o1, o2);
  if(rr == OAC_ENOMEM || buf_failed(&abs)) {
    buf_free(&abs);
    return problem_nomem(x->p, "out of memory");
  }
  if(!same) {
    *created = 1;
    enum oac_result r = problem_set(x->p, 502, "x-flow-save of %s: the API created the "
                                    "record (status %ld) but its Location '%s' is not on "
                                    "the request's server, so it was not loaded back",
                                    x->tv->name, status, location);
    written(x, merged);
    buf_free(&abs);
    return r;
  }
  size_t plen;
  const char *path = url_path(abs.data, &plen);
  char *lpath = arena_strndup(x->a, path, plen);
  buf_free(&abs);
  if(!lpath)
    return problem_nomem(x->p, "out of memory");
  const struct cache_plan *load = type_view_plan(x->tv, OP_LOAD, x->p);
  if(x->p->status)
    return x->p->result;
  /* the load plan's server (the request's Server selects it, §13.7) */
  const char *server = load ? server_url(x, load) : cache_str(x->c, x->c->hdr->server_url);
  size_t slen;
  const char *spath = url_path(server, &slen);
  char *base = arena_strndup(x->a, spath, slen);
  const char *names[MAX_CAPTURES], *values[MAX_CAPTURES];
  size_t n = 0;
  const char *id = NULL;
  if(base && load && !(load->flags & PLAN_F_EXAMPLE) &&
     location_match(lpath, base, cache_str(x->c, load->path), names, values, MAX_CAPTURES,
                    &n, x->a))
    id = id_from_captures(x, load, names, values, n);
  if(!id) {
    /* no template gives it: the last segment, without a load-back */
    size_t l = strlen(lpath);
    while(l > 1 && lpath[l - 1] == '/')
      l--;
    size_t s = l;
    while(s && lpath[s - 1] != '/')
      s--;
    /* no segment at all ("/", no path), or the collection the record was posted to
     * ("/things/" for POST /things): no ID to give; the record exists, so say so */
    size_t rl;
    const char *rpath = url_path(cl->url.data, &rl);
    size_t rq = strcspn(rpath, "?#");
    rl = rq < rl ? rq : rl;
    while(rl > 1 && rpath[rl - 1] == '/')
      rl--;
    if(l == s || (l == rl && !memcmp(lpath, rpath, l))) {
      *created = 1;
      enum oac_result r = problem_set(x->p, 502, "x-flow-save of %s: the API created the "
                                      "record (status %ld) but its Location '%s' names no "
                                      "record, so its external ID is not known", x->tv->name,
                                      status, location);
      written(x, merged);
      return r;
    }
    struct buf b;
    buf_init(&b);
    buf_pct_decode(&b, lpath + s, l - s);
    *ext = buf_failed(&b) ? NULL : arena_strndup(x->a, b.data ? b.data : "", b.len);
    buf_free(&b);
    if(!*ext)
      return problem_nomem(x->p, "out of memory");
    log_msg(LOG_WARN, "x-flow-save of %s: the Location of the created record matches no "
            "x-flow-load path template; its last path segment is the external ID, and the "
            "record is not loaded back", x->tv->name);
    set_id_prop(x, merged, *ext);
    return OAC_OK;
  }
  *ext = id;
  int gone = 0;
  enum oac_result r = load_back(x, load, id, merged, &gone);
  if(r) {
    *created = 1;
    problem_note(x->p, " (the record was created: status %ld, Location '%s', external ID "
                 "'%s')", status, location, id);
    return r;
  }
  if(gone && status != 202) {
    *created = 1;
    r = problem_set(x->p, 502, "x-flow-save of %s: the API created the record (status %ld, "
                    "Location '%s') but loading it back answered 404", x->tv->name, status,
                    location);
    written(x, merged);
    return r;
  }
  if(gone)
    set_id_prop(x, merged, id);               /* accepted, not there yet: as sent */
  return OAC_OK;
}
