/*
 * mcp_tools.h - the four tools (list_tables, describe_table, query,
 * sync_status): their definitions with input and output schemas and
 * annotations, argument checks, and CallToolResults.  Bad arguments, bad
 * SQL and refusals come back as results with isError, which the model
 * reads and can act on; only an unknown tool is a protocol error.
 */
#ifndef KV_MCP_TOOLS_H
#define KV_MCP_TOOLS_H

#include "common/kv.h"
#include "mcp/mcp_server.h"

#include <jansson.h>

/* The tools/list result for the negotiated version (new reference). */
json_t *mcp_tools_list(struct mcp_server *s, const char *version);

/*
 * Calls tool name with args (an object or NULL).  *result is a new
 * CallToolResult.  KV_ENOENT (and no result) for an unknown tool.
 */
int mcp_tools_call(struct mcp_server *s, const char *version,
                   const char *name, json_t *args, json_t **result);

/* Whether version carries outputSchema and structuredContent. */
bool mcp_tools_structured(const char *version);

#endif
