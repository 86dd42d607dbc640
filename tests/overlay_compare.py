#!/usr/bin/env python3
"""overlay_compare.py ACTUAL.json EXPECTED.yaml - structural equality of two documents.

Exit 0 when equal (key order not significant), 1 with the first difference otherwise,
77 when PyYAML is missing. Map keys are compared as strings (a YAML `200:` key is the
JSON "200"), as are dates PyYAML would make of plain scalars.
"""
import json
import sys

try:
    import yaml
except ImportError:
    print("SKIP: python3 has no yaml module (PyYAML)")
    sys.exit(77)


def norm(v):
    if isinstance(v, dict):
        return {str(k): norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    return str(v)   # datetime.date and the like


def diff(a, b, path="$"):
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return "%s: %r (%s) != %r (%s)" % (path, a, type(a).__name__, b, type(b).__name__)
    if isinstance(a, dict):
        for k in a:
            if k not in b:
                return "%s: '%s' only in the actual document" % (path, k)
        for k in b:
            if k not in a:
                return "%s: '%s' missing from the actual document" % (path, k)
            d = diff(a[k], b[k], "%s['%s']" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        actual = norm(json.load(f))
    with open(sys.argv[2], encoding="utf-8") as f:
        expected = norm(yaml.safe_load(f))
    d = diff(actual, expected)
    if d:
        print(d)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
