/*
 * test_cio_client.c - the Customer.io client against an in-process fake
 * API (libmicrohttpd on 127.0.0.1, a thread per connection).  Protocol
 * cases are data: the canned replies, the streams read, the exact requests
 * expected, and what the caller must see.  Timing cases (Retry-After,
 * concurrency, pacing, cancel) follow, then the retry arithmetic.
 */
#include "common/kv.h"
#include "harness.h"
#include "source/cio.h"
#include "source/cio_retry.h"
#include "source/cio_seen.h"
#include "common/mem.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define KEY "kaivo-test-key-5f2c9a17"
#define MAX_REQS 256

/* One canned answer.  target is the request after "/v1" ("*": any). */
struct reply {
    const char *target;
    int status;
    const char *body;
    const char *header;  /* "Name: value", or NULL */
    int delay_ms;        /* before answering */
    bool truncate;       /* promise more bytes than sent, then close */
    bool chunked;        /* no Content-Length: chunked encoding */
};

struct seen_req {
    char target[600];
    char auth[128];
    char accept[64];
    char agent[64];
    int64_t start_us;
};

struct fake {
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t lock;
    const struct reply *replies; /* ends with a NULL target */
    bool used[64];
    struct seen_req reqs[MAX_REQS];
    int nreqs;
    int inflight;
    int max_inflight;
    int connections;
    int default_delay_ms;        /* for replies made by fake_any */
};

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The first unused reply for target; once all are used, the last again. */
static const struct reply *pick_reply(struct fake *f, const char *target)
{
    const struct reply *last = NULL;

    for (int i = 0; f->replies[i].target; i++) {
        const struct reply *r = &f->replies[i];

        if (strcmp(r->target, target) && strcmp(r->target, "*"))
            continue;
        if (!f->used[i]) {
            f->used[i] = true;
            return r;
        }
        last = r;
    }
    return last;
}

static void record(struct fake *f, struct MHD_Connection *conn,
                   const char *target, int64_t start_us)
{
    struct seen_req *r;
    const char *v;

    if (f->nreqs >= MAX_REQS)
        return;
    r = &f->reqs[f->nreqs++];
    memset(r, 0, sizeof(*r));
    r->start_us = start_us;
    snprintf(r->target, sizeof(r->target), "%s", target);
    v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    snprintf(r->auth, sizeof(r->auth), "%s", v ? v : "(none)");
    v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
    snprintf(r->accept, sizeof(r->accept), "%s", v ? v : "(none)");
    v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
    snprintf(r->agent, sizeof(r->agent), "%s", v ? v : "(none)");
}

static ssize_t read_truncated(void *cls, uint64_t pos, char *buf, size_t max)
{
    const char *body = cls;
    size_t len = strlen(body);
    size_t n;

    if (pos >= len)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    n = len - (size_t)pos < max ? len - (size_t)pos : max;
    memcpy(buf, body + pos, n);
    return (ssize_t)n;
}

static ssize_t read_chunked(void *cls, uint64_t pos, char *buf, size_t max)
{
    const char *body = cls;
    size_t len = strlen(body);
    size_t n;

    if (pos >= len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    n = len - (size_t)pos < max ? len - (size_t)pos : max;
    memcpy(buf, body + pos, n);
    return (ssize_t)n;
}

static struct MHD_Response *make_response(const struct reply *r)
{
    const char *body = r && r->body ? r->body : "";
    struct MHD_Response *resp;

    if (r && r->chunked)
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16,
                                                 read_chunked,
                                                 (void *)body, NULL);
    else if (r && r->truncate)
        resp = MHD_create_response_from_callback(strlen(body) + 100, 1024,
                                                 read_truncated,
                                                 (void *)body, NULL);
    else
        resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                               MHD_RESPMEM_PERSISTENT);
    if (r && r->header) {
        char name[64];
        const char *colon = strchr(r->header, ':');

        snprintf(name, sizeof(name), "%.*s", (int)(colon - r->header),
                 r->header);
        MHD_add_response_header(resp, name, colon + 2);
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    return resp;
}

/* What MHD keeps per request: the raw target, and whether it was seen. */
struct fake_req {
    char *raw;
    bool called;
    int64_t start_us; /* when the request line arrived */
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req)
{
    struct fake *f = cls;
    struct fake_req *fr = *req;
    const char *target = strncmp(fr->raw, "/v1", 3) ? fr->raw : fr->raw + 3;
    const struct reply *r;
    struct MHD_Response *resp;
    enum MHD_Result ret;

    (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
    /* answering before the request is complete makes MHD close after */
    if (!fr->called) {
        fr->called = true;
        return MHD_YES;
    }
    pthread_mutex_lock(&f->lock);
    record(f, conn, target, fr->start_us);
    r = pick_reply(f, target);
    if (++f->inflight > f->max_inflight)
        f->max_inflight = f->inflight;
    pthread_mutex_unlock(&f->lock);
    kv_sleep_ms(r ? r->delay_ms : 0);
    resp = make_response(r);
    ret = MHD_queue_response(conn, r ? (unsigned)r->status : 418, resp);
    MHD_destroy_response(resp);
    pthread_mutex_lock(&f->lock);
    f->inflight--;
    pthread_mutex_unlock(&f->lock);
    return ret;
}

/* Keeps the raw request target: MHD decodes the query otherwise. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct fake_req *fr = xcalloc(1, sizeof(*fr));

    (void)cls, (void)conn;
    fr->raw = xstrdup(uri);
    fr->start_us = now_us();
    return fr;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req,
                         enum MHD_RequestTerminationCode toe)
{
    struct fake_req *fr = *req;

    (void)cls, (void)conn, (void)toe;
    if (fr)
        free(fr->raw);
    free(fr);
    *req = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn,
                          void **sock, enum MHD_ConnectionNotificationCode c)
{
    struct fake *f = cls;

    (void)conn, (void)sock;
    if (c != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    pthread_mutex_lock(&f->lock);
    f->connections++;
    pthread_mutex_unlock(&f->lock);
}

static void fake_start(struct fake *f, const struct reply *replies)
{
    struct sockaddr_in sin;
    const union MHD_DaemonInfo *info;

    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    f->replies = replies;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
        NULL, NULL, on_request, f, MHD_OPTION_SOCK_ADDR, &sin,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, f,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, f,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, f, MHD_OPTION_END);
    CHECK(f->daemon != NULL);
    info = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT);
    CHECK(info && info->port);
    f->port = info->port;
}

static void fake_stop(struct fake *f)
{
    MHD_stop_daemon(f->daemon);
    pthread_mutex_destroy(&f->lock);
}

/* Every request carried exactly the headers the API wants. */
static void check_headers(const struct fake *f)
{
    for (int i = 0; i < f->nreqs; i++) {
        CHECK_STR(f->reqs[i].auth, "Bearer " KEY);
        CHECK_STR(f->reqs[i].accept, "application/json");
        CHECK_STR(f->reqs[i].agent, "kaivo/0.1");
    }
}

/* Settings for tests: fast retries, a quick pacer, one stream at a time. */
static void test_config(struct cio_config *cfg, const struct fake *f,
                        char *base, size_t size)
{
    snprintf(base, size, "http://127.0.0.1:%d/v1", f->port);
    cio_config_defaults(cfg);
    cfg->base_url = base;
    cfg->api_key = KEY;
    cfg->rate = 1000;
    cfg->max_in_flight = 1;
    cfg->max_attempts = 4;
    cfg->max_wait_ms = 10000;
    cfg->retry_base_ms = 10;
    cfg->retry_cap_ms = 50;
    cfg->timeout_ms = 5000;
}

/* What the callback saw, as text: "campaigns p1 n2 last; skip ...". */
struct seen_events {
    struct sbuf text;
    const char *base;
    int stop_at;       /* return KV_EFAIL at this event (1-based), 0: never */
    int n;
};

static const char *stream_name(const struct cio_event *ev, char *buf,
                               size_t size)
{
    if (ev->list == CIO_CAMPAIGNS)
        return "campaigns";
    if (ev->list == CIO_NEWSLETTERS)
        return "newsletters";
    snprintf(buf, size, "actions/%" PRId64, ev->campaign_id);
    return buf;
}

static int on_event(void *ctx, const struct cio_event *ev,
                    struct kv_err *err)
{
    struct seen_events *s = ctx;
    char name[64];

    CHECK(ev->url && !strncmp(ev->url, s->base, strlen(s->base)));
    CHECK(!strstr(ev->url, KEY));
    if (s->text.len)
        sbuf_addstr(&s->text, "; ");
    if (ev->kind == CIO_EV_SKIPPED) {
        sbuf_addf(&s->text, "skip %s", stream_name(ev, name, sizeof(name)));
    } else {
        CHECK(json_object_is_type(ev->items, json_type_array));
        sbuf_addf(&s->text, "%s p%d n%zu%s",
                  stream_name(ev, name, sizeof(name)), ev->page_no,
                  json_object_array_length(ev->items),
                  ev->last ? " last" : "");
    }
    if (++s->n == s->stop_at)
        return kv_err_set(err, KV_EFAIL, "callback says stop");
    return KV_OK;
}

struct proto_case {
    const struct reply *replies;         /* ends with {NULL} */
    const struct cio_stream *streams;
    size_t nstreams;
    bool check;                          /* cio_check instead of a fetch */
    int max_attempts;                    /* 0: test_config's */
    size_t max_body;                     /* 0: the default */
    long timeout_ms;                     /* 0: test_config's */
    int64_t max_wait_ms;                 /* 0: test_config's */
    const char *const *requests;         /* exact targets, in order */
    int rc;
    const char *events;                  /* what the callback saw */
    const char *const *msg_has;          /* substrings of err.msg */
    const char *where;                   /* err.where ends with this */
    int min_ms;                          /* the read took at least this */
    int stop_at;                         /* the callback fails event n */
};

#define STREAMS(...)                                                       \
    .streams = (const struct cio_stream[]){__VA_ARGS__},                   \
    .nstreams = sizeof((const struct cio_stream[]){__VA_ARGS__}) /         \
                sizeof(struct cio_stream)
#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})
#define REPLIES(...) ((const struct reply[]){__VA_ARGS__, {.target = NULL}})
/* One reply: target, status, body, then any of .header, .delay_ms... */
#define R(t, s, b, ...) {.target = (t), .status = (s), .body = (b), __VA_ARGS__}

#define CAMPAIGNS {CIO_CAMPAIGNS, 0}
#define ACTIONS(id) {CIO_ACTIONS, id}
#define NEWSLETTERS {CIO_NEWSLETTERS, 0}

#define TEN "[{},{},{},{},{},{},{},{},{},{}]"

static void check_msg(const struct proto_case *pc, const struct kv_err *err)
{
    CHECK(!strstr(err->msg, KEY));
    CHECK(!strstr(err->where, KEY));
    for (int i = 0; pc->msg_has && pc->msg_has[i]; i++)
        if (!strstr(err->msg, pc->msg_has[i]))
            harness_fail(__FILE__, __LINE__, "message '%s' lacks '%s'",
                         err->msg, pc->msg_has[i]);
    if (pc->where) {
        size_t n = strlen(err->where), m = strlen(pc->where);

        if (n < m || strcmp(err->where + n - m, pc->where))
            harness_fail(__FILE__, __LINE__, "where '%s' does not end in "
                         "'%s'", err->where, pc->where);
    }
}

static void check_requests(const struct proto_case *pc, const struct fake *f)
{
    int n = 0;

    for (; pc->requests[n]; n++) {
        if (n >= f->nreqs)
            harness_fail(__FILE__, __LINE__, "request %d never came: %s", n,
                         pc->requests[n]);
        CHECK_STR(f->reqs[n].target, pc->requests[n]);
    }
    CHECK_INT(f->nreqs, n);
    check_headers(f);
}

static void run_proto(const struct proto_case *pc)
{
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c = NULL;
    struct seen_events ev = {0};
    struct kv_err err;
    char base[64];
    int64_t t0;
    int rc;

    fake_start(&f, pc->replies);
    test_config(&cfg, &f, base, sizeof(base));
    cfg.max_attempts = pc->max_attempts ? pc->max_attempts : 4;
    cfg.max_body = pc->max_body ? pc->max_body : cfg.max_body;
    cfg.timeout_ms = pc->timeout_ms ? pc->timeout_ms : cfg.timeout_ms;
    cfg.max_wait_ms = pc->max_wait_ms ? pc->max_wait_ms : cfg.max_wait_ms;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    sbuf_init(&ev.text, 0);
    ev.base = base;
    ev.stop_at = pc->stop_at;
    t0 = kv_now_ms();
    if (pc->check)
        rc = cio_check(c, &err);
    else
        rc = cio_fetch(c, pc->streams, pc->nstreams, on_event, &ev, &err);
    if (rc != pc->rc)
        harness_fail(__FILE__, __LINE__, "rc %d, expected %d: %s (%s)", rc,
                     pc->rc, err.msg, err.where);
    CHECK(kv_now_ms() - t0 >= pc->min_ms);
    check_msg(pc, &err);
    CHECK_STR(ev.text.buf ? ev.text.buf : "", pc->events ? pc->events : "");
    cio_client_free(c);
    fake_stop(&f);
    check_requests(pc, &f);
    sbuf_release(&ev.text);
}

#define PROTO_TEST(name, ...)                                              \
    static const struct proto_case proto_##name = {__VA_ARGS__};           \
    static void test_cio_client_##name(void)                               \
    {                                                                      \
        run_proto(&proto_##name);                                          \
    }

PROTO_TEST(paging,
    .replies = REPLIES(
        R("/campaigns", 200, "{\"campaigns\":[{\"id\":12},{\"id\":13}]}"),
        R("/campaigns/12/actions", 200,
          "{\"actions\":" TEN ",\"next\":\"a+b/c=\"}"),
        R("/campaigns/12/actions?start=a%2Bb%2Fc%3D", 200,
          "{\"actions\":[{\"id\":\"11\"}],\"next\":null}"),
        R("/newsletters?limit=100", 200,
          "{\"newsletters\":[{},{}],\"next\":\"MTA\"}"),
        R("/newsletters?limit=100&start=MTA", 200,
          "{\"newsletters\":[{}],\"next\":\"\"}")),
    STREAMS(CAMPAIGNS, ACTIONS(12), NEWSLETTERS),
    .requests = LIST("/campaigns", "/campaigns/12/actions",
                     "/campaigns/12/actions?start=a%2Bb%2Fc%3D",
                     "/newsletters?limit=100",
                     "/newsletters?limit=100&start=MTA"),
    .events = "campaigns p1 n2 last; actions/12 p1 n10; "
              "actions/12 p2 n1 last; newsletters p1 n2; "
              "newsletters p2 n1 last")

PROTO_TEST(next_absent_ends,
    .replies = REPLIES(
        R("/campaigns/7/actions", 200, "{\"actions\":null}"),
        R("/campaigns/8/actions", 200, "{\"actions\":[{}]}")),
    STREAMS(ACTIONS(7), ACTIONS(8)),
    .requests = LIST("/campaigns/7/actions", "/campaigns/8/actions"),
    .events = "actions/7 p1 n0 last; actions/8 p1 n1 last")

PROTO_TEST(retry_503,
    .replies = REPLIES(
        R("/campaigns", 503, "{\"meta\":{\"error\":\"try later\"}}"),
        R("/campaigns", 200, "{\"campaigns\":[{}]}")),
    STREAMS(CAMPAIGNS),
    .requests = LIST("/campaigns", "/campaigns"),
    .events = "campaigns p1 n1 last")

PROTO_TEST(retry_408_and_500_mid_stream,
    .replies = REPLIES(
        R("/newsletters?limit=100", 200,
          "{\"newsletters\":[{}],\"next\":\"x\"}"),
        R("/newsletters?limit=100&start=x", 408, ""),
        R("/newsletters?limit=100&start=x", 500, "oops"),
        R("/newsletters?limit=100&start=x", 200, "{\"newsletters\":[{}]}")),
    STREAMS(NEWSLETTERS),
    .requests = LIST("/newsletters?limit=100",
                     "/newsletters?limit=100&start=x",
                     "/newsletters?limit=100&start=x",
                     "/newsletters?limit=100&start=x"),
    .events = "newsletters p1 n1; newsletters p2 n1 last")

PROTO_TEST(retry_truncated_body,
    .replies = REPLIES(
        R("/campaigns", 200, "{\"campaigns\":[{\"id\":1}", .truncate = true),
        R("/campaigns", 200, "{\"campaigns\":[{\"id\":1}]}")),
    STREAMS(CAMPAIGNS),
    .requests = LIST("/campaigns", "/campaigns"),
    .events = "campaigns p1 n1 last")

PROTO_TEST(retry_timeout,
    .replies = REPLIES(
        R("/campaigns", 200, "{\"campaigns\":[]}", .delay_ms = 1200),
        R("/campaigns", 200, "{\"campaigns\":[]}")),
    STREAMS(CAMPAIGNS),
    .timeout_ms = 300,
    .requests = LIST("/campaigns", "/campaigns"),
    .events = "campaigns p1 n0 last")

PROTO_TEST(retry_after_429,
    .replies = REPLIES(
        R("/campaigns", 429, "{\"meta\":{\"error\":\"over the limit\"}}",
          .header = "Retry-After: 1"),
        R("/campaigns", 200, "{\"campaigns\":[]}")),
    STREAMS(CAMPAIGNS),
    .requests = LIST("/campaigns", "/campaigns"),
    .events = "campaigns p1 n0 last",
    .min_ms = 1000)

PROTO_TEST(retry_after_date_in_past,
    .replies = REPLIES(
        R("/campaigns", 429, "",
          .header = "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"),
        R("/campaigns", 200, "{\"campaigns\":[]}")),
    STREAMS(CAMPAIGNS),
    .requests = LIST("/campaigns", "/campaigns"),
    .events = "campaigns p1 n0 last")

/* A Retry-After beyond the budget is cut to what is left of it. */
PROTO_TEST(retry_after_capped_by_budget,
    .replies = REPLIES(
        R("/campaigns", 429, "", .header = "Retry-After: 100"),
        R("/campaigns", 200, "{\"campaigns\":[]}")),
    STREAMS(CAMPAIGNS),
    .max_wait_ms = 300,
    .requests = LIST("/campaigns", "/campaigns"),
    .events = "campaigns p1 n0 last",
    .min_ms = 300)

PROTO_TEST(retries_exhausted,
    .replies = REPLIES(
        R("/campaigns", 503, "{\"errors\":[{\"detail\":\"maintenance\"}]}")),
    STREAMS(CAMPAIGNS),
    .max_attempts = 3,
    .requests = LIST("/campaigns", "/campaigns", "/campaigns"),
    .rc = KV_EFAIL,
    .msg_has = LIST("after 3 attempts", "HTTP 503: maintenance"),
    .where = "/v1/campaigns")

PROTO_TEST(wait_budget_exhausted,
    .replies = REPLIES(R("/campaigns", 429, "", .header = "Retry-After: 100")),
    STREAMS(CAMPAIGNS),
    .max_wait_ms = 200,
    .max_attempts = 8,
    .requests = LIST("/campaigns", "/campaigns"),
    .rc = KV_EFAIL,
    .msg_has = LIST("after 2 attempts", "0.2 s of backoff", "HTTP 429"),
    .min_ms = 200)

PROTO_TEST(auth_401_echoing_key,
    .replies = REPLIES(
        R("/campaigns", 401, "{\"meta\":{\"error\":\"Unauthorized request "
         "with key " KEY "\"}}")),
    STREAMS(CAMPAIGNS, NEWSLETTERS),
    .requests = LIST("/campaigns"),
    .rc = KV_EAUTH,
    .msg_has = LIST("customer.io refused the API key (HTTP 401: "
                    "Unauthorized request with key [redacted]",
                    "App API key (not a Track API key)",
                    "region matches the workspace (us/eu)",
                    "no IP allow-list blocks this machine"),
    .where = "/v1/campaigns")

PROTO_TEST(auth_403_raw_body_echo,
    .replies = REPLIES(
        R("/campaigns/5/actions", 403, "denied: Authorization: Bearer " KEY
         " is not allowed from 10.0.0.1")),
    STREAMS(ACTIONS(5)),
    .requests = LIST("/campaigns/5/actions"),
    .rc = KV_EAUTH,
    .msg_has = LIST("HTTP 403: denied: Authorization: Bearer [redacted] is",
                    "App API key", "scope"))

PROTO_TEST(auth_401_stops_other_streams,
    .replies = REPLIES(
        R("/campaigns/1/actions", 401,
          "{\"errors\":[{\"detail\":\"Unauthorized\",\"status\":\"401\"}]}"),
        R("*", 200, "{\"actions\":[]}")),
    STREAMS(ACTIONS(1), ACTIONS(2), ACTIONS(3)),
    .requests = LIST("/campaigns/1/actions"),
    .rc = KV_EAUTH,
    .msg_has = LIST("(HTTP 401: Unauthorized)"))

PROTO_TEST(skip_404_campaign,
    .replies = REPLIES(
        R("/campaigns/12/actions", 200, "{\"actions\":[{}]}"),
        R("/campaigns/13/actions", 404,
          "{\"errors\":[{\"detail\":\"not found\"}]}"),
        R("/campaigns/14/actions", 200,
          "{\"actions\":[{},{}],\"next\":\"\"}")),
    STREAMS(ACTIONS(12), ACTIONS(13), ACTIONS(14)),
    .requests = LIST("/campaigns/12/actions", "/campaigns/13/actions",
                     "/campaigns/14/actions"),
    .events = "actions/12 p1 n1 last; skip actions/13; actions/14 p1 n2 last")

PROTO_TEST(fail_404_newsletters,
    .replies = REPLIES(R("/newsletters?limit=100", 404, "Not Found")),
    STREAMS(NEWSLETTERS),
    .requests = LIST("/newsletters?limit=100"),
    .rc = KV_EFAIL,
    .msg_has = LIST("HTTP 404: Not Found"),
    .where = "/v1/newsletters?limit=100")

PROTO_TEST(fail_404_campaigns,
    .replies = REPLIES(R("/campaigns", 404, "")),
    STREAMS(CAMPAIGNS),
    .requests = LIST("/campaigns"),
    .rc = KV_EFAIL,
    .msg_has = LIST("customer.io answered HTTP 404"))

PROTO_TEST(fail_400,
    .replies = REPLIES(
        R("/campaigns/9/actions", 400,
          "{\"meta\":{\"errors\":[\"bad campaign id\"]}}")),
    STREAMS(ACTIONS(9)),
    .requests = LIST("/campaigns/9/actions"),
    .rc = KV_EFAIL,
    .msg_has = LIST("HTTP 400: bad campaign id"),
    .where = "/v1/campaigns/9/actions")

PROTO_TEST(redirect_not_followed,
    .replies = REPLIES(
        R("/campaigns", 302, "",
          .header = "Location: http://127.0.0.2:1/steal")),
    STREAMS(CAMPAIGNS),
    .requests = LIST("/campaigns"),
    .rc = KV_EFAIL,
    .msg_has = LIST("redirect (HTTP 302)"))

PROTO_TEST(repeated_token,
    .replies = REPLIES(
        R("/campaigns/12/actions", 200, "{\"actions\":[{}],\"next\":\"A\"}"),
        R("/campaigns/12/actions?start=A", 200,
          "{\"actions\":[{}],\"next\":\"B\"}"),
        R("/campaigns/12/actions?start=B", 200,
          "{\"actions\":[{}],\"next\":\"A\"}")),
    STREAMS(ACTIONS(12)),
    .requests = LIST("/campaigns/12/actions", "/campaigns/12/actions?start=A",
                     "/campaigns/12/actions?start=B"),
    .rc = KV_EMALFORMED,
    .events = "actions/12 p1 n1; actions/12 p2 n1",
    .msg_has = LIST("page token repeats"),
    .where = "/v1/campaigns/12/actions?start=B")

/* A server echoing the key as a token: it must not land in a URL. */
PROTO_TEST(token_holds_key,
    .replies = REPLIES(
        R("/campaigns/3/actions", 200,
          "{\"actions\":[],\"next\":\"x" KEY "\"}")),
    STREAMS(ACTIONS(3)),
    .requests = LIST("/campaigns/3/actions"),
    .rc = KV_EMALFORMED,
    .msg_has = LIST("page token contains the API key"),
    .where = "/v1/campaigns/3/actions")

/* Tokens are per stream: another stream may use the same ones. */
PROTO_TEST(same_token_other_stream,
    .replies = REPLIES(
        R("/campaigns/1/actions", 200, "{\"actions\":[],\"next\":\"A\"}"),
        R("/campaigns/1/actions?start=A", 200, "{\"actions\":[]}"),
        R("/campaigns/2/actions", 200, "{\"actions\":[],\"next\":\"A\"}"),
        R("/campaigns/2/actions?start=A", 200, "{\"actions\":[]}")),
    STREAMS(ACTIONS(1), ACTIONS(2)),
    .requests = LIST("/campaigns/1/actions", "/campaigns/1/actions?start=A",
                     "/campaigns/2/actions", "/campaigns/2/actions?start=A"),
    .events = "actions/1 p1 n0; actions/1 p2 n0 last; actions/2 p1 n0; "
              "actions/2 p2 n0 last")

PROTO_TEST(body_over_cap,
    .replies = REPLIES(
        R("/campaigns", 200, "{\"campaigns\":[" TEN "," TEN "," TEN "]}")),
    STREAMS(CAMPAIGNS),
    .max_body = 64,
    .requests = LIST("/campaigns"),
    .rc = KV_EFAIL,
    .msg_has = LIST("larger than the cap of 64 bytes"),
    .where = "/v1/campaigns")

/* Chunked, so no Content-Length warns curl: the write callback stops it. */
PROTO_TEST(body_over_cap_streamed,
    .replies = REPLIES(
        R("/campaigns", 200, "{\"campaigns\":[" TEN "," TEN "," TEN "]}",
          .chunked = true)),
    STREAMS(CAMPAIGNS),
    .max_body = 40,
    .requests = LIST("/campaigns"),
    .rc = KV_EFAIL,
    .msg_has = LIST("larger than the cap of 40 bytes"))

PROTO_TEST(malformed_not_retried,
    .replies = REPLIES(R("/campaigns", 200, "<html>hello</html>")),
    STREAMS(CAMPAIGNS),
    .requests = LIST("/campaigns"),
    .rc = KV_EMALFORMED,
    .msg_has = LIST("not valid JSON"),
    .where = "/v1/campaigns")

PROTO_TEST(wrong_type_names_path,
    .replies = REPLIES(
        R("/newsletters?limit=100", 200, "{\"newsletters\":[{}, 3]}")),
    STREAMS(NEWSLETTERS),
    .requests = LIST("/newsletters?limit=100"),
    .rc = KV_EMALFORMED,
    .msg_has = LIST("$.newsletters[1] is a number"),
    .where = "/v1/newsletters?limit=100")

PROTO_TEST(callback_stops,
    .replies = REPLIES(
        R("/campaigns/1/actions", 200, "{\"actions\":[],\"next\":\"A\"}"),
        R("*", 200, "{\"actions\":[]}")),
    STREAMS(ACTIONS(1), ACTIONS(2)),
    .requests = LIST("/campaigns/1/actions"),
    .rc = KV_EFAIL,
    .events = "actions/1 p1 n0",
    .stop_at = 1,
    .msg_has = LIST("callback says stop"))

PROTO_TEST(check_ok,
    .replies = REPLIES(
        R("/newsletters?limit=1", 200,
          "{\"newsletters\":[{}],\"next\":\"Y\"}")),
    .check = true,
    .requests = LIST("/newsletters?limit=1"))

PROTO_TEST(check_401,
    .replies = REPLIES(
        R("/newsletters?limit=1", 401,
          "{\"meta\":{\"error\":\"Unauthorized request\"}}")),
    .check = true,
    .requests = LIST("/newsletters?limit=1"),
    .rc = KV_EAUTH,
    .msg_has = LIST("refused the API key (HTTP 401: Unauthorized request)"))

PROTO_TEST(check_not_json,
    .replies = REPLIES(R("/newsletters?limit=1", 200, "<html></html>")),
    .check = true,
    .requests = LIST("/newsletters?limit=1"),
    .rc = KV_EMALFORMED)

/* The callback's stop code: its own message comes back untouched. */
static void test_cio_client_callback_err_kept(void)
{
    static const struct reply replies[] = {
        {"*", 200, "{\"campaigns\":[]}", NULL, 0, false, false},
        {NULL, 0, NULL, NULL, 0, false, false},
    };
    static const struct cio_stream s = {CIO_CAMPAIGNS, 0};
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c;
    struct seen_events ev = {.stop_at = 1};
    struct kv_err err;
    char base[64];

    fake_start(&f, replies);
    test_config(&cfg, &f, base, sizeof(base));
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    sbuf_init(&ev.text, 0);
    ev.base = base;
    CHECK_INT(cio_fetch(c, &s, 1, on_event, &ev, &err), KV_EFAIL);
    CHECK_STR(err.msg, "callback says stop");
    CHECK_STR(err.where, "");
    cio_client_free(c);
    fake_stop(&f);
    sbuf_release(&ev.text);
}

/* Several streams read at once, stats counted, and connections reused. */
static void test_cio_client_concurrency(void)
{
    static const struct reply replies[] = {
        {"*", 200, "{\"actions\":[{}]}", NULL, 150, false, false},
        {NULL, 0, NULL, NULL, 0, false, false},
    };
    struct cio_stream streams[12];
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c;
    struct seen_events ev = {0};
    struct kv_err err;
    char base[64];
    const struct cio_stats *st;

    for (int i = 0; i < 12; i++)
        streams[i] = (struct cio_stream){CIO_ACTIONS, 100 + i};
    fake_start(&f, replies);
    test_config(&cfg, &f, base, sizeof(base));
    cfg.max_in_flight = 4;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    sbuf_init(&ev.text, 0);
    ev.base = base;
    CHECK_INT(cio_fetch(c, streams, 12, on_event, &ev, &err), KV_OK);
    CHECK_INT(ev.n, 12);
    CHECK_INT(f.nreqs, 12);
    CHECK_INT(f.max_inflight, 4);
    /* three waves on four kept-alive connections */
    CHECK(f.connections <= 5);
    st = cio_client_stats(c);
    CHECK_INT(st->requests, 12);
    CHECK_INT(st->pages, 12);
    CHECK_INT(st->retries, 0);
    CHECK_INT(st->bytes, 12 * strlen(replies[0].body));
    CHECK(st->last_ms >= st->first_ms && st->first_ms > 0);
    check_headers(&f);
    cio_client_free(c);
    fake_stop(&f);
    sbuf_release(&ev.text);
}

/* What the test's cio_prepare makes of a page. */
struct prepared_page {
    pthread_t thread;
    size_t nitems;
    int64_t campaign_id;
};

struct prepare_count {
    atomic_int made;
    atomic_int freed;
    pthread_t caller;
    int delivered;
};

static void *prepare_page(void *ctx, const struct cio_stream *s,
                          struct json_object *items)
{
    struct prepare_count *pc = ctx;
    struct prepared_page *pp = xmalloc(sizeof(*pp));

    pp->thread = pthread_self();
    pp->nitems = json_object_array_length(items);
    pp->campaign_id = s->campaign_id;
    atomic_fetch_add(&pc->made, 1);
    return pp;
}

static struct prepare_count *release_count;

static void release_page(void *prepared)
{
    atomic_fetch_add(&release_count->freed, 1);
    free(prepared);
}

static int on_prepared(void *ctx, const struct cio_event *ev,
                       struct kv_err *err)
{
    struct prepare_count *pc = ctx;
    const struct prepared_page *pp = ev->prepared;

    CHECK(pp != NULL);
    CHECK(!pthread_equal(pp->thread, pc->caller));
    CHECK_INT(pp->nitems, json_object_array_length(ev->items));
    CHECK_INT(pp->campaign_id, ev->campaign_id);
    if (++pc->delivered == 7)
        return kv_err_set(err, KV_EFAIL, "callback says stop");
    return KV_OK;
}

/*
 * cio_prepare runs on the parser thread for every page, its result reaches
 * the callback, and every result is released: pages delivered, and pages
 * parsed but never delivered because the callback stopped the fetch.
 */
static void test_cio_client_prepare(void)
{
    static const struct reply replies[] = {
        {"*", 200, "{\"actions\":[{},{}]}", NULL, 20, false, false},
        {NULL, 0, NULL, NULL, 0, false, false},
    };
    struct prepare_count pc = {.caller = pthread_self()};
    struct cio_prepare prep = {prepare_page, release_page, &pc};
    struct cio_stream streams[12];
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c;
    struct kv_err err;
    char base[64];

    release_count = &pc;
    for (int i = 0; i < 12; i++)
        streams[i] = (struct cio_stream){CIO_ACTIONS, 100 + i};
    fake_start(&f, replies);
    test_config(&cfg, &f, base, sizeof(base));
    cfg.max_in_flight = 4;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    CHECK_INT(cio_fetch_prepared(c, streams, 5, &prep, on_prepared, &pc,
                                 &err), KV_OK);
    CHECK_INT(pc.delivered, 5);
    CHECK_INT(atomic_load(&pc.made), 5);
    CHECK_INT(atomic_load(&pc.freed), 5);
    CHECK_INT(cio_fetch_prepared(c, streams, 12, &prep, on_prepared, &pc,
                                 &err), KV_EFAIL);
    CHECK_INT(pc.delivered, 7);
    CHECK(atomic_load(&pc.made) >= 7);
    CHECK_INT(atomic_load(&pc.freed), atomic_load(&pc.made));
    cio_client_free(c);
    fake_stop(&f);
}

/* One stream of many pages rides one keep-alive connection. */
static void test_cio_client_keepalive(void)
{
    static const struct reply replies[] = {
        {"/newsletters?limit=100", 200, "{\"newsletters\":[],\"next\":\"1\"}",
         NULL, 0, false, false},
        {"/newsletters?limit=100&start=1", 200,
         "{\"newsletters\":[],\"next\":\"2\"}", NULL, 0, false, false},
        {"/newsletters?limit=100&start=2", 200, "{\"newsletters\":[]}", NULL,
         0, false, false},
        {NULL, 0, NULL, NULL, 0, false, false},
    };
    static const struct cio_stream s = {CIO_NEWSLETTERS, 0};
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c;
    struct seen_events ev = {0};
    struct kv_err err;
    char base[64];

    fake_start(&f, replies);
    test_config(&cfg, &f, base, sizeof(base));
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    sbuf_init(&ev.text, 0);
    ev.base = base;
    CHECK_INT(cio_fetch(c, &s, 1, on_event, &ev, &err), KV_OK);
    CHECK_INT(cio_check(c, &err), KV_EFAIL);  /* no canned reply: 418 */
    CHECK_INT(f.nreqs, 4);
    CHECK_INT(f.connections, 1);
    cio_client_free(c);
    fake_stop(&f);
    sbuf_release(&ev.text);
}

/*
 * Rate 20/s at 100 ms server latency: 20 requests start at least 50 ms
 * apart and still reach 95% of the rate, because several are in flight.
 * A first read opens the connections, so that connection setup does not
 * blur the times the server sees; 5 ms is left for its threads' wake-ups.
 */
static void test_cio_client_pacing(void)
{
    static const struct reply replies[] = {
        {"*", 200, "{\"actions\":[]}", NULL, 100, false, false},
        {NULL, 0, NULL, NULL, 0, false, false},
    };
    struct cio_stream streams[20];
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c;
    struct seen_events ev = {0};
    struct kv_err err;
    char base[64];
    const struct seen_req *r;
    int64_t span;

    for (int i = 0; i < 20; i++)
        streams[i] = (struct cio_stream){CIO_ACTIONS, 1 + i};
    fake_start(&f, replies);
    test_config(&cfg, &f, base, sizeof(base));
    cfg.max_in_flight = 4;
    cfg.rate = 20;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    sbuf_init(&ev.text, 0);
    ev.base = base;
    CHECK_INT(cio_fetch(c, streams, 4, on_event, &ev, &err), KV_OK);
    CHECK_INT(cio_fetch(c, streams, 20, on_event, &ev, &err), KV_OK);
    CHECK_INT(f.nreqs, 24);
    CHECK(f.connections <= 4);
    r = f.reqs + 4;
    for (int i = 1; i < 20; i++) {
        int64_t gap = r[i].start_us - r[i - 1].start_us;

        if (gap < 50000 - 5000)
            harness_fail(__FILE__, __LINE__, "starts %d and %d are %lld us "
                         "apart", i - 1, i, (long long)gap);
    }
    span = r[19].start_us - r[0].start_us;
    if (span < 19 * 50000 - 5000 || span > 19 * 50000 * 100 / 95)
        harness_fail(__FILE__, __LINE__, "20 starts spanned %lld us",
                     (long long)span);
    cio_client_free(c);
    fake_stop(&f);
    sbuf_release(&ev.text);
}

/* The pacer outlives one fetch: back-to-back reads stay paced. */
static void test_cio_client_pacing_across_fetches(void)
{
    static const struct reply replies[] = {
        {"*", 200, "{\"campaigns\":[]}", NULL, 0, false, false},
        {NULL, 0, NULL, NULL, 0, false, false},
    };
    static const struct cio_stream s = {CIO_CAMPAIGNS, 0};
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c;
    struct seen_events ev = {0};
    struct kv_err err;
    char base[64];

    fake_start(&f, replies);
    test_config(&cfg, &f, base, sizeof(base));
    cfg.rate = 5;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    sbuf_init(&ev.text, 0);
    ev.base = base;
    for (int i = 0; i < 4; i++)
        CHECK_INT(cio_fetch(c, &s, 1, on_event, &ev, &err), KV_OK);
    CHECK_INT(f.nreqs, 4);
    /* from the second on, so that the connection is already open */
    CHECK(f.reqs[3].start_us - f.reqs[1].start_us >= 2 * 200000 - 5000);
    cio_client_free(c);
    fake_stop(&f);
    sbuf_release(&ev.text);
}

static volatile sig_atomic_t cancel_flag;

static void *cancel_later(void *arg)
{
    (void)arg;
    kv_sleep_ms(200);
    cancel_flag = 1;
    return NULL;
}

static void test_cio_client_cancel(void)
{
    static const struct reply replies[] = {
        {"*", 200, "{\"campaigns\":[]}", NULL, 2000, false, false},
        {NULL, 0, NULL, NULL, 0, false, false},
    };
    static const struct cio_stream s = {CIO_CAMPAIGNS, 0};
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c;
    struct seen_events ev = {0};
    struct kv_err err;
    char base[64];
    pthread_t t;
    int64_t t0;
    int64_t took;

    fake_start(&f, replies);
    test_config(&cfg, &f, base, sizeof(base));
    cfg.cancel = &cancel_flag;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    sbuf_init(&ev.text, 0);
    ev.base = base;
    t0 = kv_now_ms();
    pthread_create(&t, NULL, cancel_later, NULL);
    CHECK_INT(cio_fetch(c, &s, 1, on_event, &ev, &err), KV_ECANCEL);
    took = kv_now_ms() - t0;
    pthread_join(t, NULL);
    if (took < 190 || took > 450)
        harness_fail(__FILE__, __LINE__, "cancel took %lld ms",
                     (long long)took);
    CHECK_INT(ev.n, 0);
    cio_client_free(c);
    fake_stop(&f);
    sbuf_release(&ev.text);
}

/* Nothing listens on the port: connect fails, is retried, then reported. */
static void test_cio_client_connect_refused(void)
{
    static const struct reply none[] = {
        {NULL, 0, NULL, NULL, 0, false, false},
    };
    static const struct cio_stream s = {CIO_CAMPAIGNS, 0};
    struct fake f;
    struct cio_config cfg;
    struct cio_client *c;
    struct kv_err err;
    char base[64];

    fake_start(&f, none);
    test_config(&cfg, &f, base, sizeof(base));
    fake_stop(&f);
    cfg.max_attempts = 2;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    CHECK_INT(cio_fetch(c, &s, 1, on_event, NULL, &err), KV_EFAIL);
    CHECK(strstr(err.msg, "after 2 attempts") != NULL);
    CHECK(strstr(err.msg, "curl error 7") != NULL);
    CHECK(strstr(err.where, "/v1/campaigns") != NULL);
    CHECK_INT(cio_client_stats(c)->retries, 1);
    cio_client_free(c);
}

static void test_cio_client_bad_config(void)
{
    static char sentinel;
    struct cio_config cfg;
    /* a failure must clear *out, so that callers may free it blindly */
    struct cio_client *c = (struct cio_client *)(void *)&sentinel;
    struct kv_err err;

    cio_config_defaults(&cfg);
    CHECK_STR(cfg.base_url, CIO_US_URL);
    CHECK(cfg.rate == 10 && cfg.max_in_flight == 4);
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_EUSAGE);
    CHECK(c == NULL);
    cfg.api_key = "abcd\nInjected: " KEY;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_EUSAGE);
    CHECK(!strstr(err.msg, KEY));
    cfg.api_key = KEY;
    cfg.rate = 0;
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_EUSAGE);
    cfg.rate = 10;
    cfg.base_url = "ftp://example.invalid";
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_EUSAGE);
    cfg.base_url = CIO_EU_URL "/";
    CHECK_INT(cio_client_new(&cfg, &c, &err), KV_OK);
    CHECK_INT(cio_fetch(c, NULL, 0, on_event, NULL, &err), KV_OK);
    CHECK_INT(cio_client_stats(c)->requests, 0);
    cio_client_free(c);
    cio_client_free(NULL);
}

static void test_cio_client_retry_after_parse(void)
{
    char date[64];
    time_t later = time(NULL) + 30;
    struct tm tm;
    int64_t ms;

    CHECK_INT(cio_retry_after_ms("1", 0), 1000);
    CHECK_INT(cio_retry_after_ms(" 120 ", 0), 120000);
    CHECK_INT(cio_retry_after_ms("0", 0), 0);
    CHECK_INT(cio_retry_after_ms("99999999999999999999", 0),
              7LL * 24 * 3600 * 1000);
    CHECK_INT(cio_retry_after_ms("soon", 0), -1);
    CHECK_INT(cio_retry_after_ms("-5", 0), -1);
    CHECK_INT(cio_retry_after_ms("", 0), -1);
    CHECK_INT(cio_retry_after_ms(NULL, 0), -1);
    CHECK_INT(cio_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT",
                                 1445412480), 0);
    CHECK_INT(cio_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT",
                                 1445412470), 10000);
    gmtime_r(&later, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    ms = cio_retry_after_ms(date, kv_now_epoch());
    CHECK(ms >= 29000 && ms <= 30000);
}

static void test_cio_client_backoff(void)
{
    uint64_t rng = 42;
    int64_t top = 0;

    for (int n = 0; n < 70; n++) {
        int64_t ceiling = n < 10 ? (100LL << n) : 30000;

        if (ceiling > 30000)
            ceiling = 30000;
        for (int i = 0; i < 200; i++) {
            int64_t w = cio_backoff_ms(100, 30000, n, &rng);

            CHECK(w >= 0 && w <= ceiling);
            if (n == 0 && w > top)
                top = w;
        }
    }
    /* full jitter covers the range, not just its top */
    CHECK(top > 80);
    CHECK_INT(cio_backoff_ms(0, 100, 5, &rng), 0);
    rng = 0;
    CHECK(cio_backoff_ms(100, 100, 0, &rng) <= 100);
}

static void test_cio_client_seen_tokens(void)
{
    struct cio_seen s;
    char tok[32];

    cio_seen_init(&s);
    for (int i = 0; i < 5000; i++) {
        snprintf(tok, sizeof(tok), "t%d", i);
        CHECK(!cio_seen_add(&s, tok, strlen(tok)));
    }
    for (int i = 0; i < 5000; i += 7) {
        snprintf(tok, sizeof(tok), "t%d", i);
        CHECK(cio_seen_add(&s, tok, strlen(tok)));
    }
    CHECK(!cio_seen_add(&s, "", 0));
    CHECK(cio_seen_add(&s, "", 0));
    CHECK_INT(s.n, 5001);
    cio_seen_release(&s);
    cio_seen_release(&s);
}

static const struct harness_case cases[] = {
    HARNESS_CASE(test_cio_client_paging),
    HARNESS_CASE(test_cio_client_next_absent_ends),
    HARNESS_CASE(test_cio_client_retry_503),
    HARNESS_CASE(test_cio_client_retry_408_and_500_mid_stream),
    HARNESS_CASE(test_cio_client_retry_truncated_body),
    HARNESS_CASE(test_cio_client_retry_timeout),
    HARNESS_CASE(test_cio_client_retry_after_429),
    HARNESS_CASE(test_cio_client_retry_after_date_in_past),
    HARNESS_CASE(test_cio_client_retry_after_capped_by_budget),
    HARNESS_CASE(test_cio_client_retries_exhausted),
    HARNESS_CASE(test_cio_client_wait_budget_exhausted),
    HARNESS_CASE(test_cio_client_auth_401_echoing_key),
    HARNESS_CASE(test_cio_client_auth_403_raw_body_echo),
    HARNESS_CASE(test_cio_client_auth_401_stops_other_streams),
    HARNESS_CASE(test_cio_client_skip_404_campaign),
    HARNESS_CASE(test_cio_client_fail_404_newsletters),
    HARNESS_CASE(test_cio_client_fail_404_campaigns),
    HARNESS_CASE(test_cio_client_fail_400),
    HARNESS_CASE(test_cio_client_redirect_not_followed),
    HARNESS_CASE(test_cio_client_repeated_token),
    HARNESS_CASE(test_cio_client_token_holds_key),
    HARNESS_CASE(test_cio_client_same_token_other_stream),
    HARNESS_CASE(test_cio_client_body_over_cap),
    HARNESS_CASE(test_cio_client_body_over_cap_streamed),
    HARNESS_CASE(test_cio_client_malformed_not_retried),
    HARNESS_CASE(test_cio_client_wrong_type_names_path),
    HARNESS_CASE(test_cio_client_callback_stops),
    HARNESS_CASE(test_cio_client_check_ok),
    HARNESS_CASE(test_cio_client_check_401),
    HARNESS_CASE(test_cio_client_check_not_json),
    HARNESS_CASE(test_cio_client_callback_err_kept),
    HARNESS_CASE(test_cio_client_concurrency),
    HARNESS_CASE(test_cio_client_prepare),
    HARNESS_CASE(test_cio_client_keepalive),
    HARNESS_CASE(test_cio_client_pacing),
    HARNESS_CASE(test_cio_client_pacing_across_fetches),
    HARNESS_CASE(test_cio_client_cancel),
    HARNESS_CASE(test_cio_client_connect_refused),
    HARNESS_CASE(test_cio_client_bad_config),
    HARNESS_CASE(test_cio_client_retry_after_parse),
    HARNESS_CASE(test_cio_client_backoff),
    HARNESS_CASE(test_cio_client_seen_tokens),
};

int main(int argc, char **argv)
{
    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
