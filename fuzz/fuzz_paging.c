/* fuzz_paging.c - any bytes into the paging foundations of issue 14: the Link header
 * (link.h), reference resolution and the next-URL safety rules (url.h), the offsetToken
 * (offset_token.h), stored answer paths (flow/answer_path.h) and the page arithmetic
 * (paging_plan.h). Each mode checks the documented invariants and aborts when one breaks.
 *
 * Input: [mode] REST   (mode modulo 5)
 *   0 link   REST is a Link header value: link_find_rel with rel next, NEXT, prev, last
 *            and an unquoted URI relation type; a target lies inside REST, between < and >,
 *            and rel matching is case-insensitive (next and NEXT agree)
 *   1 url    REST as the reference against a fixed base, and as the base of a fixed
 *            reference (url_resolve); each result (no fragment, no NUL, has a scheme) goes
 *            through url_next_check against a fixed server and first path, with nextPath
 *            any and not: an OK verdict has the server's origin (url_origin) and no
 *            userinfo; nextPath any never breaks a rule nextPath would not
 *   2 token  REST as token text (offset_token_decode, with and without the expected list):
 *            a decoded token re-encodes to the same text and decodes to the same fields;
 *            then a token built from REST's bytes (offset_token_encode) decodes back to
 *            its fields, against its own list and (as another list) against the fixed one
 *   3 path   REST is PATH NUL JSON: answer_path_valid / answer_path_eval over json_parse's
 *            tree; a node found belongs to the tree, an invalid path finds nothing, `[]`
 *            finds the root
 *   4 plan   REST gives the settings, request, page, limits and usage (bytes read as
 *            little-endian integers, zero past the end): paging_plan_make, paging_next_ask,
 *            paging_page_end, paging_has_more_results, paging_capped, paging_may_start,
 *            paging_bytes_left, paging_limit_outcome, paging_provided_too_many
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/mem.h"
#include "flow/answer_path.h"
#include "flow/json.h"
#include "fuzz_common.h"
#include "worker/link.h"
#include "worker/offset_token.h"
#include "worker/paging_plan.h"
#include "worker/url.h"

/* ---- 0: Link */

static void link_mode(const char *v, size_t n)
{
  static const char *const rels[] = { "next", "NEXT", "prev", "last", "http://x/y" };
  const char *tgt[5];
  size_t tl[5];
  enum oac_result r[5];
  for(size_t i = 0; i < 5; i++) {
    tgt[i] = (const char *)1;
    tl[i] = 99;
    r[i] = link_find_rel(v, n, rels[i], &tgt[i], &tl[i]);
    if(r[i] != OAC_OK && r[i] != OAC_EDOC)
      fuzz_fail("link_find_rel(%s): result %d", rels[i], (int)r[i]);
    if(r[i] == OAC_EDOC && tgt[i])
      fuzz_fail("link_find_rel(%s): EDOC with a target", rels[i]);
    if(r[i] == OAC_OK && !tgt[i] && tl[i])
      fuzz_fail("link_find_rel(%s): no target, length %zu", rels[i], tl[i]);
    if(r[i] == OAC_OK && tgt[i]) {
      if(tgt[i] < v || tgt[i] > v + n || tl[i] > (size_t)(v + n - tgt[i]))
        fuzz_fail("link_find_rel(%s): target outside the value", rels[i]);
      if(tgt[i] == v || tgt[i][-1] != '<' || tgt[i] + tl[i] >= v + n || tgt[i][tl[i]] != '>')
        fuzz_fail("link_find_rel(%s): target not between < and >", rels[i]);
      if(memchr(tgt[i], '>', tl[i]))
        fuzz_fail("link_find_rel(%s): target holds a >", rels[i]);
    }
    /* well-formedness does not depend on the rel asked for */
    if(i && (r[i] == OAC_EDOC) != (r[0] == OAC_EDOC))
      fuzz_fail("link_find_rel: %s and %s disagree on well-formedness", rels[0], rels[i]);
  }
  if(r[0] != r[1] || tgt[0] != tgt[1] || tl[0] != tl[1])
    fuzz_fail("link_find_rel: next and NEXT differ");
  /* a prefix of the value: still no EINTERNAL, a target inside the prefix */
  const char *t;
  size_t l, half = n / 2;
  enum oac_result rh = link_find_rel(v, half, "next", &t, &l);
  if(rh == OAC_EINTERNAL || (rh == OAC_OK && t && (t < v || t + l > v + half)))
    fuzz_fail("link_find_rel on the first %zu bytes: %d", half, (int)rh);
}

/* ---- 1: URLs */

#define SERVER "https://api.example.com/v2"
#define FIRST_PATH "/v2/items"

/* The authority after "https:" as libcurl reads it (it accepts one to three slashes, so
 * "https:/host/p", a legal RFC 3986 result, has host "host"): [*start, return). */
static const char *authority_end(const char *u, const char **start)
{
  const char *p = u + 6;
  p += strspn(p, "/");
  *start = p;
  return p + strcspn(p, "/?#\\");
}

static void check_next(const struct buf *res)
{
  if(memchr(res->data, 0, res->len))
    fuzz_fail("url_resolve: a NUL in the result");
  if(memchr(res->data, '#', res->len))
    fuzz_fail("url_resolve: a fragment in the result: %s", res->data);
  const char *colon = memchr(res->data, ':', res->len);
  if(!colon || colon == res->data)
    fuzz_fail("url_resolve: no scheme in the result: %s", res->data);
  enum url_next_rule v[2];
  for(int any = 0; any < 2; any++) {
    enum oac_result r = url_next_check(SERVER, FIRST_PATH, any, res->data, &v[any]);
    if(r == OAC_ENOMEM)
      return;
    if(r != OAC_OK)
      fuzz_fail("url_next_check: result %d for %s", (int)r, res->data);
    if(v[any] > URL_NEXT_PATH)
      fuzz_fail("url_next_check: verdict %d", (int)v[any]);
    if(!url_next_rule_text(v[any]))
      fuzz_fail("url_next_rule_text(%d) NULL", (int)v[any]);
    if(v[any] == URL_NEXT_OK) {
      char o1[512], o2[512];
      if(url_origin(res->data, o1, sizeof o1) || url_origin(SERVER, o2, sizeof o2))
        fuzz_fail("url_next_check OK but no origin: %s", res->data);
      if(strcmp(o1, o2))
        fuzz_fail("url_next_check OK for origin %s: %s", o1, res->data);
      if(strncasecmp(res->data, "https:", 6))
        fuzz_fail("url_next_check OK for another scheme: %s", res->data);
      const char *st, *e = authority_end(res->data, &st);
      if(memchr(st, '@', (size_t)(e - st)))
        fuzz_fail("url_next_check OK with userinfo: %s", res->data);
    }
  }
  /* nextPath any only drops URL_NEXT_PATH */
  if(v[0] != v[1] && !(v[0] == URL_NEXT_PATH && v[1] == URL_NEXT_OK))
    fuzz_fail("url_next_check: nextPath any changed verdict %d into %d: %s", (int)v[0],
              (int)v[1], res->data);
}

static void url_mode(const char *s, size_t n)
{
  static const char base[] = "https://api.example.com/v2/items/sub?page=2#frag";
  static const char ref[] = "../next/./x?cursor=a%2Fb#f";
  struct buf out;
  buf_init(&out);
  enum oac_result r = url_resolve(base, strlen(base), s, n, &out);
  if(r == OAC_OK)
    check_next(&out);
  else if(r != OAC_EDOC && r != OAC_ENOMEM)
    fuzz_fail("url_resolve(base, bytes): result %d", (int)r);
  r = url_resolve(s, n, ref, strlen(ref), &out);
  if(r == OAC_OK)
    check_next(&out);
  else if(r != OAC_EDOC && r != OAC_ENOMEM)
    fuzz_fail("url_resolve(bytes, ref): result %d", (int)r);
  /* the bytes against themselves, and a NUL-terminated copy as a candidate as is */
  r = url_resolve(s, n, s, n, &out);
  if(r == OAC_OK)
    check_next(&out);
  if(!memchr(s, 0, n)) {
    char *c = oac_malloc(n + 1);
    memcpy(c, s, n);
    c[n] = 0;
    enum url_next_rule v;
    r = url_next_check(SERVER, FIRST_PATH, 0, c, &v);
    if(r != OAC_OK && r != OAC_ENOMEM)
      fuzz_fail("url_next_check(bytes): result %d", (int)r);
    if(r == OAC_OK && v == URL_NEXT_OK) {
      char o1[512], o2[512];
      if(url_origin(c, o1, sizeof o1) || url_origin(SERVER, o2, sizeof o2) || strcmp(o1, o2))
        fuzz_fail("url_next_check OK for another origin: %s", c);
    }
    oac_free(c);
  }
  buf_free(&out);
}

/* ---- 2: offsetToken */

static int fields_equal(const struct offset_token *a, const struct offset_token *b)
{
  if(strcmp(a->list.registration, b->list.registration) ||
     strcmp(a->list.binding, b->list.binding) || a->list.op != b->list.op ||
     a->list.server != b->list.server ||
     memcmp(a->list.filter_hash, b->list.filter_hash, SHA256_DIGEST_LEN) ||
     a->kind != b->kind || a->pos_num != b->pos_num || a->consumed != b->consumed ||
     a->offset != b->offset)
    return 0;
  if(!a->pos_str != !b->pos_str)
    return 0;
  return !a->pos_str || !strcmp(a->pos_str, b->pos_str);
}

static const struct offset_token_list fixed_list = {
  "https://example.com/openapi.yaml", "Pet", 2, 0, { 0 }
};

static void token_decoded(const char *s, size_t n, const struct offset_token *t)
{
  if(t->kind >= OT_POS_MAX)
    fuzz_fail("offset_token_decode: kind %d", (int)t->kind);
  int str = t->kind == OT_POS_CURSOR || t->kind == OT_POS_NEXT_URL;
  if(str != !!t->pos_str)
    fuzz_fail("offset_token_decode: pos_str %s for kind %d", t->pos_str ? "set" : "NULL",
              (int)t->kind);
  if(!str && t->kind == OT_POS_FIRST && t->pos_num)
    fuzz_fail("offset_token_decode: pos_num for OT_POS_FIRST");
  struct buf b;
  buf_init(&b);
  enum oac_result r = offset_token_encode(t, &b);
  if(r == OAC_ENOMEM) {
    buf_free(&b);
    return;
  }
  if(r != OAC_OK)
    fuzz_fail("offset_token_encode of a decoded token: result %d", (int)r);
  if(b.len != n || memcmp(b.data, s, n))
    fuzz_fail("a decoded token re-encodes to other text: %.*s", (int)b.len, b.data);
  struct arena a;
  arena_init(&a, 0);
  struct offset_token t2;
  enum offset_token_why why;
  r = offset_token_decode(b.data, b.len, NULL, &a, &t2, &why);
  if(r != OAC_OK || why != OT_OK || !fields_equal(t, &t2))
    fuzz_fail("a re-encoded token decodes differently (%d, why %d)", (int)r, (int)why);
  arena_free(&a);
  buf_free(&b);
}

/* Little-endian integer of W bytes from *P (zero past the end). */
static uint64_t take(const uint8_t **p, const uint8_t *end, int w)
{
  uint64_t v = 0;
  for(int i = 0; i < w; i++, (*p)++)
    if(*p < end)
      v |= (uint64_t)**p << (8 * i);
  return v;
}

/* A string of up to MAX bytes (length from the first byte), NULs made 'x'. */
static char *take_str(const uint8_t **p, const uint8_t *end, size_t max)
{
  size_t l = (size_t)take(p, end, 1) % (max + 1);
  char *s = oac_malloc(l + 1);
  for(size_t i = 0; i < l; i++, (*p)++)
    s[i] = *p < end ? (**p ? (char)**p : 'x') : 'y';
  s[l] = 0;
  return s;
}

static void token_mode(const char *s, size_t n)
{
  struct arena a;
  arena_init(&a, 0);
  struct offset_token t;
  enum offset_token_why why = OT_OK;
  enum oac_result r = offset_token_decode(s, n, NULL, &a, &t, &why);
  if(r == OAC_OK) {
    if(why != OT_OK)
      fuzz_fail("offset_token_decode: OK with why %d", (int)why);
    token_decoded(s, n, &t);
  } else if(r == OAC_EDOC) {
    if(why != OT_MALFORMED && why != OT_WRONG_VERSION)
      fuzz_fail("offset_token_decode without a list: why %d", (int)why);
  } else if(r != OAC_ENOMEM)
    fuzz_fail("offset_token_decode: result %d", (int)r);
  if(!offset_token_why_str(why))
    fuzz_fail("offset_token_why_str NULL");
  enum offset_token_why why2;
  struct offset_token t2;
  enum oac_result r2 = offset_token_decode(s, n, &fixed_list, &a, &t2, &why2);
  if(r == OAC_OK) {
    if(r2 == OAC_OK ? why2 != OT_OK : (r2 != OAC_EDOC || why2 != OT_ANOTHER_LIST))
      fuzz_fail("offset_token_decode with a list: %d why %d", (int)r2, (int)why2);
    if(r2 != OAC_ENOMEM && !fields_equal(&t, &t2))
      fuzz_fail("offset_token_decode with a list gives other fields");
  } else if(r == OAC_EDOC && (r2 != OAC_EDOC || why2 != why))
    fuzz_fail("offset_token_decode: without a list %d, with one %d why %d", (int)why,
              (int)r2, (int)why2);

  /* a token built from the bytes */
  const uint8_t *p = (const uint8_t *)s, *end = p + n;
  struct offset_token b;
  memset(&b, 0, sizeof b);
  char *reg = take_str(&p, end, 200), *bind = take_str(&p, end, 60);
  b.list.registration = reg;
  b.list.binding = bind;
  b.list.op = (unsigned)take(&p, end, 4);
  b.list.server = (unsigned)take(&p, end, 4);
  for(size_t i = 0; i < SHA256_DIGEST_LEN; i += 8) {
    uint64_t h = take(&p, end, 1);
    memcpy(b.list.filter_hash + i, &h, 8);
  }
  b.kind = (enum offset_token_pos)(take(&p, end, 1) % OT_POS_MAX);
  char *pos = NULL;
  if(b.kind == OT_POS_CURSOR || b.kind == OT_POS_NEXT_URL)
    b.pos_str = pos = take_str(&p, end, 255);
  else if(b.kind != OT_POS_FIRST)
    b.pos_num = take(&p, end, 8);
  b.consumed = take(&p, end, 8);
  b.offset = take(&p, end, 8);
  struct buf text;
  buf_init(&text);
  r = offset_token_encode(&b, &text);
  if(r == OAC_OK) {
    if(!text.len || text.len > OFFSET_TOKEN_MAX_LEN)
      fuzz_fail("offset_token_encode: %zu characters", text.len);
    for(size_t i = 0; i < text.len; i++) {
      char c = text.data[i];
      if(!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_'))
        fuzz_fail("offset_token_encode: %02x is not base64url", (unsigned char)c);
    }
    r = offset_token_decode(text.data, text.len, &b.list, &a, &t, &why);
    if(r == OAC_OK) {
      if(why != OT_OK || !fields_equal(&b, &t))
        fuzz_fail("an encoded token decodes to other fields: %.*s", (int)text.len, text.data);
    } else if(r != OAC_ENOMEM)
      fuzz_fail("an encoded token does not decode (%d why %d): %.*s", (int)r, (int)why,
                (int)text.len, text.data);
    r = offset_token_decode(text.data, text.len, &fixed_list, &a, &t, &why);
    int same = !strcmp(reg, fixed_list.registration) && !strcmp(bind, fixed_list.binding) &&
               b.list.op == fixed_list.op && b.list.server == fixed_list.server &&
               !memcmp(b.list.filter_hash, fixed_list.filter_hash, SHA256_DIGEST_LEN);
    if(r != OAC_ENOMEM && (same ? r != OAC_OK : (r != OAC_EDOC || why != OT_ANOTHER_LIST)))
      fuzz_fail("an encoded token against the fixed list: %d why %d", (int)r, (int)why);
    if(r != OAC_ENOMEM && !fields_equal(&b, &t))
      fuzz_fail("an encoded token of another list decodes to other fields");
  } else if(r != OAC_ELIMIT && r != OAC_ENOMEM)
    fuzz_fail("offset_token_encode: result %d", (int)r);
  else if(r == OAC_ELIMIT && text.len)
    fuzz_fail("offset_token_encode: ELIMIT appended text");
  buf_free(&text);
  oac_free(reg);
  oac_free(bind);
  oac_free(pos);
  arena_free(&a);
}

/* ---- 3: answer paths */

static int in_tree(const cJSON *n, const cJSON *node)
{
  for(; n; n = n->next) {
    if(n == node)
      return 1;
    if(n->child && in_tree(n->child, node))
      return 1;
  }
  return 0;
}

static void path_mode(const char *s, size_t n)
{
  const char *nul = memchr(s, 0, n);
  size_t pl = nul ? (size_t)(nul - s) : n;
  const char *js = nul ? nul + 1 : "{\"data\":[{\"id\":1},{\"id\":2}],\"next\":null}";
  size_t jl = nul ? n - pl - 1 : strlen(js);
  int valid = answer_path_valid(s, pl);
  if(valid != 0 && valid != 1)
    fuzz_fail("answer_path_valid: %d", valid);
  cJSON *root = NULL;
  struct json_error je;
  if(json_parse(js, jl, &root, &je) != OAC_OK)
    root = NULL;
  const cJSON *found = answer_path_eval(s, pl, root);
  if(!root && found)
    fuzz_fail("answer_path_eval found a node in no tree");
  if(found && !valid)
    fuzz_fail("answer_path_eval found a node with an invalid path: %.*s", (int)pl, s);
  if(found && !in_tree(root, found))
    fuzz_fail("answer_path_eval: the node is not in the tree");
  if(root && pl == 2 && !memcmp(s, "[]", 2) && found != root)
    fuzz_fail("answer_path_eval([]) is not the root");
  /* the path evaluated against itself parsed as JSON (a path is a JSON array) */
  cJSON *self = NULL;
  if(valid && json_parse(s, pl, &self, &je) != OAC_OK)
    fuzz_fail("a valid path is not JSON: %.*s", (int)pl, s);
  if(self) {
    if(!cJSON_IsArray(self) || cJSON_GetArraySize(self) > 64)
      fuzz_fail("a valid path is not an array of at most 64 elements");
    found = answer_path_eval(s, pl, self);
    if(found && !in_tree(self, found))
      fuzz_fail("answer_path_eval (self): the node is not in the tree");
    cJSON_Delete(self);
  }
  cJSON_Delete(root);
}

/* ---- 4: paging_plan */

static void plan_mode(const char *s, size_t n)
{
  const uint8_t *p = (const uint8_t *)s, *end = p + n;
  /* small values are likelier than huge ones: a selector byte picks the width */
  uint64_t (*num)(const uint8_t **, const uint8_t *, int) = take;
  uint8_t widths = (uint8_t)take(&p, end, 1);
#define NUM(k) num(&p, end, ((widths >> ((k) % 8)) & 1) ? 8 : 1)
  struct paging_settings ps;
  memset(&ps, 0, sizeof ps);
  uint8_t f = (uint8_t)take(&p, end, 1);
  ps.style = (enum paging_style)(f % 6);
  ps.has_limit_param = f & 8;
  ps.has_more = f & 16;
  ps.has_total = f & 32;
  ps.cursor_from_items = f & 64;
  ps.max_limit = NUM(0);
  ps.page_size = ps.style == PAGING_PAGE && !ps.has_limit_param ? NUM(1) : 0;
  ps.first_page = (int64_t)NUM(2);
  if(!(f & 128) && (ps.first_page > 1000 || ps.first_page < -1000))
    ps.first_page %= 2;   /* mostly 0 or 1, as APIs have them */
  struct paging_request rq;
  memset(&rq, 0, sizeof rq);
  uint8_t g = (uint8_t)take(&p, end, 1);
  rq.local = g & 1;
  rq.sort = rq.local && (g & 2);
  rq.token = g & 4;
  rq.offset = NUM(3);
  rq.limit = NUM(4);
  rq.token_skip = rq.token ? NUM(5) : 0;
  struct paging_plan pl;
  memset(&pl, 0xa5, sizeof pl);
  paging_plan_make(&ps, &rq, &pl);
  (void)paging_api_signals_more(&ps);
  if(pl.walk != (ps.style != PAGING_NONE && paging_style_walks(ps.style)))
    fuzz_fail("plan: walk %d for style %d", pl.walk, ps.style);
  if(pl.last_page != -1 && pl.first_page > pl.last_page)
    fuzz_fail("plan: first page %lld after last page %lld", (long long)pl.first_page,
              (long long)pl.last_page);
  if(pl.last_page != -1 && (ps.style != PAGING_PAGE || pl.want == 0))
    fuzz_fail("plan: a last page %lld without page style and want", (long long)pl.last_page);
  if(pl.first_page < ps.first_page && ps.style == PAGING_PAGE)
    fuzz_fail("plan: first page %lld before firstPage %lld", (long long)pl.first_page,
              (long long)ps.first_page);
  if(!ps.has_limit_param && pl.ask)
    fuzz_fail("plan: asks %llu without a limit parameter", (unsigned long long)pl.ask);
  if(ps.max_limit && pl.ask > ps.max_limit)
    fuzz_fail("plan: asks %llu over maxLimit %llu", (unsigned long long)pl.ask,
              (unsigned long long)ps.max_limit);
  if(pl.extra && (pl.want == 0 || (rq.limit != UINT64_MAX && pl.want != rq.limit + 1)))
    fuzz_fail("plan: extra with want %llu, limit %llu", (unsigned long long)pl.want,
              (unsigned long long)rq.limit);
  if(pl.extra && (ps.has_more || ps.has_total))
    fuzz_fail("plan: extra item although the API says whether more exist");
  if(!rq.local && rq.limit && ps.style != PAGING_NONE && pl.want < rq.limit)
    fuzz_fail("plan: wants %llu of limit %llu", (unsigned long long)pl.want,
              (unsigned long long)rq.limit);
  if(ps.style == PAGING_PAGE && pl.s && pl.skip >= pl.s)
    fuzz_fail("plan: skips %llu of a page of %llu", (unsigned long long)pl.skip,
              (unsigned long long)pl.s);
  if(ps.style == PAGING_PAGE && pl.last_page != -1 && pl.s && pl.first_page != INT64_MAX &&
     pl.last_page != INT64_MAX) {
    /* the pages cover the items wanted: (last - first + 1) x s >= skip + want */
    unsigned __int128 cover = (unsigned __int128)(uint64_t)(pl.last_page - pl.first_page + 1) *
                              pl.s;
    if(cover < (unsigned __int128)pl.skip + pl.want && rq.offset + pl.want > rq.offset)
      fuzz_fail("plan: pages %lld..%lld of %llu do not cover %llu + %llu",
                (long long)pl.first_page, (long long)pl.last_page, (unsigned long long)pl.s,
                (unsigned long long)pl.skip, (unsigned long long)pl.want);
  }
  if(rq.local && !rq.sort && rq.limit && pl.matches_wanted <= rq.limit &&
     pl.matches_wanted != UINT64_MAX)
    fuzz_fail("plan: matches wanted %llu", (unsigned long long)pl.matches_wanted);
  if(ps.style == PAGING_OFFSET && pl.api_offset > rq.offset)
    fuzz_fail("plan: API offset %llu past Flow's %llu", (unsigned long long)pl.api_offset,
              (unsigned long long)rq.offset);

  uint64_t got = NUM(6);
  uint64_t ask = paging_next_ask(&ps, &pl, got);
  if(!ps.has_limit_param && ask)
    fuzz_fail("next ask %llu without a limit parameter", (unsigned long long)ask);
  if(ps.style != PAGING_PAGE && ps.max_limit && ask > ps.max_limit)
    fuzz_fail("next ask %llu over maxLimit", (unsigned long long)ask);

  struct paging_page pg;
  memset(&pg, 0, sizeof pg);
  uint8_t h = (uint8_t)take(&p, end, 1);
  pg.next_present = h & 1;
  pg.has_more = (enum paging_tri)((h >> 1) % 3);
  pg.total_present = h & 8;
  pg.received = NUM(7);
  pg.total = pg.total_present ? NUM(0) : 0;
  pg.position = NUM(1);
  enum paging_next e = paging_page_end(&ps, &pg);
  if(e != PAGING_CONTINUE && e != PAGING_END)
    fuzz_fail("paging_page_end: %d", (int)e);
  if(pg.has_more == PAGING_NO && e != PAGING_END)
    fuzz_fail("paging_page_end: hasMore false continues");
  if(pg.total_present && pg.position >= pg.total && e != PAGING_END)
    fuzz_fail("paging_page_end: total reached continues");

  struct paging_finish fin;
  memset(&fin, 0, sizeof fin);
  fin.beyond = NUM(2);
  fin.list_ended = h & 16;
  fin.stopped_by_limit = h & 32;
  fin.last = (h & 64) ? &pg : NULL;
  fin.last_asked = NUM(3);
  struct paging_more more;
  paging_has_more_results(&ps, &fin, &more);
  if(fin.beyond && !more.more)
    fuzz_fail("hasMoreResults false with an item beyond");
  if(!fin.beyond && fin.list_ended && more.more)
    fuzz_fail("hasMoreResults true after the list ended");
  if(!fin.beyond && !fin.list_ended && fin.stopped_by_limit && !more.more)
    fuzz_fail("hasMoreResults false after a limit stopped the walk");

  uint64_t asked = NUM(4), first = NUM(5), next = NUM(6), real = 12345;
  bool capped = paging_capped(asked, first, next, &real);
  if(capped ? !(real == first && first < asked && first && next) : real != asked)
    fuzz_fail("paging_capped(%llu, %llu, %llu): %d, %llu", (unsigned long long)asked,
              (unsigned long long)first, (unsigned long long)next, capped,
              (unsigned long long)real);

  struct paging_limits lim;
  memset(&lim, 0, sizeof lim);
  lim.max_pages = NUM(7);
  lim.max_bytes = NUM(0);
  lim.budget_ms = (int64_t)NUM(1);
  lim.connect_timeout_ms = (int64_t)NUM(2);
  struct paging_usage u;
  memset(&u, 0, sizeof u);
  u.pages = NUM(3);
  u.bytes = NUM(4);
  u.elapsed_ms = (int64_t)NUM(5);
  u.items = NUM(6);
  u.matches = NUM(7);
  enum paging_limit l = paging_may_start(&lim, &u);
  uint64_t mp = lim.max_pages ? lim.max_pages : PAGING_DEFAULT_MAX_PAGES;
  uint64_t mb = lim.max_bytes ? lim.max_bytes : PAGING_MAX_BYTES;
  uint64_t left = paging_bytes_left(&lim, &u);
  if(left > mb || (u.bytes < mb && left != mb - u.bytes) || (u.bytes >= mb && left))
    fuzz_fail("paging_bytes_left: %llu", (unsigned long long)left);
  if(l > PAGING_LIMIT_TIME)
    fuzz_fail("paging_may_start: %d", (int)l);
  if(l == PAGING_LIMIT_NONE && (u.pages >= mp || !left))
    fuzz_fail("paging_may_start: none with pages %llu, bytes left %llu",
              (unsigned long long)u.pages, (unsigned long long)left);
  if((l == PAGING_LIMIT_PAGES) != (u.pages >= mp))
    fuzz_fail("paging_may_start: %d with pages %llu of %llu", (int)l,
              (unsigned long long)u.pages, (unsigned long long)mp);
  if(l == PAGING_LIMIT_TIME && lim.budget_ms <= 0)
    fuzz_fail("paging_may_start: time limit without a budget");
  if(!paging_limit_text(l))
    fuzz_fail("paging_limit_text NULL");

  struct paging_load ld;
  memset(&ld, 0, sizeof ld);
  uint8_t k = (uint8_t)take(&p, end, 1);
  ld.sort = k & 1;
  ld.filtered = k & 2;
  ld.by_id = k & 4;
  ld.provided_objects = k & 8;
  ld.offset = NUM(0);
  enum paging_limit lk = (enum paging_limit)(1 + (k >> 4) % 3);
  size_t msz = (size_t)take(&p, end, 1) % 300;
  char *msg = oac_malloc(msz ? msz : 1);
  memset(msg, 'z', msz ? msz : 1);
  struct paging_outcome out;
  paging_limit_outcome(lk, &lim, &ld, &u, &out, msg, msz);
  if(msz && !memchr(msg, 0, msz))
    fuzz_fail("paging_limit_outcome: message not NUL-terminated");
  if(out.status != 200 && out.status != 413 && out.status != 504)
    fuzz_fail("paging_limit_outcome: status %d", out.status);
  if((out.status == 200) != (out.answer == PAGING_ANSWER_PARTIAL) ||
     (out.status == 504) != (out.answer == PAGING_ANSWER_504) ||
     out.has_more_results != (out.status == 200) || out.token != (out.status == 200))
    fuzz_fail("paging_limit_outcome: answer %d, status %d", (int)out.answer, out.status);
  if(out.status == 200 && (ld.by_id || ld.provided_objects || ld.sort))
    fuzz_fail("paging_limit_outcome: a partial answer for a by-id, provided or sorted load");
  if(out.status == 504 && lk != PAGING_LIMIT_TIME)
    fuzz_fail("paging_limit_outcome: 504 without the time limit");
  if(msz > 1 && out.status != 200 && !msg[0])
    fuzz_fail("paging_limit_outcome: a %d without a message", out.status);
  uint64_t count = NUM(1);
  memset(msg, 'z', msz ? msz : 1);
  bool many = paging_provided_too_many(count, &lim, msg, msz);
  if(many != (count > mp))
    fuzz_fail("paging_provided_too_many(%llu) with %llu pages: %d", (unsigned long long)count,
              (unsigned long long)mp, many);
  if(many && msz && !memchr(msg, 0, msz))
    fuzz_fail("paging_provided_too_many: message not NUL-terminated");
  oac_free(msg);
#undef NUM
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if(size < 1)
    return 0;
  const char *s = (const char *)data + 1;
  size_t n = size - 1;
  switch(data[0] % 5) {
  case 0: link_mode(s, n); break;
  case 1: url_mode(s, n); break;
  case 2: token_mode(s, n); break;
  case 3: path_mode(s, n); break;
  case 4: plan_mode(s, n); break;
  }
  return 0;
}
