#!/usr/bin/env python3
"""retry-upstream.py - an API that refuses for a while (tests/integration/retry.sh;
product.md §13.4, §13.5). Python 3, stdlib only.

    retry-upstream.py --dir DIR      listens on 127.0.0.1, a free port, written to DIR/port

What it answers is scripted by the request itself: the id of GET/PUT/DELETE
/items/{id} and /keyed/{id}, or the `name` of a POST body, is a SCRIPT: answers separated
by '.', one per attempt (the last one repeats), optionally followed by '~' and anything
that only makes the script unique. Answers:

    200 / 201          success: {"id": ..., "name": ...} (201 for a POST)
    429 / 503          refused without Retry-After
    429ra<N>, 503ra<N> refused with Retry-After: N (seconds)
    429rd<N>           Retry-After as an IMF-fixdate N seconds ahead
    429rg              Retry-After: soon (not a valid value)
    e-<shape>          400 with an error body of that shape (SHAPES below)

GET /_attempts/<script> answers [{"method", "t" (monotonic seconds), "key" (the
Idempotency-Key header or null)}, ...] for every attempt with that script; DELETE
/_attempts forgets them all.
"""

import argparse
import email.utils
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

LONG_DETAIL = "d\u00e9tail " * 100 + "\u20ac" * 50   # 700+ characters, 2- and 3-byte ones

SHAPES = {
    "problem": ("application/problem+json",
                {"type": "https://example.com/probs/out-of-credit",
                 "title": "You do not have enough credit.",
                 "detail": "Your current balance is 30, but that costs 50.",
                 "errors": [{"detail": "balance below 50", "pointer": "#/balance"}]}),
    "stripe": ("application/json",
               {"error": {"type": "invalid_request_error", "code": "parameter_missing",
                          "param": "email", "message": "Missing required param: email."}}),
    "github": ("application/json",
               {"message": "Validation Failed",
                "errors": [{"resource": "Issue", "field": "title", "code": "missing_field",
                            "message": "title is missing"}],
                "documentation_url": "https://docs.github.com/rest"}),
    "oauth": ("application/json",
              {"error": "invalid_token", "error_description": "The access token expired"}),
    "errors": ("application/json", {"errors": [{"message": "first"}, {"message": "second"}]}),
    "text": ("application/json", {"error": "Not authorized"}),
    "message": ("application/json", {"message": "Rate limit exceeded", "status": 400}),
    "html": ("text/html", "<html><body>Bad request</body></html>"),
    "long": ("application/problem+json", {"title": "Too long", "detail": LONG_DETAIL}),
}

LOCK = threading.Lock()
ATTEMPTS = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, ctype, body, headers=()):
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    def control(self):
        if self.path.startswith("/_attempts"):
            if self.command == "DELETE":
                with LOCK:
                    ATTEMPTS.clear()
                self.send(200, "application/json", {})
            else:
                key = unquote(self.path[len("/_attempts/"):])
                with LOCK:
                    self.send(200, "application/json", ATTEMPTS.get(key, []))
            return True
        return False

    def handle_any(self):
        if self.control():
            return
        parts = self.path.split("?")[0].strip("/").split("/")
        body = self.body() if self.command in ("POST", "PUT", "PATCH") else {}
        if self.command == "POST":
            script = str(body.get("name") or "")
        elif len(parts) == 2:
            script = unquote(parts[1])
        else:
            self.send(404, "application/json", {"message": "no such path"})
            return
        with LOCK:
            seen = ATTEMPTS.setdefault(script, [])
            seen.append({"method": self.command, "t": time.monotonic(),
                         "key": self.headers.get("Idempotency-Key")})
            n = len(seen)
        steps = script.split("~")[0].split(".")
        step = steps[min(n, len(steps)) - 1]
        if step in ("200", "201"):
            obj = {"id": script if self.command != "POST" else "new-" + script,
                   "name": body.get("name") or script}
            self.send(201 if self.command == "POST" else 200, "application/json", obj)
        elif step.startswith("e-") and step[2:] in SHAPES:
            ctype, b = SHAPES[step[2:]]
            self.send(400, ctype, b)
        elif step[:3] in ("429", "503"):
            status, rest = int(step[:3]), step[3:]
            headers = []
            if rest.startswith("ra"):
                headers.append(("Retry-After", rest[2:]))
            elif rest.startswith("rd"):
                headers.append(("Retry-After", email.utils.formatdate(
                    time.time() + int(rest[2:]), usegmt=True)))
            elif rest == "rg":
                headers.append(("Retry-After", "soon"))
            self.send(status, "application/json",
                      {"message": "slow down (%d)" % status}, headers)
        else:
            self.send(500, "application/json", {"message": "bad script " + script})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = os.path.join(a.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, os.path.join(a.dir, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
