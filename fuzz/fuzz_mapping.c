/* fuzz_mapping.c - any bytes as an API's answer and a Flow request: the worker's JSON
 * parser (json_parse), then the mapping of API objects to Flow MObjects and back
 * (mapping.h) and the list filter (filter.h), for a type of a compiled document.
 *
 * The caches are compiled once at start-up: the pet store example and every document of
 * tests/data/compile/valid/ (all their types, helper types included, can be picked).
 *
 * Input: [type lo][type hi][flags] ANSWER NUL [CONTROL]
 *   type     (lo | hi << 8) modulo the number of types of all caches
 *   flags    bit 0: unwrap with the type's query plan's items path (else automatic)
 *   ANSWER   the API's JSON answer: unwrapped (map_unwrap, map_objects), every object
 *            mapped to an MObject (map_object_to_flow, which must give JSON), its external
 *            ID, every property as the filter reads it; the whole answer canonicalised
 *            (map_jcs / map_jcs_id)
 *   CONTROL  JSON: its "properties" is objectDataType.properties (map_want_build), its
 *            "listFilter" a listFilter (filter_parse, then filter_match / filter_sort over
 *            the answer's objects), and the whole of it a Flow MObject turned into the
 *            API's JSON (map_flow_to_json, with all properties and with the save plan's
 *            body list, under each emptyAs), and that JSON as the plan's form body
 *            (form_urlencode with the plan's encodings: only the bytes §13.1 allows, every
 *            %XX upper-case hex; form_multipart: the boundary only on its delimiter lines)
 *
 * Paging mode (flags bit 1): what one page of the paging walk (src/worker/walk.c,
 * product.md §12.2) reads from an answer, without the network. The type is picked among
 * the plans with a paging style (the documents of tests/data/paging/valid/ and any other
 * paged plan), and the input is
 *            [type lo][type hi][flags] ANSWER NUL LINK [NUL TOTAL]
 *   ANSWER   the page: map_unwrap with the plan's items path, map_objects, each item's
 *            external ID (the loop check); the stored answer paths (nextCursor, next,
 *            hasMore, total) with answer_path_eval: each valid, each node found in the tree
 *   LINK     the Link header value (style link: link_find_rel rel next, its target inside
 *            LINK); TOTAL the total header's value (paging.total: header:NAME)
 *   then the next URL (link target, or the next path's string) resolved against the
 *   request URL (url_resolve) and checked (url_next_check, nextPath as the plan says): a
 *   URL that passes has the server's origin; the page's signs decide the end
 *   (paging_page_end: hasMore false, or no next URL/cursor where one is the sign, end it);
 *   the position (cursor or next URL, path and query) goes through an offsetToken
 *   (offset_token_encode / _decode) and comes back the same.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/mem.h"
#include "fuzz_common.h"
#include "flow/filter.h"
#include "flow/json.h"
#include "flow/answer_path.h"
#include "flow/mapping.h"
#include "flow/form.h"
#include "worker/link.h"
#include "worker/offset_token.h"
#include "worker/paging_plan.h"
#include "worker/url.h"

#define MAX_CACHES 128

struct loaded {
  struct cache c;
  void *image;
};
static struct loaded caches[MAX_CACHES];
static size_t ncaches;
static struct { uint32_t cache, type; } *pairs;
static size_t npairs;
static struct { uint32_t cache, type, plan; } *paged;     /* plans with a paging style */
static size_t npaged;

static void load(const char *path, const char *as)
{
  if(ncaches == MAX_CACHES)
    return;
  struct buf img;
  buf_init(&img);
  if(fuzz_compile_file(path, as, "http://127.0.0.1:9", &img))
    fuzz_fail("%s does not compile", path);
  struct loaded *l = &caches[ncaches];
  size_t len = img.len;
  l->image = buf_steal(&img, &len);
  struct cache_error err;
  if(cache_open_mem(&l->c, l->image, len, CACHE_VERIFY_ALL, &err))
    fuzz_fail("%s: %s", path, err.msg);
  uint32_t nt;
  if(!cache_section(&l->c, CS_TYPES, &nt, &err))
    fuzz_fail("%s: %s", path, err.msg);
  pairs = realloc(pairs, (npairs + nt) * sizeof(*pairs));
  for(uint32_t t = 0; t < nt; t++) {
    pairs[npairs].cache = (uint32_t)ncaches;
    pairs[npairs].type = t;
    npairs++;
    const struct cache_type *ty = cache_type_at(&l->c, t, &err);
    uint32_t npl;
    const struct cache_plan *plans = cache_section(&l->c, CS_PLANS, &npl, &err);
    for(int op = 0; ty && plans && op < OP_MAX; op++) {
      uint32_t k = ty->plans[op];
      if(!k || k > npl || plans[k - 1].paging.style == CPG_NONE)
        continue;
      paged = realloc(paged, (npaged + 1) * sizeof(*paged));
      paged[npaged].cache = (uint32_t)ncaches;
      paged[npaged].type = t;
      paged[npaged].plan = k - 1;
      npaged++;
    }
  }
  ncaches++;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  load("examples/petstore-flow.yaml", "petstore");
  char path[4096];
  snprintf(path, sizeof(path), "%s/tests/data/compile/valid", fuzz_srcdir());
  DIR *d = opendir(path);
  if(!d)
    fuzz_fail("cannot read %s", path);
  char *names[MAX_CACHES];
  size_t n = 0;
  struct dirent *e;
  while((e = readdir(d)) && n < MAX_CACHES - 1)
    if(e->d_name[0] != '.')
      names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof(names[0]), cmp_str);   /* the same type numbers on every run */
  for(size_t i = 0; i < n; i++) {
    snprintf(path, sizeof(path), "%s/tests/data/compile/valid/%s/spec.json", fuzz_srcdir(),
             names[i]);
    if(access(path, F_OK))
      snprintf(path, sizeof(path), "tests/data/compile/valid/%s/spec.yaml", names[i]);
    load(path, names[i]);
    free(names[i]);
  }
  /* the paging cases: every paging style and answer path the compiler stores */
  snprintf(path, sizeof(path), "%s/tests/data/paging/valid", fuzz_srcdir());
  d = opendir(path);
  if(!d)
    fuzz_fail("cannot read %s", path);
  n = 0;
  while((e = readdir(d)) && n < MAX_CACHES - 1)
    if(e->d_name[0] != '.')
      names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof(names[0]), cmp_str);
  for(size_t i = 0; i < n; i++) {
    snprintf(path, sizeof(path), "%s/tests/data/paging/valid/%s/spec.yaml", fuzz_srcdir(),
             names[i]);
    load(path, names[i]);
    free(names[i]);
  }
  if(!npaged)
    fuzz_fail("no paged plan among the documents");
  fprintf(stderr, "fuzz_mapping: %zu types in %zu documents, %zu paged plans\n", npairs,
          ncaches, npaged);
  return 0;
}

/* The JSON body B (map_flow_to_json's) as the plan's form bodies (product.md §13.1). */
static void form_check(struct cache *c, const struct cache_type *t,
                       const struct cache_plan *pl, const uint32_t *u32, const struct buf *b)
{
  cJSON *j = NULL;
  struct json_error je;
  if(json_parse(b->data ? b->data : "", b->len, &j, &je) != OAC_OK)
    fuzz_fail("the body is not JSON (%s)", je.msg);
  struct form_field fields[64];
  size_t nf = 0;
  uint32_t np = 0;
  struct cache_error err;
  const struct cache_prop *props = cache_section(c, CS_PROPS, &np, &err);
  for(uint32_t k = 0; pl->body_enc && props && k < pl->nbody && nf < 64; k++) {
    fields[nf].name = cache_str(c, props[t->first_prop + u32[pl->first_body + k]].json_name);
    fields[nf++].flags = u32[pl->body_enc - 1 + k];
  }
  struct buf f;
  buf_init(&f);
  if(form_urlencode(j, fields, nf, &f) != OAC_OK)
    fuzz_fail("form_urlencode failed on an object");
  for(size_t i = 0; i < f.len; i++) {
    unsigned char ch = (unsigned char)f.data[i];
    if(ch == '%') {
      if(i + 2 >= f.len || !f.data[i + 1] || !f.data[i + 2] ||
         !strchr("0123456789ABCDEF", f.data[i + 1]) ||
         !strchr("0123456789ABCDEF", f.data[i + 2]))
        fuzz_fail("form_urlencode: a bad %%XX at %zu: %.*s", i, (int)(f.len - i), f.data + i);
      i += 2;
    }
    else if(!ch || !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                           "0123456789-._~+[]=&,", ch))
      fuzz_fail("form_urlencode: byte 0x%02x at %zu", ch, i);
  }
  buf_reset(&f);
  char boundary[72];
  if(form_multipart(j, &f, boundary) != OAC_OK)
    fuzz_fail("form_multipart failed on an object");
  size_t bl = strlen(boundary), count = 0;
  for(const char *s = f.data; s && (s = strstr(s, boundary)); s++) {
    if(s < f.data + 2 || s[-1] != '-' || s[-2] != '-' || (s > f.data + 2 && s[-3] != '\n'))
      fuzz_fail("form_multipart: the boundary inside a part");
    count++;
  }
  if(!count || strncmp(f.data + f.len - bl - 4, boundary, bl))
    fuzz_fail("form_multipart: no closing delimiter");
  buf_free(&f);
  cJSON_Delete(j);
}

static void must_be_json(const struct buf *b, const char *what)
{
  cJSON *j = NULL;
  struct json_error je;
  if(json_parse(b->data ? b->data : "", b->len, &j, &je) != OAC_OK)
    fuzz_fail("%s is not JSON (%s at %zu): %.*s", what, je.msg, je.offset,
              (int)(b->len > 400 ? 400 : b->len), b->data ? b->data : "");
  cJSON_Delete(j);
}

/* Is NODE in the tree ROOT? */
static int in_tree(const cJSON *root, const cJSON *node)
{
  if(root == node)
    return 1;
  for(const cJSON *k = root ? root->child : NULL; k; k = k->next)
    if(in_tree(k, node))
      return 1;
  return 0;
}

/* The node at stored path S of the plan, checked as walk_load checks it (the compiler
 * stored it valid) and as the walk reads it. */
static const cJSON *at_path(struct cache *c, struct cache_str s, const cJSON *root,
                            const char *what)
{
  if(!s.len)
    return NULL;
  const char *text = cache_str(c, s);
  if(!answer_path_valid(text, s.len))
    fuzz_fail("the stored %s path is not valid: %.*s", what, (int)s.len, text);
  const cJSON *v = answer_path_eval(text, s.len, root);
  if(v && !in_tree(root, v))
    fuzz_fail("%s: answer_path_eval found a node outside the answer", what);
  return v;
}

/* A position through an offsetToken and back. */
static void token_round_trip(enum offset_token_pos kind, const char *str, uint64_t consumed)
{
  struct offset_token t, back;
  memset(&t, 0, sizeof(t));
  t.list.registration = "fuzz";
  t.list.binding = "Paged";
  t.kind = kind;
  t.pos_str = str;
  t.consumed = consumed;
  t.offset = 7;
  struct buf tok;
  buf_init(&tok);
  enum oac_result r = offset_token_encode(&t, &tok);
  if(r == OAC_OK) {
    struct arena a;
    arena_init(&a, 0);
    enum offset_token_why why;
    if(offset_token_decode(tok.data, tok.len, &t.list, &a, &back, &why) != OAC_OK)
      fuzz_fail("a token of the walk's position does not decode: %s",
                offset_token_why_str(why));
    if(back.kind != kind || strcmp(back.pos_str, str) || back.consumed != consumed ||
       back.offset != 7)
      fuzz_fail("a token of the walk's position came back different");
    arena_free(&a);
  }
  else if(r != OAC_ELIMIT)
    fuzz_fail("offset_token_encode of a walk position: %d", (int)r);
  buf_free(&tok);
}

static void paging_mode(size_t pick, const char *text, size_t len)
{
  struct cache *c = &caches[paged[pick].cache].c;
  uint32_t type = paged[pick].type;
  struct cache_error err;
  uint32_t npl;
  const struct cache_plan *plans = cache_section(c, CS_PLANS, &npl, &err);
  if(!plans)
    fuzz_fail("compiled cache unusable");
  const struct cache_plan *pl = &plans[paged[pick].plan];
  const struct cache_paging *cp = &pl->paging;

  /* ANSWER NUL LINK [NUL TOTAL] */
  const char *nul = memchr(text, 0, len);
  size_t alen = nul ? (size_t)(nul - text) : len;
  const char *link = nul ? nul + 1 : "";
  size_t llen = nul ? len - alen - 1 : 0;
  const char *nul2 = memchr(link, 0, llen);
  const char *total_text = nul2 ? nul2 + 1 : NULL;
  size_t tlen = nul2 ? llen - (size_t)(nul2 - link) - 1 : 0;
  if(nul2)
    llen = (size_t)(nul2 - link);

  cJSON *root = NULL;
  struct json_error je;
  if(json_parse(text, alen, &root, &je) != OAC_OK)
    root = NULL;

  /* the page's items */
  const cJSON *array = NULL, *single = NULL;
  if(root)
    map_unwrap(c, type, root, cache_str(c, pl->items), &array, &single);
  size_t n = array ? (size_t)cJSON_GetArraySize(array) : single ? 1 : 0;
  const cJSON **items = malloc((n ? n : 1) * sizeof(*items));
  size_t got = map_objects(array, single, items);
  if(got > n)
    fuzz_fail("map_objects gave %zu items for room for %zu", got, n);
  struct buf id;
  buf_init(&id);
  for(size_t i = 0; i < got; i++) {
    if(!items[i] || !in_tree(root, items[i]))
      fuzz_fail("item %zu is not in the answer", i);
    buf_reset(&id);
    if(map_external_id(c, type, items[i], &id))
      fuzz_fail("map_external_id failed");
  }
  buf_free(&id);
  free(items);

  /* the signs */
  struct paging_settings ps;
  memset(&ps, 0, sizeof(ps));
  ps.style = (enum paging_style)cp->style;
  ps.has_limit_param = cp->limit.len > 0;
  ps.max_limit = cp->max_limit;
  ps.page_size = cp->page_size;
  ps.first_page = cp->first_page;
  ps.has_more = cp->has_more.len > 0;
  ps.has_total = cp->total.len > 0 || cp->total_header.len > 0;
  ps.cursor_from_items = (cp->flags & CPG_F_CURSOR_IN_ITEMS) != 0;
  struct paging_page pg;
  memset(&pg, 0, sizeof(pg));
  pg.received = got;
  const cJSON *hm = at_path(c, cp->has_more, root, "hasMore");
  pg.has_more = cJSON_IsTrue(hm) ? PAGING_YES : cJSON_IsFalse(hm) ? PAGING_NO : PAGING_ABSENT;
  if(cp->total_header.len) {
    if(total_text && tlen) {
      char *t = strndup(total_text, tlen), *end;
      pg.total = strtoull(t, &end, 10);
      pg.total_present = *end == '\0' && t[0] != '-' && end != t;
      free(t);
    }
  }
  else {
    const cJSON *t = at_path(c, cp->total, root, "total");
    if(cJSON_IsNumber(t) && t->valuedouble >= 0) {
      pg.total = (uint64_t)t->valuedouble;
      pg.total_present = 1;
    }
  }
  pg.position = got;

  /* the cursor, or the next URL */
  const char *server = cache_str(c, c->hdr->server_url);
  struct buf req, u;
  buf_init(&req);
  buf_init(&u);
  buf_printf(&req, "%s%s?limit=3", server, cache_str(c, pl->path));
  char *first_path = NULL;
  {
    const char *q = strstr(req.data, "://");
    q = q ? strchr(q + 3, '/') : NULL;
    first_path = strndup(q ? q : "/", q ? strcspn(q, "?#") : 1);
  }
  char *cursor = NULL;
  const char *ref = NULL;
  size_t rlen = 0;
  int link_bad = 0;
  if(cp->style == CPG_CURSOR) {
    const cJSON *v = at_path(c, cp->next_cursor, root, "nextCursor");
    if(cJSON_IsString(v) && v->valuestring[0])
      cursor = strdup(v->valuestring);
    else if(cJSON_IsNumber(v)) {
      const char *t = json_num_text(v);
      char num[64];
      snprintf(num, sizeof(num), "%.17g", v->valuedouble);
      cursor = strdup(t ? t : num);
    }
    pg.next_present = cursor != NULL;
  }
  else if(cp->style == CPG_LINK) {
    if(link_find_rel(link, llen, "next", &ref, &rlen) != OAC_OK)
      link_bad = 1;
    else if(ref && (ref < link || ref + rlen > link + llen))
      fuzz_fail("link_find_rel: the target is outside the header value");
  }
  else if(cp->style == CPG_NEXT_URL) {
    const cJSON *v = at_path(c, cp->next, root, "next");
    if(cJSON_IsString(v) && v->valuestring[0]) {
      ref = v->valuestring;
      rlen = strlen(ref);
    }
  }
  if(ref && rlen && !link_bad) {
    enum oac_result r = url_resolve(req.data, req.len, ref, rlen, &u);
    if(r == OAC_OK) {
      if(!u.data || memchr(u.data, '#', u.len) || strlen(u.data) != u.len)
        fuzz_fail("url_resolve: a fragment or a NUL in %s", u.data ? u.data : "(null)");
      enum url_next_rule broken = URL_NEXT_OK;
      r = url_next_check(server, first_path, cp->flags & CPG_F_NEXT_PATH_ANY ? 1 : 0,
                         u.data, &broken);
      if(r != OAC_OK && r != OAC_EDOC)
        fuzz_fail("url_next_check: %d", (int)r);
      if(r == OAC_OK && broken == URL_NEXT_OK) {
        char o1[512], o2[512];
        if(url_origin(u.data, o1, sizeof(o1)) || url_origin(server, o2, sizeof(o2)) ||
           strcmp(o1, o2))
          fuzz_fail("a next URL that passes is on another origin: %s", u.data);
        pg.next_present = 1;
        /* the token holds path and query */
        const char *q = strstr(u.data, "://");
        q = q ? strchr(q + 3, '/') : NULL;
        token_round_trip(OT_POS_NEXT_URL, q ? q : "/", got);
      }
      else if(r == OAC_OK && !url_next_rule_text(broken))
        fuzz_fail("a broken rule without words");
    }
    else if(r != OAC_EDOC)
      fuzz_fail("url_resolve: %d", (int)r);
  }
  if(cursor)
    token_round_trip(OT_POS_CURSOR, cursor, got);

  /* the end of the list */
  enum paging_next end = paging_page_end(&ps, &pg);
  if(pg.has_more == PAGING_NO && end != PAGING_END)
    fuzz_fail("hasMore false, and the list goes on");
  if(pg.total_present && pg.position >= pg.total && end != PAGING_END)
    fuzz_fail("the total is reached, and the list goes on");
  if((ps.style == PAGING_NEXT_URL || ps.style == PAGING_LINK ||
      (ps.style == PAGING_CURSOR && !ps.cursor_from_items)) && !pg.next_present &&
     end != PAGING_END)
    fuzz_fail("no next URL or cursor, and the list goes on");
  free(cursor);
  free(first_path);
  buf_free(&req);
  buf_free(&u);
  cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if(size < 3 || !npairs)
    return 0;
  size_t pick = ((size_t)data[0] | (size_t)data[1] << 8) % npairs;
  unsigned flags = data[2];
  struct cache *c = &caches[pairs[pick].cache].c;
  uint32_t type = pairs[pick].type;
  const char *text = (const char *)data + 3;
  size_t len = size - 3;
  if(flags & 2) {
    paging_mode(((size_t)data[0] | (size_t)data[1] << 8) % npaged, text, len);
    return 0;
  }
  const char *nul = memchr(text, 0, len);
  size_t alen = nul ? (size_t)(nul - text) : len;
  const char *ctl_text = nul ? nul + 1 : NULL;
  size_t clen = nul ? len - alen - 1 : 0;

  struct cache_error err;
  const struct cache_type *t = cache_type_at(c, type, &err);
  uint32_t np, npl, nu;
  const struct cache_prop *props = cache_section(c, CS_PROPS, &np, &err);
  const struct cache_plan *plans = cache_section(c, CS_PLANS, &npl, &err);
  const uint32_t *u32 = cache_section(c, CS_U32, &nu, &err);
  if(!t || !props || !plans || !u32)
    fuzz_fail("compiled cache unusable");

  cJSON *root = NULL, *ctl = NULL;
  struct json_error je;
  if(json_parse(text, alen, &root, &je) != OAC_OK)
    root = NULL;
  if(ctl_text && json_parse(ctl_text, clen, &ctl, &je) != OAC_OK)
    ctl = NULL;

  struct arena a;
  arena_init(&a, 0);
  struct buf out;
  buf_init(&out);
  struct problem p;
  memset(&p, 0, sizeof(p));

  const cJSON *want_props = ctl ? json_get_array(ctl, "properties") : NULL;
  struct map_want *want = map_want_build(c, type, want_props, &a);
  if(!want)
    fuzz_fail("map_want_build failed");

  if(root) {
    const char *items_path = NULL;
    if((flags & 1) && t->plans[OP_QUERY])
      items_path = cache_str(c, plans[t->plans[OP_QUERY] - 1].items);
    const cJSON *array = NULL, *single = NULL;
    map_unwrap(c, type, root, items_path, &array, &single);
    size_t n = array ? (size_t)cJSON_GetArraySize(array) : single ? 1 : 0;
    const cJSON **items = malloc((n ? n : 1) * sizeof(*items));
    n = map_objects(array, single, items);
    for(size_t i = 0; i < n; i++) {
      buf_reset(&out);
      memset(&p, 0, sizeof(p));
      if(!map_object_to_flow(c, type, items[i], want, i ? NULL : "iid", (int)i, &out, &p))
        must_be_json(&out, "map_object_to_flow's MObject");
      else if(p.status != 500)
        fuzz_fail("map_object_to_flow: status %d", p.status);
      buf_reset(&out);
      if(map_external_id(c, type, items[i], &out))
        fuzz_fail("map_external_id failed");
      if(!out.len)
        fuzz_fail("empty external ID");
    }
    struct map_items mi = { items, n, c, props + t->first_prop };
    for(size_t i = 0; i < n; i++)
      for(uint32_t k = 0; k < t->nprops; k++) {
        const char *s;
        size_t sl;
        if(map_items_get(&mi, i, k, &s, &sl) && sl)
          (void)*(volatile const char *)(s + sl - 1);
      }
    if(ctl) {
      struct list_filter lf;
      memset(&p, 0, sizeof(p));
      if(!filter_parse(json_get_object(ctl, "listFilter"), c, t, &a, &lf, &p)) {
        struct filter_src fs = { map_items_get, &mi, mi.props };
        size_t *idx = malloc((n ? n : 1) * 2 * sizeof(*idx)), sel = 0;
        for(size_t i = 0; i < n; i++)
          if(filter_match(&lf, &fs, i))
            idx[sel++] = i;
        filter_sort(&lf, &fs, idx, sel, idx + n);
        for(size_t i = 0; i < sel; i++)
          if(idx[i] >= n)
            fuzz_fail("filter_sort gave item %zu of %zu", idx[i], n);
        free(idx);
      }
      else if(p.status != 400 && p.status != 500)
        fuzz_fail("filter_parse: status %d", p.status);
    }
    free(items);
    buf_reset(&out);
    if(!map_jcs(root, &out))
      must_be_json(&out, "map_jcs");
    buf_reset(&out);
    if(map_jcs_id(root, &out))
      fuzz_fail("map_jcs_id failed");
  }
  if(ctl) {
    buf_reset(&out);
    memset(&p, 0, sizeof(p));
    if(!map_flow_to_json(c, type, ctl, NULL, 0, &out, &p))
      must_be_json(&out, "map_flow_to_json");
    else if(p.status != 400 && p.status != 500)
      fuzz_fail("map_flow_to_json: status %d", p.status);
    uint32_t k = t->plans[OP_SAVE];
    if(k) {
      const struct cache_plan *pl = &plans[k - 1];
      buf_reset(&out);
      memset(&p, 0, sizeof(p));
      if(!map_flow_to_json(c, type, ctl, u32 + pl->first_body, pl->nbody, &out, &p))
        must_be_json(&out, "map_flow_to_json (body list)");
      for(unsigned ea = 0; ea < CEA_MAX; ea++) {
        buf_reset(&out);
        memset(&p, 0, sizeof(p));
        if(!map_flow_to_json_empty(c, type, ctl, u32 + pl->first_body, pl->nbody, ea, &out, &p))
          form_check(c, t, pl, u32, &out);
      }
    }
    map_flow_value(ctl, "name");
  }
  buf_free(&out);
  arena_free(&a);
  cJSON_Delete(root);
  cJSON_Delete(ctl);
  return 0;
}
