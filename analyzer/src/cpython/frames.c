/* Thread states and their Python frames (3.11 _PyInterpreterFrame). */
#include "cpython/python.h"

#include <stdlib.h>
#include <string.h>

#define OFF(f) ((uint64_t)py->L->f)
#define MAX_LINETABLE (1u << 20)

int pc_py_each_interp(struct pc_python *py, pc_interp_fn fn, void *arg)
{
    uint64_t seen[PC_MAX_INTERPS], in = py->interp_head ? py->interp_head : py->interp;
    size_t n = 0;
    while (in && n < PC_MAX_INTERPS) {
        for (size_t k = 0; k < n; k++)
            if (seen[k] == in)
                return 0;   /* a cycle: the list is corrupt */
        seen[n++] = in;
        int r = fn(py, in, arg);
        if (r)
            return r;
        if (in == py->interp || pc_read_ptr(py->t, in + OFF(is_next), &in))
            break;          /* the main interpreter ends the list */
    }
    return 0;
}

int64_t pc_py_interp_id(struct pc_python *py, uint64_t interp)
{
    int64_t id;
    if (interp == py->interp)
        return 0;
    if (py->L->is_id == PC_NO_FIELD || pc_read(py->t, interp + OFF(is_id), &id, 8) || id < 0)
        return -1;
    return id;
}

static int gc_cb(struct pc_python *py, uint64_t interp, void *arg)
{
    int32_t v;
    int *state = arg;
    if (pc_read(py->t, interp + OFF(is_gc_collecting), &v, 4) == 0) {
        if (*state < 0)
            *state = 0;
        if (v)
            *state = 1;
    }
    return *state == 1;
}

int pc_py_gc_collecting(struct pc_python *py)
{
    int32_t v;
    int state = -1;
    if (py->L->rt_gc_collecting != PC_NO_FIELD && py->runtime)
        return pc_read(py->t, py->runtime + OFF(rt_gc_collecting), &v, 4) ? -1 : v != 0;
    if (py->L->is_gc_collecting != PC_NO_FIELD)
        pc_py_each_interp(py, gc_cb, &state);
    return state;
}

struct tstate_walk {
    pc_tstate_fn fn;
    void *arg;
};

static int interp_tstates(struct pc_python *py, uint64_t interp, void *arg)
{
    struct tstate_walk *w = arg;
    uint64_t ts, first;
    if (pc_read_ptr(py->t, interp + OFF(is_tstate_head), &ts))
        return 0;
    first = ts;
    for (size_t i = 0; ts && i < PC_MAX_TSTATES; i++) {
        uint64_t next;
        if (pc_read_ptr(py->t, ts + OFF(ts_next), &next))
            return 0;
        int r = w->fn(py, ts, w->arg);
        if (r)
            return r;
        if (next == first || next == ts)
            break;   /* a cycle: the list is corrupt */
        ts = next;
    }
    return 0;
}

int pc_py_each_tstate(struct pc_python *py, pc_tstate_fn fn, void *arg)
{
    struct tstate_walk w = {fn, arg};
    return pc_py_each_interp(py, interp_tstates, &w);
}

int pc_py_tstate_ids(struct pc_python *py, uint64_t tstate, uint64_t *ident, int64_t *native_id)
{
    *native_id = -1;
    if (pc_read_u64(py->t, tstate + OFF(ts_thread_id), ident))
        return -1;
    if (py->L->ts_native_thread_id != PC_NO_FIELD) {
        int32_t tid;
        if (pc_read(py->t, tstate + OFF(ts_native_thread_id), &tid, 4) == 0)
            *native_id = tid;
    }
    return 0;
}

/* A small cache of code objects: deep recursion repeats the same code. */
struct code_info {
    uint64_t code;
    char name[128], qualname[256], file[512];
    int firstlineno;
    uint8_t *table;
    size_t table_len;
};

#define CODE_CACHE 1024            /* slots; calloc'ed, so untouched ones cost no memory */
#define CODE_PROBE 8

struct pc_py_code_cache {
    struct code_info e[CODE_CACHE];
};

/* A code object's slot: among CODE_PROBE from its hash, the one holding it,
 * else the first free one, else its first (evicted). */
static struct code_info *code_lookup(struct pc_python *py, struct pc_py_code_cache *cc, uint64_t code)
{
    size_t h = (size_t)((code * 0x9e3779b97f4a7c15ull) >> 40) % CODE_CACHE;
    struct code_info *ci = NULL;
    for (size_t k = 0; k < CODE_PROBE; k++) {
        struct code_info *e = &cc->e[(h + k) % CODE_CACHE];
        if (e->code == code)
            return e;
        if (!e->code && !ci)
            ci = e;
    }
    if (!ci)
        ci = &cc->e[h];
    free(ci->table);
    memset(ci, 0, sizeof *ci);
    uint64_t ty, p;
    if (pc_py_type(py, code, &ty) || (py->t_code && ty != py->t_code)) {
        ci->code = 0;
        return NULL;
    }
    ci->code = code;
    if (pc_read_ptr(py->t, code + OFF(co_name), &p) == 0)
        pc_py_str(py, p, ci->name, sizeof ci->name);
    if (py->L->co_qualname != PC_NO_FIELD && pc_read_ptr(py->t, code + OFF(co_qualname), &p) == 0)
        pc_py_str(py, p, ci->qualname, sizeof ci->qualname);
    if (!ci->qualname[0])
        memcpy(ci->qualname, ci->name, sizeof ci->name);
    if (pc_read_ptr(py->t, code + OFF(co_filename), &p) == 0)
        pc_py_str(py, p, ci->file, sizeof ci->file);
    int32_t first = 0;
    pc_read(py->t, code + OFF(co_firstlineno), &first, 4);
    ci->firstlineno = first;
    uint64_t lt;
    int64_t len;
    if (pc_read_ptr(py->t, code + OFF(co_linetable), &lt) == 0 &&
        pc_read(py->t, lt + OFF(ob_size), &len, 8) == 0 && len > 0 && len < MAX_LINETABLE) {
        ci->table = malloc((size_t)len);
        if (ci->table && pc_read(py->t, lt + OFF(b_sval), ci->table, (size_t)len) == 0)
            ci->table_len = (size_t)len;
    }
    return ci;
}

/* 3.12-3.13 FRAME_OWNED_BY_CSTACK = 3; 3.14 adds FRAME_OWNED_BY_INTERPRETER
 * = 3 and moves CSTACK to 4; 3.15 keeps only INTERPRETER: from 3 up, a
 * frame is an entry shim, not Python code. */
#define FRAME_OWNER_SHIM 3

static int code_line(struct pc_python *py, const struct code_info *ci, int addrq)
{
    if (py->version >= 0x030b0000)
        return pc_py_linetable_line(ci->table, ci->table_len, ci->firstlineno, addrq);
    if (py->version >= 0x030a0000)
        return pc_py_linetable310_line(ci->table, ci->table_len, ci->firstlineno, addrq);
    return pc_py_lnotab_line(ci->table, ci->table_len, ci->firstlineno, addrq, py->version >= 0x03060000);
}

static uint64_t current_frame(struct pc_python *py, uint64_t tstate)
{
    uint64_t cframe, frame = 0;
    if (py->L->ts_current_frame != PC_NO_FIELD)
        pc_read_ptr(py->t, tstate + OFF(ts_current_frame), &frame);
    else if (py->L->ts_cframe != PC_NO_FIELD) {
        if (pc_read_ptr(py->t, tstate + OFF(ts_cframe), &cframe) || !cframe ||
            pc_read_ptr(py->t, cframe + OFF(cf_current_frame), &frame))
            return 0;
    } else
        pc_read_ptr(py->t, tstate + OFF(ts_frame), &frame);
    return frame;
}

static void fill(struct pc_py_frame *o, const struct code_info *ci, uint64_t f, uint64_t code)
{
    memset(o, 0, sizeof *o);
    memcpy(o->name, ci->name, sizeof o->name);
    memcpy(o->qualname, ci->qualname, sizeof o->qualname);
    memcpy(o->file, ci->file, sizeof o->file);
    o->addr = f;
    o->code = code;
    o->end_line = o->column = o->end_column = -1;
    o->lasti = -1;
    o->interp = -1;
}

/* One step of the frame chain: fills *o (unless the frame is a C shim,
 * then *shim = 1) and returns the next frame address. */
static int step(struct pc_python *py, struct pc_py_code_cache *cc, uint64_t f, struct pc_py_frame *o,
                int *shim, uint64_t *next)
{
    uint8_t raw[160];
    uint64_t code, instr;
    *shim = 0;
    if (py->L->if_code == PC_NO_FIELD) {
        /* <= 3.10: PyFrameObject; every frame is its own eval call. */
        int32_t lasti;
        if (pc_read_ptr(py->t, f + OFF(fo_back), next) || pc_read_ptr(py->t, f + OFF(fo_code), &code) ||
            pc_read(py->t, f + OFF(fo_lasti), &lasti, 4))
            return -1;
        struct code_info *ci = code_lookup(py, cc, code);
        if (!ci)
            return -1;
        fill(o, ci, f, code);
        o->entry = 1;
        /* 3.10 counts code units, older versions bytes; a corrupt f_lasti
         * is an unknown line, not an overflowed offset. */
        o->line = lasti < -1 || lasti > (1 << 28) ? -1
                  : code_line(py, ci, py->version >= 0x030a0000 ? lasti * 2 : lasti);
        if (lasti >= 0 && lasti <= (1 << 28))
            o->lasti = py->version >= 0x030a0000 ? lasti * 2 : lasti;
        return 0;
    }
    /* The frame header is read whole; every field read from it must lie
     * inside it (a layout from _Py_DebugOffsets is target data). */
    const struct pc_py_layout *L = py->L;
    size_t need = (size_t)L->if_localsplus;
    if (need > sizeof raw || L->if_code < 0 || (size_t)L->if_code + 8 > need || L->if_previous < 0 ||
        (size_t)L->if_previous + 8 > need || L->if_instr < 0 || (size_t)L->if_instr + 8 > need ||
        (py->version >= 0x030c0000 && (L->if_owner < 0 || (size_t)L->if_owner >= need)) ||
        (L->if_is_entry != PC_NO_FIELD && (L->if_is_entry < 0 || (size_t)L->if_is_entry >= need)) ||
        pc_read(py->t, f, raw, need))
        return -1;
    memcpy(&code, raw + py->L->if_code, 8);
    memcpy(next, raw + py->L->if_previous, 8);
    memcpy(&instr, raw + py->L->if_instr, 8);
    if (py->version >= 0x030e0000)
        code &= ~(uint64_t)7;   /* _PyStackRef: tag bits */
    if (py->version >= 0x030c0000 && raw[py->L->if_owner] >= FRAME_OWNER_SHIM) {
        *shim = 1;
        return 0;
    }
    struct code_info *ci = code_lookup(py, cc, code);
    if (!ci)
        return -1;
    fill(o, ci, f, code);
    o->entry = py->L->if_is_entry != PC_NO_FIELD && raw[py->L->if_is_entry];
    /* prev_instr (<= 3.12) and instr_ptr (3.13+) both give LASTI as
     * (pointer - first code unit) / 2, which is what tracebacks use. */
    uint64_t first_instr = code + OFF(co_code_adaptive);
    if (L->if_tlbc_index != PC_NO_FIELD && L->co_tlbc != PC_NO_FIELD && (size_t)L->if_tlbc_index + 4 <= need) {
        /* Free-threaded 3.14+: each thread runs its own copy of the
         * bytecode, co_tlbc->entries[tlbc_index] (entry 0 is the code's own). */
        int32_t idx;
        int64_t size;
        uint64_t arr, copy;
        memcpy(&idx, raw + L->if_tlbc_index, 4);
        if (idx > 0 && pc_read_ptr(py->t, code + OFF(co_tlbc), &arr) == 0 && arr &&
            pc_read(py->t, arr, &size, 8) == 0 && idx < size && size < (1 << 20) &&
            pc_read_ptr(py->t, arr + 8 + 8 * (uint64_t)idx, &copy) == 0 && copy)
            first_instr = copy;
    }
    int64_t lasti = (int64_t)(instr - first_instr) / 2;
    if (lasti < -1 || lasti > (1 << 28)) {
        o->line = -1;
        return 0;
    }
    struct pc_py_pos pos;
    o->line = pc_py_linetable_pos(ci->table, ci->table_len, ci->firstlineno, (int)lasti * 2, &pos);
    o->end_line = pos.end_line;
    o->column = pos.column;
    o->end_column = pos.end_column;
    o->lasti = lasti >= 0 ? lasti * 2 : -1;
    return 0;
}

uint64_t pc_py_tstate_frame(struct pc_python *py, uint64_t tstate)
{
    return current_frame(py, tstate);
}

uint64_t pc_py_tstate_anchor(struct pc_python *py, uint64_t tstate)
{
    uint64_t a = 0, f = current_frame(py, tstate);
    if (!f)
        return 0;
    if (py->L->ts_cframe_ptr != PC_NO_FIELD)
        return pc_read_ptr(py->t, tstate + OFF(ts_cframe_ptr), &a) ? 0 : a;
    if (py->version < 0x030d0000 || py->L->if_owner == PC_NO_FIELD)
        return 0;
    for (size_t i = 0; f && i < PC_MAX_PY_FRAMES * 2; i++) {
        uint8_t owner;
        uint64_t next;
        if (pc_read(py->t, f + OFF(if_owner), &owner, 1))
            return 0;
        if (owner >= FRAME_OWNER_SHIM)
            return f;
        if (pc_read_ptr(py->t, f + OFF(if_previous), &next) || next == f)
            return 0;
        f = next;
    }
    return 0;
}

struct pc_py_code_cache *pc_py_code_cache(struct pc_python *py)
{
    if (!py->codes)
        py->codes = calloc(1, sizeof *py->codes);
    return py->codes;
}

void pc_python_close(struct pc_python *py)
{
    for (size_t i = 0; py->codes && i < CODE_CACHE; i++)
        free(py->codes->e[i].table);
    free(py->codes);
    py->codes = NULL;
}

int pc_py_frame_at(struct pc_python *py, struct pc_py_code_cache *cc, uint64_t f, struct pc_py_frame *out)
{
    uint64_t next;
    int shim;
    if (!f || step(py, cc, f, out, &shim, &next) || shim)
        return -1;
    out->entry = 0;
    return 0;
}

size_t pc_py_frames(struct pc_python *py, uint64_t tstate, struct pc_py_frame *out,
                    size_t max, int *complete)
{
    return pc_py_frames_from(py, current_frame(py, tstate), out, max, complete);
}

size_t pc_py_frames_from(struct pc_python *py, uint64_t f, struct pc_py_frame *out, size_t max, int *complete)
{
    struct pc_py_code_cache *cc = pc_py_code_cache(py);
    size_t n = 0;
    *complete = 0;
    if (!cc)
        return 0;
    uint64_t prev_addr = 0;
    /* The walk is bounded by max frames plus as many shims. */
    for (size_t steps = 0; f && n < max && steps < 2 * max; steps++) {
        uint64_t next = 0;
        int shim;
        if (step(py, cc, f, &out[n], &shim, &next))
            break;
        if (shim) {
            if (n)
                out[n - 1].entry = 1;
        } else
            n++;
        if (next && (next == f || next == prev_addr))
            break;   /* a cycle */
        prev_addr = f;
        f = next;
    }
    if (!f)
        *complete = 1;
    return n;
}
