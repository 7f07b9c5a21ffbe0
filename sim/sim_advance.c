/*
 * sim_advance.c - moves a generated account to its next generation, the
 * way a live workspace drifts between two syncs: edits that stamp
 * `updated`, edits that do not, deletions and additions.
 */
#include "common/kv.h"
#include "sim.h"

/* About pct % of n, and at least one when there is any. */
static size_t about(size_t n, unsigned pct)
{
    size_t k = (n * pct + 50) / 100;

    return !k && n ? 1 : k;
}

/* A time within the first hour of the generation. */
static int64_t stamp(struct sim_rng *r, int64_t t)
{
    return t + sim_rng_range(r, 0, 3599);
}

static void edit_campaign(struct sim_campaign *c, struct sim_rng *r,
                          int64_t t, uint32_t g)
{
    c->ver++;
    c->updated = stamp(r, t);
    c->touched = g;
    /* one edit in four also launches a draft or stops a running one */
    if (sim_rng_below(r, 4))
        return;
    if (c->state == SIM_STATE_DRAFT) {
        c->state = SIM_STATE_RUNNING;
        c->first_started = c->updated;
    } else if (c->state == SIM_STATE_RUNNING) {
        c->state = SIM_STATE_STOPPED;
    }
}

static void advance_campaigns(struct sim_account *a, struct sim_rng *r,
                              int64_t t)
{
    size_t n = a->ncampaigns;
    bool *marks = xcalloc(n ? n : 1, sizeof(*marks));
    size_t kept = 0;

    sim_rng_choose(r, marks, n, about(n, 1));
    for (size_t i = 0; i < n; i++) {
        if (marks[i])
            free(a->campaigns[i].actions);
        else
            a->campaigns[kept++] = a->campaigns[i];
    }
    a->ncampaigns = n = kept;
    sim_rng_choose(r, marks, n, about(n, 5));
    for (size_t i = 0; i < n; i++)
        if (marks[i])
            edit_campaign(&a->campaigns[i], r, t, (uint32_t)a->generation);
    free(marks);
    for (int i = 0; i < 2; i++) {
        struct sim_campaign *c = sim_account_add_campaign(a, r, stamp(r, t));
        int64_t count = sim_rng_range(r, 3, 14);

        for (int64_t j = 0; j < count; j++)
            sim_account_add_action(a, c, r, c->created);
    }
}

/* The actions that pass keep(), as pointers, for one round of choices. */
static struct sim_action **pool_of(struct sim_account *a, size_t *n,
                                   bool (*keep)(const struct sim_action *,
                                                uint32_t))
{
    struct sim_action **pool = NULL;
    size_t cap = 0;

    *n = 0;
    for (size_t i = 0; i < a->ncampaigns; i++) {
        struct sim_campaign *c = &a->campaigns[i];

        for (size_t j = 0; j < c->nactions; j++) {
            if (!keep(&c->actions[j], (uint32_t)a->generation))
                continue;
            if (*n == cap) {
                cap = cap ? cap * 2 : 256;
                pool = xrealloc(pool, cap * sizeof(*pool));
            }
            pool[(*n)++] = &c->actions[j];
        }
    }
    return pool;
}

/* Untouched this generation, so one change never hides another. */
static bool untouched(const struct sim_action *act, uint32_t g)
{
    return act->touched != g;
}

static bool untouched_message(const struct sim_action *act, uint32_t g)
{
    return act->touched != g && SIM_ACT_IS_MESSAGE(act->type);
}

enum change {
    CHANGE_DELETE,  /* the id is zeroed here, the hole closed by compact() */
    CHANGE_STAMPED, /* content and `updated` move */
    CHANGE_SILENT,  /* content moves, every timestamp stays */
};

/* Applies change to about pct % of the actions that pass keep. */
static void change_actions(struct sim_account *a, struct sim_rng *r,
                           int64_t t, unsigned pct, enum change change,
                           bool (*keep)(const struct sim_action *, uint32_t))
{
    size_t n;
    struct sim_action **pool = pool_of(a, &n, keep);
    bool *marks = xcalloc(n ? n : 1, sizeof(*marks));

    sim_rng_choose(r, marks, n, about(n, pct));
    for (size_t i = 0; i < n; i++) {
        struct sim_action *act = pool[i];

        if (!marks[i])
            continue;
        act->touched = (uint32_t)a->generation;
        act->ver++;
        if (change == CHANGE_DELETE)
            act->id = 0;
        else if (change == CHANGE_STAMPED)
            act->updated = stamp(r, t);
    }
    free(marks);
    free(pool);
}

static void compact(struct sim_account *a)
{
    for (size_t i = 0; i < a->ncampaigns; i++) {
        struct sim_campaign *c = &a->campaigns[i];
        size_t kept = 0;

        for (size_t j = 0; j < c->nactions; j++)
            if (c->actions[j].id)
                c->actions[kept++] = c->actions[j];
        c->nactions = kept;
    }
}

static void advance_actions(struct sim_account *a, struct sim_rng *r,
                            int64_t t)
{
    size_t total = 0;

    for (size_t i = 0; i < a->ncampaigns; i++)
        total += a->campaigns[i].nactions;
    change_actions(a, r, t, 3, CHANGE_STAMPED, untouched);
    change_actions(a, r, t, 1, CHANGE_SILENT, untouched_message);
    change_actions(a, r, t, 1, CHANGE_DELETE, untouched);
    compact(a);
    if (!a->ncampaigns)
        return;
    for (size_t i = 0, k = about(total, 2); i < k; i++) {
        struct sim_campaign *c =
            &a->campaigns[sim_rng_below(r, a->ncampaigns)];

        sim_account_add_action(a, c, r, stamp(r, t));
    }
}

static void advance_newsletters(struct sim_account *a, struct sim_rng *r,
                                int64_t t)
{
    size_t n = a->nnewsletters;
    bool *marks = xcalloc(n ? n : 1, sizeof(*marks));

    sim_rng_choose(r, marks, n, about(n, 3));
    for (size_t i = 0; i < n; i++) {
        struct sim_newsletter *nl = &a->newsletters[i];

        if (!marks[i])
            continue;
        nl->ver++;
        nl->updated = stamp(r, t);
        nl->touched = (uint32_t)a->generation;
        if (!nl->sent_at && sim_rng_below(r, 2))
            nl->sent_at = nl->updated;
    }
    free(marks);
    if (n) {
        size_t gone = (size_t)sim_rng_below(r, n);

        memmove(&a->newsletters[gone], &a->newsletters[gone + 1],
                (n - gone - 1) * sizeof(*a->newsletters));
        a->nnewsletters--;
    }
    for (int i = 0; i < 2; i++)
        sim_account_add_newsletter(a, r, stamp(r, t));
}

void sim_account_advance(struct sim_account *a)
{
    struct sim_rng r;
    int64_t t;

    a->generation++;
    /*
     * NEEDSWORK: a fixture account only counts generations; it could
     * apply the same edits to its loaded records.
     */
    if (a->fx)
        return;
    t = sim_generation_time(a->generation);
    sim_rng_init(&r, sim_mix(a->seed, (uint64_t)a->generation));
    advance_campaigns(a, &r, t);
    advance_actions(a, &r, t);
    advance_newsletters(a, &r, t);
}
