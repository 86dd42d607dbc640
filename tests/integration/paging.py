#!/usr/bin/env python3
"""paging.py - the Flow side of tests/integration/paging.sh (Python 3, stdlib only; the
request bodies and the answer parser are flow.py's).

    paging.py db                       the json-server database: 50 items in three lists
    paging.py run --mode cgi|fcgi ...  every check of product.md §12.2 against the worker,
                                       as CGI (--bin, --cache) or through a FastCGI pool
                                       (--sock, and --sock2 for the pool with --max-pages 2)

THE DATA: the same 50 items everywhere (paging-upstream.py's data set with --match-every 4):
item i (1..50) is named "Item 0001", with " blue" when i is a multiple of 4 (a CONTAINS
"BLUE" finds 12 items, 2 or 3 on each 10-item page), has a rank in no order
((i * 617767) % 1000003) and seq = i. Each list has its own IDs and order (Stripe lists
newest first). Every list pages 10 items an API page (`maxLimit: 10` in the documents).

THE LISTS (tests/integration/paging-json.yaml, paging-apis.yaml):
  link      LinkItem on json-server, style link          (walks from page 1)
  page      PageItem on json-server, style page
  offset    OffsetItem on json-server, style offset, total: header:X-Total-Count
  cursor    Customer, Stripe on paging-upstream.py, style cursor (walks)
  next-url  Playlist, Spotify on paging-upstream.py, style next-url (walks)
  github    Repo, GitHub, style link (walks)
  pages     NumberedItem, a page-numbered API with a total, style page
  spotify-offset  OffsetPlaylist, Spotify read by offset, with its total
  slack     Channel, Slack, style cursor whose cursor is not read from the items (walks)
and the faults on paging-upstream.py compiled with a /_f/KNOBS server prefix, where they
apply: stripe (= cursor), spotify (= next-url), spotify-offset, github, pages, slack.

API requests are counted: json-server's through the record file of middleware.js, the
others through paging-upstream.py's /_requests. Every check prints "PASS: ..." or
"FAIL: ..." (with what was expected and what came back) and is appended to --results.
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import time
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow import (AUTH_HEADER, Answer, data_request, list_filter, mobject,  # noqa: E402
                  prop, shape_errors, where)

N = 50
EVERY = 4
WORD = "blue"
API_KEY = "k-PAGING-4711"          # GitHub's and Spotify's lists need it on every page
JSON_REG = "http://example.test/paging-json.yaml"
APIS_REG = "http://example.test/paging-apis.yaml"
INFERRED_REG = "http://example.test/paging-inferred.yaml"
# the fault registrations: paging-apis.yaml compiled with --server PAGING_URL/_f/KNOBS
# (paging.sh: cap=7 empty-every=3 self-link ignore-page foreign=port|path|host|scheme|outside)


def fault_reg(name):
    return "http://example.test/paging-apis-%s.yaml" % name


def name_of(i):
    return "Item %04d" % i + (" " + WORD if i % EVERY == 0 else "")


def rank_of(i):
    return (i * 617767) % 1000003


def db():
    """The json-server database: the three json-server lists hold the same items."""
    items = [{"id": i, "name": name_of(i), "rank": rank_of(i), "seq": i} for i in range(1, N + 1)]
    return {"linkitems": items, "pageitems": items, "offsetitems": items}


class Lst:
    """One list: its registration, type, how its IDs look, its order, its counter."""

    def __init__(self, key, style, reg, type_name, props, idfmt, newest_first, server,
                 walks):
        self.idtype = "ContentNumber" if idfmt is str else "ContentString"
        self.key_needed = type_name in ("Playlist", "AnyPathPlaylist", "Repo", "KeyedPlaylist")
        self.key, self.style, self.reg, self.type = key, style, reg, type_name
        self.props, self.idfmt, self.server, self.walks = props, idfmt, server, walks
        seqs = list(range(N, 0, -1)) if newest_first else list(range(1, N + 1))
        self.seqs = seqs
        self.all = [idfmt(i) for i in seqs]
        self.matches = [idfmt(i) for i in seqs if i % EVERY == 0]
        self.by_rank = [idfmt(i) for i in sorted(seqs, key=rank_of)]

    def on(self, reg):
        """The same list in another registration (a fault's)."""
        other = Lst.__new__(Lst)
        other.__dict__.update(self.__dict__)
        other.reg = reg
        return other


ITEM_PROPS = ["id", "name", "rank", "seq"]
LISTS = {
    "link": Lst("link", "link", JSON_REG, "LinkItem", ITEM_PROPS, str, False, "json", True),
    "page": Lst("page", "page", JSON_REG, "PageItem", ITEM_PROPS, str, False, "json", False),
    "offset": Lst("offset", "offset", JSON_REG, "OffsetItem", ITEM_PROPS, str, False, "json",
                  False),
    "cursor": Lst("cursor", "cursor", APIS_REG, "Customer",
                  ["id", "object", "created", "name", "rank", "seq"],
                  lambda i: "cus_%04d" % i, True, "apis", True),
    "next-url": Lst("next-url", "next-url", APIS_REG, "Playlist",
                    ["id", "type", "uri", "href", "name", "rank", "seq"],
                    lambda i: "pl%04d" % i, False, "apis", True),
}
# the other lists of paging-apis.yaml, also given the main checks
LISTS.update({
    "github": Lst("github", "link", APIS_REG, "Repo",
                  ["id", "node_id", "full_name", "name", "rank", "seq"],
                  lambda i: "r%04d" % i, False, "apis", True),
    "pages": Lst("pages", "page", APIS_REG, "NumberedItem", ITEM_PROPS,
                 lambda i: "item-%04d" % i, False, "apis", False),
    "spotify-offset": Lst("spotify-offset", "offset", APIS_REG, "OffsetPlaylist",
                          ["id", "type", "uri", "href", "name", "rank", "seq"],
                          lambda i: "pl%04d" % i, False, "apis", False),
    "slack": Lst("slack", "cursor", APIS_REG, "Channel",
                 ["id", "is_channel", "name", "rank", "seq"],
                 lambda i: "C%04d" % i, False, "apis", True),
})
FAULT_LISTS = {
    "stripe": LISTS["cursor"],
    "spotify": LISTS["next-url"],
    "spotify-offset": LISTS["spotify-offset"],
    "github": LISTS["github"],
    "pages": LISTS["pages"],
    "slack": LISTS["slack"],
    "any-path": Lst("any-path", "next-url", APIS_REG, "AnyPathPlaylist",
                    ["id", "type", "uri", "href", "name", "rank", "seq"],
                    lambda i: "pl%04d" % i, False, "apis", True),
}


def _clip(v, n=700):
    s = v if isinstance(v, str) else json.dumps(v) if not isinstance(v, Answer) else v.short()
    return s if len(s) <= n else s[:n] + "..."


class Counters:
    """API requests (and trap connections) so far, per upstream."""

    def __init__(self, json_record, apis_url):
        self.json_record, self.apis_url = json_record, apis_url

    def _apis(self):
        with urllib.request.urlopen(self.apis_url + "/_requests", timeout=5) as r:
            j = json.loads(r.read().decode())
        return j["count"], j["trap_connections"], j["requests"]

    def snap(self):
        try:
            with open(self.json_record, encoding="utf-8") as f:
                js = sum(1 for _ in f)
        except FileNotFoundError:
            js = 0
        n, trap, _ = self._apis()
        return {"json": js, "apis": n, "trap": trap}

    def since(self, s0):
        s1 = self.snap()
        return {k: s1[k] - s0[k] for k in s1}

    def json_log(self, s0):
        """json-server's request URLs since S0 (middleware.js's record file)."""
        with open(self.json_record, encoding="utf-8") as f:
            return [json.loads(x)["url"] for x in f.read().splitlines()[s0["json"]:] if x]

    def apis_log(self, s0):
        """The paging-upstream.py request records since S0."""
        return self._apis()[2][s0["apis"]:]

    def apis_requests(self, s0):
        """The paging-upstream.py requests since S0 (path and query)."""
        _, _, reqs = self._apis()
        return ["%s?%s" % (r["path"], r["query"]) for r in reqs[s0["apis"]:]]


TRANSCRIPT_LOCK = threading.Lock()


class Target:
    """How to reach the worker: CGI (one process a request) or a FastCGI pool."""

    def __init__(self, label, mode, binary=None, sock=None, env=(), log=None, transcript=None):
        self.label, self.mode, self.bin, self.sock = label, mode, binary, sock
        self.env, self.log, self.transcript = dict(env), log, transcript
        self.requests = 0

    def load(self, reg, type_name, props, lf, objects=None, key=False):
        cfg = [{"developerName": "Schema URL", "contentValue": reg,
                "contentType": "ContentString"}]
        if key:
            cfg.append({"developerName": "API Key", "contentValue": API_KEY,
                        "contentType": "ContentString"})
        body = data_request(cfg, type_name, props, lf, objects)
        data = json.dumps(body).encode()
        path = "/openapi/data"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GATEWAY_INTERFACE": "CGI/1.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST", "QUERY_STRING": "",
               "REQUEST_URI": path, "CONTENT_LENGTH": str(len(data)),
               "CONTENT_TYPE": "application/json", "HTTP_AUTHORIZATION": AUTH_HEADER}
        if self.mode == "cgi":
            env.update(SCRIPT_NAME="", PATH_INFO=path)
            argv = [self.bin]
        else:
            env["SCRIPT_NAME"] = path
            argv = ["cgi-fcgi", "-bind", "-connect", self.sock]
        env.update(self.env)
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, input=data, env=env, capture_output=True, timeout=40)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = e.stdout or b"", e.stderr or b"", -1
        elapsed = time.monotonic() - t0
        self.requests += 1
        if self.mode == "cgi" and self.log:
            with open(self.log, "ab") as f:
                f.write(err)
        if self.transcript:
            with TRANSCRIPT_LOCK, open(self.transcript, "a", encoding="utf-8") as f:
                f.write("### %s %s %s (%.3f s, exit %s)\n%s\n--- answer\n%s\n--- stderr\n%s\n\n"
                        % (self.label, reg, type_name, elapsed, rc,
                           json.dumps(lf), out.decode("utf-8", "replace"),
                           err.decode("utf-8", "replace")))
        return Answer(out, err, elapsed, rc)


class Run:
    def __init__(self, a):
        self.a = a
        self.results = open(a.results, "a", encoding="utf-8")
        self.npass = self.nfail = 0
        self.count = Counters(a.json_record, a.apis_url)
        self.last_calls = None

    # reporting
    def _out(self, line):
        print(line, flush=True)
        self.results.write(line + "\n")
        self.results.flush()

    def check(self, what, ok, expected=None, got=None):
        if ok:
            self.npass += 1
            self._out("PASS: %s" % what)
        else:
            self.nfail += 1
            msg = "FAIL: %s" % what
            if expected is not None or got is not None:
                msg += "\n      expected: %s\n      got:      %s" % (_clip(expected), _clip(got))
            self._out(msg)
        return ok

    def eq(self, what, expected, got):
        return self.check(what, expected == got, expected, got)

    # requests
    def load(self, t, L, lf, objects=None):
        """(answer, API requests made for it on L's upstream, trap connections)."""
        s0 = self.count.snap()
        ans = t.load(L.reg, L.type, L.props, lf, objects, key=L.key_needed)
        d = self.count.since(s0)
        return ans, d[L.server], d["trap"], s0

    def ok200(self, what, ans):
        j = ans.json
        ok = (ans.status == 200 and isinstance(j, dict) and isinstance(j.get("objectData"), list)
              and isinstance(j.get("hasMoreResults"), bool))
        if not self.check("%s: 200 with objectData and hasMoreResults" % what, ok,
                          "200 ObjectDataResponse", ans):
            return False
        errs = shape_errors("/data", ans)
        if errs:
            self.check("%s: the documented fields (flow-protocol.md §4.7)" % what, False,
                       "none missing", errs)
        tok = j.get("offsetToken")
        if tok is not None and not (isinstance(tok, str) and tok):
            self.check("%s: offsetToken is a non-empty string when present" % what, False,
                       "a string", tok)
        return True

    def problem(self, what, ans, status, words):
        j = ans.json if isinstance(ans.json, dict) else {}
        msg = j.get("message") if isinstance(j.get("message"), str) else ""
        ok = (ans.status == status and j.get("statusCode") == status
              and ans.headers.get("x-manywho-service-problem-kind") == "service")
        low = msg.lower()
        missing = [w for w in words if w.lower() not in low]
        return self.check("%s: %d ServiceProblem naming %s" % (what, status, " + ".join(
            repr(w) for w in words)), ok and not missing,
            "status %d, message with %s" % (status, words), ans)

    @staticmethod
    def ids(ans):
        return [o.get("externalId") for o in ans.json["objectData"]]

    def page(self, t, L, what, lf, exp_ids, exp_more, calls=None, max_calls=None,
             token_check=True):
        """One load whose items must be EXP_IDS exactly (in order) and hasMoreResults
        EXP_MORE; an offsetToken exactly when the list goes on (TOKEN_CHECK); CALLS /
        MAX_CALLS: the API requests it may make. Returns the answer (None if not 200)."""
        ans, n, _, _ = self.load(t, L, lf)
        self.last_calls = n
        if not self.ok200(what, ans):
            return None
        self.eq("%s: the items, in order" % what, exp_ids, self.ids(ans))
        self.eq("%s: hasMoreResults" % what, exp_more, ans.json["hasMoreResults"])
        tok = ans.json.get("offsetToken")
        if token_check:
            if exp_more:
                self.check("%s: an offsetToken (the list goes on)" % what,
                           isinstance(tok, str) and tok != "", "a token", tok)
            else:
                self.check("%s: no offsetToken at the end of the list" % what, tok is None,
                           "absent", tok)
        if calls is not None:
            self.eq("%s: API requests" % what, calls, n)
        if max_calls is not None:
            self.check("%s: at most %d API requests" % (what, max_calls), n <= max_calls,
                       "<= %d" % max_calls, n)
        return ans

    def walk(self, t, L, what, limit, exp_all, base=None, first_len=None, max_calls=None,
             cont_max_calls=None):
        """Flow's cursor paging: LIMIT items a request, each next request bringing back the
        offsetToken (and the offset it continues at), until an answer without more: the
        concatenation must be EXP_ALL, no duplicate, no gap."""
        base = base or {}
        got, off, tok, rounds, cont_calls, all_calls = [], 0, None, 0, [], []
        last = None
        while rounds < 40:
            lf = list_filter(limit=limit, offset=off, **base)
            if tok:
                lf["offsetToken"] = tok
            ans, n, _, _ = self.load(t, L, lf)
            all_calls.append(n)
            if tok:
                cont_calls.append(n)
            rounds += 1
            if not self.ok200("%s: request %d" % (what, rounds), ans):
                return None
            ids = self.ids(ans)
            if rounds == 1 and first_len is not None:
                self.eq("%s: the first answer holds %d items" % (what, first_len), first_len,
                        len(ids))
            got += ids
            off += len(ids)
            last = ans
            tok = ans.json.get("offsetToken")
            if not ans.json["hasMoreResults"]:
                break
            if not (isinstance(tok, str) and tok):
                self.check("%s: request %d says hasMoreResults with an offsetToken" % (
                    what, rounds), False, "a token", ans)
                break
        self.eq("%s: every item once, in order, no gap (%d requests)" % (what, rounds),
                exp_all, got)
        self.eq("%s: no duplicate" % what, [], sorted({x for x in got if got.count(x) > 1}))
        if last is not None and not last.json["hasMoreResults"]:
            self.check("%s: the last answer carries no offsetToken" % what,
                       last.json.get("offsetToken") is None, "absent",
                       last.json.get("offsetToken"))
        if max_calls is not None:
            self.check("%s: at most %d API requests an answer" % (what, max_calls),
                       max(all_calls) <= max_calls, "<= %d" % max_calls, all_calls)
        if cont_max_calls is not None and cont_calls:
            self.check("%s: a token continuation does not walk from page 1 again (at most "
                       "%d API requests each)" % (what, cont_max_calls),
                       max(cont_calls) <= cont_max_calls, "<= %d each" % cont_max_calls,
                       cont_calls)
        return got

    # ----- the checks of one list ----------------------------------------------------------

    def main_checks(self, t, L, other):
        p = "%s: %s (%s)" % (t.label, L.key, L.type)
        A = L.all
        contains = {"comparisonType": "AND", "where": [where("name", "CONTAINS", "BLUE")]}
        by_rank = {"orderByPropertyDeveloperName": "rank", "orderByDirectionType": "ASC"}

        # the whole list
        s0 = self.count.snap()
        ans = self.page(t, L, "%s: null listFilter" % p, None, A, False)
        self.check("%s: null listFilter: 5 or 6 API requests (5 pages of 10)" % p,
                   self.last_calls in (5, 6), "5 or 6", self.last_calls)
        if L.server == "json":
            # what json-server was asked: the link style's first request binds _page=1 (the
            # constant: json-server sends Link only then); pages of maxLimit 10
            # (offset 0 may be left out)
            want = {"link": ["/linkitems?_limit=10&_page=1"],
                    "page": ["/pageitems?_limit=10&_page=1"],
                    "offset": ["/offsetitems?_limit=10&_start=0", "/offsetitems?_limit=10"]
                    }[L.key]
            got = self.count.json_log(s0)[:1]
            norm = ["%s?%s" % (u.split("?")[0], "&".join(sorted(u.split("?", 1)[1].split("&"))))
                    if "?" in u else u for u in got]
            self.check("%s: null listFilter: the first request to json-server" % p,
                       len(norm) == 1 and norm[0] in want, " or ".join(want), norm)
        if L.server == "apis":
            log = self.count.apis_log(s0)
            # §12.2: page requests reuse the kept-alive connection, same credentials
            self.eq("%s: null listFilter: every page on one kept-alive connection" % p, 1,
                    len({r["client_port"] for r in log}))
            if L.key_needed:
                self.eq("%s: null listFilter: every page carries the API key" % p,
                        [API_KEY] * len(log), [r["headers"].get("x-api-key") for r in log])
        if ans is not None and L.key == "cursor":
            got = self.ids(ans)
            self.check("%s: Stripe's {object: list, data: [...]} is read as a list of "
                       "customers, not one object" % p,
                       len(got) > 1 and all(str(x).startswith("cus_") for x in got),
                       "several cus_ IDs", got)

        # exact pages
        self.page(t, L, "%s: limit 5 offset 0" % p, list_filter(limit=5, offset=0), A[0:5],
                  True, calls=1)
        self.page(t, L, "%s: limit 10 offset 0" % p, list_filter(limit=10, offset=0), A[0:10],
                  True)
        self.page(t, L, "%s: limit 7 offset 13" % p, list_filter(limit=7, offset=13),
                  A[13:20], True)
        self.page(t, L, "%s: limit 25 offset 10 (over maxLimit 10)" % p,
                  list_filter(limit=25, offset=10), A[10:35], True)
        self.page(t, L, "%s: limit 25 offset 30 (over maxLimit, to the end)" % p,
                  list_filter(limit=25, offset=30), A[30:50], False)
        if L.key == "page":
            # json-server's pages carry no sign of more (no hasMore, total, next) and
            # limit + 1 = 11 does not fit under maxLimit 10: no extra item is asked for, so
            # hasMoreResults is "the API returned a full page" (§12.2), and the token's
            # continuation finds the end
            ans = self.page(t, L, "%s: limit 10 offset 40 (the last page exactly, a full "
                            "page: no sign of the end)" % p,
                            list_filter(limit=10, offset=40), A[40:50], True)
            tok = (ans.json.get("offsetToken") if ans is not None else None) or None
            if tok:
                self.page(t, L, "%s: limit 10 offset 50 with that token: the end" % p,
                          list_filter(limit=10, offset=50, offsetToken=tok), [], False,
                          max_calls=1)
        else:
            self.page(t, L, "%s: limit 10 offset 40 (the last page exactly)" % p,
                      list_filter(limit=10, offset=40), A[40:50], False)
        self.page(t, L, "%s: limit 5 offset 48" % p, list_filter(limit=5, offset=48),
                  A[48:50], False)
        if not L.walks:
            self.page(t, L, "%s: limit 5 offset 33 (the API page is fetched directly)" % p,
                      list_filter(limit=5, offset=33), A[33:38], True, max_calls=2)

        # Flow's cursor paging
        self.walk(t, L, "%s: offsetToken walk, limit 7" % p, 7, A, cont_max_calls=2)

        # tokens refused
        first, _, _, _ = self.load(t, L, list_filter(limit=7, offset=0))
        tok = (first.json or {}).get("offsetToken") if isinstance(first.json, dict) else None
        if self.check("%s: limit 7 gives an offsetToken to reuse" % p,
                      isinstance(tok, str) and tok != "", "a token", first):
            lf = list_filter(limit=7, offset=7, offsetToken=tok, **contains)
            ans, _, _, _ = self.load(t, L, lf)
            self.problem("%s: the token with another filter (CONTAINS)" % p, ans, 400,
                         ["offsetToken"])
            ans = t.load(other.reg, other.type, other.props,
                         list_filter(limit=7, offset=7, offsetToken=tok), key=other.key_needed)
            self.problem("%s: the token on another list (%s)" % (p, other.type), ans, 400,
                         ["offsetToken"])
            # §12.2: a non-zero offset that differs from the token's wins (served by walking)
            self.page(t, L, "%s: the token beside offset 14 (not its 7): offset 14 is served"
                      % p, list_filter(limit=7, offset=14, offsetToken=tok), A[14:21], True)
        ans, _, _, _ = self.load(t, L, list_filter(limit=7, offset=7,
                                                   offsetToken="bm90LWEtdG9rZW4"))
        self.problem("%s: a token that does not decode" % p, ans, 400, ["offsetToken"])

        # a local filter across pages
        self.page(t, L, "%s: CONTAINS 'BLUE' (local), no limit: every match" % p,
                  list_filter(**contains), L.matches, False, max_calls=6)
        self.page(t, L, "%s: CONTAINS 'BLUE', limit 5 offset 5" % p,
                  list_filter(limit=5, offset=5, **contains), L.matches[5:10], True)
        self.page(t, L, "%s: CONTAINS 'BLUE', limit 5 offset 10" % p,
                  list_filter(limit=5, offset=10, **contains), L.matches[10:], False)
        self.walk(t, L, "%s: CONTAINS 'BLUE', offsetToken walk, limit 5" % p, 5, L.matches,
                  base=contains)

        # a sort across pages
        self.page(t, L, "%s: sort by rank, no limit: every item in rank order" % p,
                  list_filter(**by_rank), L.by_rank, False, token_check=False)
        self.page(t, L, "%s: sort by rank, limit 10 offset 20" % p,
                  list_filter(limit=10, offset=20, **by_rank), L.by_rank[20:30], True,
                  token_check=False)

        # search (no search parameter: applied locally) and a filter with a sort
        self.page(t, L, "%s: search 'blue' (local), no limit: every match" % p,
                  list_filter(search="blue"), L.matches, False, max_calls=6)
        self.page(t, L, "%s: search 'blue', limit 5 offset 5" % p,
                  list_filter(search="blue", limit=5, offset=5), L.matches[5:10], True)
        desc = [x for x in reversed(L.by_rank) if x in set(L.matches)]
        self.page(t, L, "%s: CONTAINS 'BLUE' sorted by rank DESC, limit 5 offset 5" % p,
                  list_filter(limit=5, offset=5, orderByPropertyDeveloperName="rank",
                              orderByDirectionType="DESC", **contains), desc[5:10], True,
                  token_check=False)

        # filterByProvidedObjects
        gone = L.idfmt(9999)
        objs = [mobject(L.type, [prop("id", L.idtype, x)], external_id=x,
                        internal_id="00000000-0000-4000-8000-00000000000%d" % k)
                for k, x in enumerate([A[2], gone, A[46]])]
        ans, n, _, _ = self.load(t, L, list_filter(filterByProvidedObjects=True), objects=objs)
        if self.ok200("%s: filterByProvidedObjects with 3 objects (%s gone)" % (p, gone), ans):
            self.eq("%s: filterByProvidedObjects: exactly the 2 that still exist" % p,
                    sorted([A[2], A[46]]), sorted(self.ids(ans)))

        # a load by id without x-flow-load walks the query (§5.3) until it finds the id
        ans, n, _, _ = self.load(t, L, list_filter(id=A[45]))
        if self.ok200("%s: load by id %s (on the 5th page)" % (p, A[45]), ans):
            self.eq("%s: load by id %s: that object" % (p, A[45]), [A[45]], self.ids(ans))
        ans, n, _, _ = self.load(t, L, list_filter(id=L.idfmt(9999)))
        if self.ok200("%s: load by id %s (not in the list)" % (p, L.idfmt(9999)), ans):
            self.eq("%s: load by id %s: nothing" % (p, L.idfmt(9999)), [], self.ids(ans))

        # bad input
        ans, n, _, _ = self.load(t, L, list_filter(limit=5, offset=-1))
        self.problem("%s: offset -1" % p, ans, 400, ["offset"])
        self.eq("%s: offset -1: no API request" % p, 0, n)
        ans, n, _, _ = self.load(t, L, list_filter(limit=-1, offset=0))
        self.problem("%s: limit -1" % p, ans, 400, ["limit"])

    def limit_checks(self, t2, L):
        """The worker allows 2 API pages a load (--max-pages 2)."""
        p = "%s (max 2 pages): %s (%s)" % (t2.label, L.key, L.type)
        A = L.all
        contains = {"comparisonType": "AND", "where": [where("name", "CONTAINS", "BLUE")]}
        by_rank = {"orderByPropertyDeveloperName": "rank", "orderByDirectionType": "ASC"}
        # no sort: a resumable partial answer
        ans, n, _, _ = self.load(t2, L, None)
        if self.ok200("%s: null listFilter" % p, ans):
            self.eq("%s: null listFilter: the first 2 pages (20 items)" % p, A[:20],
                    self.ids(ans))
            self.eq("%s: null listFilter: hasMoreResults" % p, True, ans.json["hasMoreResults"])
            tok = ans.json.get("offsetToken")
            if self.check("%s: null listFilter: an offsetToken to resume" % p,
                          isinstance(tok, str) and tok != "", "a token", tok):
                # Flow brings the token back in a listFilter object without criteria: the
                # same list as the null filter (the whole list)
                a2, _, _, _ = self.load(t2, L, list_filter(offset=20, offsetToken=tok))
                w = "%s: the null filter's token resumed in a listFilter without criteria" % p
                if self.ok200(w, a2):
                    self.eq("%s: the next 2 pages" % w, A[20:40], self.ids(a2))
            self.check("%s: null listFilter: at most 2 API requests" % p, n <= 2, "<= 2", n)
        self.walk(t2, L, "%s: no limit, resumed with each offsetToken to the end" % p, 0, A,
                  first_len=20, max_calls=2, cont_max_calls=2)
        self.walk(t2, L, "%s: CONTAINS 'BLUE', no limit, resumed to the end" % p, 0,
                  L.matches, base=contains, max_calls=2)
        # a sort needs the whole list
        ans, n, _, _ = self.load(t2, L, list_filter(**by_rank))
        self.problem("%s: sort by rank" % p, ans, 413, ["max-pages"])
        ans, n, _, _ = self.load(t2, L, list_filter(limit=5, offset=0, **by_rank))
        self.problem("%s: sort by rank, limit 5" % p, ans, 413, ["max-pages"])
        # a load by id or filterByProvidedObjects the walk cannot finish
        ans, n, _, _ = self.load(t2, L, list_filter(id=A[45]))
        self.problem("%s: load by id %s (on the 5th page)" % (p, A[45]), ans, 413,
                     ["max-pages"])
        objs = [mobject(L.type, [prop("id", L.idtype, x)], external_id=x,
                        internal_id="00000000-0000-4000-8000-00000000000%d" % k)
                for k, x in enumerate([A[2], A[46]])]
        ans, n, _, _ = self.load(t2, L, list_filter(filterByProvidedObjects=True),
                                 objects=objs)
        self.problem("%s: filterByProvidedObjects, %s on the 5th page" % (p, A[46]), ans, 413,
                     ["max-pages"])
        objs = [mobject(L.type, [prop("id", L.idtype, x)], external_id=x,
                        internal_id="00000000-0000-4000-8000-00000000000%d" % k)
                for k, x in enumerate([A[3], A[15]])]
        ans, n, _, _ = self.load(t2, L, list_filter(filterByProvidedObjects=True),
                                 objects=objs)
        w = "%s: filterByProvidedObjects, 2 objects on the first 2 pages" % p
        if self.ok200(w, ans):
            self.eq("%s: both" % w, sorted([A[3], A[15]]), sorted(self.ids(ans)))
        objs = [mobject(L.type, [prop("id", L.idtype, x)], external_id=x,
                        internal_id="00000000-0000-4000-8000-00000000000%d" % k)
                for k, x in enumerate(A[0:3])]
        ans, n, _, _ = self.load(t2, L, list_filter(filterByProvidedObjects=True),
                                 objects=objs)
        self.problem("%s: filterByProvidedObjects with 3 objects (more than --max-pages)" % p,
                     ans, 413, ["max-pages"])

        # an offset the walk cannot reach
        ans, n, _, _ = self.load(t2, L, list_filter(limit=2, offset=8, **contains))
        self.problem("%s: CONTAINS 'BLUE' offset 8 (2 pages hold 5 matches)" % p, ans, 413,
                     ["max-pages"])
        if L.walks:
            ans, n, _, _ = self.load(t2, L, list_filter(limit=5, offset=30))
            self.problem("%s: limit 5 offset 30 (2 pages hold 20 items)" % p, ans, 413,
                         ["max-pages"])
            self.check("%s: offset 30: at most 2 API requests" % p, n <= 2, "<= 2", n)
        else:
            self.page(t2, L, "%s: limit 5 offset 30 (no walk: the API page directly)" % p,
                      list_filter(limit=5, offset=30), A[30:35], True, max_calls=2)

    def pool_checks(self, cgi, pool):
        """Tokens cross processes; the pool's two workers serve concurrent walks."""
        for key in ("cursor", "link", "page"):
            L = LISTS[key]
            A = L.all
            ans, _, _, _ = self.load(cgi, L, list_filter(limit=7, offset=0))
            tok = ans.json.get("offsetToken") if isinstance(ans.json, dict) else None
            p = "pool: %s (%s): a token from a CGI answer" % (key, L.type)
            if self.check("%s: CGI gives one" % p, isinstance(tok, str) and tok != "",
                          "a token", ans):
                self.page(pool, L, "%s: continued through the pool" % p,
                          list_filter(limit=7, offset=7, offsetToken=tok), A[7:14], True)
        keys = ["link", "page", "offset", "cursor", "next-url", "github", "pages", "slack"]
        with ThreadPoolExecutor(max_workers=4) as ex:
            futs = {k: ex.submit(pool.load, LISTS[k].reg, LISTS[k].type, LISTS[k].props,
                                 None, None, LISTS[k].key_needed) for k in keys}
            got = {k: f.result() for k, f in futs.items()}
        for k in keys:
            ans = got[k]
            ok = ans.status == 200 and isinstance(ans.json, dict)
            self.eq("pool: 8 whole-list loads, 4 at a time on 2 workers: %s complete" % k,
                    LISTS[k].all, self.ids(ans) if ok else ans.short())

    def inferred_checks(self, t):
        """paging-inferred.yaml: no marks, the paging inferred (behind /_f/cap=10)."""
        for key in ("cursor", "next-url", "github"):
            L = LISTS[key].on(INFERRED_REG)
            L.key_needed = False
            A = L.all
            p = "%s: %s (%s) with inferred paging" % (t.label, key, L.type)
            self.page(t, L, "%s: null listFilter" % p, None, A, False)
            self.page(t, L, "%s: limit 10 offset 20" % p, list_filter(limit=10, offset=20),
                      A[20:30], True)
            self.walk(t, L, "%s: offsetToken walk, limit 15" % p, 15, A)

    def key_and_load_checks(self, t, t2):
        """An API key in the query (KeyedPlaylist) and a paged x-flow-load (OwnerPlaylist)."""
        props = ["id", "type", "uri", "href", "name", "rank", "seq"]
        L = Lst("keyed", "next-url", APIS_REG, "KeyedPlaylist", props,
                lambda i: "pl%04d" % i, False, "apis", True)
        A = L.all
        p = "%s: an API key in the query (KeyedPlaylist)" % t.label
        s0 = self.count.snap()
        self.page(t, L, "%s: null listFilter" % p, None, A, False)
        log = self.count.apis_log(s0)
        self.eq("%s: null listFilter: every page sends the key once" % p,
                [[API_KEY]] * len(log), [r["args"].get("api_key") for r in log])
        ans = self.page(t, L, "%s: limit 7 offset 0" % p, list_filter(limit=7, offset=0),
                        A[0:7], True)
        tok = ans.json.get("offsetToken") if ans is not None else None
        if isinstance(tok, str) and tok:
            raw = base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4))
            # §12.2: the token holds the next URL as path and query (so this looks at it)
            self.check("%s: the offsetToken holds the next URL's path, not the key" % p,
                       b"/spotify/v1/me/playlists" in raw and API_KEY.encode() not in raw
                       and b"api_key" not in raw,
                       "the path, no api_key in the decoded token", repr(raw[:300]))
            s0 = self.count.snap()
            self.page(t, L, "%s: continued with the token" % p,
                      list_filter(limit=7, offset=7, offsetToken=tok), A[7:14], True)
            log = self.count.apis_log(s0)
            self.eq("%s: continued: every page sends the key once" % p,
                    [[API_KEY]] * len(log), [r["args"].get("api_key") for r in log])

        L = Lst("owner", "next-url", APIS_REG, "OwnerPlaylist", props,
                lambda i: "pl%04d" % i, False, "apis", True)
        p = "%s: a load by id through a paged x-flow-load (OwnerPlaylist)" % t.label
        s0 = self.count.snap()
        ans, n, _, _ = self.load(t, L, list_filter(id="me"))
        if self.ok200("%s: load by id 'me'" % p, ans):
            self.eq("%s: load by id 'me': every item of the 5 pages" % p, L.all, self.ids(ans))
        log = self.count.apis_log(s0)
        self.eq("%s: 5 API requests, each with owner=me" % p, [["me"]] * 5,
                [r["args"].get("owner") for r in log])
        if t2 is not None:
            ans, n, _, _ = self.load(t2, L, list_filter(id="me"))
            self.problem("%s (max 2 pages): load by id 'me'" % p, ans, 413, ["max-pages"])

    def long_url_checks(self, t):
        """paging-longurl.yaml: next URLs over 4 KiB, so tokens would be too."""
        L = Lst("long-url", "next-url", "http://example.test/paging-longurl.yaml",
                "LongPlaylist", ITEM_PROPS, lambda i: "pl%04d" % i, False, "apis", True)
        A = L.all
        p = "%s: next URLs over 4 KiB (LongPlaylist)" % t.label
        self.page(t, L, "%s: null listFilter: the long URLs are followed" % p, None, A, False)
        ans = self.page(t, L, "%s: limit 5 offset 0" % p, list_filter(limit=5, offset=0),
                        A[0:5], True, token_check=False)
        if ans is not None:
            self.eq("%s: limit 5 offset 0: no offsetToken (it would be over 4 KiB)" % p, None,
                    ans.json.get("offsetToken"))
        self.page(t, L, "%s: limit 5 offset 5 (walked without a token)" % p,
                  list_filter(limit=5, offset=5), A[5:10], True, token_check=False)

    def fault_checks(self, t):
        def L(key, fault):
            return FAULT_LISTS[key].on(fault_reg(fault))

        for key in ("stripe", "spotify", "spotify-offset", "github", "pages", "slack"):
            lst = L(key, "cap")
            A = lst.all
            p = "%s: %s capped at 7 items a page (cap=7, asked 10)" % (t.label, key)
            self.page(t, lst, "%s: null listFilter" % p, None, A, False)
            self.page(t, lst, "%s: limit 25 offset 10" % p, list_filter(limit=25, offset=10),
                      A[10:35], True)
            self.walk(t, lst, "%s: offsetToken walk, limit 10" % p, 10, A)
        for key in ("spotify", "github", "slack"):
            lst = L(key, "empty")
            A = lst.all
            p = "%s: %s with an empty page every 3rd that says more (empty-every=3)" % (
                t.label, key)
            self.page(t, lst, "%s: null listFilter" % p, None, A, False)
            self.page(t, lst, "%s: limit 10 offset 20" % p, list_filter(limit=10, offset=20),
                      A[20:30], True)
        # Stripe's cursor comes from the last item: an empty page with has_more: true gives
        # no cursor to go on with (paging-upstream.py serves that page empty again). §12.1
        # leaves the walk's next step open, but the answer must not be a silently cut list
        # (§12.2: "Never a silently cut list"): a 200 that ends the list early is wrong.
        lst = L("stripe", "empty")
        ans, n, _, _ = self.load(t, lst, None)
        j = ans.json if isinstance(ans.json, dict) else {}
        cut = (ans.status == 200 and j.get("hasMoreResults") is False
               and len(j.get("objectData") or []) < N)
        self.check("%s: stripe with an empty 3rd page that says has_more: true "
                   "(empty-every=3): not a silently cut list" % t.label, not cut,
                   "all %d items, hasMoreResults true, or an error status" % N,
                   "status %s, %d items, hasMoreResults %s" % (
                       ans.status, len(j.get("objectData") or []), j.get("hasMoreResults")))
        for key in ("stripe", "spotify", "github", "pages", "slack"):
            lst = L(key, "self")
            ans, n, _, _ = self.load(t, lst, None)
            p = "%s: %s whose next page is the page itself (self-link)" % (t.label, key)
            self.problem("%s: a paging loop" % p, ans, 502, ["loop"])
            self.check("%s: stops within 3 API requests" % p, n <= 3, "<= 3", n)
        for key in ("stripe", "spotify", "spotify-offset", "github", "pages", "slack"):
            lst = L(key, "ignore")
            ans, n, _, _ = self.load(t, lst, None)
            p = "%s: %s ignoring its page parameter (ignore-page)" % (t.label, key)
            self.problem("%s: a paging loop" % p, ans, 502, ["loop"])
            self.check("%s: stops within 3 API requests" % p, n <= 3, "<= 3", n)
        for key in ("spotify", "github"):
            for fault, word, where_to in (
                    ("port", "port", "to another port"), ("path", "path", "to another path"),
                    ("host", "host", "to another host"), ("scheme", "scheme", "to another scheme"),
                    ("outside", "under the server", "outside the server URL's path")):
                lst = L(key, fault)
                ans, n, trap, s0 = self.load(t, lst, None)
                p = "%s: %s whose next URL goes %s (foreign=%s)" % (
                    t.label, key, where_to, fault)
                self.problem("%s: refused" % p, ans, 502, [word])
                self.eq("%s: only the first page was requested" % p, 1, n)
                if fault == "port":
                    self.eq("%s: the trap socket counted no connection" % p, 0, trap)
                elif fault == "path":
                    self.eq("%s: nothing requested under the other path" % p, [],
                            [r for r in self.count.apis_requests(s0)
                             if "/users/me/" in r or "/user/repos" in r])
        # nextPath: any lets the next URLs change path, but not leave the server's path
        lst = FAULT_LISTS["any-path"].on(fault_reg("path"))
        p = "%s: spotify with nextPath: any, next URLs to another path (foreign=path)" % t.label
        s0 = self.count.snap()
        self.page(t, lst, "%s: null listFilter: followed" % p, None, lst.all, False)
        self.eq("%s: pages 2-5 came from the other path" % p, 4,
                len([r for r in self.count.apis_requests(s0) if "/users/me/" in r]))
        lst = FAULT_LISTS["any-path"].on(fault_reg("outside"))
        ans, n, _, _ = self.load(t, lst, None)
        p = "%s: spotify with nextPath: any, next URLs outside the server URL's path " \
            "(foreign=outside)" % t.label
        self.problem("%s: refused" % p, ans, 502, ["under the server"])
        self.eq("%s: only the first page was requested" % p, 1, n)


def cmd_run(a):
    r = Run(a)
    if a.mode == "cgi":
        base_env = [("OPENAPI_CONNECTOR_CACHE_DIR", a.cache)]
        t = Target("cgi", "cgi", binary=a.bin, env=base_env, log=a.log,
                   transcript=a.transcript)
        t2 = Target("cgi", "cgi", binary=a.bin,
                    env=base_env + [("OPENAPI_CONNECTOR_MAX_PAGES", "2")], log=a.log,
                    transcript=a.transcript)
    else:
        t = Target("pool", "fcgi", sock=a.sock, transcript=a.transcript)
        t2 = Target("pool", "fcgi", sock=a.sock2, transcript=a.transcript) if a.sock2 else None
    keys = [k for k in a.lists.split(",") if k]
    others = {"link": "page", "page": "offset", "offset": "link", "cursor": "next-url",
              "next-url": "cursor", "github": "pages", "pages": "github",
              "spotify-offset": "slack", "slack": "spotify-offset"}
    for k in keys:
        print("== %s: %s" % (t.label, k), flush=True)
        r.main_checks(t, LISTS[k], LISTS[others[k]])
        if t2 is not None:
            r.limit_checks(t2, LISTS[k])
        else:
            r.check("%s (max 2 pages): %s: the pool with --max-pages 2 is running" % (
                t.label, k), False, "a socket", "no pool")
    if a.mode == "fcgi" and a.bin and a.cache:
        print("== pool: tokens across processes, concurrent walks", flush=True)
        r.pool_checks(Target("cgi", "cgi", binary=a.bin,
                             env=[("OPENAPI_CONNECTOR_CACHE_DIR", a.cache)],
                             log=a.log, transcript=a.transcript), t)
    print("== %s: inferred paging, long next URLs" % t.label, flush=True)
    r.inferred_checks(t)
    r.long_url_checks(t)
    print("== %s: an API key in the query, a paged x-flow-load" % t.label, flush=True)
    r.key_and_load_checks(t, t2)
    if a.faults:
        print("== %s: faults" % t.label, flush=True)
        r.fault_checks(t)
    print("%s: %d passed, %d failed, %d requests" % (t.label, r.npass, r.nfail,
                                                     t.requests + (t2.requests if t2 else 0)))
    return 1 if r.nfail else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("db")
    r = sub.add_parser("run")
    r.add_argument("--mode", choices=("cgi", "fcgi"), required=True)
    r.add_argument("--bin")
    r.add_argument("--cache")
    r.add_argument("--log", help="CGI: append each request's stderr here")
    r.add_argument("--sock")
    r.add_argument("--sock2", help="the pool started with --max-pages 2")
    r.add_argument("--json-record", required=True)
    r.add_argument("--apis-url", required=True)
    r.add_argument("--results", required=True)
    r.add_argument("--transcript")
    r.add_argument("--lists", default="link,page,offset,cursor,next-url,github,pages,"
                   "spotify-offset,slack")
    r.add_argument("--faults", action="store_true")
    a = ap.parse_args()
    if a.cmd == "db":
        json.dump(db(), sys.stdout, indent=1)
        print()
        return 0
    return cmd_run(a)


if __name__ == "__main__":
    sys.exit(main())
