/*
 * mcp_server.h - the MCP server independent of its transport: the
 * lifecycle (initialize, version negotiation, ping), the method table and
 * the limits the operator sets.  A transport hands it one message at a
 * time and writes back the reply, if any.  Messages are handled one after
 * the other on one thread; nothing here is shared between threads.
 */
#ifndef KV_MCP_SERVER_H
#define KV_MCP_SERVER_H

#include "common/kv.h"
#include "common/err.h"
#include "dest/dest.h"
#include "ws/ws.h"

#include <signal.h>

/* The newest revision we speak; what an unknown request is answered. */
#define MCP_VERSION_LATEST "2025-11-25"

/*
 * Limits set by whoever starts the server, never by the model: the
 * model's max_rows and timeout_ms arguments may only lower them.
 */
struct mcp_limits {
    int max_rows;          /* row cap of `query` (default 1000) */
    int default_rows;      /* rows when the model does not say (100) */
    int timeout_ms;        /* per-query time limit (10000) */
    int max_cell_chars;    /* text cells cut to this (2000) */
    size_t max_bytes;      /* rows of one result, roughly (128 KiB) */
    int64_t heap_bytes;    /* SQLite's hard heap limit (256 MiB) */
    int calls_per_minute;  /* tools/call rate limit (120) */
};

struct mcp_server {
    struct ws *ws;          /* not owned: the workspace, fixed at start */
    char *warehouse;        /* owned: the SQLite warehouse path */
    char *dest_type;        /* owned: "sqlite", or the other destination */
    struct dest *dest;      /* owned: BigQuery, opened at first use */
    struct mcp_limits lim;
    volatile sig_atomic_t *cancel; /* stops a running query; may be NULL */
    int64_t window_start;   /* rate limit: this minute's first call */
    int window_calls;
};

/* One client's protocol state (the stdio process, or an HTTP session). */
struct mcp_session {
    bool initialized;       /* initialize answered */
    bool ready;             /* notifications/initialized received */
    char version[16];       /* the negotiated revision */
};

/* What one message produced. */
struct mcp_reply {
    char *text;             /* owned: the reply line, NULL when none */
    int http_status;        /* 200 reply, 202 no reply, 400 bad message */
    bool initialized_now;   /* this message was a successful initialize */
};

void mcp_limits_default(struct mcp_limits *lim);

/* Sets s up for ws (not owned; must outlive s). */
int mcp_server_init(struct mcp_server *s, struct ws *ws,
                    const struct mcp_limits *lim, struct kv_err *err);
void mcp_server_release(struct mcp_server *s);

/* Whether version is one of the revisions we can speak. */
bool mcp_server_version_known(const char *version);

/* Handles one message of len bytes; fills *out (release it). */
void mcp_server_handle(struct mcp_server *s, struct mcp_session *ss,
                       const char *msg, size_t len, struct mcp_reply *out);
void mcp_reply_release(struct mcp_reply *r);

#endif
