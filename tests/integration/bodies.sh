#!/bin/sh
# bodies.sh - request bodies as real APIs expect them (issue 15, product.md §13.1, §13.2),
# with the worker as CGI and through its own FastCGI pool (--listen, --workers 2):
#
#   * tests/integration/form-upstream.py, written from Stripe's public API reference
#     (create / update customer take application/x-www-form-urlencoded, nested values in
#     the bracket form), described by bodies-form.yaml: it records the raw body of every
#     request; bodies.py compares them byte for byte with §13.1 (pair order, '+', %XX of the
#     UTF-8 bytes, [ ] kept in names, deepObject, arrays of scalars as a[]=v, explode false
#     as a=1,2, name= for an empty value) and checks a multipart/form-data body part by part
#     against the boundary the worker announced;
#   * json-server 0.17 (it supports PATCH), described by bodies-json.yaml: a PATCH update
#     with the default emptyAs omit leaves an unset string out, so json-server keeps the
#     field; the same with emptyAs: empty blanks it.
#
# Needs python3, curl, node/npm (json-server, as worker-crud.sh) and cgi-fcgi
# (libfcgi-bin). Run by `make check`; by hand: top_builddir=/path/to/build sh
# tests/integration/bodies.sh (KEEP_RUN=1 keeps the run directory). Exit 0 pass, 1 fail,
# 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
it_init bodies
T0=$(date +%s)

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
FORM_REG=http://example.test/bodies-form.yaml
JSON_REG=http://example.test/bodies-json.yaml

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
command -v curl >/dev/null 2>&1 || it_skip "curl is not installed (Debian package curl)"
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

# 1. The upstreams ------------------------------------------------------------------------

it_upstream          # json-server on a copy of db.json: UPSTREAM, RECORD (skips without node)
it_bg form-upstream "$RUN/form-upstream.out" python3 "$here/form-upstream.py"
if ! it_wait_file "$RUN/form-upstream.out" 10; then
  it_fail "form-upstream.py printed no port"
  it_finish
fi
FORM_URL=http://127.0.0.1:$(head -1 "$RUN/form-upstream.out")
if it_wait_http "$FORM_URL/_requests" 10 "$IT_LAST_PID"; then
  it_pass "form-upstream.py (Stripe's form bodies) listens on $FORM_URL"
else
  it_fail "form-upstream.py does not answer on $FORM_URL"
  it_finish
fi

# 2. The caches, and what --list says -------------------------------------------------------

CACHE=$RUN/cache
mkdir -p "$CACHE"
"$COMPILE" --server "$FORM_URL" --as "$FORM_REG" --cache-dir "$CACHE" \
  "$here/bodies-form.yaml" >"$RUN/compile-form.log" 2>&1
it_eq "compile bodies-form.yaml" 0 $?
it_file_lacks "bodies-form.yaml compiles without warnings" "$RUN/compile-form.log" ": warning:"
"$COMPILE" --server "$UPSTREAM" --as "$JSON_REG" --cache-dir "$CACHE" \
  "$here/bodies-json.yaml" >"$RUN/compile-json.log" 2>&1
it_eq "compile bodies-json.yaml" 0 $?
"$COMPILE" --list --server "$FORM_URL" --check "$here/bodies-form.yaml" >"$RUN/list-form.txt" 2>&1
"$COMPILE" --list --server "$UPSTREAM" --check "$here/bodies-json.yaml" >"$RUN/list-json.txt" 2>&1
it_eq "--list: each body's media type and emptyAs (Customer, Note)" \
  "body: application/x-www-form-urlencoded, emptyAs empty
body: application/x-www-form-urlencoded, emptyAs empty
body: multipart/form-data, emptyAs null" \
  "$(grep 'body:' "$RUN/list-form.txt" | sed 's/^ *//')"
it_eq "--list: PATCH defaults to emptyAs omit" \
  "body: application/json, emptyAs omit
body: application/json, emptyAs empty" \
  "$(grep 'body:' "$RUN/list-json.txt" | sed 's/^ *//')"

py() { # MODE ARGS...
  _mode=$1
  shift
  python3 "$here/bodies.py" run --mode "$_mode" --form-url "$FORM_URL" --json-url "$UPSTREAM" \
    --json-record "$RECORD" --results "$IT_RESULTS" "$@"
  _rc=$?
  [ "$_rc" -le 1 ] || it_fail "bodies.py run --mode $_mode stopped with exit status $_rc"
}

# 3. CGI ------------------------------------------------------------------------------------

echo "== CGI"
py cgi --bin "$BIN" --cache "$CACHE"

# 4. The pool -------------------------------------------------------------------------------

echo "== FastCGI pool (--listen --workers 2)"
SOCK=$RUN/pool.sock
if [ "${#SOCK}" -gt 96 ]; then  # sun_path holds 108 bytes
  IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
  SOCK=$IT_EXTRA_DIR/pool.sock
fi
it_bg pool "$RUN/pool.log" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" \
  "$BIN" --listen "$SOCK" --workers 2 --pid-file "$RUN/pool.pid"
if it_wait_file "$RUN/pool.pid" 5; then
  it_pass "the pool starts"
else
  it_fail "the pool starts (see $RUN/pool.log: $(tail -2 "$RUN/pool.log"))"
fi
i=0
while [ ! -S "$SOCK" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
py fcgi --sock "$SOCK"
if [ -f "$RUN/pool.pid" ] && it_alive "$(cat "$RUN/pool.pid")"; then
  it_pass "pool: the master ran to the end"
else
  it_fail "pool: the master died (see $RUN/pool.log)"
fi

T1=$(date +%s)
echo "bodies: $((T1 - T0)) s"
if [ $((T1 - T0)) -le 180 ]; then
  it_pass "the suite ran within its 3-minute budget ($((T1 - T0)) s)"
else
  it_fail "the suite took $((T1 - T0)) s, over its 3-minute budget"
fi
it_finish
