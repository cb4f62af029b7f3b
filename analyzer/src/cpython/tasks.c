/* asyncio tasks from memory: where each version keeps them, what each
 * runs (its coroutine chain, innermost frame first) and what it awaits.
 *
 * Registries: asyncio.tasks._all_tasks (3.7-3.11, a WeakSet),
 * _scheduled_tasks (WeakSet) and _eager_tasks (set) from 3.12, and from
 * 3.14 the per-thread lists of C tasks (_PyThreadStateImpl's
 * asyncio_tasks_head, and the interpreter's for threads that exited),
 * described by the _asyncio module's _AsyncioDebug.  A coroutine awaits
 * what is on top of its frame's value stack when it is suspended in an
 * await (CPython's _PyGen_yf, per version below). */
#include "cpython/model.h"

#include <stdlib.h>
#include <string.h>

#define OFF(f) ((uint64_t)(int64_t)py->L->f)
#define MAX_CHAIN 64                /* coroutines awaiting coroutines, per task */
#define YIELD_FROM_OP 72            /* 3.6-3.10 */
#define RESUME_311 151              /* 3.11, 3.12; RESUME_QUICK 150 (3.11), INSTRUMENTED_RESUME 240 (3.12) */

struct task_off {
    int64_t loop, state, exception, callback0, callbacks, waiter, coro, name, node, ts_head, is_head;
};

struct acc {
    struct pc_python *py;
    struct task_off o;
    struct pc_task_model *v;
    size_t n, cap;
    int truncated;
    uint64_t *set;              /* addresses offered so far (open addressing) */
    size_t set_cap, set_n;
};

/* Has addr been offered before?  Records it if not.  A task can sit in
 * two registries at once (3.12+: _eager_tasks and _scheduled_tasks). */
static int seen(struct acc *a, uint64_t addr)
{
    if (2 * (a->set_n + 1) > a->set_cap) {
        size_t cap = a->set_cap ? 2 * a->set_cap : 1024;
        uint64_t *set = calloc(cap, sizeof *set);
        if (!set)
            return 1;
        for (size_t i = 0; i < a->set_cap; i++)
            for (size_t h = a->set[i] * 0x9e3779b97f4a7c15ull >> 20; a->set[i]; h++)
                if (!set[h & (cap - 1)]) {
                    set[h & (cap - 1)] = a->set[i];
                    break;
                }
        free(a->set);
        a->set = set;
        a->set_cap = cap;
    }
    for (size_t h = addr * 0x9e3779b97f4a7c15ull >> 20;; h++) {
        uint64_t *e = &a->set[h & (a->set_cap - 1)];
        if (*e == addr)
            return 1;
        if (!*e) {
            *e = addr;
            a->set_n++;
            return 0;
        }
    }
}

static int64_t field(int32_t f)
{
    return f == PC_NO_FIELD ? -1 : f;
}

/* 3.14+: _AsyncioDebug, 13 words: the task object (size, name,
 * awaited_by, is_task, awaited_by_is_set, coro, node), the interpreter
 * (size, tasks_head), the thread state (size, running_loop, running_task,
 * tasks_head).  Every offset must lie inside the size its section gives. */
static int asyncio_debug(struct pc_python *py, struct task_off *o)
{
    uint64_t w[13], addr, size = sizeof w;
    if (!py->n || (pc_native_section(py->n, ".AsyncioDebug", NULL, &addr, &size) &&
                   pc_native_symbol(py->n, "_AsyncioDebug", NULL, &addr)) ||
        size < sizeof w || pc_read(py->t, addr, w, sizeof w))
        return -1;
    static const int sect[3][2] = {{0, 7}, {7, 2}, {9, 4}};   /* first word, words */
    for (int s = 0; s < 3; s++) {
        uint64_t size = w[sect[s][0]];
        if (size < 16 || size > (16u << 20))   /* PyInterpreterState: hundreds of KB */
            return -1;
        for (int k = 1; k < sect[s][1]; k++)
            if (w[sect[s][0] + k] + 8 > size)
                return -1;
    }
    if (w[5] < 8 || w[2] + 12 > w[0])
        return -1;
    o->name = (int64_t)w[1];
    o->coro = (int64_t)w[5];
    o->waiter = (int64_t)w[5] - 8;      /* task_fut_waiter precedes task_coro */
    o->state = (int64_t)w[2] + 8;       /* fut_state follows the awaited_by pointer */
    o->loop = py->L->ob_head_size;      /* the first member */
    o->callback0 = o->loop + 8;         /* loop, callback0, context0, callbacks, exception */
    o->callbacks = o->loop + 24;
    o->exception = o->loop + 32;
    o->node = (int64_t)w[6];
    o->is_head = (int64_t)w[8];
    o->ts_head = (int64_t)w[12];
    return 0;
}

static int type_name(struct pc_python *py, uint64_t obj, char *out, size_t max)
{
    return pc_py_type_name(py, obj, out, max) == 0 && out[0] ? 0 : -1;
}

static int is_gen_type(const char *t)
{
    return !strcmp(t, "coroutine") || !strcmp(t, "generator") || !strcmp(t, "async_generator");
}

/* gi_frame_state: 3.11-3.12 CREATED -2, SUSPENDED -1, EXECUTING 0, ...;
 * 3.13-3.14 CREATED -3, SUSPENDED -2, SUSPENDED_YIELD_FROM -1, ...; 3.15
 * counts up: CREATED 0, SUSPENDED 1, SUSPENDED_YIELD_FROM 2 (and _LOCKED
 * 3), EXECUTING 4, CLEARED 5. */
static int suspended(const struct pc_python *py, int8_t st)
{
    if (py->version >= 0x030f0000)
        return st >= 1 && st <= 3;
    return py->version >= 0x030d0000 ? st == -2 || st == -1 : st == -1;
}

/* 3.13+: suspended inside an await (yield from), by the state alone. */
static int in_yield_from(const struct pc_python *py, int8_t st)
{
    return py->version >= 0x030f0000 ? st == 2 || st == 3 : st == -1;
}

/* The frame of a coroutine or generator, 0 if it has none (finished). */
static uint64_t gen_frame(struct pc_python *py, uint64_t gen, int8_t *state)
{
    *state = 0;
    if (py->L->gen_iframe != PC_NO_FIELD) {
        if (pc_read(py->t, gen + OFF(gen_frame_state), state, 1) || !suspended(py, *state))
            return 0;                   /* not started, running, completed or cleared */
        return gen + OFF(gen_iframe);
    }
    uint64_t f = 0;
    if (py->L->gen_frame == PC_NO_FIELD || pc_read_ptr(py->t, gen + OFF(gen_frame), &f))
        return 0;
    return f;
}

/* What a suspended coroutine awaits (_PyGen_yf), 0 if none. */
static uint64_t gen_awaits(struct pc_python *py, int8_t state, const struct pc_py_frame *pf)
{
    if (py->version >= 0x030d0000) {
        if (!in_yield_from(py, state))
            return 0;
    } else if (py->version >= 0x030b0000) {
        uint64_t prev;
        uint8_t next[2];
        if (state != -1 || pc_read_ptr(py->t, pf->addr + OFF(if_instr), &prev) || pc_read(py->t, prev + 2, next, 2))
            return 0;
        int resume = next[0] == RESUME_311 || (py->version < 0x030c0000 ? next[0] == 150 : next[0] == 240);
        if (!resume || next[1] < 2)         /* RESUME after yield from / await */
            return 0;
    } else {
        /* <= 3.10: the instruction after the last one run is YIELD_FROM. */
        uint64_t code_bytes;
        uint8_t op;
        if (pf->lasti < 0 || py->L->co_code == PC_NO_FIELD || pc_read_ptr(py->t, pf->code + OFF(co_code), &code_bytes) ||
            pc_read(py->t, code_bytes + OFF(b_sval) + (uint64_t)pf->lasti + 2, &op, 1) || op != YIELD_FROM_OP)
            return 0;
    }
    uint64_t top[2];
    size_t n = pc_py_frame_stack(py, pf, top, 2);
    if (!n)
        return 0;
    /* 3.15 keeps a NULL stack ref above the awaitable */
    return top[n - 1] || n < 2 ? top[n - 1] : top[0];
}

/* The coroutine chain from coro down; frames innermost first, and what the
 * innermost coroutine awaits. */
static void chain(struct pc_python *py, struct pc_py_code_cache *cc, uint64_t coro, struct pc_task_model *t)
{
    struct pc_py_frame fr[MAX_CHAIN];
    size_t n = 0;
    uint64_t seen[MAX_CHAIN];
    char ty[64];
    while (coro && n < MAX_CHAIN) {
        for (size_t k = 0; k < n; k++)
            if (seen[k] == coro)
                goto done;              /* a cycle */
        if (type_name(py, coro, ty, sizeof ty) || !is_gen_type(ty)) {
            t->awaits = coro;
            snprintf(t->awaits_type, sizeof t->awaits_type, "%s", ty);
            break;
        }
        int8_t state;
        uint64_t f = gen_frame(py, coro, &state);
        if (!f || pc_py_frame_at(py, cc, f, &fr[n]))
            break;
        seen[n] = coro;
        uint64_t next = gen_awaits(py, state, &fr[n]);
        n++;
        coro = next;
    }
done:
    t->py = calloc(n ? n : 1, sizeof *t->py);
    if (!t->py)
        return;
    for (size_t k = 0; k < n; k++)
        t->py[k] = fr[n - 1 - k];
    t->npy = n;
}

const char *pc_task_wait_name(int kind)
{
    static const char *const names[] = {
#define PC_TW_NAME(id, name) name,
        PC_TASK_WAITS(PC_TW_NAME)
#undef PC_TW_NAME
    };
    return kind >= 0 && (size_t)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

/* An asyncio synchronization primitive (by its type name and its
 * _waiters attribute): a Condition stands for its underlying lock. */
static uint64_t lock_like(struct pc_python *py, uint64_t obj, char *ty, size_t tn)
{
    if (!obj || pc_py_type_name(py, obj, ty, tn))
        return 0;
    /* threading's locks: a plain `with` in a coroutine holds one across
     * its awaits (the loop thread is then its holder) */
    if (!strcmp(ty, "_thread.lock") || !strcmp(ty, "_thread.RLock"))
        return obj;
    if (!strcmp(ty, "Condition")) {
        uint64_t lock = pc_py_attr(py, obj, "_lock");
        return lock && pc_py_type_name(py, lock, ty, tn) == 0 && !strcmp(ty, "Lock") ? lock : 0;
    }
    if (strcmp(ty, "Lock") && strcmp(ty, "Semaphore") && strcmp(ty, "BoundedSemaphore"))
        return 0;
    return pc_py_attr(py, obj, "_waiters") || pc_py_attr(py, obj, "_value") || pc_py_attr(py, obj, "_locked") ? obj : 0;
}

/* What the task waits on (its innermost frame inside asyncio), and the
 * locks its frames hold through `async with`. */
static void waits_and_holds(struct pc_python *py, struct pc_task_model *t)
{
    static const struct { const char *file, *func, *type; int kind; } waits[] = {
        {"asyncio/locks.py", "acquire", "Lock", PC_TW_LOCK},
        {"asyncio/locks.py", "acquire", "Semaphore", PC_TW_SEMAPHORE},
        {"asyncio/locks.py", "acquire", "BoundedSemaphore", PC_TW_SEMAPHORE},
        {"asyncio/locks.py", "wait", "Event", PC_TW_EVENT},
        {"asyncio/locks.py", "wait", "Condition", PC_TW_CONDITION},
        {"asyncio/queues.py", "get", NULL, PC_TW_QUEUE_GET},
        {"asyncio/queues.py", "put", NULL, PC_TW_QUEUE_PUT},
        {"asyncio/tasks.py", "sleep", NULL, PC_TW_SLEEP},
    };
    t->wait = t->awaits_task != SIZE_MAX ? PC_TW_TASK : t->awaits ? PC_TW_FUTURE : PC_TW_NONE;
    t->wait_frame = SIZE_MAX;
    for (size_t k = 0; k < t->npy && t->wait_frame == SIZE_MAX; k++)
        for (size_t w = 0; w < sizeof waits / sizeof *waits; w++) {
            if (!pc_str_ends_with(t->py[k].file, waits[w].file) || strcmp(t->py[k].name, waits[w].func))
                continue;
            uint64_t self = pc_py_frame_local(py, &t->py[k], "self");
            char ty[64] = "";
            if (waits[w].type && (!self || pc_py_type_name(py, self, ty, sizeof ty) || strcmp(ty, waits[w].type)))
                continue;
            t->wait = waits[w].kind;
            t->wait_obj = self;
            t->wait_frame = k;
            t->wait_locked = -1;
            uint64_t locked = t->wait == PC_TW_LOCK ? pc_py_attr(py, self, "_locked") : 0;
            char bt[16];
            if (locked && pc_py_type_name(py, locked, bt, sizeof bt) == 0 && !strcmp(bt, "bool")) {
                int64_t v;
                if (pc_py_int(py, locked, &v) == 0)
                    t->wait_locked = v != 0;
            }
            if (self)
                pc_py_type_name(py, self, t->wait_type, sizeof t->wait_type);
            break;
        }
    uint64_t slots[64];
    for (size_t k = 0; k < t->npy; k++) {
        size_t n = pc_py_frame_stack(py, &t->py[k], slots, 64);
        for (size_t i = 0; i < n && t->nholds < PC_TASK_HOLDS; i++) {
            char ty[64];
            uint64_t obj = slots[i], self;
            if (obj && pc_py_type_name(py, obj, ty, sizeof ty) == 0 && !strcmp(ty, "method") &&
                pc_read_ptr(py->t, obj + OFF(meth_self), &self) == 0)
                obj = self;         /* <= 3.13: the bound __aexit__ */
            else if (obj && !strcmp(ty, "builtin_function_or_method") &&
                     pc_read_ptr(py->t, obj + OFF(cf_self), &self) == 0)
                obj = self;         /* a C lock's bound __exit__ */
            uint64_t lock = lock_like(py, obj, ty, sizeof ty);
            if (!lock || (lock == t->wait_obj && t->wait_frame != SIZE_MAX && k > t->wait_frame))
                continue;           /* entering that `async with`: waiting for it, not holding it */
            char name[80];
            snprintf(name, sizeof name, "%s.%s", strncmp(ty, "_thread.", 8) ? "asyncio" : "threading",
                     strncmp(ty, "_thread.", 8) ? ty : !strcmp(ty + 8, "lock") ? "Lock" : ty + 8);
            pc_hold_add(t->holds, &t->nholds, lock, k, name);
        }
    }
}

static int state_of(struct pc_python *py, uint64_t task, int c_task, const struct task_off *o)
{
    if (c_task) {
        int32_t st;
        if (o->state < 0 || pc_read(py->t, task + (uint64_t)o->state, &st, 4) || st < 0 || st > 2)
            return -1;
        return st;
    }
    char s[16];
    uint64_t v = pc_py_attr(py, task, "_state");
    if (!v || pc_py_str(py, v, s, sizeof s))
        return -1;
    return !strcmp(s, "PENDING") ? 0 : !strcmp(s, "CANCELLED") ? 1 : !strcmp(s, "FINISHED") ? 2 : -1;
}

static void add(struct acc *a, uint64_t task, struct pc_py_code_cache *cc)
{
    struct pc_python *py = a->py;
    if (!task || seen(a, task))
        return;
    if (a->n >= PC_MAX_TASKS) {
        a->truncated = 1;
        return;
    }
    char ty[64];
    if (!task || type_name(py, task, ty, sizeof ty))
        return;
    uint64_t coro = 0, name = 0, waiter = 0, loop = 0, exc = 0;
    int c_task = 0;
    uint64_t pycoro = pc_py_attr(py, task, "_coro");
    if (pycoro) {
        coro = pycoro;
        name = pc_py_attr(py, task, "_name");
        waiter = pc_py_attr(py, task, "_fut_waiter");
        loop = pc_py_attr(py, task, "_loop");
        exc = pc_py_attr(py, task, "_exception");
    } else if (a->o.coro >= 0) {
        /* _asyncio.Task or a subclass: its coroutine slot must hold one. */
        char ct[64];
        if (pc_read_ptr(py->t, task + (uint64_t)a->o.coro, &coro) || type_name(py, coro, ct, sizeof ct) ||
            !is_gen_type(ct))
            return;
        c_task = 1;
        if (a->o.name >= 0)
            pc_read_ptr(py->t, task + (uint64_t)a->o.name, &name);
        if (a->o.waiter >= 0)
            pc_read_ptr(py->t, task + (uint64_t)a->o.waiter, &waiter);
        if (a->o.loop >= 0)
            pc_read_ptr(py->t, task + (uint64_t)a->o.loop, &loop);
        if (a->o.exception >= 0)
            pc_read_ptr(py->t, task + (uint64_t)a->o.exception, &exc);
    } else
        return;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        struct pc_task_model *v = realloc(a->v, cap * sizeof *v);
        if (!v) {
            a->truncated = 1;
            return;
        }
        a->v = v;
        a->cap = cap;
    }
    struct pc_task_model *t = &a->v[a->n++];
    memset(t, 0, sizeof *t);
    t->addr = task;
    t->c_task = c_task;
    snprintf(t->type, sizeof t->type, "%s", ty);
    t->state = state_of(py, task, c_task, &a->o);
    char et[64];
    if (t->state == 2 && exc && type_name(py, exc, et, sizeof et) == 0 && strcmp(et, "NoneType"))
        snprintf(t->exception, sizeof t->exception, "%s", et);
    t->loop = loop;
    t->thread = t->awaits_task = SIZE_MAX;
    /* 3.6, 3.7: no name; asyncio numbers its tasks Task-N from 3.8, and
     * from 3.12 keeps only N until the name is asked for. */
    int64_t num;
    if (name && pc_py_str(py, name, t->name, sizeof t->name) && pc_py_int(py, name, &num) == 0)
        snprintf(t->name, sizeof t->name, "Task-%lld", (long long)num);
    chain(py, cc, coro, t);
    if (waiter && waiter != t->awaits) {
        /* The future a task waits for is what its innermost coroutine
         * awaits through Future.__await__ (an iterator over it). */
        t->awaits = waiter;
        type_name(py, waiter, t->awaits_type, sizeof t->awaits_type);
    }
}

struct set_walk {
    struct acc *a;
    struct pc_py_code_cache *cc;
    int weak;
};

/* A key of a task registry (a WeakSet's 'data' holds weak references). */
static int set_task(struct pc_python *py, uint64_t key, void *arg)
{
    struct set_walk *w = arg;
    uint64_t obj = key;
    if (!w->weak || pc_read_ptr(py->t, key + OFF(wr_object), &obj) == 0)
        add(w->a, obj, w->cc);
    return 0;
}

/* A 3.14 task list: a circular list of llist_nodes through head. */
static void list_each(struct pc_python *py, uint64_t head, struct set_walk *w)
{
    uint64_t node;
    if (pc_read_ptr(py->t, head, &node))
        return;
    for (size_t k = 0; node && node != head && k < PC_MAX_TASKS; k++) {
        add(w->a, node - (uint64_t)w->a->o.node, w->cc);
        if (pc_read_ptr(py->t, node, &node))
            return;
    }
}

static int ts_lists(struct pc_python *py, uint64_t tstate, void *arg)
{
    struct set_walk *w = arg;
    list_each(py, tstate + (uint64_t)w->a->o.ts_head, w);
    return 0;
}

static int interp_lists(struct pc_python *py, uint64_t interp, void *arg)
{
    struct set_walk *w = arg;
    list_each(py, interp + (uint64_t)w->a->o.is_head, w);
    return 0;
}

/* The concurrent.futures.Future an asyncio future was chained to
 * (asyncio.wrap_future: run_in_executor, to_thread): the source future sits
 * in the closure of the destination's first done-callback
 * (_chain_future's _call_check_cancel).  0 if none. */
static uint64_t executor_source(struct pc_python *py, const struct task_off *o, uint64_t fut)
{
    uint64_t cbs[9], items[8], list = 0;
    size_t n = 0, nl = 0;
    char ty[64];
    if (!fut || type_name(py, fut, ty, sizeof ty))
        return 0;
    if (!strcmp(ty, "_asyncio.Future")) {
        if (o->callback0 >= 0 && pc_read_ptr(py->t, fut + (uint64_t)o->callback0, &cbs[n]) == 0 && cbs[n])
            n++;
        if (o->callbacks >= 0)
            pc_read_ptr(py->t, fut + (uint64_t)o->callbacks, &list);
    } else
        list = pc_py_attr(py, fut, "_callbacks");
    if (list && pc_py_list(py, list, items, 8, &nl) == 0)
        for (size_t k = 0; k < nl; k++) {
            uint64_t pair[2];
            size_t np;
            if (pc_py_tuple(py, items[k], pair, 2, &np) == 0 && np >= 1)
                cbs[n++] = pair[0];     /* (callback, context), 3.7+ */
            else
                cbs[n++] = items[k];
        }
    for (size_t k = 0; k < n; k++) {
        uint64_t closure, cells[8];
        size_t nc;
        if (type_name(py, cbs[k], ty, sizeof ty) || strcmp(ty, "function") || py->L->fn_closure == PC_NO_FIELD ||
            pc_read_ptr(py->t, cbs[k] + OFF(fn_closure), &closure) || !closure ||
            pc_py_tuple(py, closure, cells, 8, &nc))
            continue;
        for (size_t c = 0; c < nc; c++) {
            uint64_t v = pc_py_uncell(py, cells[c]);
            if (v && type_name(py, v, ty, sizeof ty) == 0 && !strcmp(ty, "Future") && pc_py_attr(py, v, "_condition"))
                return v;
        }
    }
    return 0;
}

/* The thread whose ThreadPoolExecutor worker runs the job of cf. */
static size_t executor_thread(struct pc_python *py, struct pc_model *m, uint64_t cf)
{
    for (size_t i = 0; i < m->nthreads; i++)
        for (size_t k = 0; k < m->threads[i].npy; k++) {
            const struct pc_py_frame *f = &m->threads[i].py[k];
            if (strcmp(f->name, "run") || !pc_str_ends_with(f->file, "concurrent/futures/thread.py"))
                continue;
            uint64_t self = pc_py_frame_local(py, f, "self");
            if (self && pc_py_attr(py, self, "future") == cf)
                return i;
        }
    return SIZE_MAX;
}

static int by_addr(const void *x, const void *y)
{
    uint64_t a = ((const struct pc_task_model *)x)->addr, b = ((const struct pc_task_model *)y)->addr;
    return a < b ? -1 : a > b;
}

/* The index of the task at addr (the list is sorted by address), SIZE_MAX if none. */
static size_t find_task(const struct acc *a, uint64_t addr)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->v[mid].addr == addr)
            return mid;
        if (a->v[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static void awaited_by(struct pc_task_model *t, size_t by)
{
    if (t->nawaited_by < sizeof t->awaited_by / sizeof *t->awaited_by)
        t->awaited_by[t->nawaited_by] = by;
    t->nawaited_by++;
}

static void read_loop(struct pc_python *py, struct pc_model *m, struct pc_loop_model *l, uint64_t loop);

static void link_tasks(struct pc_python *py, struct pc_model *m, struct acc *a)
{
    for (size_t i = 0; i < a->n; i++) {
        struct pc_task_model *t = &a->v[i];
        t->awaits_task = t->awaits ? find_task(a, t->awaits) : SIZE_MAX;
        t->exec_thread = SIZE_MAX;
        if (t->state == 0)
            waits_and_holds(py, t);
        if (t->state == 0 && t->wait == PC_TW_FUTURE && (t->exec_future = executor_source(py, &a->o, t->awaits)))
            t->exec_thread = executor_thread(py, m, t->exec_future);
        if (t->awaits_task != SIZE_MAX)
            awaited_by(&a->v[t->awaits_task], i);
        else if (t->state == 0 && !strcmp(t->awaits_type, "_GatheringFuture")) {
            uint64_t kids[256];
            size_t nk = 0;
            pc_py_list(py, pc_py_attr(py, t->awaits, "_children"), kids, 256, &nk);
            t->gather_n = nk;
            for (size_t k = 0; k < nk; k++) {
                size_t j = find_task(a, kids[k]);
                if (j != SIZE_MAX)
                    awaited_by(&a->v[j], i);
                t->gather_done += j != SIZE_MAX ? a->v[j].state > 0 : 1;   /* 3.14 unlinks done tasks */
            }
        }
        if (!t->loop)
            continue;
        size_t l = 0;
        while (l < m->nloops && m->loops[l].addr != t->loop)
            l++;
        if (l == m->nloops && m->nloops < PC_MAX_LOOPS)
            read_loop(py, m, &m->loops[m->nloops++], t->loop);
        if (l < m->nloops) {
            t->thread = m->loops[l].thread;
            m->loops[l].ntasks++;
            m->loops[l].npending += t->state == 0;
        }
    }
}

/* An event loop: the thread running it (BaseEventLoop._thread_id, None
 * when it is not running), its ready callbacks and timers. */
static void read_loop(struct pc_python *py, struct pc_model *m, struct pc_loop_model *l, uint64_t loop)
{
    int64_t id = 0;
    memset(l, 0, sizeof *l);
    l->addr = loop;
    l->thread = SIZE_MAX;
    pc_py_type_name(py, loop, l->type, sizeof l->type);
    uint64_t v = pc_py_attr(py, loop, "_thread_id");
    if (v && pc_py_int(py, v, &id) == 0 && id)
        for (size_t k = 0; k < m->nthreads; k++)
            if (m->threads[k].ident == (uint64_t)id)
                l->thread = k;
    l->running = v ? id != 0 : -1;
    if (pc_py_len(py, pc_py_attr(py, loop, "_ready"), &l->ready))
        l->ready = -1;
    if (pc_py_len(py, pc_py_attr(py, loop, "_scheduled"), &l->scheduled))
        l->scheduled = -1;
}

void pc_model_tasks(struct pc_python *py, struct pc_model *m)
{
    struct acc a = {py, {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, NULL, 0, 0, 0, NULL, 0, 0};
    a.o.loop = field(py->L->fut_loop);
    a.o.state = field(py->L->fut_state);
    a.o.exception = field(py->L->fut_exception);
    a.o.callback0 = field(py->L->fut_callback0);
    a.o.callbacks = field(py->L->fut_callbacks);
    a.o.waiter = field(py->L->task_fut_waiter);
    a.o.coro = field(py->L->task_coro);
    a.o.name = field(py->L->task_name);
    a.o.node = field(py->L->task_node);
    int lists = py->version >= 0x030e0000 && asyncio_debug(py, &a.o) == 0;
    uint64_t mod = pc_py_module(py, "asyncio.tasks");
    uint64_t dict = mod ? pc_py_module_dict(py, mod) : 0;
    if (!dict && !lists)
        return;                         /* no asyncio in this process */
    struct pc_py_code_cache *cc = pc_py_code_cache(py);
    if (!cc)
        return;
    struct set_walk w = {&a, cc, 1};
    if (lists) {
        pc_py_each_tstate(py, ts_lists, &w);
        pc_py_each_interp(py, interp_lists, &w);
    }
    uint64_t sym, ws;
    if (py->version < 0x03070000 && py->n && pc_native_symbol(py->n, "all_tasks", "_asyncio", &sym) == 0 &&
        pc_read_ptr(py->t, sym, &ws) == 0 && ws)
        pc_py_set_each(py, pc_py_attr(py, ws, "data"), set_task, &w);   /* 3.6: a static of the C module */
    if (dict) {
        static const char *const weaksets[] = {"_all_tasks", "_scheduled_tasks"};
        for (size_t k = 0; k < 2; k++) {
            uint64_t ws = pc_py_dict_get(py, dict, weaksets[k]);
            if (ws)
                pc_py_set_each(py, pc_py_attr(py, ws, "data"), set_task, &w);
        }
        w.weak = 0;
        pc_py_set_each(py, pc_py_dict_get(py, dict, "_eager_tasks"), set_task, &w);
    }
    free(a.set);
    if (!dict && !a.n)
        return;                         /* 3.15 has _asyncio built in: its lists exist without asyncio */
    if (a.n)
        qsort(a.v, a.n, sizeof *a.v, by_addr);
    link_tasks(py, m, &a);
    m->tasks = a.v;
    m->ntasks = a.n;
    m->tasks_truncated = a.truncated;
    m->have_tasks = 1;
}

void pc_model_tasks_free(struct pc_model *m)
{
    for (size_t i = 0; i < m->ntasks; i++) {
        pc_py_frames_release(m->tasks[i].py, m->tasks[i].npy);
        free(m->tasks[i].py);
    }
    free(m->tasks);
    m->tasks = NULL;
    m->ntasks = m->nloops = 0;
}
