# Faults on the wire: 5xx, dropped connections, truncated bodies, 429s with
# and without Retry-After.  The sync retries and ends with exactly the
# source's records; a campaign that answers 404 is skipped with a warning
# naming it.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 25 --newsletters 220 --seed 3 --fault-seed 9 \
    --fault 500:0.08 --fault 503:0.05 --fault drop:0.05 \
    --fault truncate:0.05 --rate-limit 6 --missing-campaign 3
ws_connect
kv sync --json >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "sync under faults"; }
sim_get dump >"$T/dump.json"
sim_get stats >"$T/stats.json"
grep -q "campaign 3 " "$T/err" || fail "no warning naming the skipped campaign: $(cat "$T/err")"
py "
import json, sqlite3
d = json.load(open('$T/dump.json')); s = json.load(open('$T/out'))
db = sqlite3.connect('$WS/warehouse/customerio.sqlite')
want = sorted((int(c), int(a['id'])) for c, l in d['actions'].items() for a in l if int(c) != 3)
got = sorted(db.execute('SELECT campaign_id, id FROM campaigns_actions'))
assert got == want, 'actions differ from the source'
n = sorted(x['id'] for x in d['newsletters'])
assert n == sorted(i for (i,) in db.execute('SELECT id FROM newsletters')), 'newsletters differ'
assert s['http']['retries'] > 0, s['http']
t = {x['table']: x for x in s['tables']}
assert t['campaigns_actions']['skipped_campaigns'] == [3], t['campaigns_actions']
"
# 429 without Retry-After: backoff with jitter still gets through
sim_stop
sim_start --campaigns 10 --newsletters 50 --rate-limit 3 --no-retry-after
ws_connect "$T/ws2"
"$KAIVO" -w "$T/ws2" sync --json >"$T/out2" 2>"$T/err2" || { cat "$T/err2"; fail "sync with 429s"; }
py "
import json
s = json.load(open('$T/out2'))
assert s['http']['throttled'] > 0, s['http']
"
