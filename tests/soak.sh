#!/bin/sh
# soak.sh - the worker's own pool under sustained load behind lighttpd, checked for
# errors, memory growth, replaced workers and lost log lines.
#
#   tests/soak.sh                       (the build in this tree: ./build.sh test)
#   top_builddir=/tmp/b tests/soak.sh   (an out-of-tree build; or: make -C /tmp/b soak)
#   SOAK_SECONDS=10 SOAK_CONNECTIONS=16 tests/soak.sh
#
# Set-up: the pet store compiled twice, once with its server URL on a closed loopback port
# (example mode: any API call would fail) and once against a static upstream (a second
# lighttpd serving the JSON of GET /pets/1); the worker's own pool
# (openapi-connector --listen SOCK --workers 2 --pid-file F, its log appended to a file);
# lighttpd with apache-conf/lighttpd-socket.conf filled in by scripts/fill-conf.sh.
# Then, for each mode - example (load of PetExample) and upstream (load of Pet by id) -
# a warm-up of SOAK_WARMUP s (default 5), then SOAK_SECONDS (default 60) of
# `wrk -t1 -c SOAK_CONNECTIONS` (default 64), and the checks:
#   * wrk: no non-2xx answer, no socket error (connect, read, write, timeout);
#   * each pool worker's Rss (/proc/PID/smaps_rollup) grew less than 1% from after the
#     warm-up to the end (Private_Dirty and Anonymous are reported beside it);
#   * the same two workers served throughout (none replaced), the master alive;
#   * the log holds one line per request: once idle the worker flushes its batch, so
#     the new lines number at least wrk's request count and at most that plus the
#     connections (requests wrk sent but stopped waiting for at the end), all status=200;
#     no warn/error line in the pool's log, no new line in lighttpd's error log.
# Not run by make check (about 2.5 minutes with the defaults); CI runs it (.ci/run, stage
# soak). Installs wrk with apt-get when missing and root (or sudo) is at hand.
# Exit 0 pass, 1 fail, 77 skip (lighttpd, wrk or curl missing; a sanitizer build).

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-60}
SOAK_CONNECTIONS=${SOAK_CONNECTIONS:-64}
SOAK_WARMUP=${SOAK_WARMUP:-5}
for _v in "$SOAK_SECONDS" "$SOAK_CONNECTIONS" "$SOAK_WARMUP"; do
  case $_v in
    ''|*[!0-9]*|0) echo "soak: SOAK_SECONDS, SOAK_CONNECTIONS and SOAK_WARMUP are whole numbers >= 1"; exit 99 ;;
  esac
done

# 1. Tools and build ------------------------------------------------------------------------

LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$LIGHTTPD" ] || it_skip "lighttpd is not installed (Debian package lighttpd; ./build.sh test installs it)"
command -v curl >/dev/null 2>&1 || it_skip "curl is not installed"
command -v python3 >/dev/null 2>&1 || it_skip "python3 is not installed"
if ! command -v wrk >/dev/null 2>&1; then
  # as bench/run does: apt-get as root (or through sudo)
  if [ "$(id -u)" -eq 0 ]; then _sudo=
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then _sudo=sudo
  else it_skip "wrk is not installed (Debian package wrk) and this is not root"
  fi
  echo "soak: installing wrk (apt-get)"
  $_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1
  $_sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends wrk </dev/null >/dev/null 2>&1
  command -v wrk >/dev/null 2>&1 || it_skip "wrk is not installed and apt-get could not install it"
fi
BIN=$top_builddir/src/worker/openapi-connector
COMPILER=$top_builddir/src/compile/openapi-connector-compile
if [ -f "$top_builddir/Makefile" ]; then
  # the configured CFLAGS line (a rule's text, such as check-corpus's, may name the flag)
  if grep -qE '^CFLAGS[[:space:]]*=.*-fsanitize' "$top_builddir/Makefile"; then
    it_skip "$top_builddir is a sanitizer build: its memory figures mean nothing here"
  fi
  make -s -C "$top_builddir" src/worker/openapi-connector src/compile/openapi-connector-compile \
    >/dev/null || { echo "soak: the build failed"; exit 99; }
fi
[ -x "$BIN" ] && [ -x "$COMPILER" ] ||
  { echo "soak: no programs in $top_builddir: build first (./build.sh test) or set top_builddir"; exit 99; }

it_init soak
# sockets under /tmp: short paths whatever the build directory is
SRV=$(mktemp -d /tmp/oac-soak.XXXXXX) || exit 99
IT_EXTRA_DIR=$SRV
mkdir -p "$SRV/www" "$RUN/cache" "$RUN/up/www/pets"
echo "soak: ${SOAK_SECONDS}s per mode at c=$SOAK_CONNECTIONS (warm-up ${SOAK_WARMUP}s); run directory $RUN"

# 2. Upstream, caches, pool, front -----------------------------------------------------------

# the upstream: what GET /pets/1 of the pet store answers, served by a static lighttpd
cat >"$RUN/up/www/pets/1" <<'EOF'
{"id":1,"name":"doggie","category":{"id":1,"name":"Dogs"},"photoUrls":["https://example.test/doggie.png"],"tags":[{"id":1,"name":"good"}],"status":"available","price":10.5}
EOF
UP_PORT=
for _attempt in 1 2 3; do
  _p=$(it_free_port)
  cat >"$RUN/up/lighttpd.conf" <<EOF
server.document-root = "$RUN/up/www"
server.bind = "127.0.0.1"
server.port = $_p
server.pid-file = "$RUN/up/lighttpd.pid"
server.errorlog = "$RUN/up/error.log"
mimetype.assign = ( "" => "application/json" )
EOF
  it_bg upstream "$RUN/up/out.log" "$LIGHTTPD" -D -f "$RUN/up/lighttpd.conf"
  UP_PID=$IT_LAST_PID
  if it_wait_http "http://127.0.0.1:$_p/pets/1" 15 "$UP_PID"; then UP_PORT=$_p; break; fi
  it_stop "$UP_PID"
done
[ -n "$UP_PORT" ] || { it_fail "the upstream lighttpd did not start (see $RUN/up)"; it_finish; }
it_pass "upstream: lighttpd serves /pets/1 on 127.0.0.1:$UP_PORT"

EXAMPLE_URL=urn:openapi-connector:soak:example
UPSTREAM_URL=urn:openapi-connector:soak:upstream
"$COMPILER" --quiet --cache-dir "$RUN/cache" --as "$EXAMPLE_URL" \
  --server "http://127.0.0.1:$(it_free_port)" "$top_srcdir/examples/petstore-flow.yaml" \
  >"$RUN/compile.log" 2>&1
it_eq "compile the pet store with its server on a closed port (example mode)" 0 $?
"$COMPILER" --quiet --cache-dir "$RUN/cache" --as "$UPSTREAM_URL" \
  --server "http://127.0.0.1:$UP_PORT" "$top_srcdir/examples/petstore-flow.yaml" \
  >>"$RUN/compile.log" 2>&1
it_eq "compile the pet store against the upstream" 0 $?

SOCK=$SRV/pool.sock
POOL_LOG=$RUN/pool.log
# appended to, as a deployment's log file would be (the worker batches up to 64 KiB then)
"$BIN" --listen "$SOCK" --workers 2 --cache-dir "$RUN/cache" --prefix /openapi --timeout 5 \
  --pid-file "$SRV/pool.pid" >>"$POOL_LOG" 2>&1 </dev/null &
POOL_PID=$!
it_track pool "$POOL_PID"
if it_wait_file "$SRV/pool.pid" 5 && [ -S "$SOCK" ]; then
  it_eq "the pool's PID file names the master" "$POOL_PID" "$(cat "$SRV/pool.pid")"
else
  it_fail "the pool did not start (see $POOL_LOG)"
  it_finish
fi

PORT=
for _attempt in 1 2 3; do
  _p=$(it_free_port)
  sh "$top_srcdir/scripts/fill-conf.sh" "$top_srcdir/apache-conf/lighttpd-socket.conf" \
    BASE="$SRV" PORT="$_p" SOCKET="$SOCK" >"$SRV/lighttpd.conf" ||
    { it_fail "scripts/fill-conf.sh apache-conf/lighttpd-socket.conf"; it_finish; }
  "$LIGHTTPD" -tt -f "$SRV/lighttpd.conf" >"$RUN/configtest.log" 2>&1 ||
    { it_fail "lighttpd -tt refuses the filled-in lighttpd-socket.conf"; it_finish; }
  it_bg lighttpd "$RUN/lighttpd.out" "$LIGHTTPD" -D -f "$SRV/lighttpd.conf"
  FRONT_PID=$IT_LAST_PID
  if it_wait_http "http://127.0.0.1:$_p/openapi/health" 15 "$FRONT_PID"; then PORT=$_p; break; fi
  it_stop "$FRONT_PID"
done
[ -n "$PORT" ] || { it_fail "lighttpd (lighttpd-socket.conf) did not start"; it_finish; }
it_pass "lighttpd with apache-conf/lighttpd-socket.conf on 127.0.0.1:$PORT"
BASE=http://127.0.0.1:$PORT
FRONT_ERR=$SRV/lighttpd-error.log

# 3. Helpers ---------------------------------------------------------------------------------

body_of() { # MODE -> the request body
  case $1 in
    example) printf '{"configurationValues":[{"developerName":"Schema URL","contentValue":"%s","contentType":"ContentString"}],"objectDataType":{"developerName":"PetExample"},"listFilter":null}' "$EXAMPLE_URL" ;;
    upstream) printf '{"configurationValues":[{"developerName":"Schema URL","contentValue":"%s","contentType":"ContentString"}],"objectDataType":{"developerName":"Pet"},"listFilter":{"id":"1"}}' "$UPSTREAM_URL" ;;
  esac
}

# the pool's workers: the master's children, sorted
workers() { ps -o pid= --ppid "$POOL_PID" 2>/dev/null | tr -d ' ' | sort -n | tr '\n' ' '; }

# smaps PID -> "Rss Private_Dirty Anonymous" in kB
smaps() {
  awk '/^Rss:/ { r = $2 } /^Private_Dirty:/ { p = $2 } /^Anonymous:/ { a = $2 }
       END { if(r == "") exit 1; print r, p, a }' "/proc/$1/smaps_rollup" 2>/dev/null
}

# request lines in the pool's log (the startup lines are not requests)
log_lines() { grep -c ' info: POST /openapi/data ' "$POOL_LOG"; }

# Waits until the log holds at least $1 request lines and the count has not moved for a
# second (an idle worker flushes at once, a busy one within a second): prints the count.
log_settle() {
  _last=-1 _same=0 _i=0
  while [ "$_i" -lt 100 ]; do
    _n=$(log_lines)
    if [ "$_n" = "$_last" ] && [ "$_n" -ge "$1" ]; then
      _same=$((_same + 1))
      [ "$_same" -ge 5 ] && break
    else
      _same=0
    fi
    _last=$_n
    sleep 0.2
    _i=$((_i + 1))
  done
  echo "$_n"
}

# wrk_run SECONDS LUA LOG -> "requests rps non2xx sockerr" (wrk's output appended to LOG)
wrk_run() {
  timeout $(($1 + 60)) wrk -t1 -c"$SOAK_CONNECTIONS" -d"$1"s --latency -s "$2" \
    "$BASE/openapi/data" >"$RUN/wrk.out" 2>&1
  _rc=$?
  cat "$RUN/wrk.out" >>"$3"
  [ $_rc -eq 0 ] || { echo "x x x wrk-exit-$_rc"; return; }
  awk '
    / requests in / { n = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad += $NF }
    /Socket errors:/ { for(i = 1; i <= NF; i++) if($i ~ /^[0-9]+,?$/) { v = $i; sub(/,/, "", v); err += v } }
    END { if(n == "") print "x x x no-result"; else printf "%d %.0f %d %d\n", n, rps, bad, err }' \
    "$RUN/wrk.out"
}

SUMMARY=$RUN/summary.txt
: >"$SUMMARY"

# 4. One mode --------------------------------------------------------------------------------

soak_mode() {
  MODE=$1 WANT=$2
  echo "== $MODE mode"
  body_of "$MODE" >"$RUN/$MODE.json"
  {
    echo 'wrk.method = "POST"'
    printf 'wrk.body = [==[%s]==]\n' "$(cat "$RUN/$MODE.json")"
    echo 'wrk.headers["Content-Type"] = "application/json"'
  } >"$RUN/$MODE.lua"
  _code=$(curl -s --max-time 10 -o "$RUN/$MODE.answer" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @"$RUN/$MODE.json" "$BASE/openapi/data")
  if [ "$_code" = 200 ] && grep -q -F '"contentValue":"doggie"' "$RUN/$MODE.answer" &&
     grep -q -F "\"developerName\":\"$WANT\"" "$RUN/$MODE.answer"; then
    it_pass "$MODE: the load answers 200 with doggie as $WANT"
  else
    it_fail "$MODE: the load answered $_code: $(head -c 300 "$RUN/$MODE.answer")"
    return
  fi

  read -r _n _rps _bad _err <<EOF
$(wrk_run "$SOAK_WARMUP" "$RUN/$MODE.lua" "$RUN/wrk-$MODE-warmup.log")
EOF
  [ "$_n" != x ] || { it_fail "$MODE: wrk warm-up failed ($_err, see $RUN/wrk-$MODE-warmup.log)"; return; }
  _l0=$(log_settle 0)
  _w0=$(workers)
  : "${FIRST_WORKERS:=$_w0}"
  set -- $_w0
  it_eq "$MODE: the pool has 2 workers after the warm-up" 2 $#
  for _w in "$@"; do smaps "$_w" >"$RUN/$MODE-smaps-$_w.before" || it_fail "$MODE: no smaps_rollup for worker $_w"; done
  _ferr0=$(wc -l <"$FRONT_ERR" 2>/dev/null || echo 0)

  echo "soak: $MODE: wrk -t1 -c$SOAK_CONNECTIONS -d${SOAK_SECONDS}s"
  read -r _n _rps _bad _err <<EOF
$(wrk_run "$SOAK_SECONDS" "$RUN/$MODE.lua" "$RUN/wrk-$MODE.log")
EOF
  if [ "$_n" = x ]; then
    it_fail "$MODE: wrk failed ($_err, see $RUN/wrk-$MODE.log)"
    return
  fi
  it_eq "$MODE: no non-2xx answer in $_n requests" 0 "$_bad"
  it_eq "$MODE: no socket error (connect, read, write, timeout)" 0 "$_err"
  [ "$_n" -gt 0 ] && it_pass "$MODE: $_n requests, $_rps req/s" || it_fail "$MODE: wrk made no request"

  _w1=$(workers)
  it_eq "$MODE: the same workers served throughout (none replaced)" "$_w0" "$_w1"
  it_alive "$POOL_PID" && it_pass "$MODE: the pool's master is alive" || it_fail "$MODE: the pool's master died"
  for _w in "$@"; do
    smaps "$_w" >"$RUN/$MODE-smaps-$_w.after" || { it_fail "$MODE: worker $_w is gone"; continue; }
    read -r _r0 _p0 _a0 <"$RUN/$MODE-smaps-$_w.before"
    read -r _r1 _p1 _a1 <"$RUN/$MODE-smaps-$_w.after"
    _pct=$(awk -v a="$_r0" -v b="$_r1" 'BEGIN { printf "%.2f", 100 * (b - a) / a }')
    if awk -v a="$_r0" -v b="$_r1" 'BEGIN { exit !((b - a) * 100 < a) }'; then
      it_pass "$MODE: worker $_w Rss $_r0 -> $_r1 kB ($_pct%, under 1%)"
    else
      it_fail "$MODE: worker $_w Rss grew $_r0 -> $_r1 kB ($_pct%, the limit is 1%)"
    fi
    printf '%s | worker %s | Rss %s -> %s kB (%s%%) | Private_Dirty %s -> %s kB | Anonymous %s -> %s kB\n' \
      "$MODE" "$_w" "$_r0" "$_r1" "$_pct" "$_p0" "$_p1" "$_a0" "$_a1" >>"$SUMMARY"
  done

  # after the run the workers are idle: every line is flushed
  _l1=$(log_settle $((_l0 + _n)))
  _new=$((_l1 - _l0))
  if [ "$_new" -ge "$_n" ] && [ "$_new" -le $((_n + SOAK_CONNECTIONS)) ]; then
    it_pass "$MODE: $_new log lines for $_n requests (wrk's count, up to $SOAK_CONNECTIONS more in flight at its end)"
  else
    it_fail "$MODE: $_new log lines for $_n requests (expected $_n to $((_n + SOAK_CONNECTIONS)))"
  fi
  _other=$(grep ' info: POST /openapi/data ' "$POOL_LOG" | tail -n +$((_l0 + 1)) |
    grep -c -v " type=$WANT status=200 ")
  it_eq "$MODE: every new log line is type=$WANT status=200" 0 "$_other"
  [ "$_other" -eq 0 ] || grep ' info: POST /openapi/data ' "$POOL_LOG" | tail -n +$((_l0 + 1)) |
    grep -v " type=$WANT status=200 " | head -3
  _ferr1=$(wc -l <"$FRONT_ERR" 2>/dev/null || echo 0)
  it_eq "$MODE: lighttpd's error log has no new line" "$_ferr0" "$_ferr1"
  [ "$_ferr0" = "$_ferr1" ] || tail -n +$((_ferr0 + 1)) "$FRONT_ERR" | head -5
  printf '%s | %s requests in %ss, %s req/s | non-2xx %s | socket errors %s | log lines %s\n' \
    "$MODE" "$_n" "$SOAK_SECONDS" "$_rps" "$_bad" "$_err" "$_new" >>"$SUMMARY"
}

soak_mode example PetExample
soak_mode upstream Pet

# 5. The end ----------------------------------------------------------------------------------

it_eq "the workers at the end are the ones of the first warm-up" "${FIRST_WORKERS:-}" "$(workers)"
_warn=$(grep -c -E ' (warn|error): ' "$POOL_LOG")
it_eq "no warn or error line in the pool's log" 0 "$_warn"
[ "$_warn" -eq 0 ] || grep -E ' (warn|error): ' "$POOL_LOG" | head -5
it_alive "$UP_PID" && it_pass "the upstream lighttpd ran to the end" || it_fail "the upstream lighttpd died"
it_alive "$FRONT_PID" && it_pass "the front lighttpd ran to the end" || it_fail "the front lighttpd died"
echo
echo "soak summary (wrk -t1 -c$SOAK_CONNECTIONS, ${SOAK_SECONDS}s per mode):"
cat "$SUMMARY"
it_finish
