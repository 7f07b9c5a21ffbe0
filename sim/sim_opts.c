/*
 * sim_opts.c - the simulator's options as one table: it drives the
 * command line, --help, and the runtime settings of POST /_sim/config
 * (same names, '_' for '-').
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

#include <getopt.h>

enum opt_kind {
    OPT_INT,  /* int64_t member within [min, max] */
    OPT_SEED, /* uint64_t member */
    OPT_BOOL, /* bool member; a switch on the command line */
    OPT_STR,  /* owned char * member */
    OPT_LIST, /* one entry of a list knob, through add() */
};

struct opt {
    const char *name;
    const char *arg;  /* shown in --help; NULL for a switch */
    enum opt_kind kind;
    size_t off;       /* the member in struct sim_options */
    int64_t min;
    int64_t max;
    bool runtime;     /* also settable through POST /_sim/config */
    int (*add)(struct sim_knobs *k, const char *v, struct kv_err *err);
    const char *help;
};

#define AT(m) offsetof(struct sim_options, m)
#define KNOB(m) offsetof(struct sim_options, knobs.m)
#define MB (INT64_C(1) << 20)

static const struct opt opts[] = {
    {"seed", "S", OPT_SEED, AT(seed), 0, 0, false, NULL,
     "seed of the generated account (default 1)"},
    {"campaigns", "N", OPT_INT, AT(campaigns), 0, 100000, false, NULL,
     "campaigns to generate (default 40)"},
    {"actions", "A", OPT_INT, AT(actions), 0, 5000000, false, NULL,
     "actions in all, spread unevenly (default 15 per campaign)"},
    {"newsletters", "N", OPT_INT, AT(newsletters), 0, 1000000, false, NULL,
     "newsletters to generate (default 120)"},
    {"generation", "G", OPT_INT, AT(generation), 1, 100000, false, NULL,
     "start at generation G (default 1)"},
    {"fixtures", "DIR", OPT_STR, AT(fixtures_dir), 0, 0, false, NULL,
     "serve DIR/campaigns.json, DIR/actions/ID.json, DIR/newsletters.json"},
    {"fixture-file", "F", OPT_STR, AT(fixture_file), 0, 0, false, NULL,
     "serve one recorded file (campaigns, campaign_ID_actions, newsletters)"},
    {"api-key", "KEY", OPT_STR, AT(api_key), 0, 0, false, NULL,
     "the bearer key clients must send (default sim-app-api-key)"},
    {"api-key-file", "F", OPT_STR, AT(api_key_file), 0, 0, false, NULL,
     "read that key from F"},
    {"host", "ADDR", OPT_STR, AT(host), 0, 0, false, NULL,
     "loopback address to listen on (default 127.0.0.1)"},
    {"port", "N", OPT_INT, AT(port), 0, 65535, false, NULL,
     "port to listen on (default 0: any free port)"},
    {"port-file", "F", OPT_STR, AT(port_file), 0, 0, false, NULL,
     "once listening, write the port to F (through F.tmp)"},
    {"log-requests", "F", OPT_STR, AT(log_path), 0, 0, false, NULL,
     "append 'METHOD PATH?QUERY STATUS auth=yes|no' per request to F"},
    {"latency-ms", "N", OPT_INT, KNOB(latency_ms), 0, 600000, true, NULL,
     "delay every /v1 response by N ms"},
    {"rate-limit", "N", OPT_INT, KNOB(rate_limit), 0, 1000000, true, NULL,
     "accept at most N /v1 requests per rolling second (default 0: off)"},
    {"retry-after", "S", OPT_INT, KNOB(retry_after), 0, 86400, true, NULL,
     "the Retry-After of a 429, in seconds (default 1)"},
    {"no-retry-after", NULL, OPT_BOOL, KNOB(no_retry_after), 0, 0, true,
     NULL, "send 429s without Retry-After"},
    {"fault", "KIND:P", OPT_LIST, 0, 0, 0, true, sim_knobs_add_fault,
     "answer a share P of /v1 requests with KIND: 500, 502, 503, 408, "
     "drop, truncate, slow, badjson (repeatable)"},
    {"fault-seed", "S", OPT_SEED, KNOB(fault_seed), 0, 0, true, NULL,
     "seed of the fault draws (default 1)"},
    {"fail-first", "N", OPT_INT, KNOB(fail_first), 0, INT32_MAX, true, NULL,
     "answer the first N /v1 requests with 503"},
    {"missing-campaign", "ID", OPT_LIST, 0, 0, 0, true,
     sim_knobs_add_missing,
     "keep campaign ID listed but answer 404 for its actions (repeatable)"},
    {"repeat-next", NULL, OPT_BOOL, KNOB(repeat_next), 0, 0, true, NULL,
     "newsletter pages after the first repeat their own next token"},
    {"bad-type", NULL, OPT_BOOL, KNOB(bad_type), 0, 0, true, NULL,
     "serve one campaign's id as the string \"abc\""},
    {"add-field", "NAME", OPT_LIST, 0, 0, 0, true, sim_knobs_add_field,
     "give every record NAME: \"KAIVO_MARKER_NAME\" (repeatable)"},
    {"body-bytes", "N", OPT_INT, KNOB(body_bytes), 0, 64 * MB, true, NULL,
     "typical action body size, +-50 % (default 2000)"},
    {"big-body-bytes", "N", OPT_INT, KNOB(big_body_bytes), 0, 256 * MB,
     true, NULL, "size of the big bodies, exact"},
    {"big-body-every", "K", OPT_INT, KNOB(big_body_every), 0, INT32_MAX,
     true, NULL, "every K-th action gets a big body (default 0: none)"},
    {"help", NULL, OPT_BOOL, AT(help), 0, 0, false, NULL,
     "show this help"},
};

void sim_options_init(struct sim_options *o)
{
    memset(o, 0, sizeof(*o));
    sim_knobs_init(&o->knobs);
    o->seed = 1;
    o->campaigns = 40;
    o->actions = -1;
    o->newsletters = 120;
    o->generation = 1;
    o->host = xstrdup("127.0.0.1");
}

void sim_options_release(struct sim_options *o)
{
    free(o->fixtures_dir);
    free(o->fixture_file);
    free(o->api_key);
    free(o->api_key_file);
    free(o->host);
    free(o->port_file);
    free(o->log_path);
    memset(o, 0, sizeof(*o));
}

static bool in_list(const char *v, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v, list[i]))
            return true;
    return false;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"", "1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    if (in_list(v, yes, KV_ARRAY_LEN(yes)))
        *out = true;
    else if (in_list(v, no, KV_ARRAY_LEN(no)))
        *out = false;
    else
        return -1;
    return 0;
}

/* Applies op's value v (NULL for a switch given on the command line). */
static int apply(const struct opt *op, struct sim_options *o, const char *v,
                 struct kv_err *err)
{
    char *at = (char *)o + op->off;
    int64_t n;

    switch (op->kind) {
    case OPT_INT:
        if (!kv_parse_int64(v, &n) || n < op->min || n > op->max)
            return kv_err_set(err, KV_EUSAGE, "bad value '%s' for '%s': "
                              "expected a whole number from %" PRId64
                              " to %" PRId64, v, op->name, op->min, op->max);
        *(int64_t *)at = n;
        return KV_OK;
    case OPT_SEED:
        if (!kv_parse_int64(v, &n) || n < 0)
            return kv_err_set(err, KV_EUSAGE, "bad seed '%s' for '%s'", v,
                              op->name);
        *(uint64_t *)at = (uint64_t)n;
        return KV_OK;
    case OPT_BOOL:
        if (parse_bool(v ? v : "", (bool *)at))
            return kv_err_set(err, KV_EUSAGE, "bad value '%s' for '%s': "
                              "expected 1 or 0", v, op->name);
        return KV_OK;
    case OPT_STR:
        free(*(char **)at);
        *(char **)at = xstrdup(v);
        return KV_OK;
    case OPT_LIST:
        return op->add(&o->knobs, v, err);
    }
    return KV_OK;
}

/* The table entry for a flag or a runtime key ('_' for '-'), or NULL. */
static const struct opt *find(const char *key)
{
    char name[64];
    size_t n = strlen(key);

    if (n >= sizeof(name))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        name[i] = key[i] == '_' ? '-' : key[i];
    for (size_t i = 0; i < KV_ARRAY_LEN(opts); i++)
        if (!strcmp(opts[i].name, name))
            return &opts[i];
    return NULL;
}

int sim_knobs_set(struct sim_knobs *k, const char *key, const char *value,
                  struct kv_err *err)
{
    const struct opt *op = find(key);
    struct sim_options tmp;
    int rc;

    if (!op)
        return kv_err_set(err, KV_EUSAGE, "unknown setting '%s'", key);
    if (!op->runtime)
        return kv_err_set(err, KV_EUSAGE, "'%s' can only be set at start",
                          key);
    memset(&tmp, 0, sizeof(tmp));
    tmp.knobs = *k;
    rc = apply(op, &tmp, value ? value : "", err);
    if (!rc)
        *k = tmp.knobs;
    return rc;
}

static struct option *long_options(void)
{
    struct option *lo = xcalloc(KV_ARRAY_LEN(opts) + 1, sizeof(*lo));

    for (size_t i = 0; i < KV_ARRAY_LEN(opts); i++) {
        lo[i].name = opts[i].name;
        lo[i].has_arg = opts[i].arg ? required_argument : no_argument;
        lo[i].val = 256 + (int)i;
    }
    return lo;
}

static int check(struct sim_options *o, struct kv_err *err)
{
    if (o->fixtures_dir && o->fixture_file)
        return kv_err_set(err, KV_EUSAGE, "--fixtures and --fixture-file "
                          "exclude each other");
    if (o->api_key && o->api_key_file)
        return kv_err_set(err, KV_EUSAGE, "--api-key and --api-key-file "
                          "exclude each other");
    if (o->api_key && !*o->api_key)
        return kv_err_set(err, KV_EUSAGE, "the API key is empty");
    if (o->actions < 0)
        o->actions = 15 * o->campaigns;
    return KV_OK;
}

int sim_options_parse(struct sim_options *o, int argc, char **argv,
                      struct kv_err *err)
{
    struct option *lo = long_options();
    int rc = KV_OK;
    int c;

    opterr = 0;
    while (!rc && (c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        if (c == 'h')
            o->help = true;
        else if (c >= 256)
            rc = apply(&opts[c - 256], o, optarg, err);
        else if (c == ':')
            rc = kv_err_set(err, KV_EUSAGE, "option '%s' needs a value",
                            argv[optind - 1]);
        else
            rc = kv_err_set(err, KV_EUSAGE, "unknown option '%s'",
                            argv[optind - 1]);
    }
    if (!rc && optind < argc)
        rc = kv_err_set(err, KV_EUSAGE, "unexpected argument '%s'",
                        argv[optind]);
    if (!rc && !o->help)
        rc = check(o, err);
    free(lo);
    return rc;
}

void sim_options_usage(FILE *f)
{
    fputs("usage: kaivo-cio-sim [OPTION]...\n"
          "Serves a simulated Customer.io App API on loopback under /v1.\n\n",
          f);
    for (size_t i = 0; i < KV_ARRAY_LEN(opts); i++) {
        char flag[48];

        snprintf(flag, sizeof(flag), "--%s%s%s", opts[i].name,
                 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        fprintf(f, "  %-26s %s%s\n", flag, opts[i].help,
                opts[i].runtime ? " [runtime]" : "");
    }
    fputs("\n[runtime]: also settable with POST /_sim/config?KEY=VALUE "
          "(KEY as the flag, '_' for '-';\nan empty value empties a "
          "list).  Control API on the same port, no key needed:\n"
          "  GET /_sim/stats   POST /_sim/reset-stats   GET /_sim/dump\n"
          "  POST /_sim/advance   GET|POST /_sim/config\n", f);
}
