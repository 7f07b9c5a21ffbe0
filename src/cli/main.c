/*
 * main.c - the `kaivo` program: global options, then one command from the
 * table below.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/log.h"

#include <curl/curl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/*
 * Large blocks (response bodies, big strings of parsed pages) are mapped
 * and handed back at free.  glibc would otherwise raise this threshold
 * after the first such free, up to 32 MB, and serve later large blocks
 * from a heap whose high-water mark never falls: with 5 MB action bodies
 * that was 78 MB of peak RSS instead of 49.
 */
#define MMAP_THRESHOLD (256 * 1024)

static void tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
#endif
}

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"init", cmd_init, "create a workspace"},
    {"connect", cmd_connect, "connect a Customer.io account (App API key)"},
    {"destination", cmd_destination, "choose where the tables land"},
    {"check", cmd_check, "verify source and destination credentials"},
    {"tables", cmd_tables, "list the tables and their sync state"},
    {"columns", cmd_columns, "list a table's columns"},
    {"sync", cmd_sync, "bring the selected tables up to date"},
    {"run", cmd_run, "sync on a schedule until stopped"},
    {"status", cmd_status, "the connector's state"},
    {"history", cmd_history, "past runs, newest first"},
    {"query", cmd_query, "read-only SQL over the dataset"},
    {"forget", cmd_forget, "delete single records (privacy requests)"},
    {"disconnect", cmd_disconnect, "delete the connector and all it synced"},
    {"demo", cmd_demo, "sync a simulated account into a demo workspace"},
    {"mcp", cmd_mcp, "serve the dataset to AI assistants (MCP)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: kaivo [-w DIR] COMMAND [ARGS] [--help]\n\n"
            "Kaivo copies a Customer.io account's campaigns, campaign "
            "actions and\nnewsletters into a warehouse and keeps them up to "
            "date.\n\ncommands:\n");
    for (size_t i = 0; i < KV_ARRAY_LEN(commands); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'kaivo COMMAND --help' tells more about each.\n");
}

/* Global options may stand before the command: kaivo -w DIR sync. */
static int skip_globals(int argc, char **argv)
{
    int i = 1;

    while (i < argc && argv[i][0] == '-') {
        const char *a = argv[i];

        if (!strcmp(a, "-w") || !strcmp(a, "--workspace"))
            opts_global.workspace = i + 1 < argc ? argv[++i] : NULL;
        else if (!strncmp(a, "--workspace=", 12))
            opts_global.workspace = a + 12;
        else if (!strcmp(a, "--log-format"))
            opts_global.log_format = i + 1 < argc ? argv[++i] : NULL;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
            opts_global.verbose = true;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
            opts_global.quiet = true;
        else
            break;
        i++;
    }
    return i;
}

int main(int argc, char **argv)
{
    int i = skip_globals(argc, argv);
    int status = 2;

    if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
        !strcmp(argv[i], "help")) {
        usage(i >= argc ? stderr : stdout);
        return i >= argc ? 2 : 0;
    }
    if (!strcmp(argv[i], "--version")) {
        puts("kaivo 0.1.0");
        return 0;
    }
    tune_malloc();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (size_t c = 0; c < KV_ARRAY_LEN(commands); c++) {
        if (!strcmp(argv[i], commands[c].name)) {
            status = commands[c].fn(argc - i, argv + i);
            goto out;
        }
    }
    fprintf(stderr, "kaivo: unknown command '%s'\n\n", argv[i]);
    usage(stderr);
out:
    curl_global_cleanup();
    klog_clear_secrets();
    return status;
}
