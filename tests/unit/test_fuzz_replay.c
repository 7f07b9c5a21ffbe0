/*
 * test_fuzz_replay.c - every libFuzzer seed corpus, replayed through the
 * same entry points the fuzzers use (compiled here without libFuzzer), so
 * the test command runs them under ASan+UBSan too.  A target traps on a
 * broken promise; a sanitizer aborts on memory or undefined behaviour.
 * Run from the repository root (tests/run.sh does).
 */
#include "common/kv.h"
#include "harness.h"
#include "common/mem.h"
#include "common/util.h"

#include <dirent.h>

/*
 * Each target's LLVMFuzzerTestOneInput, compiled on its own under these
 * names (the Makefile's replay_% rule): the page target uses json-c and
 * the MCP one jansson, whose headers cannot meet in one file.
 */
int replay_cio_page(const uint8_t *data, size_t size);
int replay_opts(const uint8_t *data, size_t size);
int replay_mcp_request(const uint8_t *data, size_t size);
void fm_teardown(void); /* the MCP target's scratch workspace */

#define CORPUS "tests/fuzz/corpus/"
#define REPLAY_MAX_FILE (4 << 20)

/* Feeds one file, in a buffer of exactly its size (ASan sees overreads). */
static void replay_file(const char *path,
                        int (*fn)(const uint8_t *, size_t))
{
    struct kv_err err;
    char *data = NULL;
    uint8_t *exact;
    size_t len = 0;

    if (kv_read_file(path, REPLAY_MAX_FILE, &data, &len, &err))
        harness_fail(__FILE__, __LINE__, "%s", err.msg);
    exact = xmalloc(len ? len : 1);
    memcpy(exact, data, len);
    fn(exact, len);
    free(exact);
    free(data);
}

/* Replays every file of CORPUS/name; fails when there is none. */
static void replay_dir(const char *name, int (*fn)(const uint8_t *, size_t))
{
    char *dirpath = xasprintf(CORPUS "%s", name);
    DIR *dir = opendir(dirpath);
    struct dirent *de;
    int n = 0;

    if (!dir)
        harness_fail(__FILE__, __LINE__, "cannot open %s", dirpath);
    while ((de = readdir(dir)) != NULL) {
        char *path;

        if (de->d_name[0] == '.')
            continue;
        path = xasprintf("%s/%s", dirpath, de->d_name);
        replay_file(path, fn);
        free(path);
        n++;
    }
    closedir(dir);
    if (n == 0)
        harness_fail(__FILE__, __LINE__, "%s is empty", dirpath);
    free(dirpath);
}

static void test_fuzz_replay_cio_page(void)
{
    replay_dir("cio_page", replay_cio_page);
}

static void test_fuzz_replay_opts(void)
{
    replay_dir("opts", replay_opts);
}

static void test_fuzz_replay_mcp_request(void)
{
    replay_dir("mcp_request", replay_mcp_request);
    /* the harness ends a case with _exit(): atexit handlers do not run */
    fm_teardown();
}

static const struct harness_case cases[] = {
    HARNESS_CASE(test_fuzz_replay_cio_page),
    HARNESS_CASE(test_fuzz_replay_opts),
    HARNESS_CASE(test_fuzz_replay_mcp_request),
};

int main(int argc, char **argv)
{
    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
