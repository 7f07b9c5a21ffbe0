/*
 * ws_schema.c - DDL of the state database.
 *   config    key/value settings (source URL, region, destination, rate)
 *   tables    per table: selected, mode, last sync
 *   columns   per column: type, whether it is selected, whether it is
 *             stored as a keyed hash, whether Customer.io ever sent it
 *             (seen) and whether it stopped sending it (gone)
 *   records   per synced record: the hash of what the warehouse holds,
 *             for exact change detection
 *   records_stage  hashes of a full refresh in progress
 *   forgotten records deleted on request (`kaivo forget`): never synced
 *             again
 *   runs      the history of syncs
 */
#include "common/kv.h"
#include "ws/ws_schema.h"

#define WS_SCHEMA_VERSION 1

static const char schema_v1[] =
    "CREATE TABLE config(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE tables(name TEXT PRIMARY KEY, selected INTEGER NOT NULL,"
    "  mode TEXT NOT NULL, last_sync_at INTEGER, last_status TEXT,"
    "  last_error TEXT);"
    "CREATE TABLE columns(tbl TEXT NOT NULL, name TEXT NOT NULL,"
    "  type TEXT NOT NULL, state TEXT NOT NULL, position INTEGER NOT NULL,"
    "  hashed INTEGER NOT NULL DEFAULT 0, gone INTEGER NOT NULL DEFAULT 0,"
    "  seen INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(tbl, name));"
    "CREATE TABLE forgotten(tbl TEXT NOT NULL, key TEXT NOT NULL,"
    "  at INTEGER NOT NULL, PRIMARY KEY(tbl, key)) WITHOUT ROWID;"
    "CREATE TABLE records(tbl TEXT NOT NULL, key TEXT NOT NULL,"
    "  hash BLOB NOT NULL, PRIMARY KEY(tbl, key)) WITHOUT ROWID;"
    "CREATE TABLE records_stage(tbl TEXT NOT NULL, key TEXT NOT NULL,"
    "  hash BLOB NOT NULL, PRIMARY KEY(tbl, key)) WITHOUT ROWID;"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL,"
    "  finished_at INTEGER, status TEXT NOT NULL, command TEXT NOT NULL,"
    "  summary TEXT, error TEXT);";

int ws_schema_create(struct ws *ws, struct kv_err *err)
{
    char sql[64];
    int rc;

    rc = ws_begin(ws, err);
    if (rc)
        return rc;
    rc = ws_exec(ws, schema_v1, err);
    if (rc)
        goto out;
    snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", WS_SCHEMA_VERSION);
    rc = ws_exec(ws, sql, err);
    if (rc)
        goto out;
    rc = ws_commit(ws, err);
out:
    if (rc)
        ws_rollback(ws);
    return rc;
}

int ws_schema_upgrade(struct ws *ws, struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "PRAGMA user_version", err);
    int version = 0;

    if (!st)
        return KV_EFAIL;
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (version > WS_SCHEMA_VERSION)
        return kv_err_set(err, KV_EFAIL, "workspace was written by a newer "
                          "kaivo (state version %d, this one knows %d)",
                          version, WS_SCHEMA_VERSION);
    if (version < 1)
        return kv_err_set(err, KV_EFAIL, "workspace state is damaged "
                          "(version %d)", version);
    return KV_OK;
}
