/*
 * sim.h - the shared structs of kaivo-cio-sim, the bundled Customer.io App
 * API simulator: the account model, the knobs, the request/response pair
 * and the entry points of each sim/ module.
 */
#ifndef SIM_H
#define SIM_H

#include "common/kv.h"
#include "common/err.h"
#include "common/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <jansson.h>

#define SIM_ACTIONS_PER_PAGE 10
#define SIM_NEWSLETTER_LIMIT 100 /* default and maximum of ?limit= */
#define SIM_MAX_FIELDS 16        /* --add-field */
#define SIM_FIELD_NAME_MAX 64
#define SIM_MAX_MISSING 64       /* --missing-campaign */
#define SIM_TOKEN_MAX 48

/*
 * Generation 1 of a generated account is "as of" this instant
 * (2025-01-01T00:00:00Z); generation g is (g - 1) days later.  Record
 * timestamps never read the wall clock, so a seed always gives the same
 * account.
 */
#define SIM_EPOCH_GEN1 INT64_C(1735689600)
#define SIM_GEN_SECONDS INT64_C(86400)

/* ---------------------------------------------------------------- random */

/*
 * splitmix64-style mixing.  Every generated value is a function of the
 * seed and a record's identity, so nothing but compact metadata is stored.
 */
uint64_t sim_mix(uint64_t a, uint64_t b);

struct sim_rng {
    uint64_t state;
};

void sim_rng_init(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n); n must be > 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Uniform in [lo, hi]. */
int64_t sim_rng_range(struct sim_rng *r, int64_t lo, int64_t hi);
/* Uniform in [0, 1). */
double sim_rng_unit(struct sim_rng *r);
/*
 * Marks exactly k of n slots (k <= n) in marks[], each k-subset equally
 * likely.  marks must hold n bools; it is cleared first.
 */
void sim_rng_choose(struct sim_rng *r, bool *marks, size_t n, size_t k);

/* ------------------------------------------------------------ json, tokens */

/* Appends s[0..n) escaped for a JSON string, without the quotes. */
void sim_json_escape(struct sbuf *sb, const char *s, size_t n);
/* Appends s as a quoted JSON string; NULL gives null. */
void sim_json_str(struct sbuf *sb, const char *s);

/*
 * Members of an object being written.  *first is true before the first
 * member; each call writes the comma it needs and clears it.
 */
void sim_jw_key(struct sbuf *sb, bool *first, const char *key);
void sim_jw_str(struct sbuf *sb, bool *first, const char *key,
                const char *val);
void sim_jw_int(struct sbuf *sb, bool *first, const char *key, int64_t val);
void sim_jw_bool(struct sbuf *sb, bool *first, const char *key, bool val);
void sim_jw_null(struct sbuf *sb, bool *first, const char *key);
/* val is already JSON text. */
void sim_jw_raw(struct sbuf *sb, bool *first, const char *key,
                const char *val);

/*
 * Page tokens are opaque to clients: base64url (no padding) of {"o":N},
 * N the offset of the page's first record.
 */
void sim_token_make(char out[SIM_TOKEN_MAX], int64_t offset);
/* False for anything sim_token_make() could not have produced. */
bool sim_token_parse(const char *token, int64_t *offset);

/* ----------------------------------------------------------------- knobs */

enum sim_fault {
    SIM_FAULT_500,
    SIM_FAULT_502,
    SIM_FAULT_503,
    SIM_FAULT_408,
    SIM_FAULT_DROP,     /* close the connection, no response */
    SIM_FAULT_TRUNCATE, /* full Content-Length, half the body, close */
    SIM_FAULT_SLOW,     /* the whole body, in small delayed chunks */
    SIM_FAULT_BADJSON,  /* 200 with a body that is not JSON */
    SIM_FAULT_COUNT,
};
#define SIM_FAULT_NONE SIM_FAULT_COUNT

/* "500", "drop", ...; NULL past the end. */
const char *sim_fault_name(enum sim_fault f);

/*
 * Everything that may change while the simulator runs (POST /_sim/config).
 * The server holds one copy under its mutex; each request works on a
 * snapshot taken when it arrives.
 */
struct sim_knobs {
    int64_t latency_ms;
    int64_t rate_limit;    /* requests per rolling second; 0 = unlimited */
    int64_t retry_after;   /* seconds, the Retry-After of a 429 */
    bool no_retry_after;
    double fault_p[SIM_FAULT_COUNT];
    uint64_t fault_seed;
    int64_t fail_first;    /* /v1 requests still to answer 503 */
    int64_t missing[SIM_MAX_MISSING];
    int nmissing;
    bool repeat_next;
    bool bad_type;
    char fields[SIM_MAX_FIELDS][SIM_FIELD_NAME_MAX + 1];
    int nfields;
    int64_t body_bytes;    /* typical action body, +-50 % */
    int64_t big_body_bytes;
    int64_t big_body_every; /* every K-th action gets the big body; 0 = off */
};

void sim_knobs_init(struct sim_knobs *k);
bool sim_knobs_is_missing(const struct sim_knobs *k, int64_t campaign_id);
/*
 * The list-valued knobs, one entry per call; an empty value empties the
 * list.  Each fails with KV_EUSAGE on a value it cannot take.
 */
int sim_knobs_add_fault(struct sim_knobs *k, const char *spec,
                        struct kv_err *err);
int sim_knobs_add_missing(struct sim_knobs *k, const char *value,
                          struct kv_err *err);
int sim_knobs_add_field(struct sim_knobs *k, const char *name,
                        struct kv_err *err);
/* Writes the knobs as one JSON object. */
void sim_knobs_write(struct sbuf *sb, const struct sim_knobs *k);

/* Command-line options: the knobs plus what is fixed at start. */
struct sim_options {
    struct sim_knobs knobs;
    uint64_t seed;
    int64_t campaigns;
    int64_t actions;      /* -1: 15 per campaign */
    int64_t newsletters;
    int64_t generation;
    char *fixtures_dir;   /* each char * here is owned */
    char *fixture_file;
    char *api_key;
    char *api_key_file;
    char *host;
    char *port_file;
    char *log_path;
    int64_t port;
    bool help;
};

void sim_options_init(struct sim_options *o);
void sim_options_release(struct sim_options *o);
/*
 * Parses argv into o.  Fails with KV_EUSAGE and a message naming the
 * option.  Sets o->help for --help and stops there.
 */
int sim_options_parse(struct sim_options *o, int argc, char **argv,
                      struct kv_err *err);
void sim_options_usage(FILE *f);
/*
 * Applies one runtime setting (key as in the flag, with '_' for '-') to
 * k.  Keys that only make sense at start fail with KV_EUSAGE.
 */
int sim_knobs_set(struct sim_knobs *k, const char *key, const char *value,
                  struct kv_err *err);

/* ---------------------------------------------------------------- account */

enum sim_trigger {
    SIM_TRIG_SEGMENT,
    SIM_TRIG_EVENT,
    SIM_TRIG_FORM,
    SIM_TRIG_DATE,
    SIM_TRIG_RELATIONSHIP,
    SIM_TRIG_OBJECT,
    SIM_TRIG_WEBHOOK,
    SIM_TRIG_COUNT,
};

enum sim_state {
    SIM_STATE_RUNNING,
    SIM_STATE_DRAFT,
    SIM_STATE_STOPPED,
    SIM_STATE_COUNT,
};

enum sim_atype {
    SIM_ACT_EMAIL,
    SIM_ACT_IN_APP,
    SIM_ACT_PUSH,
    SIM_ACT_TWILIO,
    SIM_ACT_SLACK,
    SIM_ACT_WHATSAPP,
    SIM_ACT_WEBHOOK,
    SIM_ACT_ATTRIBUTE_UPDATE,
    SIM_ACT_DELAY,
    SIM_ACT_WAIT_UNTIL,
    SIM_ACT_BRANCH,
    SIM_ACT_COUNT,
};
/* Message tiles carry a subject/body; the rest are workflow tiles. */
#define SIM_ACT_IS_MESSAGE(t) ((t) <= SIM_ACT_WEBHOOK)

enum sim_ntype {
    SIM_NL_EMAIL,
    SIM_NL_WEBHOOK,
    SIM_NL_TWILIO,
    SIM_NL_PUSH,
    SIM_NL_IN_APP,
    SIM_NL_INBOX,
    SIM_NL_COUNT,
};

/* How the last page of a list says it is the last. */
enum sim_terminal {
    SIM_NEXT_EMPTY,  /* "next": "" */
    SIM_NEXT_NULL,   /* "next": null */
    SIM_NEXT_ABSENT, /* no "next" key */
};

/*
 * Generated records keep only what identifies them and what the
 * generations change; every other field is derived from (seed, id, ver)
 * when a page is rendered.  ver moves on every content edit; updated moves
 * only on edits that Customer.io would stamp.
 */
struct sim_action {
    int64_t id;
    int64_t parent_id; /* 0: null (or absent for workflow tiles) */
    int64_t created;
    int64_t updated;
    uint32_t seq;      /* creation ordinal in the account: big bodies */
    uint32_t ver;
    uint32_t dedupe;   /* the n of deduplicate_id "n:ts" */
    uint32_t touched;  /* generation of the last change */
    uint8_t type;      /* enum sim_atype */
};

struct sim_campaign {
    int64_t id;
    int64_t created;
    int64_t updated;
    int64_t first_started; /* 0: never started */
    uint32_t ordinal;      /* creation ordinal: terminal form, quirks */
    uint32_t ver;
    uint32_t touched;
    uint8_t trigger;       /* enum sim_trigger */
    uint8_t state;         /* enum sim_state */
    struct sim_action *actions; /* owned, sorted by id */
    size_t nactions;
    size_t actions_cap;
};

struct sim_newsletter {
    int64_t id;
    int64_t created;
    int64_t updated;
    int64_t sent_at;   /* 0: null (never sent) */
    uint32_t ver;
    uint32_t touched;
    uint8_t type;      /* enum sim_ntype */
};

struct sim_fixtures;

/*
 * The account being served: generated (fx == NULL) or loaded from
 * fixtures.  Arrays are owned and sorted by id.
 */
struct sim_account {
    uint64_t seed;
    int64_t generation;
    struct sim_campaign *campaigns;
    size_t ncampaigns;
    size_t campaigns_cap;
    struct sim_newsletter *newsletters;
    size_t nnewsletters;
    size_t newsletters_cap;
    int64_t next_campaign_id;
    int64_t next_action_id;
    int64_t next_newsletter_id;
    uint32_t next_campaign_ordinal;
    uint32_t next_seq;
    uint32_t next_dedupe;
    struct sim_fixtures *fx; /* owned */
};

struct sim_gen_params {
    uint64_t seed;
    size_t campaigns;
    size_t actions;
    size_t newsletters;
};

/* Builds generation 1 of a generated account into a (zeroed first). */
void sim_account_generate(struct sim_account *a,
                          const struct sim_gen_params *p);
void sim_account_release(struct sim_account *a);

/* Lookups by id; NULL when there is no such record. */
struct sim_campaign *sim_account_campaign(const struct sim_account *a,
                                          int64_t id);
struct sim_newsletter *sim_account_newsletter(const struct sim_account *a,
                                              int64_t id);
struct sim_action *sim_campaign_action(const struct sim_campaign *c,
                                       int64_t id);

/* Appends new records with fresh ids (stamped at time t). */
struct sim_campaign *sim_account_add_campaign(struct sim_account *a,
                                              struct sim_rng *r, int64_t t);
struct sim_action *sim_account_add_action(struct sim_account *a,
                                          struct sim_campaign *c,
                                          struct sim_rng *r, int64_t t);
struct sim_newsletter *sim_account_add_newsletter(struct sim_account *a,
                                                  struct sim_rng *r,
                                                  int64_t t);

/* Time of generation g (see SIM_EPOCH_GEN1). */
int64_t sim_generation_time(int64_t g);
/* Moves the account to its next generation (see sim_advance.c). */
void sim_account_advance(struct sim_account *a);

/* --------------------------------------------------------------- content */

const char *sim_trigger_name(enum sim_trigger t);
const char *sim_state_name(enum sim_state s);
const char *sim_atype_name(enum sim_atype t);
const char *sim_ntype_name(enum sim_ntype t);

/* The word lists records draw their text from. */
enum sim_text {
    SIM_TXT_CAMPAIGN_NAME,
    SIM_TXT_ACTION_NAME,
    SIM_TXT_NEWSLETTER_NAME,
    SIM_TXT_DESCRIPTION,
    SIM_TXT_SUBJECT,
    SIM_TXT_PREHEADER,
    SIM_TXT_TAG,
    SIM_TXT_EVENT,
    SIM_TXT_DATE_ATTRIBUTE,
    SIM_TXT_TIMEZONE,
    SIM_TXT_LAYOUT,
    SIM_TXT_FROM,
    SIM_TXT_EDITOR,
    SIM_TXT_LANGUAGE,
    SIM_TXT_URL,
    SIM_TXT_METHOD,
    SIM_TXT_HEADERS,
    SIM_TXT_EMAIL,
    SIM_TXT_COUNT,
};

/*
 * Entry (h + step) of a list, so that consecutive steps (content
 * versions) always give different text.
 */
const char *sim_text(enum sim_text list, uint64_t h, uint32_t step);

enum sim_body_style {
    SIM_BODY_HTML,
    SIM_BODY_TEXT,
    SIM_BODY_JSON, /* a JSON document held in a string */
};

/*
 * Appends a quoted JSON string whose value is exactly len bytes of valid
 * UTF-8, in the given style, varying with h and ver.  Written straight
 * into sb so that a 5 MB body exists once, in the page being built.
 */
void sim_body_write(struct sbuf *sb, enum sim_body_style style, uint64_t h,
                    uint32_t ver, size_t len);

/* ---------------------------------------------------------------- render */

/* What a render call needs: the account, the request's knob snapshot. */
struct sim_render {
    const struct sim_account *acct;
    const struct sim_knobs *knobs;
    struct sbuf *out;
};

/* Closes a record with the --add-field markers, then '}'. */
void sim_render_close(const struct sim_render *rd, bool first);
/* Writes ,"next":... for the given token or terminal form. */
void sim_render_next(struct sbuf *sb, const char *token,
                     enum sim_terminal terminal);

void sim_render_campaign(const struct sim_render *rd,
                         const struct sim_campaign *c, bool bad_id);
void sim_render_action(const struct sim_render *rd,
                       const struct sim_campaign *c,
                       const struct sim_action *act);
void sim_render_newsletter(const struct sim_render *rd,
                           const struct sim_newsletter *n);
enum sim_terminal sim_campaign_terminal(const struct sim_campaign *c);

/* ---------------------------------------------------------------- fixtures */

/* Loads DIR/campaigns.json, DIR/newsletters.json, DIR/actions/<id>.json. */
int sim_fixtures_load_dir(struct sim_fixtures **out, const char *dir,
                          struct kv_err *err);
/* Loads one file shaped like spec/fixtures/recorded-real.json. */
int sim_fixtures_load_file(struct sim_fixtures **out, const char *path,
                           struct kv_err *err);
void sim_fixtures_free(struct sim_fixtures *fx);

/* The records as loaded (borrowed); actions NULL when the file is missing. */
const json_t *sim_fixtures_campaigns(const struct sim_fixtures *fx);
const json_t *sim_fixtures_newsletters(const struct sim_fixtures *fx);
const json_t *sim_fixtures_actions(const struct sim_fixtures *fx,
                                   int64_t campaign_id,
                                   enum sim_terminal *terminal);
/* Writes one loaded record (with the markers; id "abc" when bad_id). */
void sim_fixtures_render(const struct sim_render *rd, const json_t *rec,
                         bool bad_id);
/* The integer id of a loaded record, also from a string "25"; or -1. */
int64_t sim_fixtures_id(const json_t *rec);

/* ------------------------------------------------------- request, response */

struct sim_resp {
    int status;
    struct sbuf body;
    int64_t retry_after;  /* > 0: send Retry-After */
    const char *allow;    /* 405: the Allow header (static) */
    bool html;            /* text/html instead of JSON (a proxy's page) */
    enum sim_fault fault; /* a body fault, applied only to a 200 */
};

void sim_resp_init(struct sim_resp *r);
void sim_resp_release(struct sim_resp *r);
/* Sets status and the {"meta":{"error":msg}} body. */
void sim_resp_error(struct sim_resp *r, int status, const char *msg);

enum sim_endpoint {
    SIM_EP_CAMPAIGNS,
    SIM_EP_CAMPAIGN,
    SIM_EP_ACTIONS,
    SIM_EP_ACTION,
    SIM_EP_NEWSLETTERS,
    SIM_EP_NEWSLETTER,
    SIM_EP_OTHER,
    SIM_EP_COUNT,
};

const char *sim_endpoint_name(enum sim_endpoint ep);

/* A /v1 path taken apart. */
struct sim_route {
    enum sim_endpoint ep;
    int64_t id;     /* campaign or newsletter */
    int64_t sub_id; /* action */
    bool bad_id;    /* an id segment that is not a positive integer */
};

/* The query arguments the API reads (borrowed, NULL when absent). */
struct sim_args {
    const char *start;
    const char *limit;
    const char *sort;
};

/* Parses url ("/v1/...") into rt. */
void sim_route_parse(const char *url, struct sim_route *rt);
/* Answers one authenticated GET; the caller holds the account read lock. */
void sim_api_serve(const struct sim_render *rd, const struct sim_route *rt,
                   const struct sim_args *args, struct sim_resp *r);
/* The whole account as {"campaigns":..,"actions":{..},"newsletters":..}. */
void sim_api_dump(const struct sim_render *rd);

/* ---------------------------------------------------------------- stats */

/* Arrival times (ms, monotonic) within the last second; a growable ring. */
struct sim_window {
    int64_t *t;
    size_t head;
    size_t len;
    size_t cap;
};

/* Drops times at or before now - 1000 and returns how many remain. */
size_t sim_window_count(struct sim_window *w, int64_t now);
void sim_window_push(struct sim_window *w, int64_t now);
void sim_window_release(struct sim_window *w);

struct sim_stats {
    uint64_t requests;         /* /v1 requests */
    uint64_t control;          /* /_sim requests */
    uint64_t status[600];      /* /v1 responses by status */
    uint64_t dropped;          /* /v1 connections closed unanswered */
    uint64_t endpoint[SIM_EP_COUNT];
    int64_t first_ms;          /* wall clock; 0 = no request yet */
    int64_t last_ms;
    int64_t in_flight;
    int64_t max_in_flight;
    size_t busiest;            /* most /v1 arrivals in a rolling second */
    struct sim_window arrivals;
    struct sim_window accepted; /* arrivals the rate limit let through */
};

void sim_stats_init(struct sim_stats *st);
void sim_stats_release(struct sim_stats *st);
/* Zeroes the counters; requests in flight stay counted. */
void sim_stats_reset(struct sim_stats *st);
/* Counts a /v1 arrival at monotonic time now. */
void sim_stats_arrive(struct sim_stats *st, enum sim_endpoint ep,
                      int64_t now);
/* True when the rolling-second limit lets this request in (and counts it). */
bool sim_stats_admit(struct sim_stats *st, int64_t limit, int64_t now);
void sim_stats_write(struct sbuf *sb, const struct sim_stats *st,
                     int64_t generation);

/* ---------------------------------------------------------------- server */

struct sim_server {
    struct sim_account *acct;   /* guarded by acct_lock */
    pthread_rwlock_t acct_lock;
    pthread_mutex_t lock;       /* guards knobs, stats, draws, log */
    struct sim_knobs knobs;
    struct sim_stats stats;
    uint64_t fault_draws;       /* /v1 requests that rolled for a fault */
    char *api_key;              /* owned; never printed */
    FILE *log;                  /* --log-requests, or NULL */
    struct MHD_Daemon *mhd;
    int port;
    atomic_bool stopping;       /* cuts simulated waits short at shutdown */
};

/* Zeroes s and sets up its locks, default knobs and stats. */
void sim_server_init(struct sim_server *s);
/* Stops the server if running and frees what s owns, except acct. */
void sim_server_release(struct sim_server *s);
/*
 * Listens on host (a loopback address) and port (0 = any) and serves
 * from threads of its own.  s must have acct, knobs and api_key set.
 */
int sim_server_start(struct sim_server *s, const char *host, int64_t port,
                     struct kv_err *err);
void sim_server_stop(struct sim_server *s);
/* Sleeps ms, or less when the server is stopping. */
void sim_server_nap(struct sim_server *s, int64_t ms);

/* One request, from MHD's URI callback to its completion callback. */
struct sim_req {
    char *uri;    /* owned: the request target as sent, with the query */
    bool started; /* the access handler has seen it once */
    bool v1;      /* counted in flight as an API request */
};

struct MHD_Connection;

/* Queues r on c; returns an MHD_Result. */
int sim_http_send(struct MHD_Connection *c, struct sim_resp *r);
/* Appends one --log-requests line (status 0: dropped).  Takes the mutex. */
void sim_http_log(struct sim_server *s, const char *method, const char *uri,
                  int status, bool auth, enum sim_fault fault);

/* Answers an API request: gates, faults, latency, then the API. */
int sim_v1_handle(struct sim_server *s, struct MHD_Connection *c,
                  struct sim_req *rq, const char *method, const char *url);

/* Answers a /_sim/ request (sim_ctl.c). */
void sim_ctl_handle(struct sim_server *s, struct MHD_Connection *c,
                    const char *method, const char *url, struct sim_resp *r);

#endif
