#!/usr/bin/env bash
# BigQuery faults: 503/429/rateLimitExceeded answers, a job that fails
# with backendError (re-run under a new id), a jobs.insert that lands but
# loses its answer (409 then jobs.get), an interrupted resumable upload,
# tokens that expire mid-sync, and SIGKILL mid-sync then a clean rerun.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bq_lib.sh"
export KAIVO_BQ_RESUMABLE_BYTES=1000

sim_start --campaigns 5 --actions 30 --newsletters 25
bq_setup --token-ttl 2
ws_connect
bq_dest

fbq_ctl fault "method=POST&path=/jobs&status=503&reason=backendError&count=2"
fbq_ctl fault "method=GET&path=/tables/&status=403&reason=rateLimitExceeded&count=1"
fbq_ctl fault "method=GET&path=/jobs/&status=429&count=1"
fbq_ctl job-fault "reason=backendError&count=2"
fbq_ctl fault "method=POST&path=/bigquery/v2/projects/kaivo-test/jobs&drop=2&skip=1&count=1"
fbq_ctl fault "method=PUT&path=/upload/&drop=3&count=1"
kv sync >"$T/out1" 2>"$T/err1" || { cat "$T/err1" >&2; fail "sync under faults"; }
stats=$(fbq_get stats)
note "stats: $stats"
fired=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("faults_fired",0))')
[ "$fired" -ge 6 ] || fail "only $fired faults fired"
a1=$(fbq_count campaigns_actions)
[ "$a1" -gt 0 ] || fail "no actions"

# tokens that expire mid-sync: short TTL and a forced expiry
sim_ctl advance >/dev/null
fbq_ctl expire-tokens
sleep 2.5
kv sync >"$T/out2" 2>"$T/err2" || { cat "$T/err2" >&2; fail "sync after token expiry"; }
tok=$(fbq_get stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_issued"])')
[ "$tok" -ge 2 ] || fail "token was not refreshed"

# SIGKILL mid-sync, then a rerun: same rows as the simulator, no dupes
sim_ctl advance >/dev/null
"$KAIVO" -w "$WS" sync >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
kv sync >"$T/out3" 2>"$T/err3" || { cat "$T/err3" >&2; fail "rerun after kill"; }
for t in campaigns campaigns_actions newsletters; do
    dups=$(fbq_get table "dataset=cio&table=$t" | python3 -c '
import json,sys
r=json.load(sys.stdin)
k=[(x.get("campaign_id"), x["id"]) for x in r]
print(len(k)-len(set(k)))')
    assert_eq "$dups" 0 "duplicates in $t"
done
# every record Customer.io has now is there (deleted ones may stay)
sim_get dump >"$T/dump"
fbq_get table "dataset=cio&table=newsletters" >"$T/nl"
python3 - "$T/dump" "$T/nl" <<'PY' || fail "newsletters missing after kill and rerun"
import json, sys
d = json.load(open(sys.argv[1]))
have = {str(x["id"]) for x in json.load(open(sys.argv[2]))}
want = {str(x["id"]) for x in d.get("newsletters", [])}
sys.exit(0 if want and want <= have else 1)
PY
echo "PASS test_bq_faults"
