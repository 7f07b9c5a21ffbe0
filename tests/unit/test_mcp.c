/*
 * test_mcp.c - the MCP protocol layer as data: a message in, the reply
 * expected (code, fields); plus stdio framing, the token and addresses.
 */
#include "common/kv.h"
#include "harness.h"
#include "common/mem.h"
#include "mcp/mcp_http.h"
#include "mcp/mcp_rpc.h"
#include "mcp/mcp_server.h"
#include "mcp/mcp_stdio.h"
#include "mcp/mcp_token.h"

#include <jansson.h>
#include <sys/stat.h>

#define INIT(v) "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"," \
    "\"params\":{\"protocolVersion\":\"" v "\",\"capabilities\":{}," \
    "\"clientInfo\":{\"name\":\"t\",\"version\":\"0\"}}}"
#define CALL(args) "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":" \
    "\"tools/call\",\"params\":" args "}"

static struct ws *ws;
static struct mcp_server server;

static void setup(void)
{
    struct mcp_limits lim;
    struct kv_err err;
    char *dir = xasprintf("%s/ws", harness_tmpdir());

    CHECK_INT(ws_init(dir, &err), KV_OK);
    CHECK_INT(ws_open(dir, &ws, &err), KV_OK);
    mcp_limits_default(&lim);
    CHECK_INT(mcp_server_init(&server, ws, &lim, &err), KV_OK);
    free(dir);
}

/* Sends msg; returns the parsed reply (NULL when none). */
static json_t *send_msg(struct mcp_session *ss, const char *msg,
                        int *status)
{
    struct mcp_reply r;
    json_t *j = NULL;

    mcp_server_handle(&server, ss, msg, strlen(msg), &r);
    if (status)
        *status = r.http_status;
    if (r.text) {
        CHECK(!strchr(r.text, '\n'));
        j = json_loads(r.text, 0, NULL);
        CHECK(j != NULL);
    }
    mcp_reply_release(&r);
    return j;
}

static int error_code(json_t *j)
{
    return (int)json_integer_value(json_object_get(json_object_get(j,
                                   "error"), "code"));
}

static void init(struct mcp_session *ss, const char *msg)
{
    json_decref(send_msg(ss, msg, NULL));
}

static void test_mcp_initialize_versions(void)
{
    static const char *const v[][2] = {
        {INIT("2025-11-25"), "2025-11-25"}, {INIT("2025-06-18"),
        "2025-06-18"}, {INIT("2025-03-26"), "2025-03-26"},
        {INIT("2024-11-05"), "2024-11-05"}, {INIT("2099-01-01"),
        "2025-11-25"}, {INIT("1999-01-01"), "2025-11-25"},
    };

    setup();
    for (size_t i = 0; i < KV_ARRAY_LEN(v); i++) {
        struct mcp_session ss = {0};
        json_t *j = send_msg(&ss, v[i][0], NULL);
        json_t *res = json_object_get(j, "result");

        CHECK_STR(json_string_value(json_object_get(res,
                  "protocolVersion")), v[i][1]);
        CHECK(json_object_get(json_object_get(res, "capabilities"),
              "tools"));
        CHECK(strstr(json_string_value(json_object_get(res,
              "instructions")), "untrusted"));
        CHECK_STR(json_string_value(json_object_get(json_object_get(res,
                  "serverInfo"), "name")), "kaivo");
        json_decref(j);
    }
}

static void test_mcp_errors_as_data(void)
{
    static const struct {
        const char *msg;
        int code;
        int status;
    } cases[] = {
        {"not json", -32700, 400},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,", -32700, 400},
        {"[" INIT("2025-11-25") "]", -32600, 400},
        {"[]", -32600, 400},
        {"42", -32600, 400},
        {"{\"id\":1,\"method\":\"ping\"}", -32600, 400},
        {"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", -32600, 400},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", -32600, 400},
        {"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", -32600,
         400},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":3}",
         -32600, 400},
        {"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\"}",
         -32601, 200},
        {"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", -32600,
         200},
        {"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\"}", -32602,
         200},
    };

    setup();
    for (size_t i = 0; i < KV_ARRAY_LEN(cases); i++) {
        struct mcp_session ss = {0};
        int status = 0;
        json_t *j = send_msg(&ss, cases[i].msg, &status);

        if (error_code(j) != cases[i].code || status != cases[i].status)
            harness_fail(__FILE__, __LINE__, "%s: code %d status %d",
                         cases[i].msg, error_code(j), status);
        json_decref(j);
    }
}

static void test_mcp_deep_nesting_refused(void)
{
    struct mcp_session ss = {0};
    struct sbuf sb;
    json_t *j;

    setup();
    sbuf_init(&sb, 0);
    for (int i = 0; i < 100000; i++)
        sbuf_addstr(&sb, "[");
    j = send_msg(&ss, sb.buf, NULL);
    CHECK_INT(error_code(j), -32700);
    json_decref(j);
    sbuf_release(&sb);
}

static void test_mcp_lifecycle(void)
{
    struct mcp_session ss = {0};
    int status;
    json_t *j;

    setup();
    j = send_msg(&ss, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":"
                 "\"ping\"}", NULL);
    CHECK(json_is_object(json_object_get(j, "result")));
    CHECK_STR(json_string_value(json_object_get(j, "id")), "p");
    json_decref(j);
    init(&ss, INIT("2025-11-25"));
    CHECK(send_msg(&ss, "{\"jsonrpc\":\"2.0\",\"method\":"
                   "\"notifications/initialized\"}", &status) == NULL);
    CHECK_INT(status, 202);
    CHECK(ss.ready);
    CHECK(send_msg(&ss, "{\"jsonrpc\":\"2.0\",\"method\":\"x/unknown\"}",
                   &status) == NULL);
    CHECK(send_msg(&ss, "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}",
                   &status) == NULL);
    CHECK_INT(status, 202);
    j = send_msg(&ss, INIT("2025-11-25"), NULL);
    CHECK_INT(error_code(j), -32600);
    json_decref(j);
}

static void test_mcp_tools_list_schemas(void)
{
    struct mcp_session ss = {0}, old = {0};
    json_t *j, *tools, *t;
    size_t i;

    setup();
    init(&ss, INIT("2025-11-25"));
    j = send_msg(&ss, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
                 "\"tools/list\"}", NULL);
    tools = json_object_get(json_object_get(j, "result"), "tools");
    CHECK_INT(json_array_size(tools), 4);
    json_array_foreach(tools, i, t) {
        json_t *a = json_object_get(t, "annotations");

        CHECK(json_object_get(t, "inputSchema"));
        CHECK(json_object_get(t, "outputSchema"));
        CHECK(json_is_true(json_object_get(a, "readOnlyHint")));
        CHECK(json_is_false(json_object_get(a, "destructiveHint")));
        CHECK(json_is_false(json_object_get(a, "openWorldHint")));
    }
    json_decref(j);
    init(&old, INIT("2024-11-05"));
    j = send_msg(&old, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
                 "\"tools/list\"}", NULL);
    tools = json_object_get(json_object_get(j, "result"), "tools");
    CHECK(!json_object_get(json_array_get(tools, 0), "outputSchema"));
    json_decref(j);
}

static json_t *call_result(struct mcp_session *ss, const char *msg)
{
    json_t *j = send_msg(ss, msg, NULL);
    json_t *r = json_incref(json_object_get(j, "result"));

    json_decref(j);
    return r;
}

static void test_mcp_tool_errors(void)
{
    static const char *const bad[] = {
        CALL("{\"name\":\"query\",\"arguments\":{}}"),
        CALL("{\"name\":\"query\",\"arguments\":{\"sql\":7}}"),
        CALL("{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT 1\","
             "\"max_rows\":1001}}"),
        CALL("{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT 1\","
             "\"timeout_ms\":999999}}"),
        CALL("{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT 1\","
             "\"x\":1}}"),
        CALL("{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT 1\"}}"),
        CALL("{\"name\":\"describe_table\",\"arguments\":{\"table\":"
             "\"sqlite_master\"}}"),
        CALL("{\"name\":\"list_tables\",\"arguments\":{\"x\":1}}"),
    };
    struct mcp_session ss = {0};
    json_t *j;

    setup();
    init(&ss, INIT("2025-11-25"));
    for (size_t i = 0; i < KV_ARRAY_LEN(bad); i++) {
        json_t *r = call_result(&ss, bad[i]);

        if (!json_is_true(json_object_get(r, "isError")))
            harness_fail(__FILE__, __LINE__, "no isError: %s", bad[i]);
        CHECK(json_string_value(json_object_get(json_array_get(
              json_object_get(r, "content"), 0), "text")));
        json_decref(r);
    }
    j = send_msg(&ss, CALL("{\"name\":\"nope\"}"), NULL);
    CHECK_INT(error_code(j), -32602);
    json_decref(j);
    j = send_msg(&ss, CALL("{\"arguments\":{}}"), NULL);
    CHECK_INT(error_code(j), -32602);
    json_decref(j);
}

static void test_mcp_tools_without_data(void)
{
    struct mcp_session ss = {0};
    json_t *r;

    setup();
    init(&ss, INIT("2025-11-25"));
    r = call_result(&ss, CALL("{\"name\":\"list_tables\"}"));
    CHECK(!json_is_true(json_object_get(r, "isError")));
    CHECK_INT(json_array_size(json_object_get(json_object_get(r,
              "structuredContent"), "tables")), 3);
    json_decref(r);
    r = call_result(&ss, CALL("{\"name\":\"sync_status\"}"));
    CHECK(json_object_get(json_object_get(r, "structuredContent"),
          "tables"));
    json_decref(r);
}

static void test_mcp_rate_limited(void)
{
    struct mcp_session ss = {0};
    json_t *r = NULL;

    setup();
    server.lim.calls_per_minute = 3;
    init(&ss, INIT("2025-11-25"));
    for (int i = 0; i < 4; i++) {
        json_decref(r);
        r = call_result(&ss, CALL("{\"name\":\"sync_status\"}"));
    }
    CHECK(json_is_true(json_object_get(r, "isError")));
    json_decref(r);
}

static void test_mcp_resources(void)
{
    struct mcp_session ss = {0};
    json_t *j;

    setup();
    init(&ss, INIT("2025-11-25"));
    j = send_msg(&ss, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
                 "\"resources/list\"}", NULL);
    CHECK_INT(json_array_size(json_object_get(json_object_get(j, "result"),
              "resources")), 3);
    json_decref(j);
    j = send_msg(&ss, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
                 "\"resources/read\",\"params\":{\"uri\":"
                 "\"file:///etc/passwd\"}}", NULL);
    CHECK_INT(error_code(j), -32002);
    json_decref(j);
}

static void test_mcp_stdio_framing(void)
{
    const char *in_text = INIT("2025-11-25") "\r\n\n   \n"
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}";
    FILE *in = fmemopen((void *)in_text, strlen(in_text), "r");
    FILE *out = tmpfile();
    struct kv_err err;
    char line[4096];
    int n = 0;

    setup();
    CHECK_INT(mcp_stdio_run(&server, in, out, NULL, &err), KV_OK);
    rewind(out);
    while (fgets(line, sizeof(line), out)) {
        CHECK(json_loads(line, 0, NULL) != NULL);
        n++;
    }
    CHECK_INT(n, 2);
    fclose(in);
    fclose(out);
}

static void test_mcp_stdio_long_line(void)
{
    size_t n = MCP_STDIO_MAX_LINE + 100;
    char *big = xmalloc(n + 64);
    FILE *in, *out = tmpfile();
    struct kv_err err;
    char line[4096];

    memset(big, 'x', n);
    strcpy(big + n, "\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n");
    in = fmemopen(big, strlen(big), "r");
    setup();
    CHECK_INT(mcp_stdio_run(&server, in, out, NULL, &err), KV_OK);
    rewind(out);
    CHECK(fgets(line, sizeof(line), out) && strstr(line, "-32600"));
    CHECK(fgets(line, sizeof(line), out) && strstr(line, "\"result\""));
    fclose(in);
    fclose(out);
    free(big);
}

static void test_mcp_token(void)
{
    struct kv_err err;
    struct stat st;
    char *a = NULL, *b = NULL, *hdr, *path;
    bool created;

    setup();
    CHECK_INT(mcp_token_load(ws, &a, &created, &err), KV_OK);
    CHECK(created);
    CHECK_INT(strlen(a), 64);
    path = xasprintf("%s/mcp.key", ws->state_dir);
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(mcp_token_load(ws, &b, &created, &err), KV_OK);
    CHECK(!created);
    CHECK_STR(a, b);
    hdr = xasprintf("Bearer %s", a);
    CHECK(mcp_token_check(a, hdr));
    CHECK(!mcp_token_check(a, "Bearer nope"));
    CHECK(!mcp_token_check(a, a));
    CHECK(!mcp_token_check(a, NULL));
    chmod(path, 0644);
    CHECK_INT(mcp_token_load(ws, &b, &created, &err), KV_EUSAGE);
    free(a);
    free(b);
    free(hdr);
    free(path);
}

static void test_mcp_http_addr(void)
{
    static const struct {
        const char *addr;
        int rc;
        bool loopback;
    } cases[] = {
        {"127.0.0.1:8765", KV_OK, true}, {"localhost:0", KV_OK, true},
        {"[::1]:0", KV_OK, true}, {"127.9.9.9:1", KV_OK, true},
        {"0.0.0.0:80", KV_OK, false}, {"[::]:80", KV_OK, false},
        {"10.0.0.1:80", KV_OK, false}, {"example.com:80", KV_EUSAGE, false},
        {"127.0.0.1", KV_EUSAGE, false}, {"127.0.0.1:99999", KV_EUSAGE,
        false}, {":80", KV_EUSAGE, false},
    };

    for (size_t i = 0; i < KV_ARRAY_LEN(cases); i++) {
        struct sockaddr_storage sa;
        struct kv_err err;
        bool lo = false;
        int rc = mcp_http_parse_addr(cases[i].addr, &sa, &lo, &err);

        if (rc != cases[i].rc || (!rc && lo != cases[i].loopback))
            harness_fail(__FILE__, __LINE__, "%s: rc %d loopback %d",
                         cases[i].addr, rc, lo);
    }
}

static const struct harness_case cases[] = {
    HARNESS_CASE(test_mcp_initialize_versions),
    HARNESS_CASE(test_mcp_errors_as_data),
    HARNESS_CASE(test_mcp_deep_nesting_refused),
    HARNESS_CASE(test_mcp_lifecycle),
    HARNESS_CASE(test_mcp_tools_list_schemas),
    HARNESS_CASE(test_mcp_tool_errors),
    HARNESS_CASE(test_mcp_tools_without_data),
    HARNESS_CASE(test_mcp_rate_limited),
    HARNESS_CASE(test_mcp_resources),
    HARNESS_CASE(test_mcp_stdio_framing),
    HARNESS_CASE(test_mcp_stdio_long_line),
    HARNESS_CASE(test_mcp_token),
    HARNESS_CASE(test_mcp_http_addr),
};

int main(int argc, char **argv)
{
    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
