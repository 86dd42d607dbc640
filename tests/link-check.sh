#!/bin/sh
# link-check.sh - the two programs link only their own side: no global symbol defined by
# libworker.a is defined in openapi-connector-compile, and none of libcompile.a is in
# openapi-connector (nm over the built archives and programs). Run by make check.
set -u
b=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v nm >/dev/null 2>&1 || { echo "SKIP: nm not found (binutils)"; exit 77; }
compiler=$b/src/compile/openapi-connector-compile
worker=$b/src/worker/openapi-connector
for f in "$compiler" "$worker" "$b/.libs/libworker.a" "$b/.libs/libcompile.a" "$b/.libs/libflow.a"; do
  [ -f "$f" ] || { echo "link-check: $f not built" >&2; exit 99; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oac-link.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
defined() { nm -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u; }
defined "$b/.libs/libworker.a" > "$tmp/worker-lib"
defined "$b/.libs/libcompile.a" > "$tmp/compile-lib"
defined "$b/.libs/libflow.a" > "$tmp/flow-lib"
defined "$compiler" > "$tmp/compiler"
defined "$worker" > "$tmp/worker"
fail=0
both=$(comm -12 "$tmp/worker-lib" "$tmp/compiler")
if [ -n "$both" ]; then
  echo "link-check: the compiler defines symbols of libworker:"; printf '  %s\n' $both; fail=1
fi
both=$(comm -12 "$tmp/compile-lib" "$tmp/worker")
if [ -n "$both" ]; then
  echo "link-check: the worker defines symbols of libcompile:"; printf '  %s\n' $both; fail=1
fi
# the check itself must be able to see something: both programs do use the Flow layer
for p in compiler worker; do
  n=$(comm -12 "$tmp/flow-lib" "$tmp/$p" | wc -l)
  if [ "$n" -eq 0 ]; then
    echo "link-check: no libflow symbol found in the $p (nm sees nothing?)"; fail=1
  fi
done
[ $fail -eq 0 ] && echo "link-check: compiler has $(wc -l < "$tmp/compiler") global symbols, none of libworker's $(wc -l < "$tmp/worker-lib"); worker has none of libcompile's $(wc -l < "$tmp/compile-lib")"
exit $fail
