#!/bin/sh
# paging-upstream-selftest.sh - tests/integration/paging-upstream.py against its own
# documentation, so the paging integration tests of issue 14 can trust it:
#
#   * each API walked to its end with its own protocol (Stripe's starting_after, Spotify's
#     next URL, GitHub's Link rel="next", page numbers, Slack's next_cursor), at several
#     page sizes: exactly N items, no duplicate, in the documented order, with the number
#     of requests the page size implies (counted by /_requests);
#   * the conventions' details: Stripe's list object and its 400 invalid_request_error
#     (limit=101, limit=0, both cursors, an unknown cursor), ending_before; Spotify's href /
#     next / previous (absolute, from the Host header; null at the ends) and its 400 on
#     limit=51; GitHub's Link (rel prev/next/last/first, absolute URLs, none when the list
#     fits on one page, per_page above 100 gives 100); the page API's {items, total};
#   * the data set: names with the match word on every 5th item, distinct ranks;
#   * every fault knob (cap, ignore-page, self-link, empty-every, foreign=*, from) as a path
#     prefix and as an option, the trap socket's counter, the request log and its reset,
#     keep-alive (two requests on one connection share a client port), unknown knobs,
#     paths and methods;
#   * the server exits when its stdin closes.
#
# Needs python3 and curl. Run by `make check`; by hand:
#   top_builddir=/path/to/build sh tests/integration/paging-upstream-selftest.sh
# (KEEP_RUN=1 keeps the run directory). Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/integration/paging-lib.sh
. "$here/paging-lib.sh"
it_init paging-upstream-selftest

command -v python3 >/dev/null 2>&1 || it_skip "python3 is not installed (Debian package python3)"
command -v curl >/dev/null 2>&1 || it_skip "curl is not installed (Debian package curl)"

N=50

it_paging_upstream main --items "$N"
MAIN_PID=$PAGING_PID
MAIN_FD=$PAGING_FD
PORT=$PAGING_PORT
BASE=$PAGING_URL

# A few checks with curl alone -------------------------------------------------------------

code=$(curl -s -o "$RUN/e.json" -w '%{http_code}' "$BASE/stripe/v1/customers?limit=101")
it_eq "curl: Stripe limit=101 is a 400" 400 "$code"
it_eq "curl: Stripe limit=101 error shape" "invalid_request_error limit" \
  "$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["type"], e["param"])' "$RUN/e.json")"
curl -s -D "$RUN/h1.txt" -o /dev/null "$BASE/github/repos?per_page=100"
it_eq "curl: GitHub sends no Link when every item fits on one page" 0 "$(grep -ci '^link:' "$RUN/h1.txt")"
curl -s -D "$RUN/h2.txt" -o /dev/null "$BASE/github/repos?per_page=10"
it_eq "curl: GitHub page 1 of 5 has a Link with next and last" 1 \
  "$(grep -i '^link:' "$RUN/h2.txt" | grep -c 'page=2>; rel="next", <.*page=5>; rel="last"')"
curl -s -D "$RUN/h3.txt" -o /dev/null "$BASE/github/repos"
it_eq "curl: GitHub's default per_page is 30 (page 2 is the last)" 1 \
  "$(grep -i '^link:' "$RUN/h3.txt" | grep -c 'page=2>; rel="next", <.*page=2>; rel="last"')"
curl -s -o "$RUN/s.json" "$BASE/spotify/v1/me/playlists?offset=40"
it_eq "curl: Spotify next is null at the end" "None 10" \
  "$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(b["next"], len(b["items"]))' "$RUN/s.json")"

# The rest with Python (http.client, one kept-alive connection per check) ------------------

python3 - "$PORT" "$N" "$IT_RESULTS" <<'EOF'
import base64
import http.client
import json
import sys
from urllib.parse import urlsplit, urlencode

PORT, N, RESULTS = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
HOSTPORT = "127.0.0.1:%d" % PORT
BASE = "http://" + HOSTPORT
ALL = list(range(1, N + 1))


def result(ok, what, detail=""):
    line = ("PASS: " if ok else "FAIL: ") + what
    if not ok and detail:
        line += "\n      " + detail
    print(line)
    with open(RESULTS, "a") as f:
        f.write(line + "\n")


def eq(what, exp, got):
    result(exp == got, what, "expected: %r\n      got:      %r" % (exp, got))


conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)


def get(target, method="GET", host=None):
    """(status, headers dict lower-cased, parsed body) on the kept-alive connection."""
    conn.request(method, target, headers={"Host": host or HOSTPORT})
    r = conn.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    try:
        body = json.loads(data) if data else None
    except ValueError:
        body = data
    return r.status, hdrs, body


def reset():
    get("/_requests", method="DELETE")


def count():
    return get("/_requests")[2]["count"]


def local(url):
    """An absolute URL of this server -> its path and query; None when it points elsewhere."""
    u = urlsplit(url)
    if u.scheme != "http" or u.netloc != HOSTPORT:
        return None
    return u.path + ("?" + u.query if u.query else "")


def links(value):
    """[(rel, url)] from a Link header as this server writes it (commas may occur inside
    <...>: the fault prefixes hold them)."""
    out, rest = [], (value or "").strip()
    while rest:
        if not rest.startswith("<") or ">" not in rest:
            return out + [("unparsable", rest)]
        url, rest = rest[1:].split(">", 1)
        params, _, rest = rest.partition(", <")
        rest = "<" + rest if rest else ""
        rel = params.split("rel=", 1)[1].strip('"') if "rel=" in params else ""
        out.append((rel, url))
    return out


class Walk:
    def __init__(self):
        self.seqs, self.pages, self.empty, self.stop = [], 0, 0, "end"
        self.items = []

    def add(self, items):
        self.pages += 1
        if not items:
            self.empty += 1
        self.items += items
        self.seqs += [it["seq"] for it in items]


def walk_stripe(prefix="", limit=None, cap=200):
    w, cursor, seen = Walk(), None, set()
    while w.pages < cap:
        q = {}
        if limit:
            q["limit"] = limit
        if cursor:
            q["starting_after"] = cursor
        st, _, b = get(prefix + "/stripe/v1/customers" + ("?" + urlencode(q) if q else ""))
        if st != 200:
            w.stop = "status %d" % st
            return w
        w.add(b["data"])
        if not b["has_more"]:
            return w
        if not b["data"]:
            w.stop = "empty page with has_more"
            return w
        cursor = b["data"][-1]["id"]
        if cursor in seen:
            w.stop = "loop"
            return w
        seen.add(cursor)
    w.stop = "cap"
    return w


def walk_url(first, body_next, cap=200):
    """Spotify (body_next=True: the body's next) or GitHub (Link rel=next)."""
    w, target, seen = Walk(), first, {first}
    while w.pages < cap:
        st, h, b = get(target)
        if st != 200:
            w.stop = "status %d" % st
            return w
        w.add(b["items"] if body_next else b)
        if body_next:
            nxt = b["next"]
        else:
            nxt = dict(links(h.get("link"))).get("next")
        if not nxt:
            return w
        target = local(nxt)
        if target is None:
            w.stop = "foreign " + nxt
            return w
        if target in seen:
            w.stop = "loop"
            return w
        seen.add(target)
    w.stop = "cap"
    return w


def walk_pages(prefix="", size=None, cap=200):
    w, page, total = Walk(), 1, None
    while w.pages < cap:
        q = {"page": page}
        if size:
            q["size"] = size
        st, _, b = get(prefix + "/pages/items?" + urlencode(q))
        if st != 200:
            w.stop = "status %d" % st
            return w
        total = b["total"]
        w.add(b["items"])
        if len(w.seqs) >= total or (not b["items"] and page > total):
            return w
        page += 1
    w.stop = "cap"
    return w


def walk_slack(prefix="", limit=None, cap=200):
    w, cursor, seen = Walk(), "", set()
    while w.pages < cap:
        q = {}
        if limit:
            q["limit"] = limit
        if cursor:
            q["cursor"] = cursor
        st, _, b = get(prefix + "/slack/api/conversations.list"
                       + ("?" + urlencode(q) if q else ""))
        if st != 200 or not b.get("ok"):
            w.stop = "error %d %r" % (st, b)
            return w
        w.add(b["channels"])
        cursor = b["response_metadata"]["next_cursor"]
        if not cursor:
            return w
        if cursor in seen:
            w.stop = "loop"
            return w
        seen.add(cursor)
    w.stop = "cap"
    return w


def complete(what, w, pages, order=ALL):
    eq(what + ": the walk ends normally", "end", w.stop)
    eq(what + ": exactly N items, in order, no duplicate", order, w.seqs)
    if pages is not None:
        eq(what + ": %d pages" % pages, pages, w.pages)


# 1. Every API walked to its end -----------------------------------------------------------

for limit, pages in ((None, 5), (7, 8), (100, 1), (50, 1), (1, N)):
    reset()
    w = walk_stripe(limit=limit)
    complete("stripe limit=%s" % limit, w, pages, list(reversed(ALL)))
    eq("stripe limit=%s: /_requests counted every call" % limit, pages, count())
for limit, pages in ((None, 3), (7, 8), (50, 1)):
    reset()
    q = "?limit=%d" % limit if limit else ""
    w = walk_url("/spotify/v1/me/playlists" + q, True)
    complete("spotify limit=%s" % limit, w, pages)
    eq("spotify limit=%s: /_requests counted every call" % limit, pages, count())
for per, pages in ((None, 2), (10, 5), (7, 8), (100, 1)):
    q = "?per_page=%d" % per if per else ""
    complete("github per_page=%s" % per, walk_url("/github/repos" + q, False), pages)
for size, pages in ((None, 5), (7, 8), (100, 1)):
    complete("pages size=%s" % size, walk_pages(size=size), pages)
for limit, pages in ((None, 1), (15, 4), (7, 8)):
    complete("slack limit=%s" % limit, walk_slack(limit=limit), pages)

# 2. The data set ----------------------------------------------------------------------------

w = walk_url("/spotify/v1/me/playlists?limit=50", True)
eq("names: CONTAINS 'blue' finds N // 5 items", N // 5,
   sum("blue" in it["name"] for it in w.items))
eq("names: every one contains 'Item'", N, sum("Item" in it["name"] for it in w.items))
eq("ranks are distinct integers", N, len({it["rank"] for it in w.items}))
result(sorted(it["rank"] for it in w.items) != [it["rank"] for it in w.items],
       "ranks are not already in list order (a sort must read every page)")
ids = {it["id"] for it in w.items}
eq("spotify ids are strings like pl0001", (True, "pl0001"),
   (all(isinstance(i, str) for i in ids), w.items[0]["id"]))

# 3. Stripe ------------------------------------------------------------------------------------

st, _, b = get("/stripe/v1/customers?limit=3")
eq("stripe: a list object", ("list", "/stripe/v1/customers", True, 3),
   (b["object"], b["url"], b["has_more"], len(b["data"])))
eq("stripe: newest first, items are customers", ("cus_0050", "customer", 1700000050),
   (b["data"][0]["id"], b["data"][0]["object"], b["data"][0]["created"]))
for q, param, msg in (("limit=101", "limit", "less than or equal to 100"),
                      ("limit=0", "limit", "greater than or equal to 1"),
                      ("limit=abc", "limit", "Invalid integer"),
                      ("starting_after=cus_0010&ending_before=cus_0040", "ending_before",
                       "only specify one"),
                      ("starting_after=cus_9999", "starting_after", "No such customer")):
    st, _, b = get("/stripe/v1/customers?" + q)
    e = (b or {}).get("error", {})
    eq("stripe %s: 400 invalid_request_error naming %s" % (q, param),
       (400, "invalid_request_error", param, True),
       (st, e.get("type"), e.get("param"), msg in e.get("message", "")))
st, _, b = get("/stripe/v1/customers?limit=3&ending_before=cus_0040")
eq("stripe ending_before=cus_0040: the 3 objects listed before it, has_more",
   (200, ["cus_0043", "cus_0042", "cus_0041"], True),
   (st, [d["id"] for d in b["data"]], b["has_more"]))
st, _, b = get("/stripe/v1/customers?limit=10&ending_before=cus_0045")
eq("stripe ending_before near the top: no more before", (["cus_0050", "cus_0049",
   "cus_0048", "cus_0047", "cus_0046"], False), ([d["id"] for d in b["data"]], b["has_more"]))
st, _, b = get("/stripe/v1/customers?limit=5&starting_after=cus_0005")
eq("stripe: the last page says has_more false", (4, False), (len(b["data"]), b["has_more"]))

# 4. Spotify -----------------------------------------------------------------------------------

st, _, b = get("/spotify/v1/me/playlists")
eq("spotify: default page", (20, 0, 50, None, BASE + "/spotify/v1/me/playlists?offset=20&limit=20",
   BASE + "/spotify/v1/me/playlists"), (b["limit"], b["offset"], b["total"], b["previous"],
   b["next"], b["href"]))
st, _, b = get("/spotify/v1/me/playlists?offset=20&limit=10", host="api.example.test:8443")
eq("spotify: next and previous absolute, built from the Host header",
   ("http://api.example.test:8443/spotify/v1/me/playlists?offset=30&limit=10",
    "http://api.example.test:8443/spotify/v1/me/playlists?offset=10&limit=10"),
   (b["next"], b["previous"]))
st, _, b = get("/spotify/v1/me/playlists?offset=45&limit=10")
eq("spotify: the last page: next null", (5, None), (len(b["items"]), b["next"]))
st, _, b = get("/spotify/v1/me/playlists?offset=60")
eq("spotify: past the end: no items, next null", ([], None, 50), (b["items"], b["next"], b["total"]))
for q in ("limit=51", "limit=0", "offset=-1"):
    st, _, b = get("/spotify/v1/me/playlists?" + q)
    eq("spotify %s: 400 with Spotify's error object" % q, (400, 400),
       (st, (b or {}).get("error", {}).get("status")))

# 5. GitHub ------------------------------------------------------------------------------------

G = BASE + "/github/repos?per_page=10&page="
st, h, b = get("/github/repos?per_page=10&page=3")
eq("github: a middle page links prev, next, last, first (absolute)",
   [("prev", G + "2"), ("next", G + "4"), ("last", G + "5"), ("first", G + "1")],
   links(h.get("link")))
st, h, b = get("/github/repos?per_page=10")
eq("github: page 1 links next and last only", [("next", G + "2"), ("last", G + "5")],
   links(h.get("link")))
st, h, b = get("/github/repos?per_page=10&page=5")
eq("github: the last page links prev and first only", [("prev", G + "4"), ("first", G + "1")],
   links(h.get("link")))
st, h, b = get("/github/repos?per_page=500")
eq("github: per_page above 100 gives at most 100 (all 50 here), no Link", (50, None),
   (len(b), h.get("link")))
st, h, b = get("/github/repos?per_page=10&page=9")
eq("github: a page past the end is []", (200, []), (st, b))

# 6. Pages -------------------------------------------------------------------------------------

st, _, b = get("/pages/items?page=2&size=20")
eq("pages: {items, total}", (20, 50, 21), (len(b["items"]), b["total"], b["items"][0]["seq"]))
st, _, b = get("/pages/items?page=6")
eq("pages: past the end: no items", ([], 50), (b["items"], b["total"]))

# 7. Faults ------------------------------------------------------------------------------------

# cap
st, _, b = get("/_f/cap=7/stripe/v1/customers?limit=10")
eq("cap=7: stripe serves 7 of 10, has_more", (7, True), (len(b["data"]), b["has_more"]))
st, _, b = get("/_f/cap=7/spotify/v1/me/playlists?limit=20")
eq("cap=7: spotify serves 7, limit still 20, next continues at offset 7",
   (7, 20, BASE + "/_f/cap=7/spotify/v1/me/playlists?offset=7&limit=20"),
   (len(b["items"]), b["limit"], b["next"]))
complete("cap=7: spotify walk", walk_url("/_f/cap=7/spotify/v1/me/playlists?limit=20", True), 8)
complete("cap=7: stripe walk", walk_stripe("/_f/cap=7", 10), 8, list(reversed(ALL)))
complete("cap=7: github walk", walk_url("/_f/cap=7/github/repos?per_page=10", False), 8)
complete("cap=7: pages walk", walk_pages("/_f/cap=7", 10), 8)
complete("cap=7: slack walk", walk_slack("/_f/cap=7", 10), 8)

# ignore-page: a loop
eq("ignore-page: stripe's cursor comes back", ("loop", list(range(50, 40, -1))),
   (walk_stripe("/_f/ignore-page", 10).stop, walk_stripe("/_f/ignore-page", 10).seqs[:10]))
w = walk_url("/_f/ignore-page/spotify/v1/me/playlists?limit=10", True)
eq("ignore-page: spotify's next URL comes back", ("loop", 2, list(range(1, 11)) * 2),
   (w.stop, w.pages, w.seqs))
w = walk_url("/_f/ignore-page/github/repos?per_page=10", False)
eq("ignore-page: github's Link next comes back", ("loop", 2), (w.stop, w.pages))
b1 = get("/_f/ignore-page/pages/items?page=1")[2]
b2 = get("/_f/ignore-page/pages/items?page=2")[2]
eq("ignore-page: pages page 2 is page 1", True, b1 == b2)
eq("ignore-page: slack's cursor comes back", "loop", walk_slack("/_f/ignore-page", 10).stop)
w = walk_url("/_f/ignore-page,from=3/spotify/v1/me/playlists?limit=10", True)
eq("ignore-page,from=3: spotify pages 1, 2, 3 then 3 again",
   ("loop", 4, list(range(1, 31)) + list(range(21, 31))), (w.stop, w.pages, w.seqs))

# self-link
st, _, b = get("/_f/self-link/spotify/v1/me/playlists?limit=10")
eq("self-link: spotify's next is the request's own URL", b["href"], b["next"])
st, h, b = get("/_f/self-link/github/repos?per_page=10&page=2")
eq("self-link: github's Link next is the request's own URL",
   BASE + "/_f/self-link/github/repos?per_page=10&page=2", dict(links(h.get("link")))["next"])
st, _, b = get("/_f/self-link/stripe/v1/customers?limit=10&starting_after=cus_0041")
eq("self-link: stripe starting_after=X answers the page ending with X", "cus_0041",
   b["data"][-1]["id"])
eq("self-link: stripe walk loops", "loop", walk_stripe("/_f/self-link", 10).stop)
b1 = get("/_f/self-link/pages/items?page=1")[2]
b2 = get("/_f/self-link/pages/items?page=2")[2]
eq("self-link: pages page 2 repeats page 1", True, b1 == b2)
eq("self-link: slack walk loops", "loop", walk_slack("/_f/self-link", 10).stop)
w = walk_url("/_f/self-link,from=3/github/repos?per_page=10", False)
eq("self-link,from=3: github walks pages 1-3 then loops", ("loop", 3, list(range(1, 31))),
   (w.stop, w.pages, w.seqs))

# empty-every=3: every 3rd page empty, the walk loses nothing
w = walk_url("/_f/empty-every=3/spotify/v1/me/playlists?limit=10", True)
complete("empty-every=3: spotify", w, 6)
eq("empty-every=3: spotify saw one empty page with a next URL", 1, w.empty)
w = walk_url("/_f/empty-every=3/github/repos?per_page=10", False)
complete("empty-every=3: github", w, 6)
eq("empty-every=3: github saw one empty page with a Link next", 1, w.empty)
w = walk_slack("/_f/empty-every=3", 10)
complete("empty-every=3: slack", w, 6)
eq("empty-every=3: slack saw one empty page with a cursor", 1, w.empty)
w = walk_stripe("/_f/empty-every=3", 10)
eq("empty-every=3: stripe page 3 is empty with has_more true (no cursor to go on)",
   ("empty page with has_more", list(range(50, 30, -1)), 1), (w.stop, w.seqs, w.empty))
w = walk_pages("/_f/empty-every=3", 10)
eq("empty-every=3: pages: page 3 empty, total N, the items shift a page on",
   ("end", ALL, 2, 7), (w.stop, w.seqs, w.empty, w.pages))

# foreign
TRAP = get("/_info")[2]["trap_port"]
for what, exp in (("port", "http://127.0.0.1:%d/_f/foreign=port/spotify/v1/me/playlists?offset=10&limit=10" % TRAP),
                  ("host", "http://localhost:%d/_f/foreign=host/spotify/v1/me/playlists?offset=10&limit=10" % PORT),
                  ("scheme", "https://%s/_f/foreign=scheme/spotify/v1/me/playlists?offset=10&limit=10" % HOSTPORT),
                  ("path", BASE + "/_f/foreign=path/spotify/v1/users/me/playlists?offset=10&limit=10"),
                  ("outside", BASE + "/elsewhere/_f/foreign=outside/spotify/v1/me/playlists?offset=10&limit=10")):
    st, _, b = get("/_f/foreign=%s/spotify/v1/me/playlists?limit=10" % what)
    eq("foreign=%s: spotify's next" % what, exp, b["next"])
st, h, b = get("/_f/foreign=port/github/repos?per_page=10")
eq("foreign=port: github's Link next goes to the trap, last stays here",
   ("http://127.0.0.1:%d/_f/foreign=port/github/repos?per_page=10&page=2" % TRAP,
    BASE + "/_f/foreign=port/github/repos?per_page=10&page=5"),
   (dict(links(h["link"]))["next"], dict(links(h["link"]))["last"]))
w = walk_url("/_f/foreign=path/spotify/v1/me/playlists?limit=10", True)
complete("foreign=path: the alias path serves the rest of the list (nextPath: any)", w, 5)
w = walk_url("/_f/foreign=outside/github/repos?per_page=10", False)
complete("foreign=outside: /elsewhere serves the rest of the list", w, 5)
st, _, b = get("/_f/foreign=port,from=2/spotify/v1/me/playlists?limit=10")
eq("foreign=port,from=2: page 1's next stays here", BASE + "/_f/foreign=port,from=2/spotify/v1/me/playlists?offset=10&limit=10", b["next"])
st, _, b = get("/_f/foreign=port,from=2/spotify/v1/me/playlists?offset=10&limit=10")
eq("foreign=port,from=2: page 2's next goes to the trap", "127.0.0.1:%d" % TRAP,
   urlsplit(b["next"]).netloc)

# 8. The request log -----------------------------------------------------------------------------

reset()
eq("/_requests: 0 after a reset (control requests are not logged)", 0, count())
get("/github/repos?per_page=5&page=2")
get("/stripe/v1/customers?limit=2")
log = get("/_requests")[2]
r0 = log["requests"][0]
eq("/_requests: method, path, query, args, headers of each request",
   (2, "GET", "/github/repos", "per_page=5&page=2", {"per_page": ["5"], "page": ["2"]}, HOSTPORT),
   (log["count"], r0["method"], r0["path"], r0["query"], r0["args"], r0["headers"].get("host")))
eq("/_requests: keep-alive: both requests came on one connection", r0["client_port"],
   log["requests"][1]["client_port"])
st, _, b = get("/_requests/reset", method="POST")
eq("POST /_requests/reset", (200, 0), (st, count()))
st, _, b = get("/_f/nonsense=1/pages/items")
eq("an unknown fault knob is a 400", 400, st)
st, _, b = get("/nowhere")
eq("an unknown path is a 404", 404, st)
st, _, b = get("/pages/items", method="POST")
eq("POST on an API is a 405", 405, st)
EOF
rc=$?
[ "$rc" -eq 0 ] || it_fail "the Python checks stopped with exit status $rc"

# The trap counts connections ------------------------------------------------------------------

it_eq "trap: no connection so far (port $PAGING_TRAP_PORT)" 0 "$(it_paging_trap "$BASE")"
curl -s -m 2 -o /dev/null "http://127.0.0.1:$PAGING_TRAP_PORT/x"
it_eq "trap: one connection counted" 1 "$(it_paging_trap "$BASE")"
it_paging_reset "$BASE"
it_eq "trap: 0 after a reset" 0 "$(it_paging_trap "$BASE")"
curl -s -o /dev/null "$BASE/pages/items"
it_eq "it_paging_count: one request" 1 "$(it_paging_count "$BASE")"

# Faults as options -----------------------------------------------------------------------------

it_paging_close "$MAIN_FD"      # closes the main server's stdin
_i=0
# up to 20 s: on a loaded 2-core machine (the sanitizer stage) Python's shutdown can take
# more than 3 (as server-lib.sh waits for a replacement worker)
while it_alive "$MAIN_PID" && [ "$_i" -lt 200 ]; do
  sleep 0.1
  _i=$((_i + 1))
done
if it_alive "$MAIN_PID"; then
  # what keeps it: its threads' states (read first: cheap), its stdin, another process
  # holding the FIFO's write end
  _threads=$(for _t in /proc/"$MAIN_PID"/task/*; do
               printf '%s:%s ' "$(cut -d' ' -f3 "$_t/stat" 2>/dev/null)" \
                 "$(cat "$_t/wchan" 2>/dev/null)"
             done)
  _stdin=$(readlink "/proc/$MAIN_PID/fd/0" 2>/dev/null)
  _holders=$(for _fd in /proc/[0-9]*/fd/*; do
               [ "$(readlink "$_fd" 2>/dev/null)" = "$RUN/main.in" ] && echo "${_fd%/fd/*}"
             done | sed 's|/proc/||' | sort -u | tr '\n' ' ')
  it_fail "the server is still running 20 s after its stdin closed (its threads state:wchan: $_threads; its stdin: ${_stdin:-?}; processes with the FIFO open: ${_holders:-none})"
else
  it_pass "the server exits when its stdin closes"
fi

it_paging_upstream opts --items 23 --cap 4 --empty-every 2 --match-every 3 --match-word red
got=$(curl -s "$PAGING_URL/_info" |
  python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["items"], b["matches"], b["defaults"]["cap"], b["defaults"]["empty-every"])')
it_eq "options: /_info reports them" "23 7 4 2" "$got"
got=$(python3 - "$PAGING_PORT" <<'EOF'
import http.client, json, sys
from urllib.parse import urlsplit
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
target, seqs, pages, empty, red = "/spotify/v1/me/playlists?limit=10", [], 0, 0, 0
while target and pages < 50:
    c.request("GET", target)
    b = json.loads(c.getresponse().read())
    pages += 1
    empty += not b["items"]
    seqs += [it["seq"] for it in b["items"]]
    red += sum("red" in it["name"] for it in b["items"])
    target = b["next"] and urlsplit(b["next"]).path + "?" + urlsplit(b["next"]).query
print(seqs == list(range(1, 24)), pages, empty, red)
EOF
)
it_eq "options --items 23 --cap 4 --empty-every 2 --match-every 3 --match-word red: a spotify walk gets the 23 items in 6 pages + 3 empty ones, 7 named red" \
  "True 9 3 7" "$got"
it_stop "$PAGING_PID"
if it_alive "$PAGING_PID"; then it_fail "the second server did not stop"; else it_pass "the second server stopped by its PID"; fi

it_finish
