/* The wait-for graph: an edge from each thread to the thread it waits for,
 * and the first cycle in it. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>

static void add_edge(struct pc_diag *d, size_t from, size_t to, int conf, const char *label)
{
    if (from == SIZE_MAX || to == SIZE_MAX || d->nedges >= PC_MAX_EDGES)
        return;
    struct pc_edge *e = &d->edges[d->nedges++];
    e->from = from;
    e->to = to;
    e->conf = conf;
    snprintf(e->label, sizeof e->label, "%s", label);
}

void pc_diag_graph_build(struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        struct pc_wait *w = &d->waits[i];
        int conf = PC_CONF_HIGH;
        if (w->kind == PC_W_LOCK && w->lock != SIZE_MAX)
            conf = d->locks[w->lock].holder_conf;
        if (w->kind == PC_W_SHUTDOWN) {
            for (size_t j = 0; j < m->nthreads; j++)
                if (j != i && ((m->threads[j].daemon == 0 && m->threads[j].tstate) || j == w->target))
                    add_edge(d, i, j, PC_CONF_HIGH, "joins at exit");
            continue;
        }
        if (w->timeout == 1 || w->target == SIZE_MAX)
            continue;
        char label[160];
        if (w->kind == PC_W_LOCK && w->lock != SIZE_MAX)
            snprintf(label, sizeof label, "waits for %s held by it",
                     d->locks[w->lock].name[0] ? d->locks[w->lock].name : "a lock");
        else if (w->kind == PC_W_JOIN)
            snprintf(label, sizeof label, "joins it");
        else
            snprintf(label, sizeof label, "waits for %s held by it", w->what);
        add_edge(d, i, w->target, conf, label);
    }
}

/* First cycle reachable in the graph (iterative DFS, bounded). */
void pc_diag_graph_cycle(struct pc_model *m, struct pc_diag *d)
{
    size_t n = m->nthreads;
    int *color = calloc(n, sizeof *color);
    size_t *parent = calloc(n, sizeof *parent), *stack = calloc(n + 1, sizeof *stack), *next = calloc(n, sizeof *next);
    if (!color || !parent || !stack || !next)
        goto out;
    for (size_t s = 0; s < n && !d->ncycle; s++) {
        if (color[s])
            continue;
        size_t sp = 0;
        stack[sp++] = s;
        color[s] = 1;
        parent[s] = SIZE_MAX;
        while (sp && !d->ncycle) {
            size_t u = stack[sp - 1];
            int pushed = 0;
            for (; next[u] < d->nedges; next[u]++) {
                const struct pc_edge *e = &d->edges[next[u]];
                if (e->from != u)
                    continue;
                size_t v = e->to;
                if (color[v] == 1) {
                    /* Cycle v -> ... -> u -> v. */
                    size_t len = 1;
                    for (size_t x = u; x != v && x != SIZE_MAX; x = parent[x])
                        len++;
                    d->cycle = calloc(len, sizeof *d->cycle);
                    if (d->cycle) {
                        size_t k = len;
                        for (size_t x = u; k > 0; x = parent[x]) {
                            d->cycle[--k] = x;
                            if (x == v)
                                break;
                        }
                        d->ncycle = len;
                    }
                    break;
                }
                if (color[v] == 0) {
                    color[v] = 1;
                    parent[v] = u;
                    stack[sp++] = v;
                    next[u]++;
                    pushed = 1;
                    break;
                }
            }
            if (d->ncycle)
                break;
            if (!pushed) {
                color[u] = 2;
                sp--;
            }
        }
    }
out:
    free(color);
    free(parent);
    free(stack);
    free(next);
}
