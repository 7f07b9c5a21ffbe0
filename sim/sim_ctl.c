/*
 * sim_ctl.c - the control API under /_sim/ that tests drive the simulator
 * with: stats, a dump of the account, generations and runtime knobs.
 * No key is asked for; the listener only ever binds loopback.
 */
#include "common/kv.h"
#include "sim.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void ctl_stats(struct sim_server *s, struct MHD_Connection *c,
                      struct sim_resp *r)
{
    int64_t generation;

    (void)c;
    pthread_rwlock_rdlock(&s->acct_lock);
    generation = s->acct->generation;
    pthread_rwlock_unlock(&s->acct_lock);
    pthread_mutex_lock(&s->lock);
    sim_stats_write(&r->body, &s->stats, generation);
    pthread_mutex_unlock(&s->lock);
}

static void ctl_reset(struct sim_server *s, struct MHD_Connection *c,
                      struct sim_resp *r)
{
    (void)c;
    pthread_mutex_lock(&s->lock);
    sim_stats_reset(&s->stats);
    pthread_mutex_unlock(&s->lock);
    sbuf_addstr(&r->body, "{\"ok\":true}");
}

static void ctl_dump(struct sim_server *s, struct MHD_Connection *c,
                     struct sim_resp *r)
{
    struct sim_knobs k;
    struct sim_render rd = {NULL, &k, &r->body};

    (void)c;
    pthread_mutex_lock(&s->lock);
    k = s->knobs;
    pthread_mutex_unlock(&s->lock);
    /* the account as a correct client would store it */
    k.bad_type = false;
    pthread_rwlock_rdlock(&s->acct_lock);
    rd.acct = s->acct;
    sim_api_dump(&rd);
    pthread_rwlock_unlock(&s->acct_lock);
}

static void ctl_advance(struct sim_server *s, struct MHD_Connection *c,
                        struct sim_resp *r)
{
    int64_t generation;

    (void)c;
    pthread_rwlock_wrlock(&s->acct_lock);
    sim_account_advance(s->acct);
    generation = s->acct->generation;
    pthread_rwlock_unlock(&s->acct_lock);
    sbuf_addf(&r->body, "{\"generation\":%" PRId64 "}", generation);
}

static void ctl_show(struct sim_server *s, struct MHD_Connection *c,
                     struct sim_resp *r)
{
    (void)c;
    pthread_mutex_lock(&s->lock);
    sim_knobs_write(&r->body, &s->knobs);
    pthread_mutex_unlock(&s->lock);
}

struct config_pass {
    struct sim_knobs knobs;
    struct kv_err err;
    int rc;
};

static enum MHD_Result config_one(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    struct config_pass *p = cls;

    (void)kind;
    p->rc = sim_knobs_set(&p->knobs, key, value, &p->err);
    return p->rc ? MHD_NO : MHD_YES;
}

/* All settings of the query apply, or none. */
static void ctl_config(struct sim_server *s, struct MHD_Connection *c,
                       struct sim_resp *r)
{
    struct config_pass p;

    kv_err_clear(&p.err);
    p.rc = KV_OK;
    pthread_mutex_lock(&s->lock);
    p.knobs = s->knobs;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, config_one, &p);
    if (!p.rc)
        s->knobs = p.knobs;
    pthread_mutex_unlock(&s->lock);
    if (p.rc)
        sim_resp_error(r, 400, p.err.msg);
    else
        sim_knobs_write(&r->body, &p.knobs);
}

struct ctl_route {
    const char *path;
    const char *method;
    void (*fn)(struct sim_server *s, struct MHD_Connection *c,
               struct sim_resp *r);
};

static const struct ctl_route routes[] = {
    {"/_sim/stats", "GET", ctl_stats},
    {"/_sim/reset-stats", "POST", ctl_reset},
    {"/_sim/dump", "GET", ctl_dump},
    {"/_sim/advance", "POST", ctl_advance},
    {"/_sim/config", "GET", ctl_show},
    {"/_sim/config", "POST", ctl_config},
};

static bool from_loopback(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    if (!sa)
        return false;
    if (sa->sa_family == AF_INET)
        return ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >>
                   24 == 127;
    return sa->sa_family == AF_INET6 &&
           IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

void sim_ctl_handle(struct sim_server *s, struct MHD_Connection *c,
                    const char *method, const char *url, struct sim_resp *r)
{
    const char *allow = NULL;

    if (!from_loopback(c)) {
        sim_resp_error(r, 403, "the control API answers loopback only");
        return;
    }
    for (size_t i = 0; i < KV_ARRAY_LEN(routes); i++) {
        if (strcmp(routes[i].path, url))
            continue;
        if (strcmp(routes[i].method, method)) {
            allow = allow ? "GET, POST" : routes[i].method;
            continue;
        }
        r->status = 200;
        routes[i].fn(s, c, r);
        return;
    }
    if (allow) {
        sim_resp_error(r, 405, "Method Not Allowed");
        r->allow = allow;
        return;
    }
    sim_resp_error(r, 404, "not found");
}
