#!/usr/bin/env bash
# The house style checks that a script can make (shared/STYLE.md): 80
# columns, no tabs, no bare TODO/FIXME/XXX marks (write NEEDSWORK: and a
# sentence), in every C file of the project.
set -u
cd "$(dirname "$0")/.."
bad=0
files=$(git ls-files '*.c' '*.h')
while read -r f; do
    [ -n "$f" ] || continue
    awk -v f="$f" 'length($0) > 80 { printf "%s:%d: longer than 80 columns\n", f, NR; b=1 }
        /\t/ { printf "%s:%d: tab character\n", f, NR; b=1 }
        /(^|[^A-Za-z])(TODO|FIXME|XXX)([^A-Za-z]|$)/ { printf "%s:%d: bare TODO/FIXME/XXX (use NEEDSWORK:)\n", f, NR; b=1 }
        END { exit b }' "$f" || bad=1
done <<<"$files"
[ $bad -eq 0 ] && echo "style: ok"
exit $bad
