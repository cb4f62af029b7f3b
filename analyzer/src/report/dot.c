/* Graphviz rendering of the wait-for graph: threads are boxes, locks are
 * ellipses; "waits for" and "held by" edges; a cycle is drawn red. */
#include "report/report.h"

#include <stdint.h>

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

void pc_render_dot(const struct pc_analysis *a, pc_buf *b)
{
    const struct pc_diag *d = &a->diag;
    const struct pc_model *m = &a->model;
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
            pc_buf_printf(b, "  l%zu [shape=ellipse,label=", w->lock);
            pc_json_str(b, r->name[0] ? r->name : "lock");
            pc_buf_puts(b, "];\n");
            pc_buf_printf(b, "  t%d -> l%zu [label=\"waits for\"%s];\n", m->threads[i].tid, w->lock, style);
            if (r->holder != SIZE_MAX)
                pc_buf_printf(b, "  l%zu -> t%d [label=\"held by (%s)\"%s];\n", w->lock, m->threads[r->holder].tid,
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
    pc_buf_puts(b, "}\n");
}
