/* check_paging_plan.c - the page arithmetic and the walk's decisions (paging_plan.h):
 * product.md §12.1 end-of-list rules and §12.2 "Flow asks for one page", "Page sizes",
 * "hasMoreResults", "Limits".
 *
 * Every expected value in these tables was worked out by hand from the spec text (the
 * arithmetic is written beside each row), not by running the code. */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <string.h>
#include "../../src/worker/paging_plan.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MIB ((uint64_t)1024 * 1024)

/* Settings shorthands: style, limit parameter, maxLimit, pageSize, firstPage, hasMore,
 * total, cursor from items. */
#define SET(st, lp, max, psz, fp, hm, tot, fi) \
  { .style = (st), .has_limit_param = (lp), .max_limit = (max), .page_size = (psz), \
    .first_page = (fp), .has_more = (hm), .has_total = (tot), .cursor_from_items = (fi) }

/* ---- 1. plans --------------------------------------------------------------------------- */

struct plan_row {
  const char *name;
  struct paging_settings ps;
  struct paging_request rq;
  struct paging_plan want;
};

/* Fields of the expected plan: ask, s, extra, want, matches_wanted, walk, skip,
 * first_page, last_page, api_offset. */
#define PLAN(a, sz, x, n, mw, w, sk, fp, lp, ao) \
  { .ask = (a), .s = (sz), .extra = (x), .want = (n), .matches_wanted = (mw), .walk = (w), \
    .skip = (sk), .first_page = (fp), .last_page = (lp), .api_offset = (ao) }

static const struct plan_row plan_rows[] = {
  /* offset style ------------------------------------------------------------------------ */
  { "offset: limit 10 < maxLimit 100, no signs: limit+1 asked",
    SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false), { .offset = 0, .limit = 10 },
    PLAN(11, 11, true, 11, 0, false, 0, 1, -1, 0) },
  { "offset: limit = maxLimit: limit+1 does not fit, no extra",
    SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false), { .offset = 25, .limit = 100 },
    PLAN(100, 100, false, 100, 0, false, 0, 1, -1, 25) },
  { "offset: limit 250 > maxLimit 100: extra fits in the third call (250 % 100 = 50)",
    SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false), { .offset = 7, .limit = 250 },
    PLAN(100, 100, true, 251, 0, false, 0, 1, -1, 7) },
  { "offset: limit 300 > maxLimit 100, 300 % 100 = 0: no extra",
    SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false), { .offset = 0, .limit = 300 },
    PLAN(100, 100, false, 300, 0, false, 0, 1, -1, 0) },
  { "offset: hasMore carried: no extra, maxLimit unknown: ask limit",
    SET(PAGING_OFFSET, true, 0, 0, 1, true, false, false), { .offset = 3, .limit = 10 },
    PLAN(10, 10, false, 10, 0, false, 0, 1, -1, 3) },
  { "offset: total carried: no extra",
    SET(PAGING_OFFSET, true, 0, 0, 1, false, true, false), { .offset = 0, .limit = 10 },
    PLAN(10, 10, false, 10, 0, false, 0, 1, -1, 0) },
  { "offset: maxLimit unknown, no signs: limit+1",
    SET(PAGING_OFFSET, true, 0, 0, 1, false, false, false), { .offset = 15, .limit = 10 },
    PLAN(11, 11, true, 11, 0, false, 0, 1, -1, 15) },
  { "offset: no limit parameter: nothing asked, no extra",
    SET(PAGING_OFFSET, false, 0, 0, 1, false, false, false), { .offset = 15, .limit = 10 },
    PLAN(0, 0, false, 10, 0, false, 0, 1, -1, 15) },
  { "offset: whole list with maxLimit 50: pages of 50 from the offset",
    SET(PAGING_OFFSET, true, 50, 0, 1, false, false, false), { .offset = 30, .limit = 0 },
    PLAN(50, 50, false, 0, 0, false, 0, 1, -1, 30) },
  { "offset: whole list, maxLimit unknown: no size sent",
    SET(PAGING_OFFSET, true, 0, 0, 1, false, false, false), { .offset = 0, .limit = 0 },
    PLAN(0, 0, false, 0, 0, false, 0, 1, -1, 0) },
  { "offset: local filter: from offset 0, pages of maxLimit, 20+5+1 = 26 matches",
    SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false),
    { .offset = 20, .limit = 5, .local = true },
    PLAN(100, 100, false, 0, 26, false, 0, 1, -1, 0) },
  { "offset: local sort: the whole list (matches_wanted 0)",
    SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false),
    { .offset = 20, .limit = 5, .local = true, .sort = true },
    PLAN(100, 100, false, 0, 0, false, 0, 1, -1, 0) },
  { "offset: local filter with a token: starts at the token's position 40",
    SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false),
    { .offset = 40, .limit = 5, .local = true, .token = true },
    PLAN(100, 100, false, 0, 46, false, 0, 1, -1, 40) },
  /* page style -------------------------------------------------------------------------- */
  { "page: offset 15 limit 10, fp 1: s = 11, pages 15/11+1 = 2 .. 25/11+1 = 3, skip 4",
    SET(PAGING_PAGE, true, 100, 0, 1, false, false, false), { .offset = 15, .limit = 10 },
    PLAN(11, 11, true, 11, 0, false, 4, 2, 3, 0) },
  { "page: offset 20 limit 10, fp 0, maxLimit unknown: s = 11, pages 1 .. 30/11 = 2, skip 9",
    SET(PAGING_PAGE, true, 0, 0, 0, false, false, false), { .offset = 20, .limit = 10 },
    PLAN(11, 11, true, 11, 0, false, 9, 1, 2, 0) },
  { "page: hasMore: s = 10, offset 20: page 20/10+1 = 3 only, skip 0",
    SET(PAGING_PAGE, true, 0, 0, 1, true, false, false), { .offset = 20, .limit = 10 },
    PLAN(10, 10, false, 10, 0, false, 0, 3, 3, 0) },
  { "page: limit = maxLimit 100 at offset 0: 100 % 100 = 0, no extra, page 1",
    SET(PAGING_PAGE, true, 100, 0, 1, false, false, false), { .offset = 0, .limit = 100 },
    PLAN(100, 100, false, 100, 0, false, 0, 1, 1, 0) },
  { "page: limit = maxLimit at offset 5: 105 % 100 = 5, extra free: pages 1 .. 105/100+1 = 2",
    SET(PAGING_PAGE, true, 100, 0, 1, false, false, false), { .offset = 5, .limit = 100 },
    PLAN(100, 100, true, 101, 0, false, 5, 1, 2, 0) },
  { "page: limit 250 > maxLimit 100, offset 30: n 251, pages 1 .. 280/100+1 = 3, skip 30",
    SET(PAGING_PAGE, true, 100, 0, 1, false, false, false), { .offset = 30, .limit = 250 },
    PLAN(100, 100, true, 251, 0, false, 30, 1, 3, 0) },
  { "page: limit 250 > maxLimit 100, offset 50: 300 % 100 = 0, no extra, pages 1 .. 3",
    SET(PAGING_PAGE, true, 100, 0, 1, false, false, false), { .offset = 50, .limit = 250 },
    PLAN(100, 100, false, 250, 0, false, 50, 1, 3, 0) },
  { "page: pageSize 30 (no limit parameter), fp 1, offset 45 limit 10: page 2, skip 15",
    SET(PAGING_PAGE, false, 0, 30, 1, false, false, false), { .offset = 45, .limit = 10 },
    PLAN(0, 30, true, 11, 0, false, 15, 2, 2, 0) },
  { "page: pageSize 30, fp 0, offset 50 limit 10: 60 % 30 = 0, no extra, page 1, skip 20",
    SET(PAGING_PAGE, false, 0, 30, 0, false, false, false), { .offset = 50, .limit = 10 },
    PLAN(0, 30, false, 10, 0, false, 20, 1, 1, 0) },
  { "page: pageSize 30, fp 1, offset 25 limit 10: pages 1 .. 35/30+1 = 2, skip 25",
    SET(PAGING_PAGE, false, 0, 30, 1, false, false, false), { .offset = 25, .limit = 10 },
    PLAN(0, 30, true, 11, 0, false, 25, 1, 2, 0) },
  { "page: pageSize 20 with total: no extra, offset 40 limit 20: page 3 only",
    SET(PAGING_PAGE, false, 0, 20, 1, false, true, false), { .offset = 40, .limit = 20 },
    PLAN(0, 20, false, 20, 0, false, 0, 3, 3, 0) },
  { "page: whole list with pageSize 30 from offset 0: page 1, open end",
    SET(PAGING_PAGE, false, 0, 30, 1, false, false, false), { .offset = 0, .limit = 0 },
    PLAN(0, 30, false, 0, 0, false, 0, 1, -1, 0) },
  { "page: whole list, maxLimit 50, offset 120: page 120/50+1 = 3, skip 20",
    SET(PAGING_PAGE, true, 50, 0, 1, false, false, false), { .offset = 120, .limit = 0 },
    PLAN(50, 50, false, 0, 0, false, 20, 3, -1, 0) },
  { "page: whole list, size unknown: from the first page, skip the offset",
    SET(PAGING_PAGE, true, 0, 0, 1, false, false, false), { .offset = 7, .limit = 0 },
    PLAN(0, 0, false, 0, 0, false, 7, 1, -1, 0) },
  { "page: local filter: from page 1 (fp 1), pages of 100, 30+10+1 = 41 matches",
    SET(PAGING_PAGE, true, 100, 0, 1, false, false, false),
    { .offset = 30, .limit = 10, .local = true },
    PLAN(100, 100, false, 0, 41, false, 0, 1, -1, 0) },
  { "page: offset UINT64_MAX (fuzz_paging): the end saturates at the start, last = first",
    SET(PAGING_PAGE, true, 1000, 0, 255, true, false, false),
    { .offset = UINT64_MAX, .limit = 255, .token = true },
    PLAN(255, 255, false, 255, 0, false, 0, 255 + UINT64_MAX / 255, 255 + UINT64_MAX / 255,
         0) },
  /* walking styles ---------------------------------------------------------------------- */
  { "cursor from items: limit 10, maxLimit 100: extra, ask 11, walk",
    SET(PAGING_CURSOR, true, 100, 0, 1, false, false, true), { .offset = 0, .limit = 10 },
    PLAN(11, 11, true, 11, 0, true, 0, 1, -1, 0) },
  { "cursor from items with hasMore: no extra",
    SET(PAGING_CURSOR, true, 100, 0, 1, true, false, true), { .offset = 0, .limit = 10 },
    PLAN(10, 10, false, 10, 0, true, 0, 1, -1, 0) },
  { "cursor not from items: no extra; offset 30 walked: ask 30+10 = 40",
    SET(PAGING_CURSOR, true, 100, 0, 1, false, false, false), { .offset = 30, .limit = 10 },
    PLAN(40, 40, false, 10, 0, true, 30, 1, -1, 0) },
  { "cursor from items: offset 95 limit 5: 100 % 100 = 0, no extra, ask 100",
    SET(PAGING_CURSOR, true, 100, 0, 1, false, false, true), { .offset = 95, .limit = 5 },
    PLAN(100, 100, false, 5, 0, true, 95, 1, -1, 0) },
  { "cursor from items: offset 95 limit 10: extra, 106 needed, ask 100",
    SET(PAGING_CURSOR, true, 100, 0, 1, false, false, true), { .offset = 95, .limit = 10 },
    PLAN(100, 100, true, 11, 0, true, 95, 1, -1, 0) },
  { "cursor with a token: skip the 3 consumed items, ask 3+10 = 13",
    SET(PAGING_CURSOR, true, 100, 0, 1, false, false, false),
    { .offset = 0, .limit = 10, .token = true, .token_skip = 3 },
    PLAN(13, 13, false, 10, 0, true, 3, 1, -1, 0) },
  { "cursor from items, local filter: pages of 100 from the start, 5+10+1 matches",
    SET(PAGING_CURSOR, true, 100, 0, 1, false, false, true),
    { .offset = 5, .limit = 10, .local = true },
    PLAN(100, 100, false, 0, 16, true, 0, 1, -1, 0) },
  { "next-url without a limit parameter: walk, skip 20, nothing asked",
    SET(PAGING_NEXT_URL, false, 0, 0, 1, false, false, false), { .offset = 20, .limit = 10 },
    PLAN(0, 0, false, 10, 0, true, 20, 1, -1, 0) },
  { "link, whole list, maxLimit 100: pages of 100, skip 10",
    SET(PAGING_LINK, true, 100, 0, 1, false, false, false), { .offset = 10, .limit = 0 },
    PLAN(100, 100, false, 0, 0, true, 10, 1, -1, 0) },
  { "link, whole list, maxLimit unknown: no size sent",
    SET(PAGING_LINK, true, 0, 0, 1, false, false, false), { .offset = 0, .limit = 0 },
    PLAN(0, 0, false, 0, 0, true, 0, 1, -1, 0) },
  { "no paging: an empty plan",
    SET(PAGING_NONE, true, 100, 0, 1, false, false, false), { .offset = 5, .limit = 10 },
    PLAN(0, 0, false, 0, 0, false, 0, 1, -1, 0) },
};

START_TEST(test_plan)
{
  const struct plan_row *r = &plan_rows[_i];
  struct paging_plan p;
  memset(&p, 0xa5, sizeof p);
  paging_plan_make(&r->ps, &r->rq, &p);
  const struct paging_plan *w = &r->want;
  ck_assert_msg(p.ask == w->ask, "%s: ask %llu", r->name, (unsigned long long)p.ask);
  ck_assert_msg(p.s == w->s, "%s: s %llu", r->name, (unsigned long long)p.s);
  ck_assert_msg(p.extra == w->extra, "%s: extra %d", r->name, p.extra);
  ck_assert_msg(p.want == w->want, "%s: want %llu", r->name, (unsigned long long)p.want);
  ck_assert_msg(p.matches_wanted == w->matches_wanted, "%s: matches_wanted %llu", r->name,
                (unsigned long long)p.matches_wanted);
  ck_assert_msg(p.walk == w->walk, "%s: walk %d", r->name, p.walk);
  ck_assert_msg(p.skip == w->skip, "%s: skip %llu", r->name, (unsigned long long)p.skip);
  ck_assert_msg(p.first_page == w->first_page, "%s: first_page %lld", r->name,
                (long long)p.first_page);
  ck_assert_msg(p.last_page == w->last_page, "%s: last_page %lld", r->name,
                (long long)p.last_page);
  ck_assert_msg(p.api_offset == w->api_offset, "%s: api_offset %llu", r->name,
                (unsigned long long)p.api_offset);
}
END_TEST

/* A limit over maxLimit served by several calls: the sizes asked one after the other. */
struct step_row {
  const char *name;
  struct paging_settings ps;
  struct paging_request rq;
  uint64_t got;
  uint64_t ask;
};

static const struct step_row step_rows[] = {
  /* offset 7, limit 250, maxLimit 100: n = 251 -> 100, 100, 51, then nothing */
  { "limit 250: first call", SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false),
    { .offset = 7, .limit = 250 }, 0, 100 },
  { "limit 250: after 100", SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false),
    { .offset = 7, .limit = 250 }, 100, 100 },
  { "limit 250: after 200", SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false),
    { .offset = 7, .limit = 250 }, 200, 51 },
  { "limit 250: after a short page of 60 then 100: 251-160 = 91",
    SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false),
    { .offset = 7, .limit = 250 }, 160, 91 },
  { "limit 250: all 251 in hand", SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false),
    { .offset = 7, .limit = 250 }, 251, 0 },
  { "whole list: always maxLimit", SET(PAGING_OFFSET, true, 50, 0, 1, false, false, false),
    { .offset = 0, .limit = 0 }, 5000, 50 },
  { "no limit parameter: never a size", SET(PAGING_OFFSET, false, 0, 0, 1, false, false, false),
    { .offset = 0, .limit = 10 }, 3, 0 },
  { "page style: the same s every page", SET(PAGING_PAGE, true, 100, 0, 1, false, false, false),
    { .offset = 30, .limit = 250 }, 200, 100 },
  /* cursor from items, offset 95 limit 10: 95 + 11 = 106 raw items: 100, then 6 */
  { "cursor walk: after the first 100 raw items",
    SET(PAGING_CURSOR, true, 100, 0, 1, false, false, true), { .offset = 95, .limit = 10 },
    100, 6 },
};

START_TEST(test_next_ask)
{
  const struct step_row *r = &step_rows[_i];
  struct paging_plan p;
  paging_plan_make(&r->ps, &r->rq, &p);
  uint64_t a = paging_next_ask(&r->ps, &p, r->got);
  ck_assert_msg(a == r->ask, "%s: asked %llu, want %llu", r->name, (unsigned long long)a,
                (unsigned long long)r->ask);
}
END_TEST

/* A Flow offset or limit near UINT64_MAX saturates instead of wrapping to small pages. */
START_TEST(test_plan_saturates)
{
  struct paging_settings ps = SET(PAGING_PAGE, true, 0, 0, 1, false, false, false);
  struct paging_request rq = { .offset = UINT64_MAX - 1, .limit = UINT64_MAX };
  struct paging_plan p;
  paging_plan_make(&ps, &rq, &p);
  ck_assert(p.want == UINT64_MAX);
  ck_assert(p.first_page >= 1);
  ck_assert(p.last_page >= p.first_page);
}
END_TEST

/* ---- 2. end of list --------------------------------------------------------------------- */

struct end_row {
  const char *name;
  struct paging_settings ps;
  struct paging_page pg;
  enum paging_next want;
};

#define PG(rcv, nxt, hm, tp, tot, pos) \
  { .received = (rcv), .next_present = (nxt), .has_more = (hm), .total_present = (tp), \
    .total = (tot), .position = (pos) }
#define S_OFF SET(PAGING_OFFSET, true, 100, 0, 1, false, false, false)
#define S_OFF_HM SET(PAGING_OFFSET, true, 100, 0, 1, true, false, false)
#define S_OFF_TOT SET(PAGING_OFFSET, true, 100, 0, 1, false, true, false)
#define S_PAGE SET(PAGING_PAGE, true, 100, 0, 1, false, false, false)
#define S_CUR_ITEMS SET(PAGING_CURSOR, true, 100, 0, 1, false, false, true)
#define S_CUR_ITEMS_HM SET(PAGING_CURSOR, true, 100, 0, 1, true, false, true)
#define S_CUR SET(PAGING_CURSOR, true, 100, 0, 1, false, false, false)
#define S_CUR_HM SET(PAGING_CURSOR, true, 100, 0, 1, true, false, false)
#define S_NEXT SET(PAGING_NEXT_URL, true, 100, 0, 1, false, false, false)
#define S_NEXT_HM SET(PAGING_NEXT_URL, true, 100, 0, 1, true, false, false)
#define S_NEXT_TOT SET(PAGING_NEXT_URL, true, 100, 0, 1, false, true, false)
#define S_LINK SET(PAGING_LINK, true, 100, 0, 1, false, false, false)
#define S_NONE SET(PAGING_NONE, false, 0, 0, 1, false, false, false)

static const struct end_row end_rows[] = {
  /* offset and page: an empty page ends, a short one never does (§12.1) */
  { "offset: full page continues", S_OFF, PG(100, false, PAGING_ABSENT, false, 0, 100),
    PAGING_CONTINUE },
  { "offset: short non-empty page continues", S_OFF, PG(3, false, PAGING_ABSENT, false, 0, 3),
    PAGING_CONTINUE },
  { "offset: empty page ends", S_OFF, PG(0, false, PAGING_ABSENT, false, 0, 40), PAGING_END },
  { "offset: hasMore false ends a full page", S_OFF_HM,
    PG(100, false, PAGING_NO, false, 0, 100), PAGING_END },
  { "offset: hasMore true continues", S_OFF_HM, PG(100, false, PAGING_YES, false, 0, 100),
    PAGING_CONTINUE },
  { "offset: hasMore true on an empty page still ends (offset + 0 repeats the request)",
    S_OFF_HM, PG(0, false, PAGING_YES, false, 0, 100), PAGING_END },
  { "offset: position 50 = total 50 ends", S_OFF_TOT, PG(10, false, PAGING_ABSENT, true, 50, 50),
    PAGING_END },
  { "offset: position 60 > total 50 ends", S_OFF_TOT,
    PG(10, false, PAGING_ABSENT, true, 50, 60), PAGING_END },
  { "offset: position 40 < total 50 continues", S_OFF_TOT,
    PG(10, false, PAGING_ABSENT, true, 50, 40), PAGING_CONTINUE },
  { "page: short page continues at the next page", S_PAGE,
    PG(7, false, PAGING_ABSENT, false, 0, 7), PAGING_CONTINUE },
  { "page: empty page ends", S_PAGE, PG(0, false, PAGING_ABSENT, false, 0, 30), PAGING_END },
  { "page: total 0 on the first page ends", S_PAGE, PG(0, false, PAGING_ABSENT, true, 0, 0),
    PAGING_END },
  /* cursor read from the items */
  { "cursor from items: non-empty page with its cursor continues", S_CUR_ITEMS,
    PG(5, true, PAGING_ABSENT, false, 0, 5), PAGING_CONTINUE },
  { "cursor from items: empty page ends", S_CUR_ITEMS,
    PG(0, false, PAGING_ABSENT, false, 0, 5), PAGING_END },
  { "cursor from items: last item without an id (no cursor) ends", S_CUR_ITEMS,
    PG(5, false, PAGING_ABSENT, false, 0, 5), PAGING_END },
  { "cursor from items: has_more false ends (Stripe's last page)", S_CUR_ITEMS_HM,
    PG(10, true, PAGING_NO, false, 0, 10), PAGING_END },
  { "cursor from items: has_more true continues", S_CUR_ITEMS_HM,
    PG(10, true, PAGING_YES, false, 0, 10), PAGING_CONTINUE },
  { "cursor from items: an empty page with has_more true continues (same cursor)",
    S_CUR_ITEMS_HM, PG(0, false, PAGING_YES, false, 0, 10), PAGING_CONTINUE },
  { "cursor from items: an empty page with has_more absent ends", S_CUR_ITEMS_HM,
    PG(0, false, PAGING_ABSENT, false, 0, 10), PAGING_END },
  { "cursor from items: has_more true without a cursor goes on (the walk refuses it)",
    S_CUR_ITEMS_HM, PG(10, false, PAGING_YES, false, 0, 10), PAGING_CONTINUE },
  /* cursor not from the items */
  { "cursor: empty page that still carries a cursor continues", S_CUR,
    PG(0, true, PAGING_ABSENT, false, 0, 10), PAGING_CONTINUE },
  { "cursor: empty page with a cursor and hasMore false ends", S_CUR_HM,
    PG(0, true, PAGING_NO, false, 0, 10), PAGING_END },
  { "cursor: empty page with a cursor and hasMore true continues", S_CUR_HM,
    PG(0, true, PAGING_YES, false, 0, 10), PAGING_CONTINUE },
  { "cursor: a missing/null/\"\" cursor ends a full page", S_CUR,
    PG(100, false, PAGING_ABSENT, false, 0, 100), PAGING_END },
  { "cursor: short page with a cursor continues", S_CUR, PG(4, true, PAGING_ABSENT, false, 0, 4),
    PAGING_CONTINUE },
  /* next-url */
  { "next-url: empty page with a next URL continues", S_NEXT,
    PG(0, true, PAGING_ABSENT, false, 0, 0), PAGING_CONTINUE },
  { "next-url: no next URL ends", S_NEXT, PG(20, false, PAGING_ABSENT, false, 0, 20),
    PAGING_END },
  { "next-url: hasMore true but no next URL ends", S_NEXT_HM,
    PG(20, false, PAGING_YES, false, 0, 20), PAGING_END },
  { "next-url: next URL beside hasMore false ends", S_NEXT_HM,
    PG(20, true, PAGING_NO, false, 0, 20), PAGING_END },
  { "next-url: next URL but total reached ends", S_NEXT_TOT,
    PG(20, true, PAGING_ABSENT, true, 40, 40), PAGING_END },
  { "next-url: next URL, total not reached continues", S_NEXT_TOT,
    PG(20, true, PAGING_ABSENT, true, 41, 40), PAGING_CONTINUE },
  /* link */
  { "link: empty page with rel=next continues", S_LINK,
    PG(0, true, PAGING_ABSENT, false, 0, 30), PAGING_CONTINUE },
  { "link: short page with rel=next continues", S_LINK,
    PG(3, true, PAGING_ABSENT, false, 0, 33), PAGING_CONTINUE },
  { "link: no rel=next ends", S_LINK, PG(30, false, PAGING_ABSENT, false, 0, 30), PAGING_END },
  { "no paging: one call, always the end", S_NONE, PG(30, true, PAGING_YES, false, 0, 30),
    PAGING_END },
};

START_TEST(test_end)
{
  const struct end_row *r = &end_rows[_i];
  enum paging_next n = paging_page_end(&r->ps, &r->pg);
  ck_assert_msg(n == r->want, "%s: got %s", r->name, n == PAGING_END ? "end" : "continue");
}
END_TEST

/* ---- 3. hasMoreResults ------------------------------------------------------------------ */

struct more_row {
  const char *name;
  struct paging_settings ps;
  struct paging_finish f;
  struct paging_page pg;
  bool has_page;
  bool more, exact;
};

static const struct more_row more_rows[] = {
  { "the extra item came: true, exact", S_OFF, { .beyond = 1, .last_asked = 11 },
    PG(11, false, PAGING_ABSENT, false, 0, 11), true, true, true },
  { "rest of a larger page in hand: true, exact", S_NEXT, { .beyond = 17, .last_asked = 0 },
    PG(30, false, PAGING_ABSENT, false, 0, 30), true, true, true },
  { "the list ended: false, exact", S_OFF, { .list_ended = true, .last_asked = 11 },
    PG(0, false, PAGING_ABSENT, false, 0, 10), true, false, true },
  { "the list ended when a limit would have stopped it: false", S_OFF,
    { .list_ended = true, .stopped_by_limit = true, .last_asked = 100 },
    PG(0, false, PAGING_ABSENT, false, 0, 10), true, false, true },
  { "a limit stopped the walk: true (never a silently cut list)", S_OFF,
    { .stopped_by_limit = true, .last_asked = 100 },
    PG(100, false, PAGING_ABSENT, false, 0, 100), true, true, false },
  { "hasMore true: true, exact", S_OFF_HM, { .last_asked = 10 },
    PG(10, false, PAGING_YES, false, 0, 10), true, true, true },
  { "total 100 beyond position 40: true, exact", S_OFF_TOT, { .last_asked = 10 },
    PG(10, false, PAGING_ABSENT, true, 100, 40), true, true, true },
  { "next URL present: true, exact", S_NEXT, { .last_asked = 10 },
    PG(10, true, PAGING_ABSENT, false, 0, 10), true, true, true },
  { "cursor not from items present: true, exact", S_CUR, { .last_asked = 10 },
    PG(7, true, PAGING_ABSENT, false, 0, 7), true, true, true },
  { "no extra (limit = maxLimit), full page: true, 'a full page'", S_OFF, { .last_asked = 100 },
    PG(100, false, PAGING_ABSENT, false, 0, 100), true, true, false },
  { "no extra, short page: false, 'a full page'", S_OFF, { .last_asked = 100 },
    PG(60, false, PAGING_ABSENT, false, 0, 60), true, false, false },
  { "cursor from items is no sign: full page decides", S_CUR_ITEMS, { .last_asked = 100 },
    PG(100, true, PAGING_ABSENT, false, 0, 100), true, true, false },
  { "cursor from items, short page: false", S_CUR_ITEMS, { .last_asked = 100 },
    PG(40, true, PAGING_ABSENT, false, 0, 40), true, false, false },
  { "no size asked: a non-empty page counts as full", S_PAGE, { .last_asked = 0 },
    PG(25, false, PAGING_ABSENT, false, 0, 25), true, true, false },
  { "no page read: false, not exact", S_OFF, { .last_asked = 0 },
    PG(0, false, PAGING_ABSENT, false, 0, 0), false, false, false },
};

START_TEST(test_more)
{
  const struct more_row *r = &more_rows[_i];
  struct paging_finish f = r->f;
  f.last = r->has_page ? &r->pg : NULL;
  struct paging_more m;
  paging_has_more_results(&r->ps, &f, &m);
  ck_assert_msg(m.more == r->more, "%s: more %d", r->name, m.more);
  ck_assert_msg(m.exact == r->exact, "%s: exact %d", r->name, m.exact);
}
END_TEST

/* ---- 4. capped page size ---------------------------------------------------------------- */

struct cap_row {
  const char *name;
  uint64_t asked, first, next;
  bool capped;
  uint64_t size;
};

static const struct cap_row cap_rows[] = {
  { "asked 100, got 30, next page 30: capped at 30", 100, 30, 30, true, 30 },
  { "asked 100, got 30, next page 12: capped at 30", 100, 30, 12, true, 30 },
  { "asked 100, got 30, next page empty: just the end of the list", 100, 30, 0, false, 100 },
  { "asked 100, got 100: not capped", 100, 100, 100, false, 100 },
  { "no size asked: nothing to detect", 0, 30, 30, false, 0 },
  { "empty first page: not a page size", 100, 0, 5, false, 100 },
  { "asked 11 (limit+1), got 10, next 10: capped at 10", 11, 10, 10, true, 10 },
};

START_TEST(test_capped)
{
  const struct cap_row *r = &cap_rows[_i];
  uint64_t size = 12345;
  bool c = paging_capped(r->asked, r->first, r->next, &size);
  ck_assert_msg(c == r->capped, "%s: capped %d", r->name, c);
  ck_assert_msg(size == r->size, "%s: size %llu", r->name, (unsigned long long)size);
}
END_TEST

/* After the cap is found, the walk re-plans with maxLimit = the real size: page style,
 * offset 20 limit 10 asked s = 11 (pages 2..3); the API gives 5 a page: s = 5, and
 * limit 10 >= 5 so the extra is free when (20+10) % 5 != 0 - it is 0: no extra, n 10,
 * pages 20/5+1 = 5 .. 29/5+1 = 6, skip 0. */
START_TEST(test_capped_replan)
{
  struct paging_settings ps = SET(PAGING_PAGE, true, 0, 0, 1, false, false, false);
  struct paging_request rq = { .offset = 20, .limit = 10 };
  struct paging_plan p;
  paging_plan_make(&ps, &rq, &p);
  ck_assert(p.s == 11 && p.first_page == 2 && p.last_page == 3);
  uint64_t size;
  ck_assert(paging_capped(p.ask, 5, 5, &size));
  ps.max_limit = size;
  paging_plan_make(&ps, &rq, &p);
  ck_assert_uint_eq(p.s, 5);
  ck_assert(!p.extra);
  ck_assert_int_eq(p.first_page, 5);
  ck_assert_int_eq(p.last_page, 6);
  ck_assert_uint_eq(p.skip, 0);
}
END_TEST

/* ---- 5. limits -------------------------------------------------------------------------- */

struct start_row {
  const char *name;
  struct paging_limits lim;
  struct paging_usage u;
  enum paging_limit want;
};

static const struct start_row start_rows[] = {
  { "99 of the default 100 pages: may start", { 0 }, { .pages = 99 }, PAGING_LIMIT_NONE },
  { "100 pages done: the page limit", { 0 }, { .pages = 100 }, PAGING_LIMIT_PAGES },
  { "--max-pages 5, 5 done: the page limit", { .max_pages = 5 }, { .pages = 5 },
    PAGING_LIMIT_PAGES },
  { "--max-pages 1000, 100 done: may start", { .max_pages = 1000 }, { .pages = 100 },
    PAGING_LIMIT_NONE },
  { "64 MiB - 1 bytes: may start", { 0 }, { .pages = 3, .bytes = 64 * MIB - 1 },
    PAGING_LIMIT_NONE },
  { "64 MiB read: the byte limit", { 0 }, { .pages = 3, .bytes = 64 * MIB },
    PAGING_LIMIT_BYTES },
  { "pages and bytes both: pages named first", { 0 }, { .pages = 100, .bytes = 65 * MIB },
    PAGING_LIMIT_PAGES },
  { "budget 10 s, connect 5 s, 3.999 s used: 6.001 s >= 6 s left, may start",
    { .budget_ms = 10000, .connect_timeout_ms = 5000 }, { .elapsed_ms = 3999 },
    PAGING_LIMIT_NONE },
  { "4 s used: exactly 6 s left is enough", { .budget_ms = 10000, .connect_timeout_ms = 5000 },
    { .elapsed_ms = 4000 }, PAGING_LIMIT_NONE },
  { "4.001 s used: 5.999 s < connect + 1 s: the time budget",
    { .budget_ms = 10000, .connect_timeout_ms = 5000 }, { .elapsed_ms = 4001 },
    PAGING_LIMIT_TIME },
  { "budget overrun: the time budget", { .budget_ms = 10000, .connect_timeout_ms = 0 },
    { .elapsed_ms = 12000 }, PAGING_LIMIT_TIME },
  { "connect 0: 1 s must still be left", { .budget_ms = 10000 }, { .elapsed_ms = 9001 },
    PAGING_LIMIT_TIME },
  { "elapsed INT64_MIN (fuzz_paging): no overflow, time left saturates, may start",
    { .budget_ms = INT64_MAX, .connect_timeout_ms = 5000 }, { .elapsed_ms = INT64_MIN },
    PAGING_LIMIT_NONE },
  { "connect timeout INT64_MAX (fuzz_paging): no overflow, the time budget",
    { .budget_ms = INT64_MAX, .connect_timeout_ms = INT64_MAX }, { .elapsed_ms = 0 },
    PAGING_LIMIT_TIME },
  { "budget 1 ms, elapsed 0: less than 1 s left, the time budget", { .budget_ms = 1 },
    { .elapsed_ms = 0 }, PAGING_LIMIT_TIME },
  { "no budget: time never limits", { .budget_ms = 0, .connect_timeout_ms = 5000 },
    { .elapsed_ms = 999999 }, PAGING_LIMIT_NONE },
};

START_TEST(test_may_start)
{
  const struct start_row *r = &start_rows[_i];
  enum paging_limit l = paging_may_start(&r->lim, &r->u);
  ck_assert_msg(l == r->want, "%s: %s", r->name, paging_limit_text(l));
}
END_TEST

START_TEST(test_bytes_left_and_texts)
{
  struct paging_limits lim = { 0 };
  struct paging_usage u = { 0 };
  ck_assert(paging_bytes_left(&lim, &u) == 64 * MIB);
  u.bytes = 64 * MIB + 5;
  ck_assert(paging_bytes_left(&lim, &u) == 0);
  lim.max_bytes = 1000;
  u.bytes = 400;
  ck_assert(paging_bytes_left(&lim, &u) == 600);
  ck_assert_str_eq(paging_limit_text(PAGING_LIMIT_PAGES), "the page limit (--max-pages)");
  ck_assert_str_eq(paging_limit_text(PAGING_LIMIT_BYTES), "the 64 MiB answer limit");
  ck_assert_str_eq(paging_limit_text(PAGING_LIMIT_TIME), "the request's time budget");
  ck_assert_str_eq(paging_limit_text(PAGING_LIMIT_NONE), "no limit");
}
END_TEST

struct outcome_row {
  const char *name;
  enum paging_limit limit;
  struct paging_limits lim;
  struct paging_load load;
  struct paging_usage u;
  int status;
  const char *says[3];         /* substrings of the message; none for a partial answer */
};

static const struct outcome_row outcome_rows[] = {
  { "no sort, page limit, offset 0: partial answer with a token", PAGING_LIMIT_PAGES, { 0 },
    { 0 }, { .pages = 100, .items = 1000, .matches = 1000 }, 200, { NULL } },
  { "filter, time budget: partial answer with a token", PAGING_LIMIT_TIME, { 0 },
    { .filtered = true }, { .pages = 12, .items = 1200, .matches = 3 }, 200, { NULL } },
  { "filter, bytes: partial answer with a token", PAGING_LIMIT_BYTES, { 0 },
    { .filtered = true }, { .pages = 7, .items = 70, .matches = 0 }, 200, { NULL } },
  { "offset 20 already passed (30 read): partial", PAGING_LIMIT_PAGES, { 0 },
    { .offset = 20 }, { .pages = 100, .items = 30, .matches = 30 }, 200, { NULL } },
  { "sort, page limit: 413 naming items, pages, --max-pages and the way out",
    PAGING_LIMIT_PAGES, { 0 }, { .sort = true }, { .pages = 100, .items = 250 }, 413,
    { "250 items in 100 pages", "--max-pages 100", "a where mapping or a higher --max-pages" } },
  { "sort, --max-pages 7: the number in the message", PAGING_LIMIT_PAGES, { .max_pages = 7 },
    { .sort = true }, { .pages = 7, .items = 70 }, 413, { "--max-pages 7", "70 items", NULL } },
  { "sort, bytes: 413", PAGING_LIMIT_BYTES, { 0 }, { .sort = true },
    { .pages = 40, .items = 4000 }, 413, { "64 MiB", "4000 items in 40 pages", NULL } },
  { "sort, time: 504", PAGING_LIMIT_TIME, { 0 }, { .sort = true }, { .pages = 9, .items = 90 },
    504, { "time budget", "90 items", NULL } },
  { "sort and an unreachable offset, time: the sort's 504", PAGING_LIMIT_TIME, { 0 },
    { .sort = true, .offset = 5000 }, { .pages = 9, .items = 90 }, 504, { "sort", NULL } },
  { "offset 500 unfiltered, 300 items in 100 pages: 413", PAGING_LIMIT_PAGES, { 0 },
    { .offset = 500 }, { .pages = 100, .items = 300, .matches = 300 }, 413,
    { "the first 100 pages hold fewer than 500 items", "use the offsetToken or a where mapping",
      NULL } },
  { "offset 500 filtered, 12 matches of 5000 items: 413 counts matches", PAGING_LIMIT_PAGES,
    { 0 }, { .offset = 500, .filtered = true }, { .pages = 100, .items = 5000, .matches = 12 },
    413, { "fewer than 500 matches", "12 read", NULL } },
  { "offset 500 and the time budget: 413 naming the time", PAGING_LIMIT_TIME, { 0 },
    { .offset = 500 }, { .pages = 3, .items = 300, .matches = 300 }, 413,
    { "the first 3 pages hold fewer than 500 items", "time budget", NULL } },
  { "load by id walking the query: 413", PAGING_LIMIT_PAGES, { 0 }, { .by_id = true },
    { .pages = 100, .items = 10000 }, 413, { "load by id", "--max-pages 100", NULL } },
  { "load by id, time: still 413", PAGING_LIMIT_TIME, { 0 }, { .by_id = true },
    { .pages = 4, .items = 400 }, 413, { "load by id", "time budget", NULL } },
  { "filterByProvidedObjects, bytes: 413", PAGING_LIMIT_BYTES, { 0 },
    { .provided_objects = true }, { .pages = 50, .items = 5000 }, 413,
    { "filterByProvidedObjects", "64 MiB", NULL } },
  { "filterByProvidedObjects, time: 413 (not 504)", PAGING_LIMIT_TIME, { 0 },
    { .provided_objects = true, .sort = true }, { .pages = 5, .items = 500 }, 413,
    { "filterByProvidedObjects", NULL } },
};

START_TEST(test_outcome)
{
  const struct outcome_row *r = &outcome_rows[_i];
  struct paging_outcome o;
  char msg[512];
  memset(msg, 'x', sizeof msg);
  paging_limit_outcome(r->limit, &r->lim, &r->load, &r->u, &o, msg, sizeof msg);
  ck_assert_msg(o.status == r->status, "%s: status %d (%s)", r->name, o.status, msg);
  if(r->status == 200) {
    ck_assert_int_eq(o.answer, PAGING_ANSWER_PARTIAL);
    ck_assert_msg(o.has_more_results && o.token, "%s: partial without token", r->name);
    ck_assert_str_eq(msg, "");
    return;
  }
  ck_assert_int_eq(o.answer, r->status == 504 ? PAGING_ANSWER_504 : PAGING_ANSWER_413);
  ck_assert(!o.token);
  for(size_t i = 0; i < N_ELEMS(r->says) && r->says[i]; i++)
    ck_assert_msg(strstr(msg, r->says[i]) != NULL, "%s: '%s' not in '%s'", r->name,
                  r->says[i], msg);
}
END_TEST

/* A small message buffer is cut, NUL-terminated. */
START_TEST(test_outcome_small_buffer)
{
  struct paging_limits lim = { 0 };
  struct paging_load load = { .sort = true };
  struct paging_usage u = { .pages = 100, .items = 250 };
  struct paging_outcome o;
  char msg[16];
  paging_limit_outcome(PAGING_LIMIT_PAGES, &lim, &load, &u, &o, msg, sizeof msg);
  ck_assert_uint_eq(strlen(msg), sizeof msg - 1);
  ck_assert_int_eq(o.status, 413);
  paging_limit_outcome(PAGING_LIMIT_PAGES, &lim, &load, &u, &o, NULL, 0);
  ck_assert_int_eq(o.status, 413);
}
END_TEST

START_TEST(test_provided_too_many)
{
  struct paging_limits lim = { 0 };
  char msg[256];
  ck_assert(!paging_provided_too_many(100, &lim, msg, sizeof msg));
  ck_assert(paging_provided_too_many(101, &lim, msg, sizeof msg));
  ck_assert_msg(strstr(msg, "101 objects") && strstr(msg, "--max-pages 100"), "%s", msg);
  lim.max_pages = 5;
  ck_assert(paging_provided_too_many(6, &lim, msg, sizeof msg));
  ck_assert(!paging_provided_too_many(5, &lim, msg, sizeof msg));
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("paging_plan");
  TCase *tc = tcase_create("plan");
  tcase_add_loop_test(tc, test_plan, 0, (int)N_ELEMS(plan_rows));
  tcase_add_loop_test(tc, test_next_ask, 0, (int)N_ELEMS(step_rows));
  tcase_add_test(tc, test_plan_saturates);
  suite_add_tcase(s, tc);
  tc = tcase_create("end");
  tcase_add_loop_test(tc, test_end, 0, (int)N_ELEMS(end_rows));
  suite_add_tcase(s, tc);
  tc = tcase_create("more");
  tcase_add_loop_test(tc, test_more, 0, (int)N_ELEMS(more_rows));
  suite_add_tcase(s, tc);
  tc = tcase_create("capped");
  tcase_add_loop_test(tc, test_capped, 0, (int)N_ELEMS(cap_rows));
  tcase_add_test(tc, test_capped_replan);
  suite_add_tcase(s, tc);
  tc = tcase_create("limits");
  tcase_add_loop_test(tc, test_may_start, 0, (int)N_ELEMS(start_rows));
  tcase_add_test(tc, test_bytes_left_and_texts);
  tcase_add_loop_test(tc, test_outcome, 0, (int)N_ELEMS(outcome_rows));
  tcase_add_test(tc, test_outcome_small_buffer);
  tcase_add_test(tc, test_provided_too_many);
  suite_add_tcase(s, tc);
  return s;
}
