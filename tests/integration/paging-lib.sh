# shellcheck shell=sh
# paging-lib.sh - helpers for the tests that use paging-upstream.py (POSIX sh; sourced after
# lib.sh and it_init, never run).
#
#   it_paging_upstream NAME [OPTION...]  starts tests/integration/paging-upstream.py with
#                        those options (its docstring lists them). Its stdin is a FIFO in
#                        the run directory that this shell holds open on fd 5, 6, 7, 8 or 9
#                        (one per server, five at most), so the server exits when the test
#                        does, however it ends; it is also tracked (stopped by PID at exit).
#                        Sets PAGING_PORT, PAGING_URL (http://127.0.0.1:PORT), PAGING_PID,
#                        PAGING_FD, PAGING_TRAP_PORT (nothing must ever connect there); one
#                        PASS line; a FAIL line and it_finish when it cannot start.
#   it_paging_close FD   closes the FIFO on FD: that server exits
#   it_paging_count URL  API requests the server at URL received since the last reset
#   it_paging_trap URL   connections its trap accepted since the last reset
#   it_paging_reset URL  resets both

IT_PAGING_NEXT_FD=5

it_paging_upstream() {
  _pn=$1
  shift
  if [ "$IT_PAGING_NEXT_FD" -gt 9 ]; then
    it_fail "$_pn: at most five paging upstreams a test"
    it_finish
  fi
  PAGING_FD=$IT_PAGING_NEXT_FD
  IT_PAGING_NEXT_FD=$((IT_PAGING_NEXT_FD + 1))
  mkfifo "$RUN/$_pn.in" || { it_fail "$_pn: mkfifo $RUN/$_pn.in"; it_finish; }
  # read-write: opening does not wait for a reader
  eval "exec $PAGING_FD<>\"\$RUN/\$_pn.in\""
  eval "python3 \"\$top_srcdir/tests/integration/paging-upstream.py\" \"\$@\" \
    <\"\$RUN/\$_pn.in\" >\"\$RUN/\$_pn.out\" 2>\"\$RUN/\$_pn.err\" $PAGING_FD>&- &"
  PAGING_PID=$!
  it_track "$_pn" "$PAGING_PID"
  if ! it_wait_file "$RUN/$_pn.out" 10; then
    it_fail "$_pn: paging-upstream.py printed no port: $(cat "$RUN/$_pn.err")"
    it_finish
  fi
  PAGING_PORT=$(head -1 "$RUN/$_pn.out")
  case $PAGING_PORT in
    '' | *[!0-9]*) it_fail "$_pn: its first line is not a port: '$PAGING_PORT'"; it_finish ;;
  esac
  PAGING_URL=http://127.0.0.1:$PAGING_PORT
  PAGING_TRAP_PORT=$(curl -s --max-time 5 "$PAGING_URL/_info" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["trap_port"])')
  case $PAGING_TRAP_PORT in
    '' | *[!0-9]*) it_fail "$_pn: no trap port from $PAGING_URL/_info"; it_finish ;;
  esac
  it_pass "$_pn: paging-upstream.py $* listens on $PAGING_URL (trap: port $PAGING_TRAP_PORT)"
}

it_paging_close() {
  eval "exec $1>&-"
}

it_paging_count() {
  curl -s --max-time 5 "$1/_requests" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])'
}

it_paging_trap() {
  curl -s --max-time 5 "$1/_requests" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["trap_connections"])'
}

it_paging_reset() {
  curl -s --max-time 5 -o /dev/null -X DELETE "$1/_requests"
}
