#!/bin/sh
# processes.sh - the pool as a daemon (product.md §16.1): a second pool on a live socket is
# refused while the first keeps serving (no failed request), a stale socket is replaced;
# the --pid-file locked for the master's life (a second pool with it is refused, exit 2,
# with --daemon too; no worker keeps it open; a stale one is taken over);
# the root refusal and --allow-root; --user nobody drops root in the master and the
# workers (/proc/PID/status); --check-config good, bad, as --user (the cache directory, the
# snapshot directory, the --log-file), beside a running pool; a failed SIGUSR1 log reopen
# and an exit that cannot remove its socket and PID file after the drop, each logged;
# process titles from `ps -o args`; the pool's options from the environment; systemd socket
# activation with systemd-socket-activate (3 workers on fd 3, readiness READY=1/STATUS= on
# the test's own NOTIFY_SOCKET listener, RELOADING=1 then READY=1 on SIGHUP). Needs
# cgi-fcgi (libfcgi-bin). Example mode only.
set -u
. "$(dirname "$0")/lib.sh"
it_init processes

command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
[ -x "$BIN" ] && [ -x "$COMPILE" ] || { echo "build the programs first"; exit 99; }

# a directory every account can read (the --user nobody checks), removed at the end
PUB=$(mktemp -d /tmp/oac-processes.XXXXXX) || exit 99
chmod 0755 "$PUB"
mkdir -m 0755 "$PUB/cache"
"$COMPILE" -q --cache-dir "$PUB/cache" --as proc-test --server http://127.0.0.1:9 \
  "$top_srcdir/examples/petstore-flow.yaml" >"$RUN/compile.log" 2>&1 ||
  { cat "$RUN/compile.log"; it_fail "the example compiles"; it_finish; }
chmod -R a+rX "$PUB/cache"
export OPENAPI_CONNECTOR_CACHE_DIR="$PUB/cache"

BODY='{"configurationValues":[{"developerName":"Schema URL","contentValue":"proc-test"}],"objectDataType":{"developerName":"PetExample"},"listFilter":{"id":"2"}}'
printf '%s' "$BODY" >"$RUN/body.json"

load() { # SOCKET: the Status line and the pet's name
  REQUEST_METHOD=POST REQUEST_URI=/openapi/data CONTENT_LENGTH=$(wc -c <"$RUN/body.json") \
    cgi-fcgi -bind -connect "$1" <"$RUN/body.json" 2>/dev/null >"$RUN/answer.$$" || true
  _st=$(head -1 "$RUN/answer.$$" | tr -d '\r')
  case $(cat "$RUN/answer.$$") in *'"contentValue":"Tom"'*) _pet=Tom ;; *) _pet=none ;; esac
  echo "$_st $_pet"
}
kids() { pgrep -P "$1" | sort | tr '\n' ' '; }
count() { set -- $1; echo $#; }
wait_kids() { # MASTER N
  _i=0
  while [ "$(count "$(kids "$1")")" != "$2" ] && [ "$_i" -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
  kids "$1"
}
wait_sock() { # PATH
  _i=0
  while ! python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$1" 2>/dev/null && [ "$_i" -lt 50 ]; do
    sleep 0.1; _i=$((_i + 1))
  done
}
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

# --- a live socket is never taken over --------------------------------------------------
SOCK=$RUN/a.sock
it_bg "pool a" "$RUN/a.log" "$BIN" --listen "$SOCK" --workers 2 --pid-file "$RUN/a.pid"
it_wait_file "$RUN/a.pid" 5 || it_fail "the first pool starts"
A=$(cat "$RUN/a.pid")
wait_sock "$SOCK"
it_eq "the first pool serves" "Status: 200 OK Tom" "$(load "$SOCK")"
# requests all through the second pool's attempt
( n=0; while [ "$n" -lt 40 ]; do load "$SOCK"; n=$((n + 1)); done >"$RUN/loop.txt" ) &
loop=$!
sleep 0.2
"$BIN" --listen "$SOCK" --workers 2 >"$RUN/b.log" 2>&1
st=$?
it_eq "a second pool on a live socket exits with 2" 2 "$st"
grep -q "in use by a running process" "$RUN/b.log" && it_pass "the second pool says the socket is in use" ||
  { cat "$RUN/b.log"; it_fail "the second pool says the socket is in use"; }
wait "$loop"
it_eq "40 loads during the second pool's attempt: none failed" \
  "40" "$(grep -c '^Status: 200 OK Tom$' "$RUN/loop.txt")"
it_eq "the first pool still serves afterwards" "Status: 200 OK Tom" "$(load "$SOCK")"
[ -S "$SOCK" ] && it_pass "the socket file is still there" || it_fail "the socket file is still there"

# --- the PID file is locked: a second pool on another socket cannot take it --------------
HELD="openapi-connector: PID file $RUN/a.pid is held by a running pool (PID $A): give another --pid-file"
for d in "" --daemon; do
  "$BIN" --listen "$RUN/b2.sock" --workers 1 --pid-file "$RUN/a.pid" $d >"$RUN/b2.log" 2>&1
  it_eq "a second pool with the same --pid-file ${d:+($d) }exits with 2" 2 "$?"
  it_eq "it says the PID file is held, by which PID, on one line" "$HELD" "$(cat "$RUN/b2.log")"
  it_eq "the first pool's PID file still holds its PID ${d:+($d)}" "$A" "$(cat "$RUN/a.pid" 2>/dev/null)"
  [ -e "$RUN/b2.sock" ] && it_fail "the refused pool leaves no socket ${d:+($d)}" ||
    it_pass "the refused pool leaves no socket ${d:+($d)}"
done
# only the master holds the lock: a worker closed its copy (a worker outliving a killed
# master must not keep the file locked)
held=0
for w in $(wait_kids "$A" 2); do
  for f in /proc/$w/fd/*; do [ "$(readlink "$f")" = "$RUN/a.pid" ] && held=$((held + 1)); done
done
it_eq "no worker has the PID file open" 0 "$held"

# --- process titles ----------------------------------------------------------------------
it_eq "ps shows the master's title" "openapi-connector: master" "$(ps -o args= -p "$A")"
w1=$(wait_kids "$A" 2)
w1=${w1%% *}
it_eq "ps shows a worker's title" "openapi-connector: worker" "$(ps -o args= -p "$w1")"

# --- --check-config ----------------------------------------------------------------------
"$BIN" --check-config --listen "$SOCK" --pid-file "$RUN/a.pid" >"$RUN/cc1.log" 2>&1
it_eq "--check-config beside a running pool exits 0" 0 "$?"
grep -q "in use by a running pool" "$RUN/cc1.log" && it_pass "--check-config reports the live pool's socket" ||
  { cat "$RUN/cc1.log"; it_fail "--check-config reports the live pool's socket"; }
grep -qxF "PID file $RUN/a.pid: held by a running pool (PID $A; a second pool with it would be refused)" "$RUN/cc1.log" &&
  it_pass "--check-config reports the live pool's PID file as held" ||
  { cat "$RUN/cc1.log"; it_fail "--check-config reports the live pool's PID file as held"; }
grep -q "1 cache verified" "$RUN/cc1.log" && it_pass "--check-config verifies the cache" ||
  it_fail "--check-config verifies the cache"
"$BIN" --check-config --cache-dir "$RUN/none" --listen "$RUN/c.sock" >"$RUN/cc2.log" 2>&1
it_eq "--check-config with a missing cache directory exits 1" 1 "$?"
grep -q "configuration has errors" "$RUN/cc2.log" && it_pass "--check-config says it found errors" ||
  it_fail "--check-config says it found errors"
"$BIN" --check-config --workers 0 >"$RUN/cc3.log" 2>&1
it_eq "--check-config with a bad option is a usage error" 2 "$?"
it_stop "$A"
[ -e "$SOCK" ] && it_fail "the socket is removed at the end" || it_pass "the socket is removed at the end"
[ -e "$RUN/a.pid" ] && it_fail "the PID file is removed at the end" || it_pass "the PID file is removed at the end"

# TCP: a free port can be bound, a taken one is reported
TPORT=$(it_free_port)
"$BIN" --check-config --listen "127.0.0.1:$TPORT" >"$RUN/cc7.log" 2>&1
it_eq "--check-config on a free TCP port exits 0" 0 "$?"
grep -q "can be bound" "$RUN/cc7.log" && it_pass "--check-config: the port can be bound" ||
  { cat "$RUN/cc7.log"; it_fail "--check-config: the port can be bound"; }

# every option of the worker has its environment variable (§11): the option table of
# main.c against the OPENAPI_CONNECTOR_ names of the worker's sources
missing=
for o in $(sed -n '/static const struct option opts\[\]/,/^  };/p' "$top_srcdir/src/worker/main.c" |
           sed -n 's/^ *{ "\([a-z-]*\)",.*/\1/p'); do
  case $o in help|version|check-config) continue ;; esac
  v=OPENAPI_CONNECTOR_$(echo "$o" | tr 'a-z-' 'A-Z_')
  grep -q "\"$v\"" "$top_srcdir"/src/worker/*.c || missing="$missing $v"
done
it_eq "every worker option has its environment variable" "" "$missing"

# --- a stale socket is replaced ------------------------------------------------------------
python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$RUN/stale.sock"
[ -S "$RUN/stale.sock" ] || it_fail "a stale socket file is made"
"$BIN" --check-config --listen "$RUN/stale.sock" >"$RUN/cc4.log" 2>&1
grep -q "stale socket" "$RUN/cc4.log" && it_pass "--check-config reports a stale socket" ||
  it_fail "--check-config reports a stale socket"
# a stale PID file (a PID that is gone, and no lock) is taken over
DEAD=$(sh -c 'echo $$')
echo "$DEAD" >"$RUN/stale.pid"
"$BIN" --check-config --pid-file "$RUN/stale.pid" >"$RUN/cc8.log" 2>&1
grep -qxF "PID file $RUN/stale.pid: stale (PID $DEAD, no pool holds it); it will be taken over" "$RUN/cc8.log" &&
  it_pass "--check-config reports a stale PID file" ||
  { cat "$RUN/cc8.log"; it_fail "--check-config reports a stale PID file"; }
it_bg "pool stale" "$RUN/stale.log" "$BIN" --listen "$RUN/stale.sock" --workers 1 --pid-file "$RUN/stale.pid"
S=$IT_LAST_PID
wait_sock "$RUN/stale.sock"
it_eq "a pool replaces a stale socket and serves" "Status: 200 OK Tom" "$(load "$RUN/stale.sock")"
it_eq "a pool takes over a stale PID file and writes its own PID" "$S" "$(cat "$RUN/stale.pid" 2>/dev/null)"
it_stop "$S"
[ -e "$RUN/stale.pid" ] && it_fail "the taken-over PID file is removed at the end" ||
  it_pass "the taken-over PID file is removed at the end"
# the pool opens its PID file as root and truncates it: a symbolic link (or a hard link)
# put there by whoever can write the directory is refused, the file it names untouched
echo "precious" >"$RUN/victim"
ln -s "$RUN/victim" "$RUN/link.pid"
timeout 10 "$BIN" --listen "$RUN/link.sock" --workers 1 --pid-file "$RUN/link.pid" >"$RUN/link.log" 2>&1
it_eq "a --pid-file that is a symbolic link: exit 2" 2 "$?"
it_eq "a --pid-file that is a symbolic link: the file it names is untouched" "precious" \
  "$(cat "$RUN/victim")"
grep -qF -- "--pid-file $RUN/link.pid: is a symbolic link (not followed)" "$RUN/link.log" &&
  it_pass "a --pid-file that is a symbolic link is named as one" ||
  { cat "$RUN/link.log"; it_fail "a --pid-file that is a symbolic link is named as one"; }
"$BIN" --check-config --pid-file "$RUN/link.pid" >"$RUN/cc-link.log" 2>&1
it_eq "--check-config: a --pid-file that is a symbolic link fails (exit 1), not followed" \
  "1 precious" "$? $(cat "$RUN/victim")"
grep -qF "PID file $RUN/link.pid: cannot be used: is a symbolic link (not followed)" \
  "$RUN/cc-link.log" && it_pass "--check-config names the symbolic link as the pool would" ||
  { cat "$RUN/cc-link.log"; it_fail "--check-config names the symbolic link as the pool would"; }
ln "$RUN/victim" "$RUN/hard.pid"
timeout 10 "$BIN" --listen "$RUN/hard.sock" --workers 1 --pid-file "$RUN/hard.pid" >"$RUN/hard.log" 2>&1
it_eq "a --pid-file with another hard link: exit 2, the linked file untouched" "2 precious" \
  "$? $(cat "$RUN/victim")"
[ -e "$RUN/link.sock" ] || [ -e "$RUN/hard.sock" ] &&
  it_fail "a pool refused for its PID file leaves no socket" ||
  it_pass "a pool refused for its PID file leaves no socket"

# --- the pool's options from the environment -------------------------------------------------
it_bg "pool env" "$RUN/env.log" env OPENAPI_CONNECTOR_LISTEN="$RUN/env.sock" \
  OPENAPI_CONNECTOR_WORKERS=3 OPENAPI_CONNECTOR_PID_FILE="$RUN/env.pid" "$BIN"
it_wait_file "$RUN/env.pid" 5 || it_fail "OPENAPI_CONNECTOR_PID_FILE is written"
E=$(cat "$RUN/env.pid" 2>/dev/null)
it_eq "OPENAPI_CONNECTOR_WORKERS=3: 3 workers" 3 "$(count "$(wait_kids "$E" 3)")"
wait_sock "$RUN/env.sock"
it_eq "OPENAPI_CONNECTOR_LISTEN: a pool serves there" "Status: 200 OK Tom" "$(load "$RUN/env.sock")"
it_stop "$IT_LAST_PID"
OPENAPI_CONNECTOR_WORKERS=3 OPENAPI_CONNECTOR_MAX_REQUESTS=5 REQUEST_METHOD=GET \
  REQUEST_URI=/openapi/health "$BIN" >"$RUN/cgi.txt" 2>/dev/null
it_eq "pool variables in the environment do not stop a CGI run" "Status: 200 OK" \
  "$(head -1 "$RUN/cgi.txt" | tr -d '\r')"

# --- root: the refusal, --allow-root, --user ---------------------------------------------------
if [ "$ROOT" = 1 ]; then
  env -u OPENAPI_CONNECTOR_ALLOW_ROOT "$BIN" --listen "$RUN/r.sock" >"$RUN/r.log" 2>&1
  it_eq "as root without --user or --allow-root the pool exits with 2" 2 "$?"
  grep -q -- "--user" "$RUN/r.log" && grep -q -- "--allow-root" "$RUN/r.log" &&
    grep -q OPENAPI_CONNECTOR_ALLOW_ROOT "$RUN/r.log" &&
    it_pass "the refusal names --user, --allow-root and OPENAPI_CONNECTOR_ALLOW_ROOT" ||
    { cat "$RUN/r.log"; it_fail "the refusal names --user, --allow-root and OPENAPI_CONNECTOR_ALLOW_ROOT"; }
  [ -e "$RUN/r.sock" ] && it_fail "a refused pool leaves no socket" || it_pass "a refused pool leaves no socket"
  it_bg "pool root" "$RUN/r2.log" env -u OPENAPI_CONNECTOR_ALLOW_ROOT "$BIN" --allow-root \
    --listen "$RUN/r2.sock" --workers 1
  wait_sock "$RUN/r2.sock"
  it_eq "--allow-root: a root pool serves" "Status: 200 OK Tom" "$(load "$RUN/r2.sock")"
  it_stop "$IT_LAST_PID"

  it_bg "pool nobody" "$RUN/n.log" env -u OPENAPI_CONNECTOR_ALLOW_ROOT "$BIN" --user nobody \
    --listen "$PUB/n.sock" --workers 2 --socket-mode 0666 --pid-file "$RUN/n.pid" \
    --log-file "$PUB/n-file.log"
  it_wait_file "$RUN/n.pid" 5 || it_fail "the --user pool writes its PID file as root"
  N=$(cat "$RUN/n.pid" 2>/dev/null)
  wait_sock "$PUB/n.sock"
  it_eq "--user nobody: the pool serves" "Status: 200 OK Tom" "$(load "$PUB/n.sock")"
  it_eq "--user nobody: the socket belongs to nobody" "nobody" "$(stat -c %U "$PUB/n.sock")"
  it_eq "--user nobody: the PID file belongs to nobody (given through its locked descriptor)" \
    "nobody" "$(stat -c %U "$RUN/n.pid")"
  nuid=$(id -u nobody)
  ngid=$(id -g nobody)
  it_eq "--user nobody: the master's uids" "$nuid $nuid $nuid $nuid" \
    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$N/status")"
  it_eq "--user nobody: the master's gids" "$ngid $ngid $ngid $ngid" \
    "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$N/status")"
  bad=0
  for w in $(wait_kids "$N" 2); do
    [ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$w/status")" = "$nuid $nuid $nuid $nuid" ] || bad=$((bad + 1))
    grep -q "^Groups:.*\b0\b" "/proc/$w/status" && bad=$((bad + 1))
  done
  it_eq "--user nobody: every worker runs as nobody, without group root" 0 "$bad"
  # --log-file opened as root is given to the account, so that it can reopen the file
  # logrotate's "create" makes (owned like the old one) in a directory only root writes
  it_eq "--user nobody: the --log-file belongs to nobody" "nobody" "$(stat -c %U "$PUB/n-file.log")"
  mv "$PUB/n-file.log" "$PUB/n-file.log.1"
  install -m 0640 -o "$(stat -c %U "$PUB/n-file.log.1")" -g "$(stat -c %G "$PUB/n-file.log.1")" \
    /dev/null "$PUB/n-file.log"
  kill -USR1 "$N"
  sleep 0.3
  load "$PUB/n.sock" >/dev/null
  load "$PUB/n.sock" >/dev/null
  sleep 0.3
  grep -q 'POST /openapi/data' "$PUB/n-file.log" &&
    it_pass "--user nobody: SIGUSR1 reopens the rotated --log-file" ||
    { cat "$PUB/n-file.log"; it_fail "--user nobody: SIGUSR1 reopens the rotated --log-file"; }
  # §16.4: a reopen that fails (rotated without "create", in a directory only root writes)
  # is logged once, with the path and errno's text, in the old file, which keeps the lines;
  # the master does not pass the signal on (the workers would fail too)
  mv "$PUB/n-file.log" "$PUB/n-file.log.2"
  kill -USR1 "$N"
  sleep 0.3
  load "$PUB/n.sock" >/dev/null
  sleep 0.3
  FAILED="cannot reopen the log file $PUB/n-file.log: Permission denied"
  it_eq "--user nobody: a failed SIGUSR1 reopen is logged once, in the old file" 1 \
    "$(grep -c "openapi-connector\[$N\] error: SIGUSR1: $FAILED" "$PUB/n-file.log.2")"
  [ -e "$PUB/n-file.log" ] && it_fail "a failed reopen creates no file" ||
    it_pass "a failed reopen creates no file"
  sed -n "/$(echo "$FAILED" | sed 's|/|\\/|g')/,\$p" "$PUB/n-file.log.2" | grep -q 'POST /openapi/data' &&
    it_pass "after a failed reopen the lines go on in the old file" ||
    { cat "$PUB/n-file.log.2"; it_fail "after a failed reopen the lines go on in the old file"; }
  # a worker signalled directly reopens in its signal handler and logs the failure after it
  w=$(wait_kids "$N" 2)
  w=${w%% *}
  kill -USR1 "$w"
  sleep 0.3
  it_eq "--user nobody: a worker's failed reopen is logged once, by the worker" 1 \
    "$(grep -c "openapi-connector\[$w\] error: SIGUSR1: $FAILED" "$PUB/n-file.log.2")"
  it_stop "$IT_LAST_PID"
  # §16.1: after the drop, nobody cannot remove the socket in $PUB and the PID file in $RUN
  # (directories only root writes): one warning line each, not silence
  for what in "socket $PUB/n.sock" "PID file $RUN/n.pid"; do
    grep -q "warn: cannot remove the $what at exit as uid $nuid: Permission denied" "$PUB/n-file.log.2" &&
      it_pass "--user nobody: the exit says it cannot remove the $what" ||
      { tail -5 "$PUB/n-file.log.2"; it_fail "--user nobody: the exit says it cannot remove the $what"; }
  done
  rm -f "$PUB/n.sock" "$RUN/n.pid"

  # the snapshot directory and the --log-file are checked as the account too
  mkdir -m 0755 "$PUB/snap" "$PUB/logs"
  chown nobody "$PUB/snap"
  export OPENAPI_CONNECTOR_SNAPSHOT_DIR="$PUB/snap"
  "$BIN" --check-config --user nobody --listen "$PUB/cc.sock" >"$RUN/cc5.log" 2>&1
  it_eq "--check-config --user nobody with a readable directory exits 0" 0 "$?"
  grep -qxF "snapshot directory $PUB/snap: writable by nobody" "$RUN/cc5.log" &&
    it_pass "--check-config: the snapshot directory is writable by the account" ||
    { cat "$RUN/cc5.log"; it_fail "--check-config: the snapshot directory is writable by the account"; }
  cc() { # EXPECTED-STATUS LINE NAME ARGS...: --check-config --user nobody ARGS
    _want=$1 _line=$2 _name=$3
    shift 3
    "$BIN" --check-config --user nobody "$@" >"$RUN/cc.log" 2>&1
    it_eq "--check-config: $_name: exit status" "$_want" "$?"
    grep -qxF "$_line" "$RUN/cc.log" && it_pass "--check-config: $_name: says so on one line" ||
      { cat "$RUN/cc.log"; it_fail "--check-config: $_name: says so on one line ($_line)"; }
  }
  cc 0 "snapshot directory $PUB/snap/new: missing; the workers create it (as nobody)" \
    "a missing snapshot directory the account can create" --snapshot-dir "$PUB/snap/new"
  cc 1 "snapshot directory $PUB/logs: not writable by nobody: permission denied" \
    "a snapshot directory only root writes" --snapshot-dir "$PUB/logs"
  # the workers refuse a directory another account could change (snapshot.c): so does the check
  mkdir -m 1777 "$PUB/snapall"
  cc 1 "snapshot directory $PUB/snapall: permission problem: writable by every account (mode 1777); the workers would keep private copies" \
    "a snapshot directory every account writes" --snapshot-dir "$PUB/snapall"
  cc 1 "snapshot directory $PUB/logs/new: missing, and nobody cannot create it in $PUB/logs: permission denied" \
    "a missing snapshot directory in a directory only root writes" --snapshot-dir "$PUB/logs/new"
  cc 1 "log file $PUB/logs/w.log: missing, and nobody cannot create it in $PUB/logs: permission denied" \
    "a --log-file in a directory only root writes" --log-file "$PUB/logs/w.log"
  [ -e "$PUB/logs/w.log" ] && it_fail "--check-config creates no log file" ||
    it_pass "--check-config creates no log file"
  chown nobody "$PUB/logs"
  cc 0 "log file $PUB/logs/w.log: missing; nobody can create it" \
    "a --log-file the account can create" --log-file "$PUB/logs/w.log"
  : >"$PUB/logs/w.log"
  chmod 0600 "$PUB/logs/w.log"
  cc 0 "log file $PUB/logs/w.log: owned by uid 0; the pool gives it to nobody at start" \
    "an existing --log-file that the pool gives to the account" --log-file "$PUB/logs/w.log"
  chown nobody "$PUB/logs/w.log"
  cc 0 "log file $PUB/logs/w.log: can be appended to by nobody" \
    "a --log-file the account can append to" --log-file "$PUB/logs/w.log"
  chown root "$PUB/logs"
  chmod 0700 "$PUB/logs"
  cc 1 "log file $PUB/logs/w.log: not reachable by nobody: permission denied" \
    "a --log-file in a directory the account cannot enter" --log-file "$PUB/logs/w.log"
  chmod 0700 "$PUB/cache"
  "$BIN" --check-config --user nobody >"$RUN/cc6.log" 2>&1
  it_eq "--check-config --user nobody with a directory only root reads exits 1" 1 "$?"
  grep -q "permission denied" "$RUN/cc6.log" && it_pass "--check-config names the permission error" ||
    { cat "$RUN/cc6.log"; it_fail "--check-config names the permission error"; }
  chmod 0755 "$PUB/cache"
  "$BIN" --user no-such-user-here --listen "$RUN/x.sock" >"$RUN/u.log" 2>&1
  it_eq "--user with an unknown account exits with 2" 2 "$?"
else
  echo "SKIP: the root refusal and --user checks need root (running as uid $(id -u))"
  "$BIN" --listen "$RUN/r.sock" --user nobody >"$RUN/r.log" 2>&1
  it_eq "--user without root exits with 2" 2 "$?"
fi
"$BIN" --user nobody >"$RUN/u2.log" 2>&1
it_eq "--user without --listen is a usage error" 2 "$?"

# --- systemd socket activation ----------------------------------------------------------------
# systemd-socket-activate (Debian's systemd package) binds the socket, waits for the first
# connection and only then starts the pool with LISTEN_FDS=1 on fd 3; the test's own
# AF_UNIX datagram listener is NOTIFY_SOCKET.
if ! command -v systemd-socket-activate >/dev/null 2>&1; then
  echo "SKIP: socket activation: systemd-socket-activate (Debian package systemd) is not installed"
elif ! grep -q '^#define HAVE_LIBSYSTEMD 1' "$top_builddir/config.h"; then
  echo "SKIP: socket activation: this build has no libsystemd (install libsystemd-dev, rerun configure)"
  it_bg "activate" "$RUN/act.log" systemd-socket-activate -l "$RUN/act.sock" "$BIN" --workers 3
  wait_sock "$RUN/act.sock"
  load "$RUN/act.sock" >/dev/null
  sleep 0.3
  grep -q "no libsystemd" "$RUN/act.log" && it_pass "a build without libsystemd refuses LISTEN_FDS" ||
    it_fail "a build without libsystemd refuses LISTEN_FDS"
  it_stop "$IT_LAST_PID"
else
  cat >"$RUN/notify.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        m = s.recv(4096).decode()
        out.write(m.replace("\n", " ") + "\n")
        out.flush()
PY
  it_bg "notify listener" "$RUN/notify.log" python3 "$RUN/notify.py" "$RUN/notify.sock" "$RUN/notify.txt"
  it_wait_file "$RUN/notify.sock" 5 || [ -S "$RUN/notify.sock" ] || sleep 0.5
  it_bg "activate" "$RUN/act.log" systemd-socket-activate -l "$RUN/act.sock" \
    -E NOTIFY_SOCKET="$RUN/notify.sock" -E OPENAPI_CONNECTOR_CACHE_DIR \
    -E OPENAPI_CONNECTOR_ALLOW_ROOT=1 "$BIN" --workers 3
  ACT=$IT_LAST_PID
  # no start-up line to wait for: the pool starts at the first connection
  i=0
  while [ ! -S "$RUN/act.sock" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  if [ -x "$NGINX" ]; then
    # through nginx (apache-conf/nginx.conf as shipped): the first request starts the pool
    mkdir -p "$RUN/nginx"
    NPORT=$(it_free_port)
    sh "$top_srcdir/scripts/fill-conf.sh" "$top_srcdir/apache-conf/nginx.conf" \
      BASE="$RUN/nginx" PORT="$NPORT" SOCKET="$RUN/act.sock" USER="$(id -un)" GROUP="$(id -gn)" \
      >"$RUN/nginx/server.conf" 2>"$RUN/nginx/fill.log" || it_fail "nginx.conf is filled in"
    it_bg nginx "$RUN/nginx/out.log" "$NGINX" -p "$RUN/nginx" -c "$RUN/nginx/server.conf" -g 'daemon off;'
    NGX=$IT_LAST_PID
    nload() {
      curl -s --max-time 10 -H 'Content-Type: application/json' --data-binary @"$RUN/body.json" \
        "http://127.0.0.1:$NPORT/openapi/data" | grep -c '"contentValue":"Tom"'
    }
    i=0
    while ! curl -s -o /dev/null "http://127.0.0.1:$NPORT/" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    it_eq "socket activation through nginx: the first request starts the pool and is served" 1 "$(nload)"
    it_eq "socket activation: 3 workers" 3 "$(count "$(wait_kids "$ACT" 3)")"
    ok=0
    for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(nload)" = 1 ] && ok=$((ok + 1)); done
    it_eq "socket activation through nginx: 10 more loads succeed" 10 "$ok"
    it_stop "$NGX"
  else
    echo "SKIP: socket activation through nginx: nginx is not installed (Debian package nginx-light); cgi-fcgi instead"
    it_eq "socket activation: the first connection is served" "Status: 200 OK Tom" "$(load "$RUN/act.sock")"
    it_eq "socket activation: 3 workers" 3 "$(count "$(wait_kids "$ACT" 3)")"
    ok=0
    for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(load "$RUN/act.sock")" = "Status: 200 OK Tom" ] && ok=$((ok + 1)); done
    it_eq "socket activation: 10 more loads succeed" 10 "$ok"
  fi
  it_eq "socket activation: the master's title" "openapi-connector: master" "$(ps -o args= -p "$ACT")"
  i=0
  while ! grep -q READY=1 "$RUN/notify.txt" 2>/dev/null && [ "$i" -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
  grep -q "READY=1" "$RUN/notify.txt" 2>/dev/null && it_pass "sd_notify READY=1 on NOTIFY_SOCKET" ||
    it_fail "sd_notify READY=1 on NOTIFY_SOCKET"
  grep -q "STATUS=serving on systemd's socket (fd 3) with 3 workers" "$RUN/notify.txt" 2>/dev/null &&
    it_pass "sd_notify STATUS= says what the pool serves" ||
    { cat "$RUN/notify.txt"; it_fail "sd_notify STATUS= says what the pool serves"; }
  # a reload (SIGHUP, the unit's ExecReload): RELOADING=1 with MONOTONIC_USEC, then READY=1
  # once the workers were told
  kill -HUP "$ACT"
  i=0
  while ! grep -q RELOADING=1 "$RUN/notify.txt" && [ "$i" -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
  sleep 0.2
  rl=$(grep -n '^RELOADING=1 STATUS=reloading (SIGHUP) MONOTONIC_USEC=[0-9][0-9]* *$' "$RUN/notify.txt" | head -1 | cut -d: -f1)
  [ -n "$rl" ] && it_pass "sd_notify RELOADING=1 and MONOTONIC_USEC on SIGHUP" ||
    { cat "$RUN/notify.txt"; it_fail "sd_notify RELOADING=1 and MONOTONIC_USEC on SIGHUP"; }
  sed -n "$((${rl:-999} + 1)),\$p" "$RUN/notify.txt" | grep -q '^READY=1 STATUS=serving' &&
    it_pass "sd_notify READY=1 again after the reload" ||
    { cat "$RUN/notify.txt"; it_fail "sd_notify READY=1 again after the reload"; }
  it_eq "socket activation: the pool serves after the reload" "Status: 200 OK Tom" "$(load "$RUN/act.sock")"
  it_stop "$ACT"
  grep -q "STOPPING=1" "$RUN/notify.txt" && it_pass "sd_notify STOPPING=1 on SIGTERM" ||
    it_fail "sd_notify STOPPING=1 on SIGTERM"
fi

rm -rf "$PUB"
it_finish
