/*
 * mcp_http.c - Streamable HTTP on libmicrohttpd (see mcp_http.h).  The
 * daemon runs one internal polling thread, so requests are handled one at
 * a time and the server and sessions need no locks; the calling thread
 * only waits for a stop signal.
 */
#include "common/kv.h"
#include "mcp/mcp_http.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "mcp/mcp_rpc.h"
#include "mcp/mcp_token.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <strings.h>

#define HTTP_PATH "/mcp"
#define SESSION_HEADER "Mcp-Session-Id"
#define VERSION_HEADER "MCP-Protocol-Version"

struct session {
    bool used;
    char id[65];
    int64_t last_used;
    struct mcp_session st;
};

struct http {
    struct mcp_server *s;
    const struct mcp_http_cfg *cfg;
    unsigned port;
    struct session sessions[MCP_HTTP_MAX_SESSIONS];
};

/* One request's body, gathered across the upload calls. */
struct req {
    struct sbuf body;
    bool too_big;
};

static int parse_host(const char *host, struct sockaddr_storage *sa,
                      bool *loopback)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;

    if (!strcmp(host, "localhost"))
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        *loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        *loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
        return 0;
    }
    return -1;
}

int mcp_http_parse_addr(const char *addr, struct sockaddr_storage *sa,
                        bool *loopback, struct kv_err *err)
{
    const char *colon = strrchr(addr, ':');
    char host[64];
    int64_t port;
    size_t n;

    memset(sa, 0, sizeof(*sa));
    if (!colon || !kv_parse_int64(colon + 1, &port) || port < 0 ||
        port > 65535)
        return kv_err_set(err, KV_EUSAGE, "--http takes HOST:PORT, not "
                          "'%s'", addr);
    n = (size_t)(colon - addr);
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
        addr++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(host))
        return kv_err_set(err, KV_EUSAGE, "--http: bad host in '%s'", addr);
    memcpy(host, addr, n);
    host[n] = '\0';
    if (parse_host(host, sa, loopback))
        return kv_err_set(err, KV_EUSAGE, "--http takes a numeric address "
                          "or localhost, not '%s'", host);
    if (sa->ss_family == AF_INET)
        ((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
    return KV_OK;
}

static enum MHD_Result send_body(struct MHD_Connection *c, unsigned status,
                                 const char *body, const char *ctype,
                                 const char *hname, const char *hvalue)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        body ? strlen(body) : 0, (void *)(body ? body : ""),
        MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (!r)
        return MHD_NO;
    if (ctype)
        MHD_add_response_header(r, "Content-Type", ctype);
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A refusal with an id-less JSON-RPC error body, as the spec suggests. */
static enum MHD_Result refuse(struct MHD_Connection *c, unsigned status,
                              int code, const char *msg)
{
    char *body = mcp_rpc_error(NULL, code, msg, NULL);
    enum MHD_Result ret = send_body(c, status, body, "application/json",
                                    NULL, NULL);

    free(body);
    return ret;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Whether host (a Host header, or an Origin's host part) is loopback. */
static bool loopback_host(const char *host, unsigned port, bool need_port)
{
    static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
    char with_port[64];

    for (size_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        snprintf(with_port, sizeof(with_port), "%s:%u", names[i], port);
        if ((!need_port && !strcasecmp(host, names[i])) ||
            !strcasecmp(host, with_port))
            return true;
    }
    return false;
}

/*
 * An Origin is sent by browsers; a page elsewhere must not drive this
 * server (DNS rebinding), so only our own loopback origin passes.
 */
static bool origin_ok(struct http *h, const char *origin)
{
    if (!origin)
        return true;
    if (strncasecmp(origin, "http://", 7))
        return false;
    return loopback_host(origin + 7, h->port, true);
}

static bool host_ok(struct http *h, const char *host)
{
    if (h->cfg->allow_remote)
        return true;
    return host && loopback_host(host, h->port, false);
}

static struct session *find_session(struct http *h, const char *id)
{
    for (size_t i = 0; i < MCP_HTTP_MAX_SESSIONS; i++)
        if (h->sessions[i].used && !strcmp(h->sessions[i].id, id))
            return &h->sessions[i];
    return NULL;
}

static struct session *new_session(struct http *h,
                                   const struct mcp_session *st)
{
    struct session *pick = &h->sessions[0];

    for (size_t i = 0; i < MCP_HTTP_MAX_SESSIONS; i++) {
        struct session *x = &h->sessions[i];

        if (!x->used || x->last_used < pick->last_used)
            pick = x;
        if (!x->used)
            break;
    }
    if (mcp_token_random_hex(pick->id, 32, NULL))
        return NULL;
    pick->used = true;
    pick->st = *st;
    pick->last_used = kv_now_ms();
    return pick;
}

static enum MHD_Result reply(struct MHD_Connection *c,
                             const struct mcp_reply *r, const char *sid)
{
    if (r->http_status == 202)
        return send_body(c, 202, NULL, NULL, NULL, NULL);
    return send_body(c, (unsigned)r->http_status, r->text,
                     "application/json", sid ? SESSION_HEADER : NULL, sid);
}

/* A POST without a session: only a successful initialize starts one. */
static enum MHD_Result post_new(struct http *h, struct MHD_Connection *c,
                                struct req *q)
{
    struct mcp_session st;
    struct mcp_reply r;
    struct session *x = NULL;
    enum MHD_Result ret;

    memset(&st, 0, sizeof(st));
    mcp_server_handle(h->s, &st, q->body.buf, q->body.len, &r);
    if (r.initialized_now)
        x = new_session(h, &st);
    if (x)
        ret = reply(c, &r, x->id);
    else if (r.http_status == 400)
        ret = reply(c, &r, NULL);
    else
        ret = refuse(c, 400, MCP_INVALID_REQUEST, "missing "
                     SESSION_HEADER " header: initialize first");
    mcp_reply_release(&r);
    return ret;
}

static enum MHD_Result post_in(struct http *h, struct MHD_Connection *c,
                               struct req *q, struct session *x)
{
    const char *ver = header(c, VERSION_HEADER);
    struct mcp_reply r;
    enum MHD_Result ret;

    if (ver && strcmp(ver, x->st.version))
        return refuse(c, 400, MCP_INVALID_REQUEST, VERSION_HEADER " does "
                      "not match the negotiated version");
    x->last_used = kv_now_ms();
    mcp_server_handle(h->s, &x->st, q->body.buf, q->body.len, &r);
    ret = reply(c, &r, NULL);
    mcp_reply_release(&r);
    return ret;
}

static bool accepts_json(const char *accept)
{
    return !accept || strstr(accept, "application/json") ||
           strstr(accept, "*/*");
}

static enum MHD_Result post(struct http *h, struct MHD_Connection *c,
                            struct req *q)
{
    const char *ctype = header(c, "Content-Type");
    const char *ver = header(c, VERSION_HEADER);
    const char *sid = header(c, SESSION_HEADER);
    struct session *x = sid ? find_session(h, sid) : NULL;

    if (q->too_big)
        return refuse(c, 413, MCP_INVALID_REQUEST, "message too large");
    if (!ctype || strncasecmp(ctype, "application/json", 16))
        return refuse(c, 415, MCP_INVALID_REQUEST, "Content-Type must be "
                      "application/json");
    if (!accepts_json(header(c, "Accept")))
        return refuse(c, 406, MCP_INVALID_REQUEST, "Accept must allow "
                      "application/json");
    if (ver && !mcp_server_version_known(ver))
        return refuse(c, 400, MCP_INVALID_REQUEST, "unsupported "
                      VERSION_HEADER);
    if (sid && !x)
        return refuse(c, 404, MCP_INVALID_REQUEST, "unknown or expired "
                      "session: initialize again");
    if (!q->body.buf)
        sbuf_add(&q->body, "", 0);
    return x ? post_in(h, c, q, x) : post_new(h, c, q);
}

static enum MHD_Result end_session(struct http *h, struct MHD_Connection *c)
{
    const char *sid = header(c, SESSION_HEADER);
    struct session *x = sid ? find_session(h, sid) : NULL;

    if (!x)
        return refuse(c, 404, MCP_INVALID_REQUEST, "unknown session");
    memset(x, 0, sizeof(*x));
    return send_body(c, 204, NULL, NULL, NULL, NULL);
}

/* The checks every request passes before its method is looked at. */
static enum MHD_Result gate(struct http *h, struct MHD_Connection *c,
                            const char *url, bool *passed)
{
    *passed = false;
    if (strcmp(url, HTTP_PATH))
        return send_body(c, 404, "not found\n", "text/plain", NULL, NULL);
    if (!host_ok(h, header(c, "Host")) ||
        !origin_ok(h, header(c, "Origin")))
        return refuse(c, 403, MCP_INVALID_REQUEST, "origin not allowed");
    if (!mcp_token_check(h->cfg->token, header(c, "Authorization")))
        return send_body(c, 401, "{\"error\":\"a valid bearer token is "
                         "required\"}", "application/json",
                         "WWW-Authenticate", "Bearer realm=\"kaivo\"");
    *passed = true;
    return MHD_YES;
}

static enum MHD_Result respond(struct http *h, struct MHD_Connection *c,
                               const char *url, const char *method,
                               struct req *q)
{
    bool passed;
    enum MHD_Result ret = gate(h, c, url, &passed);

    if (!passed)
        return ret;
    if (!strcmp(method, "POST"))
        return post(h, c, q);
    if (!strcmp(method, "DELETE"))
        return end_session(h, c);
    return send_body(c, 405, NULL, NULL, "Allow", "POST, DELETE");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    struct req *q = *con_cls;

    (void)version;
    if (!q) {
        q = xcalloc(1, sizeof(*q));
        sbuf_init(&q->body, MCP_HTTP_MAX_BODY);
        *con_cls = q;
        return MHD_YES;
    }
    if (*size) {
        if (!q->too_big && sbuf_add(&q->body, data, *size))
            q->too_big = true;
        *size = 0;
        return MHD_YES;
    }
    return respond(cls, c, url, method, q);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode code)
{
    struct req *q = *con_cls;

    (void)cls;
    (void)c;
    (void)code;
    if (q) {
        sbuf_release(&q->body);
        free(q);
    }
    *con_cls = NULL;
}

/* libmicrohttpd's own messages go to the debug log, never stdout. */
static void on_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    klog_debug("http: %s", kv_trim(line));
}

static struct MHD_Daemon *start(struct http *h,
                                const struct sockaddr_storage *sa)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

    if (sa->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
                            MHD_OPTION_SOCK_ADDR, sa,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
                            MHD_OPTION_EXTERNAL_LOGGER, on_log, h,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_END);
}

static int announce(struct http *h, struct MHD_Daemon *d,
                    struct kv_err *err)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char text[16];

    h->port = info ? info->port : 0;
    if (!h->port)
        return kv_err_set(err, KV_EFAIL, "cannot tell the bound port");
    snprintf(text, sizeof(text), "%u\n", h->port);
    if (h->cfg->port_file)
        return kv_write_file_atomic(h->cfg->port_file, text, strlen(text),
                                    0644, err);
    return KV_OK;
}

int mcp_http_run(struct mcp_server *s, const struct mcp_http_cfg *cfg,
                 volatile sig_atomic_t *stop, struct kv_err *err)
{
    struct sockaddr_storage sa;
    struct http *h = xcalloc(1, sizeof(*h));
    struct MHD_Daemon *d = NULL;
    bool loopback = false;
    int rc;

    h->s = s;
    h->cfg = cfg;
    rc = mcp_http_parse_addr(cfg->addr, &sa, &loopback, err);
    if (!rc && !loopback && !cfg->allow_remote)
        rc = kv_err_set(err, KV_EUSAGE, "'%s' is not a loopback address; "
                        "add --allow-remote to serve other machines",
                        cfg->addr);
    if (rc)
        goto out;
    d = start(h, &sa);
    if (!d) {
        rc = kv_err_set(err, KV_EFAIL, "cannot listen on '%s'", cfg->addr);
        goto out;
    }
    rc = announce(h, d, err);
    if (rc)
        goto out;
    klog_info("mcp: serving http on %s (port %u), path " HTTP_PATH,
              cfg->addr, h->port);
    while (!*stop)
        kv_sleep_ms(100);
out:
    if (d)
        MHD_stop_daemon(d);
    free(h);
    return rc;
}
