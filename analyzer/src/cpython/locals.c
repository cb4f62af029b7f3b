/* What a Python frame holds: its local variables by name, its globals,
 * and (3.11-3.13) its value stack, where a `with` block keeps __exit__. */
#include "cpython/python.h"

#include <stdlib.h>
#include <string.h>

#define OFF(f) ((uint64_t)py->L->f)
#define HAS(f) (py->L->f != PC_NO_FIELD)
#define MAX_LOCALS 4096

/* 3.14+ frames hold _PyStackRef: an object pointer with tag bits. */
static uint64_t untag(struct pc_python *py, uint64_t v)
{
    return py->version >= 0x030e0000 ? v & ~(uint64_t)7 : v;
}

int pc_py_tuple(struct pc_python *py, uint64_t tuple, uint64_t *items, size_t max, size_t *n)
{
    int64_t size;
    *n = 0;
    if (!tuple || pc_read(py->t, tuple + OFF(ob_size), &size, 8) || size < 0 || size > MAX_LOCALS)
        return -1;
    *n = (size_t)size < max ? (size_t)size : max;
    return pc_read(py->t, tuple + OFF(tu_item), items, *n * 8) ? -1 : 0;
}

int pc_py_list(struct pc_python *py, uint64_t list, uint64_t *items, size_t max, size_t *n)
{
    int64_t size;
    uint64_t arr;
    *n = 0;
    if (!list || pc_read(py->t, list + OFF(ob_size), &size, 8) || size < 0 || size > MAX_LOCALS ||
        pc_read_ptr(py->t, list + OFF(li_item), &arr))
        return -1;
    *n = (size_t)size < max ? (size_t)size : max;
    return *n && pc_read(py->t, arr, items, *n * 8) ? -1 : 0;
}

static uint64_t slots_base(struct pc_python *py, const struct pc_py_frame *f)
{
    return f->addr + (HAS(if_localsplus) ? OFF(if_localsplus) : OFF(fo_localsplus));
}

uint64_t pc_py_frame_local(struct pc_python *py, const struct pc_py_frame *f, const char *name)
{
    uint64_t names, items[256], v;
    size_t n;
    if (!HAS(co_varnames) || pc_read_ptr(py->t, f->code + OFF(co_varnames), &names) ||
        pc_py_tuple(py, names, items, 256, &n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char s[128];
        if (pc_py_str(py, items[i], s, sizeof s) || strcmp(s, name) != 0)
            continue;
        if (pc_read_ptr(py->t, slots_base(py, f) + 8 * i, &v))
            return 0;
        return pc_py_uncell(py, untag(py, v));
    }
    return 0;
}

uint64_t pc_py_uncell(struct pc_python *py, uint64_t v)
{
    char ty[32];
    /* A variable captured by an inner function lives in a cell, whose
     * ob_ref follows the object header. */
    if (v && pc_py_type_name(py, v, ty, sizeof ty) == 0 && strcmp(ty, "cell") == 0 &&
        pc_read_ptr(py->t, v + OFF(cell_ref), &v))
        return 0;
    return v;
}

uint64_t pc_py_frame_globals(struct pc_python *py, const struct pc_py_frame *f)
{
    uint64_t g = 0;
    if (HAS(if_globals))
        pc_read_ptr(py->t, f->addr + OFF(if_globals), &g);
    else if (HAS(fo_globals))
        pc_read_ptr(py->t, f->addr + OFF(fo_globals), &g);
    return g;
}

/* 3.11+: co_nlocalsplus, the size of co_localsplusnames. */
static int nlocalsplus(struct pc_python *py, uint64_t code, size_t *n)
{
    uint64_t names;
    int64_t size;
    if (pc_read_ptr(py->t, code + OFF(co_varnames), &names) || pc_read(py->t, names + OFF(ob_size), &size, 8) ||
        size < 0 || size > 65536)
        return -1;
    *n = (size_t)size;
    return 0;
}

size_t pc_py_frame_slots(struct pc_python *py, const struct pc_py_frame *f, uint64_t *out, size_t max,
                         size_t *nlocals)
{
    /* Locals, then the value stack.  A frame that is executing (every
     * frame of a blocked thread) has no saved stack top (3.11-3.13: -1),
     * so the whole stack area is read: co_stacksize slots after the
     * locals.  Stale slots can be read too; callers check types. */
    size_t locals = 0, n = 0;
    int32_t stacksize = 0;
    if (HAS(co_stacksize))
        pc_read(py->t, f->code + OFF(co_stacksize), &stacksize, 4);
    if (stacksize < 0 || stacksize > 4096)
        stacksize = 0;
    if (py->version >= 0x030b0000) {
        if (nlocalsplus(py, f->code, &locals))
            return 0;
        n = locals + (size_t)stacksize;
        int32_t top;
        if (HAS(if_stacktop) && pc_read(py->t, f->addr + OFF(if_stacktop), &top, 4) == 0 && top >= 0 &&
            (size_t)top < n)
            n = (size_t)top;
    } else if (HAS(co_nlocals)) {
        /* <= 3.10: f_localsplus holds locals, cells, free variables, then
         * the value stack; cells and free variables are few. */
        int32_t nl;
        if (pc_read(py->t, f->code + OFF(co_nlocals), &nl, 4) || nl < 0 || nl > 65536)
            return 0;
        locals = (size_t)nl;
        n = locals + (size_t)stacksize + 8;
    }
    if (n > max)
        n = max;
    /* Read what is readable: the tail of a frame can end a mapping. */
    while (n && pc_read(py->t, slots_base(py, f), out, n * 8))
        n /= 2;
    for (size_t i = 0; i < n; i++)
        out[i] = untag(py, out[i]);
    if (nlocals)
        *nlocals = locals < n ? locals : n;
    return n;
}

#define CO_VARARGS 0x4
#define CO_VARKEYWORDS 0x8
/* 3.11+ co_localspluskinds */
#define CO_FAST_HIDDEN 0x10
#define CO_FAST_LOCAL 0x20
#define CO_FAST_CELL 0x40
#define CO_FAST_FREE 0x80

static int code_int(struct pc_python *py, uint64_t code, int32_t off, int32_t *v)
{
    *v = 0;
    return off == PC_NO_FIELD ? 0 : pc_read(py->t, code + (uint64_t)off, v, 4);
}

static void add_local(struct pc_python *py, uint64_t name, uint64_t value, int kind, int cell,
                      struct pc_py_local *out, size_t *n, size_t max)
{
    if (*n == max)
        return;
    if (cell) {
        char ty[16];
        if (value && pc_py_type_name(py, value, ty, sizeof ty) == 0 && strcmp(ty, "cell") == 0 &&
            pc_read_ptr(py->t, value + OFF(cell_ref), &value))
            return;
    }
    if (!value)
        return;         /* unbound */
    struct pc_py_local *l = &out[*n];
    memset(l, 0, sizeof *l);
    if (pc_py_str(py, name, l->name, sizeof l->name))
        return;
    l->kind = kind;
    if (pc_py_repr(py, value, l->repr, sizeof l->repr, l->type, sizeof l->type))
        return;
    (*n)++;
}

size_t pc_py_frame_locals(struct pc_python *py, const struct pc_py_frame *f, struct pc_py_local *out, size_t max)
{
    int32_t argc, kwonly, flags;
    if (!HAS(co_argcount) || !HAS(co_varnames) || code_int(py, f->code, py->L->co_argcount, &argc) ||
        code_int(py, f->code, py->L->co_kwonlyargcount, &kwonly) || code_int(py, f->code, py->L->co_flags, &flags))
        return 0;
    int64_t nargs = (int64_t)argc + kwonly + !!(flags & CO_VARARGS) + !!(flags & CO_VARKEYWORDS);
    uint64_t names[PC_MAX_LOCALS * 2], values[PC_MAX_LOCALS * 2];
    int kinds[PC_MAX_LOCALS * 2], cells[PC_MAX_LOCALS * 2];
    size_t nn = 0, n = 0;
    uint64_t t;
    if (py->version >= 0x030b0000) {
        /* One array: locals, cells and free variables, each slot's kind in
         * co_localspluskinds. */
        uint8_t k[PC_MAX_LOCALS * 2];
        int64_t nk = 0;
        uint64_t kb;
        if (pc_read_ptr(py->t, f->code + OFF(co_varnames), &t) || pc_py_tuple(py, t, names, PC_MAX_LOCALS * 2, &nn) ||
            !HAS(co_localspluskinds) || pc_read_ptr(py->t, f->code + OFF(co_localspluskinds), &kb) ||
            pc_read(py->t, kb + OFF(ob_size), &nk, 8) || nk < (int64_t)nn || pc_read(py->t, kb + OFF(b_sval), k, nn))
            return 0;
        for (size_t i = 0; i < nn; i++)
            cells[i] = (k[i] & (CO_FAST_CELL | CO_FAST_FREE)) != 0;
        for (size_t i = 0; i < nn; i++)
            kinds[i] = (k[i] & CO_FAST_HIDDEN) ? -1
                       : (int64_t)i < nargs ? PC_LOCAL_ARG
                       : (k[i] & CO_FAST_FREE) ? PC_LOCAL_FREE
                       : (k[i] & CO_FAST_CELL) && !(k[i] & CO_FAST_LOCAL) ? PC_LOCAL_CELL : PC_LOCAL_PLAIN;
    } else {
        /* <= 3.10: co_varnames, then co_cellvars, then co_freevars. */
        uint64_t part[3];
        int32_t offs[3] = {py->L->co_varnames, py->L->co_cellvars, py->L->co_freevars};
        int pk[3] = {PC_LOCAL_PLAIN, PC_LOCAL_CELL, PC_LOCAL_FREE};
        for (int p = 0; p < 3; p++) {
            size_t got = 0;
            if (offs[p] == PC_NO_FIELD || pc_read_ptr(py->t, f->code + (uint64_t)offs[p], &part[p]) ||
                pc_py_tuple(py, part[p], names + nn, PC_MAX_LOCALS * 2 - nn, &got))
                continue;
            for (size_t i = 0; i < got; i++) {
                kinds[nn + i] = p == 0 && (int64_t)i < nargs ? PC_LOCAL_ARG : pk[p];
                cells[nn + i] = p > 0;
            }
            nn += got;
        }
    }
    if (!nn)
        return 0;
    size_t ns = nn;
    while (ns && pc_read(py->t, slots_base(py, f), values, ns * 8))
        ns /= 2;
    for (size_t i = 0; i < ns; i++)
        if (kinds[i] >= 0)
            add_local(py, names[i], untag(py, values[i]), kinds[i], cells[i], out, &n, max);
    /* Arguments first, as they were declared; the rest in slot order. */
    size_t a = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i].kind == PC_LOCAL_ARG && i != a) {
            struct pc_py_local tmp = out[i];
            memmove(&out[a + 1], &out[a], (i - a) * sizeof *out);
            out[a++] = tmp;
        } else if (out[i].kind == PC_LOCAL_ARG)
            a++;
    return n;
}

size_t pc_py_frame_stack(struct pc_python *py, const struct pc_py_frame *pf, uint64_t *out, size_t max)
{
    uint64_t base, top;
    if (py->version >= 0x030b0000) {
        size_t nlp;
        if (nlocalsplus(py, pf->code, &nlp))
            return 0;
        base = pf->addr + OFF(if_localsplus) + 8 * (uint64_t)nlp;
        if (py->L->if_stackpointer != PC_NO_FIELD) {
            if (pc_read_ptr(py->t, pf->addr + OFF(if_stackpointer), &top))
                return 0;
        } else {
            int32_t st;
            if (py->L->if_stacktop == PC_NO_FIELD || pc_read(py->t, pf->addr + OFF(if_stacktop), &st, 4) || st < 0)
                return 0;
            top = pf->addr + OFF(if_localsplus) + 8 * (uint64_t)st;
        }
    } else {
        if (pc_read_ptr(py->t, pf->addr + OFF(fo_valuestack), &base))
            return 0;
        if (py->L->fo_stacktop != PC_NO_FIELD) {
            if (pc_read_ptr(py->t, pf->addr + OFF(fo_stacktop), &top) || !top)
                return 0;
        } else {
            int32_t depth;
            if (pc_read(py->t, pf->addr + OFF(fo_stackdepth), &depth, 4) || depth < 0)
                return 0;
            top = base + 8 * (uint64_t)depth;
        }
    }
    if (top <= base || top - base > 8 * 4096)
        return 0;
    size_t n = (size_t)((top - base) / 8);
    if (n > max) {
        base += 8 * (uint64_t)(n - max);    /* keep the top of the stack */
        n = max;
    }
    if (pc_read(py->t, base, out, n * 8))
        return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = untag(py, out[i]);
    return n;
}

/* 3.11+ exception table: a varint of 6-bit groups, most significant
 * first, 0x40 marking that more follow (0x80 marks an entry's start). */
static int etab_varint(const uint8_t *t, size_t len, size_t *i, uint32_t *v)
{
    *v = 0;
    for (int k = 0; k < 6; k++) {
        if (*i >= len)
            return -1;
        uint8_t b = t[(*i)++];
        *v = (*v << 6) | (b & 0x3f);
        if (!(b & 0x40))
            return 0;
    }
    return -1;
}

size_t pc_py_frame_block_stack(struct pc_python *py, const struct pc_py_frame *pf, uint64_t *out, size_t max)
{
    uint64_t table;
    int64_t len;
    size_t nlp;
    if (py->version < 0x030b0000 || py->L->co_exceptiontable == PC_NO_FIELD || pf->lasti < 0 ||
        pc_read_ptr(py->t, pf->code + OFF(co_exceptiontable), &table) || !table ||
        pc_read(py->t, table + OFF(ob_size), &len, 8) || len <= 0 || len > 65536 || nlocalsplus(py, pf->code, &nlp))
        return 0;
    uint8_t *t = malloc((size_t)len);
    if (!t || pc_read(py->t, table + OFF(b_sval), t, (size_t)len)) {
        free(t);
        return 0;
    }
    /* Entries are sorted and do not overlap: the one covering the current
     * instruction (in code units) gives the depth its handler unwinds to. */
    uint32_t at = (uint32_t)(pf->lasti / 2), depth = 0;
    size_t i = 0;
    while (i < (size_t)len) {
        uint32_t start, size, target, dl;
        if (etab_varint(t, (size_t)len, &i, &start) || etab_varint(t, (size_t)len, &i, &size) ||
            etab_varint(t, (size_t)len, &i, &target) || etab_varint(t, (size_t)len, &i, &dl))
            break;
        if (start > at)
            break;
        if (at < start + size) {
            depth = dl >> 1;
            break;
        }
    }
    free(t);
    if (!depth || depth > 4096)
        return 0;
    size_t n = depth < max ? depth : max;
    uint64_t base = pf->addr + OFF(if_localsplus) + 8 * (uint64_t)nlp;
    if (pc_read(py->t, base, out, n * 8))
        return 0;
    for (size_t k = 0; k < n; k++)
        out[k] = untag(py, out[k]);
    return n;
}
