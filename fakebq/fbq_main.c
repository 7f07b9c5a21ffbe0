/*
 * fbq_main.c - kaivo-fake-bq's options and life: listen on loopback,
 * write the port file, serve until SIGINT/SIGTERM.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

int fbq_http_start(struct fbq_server *s, int fd, struct kv_err *err);

struct opts {
    int port;
    const char *port_file;
    const char *project;
    const char *trust;
    const char *trust_user;
    const char *discovery;
    const char *log;
    int token_ttl;
    int pending_polls;
};

static const char usage[] =
    "usage: kaivo-fake-bq --discovery FILE --trust-key FILE [OPTION]...\n"
    "A fake BigQuery REST API v2 and token endpoint on 127.0.0.1.\n\n"
    "  --discovery FILE     Google's discovery document (bodies are\n"
    "                       validated against it)\n"
    "  --trust-key FILE     service-account key file (or PEM public key)\n"
    "                       whose signatures /token accepts\n"
    "  --trust-user FILE    authorized_user file whose refresh token\n"
    "                       /token accepts (default: any)\n"
    "  --project P          the project served (default kaivo-test)\n"
    "  --port N             port (default 0: any free port)\n"
    "  --port-file F        once listening, write the port to F\n"
    "  --token-ttl S        access-token lifetime (default 3600)\n"
    "  --pending-polls N    jobs.get answers PENDING/RUNNING N times\n"
    "  --log-requests F     append 'METHOD PATH STATUS' per request\n\n"
    "Control API: GET /_fake/stats, POST /_fake/reset-stats,\n"
    "POST /_fake/fault?method=&path=&status=&reason=&drop=&skip=&count=,\n"
    "POST /_fake/job-fault?reason=&count=, POST /_fake/expire-tokens,\n"
    "POST /_fake/clear-faults, GET /_fake/table?dataset=&table=,\n"
    "GET /_fake/tables?dataset=, GET /_fake/schema?dataset=&table=,\n"
    "POST /_fake/dataset?id=&location=\n";

static int parse(struct opts *o, int argc, char **argv, struct kv_err *err)
{
    static const struct option longs[] = {
        {"port", 1, NULL, 'p'}, {"port-file", 1, NULL, 'f'},
        {"trust-user", 1, NULL, 'u'},
        {"project", 1, NULL, 'P'}, {"trust-key", 1, NULL, 'k'},
        {"discovery", 1, NULL, 'd'}, {"token-ttl", 1, NULL, 't'},
        {"pending-polls", 1, NULL, 'n'}, {"log-requests", 1, NULL, 'l'},
        {"help", 0, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'p': o->port = atoi(optarg); break;
        case 'f': o->port_file = optarg; break;
        case 'P': o->project = optarg; break;
        case 'k': o->trust = optarg; break;
        case 'u': o->trust_user = optarg; break;
        case 'd': o->discovery = optarg; break;
        case 't': o->token_ttl = atoi(optarg); break;
        case 'n': o->pending_polls = atoi(optarg); break;
        case 'l': o->log = optarg; break;
        case 'h': fputs(usage, stdout); exit(0);
        default: return kv_err_set(err, KV_EUSAGE, "bad option");
        }
    }
    if (!o->discovery || !o->trust)
        return kv_err_set(err, KV_EUSAGE, "--discovery and --trust-key "
                          "are required");
    return KV_OK;
}

/* The public half of a service-account key file's private key. */
static char *public_of(json_t *key)
{
    const char *pem = json_string_value(json_object_get(key,
                                        "private_key"));
    BIO *in = pem ? BIO_new_mem_buf(pem, -1) : NULL;
    EVP_PKEY *k = in ? PEM_read_bio_PrivateKey(in, NULL, NULL, NULL) : NULL;
    BIO *out = BIO_new(BIO_s_mem());
    char *data = NULL;
    char *res = NULL;
    long n;

    if (k && PEM_write_bio_PUBKEY(out, k)) {
        n = BIO_get_mem_data(out, &data);
        res = xstrndup(data, (size_t)n);
    }
    BIO_free(out);
    EVP_PKEY_free(k);
    BIO_free(in);
    return res;
}

static int load_trust(struct fbq_server *s, const char *path,
                      struct kv_err *err)
{
    char *text = NULL;
    json_t *key;
    int rc = kv_read_file(path, 1 << 20, &text, NULL, err);

    if (rc)
        return rc;
    key = json_loads(text, 0, NULL);
    if (key) {
        const char *em = json_string_value(json_object_get(key,
                                           "client_email"));

        s->client_email = em ? xstrdup(em) : NULL;
        s->trust_pem = public_of(key);
        free(text);
    } else {
        s->trust_pem = text;
    }
    json_decref(key);
    if (!s->trust_pem)
        return kv_err_set(err, KV_EUSAGE, "'%s' holds no usable key", path);
    return KV_OK;
}

static int load_user(struct fbq_server *s, const char *path,
                     struct kv_err *err)
{
    json_error_t je;

    s->user = json_load_file(path, 0, &je);
    if (!json_is_object(s->user))
        return kv_err_set(err, KV_EUSAGE, "cannot read '%s': %s", path,
                          je.text);
    return KV_OK;
}

static int listen_fd(int port, int *fd_out, int *port_out,
                     struct kv_err *err)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    /* loopback only, always */
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return kv_err_set(err, KV_EFAIL, "socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&a, len) || listen(fd, 128) ||
        getsockname(fd, (struct sockaddr *)&a, &len)) {
        close(fd);
        return kv_err_set(err, KV_EFAIL, "cannot listen: %s",
                          strerror(errno));
    }
    *port_out = ntohs(a.sin_port);
    *fd_out = fd;
    return KV_OK;
}

static int write_port(const char *path, int port, struct kv_err *err)
{
    char num[16];

    snprintf(num, sizeof(num), "%d\n", port);
    return kv_write_file_atomic(path, num, strlen(num), 0644, err);
}

static int serve(struct fbq_server *s, const struct opts *o,
                 struct kv_err *err)
{
    json_error_t je;
    sigset_t set;
    int sig;
    int fd = -1;
    int rc;

    s->discovery = json_load_file(o->discovery, 0, &je);
    if (!s->discovery)
        return kv_err_set(err, KV_EUSAGE, "cannot read '%s': %s",
                          o->discovery, je.text);
    rc = load_trust(s, o->trust, err);
    if (!rc && o->trust_user)
        rc = load_user(s, o->trust_user, err);
    if (!rc)
        rc = fbq_store_init(s, err);
    if (!rc && o->log && !(s->log = fopen(o->log, "a")))
        rc = kv_err_set(err, KV_EFAIL, "cannot open '%s'", o->log);
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!rc)
        rc = listen_fd(o->port, &fd, &s->port, err);
    if (!rc)
        rc = fbq_http_start(s, fd, err);
    if (!rc && o->port_file)
        rc = write_port(o->port_file, s->port, err);
    if (rc)
        return rc;
    printf("kaivo-fake-bq listening on http://127.0.0.1:%d\n", s->port);
    fflush(stdout);
    sigwait(&set, &sig);
    MHD_stop_daemon(s->mhd);
    return KV_OK;
}

static void release(struct fbq_server *s)
{
    sqlite3_close(s->db);
    json_decref(s->discovery);
    json_decref(s->tokens);
    json_decref(s->jobs);
    json_decref(s->sessions);
    json_decref(s->stats);
    json_decref(s->user);
    free(s->trust_pem);
    free(s->client_email);
    free(s->project);
    if (s->log)
        fclose(s->log);
    pthread_mutex_destroy(&s->lock);
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    struct fbq_server s;
    struct kv_err err;
    int rc;

    memset(&s, 0, sizeof(s));
    kv_err_clear(&err);
    pthread_mutex_init(&s.lock, NULL);
    s.tokens = json_object();
    s.jobs = json_object();
    s.sessions = json_object();
    s.stats = json_object();
    o.project = "kaivo-test";
    o.token_ttl = 3600;
    o.pending_polls = 2;
    rc = parse(&o, argc, argv, &err);
    s.project = xstrdup(o.project);
    s.token_ttl = o.token_ttl > 0 ? o.token_ttl : 3600;
    s.pending_polls = o.pending_polls;
    if (!rc)
        rc = serve(&s, &o, &err);
    if (rc)
        fprintf(stderr, "kaivo-fake-bq: error: %s\n", err.msg);
    release(&s);
    return kv_exit_status(rc);
}
