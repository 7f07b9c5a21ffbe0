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
#include <strings.h>

static bool as_json;

static const struct opts_spec specs[] = {
    {"json", 0, OPTS_FLAG, &as_json, NULL, "print a JSON array"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command columns_cmd = {
    "kaivo columns TABLE [--json]\n"
    "       kaivo columns TABLE add|drop|hash COLUMN...",
    "Lists every column of TABLE: its name, its type, and its state:\n"
    "selected (synced), available (seen in Customer.io, not synced) or\n"
    "gone (no longer sent by Customer.io).  A field Customer.io starts\n"
    "sending is never synced by itself: it shows here as available.\n"
    "add selects columns (they fill in at the next sync); drop unselects\n"
    "them and removes them from the warehouse table; hash stores a keyed\n"
    "hash (HMAC-SHA256 with a key kept in the workspace) instead of the\n"
    "value, so joins still work and the raw value never lands: the raw\n"
    "values already in the warehouse are removed at once.",
    specs, 1, -1,
};

static void print_columns(const struct ws_column *cols, int n)
{
    static const char *const names[] = {"column", "type", "state",
                                        "hashed"};
    struct render *r = as_json ? NULL : render_new(RENDER_TABLE, 4, names);
    json_t *arr = json_array();

    for (int i = 0; i < n; i++) {
        const char *row[4] = {cols[i].name, table_type_name(cols[i].type),
                              cols[i].state, cols[i].hashed ? "yes" : ""};

        if (r)
            render_row(r, row);
        else
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}",
                                  "name", row[0], "type", row[1], "state",
                                  row[2], "hashed", cols[i].hashed));
    }
    if (r) {
        render_finish(r);
    } else {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    json_decref(arr);
}

static bool is_key(const char *table, const char *column)
{
    const struct catalog_table *t = catalog_find(table);

    for (int k = 0; k < t->nkey; k++)
        if (!strcmp(t->key[k], column))
            return true;
    return false;
}

/*
 * A column to add must not clash with what the warehouse already has:
 * SQLite and BigQuery compare column names without case, and `_kaivo_`
 * names are ours.
 */
static int check_addable(struct ws *ws, const char *table, const char *name,
                         struct kv_err *err)
{
    struct ws_column *cols = NULL;
    int n = 0;
    int rc;

    if (!strncasecmp(name, "_kaivo", 6))
        return kv_err_set(err, KV_EUSAGE, "column '%s' cannot be added: "
                          "names starting with _kaivo are Kaivo's own", name);
    rc = ws_columns_list(ws, table, &cols, &n, err);
    for (int i = 0; !rc && i < n; i++)
        if (cols[i].selected && strcmp(cols[i].name, name) &&
            !strcasecmp(cols[i].name, name))
            rc = kv_err_set(err, KV_EUSAGE, "column '%s' cannot be added: "
                            "'%s' is selected, and warehouses do not tell "
                            "the two apart", name, cols[i].name);
    ws_columns_free(cols, n);
    return rc;
}

/* Whether column of table is selected (false when it cannot tell). */
static bool column_selected(struct ws *ws, const char *table,
                            const char *column)
{
    struct ws_column *cols;
    struct kv_err err;
    bool selected = false;
    int n;

    if (ws_columns_list(ws, table, &cols, &n, &err))
        return false;
    for (int i = 0; i < n; i++)
        if (!strcmp(cols[i].name, column))
            selected = cols[i].selected;
    ws_columns_free(cols, n);
    return selected;
}

static const char *done_text(struct cli_session *s, const char *table,
                             const char *action, const char *column)
{
    if (!strcmp(action, "add"))
        return "selected (fills in at the next sync)";
    if (!strcmp(action, "drop"))
        return "dropped";
    if (column_selected(s->ws, table, column))
        return "hashed (values fill in at the next sync)";
    return "hashed, but not selected: nothing lands until "
           "'kaivo columns TABLE add COLUMN'";
}

/* One column change; drop and hash also clear the warehouse column. */
static int change_column(struct cli_session *s, const char *table,
                         const char *action, const char *column,
                         struct kv_err *err)
{
    bool add = !strcmp(action, "add");
    int rc;

    if (!add && is_key(table, column))
        return kv_err_set(err, KV_EUSAGE, "'%s' is part of the key of '%s' "
                          "and cannot be dropped or hashed", column, table);
    rc = add ? check_addable(s->ws, table, column, err) : KV_OK;
    if (!rc && !strcmp(action, "hash"))
        rc = ws_column_set_hashed(s->ws, table, column, err);
    else if (!rc)
        rc = ws_column_set_selected(s->ws, table, column, add, err);
    /* an unknown column is the user's mistake: exit 2, not 1 */
    if (rc == KV_ENOENT)
        err->code = rc = KV_EUSAGE;
    if (!rc && !add)
        rc = s->dest->ops->drop_column(s->dest, table, column, err);
    if (!rc)
        printf("%s.%s: %s\n", table, column,
               done_text(s, table, action, column));
    return rc;
}

static int change_columns(const char *table, char **args, int n,
                          struct kv_err *err)
{
    struct cli_session s;
    const char *action = args[0];
    int rc;

    if (strcmp(action, "add") && strcmp(action, "drop") &&
        strcmp(action, "hash"))
        return kv_err_set(err, KV_EUSAGE, "unknown action '%s' (add, drop, "
                          "hash)", action);
    if (n < 2)
        return kv_err_set(err, KV_EUSAGE, "name at least one column");
    rc = cli_session_open(&s, strcmp(action, "add") != 0, err);
    for (int i = 1; !rc && i < n; i++)
        rc = change_column(&s, table, action, args[i], err);
    cli_session_close(&s);
    return rc;
}

static int list_columns(const char *table, struct kv_err *err)
{
    struct ws *ws = NULL;
    struct ws_column *cols = NULL;
    int n = 0;
    int rc = cli_open_ws(&ws, err);

    if (!rc)
        rc = ws_columns_list(ws, table, &cols, &n, err);
    if (!rc && !n)
        rc = kv_err_set(err, KV_EUSAGE, "no columns yet: run 'kaivo connect "
                        "customerio' first");
    if (!rc)
        print_columns(cols, n);
    ws_columns_free(cols, n);
    ws_free(ws);
    return rc;
}

int cmd_columns(int argc, char **argv)
{
    struct kv_err err;
    char **pos;
    int npos, status;
    int rc;

    if (cli_parse(argc, argv, &columns_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    rc = catalog_require(pos[0], &err) ? KV_OK : KV_EUSAGE;
    if (!rc && npos == 1)
        rc = list_columns(pos[0], &err);
    else if (!rc)
        rc = change_columns(pos[0], pos + 1, npos - 1, &err);
    free(pos);
    return rc ? cli_fail(&err) : 0;
}
