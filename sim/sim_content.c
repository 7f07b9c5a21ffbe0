/*
 * sim_content.c - the text generated records are made of: enum names, word
 * lists with accents, CJK, emoji, quotes and empty strings, and bodies of
 * an exact size.
 */
#include "common/kv.h"
#include "sim.h"

static const char *const triggers[] = {
    "segment", "event", "form", "date", "relationship", "object", "webhook",
};

static const char *const states[] = {"running", "draft", "stopped"};

static const char *const atypes[] = {
    "email", "in_app", "push", "twilio", "slack", "whatsapp", "webhook",
    "attribute_update", "delay", "wait_until", "true_false_branch",
};

static const char *const ntypes[] = {
    "email", "webhook", "twilio", "push", "in_app", "inbox",
};

const char *sim_trigger_name(enum sim_trigger t)
{
    return t < SIM_TRIG_COUNT ? triggers[t] : "segment";
}

const char *sim_state_name(enum sim_state s)
{
    return s < SIM_STATE_COUNT ? states[s] : "draft";
}

const char *sim_atype_name(enum sim_atype t)
{
    return t < SIM_ACT_COUNT ? atypes[t] : "email";
}

const char *sim_ntype_name(enum sim_ntype t)
{
    return t < SIM_NL_COUNT ? ntypes[t] : "email";
}

static const char *const campaign_names[] = {
    "Trial onboarding series", "Cart abandoned nudge",
    "Réactivation des clients inactifs", "新規会員ウェルカム",
    "🎉 Birthday rewards", "", "Win-back \"VIP\" customers",
    "Renewal reminder — 30 days out", "Überprüfung der Lieferadresse",
    "会员续费提醒", "Partner webhook intake",
    "Churn risk > 0.8 (don't touch)", "Ñandú weekly digest opt-in",
    "Post-purchase review ⭐⭐⭐⭐⭐",
};

static const char *const action_names[] = {
    "Day 0 - Welcome", "Set trial_stage", "Day 3 - SMS tip", "Notify CRM",
    "", "Wait 2 days", "Relance J+7 — dernière chance",
    "プッシュ通知: カート",
    "Slack #growth alert", "WhatsApp 確認", "Branch: opened email?",
    "Ping \"billing\" service", "🎁 Coupon reminder",
    "Update lifecycle_stage",
};

static const char *const newsletter_names[] = {
    "June product update", "Maintenance window notice",
    "Black Friday teaser (draft)", "Rentrée 2024 : nouveautés",
    "年末セールのお知らせ", "🚀 Launch week recap", "",
    "Q3 \"State of the product\"", "Łódź meetup invite",
    "Security notice\nplease read", "Weekly digest",
};

static const char *const descriptions[] = {
    "Welcomes new trial accounts over their first two weeks.", "",
    "Envoie un rappel 30 jours avant l'échéance.",
    "Nudges people who left items in the cart.\nOwner: growth team.",
    "顧客の誕生日にクーポンを送ります。",
};

static const char *const subjects[] = {
    "Welcome aboard, {{customer.first_name}}!", "Your cart misses you 🛒",
    "Dernière chance : -20 %", "ご登録ありがとうございます", "",
    "Re: your \"quick\" question", "3 tips for week one",
    "Your invoice is ready",
};

static const char *const preheaders[] = {
    "Three things to try in your first week", "", "Offre valable 48 h",
    "重要なお知らせ", "No action needed — just FYI",
};

static const char *const tags[] = {
    "onboarding", "trial", "billing", "promo", "Sample", "été", "重要",
    "🔥hot", "internal", "partners",
};

static const char *const events[] = {
    "cart_abandoned", "purchase", "signed_up", "trial_ending",
    "page_viewed", "subscription.renewed",
};

static const char *const date_attributes[] = {
    "renewal_date", "birthday", "trial_end_at", "created_at",
};

static const char *const timezones[] = {
    "Europe/Berlin", "America/Chicago", "Asia/Tokyo", "UTC",
    "Australia/Sydney",
};

static const char *const layouts[] = {
    "", "base-layout-2024", "transactional", "Plain (no layout)",
};

static const char *const froms[] = {
    "Acme Team <hello@acme.example>", "Équipe Acme <bonjour@acme.example>",
    "billing@acme.example",
};

static const char *const editors[] = {"", "html", "rich_text", "visual"};

static const char *const languages[] = {"", "", "", "fr", "ja", "de"};

static const char *const urls[] = {
    "https://crm.acme.example/hooks/cio",
    "https://hooks.internal.example/v2/events?src=cio&x=1",
    "https://hooks.slack.example/services/T000/B000/abcd",
};

static const char *const methods[] = {"get", "post", "put", "delete",
                                      "patch"};

static const char *const headers[] = {
    "[]",
    "[{\"name\":\"X-Acme-Flow\",\"value\":\"onboarding\"}]",
    "[{\"name\":\"Content-Type\",\"value\":\"application/json\"},"
    "{\"name\":\"X-Sig\",\"value\":\"{{event.sig}}\"}]",
    "",
};

static const char *const emails[] = {
    "ana@acme.example", "jörg@acme.example", "ops+cio@acme.example",
};

struct text_list {
    const char *const *items;
    size_t n;
};

#define LIST(a) {a, KV_ARRAY_LEN(a)}

static const struct text_list lists[SIM_TXT_COUNT] = {
    LIST(campaign_names), LIST(action_names), LIST(newsletter_names),
    LIST(descriptions), LIST(subjects), LIST(preheaders), LIST(tags),
    LIST(events), LIST(date_attributes), LIST(timezones), LIST(layouts),
    LIST(froms), LIST(editors), LIST(languages), LIST(urls), LIST(methods),
    LIST(headers), LIST(emails),
};

const char *sim_text(enum sim_text list, uint64_t h, uint32_t step)
{
    const struct text_list *l = &lists[list];

    return l->items[(h % l->n + step) % l->n];
}
