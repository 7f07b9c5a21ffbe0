# A first sync of a generated account lands every record once, typed as
# PRODUCT.md says; a second sync with no change writes nothing to the
# incremental tables.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 30 --newsletters 230 --seed 7
ws_connect
kv sync >"$T/out1" 2>"$T/err1" || { cat "$T/err1"; fail "first sync failed"; }
sim_get dump >"$T/dump.json"

expect=$(py "import json;d=json.load(open('$T/dump.json'));print(len(d['campaigns']),sum(len(v) for v in d['actions'].values()),len(d['newsletters']))")
got="$(q 'SELECT count(*) FROM campaigns') $(q 'SELECT count(*) FROM campaigns_actions') $(q 'SELECT count(*) FROM newsletters')"
assert_eq "$got" "$expect" "row counts vs the simulator's account"

# keys are unique by construction; ids arrived as strings and are integers
assert_eq "$(q "SELECT count(*) FROM campaigns_actions WHERE typeof(id) <> 'integer'")" 0 "action ids typed INTEGER"
assert_eq "$(q "SELECT count(*) FROM campaigns WHERE first_started = '1970-01-01T00:00:00Z'")" 0 "first_started 0 is NULL"
assert_eq "$(q "SELECT count(*) FROM newsletters WHERE created NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'")" 0 "timestamps as UTC text"
assert_eq "$(q "SELECT count(*) FROM campaigns WHERE _kaivo_synced_at IS NULL")" 0 "_kaivo_synced_at set"
assert_eq "$(q "SELECT count(*) FROM campaigns WHERE tags IS NOT NULL AND json_valid(tags) = 0")" 0 "tags stored as JSON"
assert_eq "$(q "SELECT typeof(active) FROM campaigns LIMIT 1")" integer "booleans as 0/1"

# every action of the simulator is there with the same name and body
py "
import json, sqlite3
d = json.load(open('$T/dump.json'))
db = sqlite3.connect('$WS/warehouse/customerio.sqlite')
rows = {(c, i): (n, b) for c, i, n, b in db.execute('SELECT campaign_id, id, name, body FROM campaigns_actions')}
for cid, acts in d['actions'].items():
    for a in acts:
        k = (int(cid), int(a['id']))
        assert k in rows, ('missing action', k)
        assert rows[k] == (a.get('name'), a.get('body')), ('different action', k)
"

kv sync --json >"$T/out2" 2>"$T/err2" || { cat "$T/err2"; fail "second sync failed"; }
py "
import json
s = json.load(open('$T/out2'))
t = {x['table']: x for x in s['tables']}
assert t['campaigns_actions']['written'] == 0, t['campaigns_actions']
assert t['newsletters']['written'] == 0, t['newsletters']
assert t['campaigns']['mode'] == 'full-refresh'
"
got2="$(q 'SELECT count(*) FROM campaigns') $(q 'SELECT count(*) FROM campaigns_actions') $(q 'SELECT count(*) FROM newsletters')"
assert_eq "$got2" "$expect" "row counts after a second sync"
