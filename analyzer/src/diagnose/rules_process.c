/* Other processes: a child forked with a lock held, a child whose pipe
 * nobody reads, a reader that stopped reading our output. */
#include "arch/arch.h"
#include "diagnose/rules.h"
#include "cpython/io.h"

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

/* An io buffer's lock whose recorded owner is no thread of this process:
 * C code releases it before returning, so its owner was a thread of the
 * parent this process was forked from. */
static int orphaned_c_lock(const struct pc_model *m, const struct pc_wait *w)
{
    return w->kind == PC_W_FUTEX && w->obj && w->owner_ident && w->timeout != 1 &&
           pc_diag_thread_by_ident(m, w->owner_ident) == SIZE_MAX;
}

/* The lock was not identified: what the native and Python frames tell. */
static void c_lock_guess(struct pc_python *py, const struct pc_thread_model *t, struct pc_finding *f, char *what,
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
    char ty[64];
    uint64_t self = pc_py_frame_local(py, &t->py[0], "self");
    if (self && pc_py_type_name(py, self, ty, sizeof ty) == 0)
        pc_rule_ev(f, "the innermost Python frame, %s, works on a %s; the wait is in C code it calls",
                   t->py[0].qualname, ty);
    else
        pc_rule_ev(f, "the innermost Python frame is %s; the wait is in C code it calls (print, a file's write or "
                      "flush, a C extension)", t->py[0].qualname);
}

void pc_rule_fork(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    char why[200] = "", a[160], at[256];
    int on_stack = m->nthreads >= 1 && forked(py, &m->threads[0], why, sizeof why);
    /* Proof from memory, in a process of any number of threads. */
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_wait *w = &d->waits[i];
        if (!orphaned_c_lock(m, w))
            continue;
        struct pc_finding *f = pc_rule_add(d, PC_P_FORK_CHILD_DEADLOCK, PC_CONF_HIGH);
        pc_rule_with_thread(f, i);
        pc_rule_summary(f, "%s waits in %s for %s, held by thread 0x%llx, which is no thread of this process: a "
                           "thread of the parent held it when this process was forked",
                        pc_diag_thread_label(m, i, a, sizeof a), pc_rule_where(m, d, i, at, sizeof at), w->what,
                        (unsigned long long)w->owner_ident);
        pc_rule_ev(f, "%s", w->evidence);
        pc_rule_ev(f, "C code releases this lock before it returns; only fork() leaves it held by a thread that "
                      "does not exist");
        if (why[0])
            pc_rule_ev(f, "%s", why);
        return;
    }
    if (m->nthreads != 1 || !on_stack)
        return;
    const struct pc_thread_model *t = &m->threads[0];
    const struct pc_wait *w = &d->waits[0];
    if (w->kind == PC_W_FUTEX && t->sys.cls == PC_SYS_FUTEX && (t->sys.args[1] & FUTEX_PRIVATE) &&
        t->sys.args[3] == 0) {
        /* No lock identified: a C lock (a C mutex, a buffer of unknown
         * layout) inherited locked.  A private futex without a timeout in a
         * process of one thread can never be woken. */
        struct pc_finding *f = pc_rule_add(d, PC_P_FORK_CHILD_DEADLOCK, PC_CONF_MEDIUM);
        pc_rule_with_thread(f, 0);
        char what[96];
        pc_rule_ev(f, "1 thread in the core; it waits on futex 0x%llx, process-private (op 0x%llx) and without a "
                      "timeout: no thread of this process exists that could wake it",
                   (unsigned long long)t->sys.args[0], (unsigned long long)t->sys.args[1]);
        if (w->obj) {
            snprintf(what, sizeof what, "%s", w->what);
            pc_rule_ev(f, "%s", w->evidence);
        } else
            c_lock_guess(py, t, f, what, sizeof what);
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

/* H24: a parent blocked on its child (wait(), reading one pipe to EOF,
 * writing its stdin) while another pipe of the child is never read: once
 * 64 KiB wait in it, the child blocks writing and neither side moves. */
#define POPEN_PIPES 3
static const char *const pipe_names[POPEN_PIPES] = {"stdin", "stdout", "stderr"};

struct popen {
    uint64_t obj;
    int64_t pid;
    int64_t fd[POPEN_PIPES];      /* -1: not a pipe (None, or not readable) */
    char kind[POPEN_PIPES][32];
};

static int is_popen(struct pc_python *py, uint64_t obj, void *arg)
{
    (void)arg;
    char ty[16];
    return pc_py_type_name(py, obj, ty, sizeof ty) == 0 && strcmp(ty, "Popen") == 0 && pc_py_attr(py, obj, "pid");
}

/* A child still running (returncode None) and the descriptors of its pipes. */
static int popen_read(struct pc_python *py, uint64_t obj, struct popen *p)
{
    char ty[16];
    uint64_t rc = pc_py_attr(py, obj, "returncode");
    memset(p, 0, sizeof *p);
    if (!rc || pc_py_type_name(py, rc, ty, sizeof ty) || strcmp(ty, "NoneType") ||
        pc_py_int(py, pc_py_attr(py, obj, "pid"), &p->pid))
        return -1;
    p->obj = obj;
    for (size_t k = 0; k < POPEN_PIPES; k++) {
        struct pc_py_io io;
        p->fd[k] = -1;
        if (pc_py_io(py, pc_py_attr(py, obj, pipe_names[k]), &io) == 0 && io.fd >= 0) {
            p->fd[k] = io.fd;
            snprintf(p->kind[k], sizeof p->kind[k], "%s", io.kind);
        }
    }
    return 0;
}

/* The Popen a thread works with: `self` of a subprocess.py frame, or an
 * object of one of its innermost frames. */
static int thread_popen(struct pc_python *py, const struct pc_thread_model *t, struct popen *p)
{
    for (size_t k = 0; k < t->npy && k < 8; k++) {
        uint64_t obj = 0;
        if (strstr(t->py[k].file, "subprocess.py")) {
            obj = pc_py_frame_local(py, &t->py[k], "self");
            if (obj && !is_popen(py, obj, NULL))
                obj = 0;
        }
        if (!obj)
            obj = pc_rule_frame_object(py, &t->py[k], is_popen, NULL);
        if (obj && popen_read(py, obj, p) == 0)
            return 0;
    }
    return -1;
}

/* A thread other than `self` that reads fd, or drains a Popen's pipes
 * (communicate() polls them all). */
static size_t reader_of(const struct pc_model *m, size_t self, int64_t fd)
{
    for (size_t j = 0; j < m->nthreads; j++) {
        const struct pc_thread_model *o = &m->threads[j];
        if (j == self)
            continue;
        if (o->sys.cls == PC_SYS_IO && (o->sys.flags & PC_SYS_FD0) && !(o->sys.flags & PC_SYS_WRITES) &&
            (int64_t)o->sys.args[0] == fd)
            return j;
        if (pc_rule_has_frame(o, "subprocess.py", "_communicate") || pc_rule_has_frame(o, "subprocess.py", "_readerthread"))
            return j;
    }
    return SIZE_MAX;
}

void pc_rule_subprocess(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        const struct pc_wait *w = &d->waits[i];
        struct popen p;
        if ((w->kind != PC_W_CHILD && w->kind != PC_W_IO) || pc_rule_has_frame(t, "subprocess.py", "_communicate") ||
            thread_popen(py, t, &p))
            continue;
        /* What the parent blocks on: the child's exit, or one of its pipes. */
        int on = -1;
        /* the pid waited for is this Popen's (or lost to the core's signal:
         * then the Popen whose wait() is on the stack says it) */
        if (w->kind == PC_W_CHILD && !t->sys.arg0_lost && (int32_t)t->sys.args[0] != (int32_t)p.pid)
            continue;
        if (w->kind == PC_W_IO) {
            if (!(t->sys.flags & PC_SYS_FD0) || t->sys.arg0_lost)
                continue;       /* which pipe is not known */
            for (int k = 0; k < POPEN_PIPES; k++)
                if (p.fd[k] == (int64_t)t->sys.args[0])
                    on = k;
            /* reading stdout/stderr, or writing stdin */
            if (on < 0 || (on == 0) != !!(t->sys.flags & PC_SYS_WRITES))
                continue;
        }
        for (int k = 1; k < POPEN_PIPES; k++) {
            if (k == on || p.fd[k] < 0 || reader_of(m, i, p.fd[k]) != SIZE_MAX)
                continue;
            char a[160], name[96], doing[160];
            pc_diag_object_name(py, t, 0, p.obj, name, sizeof name);
            if (on < 0)
                snprintf(doing, sizeof doing, "waits in Popen.wait() for child %lld to exit", (long long)p.pid);
            else if (on == 0)
                snprintf(doing, sizeof doing, "is blocked writing to child %lld's stdin (fd %lld)", (long long)p.pid,
                         (long long)p.fd[0]);
            else
                snprintf(doing, sizeof doing, "waits reading child %lld's %s (fd %lld)", (long long)p.pid,
                         pipe_names[on], (long long)p.fd[on]);
            struct pc_finding *f = pc_rule_add(d, PC_P_SUBPROCESS_PIPE_DEADLOCK, PC_CONF_MEDIUM);
            pc_rule_with_thread(f, i);
            pc_rule_summary(f, "%s %s while the child's %s is a pipe that nobody reads", pc_diag_thread_label(m, i, a, sizeof a),
                            doing, pipe_names[k]);
            pc_rule_ev(f, "Popen%s%s%s at 0x%llx: pid %lld, returncode None (not reaped); stdin %s, stdout %s, stderr %s",
                       name[0] ? " '" : "", name, name[0] ? "'" : "", (unsigned long long)p.obj, (long long)p.pid,
                       p.fd[0] >= 0 ? "a pipe" : "not a pipe", p.fd[1] >= 0 ? "a pipe" : "not a pipe",
                       p.fd[2] >= 0 ? "a pipe" : "not a pipe");
            if (on >= 0)
                pc_rule_ev(f, "%s(%lld, ...) in progress: fd %lld is Popen.%s (a %s)", t->sys.name,
                           (long long)t->sys.args[0], (long long)t->sys.args[0], pipe_names[on], p.kind[on]);
            pc_rule_ev(f, "Popen.%s is fd %lld (a %s) and no thread reads it: the child blocks in write() once 64 KiB "
                          "are unread (a core of the child would confirm it)", pipe_names[k], (long long)p.fd[k], p.kind[k]);
            pc_rule_describe_wait(f, m, d, i);
            return;
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
        pc_rule_ev(f, "write(%llu, ...) in progress (%s = %llu): the reader of the %s pipe does not read",
           (unsigned long long)fd, pc_arch_sysnr_name(&m->threads[i].desc),
           (unsigned long long)pc_arch_syscall_nr(&m->threads[i].desc), fd == 1 ? "stdout" : "stderr");
        for (size_t k = 0; f && k < f->nthreads; k++)
            pc_rule_describe_wait(f, m, d, f->threads[k]);     /* the writer first, then its waiters */
        return;
    }
}
