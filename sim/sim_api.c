/*
 * sim_api.c - the emulated App API: answers a routed /v1 request from the
 * account, generated or loaded, one page per request, and dumps it whole.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

enum view_kind {
    VIEW_JSON,
    VIEW_CAMPAIGNS,
    VIEW_ACTIONS,
    VIEW_NEWSLETTERS,
};

/* A list to serve: loaded records or one of the generated arrays. */
struct view {
    enum view_kind kind;
    size_t n;
    const json_t *list;           /* VIEW_JSON */
    const struct sim_campaign *c; /* VIEW_ACTIONS */
    size_t bad;                   /* the index whose id --bad-type spoils */
    bool desc;                    /* last record first (?sort=desc) */
};

static void view_render(const struct sim_render *rd, const struct view *v,
                        size_t i)
{
    size_t at = v->desc ? v->n - 1 - i : i;

    switch (v->kind) {
    case VIEW_JSON:
        sim_fixtures_render(rd, json_array_get(v->list, at), at == v->bad);
        break;
    case VIEW_CAMPAIGNS:
        sim_render_campaign(rd, &rd->acct->campaigns[at], at == v->bad);
        break;
    case VIEW_ACTIONS:
        sim_render_action(rd, v->c, &v->c->actions[at]);
        break;
    case VIEW_NEWSLETTERS:
        sim_render_newsletter(rd, &rd->acct->newsletters[at]);
        break;
    }
}

static int64_t view_id(const struct sim_render *rd, const struct view *v,
                       size_t i)
{
    switch (v->kind) {
    case VIEW_JSON:
        return sim_fixtures_id(json_array_get(v->list, i));
    case VIEW_CAMPAIGNS:
        return rd->acct->campaigns[i].id;
    case VIEW_ACTIONS:
        return v->c->actions[i].id;
    case VIEW_NEWSLETTERS:
        return rd->acct->newsletters[i].id;
    }
    return -1;
}

/* Writes "key":[records from .. to). */
static void view_write(const struct sim_render *rd, const char *key,
                       const struct view *v, size_t from, size_t to)
{
    sim_json_str(rd->out, key);
    sbuf_addstr(rd->out, ":[");
    for (size_t i = from; i < to; i++) {
        if (i > from)
            sbuf_add(rd->out, ",", 1);
        view_render(rd, v, i);
    }
    sbuf_add(rd->out, "]", 1);
}

static struct view campaigns_view(const struct sim_account *a)
{
    struct view v = {.kind = VIEW_CAMPAIGNS, .n = a->ncampaigns,
                     .bad = SIZE_MAX};

    if (a->fx) {
        v.kind = VIEW_JSON;
        v.list = sim_fixtures_campaigns(a->fx);
        v.n = json_array_size(v.list);
    }
    return v;
}

static struct view newsletters_view(const struct sim_account *a)
{
    struct view v = {.kind = VIEW_NEWSLETTERS, .n = a->nnewsletters,
                     .bad = SIZE_MAX};

    if (a->fx) {
        v.kind = VIEW_JSON;
        v.list = sim_fixtures_newsletters(a->fx);
        v.n = json_array_size(v.list);
    }
    return v;
}

/* A campaign's actions; false when it has none to serve (404). */
static bool actions_view(const struct sim_render *rd, int64_t id,
                         struct view *v, enum sim_terminal *terminal)
{
    const struct sim_account *a = rd->acct;

    memset(v, 0, sizeof(*v));
    v->bad = SIZE_MAX;
    if (sim_knobs_is_missing(rd->knobs, id))
        return false;
    if (a->fx) {
        v->kind = VIEW_JSON;
        v->list = sim_fixtures_actions(a->fx, id, terminal);
        v->n = json_array_size(v->list);
        return v->list;
    }
    v->kind = VIEW_ACTIONS;
    v->c = sim_account_campaign(a, id);
    if (!v->c)
        return false;
    v->n = v->c->nactions;
    *terminal = sim_campaign_terminal(v->c);
    return true;
}

/* Parses ?start=; answers 400 and returns true when it is not ours. */
static bool bad_start(const struct sim_args *args, int64_t *offset,
                      struct sim_resp *r)
{
    *offset = 0;
    if (!args->start || sim_token_parse(args->start, offset))
        return false;
    sim_resp_error(r, 400, "invalid start token");
    return true;
}

static void serve_campaigns(const struct sim_render *rd, struct sim_resp *r)
{
    struct view v = campaigns_view(rd->acct);

    /* --bad-type spoils the id of the campaign in the middle */
    if (rd->knobs->bad_type)
        v.bad = v.n / 2;
    sbuf_add(rd->out, "{", 1);
    view_write(rd, "campaigns", &v, 0, v.n);
    sbuf_add(rd->out, "}", 1);
    r->status = 200;
}

static void serve_actions(const struct sim_render *rd,
                          const struct sim_route *rt,
                          const struct sim_args *args, struct sim_resp *r)
{
    struct view v;
    enum sim_terminal terminal = SIM_NEXT_EMPTY;
    char token[SIM_TOKEN_MAX];
    int64_t off;
    size_t from;
    size_t to;

    if (bad_start(args, &off, r))
        return;
    if (!actions_view(rd, rt->id, &v, &terminal)) {
        sim_resp_error(r, 404, "campaign not found");
        return;
    }
    from = off < (int64_t)v.n ? (size_t)off : v.n;
    to = v.n - from > SIM_ACTIONS_PER_PAGE ? from + SIM_ACTIONS_PER_PAGE
                                           : v.n;
    sbuf_add(rd->out, "{", 1);
    /* an empty list comes back as null from some campaigns */
    if (!v.n && v.c && v.c->ordinal % 2)
        sbuf_addstr(rd->out, "\"actions\":null");
    else
        view_write(rd, "actions", &v, from, to);
    sim_token_make(token, (int64_t)to);
    sim_render_next(rd->out, to < v.n ? token : NULL, terminal);
    sbuf_add(rd->out, "}", 1);
    r->status = 200;
}

/* ?limit= and ?sort=; answers 400 and returns false when they are bad. */
static bool newsletter_args(const struct sim_args *args, size_t *limit,
                            bool *desc, struct sim_resp *r)
{
    int64_t n = SIM_NEWSLETTER_LIMIT;

    if (args->limit && (!kv_parse_int64(args->limit, &n) || n < 1)) {
        sim_resp_error(r, 400, "limit must be a positive integer");
        return false;
    }
    *limit = n > SIM_NEWSLETTER_LIMIT ? SIM_NEWSLETTER_LIMIT : (size_t)n;
    *desc = args->sort && !strcmp(args->sort, "desc");
    if (args->sort && !*desc && strcmp(args->sort, "asc")) {
        sim_resp_error(r, 400, "sort must be asc or desc");
        return false;
    }
    return true;
}

static void serve_newsletters(const struct sim_render *rd,
                              const struct sim_args *args,
                              struct sim_resp *r)
{
    struct view v = newsletters_view(rd->acct);
    char token[SIM_TOKEN_MAX];
    size_t limit;
    int64_t off;
    size_t from;
    size_t to;
    bool more;

    if (!newsletter_args(args, &limit, &v.desc, r) || bad_start(args, &off,
                                                                r))
        return;
    from = off < (int64_t)v.n ? (size_t)off : v.n;
    to = v.n - from > limit ? from + limit : v.n;
    more = to < v.n;
    sim_token_make(token, (int64_t)to);
    /* --repeat-next: every page after the first points back at itself */
    if (rd->knobs->repeat_next && off > 0) {
        sim_token_make(token, off);
        more = true;
    }
    sbuf_add(rd->out, "{", 1);
    view_write(rd, "newsletters", &v, from, to);
    sim_render_next(rd->out, more ? token : NULL, SIM_NEXT_NULL);
    sbuf_add(rd->out, "}", 1);
    r->status = 200;
}

/* {"key":record} for the record of v with that id, or a 404. */
static void serve_one(const struct sim_render *rd, const char *key,
                      const struct view *v, int64_t id, struct sim_resp *r)
{
    char msg[64];

    for (size_t i = 0; i < v->n; i++) {
        if (view_id(rd, v, i) != id)
            continue;
        sbuf_add(rd->out, "{", 1);
        sim_json_str(rd->out, key);
        sbuf_add(rd->out, ":", 1);
        view_render(rd, v, i);
        sbuf_add(rd->out, "}", 1);
        r->status = 200;
        return;
    }
    snprintf(msg, sizeof(msg), "%s not found", key);
    sim_resp_error(r, 404, msg);
}

static void serve_action(const struct sim_render *rd,
                         const struct sim_route *rt, struct sim_resp *r)
{
    struct view v;
    enum sim_terminal terminal;

    if (!actions_view(rd, rt->id, &v, &terminal)) {
        sim_resp_error(r, 404, "campaign not found");
        return;
    }
    serve_one(rd, "action", &v, rt->sub_id, r);
}

void sim_api_serve(const struct sim_render *rd, const struct sim_route *rt,
                   const struct sim_args *args, struct sim_resp *r)
{
    struct view v;

    if (rt->ep != SIM_EP_OTHER && rt->bad_id) {
        sim_resp_error(r, 400, "invalid id in path");
        return;
    }
    switch (rt->ep) {
    case SIM_EP_CAMPAIGNS:
        serve_campaigns(rd, r);
        break;
    case SIM_EP_CAMPAIGN:
        v = campaigns_view(rd->acct);
        serve_one(rd, "campaign", &v, rt->id, r);
        break;
    case SIM_EP_ACTIONS:
        serve_actions(rd, rt, args, r);
        break;
    case SIM_EP_ACTION:
        serve_action(rd, rt, r);
        break;
    case SIM_EP_NEWSLETTERS:
        serve_newsletters(rd, args, r);
        break;
    case SIM_EP_NEWSLETTER:
        v = newsletters_view(rd->acct);
        serve_one(rd, "newsletter", &v, rt->id, r);
        break;
    default:
        sim_resp_error(r, 404, "not found");
        break;
    }
}

/* "actions":{"<campaign id>":[...],...} for every campaign served. */
static void dump_actions(const struct sim_render *rd, const struct view *cv)
{
    bool first = true;

    sbuf_addstr(rd->out, "\"actions\":{");
    for (size_t i = 0; i < cv->n; i++) {
        int64_t id = view_id(rd, cv, i);
        enum sim_terminal terminal;
        struct view av;
        char key[24];

        if (!actions_view(rd, id, &av, &terminal))
            continue;
        if (!first)
            sbuf_add(rd->out, ",", 1);
        first = false;
        snprintf(key, sizeof(key), "%" PRId64, id);
        view_write(rd, key, &av, 0, av.n);
    }
    sbuf_add(rd->out, "}", 1);
}

void sim_api_dump(const struct sim_render *rd)
{
    struct view cv = campaigns_view(rd->acct);
    struct view nv = newsletters_view(rd->acct);

    sbuf_add(rd->out, "{", 1);
    view_write(rd, "campaigns", &cv, 0, cv.n);
    sbuf_add(rd->out, ",", 1);
    dump_actions(rd, &cv);
    sbuf_add(rd->out, ",", 1);
    view_write(rd, "newsletters", &nv, 0, nv.n);
    sbuf_add(rd->out, "}", 1);
}
