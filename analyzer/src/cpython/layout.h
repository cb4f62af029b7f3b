/* CPython structure layouts as data.
 *
 * One struct describes every offset the engine reads.  Tables for
 * CPython <= 3.12 are generated from each version's own headers by
 * analyzer/src/cpython/gen/ (committed output: layouts_generated.c);
 * 3.13+ fills the same struct from the target's _Py_DebugOffsets.
 * A field a version does not have is PC_NO_FIELD. */
#ifndef PYCORE_CPYTHON_LAYOUT_H
#define PYCORE_CPYTHON_LAYOUT_H

#include <stdint.h>
#include <stddef.h>

#define PC_NO_FIELD (-1)

struct pc_py_layout {
    uint32_t version_min;  /* PY_VERSION_HEX range this entry covers */
    uint32_t version_max;
    uint8_t  debug_build;  /* generated with Py_DEBUG */
    uint8_t  free_threaded; /* generated with Py_GIL_DISABLED (3.13+ --disable-gil) */
    const char *source;    /* where the numbers came from */

    /* _PyRuntimeState */
    int32_t rt_size;
    int32_t rt_finalizing;          /* _finalizing (tstate*) */
    int32_t rt_interpreters_head;
    int32_t rt_gil;                 /* ceval.gil, <= 3.11 */
    int32_t rt_tstate_current;      /* gilstate.tstate_current, <= 3.11 */

    /* PyInterpreterState */
    int32_t is_next;
    int32_t is_id;                  /* 3.7+: the interpreter's id (main: 0) */
    int32_t rt_gc_collecting;       /* 3.7, 3.8: _PyRuntime.gc.collecting */
    int32_t is_gc_collecting;       /* 3.9+: interp->gc.collecting */
    int32_t is_gc_generations;      /* 3.9+ GIL builds: interp->gc.generations (3.13+: young, old[]) */
    int32_t is_gc_permanent;        /* interp->gc.permanent_generation (gc.freeze()) */
    int32_t gc_num_generations;
    int32_t gc_generation_size;     /* sizeof(struct gc_generation): its PyGC_Head list head first */
    int32_t gc_head_size;           /* sizeof(PyGC_Head): the object follows it */
    int32_t is_tstate_head;         /* tstate_head / threads.head */
    int32_t is_modules;             /* sys.modules dict */
    int32_t is_finalizing;
    int32_t is_gil;                 /* ceval.gil pointer, 3.12 */

    /* PyThreadState */
    int32_t ts_next;
    int32_t ts_interp;
    int32_t ts_cframe_ptr;          /* 3.10-3.12: cframe, a local of the running eval loop (C stack) */
    int32_t ts_frame;               /* PyFrameObject*, <= 3.10 */
    int32_t ts_cframe;              /* _PyCFrame*, 3.11-3.12 */
    int32_t ts_current_frame;       /* _PyInterpreterFrame*, 3.13+ */
    int32_t ts_thread_id;
    int32_t ts_native_thread_id;    /* 3.11+ */
    int32_t cf_current_frame;       /* _PyCFrame.current_frame */

    /* _PyInterpreterFrame (3.11+) */
    int32_t if_code;                /* f_code / f_executable */
    int32_t if_previous;
    int32_t if_instr;               /* prev_instr (<=3.12) / instr_ptr (3.13+) */
    int32_t if_owner;
    int32_t if_is_entry;            /* 3.11 only */
    int32_t if_localsplus;
    int32_t if_stacktop;

    /* PyFrameObject (<= 3.10) */
    int32_t fo_back;
    int32_t fo_code;
    int32_t fo_lasti;
    int32_t fo_lineno;

    /* PyCodeObject */
    int32_t co_filename;
    int32_t co_name;
    int32_t co_qualname;            /* 3.11+ */
    int32_t co_firstlineno;
    int32_t co_linetable;           /* co_linetable (3.10+) / co_lnotab */
    int32_t co_code;                /* bytes object, <= 3.10 */
    int32_t co_code_adaptive;       /* inline code units, 3.11+ */
    int32_t co_nlocalsplus;
    int32_t co_stacksize;
    int32_t co_argcount;            /* frame locals: arguments come first */
    int32_t co_posonlyargcount;     /* 3.8+ */
    int32_t co_kwonlyargcount;      /* 3.x */
    int32_t co_flags;               /* CO_VARARGS, CO_VARKEYWORDS */
    int32_t co_cellvars;            /* <= 3.10: names of cells, after the locals */
    int32_t co_freevars;            /* <= 3.10: names of free variables, after the cells */
    int32_t co_localspluskinds;     /* 3.11+: a bytes object, one kind per slot */
    int32_t co_exceptiontable;      /* 3.11+: handlers, each with the stack depth it unwinds to */

    /* float, set (reprs of locals) */
    int32_t fl_fval;
    int32_t set_mask;
    int32_t set_table;
    int32_t set_entry_size;
    int32_t set_entry_key;          /* 2.7: (hash, key); 3.x: (key, hash) */

    /* PyObject / PyVarObject / PyTypeObject */
    int32_t ob_type;
    int32_t ob_size;
    int32_t tp_name;
    int32_t tp_basicsize;
    int32_t tp_dictoffset;
    int32_t tp_flags;
    int32_t tp_base;
    int32_t tp_members;             /* PyMemberDef[]: an extension type's fields by name and offset */
    int32_t md_size;                /* sizeof(PyMemberDef) */
    int32_t md_offset;              /* PyMemberDef.offset */
    int32_t tp_weaklistoffset;      /* where an instance keeps its weak references list */
    int32_t ht_cached_keys;         /* PyHeapTypeObject, 3.3+ */

    /* str / bytes / int */
    int32_t u_length;
    int32_t u_state;
    int32_t u_ascii_size;           /* sizeof(PyASCIIObject) */
    int32_t u_compact_size;         /* sizeof(PyCompactUnicodeObject) */
    int32_t b_sval;
    int32_t l_digit;
    int32_t l_digit_bits;

    /* dict */
    int32_t d_used;
    int32_t d_keys;
    int32_t d_values;
    int32_t dk_size;                /* <= 3.10: dk_size */
    int32_t dk_log2_size;           /* 3.11+ */
    int32_t dk_log2_index_bytes;    /* 3.11+ */
    int32_t dk_kind;                /* 3.11+ */
    int32_t dk_nentries;
    int32_t dk_indices;
    int32_t dk_entry_size;          /* sizeof(PyDictKeyEntry) */
    int32_t dk_unicode_entry_size;  /* sizeof(PyDictUnicodeEntry), 3.11+ */

    /* tuple / list / module */
    int32_t tu_item;
    int32_t li_item;
    int32_t md_dict;

    /* struct _gil_runtime_state */
    int32_t gil_size;
    int32_t gil_locked;
    int32_t gil_last_holder;

    /* CPython 2.7: open-addressing dict, int objects */
    int32_t d_mask;                 /* ma_mask */
    int32_t d_table;                /* ma_table */
    int32_t i_ival;                 /* PyIntObject.ob_ival */

    /* Frame contents, for the diagnosis (locals, globals) */
    int32_t fo_localsplus;          /* PyFrameObject.f_localsplus, <= 3.10 */
    int32_t fo_globals;             /* PyFrameObject.f_globals, <= 3.10 */
    int32_t if_globals;             /* _PyInterpreterFrame.f_globals, 3.11+ */
    int32_t co_varnames;            /* co_varnames (<= 3.10) / co_localsplusnames */
    int32_t co_nlocals;             /* co_nlocals: plain locals come first */
    int32_t rt_signals_pending;     /* ceval.signals_pending (3.7-3.11) / signals.is_tripped */
    int32_t rt_main_thread;         /* main_thread ident, 3.7+ */
    int32_t co_names;               /* names of globals/attributes the code uses */
    int32_t tp_size;                /* sizeof(PyTypeObject): PyHeapTypeObject follows it */

    /* Modules/_io objects: FileIO.fd, the raw stream, C-level lock and its
     * owner's thread ident of a Buffered*, its dict (= its type's
     * tp_dictoffset, which validates the rest), TextIOWrapper.buffer */
    int32_t fio_fd;
    int32_t buf_raw;
    int32_t buf_lock;
    int32_t buf_owner;
    int32_t buf_dict;
    int32_t tio_buffer;

    /* Modules/_multiprocessing SemLockObject: its sem_t, the last thread
     * that took it in this process, that thread's count, maxvalue, kind
     * (0 RECURSIVE_MUTEX, 1 SEMAPHORE), name (3.4+) */
    int32_t sl_handle;
    int32_t sl_last_tid;
    int32_t sl_count;
    int32_t sl_maxvalue;
    int32_t sl_kind;
    int32_t sl_name;

    /* Read by position, so that the free-threaded object header (16 bytes
     * larger) moves them: sizeof(PyObject), a cell's ob_ref, a builtin
     * method's m_ml and m_self, how far before the object a managed dict
     * pointer sits (3.12+: -MANAGED_DICT_OFFSET), and the thread state's
     * attached/detached/suspended word (3.13+) */
    int32_t ob_head_size;
    int32_t cell_ref;
    int32_t cf_ml;
    int32_t cf_self;
    int32_t ob_managed_dict_before;
    int32_t ts_state;
    int32_t if_tlbc_index;          /* 3.14+ free-threaded: which copy of the bytecode the frame runs */
    int32_t co_tlbc;                /* 3.14+ free-threaded: _PyCodeArray* of per-thread bytecode copies */
    int32_t u_kind_shift;           /* first bit of PyASCIIObject.state.kind: 2, 8 in 3.14t (interned is a byte) */

    /* Generators and coroutines, and the value stack of their frames:
     * what a suspended coroutine awaits is on top of it */
    int32_t gen_frame;              /* <= 3.10: gi_frame, a PyFrameObject* (NULL once finished) */
    int32_t gen_iframe;             /* 3.11+: the embedded _PyInterpreterFrame */
    int32_t gen_frame_state;        /* 3.11+: gi_frame_state (int8) */
    int32_t fo_stacktop;            /* <= 3.9: f_stacktop (NULL while the frame runs) */
    int32_t fo_stackdepth;          /* 3.10: f_stackdepth */
    int32_t fo_valuestack;          /* <= 3.10: f_valuestack */
    int32_t if_stackpointer;        /* 3.14+: _PyInterpreterFrame.stackpointer (_PyStackRef*) */
    int32_t wr_object;              /* PyWeakReference.wr_object: a WeakSet's referents */
    int32_t meth_self;              /* PyMethodObject.im_self: whose __aexit__ an `async with` keeps */

    /* Modules/_asyncio Future and Task (private, re-declared per minor;
     * 3.14+ from the module's _AsyncioDebug when present) */
    int32_t fut_loop;
    int32_t fut_state;              /* 0 pending, 1 cancelled, 2 finished */
    int32_t fut_exception;          /* the exception a finished task raised */
    int32_t fut_callback0;          /* 3.7+: its first done-callback (the rest in fut_callbacks) */
    int32_t fut_callbacks;          /* a list: (callback, context) tuples (3.7+), callbacks (3.6) */
    int32_t fn_closure;             /* PyFunctionObject.func_closure: a tuple of cells */
    int32_t task_fut_waiter;        /* the future the task waits for, NULL when ready to run */
    int32_t task_coro;
    int32_t task_name;              /* 3.8+ */
    int32_t task_node;              /* 3.14+: links in its thread's task list */
    int32_t ts_asyncio_tasks_head;  /* 3.14+: _PyThreadStateImpl.asyncio_tasks_head */
    int32_t is_asyncio_tasks_head;  /* 3.14+: tasks of threads that have exited */
};

/* greenlet's private C++ state (PyGreenlet.pimpl -> greenlet::Greenlet),
 * from greenlet's headers by gen/gen_greenlet.py (greenlets_generated.c).
 * Offsets in the Greenlet object unless named otherwise. */
struct pc_greenlet_layout {
    uint32_t py_minor;              /* PY_VERSION_HEX >> 16 of the module's ABI */
    const char *greenlet_version;
    const char *source;
    int32_t pimpl;                  /* PyGreenlet.pimpl */
    int32_t stack_start;            /* NULL: not running nor suspended (dead or not started) */
    int32_t stack_stop;             /* NULL: not started; -1: a thread's main greenlet */
    int32_t top_frame;              /* suspended: its innermost PyFrameObject (NULL while running) */
    int32_t current_frame;          /* 3.11+ suspended: its innermost _PyInterpreterFrame */
    int32_t cframe;                 /* 3.10+: its _PyCFrame, on its thread's C stack */
    int32_t main_greenlet;          /* UserGreenlet: its thread's main greenlet (a PyGreenlet) */
    int32_t parent;                 /* UserGreenlet: the PyGreenlet it returns to */
    int32_t run_callable;           /* UserGreenlet: run, before it starts */
    int32_t thread_state;           /* MainGreenlet: greenlet's ThreadState */
    int32_t ts_current;             /* ThreadState: the PyGreenlet running in that thread */
};
extern const struct pc_greenlet_layout pc_greenlet_layouts[];
extern const size_t pc_greenlet_layouts_count;

/* Generated tables (layouts_generated.c). */
extern const struct pc_py_layout pc_py_layouts[];
extern const size_t pc_py_layouts_count;

/* The entry for a version, or NULL. */
const struct pc_py_layout *pc_py_layout_find(uint32_t version_hex, int debug_build);
/* The generated entry that completes a layout read from _Py_DebugOffsets
 * (of a free-threaded build if free_threaded), or NULL. */
const struct pc_py_layout *pc_py_layout_debug_offsets_base(uint32_t version_hex, int free_threaded);

#endif
