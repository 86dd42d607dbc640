#!/usr/bin/env python3
"""paging-upstream.py - APIs that page the way real ones do, on loopback, for the paging
integration tests of issue 14 (Python 3, stdlib only).

    paging-upstream.py [--items N] [--match-every K] [--match-word W] [--pad BYTES]
                       [--cap K] [--ignore-page] [--self-link] [--empty-every K]
                       [--foreign port|host|scheme|path|outside] [--from P]
                       [--no-stdin-exit]

Binds 127.0.0.1 on a free port and prints that port alone on its first line of output;
HTTP/1.1 with keep-alive (every answer has a Content-Length). It exits when its stdin
closes (so it never outlives the test that holds the other end; --no-stdin-exit turns that
off: needed when stdin is /dev/null, as with lib.sh's it_bg), or on SIGTERM/SIGKILL;
tests/integration/paging-lib.sh's it_paging_upstream starts it on a FIFO the test holds.
It also binds a TRAP: a second listening socket on another free port that only counts
the connections it accepts (and closes them); next URLs of the fault `foreign=port` point
there, so a test proves nothing connected.

THE DATA SET: N items (--items, default 50), numbered i = 1..N. Every item has
  id    a string, per API: cus_0001 (Stripe), pl0001 (Spotify), r0001 (GitHub),
        item-0001 (pages), C0001 (Slack); the digits are i zero-padded to at least 4
        (GitHub's own ids are integers; a string everywhere keeps the tests alike)
  name  "Item 0001", and "Item 0005 blue" when i is a multiple of K (--match-every, default
        5; the word is --match-word, default "blue"): a CONTAINS "blue" finds N // K items,
        a CONTAINS "Item" all N
  rank  (i * 617767) % 1000003: an integer, distinct for every i < 1000003, in no order
        (a sort by rank must read the whole list)
  seq   i, the same in every API (so tests can compare sets across APIs)
  note  --pad BYTES bytes of "x" (only with --pad: to size items, e.g. for benchmarks)
plus each API's own fields (below). Every API lists items in order i = 1..N except Stripe,
which lists newest first (i = N..1), as Stripe documents.

THE APIS (GET or HEAD; other methods 405):
  /stripe/v1/customers        Stripe's cursor pagination (docs.stripe.com/api/pagination):
      limit (1-100, default 10), starting_after / ending_before (an object ID, mutually
      exclusive); answer {"object": "list", "url": "<request path>", "has_more": bool,
      "data": [...]}, newest first; items carry "object": "customer" and "created". A bad
      limit, both cursors, or an unknown cursor: 400
      {"error": {"type": "invalid_request_error", "message": ..., "param": ...}}
      (docs.stripe.com/api/errors).
  /spotify/v1/me/playlists    Spotify's paging object (developer.spotify.com, "Get Current
      User's Playlists"): limit (1-50, default 20), offset (0-100000, default 0); answer
      {"href", "items", "limit", "next", "offset", "previous", "total"}; href/next/previous
      absolute URLs built from the request's Host header, next and previous null when
      none. A bad limit or offset: 400 {"error": {"status": 400, "message": ...}}.
  /github/repos               GitHub's REST pagination (docs.github.com, "Using pagination
      in the REST API"): page (default 1), per_page (default 30, above 100 gives 100);
      answer a JSON array; a Link header with absolute URLs, rel "prev", "next", "last",
      "first" in that order (prev/first only after page 1, next/last only before the last
      page), and no Link at all when every item fits on one page. A page past the end is [].
  /pages/items                a plain page-numbered API (no vendor): page (from 1, default
      1), size (1-100, default 10; above 100 gives 100); answer {"items": [...], "total": N}.
  /slack/api/conversations.list   Slack's cursor pagination (docs.slack.dev/apis/web-api/
      pagination): cursor (opaque, from a previous answer), limit (1-1000, default 100);
      answer {"ok": true, "channels": [...], "response_metadata": {"next_cursor": "..."}},
      next_cursor "" at the end. Slack documents that a page may hold fewer items than
      asked (even none) before the end: the cursor, not the count, says more exist.
  Aliases that serve the same lists: /spotify/v1/users/me/playlists and /github/user/repos
  (the targets of foreign=path), and any path above under /elsewhere (foreign=outside).

FAULTS, as options (defaults for every request) or per request in a path prefix
/_f/KNOBS/ before the API path, KNOBS a comma-separated list of name=value (a bare name
means =1), e.g. /_f/cap=7,empty-every=3/spotify/v1/me/playlists. Compile a document with
--server http://127.0.0.1:PORT/_f/cap=7 to get one API with that fault; the prefix is kept
in every next URL and Link, so the whole walk sees the same fault. "Page index" p is the
1-based number of the page in the walk (offset // size + 1 for offset and cursor APIs).
  cap=K          serve at most K items a page whatever is asked (the answer's limit field,
                 and the size in next URLs and Links, stay what was asked; next URLs
                 continue after the items actually served)
  ignore-page    the page / offset / cursor parameter is ignored beyond page `from`: every
                 later request gets page `from` again (default: always page 1), with the
                 same next URL / Link / cursor: a paging loop
  self-link      from page index `from` on (default 1), the next URL / Link / cursor points
                 back to the page just served: Spotify and GitHub: the request's own URL;
                 Slack: the request's own cursor; Stripe: a request with starting_after=X
                 gets the page that ends with X (its last id is X again); pages: page p
                 (p >= 2) gets page p - 1's items
  empty-every=K  every K-th page (p % K == 0) comes back empty but says more exist, and the
                 next request continues where it was (nothing is lost): Spotify and GitHub:
                 next URL / Link = the same page with _refill=1 added; Slack: a cursor to the
                 same position; Stripe: data [] with has_more true (Stripe's cursor comes
                 from the last item, so no cursor can be carried); pages: page p is empty
                 and the items shift one page on (total stays N: a walk that stops at
                 page x size >= total misses the last items; no real API does this)
  foreign=WHAT   from page index `from` on, next URLs and Links (Spotify, GitHub) point
                 elsewhere, same path and query: port (the trap's port on 127.0.0.1), host
                 (http://localhost:<this port>), scheme (https://<Host>), path (the alias
                 path under the same prefix: only "the first request's path" is broken,
                 and the alias serves the rest of the list, for nextPath: any), outside
                 (/elsewhere + the whole path: outside the server URL's path when that
                 URL holds the /_f/ prefix, e.g. --server http://127.0.0.1:P/_f/foreign=
                 outside; the /elsewhere copy serves the rest of the list too)
  from=P         the page index where ignore-page, self-link and foreign start (default 1)

CONTROL (never counted or logged):
  GET /_requests       {"count": n, "requests": [{"n", "method", "path", "query" (raw),
                       "args" (name -> list of values), "headers" (lower-cased names),
                       "client_port"}...], "trap_connections": n}: every API request
                       received since the start or the last reset, in order
  DELETE /_requests, POST /_requests/reset   reset the log, the count and the trap count
  GET /_info           {"port", "trap_port", "items", "match_every", "match_word",
                       "matches", "defaults" (the faults given as options)}
"""
import argparse
import base64
import json
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

LOCK = threading.Lock()
LOG = []
TRAP_COUNT = [0]
PORT = 0
TRAP_PORT = 0
OPTS = None            # argparse namespace
DEFAULTS = {}          # the faults given as options
ITEMS = []             # the generic items, i = 1..N

FAULT_NAMES = ("cap", "ignore-page", "self-link", "empty-every", "foreign", "from")
FOREIGN = ("port", "host", "scheme", "path", "outside")
ALIASES = {"/spotify/v1/users/me/playlists": "/spotify/v1/me/playlists",
           "/github/user/repos": "/github/repos"}
ALIAS_OF = {v: k for k, v in ALIASES.items()}


class BadRequest(Exception):
    def __init__(self, status, body):
        super().__init__(str(body))
        self.status = status
        self.body = body


def make_items(n, every, word, pad):
    width = max(4, len(str(n)))
    out = []
    for i in range(1, n + 1):
        name = "Item %0*d" % (width, i)
        if every > 0 and i % every == 0:
            name += " " + word
        it = {"digits": "%0*d" % (width, i), "name": name, "rank": (i * 617767) % 1000003,
              "seq": i}
        if pad > 0:
            it["note"] = "x" * pad
        out.append(it)
    return out


def parse_knobs(text):
    """'cap=7,ignore-page' -> {'cap': '7', 'ignore-page': '1'}; unknown names raise."""
    knobs = {}
    for part in text.split(","):
        if not part:
            continue
        name, _, value = part.partition("=")
        if name not in FAULT_NAMES:
            raise BadRequest(400, {"error": "unknown fault knob %r (known: %s)"
                                   % (name, ", ".join(FAULT_NAMES))})
        knobs[name] = value if _ else "1"
    return knobs


class Faults:
    def __init__(self, knobs):
        try:
            self.cap = int(knobs.get("cap", "0") or 0)
            self.ignore_page = knobs.get("ignore-page", "0") not in ("0", "")
            self.self_link = knobs.get("self-link", "0") not in ("0", "")
            self.empty_every = int(knobs.get("empty-every", "0") or 0)
            self.start = max(1, int(knobs.get("from", "1") or 1))
        except ValueError as e:
            raise BadRequest(400, {"error": "bad fault knob value: %s" % e})
        self.foreign = knobs.get("foreign") or None
        if self.foreign is not None and self.foreign not in FOREIGN:
            raise BadRequest(400, {"error": "foreign must be one of " + ", ".join(FOREIGN)})

    def size(self, asked):
        return min(asked, self.cap) if self.cap > 0 else asked

    def is_empty(self, page, refill):
        return self.empty_every > 0 and page % self.empty_every == 0 and not refill


def int_arg(args, name):
    v = args.get(name)
    if v is None:
        return None
    return int(v[0])        # ValueError: the caller answers the API's own error


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: without TCP_NODELAY the second waits
    # for the client's delayed ACK (about 40 ms a page on Linux loopback).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    # -- plumbing -------------------------------------------------------------------------

    def send_json(self, status, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def base_url(self):
        return "http://" + (self.headers.get("Host") or "127.0.0.1:%d" % PORT)

    def handle_any(self):
        try:
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = handle_any

    def record(self, u):
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        with LOCK:
            LOG.append({"n": len(LOG) + 1, "method": self.command, "path": u.path,
                        "query": u.query,
                        "args": parse_qs(u.query, keep_blank_values=True),
                        "headers": headers, "client_port": self.client_address[1]})

    def route(self):
        u = urlsplit(self.path)
        path = u.path
        if path in ("/_requests", "/_requests/reset"):
            if self.command == "GET" and path == "/_requests":
                with LOCK:
                    self.send_json(200, {"count": len(LOG), "requests": LOG,
                                         "trap_connections": TRAP_COUNT[0]})
            elif (self.command == "DELETE" and path == "/_requests") or \
                    (self.command == "POST" and path == "/_requests/reset"):
                with LOCK:
                    LOG.clear()
                    TRAP_COUNT[0] = 0
                self.send_json(200, {"count": 0})
            else:
                self.send_json(405, {"error": "GET /_requests, DELETE /_requests or "
                                     "POST /_requests/reset"})
            return
        if path == "/_info":
            every = OPTS.match_every
            self.send_json(200, {"port": PORT, "trap_port": TRAP_PORT, "items": OPTS.items,
                                 "match_every": every, "match_word": OPTS.match_word,
                                 "matches": OPTS.items // every if every > 0 else 0,
                                 "defaults": DEFAULTS})
            return
        self.record(u)
        try:
            self.api(u)
        except BadRequest as e:
            self.send_json(e.status, e.body)

    def api(self, u):
        path = u.path
        outside = ""
        if path.startswith("/elsewhere/"):
            outside = "/elsewhere"
            path = path[len(outside):]
        prefix = ""
        knobs = dict(DEFAULTS)
        if path.startswith("/_f/"):
            seg, _, rest = path[len("/_f/"):].partition("/")
            knobs.update(parse_knobs(seg))
            prefix = "/_f/" + seg
            path = "/" + rest
        faults = Faults(knobs)
        api_path = ALIASES.get(path, path)
        handler = {"/stripe/v1/customers": self.stripe,
                   "/spotify/v1/me/playlists": self.spotify,
                   "/github/repos": self.github,
                   "/pages/items": self.pages,
                   "/slack/api/conversations.list": self.slack}.get(api_path)
        if handler is None:
            self.send_json(404, {"error": "no such endpoint: " + u.path})
            return
        if self.command not in ("GET", "HEAD"):
            self.send_json(405, {"error": "only GET and HEAD"}, extra=[("Allow", "GET, HEAD")])
            return
        ctx = {"u": u, "faults": faults, "served": outside + prefix + path,
               "prefix": prefix, "path": path, "outside": outside,
               "args": parse_qs(u.query, keep_blank_values=True)}
        handler(ctx)

    def next_url(self, ctx, query, page):
        """An absolute URL for the same path with QUERY; faults.foreign applies when the
        page just served has index >= from."""
        f = ctx["faults"]
        base = self.base_url()
        path = ctx["served"]
        if f.foreign and page >= f.start:
            if f.foreign == "port":
                base = "http://127.0.0.1:%d" % TRAP_PORT
            elif f.foreign == "host":
                base = "http://localhost:%d" % PORT
            elif f.foreign == "scheme":
                base = "https://" + (self.headers.get("Host") or "127.0.0.1:%d" % PORT)
            elif f.foreign == "path":
                alias = ALIAS_OF.get(ALIASES.get(ctx["path"], ctx["path"]), ctx["path"])
                path = ctx["outside"] + ctx["prefix"] + alias
            elif f.foreign == "outside":
                path = "/elsewhere" + ctx["prefix"] + ctx["path"] if not ctx["outside"] \
                    else path
        return base + path + ("?" + query if query else "")

    def own_url(self, ctx):
        u = ctx["u"]
        return self.base_url() + u.path + ("?" + u.query if u.query else "")

    @staticmethod
    def other_args(ctx, drop):
        out = []
        for k, vs in ctx["args"].items():
            if k in drop or k == "_refill":
                continue
            for v in vs:
                out.append((k, v))
        return out

    # -- Stripe ---------------------------------------------------------------------------
    # https://docs.stripe.com/api/pagination: "limit optional, default is 10 ... ranging
    # between 1 and 100"; starting_after / ending_before take an object ID and "are
    # mutually exclusive"; objects come "in reverse chronological order"; the list object is
    # {"object": "list", "url": "/v1/customers", "has_more": false, "data": [...]}.
    # https://docs.stripe.com/api/errors: the error object has type (invalid_request_error
    # for invalid parameters), message and param; 400 Bad Request. "This value must be
    # greater than or equal to 1." with status 400 is Stripe's message for a number under
    # its minimum (quoted in github.com/stripe/stripe-php/issues/982 and #943); the
    # maximum's message is its counterpart. The other messages are Stripe's as far as we
    # know them; a cursor naming no object gets code resource_missing with 400 (our
    # assumption for a list call).

    def stripe_error(self, message, param, code=None):
        err = {"type": "invalid_request_error", "message": message, "param": param}
        if code:
            err["code"] = code
        raise BadRequest(400, {"error": err})

    def stripe(self, ctx):
        f, args = ctx["faults"], ctx["args"]
        try:
            limit = int_arg(args, "limit")
        except ValueError:
            self.stripe_error("Invalid integer: %s" % args["limit"][0], "limit")
        if limit is None:
            limit = 10
        if limit < 1:
            self.stripe_error("This value must be greater than or equal to 1.", "limit")
        if limit > 100:
            self.stripe_error("This value must be less than or equal to 100.", "limit")
        after = args.get("starting_after", [None])[0]
        before = args.get("ending_before", [None])[0]
        if after and before:
            self.stripe_error("You may only specify one of these parameters: "
                              "ending_before, starting_after.", "ending_before")
        # newest first: position 0 is item N
        order = list(reversed(ITEMS))
        ids = ["cus_" + it["digits"] for it in order]
        size = f.size(limit)

        def find(cursor, param):
            try:
                return ids.index(cursor)
            except ValueError:
                self.stripe_error("No such customer: '%s'" % cursor, param,
                                  "resource_missing")

        if before:
            end = find(before, "ending_before")
            start = max(0, end - size)
            page = start // size + 1
            window = (start, end)
            has_more = start > 0
        else:
            start = find(after, "starting_after") + 1 if after else 0
            page = start // size + 1 if size else 1
            if f.ignore_page and page > f.start:
                page = f.start
                start = (f.start - 1) * size
            if f.self_link and after and page >= f.start:
                start = max(0, start - size)        # the page that ends with `after`
            end = min(len(ids), start + size)
            window = (start, end)
            has_more = end < len(ids)
        if f.is_empty(page, False) and window[0] < window[1]:
            data = []
            has_more = True
        else:
            data = []
            for k in range(window[0], window[1]):
                it = order[k]
                obj = {"id": ids[k], "object": "customer", "created": 1700000000 + it["seq"]}
                obj.update({key: v for key, v in it.items() if key != "digits"})
                data.append(obj)
        self.send_json(200, {"object": "list", "url": ctx["u"].path, "has_more": has_more,
                             "data": data})

    # -- Spotify --------------------------------------------------------------------------
    # developer.spotify.com/documentation/web-api/reference/get-a-list-of-current-users-
    # playlists: limit "Default: 20. Minimum: 1. Maximum: 50", offset "Default: 0"; the
    # paging object: href ("A link to the Web API endpoint returning the full result of the
    # request", e.g. "https://api.spotify.com/v1/me/shows?offset=0&limit=20"), items, limit,
    # next ("URL to the next page of items. (null if none)"), offset, previous (likewise),
    # total. Errors: the regular error object {"error": {"status", "message"}}.

    def spotify_url(self, ctx, offset, limit, page, refill=False):
        q = [("offset", str(offset)), ("limit", str(limit))]
        q += self.other_args(ctx, ("offset", "limit"))
        if refill:
            q.append(("_refill", "1"))
        return self.next_url(ctx, urlencode(q), page)

    def spotify(self, ctx):
        f, args = ctx["faults"], ctx["args"]
        try:
            limit = int_arg(args, "limit")
            offset = int_arg(args, "offset")
        except ValueError:
            raise BadRequest(400, {"error": {"status": 400, "message": "Invalid limit or offset"}})
        limit = 20 if limit is None else limit
        offset = 0 if offset is None else offset
        if limit < 1 or limit > 50:
            raise BadRequest(400, {"error": {"status": 400, "message": "Invalid limit"}})
        if offset < 0 or offset > 100000:
            raise BadRequest(400, {"error": {"status": 400, "message": "Invalid offset"}})
        total = len(ITEMS)
        size = f.size(limit)
        page = offset // size + 1
        if f.ignore_page and page > f.start:
            page = f.start
            offset = (f.start - 1) * size
        refill = "_refill" in args
        end = min(total, offset + size)
        if f.is_empty(page, refill) and offset < total:
            items = []
            nxt = self.spotify_url(ctx, offset, limit, page, refill=True)
        else:
            items = []
            for it in ITEMS[offset:end]:
                pid = "pl" + it["digits"]
                obj = {"id": pid, "type": "playlist", "uri": "spotify:playlist:" + pid,
                       "href": self.base_url() + "/spotify/v1/playlists/" + pid}
                obj.update({key: v for key, v in it.items() if key != "digits"})
                items.append(obj)
            nxt = self.spotify_url(ctx, end, limit, page) if end < total else None
        if nxt is not None and f.self_link and page >= f.start:
            nxt = self.own_url(ctx)
        prev = self.spotify_url(ctx, max(0, offset - limit), limit, 0) if offset > 0 else None
        self.send_json(200, {"href": self.own_url(ctx), "items": items, "limit": limit,
                             "next": nxt, "offset": offset, "previous": prev,
                             "total": total})

    # -- GitHub ---------------------------------------------------------------------------
    # docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api: "If the
    # endpoint does not support pagination, or if all results fit on a single page, the link
    # header will be omitted"; the example link header lists rel="prev", "next", "last",
    # "first" with absolute URLs that keep the query and set page; no prev link on the
    # first page; per_page defaults to 30 and at most 100 items come back ("If a per_page
    # value greater than a given endpoint's maximum value is supplied, only results up to
    # the maximum will be returned").

    def github_url(self, ctx, page, link_page, refill=False):
        q = self.other_args(ctx, ("page",)) + [("page", str(page))]
        if refill:
            q.append(("_refill", "1"))
        return self.next_url(ctx, urlencode(q), link_page)

    def github(self, ctx):
        f, args = ctx["faults"], ctx["args"]
        try:
            page = int_arg(args, "page")
        except ValueError:
            page = None
        try:
            per_page = int_arg(args, "per_page")
        except ValueError:
            per_page = None
        page = page if page and page > 0 else 1
        per_page = min(100, per_page) if per_page and per_page > 0 else 30
        if f.ignore_page and page > f.start:
            page = f.start
        size = f.size(per_page)
        total = len(ITEMS)
        last = max(1, -(-total // size))
        refill = "_refill" in args
        start = (page - 1) * size
        empty = f.is_empty(page, refill) and start < total
        body = []
        if not empty:
            for it in ITEMS[start:start + size]:
                obj = {"id": "r" + it["digits"], "node_id": "R_" + it["digits"],
                       "full_name": "octo/repo-" + it["digits"]}
                obj.update({key: v for key, v in it.items() if key != "digits"})
                body.append(obj)
        links = []
        if page > 1:
            links.append((self.github_url(ctx, min(page - 1, last), 0), "prev"))
        if empty:
            links.append((self.github_url(ctx, page, page, refill=True), "next"))
        elif page < last:
            nxt = self.github_url(ctx, page + 1, page)
            if f.self_link and page >= f.start:
                nxt = self.own_url(ctx)
            links.append((nxt, "next"))
        if page < last:
            links.append((self.github_url(ctx, last, 0), "last"))
        if page > 1:
            links.append((self.github_url(ctx, 1, 0), "first"))
        extra = []
        if links and last > 1:
            extra.append(("Link", ", ".join('<%s>; rel="%s"' % lr for lr in links)))
        self.send_json(200, body, extra=extra)

    # -- a page-numbered API (no vendor) ----------------------------------------------------

    def pages(self, ctx):
        f, args = ctx["faults"], ctx["args"]
        try:
            page = int_arg(args, "page")
            size = int_arg(args, "size")
        except ValueError:
            raise BadRequest(400, {"error": "page and size must be integers"})
        page = 1 if page is None else page
        size = 10 if size is None else size
        if page < 1 or size < 1:
            raise BadRequest(400, {"error": "page and size must be at least 1"})
        size = f.size(min(100, size))
        if f.ignore_page and page > f.start:
            page = f.start
        if f.self_link and page >= max(2, f.start):
            page -= 1
        real = page
        if f.empty_every > 0:
            if page % f.empty_every == 0:
                real = None
            else:
                real = page - page // f.empty_every
        items = []
        if real is not None:
            for it in ITEMS[(real - 1) * size:real * size]:
                obj = {"id": "item-" + it["digits"]}
                obj.update({key: v for key, v in it.items() if key != "digits"})
                items.append(obj)
        self.send_json(200, {"items": items, "total": len(ITEMS)})

    # -- Slack ----------------------------------------------------------------------------
    # docs.slack.dev/apis/web-api/pagination: cursor and limit parameters; the answer's
    # response_metadata.next_cursor is set "when there are additional results", and an
    # empty string marks the end; conversations.list: limit default 100, "no larger than
    # 1000", "Fewer than the requested number of items may be returned, even if the end of
    # the list hasn't been reached". Cursors look like base64 ("dXNlcjpVMDYxTkZUVDI=").
    # Slack answers errors with 200 {"ok": false, "error": "invalid_cursor"}.

    @staticmethod
    def slack_cursor(offset, refill=False):
        text = "offset:%d%s" % (offset, ":r" if refill else "")
        return base64.b64encode(text.encode()).decode()

    def slack(self, ctx):
        f, args = ctx["faults"], ctx["args"]
        try:
            limit = int_arg(args, "limit")
        except ValueError:
            raise BadRequest(200, {"ok": False, "error": "invalid_limit"})
        limit = 100 if limit is None or limit < 1 else min(limit, 1000)
        cursor = args.get("cursor", [""])[0]
        offset, refill = 0, False
        if cursor:
            try:
                parts = base64.b64decode(cursor.encode(), validate=True).decode().split(":")
                if parts[0] != "offset":
                    raise ValueError(cursor)
                offset = int(parts[1])
                refill = len(parts) > 2
            except (ValueError, UnicodeDecodeError, IndexError):
                raise BadRequest(200, {"ok": False, "error": "invalid_cursor"})
        size = f.size(limit)
        page = offset // size + 1
        if f.ignore_page and page > f.start:
            page = f.start
            offset = (f.start - 1) * size
        total = len(ITEMS)
        end = min(total, offset + size)
        if f.is_empty(page, refill) and offset < total:
            channels = []
            nxt = self.slack_cursor(offset, refill=True)
        else:
            channels = []
            for it in ITEMS[offset:end]:
                obj = {"id": "C" + it["digits"], "is_channel": True}
                obj.update({key: v for key, v in it.items() if key != "digits"})
                channels.append(obj)
            nxt = self.slack_cursor(end) if end < total else ""
        if nxt and f.self_link and page >= f.start:
            nxt = cursor or self.slack_cursor(offset)
        self.send_json(200, {"ok": True, "channels": channels,
                             "response_metadata": {"next_cursor": nxt}})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def trap_loop(sock):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        with LOCK:
            TRAP_COUNT[0] += 1
        try:
            conn.close()
        except OSError:
            pass


def watch_stdin():
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


def main():
    global PORT, TRAP_PORT, OPTS, ITEMS
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=50)
    p.add_argument("--match-every", type=int, default=5)
    p.add_argument("--match-word", default="blue")
    p.add_argument("--pad", type=int, default=0)
    p.add_argument("--cap", type=int)
    p.add_argument("--ignore-page", action="store_true")
    p.add_argument("--self-link", action="store_true")
    p.add_argument("--empty-every", type=int)
    p.add_argument("--foreign", choices=FOREIGN)
    p.add_argument("--from", dest="start", type=int)
    p.add_argument("--no-stdin-exit", action="store_true")
    OPTS = p.parse_args()
    if OPTS.items < 0:
        p.error("--items must be >= 0")
    for name, value in (("cap", OPTS.cap), ("empty-every", OPTS.empty_every),
                        ("foreign", OPTS.foreign), ("from", OPTS.start)):
        if value is not None:
            DEFAULTS[name] = str(value)
    if OPTS.ignore_page:
        DEFAULTS["ignore-page"] = "1"
    if OPTS.self_link:
        DEFAULTS["self-link"] = "1"
    ITEMS = make_items(OPTS.items, OPTS.match_every, OPTS.match_word, OPTS.pad)
    server = Server(("127.0.0.1", 0), Handler)
    PORT = server.server_address[1]
    trap = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    trap.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    trap.bind(("127.0.0.1", 0))
    trap.listen(16)
    TRAP_PORT = trap.getsockname()[1]
    threading.Thread(target=trap_loop, args=(trap,), daemon=True).start()
    if not OPTS.no_stdin_exit:
        threading.Thread(target=watch_stdin, daemon=True).start()
    print(PORT, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
