/*
 * cmd_forget.c - `kaivo forget TABLE KEY...`: delete single records from
 * the warehouse (privacy requests).  The keys are remembered first, so a
 * crash halfway never lets a later sync bring a record back, and so no
 * later sync does.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/mem.h"
#include "common/util.h"
#include "source/catalog.h"
#include "ws/ws_records.h"
#include "ws/ws_tables.h"

static const struct opts_spec specs[] = {
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command forget_cmd = {
    "kaivo forget TABLE KEY...",
    "Deletes records from the warehouse and reports how many it removed.\n"
    "A KEY is the record's id; for campaigns_actions CAMPAIGN_ID:ID.  The\n"
    "keys are remembered in the workspace: later syncs never write these\n"
    "records again, even when Customer.io still has them.",
    specs, 2, -1,
};

/* "012" and "12" name the same record: keys are stored as the sync does. */
static int canonical_key(const struct catalog_table *t, const char *key,
                         char *out, size_t size, struct kv_err *err)
{
    char *copy = xstrdup(key);
    char *colon = strchr(copy, ':');
    int64_t a, b;
    bool ok;

    if (colon)
        *colon = '\0';
    ok = kv_parse_int64(copy, &a) && (t->nkey == 1 ? !colon : colon &&
         kv_parse_int64(colon + 1, &b));
    free(copy);
    if (!ok)
        return kv_err_set(err, KV_EUSAGE, "'%s' is not a key of %s (%s)",
                          key, t->name, t->nkey == 1 ? "ID" :
                          "CAMPAIGN_ID:ID");
    if (t->nkey == 1)
        snprintf(out, size, "%" PRId64, a);
    else
        snprintf(out, size, "%" PRId64 ":%" PRId64, a, b);
    return KV_OK;
}

static int forget(const struct catalog_table *t, char **keys, int n,
                  struct kv_err *err)
{
    struct cli_session s;
    struct table_schema schema = {0};
    char **canon = xcalloc((size_t)n, sizeof(char *));
    int64_t removed = 0;
    int rc = KV_OK;

    for (int i = 0; !rc && i < n; i++) {
        canon[i] = xmalloc(48);
        rc = canonical_key(t, keys[i], canon[i], 48, err);
    }
    if (!rc)
        rc = cli_session_open(&s, true, err);
    else
        memset(&s, 0, sizeof(s));
    if (!rc)
        rc = ws_schema_load(s.ws, t->name, true, &schema, err);
    for (int i = 0; !rc && i < n; i++)
        rc = ws_forgotten_add(s.ws, t->name, canon[i], err);
    if (!rc)
        rc = s.dest->ops->forget(s.dest, &schema, (const char *const *)canon,
                                 (size_t)n, &removed, err);
    for (int i = 0; !rc && i < n; i++)
        rc = ws_record_delete(s.ws, t->name, canon[i], err);
    if (!rc)
        printf("removed %" PRId64 " of %d record%s from %s; later syncs will "
               "not write %s again\n", removed, n, n == 1 ? "" : "s",
               t->name, n == 1 ? "it" : "them");
    for (int i = 0; i < n; i++)
        free(canon[i]);
    free(canon);
    table_schema_release(&schema);
    cli_session_close(&s);
    return rc;
}

int cmd_forget(int argc, char **argv)
{
    const struct catalog_table *t;
    struct kv_err err;
    char **pos;
    int npos, status;
    int rc;

    if (cli_parse(argc, argv, &forget_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    t = catalog_require(pos[0], &err);
    if (!t)
        rc = KV_EUSAGE;
    else
        rc = forget(t, pos + 1, npos - 1, &err);
    free(pos);
    return rc ? cli_fail(&err) : 0;
}
