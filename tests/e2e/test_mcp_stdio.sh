# `kaivo mcp` over stdio: the raw protocol (handshake, versions, errors,
# batches, EOF), then the official TypeScript SDK client and the MCP
# inspector CLI (tests/mcp-client, installed by .ci/run) against a synced
# workspace.
source "$(dirname "$0")/lib.sh"
CLIENT="$E2E_ROOT/tests/mcp-client"
[ -d "$CLIENT/node_modules/@modelcontextprotocol/sdk" ] ||
    fail "tests/mcp-client/node_modules is missing: run 'npm ci --prefix tests/mcp-client' (.ci/run does)"
command -v node >/dev/null || fail "node is not installed"

sim_start --campaigns 8 --newsletters 30 --seed 11
ws_connect
kv sync >/dev/null 2>"$T/sync.err" || { cat "$T/sync.err"; fail "sync failed"; }

init() { # VERSION
    printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}}' "$1"
}

# the raw protocol, one line in, one line out
{
    init 2025-11-25; echo
    echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    echo '{"jsonrpc":"2.0","id":2,"method":"server/discover"}'
    echo 'this is not json'
    echo '[{"jsonrpc":"2.0","id":3,"method":"ping"}]'
    echo '{"jsonrpc":"2.0","id":4,"method":"ping"}'
    echo '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"query","arguments":{"sql":"UPDATE campaigns SET name = 1"}}}'
    echo '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT count(*) FROM newsletters"}}}'
} | timeout 20 "$KAIVO" -w "$WS" mcp >"$T/out" 2>"$T/err" || fail "mcp did not exit 0 at EOF"
py "
import json
lines = open('$T/out').read().splitlines()
msgs = [json.loads(l) for l in lines]          # only JSON on stdout
assert len(msgs) == 7, lines
by = {m['id']: m for m in msgs if m['id'] is not None}
assert by[1]['result']['protocolVersion'] == '2025-11-25'
assert 'untrusted' in by[1]['result']['instructions']
assert by[2]['error']['code'] == -32601
nulls = [m['error']['code'] for m in msgs if m['id'] is None]
assert sorted(nulls) == [-32700, -32600], nulls
assert by[4]['result'] == {}
assert by[5]['result']['isError'] is True
assert by[6]['result']['structuredContent']['rows'] == [[30]], by[6]
"
note "raw protocol ok"

# version negotiation down to 2024-11-05; unknown versions get the newest
for v in 2025-06-18 2025-03-26 2024-11-05 2030-01-01; do
    got=$( (init "$v"; echo) | timeout 20 "$KAIVO" -w "$WS" mcp 2>/dev/null |
        py "import json,sys; print(json.loads(sys.stdin.readline())['result']['protocolVersion'])")
    want=$v; [ "$v" = 2030-01-01 ] && want=2025-11-25
    assert_eq "$got" "$want" "negotiated version for $v"
done

# the official SDK client
(cd "$CLIENT" && KAIVO_WS="$WS" timeout 120 node client.mjs stdio "$KAIVO" "$WS") \
    2>"$T/sdk.log" || { cat "$T/sdk.log"; fail "SDK client over stdio"; }
note "SDK client ok"

# the inspector CLI, legacy and auto (probes server/discover, falls back)
I=("$CLIENT/node_modules/.bin/mcp-inspector" --cli -q --format json)
for era in legacy auto; do
    timeout 120 "${I[@]}" --protocol-era "$era" "$KAIVO" -w "$WS" mcp \
        --method tools/call --tool-name query \
        --tool-args-json '{"sql":"SELECT count(*) AS n FROM campaigns"}' \
        >"$T/insp.out" 2>"$T/insp.err" || { cat "$T/insp.err"; fail "inspector ($era)"; }
    py "
import json
r = json.load(open('$T/insp.out'))['result']
assert r['structuredContent']['rows'] == [[8]], r
"
done
timeout 120 "${I[@]}" "$KAIVO" -w "$WS" mcp --method resources/read \
    --uri kaivo://schema/campaigns >"$T/insp.out" 2>"$T/insp.err" ||
    { cat "$T/insp.err"; fail "inspector resources/read"; }
grep -q 'primary_key' "$T/insp.out" || fail "schema resource via inspector"
note "inspector ok"
