#!/usr/bin/env bash
# valgrind.sh - every unit test program under valgrind's memcheck, in a normal (not
# sanitizer) build: invalid reads/writes, uses of uninitialised values, bad frees, and
# definite or indirect leaks all fail it. CI runs it as its own stage (.ci/run).
#
#   tests/valgrind.sh [BUILDDIR]      (default: the source tree, configured in place)
#
# Each tests/unit/check_* program runs once with CK_FORK=no (so valgrind sees the tests
# themselves, not a parent waiting for forks) except check_chaos, whose thousands of
# fault-injected runs belong to the sanitizer build and would take long here. Per suite,
# one line: Check's summary, valgrind's error count and leak totals, seconds. The full
# valgrind output is in BUILDDIR/tests/unit/NAME.valgrind.log. Suppressions:
# tests/valgrind.supp (third-party one-time initialisation only, each explained there).
# A suite that skips (exit 77 with its "SKIP: reason" line: check_fixtures without the
# shared fixtures, check_upstream / check_requests without python3) is reported as skipped.
# Exit status: 0 when every suite passed or skipped with no valgrind error; 1 otherwise;
# 77 (skip) when valgrind is not installed.
set -uo pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
builddir=$(cd "${1:-$srcdir}" && pwd)

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind.sh: SKIP: valgrind is not installed (Debian package valgrind)"
  exit 77
fi

progs=()
for p in "$builddir"/tests/unit/check_*; do
  [ -f "$p" ] && [ -x "$p" ] || continue
  case ${p##*/} in
    check_chaos) continue ;;
    *.*) continue ;;
  esac
  progs+=("$p")
done
if [ ${#progs[@]} -eq 0 ]; then
  echo "valgrind.sh: no unit test programs in $builddir/tests/unit (build them: make check)" >&2
  exit 1
fi

export top_srcdir=$srcdir top_builddir=$builddir CK_FORK=no CK_VERBOSITY=normal

# libtool wrapper scripts (shared libraries) must be run through libtool
run_prefix=()
if head -c 2 "${progs[0]}" | grep -q '#!'; then
  run_prefix=("$builddir/libtool" --mode=execute)
fi

vg=(valgrind --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --num-callers=30 --track-origins=yes)
[ -f "$srcdir/tests/valgrind.supp" ] && vg+=(--suppressions="$srcdir/tests/valgrind.supp")

failed=0
t_all=$(date +%s)
for p in "${progs[@]}"; do
  name=${p##*/}
  log=$builddir/tests/unit/$name.valgrind.log
  out=$builddir/tests/unit/$name.valgrind.out
  t0=$(date +%s)
  "${run_prefix[@]}" "${vg[@]}" --log-file="$log" "$p" >"$out" 2>&1 </dev/null
  rc=$?
  secs=$(( $(date +%s) - t0 ))
  summary=$(grep -E '^[0-9]+%: Checks:' "$out" | tail -n 1)
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tail -n 1)
  definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n 1)
  indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n 1)
  verdict=ok
  if [ $rc -eq 77 ] && [ "${errors:-x}" = 0 ] && grep -q '^SKIP: ' "$out"; then
    verdict=skip
    summary=$(grep '^SKIP: ' "$out" | head -n 1)
  elif [ $rc -ne 0 ] || [ -z "$summary" ] || [ "${errors:-x}" != 0 ]; then
    verdict=FAILED
    failed=1
  fi
  printf '%-16s %-6s %s; valgrind: %s errors, definitely lost %s bytes, indirectly lost %s bytes (%d s)\n' \
    "$name" "$verdict" "${summary:-no Check summary (exit $rc)}" "${errors:-?}" \
    "${definite:-0}" "${indirect:-0}" "$secs"
  if [ $verdict = FAILED ]; then
    echo "---- $out"
    cat "$out"
    echo "---- $log"
    cat "$log"
  fi
done
echo "valgrind: ${#progs[@]} suites in $(( $(date +%s) - t_all )) s: $([ $failed -eq 0 ] && echo ok || echo FAILED)"
exit $failed
