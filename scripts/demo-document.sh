#!/usr/bin/env bash
# demo-document.sh - `./build.sh demo DOCUMENT` (product.md §16.5): the user's own OpenAPI
# document (a file or an http(s) URL) compiled into CACHEDIR and served by scripts/demo.sh.
# A document without x-flow-* marks (the compile finds no type and no action) is compiled
# with --infer (§15.3), and what was inferred is written to CACHEDIR/inferred.overlay.yaml
# for review: `openapi-connector-compile --overlay THAT_FILE DOCUMENT` (no --infer) gives
# the same types and operations, and is the file to edit and keep.
#
#   scripts/demo-document.sh BUILDDIR CACHEDIR DOCUMENT [PORT]
#
# DEMO_CHECK=1 is passed on to demo.sh (it checks describe and health, and stops).
set -euo pipefail

builddir=$1 cachedir=$2 doc=$3 port=${4:-8080}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
compiler=$builddir/src/compile/openapi-connector-compile
say() { printf '==> %s\n' "$*"; }
[ -x "$compiler" ] || { echo "demo: $compiler not built" >&2; exit 1; }
case $doc in
  http://*|https://*) ;;
  *) [ -f "$doc" ] || { echo "demo: $doc: no such file" >&2; exit 1; } ;;
esac
mkdir -p "$cachedir"

# marked? a plain check compile that finds no type and no action says it is not
summary=$("$compiler" --check "$doc" 2>&1) || { printf '%s\n' "$summary" >&2; exit 1; }
infer=()
if printf '%s\n' "$summary" | tail -n 1 | grep -qE ': ok, 0 types, [0-9]+ warnings$'; then
  infer=(--infer --emit-overlay "$cachedir/inferred.overlay.yaml")
  say "$doc has no x-flow-* marks: compiling it with --infer (CRUD marks and actions inferred"
  say "from REST conventions, product.md §15.3); what was inferred is written to"
  say "$cachedir/inferred.overlay.yaml: review it, edit it, and compile with"
  say "  openapi-connector-compile --overlay $cachedir/inferred.overlay.yaml $doc"
fi
say "$compiler --cache-dir $cachedir --as $doc ${infer[*]} $doc"
"$compiler" --cache-dir "$cachedir" --as "$doc" "${infer[@]}" "$doc"
list=$("$compiler" --list --check -q "${infer[@]:0:1}" "$doc")
printf '%s\n' "$list"
# a type to show a load of: the first inferred one, else the first with operations
type=$(printf '%s\n' "$list" | awk '
  /^TYPE / { name = substr($0, 6); sub(/  \(.*$/, "", name); helper = ($0 ~ /\(helper\)/); next }
  /^  operations: / && !helper && $0 !~ /\(none\)/ && name != "" { print name; exit }')
[ -n "$type" ] || say "no type with operations: describe lists the actions"
DEMO_DOCUMENT=1 DEMO_TYPE=$type exec bash "$top/scripts/demo.sh" "$builddir" "$cachedir" \
  "$doc" "$port"
