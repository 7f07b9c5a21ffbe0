/*
 * opts.c - parsing options from a command's table.
 */
#include "common/kv.h"
#include "cli/opts.h"
#include "common/log.h"
#include "common/mem.h"

struct opts_global opts_global;

static const struct opts_spec global_specs[] = {
    {"workspace", 'w', OPTS_STRING, &opts_global.workspace, "DIR",
     "the workspace (default: $KAIVO_WORKSPACE, else the current folder)"},
    {"verbose", 'v', OPTS_FLAG, &opts_global.verbose, NULL,
     "more detail on stderr"},
    {"quiet", 'q', OPTS_FLAG, &opts_global.quiet, NULL,
     "errors only on stderr"},
    {"log-format", 0, OPTS_STRING, &opts_global.log_format, "text|json",
     "log lines as text (default) or one JSON object each"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_spec *find_in(const struct opts_spec *specs,
                                       const char *name, char letter)
{
    for (const struct opts_spec *s = specs; s && s->name; s++) {
        if (name && !strcmp(s->name, name))
            return s;
        if (!name && letter && s->letter == letter)
            return s;
    }
    return NULL;
}

static const struct opts_spec *find(const struct opts_command *cmd,
                                    const char *name, char letter)
{
    const struct opts_spec *s = find_in(cmd->specs, name, letter);

    return s ? s : find_in(global_specs, name, letter);
}

static void print_specs(const struct opts_spec *specs)
{
    for (const struct opts_spec *s = specs; s && s->name; s++) {
        char left[64];

        snprintf(left, sizeof(left), "%s%c%s--%s%s%s",
                 s->letter ? "-" : "", s->letter ? s->letter : ' ',
                 s->letter ? ", " : "  ", s->name, s->arg ? " " : "",
                 s->arg ? s->arg : "");
        printf("  %-30s %s\n", s->letter ? left : left + 1, s->help);
    }
}

void opts_print_help(const struct opts_command *cmd)
{
    printf("usage: %s\n\n%s\n", cmd->usage, cmd->about);
    if (cmd->specs && cmd->specs->name) {
        printf("\noptions:\n");
        print_specs(cmd->specs);
    }
    printf("\nglobal options:\n");
    print_specs(global_specs);
    printf("  %-30s %s\n", "-h, --help", "show this help");
}

/* Sets an option from its argument; *i moves past a consumed argument. */
static int take(const struct opts_spec *s, const char *inline_arg, int argc,
                char **argv, int *i, struct kv_err *err)
{
    if (s->kind == OPTS_FLAG) {
        if (inline_arg)
            return kv_err_set(err, KV_EUSAGE, "option '--%s' takes no "
                              "value", s->name);
        *(bool *)s->value = true;
        return KV_OK;
    }
    if (!inline_arg) {
        if (*i + 1 >= argc)
            return kv_err_set(err, KV_EUSAGE, "option '--%s' needs a value "
                              "(%s)", s->name, s->arg);
        inline_arg = argv[++*i];
    }
    *(const char **)s->value = inline_arg;
    return KV_OK;
}

static int parse_long(const struct opts_command *cmd, int argc, char **argv,
                      int *i, struct kv_err *err)
{
    char name[64];
    const char *arg = argv[*i] + 2;
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct opts_spec *s;

    snprintf(name, sizeof(name), "%.*s", (int)n, arg);
    s = find(cmd, name, 0);
    if (!s)
        return kv_err_set(err, KV_EUSAGE, "unknown option '--%s' (see "
                          "--help)", name);
    return take(s, eq ? eq + 1 : NULL, argc, argv, i, err);
}

static int parse_short(const struct opts_command *cmd, int argc, char **argv,
                       int *i, struct kv_err *err)
{
    const char *arg = argv[*i];
    const struct opts_spec *s = find(cmd, NULL, arg[1]);

    if (!s || (arg[2] && s->kind == OPTS_FLAG))
        return kv_err_set(err, KV_EUSAGE, "unknown option '%s' (see "
                          "--help)", arg);
    return take(s, arg[2] ? arg + 2 : NULL, argc, argv, i, err);
}

static bool is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int opts_parse(int argc, char **argv, const struct opts_command *cmd,
               char ***pos, int *npos, struct kv_err *err)
{
    char **list = xcalloc((size_t)argc + 1, sizeof(char *));
    int n = 0;
    bool only_pos = false;
    int rc = KV_OK;

    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];

        if (!only_pos && is_help(a)) {
            opts_print_help(cmd);
            rc = OPTS_HELP;
        } else if (!only_pos && !strcmp(a, "--")) {
            only_pos = true;
        } else if (!only_pos && !strncmp(a, "--", 2)) {
            rc = parse_long(cmd, argc, argv, &i, err);
        } else if (!only_pos && a[0] == '-' && a[1]) {
            rc = parse_short(cmd, argc, argv, &i, err);
        } else {
            list[n++] = argv[i];
        }
    }
    /* an error is one line: the usage's first, and --help for the rest */
    if (!rc && (n < cmd->min_pos || (cmd->max_pos >= 0 && n > cmd->max_pos)))
        rc = kv_err_set(err, KV_EUSAGE, "wrong number of arguments; usage: "
                        "%.*s%s", (int)strcspn(cmd->usage, "\n"),
                        cmd->usage, strchr(cmd->usage, '\n') ?
                        " (more: --help)" : "");
    if (!rc)
        rc = opts_apply_global(err);
    if (rc) {
        free(list);
        return rc;
    }
    *pos = list;
    *npos = n;
    return KV_OK;
}

int opts_apply_global(struct kv_err *err)
{
    const char *fmt = opts_global.log_format;

    if (fmt && strcmp(fmt, "text") && strcmp(fmt, "json"))
        return kv_err_set(err, KV_EUSAGE, "--log-format takes 'text' or "
                          "'json', not '%s'", fmt);
    klog_set_json(fmt && !strcmp(fmt, "json"));
    if (opts_global.quiet)
        klog_set_level(KLOG_ERROR);
    else if (opts_global.verbose)
        klog_set_level(KLOG_DEBUG);
    return KV_OK;
}
