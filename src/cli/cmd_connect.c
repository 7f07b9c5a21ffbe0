/*
 * cmd_connect.c - `kaivo connect customerio`: store the App API key after
 * one API call proves it works, and select the default tables and columns.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "source/cio.h"
#include "ws/ws_tables.h"

#define MAX_KEY_FILE 4096

static const char *region;
static const char *key_file;
static const char *api_url;
static const char *rate;

/*
 * Customer.io allows 10/s; higher rates are for proxies with their own
 * limits and for measuring the engine against a local simulator.
 */
#define MAX_RATE 100000

static const struct opts_spec specs[] = {
    {"region", 0, OPTS_STRING, &region, "us|eu",
     "the account's region (default us)"},
    {"api-key-file", 0, OPTS_STRING, &key_file, "FILE",
     "read the App API key from FILE (default: $CUSTOMERIO_APP_API_KEY)"},
    {"api-url", 0, OPTS_STRING, &api_url, "URL",
     "use URL instead of the region's base URL (proxies, test servers)"},
    {"rate", 0, OPTS_STRING, &rate, "N",
     "requests per second at most (default 10, Customer.io's limit)"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command connect_cmd = {
    "kaivo connect customerio [--region us|eu] [--api-key-file FILE] "
    "[--api-url URL] [--rate N]",
    "Connects the workspace to a Customer.io account.  The App API key is\n"
    "trimmed, checked with one API call, then stored readable by you only;\n"
    "it never appears in output, logs or history.  The default tables and\n"
    "columns are selected.",
    specs, 1, 1,
};

/* The key must be one token of visible ASCII: it goes into a header. */
static int read_key(char **out, struct kv_err *err)
{
    const char *env = getenv("CUSTOMERIO_APP_API_KEY");
    char *key = NULL;
    int rc = KV_OK;

    if (key_file)
        rc = kv_read_file(key_file, MAX_KEY_FILE, &key, NULL, err);
    else if (env)
        key = xstrdup(env);
    else
        return kv_err_set(err, KV_EUSAGE, "no API key: pass --api-key-file "
                          "FILE or set CUSTOMERIO_APP_API_KEY");
    if (rc)
        return rc;
    kv_trim(key);
    klog_add_secret(key);
    for (const char *p = key; *p && !rc; p++)
        if (*p < 0x21 || *p > 0x7e)
            rc = kv_err_set(err, KV_EUSAGE, "the API key holds spaces or "
                            "control characters: is it the right file?");
    if (!rc && !*key)
        rc = kv_err_set(err, KV_EUSAGE, "the API key is empty");
    if (rc)
        free(key);
    else
        *out = key;
    return rc;
}

static int base_url(char **out, struct kv_err *err)
{
    size_t n;

    if (region && strcmp(region, "us") && strcmp(region, "eu"))
        return kv_err_set(err, KV_EUSAGE, "--region takes 'us' or 'eu', not "
                          "'%s'", region);
    if (!api_url) {
        *out = xstrdup(region && !strcmp(region, "eu") ? CIO_EU_URL
                       : CIO_US_URL);
        return KV_OK;
    }
    if (strncmp(api_url, "http://", 7) && strncmp(api_url, "https://", 8))
        return kv_err_set(err, KV_EUSAGE, "--api-url must start with "
                          "http:// or https://");
    *out = xstrdup(api_url);
    n = strlen(*out);
    while (n > 8 && (*out)[n - 1] == '/')
        (*out)[--n] = '\0';
    return KV_OK;
}

static int check_key(const char *url, const char *key, double max_rate,
                     struct kv_err *err)
{
    struct cio_config cfg;
    struct cio_client *c = NULL;
    int rc;

    cio_config_defaults(&cfg);
    /* one call that answers in seconds: a few quick retries at most */
    cfg.max_attempts = 3;
    cfg.max_wait_ms = 5000;
    cfg.base_url = url;
    cfg.api_key = key;
    if (max_rate > 0)
        cfg.rate = max_rate;
    rc = cio_client_new(&cfg, &c, err);
    if (!rc)
        rc = cio_check(c, err);
    cio_client_free(c);
    return rc;
}

static int store(struct ws *ws, const char *url, const char *key,
                 struct kv_err *err)
{
    int rc = ws_config_set(ws, "source.base_url", url, err);

    if (!rc)
        rc = ws_config_set(ws, "source.region", api_url ? "custom" :
                           region ? region : "us", err);
    if (!rc && rate)
        rc = ws_config_set(ws, "source.rate", rate, err);
    if (!rc)
        rc = ws_secret_write(ws, "customerio", key, err);
    if (!rc)
        rc = ws_tables_install_defaults(ws, err);
    return rc;
}

static int connect(struct kv_err *err)
{
    struct ws *ws = NULL;
    char *key = NULL;
    char *url = NULL;
    double max_rate = rate ? strtod(rate, NULL) : 0;
    int rc = cli_open_ws(&ws, err);

    if (!rc && rate && !(max_rate > 0 && max_rate <= MAX_RATE))
        rc = kv_err_set(err, KV_EUSAGE, "--rate takes a number of requests "
                        "per second (0 < N <= %d)", MAX_RATE);
    if (!rc)
        rc = base_url(&url, err);
    if (!rc)
        rc = read_key(&key, err);
    if (!rc)
        rc = check_key(url, key, max_rate, err);
    if (!rc)
        rc = store(ws, url, key, err);
    if (!rc)
        printf("connected to Customer.io at %s\nnext: kaivo sync\n", url);
    if (key)
        memset(key, 0, strlen(key));
    free(key);
    free(url);
    ws_free(ws);
    return rc;
}

int cmd_connect(int argc, char **argv)
{
    struct kv_err err;
    char **pos;
    int npos;
    int status;

    if (cli_parse(argc, argv, &connect_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    if (strcmp(pos[0], "customerio"))
        status = cli_fail((kv_err_set(&err, KV_EUSAGE, "unknown source '%s'"
                           " (Kaivo connects 'customerio')", pos[0]), &err));
    else
        status = connect(&err) ? cli_fail(&err) : 0;
    free(pos);
    return status;
}
