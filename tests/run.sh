#!/usr/bin/env bash
# Runs every test against one or more build folders and ends with the line
# "N passed, N failed".  Unit binaries print PASS/FAIL per case; each
# tests/e2e/test_*.sh is one test (exit 0 = pass), run with a timeout.
# Usage: tests/run.sh BUILD [BUILD...]   (TEST_FILTER=regex limits the set)
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
passed=0
failed=0
failures=()
filter=${TEST_FILTER:-.}
logdir=$(mktemp -d /tmp/kaivo-tests-XXXXXX)

record() { # name status logfile
    if [ "$2" = 0 ]; then
        passed=$((passed + 1)); echo "PASS $1"
    else
        failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1"
        [ -n "${3:-}" ] && [ -f "$3" ] && tail -n 30 "$3" | sed 's/^/    | /'
    fi
}

run_unit() { # build
    local b=$1 bin name log line
    for bin in "$b"/tests/test_*; do
        [ -x "$bin" ] || continue
        name=$(basename "$bin")
        echo "$b/$name" | grep -Eq "$filter" || continue
        log="$logdir/$b-$name.log"
        timeout 900 "$bin" >"$log.out" 2>"$log"
        while read -r line; do
            case "$line" in
            PASS\ *) record "[$b] ${line#PASS }" 0 ;;
            FAIL\ *) record "[$b] ${line#FAIL }" 1 "$log" ;;
            esac
        done <"$log.out"
        if ! grep -q . "$log.out"; then record "[$b] $name" 1 "$log"; fi
    done
}

run_e2e() { # build
    local b=$1 t name log rc
    for t in tests/e2e/test_*.sh; do
        [ -f "$t" ] || continue
        name=$(basename "$t" .sh)
        echo "$b/$name" | grep -Eq "$filter" || continue
        log="$logdir/$b-$name.log"
        KAIVO_BUILD="$root/$b" timeout 600 bash "$t" >"$log" 2>&1
        rc=$?
        record "[$b] e2e.$name" "$rc" "$log"
    done
}

for b in "$@"; do
    if [ ! -x "$b/kaivo" ]; then
        record "[$b] build present" 1
        continue
    fi
    run_unit "$b"
    run_e2e "$b"
done

if [ "$failed" -gt 0 ]; then
    echo "failed tests:"
    printf '  %s\n' "${failures[@]}"
    echo "logs in $logdir"
else
    rm -rf "$logdir"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
