/* CPython 3.13+ describes its own layout in _Py_DebugOffsets, the first
 * member of _PyRuntime.  The prefix read here (through unicode_object) is
 * the same in 3.13, 3.14 and 3.15; later versions append sections.  Every
 * offset is checked against the size its section declares before use. */
#include "cpython/python.h"

#include <string.h>

#define COOKIE "xdebugpy"

/* Section sizes and offsets as uint64 words, in declaration order. */
enum {
    W_VERSION = 1, W_FREE_THREADED,
    W_RT_SIZE, W_RT_FINALIZING, W_RT_INTERPRETERS_HEAD,
    W_IS_SIZE, W_IS_ID, W_IS_NEXT, W_IS_THREADS_HEAD, W_IS_GC, W_IS_MODULES, W_IS_SYSDICT,
    W_IS_BUILTINS, W_IS_CEVAL_GIL, W_IS_GIL, W_IS_GIL_ENABLED, W_IS_GIL_LOCKED, W_IS_GIL_HOLDER,
    W_TS_SIZE, W_TS_PREV, W_TS_NEXT, W_TS_INTERP, W_TS_CURRENT_FRAME, W_TS_THREAD_ID,
    W_TS_NATIVE_THREAD_ID, W_TS_DATASTACK, W_TS_STATUS,
    W_IF_SIZE, W_IF_PREVIOUS, W_IF_EXECUTABLE, W_IF_INSTR_PTR, W_IF_LOCALSPLUS, W_IF_OWNER,
    W_CO_SIZE, W_CO_FILENAME, W_CO_NAME, W_CO_QUALNAME, W_CO_LINETABLE, W_CO_FIRSTLINENO,
    W_CO_ARGCOUNT, W_CO_LOCALSPLUSNAMES, W_CO_LOCALSPLUSKINDS, W_CO_CODE_ADAPTIVE,
    W_OB_SIZE, W_OB_TYPE,
    W_TP_SIZE, W_TP_NAME, W_TP_REPR, W_TP_FLAGS,
    W_TU_SIZE, W_TU_ITEM, W_TU_OB_SIZE,
    W_LI_SIZE, W_LI_ITEM, W_LI_OB_SIZE,
    W_D_SIZE, W_D_KEYS, W_D_VALUES,
    W_F_SIZE, W_F_FVAL,
    W_L_SIZE, W_L_TAG, W_L_DIGIT,
    W_B_SIZE, W_B_OB_SIZE, W_B_SVAL,
    W_U_SIZE, W_U_STATE, W_U_LENGTH, W_U_ASCII_SIZE,
    W_COUNT
};

/* An offset inside a section of the given size (in words). */
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
    uint64_t w[W_COUNT];
    if (pc_read(t, runtime, w, sizeof w) || memcmp(w, COOKIE, 8) != 0)
        return -1;
    *version = (uint32_t)w[W_VERSION];
    *free_threaded = w[W_FREE_THREADED] != 0;
    if ((*version >> 24) != 3 || ((*version >> 16) & 0xff) < 13)
        return -1;
    /* What _Py_DebugOffsets does not describe (dict keys internals, type
     * sizes, module dict) comes from the nearest generated table. */
    *L = *base;
    L->version_min = L->version_max = *version;
    L->source = "_Py_DebugOffsets of the target";
    int32_t gil_off = 0, locked = 0, holder = 0;
    int bad = 0;
    bad |= in(w, W_RT_SIZE, W_RT_FINALIZING, 8, &L->rt_finalizing);
    bad |= in(w, W_RT_SIZE, W_RT_INTERPRETERS_HEAD, 8, &L->rt_interpreters_head);
    L->rt_size = (int32_t)(w[W_RT_SIZE] & 0x7fffffff);
    L->rt_gil = L->rt_tstate_current = PC_NO_FIELD;
    bad |= in(w, W_IS_SIZE, W_IS_NEXT, 8, &L->is_next);
    bad |= in(w, W_IS_SIZE, W_IS_THREADS_HEAD, 8, &L->is_tstate_head);
    bad |= in(w, W_IS_SIZE, W_IS_MODULES, 8, &L->is_modules);
    bad |= in(w, W_IS_SIZE, W_IS_CEVAL_GIL, 8, &L->is_gil);
    bad |= in(w, W_IS_SIZE, W_IS_GIL, 8, &gil_off);
    bad |= in(w, W_IS_SIZE, W_IS_GIL_LOCKED, 4, &locked);
    bad |= in(w, W_IS_SIZE, W_IS_GIL_HOLDER, 8, &holder);
    if (!bad && (locked < gil_off || holder < gil_off))
        bad = 1;
    L->gil_locked = locked - gil_off;
    L->gil_last_holder = holder - gil_off;
    /* Enough to hold the mutexes and condition variables after them. */
    L->gil_size = 512;
    bad |= in(w, W_TS_SIZE, W_TS_NEXT, 8, &L->ts_next);
    bad |= in(w, W_TS_SIZE, W_TS_INTERP, 8, &L->ts_interp);
    bad |= in(w, W_TS_SIZE, W_TS_CURRENT_FRAME, 8, &L->ts_current_frame);
    bad |= in(w, W_TS_SIZE, W_TS_THREAD_ID, 8, &L->ts_thread_id);
    bad |= in(w, W_TS_SIZE, W_TS_NATIVE_THREAD_ID, 4, &L->ts_native_thread_id);
    L->ts_frame = L->ts_cframe = L->cf_current_frame = PC_NO_FIELD;
    bad |= in(w, W_IF_SIZE, W_IF_PREVIOUS, 8, &L->if_previous);
    bad |= in(w, W_IF_SIZE, W_IF_EXECUTABLE, 8, &L->if_code);
    bad |= in(w, W_IF_SIZE, W_IF_INSTR_PTR, 8, &L->if_instr);
    bad |= in(w, W_IF_SIZE, W_IF_OWNER, 1, &L->if_owner);
    bad |= in(w, W_IF_SIZE, W_IF_LOCALSPLUS, 0, &L->if_localsplus);
    L->if_is_entry = L->if_stacktop = PC_NO_FIELD;
    bad |= in(w, W_CO_SIZE, W_CO_FILENAME, 8, &L->co_filename);
    bad |= in(w, W_CO_SIZE, W_CO_NAME, 8, &L->co_name);
    bad |= in(w, W_CO_SIZE, W_CO_QUALNAME, 8, &L->co_qualname);
    bad |= in(w, W_CO_SIZE, W_CO_LINETABLE, 8, &L->co_linetable);
    bad |= in(w, W_CO_SIZE, W_CO_FIRSTLINENO, 4, &L->co_firstlineno);
    bad |= in(w, W_CO_SIZE, W_CO_CODE_ADAPTIVE, 0, &L->co_code_adaptive);
    bad |= in(w, W_CO_SIZE, W_CO_LOCALSPLUSNAMES, 8, &L->co_varnames);
    bad |= in(w, W_OB_SIZE, W_OB_TYPE, 8, &L->ob_type);
    bad |= in(w, W_TP_SIZE, W_TP_NAME, 8, &L->tp_name);
    bad |= in(w, W_TP_SIZE, W_TP_FLAGS, 8, &L->tp_flags);
    bad |= in(w, W_TU_SIZE, W_TU_ITEM, 0, &L->tu_item);
    bad |= in(w, W_TU_SIZE, W_TU_OB_SIZE, 8, &L->ob_size);
    bad |= in(w, W_LI_SIZE, W_LI_ITEM, 8, &L->li_item);
    bad |= in(w, W_D_SIZE, W_D_KEYS, 8, &L->d_keys);
    bad |= in(w, W_D_SIZE, W_D_VALUES, 8, &L->d_values);
    bad |= in(w, W_L_SIZE, W_L_DIGIT, 0, &L->l_digit);
    bad |= in(w, W_B_SIZE, W_B_SVAL, 0, &L->b_sval);
    bad |= in(w, W_U_SIZE, W_U_STATE, 4, &L->u_state);
    bad |= in(w, W_U_SIZE, W_U_LENGTH, 8, &L->u_length);
    if (w[W_U_ASCII_SIZE] == 0 || w[W_U_ASCII_SIZE] > 256)
        bad = 1;
    L->u_ascii_size = (int32_t)w[W_U_ASCII_SIZE];
    /* PyCompactUnicodeObject adds utf8_length and utf8 (3.12+). */
    L->u_compact_size = L->u_ascii_size + 16;
    /* lv_tag shares ob_size's slot; the engine reads it through ob_size. */
    int32_t tag = 0;
    bad |= in(w, W_L_SIZE, W_L_TAG, 8, &tag);
    if (!bad && tag != L->ob_size)
        bad = 1;
    return bad ? -2 : 0;
}
