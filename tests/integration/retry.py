#!/usr/bin/env python3
"""retry.py - the checks of tests/integration/retry.sh (Python 3, stdlib only; reuses
flow.py's Scenario: the requests, the answer parser, the ServiceProblem and log checks).

    retry.py --mode cgi|fcgi --bin BIN | --sock SOCK --api URL --results FILE ...

Against tests/integration/retry-upstream.py (whose docstring explains the scripts in ids
and names) with the worker's upstream budget at 4 s: retries after Retry-After in seconds,
as a date, without it (250 ms) and with garbage (counts as absent); giving up after two
retries, or at once when the wait does not fit the budget, as a 503 with the API's
Retry-After; a POST not retried on a 503 without idempotencyKey, retried on a 429, and
retried on a 503 with it, every attempt carrying the same key (UUID v5 of the type name, a
NUL byte and the internalId, product.md §13.4); the error messages of §13.5 end to end.
"""

import argparse
import json
import os
import sys
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flow  # noqa: E402
from flow import config_values, data_request, list_filter, mobject, prop  # noqa: E402

SCHEMA_URL = "http://example.test/retry.yaml"
API_KEY = "k-RETRY-0815"
NAMESPACE = uuid.UUID("914dc1ca-e5cc-4744-9f41-927adbf68794")   # product.md §7
BUDGET = 4.0


def attempts(a, script):
    with urllib.request.urlopen("%s/_attempts/%s" % (a.api, urllib.request.quote(script)),
                                timeout=5) as r:
        return json.loads(r.read().decode())


def load(s, a, script):
    return s.call("POST", "/data", data_request(config_values(SCHEMA_URL, API_KEY), "Item",
                                                ["id", "name"],
                                                lfilter=list_filter(id=script)))


def save(s, type_name, name, iid):
    obj = mobject(type_name, [prop("id", "ContentString", ""),
                              prop("name", "ContentString", name)], "", iid)
    return s.call("PUT", "/data", data_request(config_values(SCHEMA_URL, API_KEY), type_name,
                                               ["id", "name"], lfilter=None, objects=[obj]))


def loaded_ok(s, what, ans, want_id):
    objs = s.objects(what, ans)
    s.eq("%s: the object" % what, [want_id], [o.get("externalId") for o in objs or []])


def gaps(att):
    return [round(att[i + 1]["t"] - att[i]["t"], 2) for i in range(len(att) - 1)]


def run(a):
    ns = argparse.Namespace(
        mode=a.mode, bin=a.bin, sock=a.sock, base=None, prefix="", upstream=a.api,
        record="/nonexistent", schema_url=SCHEMA_URL, refused_schema_url=None,
        api_key=API_KEY, user_schema_url=None, results=a.results, transcript=a.transcript,
        worker_log=a.log,
        cgi_env=["OPENAPI_CONNECTOR_CACHE_DIR=" + (a.cache or ""),
                 "OPENAPI_CONNECTOR_TIMEOUT=%g" % BUDGET])
    s = flow.Scenario(ns)
    m = a.mode

    # 1. loads that succeed after a wait
    for script, lo, hi, why in [
            ("429ra1.200~%s" % m, 0.9, 1.8, "429 with Retry-After: 1"),
            ("503.200~%s" % m, 0.2, 0.9, "503 without Retry-After (250 ms)"),
            ("429rg.200~%s" % m, 0.2, 0.9, "429 with Retry-After: soon (absent: 250 ms)"),
            ("429rd2.200~%s" % m, 0.9, 2.9, "429 with Retry-After as an HTTP date 2 s ahead"),
            ("503ra1.429ra1.200~%s" % m, 1.8, 3.5, "503 then 429, each Retry-After: 1")]:
        what = "a load answered %s" % why
        ans = load(s, a, script)
        loaded_ok(s, what, ans, script)
        att = attempts(a, script)
        want = len(script.split("~")[0].split("."))
        s.eq("%s: %d attempts" % (what, want), want, len(att))
        total = sum(gaps(att))
        s.check("%s: waited %.1f-%.1f s" % (what, lo, hi), lo <= total <= hi,
                "%.1f-%.1f s" % (lo, hi), gaps(att))

    # 2. giving up: a 503 with the API's Retry-After
    for script, n, lo, hi, ra, why in [
            ("429ra1~%s" % m, 3, 1.8, 3.5, "1", "a 429 after two retries"),
            ("503~%s" % m, 2, 0.2, 1.5, "none", "a 503 without Retry-After after one retry"),
            ("503ra60~%s" % m, 1, 0.0, 1.0, "60", "a Retry-After: 60 over the 4 s budget"),
            ("429ra3~%s" % m, 2, 2.9, BUDGET, "3", "a second 3 s wait that no longer fits")]:
        what = "a load refused: %s" % why
        ans = load(s, a, script)
        s.problem(what, ans, 503, ["refusing", "Retry-After: %s" % ra, "GET",
                                   "/items/%s" % script, "slow down"])
        att = attempts(a, script)
        s.eq("%s: %d attempts" % (what, n), n, len(att))
        s.check("%s: answered within %.1f-%.1f s" % (what, lo, hi), lo <= ans.elapsed <= hi + 0.5,
                "%.1f-%.1f s" % (lo, hi), "%.2f s" % ans.elapsed)
        j = ans.json if isinstance(ans.json, dict) else {}
        s.eq("%s: responseBody is the API's" % what, {"message": "slow down (%s)" % script[:3]},
             json.loads(j.get("responseBody") or "null"))

    # 3. POST: a 429 is retried; a 503 only with idempotencyKey
    what = "a POST without idempotencyKey answered 503"
    script = "503ra0.201~%s" % m
    ans = save(s, "Item", script, "11111111-2222-4333-8444-55555555555%d" % (m == "cgi"))
    s.problem(what, ans, 503, ["refusing", "not retried", "idempotencyKey"])
    s.eq("%s: one attempt" % what, 1, len(attempts(a, script)))

    what = "a POST without idempotencyKey answered 429"
    script = "429ra0.201~%s" % m
    ans = save(s, "Item", script, "21111111-2222-4333-8444-55555555555%d" % (m == "cgi"))
    objs = s.objects(what, ans)
    s.eq("%s: saved" % what, ["new-" + script], [o.get("externalId") for o in objs or []])
    att = attempts(a, script)
    s.eq("%s: two attempts, no Idempotency-Key" % what, [None, None], [x["key"] for x in att])

    what = "a POST with idempotencyKey answered 503 twice"
    script = "503ra0.503ra0.201~%s" % m
    iid = "31111111-2222-4333-8444-55555555555%d" % (m == "cgi")
    ans = save(s, "Keyed", script, iid)
    objs = s.objects(what, ans)
    s.eq("%s: saved" % what, ["new-" + script], [o.get("externalId") for o in objs or []])
    att = attempts(a, script)
    want = str(uuid.uuid5(NAMESPACE, "Keyed\0" + iid))
    s.eq("%s: three attempts, each with Idempotency-Key = UUID v5 of Keyed NUL internalId"
         % what, [want] * 3, [x["key"] for x in att])

    what = "another object with idempotencyKey"
    script2 = "201~other-%s" % m
    ans = save(s, "Keyed", script2, "41111111-2222-4333-8444-55555555555%d" % (m == "cgi"))
    att2 = attempts(a, script2)
    s.check("%s: another key" % what, len(att2) == 1 and att2[0]["key"] and
            att2[0]["key"] != want, "a key other than %s" % want, att2)

    what = "a POST with idempotencyKey still refused"
    script = "503~keyed-%s" % m
    ans = save(s, "Keyed", script, "51111111-2222-4333-8444-55555555555%d" % (m == "cgi"))
    s.problem(what, ans, 503, ["refusing", "after 1 retry"])
    att = attempts(a, script)
    s.check("%s: two attempts with one key" % what,
            len(att) == 2 and att[0]["key"] and att[0]["key"] == att[1]["key"],
            "2 attempts, same key", att)

    # 4. the API's error messages (§13.5)
    for shape, msg in [
            ("problem", "You do not have enough credit.: Your current balance is 30, but "
                        "that costs 50.; balance below 50"),
            ("stripe", "Missing required param: email."),
            ("github", "Validation Failed; title is missing"),
            ("oauth", "The access token expired"),
            ("errors", "first; second"),
            ("text", "Not authorized"),
            ("message", "Rate limit exceeded"),
            ("html", "<html><body>Bad request</body></html>")]:
        script = "e-%s~%s" % (shape, m)
        what = "an error answer of shape %s" % shape
        ans = load(s, a, script)
        want = "The API answered GET %s/items/%s with status 400: %s" % (
            a.api, urllib.request.quote(script, safe="~"), msg)
        s.problem(what, ans, 502)
        j = ans.json if isinstance(ans.json, dict) else {}
        s.eq("%s: the message" % what, want, j.get("message"))
        s.check("%s: responseBody is the whole body" % what,
                msg.split(";")[0].split(":")[0] in (j.get("responseBody") or ""),
                "the body", j.get("responseBody"))
        s.eq("%s: one attempt (a 400 is not retried)" % what, 1, len(attempts(a, script)))

    what = "an error answer whose problem detail is 700 characters"
    script = "e-long~%s" % m
    ans = load(s, a, script)
    s.problem(what, ans, 502, ["Too long: d\u00e9tail d\u00e9tail"])
    j = ans.json if isinstance(ans.json, dict) else {}
    msg = j.get("message") or ""
    s.check("%s: message cut at 500 bytes on a character boundary" % what,
            480 <= len(msg.encode()) <= 500 and "\ufffd" not in msg,
            "480-500 bytes of whole characters", "%d bytes: %r" % (len(msg.encode()), msg[-20:]))
    try:
        detail = json.loads(j.get("responseBody") or "null").get("detail")
    except (ValueError, AttributeError):
        detail = None
    s.check("%s: responseBody keeps all of it" % what,
            detail and detail.endswith("\u20ac" * 50) and len(detail) == 750,
            "the whole body", j.get("responseBody"))
    return 1 if s.nfail else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True)
    ap.add_argument("--bin")
    ap.add_argument("--sock")
    ap.add_argument("--cache")
    ap.add_argument("--api", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--transcript")
    sys.exit(run(ap.parse_args()))


if __name__ == "__main__":
    main()
