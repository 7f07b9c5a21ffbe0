/*
 * mcp_rpc.c - JSON-RPC 2.0 message checks and replies.  Batches (JSON
 * arrays) were dropped from MCP in 2025-06-18 and are refused whole.
 */
#include "common/kv.h"
#include "mcp/mcp_rpc.h"
#include "common/mem.h"

/*
 * Whether brackets nest deeper than max, counted outside strings.  Jansson
 * allows 2048 levels, each a C stack frame and an allocation; our
 * messages need a handful.
 */
static bool too_deep(const char *s, size_t n, int max)
{
    bool in_str = false;
    int depth = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                return true;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return false;
}

static int invalid(struct mcp_rpc_msg *msg, int code, const char *why)
{
    msg->kind = MCP_RPC_INVALID;
    msg->error_code = code;
    msg->error_msg = why;
    return code;
}

static bool id_ok(json_t *id)
{
    return json_is_string(id) || json_is_integer(id);
}

/* Classifies a parsed object (msg->root); non-zero when invalid. */
static int classify(struct mcp_rpc_msg *msg)
{
    json_t *o = msg->root;
    json_t *id = json_object_get(o, "id");
    json_t *method = json_object_get(o, "method");
    json_t *params = json_object_get(o, "params");

    if (id_ok(id))
        msg->id = id;
    if (!json_is_string(json_object_get(o, "jsonrpc")) ||
        strcmp(json_string_value(json_object_get(o, "jsonrpc")), "2.0"))
        return invalid(msg, MCP_INVALID_REQUEST, "jsonrpc must be \"2.0\"");
    if (!method && (json_object_get(o, "result") ||
                    json_object_get(o, "error"))) {
        msg->kind = MCP_RPC_RESPONSE;
        return 0;
    }
    if (!json_is_string(method))
        return invalid(msg, MCP_INVALID_REQUEST, "method must be a string");
    if (id && !id_ok(id))
        return invalid(msg, MCP_INVALID_REQUEST, "id must be a string or "
                       "an integer");
    if (params && !json_is_object(params))
        return invalid(msg, MCP_INVALID_REQUEST, "params must be an "
                       "object");
    msg->method = json_string_value(method);
    msg->params = params;
    msg->kind = id ? MCP_RPC_REQUEST : MCP_RPC_NOTIFICATION;
    return 0;
}

static int parse(const char *text, size_t len, struct mcp_rpc_msg *msg)
{
    json_error_t jerr;

    if (too_deep(text, len, MCP_RPC_MAX_DEPTH))
        return invalid(msg, MCP_PARSE_ERROR, "message nests too deeply");
    msg->root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                          &jerr);
    if (!msg->root)
        return invalid(msg, MCP_PARSE_ERROR, "parse error");
    if (json_is_array(msg->root))
        return invalid(msg, MCP_INVALID_REQUEST, "batches are not "
                       "supported: send one message at a time");
    if (!json_is_object(msg->root))
        return invalid(msg, MCP_INVALID_REQUEST, "a message must be a "
                       "JSON object");
    return classify(msg);
}

void mcp_rpc_parse(const char *text, size_t len, struct mcp_rpc_msg *msg)
{
    memset(msg, 0, sizeof(*msg));
    parse(text, len, msg);
}

void mcp_rpc_release(struct mcp_rpc_msg *msg)
{
    json_decref(msg->root);
    memset(msg, 0, sizeof(*msg));
}

static char *dump(json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT);

    json_decref(o);
    if (!text)
        text = xstrdup("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                       "{\"code\":-32603,\"message\":\"cannot encode the "
                       "reply\"}}");
    return text;
}

char *mcp_rpc_result(json_t *id, json_t *result)
{
    json_t *o = json_object();

    json_object_set_new(o, "jsonrpc", json_string("2.0"));
    json_object_set(o, "id", id ? id : json_null());
    json_object_set_new(o, "result", result ? result : json_object());
    return dump(o);
}

char *mcp_rpc_error(json_t *id, int code, const char *message,
                    json_t *data)
{
    json_t *o = json_object();
    json_t *e = json_pack("{s:i, s:s}", "code", code, "message", message);

    if (data)
        json_object_set_new(e, "data", data);
    json_object_set_new(o, "jsonrpc", json_string("2.0"));
    json_object_set(o, "id", id ? id : json_null());
    json_object_set_new(o, "error", e);
    return dump(o);
}
