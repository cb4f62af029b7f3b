/* A process tree as a triage batch, so that watch writes JUnit and
 * Markdown with the triage renderers: one member per process. */
#include "tree/tree.h"
#include "base/base.h"
#include "triage/triage.h"

#include <stdio.h>

/* Returns 1 when every thread of the cycle's processes waits. */
static int cycle_summary(const struct pc_tree *tr, pc_buf *b)
{
    if (!tr->ncycle)
        return 0;
    pc_buf_puts(b, "waits in a cycle of processes, each for the next: ");
    int sure = pc_tree_cycle_path(tr, b);
    pc_buf_puts(b, sure ? "" : " (possible: a thread of one of them runs)");
    return sure;
}

int pc_tree_to_triage(const struct pc_tree *tr, struct pc_triage *t, pc_error *err)
{
    pc_buf summary = {0};
    int sure = cycle_summary(tr, &summary);
    struct pc_triage_override ov = {PC_TREE_CYCLE_PATTERN, summary.data ? summary.data : "", sure ? "high" : "medium"};
    t->suite = "watch";
    int rc = PC_OK;
    for (size_t i = 0; i < tr->nprocs && !rc; i++) {
        const struct pc_tree_proc *p = &tr->procs[i];
        char name[320];
        snprintf(name, sizeof name, "process %d: %s", (int)p->node.pid, p->command[0] ? p->command : "?");
        if (p->a)
            rc = pc_triage_add_analysis(t, name, p->a, p->node.ppid, NULL, pc_tree_in_cycle(tr, i) ? &ov : NULL, err);
        else
            rc = pc_triage_add_error(t, name, pc_tri_err_of_status(p->status), p->error, err);
    }
    pc_buf_free(&summary);
    if (!rc && pc_triage_finish(t))
        rc = pc_fail(err, PC_E_INTERNAL, "out of memory");
    return rc;
}
