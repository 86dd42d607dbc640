#!/bin/sh
# fuzz/build.sh - builds the libFuzzer harnesses (make fuzz runs it; not part of make all).
#
#   sh fuzz/build.sh SOURCE...
#
# SOURCE: the project's library sources as listed in Makefile.am (headers are skipped),
# relative to top_srcdir. Each is compiled with clang and coverage instrumentation into
# $top_builddir/fuzz/obj/ (again only when it or a header is newer than its object), then
# each harness fuzz/fuzz_*.c is linked with them and libFuzzer into $top_builddir/fuzz/.
#
# Environment (make fuzz sets it): top_srcdir, top_builddir (holds config.h), FUZZ_CC
# (default clang), FUZZ_CFLAGS (pkg-config flags of libyaml, cJSON, libcurl), FUZZ_LIBS
# (their libraries), JOBS (parallel compiles, default 2).
set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
CC=${FUZZ_CC:-clang}
JOBS=${JOBS:-2}
HARNESSES="fuzz_compile fuzz_cache fuzz_request fuzz_action fuzz_mapping fuzz_paging fuzz_overlay"

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "fuzz/build.sh: $CC not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration $SAN"
CPPFLAGS="-include $top_builddir/config.h -D_GNU_SOURCE -I$top_srcdir/src -I$top_srcdir/fuzz"
CPPFLAGS="$CPPFLAGS -DOAC_FUZZ_SRCDIR=\"$top_srcdir\" ${FUZZ_CFLAGS:-}"

obj=$top_builddir/fuzz/obj
mkdir -p "$obj"

# libFuzzer's runtime must be there (Debian: libclang-rt-14-dev)
probe=$obj/probe.c
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe"
if ! $CC -fsanitize=fuzzer,address,undefined "$probe" -o "$obj/probe" 2>"$obj/probe.log"; then
  cat "$obj/probe.log" >&2
  echo "fuzz/build.sh: $CC cannot link libFuzzer (Debian: apt-get install libclang-rt-14-dev)" >&2
  exit 1
fi
rm -f "$probe" "$obj/probe" "$obj/probe.log"

# What to compile: the library sources, fuzz_common.c and the harnesses, each with the
# coverage instrumentation (fuzzer-no-link) so libFuzzer sees inside the project's code.
newest_h=$(ls -t "$top_srcdir"/src/*/*.h "$top_srcdir"/fuzz/*.h "$top_builddir/config.h" | head -n 1)
list=$obj/sources.list
: >"$list"
for s in "$@" fuzz/fuzz_common.c; do
  case $s in *.c) ;; *) continue ;; esac
  o=$obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')
  if [ ! -f "$o" ] || [ "$top_srcdir/$s" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
    echo "$s $o" >>"$list"
  fi
done
for h in $HARNESSES; do
  o=$obj/$h.o
  # fuzz_action is fuzz_request.c's ServiceRequest mode (it includes that file);
  # fuzz_overlay is fuzz_compile.c's overlay mode (issue 17), the same way
  if [ ! -f "$o" ] || [ "$top_srcdir/fuzz/$h.c" -nt "$o" ] || [ "$newest_h" -nt "$o" ] ||
     { [ "$h" = fuzz_action ] && [ "$top_srcdir/fuzz/fuzz_request.c" -nt "$o" ]; } ||
     { [ "$h" = fuzz_overlay ] && [ "$top_srcdir/fuzz/fuzz_compile.c" -nt "$o" ]; }; then
    echo "fuzz/$h.c $o" >>"$list"
  fi
done
if [ -s "$list" ]; then
  echo "  CC (clang, libFuzzer) $(wc -l <"$list") files"
  export CC CFLAGS CPPFLAGS top_srcdir
  # shellcheck disable=SC2016
  xargs -P "$JOBS" -n 2 sh -c \
    '$CC $CPPFLAGS $CFLAGS -fsanitize=fuzzer-no-link -c "$top_srcdir/$0" -o "$1" || { echo "failed: $0" >&2; exit 255; }' \
    <"$list"
fi

lib_objs=
for s in "$@" fuzz/fuzz_common.c; do
  case $s in *.c) lib_objs="$lib_objs $obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')" ;; esac
done
newest_o=$(ls -t "$obj"/*.o | head -n 1)
for h in $HARNESSES; do
  bin=$top_builddir/fuzz/$h
  # relink only when an object changed (a running harness keeps its binary)
  [ -x "$bin" ] && [ ! "$newest_o" -nt "$bin" ] && continue
  echo "  CCLD  fuzz/$h"
  # shellcheck disable=SC2086
  $CC $CFLAGS -fsanitize=fuzzer "$obj/$h.o" $lib_objs ${FUZZ_LIBS:-} -lm -o "$bin.tmp"
  mv -f "$bin.tmp" "$bin"
done
