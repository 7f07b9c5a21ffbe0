/*
 * sim_v1.c - the way through the simulator for an API request: count it,
 * then the gates in order (--fail-first, the key, the rate limit, a fault
 * draw), the API itself, body faults, latency, and the log line.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

#include <microhttpd.h>

static bool has_key(const struct sim_server *s, struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Authorization");

    if (!h || strncasecmp(h, "Bearer ", 7))
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    return !strcmp(h, s->api_key);
}

/* The fault for the n-th draw, or SIM_FAULT_NONE; same seed, same faults. */
static enum sim_fault draw_fault(const struct sim_knobs *k, uint64_t n)
{
    double u = (double)(sim_mix(k->fault_seed, n) >> 11) * 0x1.0p-53;
    double edge = 0;

    for (int f = 0; f < SIM_FAULT_COUNT; f++) {
        edge += k->fault_p[f];
        if (u < edge)
            return (enum sim_fault)f;
    }
    return SIM_FAULT_NONE;
}

/*
 * Counts the request, snapshots the knobs into k and runs the gates under
 * the mutex.  A refusal fills r; a drawn fault is returned.
 */
static enum sim_fault admit(struct sim_server *s, const struct sim_route *rt,
                            bool auth, struct sim_knobs *k,
                            struct sim_resp *r)
{
    int64_t now = kv_now_ms();
    enum sim_fault f = SIM_FAULT_NONE;
    char msg[80];

    pthread_mutex_lock(&s->lock);
    sim_stats_arrive(&s->stats, rt->ep, now);
    *k = s->knobs;
    if (s->knobs.fail_first > 0) {
        s->knobs.fail_first--;
        sim_resp_error(r, 503, "Service Unavailable");
    } else if (!auth) {
        sim_resp_error(r, 401, "Unauthorized request");
    } else if (!sim_stats_admit(&s->stats, k->rate_limit, now)) {
        snprintf(msg, sizeof(msg), "Your request is over the %" PRId64
                 "-per-second limit", k->rate_limit);
        sim_resp_error(r, 429, msg);
        r->retry_after = k->no_retry_after ? 0 : k->retry_after;
    } else {
        f = draw_fault(k, s->fault_draws++);
    }
    pthread_mutex_unlock(&s->lock);
    return f;
}

/* Status faults answer at once; true when f was one of them. */
static bool fault_status(enum sim_fault f, struct sim_resp *r)
{
    switch (f) {
    case SIM_FAULT_500:
        sim_resp_error(r, 500, "Internal Server Error");
        return true;
    case SIM_FAULT_502:
        /* a load balancer's page, not the API's JSON */
        r->status = 502;
        r->html = true;
        sbuf_addstr(&r->body, "<html><head><title>502 Bad Gateway</title>"
                    "</head><body><h1>Bad Gateway</h1></body></html>\n");
        return true;
    case SIM_FAULT_503:
        sim_resp_error(r, 503, "Service Unavailable");
        return true;
    case SIM_FAULT_408:
        sim_resp_error(r, 408, "Request Timeout");
        return true;
    default:
        return false;
    }
}

static void answer(struct sim_server *s, struct MHD_Connection *c,
                   const struct sim_knobs *k, const struct sim_route *rt,
                   const char *method, struct sim_resp *r)
{
    struct sim_render rd = {NULL, k, &r->body};
    struct sim_args args;

    if (strcmp(method, "GET")) {
        sim_resp_error(r, 405, "Method Not Allowed");
        r->allow = "GET";
        return;
    }
    args.start = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                             "start");
    args.limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                             "limit");
    args.sort = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                            "sort");
    pthread_rwlock_rdlock(&s->acct_lock);
    rd.acct = s->acct;
    sim_api_serve(&rd, rt, &args, r);
    pthread_rwlock_unlock(&s->acct_lock);
}

/* --fault badjson: half the page, then a proxy's remark; still a 200. */
static void spoil(struct sim_resp *r)
{
    r->body.len /= 2;
    r->body.buf[r->body.len] = '\0';
    sbuf_addstr(&r->body, "<!-- upstream connection reset -->");
}

static void count_status(struct sim_server *s, int status)
{
    pthread_mutex_lock(&s->lock);
    if (!status)
        s->stats.dropped++;
    else if (status < 600)
        s->stats.status[status]++;
    pthread_mutex_unlock(&s->lock);
}

int sim_v1_handle(struct sim_server *s, struct MHD_Connection *c,
                  struct sim_req *rq, const char *method, const char *url)
{
    bool auth = has_key(s, c);
    struct sim_knobs k;
    struct sim_route rt;
    struct sim_resp r;
    enum sim_fault f;
    int status;
    int ret = MHD_NO;

    sim_route_parse(url, &rt);
    sim_resp_init(&r);
    rq->v1 = true;
    f = admit(s, &rt, auth, &k, &r);
    if (!r.status && !fault_status(f, &r) && f != SIM_FAULT_DROP)
        answer(s, c, &k, &rt, method, &r);
    if (r.status == 200 && f >= SIM_FAULT_TRUNCATE && f < SIM_FAULT_COUNT)
        r.fault = f;
    if (r.fault == SIM_FAULT_BADJSON)
        spoil(&r);
    /* in this request's own thread: others go on meanwhile */
    sim_server_nap(s, k.latency_ms);
    status = f == SIM_FAULT_DROP ? 0 : r.status;
    count_status(s, status);
    /* log the fault that shaped the answer: body faults only touch 200s */
    sim_http_log(s, method, rq->uri, status, auth,
                 f < SIM_FAULT_TRUNCATE ? f : r.fault);
    if (status)
        ret = sim_http_send(c, &r);
    sim_resp_release(&r);
    return ret;
}
