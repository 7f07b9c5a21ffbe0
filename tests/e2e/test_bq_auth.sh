#!/usr/bin/env bash
# BigQuery credentials: an authorized_user file (refresh-token grant at the
# fake's token endpoint, refused when revoked), the
# GOOGLE_APPLICATION_CREDENTIALS fallback when --credentials is absent,
# and no private key, client secret, refresh token, JWT or access token in
# anything Kaivo printed, logged or wrote (the workspace included).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bq_lib.sh"

# user_key FILE REFRESH_TOKEN: an authorized_user file for the fake.
user_key() {
    python3 - "$1" "$2" "$FBQ_URL/token" <<'PY'
import json, sys
json.dump({"type": "authorized_user",
           "client_id": "kaivo-e2e.apps.googleusercontent.com",
           "client_secret": "CLIENT-SECRET-e2e-5d1f9a",
           "refresh_token": sys.argv[2], "token_uri": sys.argv[3]},
          open(sys.argv[1], "w"))
PY
}
rows_in() { # DATASET TABLE
    fbq_get table "dataset=$1&table=$2" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
stat_of() { fbq_get stats | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }

sim_start --campaigns 4 --actions 10 --newsletters 12
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
FBQ_URL="http://127.0.0.1:$port"
user_key "$T/user.json" "1//REFRESH-e2e-8c2b7e"
# bq_setup picks its own port: start the fake by hand, trusting both keys
bq_key "$FBQ_URL"
"$FBQ" --port "$port" --port-file "$T/fbq.port" --discovery "$DISCOVERY" \
    --trust-key "$T/sa.json" --trust-user "$T/user.json" \
    >"$T/fbq.out" 2>&1 &
FBQ_PID=$!
SIM_PIDS+=("$FBQ_PID")
for i in $(seq 1 200); do [ -s "$T/fbq.port" ] && break; sleep 0.05; done
[ -s "$T/fbq.port" ] || fail "fake bq did not start"
ws_connect

# authorized_user: the refresh-token grant
kv -v destination bigquery --project kaivo-test --dataset u \
    --credentials "$T/user.json" --api-url "$FBQ_URL" >"$T/out.user" \
    2>"$T/err.user" || { cat "$T/err.user" >&2; fail "authorized_user destination"; }
kv -v --log-format json sync >"$T/out.sync" 2>"$T/err.sync" ||
    { cat "$T/err.sync" >&2; fail "authorized_user sync"; }
[ "$(stat_of refresh_grants)" -ge 2 ] || fail "no refresh-token grants"
[ "$(rows_in u newsletters)" -gt 0 ] || fail "authorized_user sync wrote nothing"
kv query --format csv "SELECT count(*) AS n FROM newsletters" >"$T/out.query" 2>&1 ||
    fail "query with authorized_user"

# a revoked refresh token: exit 3, and the message names no secret
user_key "$T/revoked.json" "revoked"
set +e
kv destination bigquery --project kaivo-test --dataset u \
    --credentials "$T/revoked.json" --api-url "$FBQ_URL" >"$T/out.revoked" 2>"$T/err.revoked"
rc=$?
set -e
assert_eq "$rc" 3 "a revoked refresh token"
grep -q "invalid_grant" "$T/err.revoked" || fail "no reason: $(cat "$T/err.revoked")"

# GOOGLE_APPLICATION_CREDENTIALS when --credentials is absent
WS2="$T/ws2"
ws_connect "$WS2"
set +e
"$KAIVO" -w "$WS2" destination bigquery --project kaivo-test --dataset g \
    --api-url "$FBQ_URL" >"$T/out.noenv" 2>"$T/err.noenv"
rc=$?
set -e
assert_eq "$rc" 2 "no credentials at all"
grep -q "GOOGLE_APPLICATION_CREDENTIALS" "$T/err.noenv" || fail "no hint: $(cat "$T/err.noenv")"
GOOGLE_APPLICATION_CREDENTIALS="$T/sa.json" "$KAIVO" -w "$WS2" -v \
    destination bigquery --project kaivo-test --dataset g \
    --api-url "$FBQ_URL" >"$T/out.adc" 2>"$T/err.adc" ||
    { cat "$T/err.adc" >&2; fail "destination from the environment"; }
GOOGLE_APPLICATION_CREDENTIALS="$T/sa.json" "$KAIVO" -w "$WS2" -v sync \
    >"$T/out.adcsync" 2>"$T/err.adcsync" || { cat "$T/err.adcsync" >&2; fail "sync from the environment"; }
[ "$(rows_in g newsletters)" -gt 0 ] || fail "the environment's key wrote nothing"
# and an authorized_user file through the environment
GOOGLE_APPLICATION_CREDENTIALS="$T/user.json" "$KAIVO" -w "$WS2" check \
    >"$T/out.adcuser" 2>"$T/err.adcuser" || { cat "$T/err.adcuser" >&2; fail "check with an authorized_user from the environment"; }

# secrets: nowhere in output, logs, history, status or the workspaces
for w in "$WS" "$WS2"; do
    "$KAIVO" -w "$w" history --json >>"$T/out.hist" 2>&1 || true
    "$KAIVO" -w "$w" status --json >>"$T/out.hist" 2>&1 || true
done
python3 - "$T" "$WS" "$WS2" <<'PY' || fail "a secret leaked"
import json, os, sys
t, roots = sys.argv[1], sys.argv[2:]
sa = json.load(open(t + "/sa.json"))
user = json.load(open(t + "/user.json"))
needles = [l for l in sa["private_key"].splitlines()
           if len(l) >= 16 and not l.startswith("-----")]
needles += [user["client_secret"], user["refresh_token"],
            "ya29.fake-",                # every access token the fake issues
            "eyJhbGciOiJSUzI1NiIs"]      # the start of every JWT we sign
files = [os.path.join(t, f) for f in os.listdir(t)
         if f.startswith(("out.", "err."))]
for r in roots:
    for d, _, fs in os.walk(r):
        files += [os.path.join(d, f) for f in fs]
bad = 0
for f in files:
    data = open(f, "rb").read()
    for n in needles:
        if n.encode() in data:
            print("secret %r... in %s" % (n[:12], f)); bad = 1
print("checked %d files for %d secrets" % (len(files), len(needles)))
sys.exit(bad)
PY
echo "PASS test_bq_auth"
