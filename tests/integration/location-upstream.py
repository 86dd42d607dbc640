#!/usr/bin/env python3
"""location-upstream.py - an API that answers creates with `201 Created` + `Location` and no
body, written from GitHub's public REST API conventions, for tests/integration/location.sh
(product.md §13.3, §13.9).

  POST /user/repos                 {"owner", "name", ...}: stores the repository and answers
                                   201, `Location: <this server>/repos/{owner}/{name}` (an
                                   absolute URL, as GitHub writes it) and an empty body. A
                                   name starting with "elsewhere" gets a Location on another
                                   host (https://elsewhere.example/...).
  POST /repos/{owner}/{repo}/forks {"owner", "name"}: GitHub forks asynchronously: 202
                                   Accepted, the Location of the fork, no body; the fork is
                                   not there yet (its GET answers 404).
  GET  /repos/{owner}/{repo}       the repository (GitHub's fields: id, node_id, name,
                                   full_name, private, html_url; `owner` is the login here),
                                   404 {"message": "Not Found"} otherwise. Needs
                                   `Accept: application/vnd.github+json` (else 415).
  POST /js/{collection}            creates the record in json-server (--json-server URL) and
                                   answers 201 with `Location: /js/{collection}/{id}`
                                   (relative) and no body
  GET  /js/{collection}/{id}       json-server's record, as json-server answers it
  GET  /_requests                  {"requests": [{"method", "path", "accept"}...]}
  DELETE /_requests                forgets them

Prints its port on the first line of stdout, then serves until stdin closes.
"""
import json
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit

LOCK = threading.Lock()
REPOS = {}
REQUESTS = []
JSON_SERVER = None
NEXT_ID = [1296269]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=None, headers=()):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    def segments(self):
        path = urlsplit(self.path).path
        return [unquote(s) for s in path.split("/")[1:]]

    def record(self):
        with LOCK:
            REQUESTS.append({"method": self.command, "path": urlsplit(self.path).path,
                             "accept": self.headers.get("Accept")})

    def base(self):
        return "http://%s" % self.headers.get("Host")

    def do_GET(self):
        s = self.segments()
        if s == ["_requests"]:
            with LOCK:
                self.send(200, {"requests": list(REQUESTS)})
            return
        self.record()
        if len(s) == 3 and s[0] == "repos":
            if self.headers.get("Accept") != "application/vnd.github+json":
                self.send(415, {"message": "Unsupported 'Accept' header"})
                return
            with LOCK:
                repo = REPOS.get((s[1], s[2]))
            if repo is None or repo.get("_pending"):
                self.send(404, {"message": "Not Found",
                                "documentation_url": "https://docs.github.com/rest"})
            else:
                self.send(200, repo)
            return
        if len(s) == 3 and s[0] == "js":
            try:
                with urllib.request.urlopen("%s/%s/%s" % (JSON_SERVER, s[1], quote(s[2])),
                                            timeout=5) as r:
                    self.send(r.status, json.loads(r.read() or b"null"))
            except urllib.error.HTTPError as e:
                self.send(e.code, {"message": "Not Found"})
            return
        self.send(404, {"message": "Not Found"})

    def do_POST(self):
        s = self.segments()
        self.record()
        b = self.body()
        if s == ["user", "repos"]:
            owner, name = str(b.get("owner", "")), str(b.get("name", ""))
            if not owner or not name:
                self.send(422, {"message": "Validation Failed",
                                "errors": [{"resource": "Repository", "code": "missing_field",
                                            "field": "name"}]})
                return
            self.create(owner, name, b, 201, name.startswith("elsewhere"))
            return
        if len(s) == 4 and s[0] == "repos" and s[3] == "forks":
            self.create(str(b.get("owner", "")), str(b.get("name", s[2])), b, 202, False)
            return
        if len(s) == 2 and s[0] == "js":
            req = urllib.request.Request("%s/%s" % (JSON_SERVER, s[1]),
                                         data=json.dumps(b).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=5) as r:
                created = json.loads(r.read())
            self.send(201, None, [("Location", "/js/%s/%s" % (s[1], created["id"]))])
            return
        self.send(404, {"message": "Not Found"})

    def create(self, owner, name, b, status, foreign):
        with LOCK:
            NEXT_ID[0] += 1
            full = "%s/%s" % (owner, name)
            REPOS[(owner, name)] = {
                "id": NEXT_ID[0], "node_id": "R_%d" % NEXT_ID[0], "owner": owner,
                "name": name, "full_name": full, "private": bool(b.get("private", False)),
                "description": b.get("description"),
                "html_url": "https://github.com/%s" % full, "_pending": status == 202}
            REPOS[(owner, name)] = {k: v for k, v in REPOS[(owner, name)].items()
                                    if k != "_pending" or v}
        where = "https://elsewhere.example" if foreign else self.base()
        loc = "%s/repos/%s/%s" % (where, quote(owner, safe=""), quote(name, safe=""))
        self.send(status, None, [("Location", loc)])

    def do_DELETE(self):
        if self.segments() == ["_requests"]:
            with LOCK:
                REQUESTS.clear()
            self.send(204)
            return
        self.send(404, {"message": "Not Found"})


def main():
    global JSON_SERVER
    if len(sys.argv) == 3 and sys.argv[1] == "--json-server":
        JSON_SERVER = sys.argv[2].rstrip("/")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    sys.stdin.read()          # until the test closes it
    srv.shutdown()


if __name__ == "__main__":
    main()
