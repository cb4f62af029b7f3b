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
        pc_rule_task_evidence(f, m, i);
        return;
    }
}

/* asyncio.run() on its way out (its main coroutine returned, raised, or
 * was stopped by Ctrl+C): 3.9+ runs loop.shutdown_default_executor(),
 * whose helper thread (BaseEventLoop._do_shutdown) joins the default
 * executor's workers without a timeout, while the loop waits for it.  A
 * worker still running its job keeps the program from exiting. */
void pc_rule_asyncio_exit(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t j = 0; j < m->nthreads; j++) {
        const struct pc_thread_model *h = &m->threads[j];
        const struct pc_wait *hw = &d->waits[j];
        if (!pc_rule_has_frame(h, "asyncio/base_events.py", "_do_shutdown") || hw->kind != PC_W_JOIN ||
            hw->timeout == 1 || hw->target == SIZE_MAX)
            continue;
        size_t loop = SIZE_MAX, wk = hw->target;
        const char *closer = NULL;
        for (size_t i = 0; i < m->nthreads && loop == SIZE_MAX; i++)
            for (size_t k = 0; k < m->threads[i].npy; k++)
                if (pc_str_ends_with(m->threads[i].py[k].file, "asyncio/runners.py")) {
                    loop = i;
                    closer = m->threads[i].py[k].qualname;
                    break;
                }
        const struct pc_thread_model *w = &m->threads[wk];
        int may_end = d->waits[wk].kind == PC_W_RUNNING || d->waits[wk].kind == PC_W_SLEEP;
        char a[160], b[160], c[160], at[256];
        const char *wfile = w->npy ? strrchr(w->py[0].file, '/') : NULL;
        struct pc_finding *f = pc_rule_add(d, PC_P_SHUTDOWN_JOIN, may_end ? PC_CONF_MEDIUM : PC_CONF_HIGH);
        if (loop != SIZE_MAX)
            pc_rule_with_thread(f, loop);
        pc_rule_with_thread(f, j);
        pc_rule_with_thread(f, wk);
        pc_rule_summary(f, "asyncio.run() is ending (its main coroutine returned, raised or was interrupted by Ctrl+C) "
                   "and waits in loop.shutdown_default_executor() for the executor worker %s, which still runs %s (%s:%d)%s",
                pc_diag_thread_label(m, wk, a, sizeof a), w->npy ? w->py[0].qualname : "native code",
                wfile ? wfile + 1 : "?", w->npy ? w->py[0].line : 0,
                may_end ? ": the program exits only when that job ends" : ": the program cannot exit");
        if (loop != SIZE_MAX)
            pc_rule_ev(f, "%s runs asyncio.run()'s cleanup (%s in asyncio/runners.py): run_until_complete("
                          "loop.shutdown_default_executor()), the loop idle in %s",
               pc_diag_thread_label(m, loop, b, sizeof b), closer, m->threads[loop].npy ? m->threads[loop].py[0].qualname : "?");
        pc_rule_ev(f, "%s is shutdown_default_executor's helper: BaseEventLoop._do_shutdown < ThreadPoolExecutor.shutdown"
                      "(wait=True) < Thread.join of %s, no timeout",
           pc_diag_thread_label(m, j, c, sizeof c), pc_diag_thread_label(m, wk, a, sizeof a));
        pc_rule_ev(f, "the worker's current frame: %s (%s:%d); it waits for %s [%s]", w->npy ? w->py[0].qualname : "native code",
           wfile ? wfile + 1 : "?", w->npy ? w->py[0].line : 0,
           d->waits[wk].what[0] ? d->waits[wk].what : pc_wait_name(d->waits[wk].kind), pc_wait_name(d->waits[wk].kind));
        if (py->version >= 0x030c0000)
            pc_rule_ev(f, "3.12+: asyncio.run() gives up this wait after 300 s (THREAD_JOIN_TIMEOUT); the interpreter's "
                          "exit then joins the same non-daemon worker, without a timeout");
        (void)at;
        return;
    }
}
