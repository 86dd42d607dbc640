#!/bin/sh
# paging.sh - lists of real APIs paged through (issue 14, product.md §12) against real
# servers on loopback, with the worker as CGI and through its own FastCGI pool
# (--listen, --workers 2):
#
#   * json-server 0.17 (50 items, served 10 a page) for the `link` style (its Link header,
#     sent only when `_page` is in the request: the document binds `_page: {default: 1}`),
#     the `page` style (_page/_limit) and the `offset` style (_start/_limit, `total:
#     header:X-Total-Count`), described by tests/integration/paging-json.yaml;
#   * tests/integration/paging-upstream.py, described by paging-apis.yaml, for Stripe's
#     `cursor` (has_more + starting_after, {object: "list", data: [...]}) and Spotify's
#     `next-url`, and GitHub (link), a page-numbered API, Spotify read by offset and Slack
#     (these four get the checks below too); for the faults (cap=7, empty-every=3,
#     self-link, ignore-page, foreign=port|path|host|scheme|outside) the same document is
#     compiled once per fault behind a /_f/KNOBS server prefix. Also: paging-inferred.yaml,
#     the same APIs without marks, behind /_f/cap=10 (the inferred paging walks them,
#     --list says "(inferred)"); paging-longurl.yaml.in, whose next URLs are over 4 KiB (no
#     offsetToken is issued); an API key in the query (sent once on every page, never in a
#     token); a paged x-flow-load by id (walked to the end; 413 under --max-pages 2).
#
# For each style, as CGI and through the pool (tests/integration/paging.py does the Flow
# side): a null listFilter is the whole list; limit + offset pages are exact with the right
# hasMoreResults (limit over maxLimit, an offset not a multiple of the page size); an
# offsetToken walk returns every item once and its continuations do not walk from page 1
# again; a token is refused (400) for another filter, another list, or when it does not
# decode; a local CONTAINS finds every match across pages; a sort across pages;
# filterByProvidedObjects; negative offset / limit are 400s; with --max-pages 2
# (OPENAPI_CONNECTOR_MAX_PAGES=2 for CGI) a load without a sort answers 2 pages with
# hasMoreResults and a token that resumes to the end, a sort is a 413 naming the limit, an
# offset 2 pages cannot reach is a 413. Faults: an API capping its page size, empty pages
# that say more, next links to the page itself and APIs ignoring their page parameter
# (502, a loop), next URLs to another port (502, and the trap socket counted no
# connection), another path (502, nothing fetched there; followed with nextPath: any),
# another host or scheme, or outside the server URL's path (502). API requests are counted
# where they prove something (limit 5 offset 0 is one call; a token continues where it
# left off). The pool also continues tokens from CGI answers and serves concurrent walks.
#
# Needs python3, curl, node/npm (json-server, as worker-crud.sh) and cgi-fcgi
# (libfcgi-bin). Run by `make check`; by hand: top_builddir=/path/to/build sh
# tests/integration/paging.sh (KEEP_RUN=1 keeps the run directory; PAGING_LISTS=link,cursor
# runs only those lists, PAGING_MODES=cgi only CGI). Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/integration/paging-lib.sh
. "$here/paging-lib.sh"
it_init paging
T0=$(date +%s)

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
JSON_REG=http://example.test/paging-json.yaml
APIS_REG=http://example.test/paging-apis.yaml
LISTS=${PAGING_LISTS:-link,page,offset,cursor,next-url,github,pages,spotify-offset,slack}
MODES=${PAGING_MODES:-cgi,fcgi}

command -v python3 >/dev/null 2>&1 || { it_fail "python3 is required (Debian package python3)"; it_finish; }
command -v curl >/dev/null 2>&1 || it_skip "curl is not installed (Debian package curl)"
command -v node >/dev/null 2>&1 || it_skip "node is not installed (Debian package nodejs)"
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi (Debian package libfcgi-bin) is not installed"
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

# 1. The upstreams ----------------------------------------------------------------------------

# json-server on a generated database (lib.sh's it_upstream serves db.json; this is the
# same start with paging.py's 50 items in three lists).
js=$(sh "$top_srcdir/scripts/json-server.sh" \
  "${OAC_JSON_SERVER_DIR:-$top_builddir/tests/node_modules}")
rc=$?
if [ "$rc" -eq 3 ]; then
  it_skip "json-server 0.17 cannot be had here: npm missing or its registry unreachable (see above)"
elif [ "$rc" -ne 0 ] || [ -z "$js" ]; then
  it_fail "scripts/json-server.sh failed (exit $rc)"
  it_finish
fi
python3 "$here/paging.py" db >"$RUN/paging-db.json" || { it_fail "paging.py db"; it_finish; }
RECORD=$RUN/json-requests.jsonl
: >"$RECORD"
JS_URL=
for attempt in 1 2 3; do
  p=$(it_free_port)
  it_bg json-server "$RUN/json-server.log" env OAC_RECORD_FILE="$RECORD" node "$js" \
    "$RUN/paging-db.json" --host 127.0.0.1 --port "$p" \
    --middlewares "$here/middleware.js"
  JS_PID=$IT_LAST_PID
  if it_wait_http "http://127.0.0.1:$p/linkitems?_limit=1" 20 "$JS_PID"; then
    JS_URL=http://127.0.0.1:$p
    break
  fi
  it_stop "$JS_PID"
  echo "json-server did not come up on port $p (attempt $attempt):"
  tail -5 "$RUN/json-server.log"
done
[ -n "$JS_URL" ] || { it_fail "json-server did not start (see $RUN/json-server.log)"; it_finish; }
it_pass "json-server 0.17 serves the 50 items on $JS_URL"
curl -s -D "$RUN/js-head.txt" -o /dev/null "$JS_URL/linkitems?_page=1&_limit=10"
if grep -qi '^link:.*_page=2&_limit=10>; rel="next"' "$RUN/js-head.txt"; then
  it_pass "json-server sends Link rel=\"next\" with _page and _limit"
else
  it_fail "json-server sends Link rel=\"next\" with _page and _limit (got: $(cat "$RUN/js-head.txt"))"
fi
: >"$RECORD"

it_paging_upstream apis --items 50 --match-every 4
APIS_URL=$PAGING_URL
APIS_PID=$PAGING_PID

# 2. The caches -------------------------------------------------------------------------------

CACHE=$RUN/cache
"$COMPILE" --quiet --server "$JS_URL" --as "$JSON_REG" --cache-dir "$CACHE" \
  "$here/paging-json.yaml" >"$RUN/compile.log" 2>&1
it_eq "compile paging-json.yaml for json-server (see compile.log)" 0 $?
"$COMPILE" --quiet --server "$APIS_URL" --as "$APIS_REG" --cache-dir "$CACHE" \
  "$here/paging-apis.yaml" >>"$RUN/compile.log" 2>&1
it_eq "compile paging-apis.yaml for paging-upstream.py" 0 $?
for f in cap:cap=7 empty:empty-every=3 self:self-link ignore:ignore-page port:foreign=port \
         path:foreign=path host:foreign=host scheme:foreign=scheme outside:foreign=outside; do
  "$COMPILE" --quiet --server "$APIS_URL/_f/${f#*:}" \
    --as "http://example.test/paging-apis-${f%%:*}.yaml" --cache-dir "$CACHE" \
    "$here/paging-apis.yaml" >>"$RUN/compile.log" 2>&1
  it_eq "compile paging-apis.yaml behind /_f/${f#*:}" 0 $?
done
"$COMPILE" --server "$APIS_URL/_f/cap=10" --as http://example.test/paging-inferred.yaml \
  --cache-dir "$CACHE" "$here/paging-inferred.yaml" >"$RUN/compile-inferred.log" 2>&1
it_eq "compile paging-inferred.yaml (no marks) behind /_f/cap=10" 0 $?
if grep -q "paging-inferred.yaml:[0-9]*:[0-9]*: warning: .*paging left off.*'page'.*page-size" \
     "$RUN/compile-inferred.log"; then
  it_pass "paging-inferred.yaml: page without a page-size parameter: paging left off, a warning"
else
  it_fail "paging-inferred.yaml: page without a page-size parameter: paging left off, a warning (got: $(cat "$RUN/compile-inferred.log"))"
fi
it_eq "paging-inferred.yaml: that is the only warning" 1 "$(grep -c ': warning: ' "$RUN/compile-inferred.log")"
"$COMPILE" --check --list "$here/paging-inferred.yaml" >"$RUN/list-inferred.txt" 2>&1
for want in "paging: cursor via starting_after, from has_more (inferred)" \
            "paging: next-url, from next (inferred; also seen: offset)" \
            "paging: link via the Link header (inferred; also seen: page)"; do
  if grep -qF "$want" "$RUN/list-inferred.txt"; then
    it_pass "--list of paging-inferred.yaml shows '$want'"
  else
    it_fail "--list of paging-inferred.yaml shows '$want' (see $RUN/list-inferred.txt)"
  fi
done
# next URLs over 4 KiB: a constant query parameter of 4,200 x's
python3 -c 'import sys; sys.stdout.write(open(sys.argv[1]).read().replace("@PAD@", "x" * 4200))' \
  "$here/paging-longurl.yaml.in" >"$RUN/paging-longurl.yaml"
"$COMPILE" --quiet --server "$APIS_URL" --as http://example.test/paging-longurl.yaml \
  --cache-dir "$CACHE" "$RUN/paging-longurl.yaml" >>"$RUN/compile.log" 2>&1
it_eq "compile paging-longurl.yaml (next URLs over 4 KiB)" 0 $?
if grep -q 'warning' "$RUN/compile.log"; then
  it_fail "the documents compile without warnings: $(grep warning "$RUN/compile.log" | sort -u | head -3)"
else
  it_pass "the documents compile without warnings"
fi

# --list names each plan's paging (product.md §12.1)
"$COMPILE" --check --list "$here/paging-json.yaml" >"$RUN/list-json.txt" 2>&1
"$COMPILE" --check --list "$here/paging-apis.yaml" >"$RUN/list-apis.txt" 2>&1
for want in json:"paging: link" json:"paging: page" json:"paging: offset" \
            apis:"paging: cursor via starting_after" apis:"paging: next-url" \
            apis:"paging: link" apis:"paging: page" apis:"paging: offset" \
            apis:"paging: cursor via cursor"; do
  if grep -qF "${want#*:}" "$RUN/list-${want%%:*}.txt"; then
    it_pass "--list of paging-${want%%:*}.yaml shows '${want#*:}'"
  else
    it_fail "--list of paging-${want%%:*}.yaml shows '${want#*:}' (see $RUN/list-${want%%:*}.txt)"
  fi
done

# Stripe's list is located from the response schema (no `items` in the document)
if sed -n '/^TYPE Customer/,/PROPERTY/p' "$RUN/list-apis.txt" | grep -q 'list at: data$'; then
  it_pass "--list: the Stripe list is found at data from the response schema"
else
  it_fail "--list: the Stripe list is found at data from the response schema (got: $(sed -n '/^TYPE Customer/,/PROPERTY/p' "$RUN/list-apis.txt" | tr '\n' ' '))"
fi

py() { # MODE ARGS...
  _mode=$1
  shift
  python3 "$here/paging.py" run --mode "$_mode" --json-record "$RECORD" --apis-url "$APIS_URL" \
    --results "$IT_RESULTS" --transcript "$RUN/transcript-$_mode.txt" --lists "$LISTS" \
    --faults "$@"
  _rc=$?
  [ "$_rc" -le 1 ] || it_fail "paging.py run --mode $_mode stopped with exit status $_rc"
}

# 3. CGI --------------------------------------------------------------------------------------

case ",$MODES," in *,cgi,*)
  echo "== CGI"
  t=$(date +%s)
  py cgi --bin "$BIN" --cache "$CACHE" --log "$RUN/cgi-stderr.log"
  echo "CGI: $(( $(date +%s) - t )) s"
esac

# 4. The pool ---------------------------------------------------------------------------------

case ",$MODES," in *,fcgi,*)
  echo "== FastCGI pool (--listen --workers 2)"
  t=$(date +%s)
  SOCK=$RUN/pool.sock
  if [ "${#SOCK}" -gt 96 ]; then  # sun_path holds 108 bytes
    IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
    SOCK=$IT_EXTRA_DIR/pool.sock
  fi
  SOCK2=${SOCK%.sock}2.sock
  it_bg pool "$RUN/pool.log" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" \
    "$BIN" --listen "$SOCK" --workers 2 --pid-file "$RUN/pool.pid"
  it_bg pool-max2 "$RUN/pool2.log" env OPENAPI_CONNECTOR_CACHE_DIR="$CACHE" \
    "$BIN" --listen "$SOCK2" --workers 2 --max-pages 2 --pid-file "$RUN/pool2.pid"
  ok2=--sock2
  if it_wait_file "$RUN/pool.pid" 5; then
    it_pass "the pool starts"
  else
    it_fail "the pool starts (see $RUN/pool.log: $(tail -2 "$RUN/pool.log"))"
  fi
  if it_wait_file "$RUN/pool2.pid" 5; then
    it_pass "the pool with --max-pages 2 starts"
  else
    it_fail "the pool with --max-pages 2 starts (see $RUN/pool2.log: $(tail -2 "$RUN/pool2.log"))"
    ok2=
  fi
  for s in "$SOCK" "$SOCK2"; do
    i=0
    while [ ! -S "$s" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  done
  # --bin/--cache: tokens from CGI answers are continued through the pool
  if [ -n "$ok2" ]; then
    py fcgi --sock "$SOCK" --sock2 "$SOCK2" --bin "$BIN" --cache "$CACHE" --log "$RUN/cgi-stderr.log"
  else
    py fcgi --sock "$SOCK" --bin "$BIN" --cache "$CACHE" --log "$RUN/cgi-stderr.log"
  fi
  for f in pool pool2; do
    if [ -f "$RUN/$f.pid" ] && it_alive "$(cat "$RUN/$f.pid")"; then
      it_pass "$f: the master ran to the end"
    elif [ "$f" = pool ] || [ -n "$ok2" ]; then
      it_fail "$f: the master died (see $RUN/$f.log)"
    fi
  done
  echo "FastCGI: $(( $(date +%s) - t )) s"
esac

# 5. The end ----------------------------------------------------------------------------------

for f in "$RUN"/cgi-stderr.log "$RUN"/pool.log "$RUN"/pool2.log; do
  [ -f "$f" ] && it_file_lacks "$(basename "$f") does not hold the API key" "$f" k-PAGING-4711
done

if it_alive "$JS_PID"; then it_pass "json-server ran to the end"; else it_fail "json-server died"; fi
if it_alive "$APIS_PID"; then it_pass "paging-upstream.py ran to the end"; else it_fail "paging-upstream.py died"; fi
secs=$(( $(date +%s) - T0 ))
echo "paging: the suite took $secs s (budget: 180 s on 2 cores)"
if [ "$secs" -le 180 ]; then
  it_pass "the suite took $secs s (at most 180)"
else
  it_fail "the suite took $secs s (at most 180)"
fi

it_finish
