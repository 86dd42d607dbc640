#!/usr/bin/env python3
"""flow.py - the Flow side of tests/integration/worker-crud.sh and server-*.sh (Python 3,
stdlib only).

Plays the Flow engine against the worker: builds the requests of flow-protocol.md §4.3 and
§4.6, sends each one to the worker either as CGI (the program run with the CGI environment
and the body on stdin), as FastCGI (through `cgi-fcgi -bind -connect SOCKET`) or over HTTP
to a web server in front of it (--base http://127.0.0.1:PORT), parses the CGI answer (Status / headers / JSON body) and checks it against product.md and
flow-protocol.md. What the worker sent upstream is read from the json-server middleware's
record file (tests/integration/middleware.js), and the upstream's own state is read with
plain GETs to json-server.

Every check prints one line, "PASS: ..." or "FAIL: ..." (with what was expected and what
came back), and is appended to the --results file; the shell script counts them.

    flow.py scenario --mode cgi|fcgi|http --bin BIN | --sock SOCK | --base URL
                     [--prefix /mount] [--user-schema-url REG] ...
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# The configuration values describe returns, in order (product.md §4).
CONFIG_NAMES = ["Schema URL", "API Key", "OAuth2/OIDC: Client Id",
                "OAuth2/OIDC: Client Secret", "Authorization Groups", "Authorization Users",
                "Server"]

# The Pet type of examples/petstore-flow.yaml with the content types product.md §6.1
# gives its OpenAPI types, and the other types the document generates (the comment at the
# top of the example names them).
PET_CTYPES = {
    "id": "ContentNumber", "name": "ContentString", "status": "ContentString",
    "category": "ContentObject", "tags": "ContentList", "photoUrls": "ContentList",
    "birthday": "ContentDateTime", "price": "ContentNumber", "vaccinated": "ContentBoolean",
    "updatedAt": "ContentDateTime",
}
PET_PROPS = list(PET_CTYPES)
ALL_TYPES = {"Pet", "Pet:tags", "Pet:photoUrls", "Category", "Order", "PlaceOrderRequest",
             "PetExample", "PetExample:tags", "PetExample:photoUrls"}

# The public user as Flow serialises it (flow-protocol.md §3.2), percent-encoded once.
AUTH_PLAIN = ("ManyWhoTenantId=aa606806-642f-4d3b-8a0b-9c06e0a7a7c4"
              "&ManyWhoUserId=52df1a90-3826-4508-b7c2-cde8aa5b72cf&ManyWhoToken=x"
              "&DirectoryId=UNAUTHENTICATED&DirectoryName=UNKNOWN&RoleId=UNAUTHENTICATED"
              "&RoleName=UNKNOWN&PrimaryGroupId=UNAUTHENTICATED&PrimaryGroupName=UNKNOWN"
              "&Email=admin@manywho.com&IdentityProvider=NONE&TenantName=UNKNOWN&Token=NONE"
              "&Username=&UserId=PUBLIC_USER&FirstName=&LastName=")
AUTH_HEADER = urllib.parse.quote(AUTH_PLAIN, safe="")

CULTURE = {"id": None, "developerName": None, "developerSummary": None, "brand": None,
           "language": "EN", "country": "USA", "variant": None}


# --- Flow request bodies (flow-protocol.md §4.3, §4.6) ----------------------------------

def config_values(schema_url, api_key):
    vals = []
    if schema_url is not None:
        vals.append({"developerName": "Schema URL", "contentValue": schema_url,
                     "contentType": "ContentString"})
    if api_key is not None:
        vals.append({"developerName": "API Key", "contentValue": api_key,
                     "contentType": "ContentString"})
    return vals


def describe_request(cfg):
    return {"culture": CULTURE, "uri": "https://flow.example.test/api/openapi",
            "configurationValues": cfg}


def object_data_type(name="Pet", props=None):
    return {"typeElementId": None, "developerName": name,
            "properties": [{"developerName": p, "list": None} for p in (props or PET_PROPS)]}


def empty_list_filter():
    return {"id": None, "filterByProvidedObjects": False, "comparisonType": "",
            "where": None, "listFilters": None, "orderByPropertyDeveloperName": None,
            "orderByDirectionType": "", "orderBy": None, "limit": 0, "offset": 0,
            "search": None, "searchCriteria": None}


def list_filter(**kw):
    f = empty_list_filter()
    f.update(kw)
    return f


def where(column, criteria, value):
    return {"columnName": column, "criteriaType": criteria, "value": value,
            "contentValue": value, "objectData": None}


def data_request(cfg, type_name="Pet", props=None, lfilter=None, objects=None):
    return {"stateId": None, "token": None, "typeElementBindingId": None,
            "authorization": {"users": None, "groups": None, "runningAuthenticationId": None,
                              "globalAuthenticationType": "PUBLIC"},
            "configurationValues": cfg, "command": None, "culture": CULTURE,
            "listFilter": lfilter, "objectDataType": object_data_type(type_name, props),
            "objectData": objects}


def prop(name, ctype, value=None, children=None):
    return {"typeElementPropertyId": None, "developerName": name, "contentType": ctype,
            "contentValue": value, "contentFormat": "", "objectData": children}


def mobject(type_name, props, external_id=None, internal_id=None):
    return {"internalId": internal_id, "externalId": external_id, "developerName": type_name,
            "typeElementId": None, "order": 0, "isSelected": False, "properties": props}


def pet_object(external_id, internal_id, fields, category=None, tags=(), photos=()):
    """A Pet MObject: FIELDS holds the scalar properties as Flow strings."""
    props = [prop(n, PET_CTYPES[n], v) for n, v in fields.items()]
    if category is not None:
        props.append(prop("category", "ContentObject", None, [mobject("Category", [
            prop("id", "ContentNumber", category[0]),
            prop("name", "ContentString", category[1])])]))
    props.append(prop("tags", "ContentList", None, [
        mobject("Pet:tags", [prop("id", "ContentNumber", i), prop("name", "ContentString", n)])
        for i, n in tags]))
    props.append(prop("photoUrls", "ContentList", None, [
        mobject("Pet:photoUrls", [prop("ID", "ContentString", str(k)),
                                  prop("Value", "ContentString", u)])
        for k, u in enumerate(photos)]))
    return mobject("Pet", props, external_id, internal_id)


# --- answers --------------------------------------------------------------------------------

class Answer:
    """One CGI answer: status, headers (lower-case names), body text and its JSON."""

    def __init__(self, raw, stderr, elapsed, rc):
        self.raw, self.stderr, self.elapsed, self.rc = raw, stderr, elapsed, rc
        self.headers, self.status, self.body, self.json, self.error = {}, None, "", None, None
        sep = raw.find(b"\r\n\r\n")
        seplen = 4
        if sep < 0:
            sep, seplen = raw.find(b"\n\n"), 2
        if sep < 0:
            self.error = "no blank line after the headers"
            return
        for line in raw[:sep].decode("utf-8", "replace").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                self.headers[k.strip().lower()] = v.strip()
        st = self.headers.get("status", "200")
        try:
            self.status = int(st.split()[0])
        except (ValueError, IndexError):
            self.error = "bad Status header %r" % st
        self.body = raw[sep + seplen:].decode("utf-8", "replace")
        try:
            self.json = json.loads(self.body) if self.body else None
        except ValueError as e:
            self.error = "body is not JSON (%s)" % e

    def short(self):
        return "status %s, body %.300s" % (self.status, self.body or self.raw[:300])


def props_of(obj):
    """{developerName: Property} of an MObject."""
    return {p.get("developerName"): p for p in (obj.get("properties") or [])}


def values_of(obj):
    return {n: p.get("contentValue") for n, p in props_of(obj).items()}


# --- the documented shapes (flow-protocol.md §4.7, §4.12, §5) -------------------------------

CONTENT_TYPES = {"ContentString", "ContentNumber", "ContentBoolean", "ContentDateTime",
                 "ContentContent", "ContentPassword", "ContentEncrypted", "ContentObject",
                 "ContentList"}
MOBJECT_KEYS = {"internalId", "externalId", "developerName", "typeElementId", "order",
                "isSelected", "properties"}
PROPERTY_KEYS = {"typeElementPropertyId", "developerName", "contentType", "contentValue",
                 "contentFormat", "objectData"}
PROBLEM_KEYS = {"kind", "uri", "statusCode", "message", "responseBody", "responseHeaders",
                "invokeType", "action"}


def shape_errors_mobject(o, where):
    errs = []
    if not isinstance(o, dict):
        return ["%s: not an object" % where]
    missing = MOBJECT_KEYS - set(o)
    if missing:
        errs.append("%s: missing %s" % (where, sorted(missing)))
    if not isinstance(o.get("externalId"), str) or not o.get("externalId"):
        errs.append("%s: externalId %r is not a non-empty string" % (where, o.get("externalId")))
    if not isinstance(o.get("isSelected"), bool) or not isinstance(o.get("order"), int):
        errs.append("%s: isSelected/order of the wrong type" % where)
    for i, p in enumerate(o.get("properties") or []):
        pw = "%s.properties[%d]" % (where, i)
        missing = PROPERTY_KEYS - set(p)
        if missing:
            errs.append("%s: missing %s" % (pw, sorted(missing)))
        ct = p.get("contentType")
        if ct not in CONTENT_TYPES:
            errs.append("%s: contentType %r" % (pw, ct))
        cv = p.get("contentValue")
        if cv is not None and not isinstance(cv, str):
            errs.append("%s: contentValue %r is not a string (all scalars are strings)" % (pw, cv))
        if ct in ("ContentObject", "ContentList"):
            if cv is not None:
                errs.append("%s: an object/list property with a contentValue" % pw)
            for k, child in enumerate(p.get("objectData") or []):
                errs += shape_errors_mobject(child, "%s.objectData[%d]" % (pw, k))
        elif p.get("objectData") not in ([], None):
            errs.append("%s: a scalar with objectData" % pw)
    return errs


def shape_errors(path, ans):
    """Differences between an answer and the documented shape of its endpoint."""
    if ans.json is None or not isinstance(ans.json, dict):
        return []                       # reported by the scenario's own checks
    if ans.status != 200:
        errs = []
        if ans.headers.get("x-manywho-service-problem-kind") != "service":
            errs.append("no X-ManyWho-Service-Problem-Kind: service header")
        missing = PROBLEM_KEYS - set(ans.json)
        if missing:
            errs.append("ServiceProblem missing %s" % sorted(missing))
        if ans.json.get("kind") != "service" or ans.json.get("statusCode") != ans.status:
            errs.append("ServiceProblem kind/statusCode %r/%r" % (ans.json.get("kind"),
                                                                 ans.json.get("statusCode")))
        return errs
    if not (path.endswith("/data") or path.endswith("/data/delete")):
        return []
    errs = []
    if not isinstance(ans.json.get("objectData"), list):
        errs.append("objectData is not a list")
    if not isinstance(ans.json.get("hasMoreResults"), bool):
        errs.append("hasMoreResults is not a boolean")
    for i, o in enumerate(ans.json.get("objectData") or []):
        errs += shape_errors_mobject(o, "objectData[%d]" % i)
    return errs


# --- the scenario ---------------------------------------------------------------------------

class Scenario:
    def __init__(self, a):
        self.a = a
        self.mode = a.mode
        self.npass = self.nfail = 0
        self.results = open(a.results, "a", encoding="utf-8")
        self.cfg = config_values(a.schema_url, a.api_key)
        self.requests = 0
        self.log_bad = 0                # requests whose log lines were wrong
        self.transcript = open(a.transcript, "a", encoding="utf-8") if a.transcript else None

    # reporting
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
            msg = "FAIL: %s: %s" % (self.mode, what)
            if expected is not None or got is not None:
                msg += "\n      expected: %s\n      got:      %s" % (
                    _clip(expected), _clip(got))
            self._out(msg)
        return ok

    def eq(self, what, expected, got):
        return self.check(what, expected == got, expected, got)

    # upstream
    def record_count(self):
        try:
            with open(self.a.record, encoding="utf-8") as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def records_since(self, n):
        try:
            with open(self.a.record, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(x) for x in lines[n:] if x.strip()]

    def upstream_get(self, path):
        """(status, JSON) of json-server's own answer to GET PATH (not recorded by the
        worker's count: the caller reads the record count before calling the worker)."""
        try:
            with urllib.request.urlopen(self.a.upstream + path, timeout=5) as r:
                return r.status, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, None

    # the worker
    def log_size(self):
        try:
            return os.path.getsize(self.a.worker_log)
        except OSError:
            return 0

    def log_since(self, off):
        with open(self.a.worker_log, "rb") as f:
            f.seek(off)
            return f.read().decode("utf-8", "replace")

    def call(self, method, path, body=None, raw=None, auth=True, uri=None, extra_env=None):
        """Send one request; PATH is below the mount prefix. URI overrides REQUEST_URI
        (False = leave REQUEST_URI unset, PATH_INFO only). AUTH: send Flow's
        Authorization header."""
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else b"")
        request_uri = self.a.prefix + path if uri is None else uri
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
               "REQUEST_METHOD": method, "QUERY_STRING": ""}
        # What servers really send (field-notes §3.6): CGI as mod_cgi at the root
        # (PATH_INFO = the path); FastCGI as mod_proxy_fcgi (SCRIPT_NAME = the whole path,
        # no PATH_INFO), so only REQUEST_URI can route it.
        if self.mode == "cgi":
            env.update(SCRIPT_NAME="", PATH_INFO=path.split("?")[0])
        else:
            env["SCRIPT_NAME"] = (request_uri or path).split("?")[0]
        if request_uri is not False:
            env["REQUEST_URI"] = request_uri
            if "?" in request_uri:
                env["QUERY_STRING"] = request_uri.split("?", 1)[1]
        if data:
            env["CONTENT_LENGTH"] = str(len(data))
            env["CONTENT_TYPE"] = "application/json"
        if auth:
            env["HTTP_AUTHORIZATION"] = AUTH_HEADER
        if extra_env:
            env.update(extra_env)
        log_off = self.log_size()
        t0 = time.monotonic()
        if self.mode == "http":
            out, err, rc = self.http(method, request_uri, data, auth), b"", 0
        else:
            if self.mode == "cgi":
                env.update(kv.split("=", 1) for kv in self.a.cgi_env)
                argv = [self.a.bin]
            else:
                argv = ["cgi-fcgi", "-bind", "-connect", self.a.sock]
            try:
                p = subprocess.run(argv, input=data, env=env, capture_output=True, timeout=20)
                out, err, rc = p.stdout, p.stderr, p.returncode
            except subprocess.TimeoutExpired as e:
                out, err, rc = e.stdout or b"", e.stderr or b"", -1
        elapsed = time.monotonic() - t0
        self.requests += 1
        ans = Answer(out, err, elapsed, rc)
        if self.transcript:
            self.transcript.write("### %s %s (%.3f s, exit %s)\n%s\n--- answer\n%s\n--- stderr\n%s\n\n" % (
                method, request_uri, elapsed, rc, data.decode("utf-8", "replace"),
                out.decode("utf-8", "replace"), err.decode("utf-8", "replace")))
            self.transcript.flush()
        label = "%s %s" % (method, request_uri if request_uri is not False else "PATH_INFO " + path)
        # product.md §11: one line per request on stderr (time, method, path, ...); other
        # lines (a cache mapped on first use) are not request lines.
        path_only = (request_uri if request_uri is not False else path).split("?")[0]
        mine = "%s %s" % (method, path_only)

        def mine_in(text):
            return [x for x in text.splitlines() if (" " + mine + " ") in (" " + x + " ")]
        if self.mode == "cgi":
            with open(self.a.worker_log, "ab") as f:
                f.write(err)
            logged = err.decode("utf-8", "replace")
        else:
            logged = self.log_since(log_off)
            # The line may reach the log a moment after the answer: a FastCGI worker writes
            # its batch when it finds no request waiting, after it has answered; Apache's
            # mod_cgi copies a script's stderr after the response.
            deadline = time.monotonic() + 3
            while not mine_in(logged) and time.monotonic() < deadline:
                time.sleep(0.02)
                logged = self.log_since(log_off)
        lines = mine_in(logged)
        if len(lines) != 1:
            self.log_bad += 1
            self.check("%s: one log line for the request" % label, False,
                       "1 line with '%s'" % mine, logged.splitlines())
        if self.a.api_key in logged:
            self.log_bad += 1
            self.check("%s: the API key is not in the log" % label, False,
                       "no " + self.a.api_key, logged)
        if ans.error or rc != 0:
            self.check("%s: a CGI answer" % label, False, "exit 0, headers and a JSON body",
                       "exit %s, %s; %r" % (rc, ans.error, out[:300]))
        else:
            errs = shape_errors(path_only.rstrip("/"), ans)
            self.check("%s: the documented fields (flow-protocol.md §4.7/§4.12)" % label,
                       not errs, "none missing", errs)
        return ans

    def http(self, method, uri, data, auth):
        """One request to the web server at --base; the answer in CGI form (a Status
        header, the headers, a blank line, the body) so that Answer reads it the same."""
        u = urllib.parse.urlsplit(self.a.base)
        headers = {"Content-Type": "application/json"} if data else {}
        if auth:
            headers["Authorization"] = AUTH_HEADER
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
        try:
            conn.request(method, uri, body=data or None, headers=headers)
            r = conn.getresponse()
            body = r.read()
            head = "Status: %d %s\r\n" % (r.status, r.reason) + "".join(
                "%s: %s\r\n" % (k, v) for k, v in r.getheaders())
            return head.encode("latin-1") + b"\r\n" + body
        except (OSError, http.client.HTTPException) as e:
            return ("no answer: %s" % e).encode()
        finally:
            conn.close()

    # common checks
    def ok_json(self, what, ans):
        """200 and a JSON object body."""
        return self.check("%s: 200 with a JSON object" % what,
                          ans.status == 200 and isinstance(ans.json, dict)
                          and "application/json" in ans.headers.get("content-type", ""),
                          "200 application/json object", ans.short())

    def problem(self, what, ans, status, words=()):
        """A ServiceProblem (flow-protocol.md §4.12, product.md §10) with STATUS whose
        message contains every one of WORDS."""
        j = ans.json if isinstance(ans.json, dict) else {}
        ok = self.check("%s: %d ServiceProblem" % (what, status),
                        ans.status == status
                        and ans.headers.get("x-manywho-service-problem-kind") == "service"
                        and "application/json" in ans.headers.get("content-type", "")
                        and j.get("kind") == "service" and j.get("statusCode") == status
                        and isinstance(j.get("message"), str) and j.get("message"),
                        "status %d, header X-ManyWho-Service-Problem-Kind: service, "
                        "kind service, statusCode %d, a message" % (status, status),
                        "status %s, headers %s, body %.300s" % (ans.status, ans.headers,
                                                                ans.body))
        msg = j.get("message") or ""
        for w in words:
            self.check("%s: message names %r" % (what, w), w in msg, w, msg)
        self.check("%s: message does not hold the API key" % what,
                   self.a.api_key not in ans.body, "no key", ans.body)
        return ok

    def still_serves(self, what):
        """After an error: a plain load by id still works."""
        ans = self.call("POST", "/data", data_request(self.cfg, lfilter=list_filter(id="1")))
        objs = (ans.json or {}).get("objectData") if isinstance(ans.json, dict) else None
        self.check("after %s the worker still serves (load pet 1)" % what,
                   ans.status == 200 and isinstance(objs, list) and len(objs) == 1
                   and objs[0].get("externalId") == "1", "200 with pet 1", ans.short())

    def objects(self, what, ans):
        if not self.ok_json(what, ans):
            return None
        objs = ans.json.get("objectData")
        if not self.check("%s: objectData is an array" % what, isinstance(objs, list),
                          "array", objs):
            return None
        return objs

    # --- the steps ------------------------------------------------------------------------

    def describe(self):
        for label, cfg in (("describe without Schema URL", []),
                           ("describe with Schema URL", self.cfg)):
            ans = self.call("POST", "/metadata", describe_request(cfg))
            if not self.ok_json(label, ans):
                continue
            d = ans.json
            cvs = d.get("configurationValues") or []
            self.eq("%s: configurationValues in the order of product.md §4" % label,
                    CONFIG_NAMES, [c.get("developerName") for c in cvs])
            self.check("%s: every value is ContentString" % label,
                       all(c.get("contentType") == "ContentString" for c in cvs),
                       "ContentString", [c.get("contentType") for c in cvs])
            req = [(c.get("required"), c.get("isRequired")) for c in cvs]
            self.eq("%s: required and isRequired, only Schema URL required" % label,
                    [(True, True)] + [(False, False)] * (len(CONFIG_NAMES) - 1), req)
            order = [(c.get("ordinal"), c.get("order")) for c in cvs]
            self.check("%s: ordinal = order, increasing" % label,
                       all(isinstance(o, int) and o == r for o, r in order)
                       and [o for o, _ in order] == sorted(set(o for o, _ in order)),
                       "equal ints, increasing", order)
            self.eq("%s: providesDatabase" % label, True, d.get("providesDatabase"))
            self.eq("%s: providesIdentity (no x-flow-identity)" % label, False,
                    d.get("providesIdentity"))
            self.eq("%s: actions" % label, [], d.get("actions"))
            types = ((d.get("install") or {}).get("typeElements")) or []
            if not cfg:
                self.eq("%s: no typeElements" % label, [], types)
                continue
            names = {t.get("developerName") for t in types}
            self.eq("%s: the document's types" % label, ALL_TYPES, names)
            pet = next((t for t in types if t.get("developerName") == "Pet"), {})
            self.eq("%s: Pet's property content types (§6.1)" % label, PET_CTYPES,
                    {p.get("developerName"): p.get("contentType")
                     for p in pet.get("properties") or []})
            refs = {p.get("developerName"): p.get("typeElementDeveloperName")
                    for p in pet.get("properties") or []}
            self.eq("%s: Pet's object and list properties name their types" % label,
                    ("Category", "Pet:tags", "Pet:photoUrls"),
                    (refs.get("category"), refs.get("tags"), refs.get("photoUrls")))
            b = (pet.get("bindings") or [{}])[0]
            self.eq("%s: Pet's binding table and fields" % label,
                    ("Pet", set(PET_PROPS)),
                    (b.get("databaseTableName"),
                     {pb.get("databaseFieldName") for pb in b.get("propertyBindings") or []}))
        ans = self.call("POST", "/metadata/install", describe_request(self.cfg))
        self.check("POST /metadata/install answers the describe body",
                   ans.status == 200 and isinstance(ans.json, dict)
                   and len((ans.json.get("install") or {}).get("typeElements") or []) == len(ALL_TYPES),
                   "200 with %d types" % len(ALL_TYPES), ans.short())

    def save_new(self):
        what = "save a new Pet"
        n0 = self.record_count()
        iid = "0b6f1f9e-2a8c-4c51-9d3e-5f0a7b1c2d3e"
        fields = {"id": "", "name": "Nibbles", "status": "pending", "birthday": "2022-02-03",
                  "price": "19.99", "vaccinated": "FALSE", "updatedAt": "2024-06-01T12:00:00Z"}
        obj = pet_object("", iid, fields, category=("2", "Cats"), tags=[("7", "tiny")],
                         photos=["https://example.com/photos/nibbles.jpg"])
        ans = self.call("PUT", "/data", data_request(self.cfg, lfilter=empty_list_filter(),
                                                     objects=[obj]))
        objs = self.objects(what, ans)
        ups = self.records_since(n0)
        self.eq("%s: one upstream call POST /pets" % what, [("POST", "/pets")],
                [(u["method"], u["url"]) for u in ups])
        st, found = self.upstream_get("/pets?name=Nibbles")
        new_id = found[0]["id"] if st == 200 and found and len(found) == 1 else None
        self.check("%s: json-server stored one Nibbles with a new id" % what,
                   new_id is not None, "one record", (st, found))
        self.new_id = str(new_id) if new_id is not None else "10"
        if ups:
            u = ups[0]
            body = u.get("body") or {}
            self.eq("%s: API key sent in X-API-Key (§9.1)" % what, self.a.api_key,
                    u.get("apiKey"))
            self.check("%s: JSON content type" % what,
                       "application/json" in (u.get("contentType") or ""),
                       "application/json", u.get("contentType"))
            self.check("%s: readOnly id not sent (§6.1)" % what, "id" not in body,
                       "no id", body)
            self.eq("%s: body values mapped (§7)" % what,
                    {"name": "Nibbles", "status": "pending", "birthday": "2022-02-03",
                     "price": 19.99, "vaccinated": False, "updatedAt": "2024-06-01T12:00:00Z",
                     "category": {"id": 2, "name": "Cats"}, "tags": [{"id": 7, "name": "tiny"}],
                     "photoUrls": ["https://example.com/photos/nibbles.jpg"]},
                    {k: body.get(k) for k in ("name", "status", "birthday", "price",
                                              "vaccinated", "updatedAt", "category", "tags",
                                              "photoUrls")})
        if objs is None:
            return
        if self.eq("%s: one object back" % what, 1, len(objs)):
            o = objs[0]
            self.eq("%s: externalId = the id json-server assigned (§7)" % what, self.new_id,
                    o.get("externalId"))
            self.eq("%s: internalId echoed" % what, iid, o.get("internalId"))
            v = values_of(o)
            self.eq("%s: answer merged (id, name, price)" % what,
                    (self.new_id, "Nibbles", "19.99"), (v.get("id"), v.get("name"),
                                                         v.get("price")))

    def check_pet(self, what, o, exp):
        """EXP: {property: expected contentValue}; also checks every content type."""
        ps = props_of(o)
        self.eq("%s: values as strings (§7)" % what, exp,
                {k: (ps.get(k) or {}).get("contentValue", "<missing>") for k in exp})
        self.eq("%s: content types" % what,
                {k: PET_CTYPES[k] for k in ps if k in PET_CTYPES},
                {k: p.get("contentType") for k, p in ps.items() if k in PET_CTYPES})

    def load_by_id(self):
        n0 = self.record_count()
        what = "load pet 1 by id"
        ans = self.call("POST", "/data", data_request(self.cfg, lfilter=list_filter(id="1")))
        objs = self.objects(what, ans)
        self.eq("%s: upstream GET /pets/1 with the key" % what,
                [("GET", "/pets/1", self.a.api_key)],
                [(u["method"], u["url"], u["apiKey"]) for u in self.records_since(n0)])
        if objs is not None and self.eq("%s: exactly one object" % what, 1, len(objs)):
            o = objs[0]
            self.eq("%s: externalId" % what, "1", o.get("externalId"))
            self.eq("%s: developerName" % what, "Pet", o.get("developerName"))
            self.eq("%s: hasMoreResults" % what, False, ans.json.get("hasMoreResults"))
            self.eq("%s: every requested property, nothing else" % what, set(PET_PROPS),
                    set(props_of(o)))
            self.check_pet(what, o, {
                "id": "1", "name": "doggie", "status": "available", "price": "120.5",
                "vaccinated": "true", "birthday": "2019-04-01",
                "updatedAt": "2024-05-01T10:00:00Z", "category": None, "tags": None,
                "photoUrls": None})
            ps = props_of(o)
            cat = (ps.get("category") or {}).get("objectData") or []
            self.eq("%s: category is one Category object" % what,
                    [("Category", {"id": "1", "name": "Dogs"})],
                    [(c.get("developerName"), values_of(c)) for c in cat])
            tags = (ps.get("tags") or {}).get("objectData") or []
            self.eq("%s: tags are Pet:tags objects in order" % what,
                    [("Pet:tags", {"id": "1", "name": "friendly"}),
                     ("Pet:tags", {"id": "3", "name": "loud"})],
                    [(t.get("developerName"), values_of(t)) for t in tags])
            ph = (ps.get("photoUrls") or {}).get("objectData") or []
            self.eq("%s: photoUrls are Pet:photoUrls {ID, Value} (§6.1)" % what,
                    [("Pet:photoUrls", {"ID": "0", "Value": "https://example.com/photos/doggie.jpg"}),
                     ("Pet:photoUrls", {"ID": "1", "Value": "https://example.com/photos/doggie-2.jpg"})],
                    [(t.get("developerName"), values_of(t)) for t in ph])

        for pid, exp in (("2", {"name": "Tom", "price": "80", "vaccinated": "false"}),
                         ("4", {"name": "Rex", "price": "0.1", "updatedAt": None}),
                         (self.new_id, {"name": "Nibbles", "price": "19.99",
                                        "vaccinated": "false", "status": "pending"})):
            what = "load pet %s by id" % pid
            ans = self.call("POST", "/data", data_request(self.cfg, lfilter=list_filter(id=pid)))
            objs = self.objects(what, ans)
            if objs is not None and self.eq("%s: exactly one object" % what, 1, len(objs)):
                self.eq("%s: externalId" % what, pid, objs[0].get("externalId"))
                self.check_pet(what, objs[0], exp)

        what = "load pet 1 asking for name and price only"
        ans = self.call("POST", "/data", data_request(self.cfg, props=["name", "price"],
                                                      lfilter=list_filter(id="1")))
        objs = self.objects(what, ans)
        if objs is not None and self.eq("%s: one object" % what, 1, len(objs)):
            self.eq("%s: only the requested properties (§7)" % what,
                    {"name": "doggie", "price": "120.5"}, values_of(objs[0]))

        what = "load a missing id (json-server 404)"
        ans = self.call("POST", "/data", data_request(self.cfg, lfilter=list_filter(id="424242")))
        objs = self.objects(what, ans)
        if objs is not None:
            self.eq("%s: empty objectData (§7)" % what, [], objs)

    def query(self, what, lf, exp_names, exp_more, exp_query, auth=True):
        """A list load; EXP_QUERY = the query parameters json-server must have received, one
        dict per call (the pet store's query binds the offset token, so it is an offset-style
        paged query: product.md §12.1, §12.2)."""
        n0 = self.record_count()
        ans = self.call("POST", "/data", data_request(self.cfg, lfilter=lf), auth=auth)
        objs = self.objects(what, ans)
        ups = self.records_since(n0)
        got = [(u["method"], urllib.parse.urlsplit(u["url"]).path,
                urllib.parse.parse_qs(urllib.parse.urlsplit(u["url"]).query)) for u in ups]
        self.eq("%s: upstream calls and their queries (§5.4, §12.2)" % what,
                [("GET", "/pets", q) for q in exp_query], got)
        if objs is None:
            return
        self.eq("%s: pets and their order" % what, exp_names,
                [values_of(o).get("name") for o in objs])
        self.check("%s: externalIds set" % what,
                   all(o.get("externalId") and o.get("externalId") == values_of(o).get("id")
                       for o in objs),
                   "externalId = id", [(o.get("externalId"), values_of(o).get("id"))
                                       for o in objs])
        self.eq("%s: hasMoreResults" % what, exp_more, ans.json.get("hasMoreResults"))

    def queries(self):
        # A walk for the whole list asks for pages of maxLimit (the _limit schema's maximum,
        # 1000): the first page holds all N items, the next one (offset N) is empty.
        def WHOLE_LIST(n, **q):
            return [dict(q, _limit=["1000"]), dict(q, _limit=["1000"], _start=[str(n)])]

        w = [where("status", "EQUAL", "available"), where("name", "CONTAINS", "EX")]
        self.query("query status=available, name contains EX, name DESC, limit 2",
                   list_filter(comparisonType="AND", where=w, orderByPropertyDeveloperName="name",
                               orderByDirectionType="DESC", limit=2, offset=0),
                   ["Rex", "Dexter"], True, WHOLE_LIST(6, status=["available"]))
        self.query("the same, offset 2",
                   list_filter(comparisonType="AND", where=w, orderByPropertyDeveloperName="name",
                               orderByDirectionType="DESC", limit=2, offset=2),
                   ["alexa"], False, WHOLE_LIST(6, status=["available"]))
        self.query("query name EQUAL Tom (pushed)",
                   list_filter(comparisonType="AND", where=[where("name", "EQUAL", "Tom")]),
                   ["Tom"], False, WHOLE_LIST(1, name=["Tom"]))
        # Paging pushed: the fixture holds pets 1-9 in id order, plus the one saved above.
        # One item more than asked makes hasMoreResults exact (§12.2 "Page sizes"); a short
        # page does not end an offset-style walk, an empty one does (§12.1).
        self.query("query limit 3 offset 1 (paging pushed)", list_filter(limit=3, offset=1),
                   ["Tom", "Sleepy", "Rex"], True, [{"_limit": ["4"], "_start": ["1"]}])
        self.query("query limit 5 offset 8 (paging pushed, last page)",
                   list_filter(limit=5, offset=8), ["alexa", "Nibbles"], False,
                   [{"_limit": ["6"], "_start": ["8"]}, {"_limit": ["4"], "_start": ["10"]}])
        # listFilter null: nothing pushed, no local limit (§5.3); and no Authorization
        # header, which an API-key operation does not need.
        self.query("query without listFilter nor Authorization header", None,
                   ["doggie", "Tom", "Sleepy", "Rex", "Max", "Bella", "Dexter", "Rexy", "alexa",
                    "Nibbles"], False, WHOLE_LIST(10), auth=False)

    def update(self):
        what = "update the saved Pet"
        n0 = self.record_count()
        iid = "5d1c0a3e-8f4b-4e2a-b6c7-0e9f8a7b6c5d"
        fields = {"id": self.new_id, "name": "Nibbles II", "status": "sold",
                  "birthday": "2022-02-03", "price": "21.5", "vaccinated": "TRUE",
                  "updatedAt": "2024-07-01T00:00:00Z"}
        obj = pet_object(self.new_id, iid, fields, category=("2", "Cats"))
        ans = self.call("PUT", "/data", data_request(self.cfg, lfilter=empty_list_filter(),
                                                     objects=[obj]))
        objs = self.objects(what, ans)
        ups = self.records_since(n0)
        self.eq("%s: one upstream call PUT /pets/%s" % (what, self.new_id),
                [("PUT", "/pets/" + self.new_id, self.a.api_key)],
                [(u["method"], u["url"], u["apiKey"]) for u in ups])
        if ups:
            body = ups[0].get("body") or {}
            self.check("%s: body without id (x-flow-update exclude)" % what, "id" not in body,
                       "no id", body)
            self.eq("%s: body values" % what, ("Nibbles II", "sold", 21.5, True),
                    tuple(body.get(k) for k in ("name", "status", "price", "vaccinated")))
        st, rec = self.upstream_get("/pets/" + self.new_id)
        self.eq("%s: json-server's record (id kept, fields updated)" % what,
                (200, int(self.new_id), "Nibbles II", "sold", 21.5, True),
                (st,) + tuple((rec or {}).get(k) for k in ("id", "name", "status", "price",
                                                           "vaccinated")))
        if objs is not None and self.eq("%s: one object back" % what, 1, len(objs)):
            self.eq("%s: externalId kept, internalId echoed" % what, (self.new_id, iid),
                    (objs[0].get("externalId"), objs[0].get("internalId")))
            self.eq("%s: name updated" % what, "Nibbles II", values_of(objs[0]).get("name"))

    def delete(self):
        what = "delete the saved Pet"
        st, _ = self.upstream_get("/pets/" + self.new_id)
        self.eq("%s: json-server has it before" % what, 200, st)
        n0 = self.record_count()
        obj = pet_object(self.new_id, "7e2d1c0b-9a8f-4e6d-a5c4-b3a2918f7e6d",
                         {"id": self.new_id, "name": "Nibbles II"})
        ans = self.call("POST", "/data/delete",
                        data_request(self.cfg, lfilter=list_filter(id=self.new_id),
                                     objects=[obj]))
        objs = self.objects(what, ans)
        if objs is not None:
            self.eq("%s: empty objectData (§6.5)" % what, [], objs)
        self.eq("%s: upstream DELETE /pets/%s" % (what, self.new_id),
                [("DELETE", "/pets/" + self.new_id, self.a.api_key)],
                [(u["method"], u["url"], u["apiKey"]) for u in self.records_since(n0)])
        st, _ = self.upstream_get("/pets/" + self.new_id)
        self.eq("%s: gone from json-server" % what, 404, st)
        what = "load the deleted Pet by id"
        ans = self.call("POST", "/data", data_request(self.cfg,
                                                      lfilter=list_filter(id=self.new_id)))
        objs = self.objects(what, ans)
        if objs is not None:
            self.eq("%s: empty objectData, HTTP 200 (§7)" % what, [], objs)

    def errors(self):
        refused_cfg = config_values(self.a.refused_schema_url, self.a.api_key)
        what = "upstream refuses connections"
        ans = self.call("POST", "/data", data_request(refused_cfg, lfilter=list_filter(id="1")))
        self.problem(what, ans, 502, ["GET", "/pets/1"])
        self.still_serves(what)

        what = "upstream answers 500"
        ans = self.call("POST", "/data", data_request(self.cfg, lfilter=list_filter(id="9500")))
        self.problem(what, ans, 502, ["GET", "/pets/9500", "500", "database on fire"])
        rb = (ans.json or {}).get("responseBody") if isinstance(ans.json, dict) else None
        self.eq("%s: responseBody is the API's body (§10)" % what,
                '{"error":"database on fire","code":"E_FIRE_9500"}', rb)
        self.still_serves(what)

        what = "upstream answers invalid JSON"
        ans = self.call("POST", "/data", data_request(self.cfg, lfilter=list_filter(id="9501")))
        self.problem(what, ans, 502, ["/pets/9501"])
        self.still_serves(what)

        what = "upstream slower than the timeout (1 s)"
        ans = self.call("POST", "/data", data_request(self.cfg, lfilter=list_filter(id="9504")))
        self.problem(what, ans, 504, ["/pets/9504"])
        self.check("%s: 504 before the upstream answered (3 s)" % what,
                   ans.status == 504 and ans.elapsed < 2.8, "504 in < 2.8 s",
                   "%s in %.2f s" % (ans.status, ans.elapsed))
        self.still_serves(what)

        what = "unknown Schema URL"
        ans = self.call("POST", "/data", data_request(
            config_values("http://example.test/never-compiled.yaml", self.a.api_key),
            lfilter=list_filter(id="1")))
        self.problem(what, ans, 400, ["openapi-connector-compile"])
        self.still_serves(what)

        what = "describe with an unknown Schema URL"
        ans = self.call("POST", "/metadata", describe_request(
            config_values("http://example.test/never-compiled.yaml", None)))
        self.problem(what, ans, 400, ["openapi-connector-compile"])
        self.still_serves(what)

        what = "unknown type"
        ans = self.call("POST", "/data", data_request(self.cfg, type_name="Unicorn",
                                                      lfilter=list_filter(id="1")))
        self.problem(what, ans, 404, ["Unicorn"])
        self.still_serves(what)

        what = "GET /data"
        ans = self.call("GET", "/data")
        self.problem(what, ans, 405)
        allow = ans.headers.get("allow", "")
        self.check("%s: Allow names POST and PUT" % what, "POST" in allow and "PUT" in allow,
                   "POST, PUT", allow)
        self.still_serves(what)

        for path in ("/nothing-here", "/mydata", "/data/delete/more"):
            what = "unknown path " + path
            ans = self.call("POST", path, data_request(self.cfg, lfilter=list_filter(id="1")))
            self.problem(what, ans, 404)
            self.still_serves(what)

        what = "malformed JSON body"
        ans = self.call("POST", "/data", raw=b'{"configurationValues": [ {"developerName": ')
        self.problem(what, ans, 400)
        self.still_serves(what)

    def routing(self):
        """Query strings, a trailing slash, and (CGI) PATH_INFO and --prefix."""
        what = "load with a query string and a trailing slash in REQUEST_URI"
        ans = self.call("POST", "/data/?from=flow",
                        data_request(self.cfg, lfilter=list_filter(id="1")))
        objs = self.objects(what, ans)
        if objs is not None:
            self.eq("%s: pet 1" % what, ["1"], [o.get("externalId") for o in objs])
        if self.mode != "cgi":
            return
        what = "describe through PATH_INFO (no REQUEST_URI)"
        ans = self.call("POST", "/metadata", describe_request([]), uri=False)
        if self.ok_json(what, ans):
            self.eq("%s: configurationValues" % what, CONFIG_NAMES,
                    [c.get("developerName") for c in ans.json.get("configurationValues") or []])
        pre = {"OPENAPI_CONNECTOR_PREFIX": "/api/openapi"}
        what = "OPENAPI_CONNECTOR_PREFIX=/api/openapi: /api/openapi/metadata"
        ans = self.call("POST", "/metadata", describe_request([]),
                        uri="/api/openapi/metadata", extra_env=pre)
        self.ok_json(what, ans)
        what = "OPENAPI_CONNECTOR_PREFIX=/api/openapi: /elsewhere/metadata"
        ans = self.call("POST", "/metadata", describe_request([]), uri="/elsewhere/metadata",
                        extra_env=pre)
        self.problem(what, ans, 404)

    def health(self):
        what = "GET /health"
        ans = self.call("GET", "/health")
        if not self.ok_json(what, ans):
            return
        text = json.dumps(ans.json)
        caches = ans.json.get("caches")
        self.check("%s: lists the caches" % what,
                   isinstance(caches, list) and len(caches) >= 2
                   and self.a.schema_url in text and self.a.refused_schema_url in text,
                   "caches naming %s and %s" % (self.a.schema_url, self.a.refused_schema_url),
                   ans.json)

    def user_param(self):
        """$User.Email from Flow's Authorization header becomes the query parameter owner
        (tests/integration/user-param.yaml): proof that the header reached the worker."""
        if not self.a.user_schema_url:
            return
        cfg = config_values(self.a.user_schema_url, self.a.api_key)
        what = "query with owner = $User.Email (Authorization header reaches the worker)"
        n0 = self.record_count()
        ans = self.call("POST", "/data", data_request(cfg, type_name="OwnedPet"))
        self.objects(what, ans)       # json-server ignores a filter on a field it lacks
        self.eq("%s: upstream GET with the user's email" % what,
                [("GET", "/pets?owner=admin%40manywho.com")],
                [(u["method"], u["url"]) for u in self.records_since(n0)])
        what = "the same query without an Authorization header"
        ans = self.call("POST", "/data", data_request(cfg, type_name="OwnedPet"), auth=False)
        self.problem(what, ans, 400, ["$User.Email"])

    def run(self):
        self.new_id = None
        self.describe()
        self.save_new()
        self.load_by_id()
        self.queries()
        self.update()
        self.delete()
        self.errors()
        self.routing()
        self.user_param()
        self.health()
        # The per-request log checks print only their failures; this is their summary.
        self.check("every request logged one line, none with the API key (%d requests)"
                   % self.requests, self.log_bad == 0 and self.requests > 0)
        self._out("%s: %d passed, %d failed (%d requests)" % (self.mode, self.npass,
                                                             self.nfail, self.requests))
        return 1 if self.nfail else 0


def _clip(v, n=600):
    s = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str) \
        if not isinstance(v, (set, tuple)) else repr(v)
    return s if len(s) <= n else s[:n] + "..."


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sc = sub.add_parser("scenario", help="run the CRUD scenario against the worker")
    sc.add_argument("--mode", choices=("cgi", "fcgi", "http"), required=True)
    sc.add_argument("--bin", help="the worker (CGI mode)")
    sc.add_argument("--sock", help="the FastCGI socket (fcgi mode)")
    sc.add_argument("--base", help="the web server, http://HOST:PORT (http mode)")
    sc.add_argument("--user-schema-url",
                    help="registration of tests/integration/user-param.yaml (optional)")
    sc.add_argument("--cgi-env", action="append", default=[],
                    help="NAME=VALUE for the CGI process (cache dir, timeout)")
    sc.add_argument("--prefix", default="", help="mount point put before every path")
    sc.add_argument("--upstream", required=True, help="json-server's base URL")
    sc.add_argument("--record", required=True, help="the middleware's record file")
    sc.add_argument("--schema-url", required=True)
    sc.add_argument("--refused-schema-url", required=True)
    sc.add_argument("--api-key", required=True)
    sc.add_argument("--worker-log", required=True,
                    help="the worker's stderr (fcgi: written by the worker; cgi: appended here)")
    sc.add_argument("--results", required=True, help="PASS/FAIL lines are appended here")
    sc.add_argument("--transcript", help="every request and answer is appended here")
    a = ap.parse_args()
    if a.mode == "cgi" and not a.bin or a.mode == "fcgi" and not a.sock \
            or a.mode == "http" and not a.base:
        ap.error("cgi mode needs --bin, fcgi mode --sock, http mode --base")
    return Scenario(a).run()


if __name__ == "__main__":
    sys.exit(main())
