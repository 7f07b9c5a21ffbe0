/*
 * mcp_data.c - the JSON behind list_tables, describe_table, sync_status,
 * query and the schema resources.
 */
#include "common/kv.h"
#include "mcp/mcp_data.h"
#include "common/mem.h"
#include "common/util.h"
#include "mcp/mcp_bq.h"
#include "mcp/mcp_sandbox.h"
#include "sync/connector.h"
#include "source/catalog.h"
#include "ws/ws_history.h"
#include "ws/ws_lock.h"
#include "ws/ws_tables.h"

struct table_about {
    const char *name;
    const char *description;
};

static const struct table_about about[] = {
    {"campaigns", "Customer.io campaigns: name, state, trigger, "
     "audience, tags (one row per campaign)"},
    {"campaigns_actions", "the actions (messages, delays, webhooks) of "
     "each campaign, with subject and body (one row per action)"},
    {"newsletters", "Customer.io newsletters (broadcasts): name, type, "
     "sent_at, segments (one row per newsletter)"},
};

static const char *description(const char *table)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(about); i++)
        if (!strcmp(table, about[i].name))
            return about[i].description;
    return "";
}

static bool on_bq(const struct mcp_server *s)
{
    return !strcmp(s->dest_type, "bigquery");
}

/*
 * BigQuery is reached through its destination, opened once and kept: a
 * second open would read the key and fetch a token again for every call.
 */
static int open_bq(struct mcp_server *s, struct kv_err *err)
{
    if (s->dest)
        return KV_OK;
    return connector_open_dest(s->ws, &s->dest, err);
}

/* Other destinations are not served; say so as a tool error. */
static int check_backend(struct mcp_server *s, struct kv_err *err)
{
    if (!strcmp(s->dest_type, "sqlite"))
        return KV_OK;
    if (on_bq(s))
        return open_bq(s, err);
    return kv_err_set(err, KV_EUSAGE, "this workspace's destination is "
                      "'%s'; the MCP server reads SQLite and BigQuery "
                      "warehouses only", s->dest_type);
}

static void sandbox_for(struct mcp_server *s, struct mcp_sandbox *sb,
                        int max_rows, int timeout_ms)
{
    sb->path = s->warehouse;
    sb->forbid_dir = s->ws->state_dir;
    sb->max_rows = max_rows;
    sb->timeout_ms = timeout_ms;
    sb->max_cell_chars = s->lim.max_cell_chars;
    sb->max_bytes = s->lim.max_bytes;
    sb->cancel = s->cancel;
}

static json_t *time_or_null(int64_t epoch)
{
    char buf[32];

    if (!epoch || !kv_format_utc(epoch, buf))
        return json_null();
    return json_string(buf);
}

/* Rows in table, or -1 when it is not in the warehouse yet. */
static int64_t rows_of(struct mcp_server *s, const char *table)
{
    struct mcp_sandbox sb;
    struct kv_err err;
    int64_t n = -1;

    if (on_bq(s)) {
        if (open_bq(s, &err) ||
            s->dest->ops->row_count(s->dest, table, &n, &err))
            return -1;
        return n;
    }
    sandbox_for(s, &sb, 1, s->lim.timeout_ms);
    if (mcp_sandbox_row_count(&sb, table, &n, &err))
        return -1;
    return n;
}

/* Model SQL through the warehouse's own sandbox. */
static int run_query(struct mcp_server *s, const char *sql, int max_rows,
                     int timeout_ms, json_t **out, struct kv_err *err)
{
    struct mcp_sandbox sb;

    sandbox_for(s, &sb, max_rows, timeout_ms);
    if (on_bq(s))
        return mcp_bq_query(s->dest, &sb, sql, out, err);
    return mcp_sandbox_query(&sb, sql, out, err);
}

static json_t *table_json(struct mcp_server *s, const char *name)
{
    struct ws_table_info info;
    int64_t rows = rows_of(s, name);
    json_t *o;

    memset(&info, 0, sizeof(info));
    ws_table_get(s->ws, name, &info, NULL);
    o = json_pack("{s:s, s:s, s:I, s:b, s:o}", "name", name,
                  "description", description(name), "row_count",
                  (json_int_t)(rows < 0 ? 0 : rows), "in_warehouse",
                  rows >= 0, "last_synced_at",
                  time_or_null(info.last_sync_at));
    return o;
}

int mcp_data_tables(struct mcp_server *s, json_t **out, struct kv_err *err)
{
    int n;
    const struct catalog_table *t = catalog_tables(&n);
    json_t *arr;
    int rc = check_backend(s, err);

    if (rc)
        return rc;
    arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, table_json(s, t[i].name));
    *out = json_pack("{s:s, s:s, s:o}", "backend", s->dest_type,
                     "dataset", "customerio", "tables", arr);
    return KV_OK;
}

/* The Kaivo type of a warehouse column, from the workspace's columns. */
static const char *kaivo_type(const struct ws_column *cols, int n,
                              const char *name)
{
    if (!strcmp(name, "_kaivo_synced_at"))
        return "TIMESTAMP";
    for (int i = 0; i < n; i++)
        if (!strcmp(cols[i].name, name))
            return table_type_name(cols[i].type);
    return NULL;
}

static void add_types(struct mcp_server *s, const char *table, json_t *cols)
{
    struct ws_column *known = NULL;
    size_t i;
    json_t *c;
    int n = 0;

    if (ws_columns_list(s->ws, table, &known, &n, NULL))
        n = 0;
    json_array_foreach(cols, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *type = kaivo_type(known, n, name);

        json_object_set_new(c, "type", json_string(type ? type :
                            json_string_value(json_object_get(c,
                            "sqlite_type"))));
    }
    ws_columns_free(known, n);
}

/*
 * BigQuery's columns as Kaivo wrote them: the selected columns of the
 * workspace plus _kaivo_synced_at.  The destination interface has no
 * schema read, and the tables hold nothing Kaivo did not put there.
 */
static int bq_columns(struct mcp_server *s, const char *table,
                      json_t **out, struct kv_err *err)
{
    struct ws_column *known = NULL;
    int n = 0;
    int rc;

    if (rows_of(s, table) < 0)
        return kv_err_set(err, KV_ENOENT, "table '%s' is not in the "
                          "warehouse yet: run a sync", table);
    rc = ws_columns_list(s->ws, table, &known, &n, err);
    if (rc)
        return rc;
    *out = json_array();
    for (int i = 0; i < n; i++)
        if (known[i].selected)
            json_array_append_new(*out, json_pack("{s:s, s:s, s:b}",
                                  "name", known[i].name, "type",
                                  table_type_name(known[i].type),
                                  "nullable", 1));
    json_array_append_new(*out, json_pack("{s:s, s:s, s:b}", "name",
                          "_kaivo_synced_at", "type", "TIMESTAMP",
                          "nullable", 0));
    ws_columns_free(known, n);
    return KV_OK;
}

static int columns_of(struct mcp_server *s, const char *table,
                      json_t **out, struct kv_err *err)
{
    struct mcp_sandbox sb;
    int rc;

    if (on_bq(s))
        return bq_columns(s, table, out, err);
    sandbox_for(s, &sb, 1, s->lim.timeout_ms);
    rc = mcp_sandbox_columns(&sb, table, out, err);
    if (!rc)
        add_types(s, table, *out);
    return rc;
}

static json_t *key_json(const char *table)
{
    const struct catalog_table *t = catalog_find(table);
    json_t *arr = json_array();

    for (int i = 0; t && i < t->nkey; i++)
        json_array_append_new(arr, json_string(t->key[i]));
    return arr;
}

static int add_sample(struct mcp_server *s, const char *table, int nsample,
                      json_t *o, struct kv_err *err)
{
    /* table is one of the fixed dataset names, safe to quote as is */
    const char *q = on_bq(s) ? "`" : "\"";
    char *sql = xasprintf("SELECT * FROM %s%s%s LIMIT %d", q, table, q,
                          nsample);
    json_t *res = NULL;
    int rc;

    rc = run_query(s, sql, nsample, s->lim.timeout_ms, &res, err);
    if (!rc)
        json_object_set(o, "sample", json_object_get(res, "rows"));
    json_decref(res);
    free(sql);
    return rc;
}

int mcp_data_describe(struct mcp_server *s, const char *table, int nsample,
                      json_t **out, struct kv_err *err)
{
    json_t *cols = NULL;
    json_t *o = NULL;
    int rc = check_backend(s, err);

    if (!rc && !mcp_sandbox_is_dataset_table(table))
        rc = kv_err_set(err, KV_ENOENT, "no table '%s': the tables are "
                        "campaigns, campaigns_actions and newsletters",
                        table);
    if (!rc)
        rc = columns_of(s, table, &cols, err);
    if (rc)
        goto out;
    o = table_json(s, table);
    json_object_del(o, "in_warehouse");
    json_object_set_new(o, "table", json_string(table));
    json_object_set_new(o, "primary_key", key_json(table));
    json_object_set_new(o, "columns", cols);
    cols = NULL;
    if (nsample > 0)
        rc = add_sample(s, table, nsample, o, err);
out:
    json_decref(cols);
    if (rc)
        json_decref(o);
    else
        *out = o;
    return rc;
}

static json_t *last_run_json(struct mcp_server *s)
{
    struct ws_run *runs = NULL;
    int n = 0;
    json_t *o;

    if (ws_runs_list(s->ws, 1, &runs, &n, NULL) || !n)
        return json_null();
    o = json_pack("{s:s, s:o, s:o}", "status", runs[0].status,
                  "started_at", time_or_null(runs[0].started_at),
                  "finished_at", time_or_null(runs[0].finished_at));
    if (runs[0].error)
        json_object_set_new(o, "error", json_string(runs[0].error));
    ws_runs_free(runs, n);
    return o;
}

static json_t *status_table(struct mcp_server *s,
                            const struct ws_table_info *t)
{
    int64_t rows = rows_of(s, t->name);
    json_t *o = json_pack("{s:s, s:b, s:s, s:o, s:s, s:I}", "name",
                          t->name, "selected", t->selected, "mode",
                          table_mode_name(t->mode), "last_synced_at",
                          time_or_null(t->last_sync_at), "last_status",
                          t->last_status, "row_count",
                          (json_int_t)(rows < 0 ? 0 : rows));

    if (t->last_error[0])
        json_object_set_new(o, "last_error", json_string(t->last_error));
    return o;
}

int mcp_data_status(struct mcp_server *s, json_t **out, struct kv_err *err)
{
    struct ws_table_info *list = NULL;
    char who[160] = "";
    json_t *arr = json_array();
    int n = 0;

    if (ws_tables_list(s->ws, &list, &n, err)) {
        json_decref(arr);
        return err ? err->code : KV_EFAIL;
    }
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, status_table(s, &list[i]));
    free(list);
    *out = json_pack("{s:s, s:b, s:o, s:o}", "backend", s->dest_type,
                     "sync_running", ws_lock_busy(s->ws, who, sizeof(who)),
                     "last_run", last_run_json(s), "tables", arr);
    return KV_OK;
}

int mcp_data_query(struct mcp_server *s, const char *sql, int max_rows,
                   int timeout_ms, json_t **out, struct kv_err *err)
{
    int rc = check_backend(s, err);

    if (rc)
        return rc;
    rc = run_query(s, sql, max_rows, timeout_ms, out, err);
    if (!rc)
        json_object_set_new(*out, "backend", json_string(s->dest_type));
    return rc;
}
