#!/bin/sh
# actions.sh - message actions end to end (issue 16, product.md §14; flow-protocol.md §4.4,
# §4.8): examples/petstore-flow.yaml's actions against json-server 0.17, whose middleware
# (tests/integration/middleware.js) serves POST /pets/{id}/adopt (404 / 409 / 200, stored in
# json-server's database), POST /pets/search (filters by its JSON body), GET /status, and an
# unwired 500 (POST /pets/9500/adopt), and records what arrived.
#
# tests/integration/actions.py plays the engine with the worker as CGI and through its own
# FastCGI pool (--listen, --workers 2, mounted under /api/openapi): describe (providesLogic,
# every §4.4 field, inputs, outputs, generated types; the same uriParts for a copy of the
# document with its paths in reverse order), each action's call (method, path, JSON body,
# X-API-Key), the outputs, the outcome picked by status (404, Conflict, error), an unwired
# 500 as a ServiceProblem, actions/status-action, example mode sending nothing (also with a
# cache whose server is a closed port), an unknown slug (404) and missing or malformed
# inputs (400).
#
# Needs python3, node/npm (json-server, as worker-crud.sh) and cgi-fcgi (libfcgi-bin). Run
# by `make check`; by hand: top_builddir=/path/to/build sh tests/integration/actions.sh
# (KEEP_RUN=1 keeps the run directory). Budget: 3 minutes (checked at the end). Exit 0
# pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
it_init actions
T0=$(date +%s)

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
REORDERED_URL=http://example.test/petstore-reordered.yaml
PREFIX=/api/openapi

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

# 1. The upstream and the caches ------------------------------------------------------------

it_upstream          # json-server on a copy of db.json: UPSTREAM, RECORD (skips without node)
CACHE=$RUN/cache
it_compile_caches "$CACHE"
it_file_lacks "the pet store compiles without warnings" "$RUN/compile.log" ": warning:"

# The same document with its paths in reverse order (each path item's block moved whole):
# the slugs must not change (saved flows store them, §14.2).
python3 - "$top_srcdir/examples/petstore-flow.yaml" "$RUN/petstore-reordered.yaml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
head, rest = text.split("\npaths:\n", 1)
body, tail = rest.split("\ncomponents:\n", 1)
blocks, cur = [], []
for line in body.split("\n"):
    if re.match(r"^  /", line) and cur:
        blocks.append(cur)
        cur = []
    cur.append(line)
blocks.append(cur)
assert len(blocks) >= 8, "expected the pet store's path items"
out = head + "\npaths:\n" + "\n".join("\n".join(b).rstrip("\n") + "\n" for b in reversed(blocks))
open(sys.argv[2], "w", encoding="utf-8").write(out + "\ncomponents:\n" + tail)
PY
it_eq "write the reordered copy of the pet store" 0 $?
"$COMPILE" --quiet --server "$UPSTREAM" --as "$REORDERED_URL" --cache-dir "$CACHE" \
  "$RUN/petstore-reordered.yaml" >"$RUN/compile-reordered.log" 2>&1
it_eq "compile the reordered copy" 0 $?
first_paths() { grep -E '^  /' "$1" | head -3 | tr -d ' :\n'; }
if [ "$(first_paths "$top_srcdir/examples/petstore-flow.yaml")" = "$(first_paths "$RUN/petstore-reordered.yaml")" ]; then
  it_fail "the copy's paths are not reordered"
else
  it_pass "the copy's paths are in another order ($(first_paths "$RUN/petstore-reordered.yaml"))"
fi

# --list names every action with its uriPart (§14.1)
"$COMPILE" --list --server "$UPSTREAM" --check "$top_srcdir/examples/petstore-flow.yaml" \
  >"$RUN/list.txt" 2>&1
for u in actions/adoptpet actions/searchpets actions/vaccinatepet actions/status-action; do
  if grep -q "$u" "$RUN/list.txt"; then
    it_pass "--list names $u"
  else
    it_fail "--list names $u (see $RUN/list.txt)"
  fi
done

py() { # MODE ADOPT-ID ARGS...
  _mode=$1
  _id=$2
  shift 2
  python3 "$here/actions.py" run --mode "$_mode" --adopt-id "$_id" --upstream "$UPSTREAM" \
    --record "$RECORD" --schema-url "$SCHEMA_URL" --reordered-schema-url "$REORDERED_URL" \
    --refused-schema-url "$REFUSED_URL" --api-key "$API_KEY" --results "$IT_RESULTS" \
    --transcript "$RUN/transcript-$_mode.txt" "$@"
  _rc=$?
  [ "$_rc" -le 1 ] || it_fail "actions.py run --mode $_mode stopped with exit status $_rc"
}

# 2. CGI: one process per request -----------------------------------------------------------

echo "== CGI"
py cgi 1 --bin "$BIN" --cgi-env "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE" \
  --cgi-env OPENAPI_CONNECTOR_TIMEOUT=5 --worker-log "$RUN/cgi-stderr.log"

# 3. The own FastCGI pool ---------------------------------------------------------------------

echo "== FastCGI pool (--listen --workers 2, mounted under $PREFIX)"
SOCK=$RUN/pool.sock
if [ "${#SOCK}" -gt 96 ]; then  # sun_path holds 108 bytes
  IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
  SOCK=$IT_EXTRA_DIR/pool.sock
fi
WLOG=$RUN/pool.log
it_bg pool "$WLOG" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" OPENAPI_CONNECTOR_TIMEOUT=5 \
  "$BIN" --listen "$SOCK" --workers 2 --pid-file "$RUN/pool.pid"
if it_wait_file "$RUN/pool.pid" 5; then
  it_pass "the pool starts"
else
  it_fail "the pool starts (see $WLOG: $(tail -2 "$WLOG"))"
fi
i=0
while [ ! -S "$SOCK" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# pet 5 (available): pet 1 was adopted by the CGI run, in the same json-server
py fcgi 5 --sock "$SOCK" --prefix "$PREFIX" --worker-log "$WLOG"
if [ -f "$RUN/pool.pid" ] && it_alive "$(cat "$RUN/pool.pid")"; then
  it_pass "pool: the master ran to the end"
else
  it_fail "pool: the master died (see $WLOG)"
fi

# 4. The logs, the upstream, the budget -----------------------------------------------------

it_file_lacks "the CGI log never holds the API key" "$RUN/cgi-stderr.log" "$API_KEY"
it_file_lacks "the pool's log never holds the API key" "$WLOG" "$API_KEY"
if it_alive "$JS_PID"; then
  it_pass "json-server ran to the end"
else
  it_fail "json-server died (see $RUN/json-server.log)"
fi
T1=$(date +%s)
echo "actions: $((T1 - T0)) s"
if [ $((T1 - T0)) -le 180 ]; then
  it_pass "the suite ran within its 3-minute budget ($((T1 - T0)) s)"
else
  it_fail "the suite took $((T1 - T0)) s, over its 3-minute budget"
fi
it_finish
