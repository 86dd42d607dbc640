#!/usr/bin/env python3
"""x-flow-schema.py - writes data/x-flow.schema.json (draft 2020-12) and
data/x-flow.draft-07.schema.json from one description of the x-flow-* marks.

  python3 scripts/x-flow-schema.py [OUTDIR]     (default: data/ next to this script's dir)
  python3 scripts/x-flow-schema.py --check DIR  exit 1 when DIR's files differ

The rules follow the compiler (src/compile/xflow.c, types.c, paging.c, body.c, unbound.c,
actions.c): keys inside marks are matched case-insensitively there, so every key is also
accepted in any case (patternProperties); keys the compiler warns about as unknown are
rejected here, so editors flag them."""
import json
import os
import sys

def ci(word):
    """A regex matching WORD in any letter case."""
    out = []
    for ch in word:
        if ch.isalpha():
            out.append("[%s%s]" % (ch.upper(), ch.lower()))
        elif ch in ".^$*+?()[]{}|\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def ci_exact(*words):
    return "^(" + "|".join(ci(w) for w in words) + ")$"


def ref(name):
    return {"$ref": "#/$defs/" + name}


def mark(desc, props, required=(), extra=None):
    """A mapping mark: PROPS (canonical key -> schema) matched in any case; other keys
    rejected; REQUIRED keys present in any case."""
    s = {"type": "object", "description": desc, "properties": props,
         "patternProperties": {ci_exact(k): v for k, v in props.items()
                               if any(ch.isalpha() for ch in k)},
         "additionalProperties": False}
    if required:
        s["allOf"] = [has_key(k) for k in required]
    if extra:
        s.setdefault("allOf", []).extend(extra)
    return s


def has_key(k):
    """K is present, in any letter case."""
    return {"anyOf": [{"required": [k]},
                      {"not": {"propertyNames": {"not": {"pattern": ci_exact(k)}}}}]}


def no_key(k):
    return {"propertyNames": {"not": {"pattern": ci_exact(k)}}}


NONEMPTY = {"type": "string", "minLength": 1}
TOKEN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
CONFIG_NAMES = ["Schema URL", "API Key", "OAuth2/OIDC: Client Id",
                "OAuth2/OIDC: Client Secret", "Authorization Groups", "Authorization Users",
                "Server"]
USER_FIELDS = ["UserId", "Email", "FirstName", "LastName", "Username", "DirectoryId",
               "DirectoryName", "PrimaryGroupId", "PrimaryGroupName", "RoleId", "RoleName"]
LIST_WORDS = ["externalId", "id", "limit", "offset", "search", "orderBy", "orderByDirection"]
WHOLE = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 999999999},
                   {"type": "string", "pattern": "^[0-9]+$"}]}
SCALAR = {"type": ["string", "number", "integer", "boolean"]}
CRUD = ["query", "load", "save", "update", "delete"]


def defs():
    d = {}
    d["configToken"] = {
        "description": "{config: <developerName>}: a configuration value of the connector "
                       "(§4); API Key and OAuth2/OIDC: Client Secret are secrets.",
        "type": "object", "minProperties": 1, "maxProperties": 1,
        "patternProperties": {ci_exact("config"): {
            "type": "string",
            "pattern": "^[ \\t]*(" + "|".join(ci(n) for n in CONFIG_NAMES) + ")[ \\t]*$",
            "description": "one of: " + ", ".join(CONFIG_NAMES)}},
        "additionalProperties": False}
    d["defaultToken"] = {
        "description": "{default: <scalar>}: a constant.",
        "type": "object", "minProperties": 1, "maxProperties": 1,
        "patternProperties": {ci_exact("default"): {"type": ["string", "number", "integer",
                                                              "boolean", "null"]}},
        "additionalProperties": False}
    d["propertyToken"] = {
        "description": "{property: <name>}: that property of the object, even when its name "
                       "is one of the list-filter words (id).",
        "type": "object", "minProperties": 1, "maxProperties": 1,
        "patternProperties": {ci_exact("property"): NONEMPTY},
        "additionalProperties": False}
    user_prefix = "^" + ci("$User.")
    d["userToken"] = {
        "description": "$User.<Field>: a field of the running user (§9.5).",
        "type": "string",
        "pattern": user_prefix + "(" + "|".join(ci(f) for f in USER_FIELDS) + ")$"}
    d["wordToken"] = {
        "description": "externalId or id (the object's external ID), limit, offset, search, "
                       "orderBy, orderByDirection (the list filter's), $User.<Field>, or "
                       "any other word: a property of the type.",
        "type": "string", "minLength": 1,
        "anyOf": [{"not": {"pattern": user_prefix}}, ref("userToken")]}
    d["parameterValue"] = {
        "description": "Where the API parameter's value comes from (product.md §5.2).",
        "anyOf": [ref("wordToken"), ref("defaultToken"), ref("configToken"),
                  ref("propertyToken")]}
    d["where"] = {
        "description": "x-flow-query only: an EQUAL criterion on a type property (key) is "
                       "sent as that API parameter (value).",
        "type": "object", "additionalProperties": NONEMPTY}
    nolist = {"anyOf": [ref("parameterValue")]}
    d["queryParameters"] = {
        "description": "API parameter name -> value source; 'where' maps type properties "
                       "to API parameters.",
        "type": "object", "patternProperties": {ci_exact("where"): ref("where")},
        "additionalProperties": ref("parameterValue")}
    d["loadParameters"] = {
        "description": "API parameter name -> value source (§5.2).",
        "type": "object", "propertyNames": {"not": {"pattern": ci_exact("where")}},
        "additionalProperties": ref("parameterValue")}
    d["writeParameters"] = {
        "description": "API parameter name -> value source (§5.2). The list-filter words "
                       "limit, offset, search, orderBy and orderByDirection have no value "
                       "here (only loads have a list filter).",
        "type": "object", "propertyNames": {"not": {"pattern": ci_exact("where")}},
        "additionalProperties": {"allOf": [
            ref("parameterValue"),
            {"not": {"type": "string", "pattern": ci_exact(*LIST_WORDS[2:])}}]}}
    del nolist
    d["actionParameters"] = {
        "description": "API parameter name -> {default: value}, {config: name} or "
                       "$User.<Field> (an action has no object).",
        "type": "object",
        "additionalProperties": {"anyOf": [ref("userToken"), ref("defaultToken"),
                                           ref("configToken")]}}
    d["operation"] = {
        "description": "HTTP method (any letter case).", "type": "string",
        "pattern": ci_exact("get", "put", "post", "delete", "options", "head", "patch",
                            "trace")}
    d["path"] = {"description": "The API path, as in paths (starts with '/'); {name} "
                                "placeholders are path parameters.",
                 "type": "string", "pattern": "^/"}
    d["items"] = {"description": "Where the list sits in a wrapped answer: a dotted path "
                                 "like albums.items (§5.5).", "type": "string",
                  "minLength": 1}
    d["example"] = {
        "description": "Example mode (§8): true, false, or {response: <status>, examples: "
                       "<name>}.",
        "anyOf": [{"type": "boolean"},
                  mark("Which response example to answer with.",
                       {"response": {"description": "A status code of the operation's "
                                                    "responses.",
                                     "type": ["string", "integer"], "minLength": 1},
                        "examples": {"description": "The name of a named example.",
                                     "type": ["string", "number", "integer"],
                                     "minLength": 1}})]}
    framing = ["Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE"]
    d["headers"] = {
        "description": "Fixed headers sent on every call (§13.8): header name -> text.",
        "type": "object",
        "propertyNames": {"pattern": TOKEN, "not": {"pattern": ci_exact(*framing)}},
        "additionalProperties": {"type": ["string", "number", "integer", "boolean"],
                                 "pattern": "^[^\\r\\n]*$"}}
    reserved = ["Authorization", "Content-Type", "Content-Length", "Host", "Cookie",
                "Accept", "Expect", "Transfer-Encoding"]
    d["idempotencyKey"] = {
        "description": "Retries (§13.4): the header that carries a key unique to the call "
                       "(e.g. Idempotency-Key), so a POST or PATCH may be retried.",
        "type": "string", "pattern": TOKEN, "not": {"pattern": ci_exact(*reserved)}}
    d["emptyAs"] = {
        "description": "How properties Flow left empty are sent (§13.2): omit, null or "
                       "empty (default: omit for PATCH, else empty).",
        "enum": ["omit", "null", "empty", None]}
    d["exclude"] = {
        "description": "Properties not sent in the update body: a list of names, or name "
                       "-> true/false.",
        "anyOf": [{"type": "array", "items": NONEMPTY},
                  {"type": "object", "additionalProperties": {"type": "boolean"}}]}
    styles = ["offset", "page", "cursor", "next-url", "link"]

    def style_is(*ss):
        return {"anyOf": [{"required": ["style"], "properties": {"style": {
            "pattern": ci_exact(*ss)}}},
            {"patternProperties": {ci_exact("style"): {"pattern": ci_exact(*ss)}}}]}

    def style_needs(s, *keys):
        return {"if": {"properties": {"style": {"pattern": ci_exact(s)}},
                       "required": ["style"]},
                "then": {"allOf": [has_key(k) for k in keys]}}
    path_desc = ("a path into the answer: dotted names, [N] for an element, [-1] for the "
                 "last one")
    d["paging"] = mark(
        "How the operation pages (§12.1).",
        {"style": {"description": "offset | page | cursor | next-url | link",
                   "type": "string", "pattern": ci_exact(*styles)},
         "limit": {"description": "API query parameter for the page size.", **NONEMPTY},
         "maxLimit": {"description": "Largest page the API gives (default: the limit "
                                     "parameter's schema maximum).", **WHOLE},
         "pageSize": {"description": "Style page without a limit parameter: the API's "
                                     "fixed page size.", **WHOLE},
         "offset": {"description": "Style offset: API parameter for the items to skip.",
                    **NONEMPTY},
         "page": {"description": "Style page: API parameter for the page number.",
                  **NONEMPTY},
         "firstPage": {"description": "Style page: number of the first page (default 1).",
                       "anyOf": [{"type": "integer", "minimum": 0},
                                 {"type": "string", "pattern": "^[0-9]+$"}]},
         "cursor": {"description": "Style cursor: API parameter that takes the cursor.",
                    **NONEMPTY},
         "nextCursor": {"description": "Style cursor: where the next cursor is in the "
                                       "answer, " + path_desc + ".", **NONEMPTY},
         "next": {"description": "Style next-url: where the next page's URL is in the "
                                 "answer, " + path_desc + ".", **NONEMPTY},
         "nextPath": {"description": "next-url, link: 'any' lets next URLs change path "
                                     "(default: same).", "type": "string",
                      "pattern": ci_exact("same", "any")},
         "hasMore": {"description": "A boolean in the answer; false = last page (" +
                                    path_desc + ").", **NONEMPTY},
         "total": {"description": "The total count in the answer (" + path_desc +
                                  "), or header:<Name>.", **NONEMPTY,
                   "anyOf": [{"not": {"pattern": "^" + ci("header:")}},
                             {"pattern": "^" + ci("header:") + " *" + TOKEN[1:]}]}},
        required=["style"],
        extra=[style_needs("offset", "offset"), style_needs("page", "page"),
               {"if": {"properties": {"style": {"pattern": ci_exact("page")}},
                       "required": ["style"]},
                "then": {"anyOf": [has_key("limit"), has_key("pageSize")]}},
               style_needs("cursor", "cursor", "nextCursor"),
               style_needs("next-url", "next")])
    del style_is
    common = {"path": ref("path"), "operation": ref("operation"), "example": ref("example"),
              "headers": ref("headers")}
    descs = {
        "query": "Load without an id: the API operation that lists objects of this type "
                 "(§5.3).",
        "load": "Load by id (listFilter.id): the API operation that reads one object, or "
                "the list an id selects (§5.3).",
        "save": "Save of an object without an external ID: the API operation that creates "
                "it (§5.3).",
        "update": "Save of an object with an external ID: the API operation that updates "
                  "it (§5.3).",
        "delete": "Delete: the API operation that deletes one object (§5.3)."}
    for op in CRUD:
        props = dict(common)
        props["parameters"] = ref({"query": "queryParameters", "load": "loadParameters"}
                                  .get(op, "writeParameters"))
        extra = None
        if op in ("query", "load"):
            props["items"] = ref("items")
            props["paging"] = ref("paging")
            # §12.1: a paging mark and the limit / offset tokens: one or the other
            extra = [{"if": has_key("paging"), "then": {"patternProperties": {
                ci_exact("parameters"): {"additionalProperties": {"not": {
                    "type": "string", "pattern": ci_exact("limit", "offset")}}}}}}]
        if op == "update":
            props["exclude"] = ref("exclude")
        if op in ("save", "update", "delete"):
            props["idempotencyKey"] = ref("idempotencyKey")
        if op in ("save", "update"):
            props["emptyAs"] = ref("emptyAs")
        d["x-flow-" + op] = mark("x-flow-" + op + ": " + descs[op], props,
                                 required=["path", "operation"], extra=extra)
    d["x-flow-type"] = mark(
        "x-flow-type: makes this schema a Flow type (§5.1).",
        {"name": {"description": "The Flow type's developer name.", **NONEMPTY},
         "externalId": {"description": "The ID property (default: a property named id), or "
                                       "a list of properties whose values joined by '/' are "
                                       "the external ID (§13.9).",
                        "anyOf": [NONEMPTY, {"type": "array", "items": NONEMPTY,
                                             "minItems": 1, "maxItems": 16,
                                             "uniqueItems": True}]},
         "customProperties": {"description": "Extra properties the API schema does not "
                                             "declare: name -> string, number, integer, "
                                             "boolean or date-time.",
                              "type": "object",
                              "additionalProperties": {
                                  "type": "string",
                                  "pattern": ci_exact("string", "number", "integer",
                                                      "boolean", "date-time")}}},
        required=["name"])
    url = {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/]"}
    token_reserved = ["grant_type", "scope", "client_id", "client_secret",
                      "client_assertion", "client_assertion_type"]
    d["x-flow-identity"] = mark(
        "x-flow-identity: sign-in with this security scheme (http basic, oauth2, "
        "openIdConnect; §9), or how client-credentials token requests are made (§13.6).",
        {"me": mark("Who the signed-in user is.",
                    {"defaultUrl": {"description": "Basic: a URL to check the credentials "
                                                   "at.", **url},
                     "userInfoUrl": {"description": "A URL answering the user's profile.",
                                     **url},
                     "firstName": {"description": "Profile field with the first name.",
                                   **NONEMPTY},
                     "lastName": {"description": "Profile field with the last name.",
                                  **NONEMPTY},
                     "email": {"description": "Profile field with the e-mail.", **NONEMPTY},
                     "username": {"description": "Profile field with the user name.",
                                  **NONEMPTY},
                     "userId": {"description": "Profile field with the user ID.",
                                **NONEMPTY}}),
         "scope": {"description": "Space-separated scopes to ask for.", **NONEMPTY},
         "clientAuthentication": {"description": "How the token endpoint authenticates the "
                                                 "client.",
                                  "enum": ["client_secret_post", "client_secret_basic"]},
         "tokenParameters": {"description": "Extra form fields of the token request "
                                            "(audience: ...).",
                             "type": "object",
                             "propertyNames": {"minLength": 1,
                                               "not": {"enum": token_reserved}},
                             "additionalProperties": SCALAR}})
    d["x-flow-action"] = {
        "description": "x-flow-action: make this operation a message action (§14.1): true, "
                       "false, or settings.",
        "anyOf": [{"type": "boolean"},
                  mark("The action's settings.",
                       {"name": {"description": "The action's name.", **NONEMPTY},
                        "summary": {"description": "The action's summary.", **NONEMPTY},
                        "parameters": ref("actionParameters"),
                        "example": ref("example"), "emptyAs": ref("emptyAs"),
                        "headers": ref("headers"), "idempotencyKey": ref("idempotencyKey")})]}
    d["x-flow-actions"] = {
        "description": "x-flow-actions: all: every operation here (root: the document; "
                       "path item: its operations) that no CRUD mark uses becomes an action.",
        "type": "string", "pattern": ci_exact("all")}
    # where the marks stand
    known_schema = ["x-flow-type"] + ["x-flow-" + o for o in CRUD]
    schema_props = {k: ref(k) for k in known_schema}
    d["schema"] = {
        "description": "A schema object: x-flow-type and the CRUD marks; nested schemas.",
        "type": ["object", "boolean"],
        "properties": dict(schema_props, **{
            "properties": {"type": "object", "additionalProperties": ref("schema")},
            "items": {"anyOf": [ref("schema"), {"type": "array",
                                                "items": ref("schema")}]},
            "additionalProperties": ref("schema"),
            "allOf": {"type": "array", "items": ref("schema")},
            "anyOf": {"type": "array", "items": ref("schema")},
            "oneOf": {"type": "array", "items": ref("schema")},
            "not": ref("schema")}),
        "patternProperties": dict({ci_exact(k): ref(k) for k in known_schema},
                                  **{"^" + ci("x-flow-"): {"not": {}}}),
        "propertyNames": {"not": {"pattern": ci_exact("x-flow-action", "x-flow-actions",
                                                      "x-flow-identity")}}}
    d["schema"]["patternProperties"] = {
        "^" + ci("x-flow-"): {"description": "unknown or misplaced x-flow mark"},
        **{ci_exact(k): ref(k) for k in known_schema}}
    d["schema"]["propertyNames"] = {
        "anyOf": [{"not": {"pattern": "^" + ci("x-flow-")}},
                  {"pattern": ci_exact(*known_schema)}]}
    content = {"type": "object", "additionalProperties": {
        "type": "object", "properties": {"schema": ref("schema")}}}
    d["content"] = content
    d["operationObject"] = {
        "description": "An operation object: x-flow-action, and CRUD marks (which belong to "
                       "the type of its 200/201 JSON response).",
        "type": "object",
        "properties": dict({k: ref(k) for k in ["x-flow-" + o for o in CRUD]},
                           **{"x-flow-action": ref("x-flow-action"),
                              "requestBody": {"type": "object",
                                              "properties": {"content": ref("content")}},
                              "responses": {"type": "object", "additionalProperties": {
                                  "type": "object",
                                  "properties": {"content": ref("content")}}}}),
        "patternProperties": {ci_exact(k): ref(k) for k in
                              ["x-flow-" + o for o in CRUD] + ["x-flow-action"]},
        "propertyNames": {"anyOf": [{"not": {"pattern": "^" + ci("x-flow-")}},
                                    {"pattern": ci_exact(*(["x-flow-" + o for o in CRUD] +
                                                           ["x-flow-action"]))}]}}
    methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
    d["pathItem"] = {
        "description": "A path item: x-flow-actions: all; its operations.",
        "type": "object",
        "properties": dict({m: ref("operationObject") for m in methods},
                           **{"x-flow-actions": ref("x-flow-actions")}),
        "patternProperties": {ci_exact("x-flow-actions"): ref("x-flow-actions")},
        "propertyNames": {"anyOf": [{"not": {"pattern": "^" + ci("x-flow-")}},
                                    {"pattern": ci_exact("x-flow-actions")}]}}
    d["securityScheme"] = {
        "description": "A security scheme: x-flow-identity.",
        "type": "object",
        "properties": {"x-flow-identity": ref("x-flow-identity")},
        "patternProperties": {ci_exact("x-flow-identity"): ref("x-flow-identity")},
        "propertyNames": {"anyOf": [{"not": {"pattern": "^" + ci("x-flow-")}},
                                    {"pattern": ci_exact("x-flow-identity")}]}}
    return d


def root(defs_):
    return {
        "title": "openapi-connector x-flow-* marks",
        "description": "An OpenAPI 3.0/3.1 document, checked only for its x-flow-* "
                       "extensions (openapi-connector, README 'x-flow-*').",
        "type": "object",
        "properties": {
            "x-flow-actions": ref("x-flow-actions"),
            "paths": {"type": "object", "additionalProperties": ref("pathItem")},
            "webhooks": {"type": "object", "additionalProperties": ref("pathItem")},
            "components": {"type": "object", "properties": {
                "schemas": {"type": "object",
                            "properties": {"securitySchemes": {
                                "description": "Misplaced securitySchemes (accepted, "
                                               "with a warning).",
                                "type": "object",
                                "additionalProperties": ref("securityScheme")}},
                            "additionalProperties": ref("schema")},
                "securitySchemes": {"type": "object",
                                    "additionalProperties": ref("securityScheme")},
                "pathItems": {"type": "object", "additionalProperties": ref("pathItem")},
                "responses": {"type": "object", "additionalProperties": {
                    "type": "object", "properties": {"content": ref("content")}}},
                "requestBodies": {"type": "object", "additionalProperties": {
                    "type": "object", "properties": {"content": ref("content")}}}}}},
        "patternProperties": {ci_exact("x-flow-actions"): ref("x-flow-actions")},
        "propertyNames": {"anyOf": [{"not": {"pattern": "^" + ci("x-flow-")}},
                                    {"pattern": ci_exact("x-flow-actions")}]},
        "$defs": defs_}


def to_draft07(node):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$defs":
                out["definitions"] = to_draft07(v)
            elif k == "$ref" and isinstance(v, str):
                out[k] = v.replace("#/$defs/", "#/definitions/")
            else:
                out[k] = to_draft07(v)
        return out
    if isinstance(node, list):
        return [to_draft07(x) for x in node]
    return node


def documents():
    s = root(defs())
    a = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    a.update(s)
    b = {"$schema": "http://json-schema.org/draft-07/schema#"}
    b.update(to_draft07(s))
    return {"x-flow.schema.json": a, "x-flow.draft-07.schema.json": b}


def main(argv):
    check = len(argv) > 1 and argv[1] == "--check"
    args = argv[2:] if check else argv[1:]
    outdir = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "..", "data")
    bad = 0
    for name, doc in documents().items():
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        path = os.path.join(outdir, name)
        if check:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    print("%s differs from scripts/x-flow-schema.py's output" % path)
                    bad = 1
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
