#!/bin/sh
# contrib-snippets.sh - the includable web-server snippets of contrib/ (issue 18, product.md
# §16.2) with the real servers on loopback, in front of the worker's own pool:
#
# 1. contrib/ agrees with itself: the socket unit's ListenStream is the socket both snippets
#    pass to, and the defaults file's OPENAPI_CONNECTOR_PREFIX is the snippets' /openapi/;
#    its OPENAPI_CONNECTOR_SNAPSHOT_DIR is debian/rules' compiled-in default, made by
#    tmpfiles.d for the sysusers.d account and in the service's ReadWritePaths.
# 2. nginx: contrib/nginx/openapi-connector.conf as /etc/nginx/snippets/ holds it (its
#    "include fastcgi_params" resolved as in Debian's /etc/nginx), included in a server
#    block, the socket path pointed at the test's pool.
# 3. Apache 2.4 + mod_proxy_fcgi: contrib/apache/openapi-connector.conf included as
#    a2enconf would (server context), likewise.
# Through each: /openapi/health answers 200 with the compiled example; describe answers
# 200; a 2 MiB body reaches the worker (the servers' own limits, 1 MiB for nginx, are
# raised by the snippets: the worker, not the server, answers it); /openapi/status from
# 127.0.0.1 reaches the worker (the snippets keep it to the local host, not away from it);
# a sign-in request (POST /openapi/authorization) reaches the worker. Then each server again
# with its snippet's local-host allowance removed: /openapi/status and /openapi/metrics, with
# and without the trailing '/' the worker ignores, are the server's 403 (the snippet's
# restriction covers every path the worker answers them on); /openapi/health still 200.
#
# Exit 0 pass, 1 fail, 77 skip (nginx, apache2 or mod_proxy_fcgi missing).

. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

it_init contrib-snippets
BIN=$top_builddir/src/worker/openapi-connector
COMPILER=$top_builddir/src/compile/openapi-connector-compile
[ -x "$BIN" ] && [ -x "$COMPILER" ] || { echo "build the programs first"; exit 99; }
command -v curl >/dev/null 2>&1 || it_skip "curl is not installed"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
MODULES=/usr/lib/apache2/modules
[ -x "$NGINX" ] || it_skip "nginx is not installed (Debian package nginx-light; ./build.sh test installs it)"
[ -x "$APACHE" ] || it_skip "apache2 is not installed (./build.sh test installs it)"
[ -f "$MODULES/mod_proxy_fcgi.so" ] || it_skip "$MODULES/mod_proxy_fcgi.so is missing (apache2-bin)"
[ -f /etc/nginx/fastcgi_params ] || it_skip "/etc/nginx/fastcgi_params is missing (nginx-common)"

C=$top_srcdir/contrib

# 1. contrib/ agrees with itself ---------------------------------------------------------
sock=$(sed -n 's/^ListenStream=//p' "$C/systemd/openapi-connector.socket")
it_eq "the socket unit listens on the packaged socket path" \
  /run/openapi-connector/openapi-connector.sock "$sock"
for f in "$C/apache/openapi-connector.conf" "$C/nginx/openapi-connector.conf"; do
  if grep -v '^[[:space:]]*#' "$f" | grep -q "unix:$sock"; then
    it_pass "$(basename "$(dirname "$f")") snippet passes to the socket unit's $sock"
  else
    it_fail "$f does not pass to $sock"
  fi
done
it_eq "the defaults file's prefix is the snippets' /openapi" /openapi \
  "$(sed -n 's/^OPENAPI_CONNECTOR_PREFIX=//p' "$C/default/openapi-connector")"
# the snapshot directory (the Debian package's compiled-in default, debian/rules): the
# defaults file's, made by tmpfiles.d for the sysusers.d account, writable under the
# service's ProtectSystem=strict
snap=$(sed -n 's/^OPENAPI_CONNECTOR_SNAPSHOT_DIR=//p' "$C/default/openapi-connector")
it_eq "the defaults file's snapshot directory is the package's" \
  /var/lib/openapi-connector/snapshots "$snap"
it_eq "debian/rules builds with that snapshot directory" "snapshotdir = $snap" \
  "$(grep '^snapshotdir = ' "$top_srcdir/debian/rules")"
acct=$(awk '$1 == "u" { print $2 }' "$C/systemd/openapi-connector.sysusers")
it_eq "tmpfiles.d makes the snapshot directory for the pool's account" "d $snap 0755 $acct $acct" \
  "$(awk -v d="$snap" '$2 == d { print $1, $2, $3, $4, $5 }' "$C/systemd/openapi-connector.tmpfiles")"
grep -q "^ReadWritePaths=.*-$snap\( \|\$\)" "$C/systemd/openapi-connector.service" &&
  it_pass "the service may write the snapshot directory (ReadWritePaths)" ||
  it_fail "the service's ReadWritePaths lack $snap"

# 2. the pool ------------------------------------------------------------------------------
SRV=$(mktemp -d /tmp/oac-snip.XXXXXX) || exit 99
IT_EXTRA_DIR=$SRV
chmod 755 "$SRV"
mkdir -p "$SRV/cache" "$SRV/nginx/snippets" "$SRV/apache"
cp "$BIN" "$SRV/openapi-connector"
REG=http://example.test/petstore-example.yaml
"$COMPILER" --quiet --as "$REG" --server "http://127.0.0.1:$(it_free_port)" \
  --cache-dir "$SRV/cache" "$top_srcdir/examples/petstore-flow.yaml" >"$RUN/compile.log" 2>&1
it_eq "compile the pet store for example mode" 0 $?
chmod -R a+rX "$SRV"
if [ "$(id -u)" -eq 0 ]; then
  RUN_USER=nobody RUN_GROUP=nogroup
else
  RUN_USER=$(id -un) RUN_GROUP=$(id -gn)
fi
SOCK=$SRV/pool.sock
# a pool started as root needs --allow-root where the worker has the root refusal (§16.1)
set --
if [ "$(id -u)" -eq 0 ] && "$BIN" --help 2>&1 | grep -q -e '--allow-root'; then
  set -- --allow-root
fi
it_bg pool "$SRV/worker.log" "$SRV/openapi-connector" --listen "$SOCK" --workers 2 \
  --socket-mode 0666 --cache-dir "$SRV/cache" --prefix /openapi --pid-file "$SRV/pool.pid" "$@"
POOL_PID=$IT_LAST_PID
if it_wait_file "$SRV/pool.pid" 5 && [ -S "$SOCK" ]; then
  it_pass "the own pool listens on $SOCK"
else
  it_fail "the own pool did not start (see $SRV/worker.log)"
  cat "$SRV/worker.log"
  it_finish
fi

# the checks through one server at $1 (http://127.0.0.1:PORT), named $2
through() {
  base=$1
  name=$2
  code=$(curl -s -o "$RUN/answer" -w '%{http_code}' "$base/openapi/health")
  it_eq "$name: GET /openapi/health" 200 "$code"
  # /health names no registration (issue 18, §16.4): it counts the usable caches
  if grep -q '"caches":1,"cachesRefused":0' "$RUN/answer"; then
    it_pass "$name: /health counts the compiled example (1 cache, none refused)"
  else
    it_fail "$name: /health does not count 1 usable cache: $(head -c 300 "$RUN/answer")"
  fi
  code=$(curl -s -o "$RUN/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data '{"configurationValues":[]}' "$base/openapi/metadata")
  it_eq "$name: POST /openapi/metadata (describe)" 200 "$code"
  # 2 MiB of JSON: above nginx's default client_max_body_size, below the worker's 8 MiB
  python3 -c 'import sys; sys.stdout.write("{\"configurationValues\":[],\"x\":\"" + "a" * (2 << 20) + "\"}")' \
    >"$RUN/big.json"
  code=$(curl -s -o "$RUN/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "@$RUN/big.json" "$base/openapi/metadata")
  it_eq "$name: a 2 MiB body reaches the worker (describe answers it)" 200 "$code"
  # /status from the local host reaches the worker: its answer (a ServiceProblem when the
  # pool has no --status) carries the worker's problem header, not the server's 403
  hdr=$(curl -s -D - -o /dev/null "$base/openapi/status" | tr -d '\r')
  case $hdr in
    *[Xx]-[Mm]any[Ww]ho-[Ss]ervice-[Pp]roblem-[Kk]ind*|*'HTTP/1.1 200'*)
      it_pass "$name: /openapi/status from 127.0.0.1 reaches the worker" ;;
    *) it_fail "$name: /openapi/status from 127.0.0.1 did not reach the worker: $(echo "$hdr" | head -1)" ;;
  esac
  # a sign-in request reaches the worker (one more log line for it)
  before=$(grep -c 'POST /openapi/authorization' "$SRV/worker.log")
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    -H 'Authorization: ManyWhoTenant=t&UserId=u1&Email=a%40b.c&Token=NONE' \
    --data '{"configurationValues":[],"authorization":{"globalAuthenticationType":"PUBLIC"}}' \
    "$base/openapi/authorization"
  # the worker writes its request lines once idle, a moment after the answer: up to 3 s
  _i=0
  while after=$(grep -c 'POST /openapi/authorization' "$SRV/worker.log" || true) &&
        [ "$after" -le "$before" ] && [ $_i -lt 30 ]; do
    sleep 0.1
    _i=$((_i + 1))
  done
  it_eq "$name: POST /openapi/authorization reaches the worker" $((before + 1)) "$after"
}

# the snippet's own restriction, with no address of the test allowed: $1 base, $2 name
denied() {
  for p in status status/ metrics metrics/; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$1/openapi/$p")
    it_eq "$2, local host not allowed: GET /openapi/$p is the server's 403" 403 "$code"
  done
  code=$(curl -s -o /dev/null -w '%{http_code}' "$1/openapi/health")
  it_eq "$2, local host not allowed: GET /openapi/health still answers" 200 "$code"
}

# 3. nginx ----------------------------------------------------------------------------------
sed "s|unix:$sock|unix:$SOCK|" "$C/nginx/openapi-connector.conf" \
  >"$SRV/nginx/snippets/openapi-connector.conf"
cp /etc/nginx/fastcgi_params "$SRV/nginx/fastcgi_params"
start_nginx() {
  cat >"$SRV/nginx/nginx.conf" <<EOF
user $RUN_USER $RUN_GROUP;
worker_processes 1;
pid $SRV/nginx/nginx.pid;
error_log $SRV/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $SRV/nginx/body;
  fastcgi_temp_path $SRV/nginx/fastcgi;
  proxy_temp_path $SRV/nginx/proxy;
  uwsgi_temp_path $SRV/nginx/uwsgi;
  scgi_temp_path $SRV/nginx/scgi;
  server {
    listen 127.0.0.1:$1;
    include snippets/openapi-connector.conf;
  }
}
EOF
  "$NGINX" -t -q -p "$SRV/nginx" -c "$SRV/nginx/nginx.conf" >"$SRV/nginx/configtest.log" 2>&1 ||
    { cat "$SRV/nginx/configtest.log"; return 1; }
  it_bg nginx "$SRV/nginx/server.out" setsid "$NGINX" -p "$SRV/nginx" -c "$SRV/nginx/nginx.conf" \
    -g 'daemon off;'
  SERVER_PID=$IT_LAST_PID
  it_wait_http "http://127.0.0.1:$1/openapi/health" 20 "$SERVER_PID"
}
# the checks through a server started by $2 (a function taking the port, setting SERVER_PID),
# named $1; then again with the snippet's local-host access taken out by sed script $3
# (in file $4, whose port sed script $5 prints): only /health answers
with_server() {
  port=
  for _attempt in 1 2 3; do
    p=$(it_free_port)
    if $2 "$p"; then port=$p; break; fi
    it_stop "${SERVER_PID:-}" 2>/dev/null
  done
  if [ -z "$port" ]; then
    it_fail "$1 did not start with the snippet (see $SRV)"
    return
  fi
  it_pass "$1 with the snippet serves on 127.0.0.1:$port"
  through "http://127.0.0.1:$port" "$1"
  it_stop "$SERVER_PID"
  sed -i "$3" "$4"
  if $2 "$(it_free_port)"; then
    denied "http://127.0.0.1:$(sed -n "$5" "$SRV/$1/$1.conf")" "$1"
  else
    it_fail "$1 did not start with the snippet's local-host access taken out"
  fi
  it_stop "$SERVER_PID"
}
with_server nginx start_nginx '/^[[:space:]]*allow /d' "$SRV/nginx/snippets/openapi-connector.conf" \
  's/.*listen 127.0.0.1:\([0-9]*\);.*/\1/p'

# 4. Apache ---------------------------------------------------------------------------------
sed "s|unix:$sock|unix:$SOCK|" "$C/apache/openapi-connector.conf" >"$SRV/apache/openapi-connector.conf"
start_apache() {
  cat >"$SRV/apache/apache.conf" <<EOF
ServerRoot "$SRV/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$1
PidFile $SRV/apache/apache.pid
ErrorLog $SRV/apache/error.log
LogLevel warn
DefaultRuntimeDir $SRV/apache
Mutex file:$SRV/apache
User $RUN_USER
Group $RUN_GROUP
LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule authz_host_module $MODULES/mod_authz_host.so
LoadModule proxy_module $MODULES/mod_proxy.so
LoadModule proxy_fcgi_module $MODULES/mod_proxy_fcgi.so
# as a2enconf does: conf-enabled/*.conf included in the server context
Include $SRV/apache/openapi-connector.conf
EOF
  "$APACHE" -t -f "$SRV/apache/apache.conf" >"$SRV/apache/configtest.log" 2>&1 ||
    { cat "$SRV/apache/configtest.log"; return 1; }
  it_bg apache "$SRV/apache/server.out" setsid "$APACHE" -DFOREGROUND -f "$SRV/apache/apache.conf"
  SERVER_PID=$IT_LAST_PID
  it_wait_http "http://127.0.0.1:$1/openapi/health" 20 "$SERVER_PID"
}
# 192.0.2.1 (TEST-NET-1) is never the test's address
with_server apache start_apache 's/Require local/Require ip 192.0.2.1/' \
  "$SRV/apache/openapi-connector.conf" 's/^Listen 127.0.0.1://p'

it_stop "$POOL_PID"
if [ -n "$(grep '^FAIL:' "$IT_RESULTS")" ]; then
  cp -r "$SRV" "$RUN/srv" 2>/dev/null
fi
it_finish
