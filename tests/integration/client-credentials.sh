#!/bin/sh
# client-credentials.sh - OAuth 2.0 client credentials (product.md §13.6) against a real
# provider on loopback: oauth2-mock-server 8.2.3 made strict by
# tests/integration/identity-provider.mjs (its hooks grant client_credentials to the
# configured client, count the requests and steer expires_in) in front of its
# bearer-protected API. tests/integration/client-credentials.yaml.in is compiled twice
# (client_secret_basic, client_secret_post); tests/integration/client-credentials.py then
# loads as the public user and counts token requests per mode:
#   * CGI without --token-cache: one token request per process (as documented);
#   * CGI with --token-cache DIR: one for all (DIR mode 0700, one file 0600 named by the
#     key); an API 401 drops the token and the load is repeated with a new one;
#   * a FastCGI pool with --workers 1: one for 20 loads; a new token after an API 401, 30 s
#     before expiry (expires_in 32) and none for an hour without expires_in;
#   * client_secret_basic and _post, the requirement's scope and tokenParameters sent, a
#     refused request a 502 naming the token URL and invalid_client;
#   * the token request spends the request's budget (--timeout 1 against a token endpoint
#     that never answers: a 504 within it) and a closed one is a 502;
#   * describe: providesIdentity false with client credentials only, true with both flows
#     (client-credentials-both.yaml.in), where a signed-in user's token is sent and no
#     token requested, and the public user gets client credentials.
# Last, no log holds the client secret or any token the provider issued.
#
# Run by `make check` (top_srcdir and top_builddir exported); also by hand from a built
# tree (KEEP_RUN=1 keeps the run directory). Exit 0 pass, 1 fail, 77 skip (node, npm or
# oauth2-mock-server cannot be had here).
set -u

# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
it_init client-credentials

BIN=$top_builddir/src/worker/openapi-connector
COMPILE=$top_builddir/src/compile/openapi-connector-compile
HERE=$top_srcdir/tests/integration
CLIENT_ID=m2m-client-9
CLIENT_SECRET=cc-M2m-S3cret-8812
CACHE=$RUN/cache
SECRETS=$RUN/secrets.txt

if ! command -v python3 >/dev/null 2>&1; then
  it_fail "python3 is required (Debian package python3)"
  it_finish
fi
for b in "$BIN" "$COMPILE"; do
  if [ ! -x "$b" ]; then
    it_fail "$b is not built"
    it_finish
  fi
done
command -v cgi-fcgi >/dev/null 2>&1 || it_skip "cgi-fcgi is not installed (Debian package libfcgi-bin)"

# 1. The provider and its API -----------------------------------------------------------------

it_oauth2_provider

# 2. The documents ------------------------------------------------------------------------------

HOLE_PORT=$(it_free_port)      # client-credentials.py listens there and never answers
CLOSED_PORT=$(it_free_port)    # nothing listens there: connections are refused
for auth in basic post both hole closed; do
  src=$HERE/client-credentials.yaml.in
  method=$auth
  provider=$PROVIDER
  case $auth in
    both) src=$HERE/client-credentials-both.yaml.in; method=basic ;;
    hole) provider=http://127.0.0.1:$HOLE_PORT; method=basic ;;
    closed) provider=http://127.0.0.1:$CLOSED_PORT; method=basic ;;
  esac
  sed -e "s|@PROVIDER@|$provider|g" -e "s|@API@|$API|g" \
    -e "s|@CLIENT_AUTH@|client_secret_$method|g" "$src" >"$RUN/cc-$auth.yaml"
  "$COMPILE" --quiet --as "http://example.test/cc-$auth.yaml" --cache-dir "$CACHE" \
    "$RUN/cc-$auth.yaml" >"$RUN/compile-$auth.log" 2>&1
  it_eq "compile ${src##*/} as cc-$auth.yaml" 0 $?
  it_file_lacks "cc-$auth.yaml: no warning" "$RUN/compile-$auth.log" "warning"
done

# 3. CGI and a FastCGI pool ----------------------------------------------------------------------

SOCK=$RUN/pool.sock
if [ "${#SOCK}" -gt 100 ]; then   # sun_path holds 108 bytes
  IT_EXTRA_DIR=$(mktemp -d /tmp/oac-it.XXXXXX)
  SOCK=$IT_EXTRA_DIR/pool.sock
fi
python3 "$HERE/client-credentials.py" --bin "$BIN" --cache-dir "$CACHE" --api "$API" \
  --provider "$PROVIDER" --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" \
  --token-dir "$RUN/tokens" --sock "$SOCK" --worker-log "$RUN/cgi-stderr.log" \
  --pool-log "$RUN/pool.log" --results "$IT_RESULTS" \
  --reg basic=http://example.test/cc-basic.yaml --reg post=http://example.test/cc-post.yaml \
  --reg both=http://example.test/cc-both.yaml --reg hole=http://example.test/cc-hole.yaml \
  --reg closed=http://example.test/cc-closed.yaml --hole-port "$HOLE_PORT"
rc=$?
[ "$rc" -eq 0 ] || it_fail "client-credentials.py stopped with exit status $rc"
it_stop "$PROVIDER_PID"

# 4. Secrets in the logs ------------------------------------------------------------------------

tokens=$RUN/token-patterns.txt
awk '$1 == "access_token" { print $2 }' "$SECRETS" >"$tokens.all"
{
  cat "$tokens.all"
  awk -F. 'NF == 3 { print $2; print $3 }' "$tokens.all"
} | grep -v '^$' | sort -u >"$tokens"
ntok=$(grep -c '^access_token ' "$SECRETS")
if [ "$ntok" -ge 8 ]; then
  it_pass "the provider issued $ntok access tokens (the log checks below look for each)"
else
  it_fail "the provider issued only $ntok access tokens (8 or more expected)"
fi
for f in "$RUN/cgi-stderr.log" "$RUN/pool.log" "$PROVIDER_LOG"; do
  name=${f#"$RUN"/}
  it_file_lacks "$name never holds the client secret" "$f" "$CLIENT_SECRET"
  if grep -F -q -f "$tokens" "$f"; then
    it_fail "$name holds a token the provider issued
      got: $(grep -F -n -o -f "$tokens" "$f" | cut -c1-80 | head -3)"
  else
    it_pass "$name never holds a token the provider issued ($(wc -l <"$tokens") patterns)"
  fi
done
if grep -q 'client credentials: a token from' "$RUN/cgi-stderr.log"; then
  it_pass "the CGI worker logged its token requests (so the checks above see its log)"
else
  it_fail "the CGI worker logged no token request"
fi

it_finish
