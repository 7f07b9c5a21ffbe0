# A malformed response fails that table's sync with a message naming the
# request; the other tables sync; what was committed before stays whole.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 8 --newsletters 250 --seed 2
ws_connect
kv sync >/dev/null 2>"$T/err" || { cat "$T/err"; fail "first sync"; }
before=$(q "SELECT count(*), max(_kaivo_synced_at) FROM newsletters")
sim_stop
sim_start --campaigns 8 --newsletters 250 --seed 2 --repeat-next
sqlite3 "$WS/.kaivo/state.db" "UPDATE config SET value='$SIM_URL/v1' WHERE key='source.base_url'"
set +e
kv sync >"$T/out" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "exit status when a table fails"
grep -q "newsletters" "$T/err" || fail "error does not name the table: $(cat "$T/err")"
grep -q "/newsletters?limit=100" "$T/err" || fail "error does not name the request: $(cat "$T/err")"
grep -qi "repeat" "$T/err" || fail "error does not say the token repeats: $(cat "$T/err")"
assert_eq "$(q "SELECT count(*), max(_kaivo_synced_at) FROM newsletters")" "$before" "newsletters untouched"
kv status --json >"$T/st.json"
py "
import json
t = {x['name']: x for x in json.load(open('$T/st.json'))['tables']}
assert t['newsletters']['last_status'] == 'failed', t['newsletters']
assert t['campaigns_actions']['last_status'] == 'ok', t['campaigns_actions']
"
kv history --json >"$T/h.json"
py "
import json
r = json.load(open('$T/h.json'))[0]
assert r['status'] == 'failed' and 'repeat' in r['error'], r
"

# Without the campaign list the actions cannot be read: that table is
# reported failed too (summary, status, history), not left out.
sim_ctl config bad_type=true >/dev/null
set +e
kv sync >"$T/out2" 2>"$T/err2"
rc=$?
set -e
assert_eq "$rc" 1 "exit status when the campaign list is malformed"
grep -q "campaigns_actions.*not synced" "$T/out2" ||
    fail "summary leaves campaigns_actions out: $(cat "$T/out2")"
kv status --json >"$T/st2.json"
kv history --json >"$T/h2.json"
py "
import json
t = {x['name']: x for x in json.load(open('$T/st2.json'))['tables']}
assert t['campaigns_actions']['last_status'] == 'failed', t['campaigns_actions']
r = json.load(open('$T/h2.json'))[0]
names = [x['table'] for x in r['tables']]
assert 'campaigns_actions' in names, r
"
