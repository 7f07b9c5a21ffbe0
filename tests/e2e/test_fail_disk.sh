# The warehouse's disk full, then read-only, in the middle of ordinary
# incremental syncs.  Each failing sync ends in a clear error (exit 1) and
# the next sync after the disk is fixed leaves the same warehouse as a
# workspace that never failed: nothing lost, nothing doubled.
#
# How: as root with mount(2) allowed (CI containers, this machine), the
# warehouse folder is a 32 MB tmpfs filled up with a filler file, then a
# read-only bind mount of itself: real ENOSPC and EROFS.  Without mount,
# disk full falls back to a file-size limit (ulimit -f, SIGXFSZ ignored:
# writes fail with EFBIG) and read-only to chmod when not root (root
# ignores file modes, so as root without mount that case is skipped).
# KAIVO_TEST_NO_MOUNT=1 forces the fallbacks.
source "$(dirname "$0")/lib.sh"
MOUNTS=()
disk_cleanup() {
    local m
    for m in "${MOUNTS[@]:-}"; do [ -n "$m" ] && umount "$m" 2>/dev/null; done
    chmod -R u+w "$T" 2>/dev/null || true
    e2e_cleanup
}
trap disk_cleanup EXIT

sim_start --campaigns 40 --newsletters 600 --seed 8 --body-bytes 1500
ws_connect "$T/clean"
ws_connect "$WS"
wdir="$WS/warehouse"
mkdir -p "$wdir"
use_mount=
if [ -z "${KAIVO_TEST_NO_MOUNT:-}" ] &&
    mount -t tmpfs -o size=32m tmpfs "$wdir" 2>/dev/null; then
    MOUNTS=("$wdir" "${MOUNTS[@]}")
    use_mount=1
fi
if [ -n "$use_mount" ]; then note "mechanism: tmpfs and bind mounts"
else note "mechanism: ulimit -f and chmod"; fi

both_sync() { # what: the clean workspace, then ours; both must succeed
    "$KAIVO" -w "$T/clean" sync >/dev/null 2>"$T/c.err" || { cat "$T/c.err"; fail "clean sync ($1)"; }
    kv sync >/dev/null 2>"$T/w.err" || { cat "$T/w.err"; fail "sync ($1)"; }
    [ "$(wh_dump "$T/clean")" = "$(wh_dump "$WS")" ] || fail "warehouse differs from the clean one ($1)"
}
expect_fail() { # what: the sync under test must fail cleanly
    local rc=0
    timeout 300 "$KAIVO" -w "$WS" sync >/dev/null 2>"$T/f.err" || rc=$?
    assert_eq "$rc" 1 "exit status ($1): $(cat "$T/f.err")"
    grep -q '^kaivo: error: ' "$T/f.err" || fail "no error line ($1)"
    ! grep -qi 'sanitizer\|segmentation\|core dumped' "$T/f.err" || { cat "$T/f.err"; fail "crash ($1)"; }
    note "$1: $(grep '^kaivo: error: ' "$T/f.err" | head -1)"
    kv history --json | py "import json,sys; r=json.load(sys.stdin)[0]; assert r['status']=='failed', r"
}
no_dups() {
    assert_eq "$(wh "SELECT count(*) FROM (SELECT campaign_id, id FROM campaigns_actions GROUP BY 1, 2 HAVING count(*) > 1)")" 0 "duplicated actions ($1)"
}

both_sync "first sync"

# disk full during an incremental sync
sim_ctl advance >/dev/null
if [ -n "$use_mount" ]; then
    # leave 64 KB: the sync opens the warehouse and fails while writing
    avail=$(df --output=avail -k "$wdir" | tail -1)
    dd if=/dev/zero of="$wdir/filler" bs=1k count=$((avail - 64)) 2>/dev/null || true
    expect_fail "disk full (ENOSPC)"
    rm -f "$wdir/filler"
    no_dups "disk full"
else
    # 16 KB: Linux refuses any write past that offset (EFBIG), in the
    # warehouse, its journal and the state alike
    rc=0
    ( trap '' XFSZ; ulimit -f 16; exec "$KAIVO" -w "$WS" sync ) >/dev/null 2>"$T/f.err" || rc=$?
    assert_eq "$rc" 1 "exit status (file size limit): $(cat "$T/f.err")"
    note "file size limit: $(grep '^kaivo: error: ' "$T/f.err" | head -1)"
fi
both_sync "after the disk is freed"

# read-only warehouse during an incremental sync
sim_ctl advance >/dev/null
ro=
if [ -n "$use_mount" ] && mount --bind "$wdir" "$wdir" 2>/dev/null; then
    MOUNTS=("$wdir" "${MOUNTS[@]}")
    mount -o remount,bind,ro "$wdir" && ro=mount
elif [ "$(id -u)" != 0 ]; then
    chmod -R a-w "$wdir" && ro=chmod
fi
if [ -n "$ro" ]; then
    expect_fail "read-only warehouse ($ro)"
    if [ "$ro" = mount ]; then umount "$wdir"; MOUNTS=("${MOUNTS[@]:1}"); else chmod -R u+w "$wdir"; fi
    no_dups "read-only"
else
    note "read-only case skipped: root without mount(2)"
fi
both_sync "after the warehouse is writable again"
