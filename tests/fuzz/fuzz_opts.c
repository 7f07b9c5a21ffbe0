/*
 * fuzz_opts.c - libFuzzer target for the command-line parser
 * (src/cli/opts.c) and the --every durations of `kaivo run`.  The input
 * is an argument vector: arguments separated by NUL bytes, at most
 * FUZZ_OPTS_MAX_ARGS of them.  `make fuzz` builds and runs it; the seed
 * corpus (tests/fuzz/corpus/opts) also runs as a unit test
 * (test_fuzz_replay).
 */
#include "common/kv.h"
#include "cli/opts.h"
#include "cli/sched.h"
#include "common/log.h"

#include <stdio.h>

#define FUZZ_OPTS_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fo_flag;
static bool fo_other;
static const char *fo_string;
static const char *fo_every;

static const struct opts_spec fo_specs[] = {
    {"full-refresh", 0, OPTS_FLAG, &fo_flag, NULL, "a flag"},
    {"json", 'j', OPTS_FLAG, &fo_other, NULL, "a flag with a letter"},
    {"api-url", 'u', OPTS_STRING, &fo_string, "URL", "a value"},
    {"every", 0, OPTS_STRING, &fo_every, "DURATION", "a duration"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command fo_cmd = {
    "kaivo fuzz [--full-refresh] [-j] [-u URL] [--every D] [A [B]]",
    "The fuzzer's command.", fo_specs, 0, 2,
};

/* Splits data at NUL bytes into argv (argv[0] is the command). */
static int fo_split(char *buf, size_t size, char **argv)
{
    int argc = 1;
    size_t start = 0;

    argv[0] = (char *)"fuzz";
    for (size_t i = 0; i <= size && argc < FUZZ_OPTS_MAX_ARGS; i++) {
        if (i < size && buf[i])
            continue;
        buf[i] = '\0';
        argv[argc++] = buf + start;
        start = i + 1;
    }
    return argc;
}

/* What opts_parse promises: positionals are arguments, in bounds. */
static void fo_check(int rc, char **argv, int argc, char **pos, int npos,
                     const struct kv_err *err)
{
    if (rc == KV_EUSAGE) {
        if (!err->msg[0])
            __builtin_trap();
        return;
    }
    if (rc == OPTS_HELP)
        return;
    if (rc != KV_OK || npos < 0 || npos > 2)
        __builtin_trap();
    for (int i = 0; i < npos; i++) {
        bool found = false;

        for (int j = 1; j < argc && !found; j++)
            found = pos[i] == argv[j];
        if (!found)
            __builtin_trap();
    }
}

static void fo_duration(const char *text)
{
    struct kv_err err;
    int64_t secs = 0;
    char out[32];

    if (!text)
        return;
    if (sched_parse_duration(text, &secs, &err) == KV_OK) {
        if (secs < SCHED_MIN_EVERY || secs > SCHED_MAX_EVERY)
            __builtin_trap();
        sched_format_duration(secs, out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    char *argv[FUZZ_OPTS_MAX_ARGS + 1] = {0};
    char *buf = malloc(size + 1);
    char **pos = NULL;
    struct kv_err err;
    int argc, npos = 0, rc;

    if (!quiet) /* --help prints; the fuzzer's output stays readable */
        quiet = freopen("/dev/null", "w", stdout) != NULL;
    memcpy(buf, data, size);
    argc = fo_split(buf, size, argv);
    memset(&opts_global, 0, sizeof(opts_global));
    fo_flag = fo_other = false;
    fo_string = fo_every = NULL;
    kv_err_clear(&err);
    rc = opts_parse(argc, argv, &fo_cmd, &pos, &npos, &err);
    fo_check(rc, argv, argc, pos, npos, &err);
    if (rc == KV_OK)
        free(pos);
    fo_duration(fo_every);
    klog_set_level(KLOG_INFO);
    klog_set_json(false);
    free(buf);
    return 0;
}
