/*
 * harness.h - Kaivo's unit-test harness.  A test binary lists its cases in
 * a table and calls harness_main(); each case runs in its own process with
 * a timeout and prints "PASS <binary>.<case>" or "FAIL <binary>.<case>:
 * <why>", which tests/run.sh counts.
 */
#ifndef KV_HARNESS_H
#define KV_HARNESS_H

#include "common/kv.h"

struct harness_case {
    const char *name;
    void (*fn)(void);
};

#define HARNESS_CASE(fn) {#fn, fn}

/* Runs the cases (all, or those named in argv) and returns the exit code. */
int harness_main(int argc, char **argv, const struct harness_case *cases,
                 size_t n);

KV_NORETURN void harness_fail(const char *file, int line, const char *fmt,
                              ...) KV_PRINTF(3, 4);

/* A scratch directory for this case, removed when the case ends. */
const char *harness_tmpdir(void);

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond))                                                       \
            harness_fail(__FILE__, __LINE__, "%s", #cond);                 \
    } while (0)

#define CHECK_INT(a, b)                                                    \
    do {                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                \
        if (a_ != b_)                                                      \
            harness_fail(__FILE__, __LINE__, "%s == %lld, expected %lld",  \
                         #a, a_, b_);                                      \
    } while (0)

#define CHECK_STR(a, b)                                                    \
    do {                                                                   \
        const char *a_ = (a), *b_ = (b);                                   \
        if (!a_ || !b_ || strcmp(a_, b_))                                  \
            harness_fail(__FILE__, __LINE__, "%s == \"%s\", expected "     \
                         "\"%s\"", #a, a_ ? a_ : "(null)",                 \
                         b_ ? b_ : "(null)");                              \
    } while (0)

#endif
