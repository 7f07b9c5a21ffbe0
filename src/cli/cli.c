/*
 * cli.c - what the commands share: error reporting, option parsing,
 * opening the workspace, signals.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

#include <signal.h>

volatile sig_atomic_t cli_cancel;

int cli_fail(const struct kv_err *err)
{
    char text[1600];

    klog_error("%s", kv_err_text(err, text, sizeof(text)));
    return kv_exit_status(err->code ? err->code : KV_EFAIL);
}

bool cli_parse(int argc, char **argv, const struct opts_command *cmd,
               char ***pos, int *npos, int *status)
{
    struct kv_err err;
    int rc;

    kv_err_clear(&err);
    rc = opts_parse(argc, argv, cmd, pos, npos, &err);
    if (rc == KV_OK)
        return false;
    *status = rc == OPTS_HELP ? 0 : cli_fail(&err);
    return true;
}

int cli_open_ws(struct ws **out, struct kv_err *err)
{
    char *dir = ws_resolve_dir(opts_global.workspace);
    int rc = ws_open(dir, out, err);

    free(dir);
    return rc;
}

const char *cli_time(int64_t epoch, char buf[32])
{
    if (!epoch || !kv_format_utc(epoch, buf))
        snprintf(buf, 32, "never");
    return buf;
}

static void on_signal(int sig)
{
    (void)sig;
    cli_cancel = 1;
}

void cli_catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
