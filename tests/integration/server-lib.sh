# server-lib.sh - one configuration of apache-conf/ end to end, with the real web server on
# loopback (sourced by tests/integration/server-*.sh, never run).
#
#   server_test KIND     KIND: apache-fcgid, apache-proxy-fcgi, apache-cgi,
#                        lighttpd-bin-path, lighttpd-socket, nginx
#
# 1. json-server 0.17 as the upstream API; the pet store, user-param.yaml and the pet
#    store's examples compiled into a cache directory.
# 2. The worker copied into a private directory under /tmp (short socket paths, and
#    readable by the user Apache runs its children as when the test runs as root); for
#    the proxy configurations the worker's own pool started on a socket there.
# 3. apache-conf/KIND.conf filled in by scripts/fill-conf.sh, checked by the server
#    itself (-t), the server started in the foreground on a free loopback port (retried on
#    another port if that one was taken meanwhile).
# 4. Through HTTP: flow.py's CRUD scenario (describe, save, load, queries, update, delete,
#    the errors, one log line per request, the Authorization header reaching the worker as
#    $User.Email), and an example-mode load and describe with curl.
# 5. A worker killed with SIGKILL while four clients load: the requests after it succeed
#    and (FastCGI) a new worker has taken its place.
# 6. The server stopped by the PID it wrote: it exits, and no worker is left behind.
#
# Exit 0 pass, 1 fail, 77 skip (the server, a module, node or json-server missing).

. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

server_test() {
  KIND=$1
  it_init "server-$KIND"
  BIN=$top_builddir/src/worker/openapi-connector
  [ -x "$BIN" ] && [ -x "$top_builddir/src/compile/openapi-connector-compile" ] ||
    { echo "build the programs first"; exit 99; }
  command -v curl >/dev/null 2>&1 || it_skip "curl is not installed"
  MODULES=/usr/lib/apache2/modules
  POOL=
  case $KIND in
    apache-*)
      SERVER=$(command -v apache2 || echo /usr/sbin/apache2)
      [ -x "$SERVER" ] || it_skip "apache2 is not installed (./build.sh test installs it)"
      case $KIND in
        apache-fcgid) _mod=mod_fcgid.so ;;
        apache-proxy-fcgi) _mod=mod_proxy_fcgi.so; POOL=1 ;;
        *) _mod=mod_cgi.so ;;
      esac
      [ -f "$MODULES/$_mod" ] ||
        it_skip "$MODULES/$_mod is missing (Debian package libapache2-mod-fcgid for mod_fcgid)"
      ;;
    lighttpd-*)
      SERVER=$(command -v lighttpd || echo /usr/sbin/lighttpd)
      [ -x "$SERVER" ] || it_skip "lighttpd is not installed (./build.sh test installs it)"
      [ "$KIND" = lighttpd-socket ] && POOL=1
      ;;
    nginx)
      SERVER=$(command -v nginx || echo /usr/sbin/nginx)
      [ -x "$SERVER" ] || it_skip "nginx is not installed (Debian package nginx-light; ./build.sh test installs it)"
      POOL=1
      ;;
    *) echo "server_test: unknown configuration $KIND"; exit 99 ;;
  esac

  # the private directory: Apache's children run as nobody when the test runs as root
  SRV=$(mktemp -d /tmp/oac-srv.XXXXXX) || exit 99
  IT_EXTRA_DIR=$SRV
  chmod 755 "$SRV"
  mkdir -p "$SRV/www" "$SRV/cache" "$SRV/fcgid"
  cp "$BIN" "$SRV/openapi-connector"
  WORKER=$SRV/openapi-connector
  if [ "$(id -u)" -eq 0 ]; then
    RUN_USER=nobody RUN_GROUP=nogroup
    chown nobody "$SRV/fcgid"
  else
    RUN_USER=$(id -un) RUN_GROUP=$(id -gn)
  fi

  it_upstream
  it_compile_caches "$SRV/cache"
  EXAMPLE_URL=http://example.test/petstore-example.yaml
  "$top_builddir/src/compile/openapi-connector-compile" --quiet --as "$EXAMPLE_URL" \
    --server "http://127.0.0.1:$(it_free_port)" --cache-dir "$SRV/cache" \
    "$top_srcdir/examples/petstore-flow.yaml" >>"$RUN/compile.log" 2>&1
  it_eq "compile the pet store for example mode" 0 $?
  chmod -R a+rX "$SRV"
  # shared caches (issue 18): every FastCGI mode maps snapshots in $SRV/snapshots, owned
  # by the workers' user: nobody for mod_fcgid's as root, root for the own pool's and
  # lighttpd's (a directory of another account is refused); mod_fcgid passes only
  # FcgidInitialEnv variables on
  mkdir -p "$SRV/snapshots"
  [ "$(id -u)" -eq 0 ] && [ "$KIND" = apache-fcgid ] && chown "$RUN_USER" "$SRV/snapshots"
  OPENAPI_CONNECTOR_SNAPSHOT_DIR=$SRV/snapshots
  export OPENAPI_CONNECTOR_SNAPSHOT_DIR

  SOCK=$SRV/pool.sock
  if [ -n "$POOL" ]; then
    it_bg pool "$SRV/worker.log" "$WORKER" --listen "$SOCK" --workers 2 --socket-mode 0666 \
      --cache-dir "$SRV/cache" --prefix /openapi --timeout 1 --pid-file "$SRV/pool.pid"
    POOL_PID=$IT_LAST_PID
    if it_wait_file "$SRV/pool.pid" 5 && [ -S "$SOCK" ]; then
      it_pass "the own pool listens on $SOCK"
    else
      it_fail "the own pool did not start (see $SRV/worker.log)"
      it_finish
    fi
  fi

  server_start
  if [ -z "$PORT" ]; then
    it_fail "$KIND: the server did not start"
    it_finish
  fi
  case $KIND in
    apache-fcgid|apache-cgi) WLOG=$SRV/error.log ;;
    lighttpd-bin-path) WLOG=$SRV/server.out ;;   # lighttpd hands its stderr to the workers
    *) WLOG=$SRV/worker.log ;;                   # the own pool's
  esac
  BASE=http://127.0.0.1:$PORT

  echo "== $KIND: the CRUD scenario through $BASE/openapi"
  it_scenario --mode http --base "$BASE" --prefix /openapi --worker-log "$WLOG" \
    --transcript "$RUN/transcript.txt"

  server_example_mode
  server_kill_under_load
  server_stop

  # shared caches (issue 18): the FastCGI workers served from snapshots (CGI never does)
  n_snap=$(find "$SRV/snapshots" -name '*.cache' -perm 0444 | wc -l)
  if [ "$KIND" = apache-cgi ]; then
    it_eq "$KIND: CGI processes write no snapshot" 0 "$n_snap"
  elif [ "$n_snap" -ge 1 ]; then
    it_pass "$KIND: the workers mapped snapshots ($n_snap files of mode 0444)"
  else
    it_fail "$KIND: the workers mapped snapshots: none in $SRV/snapshots"
  fi
  it_file_lacks "$KIND: no snapshot directory warning" "$WLOG" "snapshot directory"

  for f in "$WLOG" "$SRV/error.log" "$SRV/server.out"; do
    [ -f "$f" ] && it_file_lacks "$(basename "$f") never holds the API key" "$f" "$API_KEY"
  done
  if it_alive "$JS_PID"; then
    it_pass "json-server ran to the end"
  else
    it_fail "json-server died (see $RUN/json-server.log)"
  fi
  if [ -n "${KEEP_RUN:-}" ] || [ -n "$(grep '^FAIL:' "$IT_RESULTS")" ]; then
    cp -r "$SRV" "$RUN/srv" 2>/dev/null  # the configuration and logs, kept with the run
  fi
  it_finish
}

# Writes the configuration for port $1 and checks it; the server's own check must pass.
server_config() {
  sh "$top_srcdir/scripts/fill-conf.sh" "$top_srcdir/apache-conf/$KIND.conf" \
    BASE="$SRV" PORT="$1" WORKER="$WORKER" CACHE_DIR="$SRV/cache" TIMEOUT=1 \
    USER="$RUN_USER" GROUP="$RUN_GROUP" MODULES="$MODULES" SOCKET="$SOCK" \
    >"$SRV/server.conf" || return 1
  # shared caches (issue 18): mod_fcgid's workers get the snapshot directory this way
  [ "$KIND" = apache-fcgid ] &&
    echo "FcgidInitialEnv OPENAPI_CONNECTOR_SNAPSHOT_DIR $SRV/snapshots" >>"$SRV/server.conf"
  case $KIND in
    apache-*) "$SERVER" -t -f "$SRV/server.conf" ;;
    lighttpd-*) "$SERVER" -tt -f "$SRV/server.conf" ;;
    nginx) "$SERVER" -t -q -p "$SRV" -c "$SRV/server.conf" -g 'daemon off;' ;;
  esac >"$SRV/configtest.log" 2>&1
}

# Starts the server in the foreground on a free port: sets PORT and SERVER_PID.
server_start() {
  PORT=
  for _attempt in 1 2 3; do
    _port=$(it_free_port)
    if ! server_config "$_port"; then
      it_fail "$KIND: the generated configuration passes the server's check"
      cat "$SRV/configtest.log"
      return
    fi
    # setsid: its own process group, because Apache's prefork MPM stops by signalling its
    # whole group (which would be this test otherwise)
    case $KIND in
      apache-*) set -- "$SERVER" -DFOREGROUND -f "$SRV/server.conf" ;;
      lighttpd-*) set -- "$SERVER" -D -f "$SRV/server.conf" ;;
      nginx) set -- "$SERVER" -p "$SRV" -c "$SRV/server.conf" -g 'daemon off;' ;;
    esac
    it_bg "$KIND" "$SRV/server.out" setsid "$@"
    SERVER_PID=$IT_LAST_PID
    if it_wait_http "http://127.0.0.1:$_port/openapi/health" 20 "$SERVER_PID"; then
      PORT=$_port
      break
    fi
    it_stop "$SERVER_PID"
    echo "$KIND did not come up on port $_port (attempt $_attempt):"
    tail -5 "$SRV/server.out" "$SRV/error.log" 2>/dev/null
  done
  [ -n "$PORT" ] || return
  it_pass "$KIND: the generated configuration passes the server's check"
  it_pass "$KIND serves on 127.0.0.1:$PORT (started in the foreground)"
  _pidfile=$SRV/apache.pid
  case $KIND in lighttpd-*) _pidfile=$SRV/lighttpd.pid ;; nginx) _pidfile=$SRV/nginx.pid ;; esac
  it_wait_file "$_pidfile" 5
  it_eq "$KIND: its PID file names the process started" "$SERVER_PID" "$(cat "$_pidfile" 2>/dev/null)"
}

EXAMPLE_LOAD='"objectDataType":{"developerName":"PetExample"},"listFilter":{"id":"2"}'

# POST $1 (path below /openapi) with body $2 and Flow's Authorization header: prints the
# status, the body goes to $SRV/answer.
server_post() {
  curl -s --max-time 20 -o "$SRV/answer" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' \
    -H 'Authorization: ManyWhoTenantId%3Dt%26UserId%3DPUBLIC_USER' --data-binary "$2" \
    "$BASE/openapi$1"
}

# server_answer_is WHAT CODE WORDS...: the last server_post answered CODE with all WORDS
server_answer_is() {
  _what=$1 _code=$2
  shift 2
  _ok=yes
  [ "$_code" = 200 ] || _ok=no
  for _w in "$@"; do
    grep -q -F -e "$_w" "$SRV/answer" || _ok=no
  done
  if [ $_ok = yes ]; then
    it_pass "$_what"
  else
    it_fail "$_what
      expected: 200 with $*
      got:      $_code $(head -c 300 "$SRV/answer")"
  fi
}

server_example_mode() {
  _cfg='"configurationValues":[{"developerName":"Schema URL","contentValue":"'$EXAMPLE_URL'"}]'
  server_answer_is "$KIND: example-mode load of PetExample 2 with curl" \
    "$(server_post /data "{$_cfg,$EXAMPLE_LOAD}")" '"externalId":"2"' '"contentValue":"Tom"'
  server_answer_is "$KIND: describe of the example document with curl" \
    "$(server_post /metadata "{$_cfg}")" '"developerName":"PetExample"' '"typeElements"'
}

# The worker processes (not the pool's master). The pool's processes carry titles
# ("openapi-connector: worker", product.md §16.1), not the program's path: they are the
# master's children.
server_workers() {
  if [ -n "$POOL" ]; then
    pgrep -P "$POOL_PID" | sort -n | tr '\n' ' '
  else
    pgrep -f "^$WORKER" | sort -n | tr '\n' ' '
  fi
}

server_kill_under_load() {
  _cfg='"configurationValues":[{"developerName":"Schema URL","contentValue":"'$EXAMPLE_URL'"}]'
  printf '%s' "{$_cfg,$EXAMPLE_LOAD}" >"$SRV/load.json"
  _before=$(server_workers)
  rm -f "$SRV"/codes.*
  _loaders=
  for _n in 1 2 3 4; do
    (
      _i=0
      while [ $_i -lt 150 ] && [ ! -f "$SRV/stop-load" ]; do
        curl -s -o /dev/null --max-time 20 -w '%{http_code}\n' -X POST \
          -H 'Content-Type: application/json' --data-binary "@$SRV/load.json" \
          "$BASE/openapi/data" >>"$SRV/codes.$_n"
        _i=$((_i + 1))
      done
    ) &
    _loaders="$_loaders $!"
  done
  # mod_cgi: a CGI process lives only during its request, and an example-mode answer
  # takes well under a millisecond; so one request that waits for the slow upstream
  # (json-server's pet 9504 answers after 3 s, the worker gives up after 1 s) keeps a
  # process around to be killed
  if [ "$KIND" = apache-cgi ]; then
    _slow='{"configurationValues":[{"developerName":"Schema URL","contentValue":"'$SCHEMA_URL'"}],"objectDataType":{"developerName":"Pet"},"listFilter":{"id":"9504"}}'
    curl -s -o /dev/null --max-time 20 -X POST -H 'Content-Type: application/json' \
      --data-binary "$_slow" "$BASE/openapi/data" &
    _loaders="$_loaders $!"
  fi
  # under way: some answers in, then SIGKILL one worker (for CGI, the first caught)
  _victim=
  _deadline=$(( $(date +%s) + 10 ))
  while [ -z "$_victim" ] && [ "$(date +%s)" -lt "$_deadline" ]; do
    if [ "$(cat "$SRV"/codes.* 2>/dev/null | wc -l)" -ge 20 ]; then
      for _p in $(server_workers); do
        if kill -KILL "$_p" 2>/dev/null; then
          _victim=$_p
          break
        fi
      done
    fi
    [ -n "$_victim" ] || sleep 0.01
  done
  _killed_at=$(cat "$SRV"/codes.* 2>/dev/null | wc -l)
  sleep 0.5
  touch "$SRV/stop-load"
  for _p in $_loaders; do wait "$_p"; done
  rm -f "$SRV/stop-load"
  if [ -n "$_victim" ]; then
    it_pass "$KIND: a worker (pid $_victim) killed with SIGKILL after $_killed_at answers under load"
  else
    it_fail "$KIND: no worker process found to kill (workers before: $_before)"
  fi
  _total=$(cat "$SRV"/codes.* | wc -l)
  _ok=$(cat "$SRV"/codes.* | grep -c '^200$')
  echo "   load: $_ok of $_total answers were 200 ($(cat "$SRV"/codes.* | sort | uniq -c | tr '\n' ' '))"
  # at most the requests in the killed worker's hands may fail
  if [ "$_total" -gt 0 ] && [ $((_total - _ok)) -le 4 ]; then
    it_pass "$KIND: under load, at most the requests the killed worker held failed ($((_total - _ok)) of $_total)"
  else
    it_fail "$KIND: under load, $((_total - _ok)) of $_total requests failed"
  fi
  # the requests after it: twenty in a row, all answered
  _good=0
  for _i in $(seq 20); do
    if [ "$(server_post /data "$(cat "$SRV/load.json")")" = 200 ] &&
       grep -q '"contentValue":"Tom"' "$SRV/answer"; then
      _good=$((_good + 1))
    fi
  done
  it_eq "$KIND: twenty requests after the kill all answered 200" 20 "$_good"
  case $KIND in
    apache-cgi) return ;;          # a process per request: nothing to replace
  esac
  _after=$(server_workers)
  case " $_after " in
    *" $_victim "*) it_fail "$KIND: the killed worker $_victim is gone (workers: $_after)" ;;
    *) it_pass "$KIND: the killed worker is gone" ;;
  esac
  if [ -n "$POOL" ]; then
    _n=$(pgrep -P "$POOL_PID" | wc -l)
    it_eq "$KIND: the pool runs its 2 workers again" 2 "$_n"
  else
    # a spawning server replaces a dead process on its own schedule (lighttpd looks at its
    # backends once a second): wait for the new one up to 10 s
    _new=
    _deadline=$(( $(date +%s) + 10 ))
    while :; do
      for _p in $_after; do
        case " $_before " in *" $_p "*) ;; *) _new="$_new $_p" ;; esac
      done
      [ -z "$_new" ] && [ "$(date +%s)" -lt "$_deadline" ] || break
      sleep 0.2
      _after=$(server_workers)
    done
    it_eq "$KIND: the server started a new worker (before: $_before; after: $_after)" \
      yes "$([ -n "$_new" ] && echo yes || echo no)"
  fi
}

server_stop() {
  kill -TERM "$SERVER_PID"
  _i=0
  while it_alive "$SERVER_PID" && [ $_i -lt 100 ]; do
    sleep 0.1
    _i=$((_i + 1))
  done
  if it_alive "$SERVER_PID"; then
    it_fail "$KIND: stops on SIGTERM to the PID it wrote (still running after 10 s)"
  else
    wait "$SERVER_PID" 2>/dev/null
    it_pass "$KIND: stops on SIGTERM to the PID it wrote"
  fi
  if [ -n "$POOL" ]; then
    _pool_workers=$(server_workers)
    kill -TERM "$POOL_PID"
    _i=0
    while it_alive "$POOL_PID" && [ $_i -lt 50 ]; do
      sleep 0.1
      _i=$((_i + 1))
    done
    wait "$POOL_PID" 2>/dev/null
  fi
  # the processes that carry the program's path, and the pool's workers seen before the stop
  _left() {
    { pgrep -f "^$WORKER"; for _p in ${_pool_workers:-}; do it_alive "$_p" && echo "$_p"; done; } |
      tr '\n' ' '
  }
  _i=0
  while [ -n "$(_left)" ] && [ $_i -lt 50 ]; do
    sleep 0.1
    _i=$((_i + 1))
  done
  it_eq "$KIND: no worker process left behind" "" "$(_left)"
}
