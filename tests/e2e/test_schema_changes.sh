# Schema changes: inferred types (mixed types widen), fields Customer.io
# stops sending (gone): dropped from full-refresh tables, kept (NULL in new
# rows) in incremental ones; a selected column keeps its type when the
# values change type, and misfits are NULL and reported.
source "$(dirname "$0")/lib.sh"
mk() { # dir variant
    mkdir -p "$1/actions"
    if [ "$2" = 1 ]; then
        cat >"$1/campaigns.json" <<'JSON'
{"campaigns": [
 {"id": 1, "name": "a", "timezone": "Europe/Berlin", "mixed": 1, "num": 1, "flag": true, "created": 1700000000},
 {"id": 2, "name": "b", "timezone": "UTC", "mixed": "x", "num": 2.5, "flag": false, "created": 1700000000}]}
JSON
        cat >"$1/newsletters.json" <<'JSON'
{"newsletters": [
 {"id": 1, "name": "n1", "subscription_topic_id": 3, "updated": 1700000000},
 {"id": 2, "name": "n2", "subscription_topic_id": 4, "updated": 1700000000}]}
JSON
    else
        cat >"$1/campaigns.json" <<'JSON'
{"campaigns": [
 {"id": 1, "name": "a2", "mixed": [1], "num": 3, "flag": true, "created": 1700000000},
 {"id": 2, "name": "b", "mixed": "x", "num": 2.5, "flag": false, "created": 1700000000}]}
JSON
        cat >"$1/newsletters.json" <<'JSON'
{"newsletters": [
 {"id": 1, "name": "n1", "subscription_topic_id": 3, "updated": 1700000000},
 {"id": 2, "name": "n2 edited", "subscription_topic_id": "four", "updated": 1700000100},
 {"id": 3, "name": "n3", "updated": 1700000200}]}
JSON
    fi
}
mk "$T/f1" 1
mk "$T/f2" 2
sim_start --fixtures "$T/f1"
ws_connect
ok "first sync" kv sync
kv columns campaigns --json >"$T/c.json"
py "
import json
c = {x['name']: x for x in json.load(open('$T/c.json'))}
assert c['mixed']['type'] == 'JSON' and c['mixed']['state'] == 'available', c['mixed']
assert c['num']['type'] == 'FLOAT64', c['num']
assert c['flag']['type'] == 'BOOL', c['flag']
assert c['timezone']['state'] == 'selected', c['timezone']
"
kv columns campaigns add num mixed >/dev/null
ok "sync with added columns" kv sync
assert_eq "$(q "SELECT id, num, mixed FROM campaigns ORDER BY id")" "$(printf '1,1.0,1\n2,2.5,"""x"""')" "added columns, typed"

# the account changes: timezone is no longer sent, a newsletter field
# changes type
sim_stop
sim_start --fixtures "$T/f2"
sqlite3 "$WS/.kaivo/state.db" "UPDATE config SET value='$SIM_URL/v1' WHERE key='source.base_url'"
kv sync --json >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "sync after the change"; }
kv columns campaigns --json >"$T/c.json"
py "
import json
c = {x['name']: x for x in json.load(open('$T/c.json'))}
assert c['timezone']['state'] == 'gone', c['timezone']
"
assert_eq "$(wh "SELECT count(*) FROM pragma_table_info('campaigns') WHERE name = 'timezone'")" 0 "full refresh drops a gone field"
kv columns newsletters --json >"$T/n.json"
py "
import json
c = {x['name']: x for x in json.load(open('$T/n.json'))}
assert c['subscription_topic_id']['type'] == 'INT64', 'a selected column keeps its type'
s = json.load(open('$T/out'))
t = {x['table']: x for x in s['tables']}
assert t['newsletters']['bad_values'] == 1, t['newsletters']
assert t['newsletters']['bad_value_examples'][0]['column'] == 'subscription_topic_id'
"
assert_eq "$(q "SELECT id, name, subscription_topic_id FROM newsletters ORDER BY id")" "$(printf '1,n1,3\n2,n2 edited,\n3,n3,')" "incremental: a type misfit is NULL, history kept"
# incremental tables keep a field Customer.io stopped sending
printf '{"newsletters": [{"id": 1, "name": "n1", "updated": 1700000000}]}' >"$T/f2/newsletters.json"
sim_stop
sim_start --fixtures "$T/f2"
sqlite3 "$WS/.kaivo/state.db" "UPDATE config SET value='$SIM_URL/v1' WHERE key='source.base_url'"
ok "third sync" kv sync
assert_eq "$(wh "SELECT count(*) FROM pragma_table_info('newsletters') WHERE name = 'subscription_topic_id'")" 1 "incremental keeps a gone column"
assert_eq "$(q "SELECT id, subscription_topic_id FROM newsletters ORDER BY id")" "$(printf '1,\n2,\n3,')" "gone column NULL in new rows, deleted records kept"
