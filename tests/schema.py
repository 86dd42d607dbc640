#!/usr/bin/env python3
"""tests/schema.py - the JSON Schemas of the x-flow-* marks (product.md §15.2), run by
tests/schema.sh.

1. data/x-flow.schema.json (draft 2020-12) and data/x-flow.draft-07.schema.json are valid
   schemas of their drafts, and what scripts/x-flow-schema.py writes;
2. every example and test OpenAPI document validates against both;
3. every invalid compile case fails validation against both, unless it is listed in
   NOT_MARKS below (with the reason a schema cannot see its error); a listed case that
   fails validation is an error too (the list is kept exact);
4. the marks that the tree's overlays write (product.md §15.1): each action's `update` of
   bench/*.overlay.yaml and examples/*.overlay.yaml that holds an x-flow-* key validates
   against both where its target puts it (a schema of components.schemas, an operation, a
   path item, a security scheme, the root); the overlays of compile cases are checked
   through their case's document after them (after_overlays).

Exit 0 pass, 1 fail, 77 skip (python3-jsonschema or python3-yaml missing)."""
import datetime
import glob
import json
import os
import re
import subprocess
import sys

try:
    import jsonschema
except ImportError as e:
    print("SKIP: python3's jsonschema module is missing (Debian: python3-jsonschema): %s" % e)
    sys.exit(77)
if not hasattr(jsonschema, "Draft202012Validator"):
    print("SKIP: python3's jsonschema %s predates draft 2020-12 (4.0 or later needed)" %
          getattr(jsonschema, "__version__", "?"))
    sys.exit(77)
try:
    import yaml
except ImportError as e:
    print("SKIP: python3's yaml module is missing (Debian: python3-yaml): %s" % e)
    sys.exit(77)

SRC = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# tests/data/compile/invalid cases whose errors a schema of the marks cannot see: each
# error is about the rest of the document, about what the marks refer to (a property, a
# parameter, an operation, an example), or about two marks together.
NOT_MARKS = {
    "action-clashes": "slugs, generated type names and request-body media types of the "
                      "operations, not the marks' keys",
    "action-form-freeform": "the operation's form body declares no properties",
    "action-form-scalar": "the operation's form body is not an object",
    "action-trace-mark": "x-flow-action on a TRACE operation is well formed; the method "
                         "is the error",
    "allof-wrapper-depth": "allOf nesting depth of the schemas",
    "bad-externalid": "externalId names a property the type does not have",
    "bad-version": "the document's openapi version",
    "body-media-unsupported": "the operation's request body media types",
    "body-multipart-file": "file properties of the operation's multipart body",
    "crud-without-type": "a CRUD mark on a schema without x-flow-type: the schema cannot "
                         "tell a type's schema from any other's (the compiler can)",
    "infer-crud-without-type": "the same as crud-without-type, compiled with --infer "
                               "(issue 17)",
    "example-external-value": "the operation's response examples (externalValue)",
    "example-missing-name": "the named example is not among the operation's examples",
    "example-missing-response": "the status code is not among the operation's responses",
    "example-none": "the operation has no response example",
    "helper-name-collision": "two types with the same generated name",
    "identity-basic-no-url": "me needs defaultUrl or userInfoUrl only on an http basic "
                             "scheme: depends on the scheme, not the mark",
    "identity-oidc-unreachable": "scope needed on openIdConnect schemes, and the discovery "
                                 "document cannot be downloaded",
    # inline documents (issue 17, §15.4)
    "inline-allow-host": "the hosts of the server and token URLs (--allow-host)",
    "inline-offline": "$refs, externalValue, openIdConnectUrl and servers under --offline",
    "identity-on-apikey": "x-flow-identity on an apiKey scheme: well formed, wrong scheme "
                          "type",
    "malformed-yaml": "the document is not YAML",
    "missing-server": "the document has no server URL",
    "name-collision": "two x-flow-type marks with the same name",
    "not-openapi": "the document has no openapi field",
    "ref-cycle-crossfile": "a circular $ref between files",
    "ref-missing-target": "a $ref to nothing",
    "servers-over-64": "the servers' variables",
    "servers-variable-not-in-enum": "a --server-variable value",
    "swagger-2": "a Swagger 2.0 document",
    "unbound-path-param": "a {placeholder} of path with no binding in parameters: the "
                          "schema does not parse paths",
    # overlays (§15.1): errors in the overlay itself, not in marks
    "overlay-jsonpath": "the overlay's JSONPath targets (a slice, a function)",
    "overlay-merge-conflict": "an overlay update that cannot merge with the document",
    "overlay-refused": "the overlay's Overlay version",
}


# tests/data/paging/invalid cases a schema cannot see: the API parameter or answer
# property the mark names is missing or of the wrong type, or a key is written twice.
NOT_MARKS_PAGING = {
    "cursor-date": "the cursor parameter's schema has a date format",
    "duplicate-key": "style and Style: YAML keeps both, the schema sees two keys",
    "hasmore-not-boolean": "the answer's has_more property is a string",
    "next-not-string": "the answer's next property is an object",
    "param-in-header": "the limit parameter is declared in a header",
    "param-not-declared": "the operation declares no such parameter",
    "param-not-integer": "the page parameter's schema is not an integer",
    "path-names-nothing": "the answer has no such property",
    "total-not-number": "the answer's total property is a string",
}

# Valid documents whose marks draw a compile warning (an unknown key, a misplaced mark):
# the schema flags what the compiler warns about, so these must FAIL validation.
WARNS = {
    "tests/data/compile/valid/action-basic/spec.yaml": "x-flow-action on a schema",
    "tests/data/compile/valid/unknown-key-warning/spec.yaml": "unknown key in x-flow-query",
    "tests/data/paging/valid/mark-unknown-key/spec.yaml": "unknown key in paging",
}

PLACEHOLDERS = {"CLIENT_AUTH": "client_secret_basic", "PAD": "pad"}


# Small documents that pin the rules down (YAML text, must it validate?).
HEAD = "openapi: 3.0.3\ncomponents:\n  schemas:\n    Pet:\n"
SNIPPETS = [
    ("keys and methods in any letter case", True, HEAD +
     "      x-flow-type: {Name: Pet}\n"
     "      X-Flow-Query: {PATH: /pets, Operation: Get, Paging: {STYLE: Offset, offset: o}}\n"),
    ("a CRUD mark without operation", False, HEAD +
     "      x-flow-type: {name: Pet}\n      x-flow-query: {path: /pets}\n"),
    ("an unknown key in a mark", False, HEAD +
     "      x-flow-type: {name: Pet, colour: red}\n"),
    ("an unknown x-flow extension on a schema", False, HEAD +
     "      x-flow-type: {name: Pet}\n      x-flow-typo: {}\n"),
    ("a mark on a nested property", False, HEAD +
     "      type: object\n      properties:\n        owner:\n"
     "          x-flow-type: {nom: Owner}\n"),
    ("{config:} of a real value, $User field, {property: id}", True, HEAD +
     "      x-flow-type: {name: Pet}\n      x-flow-save:\n        path: /pets/{id}\n"
     "        operation: put\n        parameters: {k: {config: ' api key '}, "
     "u: $user.email, id: {property: id}, c: {default: 3}}\n"),
    ("a list-filter word in a save", False, HEAD +
     "      x-flow-type: {name: Pet}\n      x-flow-save: {path: /pets, operation: post, "
     "parameters: {n: limit}}\n"),
    ("paging style page without a page size", False, HEAD +
     "      x-flow-type: {name: Pet}\n      x-flow-query: {path: /pets, operation: get, "
     "paging: {style: page, page: p}}\n"),
    ("paging total from a header", True, HEAD +
     "      x-flow-type: {name: Pet}\n      x-flow-query: {path: /pets, operation: get, "
     "paging: {style: page, page: p, pageSize: 20, total: 'header: X-Total-Count'}}\n"),
    ("x-flow-actions other than all", False, "openapi: 3.1.0\nx-flow-actions: some\n"),
    ("x-flow-action on an operation, x-flow-actions on a path item", True,
     "openapi: 3.1.0\npaths:\n  /a:\n    x-flow-actions: ALL\n    post:\n"
     "      x-flow-action: {name: Adopt, parameters: {v: {default: 1}}}\n"),
    ("an action parameter bound to a property", False,
     "openapi: 3.1.0\npaths:\n  /a:\n    post:\n"
     "      x-flow-action: {parameters: {v: name}}\n"),
    ("x-flow-identity me with a relative URL", False,
     "openapi: 3.0.3\ncomponents:\n  securitySchemes:\n    b:\n      type: http\n"
     "      x-flow-identity: {me: {defaultUrl: /me}}\n"),
]


def plain(node):
    """YAML's values as JSON's: keys as text, dates as text."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if isinstance(k, bool):
                k = "true" if k else "false"
            elif k is None:
                k = "null"
            out[str(k)] = plain(v)
        return out
    if isinstance(node, list):
        return [plain(x) for x in node]
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return node


def load(path, text=None):
    if text is None:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    if path.endswith(".json"):
        return json.loads(text)
    return plain(yaml.safe_load(text))


def after_overlays(case_dir, doc):
    """Overlays (§15.1): a compile case whose `options` file passes --overlay is the
    document after them (openapi-connector-compile --print-document, when built); an
    overlay that fails leaves the document as written."""
    opts = os.path.join(case_dir, "options")
    if not os.path.exists(opts):
        return doc
    with open(opts, encoding="utf-8") as f:
        ovs = [l[len("--overlay "):].strip() for l in f if l.startswith("--overlay ")]
    cc = os.path.join(os.environ.get("top_builddir", SRC), "src/compile/openapi-connector-compile")
    if not ovs or not os.access(cc, os.X_OK):
        return doc
    argv = [cc, "--print-document"]
    for o in ovs:
        argv += ["--overlay", os.path.join(case_dir, o)]
    spec = os.path.join(case_dir, "spec.yaml")
    p = subprocess.run(argv + [spec if os.path.exists(spec) else spec[:-4] + "json"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return json.loads(p.stdout) if p.returncode == 0 else doc


def fill_placeholders(text):
    """A .yaml.in's @NAME@ placeholders, crudely: a URL where a URL is written."""
    return re.sub(r"@([A-Za-z_][A-Za-z0-9_]*)@",
                  lambda m: PLACEHOLDERS.get(m.group(1), "http://127.0.0.1:9"), text)


def errors(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))


def where(e):
    return "/".join(str(p) for p in e.absolute_path) or "(root)"


def patterns_of(node):
    """Every regex in schema NODE (pattern values, patternProperties keys)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                yield v
            if k == "patternProperties" and isinstance(v, dict):
                yield from v
            yield from patterns_of(v)
    elif isinstance(node, list):
        for x in node:
            yield from patterns_of(x)


def main():
    fails = 0
    with open(os.path.join(SRC, "data", "x-flow.schema.json"), encoding="utf-8") as f:
        s2020 = json.load(f)
    with open(os.path.join(SRC, "data", "x-flow.draft-07.schema.json"), encoding="utf-8") as f:
        s07 = json.load(f)
    for name, cls, s in (("x-flow.schema.json", jsonschema.Draft202012Validator, s2020),
                         ("x-flow.draft-07.schema.json", jsonschema.Draft7Validator, s07)):
        try:
            cls.check_schema(s)
            print("ok: data/%s is a valid %s schema" % (name, cls.__name__))
        except jsonschema.SchemaError as e:
            print("FAIL: data/%s is not a valid schema: %s" % (name, e.message))
            fails += 1
    if s07.get("definitions") is None or "$defs" in json.dumps(s07) or \
       "unevaluatedProperties" in json.dumps(s07):
        print("FAIL: the draft-07 file uses 2020-12 keywords")
        fails += 1
    # editors compile patterns as ECMA-262 regexes with the u flag, where an escape of
    # anything but a syntax character (\-, \_ ...) is an error: allow only these
    for name, s in (("x-flow.schema.json", s2020), ("x-flow.draft-07.schema.json", s07)):
        for pat in patterns_of(s):
            for esc in re.findall(r"\\(.)", pat):
                if esc not in "\\^$.*+?()[]{}|/rnt":
                    print("FAIL: data/%s: pattern %r escapes %r (invalid with the u flag)" %
                          (name, pat, esc))
                    fails += 1
    gen = subprocess.run([sys.executable, os.path.join(SRC, "scripts", "x-flow-schema.py"),
                          "--check", os.path.join(SRC, "data")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if gen.returncode:
        print("FAIL: data/ is not what scripts/x-flow-schema.py writes:\n" + gen.stdout)
        fails += 1
    validators = (("2020-12", jsonschema.Draft202012Validator(s2020)),
                  ("draft-07", jsonschema.Draft7Validator(s07)))

    # 2. documents that must validate
    patterns = ["examples/*.yaml", "bench/*.yaml", "tests/integration/*.yaml",
                "tests/integration/*.yaml.in", "tests/data/compile/valid/*/*.yaml",
                "tests/data/compile/valid/*/*.json", "tests/data/paging/valid/*/*.yaml",
                "tests/data/requests/*.yaml", "tests/data/requests/*/*.yaml",
                "tests/data/examples/*/*.yaml", "tests/data/mapping/*/*.yaml",
                "tests/data/filter/*.yaml", "tests/data/filter/*/*.yaml"]
    docs = sorted({p for pat in patterns for p in glob.glob(os.path.join(SRC, pat))})
    good = warned = total = 0
    for path in docs:
        rel = os.path.relpath(path, SRC)
        try:
            if path.endswith(".in"):
                with open(path, encoding="utf-8") as f:
                    doc = load(path[:-3], fill_placeholders(f.read()))
            else:
                doc = after_overlays(os.path.dirname(path), load(path))
        except (yaml.YAMLError, ValueError) as e:
            print("FAIL: %s: cannot load: %s" % (rel, str(e).splitlines()[0]))
            fails += 1
            continue
        if not isinstance(doc, dict) or "openapi" not in doc:
            continue   # not an OpenAPI document (a data file)
        total += 1
        if rel in WARNS:
            if all(errors(v, doc) for _, v in validators):
                warned += 1
            else:
                print("FAIL: %s passes validation, but its marks draw a warning (%s)" %
                      (rel, WARNS[rel]))
                fails += 1
            continue
        ok = True
        for draft, v in validators:
            for e in errors(v, doc)[:5]:
                print("FAIL: %s (%s): %s: %s" % (rel, draft, where(e), e.message[:300]))
                ok = False
        if ok:
            good += 1
        else:
            fails += 1
    for rel in sorted(set(WARNS) - {os.path.relpath(p, SRC) for p in docs}):
        print("FAIL: WARNS lists %s, which is not a document" % rel)
        fails += 1
    print("valid documents: %d of %d OpenAPI documents validate against both schemas; "
          "%d with warnings about marks fail it, as they must" % (good, total, warned))
    if total < 100:
        print("FAIL: only %d documents found under %s" % (total, SRC))
        fails += 1

    # the rules themselves
    pinned = 0
    for what, valid, text in SNIPPETS:
        doc = plain(yaml.safe_load(text))
        for draft, v in validators:
            errs = errors(v, doc)
            if bool(errs) == valid:
                print("FAIL: %s (%s): expected %s%s" %
                      (what, draft, "valid" if valid else "invalid",
                       ": " + errs[0].message[:200] if errs else ""))
                fails += 1
            else:
                pinned += 1
    print("rules: %d of %d snippet checks as expected" % (pinned, 2 * len(SNIPPETS)))

    # 3. invalid compile and paging cases
    fails += invalid_cases(validators, "tests/data/compile/invalid", "errors", NOT_MARKS)
    fails += invalid_cases(validators, "tests/data/paging/invalid", "error",
                           NOT_MARKS_PAGING)
    fails += overlay_marks(validators)
    return 1 if fails else 0


# 4. Overlays (issue 17): where an action's update lands, from its target.
OVERLAY_PATTERNS = ["bench/*.overlay.yaml", "examples/*.overlay.yaml", "examples/*.overlay.json",
                    "tests/data/*/valid/*/*.yaml", "tests/data/*/valid/*/*.json",
                    "tests/data/overlay/*.yaml", "tests/data/overlay/valid/*/*.yaml"]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def jsonpath_segments(target):
    """A JSONPath's segments as text: '$', names, '[...]' selectors, '..' for descendant."""
    segs, i, n = [], 1, len(target)
    if not target.startswith("$"):
        return None
    segs.append("$")
    while i < n:
        if target.startswith("..", i):
            segs.append("..")
            i += 2
            continue
        if target[i] == ".":
            i += 1
            j = i
            while j < n and target[j] not in ".[":
                j += 1
            segs.append(target[i:j])
            i = j
            continue
        if target[i] == "[":
            depth, j, quote = 0, i, None
            while j < n:
                c = target[j]
                if quote:
                    if c == "\\":
                        j += 1
                    elif c == quote:
                        quote = None
                elif c in "'\"":
                    quote = c
                elif c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            segs.append(target[i:j + 1])
            i = j + 1
            continue
        j = i
        while j < n and target[j] not in ".[":
            j += 1
        segs.append(target[i:j])
        i = j
    return segs


def overlay_place(target):
    """root, schema, scheme, pathitem, operation, or None (somewhere else)."""
    segs = jsonpath_segments(target.strip()) if isinstance(target, str) else None
    if not segs:
        return None
    name = lambda s: s.strip("[]'\"") if s.startswith("[") else s
    if segs == ["$"]:
        return "root"
    if ".." in segs:
        return "operation" if "operationId" in segs[-1] and segs[-1].startswith("[?") else None
    if len(segs) == 4 and segs[1] == "components" and segs[2] == "schemas":
        return "schema"
    if len(segs) == 4 and segs[1] == "components" and segs[2] == "securitySchemes":
        return "scheme"
    if len(segs) >= 3 and segs[1] == "paths":
        if len(segs) == 3:
            return "pathitem"
        if len(segs) == 4 and (name(segs[3]).lower() in METHODS or segs[3].startswith("[?") or
                               segs[3] in ("*", "[*]")):
            return "operation"
    return None


def has_xflow(node):
    if isinstance(node, dict):
        return any((isinstance(k, str) and k.lower().startswith("x-flow")) or has_xflow(v)
                   for k, v in node.items())
    if isinstance(node, list):
        return any(has_xflow(x) for x in node)
    return False


def wrap(place, update):
    doc = {"openapi": "3.0.3"}
    if place == "root":
        doc.update(update)
    elif place == "schema":
        doc["components"] = {"schemas": {"Overlaid": update}}
    elif place == "scheme":
        doc["components"] = {"securitySchemes": {"overlaid": update}}
    elif place == "pathitem":
        doc["paths"] = {"/overlaid": update}
    else:
        doc["paths"] = {"/overlaid": {"get": update}}
    return doc


def case_overlays():
    """The overlay files of compile cases (their `options`): those cases are validated as
    documents after their overlays (after_overlays), not action by action here (a mark may
    be completed or removed by a later action)."""
    covered = set()
    for opts in glob.glob(os.path.join(SRC, "tests/data/*/*/*/options")):
        case = os.path.dirname(opts)
        with open(opts, encoding="utf-8") as f:
            covered.update(os.path.normpath(os.path.join(case, l.split(None, 1)[1].strip()))
                           for l in f if l.startswith("--overlay") and len(l.split(None, 1)) == 2)
    return covered


def overlay_marks(validators):
    covered = case_overlays()
    fails = checked = skipped = nfiles = 0
    files = sorted({p for pat in OVERLAY_PATTERNS for p in glob.glob(os.path.join(SRC, pat))})
    for path in files:
        if os.path.normpath(path) in covered:
            continue
        rel = os.path.relpath(path, SRC)
        try:
            ov = load(path)
        except (yaml.YAMLError, ValueError):
            continue
        if not isinstance(ov, dict) or "overlay" not in ov or \
           not isinstance(ov.get("actions"), list):
            continue
        nfiles += 1
        for k, a in enumerate(ov["actions"]):
            if not isinstance(a, dict) or not isinstance(a.get("update"), dict) or \
               not has_xflow(a["update"]):
                continue
            place = overlay_place(a.get("target"))
            if place is None:
                skipped += 1
                print("note: %s: action %d (%s): cannot tell where its marks land; not "
                      "validated" % (rel, k + 1, a.get("target")))
                continue
            doc = wrap(place, a["update"])
            for draft, v in validators:
                for e in errors(v, doc)[:3]:
                    print("FAIL: %s: action %d (%s, %s) (%s): %s: %s" %
                          (rel, k + 1, a.get("target"), place, draft, where(e),
                           e.message[:300]))
                    fails += 1
            checked += 1
    print("overlays: %d files, %d updates with marks validated against both where their "
          "targets put them, %d not placed" % (nfiles, checked, skipped))
    if not any(os.path.relpath(p, SRC) == "bench/github-100.overlay.yaml" for p in files) \
       or checked < 100:
        print("FAIL: expected the updates of bench/github-100.overlay.yaml (100) and more")
        fails += 1
    return fails


def invalid_cases(validators, top, expected, not_marks):
    fails = 0
    cases = sorted(os.path.basename(os.path.dirname(p)) for p in
                   glob.glob(os.path.join(SRC, top, "*", expected)))
    if not cases:
        print("FAIL: no cases under %s" % top)
        return 1
    rejected = listed = 0
    for case in cases:
        path = os.path.join(SRC, top, case, "spec.yaml")
        try:
            doc = after_overlays(os.path.dirname(path), load(path))
            results = [bool(errors(v, doc)) for _, v in validators]
        except (yaml.YAMLError, ValueError):
            results = None   # not YAML: nothing to validate
        if case in not_marks:
            if results and any(results):
                print("FAIL: %s/%s is listed as not about marks (%s), but fails "
                      "validation: take it off the list" % (top, case, not_marks[case]))
                fails += 1
            else:
                listed += 1
            continue
        if results is None:
            print("FAIL: %s/%s: cannot load spec.yaml" % (top, case))
            fails += 1
        elif all(results):
            rejected += 1
        else:
            print("FAIL: %s/%s: its marks pass validation (%s) and it is not on the "
                  "list of cases a schema cannot see" % (top, case, ", ".join(d for (d, _), r in zip(validators, results)
                                                 if not r)))
            fails += 1
    for case in sorted(set(not_marks) - set(cases)):
        print("FAIL: the list for %s names %s, which is not a case" % (top, case))
        fails += 1
    print("%s: %d of %d cases fail validation against both; %d listed as not about "
          "marks" % (top, rejected, len(cases), listed))
    return fails


if __name__ == "__main__":
    sys.exit(main())
