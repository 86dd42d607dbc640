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

it_init() {
  IT_NAME=$1
  here=$(cd "$(dirname "$0")" && pwd)
  : "${top_srcdir:=$(cd "$here/../.." && pwd)}"
  : "${top_builddir:=$top_srcdir}"
  export top_srcdir top_builddir
  mkdir -p "$top_builddir/tests/integration" || exit 99
  RUN=$(mktemp -d "$top_builddir/tests/integration/run.XXXXXX") || exit 99
  IT_RESULTS=$RUN/results.txt
  : >"$IT_RESULTS"
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

# A zombie (a child that died and was not waited for yet) is not alive.
it_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  _st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ "$_st" != Z ]
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
