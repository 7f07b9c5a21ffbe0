/*
 * mcp_http.h - the Streamable HTTP transport (2025-11-25) on
 * libmicrohttpd: one endpoint, /mcp.  POST carries one JSON-RPC message
 * and gets a JSON reply (202 for notifications); GET is 405 (no server
 * stream); DELETE ends a session.  Every request must pass, in order: a
 * loopback Host (unless remote access was asked for), an allowed Origin
 * when one is sent (403), the bearer token (401), a known
 * MCP-Protocol-Version (400) and, after initialize, its Mcp-Session-Id
 * (400 missing, 404 unknown).
 */
#ifndef KV_MCP_HTTP_H
#define KV_MCP_HTTP_H

#include "common/kv.h"
#include "mcp/mcp_server.h"

#include <sys/socket.h>

struct mcp_http_cfg {
    const char *addr;      /* "127.0.0.1:8765", "[::1]:0", "localhost:0" */
    bool allow_remote;     /* accept a non-loopback address */
    const char *port_file; /* write the bound port here; may be NULL */
    const char *token;     /* the bearer token clients must send */
};

/* A body larger than this is refused with 413. */
#define MCP_HTTP_MAX_BODY (1024 * 1024)
/* Sessions kept at once; the least recently used one goes first. */
#define MCP_HTTP_MAX_SESSIONS 16

/*
 * Whether addr (HOST:PORT, HOST a numeric IPv4/IPv6 address or
 * "localhost") parses, and whether it is loopback.  Names are not resolved.
 */
int mcp_http_parse_addr(const char *addr, struct sockaddr_storage *sa,
                        bool *loopback, struct kv_err *err);

/* Serves until *stop becomes non-zero. */
int mcp_http_run(struct mcp_server *s, const struct mcp_http_cfg *cfg,
                 volatile sig_atomic_t *stop, struct kv_err *err);

#endif
