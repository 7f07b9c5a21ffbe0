/*
 * cmd_init.c - `kaivo init [DIR]`: create a workspace.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/mem.h"

static const struct opts_spec specs[] = {
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command init_cmd = {
    "kaivo init [DIR]",
    "Creates a workspace in DIR (default: -w, $KAIVO_WORKSPACE, else the\n"
    "current folder).  A workspace holds the configuration, the stored key\n"
    "(readable by you only), the sync state, the run history and the\n"
    "default SQLite warehouse.",
    specs, 0, 1,
};

int cmd_init(int argc, char **argv)
{
    struct kv_err err;
    char **pos;
    int npos;
    int status;
    char *dir;

    if (cli_parse(argc, argv, &init_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    dir = ws_resolve_dir(npos ? pos[0] : opts_global.workspace);
    status = ws_init(dir, &err) ? cli_fail(&err) : 0;
    if (!status)
        printf("created workspace %s\nnext: kaivo -w %s connect customerio "
               "--api-key-file FILE [--region us|eu]\n", dir, dir);
    free(dir);
    free(pos);
    return status;
}
