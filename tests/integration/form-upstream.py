#!/usr/bin/env python3
"""form-upstream.py - an API that takes form bodies the way Stripe's does, on loopback, for
tests/integration/bodies.sh (issue 15, product.md §13.1; Python 3, stdlib only).

    form-upstream.py

Binds 127.0.0.1 on a free port and prints that port alone on its first line of output;
HTTP/1.1, every answer has a Content-Length. Runs until SIGTERM.

Written from Stripe's public API reference (docs.stripe.com/api/customers/create,
/api/customers/update, /api/errors, "Expanding responses", "Metadata"):
  POST /v1/customers             create a customer. The body must be
      application/x-www-form-urlencoded (anything else: 400 invalid_request_error, as
      Stripe answers a JSON body); nested parameters in Stripe's bracket form:
      metadata[order_id]=6735, address[city]=..., preferred_locales[]=en,
      line_items[0][price]=...; tags=a,b (a comma list, as explode false writes it) is
      split on its commas (a %2C inside an element is data). Answers 200 with the
      customer: {"id": "cus_000001", "object": "customer", "created": ..., "livemode":
      false, ...the fields sent...}.
  POST /v1/customers/{id}        update: the fields sent replace the stored ones (Stripe:
      "any parameters not provided will be left unchanged"; an empty value unsets it:
      metadata[k]= removes key k, a top-level name= sets ""). 404 resource_missing for an
      unknown id. Answers 200 with the customer.
  POST /v1/notes                 (not Stripe's: a multipart/form-data endpoint) each part a
      field; answers 200 {"id": "note_000001", "object": "note", ...the fields...}; any
      other Content-Type: 400.
Every request is recorded as it came (method, path, Content-Type and the raw body bytes):
  GET /_requests      {"requests": [{"method", "path", "content_type", "body" (the bytes
                      as latin-1 text, so every byte survives JSON)}...]}
  DELETE /_requests   forgets them
"""
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
REQUESTS = []
CUSTOMERS = {}
COUNTER = {"cus": 0, "note": 0}
COMMA_LISTS = {"tags"}                  # sent with explode false: tags=a,b


def stripe_error(status, message, code="parameter_invalid", param=None):
    err = {"type": "invalid_request_error", "message": message, "code": code}
    if param:
        err["param"] = param
    return status, {"error": err}


def parse_form(body):
    """Stripe's bracket form -> nested dicts and lists. Pairs are split on '&' and '=',
    '+' is a space, %XX the bytes; a name a[b][c] nests, a[] appends, a[0][b] indexes."""
    out = {}
    for pair in body.split("&") if body else []:
        name, _, value = pair.partition("=")
        name = urllib.parse.unquote_plus(name)
        if name in COMMA_LISTS:         # explode false: the commas separate, %2C is data
            out[name] = [urllib.parse.unquote_plus(v) for v in value.split(",")]
            continue
        value = urllib.parse.unquote_plus(value)
        keys = re.findall(r"\[([^\]]*)\]", name)
        base = name.split("[", 1)[0]
        path = [base] + keys
        node = out
        for i, k in enumerate(path):
            last = i == len(path) - 1
            nxt = None if last else path[i + 1]
            if isinstance(node, list):
                if k == "":
                    if last:
                        node.append(value)
                        break
                    node.append({} if nxt != "" else [])
                    node = node[-1]
                    continue
                idx = int(k)
                while len(node) <= idx:
                    node.append({})
                if last:
                    node[idx] = value
                else:
                    node = node[idx]
                continue
            if last:
                node[k] = value
            else:
                if k not in node:
                    node[k] = [] if (nxt == "" or (nxt or "").isdigit()) else {}
                node = node[k]
    return out


def parse_multipart(body, content_type):
    m = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not m:
        return None
    b = ("--" + m.group(1)).encode("latin-1")
    raw = body.encode("latin-1")
    fields = {}
    parts = raw.split(b)
    if len(parts) < 3 or not parts[-1].startswith(b"--"):
        return None
    for p in parts[1:-1]:
        if not p.startswith(b"\r\n") or not p.endswith(b"\r\n"):
            return None
        head, sep, content = p[2:-2].partition(b"\r\n\r\n")
        if not sep:
            return None
        nm = re.search(rb'name="([^"]*)"', head)
        if not nm:
            return None
        name = nm.group(1).decode("utf-8")
        text = content.decode("utf-8")
        if name in fields:
            if not isinstance(fields[name], list):
                fields[name] = [fields[name]]
            fields[name].append(text)
        else:
            fields[name] = text
    return fields


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_%d" % int(time.time() * 1000))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode("latin-1") if n else ""

    def do_GET(self):
        if self.path == "/_requests":
            with LOCK:
                self.send(200, {"requests": list(REQUESTS)})
            return
        m = re.fullmatch(r"/v1/customers/([A-Za-z0-9_]+)", self.path)
        if m:
            with LOCK:
                c = CUSTOMERS.get(m.group(1))
            if c is None:
                self.send(*stripe_error(404, "No such customer: '%s'" % m.group(1),
                                        "resource_missing", "id"))
            else:
                self.send(200, c)
            return
        self.send(404, {"error": {"type": "invalid_request_error",
                                  "message": "Unrecognized request URL (GET: %s)" % self.path}})

    def do_DELETE(self):
        if self.path == "/_requests":
            with LOCK:
                REQUESTS.clear()
            self.send(200, {"deleted": True})
            return
        self.send(404, {"error": {"type": "invalid_request_error", "message": "no such URL"}})

    def do_POST(self):
        body = self.read_body()
        ctype = self.headers.get("Content-Type")
        with LOCK:
            REQUESTS.append({"method": "POST", "path": self.path, "content_type": ctype,
                             "body": body})
        path = self.path.split("?", 1)[0]
        if path == "/v1/notes":
            fields = parse_multipart(body, ctype) if (ctype or "").startswith(
                "multipart/form-data") else None
            if fields is None:
                self.send(*stripe_error(400, "Invalid request: a multipart/form-data body is "
                                        "expected"))
                return
            with LOCK:
                COUNTER["note"] += 1
                note = {"id": "note_%06d" % COUNTER["note"], "object": "note"}
            note.update(fields)
            if "pinned" in note:
                note["pinned"] = note["pinned"] == "true"
            if isinstance(note.get("stars"), str) and note["stars"].lstrip("-").isdigit():
                note["stars"] = int(note["stars"])
            self.send(200, note)
            return
        m = re.fullmatch(r"/v1/customers(?:/([A-Za-z0-9_]+))?", path)
        if not m:
            self.send(404, {"error": {"type": "invalid_request_error",
                                      "message": "Unrecognized request URL (POST: %s)" % path}})
            return
        if (ctype or "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            self.send(*stripe_error(400, "Invalid request (check that your POST content type "
                                    "is application/x-www-form-urlencoded)."))
            return
        fields = parse_form(body)
        with LOCK:
            if m.group(1):
                c = CUSTOMERS.get(m.group(1))
                if c is None:
                    self.send(*stripe_error(404, "No such customer: '%s'" % m.group(1),
                                            "resource_missing", "id"))
                    return
                for k, v in fields.items():
                    if k == "metadata" and isinstance(v, dict):
                        md = c.setdefault("metadata", {})
                        for mk, mv in v.items():
                            if mv == "":
                                md.pop(mk, None)
                            else:
                                md[mk] = mv
                    else:
                        c[k] = v
            else:
                COUNTER["cus"] += 1
                c = {"id": "cus_%06d" % COUNTER["cus"], "object": "customer",
                     "created": int(time.time()), "livemode": False, "metadata": {}}
                c.update(fields)
                CUSTOMERS[c["id"]] = c
            answer = json.loads(json.dumps(c))
        if "balance" in answer:
            try:
                answer["balance"] = int(answer["balance"])
            except ValueError:
                pass
        self.send(200, answer)


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
