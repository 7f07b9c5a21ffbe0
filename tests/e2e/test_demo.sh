# `kaivo demo DIR` starts the simulator, syncs into DIR and queries it.
source "$(dirname "$0")/lib.sh"
"$KAIVO" demo "$T/demo" --campaigns 12 >"$T/out" 2>"$T/err" || { cat "$T/out" "$T/err"; fail "demo"; }
grep -q "campaigns_actions" "$T/out" || fail "demo output lacks the tables"
[ "$("$KAIVO" -w "$T/demo" query --format csv 'SELECT count(*) FROM campaigns' | tail -1)" = 12 ] || fail "demo warehouse"
if pgrep -f "kaivo-cio-sim.*$T/demo" >/dev/null; then fail "demo left the simulator running"; fi
