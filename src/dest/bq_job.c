/*
 * bq_job.c - BigQuery jobs: client-chosen ids, jobs.insert or a media
 * upload (multipart for small payloads, resumable above
 * b->resumable_at), 409 resolved with jobs.get, polling until DONE, and
 * a re-run under a new id when a job failed for a transient reason.
 */
#include "common/kv.h"
#include "dest/bq_int.h"
#include "common/util.h"

#include <unistd.h>

#define JOB_ATTEMPTS 4
#define POLL_CAP_MS 2000
#define POLL_DEADLINE_MS (30 * 60 * 1000)
#define BOUNDARY "kaivo_bq_5f1d0c3e9a"

static void new_job_id(struct bq *b, const char *kind, char out[128])
{
    snprintf(out, 128, "kaivo_%s_%" PRId64 "_%d_%u_%04x", kind,
             kv_now_epoch(), (int)getpid(), ++b->seq,
             (unsigned)rand() & 0xffff);
}

static json_t *job_body(struct bq *b, const char *id, json_t *config)
{
    return json_pack("{s:{s:s, s:s, s:s}, s:O}", "jobReference",
                     "projectId", b->project, "jobId", id, "location",
                     b->location, "configuration", config);
}

static char *upload_url(const struct bq *b, const char *type)
{
    return xasprintf("%s/upload/bigquery/v2/projects/%s/jobs?uploadType=%s",
                     b->api_url, b->project, type);
}

static int read_media(const struct bq_media *m, struct sbuf *sb,
                      struct kv_err *err)
{
    char buf[65536];
    size_t n;

    fseek(m->f, 0, SEEK_SET);
    while ((n = fread(buf, 1, sizeof(buf), m->f)) > 0)
        sbuf_add(sb, buf, n);
    if (ferror(m->f))
        return kv_err_set(err, KV_EFAIL, "cannot read the staged rows: %s",
                          strerror(errno));
    return KV_OK;
}

static int insert_multipart(struct bq *b, json_t *body,
                            const struct bq_media *m, struct bq_resp *r,
                            struct kv_err *err)
{
    struct bq_req rq = {0};
    struct sbuf sb;
    char *meta = json_dumps(body, JSON_COMPACT);
    char *url = upload_url(b, "multipart");
    int rc;

    sbuf_init(&sb, 0);
    sbuf_addf(&sb, "--" BOUNDARY "\r\nContent-Type: application/json; "
              "charset=UTF-8\r\n\r\n%s\r\n--" BOUNDARY "\r\nContent-Type: "
              "application/octet-stream\r\n\r\n", meta);
    rc = read_media(m, &sb, err);
    sbuf_addstr(&sb, "\r\n--" BOUNDARY "--\r\n");
    rq.method = "POST";
    rq.url = url;
    rq.ctype = "multipart/related; boundary=" BOUNDARY;
    rq.body = sb.buf;
    rq.len = sb.len;
    if (!rc)
        rc = bq_http(b, &rq, r, err);
    sbuf_release(&sb);
    free(meta);
    free(url);
    return rc;
}

/* "bytes=0-N" -> N + 1 bytes the server holds; 0 when absent. */
static size_t range_end(const char *range)
{
    const char *dash = strchr(range, '-');
    int64_t n;

    if (!dash || !kv_parse_int64(dash + 1, &n) || n < 0)
        return 0;
    return (size_t)n + 1;
}

/* PUTs bytes [from, len) of the media; a status query when from == len. */
static int put_from(struct bq *b, const char *session,
                    const struct bq_media *m, size_t from,
                    struct bq_resp *r, struct kv_err *err)
{
    struct bq_req rq = {0};
    struct curl_slist *h = NULL;
    char *cr;
    int rc;

    if (from < m->len)
        cr = xasprintf("Content-Range: bytes %zu-%zu/%zu", from,
                       m->len - 1, m->len);
    else
        cr = xasprintf("Content-Range: bytes */%zu", m->len);
    h = curl_slist_append(h, cr);
    rq.method = "PUT";
    rq.url = session;
    rq.ctype = "application/octet-stream";
    rq.file = m->f;
    rq.off = (long)from;
    rq.len = from < m->len ? m->len - from : 0;
    rq.headers = h;
    rq.once = true;
    rc = bq_http(b, &rq, r, err);
    curl_slist_free_all(h);
    free(cr);
    return rc;
}

/* Sends the bytes; after a failure asks where to resume, a few times. */
static int send_session(struct bq *b, const char *session,
                        const struct bq_media *m, struct bq_resp *r,
                        struct kv_err *err)
{
    size_t from = 0;
    int rc = KV_OK;

    for (int n = 0; n < b->max_attempts; n++) {
        rc = put_from(b, session, m, from, r, err);
        if (!rc && r->status != 308 && r->status < 500)
            return KV_OK;
        bq_backoff(b, n);
        rc = put_from(b, session, m, m->len, r, err);
        if (!rc && r->status != 308)
            return KV_OK;
        from = rc ? 0 : range_end(r->range);
    }
    return rc ? rc : kv_err_set(err, KV_EFAIL, "resumable upload did not "
                                "complete");
}

static int insert_resumable(struct bq *b, json_t *body,
                            const struct bq_media *m, struct bq_resp *r,
                            struct kv_err *err)
{
    struct bq_req rq = {0};
    struct curl_slist *h = NULL;
    char *meta = json_dumps(body, JSON_COMPACT);
    char *url = upload_url(b, "resumable");
    char *len = xasprintf("X-Upload-Content-Length: %zu", m->len);
    char *session = NULL;
    int rc;

    h = curl_slist_append(h, "X-Upload-Content-Type: "
                          "application/octet-stream");
    h = curl_slist_append(h, len);
    rq.method = "POST";
    rq.url = url;
    rq.ctype = "application/json; charset=UTF-8";
    rq.body = meta;
    rq.len = strlen(meta);
    rq.headers = h;
    rc = bq_http(b, &rq, r, err);
    if (!rc && (r->status == 200 || r->status == 201) && r->location[0]) {
        session = xstrdup(r->location);
        rc = send_session(b, session, m, r, err);
    }
    curl_slist_free_all(h);
    free(session);
    free(len);
    free(meta);
    free(url);
    return rc;
}

static int job_get(struct bq *b, const char *id, struct bq_resp *r,
                   struct kv_err *err)
{
    char *url = bq_url(b, "jobs/%s?location=%s", id, b->location);
    int rc = bq_json(b, "GET", url, NULL, r, err);

    if (!rc && r->status != 200)
        rc = bq_fail(r, url, err);
    free(url);
    return rc;
}

/* jobs.insert or an upload; a 409 on our own id means it landed. */
static int insert(struct bq *b, const char *id, json_t *config,
                  const struct bq_media *m, struct bq_resp *r,
                  struct kv_err *err)
{
    json_t *body = job_body(b, id, config);
    char *url = bq_url(b, "jobs");
    int rc;

    if (m && m->len < b->resumable_at)
        rc = insert_multipart(b, body, m, r, err);
    else if (m)
        rc = insert_resumable(b, body, m, r, err);
    else
        rc = bq_json(b, "POST", url, body, r, err);
    if (!rc && r->status == 409)
        rc = job_get(b, id, r, err);
    else if (!rc && r->status != 200 && r->status != 201)
        rc = bq_fail(r, url, err);
    json_decref(body);
    free(url);
    return rc;
}

static const char *job_state(json_t *job)
{
    const char *s = json_string_value(json_object_get(
        json_object_get(job, "status"), "state"));

    return s ? s : "";
}

static int poll(struct bq *b, const char *id, struct bq_resp *r,
                struct kv_err *err)
{
    int64_t delay = b->poll_ms;
    int64_t deadline = kv_now_ms() + POLL_DEADLINE_MS;
    int rc = KV_OK;

    while (strcmp(job_state(r->json), "DONE")) {
        if (kv_now_ms() > deadline)
            return kv_err_set(err, KV_EFAIL, "job '%s' is not done after "
                              "%d minutes", id, POLL_DEADLINE_MS / 60000);
        kv_sleep_ms(delay);
        delay = delay * 2 > POLL_CAP_MS ? POLL_CAP_MS : delay * 2;
        rc = job_get(b, id, r, err);
        if (rc)
            break;
    }
    return rc;
}

bool bq_job_transient(const char *reason)
{
    return !strcmp(reason, "backendError") ||
           !strcmp(reason, "rateLimitExceeded") ||
           !strcmp(reason, "internalError") ||
           !strcmp(reason, "jobRateLimitExceeded");
}

/* The job's errorResult as an error, with the first detail messages. */
static int job_error(json_t *job, const char *id, struct kv_err *err)
{
    json_t *st = json_object_get(job, "status");
    json_t *er = json_object_get(st, "errorResult");
    const char *msg = json_string_value(json_object_get(er, "message"));
    const char *more = json_string_value(json_object_get(json_array_get(
        json_object_get(st, "errors"), 1), "message"));

    kv_err_set(err, KV_EFAIL, "BigQuery job failed: %s%s%s",
               msg ? msg : "(no message)", more ? "; " : "",
               more ? more : "");
    return kv_err_where(err, "job %s", id);
}

static const char *error_reason(json_t *job)
{
    const char *s = json_string_value(json_object_get(json_object_get(
        json_object_get(job, "status"), "errorResult"), "reason"));

    return s ? s : "";
}

int bq_job_run(struct bq *b, const char *kind, json_t *config,
               const struct bq_media *media, json_t **job,
               struct kv_err *err)
{
    struct bq_resp r;
    char id[128] = "";
    int rc = KV_OK;

    if (job)
        *job = NULL;
    bq_resp_init(&r);
    for (int n = 0; n < JOB_ATTEMPTS; n++) {
        new_job_id(b, kind, id);
        rc = insert(b, id, config, media, &r, err);
        if (!rc)
            rc = poll(b, id, &r, err);
        if (rc || !*error_reason(r.json))
            break;
        rc = job_error(r.json, id, err);
        if (!bq_job_transient(error_reason(r.json)))
            break;
        bq_backoff(b, n);
    }
    if (!rc && job) {
        *job = r.json;
        r.json = NULL;
    }
    bq_resp_release(&r);
    return rc;
}

int bq_job_sql(struct bq *b, const char *kind, const char *sql,
               json_t **job, struct kv_err *err)
{
    json_t *config = json_pack("{s:{s:s, s:b}}", "query", "query", sql,
                               "useLegacySql", 0);
    int rc = bq_job_run(b, kind, config, NULL, job, err);

    json_decref(config);
    return rc;
}
