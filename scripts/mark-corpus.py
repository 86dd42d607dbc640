#!/usr/bin/env python3
"""mark-corpus.py - write the marked copy of a directory of OpenAPI JSON documents.

Usage: scripts/mark-corpus.py [-j JOBS] SRC_DIR DST_DIR

For `make check-corpus` (scripts/check-corpus.sh): every *.json file under SRC_DIR is
written to the same relative path under DST_DIR with `x-flow-type: {name: <key>}` added
to every object schema of components.schemas. An object schema is a mapping whose `type`
is "object" (or a 3.1 type list holding "object"), or that has no `type` and declares
`properties` or `allOf` (an object by composition). The name is the schema's key as it
is, so the compiler sees the names the document gives. A schema that already carries
`x-flow-type` keeps it. Nothing else changes; the copy is compact JSON (the directory's
documents are minified) with the input's key order and its characters as they are (so a
C1 control character stays a raw character, as in the original). A document that is not
valid JSON, or has no components.schemas, is copied byte for byte.

Deterministic. Prints one line at the end: documents, documents marked, schemas marked.
Exit status 0 ok, 2 usage or I/O error.
"""
import json
import os
import sys
from multiprocessing import Pool


def is_object_schema(schema):
    if not isinstance(schema, dict):
        return False
    t = schema.get("type")
    if t == "object" or (isinstance(t, list) and "object" in t):
        return True
    return t is None and ("properties" in schema or "allOf" in schema)


def mark(doc):
    """Marks doc in place; returns the number of schemas marked."""
    if not isinstance(doc, dict):
        return 0
    comps = doc.get("components")
    schemas = comps.get("schemas") if isinstance(comps, dict) else None
    if not isinstance(schemas, dict):
        return 0
    n = 0
    for key, schema in schemas.items():
        if is_object_schema(schema) and "x-flow-type" not in schema:
            schema["x-flow-type"] = {"name": key}
            n += 1
    return n


def mark_file(job):
    src, dst = job
    with open(src, "rb") as f:
        raw = f.read()
    n = 0
    try:
        doc = json.loads(raw.decode("utf-8"))
        n = mark(doc)
    except ValueError:          # not JSON (or not UTF-8): copied as it is
        doc = None
    if n:
        try:
            out = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:
            # a lone surrogate from a \ud8xx escape: keep it an escape
            out = json.dumps(doc, separators=(",", ":")).encode("ascii")
    else:
        out = raw
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    tmp = dst + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, dst)
    return n


def main(argv):
    args = argv[1:]
    jobs = 2
    if len(args) >= 2 and args[0] == "-j":
        try:
            jobs = max(1, int(args[1]))
        except ValueError:
            sys.stderr.write("mark-corpus.py: -j wants a number\n")
            return 2
        args = args[2:]
    if len(args) != 2:
        sys.stderr.write("usage: mark-corpus.py [-j JOBS] SRC_DIR DST_DIR\n")
        return 2
    src_dir, dst_dir = args
    work = []
    for root, _dirs, files in os.walk(src_dir):
        for name in files:
            if name.endswith(".json"):
                src = os.path.join(root, name)
                rel = os.path.relpath(src, src_dir)
                work.append((os.path.getsize(src), src, os.path.join(dst_dir, rel)))
    work.sort(key=lambda w: (-w[0], w[1]))      # largest first: the pool ends together
    try:
        with Pool(jobs) as pool:
            counts = pool.map(mark_file, [(w[1], w[2]) for w in work], chunksize=1)
    except OSError as e:
        sys.stderr.write("mark-corpus.py: %s\n" % e)
        return 2
    print("mark-corpus: %d documents, %d marked, %d schemas marked"
          % (len(work), sum(1 for c in counts if c), sum(counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
