"""BigQuery cost figures (issue 3): BigQuery API requests per table per sync
and NDJSON bytes uploaded, for a first sync, an incremental sync after the
account changed (POST /_sim/advance) and a sync with no change, on the
generated large account.  Runs the real `kaivo` against the simulator and
the fake BigQuery, both on 127.0.0.1.  Each table is synced by its own
`kaivo sync TABLE` so the fake's counters belong to that table alone.

usage: python3 bench/bench_bq.py [BUILD] [--small]"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
BUILD = os.path.abspath(ARGS[0] if ARGS else "build")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KAIVO = os.path.join(BUILD, "kaivo")
SIM = os.path.join(BUILD, "kaivo-cio-sim")
FBQ = os.path.join(BUILD, "kaivo-fake-bq")
DISCOVERY = os.path.join(ROOT, "tests", "fixtures", "bq",
                         "bigquery-discovery.json")
KEY = "bench-app-api-key"
TMP = tempfile.mkdtemp(prefix="kaivo-bench-bq-")
TABLES = ["campaigns", "campaigns_actions", "newsletters"]
if "--small" in sys.argv:
    ACCOUNT = ["--campaigns", "50", "--actions", "500", "--newsletters", "200"]
else:
    ACCOUNT = ["--campaigns", "2000", "--actions", "30000",
               "--newsletters", "5000"]


def wait_port(proc, port_file):
    for _ in range(400):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return int(open(port_file).read())
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("%s did not start" % proc.args[0])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def service_key(token_uri):
    pem = os.path.join(TMP, "sa.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", pem], check=True,
                   stderr=subprocess.DEVNULL)
    path = os.path.join(TMP, "sa.json")
    json.dump({"type": "service_account", "project_id": "kaivo-bench",
               "private_key_id": "bench1", "private_key": open(pem).read(),
               "client_email": "bench@kaivo-bench.iam.gserviceaccount.com",
               "token_uri": token_uri}, open(path, "w"))
    return path


def start(cmd, port_file):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    return proc, "http://127.0.0.1:%d" % wait_port(proc, port_file)


def run(*args):
    p = subprocess.run([KAIVO] + list(args), capture_output=True)
    if p.returncode:
        raise SystemExit("kaivo %s failed: %s" % (args, p.stderr.decode()))
    return p.stdout


def post(url):
    req = urllib.request.Request(url, data=b"", method="POST")
    return json.load(urllib.request.urlopen(req))


def get(url):
    return json.load(urllib.request.urlopen(url))


def sync_table(ws, fbq, table):
    """One table's sync; returns (API requests, bytes, jobs, rows, s)."""
    post(fbq + "/_fake/reset-stats")
    t0 = time.monotonic()
    out = json.loads(run("-w", ws, "sync", table, "--json"))
    wall = time.monotonic() - t0
    st = get(fbq + "/_fake/stats")
    written = sum(t["written"] for t in out["tables"])
    return (st.get("requests", 0), st.get("upload_bytes", 0),
            st.get("jobs", 0), written, wall)


def report(title, ws, fbq):
    print("\n%s" % title)
    print("  %-18s %9s %6s %12s %9s %7s" % ("table", "requests", "jobs",
                                            "bytes up", "written", "wall s"))
    tot = [0, 0, 0, 0]
    for t in TABLES:
        req, up, jobs, written, wall = sync_table(ws, fbq, t)
        tot = [tot[0] + req, tot[1] + up, tot[2] + jobs, tot[3] + written]
        print("  %-18s %9d %6d %12d %9d %7.1f" % (t, req, jobs, up, written,
                                                  wall))
    print("  %-18s %9d %6d %12d %9d" % ("total", tot[0], tot[2], tot[1],
                                        tot[3]))


def main():
    procs = []
    try:
        port = free_port()
        fbq_url = "http://127.0.0.1:%d" % port
        key = service_key(fbq_url + "/token")
        proc, fbq = start([FBQ, "--port", str(port), "--port-file",
                           os.path.join(TMP, "fbq.port"), "--discovery",
                           DISCOVERY, "--trust-key", key, "--project",
                           "kaivo-bench", "--pending-polls", "1"],
                          os.path.join(TMP, "fbq.port"))
        procs.append(proc)
        proc, sim = start([SIM, "--port", "0", "--port-file",
                           os.path.join(TMP, "sim.port"), "--api-key", KEY]
                          + ACCOUNT, os.path.join(TMP, "sim.port"))
        procs.append(proc)
        ws = os.path.join(TMP, "ws")
        open(os.path.join(TMP, "key"), "w").write(KEY)
        run("init", ws)
        run("-w", ws, "connect", "customerio", "--api-url", sim + "/v1",
            "--api-key-file", os.path.join(TMP, "key"), "--rate", "1000")
        run("-w", ws, "destination", "bigquery", "--project", "kaivo-bench",
            "--dataset", "cio", "--credentials", key, "--api-url", fbq)
        os.environ.setdefault("KAIVO_BQ_POLL_MS", "20")
        print("BigQuery cost: account %s, fake BigQuery on loopback; "
              "requests are BigQuery API calls (token endpoint excluded)"
              % " ".join(ACCOUNT))
        report("first sync", ws, fbq)
        post(sim + "/_sim/advance")
        report("incremental sync after /_sim/advance", ws, fbq)
        report("sync with no change", ws, fbq)
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        subprocess.run(["rm", "-rf", TMP])


if __name__ == "__main__":
    main()
