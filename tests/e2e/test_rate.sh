# The client stays under its rate: against a simulator that allows exactly
# 10 requests in any rolling second, a default sync is never throttled,
# while several requests are kept in flight (150 ms latency needs two).
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 40 --newsletters 300 --rate-limit 10 --latency-ms 150
ws_connect
kv sync --json >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "sync"; }
sim_get stats >"$T/stats.json"
py "
import json
st = json.load(open('$T/stats.json')); s = json.load(open('$T/out'))
print('sim stats', st)
assert s['http']['throttled'] == 0, s['http']
assert st['rate_limited'] == 0, st
assert st['busiest_1s'] <= 10, st
assert st['max_concurrent'] >= 2, st
"
