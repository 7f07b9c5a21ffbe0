/*
 * catalog.c - the three Customer.io tables and their default columns.
 * Types follow PRODUCT.md: ids and counts INT64, created/updated/
 * first_started/sent_at TIMESTAMP, lists and objects JSON.  `headers` is a
 * STRING: Customer.io sends it as a string that holds JSON, and we keep
 * what it sends.
 */
#include "common/kv.h"
#include "source/catalog.h"

#define I TABLE_INT64
#define B TABLE_BOOL
#define S TABLE_STRING
#define T TABLE_TIMESTAMP
#define J TABLE_JSON

static const char *const campaigns_key[] = {"id"};
static const char *const actions_key[] = {"campaign_id", "id"};
static const char *const newsletters_key[] = {"id"};

static const struct catalog_column campaigns_cols[] = {
    {"id", I}, {"deduplicate_id", S}, {"name", S}, {"description", S},
    {"type", S}, {"state", S}, {"active", B}, {"created", T},
    {"updated", T}, {"first_started", T}, {"tags", J}, {"actions", J},
    {"trigger_segment_ids", J}, {"filter_segment_ids", J},
    {"msg_templates", J}, {"event_name", S}, {"date_attribute", S},
    {"frequency", S}, {"start_hour", I}, {"start_minutes", I},
    {"timezone", S}, {"use_customer_timezone", B}, {"audience", J},
    {"object_type_id", I}, {"webhook_id", I},
};

static const struct catalog_column actions_cols[] = {
    {"campaign_id", I}, {"id", I}, {"parent_action_id", I},
    {"deduplicate_id", S}, {"name", S}, {"type", S}, {"sending_state", S},
    {"created", T}, {"updated", T}, {"layout", S}, {"language", S},
    {"editor", S}, {"subject", S}, {"preheader_text", S}, {"from", S},
    {"from_id", I}, {"reply_to", S}, {"reply_to_id", I}, {"recipient", S},
    {"cc", S}, {"bcc", S}, {"fake_bcc", B}, {"preprocessor", S},
    {"headers", S}, {"body", S}, {"body_amp", S}, {"url", S},
    {"method", S}, {"image_url", S},
};

static const struct catalog_column newsletters_cols[] = {
    {"id", I}, {"deduplicate_id", S}, {"name", S}, {"type", S},
    {"created", T}, {"updated", T}, {"sent_at", T}, {"content_ids", J},
    {"recipient_segment_ids", J}, {"tags", J}, {"subscription_topic_id", I},
};

#define TABLE(n, k, m, c) \
    {n, k, (int)KV_ARRAY_LEN(k), m, c, (int)KV_ARRAY_LEN(c)}

static const struct catalog_table tables[] = {
    TABLE("campaigns", campaigns_key, TABLE_FULL_REFRESH, campaigns_cols),
    TABLE("campaigns_actions", actions_key, TABLE_INCREMENTAL, actions_cols),
    TABLE("newsletters", newsletters_key, TABLE_INCREMENTAL,
          newsletters_cols),
};

const struct catalog_table *catalog_tables(int *n)
{
    *n = (int)KV_ARRAY_LEN(tables);
    return tables;
}

const struct catalog_table *catalog_find(const char *name)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(tables); i++)
        if (!strcmp(tables[i].name, name))
            return &tables[i];
    return NULL;
}

const struct catalog_column *catalog_column(const struct catalog_table *t,
                                            const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, name))
            return &t->cols[i];
    return NULL;
}

const struct catalog_table *catalog_require(const char *name,
                                            struct kv_err *err)
{
    const struct catalog_table *t = catalog_find(name);

    if (!t)
        kv_err_set(err, KV_EUSAGE, "unknown table '%s' (tables: campaigns, "
                   "campaigns_actions, newsletters)", name);
    return t;
}
