# The simulator on its own, over real HTTP on 127.0.0.1: pages end in each
# of the three terminal forms, the key is required, the rate limit answers
# 429 with Retry-After, an advance changes the account (silent edits too),
# and SIGTERM ends it with status 0.
source "$(dirname "$0")/lib.sh"
sim_start --campaigns 12 --newsletters 25 --seed 3 --log-requests "$T/req.log"
AUTH="Authorization: Bearer $SIM_KEY"

status() { # URL [CURL ARGS...]: the HTTP status only
    local url=$1
    shift
    curl -s -m 10 -o "$T/body" -w '%{http_code}' "$@" "$url"
}

assert_eq "$(status "$SIM_URL/v1/campaigns")" 401 "no key"
grep -q '"Unauthorized request"' "$T/body" || fail "401 body: $(cat "$T/body")"
assert_eq "$(status "$SIM_URL/v1/campaigns" -H 'Authorization: Bearer nope')" \
    401 "wrong key"
assert_eq "$(status "$SIM_URL/v1/nothing-here" -H "$AUTH")" 404 "unknown path"
assert_eq "$(status "$SIM_URL/v1/campaigns" -X POST -H "$AUTH")" 405 "POST"
assert_eq "$(status "$SIM_URL/v1/campaigns/999999/actions" -H "$AUTH")" 404 \
    "unknown campaign"
assert_eq "$(status "$SIM_URL/v1/campaigns/1/actions?start=bogus" -H "$AUTH")" \
    400 "bad start token"
assert_eq "$(status "$SIM_URL/v1/newsletters?limit=abc" -H "$AUTH")" 400 \
    "bad limit"

# every list paged to its end, in bounded loops, and equal to the dump
sim_get dump >"$T/dump1.json"
py "
import json, urllib.request
base, auth = '$SIM_URL', {'Authorization': 'Bearer $SIM_KEY'}
def get(path):
    req = urllib.request.Request(base + path, headers=auth)
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers['Content-Type'].startswith('application/json'), r.headers
        return json.loads(r.read())
d = json.load(open('$T/dump1.json'))
top = get('/v1/campaigns')
assert 'next' not in top and top['campaigns'] == d['campaigns'], 'campaigns'
forms = set()
for c in top['campaigns']:
    got, start = [], ''
    for _ in range(100):
        page = get('/v1/campaigns/%d/actions%s' % (c['id'], start))
        assert len(page['actions'] or []) <= 10, 'page over 10 actions'
        got += page['actions'] or []
        nxt = page.get('next', 'absent')
        if nxt in ('', None, 'absent'):
            forms.add(repr(nxt))
            break
        start = '?start=' + nxt
    else:
        raise AssertionError('actions of %d never end' % c['id'])
    assert got == d['actions'][str(c['id'])], 'actions of %d' % c['id']
assert len(forms) == 3, 'terminal forms seen: %s' % forms
got, start = [], ''
for _ in range(20):
    page = get('/v1/newsletters?limit=10' + start)
    got += page['newsletters']
    if page['next'] is None:
        break
    start = '&start=' + page['next']
else:
    raise AssertionError('newsletters never end')
assert got == d['newsletters'] and len(got) == 25, 'newsletters'
"

# the rate limit: 3 a rolling second, then 429 with Retry-After
sim_ctl config "rate_limit=3&retry_after=2" >/dev/null
for i in 1 2 3 4 5 6; do
    curl -s -m 10 -o /dev/null -D "$T/h$i" -H "$AUTH" "$SIM_URL/v1/campaigns"
done
grep -l "^HTTP/1.1 429" "$T"/h? >/dev/null || fail "no 429 under the rate limit"
grep -qi "^Retry-After: 2" "$T/h6" || fail "429 without Retry-After: $(cat "$T/h6")"
sim_ctl config "rate_limit=0" >/dev/null

# a new generation: deletions, additions, stamped and silent edits
assert_eq "$(sim_ctl advance)" '{"generation":2}' "advance"
sim_get dump >"$T/dump2.json"
py "
import json
d1, d2 = (json.load(open('$T/dump%d.json' % i)) for i in (1, 2))
c1 = {c['id'] for c in d1['campaigns']}
c2 = {c['id'] for c in d2['campaigns']}
assert c1 - c2 and len(c2 - c1) == 2, 'campaigns not deleted or added'
def acts(d):
    return {(c, a['id']): a for c, l in d['actions'].items() for a in l}
a1, a2 = acts(d1), acts(d2)
same = [k for k in a1 if k in a2]
stamped = [k for k in same if a1[k]['updated'] != a2[k]['updated']]
silent = [k for k in same if a1[k] != a2[k] and k not in stamped]
assert stamped and silent, 'no stamped or no silent action edit'
assert d1['newsletters'] != d2['newsletters'], 'newsletters unchanged'
"

sim_get stats >"$T/stats.json"
py "
import json
s = json.load(open('$T/stats.json'))
assert s['by_status']['401'] == 2 and s['rate_limited'] >= 1, s
assert s['generation'] == 2 and s['requests'] > 30, s
"
grep -q "^GET /v1/campaigns 401 auth=no$" "$T/req.log" || fail "request log"
if grep -q -- "$SIM_KEY" "$T/req.log" "$T/sim.log"; then
    fail "the key reached the simulator's log"
fi

kill -TERM "$SIM_PID"
rc=0
wait "$SIM_PID" || rc=$?
assert_eq "$rc" 0 "exit status on SIGTERM"
