#!/bin/sh
# retry.sh - retries and the API's error messages (issue 15, product.md §13.4, §13.5)
# against a real server on loopback, with the worker as CGI and through its own FastCGI
# pool (--listen, --workers 2), its upstream budget at 4 s:
#
#   * tests/integration/retry-upstream.py answers 429/503 with and without Retry-After
#     (seconds, an HTTP date, garbage), counting the attempts of each request and recording
#     their Idempotency-Key headers, and 400s with the error bodies of real APIs;
#   * tests/integration/retry.py checks that the worker waits and retries, gives up in
#     time with a 503 that gives the API's Retry-After, does not retry a POST on a 503
#     without idempotencyKey and retries it with one, every attempt carrying the same key,
#     and that each error shape becomes its message (cut at 500 bytes).
#
# Needs python3 and cgi-fcgi (libfcgi-bin). Run by `make check`; by hand:
# top_builddir=/path/to/build sh tests/integration/retry.sh (KEEP_RUN=1 keeps the run
# directory). Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
it_init retry
T0=$(date +%s)

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
REG=http://example.test/retry.yaml

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

mkdir -p "$RUN/api"
it_bg retry-upstream "$RUN/retry-upstream.log" python3 "$here/retry-upstream.py" --dir "$RUN/api"
API_PID=$IT_LAST_PID
if ! it_wait_file "$RUN/api/port" 10; then
  it_fail "retry-upstream.py did not start (see $RUN/retry-upstream.log)"
  it_finish
fi
API=http://127.0.0.1:$(cat "$RUN/api/port")
it_pass "retry-upstream.py listens on $API"

CACHE=$RUN/cache
"$COMPILE" --quiet --server "$API" --as "$REG" --cache-dir "$CACHE" "$here/retry.yaml" \
  >"$RUN/compile.log" 2>&1
it_eq "compile retry.yaml (see compile.log)" 0 $?

py() { # MODE ARGS...
  _mode=$1
  shift
  python3 "$here/retry.py" --mode "$_mode" --api "$API" --results "$IT_RESULTS" \
    --transcript "$RUN/transcript-$_mode.txt" "$@"
  _rc=$?
  [ "$_rc" -le 1 ] || it_fail "retry.py --mode $_mode stopped with exit status $_rc"
}

echo "== CGI"
t=$(date +%s)
: >"$RUN/cgi-stderr.log"
py cgi --bin "$BIN" --cache "$CACHE" --log "$RUN/cgi-stderr.log"
echo "CGI: $(( $(date +%s) - t )) s"

echo "== FastCGI pool (--listen --workers 2 --timeout 4)"
t=$(date +%s)
SOCK=$RUN/pool.sock
if [ "${#SOCK}" -gt 96 ]; then  # sun_path holds 108 bytes
  IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
  SOCK=$IT_EXTRA_DIR/pool.sock
fi
it_bg pool "$RUN/pool.log" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" \
  "$BIN" --listen "$SOCK" --workers 2 --timeout 4 --pid-file "$RUN/pool.pid"
if it_wait_file "$RUN/pool.pid" 5; then
  it_pass "the pool starts"
else
  it_fail "the pool starts (see $RUN/pool.log: $(tail -2 "$RUN/pool.log"))"
fi
i=0
while [ ! -S "$SOCK" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
py fcgi --sock "$SOCK" --log "$RUN/pool.log"
if [ -f "$RUN/pool.pid" ] && it_alive "$(cat "$RUN/pool.pid")"; then
  it_pass "pool: the master ran to the end"
else
  it_fail "pool: the master died (see $RUN/pool.log)"
fi
echo "FastCGI: $(( $(date +%s) - t )) s"

# every retry is logged (§13.4), without the query or the API key
for f in "$RUN/cgi-stderr.log" "$RUN/pool.log"; do
  n=$(grep -c 'retrying GET .*/items/429ra1.200' "$f")
  it_eq "$(basename "$f"): the retry of the 429 with Retry-After: 1 is logged" 1 "$n"
  n=$(grep -c 'retrying POST .*/keyed' "$f")
  it_eq "$(basename "$f"): the two retries of the keyed POST and the one of the refused one are logged" 3 "$n"
  it_file_lacks "$(basename "$f") does not hold the API key" "$f" k-RETRY-0815
done

if it_alive "$API_PID"; then it_pass "retry-upstream.py ran to the end"; else it_fail "retry-upstream.py died"; fi
secs=$(( $(date +%s) - T0 ))
echo "retry: the suite took $secs s (budget: 180 s on 2 cores)"
if [ "$secs" -le 180 ]; then
  it_pass "the suite took $secs s (at most 180)"
else
  it_fail "the suite took $secs s (at most 180)"
fi

it_finish
