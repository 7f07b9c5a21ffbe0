/*
 * mcp_sandbox.h - model-written SQL over the SQLite warehouse, confined by
 * the engine: a read-only handle on the warehouse file alone, query_only,
 * an authorizer allow-list (SELECT, reads of the dataset's three tables,
 * a list of pure functions), one statement, a deadline in the progress
 * handler, a heap limit and caps on rows, cells and bytes.  Every call
 * opens its own connection and closes it, so no snapshot or state survives
 * between calls.  This layer never prints.
 */
#ifndef KV_MCP_SANDBOX_H
#define KV_MCP_SANDBOX_H

#include "common/kv.h"
#include "common/err.h"

#include <jansson.h>
#include <signal.h>

struct mcp_sandbox {
    const char *path;       /* the warehouse file (not owned) */
    const char *forbid_dir; /* refuse a warehouse inside it (.kaivo/) */
    int max_rows;           /* rows returned; one more is read to tell */
    int timeout_ms;         /* wall time for prepare + steps */
    int max_cell_chars;     /* longer text is cut (UTF-8 code points) */
    size_t max_bytes;       /* rough size of the rows in the result */
    volatile sig_atomic_t *cancel; /* non-zero stops a query; may be NULL */
};

/*
 * Sets SQLite's process-wide hard heap limit (bytes), so a query that
 * builds huge intermediate results fails with "out of memory" instead of
 * taking the machine.  Call once, before any connection is opened.
 */
void mcp_sandbox_heap_limit(int64_t bytes);

/*
 * Runs one read-only statement.  On success *out is a new JSON object
 * {columns:[{name,type}], rows:[[...]], row_count, truncated,
 * truncated_cells, elapsed_ms} (json_decref it).  Refusals and bad SQL
 * return KV_EUSAGE with a message meant for the model; a missing warehouse
 * KV_ENOENT; a deadline KV_ECANCEL.
 */
int mcp_sandbox_query(const struct mcp_sandbox *sb, const char *sql,
                      json_t **out, struct kv_err *err);

/* Rows in one of the dataset's tables (KV_ENOENT when it is absent). */
int mcp_sandbox_row_count(const struct mcp_sandbox *sb, const char *table,
                          int64_t *out, struct kv_err *err);

/*
 * The warehouse columns of a dataset table as a new JSON array of
 * {name, sqlite_type, nullable} (KV_ENOENT when the table is absent).
 */
int mcp_sandbox_columns(const struct mcp_sandbox *sb, const char *table,
                        json_t **out, struct kv_err *err);

/* Whether name is one of the dataset's tables (exact, lowercase). */
bool mcp_sandbox_is_dataset_table(const char *name);

#endif
