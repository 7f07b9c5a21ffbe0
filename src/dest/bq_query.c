/*
 * bq_query.c - `kaivo query` on BigQuery.  Read-only is enforced by
 * BigQuery itself: a dry run first, which must report statementType
 * SELECT and reference only tables of our dataset; then the job runs with
 * maximumBytesBilled, and its rows are read with jobs.getQueryResults.
 */
#include "common/kv.h"
#include "dest/bq_int.h"
#include "common/util.h"

#include <strings.h>

/* 10 GiB: a mistaken cross join costs cents, not a budget. */
#define MAX_BYTES_BILLED "10737418240"
#define PAGE_ROWS 1000
#define MAX_PAGES 10000

static json_t *query_config(const struct bq *b, const char *sql, bool dry)
{
    json_t *c = json_pack("{s:{s:s, s:b, s:{s:s, s:s}, s:s}}", "query",
                          "query", sql, "useLegacySql", 0, "defaultDataset",
                          "projectId", b->project, "datasetId", b->dataset,
                          "maximumBytesBilled", MAX_BYTES_BILLED);

    if (dry)
        json_object_set_new(c, "dryRun", json_true());
    if (!dry && b->job_timeout_ms > 0)
        json_object_set_new(c, "jobTimeoutMs", json_sprintf("%" PRId64,
                            b->job_timeout_ms));
    return c;
}

void bq_set_job_timeout(struct dest *d, int64_t ms)
{
    if (d && !strcmp(d->ops->name, "bigquery"))
        ((struct bq *)d)->job_timeout_ms = ms;
}

static int check_tables(const struct bq *b, json_t *refs,
                        struct kv_err *err)
{
    size_t i;
    json_t *t;

    json_array_foreach(refs, i, t) {
        const char *p = json_string_value(json_object_get(t, "projectId"));
        const char *d = json_string_value(json_object_get(t, "datasetId"));
        const char *n = json_string_value(json_object_get(t, "tableId"));

        if (!p || !d || strcmp(p, b->project) || strcmp(d, b->dataset))
            return kv_err_set(err, KV_EUSAGE, "query refused: it reads "
                              "'%s.%s.%s', outside dataset '%s'",
                              p ? p : "?", d ? d : "?", n ? n : "?",
                              b->dataset);
    }
    return KV_OK;
}

static int dry_run(struct bq *b, const char *sql, struct kv_err *err)
{
    json_t *config = query_config(b, sql, true);
    json_t *job = NULL;
    json_t *stats;
    const char *type;
    int rc = bq_job_run(b, "dryrun", config, NULL, &job, err);

    if (rc)
        goto out;
    stats = json_object_get(json_object_get(job, "statistics"), "query");
    type = json_string_value(json_object_get(stats, "statementType"));
    if (!type || strcmp(type, "SELECT")) {
        rc = kv_err_set(err, KV_EUSAGE, "query refused: only SELECT is "
                        "allowed, this is %s", type ? type : "unknown");
        goto out;
    }
    rc = check_tables(b, json_object_get(stats, "referencedTables"), err);
out:
    json_decref(job);
    json_decref(config);
    return rc;
}

/* TIMESTAMP cells come as seconds in floating point: "1.7172E9". */
static const char *cell_text(const char *type, const char *v, char ts[32])
{
    char *end = NULL;
    double secs;

    if (!v || !type || strcmp(bq_canon_type(type), "TIMESTAMP"))
        return v;
    secs = strtod(v, &end);
    if (end == v || *end || !kv_format_utc((int64_t)secs, ts))
        return v;
    return ts;
}

struct page {
    json_t *fields;
    const char **names;
    int ncols;
};

static int emit_rows(struct page *p, json_t *rows, dest_row_fn fn,
                     void *ctx, bool *stop)
{
    const char **vals = xcalloc((size_t)p->ncols + 1, sizeof(*vals));
    char (*ts)[32] = xcalloc((size_t)p->ncols + 1, 32);
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        json_t *f = json_object_get(row, "f");

        for (int c = 0; c < p->ncols; c++) {
            json_t *v = json_object_get(json_array_get(f, (size_t)c), "v");
            const char *type = json_string_value(json_object_get(
                json_array_get(p->fields, (size_t)c), "type"));

            vals[c] = cell_text(type, json_string_value(v), ts[c]);
        }
        if (fn(ctx, p->ncols, p->names, vals)) {
            *stop = true;
            break;
        }
    }
    free(ts);
    free(vals);
    return KV_OK;
}

static void page_setup(struct page *p, json_t *reply)
{
    size_t i;
    json_t *f;

    if (p->names)
        return;
    p->fields = json_incref(json_object_get(json_object_get(reply,
                                            "schema"), "fields"));
    p->ncols = (int)json_array_size(p->fields);
    p->names = xcalloc((size_t)p->ncols + 1, sizeof(*p->names));
    json_array_foreach(p->fields, i, f)
        p->names[i] = json_string_value(json_object_get(f, "name"));
}

static int read_results(struct bq *b, const char *id, dest_row_fn fn,
                        void *ctx, struct kv_err *err)
{
    struct page p = {0};
    struct bq_resp r;
    char *token = NULL;
    bool stop = false;
    int rc = KV_OK;

    bq_resp_init(&r);
    for (int n = 0; !rc && !stop && n < MAX_PAGES; n++) {
        char *url = bq_url(b, "queries/%s?location=%s&maxResults=%d%s%s",
                           id, b->location, PAGE_ROWS,
                           token ? "&pageToken=" : "", token ? token : "");
        const char *next;

        rc = bq_json(b, "GET", url, NULL, &r, err);
        if (!rc && r.status != 200)
            rc = bq_fail(&r, url, err);
        free(url);
        if (rc)
            break;
        page_setup(&p, r.json);
        emit_rows(&p, json_object_get(r.json, "rows"), fn, ctx, &stop);
        next = json_string_value(json_object_get(r.json, "pageToken"));
        free(token);
        token = next && *next ? xstrdup(next) : NULL;
        if (!token)
            break;
    }
    free(token);
    free(p.names);
    json_decref(p.fields);
    bq_resp_release(&r);
    return rc;
}

int bq_query(struct dest *d, const char *sql, dest_row_fn fn, void *ctx,
             struct kv_err *err)
{
    struct bq *b = (struct bq *)d;
    json_t *config = query_config(b, sql, false);
    json_t *job = NULL;
    const char *id;
    int rc = dry_run(b, sql, err);

    if (!rc)
        rc = bq_job_run(b, "query", config, NULL, &job, err);
    id = json_string_value(json_object_get(json_object_get(job,
                           "jobReference"), "jobId"));
    if (!rc && !id)
        rc = kv_err_set(err, KV_EMALFORMED, "query job has no jobId");
    if (!rc)
        rc = read_results(b, id, fn, ctx, err);
    json_decref(job);
    json_decref(config);
    return rc;
}
