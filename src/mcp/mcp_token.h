/*
 * mcp_token.h - the bearer token of the HTTP transport: 32 random bytes
 * in hex, made at the first start and kept owner-only (0600) in the
 * workspace's private folder as .kaivo/mcp.key.  Checked in constant
 * time.
 */
#ifndef KV_MCP_TOKEN_H
#define KV_MCP_TOKEN_H

#include "common/kv.h"
#include "common/err.h"
#include "ws/ws.h"

/*
 * The workspace's token in *out (new string, free()), created when
 * absent (*created then true).  Refuses a token file others can read.
 */
int mcp_token_load(struct ws *ws, char **out, bool *created,
                   struct kv_err *err);

/* Whether an Authorization header value is "Bearer <token>". */
bool mcp_token_check(const char *token, const char *header);

/* Fills out with n random bytes as 2n hex digits (+ NUL). */
int mcp_token_random_hex(char *out, size_t n, struct kv_err *err);

#endif
