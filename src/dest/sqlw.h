/*
 * sqlw.h - the embedded SQLite warehouse: one database file per dataset,
 * one typed table per Customer.io table (INTEGER, REAL, TEXT), keyed by the
 * table's key with upserts, WAL journal and synchronous=FULL so a commit
 * survives a crash or power loss before the sync state moves on.
 */
#ifndef KV_SQLW_H
#define KV_SQLW_H

#include "common/kv.h"
#include "common/err.h"
#include "dest/dest.h"

/*
 * Opens (creating when missing, with its directory) the warehouse at path.
 * *out is freed with dest_close().
 */
int sqlw_open(const char *path, struct dest **out, struct kv_err *err);

#endif
