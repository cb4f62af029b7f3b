/* The process on its way out, or its main thread unable to run Python
 * code: interpreter teardown, the exit join of non-daemon threads, exit
 * hooks blocked by daemon threads, signals that cannot be handled. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* H27: past the point of Py_Finalize that stops daemon threads, the main
 * thread runs a finalizer that waits without a timeout. */
void pc_rule_teardown(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    uint64_t fin = m->finalizing_tstate;
    if (m->finalizing != 1)
        return;
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        const struct pc_wait *w = &d->waits[i];
        int k = w->kind;
        /* At teardown a queue join or a bare futex cannot end either: the
         * threads that would end them are stopped. */
        if (!t->main || w->timeout == 1 ||
            !(pc_rule_blocks_forever(w) || k == PC_W_QUEUE_JOIN || k == PC_W_FUTEX))
            continue;
        char a[160], at[256];
        const char *outer = t->npy ? t->py[t->npy - 1].qualname : "native code";
        struct pc_finding *f = pc_rule_add(d, PC_P_FINALIZER_TEARDOWN_WAIT, PC_CONF_HIGH);
        pc_rule_with_thread(f, i);
        pc_rule_summary(f, "the interpreter is finalizing: %s runs %s during teardown and waits for %s in %s, which no "
                   "thread can provide any more (daemon threads are stopped at this point)",
                pc_diag_thread_label(m, i, a, sizeof a), outer, w->what[0] ? w->what : pc_wait_name(k),
                pc_rule_where(m, d, i, at, sizeof at));
        pc_rule_ev(f, "_PyRuntime._finalizing = 0x%llx%s", (unsigned long long)fin,
           fin == t->tstate ? " (this thread's state): Py_Finalize runs" : "");
        if (t->npy && strcmp(t->py[t->npy - 1].name, "<module>"))
            pc_rule_ev(f, "the outermost Python frame is %s, not <module>: the interpreter called it while tearing down",
               outer);
        static const char *const teardown_fns[] = {"_PyGC_CollectNoFail", "finalize_modules", "Py_FinalizeEx",
                                                   "_Py_Finalize"};
        for (size_t n = 0; n < sizeof teardown_fns / sizeof *teardown_fns; n++)
            if (pc_rule_has_native(t, teardown_fns[n])) {
                pc_rule_ev(f, "%s on the native stack", teardown_fns[n]);
                break;
            }
        pc_rule_describe_wait(f, m, d, i);
        for (size_t e = 0; e < m->nexited; e++)
            pc_rule_ev(f, "thread state 0x%llx (ident 0x%llx%s%s%s) has no thread any more: stopped by finalization",
               (unsigned long long)m->exited[e].tstate, (unsigned long long)m->exited[e].ident,
               m->exited[e].name[0] ? ", '" : "", m->exited[e].name, m->exited[e].name[0] ? "'" : "");
        for (size_t j = 0; j < m->nthreads; j++)
            if (j != i && (pc_rule_has_native(&m->threads[j], "PyThread_hang_thread") ||
                           pc_rule_has_native(&m->threads[j], "_PyThreadState_HangThread"))) {
                pc_rule_with_thread(f, j);
                pc_rule_ev(f, "%s is parked for good in PyThread_hang_thread: a thread stopped by finalization (3.14+)",
                   pc_diag_thread_label(m, j, a, sizeof a));
            }
        return;
    }
}

void pc_rule_shutdown(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    for (size_t i = 0; i < m->nthreads; i++) {
        if (d->waits[i].kind != PC_W_SHUTDOWN)
            continue;
        char a[160], at[256];
        struct pc_finding *f = pc_rule_add(d, PC_P_SHUTDOWN_JOIN, PC_CONF_HIGH);
        pc_rule_with_thread(f, i);
        pc_buf s = {0};
        size_t stuck = 0;
        for (size_t j = 0; j < m->nthreads; j++) {
            if (j == i || ((m->threads[j].daemon != 0 || !m->threads[j].tstate) && j != d->waits[i].target))
                continue;
            pc_rule_with_thread(f, j);
            pc_buf_printf(&s, "%s%s (%s) in %s waiting for %s", stuck++ ? "; " : "",
                          pc_diag_thread_label(m, j, a, sizeof a), m->threads[j].daemon == 1 ? "daemon" : "non-daemon",
                          pc_rule_where(m, d, j, at, sizeof at),
                          d->waits[j].what[0] ? d->waits[j].what : pc_wait_name(d->waits[j].kind));
        }
        char *txt = pc_buf_take(&s);
        pc_rule_summary(f, "the interpreter is exiting: %s waits (%s) for %zu thread%s: %s",
                pc_diag_thread_label(m, i, a, sizeof a), d->waits[i].what, stuck, stuck == 1 ? "" : "s",
                txt ? txt : "");
        free(txt);
        pc_rule_describe_wait(f, m, d, i);
        for (size_t k = 1; f && k < f->nthreads; k++)
            pc_rule_describe_wait(f, m, d, f->threads[k]);
        return;
    }
}

/* H26: at exit (no <module> frame left on the main thread), the main
 * thread waits for a lock whose holder is a daemon thread. */
void pc_rule_atexit(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        const struct pc_wait *w = &d->waits[i];
        if (!t->main || w->kind != PC_W_LOCK || w->target == SIZE_MAX || m->threads[w->target].daemon != 1 || !t->npy ||
            strcmp(t->py[t->npy - 1].name, "<module>") == 0)
            continue;
        char a[160], b[160], at[256];
        struct pc_finding *f = pc_rule_add(d, PC_P_ATEXIT_BLOCKED_BY_DAEMON, d->locks[w->lock].holder_conf);
        pc_rule_with_thread(f, i);
        pc_rule_with_thread(f, w->target);
        pc_rule_summary(f, "at exit, %s runs the hook %s and waits for %s, held by daemon thread %s",
                pc_diag_thread_label(m, i, a, sizeof a), t->py[t->npy - 1].qualname, w->what,
                pc_diag_thread_label(m, w->target, b, sizeof b));
        pc_rule_ev(f, "the main thread's outermost Python frame is %s, not <module>: the main module has returned",
           t->py[t->npy - 1].qualname);
        pc_rule_describe_wait(f, m, d, i);
        pc_rule_describe_wait(f, m, d, w->target);
        (void)at;
        return;
    }
}

static const char *sig_list(uint64_t mask, char *buf, size_t n)
{
    static const char *names[] = {"SIGHUP", "SIGINT", "SIGQUIT", NULL, NULL, NULL, NULL, NULL, NULL,
                                  "SIGUSR1", NULL, "SIGUSR2", NULL, "SIGALRM", "SIGTERM", NULL, "SIGCHLD"};
    size_t len = 0;
    buf[0] = 0;
    for (size_t b = 0; b < sizeof names / sizeof *names; b++)
        if (names[b] && (mask >> b) & 1)
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? "," : "", names[b]);
    return buf;
}

/* strong: a blocked mask, or the main thread parked in pause()/sigwait();
 * otherwise only a pending handler flag, which any more specific finding
 * explains better (it is tried after them). */
static void rule_signal(struct pc_python *py, struct pc_model *m, struct pc_diag *d, int strong)
{
    size_t mi = SIZE_MAX;
    for (size_t i = 0; i < m->nthreads; i++)
        if (m->threads[i].main)
            mi = i;
    if (mi == SIZE_MAX)
        return;
    const struct pc_thread_model *t = &m->threads[mi];
    const struct pc_wait *w = &d->waits[mi];
    if (w->kind == PC_W_RUNNING || w->kind == PC_W_NONE)
        return;
    uint64_t interesting = (1ull << 0) | (1ull << 1) | (1ull << 2) | (1ull << 9) | (1ull << 11) | (1ull << 13) |
                           (1ull << 14);
    uint64_t blocked = (t->desc.flags & PC_THREAD_SIGMASKS) ? t->desc.sighold & interesting : 0;
    int32_t tripped = 0;
    const char *flag = NULL;
    if (py->L->rt_signals_pending != PC_NO_FIELD && py->runtime) {
        pc_read(py->t, py->runtime + (uint64_t)py->L->rt_signals_pending, &tripped, 4);
        flag = py->version >= 0x030c0000 ? "_PyRuntime.signals.is_tripped" : "_PyRuntime.ceval.signals_pending";
    } else if (py->is_tripped && pc_read(py->t, py->is_tripped, &tripped, 4) == 0)
        flag = "signalmodule.c is_tripped";
    int in_pause = w->kind == PC_W_SIGNAL;
    if (!blocked && !tripped && !(in_pause && m->nthreads > 1))
        return;
    if (strong != (blocked || in_pause))
        return;
    char a[160], sigs[128], at[256];
    int conf = blocked || (tripped && in_pause) ? PC_CONF_HIGH : tripped ? PC_CONF_MEDIUM
               : d->masks_known ? PC_CONF_MEDIUM : PC_CONF_LOW;
    struct pc_finding *f = pc_rule_add(d, PC_P_SIGNAL_BLOCKED_MAIN_THREAD, conf);
    pc_rule_with_thread(f, mi);
    pc_rule_summary(f, "the main thread %s waits in %s()%s from %s%s%s", pc_diag_thread_label(m, mi, a, sizeof a),
            t->sys.name ? t->sys.name : pc_wait_name(w->kind),
            blocked ? " with signals blocked" : "", pc_rule_where(m, d, mi, at, sizeof at),
            blocked ? ": blocked " : tripped ? ": a Python signal handler is pending but cannot run" : "",
            blocked ? sig_list(blocked, sigs, sizeof sigs) : "");
    if (t->desc.flags & PC_THREAD_SIGMASKS) {
        pc_rule_ev(f, "main thread NT_PRSTATUS pr_sighold = 0x%llx (%s)", (unsigned long long)t->desc.sighold,
           sig_list(t->desc.sighold, sigs, sizeof sigs));
        if (t->desc.sigpend & blocked)
            pc_rule_ev(f, "pending for the main thread and blocked: %s (pr_sigpend = 0x%llx)",
               sig_list(t->desc.sigpend & blocked, sigs, sizeof sigs), (unsigned long long)t->desc.sigpend);
    } else
        pc_rule_ev(f, "signal masks unknown: this core does not record them (gcore and qemu-user cores do not; a kernel core does)");
    if (flag)
        pc_rule_ev(f, "Python signal flag (%s) = %d", flag, tripped);
    pc_rule_describe_wait(f, m, d, mi);
}

void pc_rule_signal(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    rule_signal(py, m, d, 1);
}

void pc_rule_signal_flag(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    rule_signal(py, m, d, 0);
}
