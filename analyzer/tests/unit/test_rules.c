/* Every rule of rules.def on hand-built models: the threads, their waits
 * and system calls as waits.c would leave them, and a target whose every
 * read fails (rules that need objects then find none).  Checks the
 * diagnosis, its precedence, the healthy look-alike of each shape, and
 * that "Also" findings never restate the diagnosis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diagnose/diagnose.h"
#include "heap.h"

#define MAXT 4
#define MAXF 4

struct fx {
    pc_target *t;
    struct pc_python py;
    struct pc_py_layout L;
    struct pc_thread_model th[MAXT];
    struct pc_py_frame frames[MAXT][MAXF];
    struct pc_model m;
    struct pc_diag d;
};

static int no_read(void *ctx, uint64_t a, void *b, size_t n)
{
    (void)ctx, (void)a, (void)b, (void)n;
    return PC_E_MEMORY;
}
static int no_process(void *ctx, pc_process_desc *p)
{
    (void)ctx;
    memset(p, 0, sizeof *p);
    return PC_OK;
}
static size_t zero(void *ctx) { (void)ctx; return 0; }
static int no_thread(void *ctx, size_t i, pc_thread_desc *t) { (void)ctx, (void)i, (void)t; return PC_E_USAGE; }
static int no_mapping(void *ctx, size_t i, pc_mapping_desc *m) { (void)ctx, (void)i, (void)m; return PC_E_USAGE; }
static const pc_target_ops unreadable = {PC_TARGET_OPS_VERSION, no_read, no_process, zero, no_thread, zero,
                                         no_mapping, NULL, NULL, NULL, NULL};

/* n Python threads, thread 0 the main one; every wait starts as "none". */
static void setup(struct fx *f, size_t n)
{
    memset(f, 0, sizeof *f);
    pc_error err;
    assert_int_equal(pc_target_wrap(&unreadable, NULL, &f->t, &err), PC_OK);
    f->py.t = f->t;
    f->py.version = 0x030b0000;
    memset(&f->L, 0xff, sizeof f->L);       /* every field PC_NO_FIELD */
    f->py.L = &f->L;
    for (size_t i = 0; i < n; i++) {
        struct pc_thread_model *t = &f->th[i];
        t->tid = 100 + (int)i;
        t->tstate = 0x1000 + 0x100 * i;
        t->main = i == 0;
        t->daemon = i == 0 ? -1 : 0;
        snprintf(t->name, sizeof t->name, i ? "worker-%zu" : "MainThread", i);
        t->py = f->frames[i];
        t->sys.cls = PC_SYS_FUTEX;
    }
    f->m.threads = f->th;
    f->m.nthreads = n;
    f->d.waits = calloc(n, sizeof *f->d.waits);
    f->d.locks = calloc(PC_MAX_LOCKS, sizeof *f->d.locks);
    f->d.edges = calloc(PC_MAX_EDGES, sizeof *f->d.edges);
    f->d.findings = calloc(PC_MAX_FINDINGS, sizeof *f->d.findings);
    assert_non_null(f->d.findings);
    for (size_t i = 0; i < n; i++)
        f->d.waits[i] = (struct pc_wait){.kind = PC_W_NONE, .lock = SIZE_MAX, .target = SIZE_MAX, .timeout = -1};
}

static void frame(struct fx *f, size_t ti, const char *name, const char *file)
{
    struct pc_thread_model *t = &f->th[ti];
    struct pc_py_frame *p = &f->frames[ti][t->npy++];
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->qualname, sizeof p->qualname, "%s", name);
    snprintf(p->file, sizeof p->file, "%s", file);
    p->line = 10;
}

static void waits(struct fx *f, size_t ti, int kind, size_t target, int timeout)
{
    struct pc_wait *w = &f->d.waits[ti];
    w->kind = kind;
    w->target = target;
    w->timeout = timeout;
    snprintf(w->what, sizeof w->what, "%s", pc_wait_name(kind));
}

/* Thread ti waits for a Lock held by `holder` (confidence conf). */
static void lock_wait(struct fx *f, size_t ti, size_t holder, int conf)
{
    size_t li = f->d.nlocks++;
    f->d.locks[li].holder = holder;
    f->d.locks[li].holder_conf = conf;
    f->d.locks[li].l.locked = 1;
    snprintf(f->d.locks[li].name, sizeof f->d.locks[li].name, "guard");
    waits(f, ti, PC_W_LOCK, holder, 0);
    f->d.waits[ti].lock = li;
}

static const char *diagnose(struct fx *f)
{
    pc_diag_patterns(&f->py, &f->m, &f->d);
    return pc_pattern_id(f->d.nfindings ? f->d.findings[0].pattern : PC_P_NONE);
}

static int found(const struct fx *f, int pattern)
{
    for (size_t k = 0; k < f->d.nfindings; k++)
        if (f->d.findings[k].pattern == pattern)
            return 1;
    return 0;
}

static void teardown(struct fx *f)
{
    pc_diag_free(&f->d);
    pc_target_close(f->t);
}

static void test_registry(void **state)
{
    (void)state;
    assert_string_equal(pc_pattern_id(PC_P_NONE), "none");
    assert_false(pc_pattern_hang(PC_P_NONE));
    for (int p = PC_P_NONE + 1; p < PC_P_COUNT; p++) {
        assert_int_equal(pc_pattern_from_id(pc_pattern_id(p)), p);
        assert_non_null(pc_pattern_advice(p));
    }
    assert_false(pc_pattern_hang(PC_P_IO_WAIT));
    assert_false(pc_pattern_hang(PC_P_CPU_BUSY));
    assert_true(pc_pattern_hang(PC_P_LOCK_ORDER_DEADLOCK));
    assert_int_equal(pc_pattern_from_id("no-such-pattern"), PC_P_NONE);
}

/* A join and a lock in a cycle: the diagnosis takes the weakest edge's
 * confidence, and no "Also: orphaned-wait" restates the same threads. */
static void test_cycle(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 2);
    waits(&f, 0, PC_W_JOIN, 1, 0);
    lock_wait(&f, 1, 0, PC_CONF_LOW);
    assert_string_equal(diagnose(&f), "lock-order-deadlock");
    assert_int_equal(f.d.findings[0].conf, PC_CONF_LOW);
    assert_false(found(&f, PC_P_ORPHANED_WAIT));
    teardown(&f);

    setup(&f, 1);
    lock_wait(&f, 0, 0, PC_CONF_HIGH);
    assert_string_equal(diagnose(&f), "self-deadlock");
    teardown(&f);

    setup(&f, 2);
    waits(&f, 0, PC_W_MODULE_LOCK, 1, 0);
    waits(&f, 1, PC_W_MODULE_LOCK, 0, 0);
    assert_string_equal(diagnose(&f), "import-lock-deadlock");
    teardown(&f);

    /* The GIL against a C mutex: the GIL holder waits for the waiter. */
    setup(&f, 2);
    f.th[0].gil = PC_GIL_WAITING;
    waits(&f, 0, PC_W_GIL, 1, -1);
    f.th[1].gil = PC_GIL_HELD;
    waits(&f, 1, PC_W_FUTEX, 0, -1);
    assert_string_equal(diagnose(&f), "gil-held-blocking");
    teardown(&f);

    /* A timed wait adds no edge: no cycle. */
    setup(&f, 2);
    waits(&f, 0, PC_W_JOIN, 1, 1);
    lock_wait(&f, 1, 0, PC_CONF_HIGH);
    assert_string_not_equal(diagnose(&f), "lock-order-deadlock");
    teardown(&f);
}

static void test_import_wait(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 2);
    waits(&f, 0, PC_W_MODULE_LOCK, 1, 0);
    waits(&f, 1, PC_W_EVENT, SIZE_MAX, 0);
    assert_string_equal(diagnose(&f), "import-lock-deadlock");
    assert_int_equal(f.d.findings[0].conf, PC_CONF_MEDIUM);
    teardown(&f);
    setup(&f, 2);                               /* the importer waits with a timeout: it goes on */
    waits(&f, 0, PC_W_MODULE_LOCK, 1, 0);
    waits(&f, 1, PC_W_EVENT, SIZE_MAX, 1);
    assert_string_not_equal(diagnose(&f), "import-lock-deadlock");
    teardown(&f);
}

static void test_teardown_and_shutdown(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 1);
    f.m.finalizing = 1;
    f.m.finalizing_tstate = f.th[0].tstate;
    frame(&f, 0, "__del__", "/app/res.py");
    waits(&f, 0, PC_W_EVENT, SIZE_MAX, 0);
    assert_string_equal(diagnose(&f), "finalizer-teardown-wait");
    teardown(&f);
    setup(&f, 1);                               /* not finalizing: no teardown */
    frame(&f, 0, "__del__", "/app/res.py");
    waits(&f, 0, PC_W_EVENT, SIZE_MAX, 0);
    assert_string_not_equal(diagnose(&f), "finalizer-teardown-wait");
    teardown(&f);

    setup(&f, 2);
    waits(&f, 0, PC_W_SHUTDOWN, SIZE_MAX, 0);
    waits(&f, 1, PC_W_EVENT, SIZE_MAX, 0);
    assert_string_equal(diagnose(&f), "shutdown-join");
    teardown(&f);
}

static void test_gil(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 2);
    f.th[0].gil = PC_GIL_HELD;
    f.th[0].sys = (struct pc_syscall){.name = "read", .cls = PC_SYS_IO, .flags = PC_SYS_FD0};
    waits(&f, 0, PC_W_IO, SIZE_MAX, -1);
    f.th[1].gil = PC_GIL_WAITING;
    waits(&f, 1, PC_W_GIL, 0, -1);
    assert_string_equal(diagnose(&f), "gil-held-blocking");
    teardown(&f);
    setup(&f, 2);                               /* the holder runs: busy, not blocked */
    f.th[0].gil = PC_GIL_HELD;
    f.th[0].sys.cls = PC_SYS_RUNNING;
    waits(&f, 0, PC_W_RUNNING, SIZE_MAX, -1);
    frame(&f, 0, "spin", "/app/x.py");
    f.th[1].gil = PC_GIL_WAITING;
    waits(&f, 1, PC_W_GIL, 0, -1);
    assert_string_not_equal(diagnose(&f), "gil-held-blocking");
    teardown(&f);
}

/* The only thread waits on a process-private futex with no timeout, and
 * multiprocessing's fork start method is on its stack. */
static void test_fork(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 1);
    frame(&f, 0, "flush", "/usr/lib/python3.11/logging/__init__.py");
    frame(&f, 0, "_launch", "/usr/lib/python3.11/multiprocessing/popen_fork.py");
    f.th[0].sys = (struct pc_syscall){.name = "futex", .cls = PC_SYS_FUTEX, .args = {0x5000, 0x189, 0, 0}};
    waits(&f, 0, PC_W_FUTEX, SIZE_MAX, -1);
    assert_string_equal(diagnose(&f), "fork-child-deadlock");
    teardown(&f);
    setup(&f, 1);                               /* a shared futex (SemLock): another process may post it */
    frame(&f, 0, "_launch", "/usr/lib/python3.11/multiprocessing/popen_fork.py");
    f.th[0].sys = (struct pc_syscall){.name = "futex", .cls = PC_SYS_FUTEX, .args = {0x5000, 0x9, 0, 0}};
    waits(&f, 0, PC_W_FUTEX, SIZE_MAX, -1);
    assert_string_not_equal(diagnose(&f), "fork-child-deadlock");
    teardown(&f);
    setup(&f, 1);                               /* a timeout: it wakes up */
    frame(&f, 0, "_launch", "/usr/lib/python3.11/multiprocessing/popen_fork.py");
    f.th[0].sys = (struct pc_syscall){.name = "futex", .cls = PC_SYS_FUTEX, .args = {0x5000, 0x189, 0, 0x7ff0}};
    waits(&f, 0, PC_W_FUTEX, SIZE_MAX, -1);
    assert_string_not_equal(diagnose(&f), "fork-child-deadlock");
    teardown(&f);
}

/* An io buffer's lock recorded as held by a thread this process does not
 * have: proof of a fork with the lock held, whatever the thread count and
 * stack.  Held by a thread that exists: a plain wait behind a writer. */
static void test_fork_io_lock_owner(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 2);
    frame(&f, 0, "emit", "/usr/lib/python3.11/logging/__init__.py");
    f.th[0].ident = 0x7f0000000100;
    f.th[1].ident = 0x7f0000000200;
    waits(&f, 0, PC_W_FUTEX, SIZE_MAX, 0);
    f.d.waits[0].obj = 0x9000;
    f.d.waits[0].owner_ident = 0x7f0000000300;
    assert_string_equal(diagnose(&f), "fork-child-deadlock");
    assert_int_equal(f.d.findings[0].conf, PC_CONF_HIGH);
    teardown(&f);
    setup(&f, 2);
    frame(&f, 0, "emit", "/usr/lib/python3.11/logging/__init__.py");
    f.th[0].ident = 0x7f0000000100;
    f.th[1].ident = 0x7f0000000200;
    waits(&f, 0, PC_W_FUTEX, 1, 0);
    f.d.waits[0].obj = 0x9000;
    f.d.waits[0].owner_ident = 0x7f0000000200;
    assert_string_not_equal(diagnose(&f), "fork-child-deadlock");
    teardown(&f);
}

/* A Popen whose stdout and stderr are pipes (fds 4 and 6), stdin fd 5
 * when with_stdin, in thread 0's frame as `proc`. */
static uint64_t popen_in_frame(struct fx *f, struct heap *h, int with_stdin, int with_stderr)
{
    uint64_t popen_t = heap_type(h, "Popen", 16);
    const char *keys[] = {"pid", "returncode", "stdin", "stdout", "stderr", NULL};
    uint64_t vals[] = {heap_int(h, 4242), h->none,
                       with_stdin ? heap_stream(h, "BufferedWriter", 5, 0, 0, NULL) : h->none,
                       heap_stream(h, "BufferedReader", 4, 0, 0, NULL),
                       with_stderr ? heap_stream(h, "BufferedReader", 6, 1, 0, NULL) : h->none};
    uint64_t proc = heap_object(h, popen_t, keys, vals);
    const char *names[] = {"proc", NULL};
    frame(f, 0, "collect", "/srv/app/build.py");
    heap_frame(h, &f->frames[0][0], names, &proc);
    return proc;
}

static void io_syscall(struct fx *f, size_t ti, const char *name, int fd)
{
    int writes = strcmp(name, "write") == 0;
    f->th[ti].sys = (struct pc_syscall){.name = name, .cls = PC_SYS_IO,
                                       .flags = PC_SYS_FD0 | (writes ? PC_SYS_WRITES : 0), .args = {(uint64_t)fd}};
    waits(f, ti, PC_W_IO, SIZE_MAX, -1);
}

/* The parent reads one pipe of a live child (Popen.returncode None) to its
 * end, or writes its stdin, while another output pipe has no reader. */
static void test_subprocess_pipes(void **state)
{
    (void)state;
    struct fx f;
    struct heap h;
    setup(&f, 2);                               /* reading stdout, stderr unread */
    heap_init(&h, &f.py);
    popen_in_frame(&f, &h, 0, 1);
    io_syscall(&f, 0, "read", 4);
    io_syscall(&f, 1, "accept", 9);
    assert_string_equal(diagnose(&f), "subprocess-pipe-deadlock");
    heap_free(&h);
    teardown(&f);
    setup(&f, 2);                               /* another thread reads stderr: healthy */
    heap_init(&h, &f.py);
    popen_in_frame(&f, &h, 0, 1);
    io_syscall(&f, 0, "read", 4);
    io_syscall(&f, 1, "read", 6);
    assert_string_not_equal(diagnose(&f), "subprocess-pipe-deadlock");
    heap_free(&h);
    teardown(&f);
    setup(&f, 1);                               /* stderr not a pipe: a slow child, healthy */
    heap_init(&h, &f.py);
    popen_in_frame(&f, &h, 0, 0);
    io_syscall(&f, 0, "read", 4);
    assert_string_not_equal(diagnose(&f), "subprocess-pipe-deadlock");
    heap_free(&h);
    teardown(&f);
    setup(&f, 1);                               /* writing stdin, stdout unread */
    heap_init(&h, &f.py);
    popen_in_frame(&f, &h, 1, 0);
    io_syscall(&f, 0, "write", 5);
    assert_string_equal(diagnose(&f), "subprocess-pipe-deadlock");
    heap_free(&h);
    teardown(&f);
    setup(&f, 1);                               /* a write to another descriptor */
    heap_init(&h, &f.py);
    popen_in_frame(&f, &h, 1, 0);
    io_syscall(&f, 0, "write", 7);
    assert_string_not_equal(diagnose(&f), "subprocess-pipe-deadlock");
    heap_free(&h);
    teardown(&f);
}

/* Queue.join() with unfinished_tasks > 0 while every other thread idles in
 * get() on that queue; none unfinished: not this. */
static void test_queue_join(void **state)
{
    (void)state;
    for (int unfinished = 0; unfinished <= 2; unfinished += 2) {
        struct fx f;
        struct heap h;
        setup(&f, 2);
        heap_init(&h, &f.py);
        const char *keys[] = {"unfinished_tasks", NULL};
        uint64_t n = heap_int(&h, unfinished);
        uint64_t q = heap_object(&h, heap_type(&h, "Queue", 16), keys, &n);
        waits(&f, 0, PC_W_QUEUE_JOIN, SIZE_MAX, 0);
        f.d.waits[0].obj = q;
        waits(&f, 1, PC_W_QUEUE_GET, SIZE_MAX, 0);
        f.d.waits[1].obj = q;
        if (unfinished)
            assert_string_equal(diagnose(&f), "queue-join-unfinished");
        else
            assert_string_not_equal(diagnose(&f), "queue-join-unfinished");
        heap_free(&h);
        teardown(&f);
    }
}

/* waits.c ties a futex to sys.stdout's buffer lock and its owner; an owner
 * that is no thread of the process makes it a fork-child-deadlock. */
static void test_io_lock_wait(void **state)
{
    (void)state;
    for (int foreign = 0; foreign <= 1; foreign++) {
        struct fx f;
        struct heap h;
        setup(&f, 2);
        heap_init(&h, &f.py);
        f.th[0].ident = 0x7f0000000100;
        f.th[1].ident = 0x7f0000000200;
        uint64_t lock;
        const char *keys[] = {"stdout", NULL};
        uint64_t out = heap_stream(&h, "BufferedWriter", 1, 1, foreign ? 0x7f0000000300 : 0x7f0000000200, &lock);
        heap_module(&h, "sys", keys, &out);
        f.th[0].sys = (struct pc_syscall){.name = "futex", .cls = PC_SYS_FUTEX, .args = {lock, 0x189, 0, 0}};
        f.th[1].sys = (struct pc_syscall){.name = "write", .cls = PC_SYS_IO, .flags = PC_SYS_FD0 | PC_SYS_WRITES,
                                          .args = {1}};
        pc_diag_waits(&f.py, &f.m, &f.d);
        assert_non_null(strstr(f.d.waits[0].what, "sys.stdout"));
        assert_non_null(strstr(f.d.waits[0].what, "fd 1"));
        if (foreign) {
            assert_string_equal(diagnose(&f), "fork-child-deadlock");
        } else {
            assert_int_equal(f.d.waits[0].target, 1);       /* the writer holds it */
            assert_string_not_equal(diagnose(&f), "fork-child-deadlock");
        }
        heap_free(&h);
        teardown(&f);
    }
}

static void pool_worker(struct fx *f, size_t ti, int kind)
{
    frame(f, ti, "result", "/usr/lib/python3.11/concurrent/futures/_base.py");
    frame(f, ti, "run", "/usr/lib/python3.11/concurrent/futures/thread.py");
    frame(f, ti, "_worker", "/usr/lib/python3.11/concurrent/futures/thread.py");
    waits(f, ti, kind, SIZE_MAX, 0);
}

/* A multiprocessing Queue whose read end is fd 4 (_handle None: closed). */
static uint64_t mp_queue(struct heap *h, const char *type, int closed)
{
    const char *rk[] = {"_handle", NULL}, *qk[] = {"_reader", NULL};
    uint64_t handle = closed ? h->none : heap_int(h, 4);
    uint64_t reader = heap_object(h, heap_type(h, "Connection", 16), rk, &handle);
    return heap_object(h, heap_type(h, type, 16), qk, &reader);
}

/* Thread 0 joins child 4242 in multiprocessing's exit hook (at_exit) or in
 * the joining code; the Process object holds attrs[0] as `rows` when given. */
static void mp_join(struct fx *f, struct heap *h, int at_exit, uint64_t rows)
{
    const char *pk[] = {"pid", "returncode", NULL}, *jk[] = {"self", "timeout", NULL};
    const char *xk[] = {"_name", "_popen", "rows", NULL};
    uint64_t pv[] = {heap_int(h, 4242), h->none};
    uint64_t popen = heap_object(h, heap_type(h, "Popen", 16), pk, pv);
    uint64_t xv[] = {heap_str(h, "exporter"), popen, rows};
    if (!rows)
        xk[2] = NULL;
    uint64_t proc = heap_object(h, heap_type(h, "Process", 16), xk, xv);
    frame(f, 0, "poll", "/usr/lib/python3.11/multiprocessing/popen_fork.py");
    frame(f, 0, "wait", "/usr/lib/python3.11/multiprocessing/popen_fork.py");
    frame(f, 0, "join", "/usr/lib/python3.11/multiprocessing/process.py");
    uint64_t jv[] = {proc, h->none};
    heap_frame(h, &f->frames[0][2], jk, jv);
    if (at_exit)
        frame(f, 0, "_exit_function", "/usr/lib/python3.11/multiprocessing/util.py");
    else
        frame(f, 0, "<module>", "/srv/app/export.py");
    f->th[0].sys = (struct pc_syscall){.name = "wait4", .cls = PC_SYS_CHILD, .args = {4242}};
    waits(f, 0, PC_W_CHILD, SIZE_MAX, -1);
}

/* The exit hook joins a child while a multiprocessing queue of the program
 * (a global of __main__, or the joined Process's attribute) is unread. */
static void test_mp_queue_exit_join(void **state)
{
    (void)state;
    struct fx f;
    struct heap h;
    const char *gk[] = {"chunks", NULL};
    for (int c = 0; c < 5; c++) {
        setup(&f, 1);
        heap_init(&h, &f.py);
        uint64_t q = mp_queue(&h, c == 4 ? "JoinableQueue" : "Queue", c == 2);
        if (c == 3)     /* queue.Queue: no pipe end */
            q = heap_object(&h, heap_type(&h, "Queue", 16), NULL, NULL);
        if (c != 4)
            heap_module(&h, "__main__", gk, &q);
        mp_join(&f, &h, c != 1, c == 4 ? q : 0);
        const char *got = diagnose(&f);
        if (c == 0 || c == 4)   /* a global of __main__; the joined process's attribute */
            assert_string_equal(got, "mp-queue-join-deadlock");
        else                    /* not at exit: the joining code sees no queue; read end closed; no queue */
            assert_string_not_equal(got, "mp-queue-join-deadlock");
        heap_free(&h);
        teardown(&f);
    }
}

static void test_pool(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 3);
    waits(&f, 0, PC_W_FUTURE, SIZE_MAX, 0);
    pool_worker(&f, 1, PC_W_FUTURE);
    pool_worker(&f, 2, PC_W_FUTURE);
    assert_string_equal(diagnose(&f), "thread-pool-starvation");
    teardown(&f);
    setup(&f, 3);                               /* one worker is free: no starvation */
    waits(&f, 0, PC_W_FUTURE, SIZE_MAX, 0);
    pool_worker(&f, 1, PC_W_FUTURE);
    frame(&f, 2, "_worker", "/usr/lib/python3.11/concurrent/futures/thread.py");
    waits(&f, 2, PC_W_QUEUE_GET, SIZE_MAX, 0);
    assert_string_not_equal(diagnose(&f), "thread-pool-starvation");
    teardown(&f);
}

static void loop_thread(struct fx *f, int cls, int kind)
{
    frame(f, 0, "callback", "/app/srv.py");
    frame(f, 0, "_run", "/usr/lib/python3.11/asyncio/events.py");
    frame(f, 0, "_run_once", "/usr/lib/python3.11/asyncio/base_events.py");
    f->th[0].sys = (struct pc_syscall){.name = "x", .cls = cls};
    waits(f, 0, kind, SIZE_MAX, -1);
}

static void test_asyncio_blocked(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 1);
    loop_thread(&f, PC_SYS_SLEEP, PC_W_SLEEP);
    assert_string_equal(diagnose(&f), "asyncio-loop-blocked");
    teardown(&f);
    setup(&f, 1);                               /* in the selector: the loop is waiting, not blocked */
    loop_thread(&f, PC_SYS_EPOLL, PC_W_IO);
    assert_string_not_equal(diagnose(&f), "asyncio-loop-blocked");
    teardown(&f);
}

/* Tasks as tasks.c leaves them: n pending tasks on the loop of thread 0. */
static struct pc_task_model *tasks(struct fx *f, size_t n)
{
    struct pc_task_model *t = calloc(n, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++) {
        t[i].addr = 0x5000 + 0x100 * i;
        snprintf(t[i].name, sizeof t[i].name, "t%zu", i);
        t[i].thread = 0;
        t[i].awaits_task = t[i].exec_thread = SIZE_MAX;
        t[i].wait_frame = SIZE_MAX;
    }
    f->m.tasks = t;
    f->m.ntasks = n;
    return t;
}

static void task_lock_wait(struct pc_task_model *t, uint64_t lock)
{
    t->wait = PC_TW_LOCK;
    t->wait_obj = lock;
    t->wait_locked = 1;
    snprintf(t->wait_type, sizeof t->wait_type, "Lock");
}

static void task_holds(struct pc_task_model *t, uint64_t lock)
{
    t->holds[t->nholds].obj = lock;
    snprintf(t->holds[t->nholds++].type, sizeof t->holds[0].type, "asyncio.Lock");
}

/* Two tasks holding the lock the other waits for; a third task awaiting
 * one of them is no part of the cycle.  Without the second hold: no cycle
 * (the lock may be released). */
static void test_asyncio_tasks(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 1);
    struct pc_task_model *t = tasks(&f, 3);
    task_lock_wait(&t[0], 0xa0);
    task_holds(&t[0], 0xb0);
    task_lock_wait(&t[1], 0xb0);
    task_holds(&t[1], 0xa0);
    t[2].wait = PC_TW_TASK;
    t[2].awaits = t[0].addr;
    t[2].awaits_task = 0;
    assert_string_equal(diagnose(&f), "asyncio-task-deadlock");
    assert_non_null(strstr(f.d.findings[0].summary, "task \"t0\""));
    assert_non_null(strstr(f.d.findings[0].summary, "task \"t1\""));
    assert_null(strstr(f.d.findings[0].summary, "t2"));
    free(t);
    teardown(&f);

    setup(&f, 1);
    t = tasks(&f, 2);
    task_lock_wait(&t[0], 0xa0);
    task_holds(&t[0], 0xb0);
    task_lock_wait(&t[1], 0xb0);        /* holds nothing: waits for t0, no cycle */
    diagnose(&f);
    assert_false(found(&f, PC_P_ASYNCIO_TASK_DEADLOCK));
    free(t);
    teardown(&f);

    setup(&f, 2);                       /* a task awaits a job whose thread waits for a lock the task holds */
    t = tasks(&f, 1);
    t[0].wait = PC_TW_FUTURE;
    t[0].exec_future = 0xc0;
    t[0].exec_thread = 1;
    t[0].holds[0].obj = 0xd0;
    snprintf(t[0].holds[0].type, sizeof t[0].holds[0].type, "threading.Lock");
    t[0].nholds = 1;
    waits(&f, 1, PC_W_LOCK, SIZE_MAX, 0);
    f.d.waits[1].obj = 0xd0;
    assert_string_equal(diagnose(&f), "asyncio-task-deadlock");
    assert_non_null(strstr(f.d.findings[0].summary, "executor job"));
    free(t);
    teardown(&f);
}

/* Greenlets: two holding the gevent lock the other waits for (a dead
 * one holding a lock takes no part); a waiter whose lock nobody live
 * holds, or a lock two greenlets seem to hold, is no cycle. */
static void test_greenlets(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 1);
    struct pc_greenlet_model g[4];
    memset(g, 0, sizeof g);
    for (size_t i = 0; i < 4; i++) {
        g[i].addr = 0x7000 + 0x100 * i;
        g[i].state = PC_GR_SUSPENDED;
        g[i].thread = 0;
        snprintf(g[i].wait_type, sizeof g[i].wait_type, "LockType");
    }
    g[0].wait_obj = 0xa0;
    g[0].holds[g[0].nholds++].obj = 0xb0;
    g[1].wait_obj = 0xb0;
    g[1].holds[g[1].nholds++].obj = 0xa0;
    g[2].state = PC_GR_DEAD;
    g[2].holds[g[2].nholds++].obj = 0xc0;
    g[3].wait_obj = 0xc0;
    f.m.greenlets = g;
    f.m.ngreenlets = 4;
    assert_string_equal(diagnose(&f), "greenlet-deadlock");
    assert_non_null(strstr(f.d.findings[0].summary, "0x7000"));
    assert_non_null(strstr(f.d.findings[0].summary, "0x7100"));
    assert_null(strstr(f.d.findings[0].summary, "0x7300"));
    f.m.greenlets = NULL;
    teardown(&f);

    setup(&f, 1);
    g[2].state = PC_GR_SUSPENDED;
    g[2].holds[0].obj = 0xa0;           /* 0xa0 seems held twice: unsure, no edge */
    f.m.greenlets = g;
    f.m.ngreenlets = 4;
    diagnose(&f);
    assert_false(found(&f, PC_P_GREENLET_DEADLOCK));
    f.m.greenlets = NULL;
    teardown(&f);
}

/* asyncio.run()'s cleanup: the loop in its selector under runners.py, a
 * helper thread joining the executor worker (thread 2) in _do_shutdown. */
static void asyncio_exit_threads(struct fx *f, int helper_joins)
{
    frame(f, 0, "select", "/usr/lib/python3.11/selectors.py");
    frame(f, 0, "_run_once", "/usr/lib/python3.11/asyncio/base_events.py");
    frame(f, 0, "close", "/usr/lib/python3.11/asyncio/runners.py");
    waits(f, 0, PC_W_IO, SIZE_MAX, -1);
    frame(f, 1, "join", "/usr/lib/python3.11/threading.py");
    frame(f, 1, helper_joins ? "_do_shutdown" : "run", "/usr/lib/python3.11/asyncio/base_events.py");
    waits(f, 1, PC_W_JOIN, 2, 0);
    frame(f, 2, "export_all", "/app/export.py");
    waits(f, 2, PC_W_SLEEP, SIZE_MAX, -1);
}

static void test_asyncio_exit(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 3);
    asyncio_exit_threads(&f, 1);
    assert_string_equal(diagnose(&f), "shutdown-join");
    assert_int_equal(f.d.findings[0].conf, PC_CONF_MEDIUM);     /* the job sleeps: it may still end */
    assert_non_null(strstr(f.d.findings[0].summary, "shutdown_default_executor"));
    assert_non_null(strstr(f.d.findings[0].summary, "export_all"));
    teardown(&f);
    setup(&f, 3);                               /* a join of a worker, not by _do_shutdown: no exit */
    asyncio_exit_threads(&f, 0);
    assert_string_not_equal(diagnose(&f), "shutdown-join");
    teardown(&f);
}

static void test_atexit(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 2);
    frame(&f, 0, "flush_all", "/app/hooks.py");
    lock_wait(&f, 0, 1, PC_CONF_MEDIUM);
    f.th[1].daemon = 1;
    waits(&f, 1, PC_W_SLEEP, SIZE_MAX, 1);
    assert_string_equal(diagnose(&f), "atexit-blocked-by-daemon");
    teardown(&f);
    setup(&f, 2);                               /* still in <module>: not at exit */
    frame(&f, 0, "<module>", "/app/main.py");
    lock_wait(&f, 0, 1, PC_CONF_MEDIUM);
    f.th[1].daemon = 1;
    waits(&f, 1, PC_W_SLEEP, SIZE_MAX, 1);
    assert_string_not_equal(diagnose(&f), "atexit-blocked-by-daemon");
    teardown(&f);
}

static void test_output(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 1);
    f.th[0].sys = (struct pc_syscall){.name = "write", .cls = PC_SYS_IO, .flags = PC_SYS_FD0 | PC_SYS_WRITES,
                                      .args = {1}};
    waits(&f, 0, PC_W_IO, SIZE_MAX, -1);
    assert_string_equal(diagnose(&f), "output-pipe-full");
    teardown(&f);
    setup(&f, 1);                               /* reading stdin is no full output pipe */
    f.th[0].sys = (struct pc_syscall){.name = "read", .cls = PC_SYS_IO, .flags = PC_SYS_FD0, .args = {0}};
    waits(&f, 0, PC_W_IO, SIZE_MAX, -1);
    assert_string_equal(diagnose(&f), "io-wait");
    teardown(&f);
}

/* Every thread waits without timeout for something only another thread
 * could end: orphaned.  One thread still free (sleeping): not yet. */
static void test_orphans(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 2);
    waits(&f, 0, PC_W_EVENT, SIZE_MAX, 0);
    waits(&f, 1, PC_W_QUEUE_GET, SIZE_MAX, 0);
    assert_string_equal(diagnose(&f), "orphaned-wait");
    teardown(&f);
    setup(&f, 2);
    waits(&f, 0, PC_W_EVENT, SIZE_MAX, 0);
    waits(&f, 1, PC_W_SLEEP, SIZE_MAX, 1);
    assert_string_equal(diagnose(&f), "io-wait");
    teardown(&f);
}

/* After a hang, "Also: io-wait" names only the threads the hang does not,
 * and does not say "no deadlock". */
static void test_also_never_restates(void **state)
{
    (void)state;
    struct fx f;
    setup(&f, 3);
    waits(&f, 0, PC_W_JOIN, 1, 0);
    lock_wait(&f, 1, 0, PC_CONF_HIGH);
    waits(&f, 2, PC_W_SLEEP, SIZE_MAX, 1);
    assert_string_equal(diagnose(&f), "lock-order-deadlock");
    assert_true(found(&f, PC_P_IO_WAIT));
    for (size_t k = 1; k < f.d.nfindings; k++) {
        const struct pc_finding *x = &f.d.findings[k];
        if (x->pattern != PC_P_IO_WAIT)
            continue;
        assert_int_equal(x->nthreads, 1);
        assert_int_equal(x->threads[0], 2);
        assert_null(strstr(x->summary, "no deadlock"));
    }
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_import_wait),
        cmocka_unit_test(test_teardown_and_shutdown),
        cmocka_unit_test(test_gil),
        cmocka_unit_test(test_fork),
        cmocka_unit_test(test_fork_io_lock_owner),
        cmocka_unit_test(test_io_lock_wait),
        cmocka_unit_test(test_subprocess_pipes),
        cmocka_unit_test(test_queue_join),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_mp_queue_exit_join),
        cmocka_unit_test(test_asyncio_blocked),
        cmocka_unit_test(test_asyncio_exit),
        cmocka_unit_test(test_asyncio_tasks),
        cmocka_unit_test(test_greenlets),
        cmocka_unit_test(test_atexit),
        cmocka_unit_test(test_output),
        cmocka_unit_test(test_orphans),
        cmocka_unit_test(test_also_never_restates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
