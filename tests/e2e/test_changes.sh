# Changes between syncs: the next sync writes exactly the new and changed
# records, including records edited without their `updated` moving; the
# full-refresh campaigns table drops deleted campaigns; the incremental
# tables keep deleted records until a full refresh.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 40 --newsletters 150 --seed 11
ws_connect
kv sync >/dev/null 2>"$T/err" || { cat "$T/err"; fail "first sync"; }
sim_get dump >"$T/dump1.json"
sim_ctl advance >/dev/null
sim_get dump >"$T/dump2.json"
kv sync --json >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "second sync"; }

# what changed, counted independently from the two dumps
py "
import json, sqlite3
d1 = json.load(open('$T/dump1.json')); d2 = json.load(open('$T/dump2.json'))
s = json.load(open('$T/out'))
t = {x['table']: x for x in s['tables']}
def acts(d):
    return {(int(c), int(a['id'])): a for c, l in d['actions'].items() for a in l}
a1, a2 = acts(d1), acts(d2)
changed = [k for k in a2 if k not in a1 or a1[k] != a2[k]]
silent = [k for k in a2 if k in a1 and a1[k] != a2[k] and a1[k].get('updated') == a2[k].get('updated')]
assert silent, 'the simulator made no silent edit: the test proves nothing'
assert t['campaigns_actions']['written'] == len(changed), (t['campaigns_actions'], len(changed))
n1 = {n['id']: n for n in d1['newsletters']}
nchanged = [n for n in d2['newsletters'] if n1.get(n['id']) != n]
assert t['newsletters']['written'] == len(nchanged), (t['newsletters'], len(nchanged))
db = sqlite3.connect('$WS/warehouse/customerio.sqlite')
# every current action holds its current content, silent edits included
rows = {(c, i): (n, sub, b) for c, i, n, sub, b in db.execute('SELECT campaign_id, id, name, subject, body FROM campaigns_actions')}
for k, a in a2.items():
    assert rows.get(k) == (a.get('name'), a.get('subject'), a.get('body')), ('stale', k)
# deleted actions stay in the incremental table
gone = [k for k in a1 if k not in a2]
for k in gone:
    assert k in rows, ('incremental table lost a deleted record', k)
# campaigns is a full refresh: exactly the current list
ids = sorted(c for (c,) in db.execute('SELECT id FROM campaigns'))
assert ids == sorted(c['id'] for c in d2['campaigns']), 'campaigns differ from the source'
deleted = set(c['id'] for c in d1['campaigns']) - set(ids)
assert deleted, 'the simulator deleted no campaign: the test proves nothing'
print('changed actions', len(changed), 'silent', len(silent), 'deleted', len(gone))
"

# a full refresh of an incremental table drops its deleted records
kv sync campaigns_actions --full-refresh >/dev/null 2>"$T/err" || { cat "$T/err"; fail "full refresh"; }
py "
import json, sqlite3
d2 = json.load(open('$T/dump2.json'))
db = sqlite3.connect('$WS/warehouse/customerio.sqlite')
want = sorted((int(c), int(a['id'])) for c, l in d2['actions'].items() for a in l)
got = sorted(db.execute('SELECT campaign_id, id FROM campaigns_actions'))
assert got == want, 'full refresh does not match the source'
"
# and the next incremental sync finds nothing to write
kv sync --json >"$T/out3" 2>/dev/null
py "
import json
t = {x['table']: x for x in json.load(open('$T/out3'))['tables']}
assert t['campaigns_actions']['written'] == 0, t['campaigns_actions']
"
