# One sync per workspace: a second one gets a clear error naming the first
# and changes nothing; after the first ends, syncing works again.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 30 --newsletters 100 --latency-ms 150
ws_connect
"$KAIVO" -w "$WS" sync >/dev/null 2>"$T/err1" &
first=$!
for i in $(seq 1 100); do
    [ -s "$WS/.kaivo/sync.lock" ] && break
    sleep 0.05
done
set +e
kv sync >"$T/out2" 2>"$T/err2"
rc=$?
set -e
assert_eq "$rc" 1 "exit status of a second sync"
grep -q "another sync is running" "$T/err2" || fail "message: $(cat "$T/err2")"
grep -q "pid $first" "$T/err2" || fail "message does not name the first sync's pid: $(cat "$T/err2")"
kv status | grep "pid $first" >/dev/null || fail "status does not show the running sync"
wait "$first" || { cat "$T/err1"; fail "first sync failed"; }
ok "sync after the first ended" kv sync
