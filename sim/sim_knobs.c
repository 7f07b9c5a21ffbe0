/*
 * sim_knobs.c - the knobs that shape answers at run time: defaults, the
 * list-valued ones (faults, missing campaigns, added fields) and their
 * JSON form for GET /_sim/config.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

static const char *const fault_names[SIM_FAULT_COUNT] = {
    "500", "502", "503", "408", "drop", "truncate", "slow", "badjson",
};

const char *sim_fault_name(enum sim_fault f)
{
    return f < SIM_FAULT_COUNT ? fault_names[f] : NULL;
}

void sim_knobs_init(struct sim_knobs *k)
{
    memset(k, 0, sizeof(*k));
    k->retry_after = 1;
    k->fault_seed = 1;
    k->body_bytes = 2000;
}

bool sim_knobs_is_missing(const struct sim_knobs *k, int64_t campaign_id)
{
    for (int i = 0; i < k->nmissing; i++)
        if (k->missing[i] == campaign_id)
            return true;
    return false;
}

static int fault_of(const char *name, size_t len)
{
    for (int f = 0; f < SIM_FAULT_COUNT; f++)
        if (strlen(fault_names[f]) == len && !strncmp(fault_names[f], name,
                                                      len))
            return f;
    return -1;
}

/* "KIND:P", e.g. "500:0.05"; an empty spec clears every fault. */
int sim_knobs_add_fault(struct sim_knobs *k, const char *spec,
                        struct kv_err *err)
{
    const char *colon = strchr(spec, ':');
    int f = colon ? fault_of(spec, (size_t)(colon - spec)) : -1;
    double sum = 0;
    char *end;
    double p;

    if (!*spec) {
        memset(k->fault_p, 0, sizeof(k->fault_p));
        return KV_OK;
    }
    if (f < 0)
        return kv_err_set(err, KV_EUSAGE, "bad fault '%s': the kind is one "
                          "of 500, 502, 503, 408, drop, truncate, slow, "
                          "badjson", spec);
    p = strtod(colon + 1, &end);
    if (end == colon + 1 || *end || !(p >= 0 && p <= 1))
        return kv_err_set(err, KV_EUSAGE, "bad fault '%s': the share is a "
                          "number from 0 to 1", spec);
    k->fault_p[f] = p;
    for (int i = 0; i < SIM_FAULT_COUNT; i++)
        sum += k->fault_p[i];
    if (sum > 1)
        return kv_err_set(err, KV_EUSAGE, "fault shares add up to more "
                          "than 1");
    return KV_OK;
}

/* A campaign id; an empty value clears the list. */
int sim_knobs_add_missing(struct sim_knobs *k, const char *value,
                          struct kv_err *err)
{
    int64_t id;

    if (!*value) {
        k->nmissing = 0;
        return KV_OK;
    }
    if (!kv_parse_int64(value, &id) || id < 1)
        return kv_err_set(err, KV_EUSAGE, "bad campaign id '%s'", value);
    if (sim_knobs_is_missing(k, id))
        return KV_OK;
    if (k->nmissing == SIM_MAX_MISSING)
        return kv_err_set(err, KV_EUSAGE, "more than %d missing campaigns",
                          SIM_MAX_MISSING);
    k->missing[k->nmissing++] = id;
    return KV_OK;
}

static bool field_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (!n || n > SIM_FIELD_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(name[i] == '_' || (name[i] >= '0' && name[i] <= '9') ||
              (name[i] >= 'a' && name[i] <= 'z') ||
              (name[i] >= 'A' && name[i] <= 'Z')))
            return false;
    return true;
}

/* A field name of letters, digits and '_'; an empty value clears. */
int sim_knobs_add_field(struct sim_knobs *k, const char *name,
                        struct kv_err *err)
{
    if (!*name) {
        k->nfields = 0;
        return KV_OK;
    }
    if (!field_name_ok(name))
        return kv_err_set(err, KV_EUSAGE, "bad field name '%s': use 1 to %d "
                          "letters, digits or '_'", name, SIM_FIELD_NAME_MAX);
    for (int i = 0; i < k->nfields; i++)
        if (!strcmp(k->fields[i], name))
            return KV_OK;
    if (k->nfields == SIM_MAX_FIELDS)
        return kv_err_set(err, KV_EUSAGE, "more than %d added fields",
                          SIM_MAX_FIELDS);
    strcpy(k->fields[k->nfields++], name);
    return KV_OK;
}

static void write_faults(struct sbuf *sb, bool *first,
                         const struct sim_knobs *k)
{
    bool inner = true;

    sim_jw_key(sb, first, "fault");
    sbuf_add(sb, "{", 1);
    for (int f = 0; f < SIM_FAULT_COUNT; f++) {
        sim_jw_key(sb, &inner, fault_names[f]);
        sbuf_addf(sb, "%g", k->fault_p[f]);
    }
    sbuf_add(sb, "}", 1);
}

static void write_lists(struct sbuf *sb, bool *first,
                        const struct sim_knobs *k)
{
    sim_jw_key(sb, first, "missing_campaign");
    sbuf_add(sb, "[", 1);
    for (int i = 0; i < k->nmissing; i++)
        sbuf_addf(sb, "%s%" PRId64, i ? "," : "", k->missing[i]);
    sbuf_add(sb, "]", 1);
    sim_jw_key(sb, first, "add_field");
    sbuf_add(sb, "[", 1);
    for (int i = 0; i < k->nfields; i++) {
        if (i)
            sbuf_add(sb, ",", 1);
        sim_json_str(sb, k->fields[i]);
    }
    sbuf_add(sb, "]", 1);
}

void sim_knobs_write(struct sbuf *sb, const struct sim_knobs *k)
{
    bool first = true;

    sbuf_add(sb, "{", 1);
    sim_jw_int(sb, &first, "latency_ms", k->latency_ms);
    sim_jw_int(sb, &first, "rate_limit", k->rate_limit);
    sim_jw_int(sb, &first, "retry_after", k->retry_after);
    sim_jw_bool(sb, &first, "no_retry_after", k->no_retry_after);
    write_faults(sb, &first, k);
    sim_jw_key(sb, &first, "fault_seed");
    sbuf_addf(sb, "%" PRIu64, k->fault_seed);
    sim_jw_int(sb, &first, "fail_first", k->fail_first);
    sim_jw_bool(sb, &first, "repeat_next", k->repeat_next);
    sim_jw_bool(sb, &first, "bad_type", k->bad_type);
    write_lists(sb, &first, k);
    sim_jw_int(sb, &first, "body_bytes", k->body_bytes);
    sim_jw_int(sb, &first, "big_body_bytes", k->big_body_bytes);
    sim_jw_int(sb, &first, "big_body_every", k->big_body_every);
    sbuf_add(sb, "}", 1);
}
