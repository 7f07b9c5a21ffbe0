/*
 * cmd_query.c - `kaivo query SQL`: one read-only statement over the
 * dataset, printed as a text grid, CSV or JSON.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "dest/dest.h"
#include "sync/connector.h"

static const char *format_arg;

static const struct opts_spec specs[] = {
    {"format", 'f', OPTS_STRING, &format_arg, "table|csv|json",
     "output format (default table)"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command query_cmd = {
    "kaivo query SQL [--format table|csv|json]",
    "Runs one read-only SQL statement over the dataset (the synced tables)\n"
    "and prints the result.  Statements that write are refused.\n"
    "example: kaivo query \"SELECT state, count(*) FROM campaigns GROUP BY "
    "1\"",
    specs, 1, 1,
};

struct query_out {
    enum render_format fmt;
    struct render *r; /* created at the first row, which brings the names */
};

static int on_row(void *arg, int ncols, const char *const *names,
                  const char *const *values)
{
    struct query_out *q = arg;

    if (!q->r)
        q->r = render_new(q->fmt, ncols, names);
    render_row(q->r, values);
    return 0;
}

static void finish(struct query_out *q)
{
    if (q->r)
        render_finish(q->r);
    else if (q->fmt == RENDER_JSON)
        puts("[]");
    else if (q->fmt == RENDER_TABLE)
        puts("(0 rows)");
}

int cmd_query(int argc, char **argv)
{
    struct query_out q = {RENDER_TABLE, NULL};
    struct kv_err err;
    struct ws *ws = NULL;
    struct dest *d = NULL;
    char **pos;
    int npos, status;
    int rc = KV_OK;

    if (cli_parse(argc, argv, &query_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    if (format_arg && !render_format_parse(format_arg, &q.fmt))
        rc = kv_err_set(&err, KV_EUSAGE, "--format takes table, csv or "
                        "json, not '%s'", format_arg);
    if (!rc)
        rc = cli_open_ws(&ws, &err);
    if (!rc)
        rc = connector_open_dest(ws, &d, &err);
    if (!rc)
        rc = d->ops->query(d, pos[0], on_row, &q, &err);
    if (!rc)
        finish(&q);
    else if (q.r)
        render_finish(q.r);
    dest_close(d);
    ws_free(ws);
    free(pos);
    return rc ? cli_fail(&err) : 0;
}
