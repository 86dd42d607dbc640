#!/bin/sh
# location.sh - created records answered with Location, and composite keys (product.md
# §13.3, §13.9), against real servers on loopback: location-upstream.py (written from
# GitHub's conventions: 201 + Location and no body, a 202 fork, a Location on another host)
# and json-server 0.17 behind it (a record created there, its Location relative, loaded
# back). The Flow side (tests/integration/location.py) runs as CGI and through a FastCGI
# worker started by cgi-fcgi.
#
# Run by `make check`; by hand: top_builddir=/path/to/build sh tests/integration/location.sh
# (KEEP_RUN=1 keeps the run directory). Exit 0 pass, 1 fail, 77 skip.
set -u

# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
it_init location

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
REG=http://example.test/location.yaml

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required"; it_finish; }
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

# 1. json-server (lib.sh) and location-upstream.py in front of it --------------------------

it_upstream
mkfifo "$RUN/loc.in" || { it_fail "mkfifo"; it_finish; }
exec 5<>"$RUN/loc.in"
python3 "$here/location-upstream.py" --json-server "$UPSTREAM" <"$RUN/loc.in" \
  >"$RUN/loc.out" 2>"$RUN/loc.err" 5>&- &
it_track location-upstream $!
it_wait_file "$RUN/loc.out" 10 || { it_fail "location-upstream.py printed no port: $(cat "$RUN/loc.err")"; it_finish; }
LOC_URL=http://127.0.0.1:$(head -1 "$RUN/loc.out")
it_pass "location-upstream.py listens on $LOC_URL"

# 2. The cache ------------------------------------------------------------------------------

CACHE=$RUN/cache
"$COMPILE" --quiet --server "$LOC_URL" --as "$REG" --cache-dir "$CACHE" \
  "$here/location.yaml" >"$RUN/compile.log" 2>&1
it_eq "compile location.yaml (see compile.log)" 0 $?

# 3. CGI, then FastCGI ----------------------------------------------------------------------

echo "== CGI"
python3 "$here/location.py" --mode cgi --bin "$BIN" --reg "$REG" --upstream "$LOC_URL" \
  --results "$IT_RESULTS" --env "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE" 2>>"$RUN/cgi-stderr.log"

echo "== FastCGI"
if it_fcgi_start "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE"; then
  python3 "$here/location.py" --mode fcgi --sock "$SOCK" --reg "$REG" --upstream "$LOC_URL" \
    --results "$IT_RESULTS"
  it_fcgi_end "fcgi: one worker process served every request"
  if grep -q 'matches no x-flow-load path template' "$WLOG"; then
    it_fail "no Location went unmatched (see $WLOG)"
  else
    it_pass "no Location went unmatched (no warning in the worker's log)"
  fi
fi
exec 5>&-
it_finish
