/*
 * sim_fixtures.c - an account loaded from recorded or hand-written JSON
 * instead of generated: a folder of per-endpoint files, or one file shaped
 * like spec/fixtures/recorded-real.json.  Records are served as loaded.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

#include <dirent.h>

struct fx_actions {
    int64_t campaign_id;
    json_t *list;              /* owned array */
    enum sim_terminal terminal; /* what the file's own "next" was */
};

struct sim_fixtures {
    json_t *campaigns;   /* owned array */
    json_t *newsletters; /* owned array */
    struct fx_actions *acts;
    size_t nacts;
    size_t cap;
};

static enum sim_terminal terminal_of(const json_t *doc)
{
    const json_t *next = json_is_object(doc) ? json_object_get(doc, "next")
                                             : NULL;

    if (!next)
        return SIM_NEXT_ABSENT;
    return json_is_null(next) ? SIM_NEXT_NULL : SIM_NEXT_EMPTY;
}

/*
 * The list under key in doc ({"key":[...]}), or doc itself when it is an
 * array.  A null list is served as empty.  Returns a new reference.
 */
static int list_of(const json_t *doc, const char *key, json_t **out,
                   const char *where, struct kv_err *err)
{
    const json_t *v = json_is_array(doc) ? doc : json_object_get(doc, key);

    if (!v || json_is_null(v)) {
        *out = json_array();
        return KV_OK;
    }
    if (!json_is_array(v))
        return kv_err_set(err, KV_EMALFORMED, "'%s' in '%s' is not a list",
                          key, where);
    *out = json_incref((json_t *)v);
    return KV_OK;
}

static int load_json(const char *path, json_t **out, struct kv_err *err)
{
    json_error_t jerr;

    *out = json_load_file(path, 0, &jerr);
    if (*out)
        return KV_OK;
    if (jerr.line < 1)
        return kv_err_set(err, KV_EFAIL, "cannot load '%s': %s", path,
                          jerr.text);
    return kv_err_set(err, KV_EMALFORMED, "cannot load '%s': %s (line %d)",
                      path, jerr.text, jerr.line);
}

static int add_actions(struct sim_fixtures *fx, int64_t id, const json_t *doc,
                       const char *where, struct kv_err *err)
{
    struct fx_actions *fa;
    json_t *list;
    int rc = list_of(doc, "actions", &list, where, err);

    if (rc)
        return rc;
    if (fx->nacts == fx->cap) {
        fx->cap = fx->cap ? fx->cap * 2 : 16;
        fx->acts = xrealloc(fx->acts, fx->cap * sizeof(*fx->acts));
    }
    fa = &fx->acts[fx->nacts++];
    fa->campaign_id = id;
    fa->list = list;
    fa->terminal = terminal_of(doc);
    return KV_OK;
}

/* "123.json" gives 123; anything else -1. */
static int64_t id_of_name(const char *name)
{
    char digits[32];
    size_t n = strlen(name);
    int64_t id;

    if (n < 6 || n - 5 >= sizeof(digits) || strcmp(name + n - 5, ".json"))
        return -1;
    memcpy(digits, name, n - 5);
    digits[n - 5] = '\0';
    return kv_parse_int64(digits, &id) && id >= 0 ? id : -1;
}

static int load_actions_dir(struct sim_fixtures *fx, const char *dir,
                            struct kv_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = KV_OK;

    if (!d)
        return KV_OK; /* no actions folder: every campaign answers 404 */
    while (!rc && (e = readdir(d)) != NULL) {
        int64_t id = id_of_name(e->d_name);
        char *path;
        json_t *doc;

        if (id < 0)
            continue;
        path = xasprintf("%s/%s", dir, e->d_name);
        rc = load_json(path, &doc, err);
        if (!rc) {
            rc = add_actions(fx, id, doc, path, err);
            json_decref(doc);
        }
        free(path);
    }
    closedir(d);
    return rc;
}

/* DIR/name's list under key; an optional file that is missing is empty. */
static int load_list(const char *dir, const char *name, const char *key,
                     bool optional, json_t **out, struct kv_err *err)
{
    char *path = xasprintf("%s/%s", dir, name);
    json_t *doc = NULL;
    int rc = KV_OK;

    if (optional && !kv_file_exists(path))
        *out = json_array();
    else if (!(rc = load_json(path, &doc, err)))
        rc = list_of(doc, key, out, path, err);
    json_decref(doc);
    free(path);
    return rc;
}

int sim_fixtures_load_dir(struct sim_fixtures **out, const char *dir,
                          struct kv_err *err)
{
    struct sim_fixtures *fx = xcalloc(1, sizeof(*fx));
    char *actions = xasprintf("%s/actions", dir);
    int rc;

    rc = load_list(dir, "campaigns.json", "campaigns", false,
                   &fx->campaigns, err);
    if (!rc)
        rc = load_list(dir, "newsletters.json", "newsletters", true,
                       &fx->newsletters, err);
    if (!rc)
        rc = load_actions_dir(fx, actions, err);
    free(actions);
    if (rc) {
        sim_fixtures_free(fx);
        fx = NULL;
    }
    *out = fx;
    return rc;
}

/* One key of a recorded file: campaigns, newsletters, campaign_<id>_actions */
static int load_key(struct sim_fixtures *fx, const char *key,
                    const json_t *doc, const char *path, struct kv_err *err)
{
    int64_t id;
    char digits[32];
    size_t n = strlen(key);

    if (!strcmp(key, "campaigns"))
        return list_of(doc, "campaigns", &fx->campaigns, path, err);
    if (!strcmp(key, "newsletters"))
        return list_of(doc, "newsletters", &fx->newsletters, path, err);
    if (n > 17 && n - 17 < sizeof(digits) && !strncmp(key, "campaign_", 9) &&
        !strcmp(key + n - 8, "_actions")) {
        memcpy(digits, key + 9, n - 17);
        digits[n - 17] = '\0';
        if (kv_parse_int64(digits, &id))
            return add_actions(fx, id, doc, path, err);
    }
    return KV_OK; /* other keys are notes, not endpoints */
}

int sim_fixtures_load_file(struct sim_fixtures **out, const char *path,
                           struct kv_err *err)
{
    struct sim_fixtures *fx = xcalloc(1, sizeof(*fx));
    json_t *doc = NULL;
    const char *key;
    json_t *val;
    int rc = load_json(path, &doc, err);

    if (!rc && !json_is_object(doc))
        rc = kv_err_set(err, KV_EMALFORMED, "'%s' is not a JSON object",
                        path);
    if (!rc) {
        json_object_foreach(doc, key, val) {
            rc = load_key(fx, key, val, path, err);
            if (rc)
                break;
        }
    }
    if (!rc && !fx->campaigns)
        fx->campaigns = json_array();
    if (!rc && !fx->newsletters)
        fx->newsletters = json_array();
    json_decref(doc);
    if (rc) {
        sim_fixtures_free(fx);
        fx = NULL;
    }
    *out = fx;
    return rc;
}

void sim_fixtures_free(struct sim_fixtures *fx)
{
    if (!fx)
        return;
    for (size_t i = 0; i < fx->nacts; i++)
        json_decref(fx->acts[i].list);
    free(fx->acts);
    json_decref(fx->campaigns);
    json_decref(fx->newsletters);
    free(fx);
}

const json_t *sim_fixtures_campaigns(const struct sim_fixtures *fx)
{
    return fx->campaigns;
}

const json_t *sim_fixtures_newsletters(const struct sim_fixtures *fx)
{
    return fx->newsletters;
}

const json_t *sim_fixtures_actions(const struct sim_fixtures *fx,
                                   int64_t campaign_id,
                                   enum sim_terminal *terminal)
{
    for (size_t i = 0; i < fx->nacts; i++) {
        if (fx->acts[i].campaign_id != campaign_id)
            continue;
        *terminal = fx->acts[i].terminal;
        return fx->acts[i].list;
    }
    return NULL;
}

int64_t sim_fixtures_id(const json_t *rec)
{
    const json_t *id = json_object_get(rec, "id");
    int64_t v;

    if (json_is_integer(id))
        return json_integer_value(id);
    if (json_is_string(id) && kv_parse_int64(json_string_value(id), &v))
        return v;
    return -1;
}

static int append_cb(const char *buf, size_t size, void *data)
{
    sbuf_add(data, buf, size);
    return 0;
}

void sim_fixtures_render(const struct sim_render *rd, const json_t *rec,
                         bool bad_id)
{
    struct sbuf *sb = rd->out;
    bool object = json_is_object(rec);
    bool empty = json_object_size(rec) == 0;
    json_t *copy = NULL;

    if (bad_id && object) {
        copy = json_deep_copy(rec);
        json_object_set_new(copy, "id", json_string("abc"));
    }
    json_dump_callback(copy ? copy : rec, append_cb, sb,
                       JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(copy);
    /* reopen the object to add the --add-field markers */
    if (object && rd->knobs->nfields) {
        sb->len--;
        sim_render_close(rd, empty);
    }
}
