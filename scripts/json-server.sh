#!/bin/sh
# json-server.sh - install json-server (the integration tests' upstream API; JSON_SERVER_VERSION,
# default 0.17.4: the tests use 0.17's --middlewares and _limit/_start) under DIR once and
# print the path of its command (a script for node). Usage: scripts/json-server.sh DIR.
# Exit status as scripts/npm-tool.sh: 0 ready, 3 cannot be had here (caller skips), 2 usage.
if [ $# -ne 1 ] || [ -z "$1" ]; then echo "usage: json-server.sh DIR" >&2; exit 2; fi
exec sh "$(dirname "$0")/npm-tool.sh" json-server "${JSON_SERVER_VERSION:-0.17.4}" "$1" \
  lib/cli/bin.js
