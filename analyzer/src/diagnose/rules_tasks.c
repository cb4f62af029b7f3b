/* asyncio tasks waiting for each other in a cycle: a task waits in
 * Lock.acquire for a lock another task holds (its `async with` keeps the
 * lock's __aexit__ on a frame's value stack), or awaits another task.
 * Each pending task waits for one thing, so the graph has one edge per
 * task at most and a cycle is found by walking it. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *task_label(const struct pc_task_model *t, char *buf, size_t n)
{
    if (t->name[0])
        snprintf(buf, n, "task \"%s\"", t->name);
    else
        snprintf(buf, n, "task 0x%llx", (unsigned long long)t->addr);
    return buf;
}

/* The innermost frame of the task outside asyncio itself. */
static const char *task_where(const struct pc_task_model *t, size_t from, char *buf, size_t n)
{
    return pc_rule_frames_where(t->py, t->npy, from, "/asyncio/", buf, n);
}

struct held {
    uint64_t lock;
    size_t task, frame;
};

static int by_lock(const void *x, const void *y)
{
    uint64_t a = ((const struct held *)x)->lock, b = ((const struct held *)y)->lock;
    return a < b ? -1 : a > b;
}

/* The one task other than self holding lock (SIZE_MAX: none, or several,
 * which a lock cannot have: the evidence is then unsure), and where. */
static size_t holder_of(const struct held *h, size_t nh, size_t self, uint64_t lock, size_t *frame)
{
    size_t lo = 0, hi = nh, who = SIZE_MAX;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h[mid].lock < lock)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < nh && h[lo].lock == lock; lo++) {
        if (h[lo].task == self)
            continue;
        if (who != SIZE_MAX && who != h[lo].task)
            return SIZE_MAX;
        who = h[lo].task;
        *frame = h[lo].frame;
    }
    return who;
}

/* A task awaits an executor job whose thread waits for a lock that a task
 * holds (a `with` over awaits: the loop thread is the holder), and that
 * task is the first one or waits for it through other tasks. */
static void task_thread_cycle(const struct pc_model *m, struct pc_diag *d, const size_t *next, const struct held *held,
                              size_t nh)
{
    char a[160], b[160], c[160], w[600], hw[600];
    for (size_t i = 0; i < m->ntasks; i++) {
        const struct pc_task_model *t = &m->tasks[i];
        if (t->state != 0 || t->exec_thread == SIZE_MAX)
            continue;
        size_t th = t->exec_thread, hframe = SIZE_MAX;
        const struct pc_wait *tw = &d->waits[th];
        if (tw->kind != PC_W_LOCK || !tw->obj || tw->timeout == 1)
            continue;
        size_t h = holder_of(held, nh, SIZE_MAX, tw->obj, &hframe), j = h, steps = 0;
        while (j != SIZE_MAX && j != i && steps++ < m->ntasks)
            j = next[j];
        if (j != i)
            continue;
        const struct pc_task_model *ht = &m->tasks[h];
        struct pc_finding *f = pc_rule_add(d, PC_P_ASYNCIO_TASK_DEADLOCK, PC_CONF_HIGH);
        pc_rule_with_thread(f, th);
        if (ht->thread != SIZE_MAX)
            pc_rule_with_thread(f, ht->thread);
        pc_rule_summary(f, "%s awaits an executor job that %s runs, which waits for %s held by %s%s: a task and a "
                           "thread wait for each other",
                        task_label(t, a, sizeof a), pc_diag_thread_label(m, th, b, sizeof b), tw->what,
                        h == i ? "that same task" : task_label(ht, c, sizeof c),
                        ht->thread != SIZE_MAX ? " on the loop thread" : "");
        pc_rule_ev(f, "%s awaits a future chained to the concurrent.futures.Future 0x%llx of %s's _WorkItem, in %s",
                   task_label(t, a, sizeof a), (unsigned long long)t->exec_future,
                   pc_diag_thread_label(m, th, b, sizeof b), task_where(t, 0, w, sizeof w));
        pc_rule_describe_wait(f, m, d, th);
        pc_rule_ev(f, "%s holds it: %s is inside a `with` on it across an await (the block keeps the lock's __exit__ "
                      "on that frame's value stack), so the loop thread holds it while it waits",
                   task_label(ht, c, sizeof c), task_where(ht, hframe, hw, sizeof hw));
        return;
    }
}

void pc_rule_asyncio_tasks(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    size_t n = m->ntasks;
    if (!n)
        return;
    size_t *next = malloc(n * sizeof *next), *hframe = malloc(n * sizeof *hframe), nh = 0;
    unsigned char *mark = calloc(n, 1);
    struct held *held = malloc(n * PC_TASK_HOLDS * sizeof *held);
    if (!next || !hframe || !mark || !held)
        goto out;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; m->tasks[i].state == 0 && k < m->tasks[i].nholds; k++)
            held[nh++] = (struct held){m->tasks[i].holds[k].obj, i, m->tasks[i].holds[k].frame};
    qsort(held, nh, sizeof *held, by_lock);
    for (size_t i = 0; i < n; i++) {
        const struct pc_task_model *t = &m->tasks[i];
        next[i] = hframe[i] = SIZE_MAX;
        if (t->state != 0)
            continue;
        if (t->wait == PC_TW_LOCK && t->wait_obj)
            next[i] = holder_of(held, nh, i, t->wait_obj, &hframe[i]);
        else if (t->wait == PC_TW_TASK && m->tasks[t->awaits_task].state == 0)
            next[i] = t->awaits_task;
    }
    size_t start = pc_rule_next_cycle(next, n, mark);
    if (start == SIZE_MAX) {
        task_thread_cycle(m, d, next, held, nh);
        goto out;
    }
    char a[160], b[160], w[600], hw[600];
    struct pc_finding *f = pc_rule_add(d, PC_P_ASYNCIO_TASK_DEADLOCK, PC_CONF_HIGH);
    pc_buf s = {0};
    size_t len = 0, i = start;
    do {
        const struct pc_task_model *t = &m->tasks[i], *h = &m->tasks[next[i]];
        if (t->thread != SIZE_MAX)
            pc_rule_with_thread(f, t->thread);
        if (t->wait == PC_TW_LOCK) {
            pc_buf_printf(&s, "%s%s waits for asyncio.%s 0x%llx held by %s", len ? ", which" : "",
                          len ? "" : task_label(t, a, sizeof a), t->wait_type, (unsigned long long)t->wait_obj,
                          task_label(h, b, sizeof b));
            pc_rule_ev(f, "%s waits in %s.acquire for asyncio.%s 0x%llx, in %s", task_label(t, a, sizeof a), t->wait_type,
                       t->wait_type, (unsigned long long)t->wait_obj, task_where(t, 0, w, sizeof w));
            pc_rule_ev(f, "  %s holds it: %s is inside an `async with` on it (the block keeps the lock's "
                          "__aexit__ on that frame's value stack)",
                       task_label(h, b, sizeof b), task_where(h, hframe[i], hw, sizeof hw));
        } else {
            pc_buf_printf(&s, "%s%s awaits %s", len ? ", which" : "", len ? "" : task_label(t, a, sizeof a),
                          task_label(h, b, sizeof b));
            pc_rule_ev(f, "%s awaits %s (its future waiter), in %s", task_label(t, a, sizeof a),
                       task_label(h, b, sizeof b), task_where(t, 0, w, sizeof w));
        }
        len++;
        i = next[i];
    } while (i != start && len < n);
    pc_rule_summary(f, "%s: a cycle of asyncio tasks, none of which can go on", s.data ? s.data : "");
    free(s.data);
out:
    free(held);
    free(next);
    free(hframe);
    free(mark);
}

/* Is another pending task waiting on obj in the given way? */
static int others_wait(const struct pc_model *m, size_t self, uint64_t obj, int kind)
{
    for (size_t j = 0; j < m->ntasks; j++)
        if (j != self && m->tasks[j].state == 0 && m->tasks[j].wait == kind && m->tasks[j].wait_obj == obj)
            return 1;
    return 0;
}

/* Why nothing will end task i's wait, where memory says so. */
static void why_nobody(struct pc_finding *f, const struct pc_model *m, size_t i)
{
    const struct pc_task_model *t = &m->tasks[i];
    if (t->wait == PC_TW_LOCK) {
        for (size_t j = 0; j < m->ntasks; j++)
            for (size_t k = 0; m->tasks[j].state == 0 && k < m->tasks[j].nholds; k++)
                if (m->tasks[j].holds[k].obj == t->wait_obj)
                    return;             /* a pending holder: a cycle or a wait, said elsewhere */
        if (t->wait_locked == 1)
            pc_rule_ev(f, "  the lock is locked (_locked = True) and no pending task is inside an `async with` on it: "
                          "a task that finished or was cancelled kept it (acquire() without release())");
    } else if (t->wait == PC_TW_QUEUE_PUT && !others_wait(m, i, t->wait_obj, PC_TW_QUEUE_GET)) {
        pc_rule_ev(f, "  the queue is full and no pending task waits to get from it: its consumer is gone");
    } else if (t->wait == PC_TW_QUEUE_GET && !others_wait(m, i, t->wait_obj, PC_TW_QUEUE_PUT)) {
        pc_rule_ev(f, "  the queue is empty and no pending task waits to put into it");
    }
}

void pc_rule_task_evidence(struct pc_finding *f, const struct pc_model *m, size_t thread)
{
    char a[160], w[600];
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < m->ntasks; i++) {
        const struct pc_task_model *t = &m->tasks[i];
        if (t->state != 0 || t->thread != thread)
            continue;
        if (shown == 8) {
            more++;
            continue;
        }
        shown++;
        if (t->wait_obj) {
            pc_rule_ev(f, "%s waits on asyncio.%s 0x%llx (%s), in %s", task_label(t, a, sizeof a), t->wait_type,
                       (unsigned long long)t->wait_obj, pc_task_wait_name(t->wait), task_where(t, 0, w, sizeof w));
            why_nobody(f, m, i);
        }
        else if (t->awaits_task != SIZE_MAX)
            pc_rule_ev(f, "%s awaits %s, in %s", task_label(t, a, sizeof a),
                       task_label(&m->tasks[t->awaits_task], w + 300, 300), task_where(t, 0, w, 300));
        else if (t->gather_n)
            pc_rule_ev(f, "%s awaits a gather() of %zu tasks, %zu done, in %s", task_label(t, a, sizeof a),
                       t->gather_n, t->gather_done, task_where(t, 0, w, sizeof w));
        else if (t->awaits)
            pc_rule_ev(f, "%s awaits %s 0x%llx, in %s", task_label(t, a, sizeof a),
                       t->awaits_type[0] ? t->awaits_type : "an object", (unsigned long long)t->awaits,
                       task_where(t, 0, w, sizeof w));
    }
    if (more)
        pc_rule_ev(f, "and %zu more pending task%s", more, more == 1 ? "" : "s");
    /* Tasks that died: often the producer, consumer or lock holder the
     * others wait for. */
    shown = 0;
    for (size_t i = 0; i < m->ntasks && shown < 4; i++) {
        const struct pc_task_model *t = &m->tasks[i];
        if (t->state == 2 && t->exception[0] && (t->thread == thread || t->thread == SIZE_MAX)) {
            pc_rule_ev(f, "%s is done: it raised %s", task_label(t, a, sizeof a), t->exception);
            shown++;
        }
    }
}
