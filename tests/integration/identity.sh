#!/bin/sh
# identity.sh - the worker as Flow's identity provider (product.md §9, flow-protocol.md §7)
# against real providers on loopback:
#   * an OAuth 2.0 / OpenID Connect provider (oauth2-mock-server 8.2.3, made strict by
#     tests/integration/identity-provider.mjs) plus the API that wants its access tokens;
#   * a lighttpd with mod_auth (HTTP Basic, ann:S3cret-Pa55) serving the Basic documents'
#     defaultUrl, userInfoUrl and API.
# The documents tests/integration/identity-*.yaml.in (oauth2 with a me mapping,
# openIdConnect whose discovery is read at compile time, Basic with userInfoUrl, Basic with
# defaultUrl under the vendor's misplaced components.schemas.securitySchemes) are filled in
# and compiled; tests/integration/identity.py then plays Flow and the browser: describe
# says providesIdentity; /authorization gives Status, AuthenticationType and LoginUrl by
# the PUBLIC / ALL_USERS / SPECIFIED rules; the LoginUrl is followed to a code, which
# /authentication exchanges (or the Basic password is checked) for the user and token; a
# load as that user reaches the API with the token (public user: 401, a refused token:
# 502); every failure (bad, reused or foreign code, wrong secret, userinfo 401, provider
# down, wrong password) is ACCESS_DENIED; the group and user lists. All of it as CGI and
# again through one FastCGI process, which must survive it all; then an OIDC sign-in while
# the provider is stopped. Last, no log holds the client secret, the password or any token.
#
# Run by `make check` (top_srcdir and top_builddir exported); also by hand from a built
# tree: top_srcdir=/path/to/src top_builddir=/path/to/build sh tests/integration/identity.sh
# (KEEP_RUN=1 keeps the run directory). Exit 0 pass, 1 fail, 77 skip (node, npm,
# oauth2-mock-server or lighttpd cannot be had here). OAC_NPM_DIR: where npm installs
# (default $OAC_JSON_SERVER_DIR, which the CI sets to share one install between its builds,
# else $top_builddir/tests/node_modules).
set -u

# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
it_init identity

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
HERE=$top_srcdir/tests/integration
CLIENT_ID=flow-client-7
CLIENT_SECRET=cs-Id3ntity-S3cret-4711
PASSWORD=S3cret-Pa55
BASIC_TOKEN=$(printf 'ann:%s' "$PASSWORD" | base64)
CACHE=$RUN/cache
SECRETS=$RUN/secrets.txt        # "KIND VALUE" lines: the provider adds every token it issues

# 1. What the test needs --------------------------------------------------------------------

if ! command -v python3 >/dev/null 2>&1; then
  it_fail "python3 is required (Debian package python3)"
  it_finish
fi
for b in "$BIN" "$COMPILE"; do
  if [ ! -x "$b" ]; then
    it_fail "$b is not built (make src/worker/openapi-connector src/compile/openapi-connector-compile)"
    it_finish
  fi
done
command -v curl >/dev/null 2>&1 || it_skip "curl is not installed"
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$LIGHTTPD" ] || it_skip "lighttpd is not installed (./build.sh test installs it)"

# 2. The OAuth 2.0 / OIDC provider and its API ------------------------------------------------

it_oauth2_provider
issuer=$(curl -s --max-time 5 "$PROVIDER/.well-known/openid-configuration" |
  python3 -c 'import json, sys; print(json.load(sys.stdin).get("issuer"))' 2>/dev/null)
it_eq "the provider's discovery document names issuer $PROVIDER" "$PROVIDER" "$issuer"
it_eq "the API refuses a request without a token" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$API/pets/1")"

# 3. lighttpd with HTTP Basic -----------------------------------------------------------------

LT=$RUN/lighttpd
mkdir -p "$LT/www/basic/pets" || exit 99
echo '{"ok":true}' >"$LT/www/basic/check"
echo '{"id":"ann-1","first":"Ann","last":"Lee","mail":"ann@example.com","login":"ann"}' \
  >"$LT/www/basic/me"
echo '{"id":1,"name":"Rex","status":"available"}' >"$LT/www/basic/pets/1"
printf 'ann:%s\n' "$PASSWORD" >"$LT/users"
BASIC=
for attempt in 1 2 3; do
  bport=$(it_free_port)
  cat >"$LT/lighttpd.conf" <<EOF
server.modules = ("mod_auth", "mod_authn_file", "mod_accesslog")
server.document-root = "$LT/www"
server.bind = "127.0.0.1"
server.port = $bport
server.errorlog = "$LT/error.log"
accesslog.filename = "$LT/access.log"
server.pid-file = "$LT/lighttpd.pid"
# extensionless files are the API's JSON answers
mimetype.assign = ("" => "application/json")
# answer wrong credentials at once (lighttpd delays them by default: 1 s per failure)
server.feature-flags = ("auth.delay-invalid-creds" => "disable")
# a line per request in the error log, written at once (the access log is flushed about
# once a second): identity.py counts the API calls there
debug.log-request-handling = "enable"
auth.backend = "plain"
auth.backend.plain.userfile = "$LT/users"
auth.require = ("/basic/" => ("method" => "basic", "realm" => "identity test",
                              "require" => "valid-user"))
EOF
  it_bg lighttpd "$LT/lighttpd.out" "$LIGHTTPD" -D -f "$LT/lighttpd.conf"
  LT_PID=$IT_LAST_PID
  if it_wait_http "http://127.0.0.1:$bport/" 10 "$LT_PID"; then
    BASIC=http://127.0.0.1:$bport
    break
  fi
  it_stop "$LT_PID"
  echo "lighttpd did not come up on port $bport (attempt $attempt):"
  tail -5 "$LT/lighttpd.out" "$LT/error.log" 2>/dev/null
done
if [ -z "$BASIC" ]; then
  it_fail "lighttpd did not start (see $LT)"
  it_finish
fi
it_eq "lighttpd: /basic/me with ann's password" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' -u "ann:$PASSWORD" "$BASIC/basic/me")"
it_eq "lighttpd: /basic/me with a wrong password" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' -u "ann:x$PASSWORD" "$BASIC/basic/me")"

# 4. The documents --------------------------------------------------------------------------

CLOSED=http://127.0.0.1:$(it_free_port)   # nothing listens there: connections are refused
compile() {                                 # compile NAME SOURCE-NAME PROVIDER
  sed -e "s|@PROVIDER@|$3|g" -e "s|@API@|$API|g" -e "s|@BASIC@|$BASIC|g" \
    "$HERE/identity-$2.yaml.in" >"$RUN/identity-$1.yaml"
  "$COMPILE" --quiet --as "http://example.test/identity-$1.yaml" --cache-dir "$CACHE" \
    "$RUN/identity-$1.yaml" >"$RUN/compile-$1.log" 2>&1
  it_eq "compile identity-$2.yaml.in as identity-$1.yaml" 0 $?
  [ -s "$RUN/compile-$1.log" ] && sed 's/^/    /' "$RUN/compile-$1.log"
}
for n in oauth2 oidc basic-me basic-default; do
  compile "$n" "$n" "$PROVIDER"
  if [ "$n" = basic-default ]; then
    if grep -q 'warning:.*securitySchemes' "$RUN/compile-$n.log"; then
      it_pass "compile warns about components.schemas.securitySchemes"
    else
      it_fail "compile warns about components.schemas.securitySchemes
      expected: a warning naming securitySchemes
      got:      $(cat "$RUN/compile-$n.log")"
    fi
  else
    it_file_lacks "identity-$n.yaml: no warning (securitySchemes in the standard place)" \
      "$RUN/compile-$n.log" "warning"
  fi
done
compile oauth2-down oauth2 "$CLOSED"

REGS=
for n in oauth2 oidc basic-me basic-default oauth2-down; do
  REGS="$REGS --reg $n=http://example.test/identity-$n.yaml"
done
identity() {                                # identity CMD MODE-ARGS...
  _cmd=$1
  shift
  # shellcheck disable=SC2086   # REGS: several words on purpose
  python3 "$HERE/identity.py" "$_cmd" $REGS --provider "$PROVIDER" \
    --down-provider "$CLOSED" --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" \
    --secrets "$SECRETS" --provider-log "$PROVIDER_LOG" --basic-log "$LT/error.log" \
    --results "$IT_RESULTS" "$@"
  _rc=$?
  if [ "$_rc" -ne 0 ]; then
    it_fail "identity.py $_cmd $* stopped with exit status $_rc"
  fi
}

# 5. CGI: one process per request -----------------------------------------------------------

identity scenario --mode cgi --bin "$BIN" --cgi-env "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE" \
  --worker-log "$RUN/cgi-stderr.log" --transcript "$RUN/transcript-cgi.txt"

# 6. FastCGI: one process for the whole sequence, failures included -------------------------

if it_fcgi_start "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE"; then
  identity scenario --mode fcgi --sock "$SOCK" --worker-log "$WLOG" \
    --transcript "$RUN/transcript-fcgi.txt"
  it_fcgi_end "fcgi: one worker process served every request, failures included"
fi

# 7. The provider stops between the login page and /authentication ------------------------

if it_alive "$PROVIDER_PID"; then
  it_pass "the provider ran to the end of the scenarios"
else
  it_fail "the provider died (see $PROVIDER_LOG)"
fi
identity down --mode cgi --bin "$BIN" --cgi-env "OPENAPI_CONNECTOR_CACHE_DIR=$CACHE" \
  --provider-pid "$PROVIDER_PID" --worker-log "$RUN/cgi-stderr.log" \
  --transcript "$RUN/transcript-cgi.txt"
it_stop "$PROVIDER_PID"

# 8. Secrets in the logs ----------------------------------------------------------------------

# Every access, id and refresh token the provider issued, whole and (JWTs) their payload
# and signature parts, which no log may hold either.
tokens=$RUN/token-patterns.txt
awk '$1 ~ /^(access|id|refresh)_token$/ { print $2 }' "$SECRETS" >"$tokens.all"
{
  cat "$tokens.all"
  awk -F. 'NF == 3 { print $2; print $3 }' "$tokens.all"
} | grep -v '^$' | sort -u >"$tokens"
ntok=$(grep -c '^access_token ' "$SECRETS")
if [ "$ntok" -ge 8 ]; then
  it_pass "the provider issued $ntok access tokens (the log checks below look for each)"
else
  it_fail "the provider issued only $ntok access tokens (8 or more expected: the sign-ins did not happen)"
fi
for f in "$RUN/cgi-stderr.log" "$RUN/fcgi-worker.log" "$PROVIDER_LOG" "$LT/error.log" \
         "$LT/access.log" "$LT/lighttpd.out"; do
  [ -f "$f" ] || continue
  name=${f#"$RUN"/}
  it_file_lacks "$name never holds the client secret" "$f" "$CLIENT_SECRET"
  it_file_lacks "$name never holds ann's password" "$f" "$PASSWORD"
  it_file_lacks "$name never holds the Basic token" "$f" "$BASIC_TOKEN"
  if grep -F -q -f "$tokens" "$f"; then
    it_fail "$name holds a token the provider issued
      got: $(grep -F -n -o -f "$tokens" "$f" | cut -c1-80 | head -3)"
  else
    it_pass "$name never holds a token the provider issued ($(wc -l <"$tokens") patterns)"
  fi
done
if [ -s "$RUN/cgi-stderr.log" ]; then
  it_pass "the CGI worker logged"
else
  it_fail "the CGI worker wrote no log (so the checks above prove nothing)"
fi

it_finish
