/*
 * mcp_bq.c - the query tool on BigQuery: the destination's read-only
 * query with the MCP caps applied in its row callback.
 */
#include "common/kv.h"
#include "mcp/mcp_bq.h"
#include "dest/bq.h"
#include "common/util.h"
#include "mcp/mcp_cell.h"

/* The result being built from the row callback. */
struct bq_result {
    const struct mcp_sandbox *sb;
    int64_t deadline;     /* kv_now_ms() past which we stop reading */
    json_t *columns;      /* NULL until the first row */
    json_t *rows;
    int row_count;
    int cut_cells;
    size_t bytes;
    bool truncated;
    bool timed_out;
};

static json_t *columns_json(int ncols, const char *const *names)
{
    json_t *cols = json_array();

    for (int i = 0; i < ncols; i++)
        json_array_append_new(cols, json_pack("{s:s}", "name",
                              names[i] ? names[i] : ""));
    return cols;
}

/* Cells are text or SQL NULL; sizes counted as mcp_sandbox.c does. */
static json_t *row_json(struct bq_result *r, int ncols,
                        const char *const *values, size_t *bytes, int *cut)
{
    json_t *row = json_array();

    for (int i = 0; i < ncols; i++) {
        bool c = false;
        json_t *v;

        if (!values[i]) {
            *bytes += 4;
            json_array_append_new(row, json_null());
            continue;
        }
        v = mcp_cell_text(values[i], strlen(values[i]),
                          r->sb->max_cell_chars, &c);
        *bytes += json_string_length(v) + 4;
        *cut += c;
        json_array_append_new(row, v);
    }
    return row;
}

/* dest_row_fn: non-zero stops the read (full, out of time, cancelled). */
static int on_row(void *ctx, int ncols, const char *const *names,
                  const char *const *values)
{
    struct bq_result *r = ctx;
    size_t bytes = r->bytes;
    int cut = 0;
    json_t *row;

    if ((r->sb->cancel && *r->sb->cancel) || kv_now_ms() >= r->deadline) {
        r->timed_out = true;
        return 1;
    }
    if (!r->columns)
        r->columns = columns_json(ncols, names);
    row = row_json(r, ncols, values, &bytes, &cut);
    if (r->row_count >= r->sb->max_rows || bytes > r->sb->max_bytes) {
        /* the same rule as SQLite: one row more than fits says truncated */
        r->truncated = true;
        json_decref(row);
        return 1;
    }
    json_array_append_new(r->rows, row);
    r->row_count++;
    r->cut_cells += cut;
    r->bytes = bytes;
    return 0;
}

static json_t *result_json(struct bq_result *r, int64_t elapsed)
{
    json_t *o = mcp_cell_result(r->columns, r->rows, r->row_count,
                                r->truncated, r->cut_cells, elapsed);

    r->columns = NULL;
    r->rows = NULL;
    return o;
}

int mcp_bq_query(struct dest *d, const struct mcp_sandbox *sb,
                 const char *sql, json_t **out, struct kv_err *err)
{
    int64_t start = kv_now_ms();
    struct bq_result r = {sb, start + sb->timeout_ms, NULL, json_array(),
                          0, 0, 0, false, false};
    int rc;

    /* BigQuery stops the job itself; the deadline covers reading rows */
    bq_set_job_timeout(d, sb->timeout_ms);
    rc = d->ops->query(d, sql, on_row, &r, err);
    if (!rc && r.timed_out)
        rc = kv_err_set(err, KV_ECANCEL, "the query ran past its time "
                        "limit and was stopped");
    if (!rc)
        *out = result_json(&r, kv_now_ms() - start);
    json_decref(r.columns);
    json_decref(r.rows);
    return rc;
}
