/* Other processes: a child forked with a lock held, a child whose pipe
 * nobody reads, a reader that stopped reading our output. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* FUTEX_PRIVATE_FLAG: only threads of this process can wake the waiter. */
#define FUTEX_PRIVATE 128

/* What a C-level lock below the innermost Python frame belongs to, as far
 * as the stacks tell: an io buffer (its functions on the native stack),
 * and the Python object the innermost frame works on. */
static void c_lock_owner(struct pc_python *py, const struct pc_thread_model *t, struct pc_finding *f, char *what,
                         size_t n)
{
    snprintf(what, n, "a C-level lock");
    for (size_t k = 0; k < t->nnat; k++) {
        const char *fn = t->nat[k].function;
        if (fn && (strstr(fn, "buffered") || strstr(fn, "Buffered"))) {
            snprintf(what, n, "the C-level lock of an io buffer (BufferedWriter/Reader)");
            pc_rule_ev(f, "native frame %s: the lock is an io buffer's, taken around every write and flush", fn);
            break;
        }
    }
    if (!t->npy)
        return;
    char ty[64], sty[64];
    uint64_t self = pc_py_frame_local(py, &t->py[0], "self");
    if (self && pc_py_type_name(py, self, ty, sizeof ty) == 0) {
        uint64_t stream = pc_py_attr(py, self, "stream");
        if (stream && pc_py_type_name(py, stream, sty, sizeof sty) == 0)
            pc_rule_ev(f, "the innermost Python frame, %s, works on a %s whose stream is a %s: the C call under it "
                          "waits for that stream's buffer", t->py[0].qualname, ty, sty);
        else
            pc_rule_ev(f, "the innermost Python frame, %s, works on a %s; the wait is in C code it calls",
                       t->py[0].qualname, ty);
    } else
        pc_rule_ev(f, "the innermost Python frame is %s; the wait is in C code it calls (print, a file's write or "
                      "flush, a C extension)", t->py[0].qualname);
}

void pc_rule_fork(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    char why[200];
    if (m->nthreads != 1 || !forked(py, &m->threads[0], why, sizeof why))
        return;
    const struct pc_thread_model *t = &m->threads[0];
    const struct pc_wait *w = &d->waits[0];
    char a[160], at[256];
    if (w->kind == PC_W_FUTEX && t->sys.cls == PC_SYS_FUTEX && (t->sys.args[1] & FUTEX_PRIVATE) &&
        t->sys.args[3] == 0) {
        /* No Python lock: a C lock (an io buffer's, a C mutex) inherited
         * locked.  A private futex without a timeout in a process of one
         * thread can never be woken. */
        struct pc_finding *f = pc_rule_add(d, PC_P_FORK_CHILD_DEADLOCK, PC_CONF_MEDIUM);
        pc_rule_with_thread(f, 0);
        char what[96];
        pc_rule_ev(f, "1 thread in the core; it waits on futex 0x%llx, process-private (op 0x%llx) and without a "
                      "timeout: no thread of this process exists that could wake it",
                   (unsigned long long)t->sys.args[0], (unsigned long long)t->sys.args[1]);
        c_lock_owner(py, t, f, what, sizeof what);
        pc_rule_summary(f, "the only thread, %s, waits in %s for %s that no thread of this process holds: a lock "
                           "held by another thread of the parent when this process was forked",
                        pc_diag_thread_label(m, 0, a, sizeof a), pc_rule_where(m, d, 0, at, sizeof at), what);
        pc_rule_ev(f, "%s", why);
        return;
    }
    if (w->kind != PC_W_LOCK || w->lock == SIZE_MAX || w->timeout == 1)
        return;
    const struct pc_lockref *r = &d->locks[w->lock];
    if (r->holder == 0 || r->l.locked == 0)
        return;
    struct pc_finding *f = pc_rule_add(d, PC_P_FORK_CHILD_DEADLOCK, r->holder_gone ? PC_CONF_HIGH : PC_CONF_MEDIUM);
    pc_rule_with_thread(f, 0);
    pc_rule_summary(f, "the only thread, %s, waits in %s for %s, which no thread of this process holds: a lock held "
               "by another thread of the parent when this process was forked",
            pc_diag_thread_label(m, 0, a, sizeof a), pc_rule_where(m, d, 0, at, sizeof at), w->what);
    pc_rule_ev(f, "1 thread in the core; the lock is locked%s", r->holder_gone ? " and its recorded owner is not this thread" : "");
    pc_rule_ev(f, "%s", why);
    pc_rule_describe_wait(f, m, d, 0);
}

/* H24: Popen.wait with a pipe attached. */
void pc_rule_subprocess(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
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
                struct pc_finding *f = pc_rule_add(d, PC_P_SUBPROCESS_PIPE_DEADLOCK, PC_CONF_MEDIUM);
                pc_rule_with_thread(f, i);
                pc_rule_summary(f, "%s waits in Popen.wait() for %s while the child's %s is a pipe (%s) that nobody reads",
                        pc_diag_thread_label(m, i, a, sizeof a), d->waits[i].what, pipes[p], ty);
                pc_rule_ev(f, "Popen.%s is a %s: the child blocks in write() once 64 KiB are unread "
                      "(a core of the child would confirm it)", pipes[p], ty);
                pc_rule_describe_wait(f, m, d, i);
                return;
            }
        }
    }
}

/* H25: a thread blocked writing to fd 1 or 2. */
void pc_rule_output(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    (void)py;
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        uint64_t fd = t->sys.args[0];
        if (!(t->sys.flags & PC_SYS_WRITES) || (fd != 1 && fd != 2))
            continue;
        char a[160];
        struct pc_finding *f = pc_rule_add(d, PC_P_OUTPUT_PIPE_FULL, PC_CONF_MEDIUM);
        pc_rule_with_thread(f, i);
        size_t others = 0;
        for (size_t j = 0; j < m->nthreads; j++)
            if (j != i && (d->waits[j].kind == PC_W_FUTEX || d->waits[j].kind == PC_W_LOCK) && m->threads[j].tstate) {
                pc_rule_with_thread(f, j);
                others++;
            }
        pc_rule_summary(f, "%s is blocked writing to %s%s", pc_diag_thread_label(m, i, a, sizeof a),
                fd == 1 ? "stdout" : "stderr", others ? " while other threads wait behind it" : "");
        pc_rule_ev(f, "write(%llu, ...) in progress (orig_rax = 1): the reader of the %s pipe does not read",
           (unsigned long long)fd, fd == 1 ? "stdout" : "stderr");
        for (size_t k = 0; f && k < f->nthreads; k++)
            pc_rule_describe_wait(f, m, d, f->threads[k]);     /* the writer first, then its waiters */
        return;
    }
}
