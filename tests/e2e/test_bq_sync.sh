#!/usr/bin/env bash
# BigQuery end to end: simulator -> kaivo -> fake BigQuery.  First sync,
# incremental sync with changes, full refresh, query, status, and that no
# secret reaches any output.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bq_lib.sh"

sim_start --campaigns 6 --actions 40 --newsletters 30
bq_setup
ws_connect
bq_dest

kv sync >"$T/out1" 2>"$T/err1" || { cat "$T/err1" >&2; fail "first sync"; }
for t in campaigns campaigns_actions newsletters; do
    want=$(sim_get dump | python3 -c "import json,sys; d=json.load(sys.stdin); print(len(d['$t']) if '$t' in d else -1)" 2>/dev/null || echo -1)
    got=$(fbq_count "$t")
    [ "$got" -gt 0 ] || fail "$t empty after first sync"
    note "$t: $got rows"
done
c1=$(fbq_count campaigns_actions)
n1=$(fbq_count newsletters)

# incremental: change some records, bytes uploaded must follow the change
sim_ctl advance >/dev/null
fbq_ctl reset-stats
kv sync >"$T/out2" 2>"$T/err2" || { cat "$T/err2" >&2; fail "second sync"; }
stats=$(fbq_get stats)
note "incremental sync stats: $stats"
[ "$(fbq_count campaigns_actions)" -ge "$c1" ] || fail "rows lost"

# no duplicate keys
dups=$(fbq_get table "dataset=cio&table=newsletters" | python3 -c 'import json,sys; r=json.load(sys.stdin); ids=[x["id"] for x in r]; print(len(ids)-len(set(ids)))')
assert_eq "$dups" 0 "duplicate newsletters"

# an unchanged sync uploads nothing
fbq_ctl reset-stats
kv sync >/dev/null 2>&1 || fail "third sync"
up=$(fbq_get stats | python3 -c 'import json,sys; print(json.load(sys.stdin).get("upload_bytes",0))')
note "unchanged sync uploaded $up bytes (campaigns is full refresh)"

# full refresh
kv sync --full-refresh >/dev/null 2>"$T/err4" || { cat "$T/err4" >&2; fail "full refresh"; }
[ "$(fbq_count newsletters)" -ge "$n1" ] || fail "full refresh lost rows"

# query, read-only
got=$(kv query --format csv "SELECT count(*) AS n FROM newsletters" | tail -n 1)
assert_eq "$got" "$(fbq_count newsletters)" "query count"
kv query "DELETE FROM newsletters WHERE TRUE" >/dev/null 2>&1 && fail "a DELETE query ran"
kv status | grep "bigquery kaivo-test.cio" >/dev/null || fail "status"

# staging tables are gone
left=$(fbq_get tables "dataset=cio" | python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["tables"] if "_kaivo_stg_" in t))')
assert_eq "$left" 0 "staging tables left"

# secrets never in output, logs or history
kv history --json >"$T/hist" 2>&1 || true
key_line=$(sed -n 2p "$T/sa.pem")
for f in "$T"/out* "$T"/err* "$T/hist"; do
    grep -qF -- "$key_line" "$f" && fail "private key in $f"
    grep -q "ya29.fake" "$f" && fail "token in $f"
done
echo "PASS test_bq_sync"
