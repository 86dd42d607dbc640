#!/bin/sh
# overlay-kinds.sh - bench/github-100.overlay.yaml keeps product.md §17's mix of targets
# (80 name paths, 15 filters, 5 descendant), counted by bench/overlay-kinds.sh; and that
# counter tells the kinds apart (a small overlay of each kind, and a wildcard that is
# none of them). Run by make check. Exit 0 pass, 1 fail.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
kinds="$srcdir/bench/overlay-kinds.sh"
fail=0
if sh "$kinds" "$srcdir/bench/github-100.overlay.yaml" 80 15 5; then
  echo "PASS: bench/github-100.overlay.yaml: 80 name paths, 15 filters, 5 descendant"
else
  echo "FAIL: bench/github-100.overlay.yaml does not have 80 name paths, 15 filters, 5 descendant"
  fail=1
fi
n=$(grep -c '^  - target: ' "$srcdir/bench/github-100.overlay.yaml")
if [ "$n" = 100 ]; then echo "PASS: 100 actions"; else echo "FAIL: $n actions, not 100"; fail=1; fi

tmp=$(mktemp "${TMPDIR:-/tmp}/overlay-kinds.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat >"$tmp" <<'YAML'
overlay: 1.1.0
actions:
  - target: "$.paths['/a..b'].get"
  - target: "$.components.schemas['x[?y]']"
  - target: "$.info"
  - target: "$.paths[*][?@.operationId == 'a..b']"
  - target: "$..[?@.deprecated == true]"
  - target: "$.paths..get"
YAML
out=$(sh "$kinds" "$tmp" 3 1 2)
if [ $? -eq 0 ] && [ "$out" = "name 3 filter 1 descendant 2" ]; then
  echo "PASS: kinds told apart, quoted names ignored ($out)"
else
  echo "FAIL: kinds of the sample: got '$out'"
  fail=1
fi
printf '  - target: "$.paths[*].get"\n' >>"$tmp"
if sh "$kinds" "$tmp" >/dev/null 2>&1; then
  echo "FAIL: a wildcard target without a filter was counted as a kind"
  fail=1
else
  echo "PASS: a wildcard target without a filter is refused"
fi
exit $fail
