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
 * The largest body whose tree is left for the worker to free.  Ordinary
 * pages (10 actions, 100 newsletters) are tens of kilobytes; a tree of a
 * multi-megabyte body is freed at once rather than held for a request.
 */
#define GARBAGE_MAX_BODY (256u * 1024)

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
    atomic_int ndone;       /* tasks in done, readable without the lock */
    bool caller_asleep;     /* in curl_multi_poll, wants a wake-up */
    bool stop;
    CURLM *wake;
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

/* Frees the task's retired page: what was made of it, then the tree. */
static void free_garbage(struct cio_parse_task *t)
{
    if (t->garbage_prepared)
        t->prep->release(t->garbage_prepared);
    t->garbage_prepared = NULL;
    json_object_put(t->garbage);
    t->garbage = NULL;
}

static void parse_task(struct cio_parse_task *t)
{
    free_garbage(t);
    kv_err_clear(&t->err);
    t->rc = cio_page_parse(t->list, t->body ? t->body : "", t->len,
                           &t->page, &t->err);
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
        bool wake;

        while (!p->stop && !p->todo.head)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->stop)
            break;
        t = list_pop(&p->todo);
        pthread_mutex_unlock(&p->lock);
        parse_task(t);
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
    atomic_init(&p->ndone, 0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    e = pthread_create(&p->thread, NULL, parser_main, p);
    if (e) {
        pthread_cond_destroy(&p->work);
        pthread_mutex_destroy(&p->lock);
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

void cio_parse_task_retire(struct cio_parse_task *t)
{
    struct json_object *root = t->page.root;
    void *prepared = t->prepared;

    if (t->len > GARBAGE_MAX_BODY) {
        cio_parse_task_release(t);
        return;
    }
    t->page.root = NULL;
    t->prepared = NULL;
    cio_parse_task_release(t);
    t->garbage = root;
    t->garbage_prepared = prepared;
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
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void cio_parse_task_release(struct cio_parse_task *t)
{
    free(t->body);
    t->body = NULL;
    free_garbage(t);
    /* first: what was made of the page may borrow from its tree */
    if (t->prepared)
        t->prep->release(t->prepared);
    t->prepared = NULL;
    cio_page_release(&t->page);
    memset(&t->page, 0, sizeof(t->page));
}
