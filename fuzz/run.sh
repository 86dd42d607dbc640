#!/bin/sh
# fuzz/run.sh - runs each fuzz harness for a while (make fuzz-run FUZZ_SECONDS=N runs it).
#
#   sh fuzz/run.sh SECONDS [HARNESS...]
#
# Environment (make fuzz-run sets it): top_srcdir, top_builddir, COMPILER (the built
# openapi-connector-compile, for the cache seeds). Each harness runs with its corpus
# $top_builddir/fuzz/corpus/<harness>/ (seeded by fuzz/seeds.sh, grows across runs), the
# hand-written seeds of fuzz/inputs/<harness>/ and the tokens of fuzz/<harness>.dict, for
# SECONDS (-max_total_time), and prints libFuzzer's final statistics; a crash, leak,
# sanitizer report or timeout leaves its input in $top_builddir/fuzz/artifacts/ and fails
# the run. A table of executions and coverage ends it. Exit status: 0 only if no harness failed.
set -u

secs=${1:?usage: run.sh SECONDS [HARNESS...]}
shift
: "${top_srcdir:?}" "${top_builddir:?}"
harnesses=${*:-fuzz_compile fuzz_cache fuzz_request fuzz_action fuzz_mapping fuzz_paging fuzz_overlay}
fz=$top_builddir/fuzz
corpus=$fz/corpus
arts=$fz/artifacts
mkdir -p "$corpus" "$arts"

sh "$top_srcdir/fuzz/seeds.sh" "$top_srcdir" "$corpus" "${COMPILER:-}" || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
summary=$fz/summary.txt
: >"$summary"
for h in $harnesses; do
  bin=$fz/$h
  if [ ! -x "$bin" ]; then
    echo "run.sh: $bin not built (make fuzz)" >&2
    failed=1
    continue
  fi
  mkdir -p "$corpus/$h"
  log=$fz/$h.log
  echo "######## $h: $secs s"
  extra=
  [ -d "$top_srcdir/fuzz/inputs/$h" ] && extra=$top_srcdir/fuzz/inputs/$h
  dict=
  [ -f "$top_srcdir/fuzz/$h.dict" ] && dict=-dict=$top_srcdir/fuzz/$h.dict
  # -timeout: one input over 10 s is a hang; -rss_limit_mb: the default 2 GB
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$arts/$h-" $dict "$corpus/$h" $extra >"$log" 2>&1
  rc=$?
  # the start (seeds read), the last status lines and the final statistics
  grep -E '^(INFO: seed corpus|#[0-9]+[[:space:]]+(INITED|DONE)|stat::|Done )' "$log"
  if [ $rc -ne 0 ]; then
    failed=1
    echo "---- $h FAILED (exit $rc); the end of $log:"
    tail -n 60 "$log"
    ls -l "$arts" | grep -- "$h-" || true
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse)' "$log" | tail -n 1)
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
  printf '%-13s %8s %10s %10s %7s %7s %6s  %s\n' "$h" "$secs" "${execs:--}" "${rate:--}" \
    "${cov:--}" "${ft:--}" "${corp:--}" "$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")" \
    >>"$summary"
done
echo "######## fuzz summary"
printf '%-13s %8s %10s %10s %7s %7s %6s  %s\n' harness seconds execs execs/s cov ft corpus result
cat "$summary"
exit $failed
