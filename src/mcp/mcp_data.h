/*
 * mcp_data.h - the facts the tools and resources serve, as JSON: the
 * dataset's tables, one table's columns and freshness, the sync status,
 * and query results through the sandbox.  Table names come only from the
 * fixed dataset list; the workspace's own state is read by Kaivo, never by
 * model SQL.
 */
#ifndef KV_MCP_DATA_H
#define KV_MCP_DATA_H

#include "common/kv.h"
#include "mcp/mcp_server.h"

#include <jansson.h>

/* {backend, dataset, tables:[{name, description, row_count, ...}]} */
int mcp_data_tables(struct mcp_server *s, json_t **out, struct kv_err *err);

/*
 * {table, row_count, last_synced_at, primary_key, columns:[...], sample?}
 * with up to nsample rows (0: no sample key).  KV_ENOENT: unknown table.
 */
int mcp_data_describe(struct mcp_server *s, const char *table, int nsample,
                      json_t **out, struct kv_err *err);

/* {backend, sync_running, last_run, tables:[...]} */
int mcp_data_status(struct mcp_server *s, json_t **out, struct kv_err *err);

/*
 * Runs model SQL under the sandbox with max_rows and timeout_ms, which the
 * caller has already bounded by the server's limits.
 */
int mcp_data_query(struct mcp_server *s, const char *sql, int max_rows,
                   int timeout_ms, json_t **out, struct kv_err *err);

#endif
