/*
 * mcp_rpc.h - JSON-RPC 2.0 framing for the MCP server: one message in,
 * classified and checked; one reply out, as compact JSON text on a single
 * line (JSON escaping keeps newlines out, as stdio framing requires).
 */
#ifndef KV_MCP_RPC_H
#define KV_MCP_RPC_H

#include "common/kv.h"

#include <jansson.h>

#define MCP_PARSE_ERROR (-32700)
#define MCP_INVALID_REQUEST (-32600)
#define MCP_METHOD_NOT_FOUND (-32601)
#define MCP_INVALID_PARAMS (-32602)
#define MCP_INTERNAL_ERROR (-32603)
#define MCP_RESOURCE_NOT_FOUND (-32002)

/* Messages nest a few levels; deeper input is refused before parsing. */
#define MCP_RPC_MAX_DEPTH 64

enum mcp_rpc_kind {
    MCP_RPC_INVALID,      /* error_code/error_msg say why */
    MCP_RPC_REQUEST,      /* method + id */
    MCP_RPC_NOTIFICATION, /* method, no id: never answered */
    MCP_RPC_RESPONSE,     /* result or error: we send no requests */
};

/* A parsed message.  Members point into root, which the struct owns. */
struct mcp_rpc_msg {
    enum mcp_rpc_kind kind;
    json_t *root;
    json_t *id;         /* the request id, or NULL */
    const char *method;
    json_t *params;     /* object, or NULL when absent */
    int error_code;     /* for MCP_RPC_INVALID */
    const char *error_msg;
};

/* Parses and classifies text (len bytes).  Always fills *msg. */
void mcp_rpc_parse(const char *text, size_t len, struct mcp_rpc_msg *msg);
void mcp_rpc_release(struct mcp_rpc_msg *msg);

/* A new reply text (free()); steals result.  id NULL means null. */
char *mcp_rpc_result(json_t *id, json_t *result);
/* A new error reply text (free()); steals data (may be NULL). */
char *mcp_rpc_error(json_t *id, int code, const char *message,
                    json_t *data);

#endif
