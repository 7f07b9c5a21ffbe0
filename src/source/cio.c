/*
 * cio.c - the Customer.io App API client: streams of list pages read over
 * libcurl's multi interface, several at once, paced, retried, and handed
 * to the caller one page at a time.
 *
 * One "job" per in-flight slot (at most max_in_flight) owns an easy
 * handle and reads one stream at a time, page after page.  A single loop
 * starts due jobs through the shared pacer, drives curl, finishes
 * transfers and sleeps in curl_multi_poll until the next thing is due.
 * A job that must back off only records when it may start again, so a
 * slow retry never holds up the other streams.  A finished body goes to
 * the parser thread (cio_parser.h); the loop hands the parsed page to the
 * caller and follows its `next` token when the parser is done with it.
 */
#include "common/kv.h"
#include "source/cio.h"
#include "source/cio_page.h"
#include "source/cio_parser.h"
#include "source/cio_retry.h"
#include "source/cio_seen.h"
#include "common/mem.h"
#include "common/util.h"

#include <curl/curl.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#define USER_AGENT "kaivo/0.1"
/* Spec §2.5: no documented maximum; every other connector asks for 100. */
#define NEWSLETTER_LIMIT 100
/* A server that keeps handing out fresh tokens must still end somewhere. */
#define MAX_PAGES 1000000
/* The longest curl_multi_poll sleep: how late a cancel can be noticed. */
#define POLL_MAX_MS 100
/* Connecting takes a round trip or three; 10 s means the host is gone. */
#define CONNECT_TIMEOUT_MS 10000L
/* How much of a server's error text goes into a message. */
#define SERVER_TEXT_MAX 300
/* Keys shorter than this are not scrubbed: they would eat ordinary text. */
#define KEY_SCRUB_MIN 4
#define REDACTED "[redacted]"

#define AUTH_HINT                                                          \
    "check that it is an App API key (not a Track API key), that the "     \
    "region matches the workspace (us/eu), and that no IP allow-list "     \
    "blocks this machine"
#define AUTH_SCOPE_HINT                                                    \
    "; a 403 can also mean that the key's scope leaves out these endpoints"

struct cio_client {
    struct cio_config cfg; /* base_url and api_key point at the copies */
    char *base_url;        /* owned, no trailing '/' */
    char *api_key;         /* owned, wiped before it is freed */
    struct curl_slist *headers; /* owned; holds the key, wiped too */
    CURLM *multi;          /* owned; its connection cache outlives fetches */
    struct cio_stats stats;
    int64_t base_interval_us; /* the pacer at the configured rate */
    int64_t interval_us;   /* the pacer: least time between two starts */
    int64_t next_start_us; /* the pacer: earliest start of any request */
    uint64_t rng;          /* jitter state */
};

struct cio_run;

/* One in-flight slot: reads one stream at a time. */
struct cio_job {
    struct cio_run *run;
    CURL *easy;                      /* owned */
    const struct cio_stream *stream; /* NULL while the job is idle */
    bool running;                    /* the transfer is in the multi */
    char *url;                       /* owned: the current request */
    struct sbuf body;                /* the answer, capped at max_body */
    bool too_big;                    /* the write callback hit the cap */
    int page_no;                     /* pages of this stream handed over */
    int attempt;                     /* attempts made at this url */
    int64_t waited_ms;               /* backoff spent on this url */
    int64_t due_us;                  /* earliest start of the next attempt */
    char last[512];                  /* the last failed answer */
    struct cio_seen seen;            /* next tokens of this stream */
    bool parsing;                    /* task is with the parser */
    struct cio_parse_task task;      /* the page being parsed */
    char errbuf[CURL_ERROR_SIZE];
};

/* One cio_fetch or cio_check. */
struct cio_run {
    struct cio_client *c;
    const struct cio_stream *streams;
    size_t nstreams;
    size_t next_stream;  /* the first stream not yet given to a job */
    cio_event_fn cb;
    void *ctx;
    const struct cio_prepare *prep; /* NULL: pages are only parsed */
    struct kv_err *err;
    bool check;          /* cio_check: one request, no events */
    bool cb_failed;      /* err was filled by the callback */
    struct cio_job *jobs; /* owned, njobs of them */
    int njobs;
    struct cio_parser *parser; /* owned: parses bodies off this thread */
};

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void cio_config_defaults(struct cio_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->base_url = CIO_US_URL;
    cfg->rate = 10;
    cfg->max_in_flight = 4;
    cfg->max_attempts = 8;
    cfg->max_wait_ms = 10 * 60 * 1000;
    cfg->retry_base_ms = 500;
    cfg->retry_cap_ms = 30 * 1000;
    cfg->max_body = (size_t)64 << 20;
    cfg->timeout_ms = 60 * 1000;
}

/*
 * Replaces every copy of key in s (size bytes) with REDACTED.  When s is
 * full, a cut may have left the first bytes of the key at its end; those
 * go too.
 */
static void scrub_key(char *s, size_t size, const char *key)
{
    size_t klen = key ? strlen(key) : 0;
    struct sbuf sb;
    const char *p = s;
    const char *hit;
    size_t len;

    if (klen < KEY_SCRUB_MIN || !size)
        return;
    sbuf_init(&sb, 0);
    for (;;) {
        hit = strstr(p, key);
        if (!hit)
            break;
        sbuf_add(&sb, p, (size_t)(hit - p));
        sbuf_addstr(&sb, REDACTED);
        p = hit + klen;
    }
    sbuf_addstr(&sb, p);
    snprintf(s, size, "%s", sb.buf);
    sbuf_release(&sb);
    len = strlen(s);
    if (len + 1 < size)
        return;
    for (size_t k = klen - 1; k >= KEY_SCRUB_MIN; k--) {
        if (k <= len && !memcmp(s + len - k, key, k)) {
            s[len - k] = '\0';
            break;
        }
    }
}

static int check_config(const struct cio_config *cfg, struct kv_err *err)
{
    const char *url = cfg->base_url;
    const char *key = cfg->api_key;

    if (!url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
        return kv_err_set(err, KV_EUSAGE, "customer.io base URL '%s' is "
                          "not an http(s) URL", url ? url : "");
    if (!key || !*key)
        return kv_err_set(err, KV_EUSAGE, "no customer.io App API key");
    if (strpbrk(key, "\r\n"))
        return kv_err_set(err, KV_EUSAGE, "the customer.io App API key "
                          "contains a line break");
    if (!(cfg->rate > 0) || !isfinite(cfg->rate) || cfg->max_in_flight < 1 ||
        cfg->max_attempts < 1 || cfg->max_wait_ms < 0 ||
        cfg->retry_base_ms < 0 || cfg->retry_cap_ms < 0 ||
        cfg->max_body == 0 || cfg->timeout_ms <= 0)
        return kv_err_set(err, KV_EUSAGE, "customer.io client settings "
                          "out of range (rate, max_in_flight, attempts, "
                          "waits, body cap or timeout)");
    return KV_OK;
}

static struct curl_slist *make_headers(const char *key)
{
    struct curl_slist *list = NULL;
    char *auth = xasprintf("Authorization: Bearer %s", key);

    list = curl_slist_append(list, auth);
    list = curl_slist_append(list, "Accept: application/json");
    explicit_bzero(auth, strlen(auth));
    free(auth);
    return list;
}

static void client_copy_config(struct cio_client *c,
                               const struct cio_config *cfg)
{
    size_t len = strlen(cfg->base_url);
    /*
     * 1 % slower than the rate: the server counts arrivals in a rolling
     * second, and arrival jitter of a fraction of a millisecond would
     * otherwise let it see rate + 1 requests in one window (seen against
     * the simulator: one 429 per few hundred requests).  At least 1 us, so
     * that a huge rate still spaces starts rather than bursting.
     */
    double interval = ceil(1e6 / cfg->rate * 1.01);

    while (len > 0 && cfg->base_url[len - 1] == '/')
        len--;
    c->cfg = *cfg;
    c->base_url = xstrndup(cfg->base_url, len);
    c->api_key = xstrdup(cfg->api_key);
    c->cfg.base_url = c->base_url;
    c->cfg.api_key = c->api_key;
    c->interval_us = interval < 1 ? 1 : (int64_t)interval;
    c->base_interval_us = c->interval_us;
    c->rng = (uint64_t)now_us() ^ ((uint64_t)getpid() << 32) ^
             (uint64_t)(uintptr_t)c;
}

int cio_client_new(const struct cio_config *cfg, struct cio_client **out,
                   struct kv_err *err)
{
    struct cio_client *c = NULL;
    int rc;

    *out = NULL;
    rc = check_config(cfg, err);
    if (rc)
        goto out;
    if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
        rc = kv_err_set(err, KV_EFAIL, "cannot initialise libcurl");
        goto out;
    }
    c = xcalloc(1, sizeof(*c));
    client_copy_config(c, cfg);
    c->headers = make_headers(c->api_key);
    c->multi = curl_multi_init();
    if (!c->headers || !c->multi) {
        rc = kv_err_set(err, KV_EFAIL, "cannot set up libcurl");
        goto out;
    }
    *out = c;
out:
    if (rc && c)
        cio_client_free(c);
    return rc;
}

static void wipe_headers(struct curl_slist *list)
{
    for (struct curl_slist *h = list; h; h = h->next)
        explicit_bzero(h->data, strlen(h->data));
    curl_slist_free_all(list);
}

void cio_client_free(struct cio_client *c)
{
    if (!c)
        return;
    curl_multi_cleanup(c->multi);
    wipe_headers(c->headers);
    if (c->api_key)
        explicit_bzero(c->api_key, strlen(c->api_key));
    free(c->api_key);
    free(c->base_url);
    free(c);
    curl_global_cleanup();
}

const struct cio_stats *cio_client_stats(const struct cio_client *c)
{
    return &c->stats;
}

/* Appends s percent-encoded: RFC 3986 unreserved characters stay. */
static void add_escaped(struct sbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};

        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            sbuf_add(sb, p, 1);
        else
            sbuf_add(sb, enc, 3);
    }
}

/* The request for a stream's page after token (NULL: the first page). */
static char *page_url(const struct cio_run *run, const struct cio_stream *s,
                      const char *token)
{
    struct sbuf sb;
    char sep = '?';

    sbuf_init(&sb, 0);
    sbuf_addstr(&sb, run->c->base_url);
    if (s->list == CIO_CAMPAIGNS) {
        sbuf_addstr(&sb, "/campaigns");
    } else if (s->list == CIO_ACTIONS) {
        sbuf_addf(&sb, "/campaigns/%" PRId64 "/actions", s->campaign_id);
    } else {
        sbuf_addf(&sb, "/newsletters?limit=%d",
                  run->check ? 1 : NEWSLETTER_LIMIT);
        sep = '&';
    }
    if (token) {
        sbuf_addf(&sb, "%cstart=", sep);
        add_escaped(&sb, token);
    }
    return sbuf_detach(&sb, NULL);
}

/* Fails the run with code and message; where is the job's request. */
static int job_fail(struct cio_job *job, int code, const char *fmt, ...)
    KV_PRINTF(3, 4);

static int job_fail(struct cio_job *job, int code, const char *fmt, ...)
{
    struct kv_err *err = job->run->err;
    char msg[sizeof(err->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    kv_err_set(err, code, "%s", msg);
    return kv_err_where(err, "%s", job->url);
}

/* Gives the job its stream and the stream's first page. */
static void job_begin(struct cio_job *job, const struct cio_stream *s)
{
    job->stream = s;
    job->page_no = 0;
    cio_seen_init(&job->seen);
    job->url = page_url(job->run, s, NULL);
    job->attempt = 0;
    job->waited_ms = 0;
    job->due_us = now_us();
}

static void job_end(struct cio_job *job)
{
    free(job->url);
    job->url = NULL;
    cio_seen_release(&job->seen);
    job->stream = NULL;
}

static void job_next_page(struct cio_job *job, const char *token)
{
    free(job->url);
    job->url = page_url(job->run, job->stream, token);
    job->attempt = 0;
    job->waited_ms = 0;
    job->due_us = now_us();
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct cio_job *job = arg;
    size_t len = size * n;

    if (sbuf_add(&job->body, data, len)) {
        /* a short count makes curl abort with CURLE_WRITE_ERROR */
        job->too_big = true;
        return 0;
    }
    job->run->c->stats.bytes += (int64_t)len;
    return len;
}

static int job_init(struct cio_run *run, struct cio_job *job)
{
    const struct cio_config *cfg = &run->c->cfg;
    CURL *e = curl_easy_init();
    long connect_ms = cfg->timeout_ms < CONNECT_TIMEOUT_MS ?
                      cfg->timeout_ms : CONNECT_TIMEOUT_MS;

    job->run = run;
    job->easy = e;
    job->task.owner = job;
    sbuf_init(&job->body, cfg->max_body);
    if (!e)
        return kv_err_set(run->err, KV_EFAIL, "cannot create a libcurl "
                          "handle");
    curl_easy_setopt(e, CURLOPT_PRIVATE, job);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, run->c->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* redirects are answered as errors: the key must not travel on */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)cfg->max_body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->errbuf);
    return KV_OK;
}

static void job_release(struct cio_job *job)
{
    if (job->running)
        curl_multi_remove_handle(job->run->c->multi, job->easy);
    job->running = false;
    curl_easy_cleanup(job->easy);
    job->easy = NULL;
    sbuf_release(&job->body);
    cio_parse_task_release(&job->task);
    job->parsing = false;
    job_end(job);
}

static int job_start(struct cio_job *job)
{
    struct cio_client *c = job->run->c;
    int64_t now = now_us();
    CURLMcode mc;

    sbuf_release(&job->body);
    job->too_big = false;
    job->errbuf[0] = '\0';
    curl_easy_setopt(job->easy, CURLOPT_URL, job->url);
    mc = curl_multi_add_handle(c->multi, job->easy);
    if (mc)
        return job_fail(job, KV_EFAIL, "cannot start a request: %s",
                        curl_multi_strerror(mc));
    job->running = true;
    job->attempt++;
    c->next_start_us = now + c->interval_us;
    c->stats.requests++;
    if (job->attempt > 1)
        c->stats.retries++;
    c->stats.last_ms = kv_now_ms();
    if (!c->stats.first_ms)
        c->stats.first_ms = c->stats.last_ms;
    return KV_OK;
}

/*
 * The server's message from the current body, without the key even when
 * the server echoed it, cut to SERVER_TEXT_MAX bytes.
 */
static void server_text(const struct cio_job *job, char *out, size_t size)
{
    char text[2048];
    size_t len;

    cio_page_error_text(job->body.buf, job->body.len, text, sizeof(text));
    scrub_key(text, sizeof(text), job->run->c->api_key);
    len = strlen(text);
    if (len > SERVER_TEXT_MAX)
        len = SERVER_TEXT_MAX;
    if (len >= size)
        len = size - 1;
    /* a cut must not end inside a UTF-8 sequence */
    if (text[len]) {
        while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(out, text, len);
    out[len] = '\0';
}

static int give_up(struct cio_job *job)
{
    return job_fail(job, KV_EFAIL, "customer.io request failed after %d "
                    "attempts and %.1f s of backoff: last answer %s",
                    job->attempt, (double)job->waited_ms / 1000, job->last);
}

/*
 * Schedules another attempt after retry_after_ms (-1: after a jittered
 * backoff), within the request's caps on attempts and on total waiting.
 */
static int job_retry(struct cio_job *job, int64_t retry_after_ms)
{
    struct cio_client *c = job->run->c;
    const struct cio_config *cfg = &c->cfg;
    int64_t left = cfg->max_wait_ms - job->waited_ms;
    int64_t wait = retry_after_ms;

    if (job->attempt >= cfg->max_attempts)
        return give_up(job);
    if (wait < 0)
        wait = cio_backoff_ms(cfg->retry_base_ms, cfg->retry_cap_ms,
                              job->attempt - 1, &c->rng);
    if (wait > left) {
        if (left <= 0)
            return give_up(job);
        wait = left;
    }
    job->waited_ms += wait;
    job->due_us = now_us() + wait * 1000;
    return KV_OK;
}

static bool curl_transient(CURLcode res)
{
    switch (res) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static int on_curl_error(struct cio_job *job, CURLcode res)
{
    if (job->too_big || res == CURLE_FILESIZE_EXCEEDED)
        return job_fail(job, KV_EFAIL, "customer.io response is larger "
                        "than the cap of %zu bytes",
                        job->run->c->cfg.max_body);
    snprintf(job->last, sizeof(job->last), "curl error %d (%s)%s%s",
             (int)res, curl_easy_strerror(res), job->errbuf[0] ? ": " : "",
             job->errbuf);
    if (curl_transient(res))
        return job_retry(job, -1);
    return job_fail(job, KV_EFAIL, "customer.io request failed: %s",
                    job->last);
}

static int64_t retry_after(const struct cio_job *job)
{
    struct curl_header *h = NULL;

    if (curl_easy_header(job->easy, "Retry-After", 0, CURLH_HEADER, -1,
                         &h) != CURLHE_OK)
        return -1;
    return cio_retry_after_ms(h->value, kv_now_epoch());
}

/* The slowest the pacer goes after 429s: a tenth of the configured rate. */
#define PACER_MAX_SLOWDOWN 10

/*
 * A 429 means the account's shared budget (10/s, shared with the
 * customer's own API users) is spent: every stream waits until Retry-After
 * passes, and the pacer halves its rate; successes bring it back step by
 * step (pacer_recover).  Without this, a busy account turns half of our
 * requests into 429s.
 */
static int on_throttled(struct cio_job *job)
{
    struct cio_client *c = job->run->c;
    int64_t wait_ms = retry_after(job);
    int64_t slowest = c->base_interval_us * PACER_MAX_SLOWDOWN;
    int rc;

    c->stats.throttled++;
    c->interval_us = c->interval_us * 2 > slowest ? slowest
                     : c->interval_us * 2;
    rc = job_retry(job, wait_ms);
    /*
     * Everyone waits as long as this job, whose wait job_retry cut to what
     * is left of its budget: a Retry-After past the budget must not hold
     * the other streams longer than the request it came with.
     */
    if (!rc && wait_ms > 0 && c->next_start_us < job->due_us)
        c->next_start_us = job->due_us;
    return rc;
}

/*
 * Each answered request wins back an eighth of the slowdown; the last few
 * microseconds at once, which an eighth would never reach.
 */
static void pacer_recover(struct cio_client *c)
{
    int64_t gap = c->interval_us - c->base_interval_us;

    c->interval_us -= gap >= 8 ? gap / 8 : gap;
}

static int on_skip(struct cio_job *job)
{
    struct cio_run *run = job->run;
    struct cio_event ev = {
        .kind = CIO_EV_SKIPPED,
        .list = job->stream->list,
        .campaign_id = job->stream->campaign_id,
        .url = job->url,
        .page_no = job->page_no + 1,
        .last = true,
    };
    int rc = run->cb(run->ctx, &ev, run->err);

    if (rc)
        run->cb_failed = true;
    else
        job_end(job);
    return rc;
}

static int on_status(struct cio_job *job, long status)
{
    char text[SERVER_TEXT_MAX + 1];
    const char *sep;

    server_text(job, text, sizeof(text));
    sep = text[0] ? ": " : "";
    snprintf(job->last, sizeof(job->last), "HTTP %ld%s%s", status, sep,
             text);
    if (status == 401 || status == 403)
        return job_fail(job, KV_EAUTH, "customer.io refused the API key "
                        "(HTTP %ld%s%s): " AUTH_HINT "%s", status, sep, text,
                        status == 403 ? AUTH_SCOPE_HINT : "");
    if (status == 404 && job->stream->list == CIO_ACTIONS && !job->run->check)
        return on_skip(job);
    if (status == 429)
        return on_throttled(job);
    if (status == 408 || (status >= 500 && status <= 599))
        return job_retry(job, -1);
    if (status >= 300 && status <= 399)
        return job_fail(job, KV_EFAIL, "customer.io answered with a "
                        "redirect (HTTP %ld), which is not followed so "
                        "that the API key stays with the configured host",
                        status);
    return job_fail(job, KV_EFAIL, "customer.io answered HTTP %ld%s%s",
                    status, sep, text);
}

/* Checks a page's next token before it is followed. */
static int check_token(struct cio_job *job, const char *next)
{
    const char *key = job->run->c->api_key;

    if (!next)
        return KV_OK;
    /* first: the messages and URLs below may be logged by the caller */
    if (strlen(key) >= KEY_SCRUB_MIN && strstr(next, key))
        return job_fail(job, KV_EMALFORMED, "page token contains the API "
                        "key; not following it");
    if (cio_seen_add(&job->seen, next, strlen(next)))
        return job_fail(job, KV_EMALFORMED, "page token repeats: '%.64s' "
                        "was already followed in this list, so paging "
                        "would never end", next);
    if (job->page_no >= MAX_PAGES)
        return job_fail(job, KV_EFAIL, "list has more than %d pages; "
                        "stopping in case the server loops", MAX_PAGES);
    return KV_OK;
}

static int deliver(struct cio_job *job, const struct cio_page *page,
                   void *prepared)
{
    struct cio_run *run = job->run;
    struct cio_event ev = {
        .kind = CIO_EV_PAGE,
        .list = job->stream->list,
        .campaign_id = job->stream->campaign_id,
        .url = job->url,
        .items = page->items,
        .prepared = prepared,
        .page_no = job->page_no,
        .last = page->next == NULL,
    };
    int rc;

    run->c->stats.pages++;
    rc = run->cb(run->ctx, &ev, run->err);
    if (rc)
        run->cb_failed = true;
    return rc;
}

/* Hands a 2xx body to the parser; on_page goes on when it is parsed. */
static void submit_page(struct cio_job *job)
{
    struct cio_parse_task *t = &job->task;

    t->stream = job->stream;
    t->prep = job->run->prep;
    t->body = sbuf_detach(&job->body, &t->len);
    sbuf_init(&job->body, job->run->c->cfg.max_body);
    job->parsing = true;
    cio_parser_submit(job->run->parser, t);
}

static int on_page(struct cio_job *job)
{
    struct cio_parse_task *t = &job->task;
    struct cio_page *page = &t->page;
    int rc = t->rc;

    job->parsing = false;
    if (rc) {
        *job->run->err = t->err;
        kv_err_where(job->run->err, "%s", job->url);
        goto out;
    }
    job->page_no++;
    if (job->run->check) {
        job_end(job);
        goto out;
    }
    rc = check_token(job, page->next);
    if (rc)
        goto out;
    rc = deliver(job, page, t->prepared);
    if (rc)
        goto out;
    if (page->next)
        job_next_page(job, page->next);
    else
        job_end(job);
    cio_parser_retire(job->run->parser, t);
    return KV_OK;
out:
    cio_parse_task_release(t);
    return rc;
}

/* Goes on with every page the parser has finished. */
static int take_parsed(struct cio_run *run)
{
    struct cio_parse_task *t;

    while ((t = cio_parser_take(run->parser))) {
        int rc = on_page(t->owner);

        if (rc)
            return rc;
    }
    return KV_OK;
}

static int job_done(struct cio_job *job, CURLcode res)
{
    long status = 0;
    int rc = KV_OK;

    curl_multi_remove_handle(job->run->c->multi, job->easy);
    job->running = false;
    if (res == CURLE_OK)
        curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
    if (res == CURLE_OK && status >= 200 && status <= 299)
        pacer_recover(job->run->c);
    if (res != CURLE_OK)
        rc = on_curl_error(job, res);
    else if (status >= 200 && status <= 299)
        submit_page(job);
    else
        rc = on_status(job, status);
    sbuf_release(&job->body);
    return rc;
}

static bool run_busy(const struct cio_run *run)
{
    if (run->next_stream < run->nstreams)
        return true;
    for (int i = 0; i < run->njobs; i++)
        if (run->jobs[i].stream)
            return true;
    return false;
}

static void assign_streams(struct cio_run *run)
{
    for (int i = 0; i < run->njobs; i++) {
        struct cio_job *job = &run->jobs[i];

        if (job->stream || run->next_stream >= run->nstreams)
            continue;
        job_begin(job, &run->streams[run->next_stream++]);
    }
}

/* The job that has waited longest for its start, or NULL. */
static struct cio_job *first_waiting(struct cio_run *run)
{
    struct cio_job *best = NULL;

    for (int i = 0; i < run->njobs; i++) {
        struct cio_job *job = &run->jobs[i];

        if (!job->stream || job->running || job->parsing)
            continue;
        if (!best || job->due_us < best->due_us)
            best = job;
    }
    return best;
}

/* Starts the most overdue job if both its own wait and the pacer allow. */
static int start_due(struct cio_run *run)
{
    struct cio_job *job = first_waiting(run);
    int64_t now = now_us();

    if (!job || job->due_us > now || run->c->next_start_us > now)
        return KV_OK;
    return job_start(job);
}

/* Drives curl and handles every finished transfer. */
static int pump(struct cio_run *run)
{
    CURLM *multi = run->c->multi;
    int running = 0;
    int left = 0;
    CURLMcode mc = curl_multi_perform(multi, &running);

    if (mc)
        return kv_err_set(run->err, KV_EFAIL, "libcurl failed: %s",
                          curl_multi_strerror(mc));
    for (;;) {
        CURLMsg *msg = curl_multi_info_read(multi, &left);
        struct cio_job *job = NULL;
        CURLcode res;
        int rc;

        if (!msg)
            break;
        if (msg->msg != CURLMSG_DONE)
            continue;
        res = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &job);
        rc = job_done(job, res);
        if (rc)
            return rc;
    }
    return KV_OK;
}

/*
 * Sleeps until a transfer has news, the next start is due or POLL_MAX_MS
 * passed.  Below a millisecond it sleeps exactly, since poll cannot: a
 * start that is late is never made up (two starts must stay an interval
 * apart), so a sloppy wake-up would cost throughput.
 */
static int wait_events(struct cio_run *run)
{
    struct cio_job *job = first_waiting(run);
    int64_t delay = POLL_MAX_MS * 1000;
    CURLMcode mc;

    if (job) {
        int64_t due = job->due_us > run->c->next_start_us ?
                      job->due_us : run->c->next_start_us;

        delay = due - now_us();
        if (delay > POLL_MAX_MS * 1000)
            delay = POLL_MAX_MS * 1000;
    }
    /* a parsed page waiting is news already */
    if (delay <= 0 || !cio_parser_may_sleep(run->parser))
        return KV_OK;
    if (delay < 1000) {
        struct timespec ts = {0, (long)delay * 1000};

        nanosleep(&ts, NULL);
        cio_parser_awake(run->parser);
        return KV_OK;
    }
    mc = curl_multi_poll(run->c->multi, NULL, 0, (int)(delay / 1000),
                         NULL);
    cio_parser_awake(run->parser);
    if (mc)
        return kv_err_set(run->err, KV_EFAIL, "libcurl failed: %s",
                          curl_multi_strerror(mc));
    return KV_OK;
}

static int run_step(struct cio_run *run)
{
    volatile sig_atomic_t *cancel = run->c->cfg.cancel;
    int rc;

    if (cancel && *cancel)
        return kv_err_set(run->err, KV_ECANCEL, "customer.io read "
                          "cancelled");
    assign_streams(run);
    rc = start_due(run);
    if (rc)
        return rc;
    rc = pump(run);
    if (!rc)
        rc = take_parsed(run);
    if (rc)
        return rc;
    if (!run_busy(run))
        return KV_OK;
    /* a job whose stream just ended takes the next one before any sleep */
    assign_streams(run);
    return wait_events(run);
}

static int run_init(struct cio_run *run)
{
    size_t n = run->nstreams;
    int rc = KV_OK;

    run->njobs = n < (size_t)run->c->cfg.max_in_flight ?
                 (int)n : run->c->cfg.max_in_flight;
    run->jobs = xcalloc((size_t)run->njobs + 1, sizeof(*run->jobs));
    for (int i = 0; i < run->njobs && !rc; i++)
        rc = job_init(run, &run->jobs[i]);
    if (!rc)
        rc = cio_parser_start(run->c->multi, &run->parser, run->err);
    return rc;
}

static void run_release(struct cio_run *run)
{
    /* first: the parser may still be filling in a job's task */
    cio_parser_stop(run->parser);
    run->parser = NULL;
    for (int i = 0; i < run->njobs; i++)
        job_release(&run->jobs[i]);
    free(run->jobs);
    run->jobs = NULL;
}

static int check_streams(const struct cio_stream *streams, size_t n,
                         struct kv_err *err)
{
    if (n && !streams)
        return kv_err_set(err, KV_EUSAGE, "no streams to read");
    for (size_t i = 0; i < n; i++) {
        enum cio_list l = streams[i].list;

        if (l != CIO_CAMPAIGNS && l != CIO_ACTIONS && l != CIO_NEWSLETTERS)
            return kv_err_set(err, KV_EUSAGE, "stream %zu names no "
                              "customer.io list", i);
    }
    return KV_OK;
}

/* Reads every stream of run; the shared body of cio_fetch and cio_check. */
static int run_all(struct cio_run *run)
{
    int rc;

    kv_err_clear(run->err);
    rc = check_streams(run->streams, run->nstreams, run->err);
    if (rc)
        goto out;
    rc = run_init(run);
    while (!rc && run_busy(run))
        rc = run_step(run);
out:
    run_release(run);
    if (rc && !run->cb_failed) {
        scrub_key(run->err->msg, sizeof(run->err->msg), run->c->api_key);
        scrub_key(run->err->where, sizeof(run->err->where),
                  run->c->api_key);
    }
    return rc;
}

int cio_fetch(struct cio_client *c, const struct cio_stream *streams,
              size_t nstreams, cio_event_fn cb, void *ctx,
              struct kv_err *err)
{
    return cio_fetch_prepared(c, streams, nstreams, NULL, cb, ctx, err);
}

int cio_fetch_prepared(struct cio_client *c,
                       const struct cio_stream *streams, size_t nstreams,
                       const struct cio_prepare *prep, cio_event_fn cb,
                       void *ctx, struct kv_err *err)
{
    struct kv_err dummy;
    struct cio_run run = {
        .c = c,
        .streams = streams,
        .nstreams = nstreams,
        .cb = cb,
        .ctx = ctx,
        .prep = prep,
        .err = err ? err : &dummy,
    };

    if (!cb)
        return kv_err_set(run.err, KV_EUSAGE, "no callback for "
                          "customer.io pages");
    return run_all(&run);
}

int cio_check(struct cio_client *c, struct kv_err *err)
{
    static const struct cio_stream probe = {.list = CIO_NEWSLETTERS};
    struct kv_err dummy;
    struct cio_run run = {
        .c = c,
        .streams = &probe,
        .nstreams = 1,
        .err = err ? err : &dummy,
        .check = true,
    };

    return run_all(&run);
}
