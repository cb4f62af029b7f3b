/* Greenlets waiting for each other in a cycle: a greenlet waits on a gevent
 * lock (its switch is in the lock's _links) that another greenlet holds
 * (its `with` keeps the lock's __exit__ on a frame's value stack).  Each
 * greenlet waits for one thing, so the graph has one edge per greenlet at
 * most and a cycle is found by walking it. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `greenlet "transfer" 0x...`: named by the function it was started with
 * (its outermost frame). */
static const char *gr_label(const struct pc_greenlet_model *g, char *buf, size_t n)
{
    if (g->npy && g->py_complete)
        snprintf(buf, n, "greenlet \"%s\" 0x%llx", g->py[g->npy - 1].name, (unsigned long long)g->addr);
    else
        snprintf(buf, n, "greenlet 0x%llx", (unsigned long long)g->addr);
    return buf;
}

/* Its innermost frame outside gevent itself, from frame index `from`. */
static const char *gr_where(const struct pc_greenlet_model *g, size_t from, char *buf, size_t n)
{
    return pc_rule_frames_where(g->py, g->npy, from, "/gevent/", buf, n);
}

/* The one live greenlet other than self holding lock (SIZE_MAX: none, or
 * several, which a lock cannot have: the evidence is then unsure). */
static size_t holder_of(const struct pc_model *m, size_t self, uint64_t lock, size_t *frame)
{
    size_t who = SIZE_MAX;
    for (size_t j = 0; j < m->ngreenlets; j++) {
        const struct pc_greenlet_model *h = &m->greenlets[j];
        if (j == self || (h->state != PC_GR_SUSPENDED && h->state != PC_GR_RUNNING))
            continue;
        for (size_t k = 0; k < h->nholds; k++)
            if (h->holds[k].obj == lock) {
                if (who != SIZE_MAX && who != j)
                    return SIZE_MAX;
                who = j;
                *frame = h->holds[k].frame;
            }
    }
    return who;
}

void pc_rule_greenlets(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    size_t n = m->ngreenlets;
    if (!n)
        return;
    size_t *next = malloc(n * sizeof *next), *hframe = malloc(n * sizeof *hframe);
    unsigned char *mark = calloc(n, 1);
    if (!next || !hframe || !mark)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const struct pc_greenlet_model *g = &m->greenlets[i];
        next[i] = hframe[i] = SIZE_MAX;
        if (g->state == PC_GR_SUSPENDED && g->wait_obj)
            next[i] = holder_of(m, i, g->wait_obj, &hframe[i]);
    }
    size_t start = pc_rule_next_cycle(next, n, mark);
    if (start == SIZE_MAX)
        goto out;
    char a[160], b[160], w[600], hw[600];
    struct pc_finding *f = pc_rule_add(d, PC_P_GREENLET_DEADLOCK, PC_CONF_HIGH);
    pc_buf s = {0};
    size_t len = 0, i = start;
    do {
        const struct pc_greenlet_model *g = &m->greenlets[i], *h = &m->greenlets[next[i]];
        if (g->thread != SIZE_MAX)
            pc_rule_with_thread(f, g->thread);
        pc_buf_printf(&s, "%s%s waits for %s 0x%llx held by %s", len ? ", which" : "",
                      len ? "" : gr_label(g, a, sizeof a), g->wait_type, (unsigned long long)g->wait_obj,
                      gr_label(h, b, sizeof b));
        pc_rule_ev(f, "%s waits for %s 0x%llx (its switch is in the lock's links), in %s", gr_label(g, a, sizeof a),
                   g->wait_type, (unsigned long long)g->wait_obj, gr_where(g, 0, w, sizeof w));
        pc_rule_ev(f, "  %s holds it: %s is inside a `with` on it (the block keeps the lock's __exit__ on that "
                      "frame's value stack)",
                   gr_label(h, b, sizeof b), gr_where(h, hframe[i], hw, sizeof hw));
        len++;
        i = next[i];
    } while (i != start && len < n);
    pc_rule_summary(f, "%s: a cycle of greenlets, none of which can go on", s.data ? s.data : "");
    free(s.data);
out:
    free(next);
    free(hframe);
    free(mark);
}
