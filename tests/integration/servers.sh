#!/bin/sh
# servers.sh - sandbox and production servers (product.md §13.7) against real servers on
# loopback, with the worker as CGI and through its own FastCGI pool (--workers 2):
# tests/integration/servers.yaml.in lists two paging-upstream.py instances (A and B) as
# document-level servers (an enum server variable and a second entry naming B as
# localhost) and gives one operation servers of its own. tests/integration/servers.py
# checks that describe lists `Server`; that the Server value routes each call (empty = the
# first; trimmed, a trailing '/' ignored; an operation with its own servers takes the
# entry at the same index, else its first), counted at A and B; that an offsetToken binds
# its server; and that any other value (the trap socket's URL, another path, an
# operation-level URL, another case) is a 400 listing the allowed servers while neither
# API nor the trap saw a connection. Also: --list shows the servers, /health never names
# them, and --server-variable narrows an enum (a value outside it is a compile error).
#
# Needs python3, curl and cgi-fcgi (libfcgi-bin); no node. Run by `make check`; by hand:
# top_builddir=/path/to/build sh tests/integration/servers.sh (KEEP_RUN=1 keeps the run
# directory). Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/integration/paging-lib.sh
. "$here/paging-lib.sh"
it_init servers

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
REG=http://example.test/servers.yaml

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
command -v curl >/dev/null 2>&1 || it_skip "curl is not installed (Debian package curl)"
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

# 1. Two APIs, the document, the cache ---------------------------------------------------------

it_paging_upstream api-a
A_URL=$PAGING_URL
A_PORT=$PAGING_PORT
TRAP_PORT=$PAGING_TRAP_PORT
it_paging_upstream api-b
B_URL=$PAGING_URL
B_PORT=$PAGING_PORT

sed "s/@A@/$A_PORT/g; s/@B@/$B_PORT/g" "$here/servers.yaml.in" >"$RUN/servers.yaml"
CACHE=$RUN/cache
"$COMPILE" --list --as "$REG" --cache-dir "$CACHE" "$RUN/servers.yaml" \
  >"$RUN/list.txt" 2>"$RUN/compile.log"
it_eq "compile servers.yaml (A on $A_PORT, B on $B_PORT)" 0 $?
want="servers: $A_URL/pages, $B_URL/pages, http://localhost:$B_PORT/pages"
if grep -q -x -F "$want" "$RUN/list.txt"; then
  it_pass "--list shows the document's servers, the default first"
else
  it_fail "--list: no line '$want' in: $(cat "$RUN/list.txt")"
fi
want="            servers: $A_URL/_f/cap=3, $B_URL/_f/cap=3"
if grep -q -x -F "$want" "$RUN/list.txt"; then
  it_pass "--list shows the operation's own servers"
else
  it_fail "--list: no line '$want'"
fi
"$COMPILE" --check --server-variable "port=$B_PORT" "$RUN/servers.yaml" >"$RUN/narrow.log" 2>&1
it_eq "--server-variable port=$B_PORT (a subset of the enum) compiles" 0 $?
want="servers: $B_URL/pages, http://localhost:$B_PORT/pages"
OPENAPI_CONNECTOR_SERVER_VARIABLE="api=pages;port=$B_PORT" "$COMPILE" --check --list \
  "$RUN/servers.yaml" 2>&1 | grep -q -x -F "$want"
it_eq "OPENAPI_CONNECTOR_SERVER_VARIABLE=\"api=pages;port=$B_PORT\" leaves B alone" 0 $?
"$COMPILE" --check --server-variable "port=$TRAP_PORT" "$RUN/servers.yaml" >"$RUN/outside.log" 2>&1
it_eq "--server-variable port=$TRAP_PORT (outside the enum) is a compile error" 1 $?
if grep -q "is not one of the variable's enum values" "$RUN/outside.log"; then
  it_pass "the error says the value is outside the enum"
else
  it_fail "the error does not say so: $(cat "$RUN/outside.log")"
fi

srv() { # MODE ARGS...
  _mode=$1
  shift
  python3 "$here/servers.py" --mode "$_mode" --reg "$REG" --a "$A_URL" --b "$B_URL" \
    --trap-port "$TRAP_PORT" --results "$IT_RESULTS" --transcript "$RUN/transcript-$_mode.txt" "$@"
  _rc=$?
  [ "$_rc" -le 1 ] || it_fail "servers.py --mode $_mode stopped with exit status $_rc"
}

# 2. CGI --------------------------------------------------------------------------------------

echo "== CGI"
srv cgi --bin "$BIN" --cache "$CACHE"

# 3. The own pool -----------------------------------------------------------------------------

echo "== the own pool"
SOCK=$RUN/pool.sock
if [ "${#SOCK}" -gt 100 ]; then  # sun_path holds 108 bytes
  IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
  SOCK=$IT_EXTRA_DIR/pool.sock
fi
it_bg pool "$RUN/pool.log" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" "$BIN" --listen "$SOCK" \
  --workers 2 --pid-file "$RUN/pool.pid"
if it_wait_file "$RUN/pool.pid" 5; then
  MASTER=$(cat "$RUN/pool.pid")
  sleep 0.3
  srv fcgi --sock "$SOCK"
  if it_alive "$MASTER"; then it_pass "the pool ran to the end"; else it_fail "the pool died"; fi
  # /health never shows the server URLs (§16.4)
  health=$(env REQUEST_METHOD=GET SCRIPT_NAME=/health REQUEST_URI=/health QUERY_STRING= \
    cgi-fcgi -bind -connect "$SOCK" 2>/dev/null)
  case $health in
    *'"status"'*)
      case $health in
        *"$A_PORT"* | *"$B_PORT"* | *localhost*) it_fail "/health names a server: $health" ;;
        *) it_pass "/health answers and names no server URL" ;;
      esac ;;
    *) it_fail "/health did not answer: $health" ;;
  esac
else
  it_fail "the pool did not start (see $RUN/pool.log)"
fi

it_eq "A's trap saw no connection" 0 "$(it_paging_trap "$A_URL")"
it_finish
