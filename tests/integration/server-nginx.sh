#!/bin/sh
# server-nginx.sh - apache-conf/nginx.conf with the real server on loopback: the CRUD
# scenario over HTTP, an example-mode load, the Authorization header, a worker killed
# under load, a stop by PID (tests/integration/server-lib.sh does it all).
. "$(cd "$(dirname "$0")" && pwd)/server-lib.sh"
server_test nginx
