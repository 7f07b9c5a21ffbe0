/*
 * cio_parser.c - one worker thread parsing Customer.io pages; see
 * cio_parser.h for why.  Two FIFO lists under one mutex: tasks to parse
 * and tasks parsed.  The caller looks at a counter before it takes the
 * lock, since it asks far more often than pages come.
 */
#include "common/kv.h"
#include "source/cio_parser.h"
#include "common/mem.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>

/*
 * The largest body whose page is left for the worker to free.  Ordinary
 * pages (10 actions, 100 newsletters) are tens of kilobytes; the tree of
 * a multi-megabyte body is freed at once rather than held.
 */
#define GARBAGE_MAX_BODY (256u * 1024)
/*
 * Retired pages wait for an idle worker only while their bodies add up
 * to this: a json-c tree takes 10 to 23 times its body (BENCHMARKS.md).
 */
#define GARBAGE_MAX_BYTES (1024u * 1024)

/* A retired page: its tree and what cio_prepare made of it. */
struct garbage {
    struct json_object *root;
    void *prepared;
    const struct cio_prepare *prep;
    size_t len;
    struct garbage *next;
};

struct task_list {
    struct cio_parse_task *head;
    struct cio_parse_task *tail;
};

struct cio_parser {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work;    /* signalled on new work or stop */
    struct task_list todo;
    struct task_list done;
    struct garbage *garbage; /* retired pages, for the worker to free */
    size_t garbage_bytes;    /* their bodies' sizes, summed */
    atomic_int ndone;       /* tasks in done, readable without the lock */
    bool caller_asleep;     /* in curl_multi_poll, wants a wake-up */
    bool stop;
    CURLM *wake;
    struct json_tokener *tok; /* the worker's, kept for every page */
};

static void list_push(struct task_list *l, struct cio_parse_task *t)
{
    t->next = NULL;
    if (l->tail)
        l->tail->next = t;
    else
        l->head = t;
    l->tail = t;
}

static struct cio_parse_task *list_pop(struct task_list *l)
{
    struct cio_parse_task *t = l->head;

    if (!t)
        return NULL;
    l->head = t->next;
    if (!l->head)
        l->tail = NULL;
    t->next = NULL;
    return t;
}

/* Frees a list of retired pages: what was made of each, then its tree. */
static void free_garbage(struct garbage *g)
{
    while (g) {
        struct garbage *next = g->next;

        if (g->prepared)
            g->prep->release(g->prepared);
        json_object_put(g->root);
        free(g);
        g = next;
    }
}

/* Takes the retired pages, all of them or only when over the cap. */
static struct garbage *take_garbage(struct cio_parser *p, bool all)
{
    struct garbage *g = NULL;

    if (all || p->garbage_bytes > GARBAGE_MAX_BYTES) {
        g = p->garbage;
        p->garbage = NULL;
        p->garbage_bytes = 0;
    }
    return g;
}

static void parse_task(struct cio_parser *p, struct cio_parse_task *t)
{
    kv_err_clear(&t->err);
    t->rc = cio_page_parse_with(p->tok, t->stream->list, t->body ? t->body : "",
                                t->len, &t->page, &t->err);
    /* the tree holds what is needed now: hold one copy, not two */
    free(t->body);
    t->body = NULL;
    if (!t->rc && t->prep && t->prep->fn)
        t->prepared = t->prep->fn(t->prep->ctx, t->stream, t->page.items);
}

static void *parser_main(void *arg)
{
    struct cio_parser *p = arg;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct cio_parse_task *t;
        struct garbage *g;
        bool wake;

        /* freeing waits for a moment with nothing to parse */
        while (!p->stop && !p->todo.head && p->garbage) {
            g = take_garbage(p, true);
            pthread_mutex_unlock(&p->lock);
            free_garbage(g);
            pthread_mutex_lock(&p->lock);
        }
        while (!p->stop && !p->todo.head)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->stop)
            break;
        t = list_pop(&p->todo);
        g = take_garbage(p, false);
        pthread_mutex_unlock(&p->lock);
        free_garbage(g);
        parse_task(p, t);
        pthread_mutex_lock(&p->lock);
        list_push(&p->done, t);
        atomic_fetch_add(&p->ndone, 1);
        wake = p->caller_asleep;
        p->caller_asleep = false;
        /* after the push, so that the woken caller finds the task */
        if (wake) {
            /* a system call: not with the lock the caller may want */
            pthread_mutex_unlock(&p->lock);
            curl_multi_wakeup(p->wake);
            pthread_mutex_lock(&p->lock);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int cio_parser_start(CURLM *wake, struct cio_parser **out,
                     struct kv_err *err)
{
    struct cio_parser *p = xcalloc(1, sizeof(*p));
    int e;

    p->wake = wake;
    p->tok = cio_page_tokener();
    atomic_init(&p->ndone, 0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    e = pthread_create(&p->thread, NULL, parser_main, p);
    if (e) {
        pthread_cond_destroy(&p->work);
        pthread_mutex_destroy(&p->lock);
        json_tokener_free(p->tok);
        free(p);
        *out = NULL;
        return kv_err_set(err, KV_EFAIL, "cannot start the page parser "
                          "thread: %s", strerror(e));
    }
    *out = p;
    return KV_OK;
}

void cio_parser_submit(struct cio_parser *p, struct cio_parse_task *t)
{
    pthread_mutex_lock(&p->lock);
    list_push(&p->todo, t);
    pthread_mutex_unlock(&p->lock);
    /* after the unlock: the worker wakes to a free lock */
    pthread_cond_signal(&p->work);
}

struct cio_parse_task *cio_parser_take(struct cio_parser *p)
{
    struct cio_parse_task *t;

    if (!atomic_load(&p->ndone))
        return NULL;
    pthread_mutex_lock(&p->lock);
    t = list_pop(&p->done);
    if (t)
        atomic_fetch_sub(&p->ndone, 1);
    pthread_mutex_unlock(&p->lock);
    return t;
}

bool cio_parser_may_sleep(struct cio_parser *p)
{
    bool ok;

    pthread_mutex_lock(&p->lock);
    ok = !p->done.head;
    p->caller_asleep = ok;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void cio_parser_awake(struct cio_parser *p)
{
    pthread_mutex_lock(&p->lock);
    p->caller_asleep = false;
    pthread_mutex_unlock(&p->lock);
}

void cio_parser_retire(struct cio_parser *p, struct cio_parse_task *t)
{
    struct garbage *g;

    if (t->len > GARBAGE_MAX_BODY) {
        cio_parse_task_release(t);
        return;
    }
    g = xmalloc(sizeof(*g));
    g->root = t->page.root;
    g->prepared = t->prepared;
    g->prep = t->prep;
    g->len = t->len;
    t->page.root = NULL;
    t->prepared = NULL;
    cio_parse_task_release(t);
    pthread_mutex_lock(&p->lock);
    g->next = p->garbage;
    p->garbage = g;
    p->garbage_bytes += g->len;
    pthread_mutex_unlock(&p->lock);
    /* no signal: the worker looks at the list before it next sleeps */
}

void cio_parser_stop(struct cio_parser *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    free_garbage(p->garbage);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    json_tokener_free(p->tok);
    free(p);
}

void cio_parse_task_release(struct cio_parse_task *t)
{
    free(t->body);
    t->body = NULL;
    /* first: what was made of the page may borrow from its tree */
    if (t->prepared)
        t->prep->release(t->prepared);
    t->prepared = NULL;
    cio_page_release(&t->page);
    memset(&t->page, 0, sizeof(t->page));
}
