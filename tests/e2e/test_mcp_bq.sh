# `kaivo mcp` over stdio on a BigQuery workspace (the fake): the tools go
# through the destination's query, whose dry run is the sandbox; the
# MCP caps still apply to the rows it delivers.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bq_lib.sh"

sim_start --campaigns 8 --actions 30 --newsletters 30 --seed 17
bq_setup
ws_connect
bq_dest
kv sync >/dev/null 2>"$T/sync.err" || { cat "$T/sync.err"; fail "sync failed"; }

jobs() { fbq_get stats | python3 -c 'import json,sys; print(json.load(sys.stdin).get("jobs", 0))'; }
jobs_before=$(jobs)

call() { # ID TOOL ARGS
    printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' "$1" "$2" "$3"
}
{
    echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}}'
    echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    call 2 list_tables '{}'
    call 3 query '{"sql":"SELECT id, name FROM newsletters ORDER BY id"}'
    call 4 query '{"sql":"DELETE FROM newsletters WHERE TRUE"}'
    call 5 query '{"sql":"DROP TABLE newsletters"}'
    call 6 query '{"sql":"SELECT * FROM `other-project.cio.campaigns`"}'
    call 7 query '{"sql":"SELECT * FROM `cio.INFORMATION_SCHEMA.TABLES`"}'
    call 8 query '{"sql":"SELECT id FROM campaigns_actions","max_rows":5}'
    call 9 describe_table '{"table":"campaigns","sample_rows":2}'
    call 10 sync_status '{}'
} | timeout 60 "$KAIVO" -w "$WS" mcp >"$T/out" 2>"$T/err" ||
    { cat "$T/err"; fail "mcp did not exit 0 at EOF"; }

py "
import json
msgs = [json.loads(l) for l in open('$T/out').read().splitlines()]
by = {m['id']: m['result'] for m in msgs}
sc = lambda i: by[i]['structuredContent']
t = {x['name']: x for x in sc(2)['tables']}
assert sc(2)['backend'] == 'bigquery', sc(2)
assert sorted(t) == ['campaigns', 'campaigns_actions', 'newsletters'], t
assert t['campaigns']['row_count'] == 8, t
assert t['campaigns_actions']['row_count'] == 30, t
assert t['newsletters']['row_count'] == 30, t
q = sc(3)
assert q['row_count'] == 30 and len(q['rows']) == 30, q
assert [c['name'] for c in q['columns']] == ['id', 'name'], q
assert q['truncated'] is False and q['backend'] == 'bigquery', q
for i in (4, 5, 6, 7):
    assert by[i].get('isError') is True, (i, by[i])
    assert 'structuredContent' not in by[i], by[i]
txt = lambda i: by[i]['content'][0]['text']
assert 'only SELECT' in txt(4), txt(4)
assert 'only SELECT' in txt(5), txt(5)
assert 'outside dataset' in txt(6), txt(6)
m = sc(8)
assert m['row_count'] == 5 and len(m['rows']) == 5, m
assert m['truncated'] is True, m
d = sc(9)
names = [c['name'] for c in d['columns']]
assert 'id' in names and '_kaivo_synced_at' in names, d
assert d['row_count'] == 8 and len(d['sample']) == 2, d
s = sc(10)
assert s['backend'] == 'bigquery', s
assert {x['name']: x['row_count'] for x in s['tables']}['newsletters'] == 30, s
"
note "tools on BigQuery ok"

# the refusals came from the dry run: only the 3 accepted SELECTs (ids
# 3, 8 and 9's sample) became jobs, and nothing was deleted
assert_eq "$(( $(jobs) - jobs_before ))" 3 "query jobs created"
assert_eq "$(fbq_count newsletters)" 30 "newsletters after DELETE/DROP"

# the caps on what the callback delivers: 2000-character cells are cut,
# and the 128 KiB result cap stops a 900-row cross join early
big='SELECT substr(hex(zeroblob(1500)), 1, 3000) AS s FROM campaigns_actions, newsletters'
{
    echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}}'
    echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    call 2 query "{\"sql\":\"$big\",\"max_rows\":1000}"
} | timeout 60 "$KAIVO" -w "$WS" mcp >"$T/out" 2>"$T/err" ||
    { cat "$T/err"; fail "mcp with caps"; }
py "
import json
r = [json.loads(l) for l in open('$T/out')][1]['result']
assert not r.get('isError'), r
q = r['structuredContent']
assert q['truncated'] is True and 0 < q['row_count'] < 100, q['row_count']
assert q['truncated_cells'] == q['row_count'], q['truncated_cells']
assert q['rows'][0][0].startswith('0' * 2000) and 'truncated' in q['rows'][0][0]
"
note "cell and size caps ok"
