/* CPython 3.13+ describes its own layout in _Py_DebugOffsets, the first
 * member of _PyRuntime.  The prefix read here (through unicode_object) is
 * the same in 3.13, 3.14 and 3.15; later versions append sections.  Every
 * offset is checked against the size its section declares before use. */
#include "cpython/python.h"

#include <string.h>

#define COOKIE "xdebugpy"

/* The words of _Py_DebugOffsets differ between minors (3.14 added
 * interpreter_state.threads_main, frame stackpointer, code co_tlbc and a
 * set section; 3.15 widened thread_state and type_object).  Each minor's
 * word index of every value read, from its Include/internal header and
 * checked against the structure of Debian's 3.13.5, 3.14.10 and 3.15.2
 * binaries (each section begins with its struct's size).  A newer minor
 * is read with the newest schema and must pass the same bounds checks. */
struct schema {
    uint32_t since;
    uint8_t rt_size, rt_finalizing, rt_interpreters_head;
    uint8_t is_size, is_next, is_threads_head, is_modules, is_ceval_gil, is_gil, is_gil_locked, is_gil_holder;
    uint8_t ts_size, ts_next, ts_interp, ts_current_frame, ts_thread_id, ts_native_thread_id;
    uint8_t if_size, if_previous, if_executable, if_instr_ptr, if_localsplus, if_owner;
    uint8_t co_size, co_filename, co_name, co_qualname, co_linetable, co_firstlineno, co_localsplusnames,
        co_code_adaptive;
    uint8_t ob_size, ob_type, tp_size, tp_name, tp_flags, tu_size, tu_item, tu_ob_size, li_size, li_item;
    uint8_t d_size, d_keys, d_values, l_size, l_tag, l_digit, b_size, b_sval, u_size, u_state, u_length, u_ascii;
    uint8_t is_gc, gc_size, gc_collecting;   /* interpreter_state.gc; the gc section (size, collecting) */
    uint8_t if_tlbc_index, co_tlbc;         /* 3.14+, meaningful in free-threaded builds (0: none) */
    uint8_t if_stackpointer, gen_size, gen_iframe, gen_frame_state;   /* 3.14+ (0: none) */
    uint8_t count;   /* words to read */
};

static const struct schema schemas[] = {
    {0x030d0000, 3, 4, 5, 6, 8, 9, 11, 14, 15, 17, 18, 19, 21, 22, 23, 24, 25, 28, 29, 30, 31, 32, 33,
     34, 35, 36, 37, 38, 39, 41, 43, 44, 45, 46, 47, 49, 50, 51, 52, 53, 54,
     56, 57, 58, 61, 62, 63, 64, 66, 67, 68, 69, 70, 10, 71, 72, 0, 0, 0, 0, 0, 0, 73},
    {0x030e0000, 3, 4, 5, 6, 8, 9, 12, 15, 16, 18, 19, 22, 24, 25, 26, 27, 28, 31, 32, 33, 34, 35, 36,
     39, 40, 41, 42, 43, 44, 46, 48, 50, 51, 52, 53, 55, 56, 57, 58, 59, 60,
     66, 67, 68, 71, 72, 73, 74, 76, 77, 78, 79, 80, 11, 81, 82, 38, 49, 37, 83, 85, 86, 87},
    {0x030f0000, 3, 4, 5, 6, 8, 9, 12, 15, 16, 18, 19, 22, 24, 25, 26, 30, 31, 39, 40, 41, 42, 43, 44,
     47, 48, 49, 50, 51, 52, 54, 56, 58, 59, 60, 61, 63, 68, 69, 70, 71, 72,
     78, 79, 80, 83, 84, 85, 86, 88, 89, 90, 91, 92, 11, 94, 95, 46, 57, 45, 99, 101, 102, 103},
};

#define MAX_WORDS 128

/* An offset inside a section whose first word is its struct's size. */
static int in(const uint64_t *w, int size_word, int off_word, size_t width, int32_t *out)
{
    uint64_t size = w[size_word], off = w[off_word];
    if (size == 0 || size > (64u << 20) || off > size - width)
        return -1;
    *out = (int32_t)off;
    return 0;
}

int pc_py_debug_offsets(pc_target *t, uint64_t runtime, uint32_t *version, int *free_threaded,
                        const struct pc_py_layout *base, struct pc_py_layout *L)
{
    uint64_t w[MAX_WORDS];
    if (pc_read(t, runtime, w, 3 * 8) || memcmp(w, COOKIE, 8) != 0)
        return -1;
    *version = (uint32_t)w[1];
    *free_threaded = w[2] != 0;
    if ((*version >> 24) != 3 || ((*version >> 16) & 0xff) < 13)
        return -1;
    const struct schema *S = &schemas[0];
    for (size_t i = 0; i < sizeof schemas / sizeof *schemas; i++)
        if (*version >= schemas[i].since)
            S = &schemas[i];
    if (pc_read(t, runtime, w, (size_t)S->count * 8))
        return -2;
    /* What _Py_DebugOffsets does not describe (dict keys internals, type
     * sizes, module dict) comes from the nearest generated table. */
    *L = *base;
    /* _PyRuntimeState beyond the debug offsets is only known for the
     * base's own minor. */
    if ((base->version_min >> 16) != (*version >> 16))
        L->rt_signals_pending = L->rt_main_thread = L->is_finalizing = L->ts_state =
            L->is_gc_generations = L->is_gc_permanent = L->co_exceptiontable = PC_NO_FIELD;
    L->version_min = L->version_max = *version;
    L->source = "_Py_DebugOffsets of the target";
    int32_t gil_off = 0, locked = 0, holder = 0, tag = 0;
    int bad = 0;
    bad |= in(w, S->rt_size, S->rt_finalizing, 8, &L->rt_finalizing);
    bad |= in(w, S->rt_size, S->rt_interpreters_head, 8, &L->rt_interpreters_head);
    L->rt_size = (int32_t)(w[S->rt_size] & 0x7fffffff);
    L->rt_gil = L->rt_tstate_current = PC_NO_FIELD;
    bad |= in(w, S->is_size, S->is_next, 8, &L->is_next);
    /* interpreter_state.id directly follows its size in every schema */
    bad |= in(w, S->is_size, S->is_size + 1, 8, &L->is_id);
    /* gc.collecting: optional, a wrong value only loses the GC line */
    int32_t gc_at, coll;
    L->rt_gc_collecting = L->is_gc_collecting = PC_NO_FIELD;
    if (w[S->gc_size] <= 4096 && in(w, S->is_size, S->is_gc, (size_t)w[S->gc_size], &gc_at) == 0 &&
        in(w, S->gc_size, S->gc_collecting, 4, &coll) == 0)
        L->is_gc_collecting = gc_at + coll;
    bad |= in(w, S->is_size, S->is_threads_head, 8, &L->is_tstate_head);
    bad |= in(w, S->is_size, S->is_modules, 8, &L->is_modules);
    bad |= in(w, S->is_size, S->is_ceval_gil, 8, &L->is_gil);
    bad |= in(w, S->is_size, S->is_gil, 8, &gil_off);
    bad |= in(w, S->is_size, S->is_gil_locked, 4, &locked);
    bad |= in(w, S->is_size, S->is_gil_holder, 8, &holder);
    if (!bad && (locked < gil_off || holder < gil_off))
        bad = 1;
    L->gil_locked = locked - gil_off;
    L->gil_last_holder = holder - gil_off;
    /* Enough to hold the mutexes and condition variables after them. */
    L->gil_size = 512;
    bad |= in(w, S->ts_size, S->ts_next, 8, &L->ts_next);
    bad |= in(w, S->ts_size, S->ts_interp, 8, &L->ts_interp);
    bad |= in(w, S->ts_size, S->ts_current_frame, 8, &L->ts_current_frame);
    bad |= in(w, S->ts_size, S->ts_thread_id, 8, &L->ts_thread_id);
    bad |= in(w, S->ts_size, S->ts_native_thread_id, 4, &L->ts_native_thread_id);
    L->ts_frame = L->ts_cframe = L->cf_current_frame = PC_NO_FIELD;
    bad |= in(w, S->if_size, S->if_previous, 8, &L->if_previous);
    bad |= in(w, S->if_size, S->if_executable, 8, &L->if_code);
    bad |= in(w, S->if_size, S->if_instr_ptr, 8, &L->if_instr);
    bad |= in(w, S->if_size, S->if_owner, 1, &L->if_owner);
    bad |= in(w, S->if_size, S->if_localsplus, 0, &L->if_localsplus);
    L->if_is_entry = PC_NO_FIELD;
    if (*version >= 0x030e0000)
        L->if_stacktop = PC_NO_FIELD;   /* 3.14 keeps a stack pointer instead */
    L->if_tlbc_index = L->co_tlbc = PC_NO_FIELD;
    if (*free_threaded && S->if_tlbc_index && w[S->if_tlbc_index] && w[S->co_tlbc]) {
        bad |= in(w, S->if_size, S->if_tlbc_index, 4, &L->if_tlbc_index);
        bad |= in(w, S->co_size, S->co_tlbc, 8, &L->co_tlbc);
    }
    if (S->gen_size) {
        /* Coroutine frames and their value stacks; the Task members come
         * from _AsyncioDebug (tasks.c), not from another minor's table. */
        bad |= in(w, S->if_size, S->if_stackpointer, 8, &L->if_stackpointer);
        bad |= in(w, S->gen_size, S->gen_iframe, 0, &L->gen_iframe);
        bad |= in(w, S->gen_size, S->gen_frame_state, 1, &L->gen_frame_state);
    }
    if ((base->version_min >> 16) != (*version >> 16))
        L->fut_loop = L->fut_state = L->fut_exception = L->fut_callback0 = L->fut_callbacks = L->task_fut_waiter =
            L->task_coro = L->task_name = L->task_node = PC_NO_FIELD;
    bad |= in(w, S->co_size, S->co_filename, 8, &L->co_filename);
    bad |= in(w, S->co_size, S->co_name, 8, &L->co_name);
    bad |= in(w, S->co_size, S->co_qualname, 8, &L->co_qualname);
    bad |= in(w, S->co_size, S->co_linetable, 8, &L->co_linetable);
    bad |= in(w, S->co_size, S->co_firstlineno, 4, &L->co_firstlineno);
    bad |= in(w, S->co_size, S->co_code_adaptive, 0, &L->co_code_adaptive);
    bad |= in(w, S->co_size, S->co_localsplusnames, 8, &L->co_varnames);
    bad |= in(w, S->ob_size, S->ob_type, 8, &L->ob_type);
    bad |= in(w, S->tp_size, S->tp_name, 8, &L->tp_name);
    bad |= in(w, S->tp_size, S->tp_flags, 8, &L->tp_flags);
    /* PyHeapTypeObject's members follow PyTypeObject, which 3.15 grew. */
    if (!bad && base->tp_size > 0 && base->ht_cached_keys > base->tp_size && w[S->tp_size] < 4096) {
        L->ht_cached_keys = base->ht_cached_keys - base->tp_size + (int32_t)w[S->tp_size];
        L->tp_size = (int32_t)w[S->tp_size];
    }
    bad |= in(w, S->tu_size, S->tu_item, 0, &L->tu_item);
    bad |= in(w, S->tu_size, S->tu_ob_size, 8, &L->ob_size);
    bad |= in(w, S->li_size, S->li_item, 8, &L->li_item);
    bad |= in(w, S->d_size, S->d_keys, 8, &L->d_keys);
    bad |= in(w, S->d_size, S->d_values, 8, &L->d_values);
    bad |= in(w, S->l_size, S->l_digit, 0, &L->l_digit);
    bad |= in(w, S->b_size, S->b_sval, 0, &L->b_sval);
    bad |= in(w, S->u_size, S->u_state, 4, &L->u_state);
    bad |= in(w, S->u_size, S->u_length, 8, &L->u_length);
    if (w[S->u_ascii] == 0 || w[S->u_ascii] > 256)
        bad = 1;
    L->u_ascii_size = (int32_t)w[S->u_ascii];
    /* PyCompactUnicodeObject adds utf8_length and utf8 (3.12+). */
    L->u_compact_size = L->u_ascii_size + 16;
    /* lv_tag shares ob_size's slot; the engine reads it through ob_size. */
    bad |= in(w, S->l_size, S->l_tag, 8, &tag);
    if (!bad && tag != L->ob_size)
        bad = 1;
    return bad ? -2 : 0;
}
