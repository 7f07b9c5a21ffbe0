/*
 * mcp_cell.c - valid, bounded JSON strings from arbitrary cell bytes.
 */
#include "common/kv.h"
#include "mcp/mcp_cell.h"
#include "common/mem.h"

#include <math.h>

static const char replacement[] = "\xef\xbf\xbd";

/* Bytes a lead byte announces (0: not a lead byte). */
static int seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 0;
}

/*
 * Length of the valid UTF-8 sequence at p (n bytes left), or 0.  Rejects
 * overlong forms, surrogates and code points past U+10FFFF (RFC 3629).
 */
static int valid_seq(const unsigned char *p, size_t n)
{
    int len = seq_len(p[0]);

    if (!len || (size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if (len == 3 && p[0] == 0xe0 && p[1] < 0xa0)
        return 0;
    if (len == 3 && p[0] == 0xed && p[1] >= 0xa0)
        return 0;
    if (len == 4 && p[0] == 0xf0 && p[1] < 0x90)
        return 0;
    if (len == 4 && p[0] == 0xf4 && p[1] >= 0x90)
        return 0;
    return len;
}

json_t *mcp_cell_text(const char *s, size_t n, int max_chars, bool *cut)
{
    const unsigned char *p = (const unsigned char *)s;
    struct sbuf out;
    size_t i = 0;
    int chars = 0;
    json_t *j;

    sbuf_init(&out, 0);
    sbuf_add(&out, "", 0);
    *cut = false;
    while (i < n) {
        int len = valid_seq(p + i, n - i);

        if (max_chars > 0 && chars == max_chars) {
            *cut = true;
            sbuf_addstr(&out, MCP_CELL_CUT_MARK);
            break;
        }
        if (len)
            sbuf_add(&out, p + i, (size_t)len);
        else
            sbuf_addstr(&out, replacement);
        i += len ? (size_t)len : 1;
        chars++;
    }
    j = json_stringn(out.buf, out.len);
    sbuf_release(&out);
    return j;
}

json_t *mcp_cell_real(double d)
{
    if (isnan(d))
        return json_string("nan");
    if (isinf(d))
        return json_string(d > 0 ? "inf" : "-inf");
    return json_real(d);
}

json_t *mcp_cell_result(json_t *columns, json_t *rows, int64_t row_count,
                        bool truncated, int64_t cut_cells,
                        int64_t elapsed_ms)
{
    json_t *o = json_object();

    json_object_set_new(o, "columns", columns ? columns : json_array());
    json_object_set_new(o, "rows", rows);
    json_object_set_new(o, "row_count", json_integer(row_count));
    json_object_set_new(o, "truncated", json_boolean(truncated));
    json_object_set_new(o, "truncated_cells", json_integer(cut_cells));
    json_object_set_new(o, "elapsed_ms", json_integer(elapsed_ms));
    return o;
}
