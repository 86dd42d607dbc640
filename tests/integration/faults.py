#!/usr/bin/env python3
"""faults.py - the checks of tests/integration/faults.sh (Python 3, stdlib only; reuses
flow.py's Scenario: the requests, the answer parser, the ServiceProblem and log checks).

    faults.py upstream ...   the upstream fault matrix (tests/integration/fault-upstream.py)
    faults.py writes ...     failed writes lose nothing: 413, deep nesting, a bad batch
    faults.py caches ...     cache files truncated, corrupted, replaced while requests run
                             (by rename, and truncated in place)
    faults.py snapshots ...  the pool's mapped snapshot truncated and written over in place
                             while requests run (shared caches, issue 18)
    faults.py cgi-caches ... the same files read by CGI processes (503)
    faults.py kill ...       a pool worker killed with SIGKILL while clients load
    faults.py measure --out FILE -- CMD...   exit status, seconds and peak RSS (KiB) of CMD

Every check prints "PASS: ..." or "FAIL: ..." and is appended to --results, which the
shell script counts. Each fault is followed by a request that must succeed (flow.py's
still_serves: load pet 1 from json-server through the same worker).
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flow  # noqa: E402
from flow import (AUTH_HEADER, Answer, config_values, data_request,  # noqa: E402
                  describe_request, empty_list_filter, list_filter, pet_object)


def scenario(a, mode):
    """flow.py's Scenario for MODE (cgi: --bin, --cache; fcgi: --sock, --worker-log)."""
    ns = argparse.Namespace(
        mode=mode, bin=a.bin, sock=a.sock, base=None, prefix="", upstream=a.upstream,
        record=a.record, schema_url=a.schema_url, refused_schema_url=a.refused_url,
        api_key=a.api_key, user_schema_url=None, results=a.results,
        transcript=a.transcript,
        worker_log=a.worker_log if mode == "fcgi" else a.cgi_log,
        cgi_env=["OPENAPI_CONNECTOR_CACHE_DIR=" + (a.cache or ""),
                 "OPENAPI_CONNECTOR_TIMEOUT=1"])
    return flow.Scenario(ns)


def fault_records(a):
    try:
        with open(os.path.join(a.fault_dir, "requests.jsonl"), encoding="utf-8") as f:
            return [json.loads(x) for x in f if x.strip()]
    except FileNotFoundError:
        return []


def worker_pids(master):
    try:
        out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
        return sorted(int(x) for x in out.stdout.split())
    except OSError:
        return []


def vm_hwm_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# --- the upstream fault matrix --------------------------------------------------------------

# (case, id, operation, status, words the message must name)
UPSTREAM_ROWS = [
    ("refuses the connection", None, "load", 502, ["connection refused"]),
    ("resets the connection before answering", "reset-early", "load", 502,
     ["/pets/reset-early"]),
    ("resets the connection mid-answer", "reset-mid", "load", 502, ["/pets/reset-mid"]),
    ("is slower than the timeout (answers after 3 s)", "slow", "load", 504,
     ["did not answer in time"]),
    ("sends its body slower than the timeout", "trickle", "load", 504,
     ["did not answer in time"]),
    ("answers 500", "e500", "load", 502, ["500", "database on fire"]),
    ("answers 404 to a load", "e404", "load", 200, []),
    ("answers 404 to a delete", "e404", "delete", 200, []),
    ("answers invalid JSON", "badjson", "load", 502, ["not valid JSON"]),
    ("answers text/html", "html", "load", 502, ["text/html"]),
    ("answers JSON nested 100,000 deep", "deep", "load", 502, ["deeper than 512"]),
    ("sends an endless chunked body", "endless", "load", 502, ["larger than 16 MiB"]),
    ("declares a 20 MiB body", "bigdeclared", "load", 502, ["larger than 16 MiB"]),
    ("redirects to itself forever", "redirect-loop", "load", 502, ["more than 3 redirects"]),
    ("redirects within its own origin (followed)", "redirect-same", "load", 200, []),
]


def cmd_upstream(a):
    rc = 0
    for mode in a.modes.split(","):
        s = scenario(a, mode)
        fault_cfg = config_values(a.fault_url, a.api_key)
        refused_cfg = config_values(a.refused_url, a.api_key)
        before = worker_pids(a.master) if mode == "fcgi" else []
        for case, pid, op, status, words in UPSTREAM_ROWS:
            what = "the API " + case
            cfg = refused_cfg if pid is None else fault_cfg
            pid = pid or "1"
            if op == "load":
                ans = s.call("POST", "/data", data_request(cfg, lfilter=list_filter(id=pid)))
            else:
                obj = pet_object(pid, "3c1d6f0a-1b2c-4d5e-8f90-a1b2c3d4e5f6", {"name": "x"})
                ans = s.call("POST", "/data/delete",
                             data_request(cfg, lfilter=list_filter(id=pid), objects=[obj]))
            if status == 200:
                objs = s.objects(what, ans)
                exp = [] if pid == "e404" else ["ok"]
                if objs is not None:
                    s.eq("%s: objects %s" % (what, exp), exp,
                         [o.get("externalId") for o in objs])
            else:
                s.problem(what, ans, status, words)
            if status == 504:
                s.check("%s: 504 within the 1 s timeout (< 2.8 s)" % what,
                        ans.elapsed < 2.8, "< 2.8 s", "%.2f s" % ans.elapsed)
            if pid in ("endless", "bigdeclared"):
                endless_checks(a, s, mode, what, pid)
            s.still_serves(what)
        if mode == "fcgi":
            s.eq("no pool worker died during the upstream faults", before,
                 worker_pids(a.master))
        s._out("%s: upstream matrix: %d passed, %d failed" % (mode, s.npass, s.nfail))
        rc |= 1 if s.nfail else 0
    return rc


def endless_checks(a, s, mode, what, pid):
    """The worker stopped reading at the cap: the server could not send much more than
    16 MiB, and the worker's peak memory stayed far below what the server offered."""
    ev = None
    deadline = time.monotonic() + 3
    while ev is None and time.monotonic() < deadline:
        evs = [r for r in fault_records(a) if r.get("event") == pid]
        ev = evs[-1] if evs else None
        if ev is None:
            time.sleep(0.05)
    sent = ev.get("sent") if ev else None
    s.check("%s: the worker stopped reading (the server sent < 48 MiB of its 256 MiB)" % what,
            sent is not None and sent < (48 << 20), "< 48 MiB", sent)
    if mode == "cgi":
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        s.check("%s: peak RSS of every CGI process so far < 96 MiB" % what,
                peak < 96 * 1024, "< 98304 KiB", "%d KiB" % peak)
    else:
        peaks = {p: vm_hwm_kib(p) for p in worker_pids(a.master)}
        s.check("%s: peak RSS (VmHWM) of each pool worker < 96 MiB" % what,
                peaks and all(v is not None and v < 96 * 1024 for v in peaks.values()),
                "< 98304 KiB each", peaks)


# --- failed writes lose nothing ---------------------------------------------------------------

def nothing_sent(s, what, n0, before):
    """No request reached json-server since N0, and its pets are BEFORE."""
    s.eq("%s: nothing sent upstream" % what, [],
         [(r["method"], r["url"]) for r in s.records_since(n0)])
    st, now = s.upstream_get("/pets")
    s.check("%s: json-server's pets unchanged" % what, st == 200 and now == before,
            "%d pets as before" % len(before or []), (st, len(now or [])))


def cmd_writes(a):
    rc = 0
    for mode in a.modes.split(","):
        s = scenario(a, mode)
        cfg = s.cfg
        _, before = s.upstream_get("/pets")

        what = "a save whose body is over 8 MiB"
        obj = pet_object("", "11111111-2222-4333-8444-555555555555",
                         {"name": "x" * (9 << 20)})
        n0 = s.record_count()
        ans = s.call("PUT", "/data", data_request(cfg, lfilter=empty_list_filter(),
                                                  objects=[obj]))
        s.problem(what, ans, 413, ["8388608"])
        nothing_sent(s, what, n0, before)
        s.still_serves(what)

        what = "a save whose body nests arrays 100,000 deep"
        raw = (b'{"configurationValues":' + json.dumps(cfg).encode()
               + b',"objectDataType":{"developerName":"Pet"},"objectData":['
               + b"[" * 100000 + b"]" * 100000 + b"]}")
        n0 = s.record_count()
        ans = s.call("PUT", "/data", raw=raw)
        s.problem(what, ans, 400)
        nothing_sent(s, what, n0, before)
        s.still_serves(what)

        what = "a load whose body nests objects 100,000 deep"
        raw = b'{"x":' * 100000 + b"1" + b"}" * 100000
        n0 = s.record_count()
        ans = s.call("POST", "/data", raw=raw)
        s.problem(what, ans, 400)
        nothing_sent(s, what, n0, before)
        s.still_serves(what)

        what = "a batch save whose second object has a bad price"
        good = pet_object("", "21111111-2222-4333-8444-555555555555",
                          {"name": "Never-" + mode, "price": "1"})
        bad = pet_object("", "31111111-2222-4333-8444-555555555555",
                         {"name": "Never2-" + mode, "price": "twelve"})
        n0 = s.record_count()
        ans = s.call("PUT", "/data", data_request(cfg, lfilter=empty_list_filter(),
                                                  objects=[good, bad]))
        s.problem(what, ans, 400, ["price"])
        nothing_sent(s, what, n0, before)
        s.still_serves(what)

        what = "a batch save whose second call fails (update of a missing pet)"
        iid = "41111111-2222-4333-8444-55555555555" + ("c" if mode == "cgi" else "f")
        name = "BatchA-" + mode
        first = pet_object("", iid, {"name": name})
        second = pet_object("777777", "51111111-2222-4333-8444-555555555555",
                            {"id": "777777", "name": "ghost"})
        n0 = s.record_count()
        ans = s.call("PUT", "/data", data_request(cfg, lfilter=empty_list_filter(),
                                                  objects=[first, second]))
        s.problem(what, ans, 502, ["/pets/777777", "404"])
        s.check("%s: the problem names the object already written (its internalId)" % what,
                iid in (ans.body or ""), iid, ans.body)
        s.eq("%s: two upstream calls, then it stopped" % what,
             [("POST", "/pets"), ("PUT", "/pets/777777")],
             [(r["method"], r["url"]) for r in s.records_since(n0)])
        st, found = s.upstream_get("/pets?name=" + name)
        s.check("%s: json-server holds the first pet exactly once" % what,
                st == 200 and isinstance(found, list) and len(found) == 1,
                "one %s" % name, (st, found))
        s.still_serves(what)
        s._out("%s: writes: %d passed, %d failed" % (mode, s.npass, s.nfail))
        rc |= 1 if s.nfail else 0
    return rc


# --- caches ---------------------------------------------------------------------------------

def fcgi_call(sock, method, path, body):
    """One FastCGI request through cgi-fcgi -bind, without flow.py's log checks (other
    requests run at the same time)."""
    data = json.dumps(body).encode() if body is not None else b""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REQUEST_METHOD": method,
           "REQUEST_URI": path, "SCRIPT_NAME": path, "QUERY_STRING": "",
           "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json",
           "HTTP_AUTHORIZATION": AUTH_HEADER}
    t0 = time.monotonic()
    try:
        p = subprocess.run(["cgi-fcgi", "-bind", "-connect", sock], input=data, env=env,
                           capture_output=True, timeout=20)
        return Answer(p.stdout, p.stderr, time.monotonic() - t0, p.returncode)
    except subprocess.TimeoutExpired:
        return Answer(b"", b"", time.monotonic() - t0, -1)


def type_names(ans):
    if ans.status != 200 or not isinstance(ans.json, dict):
        return None
    return sorted(t.get("developerName") for t in
                  ((ans.json.get("install") or {}).get("typeElements") or []))


class Hammer:
    """THREADS clients sending BODY_FN() requests through the socket until stopped;
    every answer's status (or 'none') is counted."""

    def __init__(self, sock, threads, make):
        self.sock, self.make, self.stop_ev = sock, make, threading.Event()
        self.results, self.lock = [], threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True)
                        for _ in range(threads)]
        for t in self.threads:
            t.start()

    def run(self):
        while not self.stop_ev.is_set():
            method, path, body, ok = self.make()
            ans = fcgi_call(self.sock, method, path, body)
            good = ans.status is not None and ok(ans)
            with self.lock:
                self.results.append((time.monotonic(), ans.status, good, "" if good else
                                     "exit %s, stderr %r, answer %r" % (
                                         ans.rc, ans.stderr[:200], (ans.raw or b"")[:200])))

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(30)
        return self.results


def flip_bytes(data, every=997):
    b = bytearray(data)
    for i in range(64, len(b), every):
        b[i] ^= 0x5A
    return bytes(b)


def put_file(path, data):
    """As the compiler does: write a new file and rename it into place."""
    tmp = path + ".new-%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def cmd_caches(a):
    s = scenario(a, "fcgi")
    with open(a.swap_a, "rb") as f:
        va = f.read()
    with open(a.swap_b, "rb") as f:
        vb = f.read()
    swap_cfg = config_values(a.swap_url, None)
    types_a, types_b = sorted(a.types_a.split(",")), sorted(a.types_b.split(","))

    def describe():
        return fcgi_call(a.sock, "POST", "/metadata", describe_request(swap_cfg))

    def serves(what, want, n=6):
        got = [type_names(describe()) for _ in range(n)]
        s.check("%s: %d describes through the pool all answer %s" % (what, n, want),
                all(g == want for g in got), want, got)

    def log_has(what, text, off):
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if text in s.log_since(off):
                break
            time.sleep(0.05)
        s.check("%s: the log says '%s'" % (what, text), text in s.log_since(off), text,
                s.log_since(off)[-600:])

    before = worker_pids(a.master)
    serves("version A in service", types_a)
    # every worker must have loaded version A before it is damaged: a worker reads the
    # directory at its first request, and one that has never seen version A has nothing
    # to keep serving (its 503 is right); concurrent describes until each worker's PID
    # has logged the load (an idle pool's accepts may all go to one worker)
    deadline = time.monotonic() + 15
    loaded = set()
    while time.monotonic() < deadline:
        lines = [ln for ln in s.log_since(0).splitlines()
                 if "(registered as %s)" % a.swap_url in ln]
        loaded = {pid for pid in before
                  if any("openapi-connector[%d] info: cache " % pid in ln for ln in lines)}
        if loaded == set(before):
            break
        ts = [threading.Thread(target=describe) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    s.check("every worker loaded version A before it is damaged", loaded == set(before),
            sorted(before), sorted(loaded))
    pet1 = data_request(s.cfg, lfilter=list_filter(id="1"))

    deleted = threading.Event()     # while set, the Schema URL may be unknown (400)

    def swap_ok(ans):
        if type_names(ans) in (types_a, types_b):
            return True
        return deleted.is_set() and ans.status == 400 and "openapi-connector-compile" in ans.body

    def make():
        if time.monotonic() % 2 < 1:
            return ("POST", "/metadata", describe_request(swap_cfg), swap_ok)
        return ("POST", "/data", pet1,
                lambda ans: ans.status == 200 and '"externalId":"1"' in ans.body)
    h = Hammer(a.sock, 3, make)

    what = "the cache replaced by a truncated copy while requests run"
    off = s.log_size()
    put_file(a.swap_file, vb[:len(vb) // 2])
    time.sleep(1.2)                      # the workers stat their files once a second
    serves(what + ": the old version keeps serving", types_a)
    log_has(what, "refused, the previous version stays in service", off)

    what = "the cache replaced by a copy with bytes flipped"
    off = s.log_size()
    put_file(a.swap_file, flip_bytes(vb))
    time.sleep(1.2)
    serves(what + ": the old version keeps serving", types_a)
    log_has(what, "refused, the previous version stays in service", off)

    what = "the cache replaced by an empty file"
    off = s.log_size()
    put_file(a.swap_file, b"")
    time.sleep(1.2)
    serves(what + ": the old version keeps serving", types_a)
    log_has(what, "refused, the previous version stays in service", off)

    what = "the cache replaced by a good new version"
    off = s.log_size()
    put_file(a.swap_file, vb)
    time.sleep(1.2)
    serves(what + ": picked up", types_b)
    log_has(what, "replaced (registered as %s)" % a.swap_url, off)

    what = "the cache file deleted"
    deleted.set()
    os.unlink(a.swap_file)
    time.sleep(1.2)
    ans = describe()
    s.problem(what + ": its Schema URL is unknown again", ans, 400,
              ["openapi-connector-compile"])

    what = "the first version put back"
    put_file(a.swap_file, va)
    time.sleep(1.2)
    serves(what + ": picked up", types_a)
    time.sleep(1.2)                      # every worker has seen it by now
    deleted.clear()
    serves(what + ": still", types_a)

    # Not by rename: the same file cut in half under the workers' feet (cp over a cache, a
    # truncate). A worker holds its own copy of what it verified, so nothing reads the
    # missing bytes (a file mapping would die with SIGBUS) and the old version serves on.
    what = "the cache file truncated in place while requests run"
    off = s.log_size()
    with open(a.swap_file, "r+b") as f:
        f.truncate(len(va) // 2)
    time.sleep(1.2)
    serves(what + ": the old version keeps serving", types_a)
    log_has(what, "refused, the previous version stays in service", off)
    put_file(a.swap_file, va)
    time.sleep(1.2)

    res = h.stop()
    bad = [(st, body) for _, st, good, body in res if not good]
    s.check("every request during the replacements succeeded (%d requests, 3 clients)"
            % len(res), len(res) >= 20 and not bad, "all good, >= 20",
            bad[:3] if bad else len(res))
    s.eq("no pool worker died while its caches were replaced", before, worker_pids(a.master))
    s.still_serves("the cache replacements")
    s._out("fcgi: caches: %d passed, %d failed" % (s.npass, s.nfail))
    return 1 if s.nfail else 0


def cmd_cgi_caches(a):
    """A CGI process reads the file named after the Schema URL directly (lazy
    verification): truncated, flipped or empty is a 503 naming the compile command; the
    file put back answers again."""
    s = scenario(a, "cgi")
    with open(a.swap_file, "rb") as f:
        good = f.read()
    swap_cfg = config_values(a.swap_url, None)
    types = sorted(a.types_a.split(","))
    for what, data in (("a truncated cache file", good[:len(good) // 2]),
                       ("a truncated cache file (header only)", good[:100]),
                       ("a cache file with bytes flipped", flip_bytes(good)),
                       ("an empty cache file", b"")):
        what = "CGI, " + what
        put_file(a.swap_file, data)
        ans = s.call("POST", "/metadata", describe_request(swap_cfg))
        s.problem(what + ": describe", ans, 503, ["openapi-connector-compile", a.swap_url])
        ans = s.call("POST", "/data", data_request(swap_cfg, lfilter=list_filter(id="1")))
        s.problem(what + ": load", ans, 503, ["openapi-connector-compile"])
        s.still_serves(what)
    put_file(a.swap_file, good)
    ans = s.call("POST", "/metadata", describe_request(swap_cfg))
    s.eq("CGI, the good file put back: describe answers its types", types, type_names(ans))
    s._out("cgi: caches: %d passed, %d failed" % (s.npass, s.nfail))
    return 1 if s.nfail else 0


# --- a worker killed under load ----------------------------------------------------------------

def cmd_kill(a):
    s = scenario(a, "fcgi")
    before = worker_pids(a.master)
    s.eq("the pool runs 2 workers", 2, len(before))
    pet1 = data_request(s.cfg, lfilter=list_filter(id="1"))
    h = Hammer(a.sock, 4, lambda: ("POST", "/data", pet1,
                                   lambda ans: ans.status == 200
                                   and '"externalId":"1"' in ans.body))
    time.sleep(0.8)
    victim = before[0] if before else None
    t_kill = time.monotonic()
    if victim:
        os.kill(victim, signal.SIGKILL)
    time.sleep(1.5)
    res = h.stop()
    failed = [(round(t - t_kill, 3), st, body) for t, st, good, body in res if not good]
    s.check("SIGKILL to worker %s while 4 clients load: at most the 1 request it held "
            "failed (%d requests, %d failed)" % (victim, len(res), len(failed)),
            len(res) >= 20 and len(failed) <= 1, "<= 1 failure of >= 20", failed)
    after = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        after = worker_pids(a.master)
        if len(after) == 2 and victim not in after:
            break
        time.sleep(0.1)
    s.check("the pool replaced the killed worker", len(after) == 2 and victim not in after,
            "2 workers, not %s" % victim, after)
    ok = 0
    for _ in range(20):
        ans = fcgi_call(a.sock, "POST", "/data", pet1)
        ok += ans.status == 200 and '"externalId":"1"' in ans.body
    s.eq("20 loads after the kill all succeed", 20, ok)
    s._out("fcgi: kill: %d passed, %d failed" % (s.npass, s.nfail))
    return 1 if s.nfail else 0


# --- measure ----------------------------------------------------------------------------------

def cmd_measure(a):
    t0 = time.monotonic()
    try:
        p = subprocess.run(a.argv, capture_output=True, timeout=a.timeout)
        rc, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out = "timeout", (e.stdout or b"") + (e.stderr or b"")
    secs = time.monotonic() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("%s %.3f %d\n" % (rc, secs, peak))
    sys.stdout.buffer.write(out)
    return 0


# --- shared caches (product.md §16.3; issue 18) ------------------------------------------------

def cmd_snapshots(a):
    """The snapshot the pool maps for --swap-url (version A in --swap-file) truncated in
    place, then written over in place with flipped bytes, while clients send requests: the
    workers' read leases make the truncating process wait until each worker has swapped in
    a private copy, so no request fails and no worker dies; the next check loads the cache
    again into a new, whole snapshot."""
    import hashlib
    s = scenario(a, "fcgi")
    with open(a.swap_file, "rb") as f:
        va = f.read()
    snap = os.path.join(a.snapshot_dir, hashlib.sha256(va).hexdigest() + ".cache")
    swap_cfg = config_values(a.swap_url, None)
    types_a = sorted(a.types_a.split(","))
    s.check("the snapshot of version A exists, mode 0444", os.path.isfile(snap) and
            (os.stat(snap).st_mode & 0o7777) == 0o444, snap, os.listdir(a.snapshot_dir))
    before = worker_pids(a.master)
    pet1 = data_request(s.cfg, lfilter=list_filter(id="1"))

    def make():
        if time.monotonic() % 2 < 1:
            return ("POST", "/metadata", describe_request(swap_cfg),
                    lambda ans: type_names(ans) == types_a)
        return ("POST", "/data", pet1,
                lambda ans: ans.status == 200 and '"externalId":"1"' in ans.body)
    h = Hammer(a.sock, 3, make)
    for what, change in (("truncated in place", "truncate"),
                         ("written over in place (bytes flipped)", "flip")):
        what = "the mapped snapshot " + what + " while requests run"
        off = s.log_size()
        time.sleep(0.5)
        os.chmod(snap, 0o644)
        t0 = time.monotonic()
        with open(snap, "r+b") as f:         # waits for the workers' leases
            if change == "truncate":
                f.truncate(len(va) // 3)
            else:
                f.write(flip_bytes(va))
        waited = time.monotonic() - t0
        os.chmod(snap, 0o444)
        s.check(what + ": the writer waited for the leases less than 5 s", waited < 5,
                "< 5 s", "%.2f s" % waited)
        time.sleep(1.5)                      # the workers check their snapshots once a second
        log = s.log_since(off)
        s.check(what + ": the log says the snapshot was written to",
                "replaced, removed or written to" in log, "a warning", log[-600:])
        with open(snap, "rb") as f:
            now = f.read()
        s.check(what + ": a whole snapshot is back in place", now == va, len(va), len(now))
    res = h.stop()
    bad = [(st, body) for _, st, good, body in res if not good]
    s.check("every request while the snapshots were damaged succeeded (%d requests, 3 "
            "clients)" % len(res), len(res) >= 20 and not bad, "all good, >= 20",
            bad[:3] if bad else len(res))
    s.eq("no pool worker died while its snapshots were damaged", before,
         worker_pids(a.master))
    s.still_serves("the damaged snapshots")
    s._out("fcgi: snapshots: %d passed, %d failed" % (s.npass, s.nfail))
    return 1 if s.nfail else 0


# --- signals under load ------------------------------------------------------------------------

def cmd_signals(a):
    """SIGHUP (recheck the caches), SIGUSR1 (reopen the log) and the snapshot lease signal
    sent to every worker hundreds of times a second while 3 clients send requests: libfcgi
    drops a connection when a signal interrupts its wait for the request's first bytes
    (cgi-fcgi then exits with EPIPE, 32), so the workers hold them while libfcgi reads or
    writes; no request may fail and no worker may die."""
    s = scenario(a, "fcgi")
    before = worker_pids(a.master)
    pet1 = data_request(s.cfg, lfilter=list_filter(id="1"))
    h = Hammer(a.sock, 3, lambda: ("POST", "/data", pet1,
                                   lambda ans: ans.status == 200
                                   and '"externalId":"1"' in ans.body))
    sigs = [signal.SIGHUP, signal.SIGUSR1, signal.SIGRTMIN + 3]
    sent, t_end = 0, time.monotonic() + 3
    while time.monotonic() < t_end:
        for pid in before:
            try:
                os.kill(pid, sigs[sent % len(sigs)])
                sent += 1
            except OSError:
                pass
        time.sleep(0.002)
    res = h.stop()
    bad = [(st, body) for _, st, good, body in res if not good]
    s.check("%d signals to the workers while 3 clients load: every request succeeded "
            "(%d requests)" % (sent, len(res)), len(res) >= 20 and not bad,
            "all good, >= 20", bad[:3] if bad else len(res))
    s.eq("no pool worker died from the signals", before, worker_pids(a.master))
    s.still_serves("the signals")
    s._out("fcgi: signals: %d passed, %d failed" % (s.npass, s.nfail))
    return 1 if s.nfail else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("upstream", "writes", "caches", "cgi-caches", "kill", "snapshots", "signals"):
        p = sub.add_parser(name)
        p.add_argument("--modes", default="fcgi")
        p.add_argument("--bin")
        p.add_argument("--sock")
        p.add_argument("--master", type=int, default=0, help="the pool's master PID")
        p.add_argument("--cache", help="the cache directory of CGI processes")
        p.add_argument("--upstream", required=True)
        p.add_argument("--record", required=True)
        p.add_argument("--schema-url", required=True)
        p.add_argument("--refused-url", required=True)
        p.add_argument("--fault-url")
        p.add_argument("--fault-dir")
        p.add_argument("--swap-url")
        p.add_argument("--swap-file", help="the live cache file of --swap-url")
        p.add_argument("--swap-a")
        p.add_argument("--swap-b")
        p.add_argument("--types-a")
        p.add_argument("--types-b")
        p.add_argument("--api-key", required=True)
        p.add_argument("--worker-log", help="the pool's log")
        p.add_argument("--cgi-log", help="CGI processes' stderr is appended here")
        p.add_argument("--results", required=True)
        p.add_argument("--transcript")
        p.add_argument("--snapshot-dir")       # shared caches (issue 18)
    m = sub.add_parser("measure")
    m.add_argument("--out", required=True)
    m.add_argument("--timeout", type=float, default=30)
    m.add_argument("argv", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    if a.cmd == "measure":
        if a.argv and a.argv[0] == "--":
            a.argv = a.argv[1:]
        return cmd_measure(a)
    return {"upstream": cmd_upstream, "writes": cmd_writes, "caches": cmd_caches,
            "cgi-caches": cmd_cgi_caches, "kill": cmd_kill, "snapshots": cmd_snapshots,
            "signals": cmd_signals}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
