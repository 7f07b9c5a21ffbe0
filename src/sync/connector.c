/*
 * connector.c - settings to a Customer.io client config and a destination.
 */
#include "common/kv.h"
#include "sync/connector.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "dest/bq.h"
#include "dest/sqlw.h"

#define DEFAULT_WAREHOUSE "warehouse/customerio.sqlite"

static double config_double(struct ws *ws, const char *key, double def)
{
    char *v = ws_config_get(ws, key);
    char *end = NULL;
    double d = def;

    if (v) {
        d = strtod(v, &end);
        if (end == v || *end || d <= 0)
            d = def;
    }
    free(v);
    return d;
}

static int64_t env_int(const char *name, int64_t def)
{
    const char *v = getenv(name);
    int64_t n;

    if (v && kv_parse_int64(v, &n) && n >= 0)
        return n;
    return def;
}

static void apply_env(struct cio_config *cfg)
{
    cfg->retry_base_ms = env_int("KAIVO_RETRY_BASE_MS", cfg->retry_base_ms);
    cfg->retry_cap_ms = env_int("KAIVO_RETRY_CAP_MS", cfg->retry_cap_ms);
    cfg->max_attempts = (int)env_int("KAIVO_MAX_ATTEMPTS",
                                     cfg->max_attempts);
    cfg->max_wait_ms = env_int("KAIVO_MAX_WAIT_MS", cfg->max_wait_ms);
    cfg->timeout_ms = (long)env_int("KAIVO_TIMEOUT_MS", cfg->timeout_ms);
}

int connector_source_load(struct ws *ws, struct connector_source *src,
                          struct kv_err *err)
{
    int rc;

    memset(src, 0, sizeof(*src));
    cio_config_defaults(&src->cfg);
    src->base_url = ws_config_get(ws, "source.base_url");
    if (!src->base_url)
        return kv_err_set(err, KV_EUSAGE, "no Customer.io account is "
                          "connected: run 'kaivo connect customerio'");
    rc = ws_secret_read(ws, "customerio", &src->api_key, err);
    if (rc)
        return rc;
    kv_trim(src->api_key);
    klog_add_secret(src->api_key);
    src->cfg.base_url = src->base_url;
    src->cfg.api_key = src->api_key;
    src->cfg.rate = config_double(ws, "source.rate", src->cfg.rate);
    src->cfg.max_in_flight = (int)config_double(ws, "source.max_in_flight",
                                                src->cfg.max_in_flight);
    apply_env(&src->cfg);
    return KV_OK;
}

void connector_source_release(struct connector_source *src)
{
    if (src->api_key)
        memset(src->api_key, 0, strlen(src->api_key));
    free(src->api_key);
    free(src->base_url);
    memset(src, 0, sizeof(*src));
}

char *connector_dest_path(struct ws *ws)
{
    char *path = ws_config_get(ws, "destination.path");

    return path ? path : ws_path(ws, DEFAULT_WAREHOUSE);
}

/*
 * Kaivo created the dataset: disconnect may delete it.  The record names
 * the dataset, so a later switch to another dataset (one Kaivo did not
 * create) never inherits it.
 */
static void note_created(void *ctx, const char *project,
                         const char *dataset)
{
    char *id = xasprintf("%s.%s", project, dataset);

    ws_config_set(ctx, "destination.dataset_created", id, NULL);
    free(id);
}

static int open_bigquery(struct ws *ws, struct dest **out,
                         struct kv_err *err)
{
    struct bq_config cfg = {0};
    char *v[5];
    static const char *const keys[] = {
        "destination.project", "destination.dataset",
        "destination.location", "destination.credentials",
        "destination.api_url",
    };
    int rc;

    for (size_t i = 0; i < KV_ARRAY_LEN(keys); i++)
        v[i] = ws_config_get(ws, keys[i]);
    cfg.project = v[0];
    cfg.dataset = v[1];
    cfg.location = v[2];
    cfg.credentials = v[3];
    cfg.api_url = v[4];
    cfg.on_created = note_created;
    cfg.ctx = ws;
    rc = bq_open(&cfg, out, err);
    for (size_t i = 0; i < KV_ARRAY_LEN(keys); i++)
        free(v[i]);
    return rc;
}

bool connector_dest_created(struct ws *ws)
{
    char *type = ws_config_get(ws, "destination.type");
    bool bq = type && !strcmp(type, "bigquery");
    char *mark = ws_config_get(ws, bq ? "destination.dataset_created"
                                      : "destination.created");
    char *project = ws_config_get(ws, "destination.project");
    char *dataset = ws_config_get(ws, "destination.dataset");
    char *id = xasprintf("%s.%s", project ? project : "",
                         dataset ? dataset : BQ_DEFAULT_DATASET);
    bool created = mark && !strcmp(mark, bq ? id : "1");

    free(id);
    free(dataset);
    free(project);
    free(mark);
    free(type);
    return created;
}

static int open_sqlite(struct ws *ws, struct dest **out, struct kv_err *err)
{
    char *path = connector_dest_path(ws);
    /* disconnect deletes the file only when Kaivo made it */
    bool created = !kv_file_exists(path);
    int rc = sqlw_open(path, out, err);

    if (!rc && created)
        rc = ws_config_set(ws, "destination.created", "1", err);
    free(path);
    return rc;
}

int connector_open_dest(struct ws *ws, struct dest **out, struct kv_err *err)
{
    char *type = ws_config_get(ws, "destination.type");
    int rc;

    if (type && !strcmp(type, "bigquery"))
        rc = open_bigquery(ws, out, err);
    else if (type && strcmp(type, "sqlite"))
        rc = kv_err_set(err, KV_EUSAGE, "destination '%s' is not supported "
                        "by this build", type);
    else
        rc = open_sqlite(ws, out, err);
    free(type);
    return rc;
}
