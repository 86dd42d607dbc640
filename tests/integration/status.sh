#!/bin/sh
# status.sh - health, status, metrics and logs (product.md §16.4, issue 18):
# /health 200, each 503 reason (missing directory, unreadable directory, no usable cache),
# a refused cache beside a good one leaving it at 200 and --health-strict making it 503,
# no path and no Schema URL in it; the own pool with --status: /status and /metrics whose
# figures match the traffic sent (exact counts, pool-wide over 3 workers), a caller outside
# --status-allow answered 404, no userinfo or query in the output, the metrics text parsed
# by prometheus_client's OpenMetrics parser (Debian's python3-prometheus-client, run by
# /usr/bin/python3); the 502 line's cause; --slow-request; --log-file reopened on SIGUSR1
# under load with no lost line; journald priorities when JOURNAL_STREAM names stderr.
# Needs cgi-fcgi (libfcgi-bin). No upstream: example mode, a closed port and a listener
# that never answers.
set -u
. "$(dirname "$0")/lib.sh"
it_init status

command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
[ -x "$BIN" ] && [ -x "$COMPILE" ] || { echo "build the programs first"; exit 99; }
PY=/usr/bin/python3
"$PY" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
  it_skip "Debian's python3-prometheus-client is not installed for /usr/bin/python3 (build.sh installs it)"
# a pool started as root needs --allow-root once the root refusal exists (issue 18, §16.1)
ALLOW_ROOT=
if [ "$(id -u)" = 0 ] && "$BIN" --help 2>&1 | grep -q -- --allow-root; then
  ALLOW_ROOT=--allow-root
fi

CLOSED=$(it_free_port)
REG='https://user:s3cret@pets.test/api.yaml?key=QUERYSECRET'
mkdir -p "$RUN/cache"
"$COMPILE" -q --cache-dir "$RUN/cache" --as "$REG" --server "http://127.0.0.1:$CLOSED" \
  "$top_srcdir/examples/petstore-flow.yaml" >"$RUN/compile.log" 2>&1 ||
  { cat "$RUN/compile.log"; it_fail "the example compiles"; it_finish; }

body() { # TYPE
  printf '{"configurationValues":[{"developerName":"Schema URL","contentValue":"%s"}],"objectDataType":{"developerName":"%s"},"listFilter":{"id":"2"}}' "$REG" "$1"
}
body PetExample >"$RUN/example.json"
body Pet >"$RUN/real.json"

# fcgi ADDR METHOD URI [REMOTE_ADDR [BODYFILE]]: the whole answer into $RUN/answer, status
# line printed
fcgi() {
  _len=0
  [ -n "${5:-}" ] && _len=$(wc -c <"$5")
  REQUEST_METHOD=$2 REQUEST_URI=$3 REMOTE_ADDR=${4:-127.0.0.1} CONTENT_LENGTH=$_len \
    cgi-fcgi -bind -connect "$1" <"${5:-/dev/null}" 2>/dev/null >"${ANS:-$RUN/answer}" || true
  head -1 "${ANS:-$RUN/answer}" | tr -d '\r'
}
answer_body() { sed '1,/^\r*$/d' "$RUN/answer"; }

# cgi DIR URI [VAR=VALUE...]: the worker run as CGI; the body in $RUN/cgi.out, status printed
cgi() {
  _d=$1
  _u=$2
  shift 2
  env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET REQUEST_URI="$_u" \
    REMOTE_ADDR=127.0.0.1 OPENAPI_CONNECTOR_CACHE_DIR="$_d" "$@" "$BIN" \
    >"$RUN/cgi.raw" 2>"$RUN/cgi.err" </dev/null || true
  sed '1,/^\r*$/d' "$RUN/cgi.raw" >"$RUN/cgi.out"
  head -1 "$RUN/cgi.raw" | tr -d '\r' | sed 's/^Status: //'
}

# ---- /health ------------------------------------------------------------------------------
st=$(cgi "$RUN/cache" /health)
it_eq "/health with a good cache: 200" "200 OK" "$st"
case $(cat "$RUN/cgi.out") in
  *'"status":"ok"'*'"caches":1,"cachesRefused":0'*) it_pass "/health: status ok, 1 cache, none refused" ;;
  *) it_fail "/health: status ok, 1 cache, none refused: $(cat "$RUN/cgi.out")" ;;
esac
it_file_lacks "/health names no path" "$RUN/cgi.out" "$RUN"
it_file_lacks "/health names no Schema URL" "$RUN/cgi.out" "pets.test"

st=$(cgi "$RUN/nowhere" /health)
it_eq "/health, missing cache directory: 503" "503 Service Unavailable" "$st"
it_eq "/health, missing cache directory: the reason" 1 \
  "$(grep -c '"reason":"the cache directory is missing"' "$RUN/cgi.out")"
it_file_lacks "/health (503) names no path" "$RUN/cgi.out" "$RUN"

mkdir -p "$RUN/empty"
st=$(cgi "$RUN/empty" /health)
it_eq "/health, no cache at all: 503" "503 Service Unavailable" "$st"

mkdir -p "$RUN/refused"
printf 'OACACHE\032 not a cache' >"$RUN/refused/00000000000000aa.cache"
st=$(cgi "$RUN/refused" /health)
it_eq "/health, only a refused cache (no usable one): 503" "503 Service Unavailable" "$st"
grep -q '"reason":"no usable cache' "$RUN/cgi.out" && it_pass "/health: the reason says no usable cache" ||
  it_fail "/health: the reason says no usable cache: $(cat "$RUN/cgi.out")"

cp "$RUN/refused/00000000000000aa.cache" "$RUN/cache/"
st=$(cgi "$RUN/cache" /health)
it_eq "/health, a refused cache beside a good one: 200" "200 OK" "$st"
grep -q '"cachesRefused":1' "$RUN/cgi.out" && it_pass "/health counts the refused cache" ||
  it_fail "/health counts the refused cache: $(cat "$RUN/cgi.out")"
st=$(cgi "$RUN/cache" /health OPENAPI_CONNECTOR_HEALTH_STRICT=1)
it_eq "/health --health-strict, a refused cache: 503" "503 Service Unavailable" "$st"
rm -f "$RUN/cache/00000000000000aa.cache"

# unreadable: only a user without root's override sees EACCES
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  mkdir -p "$RUN/locked"
  cp "$RUN"/cache/*.cache "$RUN/locked/"
  chmod 0700 "$RUN/locked"
  chmod o+x "$RUN" "$top_builddir/tests/integration" 2>/dev/null || true
  st=$(cgi "$RUN/locked" /health setpriv --reuid=65534 --regid=65534 --clear-groups)
  it_eq "/health, unreadable cache directory: 503" "503 Service Unavailable" "$st"
  grep -q '"reason":"the cache directory cannot be read: permission denied' "$RUN/cgi.out" &&
    it_pass "/health: the reason says permission denied" ||
    it_fail "/health: the reason says permission denied: $(cat "$RUN/cgi.out") $(cat "$RUN/cgi.err")"
else
  echo "note: the unreadable-directory case needs root and setpriv (to run as nobody); not run"
fi

# ---- umask 077: the compiler still writes 0755 directories and 0644 caches ----------------
mkdir -p "$RUN/umask"
(umask 077; "$COMPILE" -q --cache-dir "$RUN/umask/caches" --as "$REG" \
  --server "http://127.0.0.1:$CLOSED" "$top_srcdir/examples/petstore-flow.yaml") \
  >>"$RUN/compile.log" 2>&1
it_eq "umask 077: the new cache directory is 0755" 755 "$(stat -c %a "$RUN/umask/caches")"
it_eq "umask 077: the cache is 0644" 644 "$(stat -c %a "$RUN"/umask/caches/*.cache)"
describe() { # DIR [setpriv ...]: POST /metadata as CGI; status printed, body in $RUN/cgi.out
  _d=$1
  shift
  body PetExample >"$RUN/describe.json"
  env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST REQUEST_URI=/metadata \
    CONTENT_LENGTH=$(wc -c <"$RUN/describe.json") OPENAPI_CONNECTOR_CACHE_DIR="$_d" "$@" \
    "$BIN" <"$RUN/describe.json" >"$RUN/cgi.raw" 2>"$RUN/cgi.err" || true
  sed '1,/^\r*$/d' "$RUN/cgi.raw" >"$RUN/cgi.out"
  head -1 "$RUN/cgi.raw" | tr -d '\r' | sed 's/^Status: //'
}
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  chmod o+x "$RUN" "$RUN/umask" "$top_builddir/tests/integration" 2>/dev/null || true
  NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
  it_eq "umask 077 compile, a non-root worker (nobody) describes it" "200 OK" \
    "$(describe "$RUN/umask/caches" $NOBODY)"
  chmod 0600 "$RUN"/umask/caches/*.cache
  it_eq "a cache unreadable to the worker's user: 503" "503 Service Unavailable" \
    "$(describe "$RUN/umask/caches" $NOBODY)"
  grep -q 'permission denied: the file belongs to uid 0 (mode 0600) and this process runs as uid 65534' "$RUN/cgi.out" &&
    it_pass "the 503 says permission denied and which users" ||
    it_fail "the 503 says permission denied and which users: $(cat "$RUN/cgi.out")"
  it_file_lacks "the 503 does not say to recompile" "$RUN/cgi.out" "Recompile"
  # the same through a pool run by nobody (the FastCGI path: the scan refuses the file)
  mkdir -p "$RUN/nb" && chmod 0777 "$RUN/nb"
  it_bg "pool as nobody" "$RUN/nb/pool.log" $NOBODY "$BIN" --listen "$RUN/nb/sock" \
    --workers 1 --cache-dir "$RUN/umask/caches"
  NBPID=$IT_LAST_PID
  _i=0
  while [ ! -S "$RUN/nb/sock" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
  it_eq "a pool run by nobody, the cache unreadable to it: 503" "Status: 503 Service Unavailable" \
    "$(fcgi "$RUN/nb/sock" POST /openapi/metadata 127.0.0.1 "$RUN/describe.json")"
  answer_body >"$RUN/nb/answer.json"
  grep -q 'cannot be read: [^ ]*: permission denied: the file belongs to uid 0 (mode 0600)' "$RUN/nb/answer.json" &&
    it_pass "the pool's 503 says permission denied and the owner" ||
    it_fail "the pool's 503 says permission denied and the owner: $(cat "$RUN/nb/answer.json")"
  grep -q 'refused: .*permission denied' "$RUN/nb/pool.log" &&
    it_pass "the pool's log says permission denied" ||
    it_fail "the pool's log says permission denied: $(cat "$RUN/nb/pool.log")"
  it_stop "$NBPID"
else
  echo "note: the non-root worker cases need root and setpriv (to run as nobody); not run"
fi

# ---- the cache registry when the failure is not the file's (caches.c, §16.4) --------------
# body_for REG TYPE: a describe naming REG
body_for() {
  printf '{"configurationValues":[{"developerName":"Schema URL","contentValue":"%s"}],"objectDataType":{"developerName":"%s"},"listFilter":{"id":"2"}}' "$1" "$2"
}
LREG=https://pets.test/limits.yaml
NEWREG=https://pets.test/limits-new.yaml
body_for "$LREG" PetExample >"$RUN/lim-a.json"
body_for "$NEWREG" PetExample >"$RUN/lim-new.json"
body_for https://pets.test/never-compiled.yaml PetExample >"$RUN/lim-unknown.json"
# worker_of POOL_PID: the pool's one worker
worker_of() {
  _i=0
  while [ $_i -lt 50 ]; do
    _w=$(pgrep -P "$1" | head -1)
    [ -n "$_w" ] && { echo "$_w"; return; }
    sleep 0.1
    _i=$((_i + 1))
  done
}
# EMFILE: a running worker's RLIMIT_NOFILE lowered (prlimit) so that a request's connection
# takes one of its two lowest free descriptors and the directory scan the other: a cache
# compiled meanwhile cannot be opened. Not "failed validation. Recompile": a 503 naming the
# limit, and loaded once the limit is raised (not remembered as bad).
if command -v prlimit >/dev/null 2>&1; then
  mkdir -p "$RUN/lim/c"
  "$COMPILE" -q --cache-dir "$RUN/lim/c" --as "$LREG" "$top_srcdir/examples/petstore-flow.yaml" \
    >>"$RUN/compile.log" 2>&1
  it_bg "pool (fd limit)" "$RUN/lim/pool.log" "$BIN" --listen "$RUN/lim/sock" --workers 1 \
    --cache-dir "$RUN/lim/c" --snapshot-dir "" --health-strict $ALLOW_ROOT
  LPID=$IT_LAST_PID
  _i=0
  while [ ! -S "$RUN/lim/sock" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
  it_eq "fd limit: a loaded cache serves" "Status: 200 OK" \
    "$(fcgi "$RUN/lim/sock" POST /openapi/metadata 127.0.0.1 "$RUN/lim-a.json")"
  W=$(worker_of "$LPID")
  _n=0 _free=0 _last=0
  while [ $_free -lt 2 ] && [ $_n -lt 4096 ]; do
    [ -e "/proc/$W/fd/$_n" ] || { _free=$((_free + 1)); _last=$_n; }
    _n=$((_n + 1))
  done
  "$COMPILE" -q --cache-dir "$RUN/lim/c" --as "$NEWREG" "$top_srcdir/examples/petstore-flow.yaml" \
    >>"$RUN/compile.log" 2>&1
  prlimit --pid "$W" --nofile=$((_last + 1)):
  sleep 1.2                                   # the once-a-second scan
  it_eq "fd limit: a cache that cannot be opened: 503" "Status: 503 Service Unavailable" \
    "$(fcgi "$RUN/lim/sock" POST /openapi/metadata 127.0.0.1 "$RUN/lim-new.json")"
  answer_body >"$RUN/lim/answer.json"
  grep -q "could not be loaded: too many open files (RLIMIT_NOFILE $((_last + 1))): raise LimitNOFILE= or ulimit -n" \
    "$RUN/lim/answer.json" && it_pass "fd limit: the 503 names RLIMIT_NOFILE and how to raise it" ||
    it_fail "fd limit: the 503 names RLIMIT_NOFILE and how to raise it: $(cat "$RUN/lim/answer.json")"
  it_file_lacks "fd limit: the 503 does not say to recompile" "$RUN/lim/answer.json" "Recompile"
  it_eq "fd limit: /health --health-strict: 503" "Status: 503 Service Unavailable" \
    "$(fcgi "$RUN/lim/sock" GET /openapi/health)"
  answer_body | grep -q '"reason":"a cache could not be loaded (--health-strict)"' &&
    it_pass "fd limit: /health names a cache that could not be loaded" ||
    it_fail "fd limit: /health names a cache that could not be loaded: $(answer_body)"
  it_file_lacks "fd limit: the 503 does not say validation failed" "$RUN/lim/answer.json" "validation"
  grep -q "cache .*: not loaded: too many open files (RLIMIT_NOFILE" "$RUN/lim/pool.log" &&
    it_pass "fd limit: the log names the limit" ||
    it_fail "fd limit: the log names the limit: $(cat "$RUN/lim/pool.log")"
  it_eq "fd limit: the loaded cache still serves" "Status: 200 OK" \
    "$(fcgi "$RUN/lim/sock" POST /openapi/metadata 127.0.0.1 "$RUN/lim-a.json")"
  prlimit --pid "$W" --nofile=1024:
  sleep 1.2
  it_eq "fd limit raised: the cache loads (not remembered as bad)" "Status: 200 OK" \
    "$(fcgi "$RUN/lim/sock" POST /openapi/metadata 127.0.0.1 "$RUN/lim-new.json")"
  it_stop "$LPID"
else
  echo "note: the fd-limit case needs prlimit (util-linux); not run"
fi

# The cache directory made unreadable (0700, root's) under a pool run by nobody: the loaded
# caches keep serving, an unknown registration is a 503 naming the directory and the
# permission problem (not 400 "not registered"); /health says 503 permission denied.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
  mkdir -p "$RUN/ro/c" "$RUN/ro/run" && chmod 0755 "$RUN/ro" "$RUN/ro/c" && chmod 0777 "$RUN/ro/run"
  chmod o+x "$RUN" "$top_builddir/tests/integration" 2>/dev/null || true
  "$COMPILE" -q --cache-dir "$RUN/ro/c" --as "$LREG" "$top_srcdir/examples/petstore-flow.yaml" \
    >>"$RUN/compile.log" 2>&1
  it_bg "pool as nobody (directory)" "$RUN/ro/pool.log" $NOBODY "$BIN" --listen "$RUN/ro/run/sock" \
    --workers 1 --cache-dir "$RUN/ro/c" --snapshot-dir ""
  RPID=$IT_LAST_PID
  _i=0
  while [ ! -S "$RUN/ro/run/sock" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
  it_eq "directory readable: the cache serves" "Status: 200 OK" \
    "$(fcgi "$RUN/ro/run/sock" POST /openapi/metadata 127.0.0.1 "$RUN/lim-a.json")"
  chmod 0700 "$RUN/ro/c"
  sleep 1.2
  it_eq "directory 0700 (root's): the loaded cache still serves" "Status: 200 OK" \
    "$(fcgi "$RUN/ro/run/sock" POST /openapi/metadata 127.0.0.1 "$RUN/lim-a.json")"
  it_eq "directory 0700: an unknown registration is a 503" "Status: 503 Service Unavailable" \
    "$(fcgi "$RUN/ro/run/sock" POST /openapi/metadata 127.0.0.1 "$RUN/lim-unknown.json")"
  answer_body >"$RUN/ro/answer.json"
  grep -q "cache directory $RUN/ro/c: permission denied (running as uid 65534)" "$RUN/ro/answer.json" &&
    it_pass "directory 0700: the 503 names the directory and permission denied" ||
    it_fail "directory 0700: the 503 names the directory and permission denied: $(cat "$RUN/ro/answer.json")"
  it_file_lacks "directory 0700: the 503 does not say to compile it" "$RUN/ro/answer.json" "Compile it with"
  it_eq "directory 0700: /health 503" "Status: 503 Service Unavailable" \
    "$(fcgi "$RUN/ro/run/sock" GET /openapi/health)"
  answer_body | grep -q '"reason":"the cache directory cannot be read: permission denied' &&
    it_pass "directory 0700: /health says permission denied" ||
    it_fail "directory 0700: /health says permission denied: $(answer_body)"
  chmod 0755 "$RUN/ro/c"
  sleep 1.2
  it_eq "directory readable again: an unknown registration is a 400" "Status: 400 Bad Request" \
    "$(fcgi "$RUN/ro/run/sock" POST /openapi/metadata 127.0.0.1 "$RUN/lim-unknown.json")"
  it_stop "$RPID"
else
  echo "note: the unreadable-directory pool case needs root and setpriv (to run as nobody); not run"
fi

# ---- journald priorities ------------------------------------------------------------------
# JOURNAL_STREAM set from stat of the worker's stderr (what systemd sets): "<6>" prefixes
{
  js=$(stat -L -c '%d:%i' /proc/self/fd/2)
  env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET REQUEST_URI=/health \
    OPENAPI_CONNECTOR_CACHE_DIR="$RUN/cache" JOURNAL_STREAM="$js" "$BIN" >/dev/null </dev/null
} 2>"$RUN/journal.log"
grep -q '^<6>[0-9-]*T.* info: GET /health ' "$RUN/journal.log" &&
  it_pass "JOURNAL_STREAM naming stderr: lines start with their priority (<6>)" ||
  it_fail "JOURNAL_STREAM naming stderr: lines start with their priority: $(cat "$RUN/journal.log")"
env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET REQUEST_URI=/health \
  OPENAPI_CONNECTOR_CACHE_DIR="$RUN/cache" JOURNAL_STREAM=1:1 "$BIN" >/dev/null \
  2>"$RUN/nojournal.log" </dev/null
grep -q '^[0-9-]*T.* info: GET /health ' "$RUN/nojournal.log" &&
  it_pass "JOURNAL_STREAM naming another file: no priority prefix" ||
  it_fail "JOURNAL_STREAM naming another file: no priority prefix: $(cat "$RUN/nojournal.log")"

# ---- --slow-request and a 504's cause (a listener that never answers) --------------------
SILENT_PORT_FILE=$RUN/silent.port
it_bg silent "$RUN/silent.log" "$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); __import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)' "$SILENT_PORT_FILE"
it_wait_file "$SILENT_PORT_FILE" 5 || it_fail "the silent listener starts"
mkdir -p "$RUN/slowcache"
"$COMPILE" -q --cache-dir "$RUN/slowcache" --as "$REG" \
  --server "http://127.0.0.1:$(cat "$SILENT_PORT_FILE")" \
  "$top_srcdir/examples/petstore-flow.yaml" >>"$RUN/compile.log" 2>&1
env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST REQUEST_URI=/data \
  CONTENT_LENGTH=$(wc -c <"$RUN/real.json") OPENAPI_CONNECTOR_CACHE_DIR="$RUN/slowcache" \
  OPENAPI_CONNECTOR_TIMEOUT=1 OPENAPI_CONNECTOR_SLOW_REQUEST=500 "$BIN" \
  <"$RUN/real.json" >"$RUN/slow.out" 2>"$RUN/slow.log"
grep -q 'status=504 .*cause=timeout' "$RUN/slow.log" && it_pass "a 504 line names its cause (cause=timeout)" ||
  it_fail "a 504 line names its cause: $(cat "$RUN/slow.log")"
grep -q 'warn: slow request: POST /data took [0-9]* ms (over --slow-request 500 ms)' "$RUN/slow.log" &&
  it_pass "--slow-request 500: the slow request is logged" ||
  it_fail "--slow-request 500: the slow request is logged: $(cat "$RUN/slow.log")"

# ---- the pool: /status and /metrics ------------------------------------------------------
SOCK=$RUN/pool.sock
it_bg pool "$RUN/pool.stderr" "$BIN" $ALLOW_ROOT --listen "$SOCK" --workers 3 \
  --cache-dir "$RUN/cache" --status --status-allow 127.0.0.1/32,10.9.0.0/16 \
  --log-file "$RUN/pool.log" --pid-file "$RUN/pool.pid"
POOL=$IT_LAST_PID
it_wait_file "$RUN/pool.pid" 5 || { it_fail "the pool starts: $(cat "$RUN/pool.stderr")"; it_finish; }
_i=0
while [ "$(fcgi "$SOCK" GET /openapi/health)" != "Status: 200 OK" ] && [ $_i -lt 50 ]; do
  sleep 0.1; _i=$((_i + 1))
done
# the traffic (the start-up /health polls above count too: one 200 among them)
ok=0
for i in 1 2 3 4 5 6 7; do
  [ "$(fcgi "$SOCK" POST /openapi/data 127.0.0.1 "$RUN/example.json")" = "Status: 200 OK" ] && ok=$((ok + 1))
done
it_eq "7 example loads through the pool" 7 "$ok"
n502=0
for i in 1 2; do
  [ "$(fcgi "$SOCK" POST /openapi/data 127.0.0.1 "$RUN/real.json")" = "Status: 502 Bad Gateway" ] && n502=$((n502 + 1))
done
it_eq "2 loads whose API port is closed: 502" 2 "$n502"
for i in 1 2; do fcgi "$SOCK" GET /openapi/health >/dev/null; done
fcgi "$SOCK" GET /openapi/nope >/dev/null
fcgi "$SOCK" POST /openapi/health >/dev/null
st=$(fcgi "$SOCK" GET /openapi/status 192.0.2.7)
it_eq "/status from outside --status-allow: 404" "Status: 404 Not Found" "$st"
st=$(fcgi "$SOCK" GET /openapi/metrics 192.0.2.7)
it_eq "/metrics from outside --status-allow: 404" "Status: 404 Not Found" "$st"
st=$(fcgi "$SOCK" GET /openapi/status 10.9.4.5)
it_eq "/status from a --status-allow network (10.9.0.0/16): 200" "Status: 200 OK" "$st"

st=$(fcgi "$SOCK" GET /openapi/status)
it_eq "/status from 127.0.0.1: 200" "Status: 200 OK" "$st"
answer_body >"$RUN/status.json"
it_file_lacks "/status: no userinfo" "$RUN/status.json" "s3cret"
it_file_lacks "/status: no query" "$RUN/status.json" "QUERYSECRET"
"$PY" - "$RUN/status.json" >"$RUN/status.check" 2>&1 <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
r = s["requests"]
# the start-up poll that answered (a poll before the socket existed reached no one), 2 more
# /health, a 405 on it; /nope and the 2 calls from outside --status-allow (unknown paths
# to them); the /status from 10.9.4.5; this /status is counted after its answer
want = {
    ("load", "2xx"): 7, ("load", "5xx"): 2, ("health", "2xx"): 3, ("health", "4xx"): 1,
    ("other", "4xx"): 3, ("status", "2xx"): 1,
}
bad = []
for ep in r:
    for cls in r[ep]:
        if (ep, cls) not in want:
            bad.append("unexpected %s %s: %s" % (ep, cls, r[ep][cls]))
for (ep, cls), n in want.items():
    got = r.get(ep, {}).get(cls, 0)
    if got != n:
        bad.append("%s %s: %s, want %s" % (ep, cls, got, n))
total = sum(v for e in r.values() for v in e.values())
if total != s["requestsTotal"] or total != 17:
    bad.append("requestsTotal %s (sum %s), want 17" % (s["requestsTotal"], total))
up = s["upstreamCalls"]
if up["refused"] != 2 + s["retries"] or up["2xx"] != 0:
    bad.append("upstream calls %s with %s retries, want refused = 2 + retries" % (up, s["retries"]))
if s["workers"] != {"total": 3, "busy": 1, "idle": 2}:     # busy: the one answering
    bad.append("workers %s" % s["workers"])
c = s["caches"]
if len(c) != 1 or c[0]["registration"] != "https://pets.test/api.yaml":
    bad.append("caches %s" % c)
if s["durationSeconds"]["buckets"]["+Inf"] != 17:
    bad.append("duration count %s" % s["durationSeconds"]["buckets"]["+Inf"])
print("\n".join(bad) if bad else "ok")
EOF
it_eq "/status: the figures match the traffic sent (exact)" ok "$(cat "$RUN/status.check")"

st=$(fcgi "$SOCK" GET /openapi/metrics)
it_eq "/metrics from 127.0.0.1: 200" "Status: 200 OK" "$st"
grep -qi '^Content-Type: application/openmetrics-text' "$RUN/answer" &&
  it_pass "/metrics: Content-Type application/openmetrics-text" ||
  it_fail "/metrics: Content-Type application/openmetrics-text: $(head -3 "$RUN/answer")"
answer_body >"$RUN/metrics.txt"
it_file_lacks "/metrics: no registration string" "$RUN/metrics.txt" "pets.test"
"$PY" - "$RUN/metrics.txt" >"$RUN/metrics.check" 2>&1 <<'EOF'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
v = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        v[(s.name, tuple(sorted(s.labels.items())))] = s.value
def get(name, **labels):
    return v.get((name, tuple(sorted(labels.items()))), 0)
bad = []
for (ep, cls, n) in (("load", "2xx", 7), ("load", "5xx", 2), ("health", "2xx", 3),
                     ("status", "2xx", 2), ("other", "4xx", 3), ("metrics", "2xx", 0)):
    if get("openapi_connector_requests_total", endpoint=ep, **{"class": cls}) != n:
        bad.append("requests %s %s = %s, want %s" % (ep, cls, get("openapi_connector_requests_total", endpoint=ep, **{"class": cls}), n))
if get("openapi_connector_request_duration_seconds_count") != 18:
    bad.append("duration count %s, want 18" % get("openapi_connector_request_duration_seconds_count"))
if get("openapi_connector_upstream_calls_total", outcome="refused") != 2 + get("openapi_connector_retries_total"):
    bad.append("upstream refused")
info = [k for k in v if k[0] == "openapi_connector_cache_info"]
if len(info) != 1 or not any(l == "registration" and len(x) == 16 for l, x in info[0][1]):
    bad.append("cache info %s" % info)
print("\n".join(bad) if bad else "ok")
EOF
it_eq "/metrics parsed by prometheus_client's OpenMetrics parser, figures exact" ok "$(cat "$RUN/metrics.check")"

# ---- --log-file and SIGUSR1 under load: no lost line --------------------------------------
loadloop() { # N: at least N loads, and on until $RUN/stop exists; the statuses into $ANS.st
  _k=0
  while [ $_k -lt "$1" ] || [ ! -e "$RUN/stop" ]; do
    fcgi "$SOCK" POST /openapi/data 127.0.0.1 "$RUN/example.json" >>"$ANS.st"
    _k=$((_k + 1))
  done
}
sleep 0.3                   # the workers write their batched lines once idle
grep -c ' POST /openapi/data ' "$RUN/pool.log" >"$RUN/before.count" 2>/dev/null || true
before=$(cat "$RUN/before.count")
( ANS=$RUN/answer.l1; loadloop 150 ) &
l1=$!
( ANS=$RUN/answer.l2; loadloop 150 ) &
l2=$!
sleep 1
mv "$RUN/pool.log" "$RUN/pool.log.1"
kill -USR1 "$(cat "$RUN/pool.pid")"
for i in 1 2 3 4 5; do       # more reopens (of the new file) while the load goes on
  sleep 0.2
  kill -USR1 "$(cat "$RUN/pool.pid")"
done
sleep 0.5                   # the load goes on after the last reopen, then stops
touch "$RUN/stop"
wait $l1 $l2
nloads=$(cat "$RUN/answer.l1.st" "$RUN/answer.l2.st" | grep -c '^Status: ')
it_eq "SIGUSR1 under load: all $nloads loads (at least 300) answered 200" "$nloads" \
  "$(cat "$RUN/answer.l1.st" "$RUN/answer.l2.st" | grep -c '^Status: 200 OK$')"
[ "$nloads" -ge 300 ] || it_fail "SIGUSR1 under load: only $nloads loads"
it_stop "$POOL"            # the workers write the lines they hold back, then exit
after=$(cat "$RUN/pool.log.1" "$RUN/pool.log" 2>/dev/null | grep -c ' POST /openapi/data ')
it_eq "SIGUSR1 under load: every request's line is in one of the two files" "$((before + nloads))" "$after"
newl=$(grep -c ' POST /openapi/data ' "$RUN/pool.log" 2>/dev/null)
[ "${newl:-0}" -gt 0 ] && it_pass "after SIGUSR1 the lines go to the new file ($newl of them)" ||
  it_fail "after SIGUSR1 the lines go to the new file"
it_file_lacks "the log shows no userinfo" "$RUN/pool.log.1" "s3cret"
it_file_lacks "the log shows no query of a registration" "$RUN/pool.log.1" "QUERYSECRET"
grep -q 'status=502 .*cause=refused' "$RUN/pool.log.1" && it_pass "a 502 line names its cause (cause=refused)" ||
  it_fail "a 502 line names its cause (cause=refused)"

it_finish
