# The progress line: drawn on stderr when it is a terminal (requests,
# records, rate, and campaigns done with an ETA in the actions phase),
# never when stderr is a file or -q is given.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { note "no script(1): skipped"; exit 0; }
sim_start --campaigns 40 --newsletters 100 --seed 9 --latency-ms 20
ws_connect

# not a terminal: no carriage returns, no escape codes
kv sync >/dev/null 2>"$T/plain.err" || fail "sync"
! grep -q $'\r' "$T/plain.err" || fail "progress drawn on a file"

# a terminal (script(1) gives the command a pty)
kv sync --full-refresh >/dev/null 2>&1 || fail "second sync"
script -qec "'$KAIVO' -w '$WS' sync --full-refresh >/dev/null" "$T/tty.out" >/dev/null 2>&1 || fail "sync on a pty"
grep -aq 'req, [0-9]* rec, [0-9]* rec/s' "$T/tty.out" || { cat -v "$T/tty.out"; fail "no progress line on a terminal"; }
grep -aq 'campaigns [0-9]*/40, ETA ' "$T/tty.out" || { cat -v "$T/tty.out"; fail "no ETA in the actions phase"; }
script -qec "'$KAIVO' -w '$WS' -q sync --full-refresh >/dev/null" "$T/quiet.out" >/dev/null 2>&1 || fail "quiet sync on a pty"
! grep -aq 'rec/s' "$T/quiet.out" || fail "progress drawn with -q"
script -qec "'$KAIVO' -w '$WS' --log-format json sync >/dev/null" "$T/json.out" >/dev/null 2>&1 || fail "json sync on a pty"
! grep -aq 'rec/s' "$T/json.out" || fail "progress drawn with --log-format json"
note "progress: on a terminal only"
