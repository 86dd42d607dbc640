#!/bin/sh
# security.sh - product.md §10's safety rules against real servers on loopback, as CGI and
# through the own pool (tests/integration/security.py, the document security.yaml, the API
# tests/integration/fault-upstream.py, which records the raw request target and headers it
# received, and a trap: a listening socket on another port that records every accept):
#
#   * path values holding ../ ? # %2f / .. . //host:port @host:port ... reach the API as ONE
#     percent-encoded segment (the raw target it received is compared), in loads and updates;
#   * CR, LF or CR LF in any value that would reach a header - $User fields (from Flow's
#     Authorization header) in a header parameter, object properties in a header or cookie
#     parameter, the API Key configuration value - is a 400 and nothing is sent; in a query
#     value it is percent-encoded; a clean save shows the header, cookie and key arrive;
#   * the worker connects only to hosts its compiled documents name: an uncompiled Schema
#     URL on the trap's port (400, no connection anywhere), a redirect to another port or
#     host name (502, only the first request reached the API, the trap saw nothing), an API
#     key sent in the query left out of the message;
#   * last: no log of this run (worker, pool, API, compiler) holds the API key, the client
#     secret, the password or the user's token that every request carried.
#
# Needs python3 and cgi-fcgi (libfcgi-bin); no node. Run by `make check`; by hand:
# top_builddir=/path/to/build sh tests/integration/security.sh (KEEP_RUN=1 keeps the run
# directory). Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
it_init security

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
SEC_URL=http://example.test/security.yaml
FAULTY_URL=http://example.test/petstore-faulty.yaml
# What every request carries; no log may show any of it.
SEC_API_KEY=K-SEC-apikey-7f3a
SEC_CLIENT_SECRET=CS-SEC-clientsecret-91b
SEC_PASSWORD=PW-SEC-password-55c
SEC_TOKEN=TK-SEC-token-23d

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

# 1. The API, the trap, the caches ------------------------------------------------------------

mkdir -p "$RUN/fault"
it_bg fault-upstream "$RUN/fault-upstream.log" python3 "$here/fault-upstream.py" --dir "$RUN/fault"
FAULT_PID=$IT_LAST_PID
if ! it_wait_file "$RUN/fault/port" 10; then
  it_fail "fault-upstream.py did not start (see $RUN/fault-upstream.log)"
  it_finish
fi
FAULT=http://127.0.0.1:$(cat "$RUN/fault/port")
TRAP_PORT=$(cat "$RUN/fault/trap-port")
# The trap works: a connection made here is recorded (and is the only one allowed).
python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()' "$TRAP_PORT"
sleep 0.2
it_eq "the trap on port $TRAP_PORT records a connection (control)" 1 "$(wc -l <"$RUN/fault/trap.jsonl" | tr -d ' ')"

CACHE=$RUN/cache
"$COMPILE" --quiet --server "$FAULT" --as "$SEC_URL" --cache-dir "$CACHE" \
  "$here/security.yaml" >"$RUN/compile.log" 2>&1
it_eq "compile tests/integration/security.yaml for $FAULT" 0 $?
"$COMPILE" --quiet --server "$FAULT" --as "$FAULTY_URL" --cache-dir "$CACHE" \
  "$top_srcdir/examples/petstore-flow.yaml" >>"$RUN/compile.log" 2>&1
it_eq "compile the pet store for $FAULT" 0 $?

printf '{"api_key":"%s","client_secret":"%s","password":"%s","token":"%s"}\n' \
  "$SEC_API_KEY" "$SEC_CLIENT_SECRET" "$SEC_PASSWORD" "$SEC_TOKEN" >"$RUN/secrets.json"

sec() { # MODE ARGS...
  _mode=$1
  shift
  python3 "$here/security.py" --mode "$_mode" --fault-dir "$RUN/fault" --sec-url "$SEC_URL" \
    --faulty-url "$FAULTY_URL" --trap-port "$TRAP_PORT" --secrets "$RUN/secrets.json" \
    --results "$IT_RESULTS" --transcript "$RUN/transcript-$_mode.txt" "$@"
  _rc=$?
  [ "$_rc" -le 1 ] || it_fail "security.py --mode $_mode stopped with exit status $_rc"
}

# 2. CGI --------------------------------------------------------------------------------------

echo "== CGI"
sec cgi --bin "$BIN" --cache "$CACHE" --worker-log "$RUN/cgi-stderr.log"

# 3. The own pool -----------------------------------------------------------------------------

echo "== the own pool"
SOCK=$RUN/pool.sock
if [ "${#SOCK}" -gt 100 ]; then  # sun_path holds 108 bytes
  IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
  SOCK=$IT_EXTRA_DIR/pool.sock
fi
# debug: the most the worker ever logs
it_bg pool "$RUN/pool.log" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" OPENAPI_CONNECTOR_TIMEOUT=2 \
  OPENAPI_CONNECTOR_LOG_LEVEL=debug "$BIN" --listen "$SOCK" --workers 2 --pid-file "$RUN/pool.pid"
if it_wait_file "$RUN/pool.pid" 5; then
  MASTER=$(cat "$RUN/pool.pid")
  sleep 0.3
  sec fcgi --sock "$SOCK" --worker-log "$RUN/pool.log"
  if it_alive "$MASTER"; then it_pass "the pool ran to the end"; else it_fail "the pool died"; fi
else
  it_fail "the pool did not start (see $RUN/pool.log)"
fi

# 4. Last: no secret in any log of this run ---------------------------------------------------

if it_alive "$FAULT_PID"; then it_pass "fault-upstream.py ran to the end"; else it_fail "fault-upstream.py died"; fi
it_eq "the trap saw no connection but the control one" 1 "$(wc -l <"$RUN/fault/trap.jsonl" | tr -d ' ')"
n=0
for f in "$RUN"/*.log; do
  n=$((n + 1))
  for s in "$SEC_API_KEY" "$SEC_CLIENT_SECRET" "$SEC_PASSWORD" "$SEC_TOKEN"; do
    it_file_lacks "$(basename "$f") does not hold ${s%%-*}-SEC..." "$f" "$s"
  done
done
# the secrets did travel: the API's record (not a log) holds the key and the password
if grep -q -F "$SEC_API_KEY" "$RUN/fault/requests.jsonl" && grep -q -F "$SEC_PASSWORD" "$RUN/fault/requests.jsonl"; then
  it_pass "the secrets were sent (the API received the key and the password): the log checks are not vacuous ($n logs)"
else
  it_fail "the API never received the key or the password: the log checks prove nothing"
fi

it_finish
