# A wrong key: connect refuses it with exit 3 and a message naming the
# likely causes; the key never appears in output, logs, history or files
# other than the owner-only key file.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 5
"$KAIVO" init "$WS" >/dev/null
secret="wrong-key-$RANDOM$RANDOM-secret"
printf '  %s \n' "$secret" >"$T/bad"
set +e
kv connect customerio --api-url "$SIM_URL/v1" --api-key-file "$T/bad" >"$T/out" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 3 "exit status for a refused key"
grep -q "App API key" "$T/err" || fail "message does not name the App API key: $(cat "$T/err")"
grep -q "region" "$T/err" || fail "message does not name the region"
grep -qi "allow" "$T/err" || fail "message does not name an IP allow-list"
if grep -q "$secret" "$T/out" "$T/err"; then fail "the key was printed"; fi
[ ! -e "$WS/.kaivo/customerio.key" ] || fail "a refused key was stored"

# the right key, trimmed, stored owner-only
printf '\n  %s\n\n' "$SIM_KEY" >"$T/good"
kv connect customerio --api-url "$SIM_URL/v1" --api-key-file "$T/good" >/dev/null
assert_eq "$(stat -c %a "$WS/.kaivo/customerio.key")" 600 "key file mode"
assert_eq "$(stat -c %a "$WS/.kaivo")" 700 "state folder mode"
assert_eq "$(cat "$WS/.kaivo/customerio.key")" "$SIM_KEY" "stored key trimmed"

# the simulator starts refusing (key revoked): sync stops at once, exit 3
sim_stop
sim_start --campaigns 5 --api-key other-key-entirely
kv connect customerio --api-url "$SIM_URL/v1" --api-key-file "$T/good" >/dev/null 2>&1 && fail "connect accepted a refused key"
sqlite3 "$WS/.kaivo/state.db" "UPDATE config SET value='$SIM_URL/v1' WHERE key='source.base_url'"
set +e
kv -v sync >"$T/out" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 3 "sync exit status with a refused key"
grep -q "refused" "$T/err" || fail "sync message: $(cat "$T/err")"
kv status >>"$T/out" 2>>"$T/err"; kv history --json >>"$T/out" 2>>"$T/err"
kv check >>"$T/out" 2>>"$T/err" || true
if grep -rqa -- "$SIM_KEY" "$T/out" "$T/err"; then fail "the key reached output"; fi
found=$(grep -rla -- "$SIM_KEY" "$WS" || true)
assert_eq "$found" "$WS/.kaivo/customerio.key" "the only file holding the key"
