#!/bin/sh
# worker-crud.sh - the worker against a real upstream: json-server 0.17 on loopback serving
# tests/integration/db.json, described by examples/petstore-flow.yaml.
#
# The same scenario (tests/integration/flow.py) runs twice: with the worker as a CGI
# program (one process per request, environment + stdin) and as a FastCGI responder
# started by `cgi-fcgi -start` and driven with `cgi-fcgi -bind`, mounted under
# /api/openapi (the worker routes on the path's ending). It covers describe, save, load by
# id, queries (where pushed to the API, other filters / sorting / paging done locally, paging
# pushed when nothing is local), update, delete, the errors of product.md §10 with an
# upstream that refuses, fails, answers garbage or is too slow, /health, and the log (one
# line per request, never the API key).
#
# Run by `make check` (top_srcdir and top_builddir exported); also runnable by hand from a
# built tree: top_builddir=/path/to/build sh tests/integration/worker-crud.sh
# (KEEP_RUN=1 keeps the run directory). Exit 0 pass, 1 fail, 77 skip (node, npm or
# json-server cannot be had here).
set -u

# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
it_init worker-crud

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
PREFIX=/api/openapi

# 1. What the test needs --------------------------------------------------------------------

if ! command -v python3 >/dev/null 2>&1; then
  it_fail "python3 is required (Debian package python3)"
  it_finish
fi
for b in "$BIN" "$COMPILE"; do
  if [ ! -x "$b" ]; then
    it_fail "$b is not built (make src/worker/openapi-connector src/compile/openapi-connector-compile)"
    it_finish
  fi
done

# 2. The upstream (json-server) and the caches ----------------------------------------------

it_upstream
CACHE=$RUN/cache
it_compile_caches "$CACHE"

# 3. CGI: one process per request ---------------------------------------------------------

echo "== CGI"
it_scenario --mode cgi --transcript "$RUN/transcript-cgi.txt" --bin "$BIN" \
  --cgi-env "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE" --cgi-env OPENAPI_CONNECTOR_TIMEOUT=1 \
  --worker-log "$RUN/cgi-stderr.log"

# libcurl is loaded on the first upstream call only (src/worker/curl_lazy.c): a CGI
# describe never loads it, a load that calls the API does. LD_DEBUG=files makes the
# dynamic linker name every library it loads, dlopen()ed ones included.
cgi_libs() { # BODY: the libraries the dynamic linker loaded for one CGI request
  printf '%s' "$1" | env LD_DEBUG=files OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" REQUEST_METHOD=POST \
    REQUEST_URI=/api/openapi/"$2" CONTENT_LENGTH=${#1} CONTENT_TYPE=application/json \
    "$BIN" 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u | tr '\n' ' '
}
CFG='"configurationValues":[{"developerName":"Schema URL","contentValue":"'$SCHEMA_URL'"}]'
case $(cgi_libs "{$CFG}" metadata) in
  *libcurl*) it_fail "CGI describe loads libcurl: $(cgi_libs "{$CFG}" metadata)" ;;
  *libcjson*) it_pass "CGI describe: libcurl is not loaded" ;;
  *) it_fail "LD_DEBUG=files shows no libraries (the check cannot see anything)" ;;
esac
case $(cgi_libs "{$CFG,\"objectDataType\":{\"developerName\":\"Pet\"},\"listFilter\":{\"id\":\"1\"}}" data) in
  *libcurl*) it_pass "CGI load by id (an upstream call): libcurl loaded on demand" ;;
  *) it_fail "CGI load by id did not load libcurl" ;;
esac

# 4. FastCGI: cgi-fcgi -start spawns the worker on a socket, cgi-fcgi -bind drives it ------

echo "== FastCGI (mounted under $PREFIX)"
if it_fcgi_start "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE" OPENAPI_CONNECTOR_TIMEOUT=1; then
  it_scenario --mode fcgi --transcript "$RUN/transcript-fcgi.txt" --sock "$SOCK" \
    --prefix "$PREFIX" --worker-log "$WLOG"
  it_fcgi_end "fcgi: one worker process served every request"
fi

# 5. The logs as a whole ------------------------------------------------------------------

it_file_lacks "the CGI log never holds the API key" "$RUN/cgi-stderr.log" "$API_KEY"
if [ -f "$RUN/fcgi-worker.log" ]; then
  it_file_lacks "the FastCGI log never holds the API key" "$RUN/fcgi-worker.log" "$API_KEY"
fi
if it_alive "$JS_PID"; then
  it_pass "json-server ran to the end"
else
  it_fail "json-server died (see $RUN/json-server.log)"
fi

it_finish
