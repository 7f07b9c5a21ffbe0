/*
 * bq_http.c - one authorized request to BigQuery, with the retry rules of
 * Google's own clients: backoff on transport failures, 429, 5xx and the
 * reasons rateLimitExceeded, backendError, internalError, badGateway;
 * one token refresh and replay on a 401.
 */
#include "common/kv.h"
#include "dest/bq_int.h"
#include "common/log.h"
#include "common/util.h"

#include <ctype.h>

void bq_resp_init(struct bq_resp *r)
{
    memset(r, 0, sizeof(*r));
    sbuf_init(&r->body, BQ_BODY_MAX);
}

void bq_resp_release(struct bq_resp *r)
{
    sbuf_release(&r->body);
    json_decref(r->json);
    r->json = NULL;
}

static void resp_reset(struct bq_resp *r)
{
    bq_resp_release(r);
    bq_resp_init(r);
}

char *bq_url(const struct bq *b, const char *fmt, ...)
{
    char *tail;
    char *url;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&tail, fmt, ap) < 0)
        tail = NULL;
    va_end(ap);
    if (!tail) {
        fputs("kaivo: out of memory\n", stderr);
        exit(1);
    }
    url = xasprintf("%s/bigquery/v2/projects/%s/%s", b->api_url, b->project,
                    tail);
    free(tail);
    return url;
}

void bq_backoff(const struct bq *b, int n)
{
    int64_t d = b->retry_base_ms;

    for (int i = 0; i < n && d < b->retry_cap_ms; i++)
        d *= 2;
    if (d > b->retry_cap_ms)
        d = b->retry_cap_ms;
    kv_sleep_ms(d / 2 + (d > 1 ? rand() % (d / 2 + 1) : 0));
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct bq_resp *r = ctx;

    return sbuf_add(&r->body, p, size * n) ? 0 : size * n;
}

/* Keeps Location and Range, which uploads need. */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct bq_resp *r = ctx;
    size_t len = size * n;
    char *dst = NULL;
    size_t cap = 0;
    size_t skip = 0;

    if (len > 9 && !strncasecmp(p, "location:", 9)) {
        dst = r->location;
        cap = sizeof(r->location);
        skip = 9;
    } else if (len > 6 && !strncasecmp(p, "range:", 6)) {
        dst = r->range;
        cap = sizeof(r->range);
        skip = 6;
    }
    if (dst) {
        size_t m = len - skip;

        while (m && isspace((unsigned char)p[skip])) {
            skip++;
            m--;
        }
        while (m && isspace((unsigned char)p[skip + m - 1]))
            m--;
        if (m < cap) {
            memcpy(dst, p + skip, m);
            dst[m] = '\0';
        }
    }
    return len;
}

struct upload {
    FILE *f;
    size_t left;
};

static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
    struct upload *u = ctx;
    size_t want = size * n < u->left ? size * n : u->left;
    size_t got = fread(p, 1, want, u->f);

    u->left -= got;
    return got;
}

static void parse_error(struct bq_resp *r)
{
    json_t *e;
    const char *reason;
    const char *msg;
    char *clean;

    r->json = json_loadb(r->body.buf ? r->body.buf : "", r->body.len, 0,
                         NULL);
    e = json_object_get(r->json, "error");
    if (!json_is_object(e))
        return;
    reason = json_string_value(json_object_get(json_array_get(
        json_object_get(e, "errors"), 0), "reason"));
    msg = json_string_value(json_object_get(e, "message"));
    snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
    clean = klog_redact(msg ? msg : "");
    snprintf(r->message, sizeof(r->message), "%s", clean);
    free(clean);
}

static void set_body(CURL *c, const struct bq_req *rq, struct upload *u)
{
    if (rq->file) {
        fseek(rq->file, rq->off, SEEK_SET);
        u->f = rq->file;
        u->left = rq->len;
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, u);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->len);
    } else if (rq->ctype || !strcmp(rq->method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)rq->len);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
}

static struct curl_slist *headers(const struct bq_req *rq, const char *tok)
{
    struct curl_slist *h = NULL;
    char *auth = xasprintf("Authorization: Bearer %s", tok);

    h = curl_slist_append(h, auth);
    free(auth);
    if (rq->ctype) {
        char *ct = xasprintf("Content-Type: %s", rq->ctype);

        h = curl_slist_append(h, ct);
        free(ct);
    }
    /* curl would wait a second for a 100 reply on big uploads */
    h = curl_slist_append(h, "Expect:");
    for (struct curl_slist *x = rq->headers; x; x = x->next)
        h = curl_slist_append(h, x->data);
    return h;
}

/* One attempt; false when the transport failed. */
static bool perform(struct bq *b, const struct bq_req *rq, const char *tok,
                    struct bq_resp *r)
{
    CURL *c = b->curl;
    struct curl_slist *h = headers(rq, tok);
    struct upload u = {0};
    CURLcode cc;

    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 15000L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    set_body(c, rq, &u);
    b->requests++;
    b->bytes_up += (int64_t)rq->len;
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    if (cc != CURLE_OK)
        r->status = 0;
    else
        parse_error(r);
    return cc == CURLE_OK;
}

bool bq_retryable(const struct bq_resp *r)
{
    static const char *const reasons[] = {
        "rateLimitExceeded", "backendError", "internalError", "badGateway",
    };

    if (r->status == 0 || r->status == 429 || r->status >= 500)
        return true;
    for (size_t i = 0; i < KV_ARRAY_LEN(reasons); i++)
        if (!strcmp(r->reason, reasons[i]))
            return true;
    return false;
}

int bq_http(struct bq *b, const struct bq_req *rq, struct bq_resp *r,
            struct kv_err *err)
{
    bool refreshed = false;
    const char *tok = NULL;
    int rc = KV_OK;

    for (int n = 0; n < b->max_attempts; n++) {
        resp_reset(r);
        rc = gauth_token(b->auth, false, &tok, err);
        if (rc)
            break;
        perform(b, rq, tok, r);
        if (r->status == 401 && !refreshed) {
            /* the token was revoked or expired early: one fresh try */
            rc = gauth_token(b->auth, true, &tok, err);
            if (rc)
                break;
            refreshed = true;
            n--;
            continue;
        }
        if (!bq_retryable(r) || (rq->once && r->status != 429 &&
                              strcmp(r->reason, "rateLimitExceeded")))
            break;
        if (n + 1 < b->max_attempts)
            bq_backoff(b, n);
    }
    if (!rc && r->status == 0)
        rc = kv_err_set(err, KV_EFAIL, "cannot reach BigQuery");
    if (rc)
        kv_err_where(err, "%s %s", rq->method, rq->url);
    return rc;
}

int bq_json(struct bq *b, const char *method, const char *url,
            json_t *body, struct bq_resp *r, struct kv_err *err)
{
    struct bq_req rq = {0};
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    int rc;

    rq.method = method;
    rq.url = url;
    if (text) {
        rq.ctype = "application/json; charset=UTF-8";
        rq.body = text;
        rq.len = strlen(text);
    }
    rc = bq_http(b, &rq, r, err);
    if (!rc && r->status >= 200 && r->status < 300 && !r->json &&
        r->body.len)
        r->json = json_loadb(r->body.buf, r->body.len, 0, NULL);
    free(text);
    return rc;
}

int bq_fail(const struct bq_resp *r, const char *url, struct kv_err *err)
{
    int code = KV_EFAIL;

    if (r->status == 401 || (r->status == 403 &&
                             !strcmp(r->reason, "accessDenied")))
        code = KV_EAUTH;
    else if (r->status == 404)
        code = KV_ENOENT;
    kv_err_set(err, code, "BigQuery answered HTTP %ld%s%s%s%s", r->status,
               r->reason[0] ? " " : "", r->reason,
               r->message[0] ? ": " : "", r->message);
    return kv_err_where(err, "%s", url);
}
