/* What each thread waits for, read from its frames, its registers and
 * the objects on its frames; and who holds each lock. */
#include "arch/arch.h"
#include "diagnose/bindings.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIB_DEPTH 12   /* library frames looked through for a known wait */

const char *pc_wait_name(int kind)
{
    static const char *names[] = {
        "none", "running", "lock", "join", "shutdown", "condition", "event", "queue-get",
        "queue-put", "queue-join", "module-lock", "import-lock", "future", "gil", "io", "sleep",
        "child", "signal", "futex",
    };
    return kind >= 0 && (size_t)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

const char *pc_conf_name(int conf)
{
    return conf == PC_CONF_HIGH ? "high" : conf == PC_CONF_MEDIUM ? "medium" : conf == PC_CONF_LOW ? "low" : "none";
}

size_t pc_diag_thread_by_ident(const struct pc_model *m, uint64_t ident)
{
    for (size_t i = 0; ident && i < m->nthreads; i++)
        if (m->threads[i].ident == ident)
            return i;
    return SIZE_MAX;
}

const char *pc_diag_thread_label(const struct pc_model *m, size_t i, char *buf, size_t n)
{
    const struct pc_thread_model *t = &m->threads[i];
    if (t->name[0])
        snprintf(buf, n, "'%s' (tid %d)", t->name, t->tid);
    else if (t->main)
        snprintf(buf, n, "the main thread (tid %d)", t->tid);
    else
        snprintf(buf, n, "tid %d", t->tid);
    return buf;
}

/* ------------------------------------------------------------ locks */

static size_t add_lock(struct pc_python *py, struct pc_diag *d, uint64_t obj, const char *name)
{
    if (!obj)
        return SIZE_MAX;
    for (size_t i = 0; i < d->nlocks; i++)
        if (d->locks[i].l.obj == obj) {
            if (!d->locks[i].name[0] && name)
                snprintf(d->locks[i].name, sizeof d->locks[i].name, "%s", name);
            return i;
        }
    struct pc_lock l;
    if (d->nlocks >= PC_MAX_LOCKS || pc_py_lock(py, obj, &l))
        return SIZE_MAX;
    struct pc_lockref *r = &d->locks[d->nlocks];
    memset(r, 0, sizeof *r);
    r->l = l;
    r->holder = SIZE_MAX;
    if (name)
        snprintf(r->name, sizeof r->name, "%s", name);
    return d->nlocks++;
}

static int lock_binding(struct pc_python *py, uint64_t key, const char *prefix, uint64_t value, void *arg)
{
    char ty[32], name[96];
    /* Named bindings pass a cheap type filter first (lock, RLock, _RLock)
     * before their name is read; add_lock checks every object anyway.  A
     * variable an inner function shares (a closure's free variable, the
     * outer function's cell) holds a cell: the lock is inside. */
    if (key && pc_py_type_name(py, value, ty, sizeof ty))
        return 0;
    if (key && strcmp(ty, "cell") == 0 &&
        ((value = pc_py_uncell(py, value)) == 0 || pc_py_type_name(py, value, ty, sizeof ty)))
        return 0;
    if (key && !strstr(ty, "ock"))
        return 0;
    pc_diag_binding_name(py, key, prefix, name, sizeof name);
    add_lock(py, arg, value, name[0] ? name : NULL);
    return 0;
}

/* Locks visible from any frame: its variables and value stack, the
 * attributes of its `self`, and the globals of its module. */
static void collect_locks(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    struct pc_seen_globals seen = {.n = 0};
    uint64_t *slots = malloc(PC_DIAG_MAX_SLOTS * sizeof *slots);
    for (size_t i = 0; slots && i < m->nthreads; i++)
        for (size_t k = 0; k < m->threads[i].npy && k < 64; k++)
            pc_diag_each_binding(py, &m->threads[i].py[k], slots, &seen, lock_binding, d);
    free(slots);
}

/* How many `with L:` blocks a frame is inside.  Such a block keeps its
 * __exit__ on the value stack until it ends: a method bound to L (up to
 * 3.13: SETUP_WITH / BEFORE_WITH), or 3.14's LOAD_SPECIAL pair of the
 * function and L itself.  The frame blocked entering `with L:` has pushed
 * that already, and the stack area past the (unsaved) top may hold stale
 * copies: the waiting frame itself is not asked ('waiting'). */
static int frame_holds(struct pc_python *py, const struct pc_py_frame *f, uint64_t lock, uint64_t *slots,
                       int waiting)
{
    if (waiting)
        return 0;
    size_t nlocals = 0, ns = pc_py_frame_slots(py, f, slots, PC_DIAG_MAX_SLOTS, &nlocals);
    int count = 0, v314 = py->version >= 0x030e0000;
    for (size_t s = nlocals; s < ns; s++) {
        char ty[48];
        uint64_t self;
        if (!slots[s])
            continue;
        if (v314) {
            count += slots[s] == lock;
            continue;
        }
        if (pc_py_type_name(py, slots[s], ty, sizeof ty) || strcmp(ty, "builtin_function_or_method") != 0)
            continue;
        /* PyCFunctionObject: m_ml (its PyMethodDef, name first), m_self.
         * Only __exit__ counts: the stack area past its top can hold stale
         * methods of the same lock (__enter__, acquire). */
        uint64_t ml, name;
        char mname[16];
        if (pc_read_ptr(py->t, slots[s] + (uint64_t)py->L->cf_self, &self) || self != lock ||
            pc_read_ptr(py->t, slots[s] + (uint64_t)py->L->cf_ml, &ml) ||
            pc_read_ptr(py->t, ml, &name) || pc_read_cstr(py->t, name, mname, sizeof mname) ||
            strcmp(mname, "__exit__") != 0)
            continue;
        count++;
    }
    return count;
}

/* Does any frame of thread i name 'name' in its code (co_names)? */
int pc_diag_thread_mentions(struct pc_python *py, const struct pc_thread_model *t, const char *name)
{
    if (!name[0] || py->L->co_names == PC_NO_FIELD)
        return 0;
    for (size_t k = 0; k < t->npy && k < 64; k++) {
        uint64_t tup, items[256];
        size_t n;
        if (pc_read_ptr(py->t, t->py[k].code + (uint64_t)py->L->co_names, &tup) ||
            pc_py_tuple(py, tup, items, 256, &n))
            continue;
        for (size_t j = 0; j < n; j++) {
            char s[96];
            if (pc_py_str(py, items[j], s, sizeof s) == 0 && strcmp(s, name) == 0)
                return 1;
        }
    }
    return 0;
}

static void find_holders(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    uint64_t *slots = malloc(PC_DIAG_MAX_SLOTS * sizeof *slots);
    if (!slots)
        return;
    for (size_t li = 0; li < d->nlocks; li++) {
        struct pc_lockref *r = &d->locks[li];
        char who[160];
        /* Only a lock some thread blocks on needs a holder; scanning every
         * frame for every lock would cost locks x frames reads. */
        int waited = 0;
        for (size_t i = 0; i < m->nthreads; i++)
            waited |= d->waits[i].kind == PC_W_LOCK && d->waits[i].lock == li;
        if (!waited)
            continue;
        if (r->l.owner_known) {
            if (!r->l.owner)
                continue;
            r->holder = pc_diag_thread_by_ident(m, r->l.owner);
            r->holder_conf = PC_CONF_HIGH;
            if (r->holder == SIZE_MAX) {
                r->holder_gone = 1;
                snprintf(r->holder_why, sizeof r->holder_why,
                         "RLock owner 0x%llx (count %llu) is no live thread", (unsigned long long)r->l.owner,
                         (unsigned long long)r->l.count);
            } else
                snprintf(r->holder_why, sizeof r->holder_why, "RLock owner = ident 0x%llx of %s, count %llu",
                         (unsigned long long)r->l.owner, pc_diag_thread_label(m, r->holder, who, sizeof who),
                         (unsigned long long)r->l.count);
            continue;
        }
        if (r->l.locked == 0)
            continue;
        /* A plain Lock records no owner: a `with` block on some frame's
         * value stack is the best evidence, then code that names it. */
        for (size_t i = 0; i < m->nthreads && r->holder == SIZE_MAX; i++)
            for (size_t k = 0; k < m->threads[i].npy && k < 64; k++)
                if (frame_holds(py, &m->threads[i].py[k], r->l.obj, slots,
                                k == 0 && d->waits[i].kind == PC_W_LOCK && d->waits[i].lock == li)) {
                    r->holder = i;
                    r->holder_conf = PC_CONF_MEDIUM;
                    snprintf(r->holder_why, sizeof r->holder_why,
                             "inferred: frame %s of %s is inside `with %s:` (its __exit__ is on the value stack)",
                             m->threads[i].py[k].qualname, pc_diag_thread_label(m, i, who, sizeof who),
                             r->name[0] ? r->name : "the lock");
                    break;
                }
        if (r->holder != SIZE_MAX)
            continue;
        size_t cand = SIZE_MAX, ncand = 0;
        for (size_t i = 0; i < m->nthreads; i++) {
            if (d->waits[i].lock == li)
                continue;   /* a waiter is not the holder */
            if (pc_diag_thread_mentions(py, &m->threads[i], r->name)) {
                cand = i;
                ncand++;
            }
        }
        if (ncand == 1) {
            r->holder = cand;
            r->holder_conf = PC_CONF_LOW;
            snprintf(r->holder_why, sizeof r->holder_why,
                     "inferred: %s is locked (no owner recorded); only %s has code naming '%s' and does not wait for it",
                     r->name, pc_diag_thread_label(m, cand, who, sizeof who), r->name);
        }
    }
    free(slots);
}

/* ------------------------------------------------------------ waits */

static int is_library(const char *file)
{
    return pc_str_ends_with(file, "/threading.py") || pc_str_ends_with(file, "/queue.py") ||
           pc_str_ends_with(file, "/Queue.py") || strstr(file, "importlib") != NULL || strstr(file, "concurrent/futures/") != NULL ||
           strstr(file, "multiprocessing/") != NULL;
}

static void type_of(struct pc_python *py, uint64_t obj, char *ty, size_t n)
{
    if (!obj || pc_py_type_name(py, obj, ty, n))
        ty[0] = 0;
}

/* Timeout of a Condition/Event/Queue wait: its `timeout` local. */
static int timeout_of(struct pc_python *py, const struct pc_py_frame *f)
{
    uint64_t v = pc_py_frame_local(py, f, "timeout");
    char ty[32];
    if (!v)
        return -1;
    type_of(py, v, ty, sizeof ty);
    return strcmp(ty, "NoneType") == 0 ? 0 : 1;
}

/* "Event 'ready' at 0x..": what a thread waits on, named when a variable
 * names it (searched from the first frame outside the library). */
static void describe_object(struct pc_python *py, const struct pc_thread_model *t, const char *kind, uint64_t obj,
                            struct pc_wait *w)
{
    char name[96] = "";
    size_t from = 0;
    while (from < t->npy && from < LIB_DEPTH && is_library(t->py[from].file))
        from++;
    pc_diag_object_name(py, t, from, obj, name, sizeof name);
    snprintf(w->what, sizeof w->what, "%s%s%s%s at 0x%llx", kind, name[0] ? " '" : "", name, name[0] ? "'" : "",
             (unsigned long long)obj);
}

/* A Future of a ThreadPoolExecutor is run by the worker whose
 * _WorkItem.run frame holds it; none running it: still queued. */
/* The future a ThreadPoolExecutor worker thread runs: the `future` of
 * the _WorkItem its run frame holds; 0 if none. */
static uint64_t running_future(struct pc_python *py, const struct pc_thread_model *t)
{
    for (size_t k = 0; k < t->npy; k++) {
        if (strcmp(t->py[k].name, "run") || !strstr(t->py[k].file, "concurrent/futures/thread.py"))
            continue;
        uint64_t item = pc_py_frame_local(py, &t->py[k], "self");
        if (item)
            return pc_py_attr(py, item, "future");
    }
    return 0;
}

static void future_runner(struct pc_python *py, struct pc_model *m, size_t ti, uint64_t future, struct pc_wait *w)
{
    char who[160];
    for (size_t j = 0; j < m->nthreads; j++)
        if (j != ti && running_future(py, &m->threads[j]) == future) {
            snprintf(w->evidence, sizeof w->evidence, "its work item is being run by %s (_WorkItem.run holds it)",
                     pc_diag_thread_label(m, j, who, sizeof who));
            return;
        }
    snprintf(w->evidence, sizeof w->evidence,
             "no thread's _WorkItem.run holds it: still queued in its executor, or run by another process");
}

/* concurrent.futures.wait()/as_completed() install one waiter in every
 * future they wait for (Future._waiters): the workers whose _WorkItem.run
 * holds such a future run the awaited work. */
static void waiter_runners(struct pc_python *py, struct pc_model *m, size_t ti, uint64_t waiter, struct pc_wait *w)
{
    char who[160];
    size_t o = 0, nrun = 0;
    o += (size_t)snprintf(w->evidence, sizeof w->evidence, "run by");
    for (size_t j = 0; j < m->nthreads; j++) {
        uint64_t future = j != ti ? running_future(py, &m->threads[j]) : 0, waiters[16];
        size_t n = 0;
        if (!future || pc_py_list(py, pc_py_attr(py, future, "_waiters"), waiters, 16, &n))
            continue;
        for (size_t x = 0; x < n; x++)
            if (waiters[x] == waiter) {
                if (o < sizeof w->evidence)
                    o += (size_t)snprintf(w->evidence + o, sizeof w->evidence - o, "%s %s", nrun ? "," : "",
                                          pc_diag_thread_label(m, j, who, sizeof who));
                nrun++;
                break;
            }
    }
    if (nrun && o < sizeof w->evidence)
        snprintf(w->evidence + o, sizeof w->evidence - o, " (their futures' _waiters hold this wait's waiter)");
    else if (!nrun)
        snprintf(w->evidence, sizeof w->evidence,
                 "no thread's _WorkItem.run holds one of its futures: queued in an executor, or run by another process");
}

static void semantic_wait(struct pc_python *py, struct pc_model *m, size_t ti, struct pc_wait *w)
{
    struct pc_thread_model *t = &m->threads[ti];
    char who[160], ty[64];
    for (size_t k = 0; k < t->npy && k < LIB_DEPTH; k++) {
        const struct pc_py_frame *f = &t->py[k];
        w->frame = k + 1 < t->npy ? k + 1 : k;
        if (!is_library(f->file)) {
            w->frame = k;
            break;
        }
        uint64_t self = pc_py_frame_local(py, f, "self");
        type_of(py, self, ty, sizeof ty);
        const char *n = f->name;
        if (pc_str_ends_with(f->file, "threading.py")) {
            if ((strcmp(n, "join") == 0 || strcmp(n, "_wait_for_tstate_lock") == 0) && strstr(ty, "Thread")) {
                int64_t ident = 0;
                pc_py_int(py, pc_py_attr(py, self, py->version < 0x03000000 ? "_Thread__ident" : "_ident"), &ident);
                w->kind = PC_W_JOIN;
                w->obj = self;
                w->target = pc_diag_thread_by_ident(m, (uint64_t)ident);
                uint64_t tmo = pc_py_frame_local(py, f, "timeout");
                char tt[32] = "";
                type_of(py, tmo, tt, sizeof tt);
                w->timeout = !tmo ? -1 : strcmp(tt, "NoneType") == 0 ? 0 : 1;
                if (w->target != SIZE_MAX)
                    snprintf(w->what, sizeof w->what, "thread %s", pc_diag_thread_label(m, w->target, who, sizeof who));
                else
                    snprintf(w->what, sizeof w->what, "thread ident 0x%llx (not alive)", (unsigned long long)ident);
                snprintf(w->evidence, sizeof w->evidence, "%s frame: self is a %s with _ident 0x%llx", f->qualname, ty,
                         (unsigned long long)ident);
            } else if (strcmp(n, "_shutdown") == 0 || strcmp(n, "_exitfunc") == 0) {
                /* 2.7: _MainThread._exitfunc joins the non-daemon threads. */
                w->kind = PC_W_SHUTDOWN;
                snprintf(w->what, sizeof w->what, "every non-daemon thread (interpreter exit)");
                snprintf(w->evidence, sizeof w->evidence, "threading._shutdown on the stack: the main module has returned");
            } else if (strcmp(n, "wait") == 0 && strstr(ty, "Event")) {
                w->kind = PC_W_EVENT;
                w->obj = self;
                w->timeout = timeout_of(py, f);
                describe_object(py, t, "Event", self, w);
            } else if (strcmp(n, "wait") == 0 && strstr(ty, "Condition") && w->kind == PC_W_NONE) {
                w->kind = PC_W_CONDITION;
                w->obj = self;
                w->timeout = timeout_of(py, f);
                describe_object(py, t, "Condition", self, w);
            }
        } else if ((pc_str_ends_with(f->file, "/queue.py") || pc_str_ends_with(f->file, "/Queue.py")) &&
                   (strstr(ty, "Queue") || strcmp(ty, "instance") == 0)) {
            /* 2.7's Queue is an old-style class: its objects are "instance". */
            int kind = strcmp(n, "get") == 0 ? PC_W_QUEUE_GET : strcmp(n, "put") == 0 ? PC_W_QUEUE_PUT
                       : strcmp(n, "join") == 0 ? PC_W_QUEUE_JOIN : PC_W_NONE;
            if (kind != PC_W_NONE) {
                w->kind = kind;
                w->obj = self;
                w->timeout = kind == PC_W_QUEUE_JOIN ? 0 : timeout_of(py, f);
                describe_object(py, t, ty, self, w);
            }
        } else if (strstr(f->file, "importlib") && strcmp(n, "acquire") == 0 && strcmp(ty, "_ModuleLock") == 0) {
            char mod[128] = "?";
            int64_t owner = 0;
            pc_py_str(py, pc_py_attr(py, self, "name"), mod, sizeof mod);
            pc_py_int(py, pc_py_attr(py, self, "owner"), &owner);
            w->kind = PC_W_MODULE_LOCK;
            w->obj = self;
            w->timeout = 0;
            w->target = pc_diag_thread_by_ident(m, (uint64_t)owner);
            snprintf(w->what, sizeof w->what, "the import lock of module '%s'", mod);
            snprintf(w->evidence, sizeof w->evidence, "_ModuleLock('%s').owner = 0x%llx%s%s", mod,
                     (unsigned long long)owner, w->target != SIZE_MAX ? " = " : " (no live thread)",
                     w->target != SIZE_MAX ? pc_diag_thread_label(m, w->target, who, sizeof who) : "");
        } else if (strstr(f->file, "concurrent/futures/thread.py") && strcmp(n, "_python_exit") == 0) {
            /* The executors' exit hook joins their workers (3.6-3.8 from
             * atexit, 3.9+ from threading._shutdown); keep the join target. */
            w->kind = PC_W_SHUTDOWN;
            snprintf(w->what, sizeof w->what, "the executor workers joined at exit (concurrent.futures _python_exit)");
            snprintf(w->evidence, sizeof w->evidence, "concurrent.futures.thread._python_exit on the stack: the interpreter is exiting");
        } else if (strstr(f->file, "concurrent/futures/_base.py") &&
                   (strcmp(n, "wait") == 0 || strcmp(n, "as_completed") == 0)) {
            uint64_t waiter = pc_py_frame_local(py, f, "waiter");
            if (!waiter)
                continue;
            w->kind = PC_W_FUTURE;
            w->obj = waiter;
            w->timeout = timeout_of(py, f);
            snprintf(w->what, sizeof w->what, "futures in concurrent.futures.%s() (waiter at 0x%llx)", n,
                     (unsigned long long)waiter);
            waiter_runners(py, m, ti, waiter, w);
        } else if (strstr(f->file, "concurrent/futures/") && strcmp(n, "result") == 0) {
            w->kind = PC_W_FUTURE;
            w->obj = self;
            w->timeout = timeout_of(py, f);
            describe_object(py, t, "Future", self, w);
            future_runner(py, m, ti, self, w);
        }
    }
}

static void futex_wait(struct pc_python *py, struct pc_model *m, struct pc_diag *d, size_t ti, struct pc_wait *w)
{
    const struct pc_thread_model *t = &m->threads[ti];
    uint64_t futex = t->sys.args[0], mutex = pc_py_futex_mutex(py, &t->sys);
    if (w->kind == PC_W_NONE && pc_diag_import_lock_wait(py, m, ti, w))
        return;
    for (size_t li = 0; li < d->nlocks; li++) {
        struct pc_lockref *r = &d->locks[li];
        if (!pc_py_lock_matches_futex(&r->l, futex, mutex))
            continue;
        w->lock = li;
        if (w->kind == PC_W_NONE || w->kind == PC_W_FUTEX) {
            w->kind = PC_W_LOCK;
            w->obj = r->l.obj;
            w->timeout = t->sys.args[3] ? 1 : 0;
            snprintf(w->what, sizeof w->what, "%s%s%s%s at 0x%llx", r->l.kind == PC_LOCK_RLOCK ? "RLock" : "Lock",
                     r->name[0] ? " '" : "", r->name, r->name[0] ? "'" : "", (unsigned long long)r->l.obj);
        }
        if (!w->evidence[0])
            snprintf(w->evidence, sizeof w->evidence, "futex word 0x%llx (%s of the futex call) is the lock's %s",
                     (unsigned long long)futex, pc_arch_arg_name(&t->desc, 0),
                     r->l.mutex ? "PyMutex" : "semaphore (lock_lock)");
        return;
    }
    if (w->kind == PC_W_NONE)
        pc_diag_c_lock_wait(py, m, ti, w);
}

static void syscall_wait(const struct pc_thread_model *t, struct pc_wait *w)
{
    const struct pc_syscall *sc = &t->sys;
    static const int kinds[] = {
        [PC_SYS_RUNNING] = PC_W_RUNNING, [PC_SYS_IO] = PC_W_IO, [PC_SYS_POLL] = PC_W_IO, [PC_SYS_EPOLL] = PC_W_IO,
        [PC_SYS_SLEEP] = PC_W_SLEEP, [PC_SYS_CHILD] = PC_W_CHILD, [PC_SYS_SIGNAL] = PC_W_SIGNAL,
    };
    int kind = sc->cls >= 0 && (size_t)sc->cls < sizeof kinds / sizeof *kinds ? kinds[sc->cls] : PC_W_NONE;
    if (kind == PC_W_NONE)
        return;
    w->kind = kind;
    if (kind == PC_W_IO && (sc->flags & PC_SYS_FD0) && !sc->arg0_lost)
        snprintf(w->what, sizeof w->what, "%s() on fd %lld", sc->name, (long long)sc->args[0]);
    else if (kind == PC_W_IO)
        snprintf(w->what, sizeof w->what, "%s()", sc->name);
    else if (kind == PC_W_CHILD && sc->arg0_lost)
        snprintf(w->what, sizeof w->what, "a child process (%s; its first argument was lost to the signal)", sc->name);
    else if (kind == PC_W_CHILD)
        snprintf(w->what, sizeof w->what, "child process %lld (wait4)", (long long)(int32_t)sc->args[0]);
    else if (kind != PC_W_RUNNING)
        snprintf(w->what, sizeof w->what, "%s()", sc->name);
}

void pc_diag_waits(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    collect_locks(py, m, d);
    size_t gil_holder = SIZE_MAX;
    for (size_t i = 0; i < m->nthreads; i++)
        if (m->threads[i].gil == PC_GIL_HELD)
            gil_holder = i;
    for (size_t i = 0; i < m->nthreads; i++) {
        struct pc_thread_model *t = &m->threads[i];
        struct pc_wait *w = &d->waits[i];
        memset(w, 0, sizeof *w);
        w->lock = w->target = SIZE_MAX;
        w->timeout = -1;
        if (t->gil == PC_GIL_WAITING) {
            w->kind = PC_W_GIL;
            w->target = gil_holder;
            snprintf(w->what, sizeof w->what, "the GIL");
            snprintf(w->evidence, sizeof w->evidence, "%s", t->gil_evidence ? t->gil_evidence : "");
            continue;
        }
        semantic_wait(py, m, i, w);
        if (t->sys.cls == PC_SYS_FUTEX)
            futex_wait(py, m, d, i, w);
        else if (w->kind == PC_W_NONE)
            syscall_wait(t, w);
    }
    find_holders(py, m, d);
    for (size_t i = 0; i < m->nthreads; i++) {
        struct pc_wait *w = &d->waits[i];
        if (w->kind == PC_W_LOCK && w->lock != SIZE_MAX)
            w->target = d->locks[w->lock].holder;
    }
}
