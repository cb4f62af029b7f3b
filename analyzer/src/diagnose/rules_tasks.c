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
    for (size_t k = from; k < t->npy; k++)
        if (!strstr(t->py[k].file, "/asyncio/")) {
            snprintf(buf, n, "%s (%s:%d)", t->py[k].qualname, t->py[k].file, t->py[k].line);
            return buf;
        }
    snprintf(buf, n, "%s", t->npy ? t->py[0].qualname : "?");
    return buf;
}

/* The one task holding lock (SIZE_MAX: none or several), and where. */
static size_t holder_of(const struct pc_model *m, size_t self, uint64_t lock, size_t *frame)
{
    size_t h = SIZE_MAX;
    for (size_t j = 0; j < m->ntasks; j++)
        for (size_t k = 0; j != self && m->tasks[j].state == 0 && k < m->tasks[j].nholds; k++)
            if (m->tasks[j].holds[k].obj == lock) {
                if (h != SIZE_MAX && h != j)
                    return SIZE_MAX;
                h = j;
                *frame = m->tasks[j].holds[k].frame;
            }
    return h;
}

void pc_rule_asyncio_tasks(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    size_t n = m->ntasks;
    if (!n)
        return;
    size_t *next = malloc(n * sizeof *next), *hframe = malloc(n * sizeof *hframe);
    unsigned char *mark = calloc(n, 1);
    if (!next || !hframe || !mark)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const struct pc_task_model *t = &m->tasks[i];
        next[i] = hframe[i] = SIZE_MAX;
        if (t->state != 0)
            continue;
        if (t->wait == PC_TW_LOCK && t->wait_obj)
            next[i] = holder_of(m, i, t->wait_obj, &hframe[i]);
        else if (t->wait == PC_TW_TASK && m->tasks[t->awaits_task].state == 0)
            next[i] = t->awaits_task;
    }
    /* Walk from each task; mark 1 = on the current walk, 2 = done. */
    size_t start = SIZE_MAX;
    for (size_t i = 0; i < n && start == SIZE_MAX; i++) {
        size_t j = i;
        while (j != SIZE_MAX && !mark[j]) {
            mark[j] = 1;
            j = next[j];
        }
        if (j != SIZE_MAX && mark[j] == 1)
            start = j;
        for (size_t k = i; k != SIZE_MAX && mark[k] == 1; k = next[k])
            mark[k] = 2;
    }
    if (start == SIZE_MAX)
        goto out;
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
            pc_rule_ev(f, "  %s holds it: `async with` in %s keeps its __aexit__ on that frame's value stack",
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
    free(next);
    free(hframe);
    free(mark);
}
