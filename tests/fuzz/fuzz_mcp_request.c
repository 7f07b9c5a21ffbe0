/*
 * fuzz_mcp_request.c - libFuzzer target for the MCP server's message
 * handler, mcp_server_handle(): the JSON-RPC parsing, the lifecycle and
 * the tools, over a scratch workspace whose warehouse holds one small
 * table.  The input is a session: messages separated by newlines, at most
 * FUZZ_MCP_MAX_MSGS, handled in order by one fresh session, so a seed can
 * initialize and then call a tool.  `make fuzz` builds and runs it; the
 * seed corpus (tests/fuzz/corpus/mcp_request) also runs as a unit test
 * (test_fuzz_replay).
 */
#include "common/kv.h"
#include "common/mem.h"
#include "common/util.h"
#include "mcp/mcp_server.h"
#include "ws/ws.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>

#define FUZZ_MCP_MAX_MSGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ws *fm_ws;
static struct mcp_server fm_server;
static char fm_dir[64];

static const char fm_seed_sql[] =
    "CREATE TABLE campaigns (id INTEGER PRIMARY KEY, name TEXT, "
    "state TEXT, _kaivo_synced_at INTEGER);"
    "INSERT INTO campaigns VALUES (1, 'Welcome', 'running', 0),"
    " (2, 'Win back', 'draft', 0), (3, x'c328', NULL, 0);";

/*
 * Removes the scratch workspace (rm -rf: the fuzzer may be interrupted).
 * Not static: the corpus replay test ends with _exit() and calls it.
 */
void fm_teardown(void);
void fm_teardown(void)
{
    char cmd[128];

    if (!fm_ws)
        return;
    mcp_server_release(&fm_server);
    ws_free(fm_ws);
    fm_ws = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fm_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", fm_dir);
}

static void fm_warehouse(void)
{
    char *path = ws_path(fm_ws, "warehouse/customerio.sqlite");
    char *dir = ws_path(fm_ws, "warehouse");
    sqlite3 *db = NULL;

    if (kv_mkdir_p(dir, 0700, NULL) || sqlite3_open(path, &db) ||
        sqlite3_exec(db, fm_seed_sql, NULL, NULL, NULL))
        abort();
    sqlite3_close(db);
    free(path);
    free(dir);
}

/* A workspace with a warehouse, made once per process. */
static void fm_setup(void)
{
    struct mcp_limits lim;
    struct kv_err err;

    snprintf(fm_dir, sizeof(fm_dir), "/tmp/kaivo-fuzz-mcp-XXXXXX");
    if (!mkdtemp(fm_dir) || ws_init(fm_dir, &err) ||
        ws_open(fm_dir, &fm_ws, &err))
        abort();
    fm_warehouse();
    mcp_limits_default(&lim);
    /* the fuzzer sends thousands of calls a second: no rate limit, and a
     * short query budget so a costly query cannot stall it */
    lim.calls_per_minute = 1 << 30;
    lim.timeout_ms = 200;
    if (mcp_server_init(&fm_server, fm_ws, &lim, &err))
        abort();
    atexit(fm_teardown);
}

/* What the handler promises about any reply: one line of JSON-RPC. */
static void fm_check(const struct mcp_reply *r)
{
    json_t *j;

    if (r->http_status != 200 && r->http_status != 202 &&
        r->http_status != 400)
        __builtin_trap();
    if (!r->text)
        return;
    if (strchr(r->text, '\n'))
        __builtin_trap();
    j = json_loads(r->text, 0, NULL);
    if (!json_is_object(j) || strcmp(json_string_value(json_object_get(j,
        "jsonrpc")) ? json_string_value(json_object_get(j, "jsonrpc")) : "",
        "2.0"))
        __builtin_trap();
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mcp_session ss = {0};
    const char *p = (const char *)data;
    const char *end = p + size;

    if (!fm_ws)
        fm_setup();
    for (int n = 0; p <= end && n < FUZZ_MCP_MAX_MSGS; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct mcp_reply r;

        mcp_server_handle(&fm_server, &ss, p, len, &r);
        fm_check(&r);
        mcp_reply_release(&r);
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}
