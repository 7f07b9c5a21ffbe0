/*
 * sim_render.c - JSON of generated campaigns and newsletters, derived per
 * request from the compact records and the seed, plus the pieces every
 * record and page shares (the --add-field markers, the next token).
 */
#include "common/kv.h"
#include "sim.h"

void sim_render_close(const struct sim_render *rd, bool first)
{
    const struct sim_knobs *k = rd->knobs;

    for (int i = 0; i < k->nfields; i++) {
        sim_jw_key(rd->out, &first, k->fields[i]);
        sbuf_addf(rd->out, "\"KAIVO_MARKER_%s\"", k->fields[i]);
    }
    sbuf_add(rd->out, "}", 1);
}

void sim_render_next(struct sbuf *sb, const char *token,
                     enum sim_terminal terminal)
{
    if (token)
        sbuf_addf(sb, ",\"next\":\"%s\"", token);
    else if (terminal == SIM_NEXT_EMPTY)
        sbuf_addstr(sb, ",\"next\":\"\"");
    else if (terminal == SIM_NEXT_NULL)
        sbuf_addstr(sb, ",\"next\":null");
}

enum sim_terminal sim_campaign_terminal(const struct sim_campaign *c)
{
    return (enum sim_terminal)(c->ordinal % 3);
}

/* "n:ts", the shape of every deduplicate_id. */
static void write_dedupe(struct sbuf *sb, bool *first, int64_t n,
                         int64_t ts)
{
    sim_jw_key(sb, first, "deduplicate_id");
    sbuf_addf(sb, "\"%" PRId64 ":%" PRId64 "\"", n, ts);
}

/* A list of count small ids drawn from h. */
static void write_ids(struct sbuf *sb, bool *first, const char *key,
                      uint64_t h, unsigned count)
{
    sim_jw_key(sb, first, key);
    sbuf_add(sb, "[", 1);
    for (unsigned i = 0; i < count; i++)
        sbuf_addf(sb, "%s%" PRIu64, i ? "," : "",
                  1 + sim_mix(h, i) % 40);
    sbuf_add(sb, "]", 1);
}

/* null, [] or up to three tags, as live accounts show all three. */
static void write_tags(struct sbuf *sb, bool *first, uint64_t h)
{
    unsigned mode = (unsigned)(h % 6);

    sim_jw_key(sb, first, "tags");
    if (!mode) {
        sbuf_addstr(sb, "null");
        return;
    }
    sbuf_add(sb, "[", 1);
    for (unsigned i = 0; i + 1 < mode && i < 3; i++) {
        if (i)
            sbuf_add(sb, ",", 1);
        sim_json_str(sb, sim_text(SIM_TXT_TAG, h >> 8, i));
    }
    sbuf_add(sb, "]", 1);
}

static void write_summary(struct sbuf *sb, bool *first,
                          const struct sim_campaign *c)
{
    sim_jw_key(sb, first, "actions");
    sbuf_add(sb, "[", 1);
    for (size_t i = 0; i < c->nactions; i++)
        sbuf_addf(sb, "%s{\"id\":%" PRId64 ",\"type\":\"%s\"}",
                  i ? "," : "", c->actions[i].id,
                  sim_atype_name(c->actions[i].type));
    sbuf_add(sb, "]", 1);
}

static const char audience[] =
    "{\"type\":0,\"person_filters\":{\"and\":[{\"attribute\":{\"field\":"
    "\"plan\",\"operator\":\"eq\",\"value\":\"pro\"}}]},"
    "\"relationship_filters\":{}}";

/* Object and relationship triggers hold their conditions as JSON text. */
static void write_linked(struct sbuf *sb, bool *first, uint64_t h,
                         const char *prefix)
{
    char key[64];

    sim_jw_raw(sb, first, "audience", audience);
    sim_jw_int(sb, first, "object_type_id", (int64_t)(1 + h % 4));
    snprintf(key, sizeof(key), "%s_attribute_triggers", prefix);
    sim_jw_str(sb, first, key,
               "{\"or\":[{\"field\":\"status\",\"operator\":\"changed\"}]}");
    snprintf(key, sizeof(key), "filter_%s_attributes", prefix);
    sim_jw_str(sb, first, key, h & 1 ? "" : "{\"and\":[]}");
}

static void write_date(struct sbuf *sb, bool *first, uint64_t h)
{
    static const char *const freq[] = {"once", "monthly", "yearly"};

    sim_jw_str(sb, first, "date_attribute",
               sim_text(SIM_TXT_DATE_ATTRIBUTE, h, 0));
    sim_jw_str(sb, first, "frequency", freq[h % 3]);
    sim_jw_int(sb, first, "start_hour", (int64_t)(h >> 4) % 24);
    sim_jw_int(sb, first, "start_minutes", (int64_t)(h >> 9) % 60);
    sim_jw_str(sb, first, "timezone", sim_text(SIM_TXT_TIMEZONE, h, 1));
    sim_jw_bool(sb, first, "use_customer_timezone", (h >> 20) & 1);
}

static void write_trigger(struct sbuf *sb, bool *first,
                          const struct sim_campaign *c, uint64_t h)
{
    switch (c->trigger) {
    case SIM_TRIG_SEGMENT:
        write_ids(sb, first, "trigger_segment_ids", h, 1 + h % 2);
        write_ids(sb, first, "filter_segment_ids", h >> 3, h >> 5 & 3);
        sim_jw_raw(sb, first, "msg_templates",
                   "[{\"id\":881,\"type\":\"email\"},"
                   "{\"id\":882,\"type\":\"sms\"}]");
        break;
    case SIM_TRIG_EVENT:
        sim_jw_str(sb, first, "event_name", sim_text(SIM_TXT_EVENT, h, 0));
        write_ids(sb, first, "filter_segment_ids", h >> 3, h >> 5 & 1);
        break;
    case SIM_TRIG_FORM:
        write_ids(sb, first, "filter_segment_ids", h >> 3, h >> 5 & 3);
        break;
    case SIM_TRIG_DATE:
        write_date(sb, first, h);
        break;
    case SIM_TRIG_RELATIONSHIP:
        write_linked(sb, first, h, "relationship");
        break;
    case SIM_TRIG_OBJECT:
        write_linked(sb, first, h, "object");
        break;
    case SIM_TRIG_WEBHOOK:
        sim_jw_int(sb, first, "webhook_id", (int64_t)(5000 + h % 1000));
        break;
    }
}

static void write_campaign_head(struct sbuf *sb, bool *first,
                                const struct sim_campaign *c, uint64_t h)
{
    unsigned desc = (unsigned)(h >> 3) % 4;

    write_dedupe(sb, first, c->id, c->updated);
    sim_jw_str(sb, first, "name", sim_text(SIM_TXT_CAMPAIGN_NAME, h,
                                           c->ver));
    if (desc)
        sim_jw_str(sb, first, "description",
                   desc == 1 ? "" : sim_text(SIM_TXT_DESCRIPTION, h,
                                             c->ver));
    /* the deprecated trigger `type` is already missing on some */
    if (c->ordinal % 6 != 5)
        sim_jw_str(sb, first, "type", sim_trigger_name(c->trigger));
    sim_jw_int(sb, first, "created", c->created);
    sim_jw_int(sb, first, "updated", c->updated);
    sim_jw_bool(sb, first, "active", c->state == SIM_STATE_RUNNING);
    sim_jw_str(sb, first, "state", sim_state_name(c->state));
}

void sim_render_campaign(const struct sim_render *rd,
                         const struct sim_campaign *c, bool bad_id)
{
    struct sbuf *sb = rd->out;
    uint64_t h = sim_mix(sim_mix(rd->acct->seed, 'C'), (uint64_t)c->id);
    bool first = true;

    sbuf_add(sb, "{", 1);
    if (bad_id)
        sim_jw_str(sb, &first, "id", "abc");
    else
        sim_jw_int(sb, &first, "id", c->id);
    write_campaign_head(sb, &first, c, h);
    write_summary(sb, &first, c);
    sim_jw_int(sb, &first, "first_started", c->first_started);
    write_tags(sb, &first, sim_mix(h, c->ver));
    write_trigger(sb, &first, c, h);
    /* a field outside the documented schema, as older accounts have */
    if (h % 4 == 0)
        sim_jw_str(sb, &first, "created_by", sim_text(SIM_TXT_EMAIL, h, 0));
    sim_render_close(rd, first);
}

void sim_render_newsletter(const struct sim_render *rd,
                           const struct sim_newsletter *n)
{
    struct sbuf *sb = rd->out;
    uint64_t h = sim_mix(sim_mix(rd->acct->seed, 'N'), (uint64_t)n->id);
    bool first = true;
    unsigned segs = (unsigned)(h >> 4) % 3;

    sbuf_add(sb, "{", 1);
    sim_jw_int(sb, &first, "id", n->id);
    write_dedupe(sb, &first, n->id, n->updated);
    sim_jw_str(sb, &first, "name", sim_text(SIM_TXT_NEWSLETTER_NAME, h,
                                            n->ver));
    sim_jw_str(sb, &first, "type", sim_ntype_name(n->type));
    sim_jw_int(sb, &first, "created", n->created);
    sim_jw_int(sb, &first, "updated", n->updated);
    if (n->sent_at)
        sim_jw_int(sb, &first, "sent_at", n->sent_at);
    else
        sim_jw_null(sb, &first, "sent_at");
    write_ids(sb, &first, "content_ids", h, 1 + h % 3);
    if (segs)
        write_ids(sb, &first, "recipient_segment_ids", h >> 7, segs - 1);
    write_tags(sb, &first, sim_mix(h, n->ver));
    if (h % 3 == 0)
        sim_jw_int(sb, &first, "subscription_topic_id", (int64_t)(h % 5));
    if (h % 5 == 0)
        sim_jw_bool(sb, &first, "tz_match_enabled", false);
    sim_render_close(rd, first);
}
