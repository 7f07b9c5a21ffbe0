/*
 * fbq_http.c - the fake's HTTP side: libmicrohttpd on loopback, request
 * bodies gathered (Content-Length or chunked), routing, and the helpers
 * every handler answers with.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"
#include "common/util.h"

#include <sys/time.h>

#define BODY_MAX (256 * 1024 * 1024)

int64_t fbq_now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void fbq_count(struct fbq_server *s, const char *key, int64_t n)
{
    json_int_t v = json_integer_value(json_object_get(s->stats, key));

    json_object_set_new(s->stats, key, json_integer(v + n));
}

static const char *status_name(int status)
{
    switch (status) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 409: return "ALREADY_EXISTS";
    case 429: return "RESOURCE_EXHAUSTED";
    case 503: return "UNAVAILABLE";
    default: return "INTERNAL";
    }
}

int fbq_error(struct fbq_resp *r, int status, const char *reason,
              const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    json_t *j;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    j = json_pack("{s:{s:i, s:s, s:[{s:s, s:s, s:s}], s:s}}", "error",
                  "code", status, "message", msg, "errors", "message", msg,
                  "domain", "global", "reason", reason, "status",
                  status_name(status));
    fbq_reply(r, status, j);
    return status;
}

void fbq_reply(struct fbq_resp *r, int status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

    r->status = status;
    sbuf_reset(&r->body);
    if (text)
        sbuf_addstr(&r->body, text);
    free(text);
    json_decref(j);
}

const char *fbq_header(struct fbq_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *fbq_arg(struct fbq_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

static void route_api(struct fbq_server *s, struct fbq_req *rq,
                      struct fbq_resp *r)
{
    const char *rest = rq->url + strlen("/bigquery/v2/projects/");
    size_t plen = strlen(s->project);

    if (strncmp(rest, s->project, plen) || rest[plen] != '/') {
        fbq_error(r, 404, "notFound", "Not found: Project %.*s",
                  (int)strcspn(rest, "/"), rest);
        return;
    }
    rest += plen + 1;
    if (!strncmp(rest, "jobs", 4) || !strncmp(rest, "queries", 7))
        fbq_jobs(s, rq, rest, r);
    else
        fbq_api(s, rq, rest, r);
}

static void route(struct fbq_server *s, struct fbq_req *rq,
                  struct fbq_resp *r)
{
    if (!strcmp(rq->url, "/token")) {
        fbq_token_endpoint(s, rq, r);
        return;
    }
    if (!strncmp(rq->url, "/_fake/", 7)) {
        fbq_ctl(s, rq, r);
        return;
    }
    fbq_count(s, "requests", 1);
    if (!fbq_bearer_ok(s, rq, r))
        return;
    if (!strncmp(rq->url, "/bigquery/v2/projects/", 22))
        route_api(s, rq, r);
    else if (!strncmp(rq->url, "/upload/bigquery/v2/projects/", 29))
        fbq_upload(s, rq, r);
    else
        fbq_error(r, 404, "notFound", "fake: no such path %s", rq->url);
}

static enum MHD_Result send_resp(struct fbq_resp *r, struct MHD_Connection *c)
{
    size_t len;
    char *buf = sbuf_detach(&r->body, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, buf, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;

    if (len)
        MHD_add_response_header(resp, "Content-Type",
                                "application/json; charset=UTF-8");
    if (r->location[0])
        MHD_add_response_header(resp, "Location", r->location);
    if (r->range[0])
        MHD_add_response_header(resp, "Range", r->range);
    ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handle(struct fbq_server *s, struct fbq_req *rq)
{
    struct fbq_resp r;
    enum MHD_Result ret;
    int drop = 0;

    memset(&r, 0, sizeof(r));
    sbuf_init(&r.body, 0);
    r.status = 200;
    pthread_mutex_lock(&s->lock);
    if (!fbq_fault_match(s, rq, &r, &drop) || drop == 2)
        route(s, rq, &r);
    if (s->log) {
        fprintf(s->log, "%s %s %d%s\n", rq->method, rq->url, r.status,
                drop ? " dropped" : "");
        fflush(s->log);
    }
    pthread_mutex_unlock(&s->lock);
    ret = drop || r.drop ? MHD_NO : send_resp(&r, rq->conn);
    sbuf_release(&r.body);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct fbq_req *rq = *con_cls;

    (void)version;
    if (!rq) {
        rq = xcalloc(1, sizeof(*rq));
        sbuf_init(&rq->body, BODY_MAX);
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        if (sbuf_add(&rq->body, upload, *upload_size))
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    rq->method = method;
    rq->url = url;
    rq->conn = c;
    return handle(cls, rq);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    struct fbq_req *rq = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (!rq)
        return;
    sbuf_release(&rq->body);
    free(rq);
    *con_cls = NULL;
}

int fbq_http_start(struct fbq_server *s, int fd, struct kv_err *err);

int fbq_http_start(struct fbq_server *s, int fd, struct kv_err *err)
{
    s->mhd = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_POLL,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
        MHD_OPTION_CONNECTION_TIMEOUT, 120u,
        MHD_OPTION_END);
    if (!s->mhd)
        return kv_err_set(err, KV_EFAIL, "cannot start the HTTP server");
    return KV_OK;
}
