/* What the engine knows about each thread once native and Python state
 * are read: the input of diagnosis and reports. */
#ifndef PYCORE_MODEL_H
#define PYCORE_MODEL_H

#include "arch/syscall.h"
#include "cpython/python.h"

enum pc_gil { PC_GIL_NONE, PC_GIL_HELD, PC_GIL_WAITING, PC_GIL_FREE_THREADED };
/* PyThreadState.state (3.13+): whether it may touch Python objects now. */
enum pc_ts_state { PC_TS_UNKNOWN = -1, PC_TS_DETACHED, PC_TS_ATTACHED, PC_TS_SUSPENDED, PC_TS_SHUTTING_DOWN };

struct pc_thread_model {
    int32_t tid;
    uint64_t ident;             /* pthread_t = threading.get_ident() */
    int took_signal;            /* the thread the fatal signal was delivered to (a kernel core's first) */
    int64_t interp;             /* id of the interpreter it runs in now (its innermost state); -1 unknown */
    size_t nsegments;           /* thread states it has: one per interpreter it entered */
    uint64_t tstate;            /* 0: no Python thread state */
    uint64_t thread_obj;        /* its threading.Thread, 0 if none */
    char name[128];             /* threading name; "" unknown */
    int main;
    int daemon;                 /* 1, 0, or -1 unknown */
    int gil;                    /* enum pc_gil */
    int ts_state;               /* enum pc_ts_state */
    const char *gil_evidence;
    pc_thread_desc desc;        /* registers, masks */
    struct pc_syscall sys;      /* the system call it sits in (arch/) */

    struct pc_native_frame *nat;
    size_t nnat;
    int nat_complete;
    int stack_missing;          /* stack memory absent from the core */

    struct pc_py_frame *py;
    size_t npy;
    int py_complete;

    /* Merge: native frame i shows Python frames [py_first[i], +py_count[i]). */
    int merged;
    size_t *py_first, *py_count;

    /* What a reader must know about this thread's data, one line each. */
    char notes[4][192];
    size_t nnotes;
};

void pc_thread_note(struct pc_thread_model *t, const char *fmt, ...) PC_PRINTF(2, 3);

/* A lock a task or greenlet holds across a switch: a `with` / `async
 * with` keeps the lock's __exit__ / __aexit__ on the frame's value stack
 * until the block ends. */
struct pc_hold {
    uint64_t obj;
    size_t frame;               /* index of the frame inside the block */
    char type[64];
};
/* Add obj to holds (at most PC_TASK_HOLDS, once each): 0, or -1 if full. */
int pc_hold_add(struct pc_hold *holds, size_t *n, uint64_t obj, size_t frame, const char *type);
/* Free what frames own (source lines, locals), not the array. */
void pc_py_frames_release(struct pc_py_frame *f, size_t n);

/* An asyncio task (cpython/tasks.c). */
#define PC_MAX_TASKS 100000
#define PC_TASK_HOLDS 4
/* What a task waits for, from its innermost frame (asyncio/locks.py,
 * queues.py, tasks.py) or the future it awaits: X(id, name). */
#define PC_TASK_WAITS(X) \
    X(NONE, "nothing") X(FUTURE, "future") X(TASK, "task") X(LOCK, "lock") X(SEMAPHORE, "semaphore") \
    X(EVENT, "event") X(CONDITION, "condition") X(QUEUE_GET, "queue-get") X(QUEUE_PUT, "queue-put") \
    X(SLEEP, "sleep")
enum pc_task_wait {
#define PC_TW_ID(id, name) PC_TW_##id,
    PC_TASK_WAITS(PC_TW_ID)
#undef PC_TW_ID
};
const char *pc_task_wait_name(int kind);
struct pc_task_model {
    uint64_t addr;
    char name[128];             /* "" unknown (3.6, 3.7 have none) */
    char type[64];              /* _asyncio.Task, Task (pure Python), a subclass */
    int c_task;
    int state;                  /* 0 pending, 1 cancelled, 2 finished, -1 unknown */
    char exception[64];         /* finished by raising: the exception's type; "" none */
    uint64_t loop;
    size_t thread;              /* the thread running its loop; SIZE_MAX none (loop stopped) */
    uint64_t awaits;            /* the future it waits for, or what its innermost coroutine awaits; 0 none */
    char awaits_type[64];
    size_t awaits_task;         /* when that is another task: its index; else SIZE_MAX */
    size_t gather_n, gather_done;   /* it awaits a gather(): its children, how many are done */
    /* It awaits an executor job (run_in_executor, to_thread): the
     * concurrent.futures.Future behind its future, and the thread running
     * the job (SIZE_MAX: none runs it now). */
    uint64_t exec_future;
    size_t exec_thread;
    int wait;                   /* enum pc_task_wait */
    uint64_t wait_obj;          /* the Lock, Event, Queue, ... it waits on (the frame's self); 0 none */
    char wait_type[64];
    size_t wait_frame;          /* index in py of the frame that waits (Lock.acquire, ...) */
    int wait_locked;            /* a Lock's _locked: 1, 0, -1 unknown or not a lock */
    /* asyncio locks (async with) and threading locks (with) it holds */
    struct pc_hold holds[PC_TASK_HOLDS];
    size_t nholds;
    /* Tasks that wait for this one: they await it, or a gather() of it. */
    size_t awaited_by[8];
    size_t nawaited_by;         /* how many; those past 8 are not listed */
    struct pc_py_frame *py;     /* its coroutine chain, innermost first */
    size_t npy;
};

/* A greenlet (greenlet, gevent): found in the collector's lists, its
 * frames kept by greenlet while it is switched out (cpython/greenlets.c). */
#define PC_MAX_GREENLETS 100000
#define PC_GREENLET_STATES(X) \
    X(UNKNOWN, "state unknown") X(RUNNING, "running") X(SUSPENDED, "suspended") X(DEAD, "dead") \
    X(NOT_STARTED, "not started")
enum pc_greenlet_state {
#define PC_GR_ID(id, name) PC_GR_##id,
    PC_GREENLET_STATES(PC_GR_ID)
#undef PC_GR_ID
};
const char *pc_greenlet_state_name(int state);
struct pc_greenlet_model {
    uint64_t addr;
    char type[64];              /* greenlet.greenlet, gevent._gevent_cgreenlet.Greenlet, gevent.hub.Hub, ... */
    int state;                  /* enum pc_greenlet_state */
    int main;                   /* a thread's main greenlet */
    uint64_t parent;            /* the greenlet it returns to; 0 none (main) or unknown */
    size_t thread;              /* the thread it belongs to; SIZE_MAX unknown */
    /* What it waits on: the gevent object (lock, semaphore, event,
     * AsyncResult, ...) whose links hold its switch method. */
    uint64_t wait_obj;
    char wait_type[64];
    struct pc_hold holds[PC_TASK_HOLDS];    /* locks it holds through a `with` */
    size_t nholds;
    struct pc_py_frame *py;     /* suspended: its frames, innermost first (running: its thread's) */
    size_t npy;
    int py_complete;
};

struct pc_model {
    struct pc_thread_model *threads;
    size_t nthreads;
    /* Thread states no LWP of the core runs: their threads exited without
     * clearing them (3.6-3.8 daemon threads stopped at finalization,
     * pthread_exit from C).  Python frames as left; no registers. */
    struct pc_thread_model *exited;
    size_t nexited, exited_cap;
    /* pc_py_finalizing when the model was built: 1, 0, -1 unknown; and the
     * finalizing thread state.  Read once, so renderers read no memory. */
    int finalizing;
    uint64_t finalizing_tstate;
    /* A garbage collection: running (1, 0, -1 unknown), and the thread
     * whose native stack is in the collector (SIZE_MAX if none shows). */
    int gc_collecting;
    size_t gc_thread;
    /* Every interpreter, newest first (the main one last). */
    /* asyncio tasks of every loop (have_tasks: asyncio is loaded and
     * its registries were read). */
    struct pc_task_model *tasks;
    size_t ntasks;
    int have_tasks, tasks_truncated;
    /* The event loops those tasks belong to. */
#define PC_MAX_LOOPS 16
    struct pc_loop_model {
        uint64_t addr;
        char type[64];          /* _UnixSelectorEventLoop, ... */
        size_t thread;          /* the thread running it; SIZE_MAX none */
        int running;            /* 1, 0, -1 unknown */
        int64_t ready, scheduled;   /* len(_ready), len(_scheduled); -1 unknown */
        size_t ntasks, npending;
    } loops[PC_MAX_LOOPS];
    size_t nloops;
    /* Greenlets (have_greenlets: the greenlet module is loaded and the
     * collector's lists were walked); greenlet_note says why they could
     * not be read, "" otherwise. */
    struct pc_greenlet_model *greenlets;
    size_t ngreenlets;
    int have_greenlets, greenlets_truncated;
    char greenlet_note[160];
    struct pc_model_interp {
        uint64_t addr;
        int64_t id;             /* -1 unknown (2.7, 3.6) */
        int main;
        int finalizing;         /* 1, 0, -1 unknown (3.13+ subinterpreters, 2.7-3.7) */
    } interps[16];
    size_t ninterps;
};

/* Read the asyncio tasks (after the threads: a task's loop names its thread). */
void pc_model_tasks(struct pc_python *py, struct pc_model *m);
void pc_model_tasks_free(struct pc_model *m);
/* Read the greenlets (after the threads: a greenlet's C stack names its thread). */
void pc_model_greenlets(struct pc_python *py, struct pc_model *m);
void pc_model_greenlets_free(struct pc_model *m);

/* Each Python frame's source line, read through the target. */
void pc_model_sources(pc_target *t, struct pc_model *m);
/* Each Python frame's arguments and locals with their reprs. */
void pc_model_locals(struct pc_python *py, struct pc_model *m);

/* Build the model: unwind (if native), read Python threads and frames,
 * names and daemon flags from threading, GIL state, and merge. */
int pc_model_build(struct pc_native *n, struct pc_python *py, int native, size_t max_frames,
                   struct pc_model *m, pc_error *err);
void pc_model_free(struct pc_model *m);


#endif
