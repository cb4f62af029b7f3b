/* Prints one struct pc_py_layout initializer for the CPython whose headers
 * it is compiled against (see gen_layouts.py, which drives it):
 *
 *   cc -I<inc> -I<inc>/internal -DPy_BUILD_CORE [-DPy_DEBUG]
 *      -DPC_SOURCE='"..."' layout_probe.c
 *
 * Every number comes from offsetof/sizeof on the version's own declarations,
 * so padding and Py_DEBUG-only members are accounted for by the compiler.
 * Supports 2.7 and 3.6+ (before 3.7 there is no _PyRuntime and the
 * interpreter structs are in public headers). */
#include <Python.h>
#include <structmember.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#if PY_VERSION_HEX < 0x03070000
# define PC_NO_RUNTIME 1
#elif PY_VERSION_HEX < 0x03080000
# include "internal/pystate.h"
#elif PY_VERSION_HEX < 0x03090000
# include "internal/pycore_pystate.h"
#else
# include "internal/pycore_runtime.h"
# include "internal/pycore_interp.h"
#endif

#if PY_VERSION_HEX < 0x03000000
# include <frameobject.h>
# include <code.h>
# include <longintrepr.h>
# define PC_PY2 1
#elif PY_VERSION_HEX < 0x030b0000
# include <frameobject.h>
# include <code.h>
# include <longintrepr.h>
#else
# include "internal/pycore_frame.h"
# include "internal/pycore_code.h"
# include "internal/pycore_dict.h"
#endif
#if PY_VERSION_HEX >= 0x030c0000
# include "internal/pycore_object.h"   /* MANAGED_DICT_OFFSET */
#endif
#if PY_VERSION_HEX >= 0x030e0000
# include "internal/pycore_genobject.h"   /* PyGenObject's members */
#endif

#if PY_VERSION_HEX >= 0x030a0000
# include "internal/pycore_moduleobject.h"
#else
/* Private to Objects/moduleobject.c in 3.7-3.9; only md_dict is read, and it
 * directly follows the object header there. */
typedef struct {
    PyObject_HEAD
    PyObject *md_dict;
} PyModuleObject;
#endif

#if PY_VERSION_HEX >= 0x03000000 && PY_VERSION_HEX < 0x030b0000
/* Objects/dict-common.h (not installed), identical in 3.6 (where dk_indices
 * is a union starting at the same offset), 3.7, 3.8, 3.9 and
 * 3.10: struct _dictkeysobject and PyDictKeyEntry.  The real dk_lookup is a
 * function pointer; only its size matters here. */
typedef struct {
    Py_hash_t me_hash;
    PyObject *me_key;
    PyObject *me_value;
} PyDictKeyEntry;

struct _dictkeysobject {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;
    void (*dk_lookup)(void);
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[];
};
#endif

/* Modules/_io (private): the heads of fileio, buffered and textio, the
 * same in 2.7 and 3.6-3.15 up to the members declared here (buffered's
 * lock and owner sit between its positions and buffer_size; 2.7 declares
 * owner as long).  tests/integration/test_private_layouts.py compares these
 * offsets with the DWARF of every interpreter that has it. */
typedef struct {
    PyObject_HEAD
    int fd;
} pc_fileio;

typedef struct {
    PyObject_HEAD
    PyObject *raw;
    int ok, detached, readable, writable;
    char finalizing;
    int fast_closed_checks;
    long long abs_pos;
    char *buffer;
    long long pos, raw_pos, read_end, write_pos, write_end;
    void *lock;
    volatile unsigned long owner;
    Py_ssize_t buffer_size, buffer_mask;
    PyObject *dict;
} pc_buffered;

typedef struct {
    PyObject_HEAD
    int ok, detached;
    Py_ssize_t chunk_size;
    PyObject *buffer;
} pc_textio;

/* Modules/_multiprocessing/semaphore.c (private): SemLockObject, one
 * layout in 2.7 and 3.6-3.15 (2.7 has no name; 2.7 and 3.6 declare
 * last_tid as long).  test_private_layouts.py checks it against DWARF. */
typedef struct {
    PyObject_HEAD
    void *handle;
    unsigned long last_tid;
    int count;
    int maxvalue;
    int kind;
    char *name;
} pc_semlock;

/* Modules/_asynciomodule.c (private): a Task is FutureObj_HEAD then its
 * own members, and both changed shape between minors (members added in
 * the middle, 3.13 turned the flags into bitfields that run on from the
 * head into the task).  Re-declared from each tag's source;
 * test_private_layouts.py checks the offsets against DWARF.  3.14+
 * builds also describe their tasks in _AsyncioDebug, which wins. */
#ifndef PC_PY2
typedef struct {
    PyObject_HEAD
    PyObject *loop;
# if PY_VERSION_HEX >= 0x03070000
    PyObject *callback0, *context0;
# endif
    PyObject *callbacks, *exception;
# if PY_VERSION_HEX >= 0x030a0000
    PyObject *exception_tb;
# endif
    PyObject *result, *source_tb;
# if PY_VERSION_HEX >= 0x03090000
    PyObject *cancel_msg;
# endif
# if PY_VERSION_HEX >= 0x030d0000
    PyObject *cancelled_exc;
# endif
# if PY_VERSION_HEX >= 0x030e0000
    PyObject *awaited_by;
# endif
    int state;
# if PY_VERSION_HEX >= 0x030e0000
    char is_task, awaited_by_is_set;
# endif
# if PY_VERSION_HEX >= 0x030d0000
    unsigned log_tb: 1, blocking: 1, must_cancel: 1, log_destroy_pending: 1;
    int num_cancels_requested;
# else
    int log_tb, blocking;
    PyObject *dict, *weakreflist;
#  if PY_VERSION_HEX >= 0x030b0000
    PyObject *cancelled_exc;
#  elif PY_VERSION_HEX >= 0x03090000
    _PyErr_StackItem cancelled_exc_state;
#  endif
# endif
    PyObject *fut_waiter, *coro;
# if PY_VERSION_HEX >= 0x03080000
    PyObject *name;
# endif
# if PY_VERSION_HEX >= 0x03070000
    PyObject *context;
# endif
# if PY_VERSION_HEX >= 0x030e0000
    struct { void *next, *prev; } node;
# endif
# if PY_VERSION_HEX < 0x030d0000
    int must_cancel, log_destroy_pending;
#  if PY_VERSION_HEX >= 0x030b0000
    int num_cancels_requested;
#  endif
# endif
} pc_task;
#endif

#ifndef PC_SOURCE
# define PC_SOURCE "unknown"
#endif

/* The state bitfield word cannot be offsetof'd bit by bit, but the struct
 * holding it is a named member; both ways must agree. */
#ifndef PC_PY2
_Static_assert(offsetof(PyASCIIObject, state)
               == offsetof(PyASCIIObject, hash) + sizeof(Py_hash_t),
               "PyASCIIObject.state does not follow hash");
#endif
#if PY_VERSION_HEX >= 0x030c0000
/* 3.12+ keeps the tagged digit count where ob_size used to be; the engine
 * reads it through ob_size. */
_Static_assert(offsetof(PyLongObject, long_value.lv_tag)
               == offsetof(PyVarObject, ob_size),
               "lv_tag moved away from ob_size");
#endif

#ifndef PC_PY2
/* The bit where state.kind starts; compact and ascii follow it. */
static long unicode_kind_shift(void)
{
    PyASCIIObject o;
    unsigned int w;
    memset(&o, 0, sizeof o);
    o.state.kind = 1;
    memcpy(&w, (char *)&o + offsetof(PyASCIIObject, state), sizeof w);
    return (long)__builtin_ctz(w);
}
#endif

static int first_in_line;

static void field(const char *name, long value)
{
    printf("%s.%s = ", first_in_line ? "      " : " ", name);
    if (value < 0)
        printf("PC_NO_FIELD,");
    else
        printf("%ld,", value);
    first_in_line = 0;
}

static void endl(void)
{
    printf("\n");
    first_in_line = 1;
}

#define F(name, expr) field(#name, (long)(expr))
#define NF(name) field(#name, -1L)

int main(void)
{
    printf("    { .version_min = 0x%08lx, .version_max = 0x%08lx,"
           " .debug_build = %d, .free_threaded = %d,\n      .source = \"%s\",\n",
           (unsigned long)PY_VERSION_HEX, (unsigned long)PY_VERSION_HEX,
#ifdef Py_DEBUG
           1,
#else
           0,
#endif
#ifdef Py_GIL_DISABLED
           1,
#else
           0,
#endif
           PC_SOURCE);
    first_in_line = 1;

#ifdef PC_NO_RUNTIME
    NF(rt_size);
    NF(rt_finalizing);
    NF(rt_interpreters_head);
    NF(rt_gil);
    NF(rt_tstate_current);
#else
    F(rt_size, sizeof(_PyRuntimeState));
#if PY_VERSION_HEX < 0x03090000
    F(rt_finalizing, offsetof(_PyRuntimeState, finalizing));
#else
    F(rt_finalizing, offsetof(_PyRuntimeState, _finalizing));
#endif
    F(rt_interpreters_head, offsetof(_PyRuntimeState, interpreters.head));
#if PY_VERSION_HEX < 0x030c0000
    F(rt_gil, offsetof(_PyRuntimeState, ceval.gil));
    F(rt_tstate_current, offsetof(_PyRuntimeState, gilstate.tstate_current));
#else
    NF(rt_gil);
    NF(rt_tstate_current);
#endif
#endif
    endl();

    F(is_next, offsetof(PyInterpreterState, next));
#if PY_VERSION_HEX >= 0x03070000
    F(is_id, offsetof(PyInterpreterState, id));
#else
    NF(is_id);
#endif
#if PY_VERSION_HEX < 0x030b0000
    F(is_tstate_head, offsetof(PyInterpreterState, tstate_head));
#else
    F(is_tstate_head, offsetof(PyInterpreterState, threads.head));
#endif
#if PY_VERSION_HEX < 0x030c0000
    F(is_modules, offsetof(PyInterpreterState, modules));
#else
    F(is_modules, offsetof(PyInterpreterState, imports.modules));
#endif
#if PY_VERSION_HEX < 0x03080000
    NF(is_finalizing);
#else
    F(is_finalizing, offsetof(PyInterpreterState, finalizing));
#endif
#if PY_VERSION_HEX < 0x030c0000
    NF(is_gil);
#else
    F(is_gil, offsetof(PyInterpreterState, ceval.gil));
#endif
    /* Is a garbage collection running: gcstate->collecting, in the
     * runtime (3.7, 3.8) or in each interpreter (3.9+). */
#if defined(PC_NO_RUNTIME)
    NF(rt_gc_collecting);
    NF(is_gc_collecting);
#elif PY_VERSION_HEX < 0x03090000
    F(rt_gc_collecting, offsetof(_PyRuntimeState, gc.collecting));
    NF(is_gc_collecting);
#else
    NF(rt_gc_collecting);
    F(is_gc_collecting, offsetof(PyInterpreterState, gc.collecting));
#endif
    /* The collector's generation lists (3.9+, builds with a GIL: a
     * free-threaded build keeps no lists): objects nothing registers, such
     * as greenlets, are found there. */
#if defined(PC_NO_RUNTIME) || PY_VERSION_HEX < 0x03090000 || defined(Py_GIL_DISABLED)
    NF(is_gc_generations);
    NF(is_gc_permanent);
    NF(gc_num_generations);
#else
    F(is_gc_generations, offsetof(PyInterpreterState, gc.generations));
    F(is_gc_permanent, offsetof(PyInterpreterState, gc.permanent_generation));
    F(gc_num_generations, NUM_GENERATIONS);
#endif
#if defined(PC_NO_RUNTIME) || PY_VERSION_HEX < 0x03090000 || defined(Py_GIL_DISABLED)
    NF(gc_generation_size);
    NF(gc_head_size);
#else
    F(gc_generation_size, sizeof(struct gc_generation));
    F(gc_head_size, sizeof(PyGC_Head));
#endif
    endl();

    F(ts_next, offsetof(PyThreadState, next));
    F(ts_interp, offsetof(PyThreadState, interp));
#if PY_VERSION_HEX < 0x030b0000
    F(ts_frame, offsetof(PyThreadState, frame));
#else
    NF(ts_frame);
#endif
    /* 3.10 has a cframe too, but without current_frame: not usable here. */
#if PY_VERSION_HEX >= 0x030b0000 && PY_VERSION_HEX < 0x030d0000
    F(ts_cframe, offsetof(PyThreadState, cframe));
#else
    NF(ts_cframe);
#endif
    /* ... but it points into the C stack of the thread running the state
     * (3.10-3.12): where the thread entered the interpreter. */
#if PY_VERSION_HEX >= 0x030a0000 && PY_VERSION_HEX < 0x030d0000
    F(ts_cframe_ptr, offsetof(PyThreadState, cframe));
#else
    NF(ts_cframe_ptr);
#endif
#if PY_VERSION_HEX >= 0x030d0000
    F(ts_current_frame, offsetof(PyThreadState, current_frame));
#else
    NF(ts_current_frame);
#endif
    endl();
    F(ts_thread_id, offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030b0000
    F(ts_native_thread_id, offsetof(PyThreadState, native_thread_id));
#else
    NF(ts_native_thread_id);
#endif
#if PY_VERSION_HEX >= 0x030b0000 && PY_VERSION_HEX < 0x030d0000
    F(cf_current_frame, offsetof(_PyCFrame, current_frame));
#else
    NF(cf_current_frame);
#endif
    endl();

#if PY_VERSION_HEX >= 0x030b0000
# if PY_VERSION_HEX < 0x030d0000
    F(if_code, offsetof(_PyInterpreterFrame, f_code));
# else
    F(if_code, offsetof(_PyInterpreterFrame, f_executable));
# endif
    F(if_previous, offsetof(_PyInterpreterFrame, previous));
# if PY_VERSION_HEX < 0x030d0000
    F(if_instr, offsetof(_PyInterpreterFrame, prev_instr));
# else
    F(if_instr, offsetof(_PyInterpreterFrame, instr_ptr));
# endif
    F(if_owner, offsetof(_PyInterpreterFrame, owner));
    endl();
# if PY_VERSION_HEX < 0x030c0000
    F(if_is_entry, offsetof(_PyInterpreterFrame, is_entry));
# else
    NF(if_is_entry);
# endif
    F(if_localsplus, offsetof(_PyInterpreterFrame, localsplus));
# if PY_VERSION_HEX < 0x030e0000
    F(if_stacktop, offsetof(_PyInterpreterFrame, stacktop));
# else
    NF(if_stacktop);   /* 3.14 keeps a stack pointer instead */
# endif
    endl();
    NF(fo_back);
    NF(fo_code);
    NF(fo_lasti);
    NF(fo_lineno);
#else
    NF(if_code);
    NF(if_previous);
    NF(if_instr);
    NF(if_owner);
    endl();
    NF(if_is_entry);
    NF(if_localsplus);
    NF(if_stacktop);
    endl();
    F(fo_back, offsetof(PyFrameObject, f_back));
    F(fo_code, offsetof(PyFrameObject, f_code));
    F(fo_lasti, offsetof(PyFrameObject, f_lasti));
    F(fo_lineno, offsetof(PyFrameObject, f_lineno));
#endif
    endl();

    F(co_filename, offsetof(PyCodeObject, co_filename));
    F(co_name, offsetof(PyCodeObject, co_name));
#if PY_VERSION_HEX >= 0x030b0000
    F(co_qualname, offsetof(PyCodeObject, co_qualname));
#else
    NF(co_qualname);
#endif
    F(co_firstlineno, offsetof(PyCodeObject, co_firstlineno));
#if PY_VERSION_HEX >= 0x030a0000
    F(co_linetable, offsetof(PyCodeObject, co_linetable));
#else
    F(co_linetable, offsetof(PyCodeObject, co_lnotab));
#endif
    endl();
#if PY_VERSION_HEX < 0x030b0000
    F(co_code, offsetof(PyCodeObject, co_code));
    NF(co_code_adaptive);
    NF(co_nlocalsplus);
#else
    NF(co_code);
    F(co_code_adaptive, offsetof(PyCodeObject, co_code_adaptive));
    F(co_nlocalsplus, offsetof(PyCodeObject, co_nlocalsplus));
#endif
    F(co_stacksize, offsetof(PyCodeObject, co_stacksize));
    endl();
    /* Frame locals (--locals): arguments, cells and free variables. */
    F(co_argcount, offsetof(PyCodeObject, co_argcount));
#if PY_VERSION_HEX >= 0x03080000
    F(co_posonlyargcount, offsetof(PyCodeObject, co_posonlyargcount));
#else
    NF(co_posonlyargcount);
#endif
#ifdef PC_PY2
    NF(co_kwonlyargcount);
#else
    F(co_kwonlyargcount, offsetof(PyCodeObject, co_kwonlyargcount));
#endif
    F(co_flags, offsetof(PyCodeObject, co_flags));
    endl();
#if PY_VERSION_HEX < 0x030b0000
    F(co_cellvars, offsetof(PyCodeObject, co_cellvars));
    F(co_freevars, offsetof(PyCodeObject, co_freevars));
    NF(co_localspluskinds);
#else
    NF(co_cellvars);
    NF(co_freevars);
    F(co_localspluskinds, offsetof(PyCodeObject, co_localspluskinds));
#endif
#if PY_VERSION_HEX >= 0x030b0000
    F(co_exceptiontable, offsetof(PyCodeObject, co_exceptiontable));
#else
    NF(co_exceptiontable);
#endif
    F(fl_fval, offsetof(PyFloatObject, ob_fval));
    F(set_mask, offsetof(PySetObject, mask));
    F(set_table, offsetof(PySetObject, table));
    F(set_entry_size, sizeof(setentry));
    F(set_entry_key, offsetof(setentry, key));
    endl();

    F(ob_type, offsetof(PyObject, ob_type));
    F(ob_size, offsetof(PyVarObject, ob_size));
    F(tp_name, offsetof(PyTypeObject, tp_name));
    F(tp_basicsize, offsetof(PyTypeObject, tp_basicsize));
    F(tp_dictoffset, offsetof(PyTypeObject, tp_dictoffset));
    F(tp_flags, offsetof(PyTypeObject, tp_flags));
    F(tp_base, offsetof(PyTypeObject, tp_base));
    F(tp_members, offsetof(PyTypeObject, tp_members));
    F(tp_weaklistoffset, offsetof(PyTypeObject, tp_weaklistoffset));
    F(md_size, sizeof(PyMemberDef));
    F(md_offset, offsetof(PyMemberDef, offset));
    endl();
#ifdef PC_PY2
    NF(ht_cached_keys);
#else
    F(ht_cached_keys, offsetof(PyHeapTypeObject, ht_cached_keys));
#endif
    endl();

#ifdef PC_PY2
    NF(u_length);
    NF(u_state);
    NF(u_ascii_size);
    NF(u_compact_size);
#else
    F(u_length, offsetof(PyASCIIObject, length));
    F(u_state, offsetof(PyASCIIObject, state));
    F(u_ascii_size, sizeof(PyASCIIObject));
    F(u_compact_size, sizeof(PyCompactUnicodeObject));
#endif
    endl();
    F(b_sval, offsetof(PyBytesObject, ob_sval));
#if PY_VERSION_HEX < 0x030c0000
    F(l_digit, offsetof(PyLongObject, ob_digit));
#else
    F(l_digit, offsetof(PyLongObject, long_value.ob_digit));
#endif
    F(l_digit_bits, PYLONG_BITS_IN_DIGIT);
    endl();

    F(d_used, offsetof(PyDictObject, ma_used));
#ifdef PC_PY2
    NF(d_keys);
    NF(d_values);
    endl();
    NF(dk_size);
    NF(dk_log2_size);
    NF(dk_log2_index_bytes);
    NF(dk_kind);
    endl();
    NF(dk_nentries);
    NF(dk_indices);
    F(dk_entry_size, sizeof(PyDictEntry));
    NF(dk_unicode_entry_size);
    endl();
#else
    F(d_keys, offsetof(PyDictObject, ma_keys));
    F(d_values, offsetof(PyDictObject, ma_values));
    endl();
#if PY_VERSION_HEX < 0x030b0000
    F(dk_size, offsetof(PyDictKeysObject, dk_size));
    NF(dk_log2_size);
    NF(dk_log2_index_bytes);
    NF(dk_kind);
#else
    NF(dk_size);
    F(dk_log2_size, offsetof(PyDictKeysObject, dk_log2_size));
    F(dk_log2_index_bytes, offsetof(PyDictKeysObject, dk_log2_index_bytes));
    F(dk_kind, offsetof(PyDictKeysObject, dk_kind));
#endif
    endl();
    F(dk_nentries, offsetof(PyDictKeysObject, dk_nentries));
    F(dk_indices, offsetof(PyDictKeysObject, dk_indices));
    F(dk_entry_size, sizeof(PyDictKeyEntry));
#if PY_VERSION_HEX < 0x030b0000
    NF(dk_unicode_entry_size);
#else
    F(dk_unicode_entry_size, sizeof(PyDictUnicodeEntry));
#endif
    endl();
#endif

    F(tu_item, offsetof(PyTupleObject, ob_item));
    F(li_item, offsetof(PyListObject, ob_item));
    F(md_dict, offsetof(PyModuleObject, md_dict));
    endl();

#ifdef PC_NO_RUNTIME
    /* The GIL is file-static in ceval_gil.h (3.6) or a plain lock (2.7). */
    NF(gil_size);
    NF(gil_locked);
    NF(gil_last_holder);
#else
    F(gil_size, sizeof(struct _gil_runtime_state));
    F(gil_locked, offsetof(struct _gil_runtime_state, locked));
    F(gil_last_holder, offsetof(struct _gil_runtime_state, last_holder));
#endif
    endl();
#if PY_VERSION_HEX < 0x030b0000
    F(fo_localsplus, offsetof(PyFrameObject, f_localsplus));
    F(fo_globals, offsetof(PyFrameObject, f_globals));
    NF(if_globals);
    F(co_varnames, offsetof(PyCodeObject, co_varnames));
#else
    NF(fo_localsplus);
    NF(fo_globals);
    F(if_globals, offsetof(_PyInterpreterFrame, f_globals));
    F(co_varnames, offsetof(PyCodeObject, co_localsplusnames));
#endif
    F(co_nlocals, offsetof(PyCodeObject, co_nlocals));
    F(co_names, offsetof(PyCodeObject, co_names));
    F(tp_size, sizeof(PyTypeObject));
    endl();
    F(fio_fd, offsetof(pc_fileio, fd));
    F(buf_raw, offsetof(pc_buffered, raw));
    F(buf_lock, offsetof(pc_buffered, lock));
    F(buf_owner, offsetof(pc_buffered, owner));
    F(buf_dict, offsetof(pc_buffered, dict));
    F(tio_buffer, offsetof(pc_textio, buffer));
    endl();
    F(sl_handle, offsetof(pc_semlock, handle));
    F(sl_last_tid, offsetof(pc_semlock, last_tid));
    F(sl_count, offsetof(pc_semlock, count));
    F(sl_maxvalue, offsetof(pc_semlock, maxvalue));
    F(sl_kind, offsetof(pc_semlock, kind));
#ifdef PC_PY2
    NF(sl_name);
#else
    F(sl_name, offsetof(pc_semlock, name));
#endif
    endl();
    F(ob_head_size, sizeof(PyObject));
    F(cell_ref, offsetof(PyCellObject, ob_ref));
    F(cf_ml, offsetof(PyCFunctionObject, m_ml));
    F(cf_self, offsetof(PyCFunctionObject, m_self));
#ifdef MANAGED_DICT_OFFSET
    F(ob_managed_dict_before, -(MANAGED_DICT_OFFSET));
#elif PY_VERSION_HEX >= 0x030b0000
    /* 3.11 _PyObject_ManagedDictPointer, 3.12 _PyObject_DictOrValuesPointer */
    F(ob_managed_dict_before, 3 * sizeof(PyObject *));
#else
    NF(ob_managed_dict_before);
#endif
#if PY_VERSION_HEX >= 0x030d0000
    F(ts_state, offsetof(PyThreadState, state));
#else
    NF(ts_state);
#endif
#if PY_VERSION_HEX >= 0x030e0000 && defined(Py_GIL_DISABLED)
    F(if_tlbc_index, offsetof(_PyInterpreterFrame, tlbc_index));
    F(co_tlbc, offsetof(PyCodeObject, co_tlbc));
#else
    NF(if_tlbc_index);
    NF(co_tlbc);
#endif
#ifdef PC_PY2
    NF(u_kind_shift);
#else
    F(u_kind_shift, unicode_kind_shift());
#endif
    endl();
#ifdef PC_NO_RUNTIME
    NF(rt_signals_pending);
    NF(rt_main_thread);
#elif PY_VERSION_HEX < 0x03080000
    /* 3.7 keeps signal state file-static; the main thread in ceval.pending. */
    NF(rt_signals_pending);
    F(rt_main_thread, offsetof(_PyRuntimeState, ceval.pending.main_thread));
#else
# if PY_VERSION_HEX < 0x030c0000
    F(rt_signals_pending, offsetof(_PyRuntimeState, ceval.signals_pending));
# else
    F(rt_signals_pending, offsetof(_PyRuntimeState, signals.is_tripped));
# endif
    F(rt_main_thread, offsetof(_PyRuntimeState, main_thread));
#endif
    endl();
#if PY_VERSION_HEX < 0x030b0000
    F(gen_frame, offsetof(PyGenObject, gi_frame));
    NF(gen_iframe);
    NF(gen_frame_state);
# if PY_VERSION_HEX < 0x030a0000
    F(fo_stacktop, offsetof(PyFrameObject, f_stacktop));
    NF(fo_stackdepth);
# else
    NF(fo_stacktop);
    F(fo_stackdepth, offsetof(PyFrameObject, f_stackdepth));
# endif
    F(fo_valuestack, offsetof(PyFrameObject, f_valuestack));
    NF(if_stackpointer);
#else
    NF(gen_frame);
    F(gen_iframe, offsetof(PyGenObject, gi_iframe));
    F(gen_frame_state, offsetof(PyGenObject, gi_frame_state));
    NF(fo_stacktop);
    NF(fo_stackdepth);
    NF(fo_valuestack);
# if PY_VERSION_HEX >= 0x030e0000
    F(if_stackpointer, offsetof(_PyInterpreterFrame, stackpointer));
# else
    NF(if_stackpointer);
# endif
#endif
    F(wr_object, offsetof(PyWeakReference, wr_object));
    F(meth_self, offsetof(PyMethodObject, im_self));
    F(fn_closure, offsetof(PyFunctionObject, func_closure));
    endl();
#ifdef PC_PY2
    NF(fut_loop);
    NF(fut_state);
    NF(fut_exception);
    NF(fut_callback0);
    NF(fut_callbacks);
    NF(task_fut_waiter);
    NF(task_coro);
    NF(task_name);
#else
    F(fut_loop, offsetof(pc_task, loop));
    F(fut_state, offsetof(pc_task, state));
    F(fut_exception, offsetof(pc_task, exception));
# if PY_VERSION_HEX >= 0x03070000
    F(fut_callback0, offsetof(pc_task, callback0));
# else
    NF(fut_callback0);
# endif
    F(fut_callbacks, offsetof(pc_task, callbacks));
    F(task_fut_waiter, offsetof(pc_task, fut_waiter));
    F(task_coro, offsetof(pc_task, coro));
# if PY_VERSION_HEX >= 0x03080000
    F(task_name, offsetof(pc_task, name));
# else
    NF(task_name);
# endif
#endif
#if PY_VERSION_HEX >= 0x030e0000
    F(task_node, offsetof(pc_task, node));
#else
    NF(task_node);
#endif
    /* The heads of 3.14's task lists come from _AsyncioDebug only. */
    NF(ts_asyncio_tasks_head);
    NF(is_asyncio_tasks_head);
    endl();
#ifdef PC_PY2
    F(d_mask, offsetof(PyDictObject, ma_mask));
    F(d_table, offsetof(PyDictObject, ma_table));
    F(i_ival, offsetof(PyIntObject, ob_ival));
#else
    NF(d_mask);
    NF(d_table);
    NF(i_ival);
#endif
    endl();
    printf("    },\n");
    return 0;
}
