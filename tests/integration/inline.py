"""inline.py - the Flow side of tests/integration/inline.sh: inline documents (product.md
§15.4), the `Schema Value` configuration value.

    inline.py run --mode cgi|fcgi (--bin BIN --cgi-env N=V ... | --sock SOCK [--prefix P])
                  --upstream URL --record FILE --schema-url REG --api-key KEY
                  --worker-log FILE --results FILE --doc FILE --dir DIR --runs FILE
                  --max N [--transcript FILE]
    inline.py cgi-limits --bin BIN --base-env N=V ... --upstream URL --record FILE
                  --schema-url REG --api-key KEY --worker-log FILE --results FILE --doc FILE
                  --dir DIR --sleeper PATH --runs FILE [--big FILE]

`run` checks a worker with inline documents on (--inline-documents DIR, --allow-host
http://127.0.0.1:PORT, *.allowed.test, [::1], --inline-max N, a --compiler wrapper that
appends a line to --runs for every compile): describe lists Schema Value after Schema URL;
the pet store given as a Schema Value loads pets through json-server; the same value is not
compiled again; Schema URL wins over Schema Value; refused hosts (a wildcard that does not
cover the domain itself, another port, another scheme, another IP literal) are 400s naming
the host; a file or URL $ref, externalValue and openIdConnectUrl are 400s with their
position; the 2 MiB limit; concurrent requests for a new value compile it once; DIR keeps at
most --inline-max caches. `cgi-limits` checks, with CGI processes and their environment:
without --inline-documents describe does not list Schema Value and a Schema Value is a 400;
a compiler slower than --inline-timeout, a request budget (--timeout) shorter than the
compile, and a document over --inline-memory are 400s naming the limit.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow import Scenario, config_values, data_request, describe_request  # noqa: E402

MARKER = "INLINE-DOC-MARKER-7f3a"     # in every document: must never reach a log


def cfg_value(value, schema_url=None, api_key=None):
    cfg = config_values(schema_url, api_key)
    cfg.append({"developerName": "Schema Value", "contentValue": value,
                "contentType": "ContentString"})
    return cfg


class Inline(Scenario):
    def __init__(self, a):
        a.prefix = getattr(a, "prefix", None) or ""
        a.base = None
        a.user_schema_url = None
        super().__init__(a)
        with open(a.doc, encoding="utf-8") as f:
            self.doc = f.read().replace("http://127.0.0.1:3000", a.upstream)
        self.doc = self.doc.replace("  version: \"1.0.0\"",
                                    "  version: \"1.0.0\"\n  x-note: %s" % MARKER, 1)

    def variant(self, title=None, server=None, extra=None):
        d = self.doc
        if title:
            d = d.replace("title: Pet store (json-server) for Boomi Flow", "title: " + title, 1)
        if server:
            d = d.replace("  - url: " + self.a.upstream, "  - url: " + server, 1)
        if extra:
            d = d.replace("\ncomponents:\n", "\ncomponents:\n" + extra, 1)
        return d

    def runs(self):
        try:
            with open(self.a.runs, encoding="utf-8") as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def describe(self, value, schema_url=None):
        return self.call("POST", "/metadata", describe_request(cfg_value(value, schema_url)))

    def problem(self, what, ans, status, *needles):
        msg = (ans.json or {}).get("message", "") if isinstance(ans.json, dict) else ""
        ok = ans.status == status and all(n.lower() in msg.lower() for n in needles)
        self.check(what, ok, "%d naming %s" % (status, ", ".join(needles)), ans.short())
        return msg

    def config_names(self, ans):
        j = ans.json if isinstance(ans.json, dict) else {}
        return [c.get("developerName") for c in j.get("configurationValues") or []]

    def caches(self):
        return sorted(n for n in os.listdir(self.a.dir) if n.endswith(".cache"))

    # -- run: a worker with inline documents on ---------------------------------------------
    def run(self):
        a = self.a
        names = self.config_names(self.call("POST", "/metadata", describe_request([])))
        self.eq("describe without a document lists Schema Value after Schema URL",
                ["Schema URL", "Schema Value"], names[:2])
        n0 = self.runs()
        t0 = time.monotonic()
        ans = self.describe(self.doc)
        self.check("describe with the pet store as a Schema Value: 200 with type Pet",
                   ans.status == 200 and any(t.get("developerName") == "Pet" for t in
                                              ((ans.json or {}).get("install") or {})
                                              .get("typeElements") or []), "200 and Pet",
                   ans.short())
        self.eq("... Schema Value listed after Schema URL in its describe", "Schema Value",
                (self.config_names(ans) + [None, None])[1])
        self.eq("... the compiler ran once", n0 + 1, self.runs())
        print("first compile and describe: %.2f s" % (time.monotonic() - t0))
        r0 = self.record_count()
        ans = self.call("POST", "/data", data_request(cfg_value(self.doc, None, a.api_key)))
        got = self.records_since(r0)
        self.check("load Pet through the Schema Value: 200 with pets", ans.status == 200 and
                   len((ans.json or {}).get("objectData") or []) > 0, "200, pets",
                   ans.short())
        self.check("... json-server got GET /pets with the API key",
                   any(r.get("method") == "GET" and r.get("url", "").startswith("/pets")
                       and r.get("apiKey") == a.api_key for r in got), "GET /pets", got[:2])
        self.eq("... the same value is not compiled again", n0 + 1, self.runs())
        ans = self.describe("not even YAML: {", schema_url=a.schema_url)
        self.check("Schema URL wins over a Schema Value", ans.status == 200, "200",
                   ans.short())
        self.eq("... nothing compiled for it", n0 + 1, self.runs())

        # refused hosts: patterns with a wildcard, a port, a scheme, an IP literal
        port = a.upstream.rsplit(":", 1)[1]
        for server, host, ok in [
                ("https://api.allowed.test/v1", None, True),
                ("https://deep.api.allowed.test", None, True),
                ("https://[::1]/v1", None, True),
                ("https://allowed.test/v1", "allowed.test", False),
                ("https://evil.example.net/v1", "evil.example.net", False),
                ("http://127.0.0.1:1/v1", "127.0.0.1:1", False),
                ("https://127.0.0.1:%s/v1" % port, "127.0.0.1:%s" % port, False),
                ("http://127.0.0.2:%s" % port, "127.0.0.2:%s" % port, False),
                ("https://[::2]/v1", "[::2]", False),
                ("https://api.allowed.test@evil.example.net/", None, False)]:
            ans = self.describe(self.variant(title="host " + server, server=server))
            if ok:
                self.check("server %s is allowed: 200" % server, ans.status == 200, 200,
                           ans.short())
            else:
                self.problem("server %s is refused: 400 naming its host" % server, ans, 400,
                             "not allowed", host or "evil.example.net")
        bad_token = ("  securitySchemes:\n    cc:\n      type: oauth2\n      flows:\n"
                     "        clientCredentials:\n          tokenUrl: https://tokens.evil.example.net/t\n"
                     "          scopes: {}\n")
        ans = self.describe(self.variant(title="token", extra="  x-unused: 1\n").replace(
            "  securitySchemes:\n", bad_token, 1))
        self.problem("a token URL on another host is refused", ans, 400,
                     "tokens.evil.example.net", "token URL")

        # what --offline refuses, with its position
        for what, extra, needle in [
                ("a file $ref", "  x-a: {$ref: '/etc/passwd'}\n", "$ref '/etc/passwd'"),
                ("a URL $ref", "  x-b: {$ref: 'http://127.0.0.1:%s/pets'}\n" % port, "$ref 'http"),
                ("externalValue", "  examples:\n    ext: {externalValue: 'file:///etc/passwd'}\n",
                 "externalValue"),
                ("openIdConnectUrl", None, "openIdConnectUrl")]:
            doc = self.variant(title=what, extra=extra)
            if extra is None:
                doc = doc.replace("  securitySchemes:\n", "  securitySchemes:\n    oidc:\n"
                                  "      type: openIdConnect\n      openIdConnectUrl: "
                                  "%s/.well-known/openid-configuration\n" % a.upstream, 1)
            ans = self.describe(doc)
            msg = self.problem("%s is refused: 400 with its position" % what, ans, 400,
                               needle, "Schema Value:")
            self.check("... the position is LINE:COL", any(
                p.split(":")[0].isdigit() and p.split(":")[1].isdigit()
                for p in msg.split("Schema Value:")[1:]), "Schema Value:L:C", msg)

        # the size limits: 2 MiB (400), the body limit (413) first
        big = self.doc + "\n# " + "x" * (2 * 1024 * 1024) + "\n"
        ans = self.describe(big)
        self.problem("a Schema Value over 2 MiB: 400 naming the limit", ans, 400, "2 MiB")
        huge = self.doc + "\n# " + "x" * (9 * 1024 * 1024) + "\n"
        ans = self.describe(huge)
        self.eq("a body over 8 MiB: 413 first", 413, ans.status)

        # concurrent requests for a new value: one compile
        doc = self.variant(title="concurrent %s" % self.mode)
        n1 = self.runs()
        answers = [None] * 6

        def one(i):
            answers[i] = self.raw_describe(doc)
        th = [threading.Thread(target=one, args=(i,)) for i in range(6)]
        for t in th:
            t.start()
        for t in th:
            t.join()
        self.eq("6 concurrent requests for a new value: all 200", [200] * 6,
                [x for x in answers])
        self.eq("... compiled once", n1 + 1, self.runs())
        self.check("... no lock left in DIR", not [n for n in os.listdir(a.dir)
                                                  if n.endswith(".lock")], "none",
                   os.listdir(a.dir))

        # eviction past --inline-max: the least recently used cache goes first
        first = None
        for i in range(a.max + 2):
            ans = self.describe(self.variant(title="evict %s %d" % (self.mode, i)))
            if i == 0:
                first = set(self.caches())
            if ans.status != 200:
                self.check("eviction document %d compiles" % i, False, 200, ans.short())
        c = self.caches()
        self.check("DIR keeps at most --inline-max (%d) caches" % a.max, len(c) <= a.max,
                   "<= %d" % a.max, c)
        ans = self.describe(self.variant(title="evict %s %d" % (self.mode, a.max + 1)))
        self.eq("... the newest is still there (no new compile)", 200, ans.status)
        n2 = self.runs()
        ans = self.describe(self.variant(title="evict %s 0" % self.mode))
        self.eq("... the oldest was evicted: compiled again", n2 + 1, self.runs())
        del first

    def raw_describe(self, doc):
        """One describe without the log checks (for concurrency): its status."""
        data = json.dumps(describe_request(cfg_value(doc))).encode()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REQUEST_METHOD": "POST",
               "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json",
               "REQUEST_URI": self.a.prefix + "/metadata", "GATEWAY_INTERFACE": "CGI/1.1",
               "SCRIPT_NAME": "", "PATH_INFO": "/metadata", "QUERY_STRING": ""}
        if self.mode == "cgi":
            env.update(kv.split("=", 1) for kv in self.a.cgi_env)
            argv = [self.a.bin]
        else:
            argv = ["cgi-fcgi", "-bind", "-connect", self.a.sock]
        p = subprocess.run(argv, input=data, env=env, capture_output=True, timeout=30)
        if self.mode == "cgi":
            with open(self.a.worker_log, "ab") as f:
                f.write(p.stderr)
        head = p.stdout.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        for line in head.splitlines():
            if line.lower().startswith("status:"):
                return int(line.split()[1])
        return 200 if p.returncode == 0 and p.stdout else None

    # -- cgi-limits: the opt-in and the limits ----------------------------------------------
    def limits(self):
        a = self.a
        base = list(a.base_env)
        a.cgi_env = [kv for kv in base if not kv.startswith("OPENAPI_CONNECTOR_INLINE") and
                     not kv.startswith("OPENAPI_CONNECTOR_ALLOW_HOST") and
                     not kv.startswith("OPENAPI_CONNECTOR_COMPILER")]
        names = self.config_names(self.call("POST", "/metadata", describe_request([])))
        self.check("without --inline-documents: describe does not list Schema Value",
                   "Schema Value" not in names and names[:1] == ["Schema URL"],
                   "no Schema Value", names)
        ans = self.call("POST", "/metadata", describe_request(config_values(a.schema_url, None)))
        self.check("... nor a compiled document's describe",
                   ans.status == 200 and "Schema Value" not in self.config_names(ans),
                   "no Schema Value", self.config_names(ans))
        ans = self.describe(self.doc)
        self.problem("... a Schema Value is a 400: inline documents are off", ans, 400,
                     "inline documents are off")

        a.cgi_env = base + ["OPENAPI_CONNECTOR_COMPILER=" + a.sleeper,
                            "OPENAPI_CONNECTOR_INLINE_TIMEOUT=1"]
        t0 = time.monotonic()
        ans = self.describe(self.variant(title="slow"))
        took = time.monotonic() - t0
        self.problem("a compile over --inline-timeout 1: 400 naming the limit", ans, 400,
                     "--inline-timeout")
        self.check("... answered within 5 s", took < 5, "< 5 s", "%.2f s" % took)
        a.cgi_env = base + ["OPENAPI_CONNECTOR_COMPILER=" + a.sleeper,
                            "OPENAPI_CONNECTOR_TIMEOUT=1"]
        ans = self.describe(self.variant(title="slow budget"))
        self.problem("a compile over the request's budget (--timeout 1): 400 naming it", ans,
                     400, "budget")
        if a.big:
            with open(a.big, encoding="utf-8") as f:
                big = f.read()
            a.cgi_env = base + ["OPENAPI_CONNECTOR_INLINE_MEMORY=40"]
            ans = self.describe(big)
            self.problem("a document over --inline-memory 40: 400 naming the limit", ans, 400,
                         "--inline-memory")
            a.cgi_env = base
            ans = self.describe(big)
            self.eq("... the same document within the default 512 MiB: 200", 200, ans.status)
        a.cgi_env = base
        ans = self.describe(self.variant(title="after the limits"))
        self.eq("a compile within the limits: 200", 200, ans.status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["run", "cgi-limits"])
    ap.add_argument("--mode", default="cgi")
    ap.add_argument("--bin")
    ap.add_argument("--cgi-env", action="append", default=[])
    ap.add_argument("--base-env", action="append", default=[])
    ap.add_argument("--sock")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--schema-url", required=True)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--worker-log", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", required=True)
    ap.add_argument("--max", type=int, default=3)
    ap.add_argument("--sleeper")
    ap.add_argument("--big")
    ap.add_argument("--transcript")
    a = ap.parse_args()
    s = Inline(a)
    if a.what == "run":
        s.run()
    else:
        s.limits()
    return 1 if s.nfail else 0


if __name__ == "__main__":
    sys.exit(main())
