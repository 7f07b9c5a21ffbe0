# Connections dropped mid-body and responses trickling in slowly.  When
# every response breaks, the sync gives up within its retry budget with a
# clear error and the warehouse keeps what it had; when some break, the
# sync ends with exactly the source's rows; a slow body within the timeout
# is read whole, one past it is retried and then reported.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 12 --newsletters 150 --seed 21 --fault-seed 4
ws_connect
kv sync >/dev/null 2>"$T/err" || { cat "$T/err"; fail "first sync"; }
sim_ctl advance >/dev/null   # new and changed records for the next syncs

# Every source record is in the warehouse with its current `updated`
# (records deleted at the source stay: incremental tables keep them).
source_matches() { # what
    sim_get dump >"$T/dump.json"
    py "
import datetime, json, sqlite3
def utc(u):
    return datetime.datetime.fromtimestamp(u, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
d = json.load(open('$T/dump.json'))
db = sqlite3.connect('$WS/warehouse/customerio.sqlite')
got = dict(((c, i), u) for c, i, u in db.execute('SELECT campaign_id, id, updated FROM campaigns_actions'))
for c, l in d['actions'].items():
    for a in l:
        k = (int(c), int(a['id']))
        assert got.get(k) == utc(a['updated']), ('action', k, got.get(k), a['updated'], '$1')
got = dict(db.execute('SELECT id, updated FROM newsletters'))
for x in d['newsletters']:
    assert got.get(x['id']) == utc(x['updated']), ('newsletter', x['id'], '$1')
"
}
no_dups() {
    assert_eq "$(wh "SELECT count(*) FROM (SELECT campaign_id, id FROM campaigns_actions GROUP BY 1, 2 HAVING count(*) > 1)")" 0 "duplicated actions ($1)"
}
try_sync() { # log: sets RC and SECS
    local t0=$SECONDS
    RC=0; timeout 300 "$KAIVO" -w "$WS" sync >/dev/null 2>"$1" || RC=$?
    SECS=$((SECONDS - t0))
}

before=$(wh "SELECT count(*) FROM campaigns_actions")
for kind in drop truncate; do
    sim_ctl config "fault=$kind:1" >/dev/null
    try_sync "$T/$kind.err"
    assert_eq "$RC" 1 "exit status when every response is cut ($kind)"
    grep -q 'kaivo: error: campaigns: ' "$T/$kind.err" || { cat "$T/$kind.err"; fail "no clear error ($kind)"; }
    [ "$SECS" -lt 120 ] || fail "gave up only after $SECS s ($kind)"
    assert_eq "$(wh "SELECT count(*) FROM campaigns_actions")" "$before" "rows kept ($kind)"
    no_dups "$kind"
    kv history --json | py "import json,sys; r=json.load(sys.stdin)[0]; assert r['status']=='failed' and r['error'], r"
    sim_ctl config fault= >/dev/null
done

# a share of the responses cut mid-body: retried, and the result is exact
sim_ctl config "fault=drop:0.2" >/dev/null
sim_ctl config "fault=truncate:0.2" >/dev/null
try_sync "$T/mixed.err"
assert_eq "$RC" 0 "sync with 20 % of the bodies cut: $(cat "$T/mixed.err")"
source_matches "cut bodies"
no_dups "cut bodies"
sim_ctl config fault= >/dev/null

# trickling bodies (about 1 s each): slow, but whole
sim_ctl advance >/dev/null
sim_ctl config "fault=slow:0.3" >/dev/null
try_sync "$T/slow.err"
assert_eq "$RC" 0 "sync with slow bodies: $(cat "$T/slow.err")"
source_matches "slow bodies"

# slower than the request timeout: retried, then a clear error, no hang
sim_ctl advance >/dev/null
sim_ctl config "fault=slow:1" >/dev/null
RC=0; t0=$SECONDS
KAIVO_TIMEOUT_MS=300 timeout 300 "$KAIVO" -w "$WS" sync >/dev/null 2>"$T/to.err" || RC=$?
assert_eq "$RC" 1 "exit status when every body is slower than the timeout"
[ $((SECONDS - t0)) -lt 120 ] || fail "timeouts took $((SECONDS - t0)) s"
grep -qi 'time' "$T/to.err" || { cat "$T/to.err"; fail "the error does not say it timed out"; }
no_dups "timeouts"
sim_ctl config fault= >/dev/null
try_sync "$T/after.err"
assert_eq "$RC" 0 "sync after the network recovers"
source_matches "after recovery"
note "network: cut and slow bodies end in an exact sync or a clear error"
