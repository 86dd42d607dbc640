#!/usr/bin/env python3
"""mark-github.py - decorate GitHub's OpenAPI description for bench/run's describe row.

Usage: bench/mark-github.py IN.json OUT.json [COUNT]

Adds `x-flow-type: {name: <schema key>}` to the first COUNT (default 50) schemas of
components.schemas, in document order, whose schema is an object with properties
(`type: object`, or a 3.1 type list holding "object", and a non-empty `properties` map),
skipping keys that would not make a good type name for the compiler (empty, or holding
`:` - the separator of generated helper types `<Parent>:<property>` - or whitespace or
control characters). Nothing else changes: the document is written back as JSON with
the input's key order and an indent of 2 (as octokit's generated/api.github.com.json).

Deterministic: the same input gives the same output, byte for byte. Prints the decorated
names, one per line, on stderr (with -q: nothing). Exit status 0 ok, 1 fewer than COUNT
schemas qualify, 2 usage or I/O error.
"""
import json
import sys


def is_object_with_properties(schema):
    if not isinstance(schema, dict):
        return False
    t = schema.get("type")
    if not (t == "object" or (isinstance(t, list) and "object" in t)):
        return False
    props = schema.get("properties")
    return isinstance(props, dict) and len(props) > 0


def good_type_name(key):
    return (isinstance(key, str) and key != "" and ":" not in key
            and not any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in key))


def main(argv):
    args = [a for a in argv[1:] if a != "-q"]
    quiet = len(args) != len(argv) - 1
    if len(args) not in (2, 3):
        sys.stderr.write("usage: mark-github.py [-q] IN.json OUT.json [COUNT]\n")
        return 2
    src, dst = args[0], args[1]
    try:
        count = int(args[2]) if len(args) == 3 else 50
    except ValueError:
        sys.stderr.write("mark-github.py: COUNT must be a number\n")
        return 2
    try:
        with open(src, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        sys.stderr.write("mark-github.py: cannot read %s: %s\n" % (src, e))
        return 2
    schemas = doc.get("components", {}).get("schemas", {}) if isinstance(doc, dict) else {}
    if not isinstance(schemas, dict):
        schemas = {}
    marked = []
    for key, schema in schemas.items():
        if len(marked) == count:
            break
        if not good_type_name(key) or not is_object_with_properties(schema):
            continue
        if "x-flow-type" in schema:
            continue        # already decorated by someone: leave it, do not count it
        schema["x-flow-type"] = {"name": key}
        marked.append(key)
    if len(marked) < count:
        sys.stderr.write("mark-github.py: only %d schemas qualify, %d wanted\n"
                         % (len(marked), count))
        return 1
    try:
        with open(dst, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, ensure_ascii=False)
    except OSError as e:
        sys.stderr.write("mark-github.py: cannot write %s: %s\n" % (dst, e))
        return 2
    if not quiet:
        for key in marked:
            sys.stderr.write(key + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
