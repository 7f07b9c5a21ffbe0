/*
 * sim_route.c - a request path taken apart: which endpoint of the App API
 * it names and which ids, for the API and for the per-endpoint stats.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

static const char *const endpoint_names[SIM_EP_COUNT] = {
    "campaigns", "campaign", "campaign_actions", "campaign_action",
    "newsletters", "newsletter", "other",
};

const char *sim_endpoint_name(enum sim_endpoint ep)
{
    return ep < SIM_EP_COUNT ? endpoint_names[ep] : "other";
}

/* Splits "/a/b/c" into at most max segments; -1 past max or on "//". */
static int split(const char *path, char seg[][32], int max)
{
    int n = 0;

    while (*path) {
        size_t len;
        size_t keep;

        if (*path != '/' || n == max)
            return -1;
        len = strcspn(++path, "/");
        if (!len)
            return -1;
        /* a segment too long for an id or a keyword matches neither */
        keep = len < sizeof(seg[0]) ? len : 0;
        memcpy(seg[n], path, keep);
        seg[n++][keep] = '\0';
        path += len;
    }
    return n;
}

static int64_t id_of(const char *seg, bool *bad)
{
    int64_t id;

    if (!kv_parse_int64(seg, &id) || id < 1) {
        *bad = true;
        return 0;
    }
    return id;
}

void sim_route_parse(const char *url, struct sim_route *rt)
{
    char seg[4][32];
    int n = strncmp(url, "/v1/", 4) ? -1 : split(url + 3, seg, 4);

    memset(rt, 0, sizeof(*rt));
    rt->ep = SIM_EP_OTHER;
    if (n < 1)
        return;
    if (!strcmp(seg[0], "newsletters") && n <= 2) {
        rt->ep = n == 1 ? SIM_EP_NEWSLETTERS : SIM_EP_NEWSLETTER;
    } else if (!strcmp(seg[0], "campaigns")) {
        if (n == 1)
            rt->ep = SIM_EP_CAMPAIGNS;
        else if (n == 2)
            rt->ep = SIM_EP_CAMPAIGN;
        else if (!strcmp(seg[2], "actions"))
            rt->ep = n == 3 ? SIM_EP_ACTIONS : SIM_EP_ACTION;
    }
    if (rt->ep != SIM_EP_OTHER && n >= 2)
        rt->id = id_of(seg[1], &rt->bad_id);
    if (rt->ep == SIM_EP_ACTION)
        rt->sub_id = id_of(seg[3], &rt->bad_id);
}
