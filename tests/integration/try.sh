#!/bin/sh
# try.sh - `openapi-connector --try` (issue 17, product.md §16.5): the flow engine played from
# the command line against examples/petstore-flow.yaml.
#
# First without any upstream: bad command lines (a usage message on stderr, exit 2),
# describe, and a filtered load of PetExample answered in example mode ("no upstream call").
# Then against json-server 0.17 (tests/integration/lib.sh it_upstream, as worker-crud.sh):
# a load by id and a list load with where / sort / limit printing the upstream request (its
# URL, the API key header masked: the real key never appears in the output), a save, a
# delete of the saved pet, the actions adoptpet and searchpets (tests/integration/actions.sh
# calls them the same way), and an upstream that refuses connections (a non-2xx Flow
# answer: exit 1).
#
# Run by `make check`; by hand: top_builddir=/path/to/build sh tests/integration/try.sh
# (KEEP_RUN=1 keeps the run directory). Budget: 60 s (checked at the end). Exit 0 pass,
# 1 fail, 77 skip (node, npm or json-server cannot be had: the offline part ran first).
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
it_init try
T0=$(date +%s)

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
for b in "$BIN" "$COMPILE"; do
  [ -x "$b" ] || { it_fail "$b is not built"; it_finish; }
done

OUT=$RUN/out.txt
ERR=$RUN/err.txt
# try WHAT EXPECTED-STATUS ARGS...: runs `$BIN --try ARGS` into $OUT / $ERR
try() {
  _what=$1 _want=$2
  shift 2
  "$BIN" --try "$@" >"$OUT" 2>"$ERR"
  _rc=$?
  it_eq "$_what: exit status" "$_want" "$_rc"
  [ "$_rc" -eq "$_want" ] || { echo "stdout:"; head -40 "$OUT"; echo "stderr:"; cat "$ERR"; }
}
has() { # has WHAT STRING: $OUT contains STRING (fixed)
  if grep -qF -- "$2" "$OUT"; then it_pass "$1"; else it_fail "$1: no '$2' in the output"; head -30 "$OUT"; fi
}
said() { # said WHAT STRING: $ERR contains STRING (fixed)
  if grep -qF -- "$2" "$ERR"; then it_pass "$1"; else it_fail "$1: $(cat "$ERR")"; fi
}
lacks() { # lacks WHAT STRING: neither $OUT nor $ERR contains STRING
  if grep -qF -- "$2" "$OUT" "$ERR"; then it_fail "$1: '$2' is in the output"; else it_pass "$1"; fi
}

# 1. Offline: the command line, describe, example mode ---------------------------------------

CACHE=$RUN/cache
closed=$(it_free_port)
"$COMPILE" --quiet --server "http://127.0.0.1:$closed" --as "$REFUSED_URL" --cache-dir "$CACHE" \
  "$top_srcdir/examples/petstore-flow.yaml" >"$RUN/compile.log" 2>&1
it_eq "compile the pet store for a closed port" 0 $?

try "no command" 2 "$REFUSED_URL" --cache-dir "$CACHE"
said "no command: said so" "no command"
try "an unknown command" 2 "$REFUSED_URL" --cache-dir "$CACHE" list Pet
said "unknown command: named" "unknown command 'list'"
try "an unknown option" 2 "$REFUSED_URL" --cache-dir "$CACHE" load Pet --colour blue
said "unknown option: named" "unknown option '--colour'"
try "--where with save" 2 "$REFUSED_URL" --cache-dir "$CACHE" save Pet --object '{}' --where a=b
said "--where with save: said so" "go with load, not save"
try "a --where without an operator" 2 "$REFUSED_URL" --cache-dir "$CACHE" load Pet --where status
said "bad --where: said so" "expected PROP=VALUE"
try "save without --object" 2 "$REFUSED_URL" --cache-dir "$CACHE" save Pet
try "--object that is not JSON" 2 "$REFUSED_URL" --cache-dir "$CACHE" save Pet --object '{name'
if [ -s "$OUT" ]; then it_fail "a bad command line printed on stdout: $(cat "$OUT")"
else it_pass "a bad command line prints nothing on stdout"; fi
"$BIN" --try --help >"$OUT" 2>&1
it_eq "--try --help" 0 $?
has "--try --help names the commands" "action SLUG [--input 'NAME=VALUE'...]"
"$BIN" --help >"$OUT" 2>&1
has "--help mentions --try" "openapi-connector --try REGISTRATION [options] describe"

try "describe" 0 "$REFUSED_URL" --cache-dir "$CACHE" describe
has "describe: the Flow answer" "== Flow answer: 200"
has "describe: the types" '"developerName": "PetExample"'
has "describe: the actions" '"uriPart": "actions/adoptpet"'

try "example mode: a filtered load" 0 "$REFUSED_URL" --cache-dir "$CACHE" load PetExample \
  --where 'status=available' --limit 1 --api-key "$API_KEY"
has "example mode: no upstream call" "(no upstream call)"
has "example mode: the example's pet" '"contentValue": "doggie"'
lacks "example mode: the API key is never printed" "$API_KEY"

try "a refused upstream" 1 "$REFUSED_URL" --cache-dir "$CACHE" --connect-timeout 2 load Pet \
  --id 1 --api-key "$API_KEY"
has "refused: the attempt is printed" "> GET http://127.0.0.1:$closed/pets/1"
has "refused: no answer" "< (no answer: "
has "refused: a 502 ServiceProblem" "== Flow answer: 502 (ServiceProblem)"
lacks "refused: the API key is never printed" "$API_KEY"

# A bearer scheme and an API key in the query (a closed port: the attempts are printed all
# the same): the signed-in user's token and the key never appear, $User.Email does.
cat >"$RUN/mask.yaml" <<EOF
openapi: 3.0.3
info: {title: try masking, version: "1"}
servers: [{url: "http://127.0.0.1:$closed"}]
security: [{bearer: [], key: []}]
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: owner, in: query, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {\$ref: "#/components/schemas/Thing"}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: query, name: api_key}
  schemas:
    Thing:
      x-flow-type: {name: Thing}
      x-flow-query: {path: /things, operation: get, parameters: {owner: \$User.Email}}
      type: object
      properties: {id: {type: integer}, name: {type: string}}
EOF
"$COMPILE" --quiet --as try-mask --cache-dir "$CACHE" "$RUN/mask.yaml" >>"$RUN/compile.log" 2>&1
it_eq "compile the masking document" 0 $?
try "bearer and query key" 1 try-mask --cache-dir "$CACHE" --connect-timeout 2 \
  --api-key key-SECRET-1 --user Token=tok-SECRET-2 --user Email=ann@example.test load Thing
has "masking: the URL without the query key, with \$User.Email" \
  "> GET http://127.0.0.1:$closed/things?owner=ann%40example.test"
has "masking: Authorization shows its scheme only" "> Authorization: Bearer ***"
lacks "masking: the user's token is never printed" "tok-SECRET-2"
lacks "masking: the query API key is never printed" "key-SECRET-1"

# 2. Against json-server ---------------------------------------------------------------------

it_upstream          # UPSTREAM, RECORD (skips without node: the offline part ran above)
"$COMPILE" --quiet --server "$UPSTREAM" --as "$SCHEMA_URL" --cache-dir "$CACHE" \
  "$top_srcdir/examples/petstore-flow.yaml" >>"$RUN/compile.log" 2>&1
it_eq "compile the pet store for json-server" 0 $?
T="$SCHEMA_URL --cache-dir $CACHE --api-key $API_KEY"

# shellcheck disable=SC2086  # $T: words without spaces
try "load by id" 0 $T load Pet --id 1
has "load by id: the upstream request" "> GET $UPSTREAM/pets/1"
has "load by id: the API key header, masked" "> X-API-Key: ***"
has "load by id: the upstream answer" "< 200 application/json"
has "load by id: the Flow answer" "== Flow answer: 200"
lacks "load by id: the API key is never printed" "$API_KEY"

# shellcheck disable=SC2086
try "list load" 0 $T load Pet --where 'status=available' --sort 'name:desc' --limit 2
has "list load: the where is pushed to the API" "> GET $UPSTREAM/pets?status=available"
has "list load: hasMoreResults" '"hasMoreResults":'
lacks "list load: the API key is never printed" "$API_KEY"
n=$(grep -c '"developerName": "Pet"' "$OUT")
it_eq "list load: --limit 2 gives 2 pets" 2 "$n"

# shellcheck disable=SC2086
try "save" 0 $T save Pet --object '{"name":"Trybot","status":"pending","photoUrls":[]}'
has "save: the upstream request" "> POST $UPSTREAM/pets"
has "save: the body sent" '"name":"Trybot"'
has "save: the saved pet in the answer" '"contentValue": "Trybot"'
# the saved pet's id: the first externalId of the Flow answer (json-server numbers pets)
new_id=$(sed -n 's/^ *"externalId": "\([0-9][0-9]*\)",*$/\1/p' "$OUT" | head -1)
if [ -n "$new_id" ]; then
  it_pass "save: json-server gave the pet id $new_id"
  # shellcheck disable=SC2086
  try "delete" 0 $T delete Pet --id "$new_id"
  has "delete: the upstream request" "> DELETE $UPSTREAM/pets/$new_id"
  lacks "delete: the API key is never printed" "$API_KEY"
else
  it_fail "save: no externalId in the Flow answer"
  head -40 "$OUT"
fi

# shellcheck disable=SC2086
try "action adoptpet" 0 $T action adoptpet --input id=2 \
  --object-input 'Body={"adopter":"Alice","note":"From --try"}' --outcome success --outcome 404
has "adoptpet: the upstream request" "> POST $UPSTREAM/pets/2/adopt"
has "adoptpet: the body sent" '"adopter":"Alice"'
has "adoptpet: the success outcome selected" '"selectedOutcomeId": "00000000-0000-4000-8000-000000000001"'
lacks "adoptpet: the API key is never printed" "$API_KEY"

# shellcheck disable=SC2086
try "action searchpets" 0 $T action searchpets --object-input 'Body={"status":"available"}'
has "searchpets: the upstream request" "> POST $UPSTREAM/pets/search"
has "searchpets: the Status Code output" '"contentValue": "200"'

T1=$(date +%s)
echo "try: $((T1 - T0)) s"
if [ $((T1 - T0)) -le 60 ]; then
  it_pass "the suite ran within its 60-second budget ($((T1 - T0)) s)"
else
  it_fail "the suite took $((T1 - T0)) s, over its 60-second budget"
fi
it_finish
