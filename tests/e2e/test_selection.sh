# Choosing tables and columns: deselect (with and without --purge),
# select, per-table modes, columns add and drop.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 12 --newsletters 40 --seed 21
ws_connect
ok "first sync" kv sync

kv tables deselect newsletters >/dev/null
kv sync --json >"$T/out" 2>/dev/null || fail "sync without newsletters"
py "
import json
t = [x['table'] for x in json.load(open('$T/out'))['tables']]
assert t == ['campaigns', 'campaigns_actions'], t
"
assert_eq "$(q 'SELECT count(*) FROM newsletters')" 40 "a deselected table keeps its data"
set +e
kv sync newsletters >/dev/null 2>"$T/err"; assert_eq $? 2 "sync of a deselected table"
set -e
grep -q "not selected" "$T/err" || fail "message: $(cat "$T/err")"
kv tables deselect newsletters --purge >/dev/null
assert_eq "$(wh "SELECT count(*) FROM sqlite_master WHERE name = 'newsletters'")" 0 "--purge deletes the table"
kv tables select newsletters >/dev/null
ok "sync after select" kv sync
assert_eq "$(q 'SELECT count(*) FROM newsletters')" 40 "a reselected table syncs whole"

# mode: the incremental actions table becomes a full refresh
sim_ctl advance >/dev/null
sim_get dump >"$T/dump.json"
kv tables mode campaigns_actions full-refresh >/dev/null
kv tables --json | py "import json,sys; t={x['name']:x for x in json.load(sys.stdin)}; assert t['campaigns_actions']['mode']=='full-refresh', t"
ok "sync in full-refresh mode" kv sync
py "
import json, sqlite3
d = json.load(open('$T/dump.json'))
db = sqlite3.connect('$WS/warehouse/customerio.sqlite')
want = sorted((int(c), int(a['id'])) for c, l in d['actions'].items() for a in l)
assert sorted(db.execute('SELECT campaign_id, id FROM campaigns_actions')) == want
"
set +e
kv tables mode campaigns sideways >/dev/null 2>&1; assert_eq $? 2 "a bad mode"
kv tables select nosuch >/dev/null 2>&1; assert_eq $? 2 "an unknown table"
set -e

# columns: add a field Customer.io started sending, then drop it
sim_ctl config "add_field=promo_code" >/dev/null
kv sync >/dev/null 2>&1
assert_eq "$(wh "SELECT count(*) FROM pragma_table_info('newsletters') WHERE name = 'promo_code'")" 0 "not added by itself"
kv columns newsletters add promo_code >/dev/null
kv sync --json >"$T/out" 2>/dev/null || fail "sync after add"
live=$(sim_get dump | py "import json,sys; print(len(json.load(sys.stdin)['newsletters']))")
assert_eq "$(q "SELECT count(*) FROM newsletters WHERE promo_code = 'KAIVO_MARKER_promo_code'")" "$live" "an added column fills in for every live record"
kv columns newsletters drop promo_code >/dev/null
assert_eq "$(wh "SELECT count(*) FROM pragma_table_info('newsletters') WHERE name = 'promo_code'")" 0 "drop removes the column"
kv columns newsletters --json | py "import json,sys; c={x['name']:x for x in json.load(sys.stdin)}; assert c['promo_code']['state']=='available', c['promo_code']"
kv sync >/dev/null 2>&1
assert_eq "$(wh "SELECT count(*) FROM pragma_table_info('newsletters') WHERE name = 'promo_code'")" 0 "a dropped column stays dropped"
set +e
kv columns newsletters drop id >/dev/null 2>&1; assert_eq $? 2 "dropping a key column"
kv columns newsletters add no_such_field >/dev/null 2>&1; assert_eq $? 2 "adding an unknown column"
set -e
