"""Kaivo's benchmarks: (a) a full sync of a large generated account with no
latency, (b) the achieved request rate at 100 ms latency under a 10/s
limit, (c) a no-change incremental sync, (d) peak memory with 5 MB action
bodies.  Each runs `kaivo` as a child process and reads its CPU time and
peak RSS from wait4(); everything talks to the simulator on 127.0.0.1."""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
KAIVO = os.path.join(BUILD, "kaivo")
SIM = os.path.join(BUILD, "kaivo-cio-sim")
KEY = "bench-app-api-key"
TMP = tempfile.mkdtemp(prefix="kaivo-bench-")


def start_sim(*args):
    port_file = os.path.join(TMP, "port.%d" % time.monotonic_ns())
    proc = subprocess.Popen([SIM, "--port", "0", "--port-file", port_file,
                             "--api-key", KEY] + list(args),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(400):
        if os.path.exists(port_file) and open(port_file).read().strip():
            port = int(open(port_file).read())
            return proc, "http://127.0.0.1:%d" % port
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("simulator did not start")


def run(args, env=None):
    """Runs kaivo; returns (stdout, wall s, cpu s, peak RSS MB)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([KAIVO] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("kaivo %s failed: %s" % (args, err.decode()))
    return out, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def workspace(url, name, rate=None):
    """A connected workspace; rate None keeps Customer.io's 10/s default,
    a number lifts it to measure the engine rather than the limit."""
    ws = os.path.join(TMP, name)
    key = os.path.join(TMP, "key")
    open(key, "w").write(KEY)
    run(["init", ws])
    extra = ["--rate", str(rate)] if rate else []
    run(["-w", ws, "connect", "customerio", "--api-url", url + "/v1",
         "--api-key-file", key] + extra)
    return ws


def sync(ws, *extra):
    out, wall, cpu, rss = run(["-w", ws, "sync", "--json"] + list(extra))
    return json.loads(out), wall, cpu, rss


def totals(summary):
    t = summary["tables"]
    return (sum(x["records"] for x in t), sum(x["written"] for x in t))


def stats(url):
    return json.load(urllib.request.urlopen(url + "/_sim/stats"))


def sqlite_import_rate(ws):
    """The machine's write limit: the sqlite3 shell copying the same rows
    into a fresh file (one transaction, no network)."""
    src = os.path.join(ws, "warehouse", "customerio.sqlite")
    dst = os.path.join(TMP, "import.sqlite")
    sql = ("ATTACH '%s' AS s; BEGIN;"
           "CREATE TABLE a AS SELECT * FROM s.campaigns_actions;"
           "CREATE TABLE n AS SELECT * FROM s.newsletters;"
           "CREATE TABLE c AS SELECT * FROM s.campaigns; COMMIT;" % src)
    if not shutil.which("sqlite3"):
        return None
    t0 = time.monotonic()
    subprocess.run(["sqlite3", dst, sql], check=True)
    return time.monotonic() - t0


def bench_large():
    proc, url = start_sim("--campaigns", "2000", "--actions", "30000",
                          "--newsletters", "5000", "--seed", "42")
    try:
        ws = workspace(url, "large", rate=1000)
        s, wall, cpu, rss = sync(ws)
        records, written = totals(s)
        mb = s["http"]["bytes"] / 1e6
        imp = sqlite_import_rate(ws)
        print("(a) full sync, 2,000 campaigns / 30,000 actions / 5,000 "
              "newsletters, no latency, client rate lifted to 1000/s")
        print("    records %d, requests %d, wall %.2f s, cpu %.2f s, "
              "%.0f records/s, %.1f MB/s, peak RSS %.1f MB"
              % (records, s["http"]["requests"], wall, cpu, records / wall,
                 mb / wall, rss))
        if imp:
            print("    sqlite3 shell copying the same rows: %.2f s "
                  "(%.0f rows/s); kaivo reaches %.2f of it"
                  % (imp, records / imp, (records / wall) / (records / imp)))
        s2, wall2, cpu2, rss2 = sync(ws)
        r2, w2 = totals(s2)
        inc = sum(x["written"] for x in s2["tables"]
                  if x["mode"] == "incremental")
        print("(c) no-change incremental sync: requests %d, rows written "
              "%d (incremental tables: %d; campaigns is full refresh), "
              "wall %.2f s, cpu %.2f s"
              % (s2["http"]["requests"], w2, inc, wall2, cpu2))
    finally:
        proc.terminate()
        proc.wait()


def bench_rate():
    proc, url = start_sim("--campaigns", "120", "--newsletters", "400",
                          "--latency-ms", "100", "--rate-limit", "10")
    try:
        ws = workspace(url, "rate")
        urllib.request.urlopen(urllib.request.Request(
            url + "/_sim/reset-stats", method="POST"))
        s, wall, cpu, rss = sync(ws)
        st = stats(url)
        n = s["http"]["requests"]
        span = (st["last_ms"] - st["first_ms"]) / 1000.0
        rate = (n - 1) / span if span > 0 else 0
        print("(b) 100 ms latency, limit 10/s: %d requests in %.2f s, "
              "achieved %.2f/s, ratio %.3f to the limit, 429s %d, max "
              "concurrent %d" % (n, span, rate, rate / 10.0,
                                 s["http"]["throttled"],
                                 st.get("max_concurrent", -1)))
    finally:
        proc.terminate()
        proc.wait()


def bench_big_bodies():
    proc, url = start_sim("--campaigns", "40", "--actions", "600",
                          "--newsletters", "50", "--big-body-bytes",
                          str(5 * 1024 * 1024), "--big-body-every", "10")
    try:
        ws = workspace(url, "big", rate=1000)
        s, wall, cpu, rss = sync(ws)
        print("(d) 5 MB action bodies (one per page of 10): %.0f MB "
              "downloaded, peak RSS %.1f MB, wall %.2f s"
              % (s["http"]["bytes"] / 1e6, rss, wall))
    finally:
        proc.terminate()
        proc.wait()


def main():
    for path in (KAIVO, SIM):
        if not os.access(path, os.X_OK):
            raise SystemExit("missing %s: run make first" % path)
    print("kaivo benchmarks (%s, %d cores)" % (BUILD, os.cpu_count()))
    try:
        bench_large()
        bench_rate()
        bench_big_bodies()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


main()
