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
