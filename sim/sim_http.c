/*
 * sim_http.c - the HTTP side of the simulator: a loopback listener,
 * libmicrohttpd with a thread per connection (so one request's latency
 * never holds up another), dispatch, and sending with body faults.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

void sim_resp_init(struct sim_resp *r)
{
    memset(r, 0, sizeof(*r));
    sbuf_init(&r->body, 0);
    r->fault = SIM_FAULT_NONE;
}

void sim_resp_release(struct sim_resp *r)
{
    sbuf_release(&r->body);
}

void sim_resp_error(struct sim_resp *r, int status, const char *msg)
{
    r->status = status;
    sbuf_reset(&r->body);
    sbuf_addstr(&r->body, "{\"meta\":{\"error\":");
    sim_json_str(&r->body, msg);
    sbuf_addstr(&r->body, "}}");
}

/* A body sent piecewise: cut short (truncate) or trickled (slow). */
struct stream {
    char *buf;
    size_t len;
    size_t stop;     /* bytes to send before giving up */
    size_t chunk;
    int64_t delay_ms; /* before each chunk */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct stream *st = cls;
    size_t n;

    if (pos >= st->stop)
        return st->stop < st->len ? MHD_CONTENT_READER_END_WITH_ERROR
                                  : MHD_CONTENT_READER_END_OF_STREAM;
    n = st->stop - (size_t)pos;
    if (n > st->chunk)
        n = st->chunk;
    if (n > max)
        n = max;
    kv_sleep_ms(st->delay_ms);
    memcpy(out, st->buf + pos, n);
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *st = cls;

    free(st->buf);
    free(st);
}

static struct MHD_Response *stream_response(char *buf, size_t len,
                                            enum sim_fault fault)
{
    struct stream *st = xcalloc(1, sizeof(*st));

    st->buf = buf;
    st->len = len;
    st->stop = fault == SIM_FAULT_TRUNCATE ? len / 2 : len;
    st->chunk = len;
    if (fault == SIM_FAULT_SLOW) {
        /* about 20 chunks 50 ms apart: a second late, never stalled */
        st->chunk = len / 20 > 64 ? len / 20 : 64;
        st->delay_ms = 50;
    }
    return MHD_create_response_from_callback(len, 16 * 1024, stream_read, st,
                                             stream_free);
}

int sim_http_send(struct MHD_Connection *c, struct sim_resp *r)
{
    struct MHD_Response *resp;
    size_t len;
    char *buf = sbuf_detach(&r->body, &len);
    char num[24];
    int ret;

    if (r->fault == SIM_FAULT_TRUNCATE || r->fault == SIM_FAULT_SLOW)
        resp = stream_response(buf, len, r->fault);
    else
        resp = MHD_create_response_from_buffer(len, buf,
                                               MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->html ?
                            "text/html; charset=UTF-8" :
                            "application/json; charset=utf-8");
    if (r->retry_after > 0) {
        snprintf(num, sizeof(num), "%" PRId64, r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
    }
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

void sim_http_log(struct sim_server *s, const char *method, const char *uri,
                  int status, bool auth, enum sim_fault fault)
{
    char st[16];
    const char *fname = sim_fault_name(fault);

    if (!s->log)
        return;
    if (status)
        snprintf(st, sizeof(st), "%d", status);
    else
        snprintf(st, sizeof(st), "drop");
    pthread_mutex_lock(&s->lock);
    fprintf(s->log, "%s %s %s auth=%s%s%s\n", method, uri, st,
            auth ? "yes" : "no", fname ? " fault=" : "", fname ? fname : "");
    fflush(s->log);
    pthread_mutex_unlock(&s->lock);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct sim_req *rq = xcalloc(1, sizeof(*rq));

    (void)cls;
    (void)c;
    rq->uri = xstrdup(uri);
    return rq;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    struct sim_server *s = cls;
    struct sim_req *rq = *con_cls;

    (void)c;
    (void)toe;
    if (!rq)
        return;
    if (rq->v1) {
        pthread_mutex_lock(&s->lock);
        s->stats.in_flight--;
        pthread_mutex_unlock(&s->lock);
    }
    free(rq->uri);
    free(rq);
    *con_cls = NULL;
}

static int serve_ctl(struct sim_server *s, struct MHD_Connection *c,
                     const struct sim_req *rq, const char *method,
                     const char *url)
{
    struct sim_resp r;
    int ret;

    pthread_mutex_lock(&s->lock);
    s->stats.control++;
    pthread_mutex_unlock(&s->lock);
    sim_resp_init(&r);
    sim_ctl_handle(s, c, method, url, &r);
    sim_http_log(s, method, rq->uri, r.status, false, SIM_FAULT_NONE);
    ret = sim_http_send(c, &r);
    sim_resp_release(&r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct sim_server *s = cls;
    struct sim_req *rq = *con_cls;

    (void)version;
    (void)upload;
    /* the first call only announces the headers; a body is ignored */
    if (!rq->started) {
        rq->started = true;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/_sim/", 6))
        return (enum MHD_Result)serve_ctl(s, c, rq, method, url);
    return (enum MHD_Result)sim_v1_handle(s, c, rq, method, url);
}

/* Fills ss for host and port; false unless host is a loopback address. */
static bool loopback_addr(const char *host, int64_t port,
                          struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (!strcmp(host, "localhost"))
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof(*in4);
        return ntohl(in4->sin_addr.s_addr) >> 24 == 127;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

static int listen_on(const char *host, int64_t port, int *fd_out,
                     int *port_out, struct kv_err *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1;
    int fd;
    int rc;

    if (!loopback_addr(host, port, &ss, &len))
        return kv_err_set(err, KV_EUSAGE, "refusing to listen on '%s': "
                          "only loopback addresses are allowed", host);
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return kv_err_set(err, KV_EFAIL, "cannot create a socket: %s",
                          strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128) ||
        getsockname(fd, (struct sockaddr *)&ss, &len)) {
        rc = kv_err_set(err, KV_EFAIL, "cannot listen on '%s' port %" PRId64
                        ": %s", host, port, strerror(errno));
        close(fd);
        return rc;
    }
    *port_out = ntohs(ss.ss_family == AF_INET
                          ? ((struct sockaddr_in *)&ss)->sin_port
                          : ((struct sockaddr_in6 *)&ss)->sin6_port);
    *fd_out = fd;
    return KV_OK;
}

void sim_server_init(struct sim_server *s)
{
    pthread_rwlockattr_t attr;

    memset(s, 0, sizeof(*s));
    atomic_init(&s->stopping, false);
    pthread_mutex_init(&s->lock, NULL);
    /* an advance must not starve behind a stream of page reads */
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr,
                                  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->acct_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    sim_knobs_init(&s->knobs);
    sim_stats_init(&s->stats);
}

void sim_server_release(struct sim_server *s)
{
    sim_server_stop(s);
    sim_stats_release(&s->stats);
    pthread_rwlock_destroy(&s->acct_lock);
    pthread_mutex_destroy(&s->lock);
    free(s->api_key);
    s->api_key = NULL;
    if (s->log)
        fclose(s->log);
    s->log = NULL;
}

int sim_server_start(struct sim_server *s, const char *host, int64_t port,
                     struct kv_err *err)
{
    int fd = -1;
    int rc = listen_on(host, port, &fd, &s->port, err);

    if (rc)
        return rc;
    s->mhd = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_POLL,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
        MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_CONNECTION_LIMIT, 1000u,
        MHD_OPTION_END);
    if (!s->mhd) {
        close(fd);
        return kv_err_set(err, KV_EFAIL, "cannot start the HTTP server");
    }
    return KV_OK;
}

void sim_server_stop(struct sim_server *s)
{
    atomic_store(&s->stopping, true);
    /* waits for every connection thread; MHD closes the listener */
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
}

void sim_server_nap(struct sim_server *s, int64_t ms)
{
    /* in slices, so that --latency-ms 600000 cannot hold up a SIGTERM */
    while (ms > 0 && !atomic_load(&s->stopping)) {
        kv_sleep_ms(ms < 50 ? ms : 50);
        ms -= 50;
    }
}
