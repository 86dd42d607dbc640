#!/usr/bin/env python3
"""identity.py - the Flow side of tests/integration/identity.sh (Python 3, stdlib only).

Plays the Flow engine and the user's browser against the worker's identity endpoints
(product.md §9, flow-protocol.md §4.11 and §7) for the documents identity-*.yaml.in,
compiled by identity.sh against real providers on loopback: an OAuth 2.0 / OpenID Connect
provider with a bearer-protected API (identity-provider.mjs) and a lighttpd with HTTP Basic.
The requests go to the worker as CGI or FastCGI exactly as tests/integration/flow.py sends
them (its Scenario class is reused: request building, the CGI answer, the one-log-line
check, ServiceProblem checks).

    identity.py scenario --mode cgi|fcgi (--bin BIN | --sock SOCK) --reg KIND=URL ...
    identity.py down --reg oidc=URL --provider-pid PID ...   (sign-in while the provider
                                                               is stopped)

KIND is oauth2, oidc, basic-me, basic-default or oauth2-down (the oauth2 document compiled
against a closed port). Every check prints "PASS: ..." or "FAIL: ..." and is appended to
--results.
"""

import argparse
import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flow  # noqa: E402  (tests/integration/flow.py: the CGI/FastCGI client)

REDIRECT_URI = "http://127.0.0.1:9/callback"
USERNAME, PASSWORD = "ann", "S3cret-Pa55"
BASIC_TOKEN = base64.b64encode(("%s:%s" % (USERNAME, PASSWORD)).encode()).decode()
WRONG_BASIC_TOKEN = base64.b64encode(("%s:not-the-password" % USERNAME).encode()).decode()

# The $User property set /authorization always returns (flow-protocol.md §7.1, product §9.4)
USER_PROPS = ["User ID", "Username", "Email", "First Name", "Last Name", "Directory Id",
              "Directory Name", "AuthenticationType", "LoginUrl", "Status", "Role Id",
              "Role Name", "Primary Group Id", "Primary Group Name"]

# What /authentication must return for each document (its x-flow-identity.me mapping;
# OIDC: the standard claims; basic defaultUrl: the username everywhere).
OAUTH_USER = {"userId": "u-ann", "username": "ann", "email": "ann@example.com",
              "firstName": "Ann", "lastName": "Lee"}
EXPECTED_USER = {
    "oauth2": OAUTH_USER, "oidc": OAUTH_USER,
    "basic-me": {"userId": "ann-1", "username": "ann", "email": "ann@example.com",
                 "firstName": "Ann", "lastName": "Lee"},
    "basic-default": {"userId": "ann", "username": "ann", "firstName": "ann",
                      "lastName": "ann"},
}
PET1 = {"id": "1", "name": "Rex", "status": "available"}


def who_header(user_id="PUBLIC_USER", token="NONE", username="", email="admin@manywho.com",
               first="", last="", group="UNAUTHENTICATED", directory="UNAUTHENTICATED"):
    """Flow's Authorization header (flow-protocol.md §3.2): the AuthenticatedWho as
    Key=Value pairs joined by &, the whole string percent-encoded once."""
    plain = ("ManyWhoTenantId=aa606806-642f-4d3b-8a0b-9c06e0a7a7c4"
             "&ManyWhoUserId=52df1a90-3826-4508-b7c2-cde8aa5b72cf&ManyWhoToken=x"
             "&DirectoryId=%s&DirectoryName=UNKNOWN&RoleId=UNAUTHENTICATED"
             "&RoleName=UNKNOWN&PrimaryGroupId=%s&PrimaryGroupName=UNKNOWN"
             "&Email=%s&IdentityProvider=NONE&TenantName=UNKNOWN&Token=%s"
             "&Username=%s&UserId=%s&FirstName=%s&LastName=%s") % (
                 directory, group, email, token, username, user_id, first, last)
    return urllib.parse.quote(plain, safe="")


PUBLIC = who_header()


class Identity(flow.Scenario):
    def __init__(self, a):
        # flow.Scenario's own checks look for the "API key" in every log and problem
        # message: here that is the client secret.
        a.api_key = a.client_secret
        a.schema_url = None
        super().__init__(a)
        self.regs = dict(kv.split("=", 1) for kv in a.reg)

    # --- plumbing -----------------------------------------------------------------------

    def config(self, kind, secret=None, extra=()):
        vals = [("Schema URL", self.regs[kind]),
                ("OAuth2/OIDC: Client Id", self.a.client_id),
                ("OAuth2/OIDC: Client Secret", secret or self.a.client_secret)]
        vals += list(extra)
        return [{"developerName": n, "contentValue": v, "contentType": "ContentString"}
                for n, v in vals]

    def post(self, path, body, header=PUBLIC):
        return self.call("POST", path, body, extra_env={"HTTP_AUTHORIZATION": header})

    def secrets(self, kind):
        """The values of KIND the provider wrote to its secrets file, in order."""
        out = []
        with open(self.a.secrets, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition(" ")
                if k == kind:
                    out.append(v)
        return out

    def upstream_calls(self, expected=None):
        """Requests for /pets the APIs have received so far (the provider's "api:" log
        lines and the "Request-URI" lines of lighttpd's error log, debug.log-request-
        handling). They log as they answer, so a line may land after the answer: with
        EXPECTED, wait up to 1.5 s for that count; without, until the count has stood still
        for 0.15 s (the lines of calls made before are all in)."""
        deadline = time.monotonic() + 1.5
        last = self._upstream_calls()
        while True:
            time.sleep(0.03 if expected is not None else 0.15)
            n = self._upstream_calls()
            if (n == expected if expected is not None else n == last) or \
                    time.monotonic() > deadline:
                return n
            last = n

    def _upstream_calls(self):
        n = 0
        for path, prefix in ((self.a.provider_log, " api: "), (self.a.basic_log, "Request-URI")):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    n += sum(1 for x in f if prefix in x and "/pets" in x)
            except OSError:
                pass
        return n

    def login_url(self, kind):
        if kind.startswith("basic"):
            return ""
        base = {"oauth2": self.a.provider, "oidc": self.a.provider,
                "oauth2-down": self.a.down_provider}[kind]
        scope = "openid email profile" if kind == "oidc" else "openid email"
        return "%s/authorize?response_type=code&client_id=%s&scope=%s" % (
            base, urllib.parse.quote(self.a.client_id, safe=""),
            urllib.parse.quote(scope, safe=""))

    # --- /authorization -------------------------------------------------------------

    def authorization(self, what, kind, global_type, header=PUBLIC, users=None, groups=None):
        """POST /authorization; the $User object's properties ({} when the shape is wrong)."""
        body = {"configurationValues": self.config(kind),
                "authorization": {"globalAuthenticationType": global_type,
                                  "users": users, "groups": groups}}
        objs = self.objects(what, self.post("/authorization", body, header))
        if objs is None:
            return {}
        if not self.check("%s: one $User object" % what,
                          len(objs) == 1 and objs[0].get("developerName") == "$User",
                          "[$User]", [o.get("developerName") for o in objs]):
            return {}
        props = flow.props_of(objs[0])
        missing = [n for n in USER_PROPS if n not in props]
        self.check("%s: the whole $User property set" % what, not missing, "none missing",
                   missing)
        wrong = {n: p.get("contentType") for n, p in props.items()
                 if n in USER_PROPS and p.get("contentType") != "ContentString"}
        self.check("%s: $User properties are ContentString" % what, not wrong, "{}", wrong)
        return {n: p.get("contentValue") for n, p in props.items()}

    def status_is(self, what, kind, global_type, expected, **kw):
        v = self.authorization(what, kind, global_type, **kw)
        self.eq("%s: Status" % what, expected, v.get("Status"))
        return v

    def still_serves(self, what):
        """After a failure the worker still answers (FastCGI: the same process)."""
        ans = self.post("/authorization", {
            "configurationValues": self.config("oauth2"),
            "authorization": {"globalAuthenticationType": "PUBLIC", "users": None,
                              "groups": None}})
        objs = (ans.json or {}).get("objectData") if isinstance(ans.json, dict) else None
        st = flow.values_of(objs[0]).get("Status") if objs else None
        self.check("after %s the worker still serves (/authorization PUBLIC)" % what,
                   ans.status == 200 and st == "200", "200 with Status 200", ans.short())

    # --- sign-in ----------------------------------------------------------------------

    def browser(self, what, login_url, extra=""):
        """Follow LOGIN_URL like Flow's player: add redirect_uri and state, GET it at the
        provider, read the code from the redirect. The code, or None."""
        url = login_url + "&redirect_uri=" + urllib.parse.quote(REDIRECT_URI, safe="") + \
            "&state=xyz" + extra
        p = subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "5", "-w",
                            "%{http_code} %{redirect_url}", url],
                           capture_output=True, text=True, timeout=10)
        code_s, _, loc = p.stdout.partition(" ")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        ok = self.check("%s: the provider redirects back with a code and the state" % what,
                        code_s in ("302", "303") and loc.startswith(REDIRECT_URI + "?")
                        and q.get("code") and q.get("state") == ["xyz"],
                        "302 to %s?code=...&state=xyz" % REDIRECT_URI,
                        "%s %s" % (code_s, loc))
        return q["code"][0] if ok else None

    def authenticate(self, what, kind, creds, secret=None):
        body = {"configurationValues": self.config(kind, secret)}
        body.update(creds)
        ans = self.post("/authentication", body)
        if not self.ok_json(what, ans):
            return {}
        j = ans.json
        self.check("%s: no secret in the answer" % what,
                   self.a.client_secret not in ans.body and PASSWORD not in ans.body,
                   "neither the client secret nor the password", ans.body)
        return j

    def denied(self, what, kind, creds, secret=None):
        j = self.authenticate(what, kind, creds, secret)
        self.eq("%s: status ACCESS_DENIED" % what, "ACCESS_DENIED", j.get("status"))
        msg = j.get("statusMessage")
        self.check("%s: a statusMessage" % what, isinstance(msg, str) and msg.strip(),
                   "a non-empty string", msg)
        tok = j.get("token")
        self.check("%s: no token" % what, tok in (None, "", "NONE") and BASIC_TOKEN not in
                   (msg or ""), "no token", tok)
        code = creds.get("code")
        if code:
            self.check("%s: the statusMessage does not repeat the code" % what,
                       code not in (msg or ""), "no " + code, msg)
        self.still_serves(what)

    def code_creds(self, code):
        return {"authenticationType": "OAUTH2", "code": code, "redirectUri": REDIRECT_URI}

    def signed_in(self, what, kind, j):
        """Checks an AUTHENTICATED answer; Flow's header for that user (None if it failed)."""
        self.eq("%s: status AUTHENTICATED" % what, "AUTHENTICATED", j.get("status"))
        exp = EXPECTED_USER[kind]
        self.eq("%s: the user fields" % what, exp, {k: j.get(k) for k in exp})
        if kind.startswith("basic"):
            self.eq("%s: token = base64 of user:password" % what, BASIC_TOKEN, j.get("token"))
        else:
            issued = self.secrets("access_token")
            self.check("%s: token = the access token the provider just issued" % what,
                       issued and j.get("token") == issued[-1],
                       "the last access_token of %s" % self.a.secrets,
                       "%.40s... (%d issued so far)" % (j.get("token"), len(issued)))
        if j.get("status") != "AUTHENTICATED" or not j.get("token"):
            return None
        return who_header(user_id=j.get("userId") or "", token=j["token"],
                          username=j.get("username") or "", email=j.get("email") or "",
                          first=j.get("firstName") or "", last=j.get("lastName") or "",
                          group="g1", directory=j.get("directoryId") or "openapi")

    def sign_in(self, kind):
        """The whole login of one document; Flow's header for the signed-in user or None."""
        if kind.startswith("basic"):
            j = self.authenticate("%s: /authentication with the right password" % kind, kind,
                                  {"authenticationType": "USERNAME_PASSWORD",
                                   "username": USERNAME, "password": PASSWORD})
            return self.signed_in("%s: sign-in" % kind, kind, j), None
        code = self.browser("%s: sign-in" % kind, self.login_url(kind))
        if code is None:
            return None, None
        j = self.authenticate("%s: /authentication with the code" % kind, kind,
                              self.code_creds(code))
        return self.signed_in("%s: sign-in" % kind, kind, j), code

    # --- the steps ----------------------------------------------------------------------

    def describe(self, kind):
        what = "%s: describe" % kind
        ans = self.post("/metadata", {"culture": flow.CULTURE, "uri": None,
                                      "configurationValues": self.config(kind)})
        if self.ok_json(what, ans):
            self.eq("%s: providesIdentity" % what, True, ans.json.get("providesIdentity"))

    def rules(self, kind, user_header, user_id):
        """flow-protocol.md §7.1 for the public user and for the signed-in one."""
        auth_type = "USERNAME_PASSWORD" if kind.startswith("basic") else "OAUTH2"
        v = self.status_is("%s: ALL_USERS, public user" % kind, kind, "ALL_USERS", "401")
        self.eq("%s: ALL_USERS, public user: AuthenticationType" % kind, auth_type,
                v.get("AuthenticationType"))
        self.eq("%s: ALL_USERS, public user: LoginUrl" % kind, self.login_url(kind),
                v.get("LoginUrl"))
        self.status_is("%s: PUBLIC, public user" % kind, kind, "PUBLIC", "200")
        self.status_is("%s: SPECIFIED, public user" % kind, kind, "SPECIFIED", "401",
                       users=[{"authenticationId": user_id or "u-ann", "attribute": None}])
        if user_header is None:
            return
        self.status_is("%s: ALL_USERS, signed-in user" % kind, kind, "ALL_USERS", "200",
                       header=user_header)
        self.status_is("%s: SPECIFIED users=[%s], that user" % (kind, user_id), kind,
                       "SPECIFIED", "200", header=user_header,
                       users=[{"authenticationId": "u-bob"}, {"authenticationId": user_id}])
        self.status_is("%s: SPECIFIED users=[u-bob], another user" % kind, kind,
                       "SPECIFIED", "401", header=user_header,
                       users=[{"authenticationId": "u-bob"}])
        self.status_is("%s: SPECIFIED groups=[g1], a user of group g1" % kind, kind,
                       "SPECIFIED", "200", header=user_header,
                       groups=[{"authenticationId": "g1"}])
        self.status_is("%s: SPECIFIED groups=[g2], a user of group g1" % kind, kind,
                       "SPECIFIED", "401", header=user_header,
                       groups=[{"authenticationId": "g2"}])

    def load(self, kind, user_header, wrong_header):
        """The API behind the document, called with the user's token (product.md §9)."""
        body = {"configurationValues": self.config(kind),
                "objectDataType": {"developerName": "Pet", "properties": [
                    {"developerName": p} for p in ("id", "name", "status")]},
                "listFilter": {"id": "1"}}
        what = "%s: load Pet 1 as the signed-in user" % kind
        objs = self.objects(what, self.post("/data", body, user_header))
        if objs is not None:
            self.eq("%s: the pet (the API took the token)" % what, [("1", PET1)],
                    [(o.get("externalId"), {k: flow.values_of(o).get(k) for k in PET1})
                     for o in objs])
        what = "%s: load Pet 1 as the public user" % kind
        n = self.upstream_calls()
        ans = self.post("/data", body)
        self.problem(what, ans, 401)
        msg = ((ans.json or {}).get("message") or "") if isinstance(ans.json, dict) else ""
        self.check("%s: the message says sign-in is needed" % what, "sign" in msg.lower(),
                   "sign-in / signed in", msg)
        self.eq("%s: the API is not called" % what, n, self.upstream_calls(n))
        what = "%s: load Pet 1 with a token the API refuses" % kind
        n = self.upstream_calls()
        ans = self.post("/data", body, wrong_header)
        if self.problem(what, ans, 502):
            self.check("%s: the message gives the API's status 401" % what,
                       "401" in ans.json.get("message", ""), "401", ans.json.get("message"))
        self.eq("%s: the API was called once" % what, n + 1, self.upstream_calls(n + 1))

    def failures(self, kind, used_code):
        if kind.startswith("basic"):
            self.denied("%s: wrong password" % kind, kind, {
                "authenticationType": "USERNAME_PASSWORD", "username": USERNAME,
                "password": PASSWORD + "x"})
            self.denied("%s: unknown user" % kind, kind, {
                "authenticationType": "USERNAME_PASSWORD", "username": "bob",
                "password": PASSWORD})
            self.denied("%s: no password" % kind, kind, {
                "authenticationType": "USERNAME_PASSWORD", "username": USERNAME,
                "password": ""})
            return
        self.denied("%s: a code the provider never issued" % kind, kind,
                    self.code_creds("not-a-code-" + kind))
        if used_code:
            self.denied("%s: a code used before" % kind, kind, self.code_creds(used_code))
        code = self.browser("%s: wrong client secret" % kind, self.login_url(kind))
        if code:
            self.denied("%s: wrong client secret" % kind, kind, self.code_creds(code),
                        secret=self.a.client_secret + "-wrong")
            # the provider refused the client before looking at the code: with the right
            # secret the same code works, so the failure above was the secret's
            j = self.authenticate("%s: the same code with the right secret" % kind, kind,
                                  self.code_creds(code))
            self.eq("%s: the same code with the right secret: status" % kind,
                    "AUTHENTICATED", j.get("status"))
        code = self.browser("%s: userinfo answers 401" % kind, self.login_url(kind),
                            "&login_hint=userinfo-401")
        if code:
            self.denied("%s: userinfo answers 401" % kind, kind, self.code_creds(code))

    def directory(self):
        """Group and user lists for Flow's pickers (flow-protocol.md §7.3, product §9.4)."""
        for path, setting, value, name, ids in (
                ("/authorization/group", "Authorization Groups", "g1, g2",
                 "GroupAuthorizationGroup", ["g1", "g2"]),
                ("/authorization/user", "Authorization Users", "u-ann,u-bob",
                 "GroupAuthorizationUser", ["u-ann", "u-bob"])):
            body = {"configurationValues": self.config("oauth2", extra=[(setting, value)]),
                    "objectDataType": None, "listFilter": None, "objectData": None}
            objs = self.objects(path, self.post(path, body))
            if objs is None:
                continue
            self.eq("%s: one %s per id" % (path, name), [(name, i) for i in ids],
                    [(o.get("developerName"), o.get("externalId")) for o in objs])
            for o in objs:
                v = flow.values_of(o)
                self.check("%s: %s has AuthenticationId, FriendlyName, DeveloperSummary"
                           % (path, o.get("externalId")),
                           v.get("AuthenticationId") == o.get("externalId")
                           and "FriendlyName" in v and "DeveloperSummary" in v,
                           "AuthenticationId = externalId and the two others",
                           flow.props_of(o))
        body = {"configurationValues": self.config("oauth2"), "objectDataType": None}
        objs = self.objects("/authorization/group/attribute",
                            self.post("/authorization/group/attribute", body))
        if objs is not None:
            got = [(o.get("developerName"), flow.values_of(o).get("Value"),
                    flow.values_of(o).get("Label")) for o in objs]
            self.check("/authorization/group/attribute: AuthenticationAttribute MEMBERS",
                       ("AuthenticationAttribute", "MEMBERS", "Members") in got
                       and all(g[0] == "AuthenticationAttribute" for g in got),
                       "AuthenticationAttribute objects, one Value MEMBERS Label Members",
                       got)
        self.objects("/authorization/user/attribute",
                     self.post("/authorization/user/attribute", body))

    def document(self, kind):
        print("== %s: %s" % (self.mode, kind), flush=True)
        self.describe(kind)
        user_header, code = self.sign_in(kind)
        user_id = EXPECTED_USER[kind]["userId"]
        self.rules(kind, user_header, user_id)
        if user_header is not None:
            wrong = who_header(user_id=user_id, token=WRONG_BASIC_TOKEN
                               if kind.startswith("basic") else "not-a-token", group="g1")
            self.load(kind, user_header, wrong)
        self.failures(kind, code)

    def run(self):
        for kind in ("oauth2", "oidc", "basic-me", "basic-default"):
            self.document(kind)
        print("== %s: provider down (oauth2 compiled against a closed port)" % self.mode,
              flush=True)
        v = self.status_is("oauth2-down: ALL_USERS, public user", "oauth2-down",
                           "ALL_USERS", "401")
        self.eq("oauth2-down: LoginUrl", self.login_url("oauth2-down"), v.get("LoginUrl"))
        self.denied("oauth2-down: the token endpoint refuses connections", "oauth2-down",
                    self.code_creds("a-code"))
        print("== %s: directory lookups" % self.mode, flush=True)
        self.directory()
        return 0

    def down(self):
        """OIDC sign-in with a real code while the provider is stopped."""
        print("== %s: the provider stops between the login page and /authentication"
              % self.mode, flush=True)
        code = self.browser("oidc-down: login", self.login_url("oidc"))
        pid = self.a.provider_pid
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError as e:
            self.check("oidc-down: stop the provider", False, "SIGTERM sent", str(e))
            return 0
        port = urllib.parse.urlsplit(self.a.provider).port
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                time.sleep(0.05)
            except OSError:
                break
        t0 = time.monotonic()
        self.denied("oidc-down: the provider is stopped", "oidc",
                    self.code_creds(code or "no-code"))
        self.check("oidc-down: the answer came within 5 s", time.monotonic() - t0 < 5,
                   "< 5 s", "%.1f s" % (time.monotonic() - t0))
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", choices=("scenario", "down"))
    ap.add_argument("--mode", choices=("cgi", "fcgi"), required=True)
    ap.add_argument("--bin", help="the worker (CGI mode)")
    ap.add_argument("--sock", help="the FastCGI socket (fcgi mode)")
    ap.add_argument("--cgi-env", action="append", default=[],
                    help="NAME=VALUE for the CGI process (the cache directory)")
    ap.add_argument("--prefix", default="", help="mount point put before every path")
    ap.add_argument("--reg", action="append", default=[], required=True,
                    help="KIND=SCHEMA_URL (oauth2, oidc, basic-me, basic-default, "
                         "oauth2-down)")
    ap.add_argument("--provider", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--down-provider", default="", help="the closed port's URL")
    ap.add_argument("--provider-pid", type=int, help="down: the provider to stop")
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--secrets", required=True, help="the provider's secrets file")
    ap.add_argument("--provider-log", required=True, help="the provider's stdout")
    ap.add_argument("--basic-log", required=True, help="lighttpd's error log")
    ap.add_argument("--worker-log", required=True,
                    help="the worker's stderr (fcgi: written by the worker; cgi: appended)")
    ap.add_argument("--results", required=True, help="PASS/FAIL lines are appended here")
    ap.add_argument("--transcript", help="every request and answer is appended here")
    a = ap.parse_args()
    if a.mode == "cgi" and not a.bin or a.mode == "fcgi" and not a.sock:
        ap.error("cgi mode needs --bin, fcgi mode --sock")
    if a.cmd == "down" and not a.provider_pid:
        ap.error("down needs --provider-pid")
    s = Identity(a)
    return s.run() if a.cmd == "scenario" else s.down()


if __name__ == "__main__":
    sys.exit(main())
