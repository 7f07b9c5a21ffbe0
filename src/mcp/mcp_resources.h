/*
 * mcp_resources.h - each dataset table's schema as a resource,
 * kaivo://schema/<table> (application/json, the describe_table body
 * without sample rows).  Any other URI is "not found".
 */
#ifndef KV_MCP_RESOURCES_H
#define KV_MCP_RESOURCES_H

#include "common/kv.h"
#include "mcp/mcp_server.h"

#include <jansson.h>

#define MCP_SCHEMA_URI "kaivo://schema/"

json_t *mcp_resources_list(struct mcp_server *s);
json_t *mcp_resources_templates(void);
/* *result: the resources/read result.  KV_ENOENT for an unknown URI. */
int mcp_resources_read(struct mcp_server *s, const char *uri,
                       json_t **result, struct kv_err *err);

#endif
