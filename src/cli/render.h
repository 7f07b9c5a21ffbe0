/*
 * render.h - printing result grids on stdout: aligned text, CSV or JSON.
 * Rows are added one at a time; the text format buffers (it needs column
 * widths) up to a cap, past which it prints as it goes.
 */
#ifndef KV_RENDER_H
#define KV_RENDER_H

#include "common/kv.h"

enum render_format {
    RENDER_TABLE,
    RENDER_CSV,
    RENDER_JSON,
};

struct render;

/* Parses "table", "csv", "json". */
bool render_format_parse(const char *name, enum render_format *out);

/* names: ncols column names (copied). */
struct render *render_new(enum render_format fmt, int ncols,
                          const char *const *names);
/* values: ncols texts (NULL = null), copied. */
void render_row(struct render *r, const char *const *values);
/* Prints what is left and frees r. */
void render_finish(struct render *r);

#endif
