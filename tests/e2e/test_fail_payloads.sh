# Odd payloads: 1 MB names, invalid UTF-8, JSON nested 10,000 deep, and
# 10,000 campaigns without actions.  Each ends in a correct sync or a clear
# error naming the request; never a crash, a hang, a leak (the ASan build
# exits non-zero on one) or a lost or duplicated row.  Invalid UTF-8 and
# deep nesting cannot go through the simulator (it parses its fixtures
# with jansson, which refuses both), so a small Python server on
# 127.0.0.1 serves those files byte for byte.  KAIVO_TEST_LONG=1 makes the
# names 8 MB and the nesting 100,000 deep.
source "$(dirname "$0")/lib.sh"
long=${KAIVO_TEST_LONG:-}
name_bytes=$((1024 * 1024)); depth=10000
[ -n "$long" ] && { name_bytes=$((8 * 1024 * 1024)); depth=100000; }
fx="$T/fx"; mkdir -p "$fx/actions"

# raw_start DIR: serves DIR/campaigns.json, DIR/actions/ID.json and
# DIR/newsletters.json as they are on disk, read at every request.
raw_start() {
    python3 - "$1" "$T/raw.port" >"$T/raw.log" 2>&1 <<'PY' &
import http.server, os, re, signal, sys
# exit 0 on SIGTERM: the cleanup waits for it
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
root, port_file = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split('?')[0]
        m = re.fullmatch(r'/v1/campaigns/(\d+)/actions', path)
        f = {'/v1/campaigns': 'campaigns.json',
             '/v1/newsletters': 'newsletters.json'}.get(path)
        if m:
            f = 'actions/%s.json' % m.group(1)
        p = os.path.join(root, f) if f else None
        if not p or not os.path.exists(p):
            self.send_response(404); self.send_header('Content-Length', '2')
            self.end_headers(); self.wfile.write(b'{}'); return
        body = open(p, 'rb').read()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
open(port_file + '.tmp', 'w').write(str(s.server_address[1]))
os.rename(port_file + '.tmp', port_file)
s.serve_forever()
PY
    SIM_PIDS+=("$!")
    local i
    for i in $(seq 1 100); do [ -s "$T/raw.port" ] && break; sleep 0.05; done
    [ -s "$T/raw.port" ] || fail "raw server did not start"
    RAW_URL="http://127.0.0.1:$(cat "$T/raw.port")"
}

# The fixture account: campaign 2 and an action of it carry huge names.
python3 - "$fx" "$name_bytes" <<'PY'
import json, sys
fx, n = sys.argv[1], int(sys.argv[2])
big = 'N' * (n - 1) + '\u00e9'   # n bytes... plus one: the last is 2 bytes
def camp(i, name):
    return {'id': i, 'name': name, 'state': 'running', 'type': 'segment',
            'created': 1700000000, 'updated': 1700000000 + i, 'active': True}
def act(c, i, name):
    return {'id': str(i), 'campaign_id': c, 'name': name, 'type': 'email',
            'created': 1700000000, 'updated': 1700000000 + i}
json.dump({'campaigns': [camp(1, 'one'), camp(2, big), camp(3, 'three')]},
          open(fx + '/campaigns.json', 'w'))
json.dump({'actions': [act(1, 10, 'a'), act(1, 11, 'b')], 'next': ''},
          open(fx + '/actions/1.json', 'w'))
json.dump({'actions': [act(2, 20, big)], 'next': ''},
          open(fx + '/actions/2.json', 'w'))
json.dump({'actions': [act(3, 30, 'c')], 'next': ''},
          open(fx + '/actions/3.json', 'w'))
json.dump({'newsletters': [{'id': i, 'name': 'n%d' % i, 'type': 'email',
           'created': 1700000000, 'updated': 1700000000}
           for i in range(1, 6)], 'next': ''},
          open(fx + '/newsletters.json', 'w'))
PY
cp -r "$fx" "$T/fx.good"
raw_start "$fx"
printf '%s\n' "$SIM_KEY" >"$T/key"
"$KAIVO" init "$WS" >/dev/null
kv connect customerio --api-url "$RAW_URL/v1" --api-key-file "$T/key" >/dev/null

counts() { wh "SELECT (SELECT count(*) FROM campaigns) || ' ' || (SELECT count(*) FROM campaigns_actions) || ' ' || (SELECT count(*) FROM newsletters)"; }
no_dups() {
    assert_eq "$(wh "SELECT count(*) FROM (SELECT campaign_id, id FROM campaigns_actions GROUP BY 1, 2 HAVING count(*) > 1)")" 0 "duplicated actions ($1)"
    assert_eq "$(wh "SELECT count(*) FROM (SELECT id FROM newsletters GROUP BY 1 HAVING count(*) > 1)")" 0 "duplicated newsletters ($1)"
}
sync_rc() { # log: runs a sync, sets RC
    RC=0; timeout 300 "$KAIVO" -w "$WS" sync >"$T/out" 2>"$1" || RC=$?
}

# 1. huge names: stored whole, byte for byte
sync_rc "$T/e1"; assert_eq "$RC" 0 "sync with $name_bytes-byte names: $(cat "$T/e1")"
assert_eq "$(counts)" "3 4 5" "rows after the first sync"
assert_eq "$(wh "SELECT length(CAST(name AS BLOB)) FROM campaigns WHERE id = 2")" "$((name_bytes + 1))" "campaign name bytes"
assert_eq "$(wh "SELECT length(CAST(name AS BLOB)) FROM campaigns_actions WHERE id = 20")" "$((name_bytes + 1))" "action name bytes"
good=$(wh_dump "$WS")

# 2. invalid UTF-8 in one campaign's actions: a clear error naming the
# request; the other tables sync; committed rows stay
printf '{"actions":[{"id":"31","campaign_id":3,"name":"bad \xff\xfe bytes","updated":1}],"next":""}' >"$fx/actions/3.json"
sync_rc "$T/e2"; assert_eq "$RC" 1 "exit status with invalid UTF-8"
grep -q 'campaigns_actions: .*/campaigns/3/actions' "$T/e2" || { cat "$T/e2"; fail "the error does not name the request"; }
grep -q 'not valid JSON: invalid utf-8 string (at byte 51)' "$T/e2" || { cat "$T/e2"; fail "the error does not say what is wrong"; }
assert_eq "$(counts)" "3 4 5" "rows after invalid UTF-8"
no_dups "invalid UTF-8"

# 3. a record nested $depth deep: refused before it can blow the stack
python3 -c "
import sys
d = $depth
sys.stdout.write('{\"newsletters\":[{\"id\":99,\"name\":\"deep\",\"x\":' + '[' * d + ']' * d + '}],\"next\":\"\"}')
" >"$fx/newsletters.json"
sync_rc "$T/e3"; assert_eq "$RC" 1 "exit status with $depth-deep JSON"
grep -q 'newsletters: .*/newsletters' "$T/e3" || { cat "$T/e3"; fail "the deep error does not name the request"; }
grep -qi 'deep\|nest\|depth' "$T/e3" || { cat "$T/e3"; fail "the deep error does not say why"; }
assert_eq "$(wh "SELECT count(*) FROM newsletters")" 5 "newsletters after the deep page"
no_dups "deep JSON"

# 3b. a record whose id json-c would clamp (record 2, counting from 1),
# after a good one: the page is refused as a whole (the good record is
# rolled back with it)
printf '{"newsletters":[{"id":7,"name":"ok"},{"id":99999999999999999999,"name":"big"}],"next":""}' >"$fx/newsletters.json"
sync_rc "$T/e3b"; assert_eq "$RC" 1 "exit status with an id out of range"
grep -q "record 2 of the page: record key 'id' is not an integer (got integer out of range)" "$T/e3b" || { cat "$T/e3b"; fail "the id error does not say which record and why"; }
assert_eq "$(wh "SELECT count(*) FROM newsletters")" 5 "newsletters after the bad id"
no_dups "id out of range"

# 3c. a key with \u0000 (json-c would cut it to "id" and replace the id)
# and an overlong UTF-8 form (json-c's own check lets it through)
printf '{"newsletters":[{"id":8,"name":"eight","id\\u0000x":9}],"next":""}' >"$fx/newsletters.json"
sync_rc "$T/e3c"; assert_eq "$RC" 1 "exit status with a NUL in a key"
grep -q 'not valid JSON: .u0000 (a NUL character) is not accepted' "$T/e3c" || { cat "$T/e3c"; fail "the NUL error does not say why"; }
printf '{"newsletters":[{"id":8,"name":"x\xc0\xafy"}],"next":""}' >"$fx/newsletters.json"
sync_rc "$T/e3d"; assert_eq "$RC" 1 "exit status with an overlong UTF-8 form"
grep -q 'not valid JSON: invalid utf-8 string' "$T/e3d" || { cat "$T/e3d"; fail "the overlong error does not say why"; }
assert_eq "$(wh "SELECT count(*) FROM newsletters WHERE id IN (8, 9)")" 0 "no row from either page"

# 4. the source fixed: the next sync is whole again
rm -rf "$fx"; cp -r "$T/fx.good" "$fx"
sync_rc "$T/e4"; assert_eq "$RC" 0 "sync after the source is fixed: $(cat "$T/e4")"
[ "$(wh_dump "$WS")" = "$good" ] || fail "warehouse differs after recovery"

# 4b. a record with 20,000 fields never seen: all become available, and
# neither this sync nor the next is held up by them (a sort per field
# once took 11 s a sync; the timeout is a hang guard, not a speed test)
python3 -c "
import json
rec = {'id': 77, 'name': 'wide'}
rec.update({'f%05d' % i: i for i in range(20000)})
print(json.dumps({'newsletters': [rec], 'next': ''}))
" >"$fx/newsletters.json"
for run in 1 2; do
    RC=0; timeout 120 "$KAIVO" -w "$WS" sync newsletters >"$T/e3e" 2>&1 || RC=$?
    assert_eq "$RC" 0 "sync $run of a 20,000-field record: $(tail -3 "$T/e3e")"
done
assert_eq "$("$KAIVO" -w "$WS" columns newsletters --json | py "import json,sys; print(sum(1 for c in json.load(sys.stdin) if c['name'].startswith('f')))")" 20000 "fields available"

# 4c. a record listed twice with different content: the last one wins,
# and the next syncs keep it (the second copy was once compared with the
# stored hash, not with the first copy just written, and the row flipped)
printf '{"newsletters":[{"id":5,"name":"first"},{"id":5,"name":"second"}],"next":""}' >"$fx/newsletters.json"
for run in 1 2 3; do
    RC=0; timeout 120 "$KAIVO" -w "$WS" sync newsletters >"$T/e4c" 2>&1 || RC=$?
    assert_eq "$RC" 0 "sync $run of a doubled record: $(tail -3 "$T/e4c")"
    assert_eq "$(wh "SELECT name FROM newsletters WHERE id = 5")" second "the doubled record after sync $run"
done

# 5. 10,000 campaigns without actions (the simulator, client rate lifted)
sim_start --campaigns 10000 --actions 0 --newsletters 3 --seed 4
ws_connect "$T/many"
"$KAIVO" -w "$T/many" connect customerio --api-url "$SIM_URL/v1" --api-key-file "$T/key" --rate 1000 >/dev/null
timeout 300 "$KAIVO" -w "$T/many" sync --json >"$T/many.json" 2>"$T/e5" || { cat "$T/e5"; fail "sync of 10,000 campaigns"; }
assert_eq "$(wh "SELECT count(*) FROM campaigns" "$T/many")" 10000 "campaigns"
assert_eq "$(wh "SELECT count(*) FROM campaigns_actions" "$T/many")" 0 "actions"
py "
import json
s = json.load(open('$T/many.json'))
assert s['http']['requests'] >= 10001, s['http']
"
note "payloads: huge names, invalid UTF-8, deep JSON, 10,000 campaigns"
