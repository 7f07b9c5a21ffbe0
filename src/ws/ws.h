/*
 * ws.h - the workspace: one folder holding a Kaivo installation's
 * configuration, secrets, sync state, run history and (by default) its
 * warehouse.  Layout:
 *   DIR/.kaivo/            0700, everything private to Kaivo
 *   DIR/.kaivo/state.db    SQLite: config, tables, columns, record hashes,
 *                          run history
 *   DIR/.kaivo/customerio.key   the App API key, 0600
 *   DIR/.kaivo/sync.lock   held (flock) by the running sync
 *   DIR/warehouse/customerio.sqlite   the default destination
 * The warehouse never holds anything of .kaivo/, so the MCP server and
 * `kaivo query` can be given the warehouse alone.
 */
#ifndef KV_WS_H
#define KV_WS_H

#include "common/kv.h"
#include "common/err.h"
#include "common/table.h"

#include <sqlite3.h>

struct ws {
    char *dir;       /* owned: the workspace folder, absolute */
    char *state_dir; /* owned: dir/.kaivo */
    sqlite3 *db;     /* state.db */
    struct ws_stmt_cache *stmts; /* owned: prepared statements by SQL */
};

/*
 * The workspace folder to use: opt (-w) if given, else $KAIVO_WORKSPACE,
 * else the current folder.  Returns a new absolute path (free()).
 */
char *ws_resolve_dir(const char *opt);

/* Creates a workspace in dir (and dir itself).  KV_EUSAGE if one exists. */
int ws_init(const char *dir, struct kv_err *err);

/* Opens the workspace in dir; KV_EUSAGE when dir is not one. */
int ws_open(const char *dir, struct ws **out, struct kv_err *err);
void ws_free(struct ws *ws);

/* A new path "ws->dir/rel" (free()). */
char *ws_path(const struct ws *ws, const char *rel);

/*
 * A cached prepared statement for sql, reset and unbound, owned by ws.
 * NULL (with err set) when sql does not prepare.
 */
sqlite3_stmt *ws_stmt(struct ws *ws, const char *sql, struct kv_err *err);
/* Steps st once and resets it; KV_EFAIL unless it ran. */
int ws_step(struct ws *ws, sqlite3_stmt *st, struct kv_err *err);
/* Runs sql that returns no rows. */
int ws_exec(struct ws *ws, const char *sql, struct kv_err *err);
int ws_begin(struct ws *ws, struct kv_err *err);
int ws_commit(struct ws *ws, struct kv_err *err);
void ws_rollback(struct ws *ws);

/* Config: a text value per key.  ws_config_get returns a copy or NULL. */
char *ws_config_get(struct ws *ws, const char *key);
int ws_config_set(struct ws *ws, const char *key, const char *value,
                  struct kv_err *err);
int ws_config_unset(struct ws *ws, const char *key, struct kv_err *err);

/* Secrets live in files of their own, readable by the owner only. */
int ws_secret_write(struct ws *ws, const char *name, const char *value,
                    struct kv_err *err);
/* *out is a new string (free()); KV_ENOENT when not stored. */
int ws_secret_read(struct ws *ws, const char *name, char **out,
                   struct kv_err *err);
int ws_secret_remove(struct ws *ws, const char *name, struct kv_err *err);
/*
 * The secret called name, created as 32 random bytes (hex) on first use.
 * *out is a new string (free()).
 */
int ws_secret_random(struct ws *ws, const char *name, char **out,
                     struct kv_err *err);

#endif
