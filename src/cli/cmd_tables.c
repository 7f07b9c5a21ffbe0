/*
 * cmd_tables.c - `kaivo tables`: every table, selected or not, its mode,
 * key, rows in the warehouse and last sync.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "common/mem.h"
#include "dest/dest.h"
#include "source/catalog.h"
#include "sync/connector.h"
#include "ws/ws_records.h"
#include "ws/ws_tables.h"

#include <jansson.h>

static bool as_json;
static bool purge;

static const struct opts_spec specs[] = {
    {"json", 0, OPTS_FLAG, &as_json, NULL, "print a JSON array"},
    {"purge", 0, OPTS_FLAG, &purge, NULL,
     "with deselect: also delete the table from the warehouse"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command tables_cmd = {
    "kaivo tables [--json]\n"
    "       kaivo tables select TABLE...\n"
    "       kaivo tables deselect TABLE... [--purge]\n"
    "       kaivo tables mode TABLE incremental|full-refresh",
    "Lists every table: whether it is selected, its sync mode, its key, the\n"
    "rows in the warehouse and when it was last synced.  select/deselect\n"
    "choose what `kaivo sync` brings over; a deselected table keeps its\n"
    "data unless --purge.  mode sets how a table syncs: incremental (only\n"
    "new and changed records are written; deleted ones stay) or\n"
    "full-refresh (the table is rebuilt each sync and matches Customer.io).",
    specs, 0, -1,
};

static char *key_text(const char *table)
{
    const struct catalog_table *t = catalog_find(table);

    if (!t)
        return xstrdup("");
    if (t->nkey == 1)
        return xstrdup(t->key[0]);
    return xasprintf("%s, %s", t->key[0], t->key[1]);
}

static int64_t rows_of(struct dest *d, const char *table)
{
    int64_t rows = -1;

    if (d && d->ops->row_count(d, table, &rows, NULL))
        rows = -1;
    return rows;
}

static json_t *table_json(const struct ws_table_info *t, int64_t rows)
{
    char ts[32];
    char *key = key_text(t->name);
    json_t *o = json_pack("{s:s, s:b, s:s, s:s}", "name", t->name,
                          "selected", t->selected, "mode",
                          table_mode_name(t->mode), "key", key);

    json_object_set_new(o, "rows", rows >= 0 ? json_integer(rows)
                        : json_null());
    json_object_set_new(o, "last_sync", t->last_sync_at ? json_string(
                        cli_time(t->last_sync_at, ts)) : json_null());
    json_object_set_new(o, "last_status", t->last_status[0] ?
                        json_string(t->last_status) : json_null());
    free(key);
    return o;
}

static void print_tables(const struct ws_table_info *list, int n,
                         struct dest *d)
{
    static const char *const names[] = {"table", "selected", "mode", "key",
                                        "rows", "last sync", "status"};
    struct render *r = as_json ? NULL : render_new(RENDER_TABLE, 7, names);
    json_t *arr = json_array();

    for (int i = 0; i < n; i++) {
        int64_t rows = rows_of(d, list[i].name);
        char rows_text[32], ts[32];
        char *key = key_text(list[i].name);
        const char *row[7] = {list[i].name, list[i].selected ? "yes" : "no",
                              table_mode_name(list[i].mode), key, rows_text,
                              cli_time(list[i].last_sync_at, ts),
                              list[i].last_status};

        snprintf(rows_text, sizeof(rows_text), rows >= 0 ? "%" PRId64 : "-",
                 rows);
        if (r)
            render_row(r, row);
        else
            json_array_append_new(arr, table_json(&list[i], rows));
        free(key);
    }
    if (r) {
        render_finish(r);
    } else {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    json_decref(arr);
}

static int check_tables(struct ws *ws, char **names, int n,
                        struct kv_err *err)
{
    struct ws_table_info info;

    if (!n)
        return kv_err_set(err, KV_EUSAGE, "name at least one table");
    for (int i = 0; i < n; i++) {
        if (!catalog_require(names[i], err))
            return KV_EUSAGE;
        if (ws_table_get(ws, names[i], &info, err))
            return kv_err_set(err, KV_EUSAGE, "no tables yet: run 'kaivo "
                              "connect customerio' first");
    }
    return KV_OK;
}

static int purge_table(struct cli_session *s, const char *name,
                       struct kv_err *err)
{
    int rc = s->dest->ops->drop_table(s->dest, name, err);

    if (!rc)
        rc = ws_records_clear(s->ws, name, err);
    if (!rc)
        printf("%s: deleted from the warehouse\n", name);
    return rc;
}

static int select_tables(bool on, char **names, int n, struct kv_err *err)
{
    struct cli_session s;
    int rc = cli_session_open(&s, !on && purge, err);

    if (!rc)
        rc = check_tables(s.ws, names, n, err);
    for (int i = 0; !rc && i < n; i++) {
        rc = ws_table_set_selected(s.ws, names[i], on, err);
        if (!rc)
            printf("%s: %s\n", names[i], on ? "selected" : "deselected");
        if (!rc && !on && purge)
            rc = purge_table(&s, names[i], err);
    }
    cli_session_close(&s);
    return rc;
}

static int set_mode(char **args, int n, struct kv_err *err)
{
    struct cli_session s;
    enum table_mode mode;
    int rc;

    if (n != 2 || !table_mode_parse(args[1], &mode))
        return kv_err_set(err, KV_EUSAGE, "usage: kaivo tables mode TABLE "
                          "incremental|full-refresh");
    rc = cli_session_open(&s, false, err);
    if (!rc)
        rc = check_tables(s.ws, args, 1, err);
    if (!rc)
        rc = ws_table_set_mode(s.ws, args[0], mode, err);
    if (!rc)
        printf("%s: %s\n", args[0], table_mode_name(mode));
    cli_session_close(&s);
    return rc;
}

static int list_tables(struct kv_err *err)
{
    struct ws *ws = NULL;
    struct dest *d = NULL;
    struct ws_table_info *list = NULL;
    int n = 0;
    int rc = cli_open_ws(&ws, err);

    if (!rc)
        rc = ws_tables_list(ws, &list, &n, err);
    if (!rc && !n)
        rc = kv_err_set(err, KV_EUSAGE, "no tables yet: run 'kaivo connect "
                        "customerio' first");
    if (!rc && connector_open_dest(ws, &d, err))
        kv_err_clear(err); /* rows show as unknown */
    if (!rc)
        print_tables(list, n, d);
    dest_close(d);
    free(list);
    ws_free(ws);
    return rc;
}

int cmd_tables(int argc, char **argv)
{
    struct kv_err err;
    char **pos;
    int npos, status;
    int rc;

    if (cli_parse(argc, argv, &tables_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    if (!npos)
        rc = list_tables(&err);
    else if (!strcmp(pos[0], "select") || !strcmp(pos[0], "deselect"))
        rc = select_tables(pos[0][0] == 's', pos + 1, npos - 1, &err);
    else if (!strcmp(pos[0], "mode"))
        rc = set_mode(pos + 1, npos - 1, &err);
    else
        rc = kv_err_set(&err, KV_EUSAGE, "unknown action '%s' (select, "
                        "deselect, mode)", pos[0]);
    free(pos);
    return rc ? cli_fail(&err) : 0;
}
