/*
 * catalog.h - the Customer.io tables Kaivo knows: their keys, default sync
 * modes and default columns with types (shared/PRODUCT.md, "Tables").
 * Fields Customer.io sends beyond these are discovered at sync time and
 * kept in the workspace as `available` columns.
 */
#ifndef KV_CATALOG_H
#define KV_CATALOG_H

#include "common/kv.h"
#include "common/err.h"
#include "common/table.h"

struct catalog_column {
    const char *name;
    enum table_type type;
};

struct catalog_table {
    const char *name;
    const char *const *key; /* key column names, nkey of them */
    int nkey;
    enum table_mode default_mode;
    const struct catalog_column *cols; /* default columns, key first */
    int ncols;
};

/* Every table, in sync order (campaigns first: actions need its ids). */
const struct catalog_table *catalog_tables(int *n);
/* The table called name, or NULL. */
const struct catalog_table *catalog_find(const char *name);
/* The table called name, or NULL with a usage error naming the tables. */
const struct catalog_table *catalog_require(const char *name,
                                            struct kv_err *err);
/* The default column called name in t, or NULL. */
const struct catalog_column *catalog_column(const struct catalog_table *t,
                                            const char *name);

#endif
