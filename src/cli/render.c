/*
 * render.c - text grid, CSV and JSON output of rows.
 */
#include "common/kv.h"
#include "cli/render.h"
#include "common/mem.h"
#include "common/util.h"

/* Text grids buffer this many rows to size their columns, then stream. */
#define RENDER_BUFFER_ROWS 1000
/* A cell wider than this is cut in the text grid (not in CSV or JSON). */
#define RENDER_MAX_WIDTH 60

struct render {
    enum render_format fmt;
    int ncols;
    char **names;
    char **cells;   /* buffered rows, ncols per row */
    size_t nrows;
    int *width;
    bool header_done;
    size_t rows_out;
};

bool render_format_parse(const char *name, enum render_format *out)
{
    static const char *const names[] = {"table", "csv", "json"};

    for (size_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        if (!strcmp(name, names[i])) {
            *out = (enum render_format)i;
            return true;
        }
    }
    return false;
}

struct render *render_new(enum render_format fmt, int ncols,
                          const char *const *names)
{
    struct render *r = xcalloc(1, sizeof(*r));

    r->fmt = fmt;
    r->ncols = ncols;
    r->names = xcalloc((size_t)ncols, sizeof(char *));
    r->width = xcalloc((size_t)ncols, sizeof(int));
    for (int i = 0; i < ncols; i++) {
        r->names[i] = xstrdup(names[i]);
        r->width[i] = (int)strlen(names[i]);
    }
    r->cells = xcalloc((size_t)ncols * RENDER_BUFFER_ROWS, sizeof(char *));
    return r;
}

static void csv_cell(const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void csv_line(const struct render *r, char *const *values)
{
    for (int i = 0; i < r->ncols; i++) {
        if (i)
            putchar(',');
        csv_cell(values[i]);
    }
    putchar('\n');
}

static void json_line(struct render *r, const char *const *values)
{
    struct sbuf sb;

    sbuf_init(&sb, 0);
    sbuf_addstr(&sb, r->rows_out ? ",\n  {" : "[\n  {");
    for (int i = 0; i < r->ncols; i++) {
        if (i)
            sbuf_addstr(&sb, ", ");
        kv_json_quote(&sb, r->names[i]);
        sbuf_addstr(&sb, ": ");
        if (values[i])
            kv_json_quote(&sb, values[i]);
        else
            sbuf_addstr(&sb, "null");
    }
    sbuf_addstr(&sb, "}");
    fputs(sb.buf, stdout);
    sbuf_release(&sb);
}

/* Display width in characters: counts UTF-8 lead bytes only. */
static int text_width(const char *s)
{
    int w = 0;

    for (; s && *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/*
 * Prints a cell padded to width.  Only a cell longer than RENDER_MAX_WIDTH
 * is cut, and it ends in "..." so a cut never passes for a value; rows past
 * the buffered ones may be wider than their column rather than cut.  Cell
 * text is untrusted (it comes from Customer.io): control characters,
 * escape sequences included, print as '?' so they cannot drive the
 * terminal.
 */
static void text_cell(const char *s, int width, bool last)
{
    const char *p = s ? s : "NULL";
    int w = 0;
    int total = text_width(p);

    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        bool lead = (c & 0xC0) != 0x80;

        if (lead && total > RENDER_MAX_WIDTH && w == RENDER_MAX_WIDTH - 3) {
            fputs("...", stdout);
            w += 3;
            break;
        }
        w += lead;
        putchar(c < 0x20 || c == 0x7f ? '?' : c);
    }
    if (!last && w < width)
        printf("%*s", width - w, "");
    if (!last)
        printf("  ");
}

static void text_line(const struct render *r, char *const *values)
{
    for (int i = 0; i < r->ncols; i++)
        text_cell(values[i], r->width[i], i == r->ncols - 1);
    putchar('\n');
}

static void text_header(struct render *r)
{
    text_line(r, r->names);
    for (int i = 0; i < r->ncols; i++) {
        for (int k = 0; k < r->width[i]; k++)
            putchar('-');
        if (i < r->ncols - 1)
            printf("  ");
    }
    putchar('\n');
    r->header_done = true;
}

static void flush_buffer(struct render *r)
{
    if (!r->header_done)
        text_header(r);
    for (size_t i = 0; i < r->nrows; i++) {
        char **row = &r->cells[i * (size_t)r->ncols];

        text_line(r, row);
        for (int k = 0; k < r->ncols; k++)
            free(row[k]);
    }
    r->nrows = 0;
}

void render_row(struct render *r, const char *const *values)
{
    if (r->fmt == RENDER_CSV) {
        if (!r->rows_out)
            csv_line(r, r->names);
        csv_line(r, (char *const *)values);
    } else if (r->fmt == RENDER_JSON) {
        json_line(r, values);
    } else {
        char **row = &r->cells[r->nrows * (size_t)r->ncols];

        for (int i = 0; i < r->ncols; i++) {
            int w = values[i] ? text_width(values[i]) : 4;

            row[i] = values[i] ? xstrdup(values[i]) : NULL;
            if (!r->header_done && w > r->width[i])
                r->width[i] = w > RENDER_MAX_WIDTH ? RENDER_MAX_WIDTH : w;
        }
        if (++r->nrows == RENDER_BUFFER_ROWS)
            flush_buffer(r);
    }
    r->rows_out++;
}

void render_finish(struct render *r)
{
    if (r->fmt == RENDER_TABLE) {
        flush_buffer(r);
        printf("(%zu row%s)\n", r->rows_out, r->rows_out == 1 ? "" : "s");
    } else if (r->fmt == RENDER_CSV && !r->rows_out) {
        csv_line(r, r->names);
    } else if (r->fmt == RENDER_JSON) {
        puts(r->rows_out ? "\n]" : "[]");
    }
    for (int i = 0; i < r->ncols; i++)
        free(r->names[i]);
    free(r->names);
    free(r->cells);
    free(r->width);
    free(r);
}
