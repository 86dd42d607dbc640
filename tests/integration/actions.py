#!/usr/bin/env python3
"""actions.py - the Flow side of tests/integration/actions.sh: message actions (product.md
§14, flow-protocol.md §4.4, §4.8) against json-server 0.17 (tests/integration/
middleware.js serves the actions' routes), described by examples/petstore-flow.yaml.

    actions.py run --mode cgi|fcgi (--bin BIN --cgi-env N=V ... | --sock SOCK [--prefix P])
                   --upstream URL --record FILE --schema-url REG --reordered-schema-url REG
                   --refused-schema-url REG --api-key KEY --worker-log FILE --results FILE
                   --adopt-id N [--transcript FILE]

It plays the engine (flow.py's transport: CGI environment + stdin, or cgi-fcgi -bind) and
checks, from the spec and not from the code under test:
  * describe: providesLogic, every field of DescribeServiceActionResponse and DescribeValue
    (§4.4), the actions' uriParts, inputs, outputs and generated types (§14.2), and that a
    REORDERED copy of the document (compiled under --reordered-schema-url) gives the same
    uriParts (saved flows store them);
  * ServiceRequests (§4.8): what json-server received (method, path, JSON body, X-API-Key),
    the ServiceResponse's fields and echoes, the outputs (Response, Status Code, Error
    Message, Response Body), the outcome selected by status (§14.4: "404" and "Conflict"
    win over an "error" listed first), an unwired 500 as a ServiceProblem, the reserved
    slug at actions/status-action, example mode calling nothing, an unknown slug, missing
    and malformed inputs (§14.3).
Every check prints PASS/FAIL and appends it to --results (flow.py's Scenario does that).
"""
import argparse
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow import CULTURE, Scenario, config_values, describe_request, mobject, prop, \
    props_of, values_of, _clip  # noqa: E402

# What the document's actions are (examples/petstore-flow.yaml; product.md §14.2 derives
# each slug from the operationId, lower-cased; "status" is reserved, so "-action").
ACTIONS = {
    "actions/adoptpet": "Adopt a pet",
    "actions/searchpets": "Search pets by criteria",
    "actions/vaccinatepet": "Vaccinate a pet",
    "actions/status-action": "Store status",
}
ACTION_FIELDS = {"uriPart", "developerName", "developerSummary", "serviceInputs",
                 "serviceOutputs", "serviceActionOutcomes", "isViewMessageAction"}
VALUE_FIELDS = {"developerName", "contentValue", "contentType", "typeElementDeveloperName",
                "required", "isRequired", "ordinal", "order"}
# ServiceResponse (§4.8, product.md §14.3)
RESPONSE_FIELDS = {"token", "tenantId", "culture", "annotations", "invokeType", "waitMessage",
                   "outputs", "selectedOutcomeId", "rootFaults", "valueFaults", "mode"}
STD_OUTPUTS = [("Status Code", "ContentNumber", None), ("Error Message", "ContentString", None),
               ("Response Body", "ContentString", None)]

# outcome ids of the message step (any GUIDs; the engine's)
O_ERROR = "2f0d3d0e-0000-4000-8000-00000000e220"
O_404 = "2f0d3d0e-0000-4000-8000-000000000404"
O_CONFLICT = "2f0d3d0e-0000-4000-8000-000000000409"
O_OK = "2f0d3d0e-0000-4000-8000-000000000200"


def outcome(oid, name, order):
    return {"id": oid, "developerName": name, "label": name, "order": order,
            "pageActionBindingType": "SAVE", "pageActionType": None, "isBulkAction": False,
            "pageObjectBindingId": None, "isOut": False, "attributes": None}


# An "error" outcome first in the list and lowest in order: a 404 or 409 must still pick the
# more specific one (§14.4 levels beat order).
ALL_OUTCOMES = [outcome(O_ERROR, "error", 0), outcome(O_404, "404", 1),
                outcome(O_CONFLICT, "Conflict", 2), outcome(O_OK, "success", 3)]


def value(name, ctype, v=None, objs=None, type_name=None):
    """An EngineValue as the engine sends it."""
    return {"valueElementId": None, "typeElementId": None, "developerName": name,
            "contentType": ctype, "contentValue": v, "objectData": objs,
            "typeElementDeveloperName": type_name, "contentFormat": None}


def service_request(cfg, inputs, outcomes, token):
    return {"token": token, "tenantId": "aa606806-642f-4d3b-8a0b-9c06e0a7a7c4",
            "stateId": str(uuid.uuid4()), "callbackUri": "https://flow.example.test/api/run/1/response",
            "platformUri": "https://flow.example.test", "culture": CULTURE, "executionMode": "",
            "configurationValues": cfg,
            "authorization": {"serviceElementId": None, "globalAuthenticationType": "PUBLIC",
                              "streamBehaviourType": None, "showPagesAsReadOnly": False,
                              "groups": None, "users": None, "locations": None},
            "annotations": {"trace": token}, "attributes": {},
            "joinPlayerUri": None, "playerUri": None,
            "uri": "https://flow.example.test/api/openapi/actions", "inputs": inputs,
            "outcomes": outcomes}


def body_object(type_name, props):
    return [mobject(type_name, [prop(k, ct, v) for k, ct, v in props],
                    internal_id=str(uuid.uuid4()))]


class Actions(Scenario):
    def __init__(self, a):
        a.prefix = a.prefix or ""
        a.base = None
        a.user_schema_url = None
        super().__init__(a)
        self.cfg = config_values(a.schema_url, a.api_key)
        self.ntoken = 0

    # ---- helpers ------------------------------------------------------------------------

    def invoke(self, slug, inputs, outcomes=(), cfg=None):
        self.ntoken += 1
        token = "tok-%s-%d" % (self.mode, self.ntoken)
        req = service_request(cfg if cfg is not None else self.cfg, inputs, list(outcomes),
                              token)
        n0 = self.record_count()
        ans = self.call("POST", "/actions/" + slug, req)
        return ans, req, self.records_since(n0)

    def outputs(self, ans):
        return {o.get("developerName"): o for o in (ans.json or {}).get("outputs") or []} \
            if isinstance(ans.json, dict) else {}

    def service_response(self, what, ans, req, selected):
        """200, every ServiceResponse field (§4.8), the echoes of §14.3 and SELECTED."""
        j = ans.json if isinstance(ans.json, dict) else {}
        if not self.check("%s: 200 ServiceResponse" % what,
                          ans.status == 200 and isinstance(ans.json, dict)
                          and "application/json" in ans.headers.get("content-type", ""),
                          "200 application/json object", ans.short()):
            return False
        self.eq("%s: every ServiceResponse field (§4.8)" % what, sorted(RESPONSE_FIELDS),
                sorted(RESPONSE_FIELDS & set(j)))
        self.eq("%s: token, tenantId, culture, annotations echoed" % what,
                (req["token"], req["tenantId"], req["culture"], req["annotations"]),
                (j.get("token"), j.get("tenantId"), j.get("culture"), j.get("annotations")))
        self.eq("%s: FORWARD, no waitMessage, no faults, mode null" % what,
                ("FORWARD", None, {}, [], None),
                (j.get("invokeType"), j.get("waitMessage"), j.get("rootFaults"),
                 j.get("valueFaults"), j.get("mode")))
        self.eq("%s: selectedOutcomeId" % what, selected, j.get("selectedOutcomeId"))
        outs = j.get("outputs")
        ok = isinstance(outs, list) and all(
            isinstance(o, dict) and {"developerName", "contentType", "contentValue",
                                     "objectData"} <= set(o) for o in outs)
        self.check("%s: outputs are EngineValues" % what, ok, "developerName, contentType, "
                   "contentValue, objectData", outs)
        return True

    def scalar_out(self, outs, name):
        o = outs.get(name)
        return None if o is None else (o.get("contentType"), o.get("contentValue"))

    def unset(self, outs, name):
        o = outs.get(name)
        return o is None or (o.get("contentValue") in (None, "") and not o.get("objectData"))

    def sent(self, what, ups, method, path, body=None):
        """Exactly one upstream request METHOD PATH with the API key (and BODY's members)."""
        self.eq("%s: upstream %s %s" % (what, method, path), [(method, path)],
                [(u.get("method"), u.get("url")) for u in ups])
        if len(ups) != 1:
            return
        u = ups[0]
        self.eq("%s: the API key in X-API-Key (security)" % what, self.a.api_key,
                u.get("apiKey"))
        if body is not None:
            self.check("%s: JSON content type" % what,
                       "application/json" in (u.get("contentType") or ""),
                       "application/json", u.get("contentType"))
            got = u.get("body") if isinstance(u.get("body"), dict) else {}
            self.eq("%s: the JSON body" % what, body, {k: got.get(k) for k in body})

    # ---- describe -----------------------------------------------------------------------

    def describe_actions(self, reg):
        ans = self.call("POST", "/metadata", describe_request(config_values(reg, None)))
        if not self.ok_json("describe %s" % reg, ans):
            return None, None
        return ans.json, {a.get("uriPart"): a for a in ans.json.get("actions") or []
                          if isinstance(a, dict)}

    def check_value(self, what, v):
        missing = VALUE_FIELDS - set(v)
        self.check("%s: every DescribeValue field (§4.4)" % what, not missing, "none missing",
                   sorted(missing))
        self.check("%s: required = isRequired (bool), ordinal = order (int)" % what,
                   isinstance(v.get("required"), bool) and v.get("required") == v.get("isRequired")
                   and isinstance(v.get("ordinal"), int) and v.get("ordinal") == v.get("order"),
                   "equal pairs", {k: v.get(k) for k in ("required", "isRequired", "ordinal",
                                                         "order")})

    def shape(self, vals):
        return [(v.get("developerName"), v.get("contentType"), v.get("typeElementDeveloperName"),
                 v.get("required")) for v in vals]

    def describe(self):
        d, acts = self.describe_actions(self.a.schema_url)
        if d is None:
            return
        w = "describe"
        self.eq("%s: providesLogic and providesDatabase" % w, (True, True),
                (d.get("providesLogic"), d.get("providesDatabase")))
        self.eq("%s: the actions' uriParts and developerNames (§14.2)" % w, ACTIONS,
                {u: a.get("developerName") for u, a in acts.items()})
        for u, a in sorted(acts.items()):
            aw = "%s: %s" % (w, u)
            self.eq("%s: every DescribeServiceActionResponse field (§4.4)" % aw,
                    sorted(ACTION_FIELDS), sorted(ACTION_FIELDS & set(a)))
            self.eq("%s: serviceActionOutcomes [], isViewMessageAction false" % aw, ([], False),
                    (a.get("serviceActionOutcomes"), a.get("isViewMessageAction")))
            self.check("%s: developerSummary is a string" % aw,
                       isinstance(a.get("developerSummary"), str), "str", a.get("developerSummary"))
            for k in ("serviceInputs", "serviceOutputs"):
                for v in a.get(k) or []:
                    self.check_value("%s %s %s" % (aw, k, v.get("developerName")), v)
            outs = self.shape(a.get("serviceOutputs") or [])
            self.eq("%s: Status Code, Error Message, Response Body outputs" % aw,
                    [n for n, _, _, _ in outs if n in ("Status Code", "Error Message",
                                                       "Response Body")],
                    ["Status Code", "Error Message", "Response Body"])
            self.eq("%s: their content types" % aw,
                    {"Status Code": "ContentNumber", "Error Message": "ContentString",
                     "Response Body": "ContentString"},
                    {n: ct for n, ct, _, _ in outs if n in ("Status Code", "Error Message",
                                                            "Response Body")})
        adopt = acts.get("actions/adoptpet") or {}
        self.check("describe: adoptpet's developerSummary names the outcomes to wire",
                   "Outcomes you can wire: 200 OK, 404 Not Found, 409 Conflict, error"
                   in (adopt.get("developerSummary") or ""),
                   "Outcomes you can wire: 200 OK, 404 Not Found, 409 Conflict, error",
                   adopt.get("developerSummary"))
        self.eq("describe: adoptpet's inputs (id, Body)",
                [("id", "ContentNumber", None, True),
                 ("Body", "ContentObject", "adoptpet Body", True)],
                self.shape(adopt.get("serviceInputs") or []))
        self.eq("describe: adoptpet's Response output is a Pet",
                [("Response", "ContentObject", "Pet", False)],
                [x for x in self.shape(adopt.get("serviceOutputs") or []) if x[0] == "Response"])
        search = acts.get("actions/searchpets") or {}
        self.eq("describe: searchpets's input (the criteria as Body)",
                [("Body", "ContentObject", "searchpets Body", True)],
                self.shape(search.get("serviceInputs") or []))
        self.eq("describe: searchpets's Response output is a list of Pet",
                [("Response", "ContentList", "Pet", False)],
                [x for x in self.shape(search.get("serviceOutputs") or []) if x[0] == "Response"])
        st = acts.get("actions/status-action") or {}
        self.eq("describe: status-action has no inputs (the API key is the security's)",
                (True, []), ("serviceInputs" in st, self.shape(st.get("serviceInputs") or [])))
        self.eq("describe: status-action's Response is its generated type",
                [("Response", "ContentObject", "status-action Response", False)],
                [x for x in self.shape(st.get("serviceOutputs") or []) if x[0] == "Response"])
        types = {t.get("developerName"): t for t in (d.get("install") or {}).get("typeElements") or []}
        for name, props in (("adoptpet Body", ["adopter", "note"]),
                            ("searchpets Body", ["status", "namePrefix", "maxPrice", "vaccinated"]),
                            ("status-action Response", ["status", "pets"])):
            t = types.get(name)
            if not self.check("describe: generated type %r in install.typeElements" % name,
                              t is not None, name, sorted(types)):
                continue
            self.eq("describe: %r's properties" % name, props,
                    [p.get("developerName") for p in t.get("properties") or []])
            self.eq("describe: %r has bindings []" % name, [], t.get("bindings"))

        # the reordered copy: the same slugs, inputs and outputs for the same operations
        d2, acts2 = self.describe_actions(self.a.reordered_schema_url)
        if d2 is not None and self.check("describe of the reordered document: actions",
                                         len(acts2) == len(ACTIONS) and len(acts) == len(ACTIONS),
                                         "%d actions in both" % len(ACTIONS),
                                         (len(acts), len(acts2))):
            self.eq("describe of the reordered document: the same uriParts and names",
                    {u: a.get("developerName") for u, a in acts.items()},
                    {u: a.get("developerName") for u, a in acts2.items()})
            self.eq("describe of the reordered document: the same inputs and outputs",
                    {u: (self.shape(a.get("serviceInputs") or []),
                         self.shape(a.get("serviceOutputs") or [])) for u, a in acts.items()},
                    {u: (self.shape(a.get("serviceInputs") or []),
                         self.shape(a.get("serviceOutputs") or [])) for u, a in acts2.items()})

    # ---- invocations ----------------------------------------------------------------------

    def adopt_inputs(self, pid, adopter="Alice", note="Loves long walks", id_ctype="ContentNumber"):
        props = [("adopter", "ContentString", adopter)]
        if note is not None:
            props.append(("note", "ContentString", note))
        return [value("id", id_ctype, str(pid)),
                value("Body", "ContentObject", None, body_object("adoptpet Body", props),
                      "adoptpet Body")]

    def adopt(self):
        pid = self.a.adopt_id
        what = "adopt pet %s (200)" % pid
        # id sent as ContentString (never trust contentType); an unknown input is ignored
        inputs = self.adopt_inputs(pid, id_ctype="ContentString") + \
            [value("Colour", "ContentString", "blue")]
        ans, req, ups = self.invoke("adoptpet", inputs, ALL_OUTCOMES)
        self.sent(what, ups, "POST", "/pets/%s/adopt" % pid,
                  {"adopter": "Alice", "note": "Loves long walks"})
        if self.service_response(what, ans, req, O_OK):
            outs = self.outputs(ans)
            self.eq("%s: Status Code" % what, ("ContentNumber", "200"),
                    self.scalar_out(outs, "Status Code"))
            self.check("%s: Error Message and Response Body not set on a 2xx" % what,
                       self.unset(outs, "Error Message") and self.unset(outs, "Response Body"),
                       "unset", [outs.get("Error Message"), outs.get("Response Body")])
            r = outs.get("Response") or {}
            objs = r.get("objectData") or []
            self.eq("%s: Response is one Pet object" % what, ("ContentObject", 1, "Pet"),
                    (r.get("contentType"), len(objs), objs[0].get("developerName") if objs else None))
            if objs:
                v = values_of(objs[0])
                self.eq("%s: the adopted pet mapped (id, status sold)" % what,
                        (str(pid), "sold"), (v.get("id"), v.get("status")))
                self.eq("%s: its externalId" % what, str(pid), objs[0].get("externalId"))
                cat = props_of(objs[0]).get("category") or {}
                self.eq("%s: nested Category mapped" % what, "Category",
                        ((cat.get("objectData") or [{}])[0]).get("developerName"))
        st, pet = self.upstream_get("/pets/%s" % pid)
        self.eq("%s: json-server stored the adoption" % what, (200, "sold", "Alice"),
                (st, (pet or {}).get("status"), (pet or {}).get("adopter")))

        what = "adopt pet %s again (409, outcome Conflict)" % pid
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs(pid, note=None), ALL_OUTCOMES)
        self.sent(what, ups, "POST", "/pets/%s/adopt" % pid, {"adopter": "Alice"})
        if self.service_response(what, ans, req, O_CONFLICT):
            outs = self.outputs(ans)
            self.eq("%s: Status Code" % what, ("ContentNumber", "409"),
                    self.scalar_out(outs, "Status Code"))
            em = (outs.get("Error Message") or {}).get("contentValue") or ""
            self.check("%s: Error Message has the API's words" % what,
                       "already adopted" in em, "'already adopted'", em)
            rb = (outs.get("Response Body") or {}).get("contentValue") or ""
            self.check("%s: Response Body is the API's body" % what,
                       "problems/already-adopted" in rb and "Pet %s is already adopted" % pid in rb,
                       "the problem+json body", rb)
            self.check("%s: no Response on a non-2xx" % what, self.unset(outs, "Response"),
                       "unset", outs.get("Response"))

        what = "adopt pet 77777 (404, outcome 404 although error is listed first)"
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs(77777), ALL_OUTCOMES)
        self.sent(what, ups, "POST", "/pets/77777/adopt", {"adopter": "Alice"})
        if self.service_response(what, ans, req, O_404):
            outs = self.outputs(ans)
            self.eq("%s: Status Code" % what, ("ContentNumber", "404"),
                    self.scalar_out(outs, "Status Code"))
            em = (outs.get("Error Message") or {}).get("contentValue") or ""
            self.check("%s: Error Message has the API's words" % what,
                       "There is no pet with id 77777" in em, "There is no pet with id 77777", em)
            rb = (outs.get("Response Body") or {}).get("contentValue") or ""
            self.check("%s: Response Body is the API's body" % what,
                       json.loads(rb or "null") == {"message": "There is no pet with id 77777"},
                       '{"message":"There is no pet with id 77777"}', rb)

        what = "adopt pet 77777 with only error and success wired (404 -> error)"
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs(77777),
                                    [outcome(O_OK, "success", 0), outcome(O_ERROR, " ERROR ", 1)])
        if self.service_response(what, ans, req, O_ERROR):
            self.eq("%s: Status Code" % what, ("ContentNumber", "404"),
                    self.scalar_out(self.outputs(ans), "Status Code"))

        what = "adopt pet 3 (sold) with no outcome wired: 409 is a ServiceProblem"
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs(3), [])
        self.sent(what, ups, "POST", "/pets/3/adopt", {"adopter": "Alice"})
        self.problem(what, ans, 502, ["409", "already adopted"])

        what = "adopt pet 9500: an unwired 500"
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs(9500),
                                    [outcome(O_404, "404", 0), outcome(O_CONFLICT, "Conflict", 1)])
        self.sent(what, ups, "POST", "/pets/9500/adopt", {"adopter": "Alice"})
        self.problem(what, ans, 502, ["POST", "/pets/9500/adopt", "500",
                                      "adoption registry on fire"])
        rb = (ans.json or {}).get("responseBody") if isinstance(ans.json, dict) else None
        self.eq("%s: responseBody is the API's body" % what,
                '{"error":"adoption registry on fire","code":"E_FIRE_9500"}', rb)

        what = "adopt through the closed port with error wired: refused is a ServiceProblem"
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs(1), ALL_OUTCOMES,
                                    cfg=config_values(self.a.refused_schema_url, self.a.api_key))
        self.problem(what, ans, 502, ["/pets/1/adopt"])

    def search(self):
        what = "search pets (JSON body criteria)"
        crit = [("status", "ContentString", "available"), ("vaccinated", "ContentBoolean", "true")]
        st, pets = self.upstream_get("/pets")
        expect = sorted(str(p["id"]) for p in pets or []
                        if p.get("status") == "available" and p.get("vaccinated") is True)
        # the input's name in another case and with spaces: matched trimmed, case-insensitive
        inputs = [value(" body ", "ContentObject", None, body_object("searchpets Body", crit),
                        "searchpets Body")]
        ans, req, ups = self.invoke("searchpets", inputs, [outcome(O_OK, "ok", 0)])
        self.sent(what, ups, "POST", "/pets/search", {"status": "available", "vaccinated": True})
        if self.service_response(what, ans, req, O_OK):
            outs = self.outputs(ans)
            r = outs.get("Response") or {}
            objs = r.get("objectData") or []
            self.eq("%s: Response is the list of matching pets" % what,
                    ("ContentList", expect, {"Pet"}),
                    (r.get("contentType"), sorted(o.get("externalId") for o in objs),
                     {o.get("developerName") for o in objs}))
            self.eq("%s: Status Code" % what, ("ContentNumber", "200"),
                    self.scalar_out(outs, "Status Code"))
        self.check("(search expected at least one pet)", len(expect) > 0, "> 0", expect)

    def reserved(self):
        what = "the reserved slug at actions/status-action"
        ans, req, ups = self.invoke("status-action", [], [])
        self.sent(what, ups, "GET", "/status")
        if self.service_response(what, ans, req, None):
            outs = self.outputs(ans)
            r = outs.get("Response") or {}
            objs = r.get("objectData") or []
            self.eq("%s: Response mapped to status-action Response" % what,
                    ("ContentObject", "status-action Response", "ok"),
                    (r.get("contentType"), objs[0].get("developerName") if objs else None,
                     values_of(objs[0]).get("status") if objs else None))
            self.eq("%s: Status Code" % what, ("ContentNumber", "200"),
                    self.scalar_out(outs, "Status Code"))

    def example(self):
        for label, reg in (("example mode", self.a.schema_url),
                           ("example mode, closed-port cache", self.a.refused_schema_url)):
            what = "%s: vaccinate pet 2" % label
            ans, req, ups = self.invoke("vaccinatepet", [value("id", "ContentNumber", "2")],
                                        ALL_OUTCOMES, cfg=config_values(reg, self.a.api_key))
            self.eq("%s: the upstream recorded no request" % what, [],
                    [(u.get("method"), u.get("url")) for u in ups])
            if self.service_response(what, ans, req, O_OK):
                outs = self.outputs(ans)
                objs = (outs.get("Response") or {}).get("objectData") or []
                self.eq("%s: the example Pet (doggie) as Response" % what, ("Pet", "doggie"),
                        (objs[0].get("developerName") if objs else None,
                         values_of(objs[0]).get("name") if objs else None))
                self.eq("%s: Status Code" % what, ("ContentNumber", "200"),
                        self.scalar_out(outs, "Status Code"))

    def bad_requests(self):
        what = "unknown slug"
        ans, req, ups = self.invoke("no-such-action", [], [])
        self.problem(what, ans, 404, ["no-such-action"])
        self.eq("%s: nothing sent upstream" % what, [], ups)

        what = "missing required input Body"
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs(1)[:1], ALL_OUTCOMES)
        self.problem(what, ans, 400, ["Body"])
        self.eq("%s: nothing sent upstream" % what, [], ups)

        what = "missing required input id"
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs(1)[1:], ALL_OUTCOMES)
        self.problem(what, ans, 400, ["id"])
        self.eq("%s: nothing sent upstream" % what, [], ups)

        what = "a ContentNumber input that is not a number"
        ans, req, ups = self.invoke("adoptpet", self.adopt_inputs("one"), ALL_OUTCOMES)
        self.problem(what, ans, 400, ["id"])
        self.eq("%s: nothing sent upstream" % what, [], ups)

        what = "GET /actions/adoptpet"
        ans = self.call("GET", "/actions/adoptpet")
        self.problem(what, ans, 405)

    def run(self):
        self.describe()
        self.adopt()
        self.search()
        self.reserved()
        self.example()
        self.bad_requests()
        self.still_serves("the actions")
        self.check("every request logged one line, none with the API key (%d requests)"
                   % self.requests, self.log_bad == 0 and self.requests > 0)
        self._out("%s: %d passed, %d failed (%d requests)" % (self.mode, self.npass,
                                                             self.nfail, self.requests))
        return 1 if self.nfail else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--mode", choices=("cgi", "fcgi"), required=True)
    r.add_argument("--bin")
    r.add_argument("--sock")
    r.add_argument("--cgi-env", action="append", default=[])
    r.add_argument("--prefix", default="")
    r.add_argument("--upstream", required=True)
    r.add_argument("--record", required=True)
    r.add_argument("--schema-url", required=True)
    r.add_argument("--reordered-schema-url", required=True)
    r.add_argument("--refused-schema-url", required=True)
    r.add_argument("--api-key", required=True)
    r.add_argument("--worker-log", required=True)
    r.add_argument("--results", required=True)
    r.add_argument("--adopt-id", required=True)
    r.add_argument("--transcript")
    a = ap.parse_args()
    if a.mode == "cgi" and not a.bin or a.mode == "fcgi" and not a.sock:
        ap.error("cgi mode needs --bin, fcgi mode --sock")
    return Actions(a).run()


if __name__ == "__main__":
    sys.exit(main())
