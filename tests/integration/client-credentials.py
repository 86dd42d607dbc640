#!/usr/bin/env python3
"""client-credentials.py - the Flow side of tests/integration/client-credentials.sh
(Python 3, stdlib only): OAuth 2.0 client credentials (product.md §13.6).

Loads as the public user go to the worker as CGI (one process per request, with and
without --token-cache) and through its own FastCGI pool (--listen, --workers 1); the
provider of identity-provider.mjs counts the token requests (GET /_cc on the API port) and
is steered by it (expires_in, revoking the tokens issued). Checked: the token requests per
mode, a new token after expiry and after an API 401, client_secret_basic and _post, the
scope and tokenParameters sent, the token cache directory's modes, a refused token request
(502 naming the token URL and invalid_client, never the secret). Every check prints
"PASS: ..." or "FAIL: ..." and is appended to --results.
"""

import argparse
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flow  # noqa: E402  (request bodies, the CGI answer)

PUBLIC = urllib.parse.quote(
    "ManyWhoTenantId=aa606806-642f-4d3b-8a0b-9c06e0a7a7c4"
    "&ManyWhoUserId=52df1a90-3826-4508-b7c2-cde8aa5b72cf&ManyWhoToken=x"
    "&DirectoryId=UNAUTHENTICATED&DirectoryName=UNKNOWN&RoleId=UNAUTHENTICATED"
    "&RoleName=UNKNOWN&PrimaryGroupId=UNAUTHENTICATED&PrimaryGroupName=UNKNOWN"
    "&Email=admin@manywho.com&IdentityProvider=NONE&TenantName=UNKNOWN&Token=NONE"
    "&Username=&UserId=PUBLIC_USER&FirstName=&LastName=", safe="")
PET1 = {"id": "1", "name": "Rex", "status": "available"}


class Run:
    def __init__(self, a):
        self.a = a
        self.npass = self.nfail = 0
        self.results = open(a.results, "a", encoding="utf-8")
        self.regs = dict(kv.split("=", 1) for kv in a.reg)
        self.sock = None
        self.mode = "cgi"

    def _out(self, line):
        print(line, flush=True)
        self.results.write(line + "\n")
        self.results.flush()

    def check(self, what, ok, expected=None, got=None):
        if ok:
            self.npass += 1
            self._out("PASS: %s: %s" % (self.mode, what))
        else:
            self.nfail += 1
            self._out("FAIL: %s: %s\n      expected: %s\n      got:      %s" % (
                self.mode, what, str(expected)[:600], str(got)[:600]))
        return ok

    def eq(self, what, expected, got):
        return self.check(what, expected == got, expected, got)

    # --- the provider's counters --------------------------------------------------------

    def ctl(self, what, method="POST"):
        req = urllib.request.Request(self.a.api + "/_cc" + what, method=method,
                                     data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read().decode())

    def stats(self):
        return self.ctl("", "GET")

    # --- the worker ---------------------------------------------------------------------

    def config(self, kind, secret=None):
        vals = [("Schema URL", self.regs[kind]),
                ("OAuth2/OIDC: Client Id", self.a.client_id),
                ("OAuth2/OIDC: Client Secret", secret or self.a.client_secret)]
        if secret == "":                        # none configured
            vals = vals[:2]
        return [{"developerName": n, "contentValue": v, "contentType": "ContentString"}
                for n, v in vals]

    def load(self, kind, cgi_env=(), secret=None, pet="1", who=PUBLIC, path="/data",
             body=None):
        if body is None:
            body = flow.data_request(self.config(kind, secret),
                                     props=["id", "name", "status"],
                                     lfilter=flow.list_filter(id=pet))
        data = json.dumps(body).encode()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
               "REQUEST_METHOD": "POST", "QUERY_STRING": "", "REQUEST_URI": path,
               "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json",
               "HTTP_AUTHORIZATION": who}
        if self.sock:
            env["SCRIPT_NAME"] = path
            argv = ["cgi-fcgi", "-bind", "-connect", self.sock]
        else:
            env.update(SCRIPT_NAME="", PATH_INFO=path,
                       OPENAPI_CONNECTOR_CACHE_DIR=self.a.cache_dir)
            env.update(kv.split("=", 1) for kv in cgi_env)
            argv = [self.a.bin]
        p = subprocess.run(argv, input=data, env=env, capture_output=True, timeout=30)
        if not self.sock:
            with open(self.a.worker_log, "ab") as f:
                f.write(p.stderr)
        return flow.Answer(p.stdout, p.stderr, 0, p.returncode)

    def load_ok(self, what, kind, **kw):
        ans = self.load(kind, **kw)
        objs = (ans.json or {}).get("objectData") if isinstance(ans.json, dict) else None
        got = flow.values_of(objs[0]) if objs and len(objs) == 1 else ans.short()
        return self.check("%s: 200 with pet 1" % what, ans.status == 200 and got == PET1,
                          PET1, got)

    def token_requests(self, what, expected, since):
        now = self.stats()
        self.eq("%s: token requests" % what, expected, now["requests"] - since["requests"])
        return now

    # --- the scenarios ------------------------------------------------------------------

    def cgi(self):
        self.mode = "cgi"
        s0 = self.stats()
        for i in range(3):
            self.load_ok("load %d without --token-cache" % (i + 1), "basic")
        s1 = self.token_requests("3 CGI loads without --token-cache (one per process, as "
                                 "documented)", 3, s0)
        self.eq("client_secret_basic: every request authenticated with Basic", 3,
                s1["client_secret_basic"] - s0["client_secret_basic"])
        self.eq("the requirement's scope sent", ["pets:read"] * 3, s1["scopes"][-3:])
        self.eq("tokenParameters sent", [{"audience": "https://pets.example.test/"}] * 3,
                s1["params"][-3:])
        self.eq("no API call was refused", 0, s1["api401"] - s0["api401"])

        self.mode = "cgi --token-cache"
        tc = self.a.token_dir
        env = ["OPENAPI_CONNECTOR_TOKEN_CACHE=" + tc]
        for i in range(5):
            self.load_ok("load %d" % (i + 1), "basic", cgi_env=env)
        s2 = self.token_requests("5 CGI loads sharing --token-cache", 1, s1)
        try:
            st = os.stat(tc)
            files = os.listdir(tc)
        except OSError as e:
            st, files = None, str(e)
        self.eq("the token cache directory has mode 0700", "0o700",
                oct(stat.S_IMODE(st.st_mode)) if st else None)
        ok = isinstance(files, list) and len(files) == 1 and re.fullmatch("[0-9a-f]{64}",
                                                                          files[0])
        self.check("one token file named by its SHA-256 key", ok, "64 hex digits", files)
        if ok:
            m = stat.S_IMODE(os.stat(os.path.join(tc, files[0])).st_mode)
            self.eq("the token file has mode 0600", "0o600", oct(m))
        # an API 401: the token is dropped and the load repeated with a new one
        self.ctl("/revoke")
        self.load_ok("load after the API stopped accepting the token", "basic", cgi_env=env)
        s3 = self.token_requests("after an API 401", 1, s2)
        self.eq("the API answered one 401", 1, s3["api401"] - s2["api401"])
        self.load_ok("load with the new token from the cache", "basic", cgi_env=env)
        self.token_requests("the new token is shared too", 0, s3)

        self.mode = "cgi client_secret_post"
        s4 = self.stats()
        self.load_ok("load", "post")
        s5 = self.token_requests("one load", 1, s4)
        self.eq("client_secret_post: the id and secret in the form", 1,
                s5["client_secret_post"] - s4["client_secret_post"])

        self.mode = "cgi refused"
        ans = self.load("basic", secret="wrong-" + self.a.client_secret)
        msg = (ans.json or {}).get("message", "") if isinstance(ans.json, dict) else ""
        self.check("a wrong secret: 502 naming the token URL and invalid_client",
                   ans.status == 502 and self.a.provider + "/token" in msg and
                   "invalid_client" in msg, "502 with the URL and invalid_client",
                   ans.short())
        self.check("the message holds no secret", self.a.client_secret not in ans.body,
                   "no secret", ans.body)
        s6 = self.stats()
        ans = self.load("basic", secret="")
        msg = (ans.json or {}).get("message", "") if isinstance(ans.json, dict) else ""
        self.check("no client secret configured: 400 naming the configuration values",
                   ans.status == 400 and "OAuth2/OIDC: Client Secret" in msg,
                   "400 naming 'OAuth2/OIDC: Client Secret'", ans.short())
        self.token_requests("no client secret: nothing requested", 0, s6)

    def limits(self):
        self.mode = "cgi limits"
        hole = socket.socket()
        try:
            hole.bind(("127.0.0.1", int(self.a.hole_port)))
            hole.listen(8)                      # connections complete; nothing answers
        except OSError as e:
            self.check("listen on the silent token endpoint's port", False, "listening", e)
            return
        try:
            t0 = time.monotonic()
            ans = self.load("hole", cgi_env=["OPENAPI_CONNECTOR_TIMEOUT=1"])
            took = time.monotonic() - t0
            msg = (ans.json or {}).get("message", "") if isinstance(ans.json, dict) else ""
            self.check("a token endpoint that never answers: 504 within --timeout 1",
                       ans.status == 504 and "token endpoint" in msg and took < 3,
                       "504 naming the token endpoint in < 3 s",
                       "%.2f s, %s" % (took, ans.short()))
        finally:
            hole.close()
        ans = self.load("closed")
        msg = (ans.json or {}).get("message", "") if isinstance(ans.json, dict) else ""
        self.check("a closed token endpoint: 502 saying it could not be reached",
                   ans.status == 502 and "could not be reached" in msg, "502",
                   ans.short())

    def both_flows(self):
        self.mode = "cgi"
        for kind, provides in (("basic", False), ("both", True)):
            ans = self.load(kind, path="/metadata", body=flow.describe_request(
                self.config(kind)))
            got = ans.json.get("providesIdentity") if isinstance(ans.json, dict) else None
            self.eq("describe of cc-%s.yaml: providesIdentity" % kind, provides, got)
        self.mode = "cgi both flows"
        s0 = self.stats()
        self.load_ok("the public user", "both")
        s1 = self.token_requests("the public user gets client credentials", 1, s0)
        # a signed-in user's token (here one the provider issued to the client directly)
        form = urllib.parse.urlencode({"grant_type": "client_credentials",
                                       "client_id": self.a.client_id,
                                       "client_secret": self.a.client_secret}).encode()
        with urllib.request.urlopen(self.a.provider + "/token", data=form, timeout=5) as r:
            user_token = json.loads(r.read().decode())["access_token"]
        s1 = self.stats()
        who = PUBLIC.replace("Token%3DNONE", "Token%3D" + user_token).replace(
            "UserId%3DPUBLIC_USER", "UserId%3Du-ann")
        self.load_ok("a signed-in user with a token", "both", who=who)
        s2 = self.token_requests("the user's token is sent: no token requested", 0, s1)
        self.eq("the API accepted it", 0, s2["api401"] - s1["api401"])

    def pool(self):
        self.mode = "fastcgi pool --workers 1"
        self.sock = self.a.sock
        log = open(self.a.pool_log, "ab")
        env = dict(os.environ, OPENAPI_CONNECTOR_CACHE_DIR=self.a.cache_dir)
        env.pop("OPENAPI_CONNECTOR_TOKEN_CACHE", None)
        proc = subprocess.Popen([self.a.bin, "--listen", self.sock, "--workers", "1"],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        try:
            deadline = time.monotonic() + 10
            while not os.path.exists(self.sock) and time.monotonic() < deadline:
                time.sleep(0.05)
            s0 = self.stats()
            ok = all(self.load("basic").status == 200 for _ in range(20))
            self.check("20 loads answered 200", ok, True, ok)
            s1 = self.token_requests("20 loads", 1, s0)
            # expiry: a token of 32 s is used for 2 s (until 30 s before it expires)
            self.ctl("/expires_in/32")
            self.ctl("/revoke")
            self.load_ok("load after the API stopped accepting the token", "basic")
            s2 = self.token_requests("after an API 401", 1, s1)
            self.load_ok("load at once", "basic")
            s3 = self.token_requests("the 32 s token is still used", 0, s2)
            time.sleep(2.5)
            self.load_ok("load 2.5 s later", "basic")
            s4 = self.token_requests("a new token 30 s before the old one expires", 1, s3)
            # no expires_in: an hour
            self.ctl("/expires_in/-1")
            time.sleep(2.5)
            self.load_ok("load once the 32 s token is near its end", "basic")
            self.load_ok("load again", "basic")
            self.token_requests("a token without expires_in is kept (an hour)", 1, s4)
            self.ctl("/expires_in/3600")
            self.eq("the pool is still running", None, proc.poll())
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
            self.sock = None


def main():
    p = argparse.ArgumentParser()
    for k in ("bin", "cache-dir", "api", "provider", "client-id", "client-secret",
              "token-dir", "sock", "worker-log", "pool-log", "results"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--reg", action="append", default=[])
    p.add_argument("--hole-port", required=True)
    a = p.parse_args()
    r = Run(a)
    r.cgi()
    r.limits()
    r.both_flows()
    r.pool()
    return 1 if r.nfail else 0


if __name__ == "__main__":
    sys.exit(main())
