/*
 * cmd_check.c - `kaivo check`: can we read the source and write the
 * destination?  Each side is tried and reported, even when the other fails.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/mem.h"
#include "dest/dest.h"
#include "sync/connector.h"

#include <jansson.h>

#define CHECK_ATTEMPTS 3
#define CHECK_MAX_WAIT_MS 5000

static bool as_json;

static const struct opts_spec specs[] = {
    {"json", 0, OPTS_FLAG, &as_json, NULL, "print one JSON object"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command check_cmd = {
    "kaivo check [--json]",
    "Verifies the source credentials with one Customer.io API call and the\n"
    "destination by writing and dropping a scratch table.  Exit 3 when a\n"
    "side refuses our credentials, 1 when it cannot be reached.",
    specs, 0, 0,
};

static int check_source(struct ws *ws, struct kv_err *err)
{
    struct connector_source src;
    struct cio_client *c = NULL;
    int rc = connector_source_load(ws, &src, err);

    /* a check answers in seconds: a few quick retries, not a sync's patience */
    src.cfg.max_attempts = CHECK_ATTEMPTS;
    src.cfg.max_wait_ms = CHECK_MAX_WAIT_MS;
    if (!rc)
        rc = cio_client_new(&src.cfg, &c, err);
    if (!rc)
        rc = cio_check(c, err);
    cio_client_free(c);
    connector_source_release(&src);
    return rc;
}

static int check_dest(struct ws *ws, struct kv_err *err)
{
    struct dest *d = NULL;
    int rc = connector_open_dest(ws, &d, err);

    if (!rc)
        rc = d->ops->check(d, err);
    dest_close(d);
    return rc;
}

static void report(json_t *out, const char *side, int rc,
                   const struct kv_err *err)
{
    char text[1600];

    kv_err_text(err, text, sizeof(text));
    if (as_json)
        json_object_set_new(out, side, rc ? json_pack("{s:b, s:s}", "ok", 0,
                            "error", text) : json_pack("{s:b}", "ok", 1));
    else if (rc)
        printf("%-12s FAILED: %s\n", side, text);
    else
        printf("%-12s ok\n", side);
}

int cmd_check(int argc, char **argv)
{
    struct kv_err err, serr, derr;
    struct ws *ws = NULL;
    json_t *out;
    char **pos;
    int npos, status, src_rc, dst_rc;

    if (cli_parse(argc, argv, &check_cmd, &pos, &npos, &status))
        return status;
    free(pos);
    out = json_object();
    kv_err_clear(&err);
    kv_err_clear(&serr);
    kv_err_clear(&derr);
    if (cli_open_ws(&ws, &err)) {
        json_decref(out);
        return cli_fail(&err);
    }
    src_rc = check_source(ws, &serr);
    dst_rc = check_dest(ws, &derr);
    report(out, "source", src_rc, &serr);
    report(out, "destination", dst_rc, &derr);
    if (as_json) {
        json_dumpf(out, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    json_decref(out);
    ws_free(ws);
    status = kv_exit_status(src_rc ? src_rc : dst_rc);
    if (src_rc == KV_EAUTH || dst_rc == KV_EAUTH)
        status = 3;
    return status;
}
