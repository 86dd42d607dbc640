# lib.sh - helpers for the integration tests (POSIX sh; sourced, never run).
#
#   it_init NAME         top_srcdir/top_builddir defaults, the run directory
#                        ($top_builddir/tests/integration/run.XXXXXX, in $RUN), the
#                        results file, and the cleanup trap: whatever it_bg started is
#                        stopped on any exit, the run directory is removed after a pass and
#                        kept (its path printed) after a failure or with KEEP_RUN=1
#   it_skip WHY          print "SKIP: WHY" and exit 77
#   it_pass / it_fail    one result line (counted by it_finish)
#   it_eq WHAT EXP GOT   pass when equal, else fail printing both
#   it_file_lacks WHAT FILE STRING
#   it_free_port         a TCP port nobody listens on now (127.0.0.1)
#   it_bg NAME LOG CMD.. start CMD in the background, output to LOG, PID remembered
#   it_track NAME PID    remember a process that something else started (stopped likewise)
#   it_alive PID
#   it_wait_http URL SECS PID   poll URL until it answers; fail early when PID dies
#   it_wait_file FILE SECS      until FILE exists and is not empty
#   it_stop PID          SIGTERM, up to 5 s, then SIGKILL (only processes we started)
#   it_finish            the summary line "NAME: N passed, N failed"; exit 0 or 1
#   it_upstream          json-server 0.17 on a free port serving a copy of db.json with
#                        the recording middleware: sets UPSTREAM, JS_PID, RECORD (skips
#                        when node/npm/json-server cannot be had)
#   it_compile_caches DIR  compiles into DIR: the pet store against $UPSTREAM as
#                        $SCHEMA_URL, again against a closed port as $REFUSED_URL, and
#                        user-param.yaml against $UPSTREAM as $USER_URL
#   it_fcgi_start [NAME=VALUE...]  $BIN as a FastCGI responder started by cgi-fcgi -start
#                        on a socket of the run, with that environment: sets SOCK, WLOG
#                        (its stderr), WPID (tracked); 1 after a FAIL line when it cannot
#   it_fcgi_end WHAT     PASS WHAT when that worker is still alive (FAIL otherwise); stops it
#   it_scenario ARGS..   flow.py's CRUD scenario against them (--mode and how to reach
#                        the worker in ARGS); its PASS/FAIL lines go to the results

it_init() {
  IT_NAME=$1
  here=$(cd "$(dirname "$0")" && pwd)
  : "${top_srcdir:=$(cd "$here/../.." && pwd)}"
  : "${top_builddir:=$top_srcdir}"
  export top_srcdir top_builddir
  # product.md §16.1: a pool started as root refuses without --user or --allow-root; every
  # pool these suites start runs as the caller (root on CI)
  [ "$(id -u)" != 0 ] || export OPENAPI_CONNECTOR_ALLOW_ROOT=1
  mkdir -p "$top_builddir/tests/integration" || exit 99
  RUN=$(mktemp -d "$top_builddir/tests/integration/run.XXXXXX") || exit 99
  IT_RESULTS=$RUN/results.txt
  : >"$IT_RESULTS"
  # shared caches (issue 18): FastCGI workers started by a suite (own pool, or spawned by
  # lighttpd / Apache when they pass the environment on) map snapshots in the run
  # directory, never in the installed default; a suite may set its own
  : "${OPENAPI_CONNECTOR_SNAPSHOT_DIR=$RUN/snapshots}"
  export OPENAPI_CONNECTOR_SNAPSHOT_DIR
  IT_PIDS=
  trap it_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

it_cleanup() {
  rc=$?
  trap - EXIT INT TERM HUP
  for p in $IT_PIDS; do
    it_stop "$p"
  done
  if [ -n "${IT_EXTRA_DIR:-}" ]; then
    rm -rf "$IT_EXTRA_DIR"
  fi
  if [ "$rc" -eq 0 ] && [ "${KEEP_RUN:-0}" != 1 ]; then
    rm -rf "$RUN"
  elif [ "$rc" -ne 77 ]; then
    echo "run directory kept: $RUN"
  else
    rm -rf "$RUN"
  fi
  exit "$rc"
}

it_skip() {
  echo "SKIP: $*"
  exit 77
}

it_pass() {
  echo "PASS: $*"
  echo "PASS: $*" >>"$IT_RESULTS"
}

it_fail() {
  echo "FAIL: $*"
  echo "FAIL: $*" >>"$IT_RESULTS"
}

# it_eq WHAT EXPECTED GOT
it_eq() {
  if [ "$2" = "$3" ]; then
    it_pass "$1"
  else
    it_fail "$1
      expected: $2
      got:      $3"
  fi
}

# it_file_lacks WHAT FILE STRING: FILE must not contain STRING (fixed string).
it_file_lacks() {
  if [ ! -f "$2" ]; then
    it_fail "$1 (no file $2)"
  elif grep -F -q -e "$3" "$2"; then
    it_fail "$1
      expected: no '$3' in $2
      got:      $(grep -F -n -e "$3" "$2" | head -3)"
  else
    it_pass "$1"
  fi
}

it_free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# it_bg NAME LOG CMD...: $IT_LAST_PID is the new process.
it_bg() {
  _name=$1
  _log=$2
  shift 2
  "$@" >"$_log" 2>&1 </dev/null &
  IT_LAST_PID=$!
  it_track "$_name" "$IT_LAST_PID"
}

it_track() {
  IT_PIDS="$IT_PIDS $2"
  echo "started $1 (pid $2)" >>"$RUN/pids.txt"
}

# A zombie (a child that died and was not waited for yet) is not alive, nor a process
# whose /proc entry went away after kill -0 found it.
it_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  _st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$_st" ] && [ "$_st" != Z ]
}

# it_wait_http URL SECONDS PID
it_wait_http() {
  _deadline=$(( $(date +%s) + $2 ))
  while :; do
    if curl -s -o /dev/null --max-time 2 "$1"; then
      return 0
    fi
    if [ -n "${3:-}" ] && ! it_alive "$3"; then
      return 1
    fi
    if [ "$(date +%s)" -ge "$_deadline" ]; then
      return 1
    fi
    sleep 0.1
  done
}

# it_wait_file FILE SECONDS
it_wait_file() {
  _deadline=$(( $(date +%s) + $2 ))
  while [ ! -s "$1" ]; do
    if [ "$(date +%s)" -ge "$_deadline" ]; then
      return 1
    fi
    sleep 0.05
  done
  return 0
}

it_stop() {
  it_alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null
  _i=0
  while it_alive "$1" && [ "$_i" -lt 50 ]; do
    sleep 0.1
    _i=$((_i + 1))
  done
  if it_alive "$1"; then
    kill -KILL "$1" 2>/dev/null
  fi
  wait "$1" 2>/dev/null || true
}

it_finish() {
  _p=$(grep -c '^PASS:' "$IT_RESULTS")
  _f=$(grep -c '^FAIL:' "$IT_RESULTS")
  echo
  if [ "$_f" -gt 0 ]; then
    echo "Failed checks:"
    grep '^FAIL:' "$IT_RESULTS"
  fi
  echo "$IT_NAME: $_p passed, $_f failed"
  if [ "$_f" -gt 0 ] || [ "$_p" -eq 0 ]; then
    exit 1
  fi
  exit 0
}

# What the CRUD scenario (flow.py) is given.
API_KEY=k-SECRET-123
SCHEMA_URL=http://example.test/petstore.yaml
REFUSED_URL=http://example.test/petstore-refused.yaml
USER_URL=http://example.test/user-param.yaml

it_upstream() {
  command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
  command -v node >/dev/null 2>&1 || it_skip "node is not installed (Debian package nodejs)"
  # OAC_JSON_SERVER_DIR lets several build trees share one install (the CI's two builds).
  _js=$(sh "$top_srcdir/scripts/json-server.sh" \
    "${OAC_JSON_SERVER_DIR:-$top_builddir/tests/node_modules}")
  _rc=$?
  if [ "$_rc" -eq 3 ]; then
    it_skip "json-server 0.17 cannot be had here: npm missing or its registry unreachable (see above)"
  elif [ "$_rc" -ne 0 ] || [ -z "$_js" ]; then
    it_fail "scripts/json-server.sh failed (exit $_rc)"
    it_finish
  fi
  # cat, not cp: the copy must be writable (json-server rewrites it; distcheck makes the
  # source tree read-only)
  cat "$top_srcdir/tests/integration/db.json" >"$RUN/db.json"
  RECORD=$RUN/upstream-requests.jsonl
  OAC_RECORD_FILE=$RECORD
  export OAC_RECORD_FILE
  UPSTREAM=
  for _attempt in 1 2 3; do
    _p=$(it_free_port)
    # the source first: --middlewares takes every word after it
    it_bg json-server "$RUN/json-server.log" node "$_js" "$RUN/db.json" --host 127.0.0.1 \
      --port "$_p" --middlewares "$top_srcdir/tests/integration/middleware.js"
    JS_PID=$IT_LAST_PID
    if it_wait_http "http://127.0.0.1:$_p/categories" 20 "$JS_PID"; then
      UPSTREAM=http://127.0.0.1:$_p
      break
    fi
    it_stop "$JS_PID"
    echo "json-server did not come up on port $_p (attempt $_attempt):"
    tail -5 "$RUN/json-server.log"
  done
  if [ -z "$UPSTREAM" ]; then
    it_fail "json-server did not start (see $RUN/json-server.log)"
    it_finish
  fi
  it_pass "json-server 0.17 listens on $UPSTREAM"
}

it_compile_caches() {
  _c=$top_builddir/src/compile/openapi-connector-compile
  "$_c" --quiet --server "$UPSTREAM" --as "$SCHEMA_URL" --cache-dir "$1" \
    "$top_srcdir/examples/petstore-flow.yaml" >"$RUN/compile.log" 2>&1
  it_eq "compile examples/petstore-flow.yaml for $UPSTREAM" 0 $?
  _closed=$(it_free_port)            # nothing listens there: connections are refused
  "$_c" --quiet --server "http://127.0.0.1:$_closed" --as "$REFUSED_URL" \
    --cache-dir "$1" "$top_srcdir/examples/petstore-flow.yaml" >>"$RUN/compile.log" 2>&1
  it_eq "compile the petstore again for a closed port" 0 $?
  "$_c" --quiet --server "$UPSTREAM" --as "$USER_URL" --cache-dir "$1" \
    "$top_srcdir/tests/integration/user-param.yaml" >>"$RUN/compile.log" 2>&1
  it_eq "compile tests/integration/user-param.yaml for $UPSTREAM" 0 $?
}

it_scenario() {
  python3 "$top_srcdir/tests/integration/flow.py" scenario --upstream "$UPSTREAM" \
    --record "$RECORD" --schema-url "$SCHEMA_URL" --refused-schema-url "$REFUSED_URL" \
    --api-key "$API_KEY" --user-schema-url "$USER_URL" --results "$IT_RESULTS" "$@"
  _rc=$?
  if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 1 ]; then
    it_fail "flow.py $1 $2 stopped with exit status $_rc"
  fi
}

it_fcgi_start() {
  if ! command -v cgi-fcgi >/dev/null 2>&1; then
    it_fail "cgi-fcgi is not installed (Debian package libfcgi-bin): FastCGI mode not tested"
    return 1
  fi
  SOCK=$RUN/worker.sock
  if [ "${#SOCK}" -gt 100 ]; then  # sun_path holds 108 bytes
    IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
    SOCK=$IT_EXTRA_DIR/worker.sock
  fi
  WLOG=$RUN/fcgi-worker.log
  : >"$WLOG"
  # cgi-fcgi -start closes the child's stderr and prints no PID: this wrapper (unique to
  # the run) writes its PID, which exec keeps, and sends the worker's log to a file.
  printf '#!/bin/sh\necho $$ >%s\nexec %s 2>>%s\n' "'$RUN/worker.pid'" "'$BIN'" "'$WLOG'" \
    >"$RUN/fcgi-worker"
  chmod +x "$RUN/fcgi-worker"
  env "$@" cgi-fcgi -start -connect "$SOCK" "$RUN/fcgi-worker" >"$RUN/cgi-fcgi-start.log" 2>&1
  it_eq "cgi-fcgi -start" 0 $?
  if ! it_wait_file "$RUN/worker.pid" 5; then
    it_fail "fcgi: the worker did not start (no $RUN/worker.pid)"
    return 1
  fi
  WPID=$(cat "$RUN/worker.pid")
  it_track fastcgi-worker "$WPID"
  it_wait_file "$WLOG" 5 || true     # its start-up line, before the first request
}

it_fcgi_end() {
  if it_alive "$WPID"; then
    it_pass "$1"
  else
    it_fail "fcgi: the FastCGI worker (pid $WPID) died"
  fi
  it_stop "$WPID"
}

# it_oauth2_provider: oauth2-mock-server (npm, through scripts/npm-tool.sh) behind
# tests/integration/identity-provider.mjs with CLIENT_ID, CLIENT_SECRET and SECRETS (the
# caller's); skips with a printed reason without node or npm. Sets OMS, PROVIDER_LOG,
# PROVIDER_PID, PROVIDER (its URL) and API (the bearer-protected API's URL).
it_oauth2_provider() {
  command -v node >/dev/null 2>&1 || it_skip "node is not installed (Debian package nodejs)"
  OMS=$(sh "$top_srcdir/scripts/npm-tool.sh" oauth2-mock-server 8.2.3 \
    "${OAC_NPM_DIR:-${OAC_JSON_SERVER_DIR:-$top_builddir/tests/node_modules}}" dist/index.mjs)
  _rc=$?
  if [ "$_rc" -eq 3 ]; then
    it_skip "oauth2-mock-server 8.2.3 cannot be had here: npm missing or its registry unreachable (see above)"
  elif [ "$_rc" -ne 0 ] || [ -z "$OMS" ]; then
    it_fail "scripts/npm-tool.sh oauth2-mock-server failed (exit $_rc)"
    it_finish
  fi
  : >"$SECRETS"
  PROVIDER_LOG=$RUN/provider.log
  it_bg provider "$PROVIDER_LOG" node "$top_srcdir/tests/integration/identity-provider.mjs" \
    --lib "$OMS" --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" \
    --secrets "$SECRETS" --ports-file "$RUN/provider.ports"
  PROVIDER_PID=$IT_LAST_PID
  if ! it_wait_file "$RUN/provider.ports" 20; then
    it_fail "the provider did not start (see $PROVIDER_LOG)"
    tail -5 "$PROVIDER_LOG"
    it_finish
  fi
  read -r _pport _aport <"$RUN/provider.ports"
  PROVIDER=http://127.0.0.1:$_pport
  API=http://127.0.0.1:$_aport
}
