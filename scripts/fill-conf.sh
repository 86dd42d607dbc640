#!/bin/sh
# fill-conf.sh - fill the @NAME@ placeholders of a configuration from apache-conf/
#
#   fill-conf.sh TEMPLATE NAME=VALUE...   (the result on stdout)
#
# e.g. fill-conf.sh apache-conf/nginx.conf BASE=/srv/oac PORT=8080 SOCKET=/run/oac.sock \
#        USER=www-data GROUP=www-data CACHE_DIR=/var/lib/openapi-connector/spec-cache TIMEOUT=15
# Fails (exit 1, naming them) when placeholders are left over; values must not hold '|'.
set -eu
[ $# -ge 1 ] || { echo "usage: fill-conf.sh TEMPLATE NAME=VALUE..." >&2; exit 2; }
tpl=$1
shift
script=
for kv in "$@"; do
  name=${kv%%=*}
  value=${kv#*=}
  case $value in *'|'*|*'\'*|*'&'*) echo "fill-conf.sh: $name: '|', '\\' and '&' are not allowed" >&2; exit 2 ;; esac
  script="$script s|@$name@|$value|g;"
done
out=$(sed -e "$script" "$tpl")
left=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*#' | grep -o '@[A-Z_]*@' | sort -u | tr '\n' ' ' || true)
if [ -n "$left" ]; then
  echo "fill-conf.sh: $tpl: no value for $left" >&2
  exit 1
fi
printf '%s\n' "$out"
