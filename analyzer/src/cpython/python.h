/* The CPython layer: find the interpreter in the target, read its objects
 * and frames through a version's layout. */
#ifndef PYCORE_PYTHON_H
#define PYCORE_PYTHON_H

#include "cpython/layout.h"
#include "native/native.h"

#define PC_MAX_PY_FRAMES 4096
#define PC_MAX_TSTATES 100000
#define PC_MAX_DICT_ENTRIES (1u << 20)
#define PC_MAX_STR 4096

/* Every symbol the CPython layer needs, found in one pass over the
 * interpreter module's symbol table: X(id, name). */
#define PC_PY_SYMBOLS(X) \
    X(VERSION, "Py_Version") X(REFTOTAL, "_Py_RefTotal") X(GETREFTOTAL, "_Py_GetRefTotal") \
    X(STR, "PyUnicode_Type") X(INT, "PyLong_Type") X(BOOL, "PyBool_Type") X(DICT, "PyDict_Type") \
    X(CODE, "PyCode_Type") X(MODULE, "PyModule_Type") \
    /* 2.7 and 3.6, which have no _PyRuntime; interp_head, interpreter_lock \
     * and gil_cond are file-static, in .symtab only when the build keeps it */ \
    X(PYSTRING, "PyString_Type") X(PYINT, "PyInt_Type") X(TSTATE_CURRENT, "_PyThreadState_Current") \
    X(INTERP_HEAD, "interp_head") X(INTERPRETER_LOCK, "interpreter_lock") X(GIL_COND, "gil_cond") \
    X(GLOBALREFTOTAL, "_Py_GetGlobalRefTotal") \
    /* import.c statics (2.7 - 3.11): the global import lock and its owner */ \
    X(IMPORT_LOCK, "import_lock") X(IMPORT_LOCK_THREAD, "import_lock_thread") \
    /* signalmodule.c static (2.7 - 3.7): a Python handler is pending */ \
    X(IS_TRIPPED, "is_tripped") \
    /* 3.6 (later: _PyRuntime._finalizing): the thread state running Py_Finalize */ \
    X(PY_FINALIZING, "_Py_Finalizing")

enum pc_py_sym {
#define PC_PYSYM_ID(id, name) PC_PYSYM_##id,
    PC_PY_SYMBOLS(PC_PYSYM_ID)
#undef PC_PYSYM_ID
    PC_PYSYM_COUNT
};

struct pc_python {
    pc_target *t;
    struct pc_native *n;
    const struct pc_py_layout *L;
    struct pc_py_layout own;    /* L points here when read from the target */
    uint32_t version;           /* PY_VERSION_HEX */
    char version_str[32];
    int shared;                 /* interpreter in libpython*.so */
    int debug;                  /* Py_DEBUG build */
    int free_threaded;          /* 3.13+ --disable-gil build: no GIL, larger object header */
    const struct pc_module *mod;
    uint64_t runtime;           /* &_PyRuntime */
    uint64_t interp;            /* main interpreter */
    uint64_t interp_head;       /* newest interpreter: the list runs from it to the main one */
    /* Type objects, for validating what a pointer points to. */
    uint64_t t_str, t_int, t_bool, t_dict, t_code, t_module;
    uint64_t t_pystring, t_pyint;   /* 2.7 str and int */
    /* 2.7 / 3.6 GIL evidence: exported current tstate, file-static locks. */
    uint64_t tstate_current, interpreter_lock, gil_cond;
    /* import.c statics, when the symbol table has them (<= 3.11) */
    uint64_t import_lock, import_lock_thread;
    uint64_t is_tripped;        /* signalmodule.c static, when in the symbol table */
    uint64_t finalizing;        /* &_PyRuntime._finalizing (3.6: &_Py_Finalizing); 0 unknown */
    uint64_t syms[PC_PYSYM_COUNT];  /* addresses of PC_PY_SYMBOLS, 0 where absent */
    /* Code objects read so far (frames.c): every stack walk of the
     * analysis shares them; threads run the same functions. */
    struct pc_py_code_cache *codes;
    /* Type names by type object (pc_py_type_name): the diagnosis asks the
     * type of every local of every frame, a tenth of a report's reads. */
    struct pc_py_type_slot {
        uint64_t type;          /* 0: empty */
        char name[56];
    } type_names[64];
};

/* Find the interpreter, its version and layout; scan: find _PyRuntime by
 * scanning the interpreter module's data instead of by symbol (also the
 * fallback when no symbol exists). */
int pc_python_open(struct pc_native *n, struct pc_python *py, int scan, pc_error *err);

/* The rest of pc_python_open, once the native layer has filled py->t,
 * py->n, py->runtime (0 for 2.7 and 3.6), py->mod, py->shared and
 * py->syms (py->version too, if known: else it is read or scanned for):
 * version, layout, interpreter, type objects.  Reads only target
 * memory, so a recorded memory image drives it too (tests/fuzz). */
int pc_python_init(struct pc_python *py, pc_error *err);

/* Is Py_Finalize past the point where daemon threads are stopped?  1 yes
 * (*tstate: the finalizing thread state), 0 no, -1 unknown (2.7, unreadable). */
int pc_py_finalizing(const struct pc_python *py, uint64_t *tstate);

/* 3.13+: fill *L from the target's _Py_DebugOffsets at runtime, completed
 * by base.  0, -1 (no cookie: not 3.13+) or -2 (offsets out of bounds). */
int pc_py_debug_offsets(pc_target *t, uint64_t runtime, uint32_t *version, int *free_threaded,
                        const struct pc_py_layout *base, struct pc_py_layout *L);

/* Fill type objects the symbol table did not give from known objects. */
void pc_py_learn_types(struct pc_python *py);

/* Objects. Each returns 0 on success. */
int pc_py_type(struct pc_python *py, uint64_t obj, uint64_t *type);
int pc_py_str(struct pc_python *py, uint64_t obj, char *out, size_t max);
int pc_py_int(struct pc_python *py, uint64_t obj, int64_t *v);   /* also bool */
int pc_py_type_name(struct pc_python *py, uint64_t obj, char *out, size_t max);
/* len() of a list, tuple, collections.deque or (3.x) dict; -1 other types. */
int pc_py_len(struct pc_python *py, uint64_t obj, int64_t *n);

/* Dict iteration: calls fn(key, value, arg) for every item until fn
 * returns non-zero.  Bounded by PC_MAX_DICT_ENTRIES. */
typedef int (*pc_dict_fn)(struct pc_python *py, uint64_t key, uint64_t value, void *arg);
int pc_py_dict_each(struct pc_python *py, uint64_t dict, pc_dict_fn fn, void *arg);
/* Set iteration: calls fn(key, arg) for every live key (deleted entries
 * skipped: hash -1 in 3.x, the dummy str in 2.7) until fn returns non-zero.
 * Bounded (2^20 slots); -1 if the set's header is unreadable. */
typedef int (*pc_obj_fn)(struct pc_python *py, uint64_t obj, void *arg);
int pc_py_set_each(struct pc_python *py, uint64_t set, pc_obj_fn fn, void *arg);
/* Value for a str key, 0 if absent. */
uint64_t pc_py_dict_get(struct pc_python *py, uint64_t dict, const char *key);
/* An instance attribute stored in the object's __dict__ (or its inline
 * values), 0 if absent. */
uint64_t pc_py_attr(struct pc_python *py, uint64_t obj, const char *name);
/* Every instance attribute (name, value). */
int pc_py_attr_each(struct pc_python *py, uint64_t obj, pc_dict_fn fn, void *arg);
/* sys.modules (a dict), 0 if unreadable; sys.modules[name], 0 if absent. */
uint64_t pc_py_modules(struct pc_python *py);
uint64_t pc_py_module(struct pc_python *py, const char *name);
uint64_t pc_py_module_dict(struct pc_python *py, uint64_t module);

/* A Python frame as read from the target. */
struct pc_py_frame {
    char name[128];
    char qualname[256];
    char file[512];
    int line;
    int end_line, column, end_column;   /* 3.11+ position (columns 0-based); -1 unknown */
    int64_t lasti;      /* frame.f_lasti: byte offset of the current instruction; -1 unknown */
    char *source;       /* the line's text (pc_model_sources), NULL if unknown; the model frees it */
    struct pc_py_local *locals;     /* with locals asked for; the model frees them */
    size_t nlocals;
    int64_t interp;     /* id of the interpreter running it; -1 unknown */
    int entry;          /* last frame of one C-level eval call */
    uint64_t addr;      /* _PyInterpreterFrame / PyFrameObject */
    uint64_t code;
};

/* Every interpreter, newest first (the main one last): fn(interp, arg)
 * each, at most PC_MAX_INTERPS, cycle-safe. */
#define PC_MAX_INTERPS 64
typedef int (*pc_interp_fn)(struct pc_python *py, uint64_t interp, void *arg);
int pc_py_each_interp(struct pc_python *py, pc_interp_fn fn, void *arg);
/* An interpreter's id (the main one's is 0); -1 unknown (2.7, 3.6). */
int64_t pc_py_interp_id(struct pc_python *py, uint64_t interp);
/* sys.modules[name] of a given interpreter (pc_py_module: the main one). */
uint64_t pc_py_module_in(struct pc_python *py, uint64_t interp, const char *name);

/* Is a garbage collection running in some interpreter (gcstate->
 * collecting)?  1 yes, 0 no, -1 unknown (2.7, 3.6, unreadable). */
int pc_py_gc_collecting(struct pc_python *py);

/* The thread states of every interpreter: fn(tstate, arg) each, bounded. */
typedef int (*pc_tstate_fn)(struct pc_python *py, uint64_t tstate, void *arg);
int pc_py_each_tstate(struct pc_python *py, pc_tstate_fn fn, void *arg);
int pc_py_tstate_ids(struct pc_python *py, uint64_t tstate, uint64_t *ident, int64_t *native_id);

/* An address in the C stack of the thread running a thread state's
 * frames, lower for states entered later: 3.10-3.12 its cframe (a local
 * of the innermost eval loop), 3.13+ its innermost entry shim frame.  0
 * when the state runs nothing or the version keeps no such pointer
 * (<= 3.9: PyFrameObjects live on the heap). */
uint64_t pc_py_tstate_anchor(struct pc_python *py, uint64_t tstate);
/* The state's innermost frame (_PyInterpreterFrame or PyFrameObject), 0 if none. */
uint64_t pc_py_tstate_frame(struct pc_python *py, uint64_t tstate);

/* Frames of a thread state, innermost first.  Returns the count. */
size_t pc_py_frames(struct pc_python *py, uint64_t tstate, struct pc_py_frame *out,
                    size_t max, int *complete);
/* The same walk from a given innermost frame (a suspended greenlet's). */
size_t pc_py_frames_from(struct pc_python *py, uint64_t frame, struct pc_py_frame *out, size_t max,
                         int *complete);

/* One frame by address (a suspended coroutine's, say), through a cache of
 * code objects shared by many calls: 0, or -1 if unreadable or a shim. */
struct pc_py_code_cache;
/* The analysis's code cache, made on first use; NULL if out of memory. */
struct pc_py_code_cache *pc_py_code_cache(struct pc_python *py);
int pc_py_frame_at(struct pc_python *py, struct pc_py_code_cache *cc, uint64_t f, struct pc_py_frame *out);
/* What pc_python_open/init allocated as the analysis went (the code cache). */
void pc_python_close(struct pc_python *py);

/* Frame contents: a local by name (cells dereferenced), the globals dict,
 * and every object slot (locals, then the value stack where readable). */
uint64_t pc_py_frame_local(struct pc_python *py, const struct pc_py_frame *f, const char *name);
uint64_t pc_py_frame_globals(struct pc_python *py, const struct pc_py_frame *f);
/* The value a cell holds, or v itself when v is not a cell. */
uint64_t pc_py_uncell(struct pc_python *py, uint64_t v);
size_t pc_py_frame_slots(struct pc_python *py, const struct pc_py_frame *f, uint64_t *out, size_t max,
                         size_t *nlocals);
/* The live value stack of a suspended frame (a coroutine's), exactly: up
 * to its saved stack top, bottom first, its top max slots at most (3.14+
 * tag bits cleared).  The count, 0 if unknown or empty. */
size_t pc_py_frame_stack(struct pc_python *py, const struct pc_py_frame *f, uint64_t *out, size_t max);
/* 3.11+: the slots of a frame's value stack that are live whatever it
 * runs now, also while it is in a call (a greenlet switched out inside
 * one): those below the depth the exception handler covering its current
 * instruction unwinds to, where a `with` keeps its __exit__.  Bottom
 * first, at most max; 0 if none or unknown (<= 3.10). */
size_t pc_py_frame_block_stack(struct pc_python *py, const struct pc_py_frame *f, uint64_t *out, size_t max);
int pc_py_tuple(struct pc_python *py, uint64_t tuple, uint64_t *items, size_t max, size_t *n);
/* The first items of a list (at most max; *n how many were read). */
int pc_py_list(struct pc_python *py, uint64_t list, uint64_t *items, size_t max, size_t *n);

/* repr() of an object as Python prints the built-in types, bounded:
 * PC_REPR_DEPTH levels of containers, PC_REPR_ITEMS items each, at most n
 * bytes ("..." marks a cut); other objects "<Type object at 0x...>".
 * type (may be NULL) gets its type's name.  0, or -1 if unreadable. */
#define PC_REPR_DEPTH 3
#define PC_REPR_ITEMS 8
#define PC_REPR_MAX 256
int pc_py_repr(struct pc_python *py, uint64_t obj, char *out, size_t n, char *type, size_t tn);

/* A frame's arguments, then its other locals, cells and free variables
 * (unbound ones left out; cells opened), each with its type and repr. */
enum pc_local_kind { PC_LOCAL_ARG, PC_LOCAL_PLAIN, PC_LOCAL_CELL, PC_LOCAL_FREE };
struct pc_py_local {
    char name[64];
    int kind;                       /* enum pc_local_kind */
    char type[64];
    char repr[PC_REPR_MAX];
};
#define PC_MAX_LOCALS 64            /* per frame */
size_t pc_py_frame_locals(struct pc_python *py, const struct pc_py_frame *f, struct pc_py_local *out, size_t max);

/* Line number for an instruction byte offset in a 3.11+ location table. */
int pc_py_linetable_line(const uint8_t *table, size_t len, int firstlineno, int addrq);
/* 3.11+: the whole position of a code unit (co_positions()): line,
 * end_line and 0-based columns, -1 where unknown.  Returns the line. */
struct pc_py_pos {
    int line, end_line, column, end_column;
};
int pc_py_linetable_pos(const uint8_t *table, size_t len, int firstlineno, int addrq, struct pc_py_pos *pos);
/* 3.10's co_linetable and 3.6-3.9's co_lnotab, same contract. */
int pc_py_linetable310_line(const uint8_t *table, size_t len, int firstlineno, int addrq);
int pc_py_lnotab_line(const uint8_t *table, size_t len, int firstlineno, int addrq, int signed_lines);

#endif
