#!/bin/sh
# server-lighttpd-socket.sh - apache-conf/lighttpd-socket.conf with the real server on loopback: the CRUD
# scenario over HTTP, an example-mode load, the Authorization header, a worker killed
# under load, a stop by PID (tests/integration/server-lib.sh does it all).
. "$(cd "$(dirname "$0")" && pwd)/server-lib.sh"
server_test lighttpd-socket
