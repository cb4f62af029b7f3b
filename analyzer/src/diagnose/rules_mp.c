/* multiprocessing from the inside: a Pool whose task was lost with its
 * worker, whose helper thread died, whose queue lock a dead worker holds;
 * a child joined while a queue it fed is unread. */
#include "diagnose/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
            pool = pc_rule_frame_object(py, &m->threads[i].py[k], is_pool_of_cache, &cache);
    return pool;
}

/* H06: a thread waits without timeout for a Pool result while the pool has
 * replaced a worker process: worker numbers beyond the pool's size, with no
 * maxtasksperchild recycling, mean a worker died, and the task it ran with it. */
/* Thread i waits without timeout for a result of a multiprocessing.Pool
 * (an ApplyResult, MapResult or IMapIterator method of pool.py on its
 * stack): the result object, its type name and its Pool; 0 otherwise. */
static uint64_t pool_result_wait(struct pc_python *py, const struct pc_model *m, const struct pc_diag *d, size_t i,
                                 uint64_t *pool_out, char *rty, size_t rlen)
{
    const struct pc_thread_model *t = &m->threads[i];
    const struct pc_wait *w = &d->waits[i];
    uint64_t result = 0, pool = 0;
    char ty[64];
    *pool_out = 0;
    if (w->timeout == 1 || (w->kind != PC_W_EVENT && w->kind != PC_W_CONDITION))
        return 0;
    for (size_t k = 0; k < t->npy; k++) {
        if (!pc_str_ends_with(t->py[k].file, "multiprocessing/pool.py"))
            continue;
        uint64_t self = pc_py_frame_local(py, &t->py[k], "self");
        if (!self || pc_py_type_name(py, self, ty, sizeof ty))
            continue;
        if (!result && (pc_str_ends_with(ty, "Result") || pc_str_ends_with(ty, "Iterator"))) {
            result = self;
            snprintf(rty, rlen, "%s", ty);
        }
        if (!pool && strcmp(ty, "Pool") == 0)
            pool = self;
    }
    if (!result)
        return 0;
    if (!pool)
        pool = pc_py_attr(py, result, "_pool");     /* 3.8+ */
    if (!pool)
        pool = pool_of_result(py, m, result);
    *pool_out = pool;
    return pool ? result : 0;
}

/* H06: a thread waits without timeout for a Pool result while the pool has
 * replaced a worker process: worker numbers beyond the pool's size, with no
 * maxtasksperchild recycling, mean a worker died, and the task it ran with it. */
void pc_rule_pool_lost(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        uint64_t pool = 0;
        char ty[64], rty[64] = "";
        uint64_t result = pool_result_wait(py, m, d, i, &pool, rty, sizeof rty);
        if (!result)
            continue;
        int64_t procs = -1, left = -1;
        size_t nworkers;
        uint64_t mtpc = pc_py_attr(py, pool, "_maxtasksperchild");
        if (pc_py_int(py, pc_py_attr(py, pool, "_processes"), &procs) || procs <= 0 || !mtpc ||
            pc_py_type_name(py, mtpc, ty, sizeof ty) || strcmp(ty, "NoneType"))
            continue;
        int64_t top = pool_top_worker(py, pool, &nworkers);
        if (top <= procs)
            continue;
        pc_py_int(py, pc_py_attr(py, result, "_number_left"), &left);
        char a[160], at[256];
        struct pc_finding *f = pc_rule_add(d, PC_P_POOL_TASK_LOST, PC_CONF_MEDIUM);
        pc_rule_with_thread(f, i);
        pc_rule_summary(f, "%s waits in %s for a multiprocessing.Pool result that will never come: a worker process of the "
                   "pool died (the pool of %lld started worker #%lld to replace it), and the task it ran was lost",
                pc_diag_thread_label(m, i, a, sizeof a), pc_rule_where(m, d, i, at, sizeof at), (long long)procs,
                (long long)top);
        if (left >= 0)
            pc_rule_ev(f, "%s at 0x%llx: _number_left = %lld task%s without a result", rty, (unsigned long long)result,
               (long long)left, left == 1 ? "" : "s");
        pc_rule_ev(f, "pool._processes = %lld, _maxtasksperchild = None (no recycling); pool._pool: %zu worker%s numbered "
              "up to %lld (Process._identity): %lld worker%s replaced",
           (long long)procs, nworkers, nworkers == 1 ? "" : "s", (long long)top, (long long)(top - procs),
           top - procs == 1 ? "" : "s");
        pc_rule_ev(f, "inferred: which task the dead worker ran is not recorded in this process; its exit status is not in the core");
        pc_rule_describe_wait(f, m, d, i);
        return;
    }
}

/* pool._state as a word: "RUN", "CLOSE", "TERMINATE" (3.8+ strings,
 * before that the ints 0, 1, 2). */
static const char *pool_state(struct pc_python *py, uint64_t pool, char *buf, size_t n)
{
    static const char *const names[] = {"RUN", "CLOSE", "TERMINATE"};
    uint64_t v = pc_py_attr(py, pool, "_state");
    int64_t k;
    if (pc_py_str(py, v, buf, n) == 0)
        return buf;
    if (pc_py_int(py, v, &k) == 0 && k >= 0 && k < 3)
        return snprintf(buf, n, "%s", names[k]), buf;
    return snprintf(buf, n, "?"), buf;
}

/* A thread waits for a Pool result while one of the pool's own helper
 * threads (_worker_handler, _task_handler, _result_handler) has ended
 * although the pool still runs: its Thread object's ident is no thread of
 * the process.  A helper that raised (a result whose unpickling fails in
 * the result handler, bpo-28699-style errors in the task handler) ends
 * that way, and with it the pool's plumbing: results are never collected,
 * tasks never handed out, dead workers never replaced. */
void pc_rule_pool_helper(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    static const char *const helpers[][2] = {
        {"_result_handler", "collects the workers' results"},
        {"_task_handler", "hands the tasks to the workers"},
        {"_worker_handler", "replaces workers that exited"},
    };
    for (size_t i = 0; i < m->nthreads; i++) {
        uint64_t pool = 0;
        char rty[64] = "", st[32];
        uint64_t result = pool_result_wait(py, m, d, i, &pool, rty, sizeof rty);
        if (!result)
            continue;
        pool_state(py, pool, st, sizeof st);
        int64_t cached = -1, left = -1;
        pc_py_len(py, pc_py_attr(py, pool, "_cache"), &cached);
        for (size_t h = 0; h < sizeof helpers / sizeof *helpers; h++) {
            uint64_t th = pc_py_attr(py, pool, helpers[h][0]);
            int64_t ident = 0;
            char tname[96] = "", a[160], at[256];
            int v2 = py->version < 0x03000000;
            if (!th || pc_py_int(py, pc_py_attr(py, th, v2 ? "_Thread__ident" : "_ident"), &ident) || !ident ||
                pc_diag_thread_by_ident(m, (uint64_t)ident) != SIZE_MAX)
                continue;
            /* After close() the task handler ends by design; the result
             * handler ends only once no result is pending. */
            if (strcmp(st, "RUN") && !(h == 0 && cached > 0 && strcmp(st, "TERMINATE")))
                continue;
            pc_py_str(py, pc_py_attr(py, th, v2 ? "_Thread__name" : "_name"), tname, sizeof tname);
            pc_py_int(py, pc_py_attr(py, result, "_number_left"), &left);
            struct pc_finding *f = pc_rule_add(d, PC_P_POOL_HELPER_DIED, PC_CONF_HIGH);
            pc_rule_with_thread(f, i);
            pc_rule_summary(f, "%s waits in %s for a multiprocessing.Pool result, but the pool's %s thread%s%s%s, which %s, "
                       "has ended while the pool runs: the result never comes",
                    pc_diag_thread_label(m, i, a, sizeof a), pc_rule_where(m, d, i, at, sizeof at), helpers[h][0] + 1,
                    tname[0] ? " '" : "", tname, tname[0] ? "'" : "", helpers[h][1]);
            pc_rule_ev(f, "pool.%s: Thread%s%s%s with ident 0x%llx, which is no thread of this process (it ended; "
                          "an exception in it was printed to stderr)",
               helpers[h][0], tname[0] ? " '" : "", tname, tname[0] ? "'" : "", (unsigned long long)ident);
            pc_rule_ev(f, "pool._state = %s%s", st, strcmp(st, "RUN") ? "" : ": the pool was neither closed nor terminated");
            if (cached >= 0)
                pc_rule_ev(f, "pool._cache: %lld pending result%s", (long long)cached, cached == 1 ? "" : "s");
            if (left >= 0)
                pc_rule_ev(f, "%s at 0x%llx: _number_left = %lld", rty, (unsigned long long)result, (long long)left);
            pc_rule_describe_wait(f, m, d, i);
            return;
        }
    }
}

/* A thread waits for Pool results while the pool's task-queue lock
 * (_inqueue._rlock, a SemLock every worker takes to read the task pipe)
 * is taken and every live worker of the pool is among its waiters: its
 * holder is no live worker.  The parent never takes that lock, and a
 * worker that dies holding a SemLock never releases it, so the tasks in
 * the pipe are never read.  Worker numbers say the pool replaced a worker. */
void pc_rule_mp_lock_orphaned(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        uint64_t pool = 0;
        char rty[64] = "";
        uint64_t result = pool_result_wait(py, m, d, i, &pool, rty, sizeof rty);
        if (!result)
            continue;
        struct pc_semlock s;
        int64_t procs = -1, left = -1;
        size_t nworkers = 0;
        uint64_t inq = pc_py_attr(py, pool, "_inqueue");
        if (pc_py_semlock(py, pc_py_attr(py, inq, "_rlock"), &s) || !s.sem_read || s.value != 0 ||
            pc_py_int(py, pc_py_attr(py, pool, "_processes"), &procs) || procs <= 0)
            continue;
        int64_t top = pool_top_worker(py, pool, &nworkers);
        if (top <= procs || !nworkers || s.nwaiters < nworkers)
            continue;
        pc_py_int(py, pc_py_attr(py, result, "_number_left"), &left);
        char a[160], at[256], desc[256];
        struct pc_finding *f = pc_rule_add(d, PC_P_MP_LOCK_ORPHANED, PC_CONF_MEDIUM);
        pc_rule_with_thread(f, i);
        pc_rule_summary(f, "%s waits in %s for a multiprocessing.Pool result, but no worker can take a task: the pool's "
                   "task-queue lock (_inqueue._rlock) is held by a worker process that died (the pool of %lld started "
                   "worker #%lld to replace it), and all %zu live worker%s wait for that lock",
                pc_diag_thread_label(m, i, a, sizeof a), pc_rule_where(m, d, i, at, sizeof at), (long long)procs,
                (long long)top, nworkers, nworkers == 1 ? "" : "s");
        pc_semlock_describe(&s, desc, sizeof desc);
        pc_rule_ev(f, "pool._inqueue._rlock: %s", desc);
        pc_rule_ev(f, "the semaphore is taken and has %u waiter%s, no fewer than the pool's %zu live worker%s "
                      "(pool._pool): none of them holds it, and the parent never takes it",
           s.nwaiters, s.nwaiters == 1 ? "" : "s", nworkers, nworkers == 1 ? "" : "s");
        pc_rule_ev(f, "pool._processes = %lld; workers numbered up to %lld (Process._identity): %lld worker%s replaced",
           (long long)procs, (long long)top, (long long)(top - procs), top - procs == 1 ? "" : "s");
        if (left >= 0)
            pc_rule_ev(f, "%s at 0x%llx: _number_left = %lld task%s without a result", rty, (unsigned long long)result,
               (long long)left, left == 1 ? "" : "s");
        pc_rule_ev(f, "inferred: a worker killed while reading the task pipe (idle workers do, holding the lock) left "
                      "the SemLock taken; a killed waiter also stays counted in the sem_t's waiters");
        pc_rule_describe_wait(f, m, d, i);
        return;
    }
}

struct type_name {
    char *buf;
    size_t len;
};

/* queue.Queue has no pipe end: _reader tells a multiprocessing queue. */
static int is_mp_queue(struct pc_python *py, uint64_t obj, void *arg)
{
    struct type_name *ty = arg;
    return pc_py_type_name(py, obj, ty->buf, ty->len) == 0 && pc_str_ends_with(ty->buf, "Queue") &&
           pc_py_attr(py, obj, "_reader");
}

/* A search for a multiprocessing queue over named bindings: the first
 * found, where it was found ("global chunks of __main__"), and how many
 * more bindings may still be looked at (every walk is bounded). */
struct mpq_search {
    struct type_name tn;
    uint64_t found;
    char where[192];
    const char *prefix;     /* "global ", "attribute ", ... */
    const char *owner;      /* " of __main__", " of the joined process" */
    size_t left;
};

static int mpq_binding_cb(struct pc_python *py, uint64_t key, uint64_t value, void *arg)
{
    struct mpq_search *s = arg;
    char name[96] = "?";
    if (s->left == 0)
        return 1;
    s->left--;
    if (!value || !is_mp_queue(py, value, &s->tn))
        return 0;
    if (key)
        pc_py_str(py, key, name, sizeof name);
    s->found = value;
    snprintf(s->where, sizeof s->where, "%s%s%s", s->prefix, name, s->owner);
    return 1;
}

/* The queue among the joined process's attributes (a Process subclass
 * that keeps its queue), or among its target's arguments where start()
 * keeps them (2.7, 3.6: _args, _kwargs). */
static uint64_t mp_queue_of_process(struct pc_python *py, uint64_t proc, struct mpq_search *s)
{
    uint64_t items[16];
    size_t n = 0;
    s->prefix = "attribute ";
    s->owner = " of the joined process";
    pc_py_attr_each(py, proc, mpq_binding_cb, s);
    if (s->found)
        return s->found;
    if (pc_py_tuple(py, pc_py_attr(py, proc, "_args"), items, 16, &n) == 0)
        for (size_t k = 0; k < n && s->left; k++, s->left--)
            if (items[k] && is_mp_queue(py, items[k], &s->tn)) {
                snprintf(s->where, sizeof s->where, "argument %zu of the joined process's target (_args)", k + 1);
                return s->found = items[k];
            }
    s->prefix = "keyword argument ";
    s->owner = " of the joined process's target (_kwargs)";
    pc_py_dict_each(py, pc_py_attr(py, proc, "_kwargs"), mpq_binding_cb, s);
    return s->found;
}

struct mpq_modules {
    struct mpq_search *s;
    size_t modules_left;
    char owner[128];
};

static int mpq_module_cb(struct pc_python *py, uint64_t key, uint64_t value, void *arg)
{
    struct mpq_modules *w = arg;
    char name[96];
    uint64_t g;
    if (w->modules_left == 0 || w->s->left == 0)
        return 1;
    w->modules_left--;
    if (!key || pc_py_str(py, key, name, sizeof name) || strcmp(name, "__main__") == 0 ||
        !(g = pc_py_module_dict(py, value)))
        return 0;
    snprintf(w->owner, sizeof w->owner, " of module %s", name);
    w->s->owner = w->owner;
    size_t cap = w->s->left, left = cap < 512 ? cap : 512;   /* no one module takes the whole budget */
    w->s->left = left;
    pc_py_dict_each(py, g, mpq_binding_cb, w->s);
    w->s->left = cap - (left - w->s->left);
    return w->s->found != 0;
}

/* A queue in the module globals of the program: __main__ first, then every
 * module of sys.modules (the exit hook joins every child, whatever code
 * started it). */
static uint64_t mp_queue_of_modules(struct pc_python *py, struct mpq_search *s)
{
    s->prefix = "global ";
    s->owner = " of __main__";
    pc_py_dict_each(py, pc_py_module_dict(py, pc_py_module(py, "__main__")), mpq_binding_cb, s);
    if (s->found)
        return s->found;
    struct mpq_modules w = {s, 2048, ""};
    pc_py_dict_each(py, pc_py_modules(py), mpq_module_cb, &w);
    return s->found;
}

/* A multiprocessing queue the thread can reach: in a frame or in its
 * module's globals (Process.start() drops the child's _args). */
static uint64_t mp_queue_of_thread(struct pc_python *py, const struct pc_thread_model *t, struct mpq_search *s)
{
    uint64_t seen[8];
    size_t nseen = 0;
    for (size_t k = 0; k < t->npy; k++) {
        uint64_t q = pc_rule_frame_object(py, &t->py[k], is_mp_queue, &s->tn);
        if (q) {
            snprintf(s->where, sizeof s->where, "a variable of %s", t->py[k].name);
            return s->found = q;
        }
        uint64_t g = pc_py_frame_globals(py, &t->py[k]);
        int dup = !g;
        for (size_t x = 0; x < nseen && !dup; x++)
            dup = seen[x] == g;
        if (dup || nseen == 8)
            continue;
        seen[nseen++] = g;
        s->prefix = "global ";
        s->owner = " of the joining code's module";
        pc_py_dict_each(py, g, mpq_binding_cb, s);
        if (s->found)
            return s->found;
    }
    return 0;
}

/* H05: a thread joins a child process that was handed a multiprocessing
 * queue, and no thread of this process reads that queue.  The join is in
 * the joining code, or in multiprocessing's exit hook (util._exit_function
 * joins every non-daemon child when the program ends): then the queue is
 * wherever the program keeps it, a module global or the process object. */
void pc_rule_mp_queue_join(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        const struct pc_thread_model *t = &m->threads[i];
        if (d->waits[i].kind != PC_W_CHILD)
            continue;
        for (size_t k = 0; k < t->npy; k++) {
            if (strcmp(t->py[k].name, "join") || !pc_str_ends_with(t->py[k].file, "multiprocessing/process.py"))
                continue;
            uint64_t proc = pc_py_frame_local(py, &t->py[k], "self");
            uint64_t timeout = pc_py_frame_local(py, &t->py[k], "timeout");
            char ty[64], qty[64], name[96] = "";
            if (!proc || (timeout && (pc_py_type_name(py, timeout, ty, sizeof ty) || strcmp(ty, "NoneType"))))
                break;
            int at_exit = pc_rule_has_frame(t, "multiprocessing/util.py", "_exit_function");
            struct mpq_search s = {.tn = {qty, sizeof qty}, .left = 20000};
            uint64_t q = mp_queue_of_thread(py, t, &s);
            if (!q)
                q = mp_queue_of_process(py, proc, &s);
            if (!q && at_exit)
                q = mp_queue_of_modules(py, &s);
            if (!q)
                break;
            /* A read end closed in this process (Queue.close()) breaks the
             * child's write instead of blocking it. */
            uint64_t reader = pc_py_attr(py, q, "_reader"), handle = pc_py_attr(py, reader, "_handle");
            int64_t fd = -1;
            if (handle && pc_py_int(py, handle, &fd))
                break;
            /* Queue and JoinableQueue: put() takes the queue's bounded
             * semaphore (shared with the children), get() gives it back;
             * a taken count is what was put and not yet read.  None taken:
             * the child has put nothing unread (still working). */
            struct pc_semlock sem;
            int64_t unread = -1;
            if (pc_py_semlock(py, pc_py_attr(py, q, "_sem"), &sem) == 0 && sem.sem_read && sem.maxvalue > 0 &&
                sem.value <= (uint32_t)sem.maxvalue) {
                unread = sem.maxvalue - (int64_t)sem.value;
                if (unread == 0)
                    break;
            }
            for (size_t j = 0; j < m->nthreads; j++)
                if (pc_rule_has_frame(&m->threads[j], "multiprocessing/queues.py", "get"))
                    return;   /* someone reads: not this deadlock */
            pc_py_str(py, pc_py_attr(py, proc, "_name"), name, sizeof name);
            int64_t pid = -1;
            uint64_t popen = pc_py_attr(py, proc, "_popen"), rc = pc_py_attr(py, popen, "returncode");
            pc_py_int(py, pc_py_attr(py, popen, "pid"), &pid);
            char a[160], at[256];
            struct pc_finding *f = pc_rule_add(d, PC_P_MP_QUEUE_JOIN_DEADLOCK, PC_CONF_MEDIUM);
            pc_rule_with_thread(f, i);
            if (at_exit)
                pc_rule_summary(f, "%s joins child process %lld%s%s%s at exit (multiprocessing's exit hook) while a "
                           "multiprocessing %s of the program is unread: a child that put more than a pipe buffer "
                           "into it cannot exit until the data is read",
                        pc_diag_thread_label(m, i, a, sizeof a), (long long)pid, name[0] ? " ('" : "", name,
                        name[0] ? "')" : "", qty);
            else
                pc_rule_summary(f, "%s joins child process %lld%s%s%s in %s while a multiprocessing %s it holds is unread: a "
                           "child that put more than a pipe buffer into it cannot exit until the data is read",
                        pc_diag_thread_label(m, i, a, sizeof a), (long long)pid, name[0] ? " ('" : "", name,
                        name[0] ? "')" : "", pc_rule_where(m, d, i, at, sizeof at), qty);
            pc_rule_ev(f, "%s.join(timeout=None) on the stack; the process waits in wait4 for pid %lld", name[0] ? name : "Process",
               (long long)(int32_t)t->sys.args[0]);
            if (rc && pc_py_type_name(py, rc, ty, sizeof ty) == 0 && strcmp(ty, "NoneType") == 0)
                pc_rule_ev(f, "%s._popen.returncode = None: the child has not exited", name[0] ? name : "Process");
            if (at_exit)
                pc_rule_ev(f, "the join is multiprocessing.util._exit_function's, called when the program ends: it "
                              "joins every non-daemon child process");
            if (strncmp(s.where, "a variable of ", 14) == 0)
                pc_rule_ev(f, "the joining code holds %s at 0x%llx (%s; a multiprocessing queue: it has a pipe end, _reader)",
                   qty, (unsigned long long)q, s.where);
            else
                pc_rule_ev(f, "%s at 0x%llx is %s (a multiprocessing queue: it has a pipe end, _reader)", qty,
                   (unsigned long long)q, s.where);
            if (fd >= 0)
                pc_rule_ev(f, "its read end (_reader, fd %lld) is open in this process", (long long)fd);
            if (unread > 0)
                pc_rule_ev(f, "%s._sem (the semaphore put() takes and get() gives back, shared with the children): "
                              "%lld item%s put and not read", qty, (long long)unread, unread == 1 ? "" : "s");
            pc_rule_ev(f, "no thread of this process is in %s.get()", qty);
            pc_rule_ev(f, "inferred: whether the child filled the pipe is in the child's memory, not in this core");
            return;
        }
    }
}
