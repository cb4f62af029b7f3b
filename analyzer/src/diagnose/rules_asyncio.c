/* asyncio event loops: blocked by a callback, or idle with nothing left
 * to wake them. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* H22: the loop thread runs a callback (Handle._run) that blocks outside
 * the selector. */
void pc_rule_asyncio(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        if (!pc_rule_has_frame(t, "asyncio/events.py", "_run") || !pc_rule_has_frame(t, "asyncio/base_events.py", "_run_once"))
            continue;
        const struct pc_wait *w = &d->waits[i];
        if (t->sys.cls == PC_SYS_EPOLL || w->kind == PC_W_RUNNING || w->kind == PC_W_NONE)
            continue;   /* in the selector, or running */
        char a[160], at[256];
        struct pc_finding *f = pc_rule_add(d, PC_P_ASYNCIO_LOOP_BLOCKED, PC_CONF_HIGH);
        pc_rule_with_thread(f, i);
        pc_rule_summary(f, "the asyncio event loop of %s is blocked: a callback waits for %s in %s instead of awaiting",
                pc_diag_thread_label(m, i, a, sizeof a), w->what[0] ? w->what : pc_wait_name(w->kind),
                pc_rule_where(m, d, i, at, sizeof at));
        pc_rule_ev(f, "asyncio Handle._run < BaseEventLoop._run_once on the stack: the loop is running a callback");
        pc_rule_describe_wait(f, m, d, i);
        return;
    }
}

/* H23: the loop sleeps in its selector without a timeout and nothing is
 * left that could wake it: read from the loop object itself. */
void pc_rule_asyncio_idle(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        if (t->npy < 2 || strcmp(t->py[0].name, "select") || strcmp(t->py[1].name, "_run_once") ||
            !pc_rule_has_frame(t, "selectors.py", "select") || !pc_rule_has_frame(t, "asyncio/base_events.py", "_run_once"))
            continue;
        uint64_t loop = pc_py_frame_local(py, &t->py[1], "self");
        uint64_t timeout = pc_py_frame_local(py, &t->py[1], "timeout");
        char ty[64];
        int64_t ready = -1, timers = -1, fds = -1;
        if (!loop || !timeout || pc_py_type_name(py, timeout, ty, sizeof ty) || strcmp(ty, "NoneType") ||
            pc_py_len(py, pc_py_attr(py, loop, "_ready"), &ready) || ready != 0 ||
            pc_py_len(py, pc_py_attr(py, loop, "_scheduled"), &timers) || timers != 0)
            continue;
        uint64_t selector = pc_py_attr(py, loop, "_selector");
        if (selector && pc_py_len(py, pc_py_attr(py, selector, "_fd_to_key"), &fds) == 0 && fds > 1)
            continue;   /* it watches sockets or pipes: a wait for a peer (io-wait) */
        /* Another thread that can still run may wake the loop: an executor
         * job (to_thread, run_in_executor) ends with call_soon_threadsafe.
         * Waiting for it is no hang, however long the job takes. */
        int others = 0;
        for (size_t j = 0; j < m->nthreads; j++)
            others |= j != i && m->threads[j].tstate && !pc_rule_blocks_forever(&d->waits[j]);
        if (others)
            continue;
        char a[160];
        struct pc_finding *f = pc_rule_add(d, PC_P_ASYNCIO_IDLE_FOREVER, PC_CONF_HIGH);
        pc_rule_with_thread(f, i);
        pc_rule_summary(f, "the asyncio event loop of %s is idle and nothing is left to wake it: no ready callback, no timer, "
                   "no watched descriptor but its own wake-up pipe; the tasks it runs wait forever",
                pc_diag_thread_label(m, i, a, sizeof a));
        pc_rule_ev(f, "%s in %s < %s, whose timeout = None: the selector waits without a timeout", pc_diag_thread_label(m, i, a, sizeof a),
           t->py[0].qualname, t->py[1].qualname);
        pc_rule_ev(f, "loop._ready: empty deque (no callback ready); loop._scheduled: empty list (no timer)");
        if (fds >= 0)
            pc_rule_ev(f, "loop._selector._fd_to_key: %lld descriptor%s registered (the loop's self-pipe)", (long long)fds,
               fds == 1 ? "" : "s");
        pc_rule_ev(f, "no other Python thread can call loop.call_soon_threadsafe(): each waits without a timeout "
                      "for another thread, or there is none");
        return;
    }
}
