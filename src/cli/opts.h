/*
 * opts.h - declarative command-line options.  Each command describes its
 * options in a table; opts_parse() fills the targets, collects positional
 * arguments, prints --help, and reports usage errors.  The global options
 * (-w/--workspace, -v/--verbose, -q/--quiet, --log-format) are accepted by
 * every command and land in opts_global.
 */
#ifndef KV_OPTS_H
#define KV_OPTS_H

#include "common/kv.h"
#include "common/err.h"

enum opts_kind {
    OPTS_FLAG,   /* bool *value, no argument */
    OPTS_STRING, /* const char **value, one argument */
};

struct opts_spec {
    const char *name;  /* long name without "--" */
    char letter;       /* short letter, or 0 */
    enum opts_kind kind;
    void *value;
    const char *arg;   /* argument name shown in help, e.g. "FILE" */
    const char *help;
};

struct opts_global {
    const char *workspace;
    bool verbose;
    bool quiet;
    const char *log_format; /* "text" or "json" */
};

extern struct opts_global opts_global;

/* What a command is, for its --help. */
struct opts_command {
    const char *usage; /* "kaivo sync [TABLE...] [--full-refresh]" */
    const char *about; /* one paragraph */
    const struct opts_spec *specs; /* ends with a {NULL} entry */
    int min_pos;       /* positional arguments allowed */
    int max_pos;       /* -1: any number */
};

/* Returned by opts_parse after printing --help: exit 0. */
#define OPTS_HELP (-1)

/*
 * Parses argv[1..argc) (argv[0] is the command's name).  Positional
 * arguments are left in order in *pos (pointers into argv, *npos of them).
 * Returns KV_OK, OPTS_HELP, or KV_EUSAGE with err set.
 */
int opts_parse(int argc, char **argv, const struct opts_command *cmd,
               char ***pos, int *npos, struct kv_err *err);

/* Prints the command's help to stdout. */
void opts_print_help(const struct opts_command *cmd);

/* Applies the global options to the logger. */
int opts_apply_global(struct kv_err *err);

#endif
