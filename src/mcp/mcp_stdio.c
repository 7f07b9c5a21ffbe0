/*
 * mcp_stdio.c - the stdio loop.  Requests are answered in order, one at a
 * time; a query is bounded by its time limit.
 * NEEDSWORK: notifications/cancelled is read only after the request it
 * names has been answered, so it cannot stop a running query; reading
 * stdin on a thread of its own would allow that.
 */
#include "common/kv.h"
#include "mcp/mcp_stdio.h"
#include "common/mem.h"
#include "mcp/mcp_rpc.h"

#define STDIO_CHUNK 65536

/* Whether line holds only white space (skipped, as the spec allows). */
static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

static int put_line(FILE *out, const char *text, struct kv_err *err)
{
    if (fputs(text, out) == EOF || fputc('\n', out) == EOF ||
        fflush(out) == EOF)
        return kv_err_set(err, KV_EFAIL, "cannot write to stdout: %s",
                          strerror(errno));
    return KV_OK;
}

/*
 * Reads one line into line (without the newline).  *too_long tells that
 * it passed the cap and was dropped.  Returns false at EOF or error.
 */
static bool read_line(FILE *in, struct sbuf *line, bool *too_long)
{
    char chunk[STDIO_CHUNK];
    bool got = false;

    sbuf_reset(line);
    *too_long = false;
    while (fgets(chunk, sizeof(chunk), in)) {
        size_t n = strlen(chunk);
        bool end = n && chunk[n - 1] == '\n';

        got = true;
        if (!*too_long && sbuf_add(line, chunk, end ? n - 1 : n))
            *too_long = true;
        if (end)
            return true;
    }
    return got && feof(in);
}

static int handle(struct mcp_server *s, struct mcp_session *ss,
                  struct sbuf *line, bool too_long, FILE *out,
                  struct kv_err *err)
{
    struct mcp_reply r;
    int rc = KV_OK;

    if (too_long) {
        char *text = mcp_rpc_error(NULL, MCP_INVALID_REQUEST, "message "
                                   "too large", NULL);

        rc = put_line(out, text, err);
        free(text);
        return rc;
    }
    if (!line->buf || blank(line->buf, line->len))
        return KV_OK;
    mcp_server_handle(s, ss, line->buf, line->len, &r);
    if (r.text)
        rc = put_line(out, r.text, err);
    mcp_reply_release(&r);
    return rc;
}

int mcp_stdio_run(struct mcp_server *s, FILE *in, FILE *out,
                  volatile sig_atomic_t *stop, struct kv_err *err)
{
    struct mcp_session ss;
    struct sbuf line;
    bool too_long;
    int rc = KV_OK;

    memset(&ss, 0, sizeof(ss));
    sbuf_init(&line, MCP_STDIO_MAX_LINE);
    while (!rc) {
        if (!read_line(in, &line, &too_long))
            break;
        if (stop && *stop)
            break;
        rc = handle(s, &ss, &line, too_long, out, err);
    }
    if (!rc && stop && *stop)
        rc = kv_err_set(err, KV_ECANCEL, "stopped by a signal");
    sbuf_release(&line);
    return rc;
}
