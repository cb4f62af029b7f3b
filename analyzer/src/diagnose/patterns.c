/* The wait-for graph and the hang patterns (docs/patterns.md).  Each rule
 * states what it read; a holder that was inferred lowers the confidence. */
#include "diagnose/diagnose.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FINDINGS 16

static const char *const hang_patterns[] = {
    "import-lock-deadlock", "shutdown-join", "signal-blocked-main-thread", "gil-held-blocking",
    "lock-order-deadlock", "self-deadlock", "fork-child-deadlock", "queue-join-unfinished",
    "orphaned-wait", "thread-pool-starvation", "asyncio-loop-blocked", "atexit-blocked-by-daemon",
    "subprocess-pipe-deadlock", "output-pipe-full", "asyncio-idle-forever", "finalizer-teardown-wait",
    "pool-task-lost", "mp-queue-join-deadlock",
};

int pc_pattern_is_hang(const char *pattern)
{
    for (size_t i = 0; i < sizeof hang_patterns / sizeof *hang_patterns; i++)
        if (strcmp(pattern, hang_patterns[i]) == 0)
            return 1;
    return 0;
}

static struct pc_finding *add(struct pc_diag *d, const char *pattern, int conf, const char *advice)
{
    if (d->nfindings >= MAX_FINDINGS)
        return NULL;
    struct pc_finding *f = &d->findings[d->nfindings++];
    memset(f, 0, sizeof *f);
    f->pattern = pattern;
    f->conf = conf;
    f->advice = advice;
    return f;
}

static void ev(struct pc_finding *f, const char *fmt, ...) PC_PRINTF(2, 3);
static void ev(struct pc_finding *f, const char *fmt, ...)
{
    if (!f || f->nevidence >= sizeof f->evidence / sizeof *f->evidence)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->evidence[f->nevidence++], sizeof *f->evidence, fmt, ap);
    va_end(ap);
}

static void with_thread(struct pc_finding *f, size_t i)
{
    if (!f)
        return;
    for (size_t k = 0; k < f->nthreads; k++)
        if (f->threads[k] == i)
            return;
    if (f->nthreads < sizeof f->threads / sizeof *f->threads)
        f->threads[f->nthreads++] = i;
}

/* "Worker.park (app.py:12)": where a thread waits, in user code. */
static const char *where(const struct pc_model *m, const struct pc_diag *d, size_t i, char *buf, size_t n)
{
    const struct pc_thread_model *t = &m->threads[i];
    size_t k = d->waits[i].frame;
    if (k < t->npy) {
        const char *file = strrchr(t->py[k].file, '/');
        snprintf(buf, n, "%s (%s:%d)", t->py[k].qualname, file ? file + 1 : t->py[k].file, t->py[k].line);
    } else if (t->npy)
        snprintf(buf, n, "%s", t->py[0].qualname);
    else
        snprintf(buf, n, "native code");
    return buf;
}

static void describe_wait(struct pc_finding *f, const struct pc_model *m, const struct pc_diag *d, size_t i)
{
    char who[160], at[256];
    const struct pc_wait *w = &d->waits[i];
    ev(f, "%s waits for %s in %s [%s]%s%s", pc_diag_thread_label(m, i, who, sizeof who),
       w->what[0] ? w->what : pc_wait_name(w->kind), where(m, d, i, at, sizeof at), pc_wait_name(w->kind),
       w->timeout == 0 ? ", no timeout" : "", w->evidence[0] ? "" : "");
    if (w->evidence[0])
        ev(f, "  %s", w->evidence);
    if (w->lock != SIZE_MAX && d->locks[w->lock].holder_why[0])
        ev(f, "  %s", d->locks[w->lock].holder_why);
}

/* ------------------------------------------------------------ graph */

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

static void build_graph(struct pc_model *m, struct pc_diag *d)
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
static void find_cycle(struct pc_model *m, struct pc_diag *d)
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

/* ------------------------------------------------------------ rules */

static const char ADV_IMPORT[] =
    "Do not start threads that import (or call code that imports, such as str.encode or socket.getaddrinfo "
    "on 2.7) while a module is being imported, and never join or wait for them at import time: move the "
    "thread start out of module level into a function called after the import, or import what the thread "
    "needs before starting it.";
static const char ADV_SHUTDOWN[] =
    "The interpreter waits at exit for every non-daemon thread. Make the thread end (signal it with an "
    "Event and join it with a timeout before returning), or mark it daemon=True if it may be killed at exit.";
static const char ADV_CYCLE[] =
    "Threads wait for each other in a cycle. Acquire locks in one global order, never join a thread or wait "
    "for an event while holding a lock that thread needs, and use timeouts on acquire() to detect it.";
static const char ADV_SELF[] =
    "The thread waits for a lock it already holds. Use threading.RLock if re-entry is intended (also from "
    "__del__, weakref callbacks and signal handlers), or restructure so the lock is released first.";
static const char ADV_GIL[] =
    "A C call blocks while holding the GIL, so no other Python thread can run. Release the GIL around "
    "blocking C code (Py_BEGIN_ALLOW_THREADS; ctypes.CDLL instead of ctypes.PyDLL), or do not call it from Python.";
static const char ADV_SIGNAL[] =
    "Python runs signal handlers only in the main thread, between bytecodes. Do not block signals in the "
    "main thread, and do not wait in calls that other threads' signals cannot interrupt (signal.pause, "
    "lock.acquire without timeout on 2.7): wait with a timeout in a loop, or use signal.set_wakeup_fd/sigwait. "
    "A blocked mask is inherited across fork and exec: a process started by one that blocks a signal is born "
    "with it blocked; unblock what you handle at start-up (signal.pthread_sigmask(signal.SIG_UNBLOCK, ...)).";
static const char ADV_QUEUE[] =
    "Queue.join() waits until task_done() was called once per get(). Call task_done() in a finally: block "
    "after every get(), and make sure the consumers are alive.";
static const char ADV_ORPHAN[] =
    "Nothing alive can wake this wait: the thread that would set, notify, put or release is gone or waits "
    "itself. Use timeouts, and signal waiters from finally: blocks (or release locks with `with`).";
static const char ADV_IO[] =
    "Not a deadlock: threads wait for I/O, a child process or a timer. If it never completes, set timeouts "
    "(socket.settimeout, subprocess timeout=, requests timeout=) and check the peer.";
static const char ADV_BUSY[] =
    "A thread holds the GIL and runs Python code: a busy loop or a long computation. Take a second core a "
    "few seconds later: the same frame again means a loop.";

static void summary(struct pc_finding *f, const char *fmt, ...) PC_PRINTF(2, 3);
static void summary(struct pc_finding *f, const char *fmt, ...)
{
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->summary, sizeof f->summary, fmt, ap);
    va_end(ap);
}

static void rule_cycle(struct pc_model *m, struct pc_diag *d)
{
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
        f = add(d, "gil-held-blocking", conf, ADV_GIL);
        summary(f, "%s holds the GIL and waits for %s in %s, held by %s, which waits for the GIL in %s: "
                   "a lock-order inversion between the GIL and a C lock",
                pc_diag_thread_label(m, h, a, sizeof a), d->waits[h].what, where(m, d, h, at, sizeof at),
                pc_diag_thread_label(m, gil_waiter, b, sizeof b), where(m, d, gil_waiter, at + 128, 128));
    } else if (d->ncycle == 1) {
        size_t i = d->cycle[0];
        f = add(d, "self-deadlock", conf, ADV_SELF);
        summary(f, "%s waits in %s for %s, which it already holds", pc_diag_thread_label(m, i, a, sizeof a),
                where(m, d, i, at, sizeof at), d->waits[i].what);
    } else if (import) {
        f = add(d, "import-lock-deadlock", conf, ADV_IMPORT);
        size_t w0 = d->cycle[0];
        for (size_t k = 0; k < d->ncycle; k++)
            if (d->waits[d->cycle[k]].kind == PC_W_MODULE_LOCK || d->waits[d->cycle[k]].kind == PC_W_IMPORT_LOCK)
                w0 = d->cycle[k];
        size_t holder = d->waits[w0].target;
        summary(f, "%s waits for %s in %s, held by %s, which waits for %s in %s", pc_diag_thread_label(m, w0, a, sizeof a),
                module, where(m, d, w0, at, sizeof at), pc_diag_thread_label(m, holder, b, sizeof b),
                d->waits[holder].what, where(m, d, holder, at + 128, 128));
    } else {
        f = add(d, "lock-order-deadlock", conf, ADV_CYCLE);
        pc_buf s = {0};
        for (size_t k = 0; k < d->ncycle; k++) {
            size_t i = d->cycle[k];
            pc_buf_printf(&s, "%s%s waits for %s in %s", k ? ", " : "", pc_diag_thread_label(m, i, a, sizeof a),
                          d->waits[i].what, where(m, d, i, at, sizeof at));
        }
        char *txt = pc_buf_take(&s);
        summary(f, "cycle of %zu threads: %s", d->ncycle, txt ? txt : "");
        free(txt);
    }
    for (size_t k = 0; k < d->ncycle; k++) {
        with_thread(f, d->cycle[k]);
        describe_wait(f, m, d, d->cycle[k]);
    }
}

/* A thread waits for an import lock whose owner is blocked, without a
 * timeout, inside that import (an Event, a Condition, a queue): the owner's
 * wake-up is not recorded, but nothing else can finish the import. */
static void rule_import_wait(struct pc_model *m, struct pc_diag *d)
{
    if (d->ncycle)
        return;
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_wait *w = &d->waits[i];
        if ((w->kind != PC_W_MODULE_LOCK && w->kind != PC_W_IMPORT_LOCK) || w->target == SIZE_MAX)
            continue;
        size_t h = w->target;
        const struct pc_wait *hw = &d->waits[h];
        int blocked = hw->timeout != 1 && (hw->kind == PC_W_EVENT || hw->kind == PC_W_CONDITION ||
                                           hw->kind == PC_W_QUEUE_GET || hw->kind == PC_W_LOCK ||
                                           hw->kind == PC_W_FUTURE || hw->kind == PC_W_JOIN);
        if (!blocked)
            continue;
        char a[160], b[160], at[256], at2[256];
        struct pc_finding *f = add(d, "import-lock-deadlock", PC_CONF_MEDIUM, ADV_IMPORT);
        with_thread(f, i);
        with_thread(f, h);
        summary(f, "%s waits for %s in %s, held by %s, which is blocked inside that import waiting for %s in %s",
                pc_diag_thread_label(m, i, a, sizeof a), w->what, where(m, d, i, at, sizeof at),
                pc_diag_thread_label(m, h, b, sizeof b), hw->what[0] ? hw->what : pc_wait_name(hw->kind),
                where(m, d, h, at2, sizeof at2));
        ev(f, "inferred: who would wake %s is not recorded; the import lock it holds keeps %s from running",
           pc_diag_thread_label(m, h, b, sizeof b), pc_diag_thread_label(m, i, a, sizeof a));
        describe_wait(f, m, d, i);
        describe_wait(f, m, d, h);
        return;
    }
}

static const char ADV_TEARDOWN[] =
    "Code run while the interpreter tears itself down (__del__, weakref callbacks, the final garbage "
    "collection) waits for a thread that will never run again: Py_Finalize stops daemon threads before this "
    "point. Release such resources explicitly before exit (close() or a with block in the main code, or an "
    "atexit hook, which runs while threads still run), and never wait for another thread in __del__.";

static int has_native(const struct pc_thread_model *t, const char *fn)
{
    for (size_t k = 0; k < t->nnat; k++)
        if (t->nat[k].function && strcmp(t->nat[k].function, fn) == 0)
            return 1;
    return 0;
}

/* H27: past the point of Py_Finalize that stops daemon threads, the main
 * thread runs a finalizer that waits without a timeout. */
static void rule_teardown(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    uint64_t fin;
    if (pc_py_finalizing(py, &fin) != 1)
        return;
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        const struct pc_wait *w = &d->waits[i];
        int k = w->kind;
        if (!t->main || w->timeout == 1 ||
            !(k == PC_W_EVENT || k == PC_W_CONDITION || k == PC_W_LOCK || k == PC_W_JOIN || k == PC_W_QUEUE_GET ||
              k == PC_W_QUEUE_JOIN || k == PC_W_FUTURE || k == PC_W_FUTEX))
            continue;
        char a[160], at[256];
        const char *outer = t->npy ? t->py[t->npy - 1].qualname : "native code";
        struct pc_finding *f = add(d, "finalizer-teardown-wait", PC_CONF_HIGH, ADV_TEARDOWN);
        with_thread(f, i);
        summary(f, "the interpreter is finalizing: %s runs %s during teardown and waits for %s in %s, which no "
                   "thread can provide any more (daemon threads are stopped at this point)",
                pc_diag_thread_label(m, i, a, sizeof a), outer, w->what[0] ? w->what : pc_wait_name(k),
                where(m, d, i, at, sizeof at));
        ev(f, "_PyRuntime._finalizing = 0x%llx%s", (unsigned long long)fin,
           fin == t->tstate ? " (this thread's state): Py_Finalize runs" : "");
        if (t->npy && strcmp(t->py[t->npy - 1].name, "<module>"))
            ev(f, "the outermost Python frame is %s, not <module>: the interpreter called it while tearing down",
               outer);
        static const char *const teardown_fns[] = {"_PyGC_CollectNoFail", "finalize_modules", "Py_FinalizeEx",
                                                   "_Py_Finalize"};
        for (size_t n = 0; n < sizeof teardown_fns / sizeof *teardown_fns; n++)
            if (has_native(t, teardown_fns[n])) {
                ev(f, "%s on the native stack", teardown_fns[n]);
                break;
            }
        describe_wait(f, m, d, i);
        for (size_t e = 0; e < m->nexited; e++)
            ev(f, "thread state 0x%llx (ident 0x%llx%s%s%s) has no thread any more: stopped by finalization",
               (unsigned long long)m->exited[e].tstate, (unsigned long long)m->exited[e].ident,
               m->exited[e].name[0] ? ", '" : "", m->exited[e].name, m->exited[e].name[0] ? "'" : "");
        for (size_t j = 0; j < m->nthreads; j++)
            if (j != i && (has_native(&m->threads[j], "PyThread_hang_thread") ||
                           has_native(&m->threads[j], "_PyThreadState_HangThread"))) {
                with_thread(f, j);
                ev(f, "%s is parked for good in PyThread_hang_thread: a thread stopped by finalization (3.14+)",
                   pc_diag_thread_label(m, j, a, sizeof a));
            }
        return;
    }
}

static void rule_shutdown(struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        if (d->waits[i].kind != PC_W_SHUTDOWN)
            continue;
        char a[160], at[256];
        struct pc_finding *f = add(d, "shutdown-join", PC_CONF_HIGH, ADV_SHUTDOWN);
        with_thread(f, i);
        pc_buf s = {0};
        size_t stuck = 0;
        for (size_t j = 0; j < m->nthreads; j++) {
            if (j == i || ((m->threads[j].daemon != 0 || !m->threads[j].tstate) && j != d->waits[i].target))
                continue;
            with_thread(f, j);
            pc_buf_printf(&s, "%s%s (%s) in %s waiting for %s", stuck++ ? "; " : "",
                          pc_diag_thread_label(m, j, a, sizeof a), m->threads[j].daemon == 1 ? "daemon" : "non-daemon",
                          where(m, d, j, at, sizeof at),
                          d->waits[j].what[0] ? d->waits[j].what : pc_wait_name(d->waits[j].kind));
        }
        char *txt = pc_buf_take(&s);
        summary(f, "the interpreter is exiting: %s waits (%s) for %zu thread%s: %s",
                pc_diag_thread_label(m, i, a, sizeof a), d->waits[i].what, stuck, stuck == 1 ? "" : "s",
                txt ? txt : "");
        free(txt);
        describe_wait(f, m, d, i);
        for (size_t k = 1; f && k < f->nthreads; k++)
            describe_wait(f, m, d, f->threads[k]);
        return;
    }
}

static void rule_gil(struct pc_model *m, struct pc_diag *d)
{
    size_t holder = SIZE_MAX, waiters = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        if (m->threads[i].gil == PC_GIL_HELD)
            holder = i;
        waiters += m->threads[i].gil == PC_GIL_WAITING;
    }
    if (holder == SIZE_MAX || !waiters)
        return;
    for (size_t k = 0; k < d->nfindings; k++)
        if (strcmp(d->findings[k].pattern, "gil-held-blocking") == 0)
            return;   /* rule_cycle found the GIL in a cycle */
    const struct pc_thread_model *h = &m->threads[holder];
    if (h->sys.cls == PC_SYS_RUNNING)
        return;   /* running: cpu-busy, not blocked */
    char a[160], at[256];
    struct pc_finding *f = add(d, "gil-held-blocking", PC_CONF_HIGH, ADV_GIL);
    with_thread(f, holder);
    summary(f, "%s holds the GIL while blocked in %s() called from %s; %zu thread%s wait for the GIL",
            pc_diag_thread_label(m, holder, a, sizeof a), h->sys.name ? h->sys.name : "a system call",
            h->npy ? h->py[0].qualname : "native code", waiters, waiters == 1 ? "" : "s");
    ev(f, "%s: %s; orig_rax = %llu (%s)", pc_diag_thread_label(m, holder, a, sizeof a),
       h->gil_evidence ? h->gil_evidence : "GIL held", (unsigned long long)h->desc.regs[PC_ORIG_RAX],
       h->sys.name ? h->sys.name : "?");
    (void)at;
    for (size_t i = 0; i < m->nthreads; i++)
        if (m->threads[i].gil == PC_GIL_WAITING) {
            with_thread(f, i);
            ev(f, "%s waits for the GIL: %s", pc_diag_thread_label(m, i, a, sizeof a),
               m->threads[i].gil_evidence ? m->threads[i].gil_evidence : "");
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
    struct pc_finding *f = add(d, "signal-blocked-main-thread", conf, ADV_SIGNAL);
    with_thread(f, mi);
    summary(f, "the main thread %s waits in %s()%s from %s%s%s", pc_diag_thread_label(m, mi, a, sizeof a),
            t->sys.name ? t->sys.name : pc_wait_name(w->kind),
            blocked ? " with signals blocked" : "", where(m, d, mi, at, sizeof at),
            blocked ? ": blocked " : tripped ? ": a Python signal handler is pending but cannot run" : "",
            blocked ? sig_list(blocked, sigs, sizeof sigs) : "");
    if (t->desc.flags & PC_THREAD_SIGMASKS) {
        ev(f, "main thread NT_PRSTATUS pr_sighold = 0x%llx (%s)", (unsigned long long)t->desc.sighold,
           sig_list(t->desc.sighold, sigs, sizeof sigs));
        if (t->desc.sigpend & blocked)
            ev(f, "pending for the main thread and blocked: %s (pr_sigpend = 0x%llx)",
               sig_list(t->desc.sigpend & blocked, sigs, sizeof sigs), (unsigned long long)t->desc.sigpend);
    } else
        ev(f, "signal masks unknown: gcore cores do not record them (take a kernel core for this evidence)");
    if (flag)
        ev(f, "Python signal flag (%s) = %d", flag, tripped);
    describe_wait(f, m, d, mi);
}

static const char ADV_FORK[] =
    "A child forked from a multi-threaded process inherits locks held by threads it does not have. Use the "
    "'spawn' or 'forkserver' start method for multiprocessing, fork before starting threads, or exec right "
    "after fork (subprocess does).";

/* A single-threaded process waiting for a lock that no thread of it holds:
 * the holder existed only in the parent it was forked from. */
static int forked(struct pc_python *py, const struct pc_thread_model *t, char *why, size_t n)
{
    for (size_t k = 0; k < t->npy; k++)
        if (strstr(t->py[k].file, "multiprocessing/popen_fork.py")) {
            snprintf(why, n, "multiprocessing's fork start method (%s in popen_fork.py) is on the stack", t->py[k].qualname);
            return 1;
        }
    if (pc_diag_thread_mentions(py, t, "fork")) {
        snprintf(why, n, "a frame on the stack calls fork (its code names 'fork')");
        return 1;
    }
    return 0;
}

static void rule_fork(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    char why[200];
    if (m->nthreads != 1 || !forked(py, &m->threads[0], why, sizeof why))
        return;
    const struct pc_wait *w = &d->waits[0];
    if (w->kind != PC_W_LOCK || w->lock == SIZE_MAX || w->timeout == 1)
        return;
    const struct pc_lockref *r = &d->locks[w->lock];
    if (r->holder == 0 || r->l.locked == 0)
        return;
    char a[160], at[256];
    struct pc_finding *f = add(d, "fork-child-deadlock", r->holder_gone ? PC_CONF_HIGH : PC_CONF_MEDIUM, ADV_FORK);
    with_thread(f, 0);
    summary(f, "the only thread, %s, waits in %s for %s, which no thread of this process holds: a lock held "
               "by another thread of the parent when this process was forked",
            pc_diag_thread_label(m, 0, a, sizeof a), where(m, d, 0, at, sizeof at), w->what);
    ev(f, "1 thread in the core; the lock is locked%s", r->holder_gone ? " and its recorded owner is not this thread" : "");
    ev(f, "%s", why);
    describe_wait(f, m, d, 0);
}

static int has_frame(const struct pc_thread_model *t, const char *file_suffix, const char *name)
{
    for (size_t k = 0; k < t->npy; k++)
        if (pc_diag_ends_with(t->py[k].file, file_suffix) && (!name || strcmp(t->py[k].name, name) == 0))
            return 1;
    return 0;
}

static const char ADV_POOL[] =
    "Every worker of the pool waits for a future whose work item is queued behind it. Do not wait for "
    "futures of the same executor from inside its tasks (or use a separate executor, or more workers than "
    "the deepest nesting).";

/* H21: all workers of a ThreadPoolExecutor wait for futures. */
static void rule_pool(struct pc_model *m, struct pc_diag *d)
{
    size_t workers = 0, starving = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        if (!has_frame(&m->threads[i], "concurrent/futures/thread.py", "_worker"))
            continue;
        workers++;
        const struct pc_wait *w = &d->waits[i];
        /* Waiting for a future: Future.result or concurrent.futures.wait,
         * both in _base.py, under the pool's _WorkItem.run. */
        starving += (w->kind == PC_W_FUTURE || w->kind == PC_W_CONDITION || w->kind == PC_W_EVENT) && w->timeout != 1 &&
                    has_frame(&m->threads[i], "concurrent/futures/thread.py", "run") &&
                    has_frame(&m->threads[i], "concurrent/futures/_base.py", NULL);
    }
    if (!workers || starving != workers)
        return;
    char a[160];
    struct pc_finding *f = add(d, "thread-pool-starvation", PC_CONF_HIGH, ADV_POOL);
    summary(f, "all %zu worker%s of a ThreadPoolExecutor run a task that waits for another future of the pool",
            workers, workers == 1 ? "" : "s");
    for (size_t i = 0; i < m->nthreads; i++) {
        if (has_frame(&m->threads[i], "concurrent/futures/thread.py", "_worker") || d->waits[i].kind == PC_W_FUTURE) {
            with_thread(f, i);
            describe_wait(f, m, d, i);
        }
    }
    (void)a;
}

static const char ADV_ASYNCIO[] =
    "A coroutine or callback made a blocking call on the event loop's thread, so the loop runs nothing else. "
    "Await instead (asyncio.sleep, asyncio locks and queues, loop.run_in_executor / asyncio.to_thread for "
    "blocking code), and never wait for a concurrent future that needs this loop.";

/* H22: the loop thread runs a callback (Handle._run) that blocks outside
 * the selector. */
static void rule_asyncio(struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        if (!has_frame(t, "asyncio/events.py", "_run") || !has_frame(t, "asyncio/base_events.py", "_run_once"))
            continue;
        const struct pc_wait *w = &d->waits[i];
        if (t->sys.cls == PC_SYS_EPOLL || w->kind == PC_W_RUNNING || w->kind == PC_W_NONE)
            continue;   /* in the selector, or running */
        char a[160], at[256];
        struct pc_finding *f = add(d, "asyncio-loop-blocked", PC_CONF_HIGH, ADV_ASYNCIO);
        with_thread(f, i);
        summary(f, "the asyncio event loop of %s is blocked: a callback waits for %s in %s instead of awaiting",
                pc_diag_thread_label(m, i, a, sizeof a), w->what[0] ? w->what : pc_wait_name(w->kind),
                where(m, d, i, at, sizeof at));
        ev(f, "asyncio Handle._run < BaseEventLoop._run_once on the stack: the loop is running a callback");
        describe_wait(f, m, d, i);
        return;
    }
}

static const char ADV_POOL_LOST[] =
    "A worker process of the multiprocessing.Pool died while it ran a task (the OOM killer or another signal, "
    "os._exit, a crash in C code). The pool replaced the worker, but the task's result never comes, so the wait "
    "has no end (bpo-22393). Find out why the worker died (kernel log, exit status), wait with a timeout "
    "(AsyncResult.get(timeout=...)), or use concurrent.futures.ProcessPoolExecutor, which raises "
    "BrokenProcessPool instead.";

/* The highest worker number (Process._identity's last item) of a Pool. */
static int64_t pool_top_worker(struct pc_python *py, uint64_t pool, size_t *nworkers)
{
    uint64_t workers[256], ids[8];
    size_t n = 0, ni;
    int64_t top = 0, v;
    char ty[64];
    uint64_t list = pc_py_attr(py, pool, "_pool");
    *nworkers = 0;
    if (pc_py_type_name(py, list, ty, sizeof ty) || strcmp(ty, "list") || pc_py_list(py, list, workers, 256, &n))
        return -1;
    for (size_t k = 0; k < n; k++)
        if (pc_py_tuple(py, pc_py_attr(py, workers[k], "_identity"), ids, 8, &ni) == 0 && ni &&
            pc_py_int(py, ids[ni - 1], &v) == 0 && v > top)
            top = v;
    *nworkers = n;
    return top;
}

/* A test of an object found in a frame or a dict, for the searches below. */
typedef int (*obj_pred)(struct pc_python *py, uint64_t obj, void *arg);

/* The first object of a frame that pred accepts: locals (cells opened:
 * <= 3.10 keep the variables of closures and comprehensions there), then
 * the value stack, whose stale slots pred's type checks reject; or 0. */
static uint64_t frame_object(struct pc_python *py, const struct pc_py_frame *f, obj_pred pred, void *arg)
{
    uint64_t slots[64];
    size_t nlocals = 0, n = pc_py_frame_slots(py, f, slots, 64, &nlocals);
    for (size_t s = 0; s < n; s++) {
        uint64_t v = pc_py_uncell(py, slots[s]);
        if (v && pred(py, v, arg))
            return v;
    }
    return 0;
}

static int is_pool_of_cache(struct pc_python *py, uint64_t obj, void *cache)
{
    char ty[64];
    return pc_py_type_name(py, obj, ty, sizeof ty) == 0 && strcmp(ty, "Pool") == 0 &&
           pc_py_attr(py, obj, "_cache") == *(uint64_t *)cache;
}

/* The Pool a result belongs to, when the result does not name it (<= 3.7):
 * a Pool in some frame whose _cache is the result's. */
static uint64_t pool_of_result(struct pc_python *py, const struct pc_model *m, uint64_t result)
{
    uint64_t cache = pc_py_attr(py, result, "_cache"), pool = 0;
    for (size_t i = 0; cache && !pool && i < m->nthreads; i++)
        for (size_t k = 0; !pool && k < m->threads[i].npy; k++)
            pool = frame_object(py, &m->threads[i].py[k], is_pool_of_cache, &cache);
    return pool;
}

/* H06: a thread waits without timeout for a Pool result while the pool has
 * replaced a worker process: worker numbers beyond the pool's size, with no
 * maxtasksperchild recycling, mean a worker died, and the task it ran with it. */
static void rule_pool_lost(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        const struct pc_wait *w = &d->waits[i];
        if (w->timeout == 1 || (w->kind != PC_W_EVENT && w->kind != PC_W_CONDITION))
            continue;
        uint64_t result = 0, pool = 0;
        char ty[64], rty[64] = "";
        for (size_t k = 0; k < t->npy; k++) {
            if (!pc_diag_ends_with(t->py[k].file, "multiprocessing/pool.py"))
                continue;
            uint64_t self = pc_py_frame_local(py, &t->py[k], "self");
            if (!self || pc_py_type_name(py, self, ty, sizeof ty))
                continue;
            if (!result && pc_diag_ends_with(ty, "Result")) {
                result = self;
                snprintf(rty, sizeof rty, "%s", ty);
            }
            if (!pool && strcmp(ty, "Pool") == 0)
                pool = self;
        }
        if (!result)
            continue;
        if (!pool)
            pool = pc_py_attr(py, result, "_pool");     /* 3.8+ */
        if (!pool)
            pool = pool_of_result(py, m, result);
        int64_t procs = -1, left = -1;
        size_t nworkers;
        uint64_t mtpc = pc_py_attr(py, pool, "_maxtasksperchild");
        if (!pool || pc_py_int(py, pc_py_attr(py, pool, "_processes"), &procs) || procs <= 0 || !mtpc ||
            pc_py_type_name(py, mtpc, ty, sizeof ty) || strcmp(ty, "NoneType"))
            continue;
        int64_t top = pool_top_worker(py, pool, &nworkers);
        if (top <= procs)
            continue;
        pc_py_int(py, pc_py_attr(py, result, "_number_left"), &left);
        char a[160], at[256];
        struct pc_finding *f = add(d, "pool-task-lost", PC_CONF_MEDIUM, ADV_POOL_LOST);
        with_thread(f, i);
        summary(f, "%s waits in %s for a multiprocessing.Pool result that will never come: a worker process of the "
                   "pool died (the pool of %lld started worker #%lld to replace it), and the task it ran was lost",
                pc_diag_thread_label(m, i, a, sizeof a), where(m, d, i, at, sizeof at), (long long)procs,
                (long long)top);
        if (left >= 0)
            ev(f, "%s at 0x%llx: _number_left = %lld task%s without a result", rty, (unsigned long long)result,
               (long long)left, left == 1 ? "" : "s");
        ev(f, "pool._processes = %lld, _maxtasksperchild = None (no recycling); pool._pool: %zu worker%s numbered "
              "up to %lld (Process._identity): %lld worker%s replaced",
           (long long)procs, nworkers, nworkers == 1 ? "" : "s", (long long)top, (long long)(top - procs),
           top - procs == 1 ? "" : "s");
        ev(f, "inferred: which task the dead worker ran is not recorded in this process; its exit status is not in the core");
        describe_wait(f, m, d, i);
        return;
    }
}

static const char ADV_MP_QUEUE[] =
    "A process that put data into a multiprocessing queue cannot end until that data has been read: its feeder "
    "thread (or its put(), for SimpleQueue) blocks writing to the full pipe. Joining it before reading the queue "
    "waits forever (the multiprocessing docs: 'joining processes that use queues'). Read everything from the "
    "queue first, then join; or join with a timeout.";

struct type_name {
    char *buf;
    size_t len;
};

/* queue.Queue has no pipe end: _reader tells a multiprocessing queue. */
static int is_mp_queue(struct pc_python *py, uint64_t obj, void *arg)
{
    struct type_name *ty = arg;
    return pc_py_type_name(py, obj, ty->buf, ty->len) == 0 && pc_diag_ends_with(ty->buf, "Queue") &&
           pc_py_attr(py, obj, "_reader");
}

struct dict_search {
    obj_pred pred;
    void *arg;
    uint64_t found;
};

static int dict_search_cb(struct pc_python *py, uint64_t key, uint64_t value, void *arg)
{
    struct dict_search *s = arg;
    (void)key;
    if (value && s->pred(py, value, s->arg)) {
        s->found = value;
        return 1;
    }
    return 0;
}

/* A multiprocessing queue the thread can reach: in a frame or in its
 * module's globals (Process.start() drops the child's _args). */
static uint64_t mp_queue_of_thread(struct pc_python *py, const struct pc_thread_model *t, char *ty, size_t tylen)
{
    struct type_name tn = {ty, tylen};
    uint64_t seen[8];
    size_t nseen = 0;
    for (size_t k = 0; k < t->npy; k++) {
        uint64_t q = frame_object(py, &t->py[k], is_mp_queue, &tn);
        if (q)
            return q;
        uint64_t g = pc_py_frame_globals(py, &t->py[k]);
        int dup = !g;
        for (size_t x = 0; x < nseen && !dup; x++)
            dup = seen[x] == g;
        if (dup || nseen == 8)
            continue;
        seen[nseen++] = g;
        struct dict_search srch = {is_mp_queue, &tn, 0};
        pc_py_dict_each(py, g, dict_search_cb, &srch);
        if (srch.found)
            return srch.found;
    }
    return 0;
}

/* H05: a thread joins a child process that was handed a multiprocessing
 * queue, and no thread of this process reads that queue. */
static void rule_mp_queue_join(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        if (d->waits[i].kind != PC_W_CHILD)
            continue;
        for (size_t k = 0; k < t->npy; k++) {
            if (strcmp(t->py[k].name, "join") || !pc_diag_ends_with(t->py[k].file, "multiprocessing/process.py"))
                continue;
            uint64_t proc = pc_py_frame_local(py, &t->py[k], "self");
            uint64_t timeout = pc_py_frame_local(py, &t->py[k], "timeout");
            char ty[64], qty[64], name[96] = "";
            if (!proc || (timeout && (pc_py_type_name(py, timeout, ty, sizeof ty) || strcmp(ty, "NoneType"))))
                break;
            uint64_t q = mp_queue_of_thread(py, t, qty, sizeof qty);
            if (!q)
                break;
            for (size_t j = 0; j < m->nthreads; j++)
                if (has_frame(&m->threads[j], "multiprocessing/queues.py", "get"))
                    return;   /* someone reads: not this deadlock */
            pc_py_str(py, pc_py_attr(py, proc, "_name"), name, sizeof name);
            int64_t pid = -1;
            pc_py_int(py, pc_py_attr(py, pc_py_attr(py, proc, "_popen"), "pid"), &pid);
            char a[160], at[256];
            struct pc_finding *f = add(d, "mp-queue-join-deadlock", PC_CONF_MEDIUM, ADV_MP_QUEUE);
            with_thread(f, i);
            summary(f, "%s joins child process %lld%s%s%s in %s while a multiprocessing %s it holds is unread: a "
                       "child that put more than a pipe buffer into it cannot exit until the data is read",
                    pc_diag_thread_label(m, i, a, sizeof a), (long long)pid, name[0] ? " ('" : "", name,
                    name[0] ? "')" : "", where(m, d, i, at, sizeof at), qty);
            ev(f, "%s.join(timeout=None) on the stack; the process waits in wait4 for pid %lld", name[0] ? name : "Process",
               (long long)(int32_t)t->sys.args[0]);
            ev(f, "the joining code holds %s at 0x%llx (a multiprocessing queue: it has a pipe end, _reader)", qty,
               (unsigned long long)q);
            ev(f, "no thread of this process is in %s.get()", qty);
            ev(f, "inferred: whether the child filled the pipe is in the child's memory, not in this core");
            return;
        }
    }
}

static const char ADV_ASYNCIO_IDLE[] =
    "The event loop is idle and nothing can wake it: no callback is ready, no timer is scheduled, no descriptor "
    "but the loop's own wake-up pipe is watched. A task awaits a future, event or queue that nothing will ever "
    "complete: a producer task that died (await every task you create, or add a done callback that reports its "
    "exception), a reader task never started, a lost callback. Bound such awaits with asyncio.wait_for or "
    "asyncio.timeout.";

/* H23: the loop sleeps in its selector without a timeout and nothing is
 * left that could wake it: read from the loop object itself. */
static void rule_asyncio_idle(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        if (t->npy < 2 || strcmp(t->py[0].name, "select") || strcmp(t->py[1].name, "_run_once") ||
            !has_frame(t, "selectors.py", "select") || !has_frame(t, "asyncio/base_events.py", "_run_once"))
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
        size_t others = 0;
        for (size_t j = 0; j < m->nthreads; j++) {
            int k = d->waits[j].kind;
            if (j != i && m->threads[j].tstate &&
                !((k == PC_W_EVENT || k == PC_W_CONDITION || k == PC_W_QUEUE_GET || k == PC_W_LOCK ||
                   k == PC_W_JOIN || k == PC_W_FUTURE) && d->waits[j].timeout == 0))
                others++;
        }
        char a[160];
        struct pc_finding *f = add(d, "asyncio-idle-forever", others ? PC_CONF_MEDIUM : PC_CONF_HIGH, ADV_ASYNCIO_IDLE);
        with_thread(f, i);
        summary(f, "the asyncio event loop of %s is idle and nothing is left to wake it: no ready callback, no timer, "
                   "no watched descriptor but its own wake-up pipe; the tasks it runs wait forever",
                pc_diag_thread_label(m, i, a, sizeof a));
        ev(f, "%s in %s < %s, whose timeout = None: the selector waits without a timeout", pc_diag_thread_label(m, i, a, sizeof a),
           t->py[0].qualname, t->py[1].qualname);
        ev(f, "loop._ready: empty deque (no callback ready); loop._scheduled: empty list (no timer)");
        if (fds >= 0)
            ev(f, "loop._selector._fd_to_key: %lld descriptor%s registered (the loop's self-pipe)", (long long)fds,
               fds == 1 ? "" : "s");
        if (others)
            ev(f, "%zu other Python thread%s could still call loop.call_soon_threadsafe()", others,
               others == 1 ? "" : "s");
        else
            ev(f, "no other Python thread can call loop.call_soon_threadsafe()");
        return;
    }
}

static const char ADV_ATEXIT[] =
    "An exit hook waits for a lock held by a daemon thread, which the interpreter never lets run again. Stop "
    "daemon threads (or make them release their locks) before exit, or do not take shared locks in atexit hooks.";

/* H26: at exit (no <module> frame left on the main thread), the main
 * thread waits for a lock whose holder is a daemon thread. */
static void rule_atexit(struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        const struct pc_wait *w = &d->waits[i];
        if (!t->main || w->kind != PC_W_LOCK || w->target == SIZE_MAX || m->threads[w->target].daemon != 1 || !t->npy ||
            strcmp(t->py[t->npy - 1].name, "<module>") == 0)
            continue;
        char a[160], b[160], at[256];
        struct pc_finding *f = add(d, "atexit-blocked-by-daemon", d->locks[w->lock].holder_conf, ADV_ATEXIT);
        with_thread(f, i);
        with_thread(f, w->target);
        summary(f, "at exit, %s runs the hook %s and waits for %s, held by daemon thread %s",
                pc_diag_thread_label(m, i, a, sizeof a), t->py[t->npy - 1].qualname, w->what,
                pc_diag_thread_label(m, w->target, b, sizeof b));
        ev(f, "the main thread's outermost Python frame is %s, not <module>: the main module has returned",
           t->py[t->npy - 1].qualname);
        describe_wait(f, m, d, i);
        describe_wait(f, m, d, w->target);
        (void)at;
        return;
    }
}

static const char ADV_SUBPROCESS[] =
    "The parent waits for a child whose output pipe nobody reads: the child blocks once the pipe is full. "
    "Use Popen.communicate() (or read the pipes in threads) instead of wait(), or do not use PIPE.";

/* H24: Popen.wait with a pipe attached. */
static void rule_subprocess(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        if (d->waits[i].kind != PC_W_CHILD)
            continue;
        for (size_t k = 0; k < t->npy && k < 8; k++) {
            if (!strstr(t->py[k].file, "subprocess.py") || strcmp(t->py[k].name, "wait") != 0)
                continue;
            uint64_t popen = pc_py_frame_local(py, &t->py[k], "self");
            const char *pipes[] = {"stdout", "stderr"};
            for (size_t p = 0; p < 2; p++) {
                uint64_t v = pc_py_attr(py, popen, pipes[p]);
                char ty[64] = "";
                if (!v || pc_py_type_name(py, v, ty, sizeof ty) || strcmp(ty, "NoneType") == 0)
                    continue;
                char a[160];
                struct pc_finding *f = add(d, "subprocess-pipe-deadlock", PC_CONF_MEDIUM, ADV_SUBPROCESS);
                with_thread(f, i);
                summary(f, "%s waits in Popen.wait() for %s while the child's %s is a pipe (%s) that nobody reads",
                        pc_diag_thread_label(m, i, a, sizeof a), d->waits[i].what, pipes[p], ty);
                ev(f, "Popen.%s is a %s: the child blocks in write() once 64 KiB are unread "
                      "(a core of the child would confirm it)", pipes[p], ty);
                describe_wait(f, m, d, i);
                return;
            }
        }
    }
}

static const char ADV_OUTPUT[] =
    "The process writes to a pipe (stdout/stderr) that its reader no longer drains; every thread that prints "
    "then waits. Fix the reader (the parent process, the CI runner), or redirect output to a file.";

/* H25: a thread blocked writing to fd 1 or 2. */
static void rule_output(struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        uint64_t fd = t->sys.args[0];
        if (!(t->sys.flags & PC_SYS_WRITES) || (fd != 1 && fd != 2))
            continue;
        char a[160];
        struct pc_finding *f = add(d, "output-pipe-full", PC_CONF_MEDIUM, ADV_OUTPUT);
        with_thread(f, i);
        size_t others = 0;
        for (size_t j = 0; j < m->nthreads; j++)
            if (j != i && (d->waits[j].kind == PC_W_FUTEX || d->waits[j].kind == PC_W_LOCK) && m->threads[j].tstate) {
                with_thread(f, j);
                others++;
            }
        summary(f, "%s is blocked writing to %s%s", pc_diag_thread_label(m, i, a, sizeof a),
                fd == 1 ? "stdout" : "stderr", others ? " while other threads wait behind it" : "");
        ev(f, "write(%llu, ...) in progress (orig_rax = 1): the reader of the %s pipe does not read",
           (unsigned long long)fd, fd == 1 ? "stdout" : "stderr");
        for (size_t k = 0; f && k < f->nthreads; k++)
            describe_wait(f, m, d, f->threads[k]);     /* the writer first, then its waiters */
        return;
    }
}

static void rule_queue_and_orphans(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    char a[160];
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_wait *w = &d->waits[i];
        if (w->kind == PC_W_QUEUE_JOIN) {
            int64_t unfinished = -1;
            pc_py_int(py, pc_py_attr(py, w->obj, "unfinished_tasks"), &unfinished);
            if (unfinished <= 0)
                continue;
            /* Every other thread idle in get() on this queue: nobody will
             * call task_done(). */
            size_t busy = 0;
            for (size_t j = 0; j < m->nthreads; j++)
                if (j != i && m->threads[j].tstate && !(d->waits[j].kind == PC_W_QUEUE_GET && d->waits[j].obj == w->obj))
                    busy += d->waits[j].kind == PC_W_RUNNING;
            struct pc_finding *f = add(d, "queue-join-unfinished", busy ? PC_CONF_MEDIUM : PC_CONF_HIGH, ADV_QUEUE);
            with_thread(f, i);
            summary(f, "%s waits in Queue.join() while unfinished_tasks = %lld and %s",
                    pc_diag_thread_label(m, i, a, sizeof a), (long long)unfinished,
                    busy ? "other threads still run" : "no thread is working on an item");
            ev(f, "%s.unfinished_tasks = %lld", w->what, (long long)unfinished);
            describe_wait(f, m, d, i);
            return;
        }
    }
    /* Waits without timeout that nothing alive can end. */
    size_t waiting = 0, free_threads = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        int k = d->waits[i].kind;
        if (!m->threads[i].tstate)
            continue;
        if ((k == PC_W_EVENT || k == PC_W_CONDITION || k == PC_W_QUEUE_GET || k == PC_W_LOCK || k == PC_W_FUTURE ||
             k == PC_W_JOIN) && d->waits[i].timeout != 1)
            waiting++;
        else
            free_threads++;
    }
    int gone = 0;
    for (size_t i = 0; i < m->nthreads; i++)
        if (d->waits[i].lock != SIZE_MAX && d->locks[d->waits[i].lock].holder_gone)
            gone = 1;
    if (!waiting || (free_threads && !gone))
        return;
    struct pc_finding *f = add(d, "orphaned-wait", gone ? PC_CONF_HIGH : PC_CONF_MEDIUM, ADV_ORPHAN);
    for (size_t i = 0; i < m->nthreads; i++) {
        int k = d->waits[i].kind;
        if (!m->threads[i].tstate || k == PC_W_NONE || k == PC_W_RUNNING)
            continue;
        with_thread(f, i);
        describe_wait(f, m, d, i);
    }
    summary(f, gone ? "a lock is held by a thread that has exited; %zu thread%s wait for it forever"
                    : "all %zu Python threads wait without timeout and none is left to wake them",
            waiting, waiting == 1 ? "" : "s");
}

static void rule_passive(struct pc_model *m, struct pc_diag *d)
{
    char a[160];
    size_t io = 0, busy = SIZE_MAX, handoff = SIZE_MAX;
    int held = 0;
    for (size_t i = 0; i < m->nthreads; i++) {
        int k = d->waits[i].kind;
        io += k == PC_W_IO || k == PC_W_SLEEP || k == PC_W_CHILD;
        held |= m->threads[i].gil == PC_GIL_HELD;
        if (k == PC_W_RUNNING && m->threads[i].gil == PC_GIL_HELD)
            busy = i;
        /* A spinning thread gives the GIL up and takes it back every check
         * interval; a core taken inside that hand-off finds nobody holding it. */
        if (k == PC_W_RUNNING && m->threads[i].tstate && m->threads[i].npy && m->threads[i].gil == PC_GIL_NONE &&
            handoff == SIZE_MAX)
            handoff = i;
    }
    if (busy == SIZE_MAX && !held)
        busy = handoff;
    if (busy != SIZE_MAX) {
        struct pc_finding *f = add(d, "cpu-busy", PC_CONF_LOW, ADV_BUSY);
        with_thread(f, busy);
        const struct pc_thread_model *t = &m->threads[busy];
        summary(f, "%s %s Python code in %s: possibly a busy loop", pc_diag_thread_label(m, busy, a, sizeof a),
                t->gil == PC_GIL_HELD ? "holds the GIL and runs" : "runs", t->npy ? t->py[0].qualname : "native code");
        ev(f, "orig_rax = -1: not in a system call when the core was taken");
        if (t->gil != PC_GIL_HELD)
            ev(f, "no thread held the GIL: the core caught this thread between releasing and retaking it");
    }
    if (io) {
        struct pc_finding *f = add(d, "io-wait", PC_CONF_MEDIUM, ADV_IO);
        pc_buf s = {0};
        size_t n = 0;
        for (size_t i = 0; i < m->nthreads; i++) {
            int k = d->waits[i].kind;
            if (k != PC_W_IO && k != PC_W_SLEEP && k != PC_W_CHILD)
                continue;
            with_thread(f, i);
            pc_buf_printf(&s, "%s%s in %s", n++ ? ", " : "", pc_diag_thread_label(m, i, a, sizeof a), d->waits[i].what);
            describe_wait(f, m, d, i);
        }
        char *txt = pc_buf_take(&s);
        summary(f, "no deadlock: %s", txt ? txt : "");
        free(txt);
    }
}

void pc_diag_patterns(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    build_graph(m, d);
    find_cycle(m, d);
    rule_cycle(m, d);
    rule_import_wait(m, d);
    rule_teardown(py, m, d);
    rule_shutdown(m, d);
    rule_gil(m, d);
    rule_signal(py, m, d, 1);
    rule_fork(py, m, d);
    rule_pool(m, d);
    rule_pool_lost(py, m, d);
    rule_mp_queue_join(py, m, d);
    rule_asyncio(m, d);
    rule_asyncio_idle(py, m, d);
    rule_atexit(m, d);
    rule_subprocess(py, m, d);
    rule_output(m, d);
    rule_queue_and_orphans(py, m, d);
    if (!d->nfindings)
        rule_signal(py, m, d, 0);
    rule_passive(m, d);
}
