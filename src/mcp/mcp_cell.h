/*
 * mcp_cell.h - turning warehouse cells into JSON values a client can
 * parse: text is made valid UTF-8 (bad bytes become U+FFFD) and cut to a
 * number of code points, so neither a hostile record nor a huge body
 * breaks or floods the reply.
 */
#ifndef KV_MCP_CELL_H
#define KV_MCP_CELL_H

#include "common/kv.h"

#include <jansson.h>

/* What is appended to text that was cut. */
#define MCP_CELL_CUT_MARK "\xe2\x80\xa6[truncated]"

/*
 * A new JSON string holding s (n bytes, may contain NUL) as valid UTF-8,
 * at most max_chars code points (0: no limit) plus MCP_CELL_CUT_MARK when
 * cut; *cut tells whether it was.
 */
json_t *mcp_cell_text(const char *s, size_t n, int max_chars, bool *cut);

/* A JSON number for d, or a string ("inf", "-inf", "nan") JSON lacks. */
json_t *mcp_cell_real(double d);

/*
 * The query tool's result, the same on SQLite and BigQuery.  Takes over
 * columns and rows (NULL columns: an empty array).
 */
json_t *mcp_cell_result(json_t *columns, json_t *rows, int64_t row_count,
                        bool truncated, int64_t cut_cells,
                        int64_t elapsed_ms);

#endif
