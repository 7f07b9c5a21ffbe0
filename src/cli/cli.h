/*
 * cli.h - the commands of the `kaivo` program, one file each
 * (src/cli/cmd_<name>.c), and what they share.  A command gets argv with
 * its own name at argv[0] and returns the process exit status.
 */
#ifndef KV_CLI_H
#define KV_CLI_H

#include "common/kv.h"
#include "common/err.h"
#include "cli/opts.h"
#include "dest/dest.h"
#include "ws/ws.h"
#include "ws/ws_lock.h"

#include <signal.h>

int cmd_init(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_destination(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_tables(int argc, char **argv);
int cmd_columns(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_mcp(int argc, char **argv);
int cmd_forget(int argc, char **argv);
int cmd_disconnect(int argc, char **argv);

/* Prints "kaivo: error: ..." (redacted) and returns the exit status. */
int cli_fail(const struct kv_err *err);

/*
 * Parses options; on --help or a usage error returns true with *status
 * set (0 or 2), meaning the command is done.
 */
bool cli_parse(int argc, char **argv, const struct opts_command *cmd,
               char ***pos, int *npos, int *status);

/* Opens the workspace named by the global options. */
int cli_open_ws(struct ws **out, struct kv_err *err);

/*
 * A command that changes what syncs write: the workspace, its sync lock
 * (so no sync runs meanwhile) and, when asked, the destination.
 */
struct cli_session {
    struct ws *ws;
    struct ws_lock lock;
    struct dest *dest; /* NULL unless need_dest */
};

int cli_session_open(struct cli_session *s, bool need_dest,
                     struct kv_err *err);
void cli_session_close(struct cli_session *s);

/* "2026-12-04T15:00:00Z" or "never" for 0. */
const char *cli_time(int64_t epoch, char buf[32]);

/* Installs SIGINT/SIGTERM handlers that set cli_cancel. */
void cli_catch_signals(void);
extern volatile sig_atomic_t cli_cancel;

#endif
