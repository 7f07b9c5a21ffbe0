/*
 * sim_main.c - kaivo-cio-sim's entry point: options, the account (seeded
 * or from fixtures), the key, the server, then wait for SIGTERM/SIGINT
 * and shut down cleanly.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#define DEFAULT_KEY "sim-app-api-key"

static int load_key(const struct sim_options *o, char **key,
                    struct kv_err *err)
{
    char *text;
    size_t len;
    int rc;

    if (!o->api_key_file) {
        *key = xstrdup(o->api_key ? o->api_key : DEFAULT_KEY);
        return KV_OK;
    }
    rc = kv_read_file(o->api_key_file, 4096, &text, &len, err);
    if (rc)
        return rc;
    *key = xstrdup(kv_trim(text));
    free(text);
    if (!**key)
        return kv_err_set(err, KV_EUSAGE, "the key file '%s' is empty",
                          o->api_key_file);
    return KV_OK;
}

static int load_account(const struct sim_options *o, struct sim_account *a,
                        struct kv_err *err)
{
    struct sim_gen_params p = {o->seed, (size_t)o->campaigns,
                               (size_t)o->actions, (size_t)o->newsletters};
    int rc = KV_OK;

    memset(a, 0, sizeof(*a));
    if (o->fixtures_dir)
        rc = sim_fixtures_load_dir(&a->fx, o->fixtures_dir, err);
    else if (o->fixture_file)
        rc = sim_fixtures_load_file(&a->fx, o->fixture_file, err);
    else
        sim_account_generate(a, &p);
    if (a->fx)
        a->generation = 1;
    while (!rc && a->generation < o->generation)
        sim_account_advance(a);
    return rc;
}

static int open_log(struct sim_server *s, const char *path,
                    struct kv_err *err)
{
    if (!path)
        return KV_OK;
    s->log = fopen(path, "a");
    if (!s->log)
        return kv_err_set(err, KV_EFAIL, "cannot open '%s': %s", path,
                          strerror(errno));
    return KV_OK;
}

/* Writes the port to path through path.tmp, so a reader never sees half. */
static int write_port_file(const char *path, int port, struct kv_err *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool bad;
    int rc = KV_OK;

    if (!f) {
        rc = kv_err_set(err, KV_EFAIL, "cannot create '%s': %s", tmp,
                        strerror(errno));
        goto out;
    }
    bad = fprintf(f, "%d\n", port) < 0;
    if (fclose(f) || bad)
        rc = kv_err_set(err, KV_EFAIL, "cannot write '%s'", tmp);
    else if (rename(tmp, path))
        rc = kv_err_set(err, KV_EFAIL, "cannot rename '%s': %s", tmp,
                        strerror(errno));
out:
    free(tmp);
    return rc;
}

static void announce(const char *host, int port)
{
    bool v6 = strchr(host, ':');

    if (!strcmp(host, "localhost"))
        host = "127.0.0.1";
    printf("kaivo-cio-sim listening on http://%s%s%s:%d/v1\n",
           v6 ? "[" : "", host, v6 ? "]" : "", port);
    fflush(stdout);
}

/* Everything after the options; returns when a signal asks to stop. */
static int serve(const struct sim_options *o, struct sim_server *s,
                 struct sim_account *acct, struct kv_err *err)
{
    sigset_t set;
    int sig;
    int rc;

    s->knobs = o->knobs;
    s->acct = acct;
    rc = load_key(o, &s->api_key, err);
    if (!rc)
        rc = load_account(o, acct, err);
    if (!rc)
        rc = open_log(s, o->log_path, err);
    if (rc)
        return rc;
    /* blocked before the server starts, so its threads inherit the mask */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = sim_server_start(s, o->host, o->port, err);
    if (!rc && o->port_file)
        rc = write_port_file(o->port_file, s->port, err);
    if (rc)
        return rc;
    announce(o->host, s->port);
    sigwait(&set, &sig);
    return KV_OK;
}

int main(int argc, char **argv)
{
    struct sim_options o;
    struct sim_account acct;
    struct sim_server s;
    struct kv_err err;
    int rc;

    /*
     * A fixed threshold keeps every buffer over 1 MB (a page with a 5 MB
     * body) in its own mapping, returned when freed; glibc would raise the
     * threshold after the first free and keep such pages in its heaps.
     */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    kv_err_clear(&err);
    memset(&acct, 0, sizeof(acct));
    sim_options_init(&o);
    sim_server_init(&s);
    rc = sim_options_parse(&o, argc, argv, &err);
    if (!rc && o.help)
        sim_options_usage(stdout);
    else if (!rc)
        rc = serve(&o, &s, &acct, &err);
    if (rc)
        fprintf(stderr, "kaivo-cio-sim: error: %s\n", err.msg);
    if (rc == KV_EUSAGE)
        fputs("try 'kaivo-cio-sim --help'\n", stderr);
    sim_server_release(&s);
    sim_account_release(&acct);
    sim_options_release(&o);
    return kv_exit_status(rc);
}
