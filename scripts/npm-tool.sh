#!/bin/sh
# npm-tool.sh - install an npm package the integration tests run (json-server, the OAuth 2.0
# provider oauth2-mock-server, ...) from the npm registry once, under DIR, and print the
# path of one of its files (ENTRY: a script for node, or a module to import) on stdout.
#
#   scripts/npm-tool.sh PACKAGE VERSION DIR ENTRY
#
#   e.g. scripts/npm-tool.sh json-server 0.17.4 tests/node_modules lib/cli/bin.js
#        scripts/npm-tool.sh oauth2-mock-server 8.2.3 tests/node_modules dist/index.mjs
#
# prints DIR/PACKAGE-VERSION/node_modules/PACKAGE/ENTRY (a scoped @scope/name is installed
# under DIR/scope-name-VERSION).
#
# DIR is a directory of the build tree that git ignores (the tests use
# $top_builddir/tests/node_modules, ignored as node_modules/). npm installs into
# DIR/PACKAGE-VERSION (its package.json, lock file and node_modules/): the install prefix
# itself must not be named node_modules, or node cannot resolve the package's own
# dependencies. A second run finds the installed copy (the version in its package.json and
# ENTRY present) and asks no registry. Messages go to stderr. Exit status: 0 ready;
# 3 the package cannot be had here (node or npm missing, or the registry is unreachable:
# the caller skips); 1 the installed package has no ENTRY; 2 usage.
set -u

if [ $# -ne 4 ] || [ -z "$1" ] || [ -z "$2" ] || [ -z "$3" ] || [ -z "$4" ]; then
  echo "usage: npm-tool.sh PACKAGE VERSION DIR ENTRY" >&2
  exit 2
fi
package=$1
version=$2
entry=$4
# @scope/name -> scope-name: one directory level, no @ in the path
dir=$3/$(printf '%s' "$package" | sed 's|^@||; s|/|-|g')-$version
file=$dir/node_modules/$package/$entry
pkg=$dir/node_modules/$package/package.json
me="npm-tool.sh ($package@$version)"

if ! command -v node >/dev/null 2>&1; then
  echo "$me: node is not installed (Debian package nodejs)" >&2
  exit 3
fi

# The installed version, read from its package.json ("" when absent).
installed_version() {
  [ -f "$pkg" ] || return 0
  node -e 'try { process.stdout.write(require(process.argv[1]).version || "") } catch (e) {}' \
    "$pkg" 2>/dev/null || true
}

if [ "$(installed_version)" != "$version" ] || [ ! -f "$file" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "$me: npm is not installed (Debian package npm)" >&2
    exit 3
  fi
  mkdir -p "$dir" || exit 3
  echo "$me: installing into $dir" >&2
  # Bounded: an unreachable registry fails within about a minute instead of hanging.
  if ! npm install --prefix "$dir" "$package@$version" --no-audit --no-fund --prefer-offline \
       --no-update-notifier --loglevel=error --fetch-retries=1 --fetch-timeout=30000 \
       >&2 </dev/null; then
    echo "$me: npm install failed (offline?)" >&2
    exit 3
  fi
  if [ "$(installed_version)" != "$version" ]; then
    echo "$me: $pkg does not say version $version after npm install" >&2
    exit 3
  fi
  if [ ! -f "$file" ]; then        # the caller's mistake, not a reason to skip
    echo "$me: the package has no $entry" >&2
    exit 1
  fi
fi
printf '%s\n' "$file"
