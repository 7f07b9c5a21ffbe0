/*
 * mcp_stdio.h - the stdio transport: newline-delimited JSON-RPC on stdin,
 * replies on stdout (one line each, flushed), nothing else on stdout.
 */
#ifndef KV_MCP_STDIO_H
#define KV_MCP_STDIO_H

#include "common/kv.h"
#include "mcp/mcp_server.h"

/* A line longer than this is refused (-32600) and skipped. */
#define MCP_STDIO_MAX_LINE (4 * 1024 * 1024)

/*
 * Serves one client until in reaches EOF (KV_OK), stop becomes non-zero
 * (KV_ECANCEL) or out cannot be written (KV_EFAIL).
 */
int mcp_stdio_run(struct mcp_server *s, FILE *in, FILE *out,
                  volatile sig_atomic_t *stop, struct kv_err *err);

#endif
