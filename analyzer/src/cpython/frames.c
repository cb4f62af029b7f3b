/* Thread states and their Python frames (3.11 _PyInterpreterFrame). */
#include "cpython/python.h"

#include <stdlib.h>
#include <string.h>

#define OFF(f) ((uint64_t)py->L->f)
#define MAX_LINETABLE (1u << 20)

int pc_py_each_tstate(struct pc_python *py, pc_tstate_fn fn, void *arg)
{
    uint64_t ts, first;
    if (pc_read_ptr(py->t, py->interp + OFF(is_tstate_head), &ts))
        return -1;
    first = ts;
    for (size_t i = 0; ts && i < PC_MAX_TSTATES; i++) {
        uint64_t next;
        if (pc_read_ptr(py->t, ts + OFF(ts_next), &next))
            return -1;
        int r = fn(py, ts, arg);
        if (r)
            return r;
        if (next == first || next == ts)
            break;   /* a cycle: the list is corrupt */
        ts = next;
    }
    return 0;
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

#define CODE_CACHE 64

struct code_cache {
    struct code_info e[CODE_CACHE];
    size_t n;
};

static struct code_info *code_lookup(struct pc_python *py, struct code_cache *cc, uint64_t code)
{
    for (size_t i = 0; i < cc->n; i++)
        if (cc->e[i].code == code)
            return &cc->e[i];
    struct code_info *ci;
    if (cc->n < CODE_CACHE)
        ci = &cc->e[cc->n++];
    else {
        ci = &cc->e[code % CODE_CACHE];
        free(ci->table);
    }
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

static uint64_t current_frame(struct pc_python *py, uint64_t tstate)
{
    uint64_t cframe, frame;
    if (pc_read_ptr(py->t, tstate + OFF(ts_cframe), &cframe) || !cframe ||
        pc_read_ptr(py->t, cframe + OFF(cf_current_frame), &frame))
        return 0;
    return frame;
}

size_t pc_py_frames(struct pc_python *py, uint64_t tstate, struct pc_py_frame *out,
                    size_t max, int *complete)
{
    struct code_cache *cc = calloc(1, sizeof *cc);
    size_t n = 0;
    *complete = 0;
    if (!cc)
        return 0;
    uint64_t f = current_frame(py, tstate);
    uint64_t prev_addr = 0;
    while (f && n < max) {
        /* One read for the fixed part of the frame. */
        uint8_t raw[128];
        size_t need = (size_t)py->L->if_localsplus;
        if (need > sizeof raw || pc_read(py->t, f, raw, need))
            break;
        uint64_t code, previous, instr;
        memcpy(&code, raw + py->L->if_code, 8);
        memcpy(&previous, raw + py->L->if_previous, 8);
        memcpy(&instr, raw + py->L->if_instr, 8);
        struct code_info *ci = code_lookup(py, cc, code);
        if (!ci)
            break;
        struct pc_py_frame *o = &out[n++];
        memset(o, 0, sizeof *o);
        memcpy(o->name, ci->name, sizeof o->name);
        memcpy(o->qualname, ci->qualname, sizeof o->qualname);
        memcpy(o->file, ci->file, sizeof o->file);
        o->addr = f;
        o->code = code;
        o->entry = py->L->if_is_entry != PC_NO_FIELD && raw[py->L->if_is_entry];
        uint64_t first_instr = code + OFF(co_code_adaptive);
        int64_t lasti = (int64_t)(instr - first_instr) / 2;
        if (instr < first_instr - 2 || lasti > (1 << 28))
            o->line = -1;
        else
            o->line = pc_py_linetable_line(ci->table, ci->table_len, ci->firstlineno, (int)lasti * 2);
        if (previous == f || previous == prev_addr)
            break;   /* a cycle */
        prev_addr = f;
        f = previous;
    }
    if (!f)
        *complete = 1;
    for (size_t i = 0; i < cc->n; i++)
        free(cc->e[i].table);
    free(cc);
    return n;
}
