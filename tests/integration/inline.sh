#!/bin/sh
# inline.sh - inline documents end to end (issue 17, product.md §15.4): the pet store given
# as a `Schema Value` configuration value, compiled by the worker's child compiler, against
# json-server 0.17.
#
# tests/integration/inline.py plays the engine with the worker as CGI and through its own
# FastCGI pool (--listen, --workers 2, mounted under /api/openapi), each with
# --inline-documents DIR, --allow-host (http://127.0.0.1:PORT, *.allowed.test, [::1]),
# --inline-max 3 and a --compiler wrapper that counts compiles: describe lists Schema Value;
# a load through json-server; one compile per value (also under 6 concurrent requests);
# Schema URL wins; refused hosts (wildcard, port, scheme, IP literal, user info) and what
# --offline refuses (file and URL $ref, externalValue, openIdConnectUrl) are 400s naming the
# host or the position; the 2 MiB limit (and 413 first); eviction past --inline-max. Then,
# with CGI: no Schema Value without the opt-in, and compiles killed at --inline-timeout, at
# the request's budget and at --inline-memory (not in a sanitizer build: AddressSanitizer
# cannot run under RLIMIT_AS). The logs never hold the document or the API key.
#
# Needs python3, node/npm (json-server, as worker-crud.sh) and cgi-fcgi (libfcgi-bin). Run
# by `make check`; by hand: top_builddir=/path/to/build sh tests/integration/inline.sh
# (KEEP_RUN=1 keeps the run directory). Budget: 3 minutes (checked at the end). Exit 0
# pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
it_init inline
T0=$(date +%s)

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
PREFIX=/api/openapi
DOC=$top_srcdir/examples/petstore-flow.yaml
MARKER=INLINE-DOC-MARKER-7f3a

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

# 1. The upstream, a compiled cache, the compiler wrappers ----------------------------------

it_upstream          # json-server on a copy of db.json: UPSTREAM, RECORD (skips without node)
CACHE=$RUN/cache
it_compile_caches "$CACHE"
PORT=${UPSTREAM##*:}

# every compile appends a line to its runs file, then is the real compiler
wrapper() { # FILE RUNS
  printf '#!/bin/sh\necho "$$ $*" >>%s\nexec %s "$@"\n' "'$2'" "'$COMPILE'" >"$1"
  chmod +x "$1"
}
wrapper "$RUN/compile-cgi" "$RUN/runs-cgi.txt"
wrapper "$RUN/compile-fcgi" "$RUN/runs-fcgi.txt"
printf '#!/bin/sh\nexec sleep 30\n' >"$RUN/compile-slow"
chmod +x "$RUN/compile-slow"

# a start-up refusal: --inline-documents without --allow-host, a bad pattern
"$BIN" --inline-documents "$RUN/nowhere" --cache-dir "$CACHE" </dev/null >"$RUN/start.log" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'allow-host' "$RUN/start.log"; then
  it_pass "--inline-documents without --allow-host: the worker refuses to start"
else
  it_fail "--inline-documents without --allow-host: exit $rc, $(cat "$RUN/start.log")"
fi
"$BIN" --inline-documents "$RUN/nowhere" --allow-host '*.0.0.1' --cache-dir "$CACHE" \
  </dev/null >"$RUN/start.log" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "allow-host '\*.0.0.1'" "$RUN/start.log"; then
  it_pass "a bad --allow-host pattern: the worker refuses to start, naming it"
else
  it_fail "a bad --allow-host pattern: exit $rc, $(cat "$RUN/start.log")"
fi

py() { # MODE ARGS...
  _mode=$1
  shift
  python3 "$here/inline.py" run --mode "$_mode" --upstream "$UPSTREAM" --record "$RECORD" \
    --schema-url "$SCHEMA_URL" --api-key "$API_KEY" --results "$IT_RESULTS" --doc "$DOC" \
    --max 3 --transcript "$RUN/transcript-$_mode.txt" "$@"
  _rc=$?
  [ "$_rc" -le 1 ] || it_fail "inline.py run --mode $_mode stopped with exit status $_rc"
}

# 2. CGI: one process per request (the lock works between processes) -----------------------

echo "== CGI"
mkdir "$RUN/inline-cgi"
py cgi --bin "$BIN" --cgi-env "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE" \
  --cgi-env OPENAPI_CONNECTOR_TIMEOUT=10 \
  --cgi-env "OPENAPI_CONNECTOR_INLINE_DOCUMENTS=$RUN/inline-cgi" \
  --cgi-env "OPENAPI_CONNECTOR_ALLOW_HOST=http://127.0.0.1:$PORT, *.allowed.test [::1]" \
  --cgi-env "OPENAPI_CONNECTOR_COMPILER=$RUN/compile-cgi" \
  --cgi-env OPENAPI_CONNECTOR_INLINE_MAX=3 \
  --worker-log "$RUN/cgi-stderr.log" --dir "$RUN/inline-cgi" --runs "$RUN/runs-cgi.txt"

# 3. The own FastCGI pool: the options on the command line ----------------------------------

echo "== FastCGI pool (--listen --workers 2, mounted under $PREFIX)"
SOCK=$RUN/pool.sock
if [ "${#SOCK}" -gt 96 ]; then  # sun_path holds 108 bytes
  IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
  SOCK=$IT_EXTRA_DIR/pool.sock
fi
WLOG=$RUN/pool.log
it_bg pool "$WLOG" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" OPENAPI_CONNECTOR_TIMEOUT=10 \
  "$BIN" --listen "$SOCK" --workers 2 --pid-file "$RUN/pool.pid" \
  --inline-documents "$RUN/inline-fcgi" --allow-host "http://127.0.0.1:$PORT" \
  --allow-host '*.allowed.test' --allow-host '[::1]' --inline-max 3 \
  --compiler "$RUN/compile-fcgi" --inline-timeout 20 --inline-memory 512
if it_wait_file "$RUN/pool.pid" 5; then
  it_pass "the pool starts"
else
  it_fail "the pool starts (see $WLOG: $(tail -2 "$WLOG"))"
fi
i=0
while [ ! -S "$SOCK" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
py fcgi --sock "$SOCK" --prefix "$PREFIX" --worker-log "$WLOG" --dir "$RUN/inline-fcgi" \
  --runs "$RUN/runs-fcgi.txt"
if [ -f "$RUN/pool.pid" ] && it_alive "$(cat "$RUN/pool.pid")"; then
  it_pass "pool: the master ran to the end"
else
  it_fail "pool: the master died (see $WLOG)"
fi

# 4. CGI: the opt-in and the limits ---------------------------------------------------------

echo "== CGI: the opt-in and the limits"
BIG=
if grep -q -- '-fsanitize' "$top_builddir/Makefile" 2>/dev/null &&
   grep -E '^CFLAGS *=' "$top_builddir/Makefile" | grep -q -- '-fsanitize'; then
  echo "SKIP: the --inline-memory check: a sanitizer build's compiler cannot run under RLIMIT_AS"
else
  # 1.8 MiB of short flow sequences: parsing it needs more than 40 MiB of address space
  python3 - "$RUN/petstore-big.yaml" "$DOC" "$UPSTREAM" <<'PY'
import sys
text = open(sys.argv[2], encoding="utf-8").read().replace("http://127.0.0.1:3000", sys.argv[3])
text += "\nx-big:\n" + "".join("  k%d: [%s]\n" % (i, ",".join(["aaaa"] * 10)) for i in range(30000))
open(sys.argv[1], "w", encoding="utf-8").write(text)
PY
  BIG="--big $RUN/petstore-big.yaml"
fi
mkdir "$RUN/inline-limits"
# shellcheck disable=SC2086
python3 "$here/inline.py" cgi-limits --bin "$BIN" --upstream "$UPSTREAM" --record "$RECORD" \
  --schema-url "$SCHEMA_URL" --api-key "$API_KEY" --results "$IT_RESULTS" --doc "$DOC" \
  --worker-log "$RUN/cgi-stderr.log" --dir "$RUN/inline-limits" --runs "$RUN/runs-limits.txt" \
  --sleeper "$RUN/compile-slow" --transcript "$RUN/transcript-limits.txt" \
  --base-env "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE" --base-env OPENAPI_CONNECTOR_TIMEOUT=10 \
  --base-env "OPENAPI_CONNECTOR_INLINE_DOCUMENTS=$RUN/inline-limits" \
  --base-env "OPENAPI_CONNECTOR_ALLOW_HOST=http://127.0.0.1:$PORT" \
  --base-env "OPENAPI_CONNECTOR_COMPILER=$COMPILE" $BIG
rc=$?
[ "$rc" -le 1 ] || it_fail "inline.py cgi-limits stopped with exit status $rc"

# 5. The logs, the upstream, the budget -----------------------------------------------------

it_file_lacks "the CGI log never holds the document" "$RUN/cgi-stderr.log" "$MARKER"
it_file_lacks "the pool's log never holds the document" "$WLOG" "$MARKER"
it_file_lacks "the CGI log never holds the API key" "$RUN/cgi-stderr.log" "$API_KEY"
it_file_lacks "the pool's log never holds the API key" "$WLOG" "$API_KEY"
if it_alive "$JS_PID"; then
  it_pass "json-server ran to the end"
else
  it_fail "json-server died (see $RUN/json-server.log)"
fi
T1=$(date +%s)
echo "inline: $((T1 - T0)) s"
if [ $((T1 - T0)) -le 180 ]; then
  it_pass "the suite ran within its 3-minute budget ($((T1 - T0)) s)"
else
  it_fail "the suite took $((T1 - T0)) s, over its 3-minute budget"
fi
it_finish
