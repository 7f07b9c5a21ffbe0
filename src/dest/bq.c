/*
 * bq.c - the BigQuery destination: opening it, and the small operations
 * (check, forget, drop, count).  Loads live in bq_load.c, queries in
 * bq_query.c, HTTP in bq_http.c, jobs in bq_job.c.
 */
#include "common/kv.h"
#include "dest/bq.h"
#include "dest/bq_int.h"
#include "common/util.h"

#include <ctype.h>

/* Keys per DELETE statement: keeps the statement far below 1 MB. */
#define FORGET_CHUNK 1000

static void bq_close(struct dest *d)
{
    struct bq *b = (struct bq *)d;

    if (!b)
        return;
    gauth_free(b->auth);
    if (b->curl)
        curl_easy_cleanup(b->curl);
    free(b->project);
    free(b->dataset);
    free(b->location);
    free(b->api_url);
    free(b);
}

/* Writes and removes a scratch table: proves we may create tables. */
static int bq_check(struct dest *d, struct kv_err *err)
{
    struct bq *b = (struct bq *)d;
    struct table_schema s = {0};
    json_t *fields;
    char name[64];
    int rc;

    snprintf(name, sizeof(name), "_kaivo_check_%" PRId64, kv_now_epoch());
    table_schema_add(&s, "x", TABLE_INT64);
    fields = bq_fields(&s, false);
    rc = bq_ensure_dataset(b, err);
    if (!rc)
        rc = bq_table_insert(b, name, fields, (kv_now_epoch() + 3600) * 1000,
                             err);
    if (!rc)
        rc = bq_table_delete(b, name, err);
    if (rc)
        kv_err_prefix(err, "cannot write BigQuery dataset '%s.%s'",
                      b->project, b->dataset);
    json_decref(fields);
    table_schema_release(&s);
    return rc;
}

static int delete_chunk(struct bq *b, const struct table_schema *s,
                        const int64_t *vals, size_t n, int64_t *removed,
                        struct kv_err *err)
{
    struct sbuf sql;
    json_t *job = NULL;
    const char *num;
    int64_t k = 0;
    int rc;

    sbuf_init(&sql, 0);
    bq_sql_delete(&sql, b, s, vals, n);
    rc = bq_job_sql(b, "forget", sql.buf, &job, err);
    num = json_string_value(json_object_get(json_object_get(json_object_get(
        job, "statistics"), "query"), "numDmlAffectedRows"));
    if (!rc && num && kv_parse_int64(num, &k))
        *removed += k;
    json_decref(job);
    sbuf_release(&sql);
    return rc;
}

static int bq_forget(struct dest *d, const struct table_schema *s,
                     const char *const *keys, size_t n, int64_t *removed,
                     struct kv_err *err)
{
    struct bq *b = (struct bq *)d;
    int64_t *vals = xcalloc(n ? n : 1, sizeof(*vals) * (size_t)s->nkey);
    json_t *table = NULL;
    int rc = bq_check_schema(s, err);

    *removed = 0;
    for (size_t k = 0; !rc && k < n; k++)
        rc = table_key_parse(s, keys[k], vals + k * (size_t)s->nkey, err);
    if (!rc)
        rc = bq_table_get(b, s->name, &table, err);
    for (size_t k = 0; !rc && table && k < n; k += FORGET_CHUNK)
        rc = delete_chunk(b, s, vals + k * (size_t)s->nkey,
                          n - k < FORGET_CHUNK ? n - k : FORGET_CHUNK,
                          removed, err);
    if (rc)
        kv_err_prefix(err, "cannot forget rows of '%s'", s->name);
    json_decref(table);
    free(vals);
    return rc;
}

/* "_kaivo_stg_<table>_<digits>...": not another table's stage. */
static bool stage_of(const char *id, const char *table)
{
    size_t n = strlen(BQ_STAGE_PREFIX);
    size_t m = strlen(table);

    return !strncmp(id, BQ_STAGE_PREFIX, n) && !strncmp(id + n, table, m)
           && id[n + m] == '_' && isdigit((unsigned char)id[n + m + 1]);
}

/* Staging tables a crashed or killed load left behind (they expire too). */
static int drop_stages(struct bq *b, const char *table, struct kv_err *err)
{
    json_t *ids = NULL;
    size_t i;
    json_t *id;
    int rc = bq_table_list(b, BQ_STAGE_PREFIX, &ids, err);

    json_array_foreach(ids, i, id) {
        if (rc)
            break;
        if (stage_of(json_string_value(id), table))
            rc = bq_table_delete(b, json_string_value(id), err);
    }
    json_decref(ids);
    return rc;
}

static int bq_drop_table(struct dest *d, const char *table,
                         struct kv_err *err)
{
    struct bq *b = (struct bq *)d;
    int rc = bq_table_delete(b, table, err);

    if (!rc)
        rc = drop_stages(b, table, err);
    /* no dataset: no table and no stage either */
    if (rc == KV_ENOENT) {
        kv_err_clear(err);
        rc = KV_OK;
    }
    if (rc)
        kv_err_prefix(err, "cannot drop table '%s'", table);
    return rc;
}

static bool has_field(json_t *table, const char *column)
{
    json_t *fields = json_object_get(json_object_get(table, "schema"),
                                     "fields");
    size_t i;
    json_t *f;

    json_array_foreach(fields, i, f) {
        const char *n = json_string_value(json_object_get(f, "name"));

        if (n && !strcasecmp(n, column))
            return true;
    }
    return false;
}

static int bq_drop_column(struct dest *d, const char *table,
                          const char *column, struct kv_err *err)
{
    struct bq *b = (struct bq *)d;
    struct sbuf sql;
    json_t *t = NULL;
    int rc = bq_table_get(b, table, &t, err);

    sbuf_init(&sql, 0);
    if (rc || !t || !has_field(t, column))
        goto out;
    bq_sql_drop_column(&sql, b, table, column);
    rc = bq_job_sql(b, "dropcol", sql.buf, NULL, err);
out:
    if (rc)
        kv_err_prefix(err, "cannot drop column '%s' of '%s'", column, table);
    json_decref(t);
    sbuf_release(&sql);
    return rc;
}

static int bq_drop_dataset(struct dest *d, struct kv_err *err)
{
    struct bq *b = (struct bq *)d;
    struct bq_resp r;
    char *url = bq_url(b, "datasets/%s?deleteContents=true", b->dataset);
    int rc;

    bq_resp_init(&r);
    rc = bq_json(b, "DELETE", url, NULL, &r, err);
    if (!rc && r.status != 204 && r.status != 200 && r.status != 404)
        rc = bq_fail(&r, url, err);
    b->dataset_ok = false;
    if (rc)
        kv_err_prefix(err, "cannot delete dataset '%s'", b->dataset);
    free(url);
    bq_resp_release(&r);
    return rc;
}

static int bq_row_count(struct dest *d, const char *table, int64_t *out,
                        struct kv_err *err)
{
    struct bq *b = (struct bq *)d;
    json_t *t = NULL;
    const char *num;
    int rc = bq_table_get(b, table, &t, err);

    if (!rc && !t)
        rc = kv_err_set(err, KV_ENOENT, "table '%s' does not exist", table);
    num = json_string_value(json_object_get(t, "numRows"));
    if (!rc && !kv_parse_int64(num ? num : "0", out))
        rc = kv_err_set(err, KV_EMALFORMED, "table '%s' has a bad numRows",
                        table);
    json_decref(t);
    return rc;
}

static const struct dest_ops bq_ops = {
    .name = "bigquery",
    .check = bq_check,
    .load_begin = bq_load_begin,
    .load_row = bq_load_row,
    .load_commit = bq_load_commit,
    .load_finish = bq_load_finish,
    .load_abort = bq_load_abort,
    .forget = bq_forget,
    .drop_table = bq_drop_table,
    .drop_column = bq_drop_column,
    .drop_dataset = bq_drop_dataset,
    .row_count = bq_row_count,
    .query = bq_query,
    .close = bq_close,
};

void bq_counters(struct dest *d, int64_t *requests, int64_t *bytes)
{
    struct bq *b = (struct bq *)d;

    *requests = b->requests;
    *bytes = b->bytes_up;
}

static int64_t env_int(const char *name, int64_t def)
{
    const char *v = getenv(name);
    int64_t n;

    return v && kv_parse_int64(v, &n) && n >= 0 ? n : def;
}

/* "host:port" (BIGQUERY_EMULATOR_HOST's usual form) gets http://. */
static char *base_url(const char *api_url)
{
    const char *emu = getenv("BIGQUERY_EMULATOR_HOST");
    const char *u = api_url && *api_url ? api_url
                    : emu && *emu ? emu : BQ_API_URL;
    char *s = strstr(u, "://") ? xstrdup(u) : xasprintf("http://%s", u);
    size_t n = strlen(s);

    while (n && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

static bool valid_id(const char *s, bool project)
{
    if (!s || !*s || strlen(s) > 1024)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' &&
            !(project && (*s == '-' || *s == ':' || *s == '.')))
            return false;
    return true;
}

static void apply_env(struct bq *b)
{
    b->max_attempts = (int)env_int("KAIVO_MAX_ATTEMPTS", 8);
    if (b->max_attempts < 1)
        b->max_attempts = 1;
    b->retry_base_ms = env_int("KAIVO_RETRY_BASE_MS", 1000);
    b->retry_cap_ms = env_int("KAIVO_RETRY_CAP_MS", 32000);
    b->poll_ms = env_int("KAIVO_BQ_POLL_MS", 250);
    /* python-bigquery's switch from multipart to resumable: 5 MiB */
    b->resumable_at = (size_t)env_int("KAIVO_BQ_RESUMABLE_BYTES",
                                      5 * 1024 * 1024);
}

static int setup(struct bq *b, const struct bq_config *cfg,
                 struct kv_err *err)
{
    b->dataset = xstrdup(cfg->dataset ? cfg->dataset
                                      : BQ_DEFAULT_DATASET);
    b->location = xstrdup(cfg->location ? cfg->location : "US");
    b->api_url = base_url(cfg->api_url);
    b->on_created = cfg->on_created;
    b->ctx = cfg->ctx;
    apply_env(b);
    if (!valid_id(b->dataset, false))
        return kv_err_set(err, KV_EUSAGE, "dataset '%s' is not a valid "
                          "BigQuery dataset id", b->dataset);
    b->curl = curl_easy_init();
    if (!b->curl)
        return kv_err_set(err, KV_EFAIL, "cannot start libcurl");
    return gauth_load(cfg->credentials, &b->auth, err);
}

int bq_open(const struct bq_config *cfg, struct dest **out,
            struct kv_err *err)
{
    struct bq *b = xcalloc(1, sizeof(*b));
    int rc;

    *out = NULL;
    b->base.ops = &bq_ops;
    rc = setup(b, cfg, err);
    if (!rc && cfg->project && *cfg->project)
        b->project = xstrdup(cfg->project);
    else if (!rc && gauth_project(b->auth))
        b->project = xstrdup(gauth_project(b->auth));
    if (!rc && !valid_id(b->project, true))
        rc = kv_err_set(err, KV_EUSAGE, "no valid BigQuery project: give "
                        "--project");
    if (rc) {
        bq_close(&b->base);
        return rc;
    }
    *out = &b->base;
    return KV_OK;
}
