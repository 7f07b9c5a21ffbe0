/*
 * cmd_columns.c - `kaivo columns T`: a table's columns with their type and
 * state (selected, available, gone).
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "source/catalog.h"
#include "ws/ws_tables.h"

#include <jansson.h>

static bool as_json;

static const struct opts_spec specs[] = {
    {"json", 0, OPTS_FLAG, &as_json, NULL, "print a JSON array"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command columns_cmd = {
    "kaivo columns TABLE [--json]",
    "Lists every column of TABLE: its name, its type, and its state:\n"
    "selected (synced), available (seen in Customer.io, not synced) or\n"
    "gone (no longer sent by Customer.io).  A field Customer.io starts\n"
    "sending is never synced by itself: it shows here as available.",
    specs, 1, 1,
};

static void print_columns(const struct ws_column *cols, int n)
{
    static const char *const names[] = {"column", "type", "state"};
    struct render *r = as_json ? NULL : render_new(RENDER_TABLE, 3, names);
    json_t *arr = json_array();

    for (int i = 0; i < n; i++) {
        const char *row[3] = {cols[i].name, table_type_name(cols[i].type),
                              cols[i].state};

        if (r)
            render_row(r, row);
        else
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name",
                                  row[0], "type", row[1], "state", row[2]));
    }
    if (r) {
        render_finish(r);
    } else {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    json_decref(arr);
}

int cmd_columns(int argc, char **argv)
{
    struct kv_err err;
    struct ws *ws = NULL;
    struct ws_column *cols = NULL;
    char **pos;
    int npos, status, n = 0;
    int rc;

    if (cli_parse(argc, argv, &columns_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    rc = catalog_find(pos[0]) ? KV_OK : kv_err_set(&err, KV_EUSAGE,
         "unknown table '%s' (tables: campaigns, campaigns_actions, "
         "newsletters)", pos[0]);
    if (!rc)
        rc = cli_open_ws(&ws, &err);
    if (!rc)
        rc = ws_columns_list(ws, pos[0], &cols, &n, &err);
    if (!rc && !n)
        rc = kv_err_set(&err, KV_EUSAGE, "no columns yet: run 'kaivo connect "
                        "customerio' first");
    if (!rc)
        print_columns(cols, n);
    ws_columns_free(cols, n);
    ws_free(ws);
    free(pos);
    return rc ? cli_fail(&err) : 0;
}
