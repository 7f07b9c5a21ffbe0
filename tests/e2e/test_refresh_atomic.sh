# A full refresh that fails leaves the previous table whole and queryable.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 20 --newsletters 10 --seed 4
ws_connect
ok "first sync" kv sync
before=$(q "SELECT count(*), group_concat(id) FROM (SELECT id FROM campaigns_actions ORDER BY 1)")
[ "$(q 'SELECT count(*) FROM campaigns_actions')" -gt 20 ] || fail "too few actions to test"
# every request fails from now on; the refresh must give up cleanly
sim_ctl config "fault=500:1" >/dev/null
set +e
KAIVO_MAX_ATTEMPTS=2 kv sync campaigns campaigns_actions --full-refresh >/dev/null 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "a failed refresh exits 1"
assert_eq "$(q "SELECT count(*), group_concat(id) FROM (SELECT id FROM campaigns_actions ORDER BY 1)")" "$before" "previous data kept"
assert_eq "$(q 'SELECT count(*) FROM campaigns')" 20 "previous campaigns kept"
assert_eq "$(wh "SELECT count(*) FROM sqlite_master WHERE name LIKE '%stage%'")" 0 "no staging table left"
sim_ctl config "fault=500:0" >/dev/null
ok "refresh after the faults end" kv sync --full-refresh
