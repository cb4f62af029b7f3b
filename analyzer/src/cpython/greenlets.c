/* Greenlets (greenlet, and gevent on top of it) from memory.
 *
 * Nothing registers a greenlet: they are found in the collector's
 * generation lists (every greenlet is a GC-tracked object whose type
 * derives from greenlet.greenlet).  greenlet keeps a switched-out
 * greenlet's Python state in private C++ objects (PyGreenlet.pimpl ->
 * greenlet::Greenlet) whose offsets come from greenlet's own headers
 * (gen/gen_greenlet.py): its innermost frame, its C stack bounds, its
 * parent, and through its thread's main greenlet the greenlet running in
 * that thread now.  A running greenlet's frames are its thread's.
 *
 * What a greenlet waits on: gevent's locks, semaphores, events and
 * AsyncResults (AbstractLinkable) keep a waiting greenlet's switch method
 * in their _links until they wake it.  What it holds: a `with` keeps the
 * lock's __exit__ on the frame's value stack (pc_py_frame_block_stack). */
#include "cpython/model.h"
#include "arch/arch.h"

#include <stdlib.h>
#include <string.h>

#define MAX_GC_OBJECTS (1u << 23)   /* in all: bounds a corrupt or cyclic list */
#define MAX_TYPE_DEPTH 64
#define TYPE_MEMO 512
#define STACK_REACH (64ull << 20)   /* a greenlet's C stack lies this close to its thread's stack pointer */

const char *pc_greenlet_state_name(int state)
{
    static const char *const names[] = {
#define PC_GR_NAME(id, name) name,
        PC_GREENLET_STATES(PC_GR_NAME)
#undef PC_GR_NAME
    };
    return state >= 0 && (size_t)state < sizeof names / sizeof *names ? names[state] : names[0];
}

enum { K_OTHER, K_GREENLET, K_LINKABLE };

struct list {
    uint64_t *v;
    size_t n, cap;
};

struct walk {
    struct pc_python *py;
    struct pc_model *m;
    const struct pc_greenlet_layout *G;
    uint64_t gtype;
    struct { uint64_t type; int kind; int64_t links; } memo[TYPE_MEMO];
    struct list found, linkables;
    size_t budget;              /* collector list entries left to visit */
    int truncated;
};

static const struct pc_greenlet_layout *layout_for(const struct pc_python *py)
{
    for (size_t i = 0; i < pc_greenlet_layouts_count; i++)
        if (pc_greenlet_layouts[i].py_minor == py->version >> 16)
            return &pc_greenlet_layouts[i];
    return NULL;
}

/* The name a type object gives itself (tp_name). */
static int type_name(struct pc_python *py, uint64_t type, char *out, size_t n)
{
    uint64_t p;
    return pc_read_ptr(py->t, type + (uint64_t)py->L->tp_name, &p) || !p || pc_read_cstr(py->t, p, out, n) < 0 ? -1 : 0;
}

/* The offset of a field of an extension type, by name, from its
 * PyMemberDef table (fields declared public or readonly); -1 if absent. */
static int64_t member_offset(struct pc_python *py, uint64_t type, const char *name)
{
    const struct pc_py_layout *L = py->L;
    uint64_t md, np;
    char buf[32];
    if (L->tp_members == PC_NO_FIELD || L->md_size <= 0 || pc_read_ptr(py->t, type + (uint64_t)L->tp_members, &md))
        return -1;
    for (int k = 0; md && k < 64; k++, md += (uint64_t)L->md_size) {
        int64_t off;
        if (pc_read_ptr(py->t, md, &np) || !np || pc_read_cstr(py->t, np, buf, sizeof buf) < 0)
            return -1;
        if (!strcmp(buf, name))
            return pc_read(py->t, md + (uint64_t)L->md_offset, &off, 8) || off <= 0 || off > 4096 ? -1 : off;
    }
    return -1;
}

/* Where an AbstractLinkable keeps _links: a slot of the pure-Python class,
 * or in gevent's compiled class (fields not exposed by name) the third
 * field after __weakref__, the order its .pxd declares (__weakref__, hub,
 * _notifier, _links), the weak list's place being the type's own
 * tp_weaklistoffset. */
static int64_t links_offset(struct pc_python *py, uint64_t type)
{
    int64_t off = member_offset(py, type, "_links"), weak;
    if (off > 0)
        return off;
    if (py->L->tp_weaklistoffset == PC_NO_FIELD ||
        pc_read(py->t, type + (uint64_t)py->L->tp_weaklistoffset, &weak, 8) || weak <= 0 || weak > 4096)
        return -1;
    return weak + 24;
}

/* What a type is (a greenlet, a gevent linkable, other), memoised per
 * type; *links: where a linkable keeps its waiters. */
static int kind_of(struct walk *w, uint64_t type, int64_t *links)
{
    size_t h = (size_t)(type * 0x9e3779b97f4a7c15ull >> 55) % TYPE_MEMO;
    if (w->memo[h].type == type) {
        *links = w->memo[h].links;
        return w->memo[h].kind;
    }
    int kind = K_OTHER;
    int64_t off = -1;
    uint64_t t = type;
    for (int d = 0; t && d < MAX_TYPE_DEPTH; d++) {
        char name[96];
        if (t == w->gtype) {
            kind = K_GREENLET;
            break;
        }
        if (type_name(w->py, t, name, sizeof name) == 0 &&
            (!strcmp(name, "AbstractLinkable") || pc_str_ends_with(name, ".AbstractLinkable"))) {
            off = links_offset(w->py, t);
            kind = off > 0 ? K_LINKABLE : K_OTHER;
            break;
        }
        if (pc_read_ptr(w->py->t, t + (uint64_t)(int64_t)w->py->L->tp_base, &t))
            break;
    }
    w->memo[h].type = type;
    w->memo[h].kind = kind;
    w->memo[h].links = off;
    *links = off;
    return kind;
}

static void push(struct walk *w, struct list *l, uint64_t obj)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        uint64_t *v = cap > PC_MAX_GREENLETS ? NULL : realloc(l->v, cap * sizeof *v);
        if (!v) {
            w->truncated = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = obj;
}

/* One generation: a circular list of PyGC_Head from its head. */
static void walk_list(struct walk *w, uint64_t head, size_t *budget)
{
    const struct pc_py_layout *L = w->py->L;
    uint64_t p;
    if (pc_read_ptr(w->py->t, head, &p))
        return;
    while ((p &= ~7ull) && p != head && *budget) {
        uint64_t obj = p + (uint64_t)L->gc_head_size, type, next;
        (*budget)--;
        if (pc_read_ptr(w->py->t, obj + (uint64_t)L->ob_type, &type) || pc_read_ptr(w->py->t, p, &next))
            return;
        int64_t links;
        int kind = type ? kind_of(w, type, &links) : K_OTHER;
        if (kind == K_GREENLET)
            push(w, &w->found, obj);
        else if (kind == K_LINKABLE)
            push(w, &w->linkables, obj);
        p = next;
    }
}

static int interp_lists(struct pc_python *py, uint64_t interp, void *arg)
{
    struct walk *w = arg;
    const struct pc_py_layout *L = py->L;
    for (int g = 0; g < L->gc_num_generations && g < 8; g++)
        walk_list(w, interp + (uint64_t)L->is_gc_generations + (uint64_t)g * (uint64_t)L->gc_generation_size, &w->budget);
    if (L->is_gc_permanent != PC_NO_FIELD)
        walk_list(w, interp + (uint64_t)L->is_gc_permanent, &w->budget);
    if (!w->budget)
        w->truncated = 1;
    return 0;
}

/* The thread whose stack pointer is nearest a C stack address of the greenlet. */
static size_t thread_of(const struct pc_model *m, uint64_t addr)
{
    size_t best = SIZE_MAX;
    uint64_t best_d = STACK_REACH;
    for (size_t i = 0; addr && addr != UINT64_MAX && i < m->nthreads; i++) {
        uint64_t sp = pc_arch_sp(&m->threads[i].desc);
        uint64_t d = addr > sp ? addr - sp : sp - addr;
        if (sp && d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

static void read_one(struct walk *w, uint64_t obj, struct pc_greenlet_model *g)
{
    struct pc_python *py = w->py;
    const struct pc_greenlet_layout *G = w->G;
    uint64_t impl, start = 0, stop = 0, frame = 0, cframe = 0, mainimpl = 0, ts = 0, current = 0;
    memset(g, 0, sizeof *g);
    g->addr = obj;
    g->thread = SIZE_MAX;
    pc_py_type_name(py, obj, g->type, sizeof g->type);
    if (pc_read_ptr(py->t, obj + (uint64_t)G->pimpl, &impl) || !impl ||
        pc_read_ptr(py->t, impl + (uint64_t)G->stack_start, &start) ||
        pc_read_ptr(py->t, impl + (uint64_t)G->stack_stop, &stop))
        return;                                     /* state unknown */
    g->main = stop == UINT64_MAX;
    if (g->main)
        mainimpl = impl;
    else {
        uint64_t mg;
        pc_read_ptr(py->t, impl + (uint64_t)G->parent, &g->parent);
        if (pc_read_ptr(py->t, impl + (uint64_t)G->main_greenlet, &mg) == 0 && mg)
            pc_read_ptr(py->t, mg + (uint64_t)G->pimpl, &mainimpl);
    }
    if (mainimpl && pc_read_ptr(py->t, mainimpl + (uint64_t)G->thread_state, &ts) == 0 && ts)
        pc_read_ptr(py->t, ts + (uint64_t)G->ts_current, &current);
    if (G->cframe != PC_NO_FIELD)
        pc_read_ptr(py->t, impl + (uint64_t)G->cframe, &cframe);
    g->thread = thread_of(w->m, cframe ? cframe : stop);
    if (current == obj)
        g->state = PC_GR_RUNNING;
    else if (start)
        g->state = PC_GR_SUSPENDED;
    else
        g->state = stop ? PC_GR_DEAD : PC_GR_NOT_STARTED;
    if (g->state != PC_GR_SUSPENDED)
        return;
    /* 3.11+: the innermost _PyInterpreterFrame; before, the frame object. */
    if (G->current_frame != PC_NO_FIELD)
        pc_read_ptr(py->t, impl + (uint64_t)G->current_frame, &frame);
    else
        pc_read_ptr(py->t, impl + (uint64_t)G->top_frame, &frame);
    if (!frame)
        return;
    struct pc_py_frame *f = calloc(PC_MAX_PY_FRAMES, sizeof *f);
    if (!f)
        return;
    g->npy = pc_py_frames_from(py, frame, f, PC_MAX_PY_FRAMES, &g->py_complete);
    if (!g->npy) {
        free(f);
        return;
    }
    struct pc_py_frame *shrunk = realloc(f, g->npy * sizeof *f);
    g->py = shrunk ? shrunk : f;
}

/* The object a bound method (a C method's m_self, a Python method's
 * __self__) is bound to; 0 for anything else. */
static uint64_t bound_self(struct pc_python *py, uint64_t obj)
{
    char ty[64];
    uint64_t self;
    if (!obj || pc_py_type_name(py, obj, ty, sizeof ty))
        return 0;
    if (!strcmp(ty, "builtin_function_or_method") && pc_read_ptr(py->t, obj + (uint64_t)py->L->cf_self, &self) == 0)
        return self;
    if (!strcmp(ty, "method") && pc_read_ptr(py->t, obj + (uint64_t)py->L->meth_self, &self) == 0)
        return self;
    return 0;
}

static struct pc_greenlet_model *greenlet_at(struct pc_model *m, uint64_t addr)
{
    size_t lo = 0, hi = m->ngreenlets;
    while (addr && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->greenlets[mid].addr == addr)
            return &m->greenlets[mid];
        if (m->greenlets[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* An attribute kept in the instance dict or in a __slots__ slot (a
 * member of its type or a base), 0 if absent. */
static uint64_t attr_or_slot(struct pc_python *py, uint64_t obj, const char *name)
{
    uint64_t v = pc_py_attr(py, obj, name), t;
    if (v || pc_read_ptr(py->t, obj + (uint64_t)py->L->ob_type, &t))
        return v;
    for (int d = 0; t && d < 8; d++) {
        int64_t off = member_offset(py, t, name);
        if (off > 0)
            return pc_read_ptr(py->t, obj + (uint64_t)off, &v) ? 0 : v;
        if (pc_read_ptr(py->t, t + (uint64_t)py->L->tp_base, &t))
            break;
    }
    return 0;
}

/* Each greenlet whose switch is in the linkable's _links waits on it. */
static void waiters(struct walk *w, uint64_t obj)
{
    struct pc_python *py = w->py;
    uint64_t type, links, items[256];
    int64_t off;
    size_t n = 0;
    char ty[32];
    if (pc_read_ptr(py->t, obj + (uint64_t)py->L->ob_type, &type) || kind_of(w, type, &off) != K_LINKABLE ||
        pc_read_ptr(py->t, obj + (uint64_t)off, &links) || !links || pc_py_type_name(py, links, ty, sizeof ty))
        return;
    if (!strcmp(ty, "list"))
        pc_py_list(py, links, items, sizeof items / sizeof *items, &n);
    for (size_t i = 0; i < n; i++) {
        struct pc_greenlet_model *g = greenlet_at(w->m, bound_self(py, items[i]));
        if (g && !g->wait_obj) {
            g->wait_obj = obj;
            pc_py_type_name(py, obj, g->wait_type, sizeof g->wait_type);
        }
    }
}

/* A lock-like linkable: gevent's Semaphore family (its Lock, an RLock's
 * block, the monkey-patched threading locks), not events or results. */
static int lock_like(struct walk *w, uint64_t obj, char *ty, size_t tn)
{
    uint64_t type;
    int64_t off;
    return obj && pc_read_ptr(w->py->t, obj + (uint64_t)w->py->L->ob_type, &type) == 0 &&
           kind_of(w, type, &off) == K_LINKABLE && pc_py_type_name(w->py, obj, ty, tn) == 0 &&
           (strstr(ty, "Semaphore") || strstr(ty, "Lock"));
}

static void holds(struct walk *w, struct pc_greenlet_model *g)
{
    uint64_t slots[64];
    for (size_t k = 0; k < g->npy; k++) {
        size_t n = pc_py_frame_block_stack(w->py, &g->py[k], slots, 64);
        for (size_t i = 0; i < n && g->nholds < PC_TASK_HOLDS; i++) {
            char ty[64], rty[48];
            uint64_t lock = bound_self(w->py, slots[i]), block;

            /* gevent.lock.RLock (pure Python) waits and is held through
             * the Semaphore in its _block */
            if (lock && !lock_like(w, lock, ty, sizeof ty) && (block = attr_or_slot(w->py, lock, "_block")) &&
                lock_like(w, block, ty, sizeof ty) && pc_py_type_name(w->py, lock, rty, sizeof rty) == 0) {
                snprintf(ty, sizeof ty, "%s._block", rty);
                lock = block;
            } else if (!lock_like(w, lock, ty, sizeof ty))
                continue;
            pc_hold_add(g->holds, &g->nholds, lock, k, ty);
        }
    }
}

static int by_addr(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void pc_model_greenlets(struct pc_python *py, struct pc_model *m)
{
    uint64_t mod = pc_py_module(py, "greenlet._greenlet");
    if (!mod)
        mod = pc_py_module(py, "greenlet");
    uint64_t dict = mod ? pc_py_module_dict(py, mod) : 0;
    uint64_t gtype = dict ? pc_py_dict_get(py, dict, "greenlet") : 0;
    if (!gtype)
        return;                                 /* no greenlet in this process */
    m->have_greenlets = 1;
    const struct pc_py_layout *L = py->L;
    const struct pc_greenlet_layout *G = layout_for(py);
    if (L->is_gc_generations == PC_NO_FIELD || L->gc_head_size == PC_NO_FIELD || L->tp_base == PC_NO_FIELD) {
        snprintf(m->greenlet_note, sizeof m->greenlet_note,
                 "greenlets not read: Python %s keeps no collector lists pycore reads (3.9+ with a GIL)",
                 py->version_str);
        m->have_greenlets = 0;
        return;
    }
    if (!G || py->debug) {
        snprintf(m->greenlet_note, sizeof m->greenlet_note,
                 "greenlets not read: no greenlet layout for Python %s%s (docs/asyncio.md, gevent)",
                 py->version_str, py->debug ? " (debug build)" : "");
        m->have_greenlets = 0;
        return;
    }
    struct walk *w = calloc(1, sizeof *w);
    if (!w)
        return;
    w->py = py;
    w->m = m;
    w->G = G;
    w->gtype = gtype;
    w->budget = MAX_GC_OBJECTS;
    pc_py_each_interp(py, interp_lists, w);
    if (w->found.n)
        qsort(w->found.v, w->found.n, sizeof *w->found.v, by_addr);
    m->greenlets = w->found.n ? calloc(w->found.n, sizeof *m->greenlets) : NULL;
    for (size_t i = 0; m->greenlets && i < w->found.n; i++)
        read_one(w, w->found.v[i], &m->greenlets[i]);
    m->ngreenlets = m->greenlets ? w->found.n : 0;
    m->greenlets_truncated = w->truncated;
    for (size_t i = 0; i < w->linkables.n; i++)
        waiters(w, w->linkables.v[i]);
    for (size_t i = 0; i < m->ngreenlets; i++)
        holds(w, &m->greenlets[i]);
    free(w->found.v);
    free(w->linkables.v);
    free(w);
}

void pc_model_greenlets_free(struct pc_model *m)
{
    for (size_t i = 0; i < m->ngreenlets; i++) {
        pc_py_frames_release(m->greenlets[i].py, m->greenlets[i].npy);
        free(m->greenlets[i].py);
    }
    free(m->greenlets);
    m->greenlets = NULL;
    m->ngreenlets = 0;
}
