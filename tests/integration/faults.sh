#!/bin/sh
# faults.sh - the fault matrix of product.md §10 against real servers on loopback: every
# fault gets its defined status, the next request through the same worker succeeds, and
# nothing is lost (json-server's data unchanged where a failed write must not happen).
#
#   * the API (tests/integration/fault-upstream.py, a misbehaving server in Python, for
#     what json-server cannot do): refuses, resets before / in the middle of its answer,
#     slower than the timeout (headers, or a body that trickles), 500, 404 (a load: empty;
#     a delete: deleted), invalid JSON, text/html, JSON nested 100,000 deep, an endless
#     body and a declared 20 MiB one (502 at the 16 MiB cap, the worker stops reading and
#     its memory stays bounded), a redirect loop; as CGI and through the own pool;
#   * request bodies: over 8 MiB (413), nested 100,000 deep (400), a batch with a bad value
#     (400, nothing sent), a batch whose second call fails (502 naming what was written,
#     the first object stored exactly once);
#   * caches: a FastCGI worker keeps serving the old version while a truncated, corrupted
#     or empty file is renamed into place, picks up a good one, forgets a deleted one, with
#     clients sending requests all along - with snapshots (§16.3) and with private copies;
#     the pool's mapped snapshot truncated and written over in place under load (leases:
#     no request fails, no worker dies, a whole snapshot comes back); SIGHUP, SIGUSR1 and
#     the lease signal sent to the workers hundreds of times a second under load (no
#     request dropped: libfcgi drops a connection a signal interrupts);
#     CGI answers 503 naming the compile command;
#   * the compiler given a YAML "billion laughs" document and one nested 100,000 deep:
#     refused with a clear error, quickly, in bounded memory;
#   * a pool worker killed with SIGKILL while four clients load: at most the request it
#     held fails, the pool replaces it, the next 20 requests succeed;
#   * at the end: no log of this run holds the API key.
#
# Needs python3, node/npm (json-server, as worker-crud.sh) and cgi-fcgi (libfcgi-bin).
# Run by `make check`; by hand: top_builddir=/path/to/build sh tests/integration/faults.sh
# (KEEP_RUN=1 keeps the run directory). Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
it_init faults

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
FAULT_URL=http://example.test/petstore-faulty.yaml
SWAP_URL=http://example.test/swapped.yaml
# (the pet store's message actions add their generated types: issue 16)
TYPES_A="Pet,Pet:tags,Pet:photoUrls,Category,Order,PlaceOrderRequest,PetExample,PetExample:tags,PetExample:photoUrls,adoptpet Body,searchpets Body,status-action Response"
TYPES_B=OwnedPet

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

# 1. The servers and the caches ---------------------------------------------------------------

it_upstream
CACHE=$RUN/cache
it_compile_caches "$CACHE"

mkdir -p "$RUN/fault"
it_bg fault-upstream "$RUN/fault-upstream.log" python3 "$here/fault-upstream.py" --dir "$RUN/fault"
FAULT_PID=$IT_LAST_PID
if ! it_wait_file "$RUN/fault/port" 10; then
  it_fail "fault-upstream.py did not start (see $RUN/fault-upstream.log)"
  it_finish
fi
FAULT=http://127.0.0.1:$(cat "$RUN/fault/port")
"$COMPILE" --quiet --server "$FAULT" --as "$FAULT_URL" --cache-dir "$CACHE" \
  "$top_srcdir/examples/petstore-flow.yaml" >>"$RUN/compile.log" 2>&1
it_eq "compile the pet store for the misbehaving API ($FAULT)" 0 $?

# Two versions of one registration, compiled aside: A (the pet store), B (user-param.yaml).
for v in a b; do
  doc=$top_srcdir/examples/petstore-flow.yaml
  [ "$v" = b ] && doc=$top_srcdir/tests/integration/user-param.yaml
  "$COMPILE" --quiet --server "$UPSTREAM" --as "$SWAP_URL" --cache-dir "$RUN/stage-$v" \
    "$doc" >>"$RUN/compile.log" 2>&1
  it_eq "compile version $v of $SWAP_URL aside" 0 $?
done
SWAP_NAME=$(cd "$RUN/stage-a" && ls -- *.cache)
SWAP_FILE=$CACHE/$SWAP_NAME
cp "$RUN/stage-a/$SWAP_NAME" "$SWAP_FILE"
CGI_CACHE=$RUN/cgi-cache
cp -R "$CACHE" "$CGI_CACHE"

# The own pool: two workers on a socket path, a 1 s upstream timeout.
SOCK=$RUN/pool.sock
if [ "${#SOCK}" -gt 100 ]; then  # sun_path holds 108 bytes
  IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
  SOCK=$IT_EXTRA_DIR/pool.sock
fi
# shared caches (§16.3): the pool maps snapshots in $RUN/snapshots (the installed default
# mode); a second pool below runs the cache cases with private copies (--snapshot-dir "")
it_bg pool "$RUN/pool.log" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" OPENAPI_CONNECTOR_TIMEOUT=1 \
  OPENAPI_CONNECTOR_SNAPSHOT_DIR="$RUN/snapshots" OPENAPI_CONNECTOR_ALLOW_ROOT=1 \
  "$BIN" --listen "$SOCK" --workers 2 --pid-file "$RUN/pool.pid"
if ! it_wait_file "$RUN/pool.pid" 5; then
  it_fail "the pool did not start (see $RUN/pool.log)"
  it_finish
fi
MASTER=$(cat "$RUN/pool.pid")
sleep 0.3

py() { # SUBCOMMAND ARGS...
  _sub=$1
  shift
  python3 "$here/faults.py" "$_sub" --upstream "$UPSTREAM" --record "$RECORD" \
    --schema-url "$SCHEMA_URL" --refused-url "$REFUSED_URL" --api-key "$API_KEY" \
    --bin "$BIN" --sock "$SOCK" --master "$MASTER" --worker-log "$RUN/pool.log" \
    --cgi-log "$RUN/cgi-stderr.log" --results "$IT_RESULTS" \
    --transcript "$RUN/transcript.txt" "$@"
  _rc=$?
  [ "$_rc" -le 1 ] || it_fail "faults.py $_sub stopped with exit status $_rc"
}

# 2. The API misbehaves -----------------------------------------------------------------------

echo "== the API misbehaves (CGI, then the pool)"
py upstream --modes cgi,fcgi --cache "$CACHE" --fault-url "$FAULT_URL" --fault-dir "$RUN/fault"

# 3. Failed writes lose nothing ---------------------------------------------------------------

echo "== failed writes"
py writes --modes cgi,fcgi --cache "$CACHE"

# 4. Caches -----------------------------------------------------------------------------------

echo "== caches replaced under the pool"
py caches --swap-url "$SWAP_URL" --swap-file "$SWAP_FILE" --swap-a "$RUN/stage-a/$SWAP_NAME" \
  --swap-b "$RUN/stage-b/$SWAP_NAME" --types-a "$TYPES_A" --types-b "$TYPES_B"
# shared caches (§16.3): the pool above served them from snapshots; every snapshot is a
# read-only copy of a cache that passed verification, none is a refused version
n_snap=$(find "$RUN/snapshots" -name '*.cache' -perm 0444 2>/dev/null | wc -l)
if [ "$n_snap" -ge 2 ]; then
  it_pass "the pool mapped snapshots ($n_snap files of mode 0444 in the snapshot directory)"
else
  it_fail "the pool mapped snapshots: $n_snap files of mode 0444 in $RUN/snapshots"
fi
it_file_lacks "the pool's log: no snapshot warning" "$RUN/pool.log" "snapshot directory"
# shared caches (§16.3): the workers hold their snapshots' leases on descriptors of 1024 and
# above (libfcgi select()s the connections: they must stay below FD_SETSIZE), having raised
# their soft RLIMIT_NOFILE; with a hard limit of 1024 or less they stay low
snap_real=$(realpath "$RUN/snapshots")
fd_low=0 fd_high=0
for w in $(cat "/proc/$MASTER/task/$MASTER/children" 2>/dev/null); do
  for l in "/proc/$w/fd/"*; do
    case $(readlink "$l") in "$snap_real/"*) ;; *) continue ;; esac
    if [ "${l##*/}" -ge 1024 ]; then fd_high=$((fd_high + 1)); else fd_low=$((fd_low + 1)); fi
  done
done
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt 1100 ]; then
  it_eq "no snapshot lease of a worker below descriptor 1024 ($fd_high at 1024 and above)" \
    0 "$fd_low"
else
  echo "note: hard RLIMIT_NOFILE $(ulimit -Hn): lease descriptors stay below 1024 ($fd_low)"
fi
it_file_lacks "the pool's log: no snapshot lease warning" "$RUN/pool.log" "snapshot leases"
echo "== the pool's mapped snapshots damaged in place under load"
py snapshots --snapshot-dir "$RUN/snapshots" --swap-url "$SWAP_URL" --swap-file "$SWAP_FILE" \
  --types-a "$TYPES_A"
echo "== signals to the workers under load"
py signals
echo "== caches replaced under a pool with private copies (--snapshot-dir \"\")"
SOCK_P=$RUN/pool-private.sock
[ "${#SOCK_P}" -gt 100 ] && SOCK_P=${IT_EXTRA_DIR:-$(mktemp -d /tmp/oac-it.XXXXXX)}/pool-private.sock
it_bg pool-private "$RUN/pool-private.log" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" \
  OPENAPI_CONNECTOR_SNAPSHOT_DIR= OPENAPI_CONNECTOR_ALLOW_ROOT=1 \
  "$BIN" --listen "$SOCK_P" --workers 2 --pid-file "$RUN/pool-private.pid"
if it_wait_file "$RUN/pool-private.pid" 5; then
  sleep 0.3
  py caches --sock "$SOCK_P" --master "$(cat "$RUN/pool-private.pid")" \
    --worker-log "$RUN/pool-private.log" --swap-url "$SWAP_URL" --swap-file "$SWAP_FILE" \
    --swap-a "$RUN/stage-a/$SWAP_NAME" --swap-b "$RUN/stage-b/$SWAP_NAME" \
    --types-a "$TYPES_A" --types-b "$TYPES_B"
  kill "$(cat "$RUN/pool-private.pid")" 2>/dev/null
else
  it_fail "the private-copies pool did not start (see $RUN/pool-private.log)"
fi
echo "== caches read by CGI"
py cgi-caches --cache "$CGI_CACHE" --swap-url "$SWAP_URL" --swap-file "$CGI_CACHE/$SWAP_NAME" \
  --types-a "$TYPES_A"

# 5. The compiler and hostile YAML ------------------------------------------------------------

echo "== the compiler"
lol=$RUN/billion-laughs.yaml
{
  echo 'openapi: 3.0.3'
  echo 'info: {title: billion laughs, version: "1"}'
  echo 'paths: {}'
  echo 'x-lol:'
  echo '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
  prev=a
  for n in b c d e f g h i; do
    echo "  $n: &$n [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
    prev=$n
  done
} >"$lol"
python3 -c 'import sys; d = 100000
sys.stdout.write("openapi: 3.0.3\ninfo: {title: deep, version: \"1\"}\npaths: {}\nx-deep: "
                 + "[" * d + "]" * d + "\n")' >"$RUN/deep.yaml"
for doc in billion-laughs:"aliases expand to more than" deep:"nesting deeper than 512"; do
  name=${doc%%:*}
  words=${doc#*:}
  python3 "$here/faults.py" measure --out "$RUN/measure-$name" --timeout 30 -- \
    "$COMPILE" --cache-dir "$RUN/cache-$name" --as "$name" "$RUN/$name.yaml" \
    >"$RUN/compile-$name.log" 2>&1
  read -r rc secs kib <"$RUN/measure-$name"
  it_eq "compile $name.yaml: exit status 1 (refused, no crash)" 1 "$rc"
  if grep -q "$name.yaml:[0-9]*:[0-9]*: error: .*$words" "$RUN/compile-$name.log"; then
    it_pass "compile $name.yaml: a clear error at a line:col ($(head -1 "$RUN/compile-$name.log"))"
  else
    it_fail "compile $name.yaml: an error naming '$words' at a line:col
      got: $(head -3 "$RUN/compile-$name.log")"
  fi
  if python3 -c "import sys; sys.exit(0 if float('$secs') < 3 and int('$kib') < 262144 else 1)"; then
    it_pass "compile $name.yaml: bounded ($secs s, peak RSS $kib KiB; limits 3 s, 256 MiB)"
  else
    it_fail "compile $name.yaml: bounded (got $secs s, peak RSS $kib KiB; limits 3 s, 256 MiB)"
  fi
  if [ -z "$(ls -A "$RUN/cache-$name" 2>/dev/null)" ]; then
    it_pass "compile $name.yaml: no cache file written"
  else
    it_fail "compile $name.yaml: no cache file written (got $(ls "$RUN/cache-$name"))"
  fi
done

# 6. A worker killed under load ---------------------------------------------------------------

echo "== a pool worker killed with SIGKILL under load"
py kill

# 7. The end ----------------------------------------------------------------------------------

if it_alive "$MASTER"; then it_pass "the pool's master ran to the end"; else it_fail "the pool's master died"; fi
if it_alive "$JS_PID"; then it_pass "json-server ran to the end"; else it_fail "json-server died"; fi
if it_alive "$FAULT_PID"; then it_pass "fault-upstream.py ran to the end"; else it_fail "fault-upstream.py died"; fi
for f in "$RUN"/*.log; do
  it_file_lacks "$(basename "$f") does not hold the API key" "$f" "$API_KEY"
done

it_finish
