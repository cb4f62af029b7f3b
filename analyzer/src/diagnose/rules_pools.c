/* Thread pools and queues: starved thread pools, queues joined with
 * unfinished tasks, and waits nothing alive can end. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* H21: all workers of a ThreadPoolExecutor wait for futures. */
void pc_rule_pool(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    size_t workers = 0, starving = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        if (!pc_rule_has_frame(&m->threads[i], "concurrent/futures/thread.py", "_worker"))
            continue;
        workers++;
        const struct pc_wait *w = &d->waits[i];
        /* Waiting for a future: Future.result or concurrent.futures.wait,
         * both in _base.py, under the pool's _WorkItem.run. */
        starving += (w->kind == PC_W_FUTURE || w->kind == PC_W_CONDITION || w->kind == PC_W_EVENT) && w->timeout != 1 &&
                    pc_rule_has_frame(&m->threads[i], "concurrent/futures/thread.py", "run") &&
                    pc_rule_has_frame(&m->threads[i], "concurrent/futures/_base.py", NULL);
    }
    if (!workers || starving != workers)
        return;
    char a[160];
    struct pc_finding *f = pc_rule_add(d, PC_P_THREAD_POOL_STARVATION, PC_CONF_HIGH);
    pc_rule_summary(f, "all %zu worker%s of a ThreadPoolExecutor run a task that waits for another future of the pool",
            workers, workers == 1 ? "" : "s");
    for (size_t i = 0; i < m->nthreads; i++) {
        if (pc_rule_has_frame(&m->threads[i], "concurrent/futures/thread.py", "_worker") || d->waits[i].kind == PC_W_FUTURE) {
            pc_rule_with_thread(f, i);
            pc_rule_describe_wait(f, m, d, i);
        }
    }
    (void)a;
}

void pc_rule_queue_join(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    char a[160];
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_wait *w = &d->waits[i];
        if (w->kind != PC_W_QUEUE_JOIN)
            continue;
        int64_t unfinished = -1;
        pc_py_int(py, pc_py_attr(py, w->obj, "unfinished_tasks"), &unfinished);
        if (unfinished <= 0)
            continue;
        /* Every other thread idle in get() on this queue: nobody will
         * call task_done(). */
        size_t busy = 0;
        for (size_t j = 0; j < m->nthreads; j++)
            if (j != i && m->threads[j].tstate && !(d->waits[j].kind == PC_W_QUEUE_GET && d->waits[j].obj == w->obj))
                busy += d->waits[j].kind == PC_W_RUNNING;
        struct pc_finding *f = pc_rule_add(d, PC_P_QUEUE_JOIN_UNFINISHED, busy ? PC_CONF_MEDIUM : PC_CONF_HIGH);
        pc_rule_with_thread(f, i);
        pc_rule_summary(f, "%s waits in Queue.join() while unfinished_tasks = %lld and %s",
                        pc_diag_thread_label(m, i, a, sizeof a), (long long)unfinished,
                        busy ? "other threads still run" : "no thread is working on an item");
        pc_rule_ev(f, "%s.unfinished_tasks = %lld", w->what, (long long)unfinished);
        pc_rule_describe_wait(f, m, d, i);
        return;
    }
}

/* Waits without timeout that nothing alive can end.  After a hang finding
 * it names only the threads that finding did not already name. */
void pc_rule_orphans(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    size_t waiting = 0, free_threads = 0, fresh = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        if (!m->threads[i].tstate)
            continue;
        if (pc_rule_blocks_forever(&d->waits[i]))
            waiting++;
        else
            free_threads++;
    }
    int gone = 0;
    for (size_t i = 0; i < m->nthreads; i++)
        if (d->waits[i].lock != SIZE_MAX && d->locks[d->waits[i].lock].holder_gone)
            gone = 1;
    for (size_t i = 0; i < m->nthreads; i++) {
        int k = d->waits[i].kind;
        fresh += m->threads[i].tstate && k != PC_W_NONE && k != PC_W_RUNNING && !pc_rule_in_hang(d, i);
    }
    if (!waiting || (free_threads && !gone) || !fresh)
        return;
    struct pc_finding *f = pc_rule_add(d, PC_P_ORPHANED_WAIT, gone ? PC_CONF_HIGH : PC_CONF_MEDIUM);
    for (size_t i = 0; i < m->nthreads; i++) {
        int k = d->waits[i].kind;
        if (!m->threads[i].tstate || k == PC_W_NONE || k == PC_W_RUNNING || pc_rule_in_hang(d, i))
            continue;
        pc_rule_with_thread(f, i);
        pc_rule_describe_wait(f, m, d, i);
    }
    pc_rule_summary(f, gone ? "a lock is held by a thread that has exited; %zu thread%s wait for it forever"
                            : "all %zu Python threads wait without timeout and none is left to wake them",
                    waiting, waiting == 1 ? "" : "s");
}
