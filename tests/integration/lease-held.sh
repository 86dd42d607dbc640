#!/bin/sh
# lease-held.sh - a snapshot lease break that comes while a FastCGI worker holds the lease
# signal (product.md §16.3; main.c serve_fcgi holds it while libfcgi reads or writes): a
# connection that sends only FCGI_BEGIN_REQUEST keeps the worker in libfcgi past
# lease-break-time (45 s by default), the kernel then takes the lease away and lets a
# truncation of the mapped snapshot through; when the request's data comes, the worker
# must neither die of SIGBUS (its handler copying pages past the file's end) nor serve the
# lost bytes: it answers and loads the cache again. About 50 s. Example mode only.
set -u
. "$(dirname "$0")/lib.sh"
it_init lease-held

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
[ -x "$BIN" ] && [ -x "$COMPILE" ] || { echo "build the programs first"; exit 99; }
[ "$(cat /proc/sys/fs/leases-enable 2>/dev/null)" = 1 ] ||
  it_skip "file leases are disabled (/proc/sys/fs/leases-enable)"
BREAK=$(cat /proc/sys/fs/lease-break-time 2>/dev/null || echo 45)
[ "$BREAK" -le 60 ] || it_skip "lease-break-time is $BREAK s (more than this test waits)"

mkdir "$RUN/cache" "$RUN/snaps"
"$COMPILE" -q --cache-dir "$RUN/cache" --as lease-test --server http://127.0.0.1:9 \
  "$top_srcdir/examples/petstore-flow.yaml" >"$RUN/compile.log" 2>&1 ||
  { cat "$RUN/compile.log"; it_fail "the example compiles"; it_finish; }
SOCK=$RUN/pool.sock
[ "${#SOCK}" -gt 100 ] && SOCK=${IT_EXTRA_DIR:-$(mktemp -d /tmp/oac-it.XXXXXX)}/pool.sock
it_bg pool "$RUN/pool.log" env OPENAPI_CONNECTOR_CACHE_DIR="$RUN/cache" \
  OPENAPI_CONNECTOR_ALLOW_ROOT=1 "$BIN" --listen "$SOCK" --workers 1 \
  --snapshot-dir "$RUN/snaps" --pid-file "$RUN/pool.pid"
it_wait_file "$RUN/pool.pid" 5 || { it_fail "the pool starts"; it_finish; }
POOL=$(cat "$RUN/pool.pid")

python3 - "$SOCK" "$RUN/snaps" >"$RUN/client.log" 2>&1 <<'PY'
import glob, os, socket, struct, sys, time
sock, snaps = sys.argv[1], sys.argv[2]
def rec(t, c): return struct.pack("!BBHHBB", 1, t, 1, len(c), 0, 0) + c
def nv(k, v): return bytes([len(k), len(v)]) + k + v
BEGIN = rec(1, struct.pack("!HB5x", 1, 0))
REST = (rec(4, nv(b"REQUEST_METHOD", b"GET") + nv(b"REQUEST_URI", b"/health") +
             nv(b"SCRIPT_NAME", b"/health")) + rec(4, b"") + rec(5, b""))
def connect():
    for _ in range(50):
        try:
            s = socket.socket(socket.AF_UNIX); s.connect(sock); return s
        except OSError:
            time.sleep(0.1)
    sys.exit("cannot connect")
def answer(s):
    s.settimeout(20); got = b""
    try:
        while True:
            b = s.recv(4096)
            if not b: break
            got += b
    except OSError as e:
        print("recv:", e)
    return got
s = connect(); s.sendall(BEGIN + REST); print("warm:", b"Status: 200" in answer(s)); s.close()
snap = glob.glob(os.path.join(snaps, "*.cache"))
print("snapshots:", len(snap))
if not snap: sys.exit(0)
s = connect(); s.sendall(BEGIN)          # the worker now waits in libfcgi for the rest
time.sleep(0.5)
os.chmod(snap[0], 0o644)
t0 = time.monotonic()
with open(snap[0], "r+b") as f:
    f.truncate(100)
print("waited: %d" % int(time.monotonic() - t0))
s.sendall(REST)
print("held:", b"Status: 200" in answer(s)); s.close()
s = connect(); s.sendall(BEGIN + REST); print("after:", b"Status: 200" in answer(s)); s.close()
PY
cat "$RUN/client.log"
grep -qx "snapshots: 1" "$RUN/client.log" || it_skip "the pool mapped no snapshot"
waited=$(sed -n 's/^waited: //p' "$RUN/client.log")
[ "${waited:-0}" -ge 1 ] || it_skip "no lease was granted on the snapshot (the truncation did not wait)"
it_eq "the held request is answered after its snapshot was cut short under it" \
  "held: True" "$(grep '^held:' "$RUN/client.log")"
it_eq "the next request is answered" "after: True" "$(grep '^after:' "$RUN/client.log")"
it_file_lacks "no worker died (signal 7: SIGBUS)" "$RUN/pool.log" "ended (signal"
grep -q "was truncated or rewritten in place: loading the cache again" "$RUN/pool.log" &&
  it_pass "the worker loads the cache again at once" ||
  { cat "$RUN/pool.log"; it_fail "the worker loads the cache again at once"; }
it_stop "$POOL"
it_finish
