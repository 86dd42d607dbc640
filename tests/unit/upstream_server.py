#!/usr/bin/env python3
"""upstream_server.py - a small real HTTP/1.1 server on loopback for check_upstream.

It binds 127.0.0.1 on a free port, prints the port on stdout and serves until killed (or,
with --exit-on-stdin-eof, until its stdin closes, so it never outlives a crashed test).
With --tls CERT KEY it speaks HTTPS instead.

Endpoints (any method unless said):
  /json                    200 application/json
  /echo                    JSON: method, path, query, headers (lowercased names), body,
                           body_len, client_port (the peer's port: same port = same
                           connection)
  /status/NNN              status NNN with a JSON body (none for 1xx, 204, 304)
  /slow?ms=N[&then=PATH]   sleeps N ms, then JSON (or a 302 to PATH)
  /big?mb=N[&cl=1]         N MiB of JSON-ish bytes, chunked (cl=1: with Content-Length)
  /redirect-same           302 to /json
  /redirect-other?to=K     302 to another origin: K=host (localhost, same port), port
                           (127.0.0.1, port+1), scheme (https, same host and port);
                           the target carries ?api_key=SECRET-IN-QUERY
  /redirect-loop?...       302 to itself (query kept)
  /redirect-chain?left=N   302 to left=N-1 until 0, then JSON {"done": true}
  /NNN-echo                NNN (301 302 303 307 308) to /echo
  /reset[?when=start]      promises 100000 bytes, sends a few and closes the connection
                           (when=start: closes without answering)
  /text                    200 text/plain
  /ctype?t=TYPE            200 with Content-Type TYPE and body {}
  /hits?p=PATH?QUERY       JSON {"count": n}: requests seen for that exact path and query
  /seen[?clear=1]          JSON {"seen": [PATH?QUERY, ...]}: the requests since the last
                           clear, in order (not /seen itself); clear=1 empties the list

Paged lists for the paging walk (check_walk, check_chaos). Stateless: the same request
always gets the same answer. The list is ITEMS below (9 items, ids "1".."9").
  /v1/paged?cursor=cK&limit=N    cursor style: {"data": items K.., "next_cursor": "cK'" or
                                 null, "has_more": bool}; N defaults to 3 and is capped at 3
  /v1/slowpaged?cursor=cK       as /v1/paged, but the page at c6 (the third) answers after
                                 1.5 s: a walk with a short budget runs out of it there
  /v1/busypaged?cursor=cK        as /v1/paged, but the page at c3 answers 429 with
                                 Retry-After: 0 on every odd request for it (retries, §13.4)
  /v1/refusedpaged?cursor=cK     as /v1/paged, but the page at c3 always answers 503 with
                                 Retry-After: 0
  /v1/slowsave                   any method: 201 {"id": "sN"} after 0.6 s (N = the hits so
                                 far): a batch of saves spends one request's budget
  /v1/linked?after=K&limit=N     link style: a JSON array, a Link header rel="next" (relative
                                 URL) while more exist; N defaults to 3, capped at 3
  /v1/offset?offset=K&limit=N    offset style: a JSON array, items K..K+N-1 (N default 4,
                                 capped at 4); no sign of the end but an empty page
  /v1/pages?page=K&per_page=N    page style: a JSON array, page K (from 1) of pages of N
                                 (default 4, capped at 4)
  /v1/stuck?after=cK             cursor style whose pages all start with item "1" (the
                                 cursor and the body change)
  /v1/same?n=K                   link style: the same body on every page, the Link to n=K+1
  /v1/loop                       link style whose Link rel="next" is the request itself
  /v1/foreign                    {"data": [...], "next": URL on host localhost}: a next URL
                                 on another host (never followed by the walk)
  /v1/nocursor                   {"data": [...], "has_more": true, "next_cursor": null}, the
                                 last item without an "id" (no cursor from the items)

With --script FILE --record FILE (check_requests, tests/data/requests/<case>/upstream.json)
the endpoints above are replaced by a script: the Nth request, whatever its method and
path, gets the answer of the script's Nth call ({"calls": [{"answer": {"status", "headers",
"body" (JSON), "bodyText" or "bodyHex" (raw bytes)}}]}; @UPSTREAM@ in the script is this server's URL); a request
beyond the script gets a 599 saying so. Every request is recorded, before it is answered,
into the record file as a JSON list of {"method", "path", "query" (name -> first value),
"headers" (lowercased names), "body" (JSON, or null), "bodyText"}: the test compares it
with what the script's calls "expect".
"""
import json
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HITS = {}
ORDER = []          # /seen: PATH?QUERY of each request, in order
ITEMS = [{"id": str(i + 1), "name": n} for i, n in
         enumerate(["ant", "bee", "cat", "ape", "bat", "cow", "asp", "boa", "cod"])]
SCRIPT = None       # --script: the calls' answers, in order
RECORD = None       # --record: where the requests seen are written
SEEN = []
HITS_LOCK = threading.Lock()
PORT = 0
REDIRECTS = {301, 302, 303, 307, 308}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True     # no 40 ms delayed-ACK stall between header and body writes

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def answer(self, status, body=b"", ctype="application/json", extra=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        no_body = status in (204, 304) or status < 200
        if not no_body:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not no_body and self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, status, location):
        self.answer(status, {"redirect": location}, extra=[("Location", location)])

    def handle_any(self):
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def scripted(self):
        u = urlsplit(self.path)
        body = self.read_body()
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        text = body.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        query = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        with HITS_LOCK:
            n = len(SEEN)
            SEEN.append({"method": self.command, "path": u.path, "query": query,
                         "headers": headers, "body": parsed, "bodyText": text})
            tmp = RECORD + ".tmp"
            with open(tmp, "w") as f:
                json.dump(SEEN, f)
            os.replace(tmp, RECORD)
        calls = SCRIPT.get("calls") or []
        if n >= len(calls):
            self.answer(599, {"error": "call %d is not in upstream.json" % (n + 1)})
            return
        a = calls[n].get("answer") or {}
        status = int(a.get("status", 200))
        extra = list((a.get("headers") or {}).items())
        ctype = "application/json"
        for k, v in extra:
            if k.lower() == "content-type":
                ctype = v
        extra = [(k, v) for k, v in extra if k.lower() != "content-type"]
        if "bodyHex" in a:  # raw bytes, e.g. invalid UTF-8
            out = bytes.fromhex(a["bodyHex"])
        elif "bodyText" in a:
            out = a["bodyText"].encode()
        elif "body" in a:
            out = json.dumps(a["body"]).encode()
        else:
            out = b""
        self.answer(status, out, ctype=ctype, extra=extra)

    def route(self):
        if SCRIPT is not None:
            self.scripted()
            return
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        body = self.read_body()
        key = u.path + ("?" + u.query if u.query else "")
        with HITS_LOCK:
            HITS[key] = HITS.get(key, 0) + 1
            if u.path != "/seen":
                ORDER.append(key)
        p = u.path
        if p.startswith("/v1/"):
            self.paged(p, q)
        elif p == "/seen":
            with HITS_LOCK:
                seen = list(ORDER)
                if q.get("clear", ["0"])[0] == "1":
                    del ORDER[:]
            self.answer(200, {"seen": seen})
        elif p == "/json":
            self.answer(200, {"ok": True, "items": [1, 2, 3]})
        elif p == "/echo":
            headers = {}
            for k, v in self.headers.items():
                k = k.lower()
                headers[k] = headers[k] + ", " + v if k in headers else v
            self.answer(200, {
                "method": self.command, "path": u.path, "query": u.query,
                "headers": headers, "body": body.decode("utf-8", "replace"),
                "body_len": len(body), "client_port": self.client_address[1]})
        elif p.startswith("/status/"):
            code = int(p[len("/status/"):])
            self.answer(code, {"status": code, "error": "status %d as asked" % code})
        elif p == "/slow":
            time.sleep(int(q.get("ms", ["1000"])[0]) / 1000.0)
            if "then" in q:
                self.redirect(302, q["then"][0])
            else:
                self.answer(200, {"slept": True})
        elif p == "/big":
            self.big(int(q.get("mb", ["1"])[0]), q.get("cl", ["0"])[0] == "1")
        elif p == "/redirect-same":
            self.redirect(302, "/json")
        elif p == "/redirect-other":
            to = q.get("to", ["host"])[0]
            target = {"host": "http://localhost:%d" % PORT,
                      "port": "http://127.0.0.1:%d" % (PORT + 1),
                      "scheme": "https://127.0.0.1:%d" % PORT}[to]
            self.redirect(302, target + "/json?api_key=SECRET-IN-QUERY")
        elif p == "/redirect-loop":
            self.redirect(302, key)
        elif p == "/redirect-chain":
            left = int(q.get("left", ["0"])[0])
            if left > 0:
                self.redirect(302, "/redirect-chain?left=%d" % (left - 1))
            else:
                self.answer(200, {"done": True})
        elif p.endswith("-echo") and p[1:4].isdigit() and int(p[1:4]) in REDIRECTS:
            self.redirect(int(p[1:4]), "/echo")
        elif p == "/reset":
            self.reset(q.get("when", ["middle"])[0])
        elif p == "/text":
            self.answer(200, b"plain words", ctype="text/plain")
        elif p == "/ctype":
            self.answer(200, b"{}", ctype=q.get("t", ["application/json"])[0])
        elif p == "/hits":
            with HITS_LOCK:
                n = HITS.get(q.get("p", [""])[0], 0)
            self.answer(200, {"count": n})
        else:
            self.answer(404, {"error": "no such endpoint"})

    def paged(self, p, q):
        def num(name, default, cap):
            try:
                v = int(q.get(name, [str(default)])[0])
            except ValueError:
                return -1
            return min(v, cap) if v >= 0 else -1
        if p in ("/v1/paged", "/v1/slowpaged", "/v1/busypaged", "/v1/refusedpaged"):
            cur = q.get("cursor", ["c0"])[0]
            k = int(cur[1:]) if cur[:1] == "c" and cur[1:].isdigit() else -1
            n = num("limit", 3, 3)
            if k < 0 or k > len(ITEMS) or n <= 0:
                self.answer(400, {"error": "bad cursor or limit"})
                return
            more = k + n < len(ITEMS)
            if k == 3 and p in ("/v1/busypaged", "/v1/refusedpaged"):
                key = p + "?" + urlsplit(self.path).query
                with HITS_LOCK:
                    odd = HITS.get(key, 0) % 2 == 1
                if p == "/v1/refusedpaged" or odd:
                    code = 503 if p == "/v1/refusedpaged" else 429
                    self.answer(code, {"error": {"message": "busy (%d)" % code}},
                                extra=[("Retry-After", "0")])
                    return
            if p == "/v1/slowpaged" and k >= 6:
                time.sleep(1.5)   # the third page outlasts a 1 s budget
            self.answer(200, {"data": ITEMS[k:k + n],
                              "next_cursor": "c%d" % (k + n) if more else None,
                              "has_more": more})
        elif p == "/v1/linked":
            k, n = num("after", 0, len(ITEMS)), num("limit", 3, 3)
            if k < 0 or n <= 0:
                self.answer(400, {"error": "bad after or limit"})
                return
            extra = []
            if k + n < len(ITEMS):
                extra = [("Link", '<linked?after=%d&limit=%d>; rel="next", '
                          '</v1/linked>; rel="first"' % (k + n, n))]
            self.answer(200, ITEMS[k:k + n], extra=extra)
        elif p == "/v1/offset":
            k, n = num("offset", 0, len(ITEMS)), num("limit", 4, 4)
            if k < 0 or n <= 0:
                self.answer(400, {"error": "bad offset or limit"})
                return
            self.answer(200, ITEMS[k:k + n])
        elif p == "/v1/pages":
            k, n = num("page", 1, 1000), num("per_page", 4, 4)
            if k < 1 or n <= 0:
                self.answer(400, {"error": "bad page or per_page"})
                return
            self.answer(200, ITEMS[(k - 1) * n:k * n])
        elif p == "/v1/stuck":
            after = q.get("after", ["c0"])[0]
            k = int(after[1:]) if after[:1] == "c" and after[1:].isdigit() else 0
            self.answer(200, {"data": ITEMS[:2] + [ITEMS[2 + k % 7]],
                              "next_cursor": "c%d" % (k + 1), "has_more": True})
        elif p == "/v1/same":
            k = num("n", 0, 1000)
            self.answer(200, ITEMS[:3], extra=[("Link", '</v1/same?n=%d>; rel="next"' % (k + 1))])
        elif p == "/v1/loop":
            self.answer(200, ITEMS[:3], extra=[("Link", '</v1/loop>; rel="next"')])
        elif p == "/v1/foreign":
            self.answer(200, {"data": ITEMS[:3],
                              "next": "http://localhost:%d/v1/foreign?p=2" % PORT})
        elif p == "/v1/nocursor":
            self.answer(200, {"data": ITEMS[:2] + [{"name": "no id"}], "has_more": True,
                              "next_cursor": None})
        elif p == "/v1/slowsave":
            time.sleep(0.6)   # three saves outlast a 1 s budget: one budget per request
            self.answer(201, {"id": "s%d" % HITS.get("/v1/slowsave", 0)})
        else:
            self.answer(404, {"error": "no such endpoint"})

    def big(self, mb, content_length):
        chunk = b"x" * 65536
        total = mb << 20
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if content_length:
            self.send_header("Content-Length", str(total))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for _ in range(total // len(chunk)):
            if content_length:
                self.wfile.write(chunk)
            else:
                self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        if not content_length:
            self.wfile.write(b"0\r\n\r\n")

    def reset(self, when):
        if when != "start":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100000\r\n\r\n{\"partial\": \"")
            self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that goes away (timeouts, refused bodies, failed TLS) is expected.
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def watch_stdin():
    while sys.stdin.buffer.read(4096):
        pass
    import os
    os._exit(0)


def main():
    global PORT, SCRIPT, RECORD
    args = sys.argv[1:]
    server = Server(("127.0.0.1", 0), Handler)
    if "--script" in args:
        with open(args[args.index("--script") + 1]) as f:
            text = f.read()
        text = text.replace("@UPSTREAM@", "http://127.0.0.1:%d" % server.server_address[1])
        SCRIPT = json.loads(text)
        RECORD = args[args.index("--record") + 1]
        with open(RECORD, "w") as f:
            f.write("[]")
    if "--tls" in args:
        i = args.index("--tls")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[i + 1], args[i + 2])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    PORT = server.server_address[1]
    if "--exit-on-stdin-eof" in args:
        threading.Thread(target=watch_stdin, daemon=True).start()
    print(PORT, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
