/*
 * cmd_history.c - `kaivo history`: past runs, newest first, with their
 * counts and errors.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/util.h"
#include "ws/ws_history.h"

#include <jansson.h>

static bool as_json;
static const char *limit_arg;

static const struct opts_spec specs[] = {
    {"json", 0, OPTS_FLAG, &as_json, NULL,
     "print a JSON array, one object per run"},
    {"limit", 'n', OPTS_STRING, &limit_arg, "N", "show N runs (default 20)"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command history_cmd = {
    "kaivo history [--json] [--limit N]",
    "Lists past runs, newest first: when, how they ended, and per table\n"
    "the records read, rows written, values that did not fit their column\n"
    "(stored as NULL) and errors.",
    specs, 0, 0,
};

static json_t *run_json(const struct ws_run *r)
{
    char ts[32];
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)r->id,
                          "command", r->command ? r->command : "",
                          "status", r->status, "started_at",
                          cli_time(r->started_at, ts));
    json_t *summary = r->summary ? json_loads(r->summary, 0, NULL) : NULL;

    json_object_set_new(o, "finished_at", r->finished_at ? json_string(
                        cli_time(r->finished_at, ts)) : json_null());
    json_object_set_new(o, "error", r->error ? json_string(r->error)
                        : json_null());
    if (summary) {
        json_object_set(o, "tables", json_object_get(summary, "tables"));
        json_object_set(o, "http", json_object_get(summary, "http"));
        json_decref(summary);
    }
    return o;
}

static void print_run(json_t *run)
{
    json_t *t;
    size_t i;

    printf("#%" JSON_INTEGER_FORMAT "  %s  %s  %s\n",
           json_integer_value(json_object_get(run, "id")),
           json_string_value(json_object_get(run, "started_at")),
           json_string_value(json_object_get(run, "command")),
           json_string_value(json_object_get(run, "status")));
    json_array_foreach(json_object_get(run, "tables"), i, t) {
        printf("    %-18s %s: %" JSON_INTEGER_FORMAT " read, %"
               JSON_INTEGER_FORMAT " written, %" JSON_INTEGER_FORMAT
               " unchanged, %" JSON_INTEGER_FORMAT " bad values\n",
               json_string_value(json_object_get(t, "table")),
               json_string_value(json_object_get(t, "status")),
               json_integer_value(json_object_get(t, "records")),
               json_integer_value(json_object_get(t, "written")),
               json_integer_value(json_object_get(t, "unchanged")),
               json_integer_value(json_object_get(t, "bad_values")));
    }
    if (json_is_string(json_object_get(run, "error")))
        printf("    error: %s\n",
               json_string_value(json_object_get(run, "error")));
}

int cmd_history(int argc, char **argv)
{
    struct kv_err err;
    struct ws *ws = NULL;
    struct ws_run *runs = NULL;
    json_t *arr = json_array();
    int64_t limit = 20;
    char **pos;
    int npos, status, n = 0;
    int rc;

    if (cli_parse(argc, argv, &history_cmd, &pos, &npos, &status)) {
        json_decref(arr);
        return status;
    }
    free(pos);
    kv_err_clear(&err);
    rc = KV_OK;
    if (limit_arg && (!kv_parse_int64(limit_arg, &limit) || limit < 1 ||
                      limit > 100000))
        rc = kv_err_set(&err, KV_EUSAGE, "--limit takes a number from 1");
    if (!rc)
        rc = cli_open_ws(&ws, &err);
    if (!rc)
        rc = ws_runs_list(ws, (int)limit, &runs, &n, &err);
    for (int i = 0; !rc && i < n; i++)
        json_array_append_new(arr, run_json(&runs[i]));
    if (!rc && as_json) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
    } else if (!rc) {
        size_t i;
        json_t *run;

        json_array_foreach(arr, i, run)
            print_run(run);
        if (!n)
            printf("no runs yet\n");
    }
    json_decref(arr);
    ws_runs_free(runs, n);
    ws_free(ws);
    return rc ? cli_fail(&err) : 0;
}
