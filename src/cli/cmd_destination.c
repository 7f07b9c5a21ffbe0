/*
 * cmd_destination.c - `kaivo destination sqlite [PATH]`: choose where the
 * tables land, and prove it can be written.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "ws/ws_records.h"
#include "common/log.h"
#include "common/mem.h"
#include "dest/dest.h"
#include "source/catalog.h"
#include "sync/connector.h"

#include <limits.h>
#include <sys/stat.h>

static const char *bq_project, *bq_dataset, *bq_location, *bq_creds;
static const char *bq_api_url;

static const struct opts_spec specs[] = {
    {"project", 0, OPTS_STRING, &bq_project, "P", "bigquery: the project"},
    {"dataset", 0, OPTS_STRING, &bq_dataset, "NAME",
     "bigquery: the dataset (default customerio)"},
    {"location", 0, OPTS_STRING, &bq_location, "L",
     "bigquery: the dataset's location (default US)"},
    {"credentials", 0, OPTS_STRING, &bq_creds, "F",
     "bigquery: service-account key file"},
    {"api-url", 0, OPTS_STRING, &bq_api_url, "URL",
     "bigquery: API base URL (tests, proxies)"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command destination_cmd = {
    "kaivo destination sqlite [PATH] | bigquery --project P "
    "[--dataset D] [--location L] --credentials F [--api-url URL]",
    "Chooses the warehouse.  sqlite (the default) writes one SQLite file,\n"
    "WORKSPACE/warehouse/customerio.sqlite unless PATH is given.  bigquery\n"
    "writes a BigQuery dataset, created when missing; without\n"
    "--credentials, GOOGLE_APPLICATION_CREDENTIALS is used.",
    specs, 1, 2,
};

static char *absolute(const char *path)
{
    return path[0] == '/' ? xstrdup(path) : ws_resolve_dir(path);
}

/*
 * Moving to another warehouse leaves the old one as it is: say so, since
 * disconnect deletes only what is in the current destination.  The
 * "created by Kaivo" mark belongs to the old file and is dropped.
 */
static int leave_old_warehouse(struct ws *ws, const char *new_path,
                               struct kv_err *err)
{
    char *type = ws_config_get(ws, "destination.type");
    char *old = connector_dest_path(ws);
    bool same = (!type || !strcmp(type, "sqlite")) && new_path &&
                !strcmp(old, new_path);
    bool synced = ws_records_count(ws, "campaigns") +
                  ws_records_count(ws, "campaigns_actions") +
                  ws_records_count(ws, "newsletters") > 0;
    int rc = KV_OK;

    if (!same && synced)
        klog_warn("the tables synced so far stay in the previous destination "
                  "(%s); 'kaivo disconnect' deletes only what is in the "
                  "current one", type && strcmp(type, "sqlite") ? type : old);
    if (!same)
        rc = ws_config_unset(ws, "destination.created", err);
    free(type);
    free(old);
    return rc;
}

/*
 * Which warehouse the configuration names, to tell a change: "sqlite:PATH"
 * or "bigquery:PROJECT/DATASET".
 */
static char *dest_identity(struct ws *ws)
{
    char *type = ws_config_get(ws, "destination.type");
    char *id;

    if (type && !strcmp(type, "bigquery")) {
        char *project = ws_config_get(ws, "destination.project");
        char *dataset = ws_config_get(ws, "destination.dataset");

        id = xasprintf("bigquery:%s/%s", project ? project : "",
                       dataset ? dataset : "");
        free(project);
        free(dataset);
    } else {
        char *path = connector_dest_path(ws);

        id = xasprintf("sqlite:%s", path);
        free(path);
    }
    free(type);
    return id;
}

/*
 * The stored hashes say what the current warehouse holds.  Another one
 * holds none of it, or (switching back) an older state: kept, they would
 * make the next sync skip rows it must write.  So they go, and the next
 * sync writes every record, by key, into whichever warehouse it is.
 */
static int forget_hashes_if_moved(struct ws *ws, const char *before,
                                  struct kv_err *err)
{
    char *after = dest_identity(ws);
    const struct catalog_table *t;
    int n;
    int rc = KV_OK;

    if (strcmp(before, after)) {
        t = catalog_tables(&n);
        for (int i = 0; i < n && !rc; i++)
            rc = ws_records_clear(ws, t[i].name, err);
        if (!rc)
            klog_info("the next sync writes every record into the new "
                      "destination");
    }
    free(after);
    return rc;
}

/*
 * The real path of path, or of its nearest folder that exists: links are
 * followed, and folders still to be made count where they would be.
 */
static bool real_existing(const char *path, char out[PATH_MAX])
{
    char *copy = xstrdup(path);
    bool ok;

    for (;;) {
        char *slash;

        ok = realpath(copy[0] ? copy : "/", out) != NULL;
        slash = strrchr(copy, '/');
        if (ok || !slash)
            break;
        *slash = '\0';
    }
    if (!ok)
        ok = realpath(".", out) != NULL;
    free(copy);
    return ok;
}

/* A hard link to the state database is the state database. */
static bool is_state_file(struct ws *ws, const char *path)
{
    char *state = xasprintf("%s/state.db", ws->state_dir);
    struct stat a;
    struct stat b;
    bool same = !stat(path, &a) && !stat(state, &b) &&
                a.st_dev == b.st_dev && a.st_ino == b.st_ino;

    free(state);
    return same;
}

/* The state database must not double as a warehouse (MCP refuses it). */
static int check_outside_state(struct ws *ws, const char *target,
                               struct kv_err *err)
{
    char real[PATH_MAX];
    char priv[PATH_MAX];
    size_t n;

    if (!realpath(ws->state_dir, priv))
        return KV_OK;
    n = strlen(priv);
    if ((real_existing(target, real) && !strncmp(real, priv, n) &&
         (real[n] == '/' || !real[n])) || is_state_file(ws, target))
        return kv_err_set(err, KV_EUSAGE, "'%s' lies inside the "
                          "workspace's private folder (%s); choose a "
                          "warehouse file elsewhere", target, priv);
    return KV_OK;
}

static int set_sqlite(const char *path, struct kv_err *err)
{
    struct ws *ws = NULL;
    struct dest *d = NULL;
    char *where = NULL;
    char *target = path ? absolute(path) : NULL;
    char *before = NULL;
    int rc = cli_open_ws(&ws, err);

    if (!rc && !target)
        target = ws_path(ws, "warehouse/customerio.sqlite");
    if (!rc)
        rc = check_outside_state(ws, target, err);
    if (!rc)
        before = dest_identity(ws);
    if (!rc)
        rc = leave_old_warehouse(ws, target, err);
    if (!rc)
        rc = ws_config_set(ws, "destination.type", "sqlite", err);
    if (!rc && path) {
        where = absolute(path);
        rc = ws_config_set(ws, "destination.path", where, err);
    } else if (!rc) {
        rc = ws_config_unset(ws, "destination.path", err);
    }
    /* first: a warehouse that fails its check is still the one set */
    if (!rc)
        rc = forget_hashes_if_moved(ws, before, err);
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
    free(target);
    free(before);
    ws_free(ws);
    return rc;
}

static int set_config(struct ws *ws, const char *key, const char *v,
                      struct kv_err *err)
{
    return v ? ws_config_set(ws, key, v, err) : ws_config_unset(ws, key,
                                                                err);
}

static int set_bigquery(struct kv_err *err)
{
    struct ws *ws = NULL;
    struct dest *d = NULL;
    char *creds = bq_creds ? absolute(bq_creds) : NULL;
    char *before = NULL;
    int rc = cli_open_ws(&ws, err);

    if (!rc && !bq_project)
        rc = kv_err_set(err, KV_EUSAGE, "bigquery needs --project");
    if (!rc)
        before = dest_identity(ws);
    if (!rc)
        rc = ws_config_set(ws, "destination.type", "bigquery", err);
    if (!rc)
        rc = set_config(ws, "destination.project", bq_project, err);
    if (!rc)
        rc = set_config(ws, "destination.dataset", bq_dataset, err);
    if (!rc)
        rc = set_config(ws, "destination.location", bq_location, err);
    if (!rc)
        rc = set_config(ws, "destination.credentials", creds, err);
    if (!rc)
        rc = set_config(ws, "destination.api_url", bq_api_url, err);
    /* first: a warehouse that fails its check is still the one set */
    if (!rc)
        rc = forget_hashes_if_moved(ws, before, err);
    if (!rc)
        rc = connector_open_dest(ws, &d, err);
    if (!rc)
        rc = d->ops->check(d, err);
    if (!rc)
        printf("destination: bigquery %s.%s\n", bq_project,
               bq_dataset ? bq_dataset : "customerio");
    dest_close(d);
    free(creds);
    free(before);
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
    else if (!strcmp(pos[0], "bigquery"))
        status = set_bigquery(&err);
    else if (!strcmp(pos[0], "postgres"))
        status = kv_err_set(&err, KV_EUSAGE, "destination '%s' is not "
                            "available in this build yet", pos[0]);
    else
        status = kv_err_set(&err, KV_EUSAGE, "unknown destination '%s' "
                            "(sqlite, postgres, bigquery)", pos[0]);
    free(pos);
    return status ? cli_fail(&err) : 0;
}
