/*
 * test_ws.c - the workspace: creation, config, secrets, table selection,
 * record hashes, history and the sync lock.
 */
#include "common/kv.h"
#include "harness.h"
#include "common/mem.h"
#include "ws/ws.h"
#include "ws/ws_history.h"
#include "ws/ws_lock.h"
#include "ws/ws_records.h"
#include "ws/ws_tables.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct ws *fresh_ws(void)
{
    struct kv_err err;
    struct ws *ws = NULL;
    char *dir = xasprintf("%s/ws", harness_tmpdir());

    CHECK_INT(ws_init(dir, &err), KV_OK);
    CHECK_INT(ws_open(dir, &ws, &err), KV_OK);
    free(dir);
    return ws;
}

static void test_ws_init_twice_refused(void)
{
    struct kv_err err;
    char *dir = xasprintf("%s/ws", harness_tmpdir());
    struct stat st;

    CHECK_INT(ws_init(dir, &err), KV_OK);
    CHECK_INT(ws_init(dir, &err), KV_EUSAGE);
    CHECK(strstr(err.msg, "already a kaivo workspace"));
    CHECK_INT(stat(harness_tmpdir(), &st), 0);
    free(dir);
}

static void test_ws_open_not_a_workspace(void)
{
    struct kv_err err;
    struct ws *ws = NULL;

    CHECK_INT(ws_open(harness_tmpdir(), &ws, &err), KV_EUSAGE);
    CHECK(strstr(err.msg, "not a kaivo workspace"));
    CHECK(ws == NULL);
}

static void test_ws_config_roundtrip(void)
{
    struct kv_err err;
    struct ws *ws = fresh_ws();
    char *v;

    CHECK(ws_config_get(ws, "a") == NULL);
    CHECK_INT(ws_config_set(ws, "a", "1", &err), KV_OK);
    CHECK_INT(ws_config_set(ws, "a", "2", &err), KV_OK);
    v = ws_config_get(ws, "a");
    CHECK_STR(v, "2");
    free(v);
    CHECK_INT(ws_config_unset(ws, "a", &err), KV_OK);
    CHECK(ws_config_get(ws, "a") == NULL);
    ws_free(ws);
}

static void test_ws_secret_owner_only(void)
{
    struct kv_err err;
    struct ws *ws = fresh_ws();
    char *path = xasprintf("%s/customerio.key", ws->state_dir);
    struct stat st;
    char *v = NULL;

    CHECK_INT(ws_secret_read(ws, "customerio", &v, &err), KV_ENOENT);
    CHECK_INT(ws_secret_write(ws, "customerio", "s3cret", &err), KV_OK);
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(stat(ws->state_dir, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0700);
    CHECK_INT(ws_secret_read(ws, "customerio", &v, &err), KV_OK);
    CHECK_STR(v, "s3cret");
    CHECK_INT(ws_secret_remove(ws, "customerio", &err), KV_OK);
    CHECK(access(path, F_OK) != 0);
    free(v);
    free(path);
    ws_free(ws);
}

static void test_ws_schema_key_first(void)
{
    struct kv_err err;
    struct ws *ws = fresh_ws();
    struct table_schema s;

    CHECK_INT(ws_tables_install_defaults(ws, &err), KV_OK);
    CHECK_INT(ws_schema_load(ws, "campaigns_actions", true, &s, &err), KV_OK);
    CHECK_INT(s.nkey, 2);
    CHECK_STR(s.cols[0].name, "campaign_id");
    CHECK_STR(s.cols[1].name, "id");
    CHECK_INT(s.ncols, 29);
    CHECK(table_schema_find(&s, "from") >= 2);
    table_schema_release(&s);
    ws_free(ws);
}

static void test_ws_column_note_keeps_selection(void)
{
    struct kv_err err;
    struct ws *ws = fresh_ws();
    struct ws_column *cols;
    int n;

    CHECK_INT(ws_tables_install_defaults(ws, &err), KV_OK);
    CHECK_INT(ws_column_note(ws, "newsletters", "name", TABLE_JSON, &err),
              KV_OK);
    CHECK_INT(ws_column_note(ws, "newsletters", "brand_new", TABLE_BOOL,
                             &err), KV_OK);
    CHECK_INT(ws_tables_install_defaults(ws, &err), KV_OK);
    CHECK_INT(ws_columns_list(ws, "newsletters", &cols, &n, &err), KV_OK);
    CHECK_INT(n, 12);
    CHECK_STR(cols[2].name, "name");
    CHECK_STR(cols[2].state, "selected");
    CHECK_INT(cols[2].type, TABLE_STRING);
    CHECK_STR(cols[11].name, "brand_new");
    CHECK_STR(cols[11].state, "available");
    ws_columns_free(cols, n);
    ws_free(ws);
}

static void test_ws_records_stage_swap(void)
{
    struct kv_err err;
    struct ws *ws = fresh_ws();
    unsigned char h1[32], h2[32], got[32];
    bool found;

    memset(h1, 1, sizeof(h1));
    memset(h2, 2, sizeof(h2));
    CHECK_INT(ws_record_put(ws, "t", "1", h1, &err), KV_OK);
    CHECK_INT(ws_record_put(ws, "t", "2", h1, &err), KV_OK);
    CHECK_INT(ws_record_stage(ws, "t", "2", h2, &err), KV_OK);
    CHECK_INT(ws_record_hash(ws, "t", "2", got, &found, &err), KV_OK);
    CHECK(found && !memcmp(got, h1, 32));
    CHECK_INT(ws_records_stage_swap(ws, "t", &err), KV_OK);
    CHECK_INT(ws_record_hash(ws, "t", "1", got, &found, &err), KV_OK);
    CHECK(!found);
    CHECK_INT(ws_record_hash(ws, "t", "2", got, &found, &err), KV_OK);
    CHECK(found && !memcmp(got, h2, 32));
    CHECK_INT(ws_records_count(ws, "t"), 1);
    ws_free(ws);
}

static void test_ws_history_interrupted(void)
{
    struct kv_err err;
    struct ws *ws = fresh_ws();
    struct ws_run *runs;
    int64_t a, b;
    int n;

    CHECK_INT(ws_run_start(ws, "sync", &a, &err), KV_OK);
    CHECK_INT(ws_runs_mark_interrupted(ws, &err), KV_OK);
    CHECK_INT(ws_run_start(ws, "sync", &b, &err), KV_OK);
    CHECK_INT(ws_run_finish(ws, b, "ok", "{}", NULL, &err), KV_OK);
    CHECK_INT(ws_runs_list(ws, 10, &runs, &n, &err), KV_OK);
    CHECK_INT(n, 2);
    CHECK_INT(runs[0].id, b);
    CHECK_STR(runs[0].status, "ok");
    CHECK_STR(runs[1].status, "interrupted");
    ws_runs_free(runs, n);
    ws_free(ws);
}

static void test_ws_lock_names_holder(void)
{
    struct kv_err err;
    struct ws *ws = fresh_ws();
    struct ws_lock lock;
    char who[160];
    int status;
    pid_t pid;

    CHECK_INT(ws_lock_take(ws, &lock, &err), KV_OK);
    pid = fork();
    if (pid == 0) {
        struct ws_lock other;
        int rc = ws_lock_take(ws, &other, &err);

        _exit(rc == KV_EBUSY && strstr(err.msg, "another sync") ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ws_lock_release(&lock);
    CHECK(!ws_lock_busy(ws, who, sizeof(who)));
    CHECK_INT(ws_lock_take(ws, &lock, &err), KV_OK);
    ws_lock_release(&lock);
    ws_free(ws);
}

static const struct harness_case cases[] = {
    HARNESS_CASE(test_ws_init_twice_refused),
    HARNESS_CASE(test_ws_open_not_a_workspace),
    HARNESS_CASE(test_ws_config_roundtrip),
    HARNESS_CASE(test_ws_secret_owner_only),
    HARNESS_CASE(test_ws_schema_key_first),
    HARNESS_CASE(test_ws_column_note_keeps_selection),
    HARNESS_CASE(test_ws_records_stage_swap),
    HARNESS_CASE(test_ws_history_interrupted),
    HARNESS_CASE(test_ws_lock_names_holder),
};

int main(int argc, char **argv)
{
    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
