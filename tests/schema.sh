#!/bin/sh
# schema.sh - the JSON Schemas of the x-flow-* marks (data/x-flow.schema.json, draft
# 2020-12, and data/x-flow.draft-07.schema.json; product.md §15.2): tests/schema.py checks
# that both are valid schemas, that every example and test document validates against
# both, that every invalid compile case about marks fails both, and that the marks the
# tree's overlays write (their `update` values) validate where they land. Run by make check.
# Exit 0 pass, 1 fail, 77 skip (python3, or its jsonschema or yaml module, missing:
# Debian python3-jsonschema, python3-yaml; ./build.sh test installs them).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
exec python3 "$srcdir/tests/schema.py" "$srcdir"
