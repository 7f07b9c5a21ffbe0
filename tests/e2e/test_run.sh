# `kaivo run`: syncs on schedule, one log line per run, status shows the
# scheduler and the next run, a failed sync notifies and backs off, the
# next success notifies a recovery, SIGTERM mid-sync exits 0 with the run
# recorded as cancelled and committed data intact, a second scheduler on
# the same workspace is refused, and one killed by -9 shows as stopped.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 30 --newsletters 200 --seed 3 --latency-ms 5
ws_connect
kv connect customerio --api-url "$SIM_URL/v1" --api-key-file "$T/key" --rate 50 >/dev/null
hook="$T/notes"
start_run() { # log [ARGS...]
    local log=$1; shift
    "$KAIVO" -w "$WS" run "$@" --notify-command "echo \"\$KAIVO_EVENT|\$KAIVO_RUN_ID|\$KAIVO_ERROR\" >>$hook" 2>"$log" &
    RUN_PID=$!
}
wait_for() { # what command...: polls up to 30 s
    local what=$1 i; shift
    for i in $(seq 1 300); do "$@" && return 0; sleep 0.1; done
    fail "timed out waiting for $what"
}
two_ok() { [ "$(grep -c ' ok: ' "$T/run.log")" -ge 2 ]; }

# usage errors
kv run --every 0s 2>"$T/err" && fail "--every 0s accepted"
grep -q "invalid duration '0s'" "$T/err" || fail "no message for 0s"
rc=0; kv run --every 5x 2>/dev/null || rc=$?
assert_eq "$rc" 2 "exit status for --every 5x"

kv status | grep '^scheduler    not running' >/dev/null || fail "status before run"

# two runs on schedule, status in between
start_run "$T/run.log" --every 2s
wait_for "first run" grep -q 'run #1 ok' "$T/run.log"
kv status >"$T/st.txt"
grep -q "^scheduler    running (pid $RUN_PID), every 2s" "$T/st.txt" || { cat "$T/st.txt"; fail "status does not show the scheduler"; }
kv status --json | py "import json,sys; s=json.load(sys.stdin)['scheduler']; assert s['running'] and s['pid']==$RUN_PID and s['every_seconds']==2, s"
rc=0; kv run --every 2s 2>"$T/err2" || rc=$?
assert_eq "$rc" 1 "second scheduler"
grep -q "a scheduler already runs for this workspace (pid $RUN_PID)" "$T/err2" || fail "second scheduler message"
wait_for "second run" two_ok

# a failure: every request answers 503 until the simulator is told otherwise
sim_ctl config fail_first=100000 >/dev/null
wait_for "a failed run" grep -q ' failed: .*backoff: 1 failed in a row' "$T/run.log"
wait_for "failure notification" grep -q '^failure|' "$hook"
sim_ctl config fail_first=0 >/dev/null
wait_for "recovery notification" grep -q '^recovery|' "$hook"
kill -TERM "$RUN_PID"; rc=0; wait "$RUN_PID" || rc=$?
assert_eq "$rc" 0 "run exit status after SIGTERM"
grep -q 'retrying at' "$T/run.log" || fail "the failure does not say when it retries"
grep -q 'scheduler stopped' "$T/run.log" || fail "no stop line"
kv status | grep '^scheduler    not running$' >/dev/null || fail "status after the scheduler stopped"
# one line per run: no per-table lines at the default level
n_runs=$(kv history --json | py "import json,sys; print(len(json.load(sys.stdin)))")
n_lines=$(grep -c 'run #' "$T/run.log")
[ "$n_lines" -le "$n_runs" ] || fail "more than one line per run ($n_lines lines, $n_runs runs)"
! grep -q 'records read, .* unchanged' "$T/run.log" || fail "per-table lines at the default level"
fid=$(grep '^failure|' "$hook" | head -1 | cut -d'|' -f2)
kv history --json | py "import json,sys; r={x['id']:x for x in json.load(sys.stdin)}; assert r[$fid]['status']=='failed', r[$fid]"
grep "^failure|" "$hook" | head -1 | grep "503" >/dev/null || { cat "$hook"; fail "KAIVO_ERROR does not say what failed"; }
! grep -q "$SIM_KEY" "$hook" || fail "the key reached the notify command"

# SIGTERM in the middle of a sync: exit 0, run cancelled, data consistent
sim_ctl config latency_ms=150 >/dev/null
before=$(wh "SELECT count(*) FROM campaigns_actions")
start_run "$T/run2.log" --every 1h
sleep 1.5
kill -TERM "$RUN_PID"; rc=0; wait "$RUN_PID" || rc=$?
assert_eq "$rc" 0 "exit status of SIGTERM during a sync"
grep -q 'cancelled by a signal' "$T/run2.log" || { cat "$T/run2.log"; fail "no cancel line"; }
kv history --json | py "import json,sys; r=json.load(sys.stdin)[0]; assert r['status']=='cancelled', r"
after=$(wh "SELECT count(*) FROM campaigns_actions")
[ "$after" -ge "$before" ] || fail "rows lost by a cancelled run ($before -> $after)"
dups=$(wh "SELECT count(*) FROM (SELECT campaign_id, id FROM campaigns_actions GROUP BY 1, 2 HAVING count(*) > 1)")
assert_eq "$dups" 0 "duplicated rows after a cancelled run"
sim_ctl config latency_ms=0 >/dev/null
kv sync >/dev/null 2>&1 || fail "sync after a cancelled run"

# kill -9: the kernel drops the run lock; status tells the scheduler died
: >"$T/run3.log"
start_run "$T/run3.log" --every 1h
wait_for "a run after restart" grep -q 'run #[0-9]* ok' "$T/run3.log"
kill -9 "$RUN_PID"; wait "$RUN_PID" 2>/dev/null || true
kv status | grep '^scheduler    not running (the last one stopped without cleaning up)' >/dev/null || { kv status; fail "status after kill -9 of the scheduler"; }
start_run "$T/run4.log" --every 1h
wait_for "a scheduler after kill -9" grep -q 'run #[0-9]* ok' "$T/run4.log"
kill -INT "$RUN_PID"; rc=0; wait "$RUN_PID" || rc=$?
assert_eq "$rc" 0 "exit status after SIGINT"
note "run: schedule, status, failure, recovery and SIGTERM ok"
