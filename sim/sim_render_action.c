/*
 * sim_render_action.c - JSON of one generated campaign action.  The fields
 * present depend on the tile type, as in live accounts; content derives
 * from (seed, id, ver), so a content edit needs nothing but a new ver.
 */
#include "common/kv.h"
#include "sim.h"

struct act_ctx {
    const struct sim_render *rd;
    const struct sim_action *act;
    struct sbuf *sb;
    bool *first;
    uint64_t h;   /* identity of the action: what never changes */
    uint64_t hv;  /* identity and version: what edits change */
};

static void body(const struct act_ctx *x, enum sim_body_style style,
                 bool empty)
{
    const struct sim_knobs *k = x->rd->knobs;
    int64_t every = k->big_body_every;
    size_t len = 0;

    if (every > 0 && (x->act->seq + 1) % (uint64_t)every == 0)
        len = (size_t)k->big_body_bytes;
    else if (!empty)
        len = (size_t)(k->body_bytes * (50 + (int64_t)(x->h % 101)) / 100);
    sim_jw_key(x->sb, x->first, "body");
    sim_body_write(x->sb, style, x->hv, x->act->ver, len);
}

static void text(const struct act_ctx *x, const char *key,
                 enum sim_text list, uint32_t step)
{
    sim_jw_str(x->sb, x->first, key, sim_text(list, x->h, step));
}

static void write_email(const struct act_ctx *x)
{
    struct sbuf *sb = x->sb;
    bool *f = x->first;

    text(x, "layout", SIM_TXT_LAYOUT, 0);
    text(x, "language", SIM_TXT_LANGUAGE, 0);
    text(x, "editor", SIM_TXT_EDITOR, 0);
    text(x, "from", SIM_TXT_FROM, 0);
    sim_jw_int(sb, f, "from_id", (int64_t)(1 + x->h % 9));
    sim_jw_str(sb, f, "reply_to", x->h & 2 ? "support@acme.example" : "");
    if (x->h & 4)
        sim_jw_int(sb, f, "reply_to_id", (int64_t)(x->h % 7));
    else
        sim_jw_null(sb, f, "reply_to_id");
    sim_jw_str(sb, f, "recipient", "{{customer.email}}");
    text(x, "subject", SIM_TXT_SUBJECT, x->act->ver);
    text(x, "preheader_text", SIM_TXT_PREHEADER, x->act->ver);
    sim_jw_str(sb, f, "cc", "");
    sim_jw_str(sb, f, "bcc", x->h & 8 ? "audit@acme.example" : "");
    sim_jw_bool(sb, f, "fake_bcc", x->h & 16);
    sim_jw_str(sb, f, "preprocessor", x->h & 32 ? "premailer" : "");
    text(x, "headers", SIM_TXT_HEADERS, 0);
    body(x, SIM_BODY_HTML, false);
    sim_jw_str(sb, f, "body_amp", "");
}

static void write_webhook(const struct act_ctx *x)
{
    sim_jw_str(x->sb, x->first, "layout", "");
    sim_jw_str(x->sb, x->first, "language", "");
    text(x, "url", SIM_TXT_URL, 0);
    text(x, "method", SIM_TXT_METHOD, 0);
    text(x, "headers", SIM_TXT_HEADERS, 1);
    body(x, SIM_BODY_JSON, false);
}

static void write_whatsapp(const struct act_ctx *x)
{
    sim_jw_str(x->sb, x->first, "language", "");
    sim_jw_str(x->sb, x->first, "recipient", "");
    body(x, SIM_BODY_JSON, false);
    sim_jw_bool(x->sb, x->first, "send_to_unsubscribed", x->h & 2);
    sim_jw_bool(x->sb, x->first, "tracked", x->h & 4);
    sim_jw_int(x->sb, x->first, "sender_identity_id",
               (int64_t)(100 + x->h % 50));
}

/* Push, SMS, Slack and in-app share a short text shape. */
static void write_short(const struct act_ctx *x, enum sim_atype t)
{
    struct sbuf *sb = x->sb;
    bool *f = x->first;

    text(x, "language", SIM_TXT_LANGUAGE, 0);
    sim_jw_str(sb, f, "recipient", t == SIM_ACT_SLACK ? "#growth" : "");
    if (t == SIM_ACT_PUSH)
        text(x, "subject", SIM_TXT_SUBJECT, x->act->ver);
    if (t == SIM_ACT_SLACK)
        text(x, "url", SIM_TXT_URL, 2);
    if (t == SIM_ACT_IN_APP)
        sim_jw_str(sb, f, "body_json", "{\"blocks\":[{\"type\":\"text\"}]}");
    body(x, t == SIM_ACT_IN_APP ? SIM_BODY_HTML : SIM_BODY_TEXT, false);
    if (t == SIM_ACT_TWILIO)
        sim_jw_str(sb, f, "image_url", x->h & 2 ?
                   "https://cdn.acme.example/mms/coupon.png" : "");
}

/* Workflow tiles: no message, an empty body, an undocumented field. */
static void write_tile(const struct act_ctx *x)
{
    sim_jw_str(x->sb, x->first, "layout", "");
    body(x, SIM_BODY_TEXT, true);
    sim_jw_str(x->sb, x->first, "language", "");
    sim_jw_str(x->sb, x->first, "editor", "");
    sim_jw_str(x->sb, x->first, "recipient", "");
    sim_jw_int(x->sb, x->first, "recipient_environment_id",
               (int64_t)(144000 + x->h % 1000));
}

static void write_head(const struct act_ctx *x, const struct sim_campaign *c)
{
    const struct sim_action *act = x->act;
    struct sbuf *sb = x->sb;

    sim_jw_key(sb, x->first, "id");
    sbuf_addf(sb, "\"%" PRId64 "\"", act->id);
    sim_jw_int(sb, x->first, "campaign_id", c->id);
    /* attribute updates omit it, as in the recorded live action */
    if (act->type != SIM_ACT_ATTRIBUTE_UPDATE && act->parent_id)
        sim_jw_int(sb, x->first, "parent_action_id", act->parent_id);
    else if (act->type != SIM_ACT_ATTRIBUTE_UPDATE)
        sim_jw_null(sb, x->first, "parent_action_id");
    sim_jw_key(sb, x->first, "deduplicate_id");
    sbuf_addf(sb, "\"%" PRIu32 ":%" PRId64 "\"", act->dedupe, act->updated);
    text(x, "name", SIM_TXT_ACTION_NAME, act->ver);
    sim_jw_str(sb, x->first, "type", sim_atype_name(act->type));
    if (SIM_ACT_IS_MESSAGE(act->type))
        sim_jw_str(sb, x->first, "sending_state",
                   x->h % 5 ? "automatic" : (x->h & 1 ? "draft" : "off"));
    sim_jw_int(sb, x->first, "created", act->created);
    sim_jw_int(sb, x->first, "updated", act->updated);
}

void sim_render_action(const struct sim_render *rd,
                       const struct sim_campaign *c,
                       const struct sim_action *act)
{
    bool first = true;
    uint64_t h = sim_mix(sim_mix(rd->acct->seed, 'A'), (uint64_t)act->id);
    struct act_ctx x = {rd, act, rd->out, &first, h, sim_mix(h, act->ver)};

    sbuf_add(rd->out, "{", 1);
    write_head(&x, c);
    switch (act->type) {
    case SIM_ACT_EMAIL:
        write_email(&x);
        break;
    case SIM_ACT_WEBHOOK:
        write_webhook(&x);
        break;
    case SIM_ACT_WHATSAPP:
        write_whatsapp(&x);
        break;
    case SIM_ACT_IN_APP:
    case SIM_ACT_PUSH:
    case SIM_ACT_TWILIO:
    case SIM_ACT_SLACK:
        write_short(&x, act->type);
        break;
    default:
        write_tile(&x);
        break;
    }
    sim_render_close(rd, first);
}
