# tests/e2e/lib.sh - shared helpers for the end-to-end tests: each test is a
# bash script that runs the real kaivo binary against the real simulator on
# 127.0.0.1, in a scratch folder removed at exit.  Source it first.
set -euo pipefail

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KAIVO_BUILD=${KAIVO_BUILD:-$E2E_ROOT/build}
KAIVO="$KAIVO_BUILD/kaivo"
SIM="$KAIVO_BUILD/kaivo-cio-sim"
T=$(mktemp -d /tmp/kaivo-e2e-XXXXXX)
WS="$T/ws"
SIM_KEY=sim-app-api-key
SIM_PIDS=()
# fast retries: the tests exercise the paths, not the waiting
export KAIVO_RETRY_BASE_MS=${KAIVO_RETRY_BASE_MS:-10}
export KAIVO_RETRY_CAP_MS=${KAIVO_RETRY_CAP_MS:-100}
unset KAIVO_WORKSPACE CUSTOMERIO_APP_API_KEY

e2e_cleanup() {
    local p
    for p in "${SIM_PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap e2e_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# ok MESSAGE CMD...: runs CMD quietly; on failure shows its output, fails.
ok() {
    local m=$1
    shift
    "$@" >"$T/ok.out" 2>&1 || { cat "$T/ok.out" >&2; fail "$m"; }
}
note() { echo "-- $*" >&2; }

# sim_start [ARGS...]: starts a simulator; sets SIM_PID, SIM_URL.
sim_start() {
    local pf="$T/sim.$RANDOM.port" i
    "$SIM" --port 0 --port-file "$pf" --api-key "$SIM_KEY" "$@" \
        >"$T/sim.log" 2>&1 &
    SIM_PID=$!
    SIM_PIDS+=("$SIM_PID")
    for i in $(seq 1 200); do
        [ -s "$pf" ] && break
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$T/sim.log" >&2; fail "simulator died"; }
        sleep 0.05
    done
    [ -s "$pf" ] || fail "simulator did not start"
    SIM_URL="http://127.0.0.1:$(cat "$pf")"
}

sim_stop() {
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
}

# sim_ctl VERB [QUERY]: POST to the simulator's control API.
sim_ctl() { curl -sf -X POST "$SIM_URL/_sim/$1${2:+?$2}"; }
sim_get() { curl -sf "$SIM_URL/_sim/$1"; }

kv() { "$KAIVO" -w "$WS" "$@"; }

# ws_connect [WS]: a workspace connected to the running simulator.
ws_connect() {
    local ws=${1:-$WS}
    printf '%s\n' "$SIM_KEY" >"$T/key"
    "$KAIVO" init "$ws" >/dev/null
    "$KAIVO" -w "$ws" connect customerio --api-url "$SIM_URL/v1" \
        --api-key-file "$T/key" >/dev/null
}

# q SQL: the query's result as CSV rows without the header.
q() { kv query --format csv "$1" | tail -n +2; }

# wh_sql [WS] SQL: the sqlite3 shell on a workspace's warehouse.
wh() { sqlite3 "${2:-$WS}/warehouse/customerio.sqlite" "$1"; }

assert_eq() { # actual expected message
    [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# py SCRIPT: python3 for JSON comparisons (dump of the simulator).
py() { python3 -c "$1"; }

# The warehouse's tables as sorted text without _kaivo_synced_at, for
# comparing two warehouses row for row.
wh_dump() { # ws
    local ws=$1 t cols
    for t in campaigns campaigns_actions newsletters; do
        cols=$(sqlite3 "$ws/warehouse/customerio.sqlite" \
            "SELECT group_concat('\"' || replace(name, '\"', '\"\"') || '\"', ',') FROM pragma_table_info('$t') WHERE name <> '_kaivo_synced_at'")
        echo "== $t"
        sqlite3 "$ws/warehouse/customerio.sqlite" \
            "SELECT $cols FROM \"$t\" ORDER BY 1, 2" | sed 's/^/  /'
    done
}
