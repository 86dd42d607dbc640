/* walk.c - a load through an API that pages its lists (walk.h; product.md §12.2).
 *
 * One page at a time: the call built by call.c with the walk's own query parameters (page
 * size, offset, page, cursor) or the next URL, parsed in a page arena that is rewound after
 * each page, so only the items kept (the matches of a local filter; the items wanted) stay
 * in the request's memory. What to ask for and when the list ends are paging_plan.c's
 * decisions; next URLs pass url_next_check; the token is offset_token.c's.
 */
#include "walk.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/sha256.h"
#include "../flow/answer_path.h"
#include "../flow/config.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "../flow/response.h"
#include "call.h"
#include "link.h"
#include "log.h"
#include "offset_token.h"
#include "paging_plan.h"
#include "status.h"
#include "url.h"
#include "server.h"

_Static_assert((int)PAGING_OFFSET == (int)CPG_OFFSET && (int)PAGING_PAGE == (int)CPG_PAGE &&
               (int)PAGING_CURSOR == (int)CPG_CURSOR &&
               (int)PAGING_NEXT_URL == (int)CPG_NEXT_URL && (int)PAGING_LINK == (int)CPG_LINK,
               "paging styles are stored as cache_paging_style");

/* An API position: what fetched (or will fetch) a page. */
struct pos {
  enum offset_token_pos kind;
  const char *str;              /* OT_POS_CURSOR: the cursor; OT_POS_NEXT_URL: absolute URL */
  uint64_t num;                 /* OT_POS_PAGE, OT_POS_OFFSET */
};

/* An item kept for the answer: a copy in the request's memory, and where it was. */
struct kept {
  const cJSON *v;
  struct pos at;                /* the position of its page */
  uint64_t index;               /* its index in that page */
  uint64_t flow_pos;            /* accepted items before it since the walk's start */
};

struct walk {
  struct op_ctx *x;
  const struct cache_plan *pl;
  const struct cache_paging *cp;
  enum cache_op op;
  struct list_filter *lf;
  const struct walk_goal *goal;
  char what[256];
  struct paging_settings ps;
  struct paging_request prq;
  struct paging_plan plan;
  struct paging_limits lim;
  struct paging_usage use;
  const char *server;           /* the selected server URL */
  /* what is collected */
  int local, sort, ids;         /* a local filter; a local sort; filterByProvidedObjects */
  uint64_t accept_skip;         /* accepted items to drop before the first kept one */
  uint64_t stop_at;             /* stop once this many are kept; 0 = to the end */
  uint64_t accepted;            /* accepted items since the walk's start */
  struct kept *kept;
  size_t nkept, cap;
  const char **want_ids;        /* filterByProvidedObjects: IDs still looked for */
  size_t nwant;
  /* where the walk is */
  struct pos cur;               /* the page about to be fetched */
  uint64_t raw_skip;            /* raw items still to drop */
  uint64_t got;                 /* raw items read from the plan's first one */
  uint64_t list_pos;            /* raw list position of the current page's first item */
  uint64_t asked;               /* the page size asked for the current page (0 = none) */
  int ended;                    /* the list ended */
  enum paging_limit stopped;    /* a limit stopped the walk */
  struct paging_page last;
  int have_last;
  uint64_t last_asked;
  uint64_t first_received;      /* items of the walk's first page */
  uint64_t first_asked;         /* the page size asked for the walk's first page */
  int restarted;                /* page style re-planned with the API's real page size */
  int restart;                  /* one_page: re-plan from the start (page style, capped) */
  /* loop detection */
  unsigned char prev_sha[SHA256_DIGEST_LEN];
  int have_prev_sha;
  char *prev_first;             /* the previous page's first item's external ID */
  const char **seen;            /* cursors and URLs followed */
  size_t nseen, seen_cap;
  const char *first_path;       /* the path of the walk's first request */
  /* the query parameters that are secrets (an API key in the query): left out of every
   * next URL kept (and so of the offsetToken), added to every next URL followed */
  const char **secret_names;
  size_t nsecret;
  const char *secret_query;     /* "name=value&..." encoded; NULL = none */
  struct buf id;
};

static enum oac_result walk_fail_nomem(struct walk *w)
{
  return problem_nomem(w->x->p, "out of memory");
}

/* ---- positions and parameters --------------------------------------------------------- */

static char *num_text(struct arena *a, uint64_t v)
{
  return arena_printf(a, "%" PRIu64, v);
}

/* The query parameters of the next page, into the call source: each of the mark's
 * parameters, with a value or none (NULL). */
static enum oac_result page_params(struct walk *w, struct call_src *src, const char **names,
                                   const char **values)
{
  struct cache *c = w->x->c;
  struct arena *a = w->x->a;
  const struct pos *p = &w->cur;
  struct {
    struct cache_str name;
    int set;
  } ps[4] = {
    { w->cp->limit, w->asked > 0 },
    { w->cp->offset, p->kind == OT_POS_OFFSET && p->num > 0 },
    { w->cp->page, p->kind == OT_POS_PAGE },
    { w->cp->cursor, p->kind == OT_POS_CURSOR },
  };
  size_t n = 0;
  for(size_t i = 0; i < 4; i++) {
    if(!ps[i].name.len)
      continue;
    names[n] = cache_str(c, ps[i].name);
    values[n] = NULL;
    if(ps[i].set) {
      values[n] = i == 0 ? num_text(a, w->asked) : i == 3 ? p->str : num_text(a, p->num);
      if(!values[n])
        return walk_fail_nomem(w);
    }
    n++;
  }
  src->set_names = names;
  src->set_values = values;
  src->nset = n;
  return OAC_OK;
}

/* Has the walk followed S already? Records it if not. */
static int seen_before(struct walk *w, const char *s)
{
  for(size_t i = 0; i < w->nseen; i++)
    if(!strcmp(w->seen[i], s))
      return 1;
  if(w->nseen == w->seen_cap) {
    size_t cap = w->seen_cap ? 2 * w->seen_cap : 16;
    const char **n = arena_alloc(w->x->a, cap * sizeof(*n));
    if(!n)
      return 0;                 /* out of memory: no loop check for this one */
    if(w->nseen)
      memcpy(n, w->seen, w->nseen * sizeof(*n));
    w->seen = n;
    w->seen_cap = cap;
  }
  w->seen[w->nseen++] = s;
  return 0;
}

static enum oac_result loop_problem(struct walk *w, const char *why)
{
  return problem_set(w->x->p, 502, "%s: the API's paging loops (%s) after %" PRIu64
                     " pages; the walk was stopped", w->what, why, w->use.pages);
}

/* URL without the query parameters named in w->secret_names, into OUT. */
static void strip_secrets(const struct walk *w, const char *url, struct buf *out)
{
  buf_reset(out);
  size_t qs = strcspn(url, "?#");
  buf_append(out, url, qs);
  if(url[qs] != '?')
    return;
  const char *q = url + qs + 1;
  size_t qlen = strcspn(q, "#");
  int first = 1;
  struct buf enc;
  buf_init(&enc);
  for(size_t i = 0; i < qlen;) {
    size_t n = 0;
    while(i + n < qlen && q[i + n] != '&')
      n++;
    size_t klen = 0;
    while(klen < n && q[i + klen] != '=')
      klen++;
    int secret = 0;
    for(size_t k = 0; k < w->nsecret && !secret; k++) {
      buf_reset(&enc);
      url_encode_query(&enc, w->secret_names[k], strlen(w->secret_names[k]));
      secret = enc.len == klen && enc.data && !memcmp(enc.data, q + i, klen);
    }
    if(!secret && n) {
      buf_putc(out, first ? '?' : '&');
      buf_append(out, q + i, n);
      first = 0;
    }
    i += n + 1;
  }
  buf_free(&enc);
}

/* ---- one page ------------------------------------------------------------------------- */

/* The text of a cursor value: a non-empty string or a number; NULL when absent. */
static const char *cursor_text(struct walk *w, const cJSON *v)
{
  if(cJSON_IsString(v) && v->valuestring[0])
    return arena_strdup(w->x->a, v->valuestring);
  if(cJSON_IsNumber(v)) {
    const char *t = json_num_text(v);
    return t ? arena_strdup(w->x->a, t) : arena_printf(w->x->a, "%.17g", v->valuedouble);
  }
  return NULL;
}

static const cJSON *at_path(struct walk *w, struct cache_str stored, const cJSON *root)
{
  if(!stored.len)
    return NULL;
  return answer_path_eval(cache_str(w->x->c, stored), stored.len, root);
}

/* Reads the total from the header or the answer; 1 when present. */
static int read_total(struct walk *w, const cJSON *root, uint64_t *total)
{
  if(w->cp->total_header.len) {
    struct buf h;
    buf_init(&h);
    int found = upstream_header(w->x->resp, cache_str(w->x->c, w->cp->total_header), &h);
    int ok = 0;
    if(found && h.len && !buf_failed(&h)) {
      char *end;
      unsigned long long v = strtoull(h.data, &end, 10);
      ok = *end == '\0' && h.data[0] != '-';
      *total = v;
    }
    buf_free(&h);
    return ok;
  }
  const cJSON *t = at_path(w, w->cp->total, root);
  if(cJSON_IsNumber(t) && t->valuedouble >= 0) {
    *total = (uint64_t)t->valuedouble;
    return 1;
  }
  return 0;
}

/* The next URL of this answer (absolute, resolved against the request URL) or NULL; a URL
 * that breaks a rule of §12.2 "Safety" is a 502 and nothing is fetched. */
static enum oac_result next_url(struct walk *w, const cJSON *root, const char *request_url,
                                const char **out)
{
  struct op_ctx *x = w->x;
  *out = NULL;
  const char *ref = NULL;
  size_t rlen = 0;
  struct buf h;
  buf_init(&h);
  if(w->cp->style == CPG_LINK) {
    if(upstream_header(x->resp, "Link", &h)) {
      if(buf_failed(&h)) {
        buf_free(&h);
        return walk_fail_nomem(w);
      }
      if(link_find_rel(h.data, h.len, "next", &ref, &rlen) != OAC_OK) {
        buf_free(&h);
        return problem_set(x->p, 502, "%s: the API's Link header is not an RFC 8288 Link "
                           "header, so its next page cannot be found", w->what);
      }
    }
  }
  else {
    const cJSON *v = at_path(w, w->cp->next, root);
    if(cJSON_IsString(v) && v->valuestring[0]) {
      ref = v->valuestring;
      rlen = strlen(ref);
    }
  }
  if(!ref || !rlen) {
    buf_free(&h);
    return OAC_OK;
  }
  struct buf u;
  buf_init(&u);
  enum oac_result r = url_resolve(request_url, strlen(request_url), ref, rlen, &u);
  buf_free(&h);
  if(r == OAC_ENOMEM || buf_failed(&u)) {
    buf_free(&u);
    return walk_fail_nomem(w);
  }
  if(r) {
    buf_free(&u);
    return problem_set(x->p, 502, "%s: the API's next page URL cannot be resolved against "
                       "the request URL; the walk was stopped", w->what);
  }
  enum url_next_rule broken = URL_NEXT_OK;
  r = url_next_check(w->server, w->first_path, w->cp->flags & CPG_F_NEXT_PATH_ANY ? 1 : 0,
                     u.data, &broken);
  if(r == OAC_ENOMEM) {
    buf_free(&u);
    return walk_fail_nomem(w);
  }
  if(r || broken) {
    buf_free(&u);
    return problem_set(x->p, 502, "%s: the API's next page URL was not followed: %s "
                       "(product.md §12.2); nothing was fetched from it", w->what,
                       r ? "the server URL is not an absolute http(s) URL"
                         : url_next_rule_text(broken));
  }
  struct buf kept;
  buf_init(&kept);
  strip_secrets(w, u.data, &kept);
  buf_free(&u);
  *out = buf_failed(&kept) ? NULL : arena_strndup(x->a, kept.data, kept.len);
  buf_free(&kept);
  return *out ? OAC_OK : walk_fail_nomem(w);
}

static enum oac_result keep(struct walk *w, const cJSON *item, uint64_t index)
{
  if(w->nkept == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 64;
    struct kept *n = arena_alloc(w->x->a, cap * sizeof(*n));
    if(!n)
      return walk_fail_nomem(w);
    if(w->nkept)
      memcpy(n, w->kept, w->nkept * sizeof(*n));
    w->kept = n;
    w->cap = cap;
  }
  cJSON *copy = cJSON_Duplicate(item, 1);       /* into the request's arena */
  if(!copy)
    return walk_fail_nomem(w);
  struct kept *k = &w->kept[w->nkept++];
  k->v = copy;
  k->at = w->cur;
  k->index = index;
  k->flow_pos = w->accepted;
  return OAC_OK;
}

/* The external ID of ITEM into w->id; 0 when it has none that can be computed. */
static int item_id(struct walk *w, const cJSON *item)
{
  buf_reset(&w->id);
  return map_external_id(w->x->c, w->x->tv->type, item, &w->id) == OAC_OK &&
         !buf_failed(&w->id) && w->id.data;
}

/* The items of one page: skipped, matched, kept. */
static enum oac_result take_items(struct walk *w, const cJSON **items, size_t n,
                                  struct arena *pa)
{
  struct op_ctx *x = w->x;
  struct map_items mi = { items, n, x->c, type_view_props(x->tv, x->p) };
  struct map_items_memo memo;
  map_items_memo_init(&memo, &mi, x->tv->t->nprops, w->local ? pa : NULL);
  struct filter_src fs = { map_items_memo_get, &memo, mi.props };
  for(size_t i = 0; i < n; i++) {
    if(w->raw_skip) {
      w->raw_skip--;
      continue;
    }
    w->use.items++;
    if(w->goal && w->goal->match_id) {
      if(!item_id(w, items[i]) || strcmp(w->id.data, w->goal->match_id))
        continue;
    }
    else if(w->ids) {
      if(!item_id(w, items[i]))
        continue;
      size_t j = 0;
      while(j < w->nwant && strcmp(w->want_ids[j], w->id.data))
        j++;
      if(j == w->nwant)
        continue;
      w->want_ids[j] = w->want_ids[--w->nwant];
    }
    else if(w->local && !filter_match(w->lf, &fs, i))
      continue;
    w->use.matches++;
    if(w->accept_skip) {
      w->accept_skip--;
      w->accepted++;
      continue;
    }
    enum oac_result r = keep(w, items[i], i);
    w->accepted++;
    if(r)
      return r;
  }
  return OAC_OK;
}

/* Fetches the page at w->cur and takes its items; decides whether the list goes on and
 * moves w->cur to the next page. */
static enum oac_result one_page(struct walk *w, struct arena *pa)
{
  struct op_ctx *x = w->x;
  struct call cl;
  call_init(&cl);
  struct call_src src = { 0 };
  src.lf = w->lf;
  src.what = w->what;
  src.external_id = w->goal ? w->goal->external_id : NULL;
  const char *names[4], *values[4];
  enum oac_result r = page_params(w, &src, names, values);
  if(!r)
    r = call_prepare(x, w->pl, &src, &cl);
  if(!r && !w->secret_names) {
    w->secret_names = cl.secret_names;
    w->nsecret = cl.nsecret;
    w->secret_query = cl.secret_query.len ? arena_strndup(x->a, cl.secret_query.data,
                                                          cl.secret_query.len) : NULL;
    if(cl.secret_query.len && !w->secret_query)
      r = walk_fail_nomem(w);
  }
  if(!r && w->cur.kind == OT_POS_NEXT_URL) {
    /* the next URL as the API gave it (its secrets the request's own); the message shows
     * it without its query */
    buf_reset(&cl.url);
    buf_puts(&cl.url, w->cur.str);
    if(w->secret_query) {
      buf_putc(&cl.url, strchr(w->cur.str, '?') ? '&' : '?');
      buf_puts(&cl.url, w->secret_query);
    }
    buf_reset(&cl.shown);
    buf_append(&cl.shown, w->cur.str, strcspn(w->cur.str, "?#"));
    if(buf_failed(&cl.url) || buf_failed(&cl.shown))
      r = walk_fail_nomem(w);
  }
  if(!w->first_path && !r) {
    /* the path of the first request: what a next URL must keep (§12.2 Safety) */
    const char *u = cl.url.data, *p = strstr(u, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    w->first_path = arena_strndup(x->a, p ? p : "/", p ? strcspn(p, "?#") : 1);
    if(!w->first_path)
      r = walk_fail_nomem(w);
  }
  if(r) {
    call_free(&cl);
    return r;
  }
  uint64_t left = paging_bytes_left(&w->lim, &w->use);
  cl.max_body = left < SIZE_MAX ? (size_t)left : SIZE_MAX;
  r = call_send(x, &cl, NULL);
  if(r && x->p->status == 504 && w->use.pages > 0) {
    /* the budget ran out during a page: a limit like the others (§12.2), the page is not
     * consumed and a token resumes at it */
    memset(x->p, 0, sizeof(*x->p));
    w->stopped = PAGING_LIMIT_TIME;
    call_free(&cl);
    return OAC_OK;
  }
  if(r && cl.too_big && left < ((uint64_t)16 << 20)) {
    /* the answer limit of the walk, not the API's 16 MiB: a limit like the others */
    memset(x->p, 0, sizeof(*x->p));
    w->use.bytes = PAGING_MAX_BYTES;
    w->stopped = PAGING_LIMIT_BYTES;
    call_free(&cl);
    return OAC_OK;
  }
  if(r) {
    call_free(&cl);
    return r;
  }
  w->use.pages++;
  status_page();                                /* §16.4 */
  w->use.bytes += x->resp->body.len;
  w->last_asked = w->asked;

  /* loop: the same body as the previous page */
  unsigned char sha[SHA256_DIGEST_LEN];
  sha256(x->resp->body.data ? x->resp->body.data : "", x->resp->body.len, sha);
  if(w->have_prev_sha && !memcmp(sha, w->prev_sha, sizeof(sha))) {
    call_free(&cl);
    return loop_problem(w, "a page's body is the same as the previous page's");
  }
  memcpy(w->prev_sha, sha, sizeof(sha));
  w->have_prev_sha = 1;

  cJSON *root = NULL;
  json_arena_begin(pa);
  r = answer_json(x, &cl, &root);
  json_arena_begin(x->a);
  /* the request URL without its secrets: next URLs are resolved against it and compared
   * with it */
  struct buf ru;
  buf_init(&ru);
  strip_secrets(w, cl.url.data, &ru);
  char *request_url = buf_failed(&ru) ? NULL : arena_strndup(x->a, ru.data, ru.len);
  buf_free(&ru);
  call_free(&cl);
  if(r)
    return r;
  if(!request_url)
    return walk_fail_nomem(w);

  const cJSON *array = NULL, *single = NULL;
  if(root)
    map_unwrap(x->c, x->tv->type, root, cache_str(x->c, w->pl->items), &array, &single);
  size_t n = array ? (size_t)cJSON_GetArraySize(array) : single ? 1 : 0;
  const cJSON **items = arena_alloc(pa, (n ? n : 1) * sizeof(*items));
  if(!items)
    return walk_fail_nomem(w);
  n = map_objects(array, single, items);

  /* loop: the same first item as the previous page */
  if(n && item_id(w, items[0])) {
    if(w->prev_first && !strcmp(w->prev_first, w->id.data))
      return loop_problem(w, "a page starts with the same item as the previous page");
    w->prev_first = arena_strdup(x->a, w->id.data);
  }
  else
    w->prev_first = NULL;

  /* the signs of this answer */
  struct paging_page pg;
  memset(&pg, 0, sizeof(pg));
  pg.received = n;
  const char *next = NULL, *cursor = NULL;
  if(w->cp->style == CPG_NEXT_URL || w->cp->style == CPG_LINK) {
    if((r = next_url(w, root, request_url, &next)))
      return r;
    pg.next_present = next != NULL;
  }
  else if(w->cp->style == CPG_CURSOR) {
    cursor = cursor_text(w, at_path(w, w->cp->next_cursor, root));
    pg.next_present = cursor != NULL;
  }
  const cJSON *hm = at_path(w, w->cp->has_more, root);
  pg.has_more = cJSON_IsTrue(hm) ? PAGING_YES : cJSON_IsFalse(hm) ? PAGING_NO : PAGING_ABSENT;
  pg.total_present = read_total(w, root, &pg.total);
  pg.position = w->list_pos + n;
  uint64_t size = w->last_asked ? w->last_asked : w->plan.s;
  if(w->cp->style == CPG_PAGE && n > 0 && n < size)
    pg.total_present = false;   /* a short page: the API may cap its pages below the size
                                   asked, so the list position (pages x size) is not known
                                   and the total cannot end the list; the next page does */

  if((r = take_items(w, items, n, pa)))
    return r;
  w->got += n;
  if(w->use.pages == 1) {
    w->first_received = n;
    w->first_asked = w->last_asked;
  }
  w->last = pg;
  w->have_last = 1;
  w->ended = paging_page_end(&w->ps, &pg) == PAGING_END;

  /* the API's real page size (§12.2 "Page sizes") */
  if(w->use.pages == 2 && !w->restarted) {
    uint64_t real;
    if(paging_capped(w->first_asked, w->first_received, n, &real)) {
      log_msg(LOG_INFO, "%s: the API answered %" PRIu64 " items to a page size of %" PRIu64
              ": it caps its pages; maxLimit: %" PRIu64 " in the paging mark says so",
              w->what, w->first_received, w->first_asked, real);
      w->ps.max_limit = real;
      if(w->cp->style == CPG_PAGE && w->plan.first_page != w->ps.first_page) {
        w->restart = 1;         /* the first page was computed with the wrong size */
        return OAC_OK;
      }
    }
  }

  /* the next position */
  w->list_pos += n;
  if(!w->ended) {
    switch(w->cp->style) {
    case CPG_OFFSET:
      w->cur.kind = OT_POS_OFFSET;
      w->cur.num += n;
      break;
    case CPG_PAGE:
      w->cur.kind = OT_POS_PAGE;
      w->cur.num++;
      break;
    case CPG_CURSOR:
      if(!cursor && n == 0 && w->cur.kind == OT_POS_CURSOR)
        break;                  /* an empty page that says more exist: the same cursor */
      if(!cursor && n == 0)
        break;                  /* ... before any cursor: the first page again */
      if(!cursor)
        return problem_set(x->p, 502, "%s: the API says more items exist (hasMore) but its "
                           "answer has no cursor to continue from (paging.nextCursor); the "
                           "walk was stopped", w->what);
      if(seen_before(w, cursor))
        return loop_problem(w, "a cursor came back a second time");
      w->cur.kind = OT_POS_CURSOR;
      w->cur.str = cursor;
      break;
    default:
      if(seen_before(w, next) || !strcmp(next, request_url))
        return loop_problem(w, "a next page URL came back a second time");
      w->cur.kind = OT_POS_NEXT_URL;
      w->cur.str = next;
      break;
    }
  }
  w->asked = paging_next_ask(&w->ps, &w->plan, w->got);
  return OAC_OK;
}

/* ---- the walk ------------------------------------------------------------------------- */

enum oac_result walk_token_list(struct op_ctx *x, enum cache_op op,
                                struct offset_token_list *out)
{
  memset(out, 0, sizeof(*out));
  const char *reg = request_config(x->rq, CFG_SCHEMA_URL);
  out->registration = reg ? reg : "";
  out->binding = x->tv->name;
  out->op = op;
  out->server = x->server;   /* servers (§13.7) */
  if(offset_token_filter_hash(x->rq->list_filter, out->filter_hash))
    return problem_nomem(x->p, "out of memory");
  return OAC_OK;
}

/* The token of the answer: continues at kept item K, or at w->cur when K is NULL. */
static enum oac_result make_token(struct walk *w, const struct offset_token_list *list,
                                  const struct kept *k, uint64_t flow_offset, struct buf *out)
{
  struct offset_token t;
  memset(&t, 0, sizeof(t));
  t.list = *list;
  const struct pos *p = k ? &k->at : &w->cur;
  t.kind = p->kind;
  t.pos_str = p->str;
  t.pos_num = p->num;
  t.consumed = k ? k->index : 0;
  t.offset = flow_offset;
  if(w->sort) {                 /* a sorted list has no API position: walk it again */
    t.kind = OT_POS_FIRST;
    t.pos_str = NULL;
    t.pos_num = 0;
    t.consumed = 0;
  }
  if(t.kind == OT_POS_NEXT_URL) {
    /* path and query only: the server is the request's (§12.2) */
    const char *s = strstr(t.pos_str, "://");
    s = s ? strchr(s + 3, '/') : NULL;
    t.pos_str = s ? s : "/";
  }
  enum oac_result r = offset_token_encode(&t, out);
  if(r == OAC_ELIMIT) {
    buf_reset(out);
    return OAC_OK;              /* over 4 KiB: hasMoreResults true without a token */
  }
  if(r == OAC_ENOMEM)
    return walk_fail_nomem(w);
  if(r)
    return problem_set(w->x->p, 500, "offsetToken: cannot encode the position");
  return OAC_OK;
}

/* Where the walk starts: the first page, or the token's position. */
static enum oac_result walk_start(struct walk *w, const struct offset_token *tok)
{
  struct op_ctx *x = w->x;
  memset(&w->prq, 0, sizeof(w->prq));
  w->prq.limit = (uint64_t)w->lf->limit;
  w->prq.local = w->local || w->ids || (w->goal && w->goal->match_id);
  w->prq.sort = w->sort;
  if(tok && !w->sort) {
    w->prq.token = true;
    w->prq.token_skip = tok->consumed;
    if(tok->kind == OT_POS_OFFSET)
      w->prq.offset = tok->pos_num + tok->consumed;
  }
  else if(!w->prq.local && !w->sort)
    w->prq.offset = (uint64_t)w->lf->offset;
  paging_plan_make(&w->ps, &w->prq, &w->plan);
  w->asked = w->plan.ask;
  w->got = 0;
  w->raw_skip = w->plan.skip;
  w->list_pos = 0;
  memset(&w->cur, 0, sizeof(w->cur));
  switch(w->cp->style) {
  case CPG_OFFSET:
    w->cur.kind = OT_POS_OFFSET;
    w->cur.num = w->plan.api_offset;
    w->list_pos = w->plan.api_offset;
    break;
  case CPG_PAGE:
    w->cur.kind = OT_POS_PAGE;
    w->cur.num = (uint64_t)w->plan.first_page;
    if(tok && !w->sort && tok->kind == OT_POS_PAGE) {
      w->cur.num = tok->pos_num;
      w->raw_skip = tok->consumed;
    }
    if(w->plan.s && (int64_t)w->cur.num >= w->ps.first_page)
      w->list_pos = ((uint64_t)w->cur.num - (uint64_t)w->ps.first_page) * w->plan.s;
    break;
  default:
    w->cur.kind = OT_POS_FIRST;
    break;
  }
  if(tok && !w->sort && (tok->kind == OT_POS_CURSOR || tok->kind == OT_POS_NEXT_URL)) {
    w->cur.kind = tok->kind;
    w->cur.str = tok->pos_str;
    w->raw_skip = tok->consumed;
    if(tok->kind == OT_POS_NEXT_URL) {
      /* the token holds path and query; the server is the request's: checked as a next
       * URL from an answer would be, with a 400 */
      const char *s = strstr(w->server, "://");
      const char *p = s ? strchr(s + 3, '/') : NULL;
      size_t olen = p ? (size_t)(p - w->server) : strlen(w->server);
      char *u = arena_printf(x->a, "%.*s%s", (int)olen, w->server, tok->pos_str);
      if(!u)
        return walk_fail_nomem(w);
      enum url_next_rule broken = URL_NEXT_OK;
      enum oac_result r = url_next_check(w->server, tok->pos_str, 1, u, &broken);
      if(r == OAC_ENOMEM)
        return walk_fail_nomem(w);
      if(r || broken)
        return problem_set(x->p, 400, "listFilter.offsetToken: its next page URL is not "
                           "followed: %s", r ? "it is not a path" : url_next_rule_text(broken));
      w->cur.str = u;
    }
  }
  else if(tok && !w->sort && tok->kind == OT_POS_FIRST)
    w->raw_skip = tok->consumed;
  /* the token's cursor or URL fetched a page already: coming back is a loop */
  if(w->cur.kind == OT_POS_CURSOR || w->cur.kind == OT_POS_NEXT_URL)
    (void)seen_before(w, w->cur.str);
  return OAC_OK;
}

/* The answer's objects and hasMoreResults once the walk is over. */
static enum oac_result answer(struct walk *w, const struct offset_token_list *list,
                              uint64_t flow_offset)
{
  struct op_ctx *x = w->x;
  struct type_view *tv = x->tv;
  struct map_want *want = map_want_build(x->c, tv->type, x->rq->want, x->a);
  if(!want)
    return walk_fail_nomem(w);
  size_t n = w->nkept, first = 0, count = n;
  size_t *idx = arena_alloc(x->a, (n ? n : 1) * 2 * sizeof(*idx));
  const cJSON **items = arena_alloc(x->a, (n ? n : 1) * sizeof(*items));
  if(!idx || !items)
    return walk_fail_nomem(w);
  for(size_t i = 0; i < n; i++) {
    idx[i] = i;
    items[i] = w->kept[i].v;
  }
  struct response rw;
  if(w->ids) {                  /* objectData's order */
    response_begin(&rw, x->out);
    const cJSON *o;
    cJSON_ArrayForEach(o, w->goal->objects) {
      const char *ext = json_get_str(o, "externalId");
      if(!ext || !*ext) {
        char *text = cJSON_PrintUnformatted(o);
        if(!text)
          return walk_fail_nomem(w);
        response_add(&rw, text, strlen(text));
        continue;
      }
      for(size_t i = 0; i < n; i++)
        if(item_id(w, items[i]) && !strcmp(w->id.data, ext)) {
          enum oac_result r = response_add_mapped(&rw, x->c, tv->type, items[i], want, NULL,
                                                  NULL, 0, x->p);
          if(r)
            return r;
          break;
        }
    }
    response_end(&rw, 0);
    return OAC_OK;
  }
  if(w->sort) {
    struct map_items mi = { items, n, x->c, type_view_props(tv, x->p) };
    struct map_items_memo memo;
    map_items_memo_init(&memo, &mi, tv->t->nprops, x->a);
    struct filter_src fs = { map_items_memo_get, &memo, mi.props };
    filter_sort_keyed(w->lf, &fs, idx, n, idx + n, x->a);
    first = flow_offset < n ? (size_t)flow_offset : n;
    count = n - first;
  }
  if(w->lf->limit > 0 && count > (size_t)w->lf->limit)
    count = (size_t)w->lf->limit;
  if(w->goal && w->goal->match_id && count > 1)
    count = 1;
  struct paging_finish f;
  memset(&f, 0, sizeof(f));
  f.beyond = n - first - count;
  f.list_ended = w->ended;
  f.stopped_by_limit = w->stopped != PAGING_LIMIT_NONE;
  f.last = w->have_last ? &w->last : NULL;
  f.last_asked = w->last_asked;
  struct paging_more more;
  paging_has_more_results(&w->ps, &f, &more);
  if(w->goal && w->goal->match_id)
    more.more = false;
  struct buf tok;
  buf_init(&tok);
  enum oac_result r = OAC_OK;
  if(more.more && !(w->goal && w->goal->match_id)) {
    /* at the first item not returned, when in hand; else where the walk would go on */
    const struct kept *k = f.beyond ? &w->kept[idx[first + count]] : NULL;
    r = make_token(w, list, k, flow_offset + count, &tok);
  }
  if(!r && buf_failed(&tok))
    r = walk_fail_nomem(w);
  if(!r) {
    response_begin(&rw, x->out);
    for(size_t i = 0; i < count && !r; i++)
      r = response_add_mapped(&rw, x->c, tv->type, items[idx[first + i]], want, NULL, NULL,
                              0, x->p);
    if(!r)
      response_end_token(&rw, more.more, tok.data, tok.len);
  }
  buf_free(&tok);
  return r;
}

enum oac_result walk_load(struct op_ctx *x, const struct cache_plan *pl, enum cache_op op,
                          struct list_filter *lf, const struct walk_goal *goal)
{
  struct walk w;
  memset(&w, 0, sizeof(w));
  w.x = x;
  w.pl = pl;
  w.cp = &pl->paging;
  w.op = op;
  w.lf = lf;
  w.goal = goal;
  buf_init(&w.id);
  snprintf(w.what, sizeof(w.what), "%s of %s", flow_op_extension(op), x->tv->name);
  w.server = server_url(x, pl);   /* servers (§13.7) */
  const struct cache_paging *cp = w.cp;
  struct cache_str paths[] = { cp->next_cursor, cp->next, cp->has_more, cp->total };
  for(size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
    if(paths[i].len && !answer_path_valid(cache_str(x->c, paths[i]), paths[i].len))
      return problem_set(x->p, 500, "spec cache: a paging answer path of %s is not valid: "
                         "recompile the document", w.what);
  w.ps.style = (enum paging_style)cp->style;
  w.ps.has_limit_param = cp->limit.len > 0;
  w.ps.max_limit = cp->max_limit;
  w.ps.page_size = cp->page_size;
  w.ps.first_page = cp->first_page;
  w.ps.has_more = cp->has_more.len > 0;
  w.ps.has_total = cp->total.len > 0 || cp->total_header.len > 0;
  w.ps.cursor_from_items = (cp->flags & CPG_F_CURSOR_IN_ITEMS) != 0;
  w.lim.max_pages = x->max_pages;
  w.lim.budget_ms = upstream_left_ms(x->up);
  w.lim.connect_timeout_ms = upstream_connect_ms(x->up);
  if(w.lim.budget_ms < 2 * (w.lim.connect_timeout_ms + 1000))
    w.lim.budget_ms = 0;        /* a budget this short would allow one page: pages start
                                   while any is left, and one that runs out of it ends the
                                   walk like the limit (one_page) */
  long budget_at_start = upstream_left_ms(x->up);

  w.ids = goal && goal->objects;
  w.local = !w.ids && !(goal && goal->match_id) && filter_is_local(lf);
  w.sort = w.local && lf->norder > 0 && !lf->order_pushed;
  if(w.ids) {
    size_t n = (size_t)cJSON_GetArraySize(goal->objects);
    w.want_ids = arena_alloc(x->a, (n ? n : 1) * sizeof(*w.want_ids));
    if(!w.want_ids)
      return walk_fail_nomem(&w);
    const cJSON *o;
    cJSON_ArrayForEach(o, goal->objects) {
      const char *ext = json_get_str(o, "externalId");
      if(ext && *ext)
        w.want_ids[w.nwant++] = ext;
    }
    char msg[256];
    if(paging_provided_too_many(w.nwant, &w.lim, msg, sizeof(msg)))
      return problem_set(x->p, 413, "%s: %s", w.what, msg);
  }

  /* the offsetToken (§12.2) */
  struct offset_token_list list;
  enum oac_result r = walk_token_list(x, op, &list);
  if(r)
    return r;
  struct offset_token tok, *use_tok = NULL;
  if(lf->offset_token && !w.ids && !(goal && goal->match_id)) {
    enum offset_token_why why;
    r = offset_token_decode(lf->offset_token, strlen(lf->offset_token), &list, x->a, &tok,
                            &why);
    if(r == OAC_ENOMEM)
      return walk_fail_nomem(&w);
    if(r)
      return problem_set(x->p, 400, "listFilter.offsetToken: %s", offset_token_why_str(why));
    /* a position of another kind than the plan's style (a document recompiled with other
     * paging since): not this list's */
    static const unsigned char kind_of[CPG_MAX] = {
      [CPG_OFFSET] = OT_POS_OFFSET, [CPG_PAGE] = OT_POS_PAGE, [CPG_CURSOR] = OT_POS_CURSOR,
      [CPG_NEXT_URL] = OT_POS_NEXT_URL, [CPG_LINK] = OT_POS_NEXT_URL
    };
    if(tok.kind != OT_POS_FIRST && (cp->style >= CPG_MAX || tok.kind != kind_of[cp->style]))
      return problem_set(x->p, 400, "listFilter.offsetToken: %s",
                         offset_token_why_str(OT_ANOTHER_LIST));
    if(offset_token_used(lf->offset, &tok))
      use_tok = &tok;
    else
      log_msg(LOG_DEBUG, "%s: the offsetToken is ignored: listFilter.offset %ld differs from "
              "its offset %" PRIu64 "", w.what, lf->offset, tok.offset);
  }
  uint64_t flow_offset = use_tok ? use_tok->offset : (uint64_t)lf->offset;
  w.accept_skip = w.local && !w.sort && !use_tok ? (uint64_t)lf->offset : 0;
  if(w.sort)
    w.stop_at = 0;
  else if(goal && goal->match_id)
    w.stop_at = 1;
  else if(lf->limit > 0)
    w.stop_at = (uint64_t)lf->limit + (w.local ? 1 : 0);

  struct arena pa;
  arena_init(&pa, 0);
  for(int attempt = 0;; attempt++) {
    if((r = walk_start(&w, use_tok)))
      break;
    if(!w.local && !w.sort && w.stop_at && w.plan.extra)
      w.stop_at = (uint64_t)lf->limit + 1;
    while(!w.ended && w.stopped == PAGING_LIMIT_NONE) {
      if(w.ids && !w.nwant)
        break;
      if(w.stop_at && w.nkept >= w.stop_at)
        break;
      w.use.elapsed_ms = budget_at_start - upstream_left_ms(x->up);
      w.stopped = paging_may_start(&w.lim, &w.use);
      if(w.stopped == PAGING_LIMIT_TIME && w.use.pages == 0)
        w.stopped = PAGING_LIMIT_NONE;  /* the first page is the one call of Part 1: the
                                           timeout alone governs it */
      if(w.stopped)
        break;
      r = one_page(&w, &pa);
      arena_reset(&pa);
      if(r || w.restart)
        break;
    }
    if(!r && w.restart && attempt == 0) {
      /* page style: re-planned with the API's real page size, from the start */
      w.restarted = 1;
      w.nkept = 0;
      w.accepted = 0;
      w.ended = 0;
      w.restart = 0;
      w.stopped = PAGING_LIMIT_NONE;
      w.have_prev_sha = 0;
      w.nseen = 0;
      w.prev_first = NULL;
      w.accept_skip = w.local && !w.sort && !use_tok ? (uint64_t)lf->offset : 0;
      continue;
    }
    break;
  }
  arena_free(&pa);
  buf_free(&w.id);
  if(r)
    return r;
  if(goal && goal->match_id && w.nkept) {
    w.stopped = PAGING_LIMIT_NONE;
    w.ended = 1;
  }
  if(w.ids && !w.nwant)
    w.stopped = PAGING_LIMIT_NONE;
  if(w.stopped != PAGING_LIMIT_NONE) {
    struct paging_load ld = { 0 };
    ld.sort = w.sort;
    ld.filtered = w.local;
    ld.offset = use_tok ? 0 : (uint64_t)lf->offset;
    ld.by_id = goal && (goal->match_id || goal->external_id);
    ld.provided_objects = w.ids;
    struct paging_outcome out;
    char msg[400];
    if(!w.local)
      w.use.items = w.list_pos; /* the list position reached: what the API skipped (an
                                   offset sent) and what the walk dropped count as passed */
    paging_limit_outcome(w.stopped, &w.lim, &ld, &w.use, &out, msg, sizeof(msg));
    if(out.answer != PAGING_ANSWER_PARTIAL)
      return problem_set(x->p, out.status, "%s: %s", w.what, msg);
    log_msg(LOG_INFO, "%s: %s stopped the walk after %" PRIu64 " pages; the answer says "
            "hasMoreResults and carries an offsetToken", w.what,
            paging_limit_text(w.stopped), w.use.pages);
  }
  if(goal && goal->match_id && !w.nkept) {
    response_empty(x->out);
    return OAC_OK;
  }
  r = answer(&w, &list, flow_offset);
  buf_free(&w.id);              /* filterByProvidedObjects: answer() reads IDs again */
  return r;
}
