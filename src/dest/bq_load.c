/*
 * bq_load.c - loading rows into BigQuery.  Rows are written as NDJSON to
 * a temporary file (memory stays bounded whatever the batch size).  At
 * each load_commit the batch goes to the load's staging table with one
 * load job, and:
 *   UPSERT: one MERGE keyed on the table's key moves it into the target,
 *           so the batch is durable in the target when load_commit returns
 *           and the engine may store its hashes;
 *   REPLACE: the batch stays staged (durable there); load_finish swaps
 *           the target with one CREATE OR REPLACE TABLE ... AS SELECT,
 *           atomic in BigQuery, which also drops unselected columns.
 * The staging table has a 24-hour expiry, so one a crash leaves behind
 * goes away by itself.
 */
#include "common/kv.h"
#include "dest/bq_int.h"
#include "common/util.h"

#include <math.h>
#include <unistd.h>

#define STAGE_TTL_MS (24LL * 3600 * 1000)
/* Above this an INT64 is sent as a string: JSON numbers are doubles. */
#define EXACT_INT (1LL << 53)

struct bq_load {
    struct bq *b;
    struct table_schema s;  /* a copy of the schema, owned */
    enum dest_load_mode mode;
    char synced_at[32];
    char stage[256];
    bool staged;            /* the staging table exists */
    FILE *buf;              /* NDJSON of the rows since the last commit */
    size_t len;             /* bytes in buf */
    size_t rows;            /* rows in buf */
    int64_t seq;            /* row sequence across the load */
    struct sbuf line;       /* scratch for one row */
};

static void copy_schema(struct table_schema *dst,
                        const struct table_schema *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->name = xstrdup(src->name ? src->name : "");
    for (int i = 0; i < src->ncols; i++)
        table_schema_add(dst, src->cols[i].name, src->cols[i].type);
    dst->nkey = src->nkey;
}

static void load_free(struct bq_load *l)
{
    if (!l)
        return;
    if (l->buf)
        fclose(l->buf);
    sbuf_release(&l->line);
    table_schema_release(&l->s);
    free(l);
}

int bq_load_begin(struct dest *d, const struct table_schema *s,
                  enum dest_load_mode mode, int64_t synced_at,
                  struct dest_load **out, struct kv_err *err)
{
    struct bq_load *l = xcalloc(1, sizeof(*l));
    int rc;

    *out = NULL;
    l->b = (struct bq *)d;
    l->mode = mode;
    copy_schema(&l->s, s);
    sbuf_init(&l->line, 0);
    rc = bq_check_schema(s, err);
    if (!rc && !kv_format_utc(synced_at, l->synced_at))
        rc = kv_err_set(err, KV_EUSAGE, "synced_at is out of range");
    if (!rc) {
        snprintf(l->stage, sizeof(l->stage), BQ_STAGE_PREFIX "%s_%" PRId64
                 "_%d%04x", s->name, synced_at, (int)getpid() % 100000,
                 (unsigned)rand() & 0xffff);
        l->buf = tmpfile();
        if (!l->buf)
            rc = kv_err_set(err, KV_EFAIL, "cannot create a temporary "
                            "file: %s", strerror(errno));
    }
    if (!rc)
        rc = bq_ensure_dataset(l->b, err);
    /* REPLACE builds the target from staging whole: nothing to adjust */
    if (!rc && mode == DEST_UPSERT)
        rc = bq_prepare_target(l->b, s, err);
    if (rc) {
        kv_err_prefix(err, "cannot load table '%s'", s->name ? s->name : "");
        load_free(l);
        return rc;
    }
    *out = (struct dest_load *)l;
    return KV_OK;
}

static void add_cell(struct sbuf *sb, enum table_type t,
                     const struct table_cell *c)
{
    if (c->kind == CELL_INT && t == TABLE_BOOL)
        sbuf_addstr(sb, c->i ? "true" : "false");
    else if (c->kind == CELL_INT && (c->i > EXACT_INT || c->i < -EXACT_INT))
        sbuf_addf(sb, "\"%" PRId64 "\"", c->i);
    else if (c->kind == CELL_INT)
        sbuf_addf(sb, "%" PRId64, c->i);
    else if (c->kind == CELL_REAL)
        sbuf_addf(sb, "%.17g", c->r);
    else if (t == TABLE_JSON)
        sbuf_add(sb, c->text, c->len);
    else
        kv_json_quote(sb, c->text);
}

static bool is_null(const struct table_cell *c)
{
    return c->kind == CELL_NULL || (c->kind == CELL_REAL && !isfinite(c->r))
           || (c->kind == CELL_TEXT && !c->text);
}

void bq_ndjson_row(struct sbuf *sb, const struct table_schema *s,
                   const struct table_row *row, const char *synced_at,
                   int64_t seq)
{
    sbuf_addstr(sb, "{");
    for (int i = 0; i < row->ncells && i < s->ncols; i++) {
        if (is_null(&row->cells[i]))
            continue;
        sbuf_addf(sb, "\"%s\":", s->cols[i].name);
        add_cell(sb, s->cols[i].type, &row->cells[i]);
        sbuf_addstr(sb, ",");
    }
    sbuf_addf(sb, "\"" BQ_SYNCED_AT "\":\"%s\",\"" BQ_SEQ "\":%" PRId64
              "}\n", synced_at, seq);
}

int bq_load_row(struct dest_load *dl, const struct table_row *row,
                struct kv_err *err)
{
    struct bq_load *l = (struct bq_load *)dl;
    struct sbuf *sb = &l->line;

    if (row->ncells != l->s.ncols)
        return kv_err_set(err, KV_EUSAGE, "row has %d cells, table '%s' "
                          "has %d columns", row->ncells, l->s.name,
                          l->s.ncols);
    sbuf_reset(sb);
    bq_ndjson_row(sb, &l->s, row, l->synced_at, ++l->seq);
    if (fwrite(sb->buf, 1, sb->len, l->buf) != sb->len)
        return kv_err_set(err, KV_EFAIL, "cannot stage rows of '%s': %s",
                          l->s.name, strerror(errno));
    l->len += sb->len;
    l->rows++;
    return KV_OK;
}

static int ensure_stage(struct bq_load *l, struct kv_err *err)
{
    json_t *fields;
    int rc;

    if (l->staged)
        return KV_OK;
    fields = bq_fields(&l->s, true);
    rc = bq_table_insert(l->b, l->stage, fields,
                         kv_now_epoch() * 1000 + STAGE_TTL_MS, err);
    l->staged = !rc;
    json_decref(fields);
    return rc;
}

/* One load job: UPSERT replaces the staged batch, REPLACE appends. */
static int load_batch(struct bq_load *l, struct kv_err *err)
{
    struct bq_media m = {l->buf, l->len};
    const char *wd = l->mode == DEST_UPSERT ? "WRITE_TRUNCATE_DATA"
                                            : "WRITE_APPEND";
    json_t *config = json_pack(
        "{s:{s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:i}}", "load",
        "destinationTable", "projectId", l->b->project, "datasetId",
        l->b->dataset, "tableId", l->stage, "sourceFormat",
        "NEWLINE_DELIMITED_JSON", "writeDisposition", wd,
        "createDisposition", "CREATE_NEVER", "maxBadRecords", 0);
    int rc;

    fflush(l->buf);
    rc = bq_job_run(l->b, "load", config, &m, NULL, err);
    json_decref(config);
    return rc;
}

static int run_sql(struct bq_load *l, const char *kind, bool merge,
                   struct kv_err *err)
{
    struct sbuf sql;
    int rc;

    sbuf_init(&sql, 0);
    if (merge)
        bq_sql_merge(&sql, l->b, &l->s, l->stage);
    else
        bq_sql_replace(&sql, l->b, &l->s, l->stage);
    rc = bq_job_sql(l->b, kind, sql.buf, NULL, err);
    sbuf_release(&sql);
    return rc;
}

static int reset_buf(struct bq_load *l, struct kv_err *err)
{
    l->len = 0;
    l->rows = 0;
    rewind(l->buf);
    if (ftruncate(fileno(l->buf), 0))
        return kv_err_set(err, KV_EFAIL, "cannot reset the staged rows: "
                          "%s", strerror(errno));
    return KV_OK;
}

static int commit(struct bq_load *l, struct kv_err *err)
{
    int rc;

    if (!l->rows)
        return KV_OK;
    rc = ensure_stage(l, err);
    if (!rc)
        rc = load_batch(l, err);
    if (!rc && l->mode == DEST_UPSERT)
        rc = run_sql(l, "merge", true, err);
    if (!rc)
        rc = reset_buf(l, err);
    return rc;
}

int bq_load_commit(struct dest_load *dl, struct kv_err *err)
{
    struct bq_load *l = (struct bq_load *)dl;
    int rc = commit(l, err);

    if (rc)
        kv_err_prefix(err, "cannot commit rows of '%s'", l->s.name);
    return rc;
}

int bq_load_finish(struct dest_load *dl, struct kv_err *err)
{
    struct bq_load *l = (struct bq_load *)dl;
    int rc = commit(l, err);

    /* an empty REPLACE still replaces: the table becomes empty */
    if (!rc && l->mode == DEST_REPLACE)
        rc = ensure_stage(l, err);
    if (!rc && l->mode == DEST_REPLACE)
        rc = run_sql(l, "replace", false, err);
    if (rc)
        kv_err_prefix(err, "cannot finish loading '%s'", l->s.name);
    bq_load_abort(dl);
    return rc;
}

void bq_load_abort(struct dest_load *dl)
{
    struct bq_load *l = (struct bq_load *)dl;

    if (!l)
        return;
    /* best effort: a staging table left behind expires in a day */
    if (l->staged)
        bq_table_delete(l->b, l->stage, NULL);
    load_free(l);
}
