#!/usr/bin/env python3
"""fault-upstream.py - a misbehaving API on loopback for tests/integration/faults.sh and
security.sh (Python 3, stdlib only): what json-server cannot do.

    fault-upstream.py --dir DIR

Binds two sockets on 127.0.0.1, free ports:
  * the API (HTTP/1.1, keep-alive), its port in DIR/port;
  * a trap: a plain listening socket that records every connection it accepts in
    DIR/trap.jsonl (and closes it), its port in DIR/trap-port. Nothing should ever reach it.
Every request the API receives is appended to DIR/requests.jsonl before it is answered:
method, the raw request target exactly as received, the headers (names lower-cased), the
body. Nothing is logged anywhere else (the record holds what the worker sent, API keys
included, by design: it is not a log). Serves until it is killed.

The API, by path (any method):
  /pets/ok, /pets/redirected     200 {"id": "ok", "name": "fine"}
  /pets/e404                     404 JSON (a load: empty list; a delete: deleted)
  /pets/e500                     500 JSON
  /pets/echo500                  500, the body echoes every request header (API key included)
  /pets/badjson                  200 application/json, a body that is not JSON
  /pets/html                     200 text/html
  /pets/deep                     200 JSON nested 100,000 arrays deep
  /pets/slow                     answers after 3 s (unless the client went away)
  /pets/trickle                  headers at once, then one body byte every 0.3 s for 6 s
  /pets/reset-early              reads the request, resets the connection (no answer)
  /pets/reset-mid                promises 4000 bytes, sends 100, resets the connection
  /pets/endless                  200 JSON, chunked, endless (until the client closes);
                                 the bytes sent are recorded as {"event": "endless", ...}
  /pets/bigdeclared              Content-Length: 20 MiB, then bytes until the client closes
  /pets/redirect-same            302 to /pets/redirected (same origin: followed)
  /pets/redirect-port            302 to the trap's port on 127.0.0.1
  /pets/redirect-host            302 to http://localhost:<this port>/pets/redirected
  /pets/redirect-loop            302 to itself
  /notes, /notes/<anything>      a note store for security.sh: GET one answers
                                 {"id": <the raw segment>, "title": "t"}, GET the list [],
                                 POST/PUT echo the body with an id, DELETE 204
  anything else                  404
"""
import argparse
import json
import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
DIR = "."
PORT = 0
TRAP_PORT = 0


def record(obj):
    with LOCK:
        with open(os.path.join(DIR, "requests.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(obj) + "\n")


def rst(sock):
    """Close with a TCP reset (SO_LINGER 0)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):      # nothing logged: see the module's comment
        pass

    def send_json(self, status, obj=None, text=None, ctype="application/json", extra=()):
        body = (text if text is not None else json.dumps(obj)).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        record({"method": self.command, "target": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        path = self.path.split("?", 1)[0]
        if path in ("/pets/ok", "/pets/redirected"):
            self.send_json(200, {"id": "ok", "name": "fine"})
        elif path == "/pets/e404":
            self.send_json(404, {"error": "no such pet"})
        elif path == "/pets/e500":
            self.send_json(500, {"error": "database on fire"})
        elif path == "/pets/echo500":
            self.send_json(500, {"error": "echo", "headers": dict(self.headers.items())})
        elif path == "/pets/badjson":
            self.send_json(200, text='{"id": "badjson", "name": "unterminated')
        elif path == "/pets/html":
            self.send_json(200, text="<html><body>maintenance</body></html>",
                           ctype="text/html")
        elif path == "/pets/deep":
            self.send_json(200, text="[" * 100000 + "]" * 100000)
        elif path == "/pets/slow":
            for _ in range(30):
                time.sleep(0.1)
            try:
                self.send_json(200, {"id": "slow", "name": "late"})
            except OSError:
                pass
        elif path == "/pets/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "20")
            self.end_headers()
            try:
                for ch in '{"id":"trickle"}    ':
                    self.wfile.write(ch.encode())
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:
                pass
        elif path == "/pets/reset-early":
            self.close_connection = True
            rst(self.connection)
        elif path == "/pets/reset-mid":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4000")
            self.end_headers()
            self.wfile.write(b'{"id": "reset-mid", "name": "' + b"x" * 70)
            self.wfile.flush()
            time.sleep(0.05)
            self.close_connection = True
            rst(self.connection)
        elif path in ("/pets/endless", "/pets/bigdeclared"):
            self.stream(path == "/pets/endless")
        elif path == "/pets/redirect-same":
            self.redirect("/pets/redirected")
        elif path == "/pets/redirect-port":
            self.redirect("http://127.0.0.1:%d/pets/ok" % TRAP_PORT)
        elif path == "/pets/redirect-host":
            self.redirect("http://localhost:%d/pets/redirected" % PORT)
        elif path == "/pets/redirect-loop":
            self.redirect("/pets/redirect-loop")
        elif path == "/notes":
            if self.command == "GET":
                self.send_json(200, [])
            else:
                obj = json.loads(body or "{}")
                obj.setdefault("id", "n1")
                self.send_json(201, obj)
        elif path.startswith("/notes/"):
            seg = path[len("/notes/"):]
            if self.command == "DELETE":
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.command == "GET":
                self.send_json(200, {"id": seg, "title": "t"})
            else:
                obj = json.loads(body or "{}")
                obj["id"] = seg
                self.send_json(200, obj)
        else:
            self.send_json(404, {"error": "not here"})

    def stream(self, chunked):
        """JSON-ish bytes until the client goes away (or 256 MiB: never reached when the
        worker keeps its 16 MiB cap)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(20 << 20))
        self.end_headers()
        piece = b'{"id": 1, "name": "' + b"z" * 65000 + b'"},'
        sent = 0
        t0 = time.monotonic()
        try:
            first = b"[" + piece
            for data in [first] + [piece] * 4096:
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                else:
                    self.wfile.write(data)
                sent += len(data)
        except OSError:
            pass
        self.close_connection = True
        record({"event": "endless" if chunked else "bigdeclared", "sent": sent,
                "seconds": round(time.monotonic() - t0, 3)})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


def trap(sock):
    while True:
        try:
            c, addr = sock.accept()
        except OSError:
            return
        with LOCK:
            with open(os.path.join(DIR, "trap.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps({"event": "accept", "peer": list(addr),
                                    "time": time.time()}) + "\n")
        c.close()


def main():
    global DIR, PORT, TRAP_PORT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    DIR = a.dir
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    t.listen(16)
    TRAP_PORT = t.getsockname()[1]
    open(os.path.join(DIR, "trap.jsonl"), "a").close()
    threading.Thread(target=trap, args=(t,), daemon=True).start()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    PORT = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    for name, val in (("trap-port", TRAP_PORT), ("port", PORT)):
        with open(os.path.join(DIR, name + ".tmp"), "w") as f:
            f.write("%d\n" % val)
        os.rename(os.path.join(DIR, name + ".tmp"), os.path.join(DIR, name))
    threading.Event().wait()                   # until killed (the test's cleanup)


if __name__ == "__main__":
    main()
