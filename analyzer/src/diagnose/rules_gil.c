/* The GIL held across a blocking call, and the two verdicts that are no
 * hang: a thread busy in Python code, threads waiting for the outside. */
#include "diagnose/rules.h"
#include "arch/arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pc_rule_gil(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    size_t holder = SIZE_MAX, waiters = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        if (m->threads[i].gil == PC_GIL_HELD)
            holder = i;
        waiters += m->threads[i].gil == PC_GIL_WAITING;
    }
    if (holder == SIZE_MAX || !waiters)
        return;
    const struct pc_thread_model *h = &m->threads[holder];
    if (h->sys.cls == PC_SYS_RUNNING)
        return;   /* running: cpu-busy, not blocked */
    char a[160], at[256];
    struct pc_finding *f = pc_rule_add(d, PC_P_GIL_HELD_BLOCKING, PC_CONF_HIGH);
    pc_rule_with_thread(f, holder);
    pc_rule_summary(f, "%s holds the GIL while blocked in %s() called from %s; %zu thread%s wait for the GIL",
            pc_diag_thread_label(m, holder, a, sizeof a), h->sys.name ? h->sys.name : "a system call",
            h->npy ? h->py[0].qualname : "native code", waiters, waiters == 1 ? "" : "s");
    pc_rule_ev(f, "%s: %s; %s = %llu (%s)", pc_diag_thread_label(m, holder, a, sizeof a),
       h->gil_evidence ? h->gil_evidence : "GIL held", pc_arch_sysnr_name(&h->desc),
       (unsigned long long)pc_arch_syscall_nr(&h->desc),
       h->sys.name ? h->sys.name : "?");
    (void)at;
    for (size_t i = 0; i < m->nthreads; i++)
        if (m->threads[i].gil == PC_GIL_WAITING) {
            pc_rule_with_thread(f, i);
            pc_rule_ev(f, "%s waits for the GIL: %s", pc_diag_thread_label(m, i, a, sizeof a),
               m->threads[i].gil_evidence ? m->threads[i].gil_evidence : "");
        }
}

/* Free-threaded builds: a thread that stops the world waits until every
 * other thread state is detached; one that stays attached while blocked
 * in a system call never detaches, and every thread that tries to attach
 * meanwhile is suspended. */
static int stops_world(const struct pc_thread_model *t)
{
    return pc_rule_has_native(t, "stop_the_world") || pc_rule_has_native(t, "_PyEval_StopTheWorld") ||
           pc_rule_has_native(t, "_PyEval_StopTheWorldAll");
}

void pc_rule_stop_the_world(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    if (!py->free_threaded)
        return;
    char a[160], b[160];
    for (size_t r = 0; r < m->nthreads; r++) {
        if (!stops_world(&m->threads[r]))
            continue;
        struct pc_finding *f = NULL;
        for (size_t i = 0; i < m->nthreads; i++) {
            const struct pc_thread_model *t = &m->threads[i];
            if (i == r || t->ts_state != PC_TS_ATTACHED || t->sys.cls == PC_SYS_RUNNING || !t->sys.name)
                continue;
            if (!f) {   /* the first blocker found names the finding */
                f = pc_rule_add(d, PC_P_STOP_THE_WORLD_BLOCKED, PC_CONF_HIGH);
                pc_rule_with_thread(f, r);
                pc_rule_summary(f, "%s stops the world and waits for %s, which stays attached while blocked in "
                                "%s() called from %s", pc_diag_thread_label(m, r, a, sizeof a),
                                pc_diag_thread_label(m, i, b, sizeof b), t->sys.name,
                                t->npy ? t->py[0].qualname : "native code");
                pc_rule_ev(f, "%s stops the world (stop_the_world on its native stack, called from %s) and "
                           "waits for the other threads to detach", pc_diag_thread_label(m, r, a, sizeof a),
                           m->threads[r].npy ? m->threads[r].py[0].qualname : "native code");
            }
            pc_rule_with_thread(f, i);
            pc_rule_ev(f, "%s: thread state attached (PyThreadState.state = 1), in %s() (%s = %llu): "
                       "it cannot detach until the call returns", pc_diag_thread_label(m, i, a, sizeof a),
                       t->sys.name, pc_arch_sysnr_name(&t->desc), (unsigned long long)pc_arch_syscall_nr(&t->desc));
            if (d->waits[i].kind != PC_W_NONE && d->waits[i].kind != PC_W_RUNNING)
                pc_rule_describe_wait(f, m, d, i);   /* what it blocks on: a C mutex's owner, a pipe */
        }
        if (!f)
            continue;
        for (size_t i = 0; i < m->nthreads; i++)
            if (i != r && (m->threads[i].ts_state == PC_TS_SUSPENDED ||
                           pc_rule_has_native(&m->threads[i], "tstate_wait_attach"))) {
                pc_rule_with_thread(f, i);
                pc_rule_ev(f, "%s is suspended: it waits to attach until the world is started again",
                           pc_diag_thread_label(m, i, a, sizeof a));
            }
        return;
    }
}

/* A thread running Python code with the GIL: a busy loop, unless a hang
 * finding already names it. */
void pc_rule_busy(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    char a[160];
    size_t busy = SIZE_MAX, handoff = SIZE_MAX;
    int held = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        int k = d->waits[i].kind;
        held |= m->threads[i].gil == PC_GIL_HELD;
        if (k == PC_W_RUNNING && m->threads[i].gil == PC_GIL_HELD)
            busy = i;
        /* A spinning thread gives the GIL up and takes it back every check
         * interval; a core taken inside that hand-off finds nobody holding it. */
        if (k == PC_W_RUNNING && m->threads[i].tstate && m->threads[i].npy &&
            (m->threads[i].gil == PC_GIL_NONE || m->threads[i].gil == PC_GIL_FREE_THREADED) && handoff == SIZE_MAX)
            handoff = i;
    }
    if (busy == SIZE_MAX && !held)
        busy = handoff;
    if (busy == SIZE_MAX || pc_rule_in_hang(d, busy))
        return;
    struct pc_finding *f = pc_rule_add(d, PC_P_CPU_BUSY, PC_CONF_LOW);
    pc_rule_with_thread(f, busy);
    const struct pc_thread_model *t = &m->threads[busy];
    pc_rule_summary(f, "%s %s Python code in %s: possibly a busy loop", pc_diag_thread_label(m, busy, a, sizeof a),
                    t->gil == PC_GIL_HELD ? "holds the GIL and runs" : "runs", t->npy ? t->py[0].qualname : "native code");
    pc_rule_ev(f, "%s: not in a system call when the core was taken", pc_arch_no_call_evidence(&t->desc));
    if (t->gil == PC_GIL_NONE)
        pc_rule_ev(f, "no thread held the GIL: the core caught this thread between releasing and retaking it");
}

/* Threads waiting for the outside world: a verdict of its own when nothing
 * else was found, else the threads no hang finding names. */
void pc_rule_io_wait(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    char a[160];
    int after_hang = 0;
    for (size_t k = 0; k < d->nfindings; k++)
        after_hang |= pc_pattern_hang(d->findings[k].pattern);
    struct pc_finding *f = NULL;
    pc_buf s = {0};
    size_t n = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        int k = d->waits[i].kind;
        if ((k != PC_W_IO && k != PC_W_SLEEP && k != PC_W_CHILD) || pc_rule_in_hang(d, i))
            continue;
        if (!f && !(f = pc_rule_add(d, PC_P_IO_WAIT, PC_CONF_MEDIUM)))
            break;
        pc_rule_with_thread(f, i);
        pc_buf_printf(&s, "%s%s in %s", n++ ? ", " : "", pc_diag_thread_label(m, i, a, sizeof a), d->waits[i].what);
        pc_rule_describe_wait(f, m, d, i);
    }
    char *txt = pc_buf_take(&s);
    if (f)
        pc_rule_summary(f, "%s%s", after_hang ? "other threads wait for I/O, a child or a timer: " : "no deadlock: ",
                        txt ? txt : "");
    free(txt);
}
