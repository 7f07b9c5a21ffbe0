/*
 * ws.c - creating and opening a workspace, its state database, config and
 * secrets.
 */
#include "common/kv.h"
#include "ws/ws.h"
#include "ws/ws_schema.h"
#include "common/mem.h"
#include "common/util.h"

#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#define WS_STATE_DIR ".kaivo"
#define WS_STATE_DB ".kaivo/state.db"
#define WS_MAX_SECRET 4096

struct ws_stmt_cache {
    char *sql;
    sqlite3_stmt *stmt;
    struct ws_stmt_cache *next;
};

char *ws_resolve_dir(const char *opt)
{
    const char *dir = opt;
    char cwd[4096];

    if (!dir || !*dir)
        dir = getenv("KAIVO_WORKSPACE");
    if (!dir || !*dir)
        dir = ".";
    if (dir[0] == '/')
        return xstrdup(dir);
    if (!getcwd(cwd, sizeof(cwd)))
        return xstrdup(dir);
    if (!strcmp(dir, "."))
        return xstrdup(cwd);
    return xasprintf("%s/%s", cwd, dir);
}

char *ws_path(const struct ws *ws, const char *rel)
{
    return xasprintf("%s/%s", ws->dir, rel);
}

static int open_state_db(struct ws *ws, int flags, struct kv_err *err)
{
    char *path = ws_path(ws, WS_STATE_DB);
    int rc = KV_OK;

    if (sqlite3_open_v2(path, &ws->db, flags, NULL) != SQLITE_OK) {
        rc = kv_err_set(err, KV_EFAIL, "cannot open workspace state '%s': "
                        "%s", path, sqlite3_errmsg(ws->db));
        goto out;
    }
    sqlite3_busy_timeout(ws->db, 10000);
    /* FULL: the state must never be ahead of the warehouse after a crash */
    rc = ws_exec(ws, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                 err);
out:
    free(path);
    return rc;
}

static struct ws *ws_alloc(const char *dir)
{
    struct ws *ws = xcalloc(1, sizeof(*ws));

    ws->dir = xstrdup(dir);
    ws->state_dir = xasprintf("%s/%s", dir, WS_STATE_DIR);
    return ws;
}

int ws_init(const char *dir, struct kv_err *err)
{
    struct ws *ws = ws_alloc(dir);
    int rc;

    if (kv_file_exists(ws->state_dir)) {
        rc = kv_err_set(err, KV_EUSAGE, "'%s' is already a kaivo workspace",
                        dir);
        goto out;
    }
    rc = kv_mkdir_p(ws->state_dir, 0700, err);
    if (rc)
        goto out;
    chmod(ws->state_dir, 0700);
    rc = open_state_db(ws, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err);
    if (rc)
        goto out;
    rc = ws_schema_create(ws, err);
out:
    ws_free(ws);
    return rc;
}

int ws_open(const char *dir, struct ws **out, struct kv_err *err)
{
    struct ws *ws = ws_alloc(dir);
    char *db = ws_path(ws, WS_STATE_DB);
    int rc;

    if (!kv_file_exists(db)) {
        rc = kv_err_set(err, KV_EUSAGE, "'%s' is not a kaivo workspace: run "
                        "'kaivo init' there, or pass -w DIR", dir);
        goto out;
    }
    rc = open_state_db(ws, SQLITE_OPEN_READWRITE, err);
    if (rc)
        goto out;
    rc = ws_schema_upgrade(ws, err);
out:
    free(db);
    if (rc)
        ws_free(ws);
    else
        *out = ws;
    return rc;
}

void ws_free(struct ws *ws)
{
    struct ws_stmt_cache *c;

    if (!ws)
        return;
    while ((c = ws->stmts) != NULL) {
        ws->stmts = c->next;
        sqlite3_finalize(c->stmt);
        free(c->sql);
        free(c);
    }
    sqlite3_close(ws->db);
    free(ws->dir);
    free(ws->state_dir);
    free(ws);
}

sqlite3_stmt *ws_stmt(struct ws *ws, const char *sql, struct kv_err *err)
{
    struct ws_stmt_cache *c;

    for (c = ws->stmts; c; c = c->next) {
        if (!strcmp(c->sql, sql)) {
            sqlite3_reset(c->stmt);
            sqlite3_clear_bindings(c->stmt);
            return c->stmt;
        }
    }
    c = xcalloc(1, sizeof(*c));
    if (sqlite3_prepare_v2(ws->db, sql, -1, &c->stmt, NULL) != SQLITE_OK) {
        kv_err_set(err, KV_EFAIL, "workspace state: %s",
                   sqlite3_errmsg(ws->db));
        free(c);
        return NULL;
    }
    c->sql = xstrdup(sql);
    c->next = ws->stmts;
    ws->stmts = c;
    return c->stmt;
}

int ws_exec(struct ws *ws, const char *sql, struct kv_err *err)
{
    char *msg = NULL;

    if (sqlite3_exec(ws->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return KV_OK;
    kv_err_set(err, KV_EFAIL, "workspace state: %s", msg ? msg : "error");
    sqlite3_free(msg);
    return KV_EFAIL;
}

int ws_begin(struct ws *ws, struct kv_err *err)
{
    return ws_exec(ws, "BEGIN IMMEDIATE", err);
}

int ws_commit(struct ws *ws, struct kv_err *err)
{
    return ws_exec(ws, "COMMIT", err);
}

void ws_rollback(struct ws *ws)
{
    if (!sqlite3_get_autocommit(ws->db))
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
}

char *ws_config_get(struct ws *ws, const char *key)
{
    sqlite3_stmt *st = ws_stmt(ws, "SELECT value FROM config WHERE key=?",
                               NULL);
    char *value = NULL;

    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        value = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return value;
}

int ws_step(struct ws *ws, sqlite3_stmt *st, struct kv_err *err)
{
    int s = sqlite3_step(st);

    sqlite3_reset(st);
    if (s == SQLITE_DONE || s == SQLITE_ROW)
        return KV_OK;
    return kv_err_set(err, KV_EFAIL, "workspace state: %s",
                      sqlite3_errmsg(ws->db));
}

int ws_config_set(struct ws *ws, const char *key, const char *value,
                  struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "INSERT INTO config(key, value) "
                               "VALUES(?, ?) ON CONFLICT(key) DO UPDATE "
                               "SET value=excluded.value", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

int ws_config_unset(struct ws *ws, const char *key, struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "DELETE FROM config WHERE key=?", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

static char *secret_path(struct ws *ws, const char *name)
{
    return xasprintf("%s/%s.key", ws->state_dir, name);
}

int ws_secret_write(struct ws *ws, const char *name, const char *value,
                    struct kv_err *err)
{
    char *path = secret_path(ws, name);
    int rc = kv_write_file_atomic(path, value, strlen(value), 0600, err);

    free(path);
    return rc;
}

int ws_secret_read(struct ws *ws, const char *name, char **out,
                   struct kv_err *err)
{
    char *path = secret_path(ws, name);
    int rc = kv_read_file(path, WS_MAX_SECRET, out, NULL, err);

    if (rc == KV_ENOENT)
        kv_err_set(err, KV_ENOENT, "no %s key is stored in this workspace: "
                   "run 'kaivo connect %s'", name, name);
    free(path);
    return rc;
}

int ws_secret_remove(struct ws *ws, const char *name, struct kv_err *err)
{
    char *path = secret_path(ws, name);
    int rc = KV_OK;

    if (unlink(path) && errno != ENOENT)
        rc = kv_err_set(err, KV_EFAIL, "cannot remove '%s': %s", path,
                        strerror(errno));
    free(path);
    return rc;
}

int ws_secret_random(struct ws *ws, const char *name, char **out,
                     struct kv_err *err)
{
    unsigned char raw[32];
    char hex[2 * sizeof(raw) + 1];
    int rc = ws_secret_read(ws, name, out, err);

    if (rc != KV_ENOENT)
        return rc;
    kv_err_clear(err);
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return kv_err_set(err, KV_EFAIL, "no random bytes for the %s key",
                          name);
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    rc = ws_secret_write(ws, name, hex, err);
    if (!rc)
        *out = xstrdup(hex);
    memset(raw, 0, sizeof(raw));
    memset(hex, 0, sizeof(hex));
    return rc;
}
