#!/usr/bin/env python3
"""security.py - the checks of tests/integration/security.sh (Python 3, stdlib only; reuses
flow.py's Scenario to send requests and check answers and the log).

    security.py --mode cgi|fcgi (--bin BIN --cache DIR | --sock SOCK) --fault-dir DIR
                --sec-url REG --faulty-url REG --trap-port N --secrets FILE ...

What the API received is read from fault-upstream.py's record (DIR/requests.jsonl: the raw
request target and headers), the trap's accepts from DIR/trap.jsonl.
"""

import argparse
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flow  # noqa: E402
from flow import (AUTH_PLAIN, data_request, describe_request, empty_list_filter,  # noqa: E402
                  list_filter, mobject, prop)

# Note's properties, as Flow sends them
NOTE_CTYPES = {"id": "ContentString", "title": "ContentString", "tag": "ContentString",
               "session": "ContentString", "password": "ContentPassword"}


def segment(v):
    """The one path segment a value must become (url.h)."""
    if v in (".", ".."):
        return "%2E" * len(v)
    return urllib.parse.quote(v.encode("utf-8"), safe="-._~")


def auth_header(token, **fields):
    """Flow's Authorization header (flow-protocol.md §3.2) with the running user's token
    and FIELDS (raw values, may hold CR/LF) replaced, percent-encoded once as Flow does."""
    parts = []
    for kv in AUTH_PLAIN.split("&"):
        k, _, v = kv.partition("=")
        if k in ("ManyWhoToken", "Token"):
            v = token
        if k in fields:
            v = fields[k]
        parts.append(k + "=" + v)
    return urllib.parse.quote("&".join(parts), safe="")


class Security:
    def __init__(self, a):
        with open(a.secrets, encoding="utf-8") as f:
            self.sec = json.load(f)
        ns = argparse.Namespace(
            mode=a.mode, bin=a.bin, sock=a.sock, base=None, prefix="", upstream=None,
            record=None, schema_url=a.sec_url, refused_schema_url=None,
            api_key=self.sec["api_key"], user_schema_url=None, results=a.results,
            transcript=a.transcript, worker_log=a.worker_log,
            cgi_env=["OPENAPI_CONNECTOR_CACHE_DIR=" + (a.cache or ""),
                     "OPENAPI_CONNECTOR_TIMEOUT=2"])
        self.s = flow.Scenario(ns)
        self.a = a
        self.cfg = self.config(a.sec_url)
        self.auth = auth_header(self.sec["token"], Email="ann@example.test", FirstName="Ann")

    def config(self, url, api_key=None):
        return [{"developerName": n, "contentValue": v, "contentType": "ContentString"}
                for n, v in (("Schema URL", url),
                             ("API Key", api_key if api_key is not None else self.sec["api_key"]),
                             ("OAuth2/OIDC: Client Id", "client-id-1"),
                             ("OAuth2/OIDC: Client Secret", self.sec["client_secret"]))]

    # the API's record
    def records(self):
        try:
            with open(os.path.join(self.a.fault_dir, "requests.jsonl"), encoding="utf-8") as f:
                return [json.loads(x) for x in f if x.strip()]
        except FileNotFoundError:
            return []

    def traps(self):
        with open(os.path.join(self.a.fault_dir, "trap.jsonl"), encoding="utf-8") as f:
            return [x for x in f if x.strip()]

    def call(self, method, path, body, auth=None):
        n0 = len(self.records())
        ans = self.s.call(method, path, body, auth=False,
                          extra_env={"HTTP_AUTHORIZATION": auth or self.auth})
        time.sleep(0.02)
        return ans, self.records()[n0:]

    def note(self, ext, fields):
        props = [prop(k, NOTE_CTYPES[k], v) for k, v in fields.items()]
        return mobject("Note", props, ext, "6a0f3c2e-1d4b-4e8a-9c7f-2b5d8e1a4c6%s"
                       % ("c" if self.a.mode == "cgi" else "f"))

    def load(self, ident, type_name="Note", cfg=None, auth=None):
        return self.call("POST", "/data", data_request(cfg or self.cfg, type_name=type_name,
                                                       props=["id", "title"] if type_name == "Note" else ["id", "name"],
                                                       lfilter=list_filter(id=ident)), auth)

    def next_ok(self, what):
        """The request after: a plain load succeeds."""
        ans, recs = self.load("ok")
        objs = (ans.json or {}).get("objectData") if isinstance(ans.json, dict) else None
        self.s.check("after %s the next request succeeds" % what,
                     ans.status == 200 and isinstance(objs, list) and len(objs) == 1
                     and [r["target"] for r in recs] == ["/notes/ok"],
                     "200, GET /notes/ok", (ans.short(), [r["target"] for r in recs]))

    def nothing_sent(self, what, recs):
        self.s.eq("%s: nothing sent to the API" % what, [],
                  [(r.get("method"), r.get("target")) for r in recs])

    # --- path values ------------------------------------------------------------------
    def paths(self):
        trap = "127.0.0.1:%d" % self.a.trap_port
        values = ["../etc/passwd", "..", ".", "a/b", "a?b=c", "a#frag", "%2f", "%2F..%2F",
                  "../a?b#c", "//" + trap + "/x", "@" + trap, "http://" + trap + "/",
                  "a b+c&d=e;f", "caf\u00e9", "..;/x", "\\..\\x"]
        for v in values:
            what = "load by id %r" % v
            ans, recs = self.load(v)
            exp = "/notes/" + segment(v)
            got = [r["target"] for r in recs]
            self.s.eq("%s: the API received ONE encoded segment" % what, [exp], got)
            self.s.check("%s: 200 (the API's answer mapped)" % what, ans.status == 200,
                         200, ans.short())
        what = "update with externalId '../x?y#z/%2f'"
        v = "../x?y#z/%2f"
        ans, recs = self.call("PUT", "/data", data_request(
            self.cfg, type_name="Note", lfilter=empty_list_filter(),
            objects=[self.note(v, {"id": v, "title": "t"})]))
        self.s.eq("%s: PUT to one encoded segment" % what,
                  [("PUT", "/notes/" + segment(v))],
                  [(r["method"], r["target"]) for r in recs])
        self.s.eq("%s: 200" % what, 200, ans.status)
        self.next_ok("the path values")

    # --- CR/LF ------------------------------------------------------------------------
    def crlf(self):
        for name, bad in (("CR LF", "\r\nX-Evil: 1"), ("LF", "\nX-Evil: 1"), ("CR", "\rX-Evil: 1")):
            what = "$User.Email holding %s (Authorization header) to the X-Owner header" % name
            auth = auth_header(self.sec["token"], Email="ann@example.test" + bad, FirstName="Ann")
            ans, recs = self.call("POST", "/data", data_request(self.cfg, type_name="Note"), auth)
            self.s.problem(what, ans, 400, ["X-Owner", "line break"])
            self.nothing_sent(what, recs)
            self.next_ok(what)

        what = "$User.FirstName holding LF to a query parameter (encoded, not refused)"
        auth = auth_header(self.sec["token"], Email="ann@example.test", FirstName="Ann\nX")
        ans, recs = self.call("POST", "/data", data_request(self.cfg, type_name="Note"), auth)
        self.s.eq("%s: 200" % what, 200, ans.status)
        self.s.eq("%s: the API received it percent-encoded, X-Owner clean" % what,
                  [("/notes?owner=Ann%0AX", "ann@example.test")],
                  [(r["target"], r["headers"].get("x-owner")) for r in recs])

        for what, fields, ext in (
                ("save: the tag property (X-Tag header) holding CR LF",
                 {"title": "t", "tag": "ok\r\nX-Evil: 1"}, ""),
                ("save: the session property (cookie) holding LF",
                 {"title": "t", "session": "s\nX-Evil: 1"}, ""),
                ("update: the tag property (X-Tag header) holding CR",
                 {"id": "n7", "title": "t", "tag": "ok\rX-Evil: 1"}, "n7")):
            ans, recs = self.call("PUT", "/data", data_request(
                self.cfg, type_name="Note", lfilter=empty_list_filter(),
                objects=[self.note(ext, fields)]))
            self.s.problem(what, ans, 400, ["line break"])
            self.nothing_sent(what, recs)
            self.next_ok(what)

        what = "a batch whose second object's tag holds CR LF"
        ans, recs = self.call("PUT", "/data", data_request(
            self.cfg, type_name="Note", lfilter=empty_list_filter(),
            objects=[self.note("", {"title": "first", "tag": "fine"}),
                     self.note("", {"title": "second", "tag": "x\r\nX-Evil: 1"})]))
        self.s.problem(what, ans, 400, ["objectData[1]", "line break", "nothing was sent"])
        self.nothing_sent(what + " (not even the first)", recs)
        self.next_ok(what)

        what = "an API Key configuration value holding CR LF (X-API-Key header)"
        ans, recs = self.load("ok", cfg=self.config(self.a.sec_url,
                                                    self.sec["api_key"] + "\r\nX-Evil: 1"))
        self.s.problem(what, ans, 400, ["line break"])
        self.nothing_sent(what, recs)
        self.next_ok(what)

        what = "a clean save (control: the tag and the session reach the API)"
        ans, recs = self.call("PUT", "/data", data_request(
            self.cfg, type_name="Note", lfilter=empty_list_filter(),
            objects=[self.note("", {"title": "t", "tag": "blue", "session": "s1",
                                    "password": self.sec["password"]})]))
        self.s.eq("%s: 200" % what, 200, ans.status)
        self.s.eq("%s: X-Tag, Cookie, X-API-Key as sent" % what,
                  [("POST", "/notes", "blue", "session=s1", self.sec["api_key"])],
                  [(r["method"], r["target"], r["headers"].get("x-tag"),
                    r["headers"].get("cookie"), r["headers"].get("x-api-key")) for r in recs])
        self.s.check("%s: the password is not in the answer" % what,
                     self.sec["password"] not in ans.body, "no password", ans.body[:300])

    # --- hosts the documents do not name ---------------------------------------------
    def hosts(self):
        trap = "http://127.0.0.1:%d" % self.a.trap_port
        t0 = len(self.traps())
        for what, path, body in (
                ("describe with an uncompiled Schema URL on the trap's port", "/metadata",
                 describe_request(self.config(trap + "/openapi.yaml"))),
                ("load with an uncompiled Schema URL on the trap's port", "/data",
                 data_request(self.config(trap + "/openapi.yaml"), type_name="Note",
                              lfilter=list_filter(id="ok")))):
            ans, recs = self.call("POST", path, body)
            self.s.problem(what, ans, 400, ["openapi-connector-compile"])
            self.nothing_sent(what, recs)
            self.s.eq("%s: the trap saw no connection" % what, t0, len(self.traps()))
            self.next_ok(what)

        faulty = self.config(self.a.faulty_url)
        for what, ident, words in (
                ("a redirect to another port (the trap)", "redirect-port",
                 ["another origin", str(self.a.trap_port)]),
                ("a redirect to another host name (localhost, same port)", "redirect-host",
                 ["another origin", "localhost"])):
            ans, recs = self.load(ident, type_name="Pet", cfg=faulty)
            self.s.problem(what, ans, 502, words)
            self.s.eq("%s: the API saw only the first request" % what,
                      ["/pets/" + ident], [r["target"] for r in recs])
            self.s.eq("%s: the trap saw no connection" % what, t0, len(self.traps()))
            self.next_ok(what)

        what = "a load whose API key goes in the query, answered 500 echoing the request"
        ans, recs = self.load("echo500", type_name="QNote")
        self.s.problem(what, ans, 502, ["/pets/echo500", "500"])
        self.s.eq("%s: the API received the key in the query" % what,
                  ["/pets/echo500?api_key=" + self.sec["api_key"]], [r["target"] for r in recs])
        msg = (ans.json or {}).get("message", "") if isinstance(ans.json, dict) else ""
        self.s.check("%s: the message's URL leaves the query key out" % what,
                     "api_key=" + self.sec["api_key"] not in msg and self.sec["api_key"] not in msg,
                     "no key", msg)
        self.next_ok(what)

        what = "a load whose header API key the API echoes in a 500"
        ans, recs = self.load("echo500", type_name="Pet", cfg=faulty)
        self.s.check("%s: 502" % what, ans.status == 502, 502, ans.short())
        self.s.eq("the trap saw nothing, ever", t0, len(self.traps()))

    def run(self):
        self.paths()
        self.crlf()
        self.hosts()
        self.s._out("%s: security: %d passed, %d failed" % (self.s.mode, self.s.npass,
                                                            self.s.nfail))
        return 1 if self.s.nfail else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("cgi", "fcgi"), required=True)
    ap.add_argument("--bin")
    ap.add_argument("--cache")
    ap.add_argument("--sock")
    ap.add_argument("--fault-dir", required=True)
    ap.add_argument("--sec-url", required=True)
    ap.add_argument("--faulty-url", required=True)
    ap.add_argument("--trap-port", type=int, required=True)
    ap.add_argument("--secrets", required=True, help="JSON: api_key, client_secret, password, token")
    ap.add_argument("--worker-log", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--transcript")
    return Security(ap.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
