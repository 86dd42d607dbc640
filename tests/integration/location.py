#!/usr/bin/env python3
"""location.py - the Flow side of tests/integration/location.sh (product.md §13.3, §13.9).

  location.py --mode cgi|fcgi (--bin WORKER | --sock SOCKET) --reg SCHEMA_URL
              --upstream URL --json-server URL --results FILE [--env NAME=VALUE]...

Saves through x-flow-save against location-upstream.py (GitHub's 201 + Location without a
body, a 202 fork, a Location on another host) and json-server behind it, and loads by
composite ids. PASS/FAIL lines go to stdout and to the results file; exit 0 or 1.
"""
import argparse
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow import Answer, data_request, list_filter, mobject, prop  # noqa: E402


TYPE_PROPS = {
    "Repo": ["id", "owner", "name", "full_name", "private", "description", "html_url"],
    "Fork": ["id", "owner", "name", "source_owner", "source_name"],
    "Pet": ["id", "name", "status"],
}


class Run:
    def __init__(self, a):
        self.a = a
        self.results = open(a.results, "a", encoding="utf-8")
        self.nfail = 0

    def check(self, what, ok, expected=None, got=None):
        line = "%s: [%s] %s" % ("PASS" if ok else "FAIL", self.a.mode, what)
        if not ok:
            self.nfail += 1
            line += "\n      expected: %.400s\n      got:      %.600s" % (expected, got)
        print(line, flush=True)
        self.results.write(line + "\n")
        self.results.flush()

    def call(self, body):
        data = json.dumps(body).encode()
        path = "/openapi/data"
        method = "PUT" if body.get("objectData") else "POST"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GATEWAY_INTERFACE": "CGI/1.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": method, "QUERY_STRING": "",
               "REQUEST_URI": path, "CONTENT_LENGTH": str(len(data)),
               "CONTENT_TYPE": "application/json"}
        if self.a.mode == "cgi":
            env.update(SCRIPT_NAME="", PATH_INFO=path)
            argv = [self.a.bin]
        else:
            env["SCRIPT_NAME"] = path
            argv = ["cgi-fcgi", "-bind", "-connect", self.a.sock]
        for kv in self.a.env:
            k, v = kv.split("=", 1)
            env[k] = v
        p = subprocess.run(argv, input=data, env=env, capture_output=True, timeout=40)
        return Answer(p.stdout, p.stderr, 0, p.returncode)

    def cfg(self):
        return [{"developerName": "Schema URL", "contentValue": self.a.reg,
                 "contentType": "ContentString"}]

    def save(self, type_name, props):
        obj = mobject(type_name, props, None, "i-" + type_name)
        return self.call(data_request(self.cfg(), type_name, TYPE_PROPS[type_name], None,
                                      [obj]))

    def load(self, type_name, ident):
        return self.call(data_request(self.cfg(), type_name, TYPE_PROPS[type_name],
                                      list_filter(id=ident)))

    def requests(self, url):
        with urllib.request.urlopen(url + "/_requests", timeout=5) as r:
            return json.load(r)["requests"]

    def reset(self, url):
        urllib.request.urlopen(urllib.request.Request(url + "/_requests", method="DELETE"),
                               timeout=5).read()


def values(ans):
    objs = (ans.json or {}).get("objectData") or []
    if len(objs) != 1:
        return None, {}
    return objs[0].get("externalId"), {p["developerName"]: p.get("contentValue")
                                       for p in objs[0].get("properties") or []}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True)
    ap.add_argument("--bin")
    ap.add_argument("--sock")
    ap.add_argument("--reg", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--env", action="append", default=[])
    a = ap.parse_args()
    r = Run(a)
    up = a.upstream
    m = a.mode
    name = "hello world/%s 100%%" % m          # a '/' and a '%' inside a part

    # 1. 201 + Location, no body: the ID from the load template, the record loaded back
    r.reset(up)
    ans = r.save("Repo", [prop("owner", "ContentString", "octocat"),
                          prop("name", "ContentString", name),
                          prop("private", "ContentBoolean", "true"),
                          prop("id", "ContentNumber"), prop("full_name", "ContentString"),
                          prop("html_url", "ContentString")])
    ext, v = values(ans)
    want = "octocat/" + name.replace("%", "%25").replace("/", "%2F")
    r.check("201 + Location without a body: the externalId is the composite ID from the "
            "x-flow-load template", ans.status == 200 and ext == want, want, ans.short())
    r.check("the record was loaded back: its id and full_name are the API's",
            (v.get("id") or "").isdigit() and v.get("full_name") == "octocat/" + name,
            "a numeric id and full_name octocat/" + name, v)
    seen = r.requests(up)
    gets = [q for q in seen if q["method"] == "GET"]
    r.check("one POST and one load-back GET, the GET with x-flow-load's Accept header",
            [q["method"] for q in seen] == ["POST", "GET"] and
            gets[0]["accept"] == "application/vnd.github+json", "POST, GET (vnd.github+json)",
            seen)

    # 2. the composite ID loads the record; a wrong number of parts is a 400
    ans = r.load("Repo", ext or want)
    ext2, v2 = values(ans)
    r.check("a load by the composite ID finds the record", ans.status == 200 and ext2 == want
            and v2.get("name") == name, want, ans.short())
    r.reset(up)
    ans = r.load("Repo", "octocat/a/b")
    r.check("a load by an ID of 3 parts is a 400 saying the type's ID has 2",
            ans.status == 400 and "has 2 parts" in ans.body and not r.requests(up),
            "400, 'has 2 parts', no API call", ans.short())

    # 3. 202 Accepted (GitHub forks asynchronously): the load-back is a 404, the object as sent
    r.reset(up)
    fork = "fork-" + m
    ans = r.save("Fork", [prop("owner", "ContentString", "octocat"),
                          prop("name", "ContentString", fork),
                          prop("source_owner", "ContentString", "octocat"),
                          prop("source_name", "ContentString", name),
                          prop("id", "ContentNumber")])
    ext, v = values(ans)
    r.check("202 + Location, load-back 404: the object as sent, with the ID of the Location",
            ans.status == 200 and ext == "octocat/" + fork and v.get("name") == fork and
            v.get("id") is None, "octocat/" + fork, ans.short())

    # 4. a Location on another host: 502 that says the record was created
    r.reset(up)
    ans = r.save("Repo", [prop("owner", "ContentString", "octocat"),
                          prop("name", "ContentString", "elsewhere-" + m)])
    msg = (ans.json or {}).get("message", "")
    r.check("a Location on another server is a 502 that says the record was created and "
            "gives the Location and the object as written",
            ans.status == 502 and "created the record" in msg and
            "https://elsewhere.example/repos/octocat/elsewhere-" + m in msg and
            '"name":"elsewhere-%s"' % m in msg, "502 created ... Location ... object", msg)
    r.check("nothing was loaded from the other server",
            [q["method"] for q in r.requests(up)] == ["POST"], ["POST"], r.requests(up))

    # 5. json-server behind /js/: 201 + a relative Location, the record loaded back from it
    r.reset(up)
    ans = r.save("Pet", [prop("name", "ContentString", "Rex-" + m),
                         prop("status", "ContentString", "available"),
                         prop("id", "ContentNumber")])
    ext, v = values(ans)
    r.check("json-server: the externalId is the id in the Location, the record loaded back",
            ans.status == 200 and ext and ext.isdigit() and v.get("id") == ext and
            v.get("name") == "Rex-" + m, "a numeric id", ans.short())
    ans = r.load("Pet", ext or "0")
    _, v = values(ans)
    r.check("json-server: that id loads the pet", ans.status == 200 and
            v.get("name") == "Rex-" + m, "Rex-" + m, ans.short())
    return 1 if r.nfail else 0


if __name__ == "__main__":
    sys.exit(main())
