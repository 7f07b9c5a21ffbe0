/*
 * cmd_mcp.c - `kaivo mcp`: the MCP server over stdio (default) or
 * Streamable HTTP (--http ADDR).  stdout carries protocol messages only;
 * everything else goes to stderr.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/log.h"
#include "common/util.h"
#include "mcp/mcp_http.h"
#include "mcp/mcp_server.h"
#include "mcp/mcp_stdio.h"
#include "mcp/mcp_token.h"

static const char *http_arg;
static const char *port_file_arg;
static const char *max_rows_arg;
static const char *timeout_arg;
static bool allow_remote;

static const struct opts_spec specs[] = {
    {"http", 0, OPTS_STRING, &http_arg, "ADDR",
     "serve Streamable HTTP on ADDR (e.g. 127.0.0.1:8765) instead of stdio"},
    {"allow-remote", 0, OPTS_FLAG, &allow_remote, NULL,
     "let --http listen on a non-loopback address"},
    {"port-file", 0, OPTS_STRING, &port_file_arg, "FILE",
     "with --http, write the bound port to FILE"},
    {"max-rows", 0, OPTS_STRING, &max_rows_arg, "N",
     "most rows one query may return (default 1000)"},
    {"timeout-ms", 0, OPTS_STRING, &timeout_arg, "MS",
     "time limit of one query (default 10000)"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command mcp_cmd = {
    "kaivo mcp [--http ADDR [--allow-remote] [--port-file FILE]] "
    "[--max-rows N] [--timeout-ms MS]",
    "Serves this workspace's synced tables to an AI assistant over the\n"
    "Model Context Protocol, read-only: stdio by default (Claude Desktop,\n"
    "Claude Code), or Streamable HTTP with --http, which needs the bearer\n"
    "token kept in WORKSPACE/.kaivo/mcp.key (created at the first start).\n"
    "See docs/MCP.md.",
    specs, 0, 0,
};

static int int_opt(const char *name, const char *text, int64_t max,
                   int *out, struct kv_err *err)
{
    int64_t v;

    if (!text)
        return KV_OK;
    if (!kv_parse_int64(text, &v) || v < 1 || v > max)
        return kv_err_set(err, KV_EUSAGE, "--%s takes a number from 1 to "
                          "%" PRId64 ", not '%s'", name, max, text);
    *out = (int)v;
    return KV_OK;
}

static int serve_http(struct mcp_server *s, struct ws *ws,
                      struct kv_err *err)
{
    struct mcp_http_cfg cfg = {http_arg, allow_remote, port_file_arg, NULL};
    char *token = NULL;
    bool created = false;
    int rc = mcp_token_load(ws, &token, &created, err);

    if (rc)
        return rc;
    klog_add_secret(token);
    if (created)
        klog_info("mcp: created the bearer token in %s/mcp.key (0600)",
                  ws->state_dir);
    cfg.token = token;
    rc = mcp_http_run(s, &cfg, &cli_cancel, err);
    free(token);
    return rc;
}

int cmd_mcp(int argc, char **argv)
{
    struct mcp_limits lim;
    struct mcp_server s;
    struct kv_err err;
    struct ws *ws = NULL;
    char **pos;
    int npos, status;
    int rc;

    if (cli_parse(argc, argv, &mcp_cmd, &pos, &npos, &status))
        return status;
    free(pos);
    kv_err_clear(&err);
    memset(&s, 0, sizeof(s));
    mcp_limits_default(&lim);
    rc = int_opt("max-rows", max_rows_arg, 100000, &lim.max_rows, &err);
    if (!rc)
        rc = int_opt("timeout-ms", timeout_arg, 600000, &lim.timeout_ms,
                     &err);
    if (!rc && !http_arg && (port_file_arg || allow_remote))
        rc = kv_err_set(&err, KV_EUSAGE, "--port-file and --allow-remote "
                        "need --http");
    if (!rc)
        rc = cli_open_ws(&ws, &err);
    if (!rc)
        rc = mcp_server_init(&s, ws, &lim, &err);
    if (rc)
        goto out;
    signal(SIGPIPE, SIG_IGN);
    cli_catch_signals();
    s.cancel = &cli_cancel;
    if (http_arg)
        rc = serve_http(&s, ws, &err);
    else
        rc = mcp_stdio_run(&s, stdin, stdout, &cli_cancel, &err);
    if (rc == KV_ECANCEL)
        rc = KV_OK;
out:
    mcp_server_release(&s);
    ws_free(ws);
    return rc ? cli_fail(&err) : 0;
}
