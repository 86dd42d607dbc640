#!/usr/bin/env python3
"""bodies.py - the Flow side of tests/integration/bodies.sh (issue 15, product.md §13.1,
§13.2): saves through the worker, as CGI or through a FastCGI pool, and the bodies the
upstreams received compared byte for byte with §13.1.

    bodies.py run --mode cgi|fcgi (--bin BIN --cache DIR | --sock SOCK)
                  --form-url URL --json-url URL --json-record FILE --results FILE

Expected bytes are written out by hand from §13.1's rules (pair order = the body schema's
property order; '+' for a space; '[' ']' kept in names and %5B %5D in values; %XX upper
case of the UTF-8 bytes; deepObject metadata[order_id]=..., address[city]=...; arrays of
scalars preferred_locales[]=...; explode false tags=a,b with a comma inside a value %2C),
not computed with the encoder under test.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow import AUTH_HEADER, Answer, empty_list_filter, mobject, prop  # noqa: E402

FORM_REG = "http://example.test/bodies-form.yaml"
JSON_REG = "http://example.test/bodies-json.yaml"


def data_request(reg, type_name, props, objects):
    cfg = [{"developerName": "Schema URL", "contentValue": reg, "contentType": "ContentString"}]
    return {"stateId": None, "token": None, "typeElementBindingId": None,
            "authorization": {"users": None, "groups": None, "runningAuthenticationId": None,
                              "globalAuthenticationType": "PUBLIC"},
            "configurationValues": cfg, "command": None, "culture": None,
            "listFilter": empty_list_filter(),
            "objectDataType": {"typeElementId": None, "developerName": type_name,
                               "properties": [{"developerName": p, "list": None}
                                              for p in props]},
            "objectData": objects}


def items(type_name, values):
    return [mobject(type_name, [prop("ID", "ContentString", str(i)),
                                prop("Value", "ContentString", v)])
            for i, v in enumerate(values)]


class Target:
    def __init__(self, mode, binary, sock, cache):
        self.mode, self.bin, self.sock, self.cache = mode, binary, sock, cache

    def save(self, reg, type_name, props, objects):
        data = json.dumps(data_request(reg, type_name, props, objects)).encode()
        path = "/openapi/data"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GATEWAY_INTERFACE": "CGI/1.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "PUT", "QUERY_STRING": "",
               "REQUEST_URI": path, "CONTENT_LENGTH": str(len(data)),
               "CONTENT_TYPE": "application/json", "HTTP_AUTHORIZATION": AUTH_HEADER}
        if self.mode == "cgi":
            env.update(SCRIPT_NAME="", PATH_INFO=path, OPENAPI_CONNECTOR_CACHE_DIR=self.cache)
            argv = [self.bin]
        else:
            env["SCRIPT_NAME"] = path
            argv = ["cgi-fcgi", "-bind", "-connect", self.sock]
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, input=data, env=env, capture_output=True, timeout=30)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = e.stdout or b"", e.stderr or b"", -1
        return Answer(out, err, time.monotonic() - t0, rc)


class Run:
    def __init__(self, a):
        self.a = a
        self.results = open(a.results, "a", encoding="utf-8")
        self.nfail = 0
        self.t = Target(a.mode, a.bin, a.sock, a.cache)
        self.tag = a.mode

    def out(self, line):
        print(line, flush=True)
        self.results.write(line + "\n")
        self.results.flush()

    def check(self, what, ok, expected=None, got=None):
        what = "%s: %s" % (self.tag, what)
        if ok:
            self.out("PASS: %s" % what)
        else:
            self.nfail += 1
            self.out("FAIL: %s\n      expected: %r\n      got:      %r" % (what, expected, got))
        return ok

    def eq(self, what, expected, got):
        return self.check(what, expected == got, expected, got)

    def http(self, method, url):
        req = urllib.request.Request(url, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode() or "null")

    def form_requests(self):
        return self.http("GET", self.a.form_url + "/_requests")["requests"]

    def json_records(self):
        with open(self.a.json_record, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def objects(self, what, ans):
        ok = ans.status == 200 and isinstance(ans.json, dict) and \
            isinstance(ans.json.get("objectData"), list)
        self.check("%s: 200 with objectData" % what, ok, "200", ans.short())
        return ans.json["objectData"] if ok else []

    # ---- Stripe: form bodies ----------------------------------------------------------------

    def customer_props(self):
        return ["id", "name", "email", "description", "balance", "metadata",
                "preferred_locales", "tags", "address"]

    def form_checks(self):
        self.http("DELETE", self.a.form_url + "/_requests")
        what = "create a Stripe customer (form body)"
        obj = mobject("Customer", [
            prop("id", "ContentString", None),
            prop("name", "ContentString", "Jenny Rosen"),
            prop("email", "ContentString", "jenny.rosen@example.com"),
            prop("description", "ContentString", "Caf\u00e9 & Bar: 50% off [vip] a+b=c~"),
            prop("balance", "ContentNumber", "-500"),
            prop("metadata", "ContentObject", None,
                 [mobject("Customer:metadata", [prop("order_id", "ContentString", "6735")])]),
            prop("preferred_locales", "ContentList", None,
                 items("Customer:preferred_locales", ["en", "fr-CA"])),
            prop("tags", "ContentList", None, items("Customer:tags", ["vip", "a,b"])),
            prop("address", "ContentObject", None,
                 [mobject("Customer:address", [prop("city", "ContentString", "Z\u00fcrich"),
                                               prop("line1", "ContentString",
                                                    "Bahnhofstrasse 1")])]),
        ], internal_id="6b1c7c0e-1d2a-4b7e-9a59-0c5f4e6a1b01")
        ans = self.t.save(FORM_REG, "Customer", self.customer_props(), [obj])
        objs = self.objects(what, ans)
        reqs = self.form_requests()
        self.eq("%s: one POST /v1/customers" % what, [("POST", "/v1/customers")],
                [(r["method"], r["path"]) for r in reqs])
        if not reqs:
            return
        r = reqs[0]
        self.eq("%s: Content-Type" % what, "application/x-www-form-urlencoded",
                r["content_type"])
        # the request schema's order (email first), not the type's (name first)
        want = ("email=jenny.rosen%40example.com"
                "&name=Jenny+Rosen"
                "&description=Caf%C3%A9+%26+Bar%3A+50%25+off+%5Bvip%5D+a%2Bb%3Dc~"
                "&balance=-500"
                "&metadata[order_id]=6735"
                "&preferred_locales[]=en&preferred_locales[]=fr-CA"
                "&tags=vip,a%2Cb"
                "&address[city]=Z%C3%BCrich&address[line1]=Bahnhofstrasse+1")
        self.eq("%s: the body, byte for byte (§13.1)" % what, want,
                r["body"])
        ext = objs[0].get("externalId") if objs else None
        self.check("%s: the customer's id from Stripe's answer is the external ID" % what,
                   isinstance(ext, str) and ext.startswith("cus_"), "cus_...", ext)
        if not ext:
            return
        # update: emptyAs empty (the default for POST): "" goes as name=; an unset value
        # (null) and an unset number are left out, so Stripe leaves them unchanged
        self.http("DELETE", self.a.form_url + "/_requests")
        what = "update the customer (form body, emptyAs empty)"
        upd = mobject("Customer", [
            prop("id", "ContentString", ext),
            prop("name", "ContentString", "Jenny R."),
            prop("email", "ContentString", ""),
            prop("description", "ContentString", None),
            prop("balance", "ContentNumber", ""),
            prop("metadata", "ContentObject", None,
                 [mobject("Customer:metadata", [prop("order_id", "ContentString", "")])]),
        ], external_id=ext, internal_id="6b1c7c0e-1d2a-4b7e-9a59-0c5f4e6a1b01")
        ans = self.t.save(FORM_REG, "Customer", self.customer_props(), [upd])
        self.objects(what, ans)
        reqs = self.form_requests()
        self.eq("%s: one POST /v1/customers/%s" % (what, ext), [("POST", "/v1/customers/" + ext)],
                [(r["method"], r["path"]) for r in reqs])
        if reqs:
            self.eq("%s: the body, byte for byte" % what,
                    "email=&name=Jenny+R.&metadata[order_id]=", reqs[0]["body"])
        stored = self.http("GET", "%s/v1/customers/%s" % (self.a.form_url, ext))
        self.eq("%s: Stripe kept what was not sent (description, balance)" % what,
                ("Caf\u00e9 & Bar: 50% off [vip] a+b=c~", -500),
                (stored.get("description"),
                 int(stored.get("balance")) if stored.get("balance") is not None else None))

    # ---- multipart ----------------------------------------------------------------------------

    def multipart_checks(self):
        self.http("DELETE", self.a.form_url + "/_requests")
        what = "create a note (multipart/form-data, emptyAs null)"
        obj = mobject("Note", [
            prop("title", "ContentString", "Hello, world \u00e9"),
            prop("body", "ContentString", ""),
            prop("pinned", "ContentBoolean", "TRUE"),
            prop("stars", "ContentNumber", "5"),
            prop("labels", "ContentList", None, items("Note:labels", ["a", "b c"])),
        ], internal_id="6b1c7c0e-1d2a-4b7e-9a59-0c5f4e6a1b02")
        ans = self.t.save(FORM_REG, "Note", ["id", "title", "body", "pinned", "stars", "labels"],
                          [obj])
        self.objects(what, ans)
        reqs = self.form_requests()
        self.eq("%s: one POST /v1/notes" % what, [("POST", "/v1/notes")],
                [(r["method"], r["path"]) for r in reqs])
        if not reqs:
            return
        ct = reqs[0]["content_type"] or ""
        m = re.fullmatch(r"multipart/form-data; boundary=([0-9A-Za-z'()+_,./:=?-]{1,70})", ct)
        if not self.check("%s: Content-Type multipart/form-data with a boundary" % what,
                          m is not None, "multipart/form-data; boundary=...", ct):
            return
        b = m.group(1)

        def part(name, value):
            return ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                    % (b, name, value))
        want = (part("title", "Hello, world \u00e9") + part("body", "") + part("pinned", "true")
                + part("stars", "5") + part("labels", "a") + part("labels", "b c")
                + "--%s--\r\n" % b)
        self.eq("%s: the body, byte for byte" % what, want.encode("utf-8"),
                reqs[0]["body"].encode("latin-1"))

    # ---- json-server: PATCH and emptyAs ------------------------------------------------------

    def patch_checks(self):
        def pet(type_name, ext, name):
            return mobject(type_name, [prop("id", "ContentNumber", ext),
                                       prop("name", "ContentString", name),
                                       prop("status", "ContentString", "")],
                           external_id=ext, internal_id="6b1c7c0e-1d2a-4b7e-9a59-0c5f4e6a1b03")
        before = self.http("GET", self.a.json_url + "/pets/2")
        n0 = len(self.json_records())
        what = "PATCH a pet with an unset status (emptyAs omit, the PATCH default)"
        ans = self.t.save(JSON_REG, "Pet", ["id", "name", "status", "category"],
                          [pet("Pet", "2", "Tom II")])
        self.objects(what, ans)
        ups = self.json_records()[n0:]
        self.eq("%s: one PATCH /pets/2" % what, [("PATCH", "/pets/2")],
                [(u["method"], u["url"]) for u in ups])
        if ups:
            self.eq("%s: the body leaves the status out" % what, {"name": "Tom II"},
                    ups[0]["body"])
        after = self.http("GET", self.a.json_url + "/pets/2")
        self.eq("%s: json-server kept its status" % what,
                (before.get("status"), "Tom II"), (after.get("status"), after.get("name")))
        self.check("%s: json-server kept its status (not blank)" % what,
                   bool(after.get("status")), "a status", after.get("status"))
        n0 = len(self.json_records())
        what = "PATCH with emptyAs: empty"
        ans = self.t.save(JSON_REG, "PetBlank", ["id", "name", "status"],
                          [pet("PetBlank", "3", "Sleepy II")])
        self.objects(what, ans)
        ups = self.json_records()[n0:]
        if ups:
            self.eq("%s: the body sends the empty status" % what,
                    {"name": "Sleepy II", "status": ""}, ups[0]["body"])
        after = self.http("GET", self.a.json_url + "/pets/3")
        self.eq("%s: json-server blanked the status" % what, "", after.get("status"))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--mode", choices=("cgi", "fcgi"), required=True)
    r.add_argument("--bin")
    r.add_argument("--cache")
    r.add_argument("--sock")
    r.add_argument("--form-url", required=True)
    r.add_argument("--json-url", required=True)
    r.add_argument("--json-record", required=True)
    r.add_argument("--results", required=True)
    a = ap.parse_args()
    run = Run(a)
    run.form_checks()
    run.multipart_checks()
    run.patch_checks()
    return 1 if run.nfail else 0


if __name__ == "__main__":
    sys.exit(main())
