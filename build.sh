#!/usr/bin/env bash
# build.sh - the README's two commands:
#
#   ./build.sh demo    install what is missing, build, compile the bundled example and serve
#                      it behind lighttpd on 127.0.0.1:8080 (Ctrl-C stops it)
#   ./build.sh demo DOCUMENT
#                      the same with your own OpenAPI document (file or URL), compiled
#                      with --infer when it has no x-flow-* marks (scripts/demo-document.sh)
#   ./build.sh test    install what is missing, build, run every test (make check), with
#                      real Apache (mod_fcgid, mod_proxy_fcgi, mod_cgi), lighttpd and nginx
#
# Re-runnable from any directory: missing Debian packages are installed (apt-get, once),
# autotools run only when configure is missing or older than its inputs, an existing
# configuration is reused, and make rebuilds only what changed.
set -euo pipefail

# ./build.sh demo DOCUMENT (issue 17): a file path is made absolute before the cd below
document=${2:-}
case $document in
  ''|http://*|https://*) ;;
  *) [ -f "$document" ] || { echo "build.sh: $document: no such file" >&2; exit 2; }
     document=$(cd "$(dirname "$document")" && pwd)/$(basename "$document") ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")"
top=$(pwd)

usage() {
  echo "usage: ./build.sh demo [DOCUMENT] | test" >&2
  echo "  demo  build, compile examples/petstore-flow.yaml into spec-cache/ and serve it on 127.0.0.1:\${DEMO_PORT:-8080}" >&2
  echo "        DOCUMENT: your own OpenAPI document (file or URL) instead, with --infer when it has no marks" >&2
  echo "  test  build and run all tests (make check)" >&2
}

[ $# -eq 1 ] || { [ $# -eq 2 ] && [ "$1" = demo ]; } || { usage; exit 2; }
mode=$1
case $mode in
  demo|test) ;;
  -h|--help) usage; exit 0 ;;
  *) usage; exit 2 ;;
esac

JOBS=${JOBS:-2}

say() { printf '==> %s\n' "$*"; }

# 1. Debian packages ---------------------------------------------------------------------

# Libraries and tools checked with dpkg-query; the tests also need the other web servers
# (apache2-bin rather than apache2: the binary and modules without a system service).
debian_pkgs=(build-essential autoconf automake libtool pkg-config
             libyaml-dev libcjson-dev libcurl4-openssl-dev libfcgi-dev libfcgi-bin lighttpd check
             python3 curl ca-certificates)
# systemd socket activation and sd_notify (issue 18, product.md §16.1); systemd for
# systemd-socket-activate in tests/integration/processes.sh
debian_pkgs+=(libsystemd-dev)
[ "$mode" = test ] && debian_pkgs+=(systemd)
[ "$mode" = test ] && debian_pkgs+=(apache2-bin libapache2-mod-fcgid nginx-light valgrind
                                     clang libclang-rt-14-dev)
# the JSON Schemas of the marks (tests/schema.sh, issue 17): python3's jsonschema and yaml
[ "$mode" = test ] && debian_pkgs+=(python3-jsonschema python3-yaml
  python3-prometheus-client)  # issue 18: /metrics parsed by tests/integration/status.sh
# the Debian package (.ci/deb, issue 18): dpkg-buildpackage, debhelper, lintian, and the
# build dependencies debian/control adds (libsystemd-dev)
[ "$mode" = test ] && debian_pkgs+=(dpkg-dev debhelper lintian fakeroot libsystemd-dev)

pkg_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${debian_pkgs[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  # node and npm are often installed outside dpkg (nodesource ships npm inside nodejs):
  # only ask for them when the commands are absent.
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
else
  say "dpkg-query not found: not a Debian system, skipping package installation"
fi

if [ ${#missing[@]} -gt 0 ]; then
  say "installing missing Debian packages: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "build.sh: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The web servers are only started by the demo and the tests, on loopback ports: keep
  # their packages from starting system services on port 80 (which fails, and fails the
  # install, where another server holds it). policy-rc.d is Debian's switch for that; an
  # existing one is left alone.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# installed by openapi-connector build.sh during apt-get install\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
  fi
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  if [ ! -e "$policy" ] || grep -q 'openapi-connector build.sh' "$policy"; then
    "${sudo[@]}" rm -f "$policy"
    trap - EXIT
  fi
fi

# 2. Build ---------------------------------------------------------------------------------

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
  say "autoreconf -fi"
  autoreconf -fi
fi

if [ ! -f config.status ] || [ ! -f Makefile ]; then
  say "./configure --enable-werror"
  ./configure --enable-werror
fi

say "make -j$JOBS"
make -j"$JOBS"

# 3. The command ---------------------------------------------------------------------------

print_check_summaries() {
  local f
  for f in tests/unit/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f"
    cat "$f"
  done
}

case $mode in
  test)
    say "make -j$JOBS check"
    if make -j"$JOBS" check; then
      say "Check summaries"
      print_check_summaries
      say "all tests passed"
    else
      say "Check summaries"
      print_check_summaries
      if [ -f test-suite.log ]; then
        say "test-suite.log"
        cat test-suite.log
      fi
      say "tests FAILED"
      exit 1
    fi
    ;;
  demo)
    if [ -n "$document" ]; then   # your own document (issue 17, product.md §16.5)
      say "serving $document: lighttpd on 127.0.0.1:${DEMO_PORT:-8080} with two workers"
      exec bash scripts/demo-document.sh . spec-cache "$document" "${DEMO_PORT:-8080}"
    fi
    compiler=src/compile/openapi-connector-compile
    example=examples/petstore-flow.yaml
    [ -f "$example" ] || { echo "build.sh: $example not found" >&2; exit 1; }
    mkdir -p spec-cache
    say "$compiler --cache-dir spec-cache --as $example $example"
    "$compiler" --cache-dir spec-cache --as "$example" "$example"
    say "$compiler --list --check $example"
    "$compiler" --list --check "$example"
    say "cache written:"
    ls -l spec-cache/*.cache
    say "serving it: lighttpd on 127.0.0.1:${DEMO_PORT:-8080} with two workers"
    exec bash scripts/demo.sh . spec-cache "$example" "${DEMO_PORT:-8080}"
    ;;
esac
