# Privacy and deletion: forget removes records and keeps them out; hashed
# columns hold an HMAC instead of the value (the raw value lands nowhere);
# disconnect deletes everything the connector made.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 10 --newsletters 30 --seed 31
ws_connect
ok "first sync" kv sync

# forget
n_before=$(q 'SELECT count(*) FROM newsletters')
nid=$(q 'SELECT min(id) FROM newsletters')
akey=$(q "SELECT campaign_id || ':' || id FROM campaigns_actions ORDER BY 1 LIMIT 1")
kv forget newsletters "$nid" 999999 >"$T/out"
grep -q "removed 1 of 2 records from newsletters" "$T/out" || fail "forget count: $(cat "$T/out")"
kv forget campaigns_actions "$akey" >/dev/null
assert_eq "$(q "SELECT count(*) FROM newsletters WHERE id = $nid")" 0 "forgotten newsletter"
assert_eq "$(q "SELECT count(*) FROM campaigns_actions WHERE campaign_id || ':' || id = '$akey'")" 0 "forgotten action"
ok "sync after forget" kv sync --full-refresh
assert_eq "$(q "SELECT count(*) FROM newsletters")" "$((n_before - 1))" "a later sync does not bring it back"
assert_eq "$(q "SELECT count(*) FROM campaigns_actions WHERE campaign_id || ':' || id = '$akey'")" 0 "nor the action"
set +e
kv forget campaigns_actions 12 >/dev/null 2>&1; assert_eq $? 2 "an action key without campaign"
kv forget newsletters abc >/dev/null 2>&1; assert_eq $? 2 "a key that is no id"
set -e

# hash: the subject becomes an HMAC; equal subjects, equal hashes
raw=$(q "SELECT subject FROM campaigns_actions WHERE subject <> '' ORDER BY length(subject) DESC LIMIT 1")
[ -n "$raw" ] || fail "no subject to hash"
kv columns campaigns_actions hash subject >/dev/null
assert_eq "$(wh "SELECT count(*) FROM pragma_table_info('campaigns_actions') WHERE name = 'subject'")" 0 "raw values removed at once"
ok "sync after hash" kv sync
assert_eq "$(q "SELECT count(*) FROM campaigns_actions WHERE subject IS NOT NULL AND (length(subject) <> 64 OR subject GLOB '*[^0-9a-f]*')")" 0 "hashes are hex SHA-256"
[ "$(q "SELECT count(*) FROM campaigns_actions WHERE subject IS NOT NULL")" -gt 0 ] || fail "no hashed values"
kv columns campaigns_actions --json | py "import json,sys; c={x['name']:x for x in json.load(sys.stdin)}; assert c['subject']['hashed'], c['subject']"
sqlite3 "$WS/warehouse/customerio.sqlite" "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;" >/dev/null
if grep -rqaF -- "$raw" "$WS/warehouse"; then fail "a raw hashed value is in the warehouse files"; fi
[ "$(stat -c %a "$WS/.kaivo/hash.key")" = 600 ] || fail "hash key mode"

# disconnect
set +e
kv disconnect </dev/null >/dev/null 2>"$T/err"; assert_eq $? 2 "disconnect without --yes off a terminal"
set -e
[ -f "$WS/warehouse/customerio.sqlite" ] || fail "an unconfirmed disconnect deleted something"
kv disconnect --yes >/dev/null
[ ! -e "$WS/warehouse/customerio.sqlite" ] || fail "the warehouse Kaivo created is still there"
ls "$WS/.kaivo/"*.key >/dev/null 2>&1 && fail "keys remain: $(ls "$WS/.kaivo")"
assert_eq "$(sqlite3 "$WS/.kaivo/state.db" "SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM columns) + (SELECT count(*) FROM runs) + (SELECT count(*) FROM config) + (SELECT count(*) FROM forgotten)")" 0 "state emptied"
if grep -rqa -- "$SIM_KEY" "$WS"; then fail "the key survives somewhere"; fi
kv status --json | py "import json,sys; s=json.load(sys.stdin); assert not s['source']['connected'] and not s['source']['key_stored'], s"

# a warehouse Kaivo did not create: its tables go, the file stays
ws_connect "$T/ws2"
sqlite3 "$T/mine.sqlite" "CREATE TABLE keep_me(x); INSERT INTO keep_me VALUES (1);"
"$KAIVO" -w "$T/ws2" destination sqlite "$T/mine.sqlite" >/dev/null
ok "sync into an existing file" "$KAIVO" -w "$T/ws2" sync
"$KAIVO" -w "$T/ws2" disconnect --yes >/dev/null
assert_eq "$(sqlite3 "$T/mine.sqlite" "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'")" keep_me "only the connector's tables removed"
