#!/bin/sh
# overlay-conformance.sh - OpenAPI Overlays (product.md §15.1) through the command line.
#
# 1. The OAI Overlay repository's compliant sets, read from
#    ${OAC_CONFORMANCE_DIR:-$top_srcdir/../shared/conformance}/overlay/*/ (never copied into
#    the tree): each folder's overlay.yaml applied to its openapi.yaml with
#    `openapi-connector-compile --print-document --overlay overlay.yaml openapi.yaml`, the JSON
#    compared with output.yaml (structure only: tests/overlay_compare.py). Every set must
#    pass. Without the directory this part is skipped, with its reason.
# 2. Always: our own cases in tests/data/overlay/ (one per rule of §15.1, same layout, see
#    below), `extends` standing for SOURCE (and SOURCE winning over it), two overlays applied
#    in order, --print-document writing no cache, an overlay error's exit status and
#    position, and --list showing the overlays with their checksums.
# Exit 1 on any failure; else 77 (a skip, its reason printed) when the compliant sets are
# absent or python3 cannot compare documents; else 0.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
cc=$builddir/src/compile/openapi-connector-compile
[ -x "$cc" ] || { echo "overlay-conformance.sh: $cc is not built"; exit 99; }
conf=${OAC_CONFORMANCE_DIR:-$srcdir/../shared/conformance}/overlay
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oac-overlay.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0; failn=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { failn=$((failn + 1)); echo "FAIL: $1"; }

python3 -c 'import yaml' 2>/dev/null && have_py=1 || have_py=0
skip=""

# 1. compliant sets
sets=0
if [ ! -d "$conf" ]; then
  skip="no OAI Overlay compliant sets: $conf is not a directory (set OAC_CONFORMANCE_DIR)"
elif [ "$have_py" = 0 ]; then
  skip="python3 with the yaml module is needed to compare documents with the compliant sets"
else
  for d in "$conf"/*/; do
    [ -f "$d/overlay.yaml" ] && [ -f "$d/openapi.yaml" ] && [ -f "$d/output.yaml" ] || continue
    name=$(basename "$d"); sets=$((sets + 1))
    if ! "$cc" --print-document --overlay "$d/overlay.yaml" "$d/openapi.yaml" \
         >"$tmp/out.json" 2>"$tmp/err"; then
      bad "compliant set $name: the compiler failed"; cat "$tmp/err"; continue
    fi
    if why=$(python3 "$srcdir/tests/overlay_compare.py" "$tmp/out.json" "$d/output.yaml"); then
      ok "compliant set $name"
    else
      bad "compliant set $name: $why"
    fi
  done
  [ "$sets" -gt 0 ] || bad "no compliant set in $conf"
fi

# 2. our own cases, tests/data/overlay/<case>/: openapi.yaml, overlay.yaml (or overlay.json),
#    output.yaml when the overlay applies (exit 0, compared like a compliant set; without
#    it, exit 1 is expected), `diagnostics`: lines stderr must hold (a prefix of a line,
#    paths relative to the case folder)
own=0
for d in "$srcdir"/tests/data/overlay/*/; do
  d=${d%/}; name=$(basename "$d"); own=$((own + 1))
  ov=$d/overlay.yaml; [ -f "$ov" ] || ov=$d/overlay.json
  "$cc" --print-document --overlay "$ov" "$d/openapi.yaml" >"$tmp/out.json" 2>"$tmp/err"; rc=$?
  sed "s|$d/||g" "$tmp/err" > "$tmp/rel"
  why=""
  if [ -f "$d/output.yaml" ]; then
    if [ "$rc" != 0 ]; then why="exit $rc"
    elif [ "$have_py" = 1 ]; then
      why=$(python3 "$srcdir/tests/overlay_compare.py" "$tmp/out.json" "$d/output.yaml") || true
    fi
  elif [ "$rc" != 1 ]; then why="exit $rc, 1 expected"
  fi
  if [ -z "$why" ] && [ -f "$d/diagnostics" ]; then
    while IFS= read -r line; do
      [ -n "$line" ] || continue
      awk -v p="$line" 'index($0, p) == 1 { f = 1 } END { exit !f }' "$tmp/rel" ||
        { why="no diagnostic \"$line\""; break; }
    done < "$d/diagnostics"
  fi
  # no error beside the expected ones, no warning on a case without diagnostics
  if [ -z "$why" ] && [ ! -f "$d/diagnostics" ] && [ -s "$tmp/rel" ]; then
    why="unexpected diagnostics"
  fi
  if [ -z "$why" ]; then ok "case $name"; else bad "case $name: $why"; cat "$tmp/rel"; fi
done
[ "$own" -gt 0 ] || bad "no case in $srcdir/tests/data/overlay"

# 3. the command line
mkdir -p "$tmp/docs/api" "$tmp/ov"
cat > "$tmp/docs/api/openapi.yaml" <<'YAML'
openapi: 3.0.3
info: {title: Pets, version: '1'}
servers: [{url: 'https://pets.example.com'}]
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
YAML
cat > "$tmp/ov/first.yaml" <<'YAML'
overlay: 1.1.0
info: {title: Make Pet a Flow type, version: 1.0.0}
extends: ../docs/api/openapi.yaml
actions:
  - target: $.components.schemas.Pet
    update:
      x-flow-type: {name: Pet}
  - target: $.info
    update: {x-order: [first]}
YAML
cat > "$tmp/ov/second.json" <<'JSON'
{"overlay": "1.0.0", "info": {"title": "second", "version": "1"},
 "actions": [{"target": "$.info['x-order']", "update": ["second"]},
             {"target": "$.info.title", "update": "Pets (overlaid)"}]}
JSON
cat > "$tmp/ov/bad.yaml" <<'YAML'
overlay: 1.1.0
info: {title: bad, version: '1'}
actions:
  - target: $.paths[1:2]
    remove: true
YAML

# extends stands for SOURCE; two overlays in order; nothing written
if [ "$have_py" = 0 ]; then
  echo "(python3 cannot read YAML: the extends / order check is skipped)"
elif (cd "$tmp" && "$cc" --print-document --cache-dir "$tmp/cache" --overlay ov/first.yaml \
      --overlay ov/second.json >"$tmp/ext.json" 2>"$tmp/err"); then
  if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["info"]["x-order"] == ["first", "second"], d["info"]
assert d["info"]["title"] == "Pets (overlaid)"
assert d["components"]["schemas"]["Pet"]["x-flow-type"] == {"name": "Pet"}
' "$tmp/ext.json"; then ok "extends without SOURCE, two overlays applied in order"
  else bad "extends / order: unexpected document"; cat "$tmp/ext.json"; fi
else bad "extends without SOURCE: exit $?"; cat "$tmp/err"; fi
[ ! -e "$tmp/cache" ] && ok "--print-document writes no cache" || bad "--print-document wrote a cache"

# SOURCE given: extends is not used (the document named there does not exist)
sed 's|extends: .*|extends: nowhere.yaml|' "$tmp/ov/first.yaml" > "$tmp/ov/elsewhere.yaml"
if "$cc" --print-document --overlay "$tmp/ov/elsewhere.yaml" "$tmp/docs/api/openapi.yaml" \
     >/dev/null 2>"$tmp/err"; then ok "SOURCE wins over extends"
else bad "SOURCE with an overlay that extends another document: exit $?"; cat "$tmp/err"; fi

# no SOURCE and no extends: a usage error
"$cc" --print-document --overlay "$tmp/ov/second.json" >/dev/null 2>"$tmp/err"; rc=$?
if [ "$rc" = 2 ] && grep -q "missing SOURCE" "$tmp/err"; then ok "no SOURCE, no extends: missing SOURCE"
else bad "no SOURCE, no extends: exit $rc"; cat "$tmp/err"; fi

# an overlay error: exit 1, at the overlay's line and the column inside the target
"$cc" --print-document --overlay "$tmp/ov/bad.yaml" "$tmp/docs/api/openapi.yaml" \
  >/dev/null 2>"$tmp/err"; rc=$?
if [ "$rc" = 1 ] && grep -q "bad.yaml:4:21: error: action 1: target '\$.paths\[1:2\]': unsupported JSONPath feature" "$tmp/err"
then ok "an overlay error: exit 1 at FILE:LINE:COL inside the target"
else bad "an overlay error: exit $rc"; cat "$tmp/err"; fi

# --list: the overlays, with their checksums, and the compile's cache
if "$cc" --list -o "$tmp/pets.cache" --overlay "$tmp/ov/first.yaml" \
     --overlay "$tmp/ov/second.json" "$tmp/docs/api/openapi.yaml" >"$tmp/list" 2>"$tmp/err" &&
   grep -q "^Overlays:" "$tmp/list" &&
   grep -Eq "^  $tmp/ov/first.yaml  \(checksum [0-9a-f]{16}\)$" "$tmp/list" &&
   grep -Eq "^  $tmp/ov/second.json  \(checksum [0-9a-f]{16}\)$" "$tmp/list" &&
   grep -q "^TYPE Pet" "$tmp/list"
then ok "--list shows the overlays and the type they made"
else bad "--list with overlays"; cat "$tmp/list" "$tmp/err"; fi

# a $ref an overlay writes resolves in the root document's directory, not the overlay's
cat > "$tmp/docs/api/owner.yaml" <<'YAML'
type: object
x-flow-type: {name: Owner}
properties:
  id: {type: string}
YAML
cat > "$tmp/ov/owner.overlay.yaml" <<'YAML'
overlay: 1.0.0
info: {title: an Owner type from a file beside the document, version: '1'}
actions:
  - target: $.components.schemas
    update:
      Owner: {$ref: 'owner.yaml'}
YAML
if "$cc" --list --check --overlay "$tmp/ov/owner.overlay.yaml" "$tmp/docs/api/openapi.yaml" \
     >"$tmp/list" 2>"$tmp/err" && grep -q "^TYPE Owner" "$tmp/list"
then ok "a relative \$ref written by an overlay resolves beside the document"
else bad "a relative \$ref written by an overlay"; cat "$tmp/list" "$tmp/err"; fi

echo "overlay-conformance.sh: $pass ok, $failn failed ($sets compliant sets, $own own cases)"
[ "$failn" -eq 0 ] || exit 1
if [ -n "$skip" ]; then echo "SKIP: $skip"; exit 77; fi
exit 0
