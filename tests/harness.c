/*
 * harness.c - runs each unit-test case in a child process with a timeout.
 */
#include "common/kv.h"
#include "harness.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define CASE_TIMEOUT_S 120

static char tmpdir[256];

const char *harness_tmpdir(void)
{
    return tmpdir;
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: check failed: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static bool wanted(int argc, char **argv, const char *name)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return true;
    return false;
}

static int run_case(const struct harness_case *c)
{
    int status = 0;
    pid_t pid;
    char cmd[300];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/kaivo-unit-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        alarm(CASE_TIMEOUT_S);
        c->fn();
        fflush(NULL);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        fprintf(stderr, "case died of signal %d%s\n", WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    return -1;
}

int harness_main(int argc, char **argv, const struct harness_case *cases,
                 size_t n)
{
    const char *prog = strrchr(argv[0], '/');
    int failed = 0;

    prog = prog ? prog + 1 : argv[0];
    for (size_t i = 0; i < n; i++) {
        if (!wanted(argc, argv, cases[i].name))
            continue;
        if (run_case(&cases[i])) {
            printf("FAIL %s.%s\n", prog, cases[i].name);
            failed++;
        } else {
            printf("PASS %s.%s\n", prog, cases[i].name);
        }
        fflush(stdout);
    }
    return failed ? 1 : 0;
}
