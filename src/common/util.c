/*
 * util.c - clocks, timestamps, files and small string helpers.
 */
#include "common/kv.h"
#include "common/util.h"

#include <ctype.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t kv_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kv_now_epoch(void)
{
    return (int64_t)time(NULL);
}

void kv_sleep_ms(int64_t ms)
{
    struct timespec ts;

    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

bool kv_format_utc(int64_t epoch, char out[32])
{
    struct tm tm;
    time_t t = (time_t)epoch;

    out[0] = '\0';
    /* year 1 .. 9999 keeps the text form sortable and fixed-width */
    if (epoch < -62135596800LL || epoch > 253402300799LL)
        return false;
    if (!gmtime_r(&t, &tm))
        return false;
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return true;
}

int kv_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct kv_err *err)
{
    FILE *f = fopen(path, "rb");
    struct sbuf sb;
    char chunk[65536];
    size_t n;
    int rc = KV_OK;

    if (!f)
        return kv_err_set(err, errno == ENOENT ? KV_ENOENT : KV_EFAIL,
                          "cannot open '%s': %s", path, strerror(errno));
    sbuf_init(&sb, max);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (sbuf_add(&sb, chunk, n)) {
            rc = kv_err_set(err, KV_EFAIL, "file '%s' is larger than %zu "
                            "bytes", path, max);
            goto out;
        }
    }
    if (ferror(f)) {
        rc = kv_err_set(err, KV_EFAIL, "cannot read '%s'", path);
        goto out;
    }
    *out = sbuf_detach(&sb, len);
out:
    if (rc)
        sbuf_release(&sb);
    fclose(f);
    return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int kv_write_file_atomic(const char *path, const void *data, size_t len,
                         unsigned mode, struct kv_err *err)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    int rc = KV_OK;

    if (fd < 0) {
        rc = kv_err_set(err, KV_EFAIL, "cannot create '%s': %s", tmp,
                        strerror(errno));
        goto out;
    }
    if (fchmod(fd, mode) || write_all(fd, data, len) || fsync(fd)) {
        rc = kv_err_set(err, KV_EFAIL, "cannot write '%s': %s", tmp,
                        strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path)) {
        rc = kv_err_set(err, KV_EFAIL, "cannot rename '%s': %s", tmp,
                        strerror(errno));
        unlink(tmp);
    }
out:
    free(tmp);
    return rc;
}

int kv_mkdir_p(const char *path, unsigned mode, struct kv_err *err)
{
    char *copy = xstrdup(path);
    int rc = KV_OK;

    for (char *p = copy + 1; ; p++) {
        bool end = (*p == '\0');

        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(copy, mode) && errno != EEXIST) {
            rc = kv_err_set(err, KV_EFAIL, "cannot create directory '%s': "
                            "%s", copy, strerror(errno));
            break;
        }
        if (end)
            break;
        *p = '/';
    }
    free(copy);
    return rc;
}

bool kv_file_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

void kv_json_quote(struct sbuf *sb, const char *s)
{
    sbuf_add(sb, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            sbuf_add(sb, "\\", 1);
            sbuf_add(sb, p, 1);
        } else if (*p == '\n') {
            sbuf_addstr(sb, "\\n");
        } else if (*p < 0x20) {
            sbuf_addf(sb, "\\u%04x", *p);
        } else {
            sbuf_add(sb, p, 1);
        }
    }
    sbuf_add(sb, "\"", 1);
}

char *kv_trim(char *s)
{
    size_t n = strlen(s);
    char *start = s;

    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)*start))
        start++;
    if (start != s)
        memmove(s, start, strlen(start) + 1);
    return s;
}

bool kv_parse_int64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!*s || isspace((unsigned char)*s) || *s == '+')
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (int64_t)v;
    return true;
}

int kv_self_dir(char *out, size_t size)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

    if (n < 0)
        return -1;
    buf[n] = '\0';
    snprintf(out, size, "%s", dirname(buf));
    return 0;
}
