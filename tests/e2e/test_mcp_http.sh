# `kaivo mcp --http`: loopback only unless asked, the bearer token (made
# at first start, 0600), Origin, MCP-Protocol-Version, sessions, 202 and
# 405, then the official SDK client over Streamable HTTP.
source "$(dirname "$0")/lib.sh"
CLIENT="$E2E_ROOT/tests/mcp-client"
[ -d "$CLIENT/node_modules/@modelcontextprotocol/sdk" ] ||
    fail "tests/mcp-client/node_modules is missing: run 'npm ci --prefix tests/mcp-client' (.ci/run does)"

sim_start --campaigns 6 --newsletters 12 --seed 5
ws_connect
kv sync >/dev/null 2>"$T/sync.err" || { cat "$T/sync.err"; fail "sync failed"; }

# a non-loopback address needs --allow-remote (nothing is started)
set +e
kv mcp --http 0.0.0.0:0 2>"$T/remote.err"; rc=$?
set -e
assert_eq "$rc" 2 "non-loopback bind refused"
grep -q "allow-remote" "$T/remote.err" || fail "refusal names --allow-remote"

# not through kv(): $! must be the server itself, so cleanup stops it
"$KAIVO" -w "$WS" mcp --http 127.0.0.1:0 --port-file "$T/port" 2>"$T/mcp.err" &
MCP_PID=$!
SIM_PIDS+=("$MCP_PID")
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || { cat "$T/mcp.err"; fail "mcp http did not start"; }
URL="http://127.0.0.1:$(cat "$T/port")/mcp"
KEY="$WS/.kaivo/mcp.key"
assert_eq "$(stat -c %a "$KEY")" 600 "token file mode"
TOK=$(cat "$KEY")
grep -q "$TOK" "$T/mcp.err" && fail "the token leaked into the log"

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}}'
req() { # EXPECTED_STATUS BODY [CURL ARGS...]
    local want=$1 body=$2 got
    shift 2
    got=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -X POST "$URL" \
        -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' "$@" -d "$body")
    [ "$got" = "$want" ] || { cat "$T/body"; fail "expected $want, got $got for $body $*"; }
}
AUTH=(-H "Authorization: Bearer $TOK")

req 401 "$INIT"
req 401 "$INIT" -H "Authorization: Bearer wrong-token-of-some-length-0000000000000000"
req 403 "$INIT" "${AUTH[@]}" -H 'Origin: http://evil.example'
req 403 "$INIT" "${AUTH[@]}" -H 'Host: evil.example'
req 400 "$INIT" "${AUTH[@]}" -H 'MCP-Protocol-Version: 1999-01-01'
req 400 '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "${AUTH[@]}"
req 400 "[$INIT]" "${AUTH[@]}"
req 404 "$INIT" "${AUTH[@]}" -H 'Mcp-Session-Id: no-such-session'
get=$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" "$URL")
assert_eq "$get" 405 "GET"

req 200 "$INIT" "${AUTH[@]}" -H "Origin: $(dirname "$URL")"
SID=$(tr -d '\r' <"$T/headers" | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
[ ${#SID} -ge 32 ] || fail "no session id"
S=(-H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25')
req 202 '{"jsonrpc":"2.0","method":"notifications/initialized"}' "${AUTH[@]}" "${S[@]}"
[ -s "$T/body" ] && fail "202 with a body"
req 200 '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT count(*) FROM campaigns"}}}' "${AUTH[@]}" "${S[@]}"
grep -q '"rows":\[\[6\]\]' "$T/body" || fail "query over http: $(cat "$T/body")"
req 200 '{"jsonrpc":"2.0","id":3,"method":"nope"}' "${AUTH[@]}" "${S[@]}"
grep -q -- '-32601' "$T/body" || fail "unknown method over http"
req 400 '{"jsonrpc":"2.0","id":4,"method":"ping"}' "${AUTH[@]}" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-06-18'
del=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "${AUTH[@]}" -H "Mcp-Session-Id: $SID" "$URL")
assert_eq "$del" 204 "DELETE ends the session"
req 404 '{"jsonrpc":"2.0","id":5,"method":"ping"}' "${AUTH[@]}" "${S[@]}"
note "http checks ok"

(cd "$CLIENT" && KAIVO_WS="$WS" timeout 120 node client.mjs http "$URL" "$TOK") \
    2>"$T/sdk.log" || { cat "$T/sdk.log"; fail "SDK client over http"; }
note "SDK client over http ok"

# the token survives a restart
kill "$MCP_PID"; wait "$MCP_PID" 2>/dev/null || true
assert_eq "$(cat "$KEY")" "$TOK" "token kept across restarts"
