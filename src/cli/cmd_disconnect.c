/*
 * cmd_disconnect.c - `kaivo disconnect`: delete the connector and all it
 * synced: the warehouse tables (and the warehouse itself when Kaivo created
 * it), the sync state, the history and every stored key.  The workspace
 * stays, empty, ready for a new `connect`.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/mem.h"
#include "source/catalog.h"
#include "sync/connector.h"

#include <dirent.h>
#include <unistd.h>

static bool yes;

static const struct opts_spec specs[] = {
    {"yes", 'y', OPTS_FLAG, &yes, NULL, "do not ask for confirmation"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command disconnect_cmd = {
    "kaivo disconnect [--yes]",
    "Deletes the connector: every table it synced (and the warehouse file\n"
    "when Kaivo created it), the sync state, the run history and the stored\n"
    "keys.  Nothing of it remains, not even the list of records deleted\n"
    "with `forget`: after connecting again, repeat the forgets that must\n"
    "still hold.  Asks first on a terminal; elsewhere --yes is required.",
    specs, 0, 0,
};

static int confirm(const char *where, struct kv_err *err)
{
    char answer[16] = "";

    if (yes)
        return KV_OK;
    if (!isatty(STDIN_FILENO))
        return kv_err_set(err, KV_EUSAGE, "disconnect deletes every synced "
                          "table and the connector's state: pass --yes");
    printf("This deletes every table Kaivo synced into %s, the sync state,\n"
           "the history and the stored keys.  Type 'yes' to go on: ", where);
    fflush(stdout);
    if (!fgets(answer, sizeof(answer), stdin) || strcmp(answer, "yes\n"))
        return kv_err_set(err, KV_EUSAGE, "not confirmed: nothing deleted");
    return KV_OK;
}

static int drop_warehouse(struct cli_session *s, struct kv_err *err)
{
    bool created = connector_dest_created(s->ws);
    int n;
    const struct catalog_table *tables = catalog_tables(&n);
    int rc = KV_OK;

    for (int i = 0; !rc && i < n; i++)
        rc = s->dest->ops->drop_table(s->dest, tables[i].name, err);
    if (!rc && created)
        rc = s->dest->ops->drop_dataset(s->dest, err);
    return rc;
}

static const char state_reset[] =
    "BEGIN IMMEDIATE;"
    "DELETE FROM records; DELETE FROM records_stage; DELETE FROM columns;"
    "DELETE FROM tables; DELETE FROM forgotten; DELETE FROM runs;"
    "DELETE FROM config; COMMIT;";

/* Every *.key file in .kaivo: the App API key, the hash key, tokens. */
static int remove_keys(struct ws *ws, struct kv_err *err)
{
    DIR *dir = opendir(ws->state_dir);
    struct dirent *e;
    int rc = KV_OK;

    if (!dir)
        return kv_err_set(err, KV_EFAIL, "cannot read '%s'", ws->state_dir);
    while (!rc && (e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        char *path;

        if (len < 5 || strcmp(e->d_name + len - 4, ".key"))
            continue;
        path = xasprintf("%s/%s", ws->state_dir, e->d_name);
        if (unlink(path))
            rc = kv_err_set(err, KV_EFAIL, "cannot remove '%s'", path);
        free(path);
    }
    closedir(dir);
    return rc;
}

static int disconnect(struct kv_err *err)
{
    struct cli_session s;
    char *where = NULL;
    int rc = cli_session_open(&s, true, err);

    if (!rc) {
        where = connector_dest_path(s.ws);
        rc = confirm(where, err);
    }
    if (!rc)
        rc = drop_warehouse(&s, err);
    if (!rc)
        rc = ws_exec(s.ws, state_reset, err);
    if (!rc)
        rc = ws_exec(s.ws, "VACUUM", err);
    if (!rc)
        rc = remove_keys(s.ws, err);
    if (!rc)
        printf("disconnected: the synced tables, state, history and keys "
               "are deleted\n");
    free(where);
    cli_session_close(&s);
    return rc;
}

int cmd_disconnect(int argc, char **argv)
{
    struct kv_err err;
    char **pos;
    int npos, status;

    if (cli_parse(argc, argv, &disconnect_cmd, &pos, &npos, &status))
        return status;
    free(pos);
    kv_err_clear(&err);
    return disconnect(&err) ? cli_fail(&err) : 0;
}
