#!/usr/bin/env bash
# Issue 4 on BigQuery: forget, columns drop and hash, tables deselect
# --purge (with a staging table a failed cleanup left behind), an
# unselected field that lands nowhere, a full-refresh table dropping a
# field Customer.io stopped sending, and disconnect (a dataset Kaivo
# created goes, one that existed before stays).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bq_lib.sh"

# fbq_fields TABLE: the BigQuery schema's column names, one per line.
fbq_fields() {
    fbq_get schema "dataset=${2:-cio}&table=$1" |
        python3 -c 'import json,sys; [print(f["name"]) for f in json.load(sys.stdin)]'
}
# fbq_py TABLE EXPR: EXPR over r, the table's rows (values are text).
fbq_py() {
    fbq_get table "dataset=cio&table=$1" >"$T/rows.json"
    python3 -c "import json,re; r=json.load(open('$T/rows.json')); print($2)"
}
# fbq_dump_all: every table the fake holds, as one JSON text.
fbq_dump_all() {
    local t
    for t in $(fbq_get tables | python3 -c 'import json,sys; [print(t) for t in json.load(sys.stdin)["tables"]]'); do
        fbq_get table "dataset=${t%%.*}&table=${t#*.}"
    done
}

sim_start --campaigns 8 --actions 30 --newsletters 30 --seed 31
bq_setup
ws_connect
bq_dest
kv sync >/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "first sync"; }

# forget: counted, gone from BigQuery, not back after later syncs
n_before=$(fbq_count newsletters)
nid=$(fbq_py newsletters 'min(int(x["id"]) for x in r)')
akey=$(fbq_py campaigns_actions 'sorted(x["campaign_id"] + ":" + x["id"] for x in r)[0]')
kv forget newsletters "$nid" 999999 >"$T/out"
grep -q "removed 1 of 2 records from newsletters" "$T/out" ||
    fail "forget count: $(cat "$T/out")"
kv forget campaigns_actions "$akey" >"$T/out"
grep -q "removed 1 of 1 record from campaigns_actions" "$T/out" ||
    fail "forget action count: $(cat "$T/out")"
assert_eq "$(fbq_py newsletters "sum(1 for x in r if x['id'] == '$nid')")" 0 "forgotten newsletter in BigQuery"
assert_eq "$(fbq_py campaigns_actions "sum(1 for x in r if x['campaign_id'] + ':' + x['id'] == '$akey')")" 0 "forgotten action in BigQuery"
kv sync >/dev/null 2>&1 || fail "sync after forget"
kv sync --full-refresh >/dev/null 2>&1 || fail "full refresh after forget"
assert_eq "$(fbq_count newsletters)" "$((n_before - 1))" "a later sync brought it back"
assert_eq "$(fbq_py campaigns_actions "sum(1 for x in r if x['campaign_id'] + ':' + x['id'] == '$akey')")" 0 "a later sync brought the action back"

# columns drop: out of the BigQuery schema now, and after the next sync
fbq_fields newsletters | grep -x tags >/dev/null || fail "tags not there to drop"
kv columns newsletters drop tags >/dev/null
fbq_fields newsletters | grep -x tags >/dev/null && fail "dropped column still in BigQuery"
kv sync >/dev/null 2>&1 || fail "sync after drop"
fbq_fields newsletters | grep -x tags >/dev/null && fail "dropped column came back"

# columns hash: 64-hex HMACs, and the raw value in no table at all
raw=$(fbq_py campaigns_actions 'max((x["subject"] or "" for x in r), key=len)')
[ ${#raw} -ge 8 ] || fail "no subject to hash"
kv columns campaigns_actions hash subject >/dev/null
fbq_fields campaigns_actions | grep -x subject >/dev/null && fail "raw subjects not removed at once"
kv sync >/dev/null 2>&1 || fail "sync after hash"
assert_eq "$(fbq_py campaigns_actions 'sum(1 for x in r if x["subject"] is not None and not re.fullmatch("[0-9a-f]{64}", x["subject"]))')" 0 "a subject that is no HMAC"
[ "$(fbq_py campaigns_actions 'sum(1 for x in r if x["subject"])')" -gt 0 ] || fail "no hashed subjects"
fbq_dump_all | grep -F -- "$raw" >/dev/null && fail "a raw hashed value is in BigQuery"

# an unselected field lands nowhere: no column, no value
sim_ctl config "add_field=planted" >/dev/null
kv -v sync --json >"$T/out.unsel" 2>"$T/err.unsel" || fail "sync with a new field"
for t in campaigns campaigns_actions newsletters; do
    fbq_fields "$t" | grep -x planted >/dev/null && fail "planted became a column of $t"
done
fbq_dump_all >"$T/all.json"
grep -qa KAIVO_MARKER_planted "$T/all.json" "$T/out.unsel" "$T/err.unsel" &&
    fail "an unselected value landed"
grep -rqa KAIVO_MARKER_planted "$WS" && fail "an unselected value is in the workspace"

# deselect --purge: the table and a staging table a failed cleanup left
fbq_ctl fault "method=DELETE&path=/tables/_kaivo_stg_campaigns_&status=400&reason=invalid&count=1"
kv sync campaigns >/dev/null 2>&1 || fail "campaigns sync"
left=$(fbq_get tables "dataset=cio" | python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["tables"] if "_kaivo_stg_campaigns_" in t))')
assert_eq "$left" 1 "the test's staging table left behind"
kv tables deselect campaigns --purge >/dev/null
fbq_get tables "dataset=cio" >"$T/tables.json"
grep -q '"cio.campaigns"' "$T/tables.json" && fail "purged table still there"
grep -q '_kaivo_stg_campaigns_' "$T/tables.json" && fail "a staging table of the purged table survived"
grep -q '"cio.campaigns_actions"' "$T/tables.json" || fail "purge took another table"
kv sync >/dev/null 2>&1 || fail "sync after purge"
grep -q '"cio.campaigns"' <(fbq_get tables "dataset=cio") && fail "a deselected table came back"

# disconnect: every table, the dataset Kaivo created, state and keys
kv disconnect --yes >/dev/null || fail "disconnect"
fbq_get tables >"$T/tables.json"
python3 - "$T/tables.json" <<'PY' || fail "dataset or tables left: $(cat "$T/tables.json")"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(1 if "cio" in d["datasets"] or any(t.startswith("cio.") for t in d["tables"]) else 0)
PY
ls "$WS/.kaivo/"*.key >/dev/null 2>&1 && fail "keys remain: $(ls "$WS/.kaivo")"
assert_eq "$(sqlite3 "$WS/.kaivo/state.db" "SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM columns) + (SELECT count(*) FROM runs) + (SELECT count(*) FROM config) + (SELECT count(*) FROM forgotten)")" 0 "state emptied"

# a dataset that existed before: its tables go, the dataset stays
fbq_ctl dataset "id=mine&location=US"
ws_connect "$T/ws2"
"$KAIVO" -w "$T/ws2" destination bigquery --project kaivo-test \
    --dataset mine --credentials "$T/sa.json" --api-url "$FBQ_URL" >/dev/null
"$KAIVO" -w "$T/ws2" sync >/dev/null 2>&1 || fail "sync into an existing dataset"
"$KAIVO" -w "$T/ws2" disconnect --yes >/dev/null || fail "disconnect 2"
fbq_get tables >"$T/tables.json"
python3 - "$T/tables.json" <<'PY' || fail "existing dataset: $(cat "$T/tables.json")"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if "mine" in d["datasets"] and not any(t.startswith("mine.") for t in d["tables"]) else 1)
PY

# full refresh drops a field Customer.io stopped sending
mk() { # dir with_timezone
    mkdir -p "$1/actions"
    python3 - "$1" "$2" <<'PY'
import json, sys
tz = sys.argv[2] == "1"
c = [{"id": i, "name": "c%d" % i, "created": 1700000000,
      **({"timezone": "UTC"} if tz else {})} for i in (1, 2)]
json.dump({"campaigns": c}, open(sys.argv[1] + "/campaigns.json", "w"))
json.dump({"newsletters": [{"id": 1, "name": "n1", "updated": 1700000000}]},
          open(sys.argv[1] + "/newsletters.json", "w"))
PY
}
mk "$T/f1" 1
mk "$T/f2" 0
sim_stop
sim_start --fixtures "$T/f1"
WS="$T/ws3"
ws_connect
bq_dest_ds() {
    kv destination bigquery --project kaivo-test --dataset cio3 \
        --credentials "$T/sa.json" --api-url "$FBQ_URL" >/dev/null
}
bq_dest_ds
kv sync >/dev/null 2>&1 || fail "fixture sync"
fbq_fields campaigns cio3 | grep -x timezone >/dev/null || fail "timezone not synced"
sim_stop
sim_start --fixtures "$T/f2"
sqlite3 "$WS/.kaivo/state.db" "UPDATE config SET value='$SIM_URL/v1' WHERE key='source.base_url'"
kv sync >/dev/null 2>&1 || fail "sync after the field went"
fbq_fields campaigns cio3 | grep -x timezone >/dev/null && fail "full refresh kept a gone field"
fbq_fields newsletters cio3 | grep -x name >/dev/null || fail "newsletters lost a column"
echo "PASS test_bq_issue4"
