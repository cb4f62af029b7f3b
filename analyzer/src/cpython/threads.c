/* Per-thread model: native stack, Python stack, threading name and daemon
 * flag, GIL state, and the merge of Python frames into native ones. */
#include "cpython/model.h"
#include "arch/arch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF(f) ((uint64_t)py->L->f)

void pc_thread_note(struct pc_thread_model *t, const char *fmt, ...)
{
    if (t->nnotes >= sizeof t->notes / sizeof *t->notes)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->notes[t->nnotes++], sizeof *t->notes, fmt, ap);
    va_end(ap);
}

struct pythread {
    uint64_t ident, obj;
    char name[128];
    int daemon;
};

struct names {
    struct pythread *v;
    size_t n, cap;
    uint64_t main_obj;          /* threading._main_thread (3.x) */
};

static int add_thread(struct pc_python *py, int64_t ident, uint64_t thread, struct names *nm)
{
    if (nm->n >= 100000 || pc_grow(&nm->v, &nm->cap, nm->n + 1, sizeof *nm->v))
        return -1;
    struct pythread *p = &nm->v[nm->n++];
    memset(p, 0, sizeof *p);
    p->ident = (uint64_t)ident;
    p->obj = thread;
    p->daemon = -1;
    /* 2.7 mangles the private attributes with the class name. */
    int py2 = py->version < 0x03000000;
    pc_py_str(py, pc_py_attr(py, thread, py2 ? "_Thread__name" : "_name"), p->name, sizeof p->name);
    int64_t d;
    uint64_t daemonic = pc_py_attr(py, thread, py2 ? "_Thread__daemonic" : "_daemonic");
    if (!py->t_bool && daemonic)
        pc_py_type(py, daemonic, &py->t_bool);   /* True or False */
    if (pc_py_int(py, daemonic, &d) == 0)
        p->daemon = d != 0;
    return 0;
}

static int active_cb(struct pc_python *py, uint64_t key, uint64_t thread, void *arg)
{
    int64_t ident;
    /* _active's keys are ints: their type, when no symbol named it. */
    if (!py->t_int && !py->t_pyint)
        pc_py_type(py, key, py->version < 0x03000000 ? &py->t_pyint : &py->t_int);
    if (pc_py_int(py, key, &ident))
        return 0;
    return add_thread(py, ident, thread, arg);
}

/* threading._active: {ident: Thread}; read only when threading is loaded. */
static void read_names(struct pc_python *py, uint64_t interp, struct names *nm)
{
    uint64_t mod = pc_py_module_in(py, interp, "threading");
    uint64_t d = mod ? pc_py_module_dict(py, mod) : 0;
    uint64_t active = d ? pc_py_dict_get(py, d, "_active") : 0;
    if (active)
        pc_py_dict_each(py, active, active_cb, nm);
    nm->main_obj = d && py->version >= 0x03000000 ? pc_py_dict_get(py, d, "_main_thread") : 0;
    /* 2.7: threading._shutdown, the main Thread's bound _exitfunc, takes
     * the main thread out of _active before the atexit hooks run; the
     * bound method still holds it (PyMethodObject: im_func, im_self). */
    char ty[32];
    uint64_t shut = d && py->version < 0x03000000 ? pc_py_dict_get(py, d, "_shutdown") : 0, self = 0;
    if (!shut || pc_py_type_name(py, shut, ty, sizeof ty) || strcmp(ty, "instancemethod") ||
        pc_read_ptr(py->t, shut + 24, &self) || !self || pc_py_type_name(py, self, ty, sizeof ty) ||
        strcmp(ty, "_MainThread"))
        return;
    uint64_t ident = pc_py_attr(py, self, "_Thread__ident");
    int64_t id;
    if (pc_py_int(py, ident, &id))
        return;
    for (size_t k = 0; k < nm->n; k++)
        if (nm->v[k].ident == (uint64_t)id)
            return;
    active_cb(py, ident, self, nm);
}

struct ts_entry {
    uint64_t tstate, ident, interp;
    int64_t native_id, interp_id;
    uint64_t anchor;            /* in the C stack of the thread running it; 0 unknown */
    size_t owner;               /* that thread (by anchor); SIZE_MAX: by its ids */
    int idle;                   /* runs no frame (an interpreter's spare state) */
    int used;                   /* runs on a thread of the core */
};

struct ts_list {
    struct ts_entry *v;
    size_t n, cap;
};

static int ts_cb(struct pc_python *py, uint64_t ts, void *arg)
{
    struct ts_list *l = arg;
    struct ts_entry e = {.tstate = ts};
    if (pc_py_tstate_ids(py, ts, &e.ident, &e.native_id))
        return 0;
    if (pc_read_ptr(py->t, ts + OFF(ts_interp), &e.interp))
        e.interp = py->interp;
    e.interp_id = pc_py_interp_id(py, e.interp);
    if (pc_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return -1;
    l->v[l->n++] = e;
    return 0;
}

static int starts_with(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

static int is_eval_frame(const struct pc_native_frame *f, int py2)
{
    return !f->inlined && starts_with(f->function, py2 ? "PyEval_EvalFrameEx" : "_PyEval_EvalFrameDefault");
}

/* 3.11: one _PyEval_EvalFrameDefault call runs Python frames up to and
 * including the next entry frame. */
static void merge(struct pc_thread_model *t, int py2)
{
    t->merged = 0;
    if (!t->nnat || !t->npy)
        return;
    size_t evals = 0, chunks = 0;
    for (size_t i = 0; i < t->nnat; i++)
        evals += is_eval_frame(&t->nat[i], py2);
    for (size_t i = 0; i < t->npy; i++)
        chunks += t->py[i].entry || i + 1 == t->npy;
    if (evals != chunks) {
        pc_thread_note(t, "%zu Python entry frames but %zu eval frames on the native stack: Python stack shown apart",
                       chunks, evals);
        return;
    }
    t->py_first = calloc(t->nnat, sizeof *t->py_first);
    t->py_count = calloc(t->nnat, sizeof *t->py_count);
    if (!t->py_first || !t->py_count)
        return;
    size_t p = 0;
    for (size_t i = 0; i < t->nnat && p < t->npy; i++) {
        if (!is_eval_frame(&t->nat[i], py2))
            continue;
        t->py_first[i] = p;
        while (p < t->npy) {
            int entry = t->py[p].entry;
            p++;
            t->py_count[i]++;
            if (entry)
                break;
        }
    }
    t->merged = 1;
}

/* A waiter is between two timed waits on the GIL's condition (its
 * timeout expired, it re-locks the GIL's mutex or runs) as often as in
 * them on a loaded machine: take_gil on its stack still says what it does. */
static void in_take_gil(struct pc_thread_model *t)
{
    for (size_t i = 0; i < t->nnat; i++)
        if (starts_with(t->nat[i].function, "take_gil")) {
            t->gil = PC_GIL_WAITING;
            t->gil_evidence = "take_gil on the native stack";
            return;
        }
}

/* 2.7 / 3.6: the holder is the exported current thread state (reset to
 * NULL when the GIL is released); a waiter sleeps on the file-static GIL
 * lock (2.7) or condition (3.6) when the symbol table has them. */
static void gil_state_old(struct pc_python *py, struct pc_thread_model *t)
{
    uint64_t cur = 0, lock = 0;
    if (t->tstate && py->tstate_current && pc_read_ptr(py->t, py->tstate_current, &cur) == 0 &&
        cur == t->tstate) {
        t->gil = PC_GIL_HELD;
        t->gil_evidence = "_PyThreadState_Current is this thread state";
        return;
    }
    uint64_t futex = t->sys.args[0];
    if (t->sys.cls != PC_SYS_FUTEX) {
        in_take_gil(t);
        return;
    }
    if (py->interpreter_lock && pc_read_ptr(py->t, py->interpreter_lock, &lock) == 0 && lock &&
        futex >= lock && futex < lock + 32) {
        t->gil = PC_GIL_WAITING;
        t->gil_evidence = "futex wait on the interpreter lock";
    } else if (py->gil_cond && futex >= py->gil_cond && futex < py->gil_cond + 48) {
        t->gil = PC_GIL_WAITING;
        t->gil_evidence = "futex wait on the GIL's condition variable";
    } else {
        in_take_gil(t);
    }
}

static void gil_state(struct pc_python *py, struct pc_thread_model *t)
{
    t->gil = PC_GIL_NONE;
    t->ts_state = PC_TS_UNKNOWN;
    int32_t st;
    if (t->tstate && py->L->ts_state != PC_NO_FIELD && pc_read(py->t, t->tstate + OFF(ts_state), &st, 4) == 0 &&
        st >= PC_TS_DETACHED && st <= PC_TS_SHUTTING_DOWN)
        t->ts_state = st;
    if (py->free_threaded) {
        t->gil = PC_GIL_FREE_THREADED;
        t->gil_evidence = "free-threaded build: no GIL";
        return;
    }
    uint64_t gil = 0, holder = 0;
    if (py->L->rt_gil != PC_NO_FIELD)
        gil = py->runtime + OFF(rt_gil);
    else if (py->L->is_gil != PC_NO_FIELD)
        pc_read_ptr(py->t, py->interp + OFF(is_gil), &gil);   /* 3.12+: interp->ceval.gil */
    if (!gil) {
        gil_state_old(py, t);
        return;
    }
    int32_t locked = 0;
    pc_read(py->t, gil + OFF(gil_locked), &locked, 4);
    pc_read_ptr(py->t, gil + OFF(gil_last_holder), &holder);
    if (t->tstate && locked && holder == t->tstate) {
        t->gil = PC_GIL_HELD;
        t->gil_evidence = "gil.locked=1 and gil.last_holder is this thread state";
        return;
    }
    uint64_t futex = t->sys.args[0];
    if (t->sys.cls == PC_SYS_FUTEX && futex >= gil && futex < gil + (uint64_t)py->L->gil_size) {
        t->gil = PC_GIL_WAITING;
        t->gil_evidence = "futex wait on the GIL's condition variable";
        return;
    }
    in_take_gil(t);
}

/* A live stack always holds return addresses and saved registers near
 * its pointer: unreadable or all-zero memory there means the core lacks it. */
static int stack_absent(pc_target *t, uint64_t sp)
{
    uint64_t words[64];
    if (!sp || pc_read(t, sp, words, sizeof words))
        return 1;
    for (size_t i = 0; i < 64; i++)
        if (words[i])
            return 0;
    return 1;
}

/* Name and daemon flag from threading's view of the thread's ident. */
static void name_thread(struct pc_thread_model *t, const struct names *nm)
{
    for (size_t k = 0; k < nm->n; k++)
        if (nm->v[k].ident == t->ident) {
            memcpy(t->name, nm->v[k].name, sizeof t->name);
            t->daemon = nm->v[k].daemon;
            t->thread_obj = nm->v[k].obj;
        }
}

/* The Python frames of a thread's states into t->py, innermost segment
 * first (segs[0] is t->tstate); returns how many fit. */
#define MAX_SEGMENTS 8
static size_t read_py_stack(struct pc_python *py, struct pc_thread_model *t, struct ts_entry *const *segs,
                            size_t nsegs, size_t max_frames)
{
    size_t cap = max_frames && max_frames < PC_MAX_PY_FRAMES ? max_frames : PC_MAX_PY_FRAMES;
    t->py = calloc(cap, sizeof *t->py);
    t->py_complete = 1;
    for (size_t s = 0; t->py && s < nsegs && t->npy < cap; s++) {
        int complete = 0;
        size_t first = t->npy;
        t->npy += pc_py_frames(py, segs[s]->tstate, t->py + first, cap - first, &complete);
        t->py_complete &= complete;
        for (size_t k = first; k < t->npy; k++)
            t->py[k].interp = segs[s]->interp_id;
    }
    /* PC_MAX_PY_FRAMES frames are ~4 MB: keep what was read */
    struct pc_py_frame *fit = t->py ? realloc(t->py, (t->npy ? t->npy : 1) * sizeof *t->py) : NULL;
    if (fit)
        t->py = fit;
    return cap;
}

/* The collector's functions (gcmodule.c, gc.c) on a thread's native
 * stack: gc_collect_main, gc_collect_region..., collect (<= 3.11, static,
 * maybe renamed by LTO), collect_with_callback, collect_generations. */
static int in_collector(const struct pc_python *py, const struct pc_thread_model *t)
{
    for (size_t k = 0; k < t->nnat; k++) {
        const char *fn = t->nat[k].function;
        if (fn && t->nat[k].module == py->mod &&
            (strstr(fn, "gc_collect") || strncmp(fn, "collect", 7) == 0 || strstr(fn, "_PyGC_Collect")))
            return 1;
    }
    return 0;
}

static int names_cb(struct pc_python *py, uint64_t interp, void *arg)
{
    if (interp != py->interp)
        read_names(py, interp, arg);
    return 0;
}

static int interp_cb(struct pc_python *py, uint64_t interp, void *arg)
{
    struct pc_model *m = arg;
    if (m->ninterps < sizeof m->interps / sizeof *m->interps) {
        m->interps[m->ninterps].addr = interp;
        m->interps[m->ninterps].id = pc_py_interp_id(py, interp);
        m->interps[m->ninterps].main = interp == py->interp;
        int32_t fin;
        m->interps[m->ninterps].finalizing =
            py->L->is_finalizing != PC_NO_FIELD && pc_read(py->t, interp + OFF(is_finalizing), &fin, 4) == 0
                ? fin != 0 : -1;
        m->ninterps++;
    }
    return 0;
}

/* A thread that entered other interpreters has a state in each, and each
 * state running frames keeps a pointer into that thread's C stack (its
 * anchor): the stack grows down, so a lower anchor is a later, inner
 * segment.  States without one come after, the main interpreter's last:
 * the thread began there. */
static int segment_order(const void *pa, const void *pb)
{
    const struct ts_entry *a = *(struct ts_entry *const *)pa, *b = *(struct ts_entry *const *)pb;
    if (a->idle != b->idle)
        return a->idle ? 1 : -1;
    if (!a->anchor != !b->anchor)
        return a->anchor ? -1 : 1;
    if (a->anchor != b->anchor)
        return a->anchor < b->anchor ? -1 : 1;
    if ((a->interp_id == 0) != (b->interp_id == 0))
        return a->interp_id == 0 ? 1 : -1;
    return a->interp_id > b->interp_id ? -1 : a->interp_id < b->interp_id;
}

/* The thread whose stack holds addr: the highest stack pointer at or
 * below it (stacks grow down and do not overlap). */
#define MAX_STACK (64ull << 20)
static size_t stack_owner(const struct pc_native *n, uint64_t addr)
{
    size_t best = SIZE_MAX;
    uint64_t best_sp = 0;
    for (size_t i = 0; i < n->nthreads; i++) {
        uint64_t sp = pc_arch_sp(&n->threads[i]);
        if (sp && sp <= addr && addr - sp < MAX_STACK && sp >= best_sp) {
            best = i;
            best_sp = sp;
        }
    }
    return best;
}

/* <= 3.9 keeps no pointer into the C stack: the lowest word of a thread's
 * stack (up to SCAN_BYTES above its stack pointer) that holds the state's
 * innermost frame, on the thread where that word is nearest the top. */
#define SCAN_BYTES (512u << 10)
static uint64_t scan_anchor(struct pc_native *n, uint64_t frame, size_t *owner)
{
    uint64_t best = 0, best_depth = UINT64_MAX, buf[512];
    for (size_t i = 0; i < n->nthreads; i++) {
        uint64_t sp = pc_arch_sp(&n->threads[i]) & ~7ull;
        for (uint64_t off = 0; sp && off < SCAN_BYTES; off += sizeof buf) {
            if (pc_read(n->t, sp + off, buf, sizeof buf))
                break;
            size_t k = 0;
            while (k < 512 && buf[k] != frame)
                k++;
            if (k < 512) {
                if (off + 8 * k < best_depth) {
                    best_depth = off + 8 * k;
                    best = sp + off + 8 * k;
                    *owner = i;
                }
                break;
            }
        }
    }
    return best;
}

/* With subinterpreters, a state may run on another thread than its ids
 * say (3.8-3.12 run_string uses the state its creator made): place each
 * running state by its anchor. */
static void place_states(struct pc_python *py, struct pc_native *n, struct ts_list *ts)
{
    for (size_t k = 0; k < ts->n; k++) {
        struct ts_entry *e = &ts->v[k];
        e->idle = pc_py_tstate_frame(py, e->tstate) == 0;
        e->anchor = pc_py_tstate_anchor(py, e->tstate);
        if (e->anchor)
            e->owner = stack_owner(n, e->anchor);
        else if (py->version < 0x030a0000 && e->interp_id != 0) {
            uint64_t f = pc_py_tstate_frame(py, e->tstate);
            if (f)
                e->anchor = scan_anchor(n, f, &e->owner);
        }
        if (e->owner == SIZE_MAX)
            e->anchor = 0;
    }
}

static void exited_states(struct pc_python *py, struct ts_list *ts, const struct names *nm, size_t max_frames,
                          struct pc_model *m)
{
    for (size_t k = 0; k < ts->n; k++) {
        if (ts->v[k].used || pc_grow(&m->exited, &m->exited_cap, m->nexited + 1, sizeof *m->exited))
            continue;
        struct pc_thread_model *t = &m->exited[m->nexited++];
        memset(t, 0, sizeof *t);
        t->tstate = ts->v[k].tstate;
        t->ident = ts->v[k].ident;
        t->interp = ts->v[k].interp_id;
        t->daemon = -1;
        name_thread(t, nm);
        struct ts_entry *seg = &ts->v[k];
        read_py_stack(py, t, &seg, 1, max_frames);
        pc_thread_note(t, "no thread of the core runs this thread state: its thread exited without clearing it "
                          "(or has not started yet)");
    }
}

/* A thread whose registers do not give its pthread_t (one left running
 * in a system call by PC_OPEN_NO_STOP; any thread of a machine whose
 * thread pointer is not its pthread_t): its thread state's pthread_t is it when
 * glibc says that pthread is this tid.  2.7-3.7 states know no native id:
 * their threads are found by that pointer. */
static void thread_pointers(struct pc_native *n, const struct ts_list *ts)
{
    for (size_t i = 0; i < n->nthreads; i++) {
        pc_thread_desc *d = &n->threads[i];
        if (pc_arch_pthread(d))
            continue;
        for (size_t k = 0; k < ts->n; k++) {
            /* 3.8+: the state's native id is the tid */
            if (ts->v[k].native_id == d->tid ||
                (ts->v[k].native_id < 0 && pc_native_thread_is(n, d, ts->v[k].ident))) {
                pc_arch_set_pthread(d, ts->v[k].ident);
                break;
            }
        }
    }
}

int pc_model_build(struct pc_native *n, struct pc_python *py, int native, size_t max_frames,
                   struct pc_model *m, pc_error *err)
{
    memset(m, 0, sizeof *m);
    struct ts_list ts = {0};
    struct names nm = {0};
    int have_py = py && py->L;      /* none: the native side only */
    if (have_py) {
        pc_py_each_tstate(py, ts_cb, &ts);
        thread_pointers(n, &ts);
        /* Names from every interpreter's threading, the main one's last:
         * a thread that entered a subinterpreter keeps its first name. */
        pc_py_each_interp(py, names_cb, &nm);
        read_names(py, py->interp, &nm);
        pc_py_each_interp(py, interp_cb, m);
        for (size_t k = 0; k < ts.n; k++)
            ts.v[k].owner = SIZE_MAX;
        if (m->ninterps > 1)
            place_states(py, n, &ts);
    }
    const pc_process_desc *proc = pc_target_process(n->t);
    m->threads = calloc(n->nthreads, sizeof *m->threads);
    if (!m->threads) {
        free(ts.v);
        free(nm.v);
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    }
    m->nthreads = n->nthreads;
    /* Unwound into one buffer, kept at its size: a thousand threads of
     * PC_MAX_NATIVE_FRAMES each were 40 MB of zeros. */
    struct pc_native_frame *scratch = native ? malloc(PC_MAX_NATIVE_FRAMES * sizeof *scratch) : NULL;
    for (size_t i = 0; i < n->nthreads; i++) {
        struct pc_thread_model *t = &m->threads[i];
        t->desc = n->threads[i];
        t->tid = t->desc.tid;
        t->ident = pc_arch_pthread(&t->desc);
        t->main = proc && t->tid == proc->pid;
        /* The kernel writes the thread that dumps the core first. */
        t->took_signal = proc && (proc->core_kind == PC_CORE_KERNEL || proc->core_kind == PC_CORE_QEMU) &&
                         proc->signal && i == 0;
        t->daemon = -1;
        pc_thread_syscall(&t->desc, &t->sys);
        struct ts_entry *segs[MAX_SEGMENTS];
        size_t nsegs = 0;
        for (size_t k = 0; k < ts.n; k++)
            if ((ts.v[k].owner == i || (ts.v[k].owner == SIZE_MAX && ((ts.v[k].native_id >= 0 && ts.v[k].native_id == t->tid) ||
                 (ts.v[k].native_id < 0 && ts.v[k].ident == t->ident)))) && nsegs < MAX_SEGMENTS) {
                ts.v[k].used = 1;
                segs[nsegs++] = &ts.v[k];
            }
        qsort(segs, nsegs, sizeof *segs, segment_order);
        t->interp = -1;
        if (nsegs) {
            t->tstate = segs[0]->tstate;
            t->interp = segs[0]->interp_id;
            t->nsegments = nsegs;
            /* The ident of a state its ids placed here; a state placed by
             * its anchor may carry another thread's (3.8-3.12 run_string). */
            for (size_t s = 0; s < nsegs; s++)
                if (segs[s]->owner == SIZE_MAX || segs[s]->interp_id == 0) {
                    t->ident = segs[s]->ident;
                    break;
                }
        }
        name_thread(t, &nm);
        /* gevent's monkey-patching keys the main thread by its main
         * greenlet's id, not the thread's ident: threading._main_thread
         * still is this thread's Thread. */
        if (!t->name[0] && t->main && nm.main_obj && add_thread(py, (int64_t)t->ident, nm.main_obj, &nm) == 0)
            name_thread(t, &nm);
        if (native) {
            char why[160] = "";
            size_t got = scratch ? pc_native_unwind(n, i, scratch, PC_MAX_NATIVE_FRAMES, &t->nat_complete, why,
                                                    sizeof why) : 0;
            if ((t->nat = malloc((got ? got : 1) * sizeof *t->nat)) != NULL) {
                memcpy(t->nat, scratch, got * sizeof *t->nat);
                t->nnat = got;
            }
            if (stack_absent(n->t, pc_arch_sp(&t->desc))) {
                /* Do not show frames unwound from zeros as a stack. */
                t->stack_missing = 1;
                t->nnat = t->nnat > 1 ? 1 : t->nnat;
                pc_thread_note(t, "thread stack not present in the core (absent or zero-filled, as gdb 13's gcore "
                                  "writes them for newer glibc): native frames unknown; take a kernel core");
            } else if (why[0] && (t->nnat < 2 || t->nnat >= PC_MAX_NATIVE_FRAMES))
                pc_thread_note(t, "native unwinding stopped: %s", why);
        }
        if (t->tstate) {
            size_t cap = read_py_stack(py, t, segs, nsegs, max_frames);
            if (!t->py_complete)
                pc_thread_note(t, t->npy == cap ? "Python stack cut after %zu frames"
                                                : "Python stack unreadable after %zu frames", t->npy);
        }
        if (!have_py)
            continue;
        gil_state(py, t);
        merge(t, py->version < 0x03000000);
    }
    free(scratch);
    if (native) {
        pc_lines_resolve(n);
        for (size_t i = 0; i < m->nthreads; i++)
            pc_lines_apply(n, m->threads[i].nat, m->threads[i].nnat);
    }
    if (!have_py) {
        m->finalizing = m->gc_collecting = -1;
        m->gc_thread = SIZE_MAX;
        return PC_OK;
    }
    exited_states(py, &ts, &nm, max_frames, m);
    m->finalizing = pc_py_finalizing(py, &m->finalizing_tstate);
    for (size_t k = 0; k < m->ninterps; k++)
        if (m->interps[k].main && m->interps[k].finalizing < 0)
            m->interps[k].finalizing = m->finalizing;   /* the runtime's flag is the main one's */
    m->gc_collecting = pc_py_gc_collecting(py);
    m->gc_thread = SIZE_MAX;
    for (size_t i = 0; m->gc_collecting == 1 && m->gc_thread == SIZE_MAX && i < m->nthreads; i++)
        if (in_collector(py, &m->threads[i]))
            m->gc_thread = i;
    pc_model_tasks(py, m);
    pc_model_greenlets(py, m);
    if (!n->no_source)
        pc_model_sources(n->t, m);
    free(ts.v);
    free(nm.v);
    return PC_OK;
}

void pc_py_frames_release(struct pc_py_frame *f, size_t n)
{
    for (size_t k = 0; f && k < n; k++) {
        free(f[k].source);
        free(f[k].locals);
    }
}

int pc_hold_add(struct pc_hold *holds, size_t *n, uint64_t obj, size_t frame, const char *type)
{
    for (size_t h = 0; h < *n; h++)
        if (holds[h].obj == obj)
            return 0;
    if (*n >= PC_TASK_HOLDS)
        return -1;
    holds[*n].obj = obj;
    holds[*n].frame = frame;
    snprintf(holds[*n].type, sizeof holds[*n].type, "%s", type);
    (*n)++;
    return 0;
}

static void frames_locals(struct pc_python *py, struct pc_py_frame *f, size_t nf, struct pc_py_local *buf)
{
    for (size_t k = 0; k < nf; k++) {
        size_t n = pc_py_frame_locals(py, &f[k], buf, PC_MAX_LOCALS);
        if (!n || !(f[k].locals = malloc(n * sizeof *buf)))
            continue;
        memcpy(f[k].locals, buf, n * sizeof *buf);
        f[k].nlocals = n;
    }
}

void pc_model_locals(struct pc_python *py, struct pc_model *m)
{
    struct pc_py_local *buf = malloc(PC_MAX_LOCALS * sizeof *buf);
    if (!buf || !py || !py->L) {
        free(buf);
        return;
    }
    for (size_t i = 0; i < m->nthreads; i++)
        frames_locals(py, m->threads[i].py, m->threads[i].npy, buf);
    for (size_t i = 0; i < m->nexited; i++)
        frames_locals(py, m->exited[i].py, m->exited[i].npy, buf);
    for (size_t i = 0; i < m->ntasks; i++)
        frames_locals(py, m->tasks[i].py, m->tasks[i].npy, buf);
    for (size_t i = 0; i < m->ngreenlets; i++)
        frames_locals(py, m->greenlets[i].py, m->greenlets[i].npy, buf);
    free(buf);
}

void pc_model_free(struct pc_model *m)
{
    for (size_t i = 0; i < m->nthreads; i++) {
        pc_py_frames_release(m->threads[i].py, m->threads[i].npy);
        free(m->threads[i].nat);
        free(m->threads[i].py);
        free(m->threads[i].py_first);
        free(m->threads[i].py_count);
    }
    free(m->threads);
    for (size_t i = 0; i < m->nexited; i++) {
        pc_py_frames_release(m->exited[i].py, m->exited[i].npy);
        free(m->exited[i].py);
    }
    free(m->exited);
    pc_model_tasks_free(m);
    pc_model_greenlets_free(m);
    memset(m, 0, sizeof *m);
}
