#!/bin/sh
# demo.sh - the README's demo (scripts/demo.sh): lighttpd spawning the workers, serving
# examples/petstore-flow.yaml in example mode; the printed curl commands are run and must
# answer as documented (DEMO_CHECK=1), on a free port instead of 8080. Then the demo of
# one's own document (./build.sh demo DOCUMENT) with an unmarked document of the tree.
set -u
. "$(dirname "$0")/lib.sh"
it_init demo
lighttpd_bin=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$lighttpd_bin" ] || it_skip "lighttpd is not installed (./build.sh installs it)"
command -v curl >/dev/null 2>&1 || it_skip "curl is not installed"
mkdir -p "$RUN/cache"
"$top_builddir/src/compile/openapi-connector-compile" -q --cache-dir "$RUN/cache" \
  --as examples/petstore-flow.yaml "$top_srcdir/examples/petstore-flow.yaml" >"$RUN/compile.log" 2>&1 ||
  { cat "$RUN/compile.log"; it_fail "the example compiles"; it_finish; }
port=$(it_free_port)
DEMO_CHECK=1 bash "$top_srcdir/scripts/demo.sh" "$top_builddir" "$RUN/cache" \
  examples/petstore-flow.yaml "$port" >"$RUN/demo.out" 2>&1
st=$?
cat "$RUN/demo.out"
grep '^PASS: ' "$RUN/demo.out" >>"$IT_RESULTS"
grep '^FAIL: ' "$RUN/demo.out" >>"$IT_RESULTS"
it_eq "the demo's curl commands all answer as documented" 0 "$st"
it_eq "five commands printed and checked" 5 "$(grep -c '^PASS: demo' "$RUN/demo.out")"

# ./build.sh demo DOCUMENT (issue 17, product.md §16.5): a document of the tree without
# marks (the pet store, unmarked) is compiled with --infer, says so, and describe lists
# the inferred type Pet
doc=$top_srcdir/tests/data/compile/valid/infer-petstore/spec.yaml
port=$(it_free_port)
DEMO_CHECK=1 bash "$top_srcdir/scripts/demo-document.sh" "$top_builddir" "$RUN/own" "$doc" \
  "$port" >"$RUN/own.out" 2>&1
st=$?
cat "$RUN/own.out"
grep '^PASS: ' "$RUN/own.out" | sed 's/^PASS: demo/PASS: demo DOCUMENT/' >>"$IT_RESULTS"
grep '^FAIL: ' "$RUN/own.out" >>"$IT_RESULTS"
it_eq "demo DOCUMENT: describe and health answer" 0 "$st"
it_eq "demo DOCUMENT: the unmarked document is compiled with --infer, and says so" 1 \
  "$(grep -c 'has no x-flow-\* marks: compiling it with --infer' "$RUN/own.out")"
it_eq "demo DOCUMENT: the load printed is of the inferred type Pet" 1 \
  "$(grep -c '"objectDataType":{"developerName":"Pet"}' "$RUN/own.out")"
it_eq "demo DOCUMENT: describe lists Pet (checked)" 1 "$(grep -c '^PASS: demo describe' "$RUN/own.out")"
if grep -q 'x-flow-action: true' "$RUN/own/inferred.overlay.yaml" 2>/dev/null; then
  it_pass "demo DOCUMENT: what was inferred is in inferred.overlay.yaml"
else
  it_fail "demo DOCUMENT: what was inferred is in inferred.overlay.yaml"
fi
it_finish
