#!/usr/bin/env python3
"""servers.py - the Flow side of tests/integration/servers.sh (product.md §13.7): the
`Server` configuration value routes a call to one of the document-level servers; anything
else is a 400 that lists them, and nothing connects.

    servers.py --mode cgi|fcgi (--bin BIN --cache DIR | --sock SOCK) --reg URL
               --a URL --b URL --trap-port PORT --results FILE [--transcript FILE]

A and B are two paging-upstream.py instances (their /_requests count what reached them);
the trap is A's trap socket, which counts every connection it accepts. Each check prints
one "PASS: ..." or "FAIL: ..." line, also appended to --results. Exit 0 all passed, 1
some failed.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow import AUTH_HEADER, Answer, data_request, list_filter  # noqa: E402

PROPS = ["id", "name", "seq"]


def control(url, method="GET"):
    req = urllib.request.Request(url + "/_requests", method=method)
    with urllib.request.urlopen(req, timeout=5) as r:
        body = r.read()
    return json.loads(body) if method == "GET" and body else None


class Run:
    def __init__(self, a):
        self.a = a
        self.results = open(a.results, "a", encoding="utf-8")
        self.transcript = open(a.transcript, "a", encoding="utf-8") if a.transcript else None
        self.failed = 0

    def check(self, what, ok, expected=None, got=None):
        what = "%s: %s" % (self.a.mode, what)
        line = ("PASS: " if ok else "FAIL: ") + what
        if not ok:
            self.failed += 1
            line += "\n      expected: %s\n      got: %.600s" % (
                expected, got.short() if isinstance(got, Answer) else got)
        print(line)
        self.results.write(line + "\n")
        self.results.flush()
        return ok

    def call(self, path, body):
        data = json.dumps(body).encode()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GATEWAY_INTERFACE": "CGI/1.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST", "QUERY_STRING": "",
               "REQUEST_URI": path, "CONTENT_LENGTH": str(len(data)),
               "CONTENT_TYPE": "application/json", "HTTP_AUTHORIZATION": AUTH_HEADER}
        if self.a.mode == "cgi":
            env.update(SCRIPT_NAME="", PATH_INFO=path,
                       OPENAPI_CONNECTOR_CACHE_DIR=self.a.cache)
            argv = [self.a.bin]
        else:
            env["SCRIPT_NAME"] = path
            argv = ["cgi-fcgi", "-bind", "-connect", self.a.sock]
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, input=data, env=env, capture_output=True, timeout=30)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = e.stdout or b"", e.stderr or b"", -1
        ans = Answer(out, err, time.monotonic() - t0, rc)
        if self.transcript:
            self.transcript.write("### POST %s\n%s\n--- answer\n%s\n--- stderr\n%s\n\n" % (
                path, data.decode(), out.decode("utf-8", "replace"),
                err.decode("utf-8", "replace")))
            self.transcript.flush()
        return ans

    def cfg(self, server):
        c = [{"developerName": "Schema URL", "contentValue": self.a.reg,
              "contentType": "ContentString"}]
        if server is not None:
            c.append({"developerName": "Server", "contentValue": server,
                      "contentType": "ContentString"})
        return c

    def load(self, type_name, server, lf):
        return self.call("/openapi/data", data_request(self.cfg(server), type_name, PROPS, lf))

    def reset(self):
        control(self.a.a, "DELETE")
        control(self.a.b, "DELETE")

    def seen(self):
        """(requests at A, requests at B, their paths, trap connections)"""
        ja, jb = control(self.a.a), control(self.a.b)
        paths = [("A", r["path"]) for r in ja["requests"]] + [
            ("B", r["path"]) for r in jb["requests"]]
        return ja["count"], jb["count"], paths, ja["trap_connections"]

    def describe(self):
        ans = self.call("/openapi/metadata", {"configurationValues": self.cfg(None)})
        cv = (ans.json or {}).get("configurationValues") or []
        names = [v.get("developerName") for v in cv]
        server = [v for v in cv if v.get("developerName") == "Server"]
        self.check("describe lists the optional configuration value 'Server' last (§4)",
                   ans.status == 200 and names[-1:] == ["Server"] and
                   server[0].get("required") is False and server[0].get("isRequired") is False,
                   "... 'Server' (required false)", names)

    def routes(self):
        a, b = self.a.a, self.a.b
        port_b = b.rsplit(":", 1)[1]
        cases = [
            ("no Server value: the default (the first)", None, "A", "A"),
            ("an empty Server value: the default", "", "A", "A"),
            ("the second server, with spaces and a trailing '/'", "  %s/pages/ " % b, "B", "B"),
            ("the third (B by name): the operation-level list has no third, so its first",
             "http://localhost:%s/pages" % port_b, "B", "A"),
            ("the first, written out", "%s/pages" % a, "A", "A"),
        ]
        for what, server, item_at, capped_at in cases:
            self.reset()
            ans = self.load("Item", server, list_filter(limit=5))
            n_a, n_b, paths, trap = self.seen()
            ok = ans.status == 200 and len((ans.json or {}).get("objectData") or []) == 5
            want = (1, 0) if item_at == "A" else (0, 1)
            self.check("Item, %s: 200 with 5 items from %s alone" % (what, item_at),
                       ok and (n_a, n_b) == want and paths == [(item_at, "/pages/items")],
                       "5 items, one request at %s /pages/items" % item_at,
                       "%s; requests %s" % (ans.short(), paths))
            self.reset()
            ans = self.load("CappedItem", server, list_filter(limit=3))
            n_a, n_b, paths, trap = self.seen()
            ok = ans.status == 200 and len((ans.json or {}).get("objectData") or []) == 3
            self.check("CappedItem (operation-level servers), %s: called at %s" % (
                what, capped_at), ok and paths == [(capped_at, "/_f/cap=3/pages/items")],
                "3 items, one request at %s /_f/cap=3/pages/items" % capped_at,
                "%s; requests %s" % (ans.short(), paths))

    def token(self):
        """An offsetToken binds the server it was issued for."""
        b = self.a.b
        self.reset()
        ans = self.load("Item", b + "/pages", list_filter(limit=5))
        tok = (ans.json or {}).get("offsetToken")
        if not self.check("Item at B, limit 5 of 50: an offsetToken", ans.status == 200 and
                          isinstance(tok, str) and tok, "a token", ans):
            return
        self.reset()
        ans = self.load("Item", b + "/pages", list_filter(limit=5, offset=5, offsetToken=tok))
        n_a, n_b, paths, _ = self.seen()
        self.check("the token continued with the same Server: the next page from B",
                   ans.status == 200 and n_a == 0 and n_b >= 1, "200, requests at B only",
                   "%s; requests %s" % (ans.short(), paths))
        self.reset()
        ans = self.load("Item", None, list_filter(limit=5, offset=5, offsetToken=tok))
        n_a, n_b, paths, _ = self.seen()
        self.check("the token continued with another Server: a 400 about the token, nothing "
                   "called", ans.status == 400 and "offsetToken" in (
                       (ans.json or {}).get("message") or "") and n_a == 0 and n_b == 0,
                   "400 naming offsetToken, no request",
                   "%s; requests %s" % (ans.short(), paths))

    def refusals(self):
        a, b = self.a.a, self.a.b
        port_b = b.rsplit(":", 1)[1]
        allowed = ["%s/pages" % a, "%s/pages" % b, "http://localhost:%s/pages" % port_b]
        trap = "http://127.0.0.1:%s" % self.a.trap_port
        for what, server in (("the trap's own URL", trap + "/pages"),
                             ("the trap's URL, as a bare origin", trap),
                             ("a listed host with another path", a + "/elsewhere"),
                             ("an operation-level server (not a document-level one)",
                              a + "/_f/cap=3"),
                             ("a listed URL in upper case", ("%s/pages" % a).upper())):
            for type_name in ("Item", "CappedItem"):
                self.reset()
                ans = self.load(type_name, server, list_filter(limit=5))
                n_a, n_b, paths, trap_n = self.seen()
                msg = (ans.json or {}).get("message") or ""
                self.check("%s, Server = %s: a 400 listing the allowed servers, nothing "
                           "connected" % (type_name, what),
                           ans.status == 400 and "'Server'" in msg and
                           all(s in msg for s in allowed) and n_a == 0 and n_b == 0 and
                           trap_n == 0,
                           "400 naming %s; no request, no trap connection" % allowed,
                           "%s; requests %s, trap %s" % (ans.short(), paths, trap_n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True, choices=("cgi", "fcgi"))
    ap.add_argument("--bin")
    ap.add_argument("--cache")
    ap.add_argument("--sock")
    ap.add_argument("--reg", required=True)
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--trap-port", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--transcript")
    r = Run(ap.parse_args())
    r.describe()
    r.routes()
    r.token()
    r.refusals()
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
