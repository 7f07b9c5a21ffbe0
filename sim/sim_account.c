/*
 * sim_account.c - the generated account: generation 1 from a seed, the
 * record constructors the generations reuse, and lookups by id.
 */
#include "common/kv.h"
#include "sim.h"

int64_t sim_generation_time(int64_t g)
{
    return SIM_EPOCH_GEN1 + (g - 1) * SIM_GEN_SECONDS;
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    *cap = *cap ? *cap * 2 : 16;
    if (*cap < need)
        *cap = need;
    return xrealloc(p, *cap * size);
}

/* A weighted draw: index i with probability weights[i] / sum. */
static unsigned draw(struct sim_rng *r, const unsigned *weights, unsigned n)
{
    unsigned sum = 0;
    uint64_t x;

    for (unsigned i = 0; i < n; i++)
        sum += weights[i];
    x = sim_rng_below(r, sum);
    for (unsigned i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return 0;
}

static const unsigned state_weights[SIM_STATE_COUNT] = {55, 25, 20};
static const unsigned atype_weights[SIM_ACT_COUNT] = {
    30, 6, 6, 8, 4, 4, 8, 14, 10, 5, 5,
};
static const unsigned ntype_weights[SIM_NL_COUNT] = {60, 5, 10, 10, 10, 5};

struct sim_campaign *sim_account_add_campaign(struct sim_account *a,
                                              struct sim_rng *r, int64_t t)
{
    struct sim_campaign *c;
    uint32_t ord = a->next_campaign_ordinal++;

    a->campaigns = grow(a->campaigns, &a->campaigns_cap, a->ncampaigns + 1,
                        sizeof(*a->campaigns));
    c = &a->campaigns[a->ncampaigns++];
    memset(c, 0, sizeof(*c));
    c->id = a->next_campaign_id;
    a->next_campaign_id += sim_rng_range(r, 1, 3);
    c->ordinal = ord;
    /* the first few cycle through every trigger and state */
    c->trigger = ord < SIM_TRIG_COUNT ? ord : sim_rng_below(r, SIM_TRIG_COUNT);
    c->state = ord < SIM_STATE_COUNT ? ord
                                     : draw(r, state_weights, SIM_STATE_COUNT);
    c->created = t;
    c->updated = t;
    c->ver = 1;
    c->touched = (uint32_t)a->generation;
    if (c->state != SIM_STATE_DRAFT)
        c->first_started = t;
    return c;
}

static int64_t pick_parent(const struct sim_campaign *c, struct sim_rng *r)
{
    if (!c->nactions || sim_rng_below(r, 10) >= 3)
        return 0;
    return c->actions[sim_rng_below(r, c->nactions)].id;
}

struct sim_action *sim_account_add_action(struct sim_account *a,
                                          struct sim_campaign *c,
                                          struct sim_rng *r, int64_t t)
{
    struct sim_action *act;
    int64_t parent = pick_parent(c, r);
    uint32_t seq = a->next_seq++;

    c->actions = grow(c->actions, &c->actions_cap, c->nactions + 1,
                      sizeof(*c->actions));
    act = &c->actions[c->nactions++];
    memset(act, 0, sizeof(*act));
    act->id = a->next_action_id;
    a->next_action_id += sim_rng_range(r, 1, 2);
    act->parent_id = parent;
    act->created = t;
    act->updated = t;
    act->seq = seq;
    act->ver = 1;
    /* in live data the dedupe prefix is not the action id */
    act->dedupe = a->next_dedupe++;
    act->touched = (uint32_t)a->generation;
    act->type = seq < SIM_ACT_COUNT ? seq
                                    : draw(r, atype_weights, SIM_ACT_COUNT);
    return act;
}

struct sim_newsletter *sim_account_add_newsletter(struct sim_account *a,
                                                  struct sim_rng *r,
                                                  int64_t t)
{
    struct sim_newsletter *n;
    size_t i = a->nnewsletters;

    a->newsletters = grow(a->newsletters, &a->newsletters_cap, i + 1,
                          sizeof(*a->newsletters));
    n = &a->newsletters[a->nnewsletters++];
    memset(n, 0, sizeof(*n));
    n->id = a->next_newsletter_id;
    a->next_newsletter_id += sim_rng_range(r, 1, 2);
    n->created = t;
    n->updated = t;
    n->ver = 1;
    n->touched = (uint32_t)a->generation;
    n->type = i < SIM_NL_COUNT ? i : draw(r, ntype_weights, SIM_NL_COUNT);
    return n;
}

struct sim_campaign *sim_account_campaign(const struct sim_account *a,
                                          int64_t id)
{
    size_t lo = 0;
    size_t hi = a->ncampaigns;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (a->campaigns[mid].id == id)
            return &a->campaigns[mid];
        if (a->campaigns[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct sim_newsletter *sim_account_newsletter(const struct sim_account *a,
                                              int64_t id)
{
    size_t lo = 0;
    size_t hi = a->nnewsletters;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (a->newsletters[mid].id == id)
            return &a->newsletters[mid];
        if (a->newsletters[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct sim_action *sim_campaign_action(const struct sim_campaign *c,
                                       int64_t id)
{
    for (size_t i = 0; i < c->nactions; i++)
        if (c->actions[i].id == id)
            return &c->actions[i];
    return NULL;
}

void sim_account_release(struct sim_account *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ncampaigns; i++)
        free(a->campaigns[i].actions);
    free(a->campaigns);
    free(a->newsletters);
    sim_fixtures_free(a->fx);
    memset(a, 0, sizeof(*a));
}
