#!/bin/sh
# worker-pool.sh - the worker's own pool (openapi-connector --listen --workers), driven
# with cgi-fcgi -bind over its socket, as mod_proxy_fcgi / nginx / lighttpd "socket" would:
# exactly N workers, example-mode loads answered, a worker killed with SIGKILL is replaced
# and the next requests succeed, --max-requests recycles workers, SIGHUP keeps serving,
# SIGTERM stops everything and removes the PID file and the socket; the same on TCP;
# --daemon detaches, --socket-mode sets the socket's permissions; a log line held back
# for a waiting request that another worker takes is still written (within a second).
# Needs cgi-fcgi (libfcgi-bin). No upstream: the document is served in example mode.
set -u
. "$(dirname "$0")/lib.sh"
it_init worker-pool

command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
[ -x "$BIN" ] && [ -x "$COMPILE" ] || { echo "build the programs first"; exit 99; }

mkdir -p "$RUN/cache"
"$COMPILE" -q --cache-dir "$RUN/cache" --as pool-test --server http://127.0.0.1:9 \
  "$top_srcdir/examples/petstore-flow.yaml" >"$RUN/compile.log" 2>&1 ||
  { cat "$RUN/compile.log"; it_fail "the example compiles"; it_finish; }

BODY='{"configurationValues":[{"developerName":"Schema URL","contentValue":"pool-test"}],"objectDataType":{"developerName":"PetExample"},"listFilter":{"id":"2"}}'
printf '%s' "$BODY" >"$RUN/body.json"

# one load through the socket ($1): prints the Status line and the pet's name
load() {
  REQUEST_METHOD=POST REQUEST_URI=/openapi/data CONTENT_LENGTH=$(wc -c <"$RUN/body.json") \
    cgi-fcgi -bind -connect "$1" <"$RUN/body.json" 2>/dev/null >"$RUN/answer" || true
  _st=$(head -1 "$RUN/answer" | tr -d '\r')
  case $(cat "$RUN/answer") in *'"contentValue":"Tom"'*) _pet=Tom ;; *) _pet=none ;; esac
  echo "$_st $_pet"
}

kids() { pgrep -P "$1" | sort | tr '\n' ' '; }

count() { set -- $1; echo $#; }

# waits until the master $1 has $2 children; prints them
wait_kids() {
  _i=0
  while [ "$(count "$(kids "$1")")" != "$2" ] && [ "$_i" -lt 50 ]; do
    sleep 0.1
    _i=$((_i + 1))
  done
  kids "$1"
}

run_pool() { # ADDR
  addr=$1
  export OPENAPI_CONNECTOR_CACHE_DIR="$RUN/cache"
  it_bg "pool $addr" "$RUN/pool.log" \
    "$BIN" --listen "$addr" --workers 3 --max-requests 4 --pid-file "$RUN/pool.pid"
  shell_pid=$IT_LAST_PID
  it_wait_file "$RUN/pool.pid" 5 || { it_fail "$addr: the pool writes its PID file"; return; }
  master=$(cat "$RUN/pool.pid")
  it_eq "$addr: the PID file names the process started (foreground)" "$shell_pid" "$master"
  k=$(wait_kids "$master" 3)
  it_eq "$addr: exactly 3 workers" 3 "$(count "$k")"
  sleep 0.2
  it_eq "$addr: an example-mode load through the pool" "Status: 200 OK Tom" "$(load "$addr")"

  # SIGKILL a worker: the master starts another, and requests keep succeeding
  victim=${k%% *}
  kill -KILL "$victim"
  k2=$(wait_kids "$master" 3)
  case " $k2 " in *" $victim "*) it_fail "$addr: the killed worker is replaced" ;;
                  *) [ "$(count "$k2")" = 3 ] && it_pass "$addr: the killed worker is replaced ($victim)" ||
                       it_fail "$addr: the killed worker is replaced (workers: $k2)" ;; esac
  ok=0
  for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    [ "$(load "$addr")" = "Status: 200 OK Tom" ] && ok=$((ok + 1))
  done
  it_eq "$addr: 12 loads after the kill all succeed" 12 "$ok"

  # --max-requests 4: 12 requests over 3 workers replaced at least one of them
  k3=$(wait_kids "$master" 3)
  same=0
  for p in $k2; do case " $k3 " in *" $p "*) same=$((same + 1)) ;; esac; done
  if [ "$same" -lt 3 ] && [ "$(count "$k3")" = 3 ]; then
    it_pass "$addr: workers recycled after --max-requests (still 3)"
  else
    it_fail "$addr: workers recycled after --max-requests (before: $k2, after: $k3)"
  fi

  kill -HUP "$master"
  sleep 0.2
  it_eq "$addr: serving after SIGHUP" "Status: 200 OK Tom" "$(load "$addr")"
  it_eq "$addr: still 3 workers after SIGHUP" 3 "$(count "$(wait_kids "$master" 3)")"

  last=$(kids "$master")
  kill -TERM "$master"
  i=0
  while it_alive "$master" && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if it_alive "$master"; then it_fail "$addr: SIGTERM stops the master"; else it_pass "$addr: SIGTERM stops the master"; fi
  left=0
  for p in $last; do it_alive "$p" && left=$((left + 1)); done
  it_eq "$addr: no worker left after SIGTERM" 0 "$left"
  [ -e "$RUN/pool.pid" ] && it_fail "$addr: the PID file is removed" || it_pass "$addr: the PID file is removed"
  case $addr in /*) [ -e "$addr" ] && it_fail "$addr: the socket is removed" || it_pass "$addr: the socket is removed" ;; esac
  grep -q "ended (signal 9)" "$RUN/pool.log" && it_pass "$addr: the master logged the killed worker" ||
    it_fail "$addr: the master logged the killed worker"
  wait "$shell_pid" 2>/dev/null
}

run_pool "$RUN/pool.sock"
run_pool "127.0.0.1:$(it_free_port)"

# --daemon: the command returns at once, the detached master serves and stops on SIGTERM
"$BIN" --listen "$RUN/d.sock" --workers 1 --daemon --pid-file "$RUN/d.pid" --socket-mode 0660 \
  >"$RUN/d.log" 2>&1
it_eq "--daemon returns at once with status 0" 0 "$?"
it_eq "--socket-mode 0660: the socket's permissions" 660 "$(stat -c %a "$RUN/d.sock" 2>/dev/null)"
if it_wait_file "$RUN/d.pid" 5; then
  dmaster=$(cat "$RUN/d.pid")
  it_track "daemon master" "$dmaster"
  sid=$(ps -o sid= -p "$dmaster" | tr -d ' ')
  it_eq "--daemon: the master leads its own session" "$dmaster" "$sid"
  wait_kids "$dmaster" 1 >/dev/null
  it_eq "--daemon: a load through the detached pool" "Status: 200 OK Tom" "$(load "$RUN/d.sock")"
  kill -TERM "$dmaster"
  i=0
  while it_alive "$dmaster" && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if it_alive "$dmaster"; then it_fail "--daemon: SIGTERM stops it"; else it_pass "--daemon: SIGTERM stops it"; fi
else
  it_fail "--daemon writes its PID file"
fi

# A log line held back because another request was waiting still goes out when that
# request never reaches this worker (in a pool another worker may take it): a second
# connection waits silently in the backlog while the first request is answered, so the
# worker ends its request with a request waiting, then sits idle on the silent one.
cat >"$RUN/held.py" <<'EOF'
import socket, struct, sys, time
path, body, log = sys.argv[1], open(sys.argv[2], 'rb').read(), sys.argv[3]
rec = lambda t, c: struct.pack('>BBHHBx', 1, t, 1, len(c), 0) + c
nv = lambda k, v: bytes([len(k), len(v)]) + k.encode() + v.encode()
params = b''.join(nv(k, v) for k, v in (('REQUEST_METHOD', 'POST'),
                  ('REQUEST_URI', '/openapi/data'), ('CONTENT_LENGTH', str(len(body)))))
c1 = socket.socket(socket.AF_UNIX)
c1.connect(path)
c1.sendall(rec(1, struct.pack('>HB5x', 1, 0)) + rec(4, params) + rec(4, b''))
c2 = socket.socket(socket.AF_UNIX)
c2.connect(path)                     # waits in the backlog, sends nothing
c1.sendall(rec(5, body) + rec(5, b''))
data = b''
while True:
    d = c1.recv(65536)
    if not d:
        break
    data += d
c1.close()
ok = b'Status: 200' in data
t0 = time.monotonic()
lines = 0
while time.monotonic() - t0 < 4 and not lines:
    time.sleep(0.1)
    lines = sum(' POST /openapi/data ' in l for l in open(log))
print('%s %d' % ('200' if ok else 'no-200', lines))
c2.close()
EOF
it_bg "pool held" "$RUN/held.log" env OPENAPI_CONNECTOR_CACHE_DIR="$RUN/cache" \
  "$BIN" --listen "$RUN/held.sock" --workers 1
held_pid=$IT_LAST_PID
i=0
while [ ! -S "$RUN/held.sock" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
it_eq "a held-back log line is written when the waiting request went elsewhere" \
  "200 1" "$(python3 "$RUN/held.py" "$RUN/held.sock" "$RUN/body.json" "$RUN/held.log" 2>&1)"
it_stop "$held_pid"

# a bad address: a clear message, exit status 2
"$BIN" --listen "nonsense" >"$RUN/bad.log" 2>&1
st=$?
it_eq "a bad --listen exits with 2" 2 "$st"
grep -q "HOST:PORT" "$RUN/bad.log" && it_pass "a bad --listen says what is expected" ||
  it_fail "a bad --listen says what is expected"
"$BIN" --workers 3 >"$RUN/bad2.log" 2>&1
it_eq "--workers without --listen is a usage error" 2 "$?"
"$BIN" --listen "$RUN/x.sock" --socket-mode 999 >"$RUN/bad3.log" 2>&1
it_eq "--socket-mode 999 (not octal) is a usage error" 2 "$?"

it_finish
