#!/bin/sh
# bench/overlay-kinds.sh - count an overlay's action targets by kind (product.md §17: the
# benchmark overlay has 80 name paths, 15 filters, 5 with the descendant segment).
#
# Usage: bench/overlay-kinds.sh FILE [NAME FILTER DESCENDANT]
#
# Reads the `- target: "..."` lines of FILE (one action each, the target a double-quoted
# JSONPath, as bench/github-100.overlay.yaml writes them). With the quoted names taken out,
# a target holding `..` is a descendant one, else one holding `[?` a filter one; the rest
# must be plain name paths: `$` followed only by `.name` and `['name']` segments (no
# wildcard, no index). Prints "name N filter N descendant N"; with the three expected
# numbers, exits 1 unless they match (and, always, 1 for a target of no kind: a wildcard
# without a filter, an index). Exit 2: usage or unreadable FILE.
set -u
[ $# -eq 1 ] || [ $# -eq 4 ] || { echo "usage: overlay-kinds.sh FILE [NAME FILTER DESCENDANT]" >&2; exit 2; }
[ -r "$1" ] || { echo "overlay-kinds: cannot read $1" >&2; exit 2; }
out=$(awk '
  /^[[:space:]]*-?[[:space:]]*target:[[:space:]]*"/ {
    t = $0
    sub(/^[[:space:]]*-?[[:space:]]*target:[[:space:]]*"/, "", t)
    sub(/"[[:space:]]*$/, "", t)
    s = t
    gsub(/\x27[^\x27]*\x27/, "\x27\x27", s)     # quoted names hide nothing
    if (index(s, "..")) desc++
    else if (index(s, "[?")) filt++
    else if (s ~ /^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[\x27\x27\])+$/) name++
    else { other++; print "overlay-kinds: target of no kind: " t > "/dev/stderr" }
  }
  END { printf "name %d filter %d descendant %d other %d\n", name, filt, desc, other }' "$1")
echo "$out" | sed 's/ other 0$//'
case $out in *" other 0") ;; *) exit 1 ;; esac
if [ $# -eq 4 ]; then
  [ "$out" = "name $2 filter $3 descendant $4 other 0" ] || {
    echo "overlay-kinds: $1: expected name $2 filter $3 descendant $4" >&2; exit 1; }
fi
exit 0
