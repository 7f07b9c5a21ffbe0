# The command line: help everywhere, exit statuses, usage errors, JSON
# outputs that parse, and commands that need a workspace saying so.
source "$(dirname "$0")/lib.sh"
for c in init connect destination check tables columns sync status history query demo; do
    "$KAIVO" "$c" --help >"$T/help" || fail "$c --help exit status"
    grep -q "usage: kaivo $c" "$T/help" || fail "$c --help text"
done
"$KAIVO" --help | grep "commands:" >/dev/null || fail "kaivo --help"
set +e
"$KAIVO" >/dev/null 2>&1; assert_eq $? 2 "no command"
"$KAIVO" frobnicate >/dev/null 2>&1; assert_eq $? 2 "unknown command"
"$KAIVO" sync --no-such-option >/dev/null 2>"$T/err"; assert_eq $? 2 "unknown option"
grep -q "unknown option '--no-such-option'" "$T/err" || fail "unknown option message"
"$KAIVO" -w "$T/nowhere" status >/dev/null 2>"$T/err"; assert_eq $? 2 "not a workspace"
grep -q "not a kaivo workspace" "$T/err" || fail "not-a-workspace message"
"$KAIVO" columns >/dev/null 2>&1; assert_eq $? 2 "columns without a table"
set -e

# KAIVO_WORKSPACE and -w both name the workspace; init twice is refused
KAIVO_WORKSPACE="$T/envws" "$KAIVO" init >/dev/null
[ -d "$T/envws/.kaivo" ] || fail "KAIVO_WORKSPACE ignored by init"
set +e
"$KAIVO" init "$T/envws" >/dev/null 2>&1; assert_eq $? 2 "init on a workspace"
set -e

sim_start --campaigns 4 --newsletters 3
ws_connect
set +e
kv columns nosuch >/dev/null 2>&1; assert_eq $? 2 "columns of an unknown table"
kv sync nosuch >/dev/null 2>&1; assert_eq $? 2 "sync of an unknown table"
kv query "DELETE FROM campaigns" >/dev/null 2>"$T/err"; assert_eq $? 2 "a writing query"
kv query "SELECT 1; DROP TABLE campaigns" >/dev/null 2>&1; assert_eq $? 2 "two statements"
kv destination bigquery >/dev/null 2>&1; assert_eq $? 2 "a destination not in this build"
set -e
ok "sync of one table" kv sync newsletters
assert_eq "$(q 'SELECT count(*) FROM newsletters')" 3 "one table synced"
kv tables --json | py "import json,sys; t={x['name']:x for x in json.load(sys.stdin)}; assert t['newsletters']['rows']==3 and t['campaigns']['rows'] is None, t"
kv sync >/dev/null 2>&1
kv status --json | py "import json,sys; s=json.load(sys.stdin); assert s['source']['key_stored'] and s['last_run']['status']=='ok', s"
kv history --json | py "import json,sys; r=json.load(sys.stdin); assert isinstance(r, list) and len(r)==2 and r[0]['id']>r[1]['id'], r"
kv query --format json "SELECT id, name FROM campaigns ORDER BY id" | py "import json,sys; r=json.load(sys.stdin); assert len(r)==4 and 'name' in r[0], r"
kv query --format csv "SELECT 'a,b' AS x, NULL AS y" >"$T/csv"
assert_eq "$(cat "$T/csv")" $'x,y\n"a,b",' "CSV quoting"
kv check >"$T/check" || fail "check: $(cat "$T/check")"
kv destination sqlite "$T/elsewhere.sqlite" >/dev/null
kv sync >/dev/null 2>&1
[ -s "$T/elsewhere.sqlite" ] || fail "destination path not used"

# Back to the first warehouse after the account changed: the stored hashes
# described the other one, so they are dropped and every change lands
# (they once said "unchanged" and the first warehouse kept stale rows).
sim_ctl advance >/dev/null
kv sync >/dev/null 2>&1
kv destination sqlite >"$T/out" 2>&1 || fail "destination back: $(cat "$T/out")"
grep -q "next sync writes every record" "$T/out" || fail "no word of the rewrite: $(cat "$T/out")"
kv sync >/dev/null 2>&1
rows="SELECT id, name, updated FROM newsletters ORDER BY id"
assert_eq "$(wh "$rows")" "$(sqlite3 "$T/elsewhere.sqlite" "$rows")" "first warehouse caught up"
[ -n "$(wh "$rows")" ] || fail "no newsletters"
# the state file is not a warehouse (every sync would then wait on a lock)
set +e
kv destination sqlite "$WS/.kaivo/state.db" >/dev/null 2>"$T/err"; assert_eq $? 2 "state.db as the warehouse"
kv destination sqlite "$WS/.kaivo/other.sqlite" >/dev/null 2>>"$T/err"; assert_eq $? 2 "a file in .kaivo as the warehouse"
kv destination sqlite "$WS/.kaivo/new/dir/x.sqlite" >/dev/null 2>>"$T/err"; assert_eq $? 2 "a folder yet to be made in .kaivo"
ln -s "$WS/.kaivo/state.db" "$T/link.sqlite"
kv destination sqlite "$T/link.sqlite" >/dev/null 2>>"$T/err"; assert_eq $? 2 "a symbolic link to state.db"
ln "$WS/.kaivo/state.db" "$T/hard.sqlite"
kv destination sqlite "$T/hard.sqlite" >/dev/null 2>>"$T/err"; assert_eq $? 2 "a hard link to state.db"
[ ! -e "$WS/.kaivo/new" ] || fail "a refused destination made folders in .kaivo"
set -e
grep -q "private folder" "$T/err" || fail "private folder message: $(cat "$T/err")"
