/*
 * mcp_bq.h - model-written SQL over a BigQuery warehouse.  The engine is
 * the sandbox here: the destination's query operation dry-runs the SQL
 * and refuses anything but one SELECT over the dataset's own tables, then
 * runs it under maximumBytesBilled (src/dest/bq_query.c).  This layer adds
 * what struct mcp_sandbox promises on SQLite: caps on rows, cell length
 * and result size, applied to the rows as they arrive, and a time limit.
 * It never prints.
 */
#ifndef KV_MCP_BQ_H
#define KV_MCP_BQ_H

#include "common/kv.h"
#include "common/err.h"
#include "dest/dest.h"
#include "mcp/mcp_sandbox.h"

#include <jansson.h>

/*
 * Runs sql on d (a BigQuery destination) under sb's limits (sb->path and
 * sb->forbid_dir are not used).  sb->timeout_ms becomes the job's
 * jobTimeoutMs and also bounds the client's wait for rows.  *out is a new
 * JSON object shaped like mcp_sandbox_query's (columns carry names only:
 * BigQuery's REST rows are text); json_decref it.  A refusal by the dry
 * run returns KV_EUSAGE, a time limit KV_ECANCEL.
 */
int mcp_bq_query(struct dest *d, const struct mcp_sandbox *sb,
                 const char *sql, json_t **out, struct kv_err *err);

#endif
