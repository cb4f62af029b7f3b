/* Cycles in the wait-for graph (a lock cycle, a thread waiting for itself,
 * the import lock, the GIL against a C mutex), and an import whose owner
 * is blocked inside it. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pc_rule_cycle(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    if (!d->ncycle)
        return;
    char a[160], b[160], at[256];
    int import = 0, conf = PC_CONF_HIGH;
    char module[200] = "";
    for (size_t k = 0; k < d->ncycle; k++) {
        const struct pc_wait *w = &d->waits[d->cycle[k]];
        if (w->kind == PC_W_MODULE_LOCK || w->kind == PC_W_IMPORT_LOCK) {
            import = 1;
            snprintf(module, sizeof module, "%s", w->what);
        }
        if (w->kind == PC_W_LOCK && w->lock != SIZE_MAX && d->locks[w->lock].holder_conf < conf)
            conf = d->locks[w->lock].holder_conf;
    }
    size_t gil_waiter = SIZE_MAX;
    for (size_t k = 0; k < d->ncycle; k++)
        if (d->waits[d->cycle[k]].kind == PC_W_GIL)
            gil_waiter = d->cycle[k];
    struct pc_finding *f;
    if (gil_waiter != SIZE_MAX && d->ncycle > 1) {
        /* The GIL is one of the locks of the cycle: its holder blocks, without
         * releasing it, on something the GIL waiter holds (a C mutex). */
        size_t h = d->waits[gil_waiter].target;
        f = pc_rule_add(d, PC_P_GIL_HELD_BLOCKING, conf);
        pc_rule_summary(f, "%s holds the GIL and waits for %s in %s, held by %s, which waits for the GIL in %s: "
                   "a lock-order inversion between the GIL and a C lock",
                pc_diag_thread_label(m, h, a, sizeof a), d->waits[h].what, pc_rule_where(m, d, h, at, sizeof at),
                pc_diag_thread_label(m, gil_waiter, b, sizeof b), pc_rule_where(m, d, gil_waiter, at + 128, 128));
    } else if (d->ncycle == 1) {
        size_t i = d->cycle[0];
        f = pc_rule_add(d, PC_P_SELF_DEADLOCK, conf);
        pc_rule_summary(f, "%s waits in %s for %s, which it already holds", pc_diag_thread_label(m, i, a, sizeof a),
                pc_rule_where(m, d, i, at, sizeof at), d->waits[i].what);
    } else if (import) {
        f = pc_rule_add(d, PC_P_IMPORT_LOCK_DEADLOCK, conf);
        size_t w0 = d->cycle[0];
        for (size_t k = 0; k < d->ncycle; k++)
            if (d->waits[d->cycle[k]].kind == PC_W_MODULE_LOCK || d->waits[d->cycle[k]].kind == PC_W_IMPORT_LOCK)
                w0 = d->cycle[k];
        size_t holder = d->waits[w0].target;
        pc_rule_summary(f, "%s waits for %s in %s, held by %s, which waits for %s in %s", pc_diag_thread_label(m, w0, a, sizeof a),
                module, pc_rule_where(m, d, w0, at, sizeof at), pc_diag_thread_label(m, holder, b, sizeof b),
                d->waits[holder].what, pc_rule_where(m, d, holder, at + 128, 128));
    } else {
        f = pc_rule_add(d, PC_P_LOCK_ORDER_DEADLOCK, conf);
        pc_buf s = {0};
        for (size_t k = 0; k < d->ncycle; k++) {
            size_t i = d->cycle[k];
            pc_buf_printf(&s, "%s%s waits for %s in %s", k ? ", " : "", pc_diag_thread_label(m, i, a, sizeof a),
                          d->waits[i].what, pc_rule_where(m, d, i, at, sizeof at));
        }
        char *txt = pc_buf_take(&s);
        pc_rule_summary(f, "cycle of %zu threads: %s", d->ncycle, txt ? txt : "");
        free(txt);
    }
    for (size_t k = 0; k < d->ncycle; k++) {
        pc_rule_with_thread(f, d->cycle[k]);
        pc_rule_describe_wait(f, m, d, d->cycle[k]);
    }
}

/* A thread waits for an import lock whose owner is blocked, without a
 * timeout, inside that import (an Event, a Condition, a queue): the owner's
 * wake-up is not recorded, but nothing else can finish the import. */
void pc_rule_import_wait(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_wait *w = &d->waits[i];
        if ((w->kind != PC_W_MODULE_LOCK && w->kind != PC_W_IMPORT_LOCK) || w->target == SIZE_MAX)
            continue;
        size_t h = w->target;
        const struct pc_wait *hw = &d->waits[h];
        if (!pc_rule_blocks_forever(hw))
            continue;
        char a[160], b[160], at[256], at2[256];
        struct pc_finding *f = pc_rule_add(d, PC_P_IMPORT_LOCK_DEADLOCK, PC_CONF_MEDIUM);
        pc_rule_with_thread(f, i);
        pc_rule_with_thread(f, h);
        pc_rule_summary(f, "%s waits for %s in %s, held by %s, which is blocked inside that import waiting for %s in %s",
                pc_diag_thread_label(m, i, a, sizeof a), w->what, pc_rule_where(m, d, i, at, sizeof at),
                pc_diag_thread_label(m, h, b, sizeof b), hw->what[0] ? hw->what : pc_wait_name(hw->kind),
                pc_rule_where(m, d, h, at2, sizeof at2));
        pc_rule_ev(f, "inferred: who would wake %s is not recorded; the import lock it holds keeps %s from running",
           pc_diag_thread_label(m, h, b, sizeof b), pc_diag_thread_label(m, i, a, sizeof a));
        pc_rule_describe_wait(f, m, d, i);
        pc_rule_describe_wait(f, m, d, h);
        return;
    }
}
