# tests/e2e/bq_lib.sh - helpers for the BigQuery end-to-end tests: a test
# service-account key generated at test time, and the fake BigQuery.
# Source after lib.sh.
FBQ="$KAIVO_BUILD/kaivo-fake-bq"
DISCOVERY="$E2E_ROOT/tests/fixtures/bq/bigquery-discovery.json"
export KAIVO_BQ_POLL_MS=${KAIVO_BQ_POLL_MS:-5}

# bq_key: writes $T/sa.json (test-only key, never committed).
bq_key() {
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
        -out "$T/sa.pem" 2>/dev/null
    python3 - "$T/sa.pem" "$T/sa.json" "$1" <<'PY'
import json, sys
pem = open(sys.argv[1]).read()
json.dump({"type": "service_account", "project_id": "kaivo-test",
           "private_key_id": "testkey1", "private_key": pem,
           "client_email": "kaivo-e2e@kaivo-test.iam.gserviceaccount.com",
           "client_id": "1", "token_uri": sys.argv[3] + "/token"},
          open(sys.argv[2], "w"))
PY
}


# bq_setup [FAKE ARGS...]: key + fake on a fixed free port.
bq_setup() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    bq_key "http://127.0.0.1:$port"
    local pf="$T/fbq.port"
    "$FBQ" --port "$port" --port-file "$pf" --discovery "$DISCOVERY" \
        --trust-key "$T/sa.json" --log-requests "$T/fbq.log" "$@" \
        >"$T/fbq.out" 2>&1 &
    FBQ_PID=$!
    SIM_PIDS+=("$FBQ_PID")
    for i in $(seq 1 200); do
        [ -s "$pf" ] && break
        kill -0 "$FBQ_PID" 2>/dev/null || { cat "$T/fbq.out" >&2; fail "fake bq died"; }
        sleep 0.05
    done
    FBQ_URL="http://127.0.0.1:$port"
}

fbq_ctl() { curl -sf -X POST "$FBQ_URL/_fake/$1${2:+?$2}" >/dev/null; }
fbq_get() { curl -sf "$FBQ_URL/_fake/$1${2:+?$2}"; }

# bq_dest: points the workspace at the fake.
bq_dest() {
    kv destination bigquery --project kaivo-test --dataset cio \
        --credentials "$T/sa.json" --api-url "$FBQ_URL" >/dev/null
}

# fbq_count TABLE: rows of cio.TABLE in the fake.
fbq_count() {
    fbq_get table "dataset=cio&table=$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
