# A field Customer.io starts sending is never added by itself: it becomes
# available in `kaivo columns`, and its value lands nowhere: no column, no
# JSON blob, no log line, no history entry, no file the product wrote.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 6 --newsletters 20 --seed 8
ws_connect
ok "first sync" kv sync
sim_ctl config "add_field=planted" >/dev/null
kv -v sync --json >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "sync"; }
kv history --json >>"$T/out"
kv status --json >>"$T/out"
for t in campaigns campaigns_actions newsletters; do
    kv columns "$t" --json >"$T/cols.json"
    py "
import json
c = {x['name']: x for x in json.load(open('$T/cols.json'))}
assert c['planted']['state'] == 'available', c.get('planted')
assert c['planted']['type'] == 'STRING', c['planted']
"
    assert_eq "$(wh "SELECT count(*) FROM pragma_table_info('$t') WHERE name = 'planted'")" 0 "no column in $t"
done
# the simulator's marker value, anywhere we wrote
if grep -rqa "KAIVO_MARKER_planted" "$WS" "$T/out" "$T/err"; then
    grep -rla "KAIVO_MARKER_planted" "$WS" "$T/out" "$T/err" >&2
    fail "an unselected value landed"
fi
curl -sf "$SIM_URL/v1/newsletters?limit=1" -H "Authorization: Bearer $SIM_KEY" | grep KAIVO_MARKER_planted >/dev/null || fail "the simulator sent no marker: the test proves nothing"
