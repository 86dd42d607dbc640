#!/bin/sh
# demo.sh - the README's demo (scripts/demo.sh): lighttpd spawning the workers, serving
# examples/petstore-flow.yaml in example mode; the printed curl commands are run and must
# answer as documented (DEMO_CHECK=1), on a free port instead of 8080.
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
it_finish
