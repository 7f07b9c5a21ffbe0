/*
 * sim_stats.c - what the simulator counts (GET /_sim/stats) and the
 * rolling one-second windows behind both the rate limit and the busiest
 * second report.  Callers hold the server mutex.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

#include <sys/time.h>

size_t sim_window_count(struct sim_window *w, int64_t now)
{
    /* a window is (now - 1000 ms, now] */
    while (w->len && w->t[w->head] <= now - 1000) {
        w->head = (w->head + 1) % w->cap;
        w->len--;
    }
    return w->len;
}

void sim_window_push(struct sim_window *w, int64_t now)
{
    if (w->len == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        int64_t *t = xmalloc(cap * sizeof(*t));

        for (size_t i = 0; i < w->len; i++)
            t[i] = w->t[(w->head + i) % w->cap];
        free(w->t);
        w->t = t;
        w->cap = cap;
        w->head = 0;
    }
    w->t[(w->head + w->len) % w->cap] = now;
    w->len++;
}

void sim_window_release(struct sim_window *w)
{
    free(w->t);
    memset(w, 0, sizeof(*w));
}

void sim_stats_init(struct sim_stats *st)
{
    memset(st, 0, sizeof(*st));
}

void sim_stats_release(struct sim_stats *st)
{
    sim_window_release(&st->arrivals);
    sim_window_release(&st->accepted);
}

void sim_stats_reset(struct sim_stats *st)
{
    int64_t in_flight = st->in_flight;
    /* the rate limiter's memory is not a statistic: keep it */
    struct sim_window accepted = st->accepted;

    sim_window_release(&st->arrivals);
    sim_stats_init(st);
    st->in_flight = in_flight;
    st->max_in_flight = in_flight;
    st->accepted = accepted;
}

static int64_t wall_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void sim_stats_arrive(struct sim_stats *st, enum sim_endpoint ep,
                      int64_t now)
{
    size_t busy;

    st->requests++;
    st->endpoint[ep]++;
    st->last_ms = wall_ms();
    if (!st->first_ms)
        st->first_ms = st->last_ms;
    if (++st->in_flight > st->max_in_flight)
        st->max_in_flight = st->in_flight;
    sim_window_push(&st->arrivals, now);
    busy = sim_window_count(&st->arrivals, now);
    if (busy > st->busiest)
        st->busiest = busy;
}

bool sim_stats_admit(struct sim_stats *st, int64_t limit, int64_t now)
{
    if (limit <= 0)
        return true;
    if (sim_window_count(&st->accepted, now) >= (size_t)limit)
        return false;
    sim_window_push(&st->accepted, now);
    return true;
}

static void write_statuses(struct sbuf *sb, bool *first,
                           const struct sim_stats *st)
{
    bool inner = true;

    sim_jw_key(sb, first, "by_status");
    sbuf_add(sb, "{", 1);
    for (int code = 100; code < 600; code++) {
        char key[16];

        if (!st->status[code])
            continue;
        snprintf(key, sizeof(key), "%d", code);
        sim_jw_int(sb, &inner, key, (int64_t)st->status[code]);
    }
    sbuf_add(sb, "}", 1);
}

static void write_endpoints(struct sbuf *sb, bool *first,
                            const struct sim_stats *st)
{
    bool inner = true;

    sim_jw_key(sb, first, "endpoints");
    sbuf_add(sb, "{", 1);
    for (int ep = 0; ep < SIM_EP_COUNT; ep++)
        sim_jw_int(sb, &inner, sim_endpoint_name(ep),
                   (int64_t)st->endpoint[ep]);
    sbuf_add(sb, "}", 1);
}

void sim_stats_write(struct sbuf *sb, const struct sim_stats *st,
                     int64_t generation)
{
    bool first = true;

    sbuf_add(sb, "{", 1);
    sim_jw_int(sb, &first, "requests", (int64_t)st->requests);
    sim_jw_int(sb, &first, "control_requests", (int64_t)st->control);
    write_statuses(sb, &first, st);
    sim_jw_int(sb, &first, "rate_limited", (int64_t)st->status[429]);
    sim_jw_int(sb, &first, "dropped", (int64_t)st->dropped);
    sim_jw_int(sb, &first, "busiest_1s", (int64_t)st->busiest);
    sim_jw_int(sb, &first, "max_concurrent", st->max_in_flight);
    sim_jw_int(sb, &first, "in_flight", st->in_flight);
    sim_jw_int(sb, &first, "first_request_ms", st->first_ms);
    sim_jw_int(sb, &first, "last_request_ms", st->last_ms);
    write_endpoints(sb, &first, st);
    sim_jw_int(sb, &first, "generation", generation);
    sbuf_add(sb, "}", 1);
}
