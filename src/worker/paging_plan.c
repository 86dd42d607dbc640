/* paging_plan.c - the page arithmetic and the walk's decisions (paging_plan.h). Pure: no
 * I/O, no allocation. */
#include "paging_plan.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static uint64_t sat_add(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

/* FP + Q as a page number, saturating (Q comes from a division, so it is a count). */
static int64_t page_number(int64_t fp, uint64_t q)
{
  if(q > (uint64_t)(INT64_MAX - (fp > 0 ? fp : 0)))
    return INT64_MAX;
  return fp + (int64_t)q;
}

bool paging_style_walks(enum paging_style style)
{
  return style == PAGING_CURSOR || style == PAGING_NEXT_URL || style == PAGING_LINK;
}

/* A next URL, Link or cursor that is a sign more items exist (not one read from the items). */
static bool next_is_sign(const struct paging_settings *ps)
{
  return ps->style == PAGING_NEXT_URL || ps->style == PAGING_LINK ||
         (ps->style == PAGING_CURSOR && !ps->cursor_from_items);
}

bool paging_api_signals_more(const struct paging_settings *ps)
{
  return ps->has_more || ps->has_total || next_is_sign(ps);
}

/* §12.2 "Page sizes": the styles that may ask for limit + 1 (when nothing else tells). */
static bool extra_candidate(const struct paging_settings *ps)
{
  bool style = ps->style == PAGING_OFFSET || ps->style == PAGING_PAGE ||
               (ps->style == PAGING_CURSOR && ps->cursor_from_items);
  return style && !ps->has_more && !ps->has_total;
}

/* The extra item "fits under maxLimit" when it costs no API page more: END is the raw
 * position after the last wanted item (without the extra one), S the page size. */
static bool extra_fits(uint64_t end, uint64_t s)
{
  return s == 0 || end % s != 0;
}

void paging_plan_make(const struct paging_settings *ps, const struct paging_request *rq,
                      struct paging_plan *out)
{
  memset(out, 0, sizeof *out);
  out->first_page = ps->first_page;
  out->last_page = -1;
  if(rq->local && !rq->sort && rq->limit > 0)
    out->matches_wanted = sat_add(sat_add(rq->offset, rq->limit), 1);
  if(ps->style == PAGING_NONE)
    return;

  bool walks = paging_style_walks(ps->style);
  /* The raw position of the first item to read: offset and page styles start at Flow's
   * offset (or the token's position, given as the offset); a local filter reads from the
   * start of the list, since the offset counts matches. Walking styles skip items. */
  uint64_t start = (rq->token || !rq->local) ? rq->offset : 0;
  if(walks) {
    out->walk = true;
    out->skip = rq->token ? rq->token_skip : (rq->local ? 0 : rq->offset);
  }
  uint64_t max = ps->max_limit;

  if(rq->local || rq->limit == 0) {
    /* A walk to the end of the list (or until the caller has its matches): pages of
     * maxLimit when known, else the API's default page. */
    out->ask = ps->has_limit_param ? max : 0;
    out->s = out->ask;
    if(ps->style == PAGING_OFFSET)
      out->api_offset = start;
    else if(ps->style == PAGING_PAGE) {
      out->s = ps->has_limit_param ? max : ps->page_size;
      if(out->s) {
        out->first_page = page_number(ps->first_page, start / out->s);
        out->skip = start % out->s;
      } else
        out->skip = start;   /* the page size is unknown: read from the first page */
    }
    return;
  }

  bool cand = extra_candidate(ps);
  uint64_t limit = rq->limit;
  switch(ps->style) {
  case PAGING_OFFSET:
    out->api_offset = start;
    if(ps->has_limit_param) {
      out->extra = cand && extra_fits(limit, max);
      out->want = sat_add(limit, out->extra);
      out->ask = max ? min_u64(out->want, max) : out->want;
    } else
      out->want = limit;
    out->s = out->ask;
    return;
  case PAGING_PAGE: {
    uint64_t s;
    if(ps->has_limit_param) {
      if(max == 0 || limit < max) {
        /* limit + 1 fits in one page: ask for exactly the items wanted. */
        out->extra = cand;
        s = sat_add(limit, out->extra);
      } else {
        s = max;
        out->extra = cand && extra_fits(sat_add(start, limit), s);
      }
      out->ask = s;
    } else if(ps->page_size) {
      s = ps->page_size;
      out->extra = cand && extra_fits(sat_add(start, limit), s);
    } else {
      /* No page size at all (a compile error upstream): read from the first page. */
      out->want = limit;
      out->skip = start;
      return;
    }
    out->s = s;
    out->want = sat_add(limit, out->extra);
    out->first_page = page_number(ps->first_page, start / s);
    /* the last wanted item's position, saturated at or after START (want >= 1 here), so a
   * saturated end never falls before the first page */
  out->last_page = page_number(ps->first_page, sat_add(start, out->want - 1) / s);
    out->skip = start % s;
    return;
  }
  case PAGING_CURSOR:
  case PAGING_NEXT_URL:
  case PAGING_LINK:
    if(ps->has_limit_param) {
      uint64_t end = sat_add(out->skip, limit);
      out->extra = cand && extra_fits(end, max);
      out->want = sat_add(limit, out->extra);
      uint64_t need = sat_add(out->skip, out->want);
      out->ask = max ? min_u64(need, max) : need;
    } else
      out->want = limit;
    out->s = out->ask;
    return;
  case PAGING_NONE:
    return;
  }
}

uint64_t paging_next_ask(const struct paging_settings *ps, const struct paging_plan *plan,
                         uint64_t got)
{
  if(!ps->has_limit_param)
    return 0;
  if(ps->style == PAGING_PAGE)
    return plan->ask;
  if(plan->want == 0)
    return ps->max_limit;
  uint64_t need = sat_add(plan->skip, plan->want);
  if(got >= need)
    return 0;
  uint64_t rem = need - got;
  return ps->max_limit ? min_u64(rem, ps->max_limit) : rem;
}

enum paging_next paging_page_end(const struct paging_settings *ps, const struct paging_page *pg)
{
  if(pg->has_more == PAGING_NO)
    return PAGING_END;
  if(pg->total_present && pg->position >= pg->total)
    return PAGING_END;
  switch(ps->style) {
  case PAGING_OFFSET:
  case PAGING_PAGE:
    /* An empty page ends; a short non-empty one never does by itself. */
    return pg->received == 0 ? PAGING_END : PAGING_CONTINUE;
  case PAGING_CURSOR:
    if(ps->cursor_from_items) {
      /* an empty page that says hasMore: true goes on (from the same cursor: an empty
       * page has no last item); a page with items goes on with its last item's cursor */
      if(pg->received == 0)
        return pg->has_more == PAGING_YES ? PAGING_CONTINUE : PAGING_END;
      return pg->next_present || pg->has_more == PAGING_YES ? PAGING_CONTINUE : PAGING_END;
    }
    return pg->next_present ? PAGING_CONTINUE : PAGING_END;
  case PAGING_NEXT_URL:
  case PAGING_LINK:
    /* An empty page that still carries a next URL or link continues. */
    return pg->next_present ? PAGING_CONTINUE : PAGING_END;
  case PAGING_NONE:
    break;
  }
  return PAGING_END;
}

void paging_has_more_results(const struct paging_settings *ps, const struct paging_finish *f,
                             struct paging_more *out)
{
  out->more = false;
  out->exact = true;
  if(f->beyond > 0) {          /* an item past the last one returned is in hand */
    out->more = true;
    return;
  }
  if(f->list_ended)
    return;
  if(f->stopped_by_limit) {    /* §12.2: never a silently cut list */
    out->more = true;
    out->exact = false;
    return;
  }
  const struct paging_page *pg = f->last;
  if(!pg) {
    out->exact = false;
    return;
  }
  if(pg->has_more == PAGING_YES || (pg->total_present && pg->position < pg->total) ||
     (next_is_sign(ps) && pg->next_present)) {
    out->more = true;
    return;
  }
  /* "The API returned a full page"; with no size asked, any non-empty page. */
  out->exact = false;
  out->more = f->last_asked ? pg->received >= f->last_asked : pg->received > 0;
}

bool paging_capped(uint64_t asked, uint64_t first, uint64_t next, uint64_t *real_size)
{
  if(asked > 0 && first > 0 && first < asked && next > 0) {
    *real_size = first;
    return true;
  }
  *real_size = asked;
  return false;
}

static uint64_t max_pages(const struct paging_limits *lim)
{
  return lim->max_pages ? lim->max_pages : PAGING_DEFAULT_MAX_PAGES;
}

static uint64_t max_bytes(const struct paging_limits *lim)
{
  return lim->max_bytes ? lim->max_bytes : PAGING_MAX_BYTES;
}

enum paging_limit paging_may_start(const struct paging_limits *lim, const struct paging_usage *u)
{
  if(u->pages >= max_pages(lim))
    return PAGING_LIMIT_PAGES;
  if(u->bytes >= max_bytes(lim))
    return PAGING_LIMIT_BYTES;
  if(lim->budget_ms > 0) {
    /* no signed overflow for any input: the time left saturates (a negative elapsed time
     * leaves more than the budget) and is compared with connect + 1 s by subtraction */
    if(u->elapsed_ms >= lim->budget_ms)
      return PAGING_LIMIT_TIME;
    int64_t left = u->elapsed_ms < 0 && lim->budget_ms > INT64_MAX + u->elapsed_ms
                   ? INT64_MAX : lim->budget_ms - u->elapsed_ms;
    int64_t connect = lim->connect_timeout_ms > 0 ? lim->connect_timeout_ms : 0;
    if(left < connect || left - connect < 1000)
      return PAGING_LIMIT_TIME;
  }
  return PAGING_LIMIT_NONE;
}

uint64_t paging_bytes_left(const struct paging_limits *lim, const struct paging_usage *u)
{
  uint64_t m = max_bytes(lim);
  return u->bytes >= m ? 0 : m - u->bytes;
}

const char *paging_limit_text(enum paging_limit l)
{
  switch(l) {
  case PAGING_LIMIT_PAGES: return "the page limit (--max-pages)";
  case PAGING_LIMIT_BYTES: return "the 64 MiB answer limit";
  case PAGING_LIMIT_TIME: return "the request's time budget";
  case PAGING_LIMIT_NONE: break;
  }
  return "no limit";
}

/* "N items in P pages, reaching the page limit (--max-pages 100)" */
static void describe_reach(char *d, size_t size, enum paging_limit limit,
                           const struct paging_limits *lim, const struct paging_usage *u)
{
  if(limit == PAGING_LIMIT_PAGES)
    snprintf(d, size, "%" PRIu64 " items in %" PRIu64 " pages, reaching the page limit "
             "(--max-pages %" PRIu64 ")", u->items, u->pages, max_pages(lim));
  else
    snprintf(d, size, "%" PRIu64 " items in %" PRIu64 " pages, reaching %s", u->items,
             u->pages, paging_limit_text(limit));
}

void paging_limit_outcome(enum paging_limit limit, const struct paging_limits *lim,
                          const struct paging_load *load, const struct paging_usage *u,
                          struct paging_outcome *out, char *msg, size_t msg_size)
{
  char reach[160];
  describe_reach(reach, sizeof reach, limit, lim, u);
  out->answer = PAGING_ANSWER_413;
  out->status = 413;
  out->has_more_results = false;
  out->token = false;
  if(msg_size)
    msg[0] = '\0';

  if(load->by_id) {
    if(msg_size)
      snprintf(msg, msg_size, "the load by id walks the list and read %s before finding "
               "the object", reach);
    return;
  }
  if(load->provided_objects) {
    if(msg_size)
      snprintf(msg, msg_size, "filterByProvidedObjects walks the list and read %s before "
               "finding every object", reach);
    return;
  }
  if(load->sort) {
    if(limit == PAGING_LIMIT_TIME) {
      out->answer = PAGING_ANSWER_504;
      out->status = 504;
    }
    if(msg_size)
      snprintf(msg, msg_size, "the sort needs the whole list; the walk read %s; a where "
               "mapping or a higher --max-pages lets it through", reach);
    return;
  }
  uint64_t passed = load->filtered ? u->matches : u->items;
  if(load->offset > 0 && passed < load->offset) {
    if(msg_size)
      snprintf(msg, msg_size, "the first %" PRIu64 " pages hold fewer than %" PRIu64
               " %s (%" PRIu64 " read before %s); use the offsetToken or a where mapping",
               u->pages, load->offset, load->filtered ? "matches" : "items", passed,
               paging_limit_text(limit));
    return;
  }
  out->answer = PAGING_ANSWER_PARTIAL;
  out->status = 200;
  out->has_more_results = true;
  out->token = true;
}

bool paging_provided_too_many(uint64_t count, const struct paging_limits *lim, char *msg,
                              size_t msg_size)
{
  if(count <= max_pages(lim))
    return false;
  if(msg_size)
    snprintf(msg, msg_size, "filterByProvidedObjects lists %" PRIu64 " objects, more than "
             "the page limit (--max-pages %" PRIu64 ")", count, max_pages(lim));
  return true;
}
