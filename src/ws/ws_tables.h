/*
 * ws_tables.h - which tables and columns a workspace syncs, and how.
 * Column states: `selected` (synced), `available` (seen in Customer.io, not
 * synced: the user adds it) and `gone` (no longer sent).
 */
#ifndef KV_WS_TABLES_H
#define KV_WS_TABLES_H

#include "ws/ws.h"

struct ws_table_info {
    char name[64];
    bool selected;
    enum table_mode mode;
    int64_t last_sync_at; /* Unix seconds, 0 = never */
    char last_status[16]; /* "", "ok", "failed", "cancelled" */
    char last_error[512];
};

struct ws_column {
    char *name; /* owned */
    enum table_type type;
    bool selected; /* the user's choice */
    bool hashed;   /* stored as a keyed hash */
    bool gone;     /* absent from every record of the last complete read */
    bool seen;     /* some record ever carried it */
    char state[16]; /* "gone", else "selected" or "available" */
};

/*
 * Records the catalog's tables and default columns, all selected.  Keeps
 * what a workspace already has (a second `connect` loses no choice).
 */
int ws_tables_install_defaults(struct ws *ws, struct kv_err *err);

/* KV_ENOENT when the table is unknown to the workspace. */
int ws_table_get(struct ws *ws, const char *name, struct ws_table_info *out,
                 struct kv_err *err);
/* Every table known to the workspace, in catalog order. */
int ws_tables_list(struct ws *ws, struct ws_table_info **out, int *n,
                   struct kv_err *err);
int ws_table_set_result(struct ws *ws, const char *name, int64_t at,
                        const char *status, const char *error,
                        struct kv_err *err);
int ws_table_set_selected(struct ws *ws, const char *name, bool selected,
                          struct kv_err *err);
int ws_table_set_mode(struct ws *ws, const char *name, enum table_mode mode,
                      struct kv_err *err);

/*
 * The selected columns of table, key columns first (catalog key order).
 * Columns gone from Customer.io are left out unless include_gone (an
 * incremental table keeps them).  A hashed column lands as STRING and is
 * read as its source type, with TABLE_COL_HASHED.
 */
int ws_schema_load(struct ws *ws, const char *table, bool include_gone,
                   struct table_schema *out, struct kv_err *err);

/* Every column of table, in the order first seen.  Free: ws_columns_free. */
int ws_columns_list(struct ws *ws, const char *table,
                    struct ws_column **out, int *n, struct kv_err *err);
void ws_columns_free(struct ws_column *cols, int n);

/* A field seen in Customer.io: kept as `available` unless known already. */
int ws_column_note(struct ws *ws, const char *table, const char *name,
                   enum table_type type, struct kv_err *err);

/* KV_ENOENT when table has no column called name. */
int ws_column_set_selected(struct ws *ws, const char *table,
                           const char *name, bool selected,
                           struct kv_err *err);
int ws_column_set_hashed(struct ws *ws, const char *table, const char *name,
                         struct kv_err *err);
int ws_column_set_type(struct ws *ws, const char *table, const char *name,
                       enum table_type type, struct kv_err *err);

/*
 * After a complete read of table: the columns named in seen are present;
 * every other one that an earlier read saw is gone (key columns never
 * are).
 */
int ws_columns_set_seen(struct ws *ws, const char *table,
                        char *const *seen, size_t n, struct kv_err *err);

#endif
