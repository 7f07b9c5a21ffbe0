/*
 * sim_body.c - message bodies of an exact byte length: a short head with
 * the awkward characters (quotes, newlines, UTF-8), plain ASCII filler to
 * the size asked for, and a tail.
 */
#include "common/kv.h"
#include "sim.h"

/* The filler needs no JSON escaping, so it is appended as is. */
static const char *const sentences[] = {
    "Customers who finish setup in the first week stay three times longer. ",
    "Reply to this message if anything is unclear and a person will answer. ",
    "Your plan renews automatically; change it from the billing page. ",
    "We fixed the export bug reported last month and made reports faster. ",
    "Invite a teammate and share dashboards without copying links. ",
    "Saved segments update on their own as people start to match. ",
    "Questions about privacy? Our policy page lists every processor. ",
};

static const char *const leads[] = {
    "Ça marche ! Voici vos « astuces » du jour.",
    "今日のおすすめをお届けします。",
    "Heads up: \"quotes\" & <tags> stay intact.",
    "Grüße aus Köln 🌧️ — bis bald!",
};

static void add_filler(struct sbuf *sb, uint64_t h, uint32_t ver,
                       size_t len)
{
    size_t i = (size_t)(h % KV_ARRAY_LEN(sentences)) + ver;

    while (len) {
        const char *s = sentences[i++ % KV_ARRAY_LEN(sentences)];
        size_t n = strlen(s);

        if (n > len)
            n = len;
        sbuf_add(sb, s, n);
        len -= n;
    }
}

static void make_head(struct sbuf *head, struct sbuf *tail,
                      enum sim_body_style style, uint64_t h, uint32_t ver)
{
    const char *lead = leads[(h >> 8) % KV_ARRAY_LEN(leads)];

    switch (style) {
    case SIM_BODY_HTML:
        sbuf_addf(head, "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta "
                  "charset=\"utf-8\"></head>\n<body style=\"font-family:"
                  "'Helvetica Neue',Arial\">\n<!-- rev %" PRIu32 " -->\n"
                  "<h1>Hi {{customer.first_name}} 👋</h1>\n<p class=\""
                  "lead\">%s</p>\n<p>", ver, lead);
        sbuf_addstr(tail, "</p>\n<p><a href=\"{% unsubscribe_url %}\">"
                    "Unsubscribe</a></p>\n</body>\n</html>\n");
        break;
    case SIM_BODY_TEXT:
        sbuf_addf(head, "Hi {{customer.first_name}}! (r%" PRIu32 ") %s\n",
                  ver, lead);
        sbuf_addstr(tail, "\nReply STOP to opt out.");
        break;
    case SIM_BODY_JSON:
        sbuf_addf(head, "{\"customer_id\":\"{{customer.id}}\",\"rev\":%"
                  PRIu32 ",\"note\":\"", ver);
        sbuf_addstr(tail, "\"}");
        break;
    }
}

void sim_body_write(struct sbuf *sb, enum sim_body_style style, uint64_t h,
                    uint32_t ver, size_t len)
{
    struct sbuf head;
    struct sbuf tail;

    sbuf_init(&head, 0);
    sbuf_init(&tail, 0);
    make_head(&head, &tail, style, h, ver);
    sbuf_add(sb, "\"", 1);
    if (head.len + tail.len <= len) {
        sim_json_escape(sb, head.buf, head.len);
        add_filler(sb, h, ver, len - head.len - tail.len);
        sim_json_escape(sb, tail.buf, tail.len);
    } else {
        /* too small for the frame: plain filler keeps the length exact */
        add_filler(sb, h, ver, len);
    }
    sbuf_add(sb, "\"", 1);
    sbuf_release(&head);
    sbuf_release(&tail);
}
