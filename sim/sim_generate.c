/*
 * sim_generate.c - generation 1 of a generated account: campaigns of every
 * trigger and state, actions spread unevenly over them (some campaigns
 * empty, some paging, a few past 25), and newsletters.
 */
#include "common/kv.h"
#include "sim.h"

/* Generation 1 spreads its history over the 500 days before it. */
#define HISTORY_SECONDS (INT64_C(500) * 86400)

/* A time in generation 1's history, after since. */
static int64_t past(struct sim_rng *r, int64_t since)
{
    int64_t end = SIM_EPOCH_GEN1 - 3600;

    if (since >= end)
        return end;
    return sim_rng_range(r, since, end);
}

static void gen_campaigns(struct sim_account *a, struct sim_rng *r,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t created = past(r, SIM_EPOCH_GEN1 - HISTORY_SECONDS);
        struct sim_campaign *c = sim_account_add_campaign(a, r, created);

        c->updated = past(r, created);
        if (c->first_started)
            c->first_started = sim_rng_range(r, created, c->updated);
    }
}

/*
 * Relative share of the actions: ordinal 1 gets none and ordinal 2 a big
 * share, so every account has both; otherwise 15 % empty, 6 % big.
 */
static uint64_t weight_of(struct sim_rng *r, uint32_t ordinal)
{
    uint64_t roll = sim_rng_below(r, 100);

    if (ordinal == 1 || (ordinal != 2 && roll < 15))
        return 0;
    if (ordinal == 2 || roll < 21)
        return (uint64_t)sim_rng_range(r, 40, 60);
    return (uint64_t)sim_rng_range(r, 2, 20);
}

static void fill_campaign(struct sim_account *a, struct sim_rng *r,
                          struct sim_campaign *c, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct sim_action *act = sim_account_add_action(a, c, r,
                                                        past(r, c->created));

        act->updated = past(r, act->created);
    }
}

/* Shares of total in proportion to w, the remainder one by one. */
static void share_out(size_t *count, const uint64_t *w, size_t n,
                      size_t total)
{
    uint64_t sum = 0;
    size_t given = 0;

    for (size_t i = 0; i < n; i++)
        sum += w[i];
    for (size_t i = 0; i < n; i++) {
        count[i] = (size_t)(total * w[i] / sum);
        given += count[i];
    }
    for (size_t i = 0; given < total; i = (i + 1) % n) {
        if (w[i]) {
            count[i]++;
            given++;
        }
    }
}

static void spread_actions(struct sim_account *a, struct sim_rng *r,
                           size_t total)
{
    size_t n = a->ncampaigns;
    uint64_t *w;
    size_t *count;
    bool any = false;

    if (!n)
        return;
    w = xcalloc(n, sizeof(*w));
    count = xcalloc(n, sizeof(*count));
    for (size_t i = 0; i < n; i++) {
        w[i] = weight_of(r, a->campaigns[i].ordinal);
        any = any || w[i];
    }
    if (!any)
        w[0] = 1;
    share_out(count, w, n, total);
    for (size_t i = 0; i < n; i++)
        fill_campaign(a, r, &a->campaigns[i], count[i]);
    free(count);
    free(w);
}

static void gen_newsletters(struct sim_account *a, struct sim_rng *r,
                            size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t created = past(r, SIM_EPOCH_GEN1 - HISTORY_SECONDS);
        struct sim_newsletter *nl = sim_account_add_newsletter(a, r,
                                                               created);

        nl->updated = past(r, created);
        /* a quarter were never sent: sent_at null */
        if (sim_rng_below(r, 4))
            nl->sent_at = sim_rng_range(r, created, nl->updated);
    }
}

void sim_account_generate(struct sim_account *a,
                          const struct sim_gen_params *p)
{
    struct sim_rng r;

    memset(a, 0, sizeof(*a));
    a->seed = p->seed;
    a->generation = 1;
    a->next_campaign_id = 1;
    a->next_action_id = 1;
    a->next_newsletter_id = 1;
    a->next_dedupe = 11;
    sim_rng_init(&r, p->seed);
    gen_campaigns(a, &r, p->campaigns);
    spread_actions(a, &r, p->actions);
    gen_newsletters(a, &r, p->newsletters);
}
