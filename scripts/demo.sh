#!/usr/bin/env bash
# demo.sh - the README's first command ends here: serve the compiled example behind
# lighttpd on 127.0.0.1:8080 (apache-conf/lighttpd-bin-path.conf, lighttpd spawning two
# workers), print ready-to-paste curl commands, and stop everything on Ctrl-C.
#
#   scripts/demo.sh BUILDDIR CACHEDIR REGISTRATION [PORT]
#
# With DEMO_CHECK=1 it runs the printed commands itself, checks their answers and stops
# (the test suite and CI use that; nothing waits for Ctrl-C).
set -euo pipefail

builddir=$1 cachedir=$2 reg=$3 port=${4:-8080}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
worker=$builddir/src/worker/openapi-connector
lighttpd_bin=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$lighttpd_bin" ] || { echo "demo: lighttpd is not installed" >&2; exit 1; }
[ -x "$worker" ] || { echo "demo: $worker not built" >&2; exit 1; }

run=$(mktemp -d "${TMPDIR:-/tmp}/openapi-connector-demo.XXXXXX")
mkdir -p "$run/www"
cachedir=$(cd "$cachedir" && pwd)
sh "$top/scripts/fill-conf.sh" "$top/apache-conf/lighttpd-bin-path.conf" BASE="$run" PORT="$port" \
  WORKER="$(cd "$(dirname "$worker")" && pwd)/$(basename "$worker")" CACHE_DIR="$cachedir" \
  TIMEOUT=15 >"$run/lighttpd.conf"
"$lighttpd_bin" -tt -f "$run/lighttpd.conf" >/dev/null

lpid=
stop() {
  if [ -n "$lpid" ] && kill -0 "$lpid" 2>/dev/null; then
    kill -TERM "$lpid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$lpid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$lpid" 2>/dev/null || true
    wait "$lpid" 2>/dev/null || true
  fi
  rm -rf "$run"
}
trap stop EXIT
trap 'echo; echo "==> stopping"; exit 0' INT TERM

"$lighttpd_bin" -D -f "$run/lighttpd.conf" </dev/null >>"$run/worker.log" 2>&1 &
lpid=$!
base=http://127.0.0.1:$port/openapi
for _ in $(seq 100); do
  curl -s -o /dev/null --max-time 1 "$base/health" && break
  kill -0 "$lpid" 2>/dev/null || { cat "$run/worker.log" "$run/lighttpd-error.log" >&2 || true; exit 1; }
  sleep 0.1
done

cfg='"configurationValues":[{"developerName":"Schema URL","contentValue":"'"$reg"'"}]'
describe="{$cfg}"
load="{$cfg,\"objectDataType\":{\"developerName\":\"PetExample\"},\"listFilter\":{\"where\":[{\"columnName\":\"status\",\"criteriaType\":\"EQUAL\",\"contentValue\":\"available\"}]}}"
save="{$cfg,\"objectDataType\":{\"developerName\":\"PetExample\"},\"objectData\":[{\"internalId\":\"i-1\",\"externalId\":null,\"developerName\":\"PetExample\",\"properties\":[{\"developerName\":\"name\",\"contentValue\":\"Rex\"},{\"developerName\":\"price\",\"contentValue\":\"123456789012345678.99\"}]}]}"
delete="{$cfg,\"objectDataType\":{\"developerName\":\"PetExample\"},\"objectData\":[{\"internalId\":\"i-1\",\"externalId\":\"1\",\"developerName\":\"PetExample\"}]}"

# ./build.sh demo DOCUMENT (scripts/demo-document.sh, issue 17): the user's own document:
# describe, a load of DEMO_TYPE (its API is called: not run by DEMO_CHECK) and health
if [ "${DEMO_DOCUMENT:-0}" = 1 ]; then
  load="{$cfg,\"objectDataType\":{\"developerName\":\"${DEMO_TYPE:-}\"},\"listFilter\":{\"limit\":5}}"
  echo "==> serving $reg on $base (lighttpd pid $lpid, 2 workers)"
  echo "==> try (describe, health; a load of ${DEMO_TYPE:-a type} calls the document's API):"
  dcmds=("curl -s -X POST $base/metadata -H 'Content-Type: application/json' -d '$describe'"
         "curl -s $base/health")
  [ -n "${DEMO_TYPE:-}" ] &&
    echo "curl -s -X POST $base/data -H 'Content-Type: application/json' -d '$load'" && echo
  for c in "${dcmds[@]}"; do echo "$c"; echo; done
  if [ "${DEMO_CHECK:-0}" = 1 ]; then
    fails=0
    for i in 0 1; do
      out=$(bash -c "${dcmds[$i]} -w '\n%{http_code}'")
      code=${out##*$'\n'}
      if [ $i = 0 ]; then want='"developerName":"'"${DEMO_TYPE:-}"'"'; n=describe
      else want='"status":"ok"'; n=health; fi
      if [ "$code" = 200 ] && [[ $out == *"$want"* ]]; then echo "PASS: demo $n"
      else echo "FAIL: demo $n: $code ${out:0:300}"; fails=$((fails + 1)); fi
    done
    exit $((fails > 0))
  fi
  echo "==> Ctrl-C stops lighttpd and the workers"
  wait "$lpid"
  exit 0
fi

cmds=(
  "curl -s -X POST $base/metadata -H 'Content-Type: application/json' -d '$describe'"
  "curl -s -X POST $base/data -H 'Content-Type: application/json' -d '$load'"
  "curl -s -X PUT $base/data -H 'Content-Type: application/json' -d '$save'"
  "curl -s -X POST $base/data/delete -H 'Content-Type: application/json' -d '$delete'"
  "curl -s $base/health"
)
names=(describe "load (PetExample, status EQUAL available)" "save a new PetExample" "delete" health)

echo "==> serving $reg on $base (lighttpd pid $lpid, 2 workers; example mode, no network)"
echo "==> try (describe, load, save, delete, health):"
for c in "${cmds[@]}"; do echo "$c"; echo; done

if [ "${DEMO_CHECK:-0}" = 1 ]; then
  fails=0
  for i in "${!cmds[@]}"; do
    out=$(bash -c "${cmds[$i]} -w '\n%{http_code}'")
    code=${out##*$'\n'}
    case $i in
      0) want='"typeElements":[{' ;;
      1) want='"contentValue":"doggie"' ;;
      2) want='"externalId":"1"' ;;
      3) want='"objectData":[]' ;;
      4) want='"status":"ok"' ;;
    esac
    if [ "$code" = 200 ] && [[ $out == *"$want"* ]]; then echo "PASS: demo ${names[$i]}"
    else echo "FAIL: demo ${names[$i]}: $code ${out:0:300}"; fails=$((fails + 1)); fi
  done
  exit $((fails > 0))
fi
echo "==> Ctrl-C stops lighttpd and the workers"
wait "$lpid"
