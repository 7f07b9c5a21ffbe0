/*
 * cmd_destination.c - `kaivo destination sqlite [PATH]`: choose where the
 * tables land, and prove it can be written.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/mem.h"
#include "dest/dest.h"
#include "sync/connector.h"

static const struct opts_spec specs[] = {
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command destination_cmd = {
    "kaivo destination sqlite [PATH]",
    "Chooses the warehouse.  sqlite (the default) writes one SQLite file,\n"
    "WORKSPACE/warehouse/customerio.sqlite unless PATH is given.  postgres\n"
    "and bigquery are not in this build yet.",
    specs, 1, 2,
};

static char *absolute(const char *path)
{
    return path[0] == '/' ? xstrdup(path) : ws_resolve_dir(path);
}

static int set_sqlite(const char *path, struct kv_err *err)
{
    struct ws *ws = NULL;
    struct dest *d = NULL;
    char *where = NULL;
    int rc = cli_open_ws(&ws, err);

    if (!rc)
        rc = ws_config_set(ws, "destination.type", "sqlite", err);
    if (!rc)
        rc = ws_config_unset(ws, "destination.created", err);
    if (!rc && path) {
        where = absolute(path);
        rc = ws_config_set(ws, "destination.path", where, err);
    } else if (!rc) {
        rc = ws_config_unset(ws, "destination.path", err);
    }
    if (!rc)
        rc = connector_open_dest(ws, &d, err);
    if (!rc)
        rc = d->ops->check(d, err);
    if (!rc) {
        free(where);
        where = connector_dest_path(ws);
        printf("destination: sqlite %s\n", where);
    }
    dest_close(d);
    free(where);
    ws_free(ws);
    return rc;
}

int cmd_destination(int argc, char **argv)
{
    struct kv_err err;
    char **pos;
    int npos;
    int status;

    if (cli_parse(argc, argv, &destination_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    if (!strcmp(pos[0], "sqlite"))
        status = set_sqlite(npos > 1 ? pos[1] : NULL, &err);
    else if (!strcmp(pos[0], "postgres") || !strcmp(pos[0], "bigquery"))
        status = kv_err_set(&err, KV_EUSAGE, "destination '%s' is not "
                            "available in this build yet", pos[0]);
    else
        status = kv_err_set(&err, KV_EUSAGE, "unknown destination '%s' "
                            "(sqlite, postgres, bigquery)", pos[0]);
    free(pos);
    return status ? cli_fail(&err) : 0;
}
