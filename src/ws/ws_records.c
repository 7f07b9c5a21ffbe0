/*
 * ws_records.c - the per-record hashes behind exact change detection.
 */
#include "common/kv.h"
#include "ws/ws_records.h"
#include "common/util.h"

int ws_record_hash(struct ws *ws, const char *table, const char *key,
                   unsigned char hash[32], bool *found, struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "SELECT hash FROM records WHERE tbl=? "
                               "AND key=?", err);
    int s;

    if (!st)
        return KV_EFAIL;
    *found = false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(hash, sqlite3_column_blob(st, 0), 32);
        *found = true;
    }
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return kv_err_set(err, KV_EFAIL, "workspace state: %s",
                          sqlite3_errmsg(ws->db));
    return KV_OK;
}

static int put(struct ws *ws, const char *sql, const char *table,
               const char *key, const unsigned char hash[32],
               struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, sql, err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

int ws_record_put(struct ws *ws, const char *table, const char *key,
                  const unsigned char hash[32], struct kv_err *err)
{
    return put(ws, "INSERT OR REPLACE INTO records(tbl, key, hash) "
               "VALUES(?, ?, ?)", table, key, hash, err);
}

int ws_record_stage(struct ws *ws, const char *table, const char *key,
                    const unsigned char hash[32], struct kv_err *err)
{
    return put(ws, "INSERT OR REPLACE INTO records_stage(tbl, key, hash) "
               "VALUES(?, ?, ?)", table, key, hash, err);
}

static int by_table(struct ws *ws, const char *sql, const char *table,
                    struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, sql, err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

int ws_records_stage_clear(struct ws *ws, const char *table,
                           struct kv_err *err)
{
    return by_table(ws, "DELETE FROM records_stage WHERE tbl=?", table, err);
}

int ws_records_stage_swap(struct ws *ws, const char *table,
                          struct kv_err *err)
{
    int rc = ws_begin(ws, err);

    if (!rc)
        rc = by_table(ws, "DELETE FROM records WHERE tbl=?", table, err);
    if (!rc)
        rc = by_table(ws, "INSERT INTO records(tbl, key, hash) SELECT tbl, "
                      "key, hash FROM records_stage WHERE tbl=?", table, err);
    if (!rc)
        rc = ws_records_stage_clear(ws, table, err);
    if (!rc)
        rc = ws_commit(ws, err);
    if (rc)
        ws_rollback(ws);
    return rc;
}

int ws_record_delete(struct ws *ws, const char *table, const char *key,
                     struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "DELETE FROM records WHERE tbl=? AND "
                               "key=?", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

int ws_records_clear(struct ws *ws, const char *table, struct kv_err *err)
{
    int rc = by_table(ws, "DELETE FROM records WHERE tbl=?", table, err);

    if (!rc)
        rc = ws_records_stage_clear(ws, table, err);
    return rc;
}

int64_t ws_records_count(struct ws *ws, const char *table)
{
    sqlite3_stmt *st = ws_stmt(ws, "SELECT count(*) FROM records WHERE "
                               "tbl=?", NULL);
    int64_t n = 0;

    if (!st)
        return 0;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
}

int ws_forgotten_add(struct ws *ws, const char *table, const char *key,
                     struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "INSERT OR IGNORE INTO forgotten(tbl, "
                               "key, at) VALUES(?, ?, ?)", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, kv_now_epoch());
    return ws_step(ws, st, err);
}

int ws_forgotten_has(struct ws *ws, const char *table, const char *key,
                     bool *out, struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "SELECT 1 FROM forgotten WHERE tbl=? AND "
                               "key=?", err);
    int s;

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    *out = s == SQLITE_ROW;
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return kv_err_set(err, KV_EFAIL, "workspace state: %s",
                          sqlite3_errmsg(ws->db));
    return KV_OK;
}

/* Whether sql (one row, one integer) gives non-zero for table. */
static int exists(struct ws *ws, const char *sql, const char *table,
                  bool *out, struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, sql, err);
    int s;

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    *out = s == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sqlite3_reset(st);
    if (s != SQLITE_ROW)
        return kv_err_set(err, KV_EFAIL, "workspace state: %s",
                          sqlite3_errmsg(ws->db));
    return KV_OK;
}

int ws_forgotten_any(struct ws *ws, const char *table, bool *out,
                     struct kv_err *err)
{
    return exists(ws, "SELECT EXISTS(SELECT 1 FROM forgotten WHERE tbl=?)",
                  table, out, err);
}

int ws_records_any(struct ws *ws, const char *table, bool *out,
                   struct kv_err *err)
{
    return exists(ws, "SELECT EXISTS(SELECT 1 FROM records WHERE tbl=?)",
                  table, out, err);
}
