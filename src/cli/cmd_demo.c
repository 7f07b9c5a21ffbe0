/*
 * cmd_demo.c - `kaivo demo [DIR]`: starts the bundled Customer.io simulator
 * on loopback, then runs the same commands a user would (init, connect,
 * sync, tables, query) into a demo workspace, and stops the simulator.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "common/mem.h"
#include "common/util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEMO_KEY "demo-app-api-key"
#define DEMO_START_WAIT_MS 10000

static const char *campaigns_arg;

static const struct opts_spec specs[] = {
    {"campaigns", 0, OPTS_STRING, &campaigns_arg, "N",
     "campaigns in the simulated account (default 60)"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command demo_cmd = {
    "kaivo demo [DIR] [--campaigns N]",
    "Starts the bundled Customer.io simulator on 127.0.0.1, then creates a\n"
    "workspace in DIR (default ./kaivo-demo), connects it to the simulator,\n"
    "syncs the three tables into the SQLite warehouse and runs a sample\n"
    "query.  Nothing leaves this machine.",
    specs, 0, 1,
};

struct demo_sim {
    pid_t pid;
    int port;
};

static int start_sim(const char *dir, struct demo_sim *sim,
                     struct kv_err *err)
{
    char self[4096];
    char *bin, *port_file, *log;
    const char *campaigns = campaigns_arg ? campaigns_arg : "60";
    int rc = KV_OK;

    if (kv_self_dir(self, sizeof(self)))
        return kv_err_set(err, KV_EFAIL, "cannot find the kaivo program");
    bin = xasprintf("%s/kaivo-cio-sim", self);
    port_file = xasprintf("%s/.kaivo-sim.port", dir);
    log = xasprintf("%s/.kaivo-sim.log", dir);
    unlink(port_file);
    if (access(bin, X_OK)) {
        rc = kv_err_set(err, KV_EFAIL, "the simulator '%s' is missing: run "
                        "'make' first", bin);
        goto out;
    }
    sim->pid = fork();
    if (sim->pid == 0) {
        if (!freopen(log, "w", stdout) || !freopen(log, "a", stderr))
            _exit(127);
        execl(bin, bin, "--port", "0", "--port-file", port_file,
              "--api-key", DEMO_KEY, "--campaigns", campaigns,
              "--newsletters", "150", (char *)NULL);
        _exit(127);
    }
    rc = sim->pid < 0 ? kv_err_set(err, KV_EFAIL, "cannot start the "
                                   "simulator: %s", strerror(errno)) : KV_OK;
out:
    free(bin);
    free(port_file);
    free(log);
    return rc;
}

static int wait_port(const char *dir, struct demo_sim *sim,
                     struct kv_err *err)
{
    char *port_file = xasprintf("%s/.kaivo-sim.port", dir);
    int64_t deadline = kv_now_ms() + DEMO_START_WAIT_MS;
    int rc = KV_EFAIL;

    while (kv_now_ms() < deadline) {
        char *text = NULL;
        int64_t port;

        if (!kv_read_file(port_file, 64, &text, NULL, NULL) &&
            kv_parse_int64(kv_trim(text), &port) && port > 0) {
            sim->port = (int)port;
            rc = KV_OK;
        }
        free(text);
        if (!rc || waitpid(sim->pid, NULL, WNOHANG) == sim->pid)
            break;
        kv_sleep_ms(50);
    }
    free(port_file);
    if (rc)
        kv_err_set(err, KV_EFAIL, "the simulator did not start (see "
                   "%s/.kaivo-sim.log)", dir);
    return rc;
}

static void stop_sim(struct demo_sim *sim)
{
    if (sim->pid <= 0)
        return;
    kill(sim->pid, SIGTERM);
    waitpid(sim->pid, NULL, 0);
    sim->pid = 0;
}

/* Runs one kaivo command in this process, showing it as a user types it. */
static int step(int (*fn)(int, char **), const char *shown, int argc,
                const char **argv)
{
    printf("\n$ kaivo %s\n", shown);
    fflush(stdout);
    return fn(argc, (char **)argv);
}

static int run_steps(const char *dir, int port)
{
    char url[64];
    char *connect_shown;
    const char *init_argv[] = {"init", dir, NULL};
    const char *connect_argv[] = {"connect", "customerio", "--api-url", url,
                                  NULL};
    const char *sync_argv[] = {"sync", NULL};
    const char *tables_argv[] = {"tables", NULL};
    const char *query_argv[] = {"query", "SELECT c.name AS campaign, "
        "c.state, count(a.id) AS actions FROM campaigns c LEFT JOIN "
        "campaigns_actions a ON a.campaign_id = c.id GROUP BY c.id "
        "ORDER BY actions DESC, c.id LIMIT 10", NULL};
    char *ws_file = xasprintf("%s/.kaivo/state.db", dir);
    int rc = 0;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
    connect_shown = xasprintf("connect customerio --api-url %s", url);
    opts_global.workspace = dir;
    setenv("CUSTOMERIO_APP_API_KEY", DEMO_KEY, 1);
    if (!kv_file_exists(ws_file))
        rc = step(cmd_init, "init", 2, init_argv);
    if (!rc)
        rc = step(cmd_connect, connect_shown, 4, connect_argv);
    if (!rc)
        rc = step(cmd_sync, "sync", 1, sync_argv);
    if (!rc)
        rc = step(cmd_tables, "tables", 1, tables_argv);
    if (!rc)
        rc = step(cmd_query, "query \"SELECT ... campaigns with the most "
                  "actions\"", 2, query_argv);
    free(connect_shown);
    free(ws_file);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    struct demo_sim sim = {0, 0};
    struct kv_err err;
    char **pos;
    int npos, status;
    char *dir;

    if (cli_parse(argc, argv, &demo_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    dir = ws_resolve_dir(npos ? pos[0] : "kaivo-demo");
    free(pos);
    if (kv_mkdir_p(dir, 0755, &err) || start_sim(dir, &sim, &err) ||
        wait_port(dir, &sim, &err)) {
        stop_sim(&sim);
        free(dir);
        return cli_fail(&err);
    }
    printf("Customer.io simulator running on http://127.0.0.1:%d/v1\n",
           sim.port);
    status = run_steps(dir, sim.port);
    stop_sim(&sim);
    if (!status)
        printf("\nThe demo workspace is %s; try:\n  kaivo -w %s query "
               "\"SELECT type, count(*) FROM campaigns_actions GROUP BY 1\""
               "\n", dir, dir);
    free(dir);
    return status;
}
