# The records recorded from a real Customer.io workspace land as exactly the
# right rows, and the field outside the catalog is available, not synced.
source "$(dirname "$0")/lib.sh"
sim_start --fixture-file "$E2E_ROOT/tests/fixtures/recorded-real.json"
ws_connect
kv sync >/dev/null 2>"$T/err" || { cat "$T/err"; fail "sync"; }

assert_eq "$(q "SELECT id, deduplicate_id, name, type, state, active, created, updated, first_started IS NULL, tags, actions, event_name, description IS NULL FROM campaigns")" \
  '4,4:1692284670,Order Confirmation,event,draft,0,2023-08-17T15:02:53Z,2023-08-17T15:04:30Z,1,"[""Sample""]","[{""id"":25,""type"":""attribute_update""},{""id"":26,""type"":""email""},{""id"":29,""type"":""email""}]",purchase,1' \
  "the recorded campaign"
assert_eq "$(q "SELECT campaign_id, id, typeof(id), deduplicate_id, name, layout, body, created, updated, type, language, editor, recipient, parent_action_id IS NULL FROM campaigns_actions")" \
  '4,25,integer,11:1692284573,Update order count,,,2023-08-17T15:02:53Z,2023-08-17T15:02:53Z,attribute_update,,,,1' \
  "the recorded action"
assert_eq "$(q "SELECT id, deduplicate_id, content_ids, name, sent_at IS NULL, created, updated, type, tags, recipient_segment_ids IS NULL FROM newsletters")" \
  '1,1:1692285687,[18],weekly,1,2023-08-17T15:21:09Z,2023-08-17T15:21:27Z,email,[],1' \
  "the recorded newsletter"

# recipient_environment_id is not in the catalog: available, never a column
kv columns campaigns_actions --json >"$T/cols.json"
py "
import json
c = {x['name']: x for x in json.load(open('$T/cols.json'))}
assert c['recipient_environment_id']['state'] == 'available', c['recipient_environment_id']
assert c['recipient_environment_id']['type'] == 'INT64'
assert c['subject']['state'] == 'selected'
"
assert_eq "$(wh "SELECT count(*) FROM pragma_table_info('campaigns_actions') WHERE name = 'recipient_environment_id'")" 0 "no column for an unselected field"
if grep -rqa 144601 "$WS/warehouse"; then fail "an unselected value reached the warehouse files"; fi
