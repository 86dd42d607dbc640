#!/bin/sh
# json-server.sh - install json-server 0.17.4 (the integration tests' upstream API) from the
# npm registry once, under DIR, and print the path of its command (a script for node) on
# stdout.
#
#   scripts/json-server.sh DIR
#
# DIR is a directory of the build tree that git ignores (the tests use
# $top_builddir/tests/node_modules, ignored as node_modules/). npm installs into
# DIR/json-server-VERSION (its package.json, lock file and node_modules/): the install
# prefix itself must not be named node_modules, or node cannot resolve the package's own
# dependencies. A second run finds the installed copy and asks no registry. Messages go to
# stderr. Exit status: 0 ready; 3 json-server cannot be had here (node or npm missing, or
# the registry is unreachable: the caller skips); 2 usage.
#
# JSON_SERVER_VERSION overrides the version (tests are written against 0.17.x, whose CLI
# takes --middlewares and whose router pages with _limit/_start).
set -u

version=${JSON_SERVER_VERSION:-0.17.4}

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: json-server.sh DIR" >&2
  exit 2
fi
dir=$1/json-server-$version
cli=$dir/node_modules/json-server/lib/cli/bin.js
pkg=$dir/node_modules/json-server/package.json

if ! command -v node >/dev/null 2>&1; then
  echo "json-server.sh: node is not installed (Debian package nodejs)" >&2
  exit 3
fi

# The installed version, read from its package.json ("" when absent).
installed_version() {
  [ -f "$pkg" ] || return 0
  node -e 'try { process.stdout.write(require(process.argv[1]).version || "") } catch (e) {}' \
    "$pkg" 2>/dev/null || true
}

if [ "$(installed_version)" != "$version" ] || [ ! -f "$cli" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "json-server.sh: npm is not installed (Debian package npm)" >&2
    exit 3
  fi
  mkdir -p "$dir" || exit 3
  echo "json-server.sh: installing json-server@$version into $dir" >&2
  # Bounded: an unreachable registry fails within about a minute instead of hanging.
  if ! npm install --prefix "$dir" "json-server@$version" --no-audit --no-fund --prefer-offline \
       --no-update-notifier --loglevel=error --fetch-retries=1 --fetch-timeout=30000 \
       >&2 </dev/null; then
    echo "json-server.sh: npm install json-server@$version failed (offline?)" >&2
    exit 3
  fi
  if [ "$(installed_version)" != "$version" ] || [ ! -f "$cli" ]; then
    echo "json-server.sh: json-server@$version is not in $dir after npm install" >&2
    exit 3
  fi
fi
printf '%s\n' "$cli"
