/*
 * cmd_status.c - `kaivo status`: source, destination, whether a sync is
 * running, and each table's freshness.  Never shows the key itself.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "cli/sched.h"
#include "common/mem.h"
#include "common/util.h"
#include "dest/dest.h"
#include "sync/connector.h"
#include "ws/ws_history.h"
#include "ws/ws_lock.h"
#include "ws/ws_tables.h"

#include <jansson.h>

static bool as_json;

static const struct opts_spec specs[] = {
    {"json", 0, OPTS_FLAG, &as_json, NULL, "print one JSON object"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command status_cmd = {
    "kaivo status [--json]",
    "Shows the connector's state: the Customer.io account (never the key),\n"
    "the destination, whether a sync is running, the scheduler (`kaivo\n"
    "run`) and its next run, the last run, and each table's last sync,\n"
    "its age and rows.",
    specs, 0, 0,
};

static json_t *source_json(struct ws *ws)
{
    char *url = ws_config_get(ws, "source.base_url");
    char *region = ws_config_get(ws, "source.region");
    char *key = NULL;
    bool has_key = ws_secret_read(ws, "customerio", &key, NULL) == KV_OK;
    json_t *o = json_pack("{s:b, s:b}", "connected", url != NULL,
                          "key_stored", has_key);

    if (url)
        json_object_set_new(o, "base_url", json_string(url));
    if (region)
        json_object_set_new(o, "region", json_string(region));
    free(key);
    free(url);
    free(region);
    return o;
}

static json_t *tables_json(struct ws *ws, struct dest *d)
{
    struct ws_table_info *list = NULL;
    json_t *arr = json_array();
    int n = 0;

    if (ws_tables_list(ws, &list, &n, NULL))
        return arr;
    for (int i = 0; i < n; i++) {
        int64_t rows = -1;
        char ts[32];
        json_t *t = json_pack("{s:s, s:b, s:s}", "name", list[i].name,
                              "selected", list[i].selected, "mode",
                              table_mode_name(list[i].mode));

        if (d && d->ops->row_count(d, list[i].name, &rows, NULL))
            rows = -1;
        json_object_set_new(t, "rows", rows >= 0 ? json_integer(rows)
                            : json_null());
        json_object_set_new(t, "last_sync", list[i].last_sync_at ?
                            json_string(cli_time(list[i].last_sync_at, ts))
                            : json_null());
        json_object_set_new(t, "age_seconds", list[i].last_sync_at ?
                            json_integer(kv_now_epoch() -
                                         list[i].last_sync_at)
                            : json_null());
        json_object_set_new(t, "last_status", json_string(
                            list[i].last_status));
        if (list[i].last_error[0])
            json_object_set_new(t, "last_error",
                                json_string(list[i].last_error));
        json_array_append_new(arr, t);
    }
    free(list);
    return arr;
}

static json_t *last_run_json(struct ws *ws)
{
    struct ws_run *runs = NULL;
    char ts[32];
    int n = 0;
    json_t *o;

    if (ws_runs_list(ws, 1, &runs, &n, NULL) || !n)
        return json_null();
    o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)runs[0].id,
                  "status", runs[0].status, "started_at",
                  cli_time(runs[0].started_at, ts));
    if (runs[0].error)
        json_object_set_new(o, "error", json_string(runs[0].error));
    ws_runs_free(runs, n);
    return o;
}

static int64_t config_int(struct ws *ws, const char *key)
{
    char *text = ws_config_get(ws, key);
    int64_t v = 0;

    if (!text || !kv_parse_int64(text, &v))
        v = 0;
    free(text);
    return v;
}

/*
 * The scheduler (`kaivo run`): alive only while it holds the run lock, so
 * a scheduler killed without cleaning up shows as stopped.
 */
static json_t *scheduler_json(struct ws *ws)
{
    pid_t pid = sched_holder(ws);
    int64_t next = config_int(ws, SCHED_KEY_NEXT);
    json_t *o = json_pack("{s:b}", "running", pid != 0);
    char ts[32];

    if (!pid) {
        if (config_int(ws, SCHED_KEY_PID))
            json_object_set_new(o, "stale_pid", json_integer(
                                config_int(ws, SCHED_KEY_PID)));
        return o;
    }
    json_object_set_new(o, "pid", json_integer(pid));
    json_object_set_new(o, "every_seconds", json_integer(
                        config_int(ws, SCHED_KEY_EVERY)));
    json_object_set_new(o, "next_run", next ? json_string(cli_time(next, ts))
                        : json_null());
    return o;
}

static json_t *dest_json(struct ws *ws, const char *path)
{
    char *type = ws_config_get(ws, "destination.type");
    char *project = ws_config_get(ws, "destination.project");
    char *dataset = ws_config_get(ws, "destination.dataset");
    json_t *o;

    if (type && !strcmp(type, "bigquery"))
        o = json_pack("{s:s, s:s, s:s}", "type", "bigquery", "project",
                      project ? project : "", "dataset",
                      dataset ? dataset : "customerio");
    else
        o = json_pack("{s:s, s:s}", "type", "sqlite", "path", path);
    free(type);
    free(project);
    free(dataset);
    return o;
}

static json_t *status_json(struct ws *ws)
{
    struct dest *d = NULL;
    char who[160] = "";
    char *path = connector_dest_path(ws);
    bool running = ws_lock_busy(ws, who, sizeof(who));
    json_t *o = json_object();

    if (connector_open_dest(ws, &d, NULL))
        d = NULL;
    json_object_set_new(o, "workspace", json_string(ws->dir));
    json_object_set_new(o, "source", source_json(ws));
    json_object_set_new(o, "destination", dest_json(ws, path));
    json_object_set_new(o, "sync_running", running ? json_string(who)
                        : json_false());
    json_object_set_new(o, "scheduler", scheduler_json(ws));
    json_object_set_new(o, "last_run", last_run_json(ws));
    json_object_set_new(o, "tables", tables_json(ws, d));
    dest_close(d);
    free(path);
    return o;
}

static const char *str(json_t *o, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : def;
}

static void print_scheduler(json_t *sc)
{
    json_t *next = json_object_get(sc, "next_run");
    char every[32];

    if (!json_is_true(json_object_get(sc, "running"))) {
        printf("scheduler    not running%s\n", json_object_get(sc,
               "stale_pid") ? " (the last one stopped without cleaning "
               "up)" : "");
        return;
    }
    sched_format_duration(json_integer_value(json_object_get(sc,
                          "every_seconds")), every);
    printf("scheduler    running (pid %" JSON_INTEGER_FORMAT "), every %s,"
           " next run %s\n", json_integer_value(json_object_get(sc, "pid")),
           every, json_is_string(next) ? json_string_value(next) :
           "after the current sync");
}

static void print_status(json_t *st)
{
    json_t *src = json_object_get(st, "source");
    json_t *run = json_object_get(st, "last_run");
    json_t *dst = json_object_get(st, "destination");
    json_t *t;
    size_t i;

    printf("workspace    %s\n", str(st, "workspace", ""));
    printf("source       %s\n", json_is_true(json_object_get(src,
           "connected")) ? str(src, "base_url", "") : "not connected");
    if (!strcmp(str(dst, "type", ""), "bigquery"))
        printf("destination  bigquery %s.%s\n", str(dst, "project", ""),
               str(dst, "dataset", ""));
    else
        printf("destination  sqlite %s\n", str(dst, "path", ""));
    printf("sync         %s\n", json_is_string(json_object_get(st,
           "sync_running")) ? str(st, "sync_running", "") : "not running");
    print_scheduler(json_object_get(st, "scheduler"));
    if (json_is_object(run))
        printf("last run     #%" JSON_INTEGER_FORMAT " %s at %s%s%s\n",
               json_integer_value(json_object_get(run, "id")),
               str(run, "status", ""), str(run, "started_at", ""),
               json_object_get(run, "error") ? ": " : "",
               str(run, "error", ""));
    printf("\n%-18s %-9s %-13s %10s  %-21s %-8s %s\n", "table",
           "selected", "mode", "rows", "last sync", "age", "status");
    json_array_foreach(json_object_get(st, "tables"), i, t) {
        json_t *rows = json_object_get(t, "rows");
        json_t *age = json_object_get(t, "age_seconds");
        char rows_text[32] = "-";
        char age_text[32] = "-";

        if (json_is_integer(rows))
            snprintf(rows_text, sizeof(rows_text), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(rows));
        if (json_is_integer(age))
            sched_format_duration(json_integer_value(age), age_text);
        printf("%-18s %-9s %-13s %10s  %-21s %-8s %s\n", str(t, "name", ""),
               json_is_true(json_object_get(t, "selected")) ? "yes" : "no",
               str(t, "mode", ""), rows_text, str(t, "last_sync", "never"),
               age_text, str(t, "last_status", ""));
    }
}

int cmd_status(int argc, char **argv)
{
    struct kv_err err;
    struct ws *ws = NULL;
    json_t *st;
    char **pos;
    int npos, status;

    if (cli_parse(argc, argv, &status_cmd, &pos, &npos, &status))
        return status;
    free(pos);
    kv_err_clear(&err);
    if (cli_open_ws(&ws, &err))
        return cli_fail(&err);
    st = status_json(ws);
    if (as_json) {
        json_dumpf(st, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        print_status(st);
    }
    json_decref(st);
    ws_free(ws);
    return 0;
}
