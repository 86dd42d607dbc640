#!/bin/sh
# lint-selftest.sh - proves tests/lint.sh catches what it promises: on a copy of src/ it
# adds, one at a time, a compile -> worker include, a worker -> compile include, a flow ->
# worker include, a common -> cache include, a raw malloc() and a sprintf(), and expects
# lint.sh to fail naming the file each time (and to pass on the untouched copy).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oac-lint.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0; failn=0

fresh() { rm -rf "$tmp/src"; cp -R "$srcdir/src" "$tmp/src"; find "$tmp/src" -type f ! -name '*.[ch]' -delete; }

expect() {  # expect NAME 0|1 [PATTERN]
  out=$(top_srcdir=$tmp sh "$srcdir/tests/lint.sh" 2>&1); rc=$?
  if [ "$rc" -eq "$2" ] && { [ -z "${3:-}" ] || printf '%s\n' "$out" | grep -q -- "$3"; }; then
    pass=$((pass + 1)); echo "ok: $1"
  else
    failn=$((failn + 1)); echo "FAIL: $1 (exit $rc, wanted $2${3:+ and \"$3\"})"; printf '%s\n' "$out"
  fi
}

fresh; expect "the tree as it is passes" 0
fresh; echo '#include "../worker/ops.h"' >> "$tmp/src/compile/list.c"
expect "compile including a worker header fails" 1 "src/compile/list.c:.*compile includes worker"
fresh; echo '#include "../compile/diag.h"' >> "$tmp/src/worker/log.c"
expect "worker including a compile header fails" 1 "src/worker/log.c:.*worker includes compile"
fresh; echo '#include "worker/handler.h"' >> "$tmp/src/flow/json.c"
expect "flow including a worker header (src-relative form) fails" 1 "flow includes worker"
fresh; echo '#include "../cache/cache.h"' >> "$tmp/src/common/buf.c"
expect "common including a cache header fails" 1 "common includes cache"
fresh; printf 'static void *x(void) { return malloc(1); }\n' >> "$tmp/src/flow/json.c"
expect "raw malloc outside mem.c fails" 1 "raw allocation"
fresh; printf 'static void y(char *b) { sprintf(b, "x"); }\n' >> "$tmp/src/worker/log.c"
expect "sprintf fails" 1 "banned functions"

fresh; printf 'static void z(struct buf *b) { if(!buf_reserve(b, 1)) return; }\n' >> "$tmp/src/compile/describe.c"
expect "!buf_reserve (the old polarity) fails" 1 "old polarity"

echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ]
