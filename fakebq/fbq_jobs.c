/*
 * fbq_jobs.c - jobs.insert, jobs.get, jobs.getQueryResults and the media
 * uploads (multipart and resumable) that carry load jobs.  A job stays
 * PENDING, then RUNNING, for --pending-polls jobs.get answers; its work is
 * applied atomically when it becomes DONE.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"

#include <ctype.h>
#include <strings.h>

#define CHUNK 262144

static bool valid_job_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;

    if (!n || n > 1024)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '_' && id[i] != '-')
            return false;
    return true;
}

static bool check_load(struct fbq_server *s, json_t *load,
                       struct fbq_resp *r)
{
    json_t *dst = json_object_get(load, "destinationTable");
    const char *wd = json_string_value(json_object_get(load,
                                       "writeDisposition"));
    json_t *suo = json_object_get(load, "schemaUpdateOptions");

    if (!json_string_value(json_object_get(dst, "tableId")) ||
        !json_string_value(json_object_get(dst, "datasetId"))) {
        fbq_error(r, 400, "invalid", "Required parameter is missing: "
                  "destinationTable");
        return false;
    }
    if (strcmp(json_string_value(json_object_get(dst, "projectId")) ?
               json_string_value(json_object_get(dst, "projectId")) : "",
               s->project)) {
        fbq_error(r, 404, "notFound", "Not found: Project");
        return false;
    }
    if (json_array_size(suo) && wd && strcmp(wd, "WRITE_APPEND") &&
        strcmp(wd, "WRITE_TRUNCATE_DATA")) {
        fbq_error(r, 400, "invalid", "Schema update options should only "
                  "be specified with WRITE_APPEND disposition, or with "
                  "WRITE_TRUNCATE disposition on a table partition.");
        return false;
    }
    return true;
}

static bool check_query(json_t *q, struct fbq_resp *r)
{
    if (!json_string_value(json_object_get(q, "query"))) {
        fbq_error(r, 400, "invalid", "Required parameter is missing: "
                  "query");
        return false;
    }
    return true;
}

/* What jobs.insert refuses outright (HTTP 4xx); the rest fails the job. */
static bool check_job(struct fbq_server *s, json_t *body, bool media,
                      struct fbq_resp *r)
{
    json_t *ref = json_object_get(body, "jobReference");
    json_t *cfg = json_object_get(body, "configuration");
    const char *id = json_string_value(json_object_get(ref, "jobId"));
    json_t *load = json_object_get(cfg, "load");
    json_t *query = json_object_get(cfg, "query");

    if (!fbq_validate(s, "Job", body, r))
        return false;
    if (!valid_job_id(id)) {
        fbq_error(r, 400, "invalid", "fake: jobReference.jobId is required "
                  "and may hold only letters, digits, '_' and '-'");
        return false;
    }
    if (!!load + !!query != 1) {
        fbq_error(r, 400, "invalid", "fake: exactly one of load and query "
                  "is supported");
        return false;
    }
    if (load && !media) {
        fbq_error(r, 400, "invalid", "fake: load jobs must come with an "
                  "upload");
        return false;
    }
    return load ? check_load(s, load, r) : check_query(query, r);
}

static void job_finish(struct fbq_server *s, json_t *st)
{
    json_t *job = json_object_get(st, "resource");
    json_t *status = json_object_get(job, "status");
    char ms[32];

    if (s->job_fault_count > 0) {
        s->job_fault_count--;
        fbq_job_fail(job, s->job_fault, "fake: injected %s", s->job_fault);
    } else if (json_object_get(json_object_get(job, "configuration"),
                               "load")) {
        json_t *d = json_object_get(st, "data");

        fbq_exec_load(s, job, json_string_value(d), json_string_length(d));
    } else {
        fbq_exec_query(s, job, false);
    }
    if (json_object_get(job, "_rows")) {
        json_object_set(st, "rows", json_object_get(job, "_rows"));
        json_object_set(st, "schema", json_object_get(job, "_schema"));
        json_object_del(job, "_rows");
        json_object_del(job, "_schema");
    }
    json_object_set_new(status, "state", json_string("DONE"));
    snprintf(ms, sizeof(ms), "%" PRId64, fbq_now_ms());
    json_object_set_new(json_object_get(job, "statistics"), "endTime",
                        json_string(ms));
    json_object_del(st, "data");
}

static json_t *resource(struct fbq_server *s, json_t *body, const char *loc)
{
    json_t *job = json_deep_copy(body);
    json_t *ref = json_object_get(job, "jobReference");
    json_t *cfg = json_object_get(job, "configuration");
    const char *id = json_string_value(json_object_get(ref, "jobId"));
    char ms[32];

    json_object_set_new(ref, "location", json_string(loc));
    json_object_set_new(job, "kind", json_string("bigquery#job"));
    json_object_set_new(job, "id", json_sprintf("%s:%s.%s", s->project, loc,
                                                id));
    json_object_set_new(cfg, "jobType", json_string(json_object_get(cfg,
                        "load") ? "LOAD" : "QUERY"));
    json_object_set_new(job, "status", json_pack("{s:s}", "state",
                        s->pending_polls > 0 ? "PENDING" : "DONE"));
    snprintf(ms, sizeof(ms), "%" PRId64, fbq_now_ms());
    json_object_set_new(job, "statistics", json_pack("{s:s}",
                        "creationTime", ms));
    json_object_set_new(job, "user_email", json_string("fake@kaivo"));
    return job;
}

static void dry_run(struct fbq_server *s, json_t *body, struct fbq_resp *r)
{
    json_t *job = resource(s, body, "US");
    json_t *er;

    fbq_exec_query(s, job, true);
    er = json_object_get(json_object_get(job, "status"), "errorResult");
    if (er) {
        fbq_error(r, 400, json_string_value(json_object_get(er, "reason")),
                  "%s", json_string_value(json_object_get(er, "message")));
        json_decref(job);
        return;
    }
    json_object_set_new(json_object_get(job, "status"), "state",
                        json_string("DONE"));
    fbq_reply(r, 200, job);
}

/* Creates the job from a checked body; data is the upload, or NULL. */
static void job_create(struct fbq_server *s, json_t *body, const char *data,
                       size_t len, struct fbq_resp *r)
{
    json_t *ref = json_object_get(body, "jobReference");
    const char *id = json_string_value(json_object_get(ref, "jobId"));
    const char *loc = json_string_value(json_object_get(ref, "location"));
    json_t *st;

    if (json_is_true(json_object_get(json_object_get(body,
                     "configuration"), "dryRun"))) {
        dry_run(s, body, r);
        return;
    }
    if (json_object_get(s->jobs, id)) {
        fbq_error(r, 409, "duplicate", "Already Exists: Job %s:%s.%s",
                  s->project, loc ? loc : "US", id);
        return;
    }
    st = json_pack("{s:o, s:i}", "resource", resource(s, body, loc ? loc
                   : "US"), "polls", s->pending_polls);
    if (data)
        json_object_set_new(st, "data", json_stringn_nocheck(data, len));
    json_object_set_new(s->jobs, id, st);
    fbq_count(s, "jobs", 1);
    if (s->pending_polls <= 0)
        job_finish(s, st);
    fbq_reply(r, 200, json_deep_copy(json_object_get(st, "resource")));
}

static json_t *lookup(struct fbq_server *s, struct fbq_req *rq,
                      const char *id, struct fbq_resp *r)
{
    json_t *st = json_object_get(s->jobs, id);
    const char *loc = fbq_arg(rq, "location");
    const char *jl = json_string_value(json_object_get(json_object_get(
        json_object_get(st, "resource"), "jobReference"), "location"));

    if (!st || (loc && jl && strcasecmp(loc, jl))) {
        fbq_error(r, 404, "notFound", "Not found: Job %s:%s.%s", s->project,
                  loc ? loc : "US", id);
        return NULL;
    }
    return st;
}

/*
 * One poll of a job's progress: PENDING, RUNNING, then DONE.  Both
 * jobs.get and getQueryResults poll, as a client may wait with either.
 */
static void job_advance(struct fbq_server *s, json_t *st)
{
    json_int_t polls = json_integer_value(json_object_get(st, "polls"));

    if (polls > 0) {
        json_object_set_new(st, "polls", json_integer(--polls));
        json_object_set_new(json_object_get(json_object_get(st, "resource"),
                            "status"), "state", json_string(
                            polls * 2 >= s->pending_polls ? "PENDING"
                                                         : "RUNNING"));
        if (polls == 0)
            job_finish(s, st);
    }
}

static void job_get(struct fbq_server *s, struct fbq_req *rq, const char *id,
                    struct fbq_resp *r)
{
    json_t *st = lookup(s, rq, id, r);

    if (!st)
        return;
    job_advance(s, st);
    fbq_reply(r, 200, json_deep_copy(json_object_get(st, "resource")));
}

static void query_results(struct fbq_server *s, struct fbq_req *rq,
                          const char *id, struct fbq_resp *r)
{
    json_t *st = lookup(s, rq, id, r);
    json_t *job = json_object_get(st, "resource");
    json_t *er = json_object_get(json_object_get(job, "status"),
                                 "errorResult");
    json_t *rows = json_object_get(st, "rows");
    const char *mr = fbq_arg(rq, "maxResults");
    const char *pt = fbq_arg(rq, "pageToken");
    size_t max = mr ? (size_t)atol(mr) : 100000;
    size_t from = pt ? (size_t)atol(pt) : 0;
    json_t *page = json_array();
    json_t *out;

    if (!st)
        goto out;
    job_advance(s, st);
    job = json_object_get(st, "resource");
    er = json_object_get(json_object_get(job, "status"), "errorResult");
    rows = json_object_get(st, "rows");
    if (er) {
        fbq_error(r, 400, json_string_value(json_object_get(er, "reason")),
                  "%s", json_string_value(json_object_get(er, "message")));
        goto out;
    }
    for (size_t i = from; i < json_array_size(rows) && i < from + max; i++)
        json_array_append(page, json_array_get(rows, i));
    out = json_pack("{s:s, s:O, s:b, s:s, s:O}", "kind",
                    "bigquery#getQueryResultsResponse", "jobReference",
                    json_object_get(job, "jobReference"), "jobComplete",
                    strcmp(json_string_value(json_object_get(json_object_get(
                    job, "status"), "state")), "DONE") == 0, "totalRows",
                    "0", "rows", page);
    json_object_set_new(out, "totalRows", json_sprintf("%zu",
                        json_array_size(rows)));
    if (json_object_get(st, "schema"))
        json_object_set_new(out, "schema", json_pack("{s:O}", "fields",
                            json_object_get(st, "schema")));
    if (from + max < json_array_size(rows))
        json_object_set_new(out, "pageToken", json_sprintf("%zu",
                                                           from + max));
    fbq_reply(r, 200, out);
out:
    json_decref(page);
}

static json_t *json_body(struct fbq_req *rq, struct fbq_resp *r)
{
    const char *ct = fbq_header(rq, "Content-Type");
    json_t *b;

    if (!ct || strncmp(ct, "application/json", 16)) {
        fbq_error(r, 400, "invalid", "fake: Content-Type must be "
                  "application/json");
        return NULL;
    }
    b = json_loadb(rq->body.buf ? rq->body.buf : "", rq->body.len, 0, NULL);
    if (!json_is_object(b)) {
        json_decref(b);
        fbq_error(r, 400, "parseError", "Parse Error");
        return NULL;
    }
    return b;
}

void fbq_jobs(struct fbq_server *s, struct fbq_req *rq, const char *rest,
              struct fbq_resp *r)
{
    char id[1100] = "";
    json_t *b;

    if (!strcmp(rest, "jobs") && !strcmp(rq->method, "POST")) {
        b = json_body(rq, r);
        if (b && check_job(s, b, false, r))
            job_create(s, b, NULL, 0, r);
        json_decref(b);
    } else if (sscanf(rest, "jobs/%1099[^/?]", id) == 1 &&
               !strcmp(rq->method, "GET")) {
        job_get(s, rq, id, r);
    } else if (sscanf(rest, "queries/%1099[^/?]", id) == 1 &&
               !strcmp(rq->method, "GET")) {
        query_results(s, rq, id, r);
    } else {
        fbq_error(r, 404, "notFound", "fake: no such path %s", rq->url);
    }
}

/* The boundary of a multipart/related Content-Type, quotes removed. */
static bool boundary_of(const char *ct, char *out, size_t n)
{
    const char *p = ct ? strcasestr(ct, "boundary=") : NULL;
    size_t len;

    if (!ct || strncasecmp(ct, "multipart/related", 17) || !p)
        return false;
    p += 9;
    if (*p == '"') {
        p++;
        len = strcspn(p, "\"");
    } else {
        len = strcspn(p, "; ");
    }
    if (!len || len >= n)
        return false;
    memcpy(out, p, len);
    out[len] = '\0';
    return true;
}

struct part {
    const char *headers;
    size_t hlen;
    const char *body;
    size_t blen;
};

/* Splits "--B\r\nH\r\n\r\nJSON\r\n--B\r\nH\r\n\r\nDATA\r\n--B--". */
static const char *split_parts(const char *buf, size_t len, const char *bd,
                                struct part p[2])
{
    char open[300], mid[300], close[300];
    const char *end = buf + len;
    const char *x;
    const char *y;

    snprintf(open, sizeof(open), "--%s\r\n", bd);
    snprintf(mid, sizeof(mid), "\r\n--%s\r\n", bd);
    snprintf(close, sizeof(close), "\r\n--%s--", bd);
    if (len < strlen(open) || memcmp(buf, open, strlen(open)))
        return "body does not start with the boundary and CRLF";
    p[0].headers = buf + strlen(open);
    x = memmem(p[0].headers, (size_t)(end - p[0].headers), "\r\n\r\n", 4);
    y = memmem(p[0].headers, (size_t)(end - p[0].headers), mid, strlen(mid));
    if (!x || !y || x > y)
        return "first part is malformed or there is no second part";
    p[0].hlen = (size_t)(x - p[0].headers);
    p[0].body = x + 4;
    p[0].blen = (size_t)(y - p[0].body);
    p[1].headers = y + strlen(mid);
    x = memmem(p[1].headers, (size_t)(end - p[1].headers), "\r\n\r\n", 4);
    y = memmem(p[1].headers, (size_t)(end - p[1].headers), close,
               strlen(close));
    if (!x || !y || x > y)
        return "second part is malformed or the closing delimiter is "
               "missing";
    p[1].hlen = (size_t)(x - p[1].headers);
    p[1].body = x + 4;
    p[1].blen = (size_t)(y - p[1].body);
    if (memmem(p[1].body, p[1].blen, mid, strlen(mid)))
        return "more than two parts";
    x = y + strlen(close);
    if (x != end && !(end - x == 2 && !memcmp(x, "\r\n", 2)))
        return "bytes after the closing delimiter";
    return NULL;
}

static void multipart(struct fbq_server *s, struct fbq_req *rq,
                      struct fbq_resp *r)
{
    char bd[256];
    struct part p[2];
    const char *why;
    json_t *b = NULL;
    char *hdr;

    if (!boundary_of(fbq_header(rq, "Content-Type"), bd, sizeof(bd))) {
        fbq_error(r, 400, "invalid", "fake: multipart upload needs "
                  "Content-Type multipart/related with a boundary");
        return;
    }
    why = split_parts(rq->body.buf ? rq->body.buf : "", rq->body.len, bd, p);
    if (why) {
        fbq_error(r, 400, "invalid", "fake: multipart body: %s", why);
        return;
    }
    hdr = xstrndup(p[0].headers, p[0].hlen);
    if (!strcasestr(hdr, "content-type: application/json"))
        fbq_error(r, 400, "invalid", "fake: first part must be "
                  "application/json metadata");
    else if (!(b = json_loadb(p[0].body, p[0].blen, 0, NULL)))
        fbq_error(r, 400, "parseError", "Parse Error");
    else if (check_job(s, b, true, r))
        job_create(s, b, p[1].body, p[1].blen, r);
    fbq_count(s, "upload_bytes", (int64_t)p[1].blen);
    free(hdr);
    json_decref(b);
}

static void resumable_start(struct fbq_server *s, struct fbq_req *rq,
                            struct fbq_resp *r)
{
    json_t *b = json_body(rq, r);
    const char *host = fbq_header(rq, "Host");
    char id[32];

    if (!b || !check_job(s, b, true, r))
        goto out;
    snprintf(id, sizeof(id), "fbq%u", ++s->seq);
    json_object_set_new(s->sessions, id, json_pack("{s:O, s:s}", "job", b,
                        "data", ""));
    snprintf(r->location, sizeof(r->location), "http://%s/upload/bigquery/"
             "v2/projects/%s/jobs?uploadType=resumable&upload_id=%s",
             host ? host : "", s->project, id);
    r->status = 200;
out:
    json_decref(b);
}

static void set_range(struct fbq_resp *r, size_t have)
{
    r->status = 308;
    if (have)
        snprintf(r->range, sizeof(r->range), "bytes=0-%zu", have - 1);
}

static void complete(struct fbq_server *s, json_t *sess, struct fbq_resp *r)
{
    json_t *d = json_object_get(sess, "data");
    json_t *done = json_object_get(sess, "reply");

    if (done) {
        fbq_reply(r, 200, json_deep_copy(done));
        return;
    }
    fbq_count(s, "upload_bytes", (int64_t)json_string_length(d));
    job_create(s, json_object_get(sess, "job"), json_string_value(d),
               json_string_length(d), r);
    if (r->status == 200)
        json_object_set_new(sess, "reply", json_loadb(r->body.buf,
                            r->body.len, 0, NULL));
}

static void resumable_put(struct fbq_server *s, struct fbq_req *rq,
                          json_t *sess, struct fbq_resp *r)
{
    const char *cr = fbq_header(rq, "Content-Range");
    json_t *d = json_object_get(sess, "data");
    size_t have = json_string_length(d);
    unsigned long long a = 0, e = 0, t = 0;
    size_t n = rq->body.len;
    struct sbuf all;

    if (cr && sscanf(cr, "bytes */%llu", &t) == 1) {
        if (have == t)
            complete(s, sess, r);
        else
            set_range(r, have);
        return;
    }
    if (cr && (sscanf(cr, "bytes %llu-%llu/%llu", &a, &e, &t) != 3 ||
               a != have || (!rq->cut && e - a + 1 != n) ||
               (e + 1 < t && n % CHUNK))) {
        fbq_error(r, 400, "invalid", "fake: bad Content-Range '%s' with %zu "
                  "bytes held and %zu sent", cr, have, n);
        return;
    }
    if (rq->cut)
        n -= n % CHUNK;
    sbuf_init(&all, 0);
    sbuf_add(&all, json_string_value(d), have);
    sbuf_add(&all, rq->body.buf ? rq->body.buf : "", n);
    json_object_set_new(sess, "data", json_stringn_nocheck(all.buf ?
                        all.buf : "", all.len));
    sbuf_release(&all);
    if (!cr || (!rq->cut && have + n == t))
        complete(s, sess, r);
    else
        set_range(r, have + n);
}

void fbq_upload(struct fbq_server *s, struct fbq_req *rq, struct fbq_resp *r)
{
    const char *rest = rq->url + strlen("/upload/bigquery/v2/projects/");
    const char *type = fbq_arg(rq, "uploadType");
    const char *uid = fbq_arg(rq, "upload_id");
    size_t plen = strlen(s->project);
    json_t *sess;

    if (strncmp(rest, s->project, plen) || strcmp(rest + plen, "/jobs")) {
        fbq_error(r, 404, "notFound", "fake: no such upload path %s",
                  rq->url);
    } else if (!strcmp(rq->method, "PUT") && uid) {
        sess = json_object_get(s->sessions, uid);
        if (!sess)
            fbq_error(r, 404, "notFound", "fake: no upload session %s", uid);
        else
            resumable_put(s, rq, sess, r);
    } else if (strcmp(rq->method, "POST")) {
        fbq_error(r, 405, "invalid", "fake: uploads are POST");
    } else if (type && !strcmp(type, "multipart")) {
        multipart(s, rq, r);
    } else if (type && !strcmp(type, "resumable")) {
        resumable_start(s, rq, r);
    } else {
        fbq_error(r, 400, "invalid", "fake: uploadType must be multipart or "
                  "resumable");
    }
}
