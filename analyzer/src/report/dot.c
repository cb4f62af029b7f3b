/* Graphviz rendering of the wait-for graph: threads are boxes, asyncio
 * tasks and greenlets rounded boxes, locks and other objects waited on
 * ellipses; "waits for", "held by" and "awaits" edges; a cycle of threads
 * is drawn red. */
#include "report/report.h"

#include <stdint.h>
#include <stdio.h>

#define PC_DOT_OBJECTS 256

static void thread_node(pc_buf *b, const struct pc_thread_model *t, int hot)
{
    pc_buf_printf(b, "  t%d [shape=box,label=", t->tid);
    char label[200];
    /* A real newline: the string escaper writes it as DOT's \n. */
    snprintf(label, sizeof label, "%s\ntid %d%s", t->name[0] ? t->name : "thread", t->tid,
             t->gil == PC_GIL_HELD ? "\nholds the GIL" : "");
    pc_json_str(b, label);
    pc_buf_printf(b, "%s];\n", hot ? ",color=red,penwidth=2" : "");
}

/* An object tasks or greenlets wait on or hold, once per address. */
static void object_node(pc_buf *b, uint64_t obj, const char *type, uint64_t *seen, size_t *nseen, size_t cap)
{
    for (size_t k = 0; k < *nseen; k++)
        if (seen[k] == obj)
            return;
    if (*nseen < cap)
        seen[(*nseen)++] = obj;
    pc_buf_printf(b, "  o%llx [shape=ellipse,label=", (unsigned long long)obj);
    char label[120];
    snprintf(label, sizeof label, "%s\n0x%llx", type[0] ? type : "object", (unsigned long long)obj);
    pc_json_str(b, label);
    pc_buf_puts(b, "];\n");
}

/* A task's or greenlet's node (prefix k or g), what it waits on and holds. */
static void waiter_node(pc_buf *b, char prefix, uint64_t addr, const char *label, uint64_t wait_obj,
                        const char *wait_type, const struct pc_hold *holds, size_t nholds, uint64_t *seen,
                        size_t *nseen)
{
    pc_buf_printf(b, "  %c%llx [shape=box,style=rounded,label=", prefix, (unsigned long long)addr);
    pc_json_str(b, label);
    pc_buf_puts(b, "];\n");
    if (wait_obj) {
        object_node(b, wait_obj, wait_type, seen, nseen, PC_DOT_OBJECTS);
        pc_buf_printf(b, "  %c%llx -> o%llx [label=\"waits for\"];\n", prefix, (unsigned long long)addr,
                      (unsigned long long)wait_obj);
    }
    for (size_t h = 0; h < nholds; h++) {
        object_node(b, holds[h].obj, holds[h].type, seen, nseen, PC_DOT_OBJECTS);
        pc_buf_printf(b, "  o%llx -> %c%llx [label=\"held by\"];\n", (unsigned long long)holds[h].obj, prefix,
                      (unsigned long long)addr);
    }
}

/* Pending tasks and suspended greenlets: what each waits for and holds. */
static void coroutine_nodes(const struct pc_model *m, pc_buf *b, uint64_t *seen, size_t nseen)
{
    char label[200];
    for (size_t i = 0; i < m->ntasks && i < 1000; i++) {
        const struct pc_task_model *t = &m->tasks[i];
        if (t->state != 0)
            continue;
        snprintf(label, sizeof label, "task %s\n0x%llx", t->name[0] ? t->name : "", (unsigned long long)t->addr);
        waiter_node(b, 'k', t->addr, label, t->wait_obj, t->wait_type, t->holds, t->nholds, seen, &nseen);
        if (!t->wait_obj && t->awaits_task != SIZE_MAX)
            pc_buf_printf(b, "  k%llx -> k%llx [label=\"awaits\"];\n", (unsigned long long)t->addr,
                          (unsigned long long)m->tasks[t->awaits_task].addr);
        else if (!t->wait_obj && t->exec_thread != SIZE_MAX)
            pc_buf_printf(b, "  k%llx -> t%d [label=\"awaits its executor job\"];\n", (unsigned long long)t->addr,
                          m->threads[t->exec_thread].tid);
    }
    for (size_t i = 0; i < m->ngreenlets && i < 1000; i++) {
        const struct pc_greenlet_model *g = &m->greenlets[i];
        if (g->state != PC_GR_SUSPENDED || (!g->wait_obj && !g->nholds))
            continue;
        snprintf(label, sizeof label, "greenlet %s\n0x%llx", g->npy ? g->py[g->npy - 1].name : "",
                 (unsigned long long)g->addr);
        waiter_node(b, 'g', g->addr, label, g->wait_obj, g->wait_type, g->holds, g->nholds, seen, &nseen);
    }
}

void pc_render_dot(const struct pc_analysis *a, pc_buf *b)
{
    const struct pc_diag *d = &a->diag;
    const struct pc_model *m = &a->model;
    uint64_t seen[PC_DOT_OBJECTS];  /* object nodes drawn: a lock threads and tasks share is one node */
    size_t nseen = 0;
    pc_buf_puts(b, "digraph waitfor {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n");
    for (size_t i = 0; i < m->nthreads; i++) {
        int hot = 0;
        for (size_t k = 0; k < d->ncycle; k++)
            hot |= d->cycle[k] == i;
        thread_node(b, &m->threads[i], hot);
    }
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_wait *w = &d->waits[i];
        int hot = 0;
        for (size_t k = 0; k < d->ncycle; k++)
            hot |= d->cycle[k] == i;
        const char *style = hot ? ",color=red,penwidth=2" : "";
        if (w->kind == PC_W_LOCK && w->lock != SIZE_MAX) {
            const struct pc_lockref *r = &d->locks[w->lock];
            char id[32];
            if (r->l.obj) {
                snprintf(id, sizeof id, "o%llx", (unsigned long long)r->l.obj);
                if (nseen < PC_DOT_OBJECTS)
                    seen[nseen++] = r->l.obj;
            } else
                snprintf(id, sizeof id, "l%zu", w->lock);
            pc_buf_printf(b, "  %s [shape=ellipse,label=", id);
            pc_json_str(b, r->name[0] ? r->name : "lock");
            pc_buf_puts(b, "];\n");
            pc_buf_printf(b, "  t%d -> %s [label=\"waits for\"%s];\n", m->threads[i].tid, id, style);
            if (r->holder != SIZE_MAX)
                pc_buf_printf(b, "  %s -> t%d [label=\"held by (%s)\"%s];\n", id, m->threads[r->holder].tid,
                              pc_conf_name(r->holder_conf), style);
        }
    }
    for (size_t i = 0; i < d->nedges; i++) {
        const struct pc_edge *e = &d->edges[i];
        if (d->waits[e->from].kind == PC_W_LOCK && d->waits[e->from].lock != SIZE_MAX)
            continue;   /* drawn through its lock node */
        int hot = 0;
        for (size_t k = 0; k < d->ncycle; k++)
            hot |= d->cycle[k] == e->from && d->cycle[(k + 1) % d->ncycle] == e->to;
        pc_buf_printf(b, "  t%d -> t%d [label=", m->threads[e->from].tid, m->threads[e->to].tid);
        pc_json_str(b, e->label);
        pc_buf_printf(b, "%s];\n", hot ? ",color=red,penwidth=2" : "");
    }
    coroutine_nodes(m, b, seen, nseen);
    pc_buf_puts(b, "}\n");
}
