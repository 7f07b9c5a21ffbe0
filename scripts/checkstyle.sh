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
# json-c and jansson both define json_object_get and json_object_iter_next;
# the link binds those two names to jansson (see the Makefile), so json-c
# code must not call them.
for f in $(grep -l '<json-c/' $files); do
    if grep -nE '\bjson_object_(get|iter_next)\b' "$f"; then
        echo "$f: calls a name json-c shares with jansson (bound to jansson)"
        bad=1
    fi
done
[ $bad -eq 0 ] && echo "style: ok"
exit $bad
