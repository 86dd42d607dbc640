#!/bin/sh
# jsonpath-cts-skip.sh - proves that check_jsonpath_cts (the JSONPath Compliance Test Suite
# read from ../shared/conformance/jsonpath/cts.json) reports a skip, not a pass, when the
# suite is absent, and fails and passes on its own when one is there: it runs the program
# with OAC_CONFORMANCE_DIR pointing at
#   - a directory without jsonpath/cts.json            -> exit 77 and a "SKIP: <reason>" line
#   - a two-case suite with a wrong expected result    -> exit 1 (a wrong selection)
#   - a case with a slice that is not marked invalid,
#     and the same two cases with their right results   -> exit 0 and the counts line
set -u
builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
prog=$builddir/tests/unit/check_jsonpath_cts
[ -x "$prog" ] || { echo "jsonpath-cts-skip.sh: $prog is not built (make check builds it)"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oac-cts.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0; failn=0

expect() {  # expect NAME DIR STATUS PATTERN
  out=$(OAC_CONFORMANCE_DIR=$2 CK_VERBOSITY=normal "$prog" 2>&1); rc=$?
  if [ "$rc" -eq "$3" ] && printf '%s\n' "$out" | grep -q -- "$4"; then
    pass=$((pass + 1)); echo "ok: $1"
  else
    failn=$((failn + 1)); echo "FAIL: $1 (exit $rc, wanted $3 and \"$4\")"; printf '%s\n' "$out"
  fi
}

expect "no suite: a skip with its reason" "$tmp/missing" 77 \
  "^SKIP: no JSONPath Compliance Test Suite: $tmp/missing/jsonpath/cts.json cannot be read"

mkdir -p "$tmp/bad/jsonpath" "$tmp/good/jsonpath"
cat > "$tmp/bad/jsonpath/cts.json" <<'JSON'
{"tests": [
  {"name": "filter", "selector": "$[?@.a > 1].a", "document": [{"a": 1}, {"a": 2}, {"a": "3"}],
   "result": [2, "3"]},
  {"name": "bad", "selector": "$[", "invalid_selector": true}
]}
JSON
expect "a wrong expected result: a failure" "$tmp/bad" 1 "WRONG SELECTION \[2\]"
cat > "$tmp/good/jsonpath/cts.json" <<'JSON'
{"tests": [
  {"name": "filter", "selector": "$[?@.a > 1].a", "document": [{"a": 1}, {"a": 2}, {"a": "3"}],
   "result": [2]},
  {"name": "slice", "selector": "$[1:]", "document": [1, 2], "result": [2]},
  {"name": "bad", "selector": "$[", "invalid_selector": true}
]}
JSON
expect "right results: a pass with the counts" "$tmp/good" 0 \
  "2 passed (1 of them invalid selectors refused), 1 refused as unsupported (slice or function), 0 failed, 3 total"

echo "jsonpath-cts-skip.sh: $pass ok, $failn failed"
[ "$failn" -eq 0 ]
