/*
 * sync_report.c - a sync's result as JSON, for the history and --json.
 * It carries counts, keys and column names, never a record's values.
 */
#include "common/kv.h"
#include "sync/sync.h"
#include "common/mem.h"
#include "common/util.h"

#include <jansson.h>

static json_t *issues_json(const struct convert_report *rep)
{
    json_t *arr = json_array();

    for (int i = 0; i < rep->nexamples; i++) {
        const struct convert_issue *is = &rep->examples[i];

        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "key",
                                             is->key, "column", is->column,
                                             "reason", is->reason));
    }
    return arr;
}

static json_t *skipped_json(const struct sync_table_result *r)
{
    json_t *arr = json_array();

    for (int64_t i = 0; i < r->skipped && i < SYNC_MAX_SKIPPED; i++)
        json_array_append_new(arr, json_integer(r->skipped_ids[i]));
    return arr;
}

static json_t *table_json(const struct sync_table_result *r)
{
    const struct tload_stats *s = &r->stats;
    json_t *t = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
                          "table", r->name,
                          "status", r->rc ? "failed" : "ok",
                          "mode", r->replaced ? "full-refresh" :
                          "incremental",
                          "records", (json_int_t)s->records,
                          "written", (json_int_t)s->written,
                          "unchanged", (json_int_t)s->unchanged,
                          "new_fields", (json_int_t)s->new_fields,
                          "forgotten", (json_int_t)s->forgotten,
                          "bad_values", (json_int_t)s->report.bad_values);

    json_object_set_new(t, "bad_value_examples", issues_json(&s->report));
    json_object_set_new(t, "skipped_campaigns", skipped_json(r));
    if (r->rc)
        json_object_set_new(t, "error", json_string(r->error));
    return t;
}

char *sync_result_json(const struct sync_result *res)
{
    json_t *root = json_object();
    json_t *tables = json_array();
    char ts[32];
    char *text;

    kv_format_utc(res->started_at, ts);
    json_object_set_new(root, "run", json_integer(res->run_id));
    json_object_set_new(root, "started_at", json_string(ts));
    json_object_set_new(root, "elapsed_ms", json_integer(res->elapsed_ms));
    for (int i = 0; i < res->ntables; i++)
        json_array_append_new(tables, table_json(&res->tables[i]));
    json_object_set_new(root, "tables", tables);
    json_object_set_new(root, "http", json_pack(
        "{s:I, s:I, s:I, s:I}", "requests", (json_int_t)res->http.requests,
        "retries", (json_int_t)res->http.retries,
        "throttled", (json_int_t)res->http.throttled,
        "bytes", (json_int_t)res->http.bytes));
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text ? text : xstrdup("{}");
}
