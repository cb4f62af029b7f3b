/* threading's lock objects as the runtime records them.
 *
 * lockobject and rlockobject are private to Modules/_threadmodule.c (and
 * 2.7's threadmodule.c), so their layouts are not in any installed header;
 * the offsets below were read from those files at each version's tag:
 *   2.7:        lock  {HEAD; PyThread_type_lock lock_lock; weakreflist}
 *   3.x..3.12:  lock  {HEAD; PyThread_type_lock lock_lock; weakreflist; char locked}
 *   3.x..3.13:  RLock {HEAD; PyThread_type_lock rlock_lock; unsigned long rlock_owner;
 *                      unsigned long rlock_count; weakreflist}
 *   3.13.x:     either (3.13.0 has lock_lock, 3.13.5 a PyMutex: seen in cores)
 *   3.14+:      lock  {HEAD; PyMutex lock}
 *               RLock {HEAD; _PyRecursiveMutex {PyMutex mutex; unsigned long long thread;
 *                      size_t level}}
 * In 3.13 the word after HEAD tells the two lock layouts apart: a pointer,
 * or the mutex's bits (0-3) followed by zero padding.
 * HEAD is the object header: 16 bytes, 32 in free-threaded builds. */
#include "cpython/sync.h"

#include <string.h>

#define HEAD ((uint64_t)py->L->ob_head_size)

static int name_is(const char *ty, const char *a, const char *b)
{
    return strcmp(ty, a) == 0 || (b && strcmp(ty, b) == 0);
}

int pc_py_lock(struct pc_python *py, uint64_t obj, struct pc_lock *out)
{
    char ty[64];
    memset(out, 0, sizeof *out);
    out->obj = obj;
    if (pc_py_type_name(py, obj, ty, sizeof ty))
        return -1;
    int new_mutex = py->version >= 0x030e0000;
    if (name_is(ty, "_thread.lock", "thread.lock")) {
        out->kind = PC_LOCK_PLAIN;
        uint64_t word = 0;
        if (py->version >= 0x030d0000 && pc_read_u64(py->t, obj + HEAD, &word))
            return -1;
        if (new_mutex || (py->version >= 0x030d0000 && word < 256)) {
            uint8_t bits;
            if (pc_read(py->t, obj + HEAD, &bits, 1))
                return -1;
            out->locked = bits & 1;
            out->mutex = obj + HEAD;
        } else {
            if (pc_read_ptr(py->t, obj + HEAD, &out->sem))
                return -1;
            uint8_t locked = 0;
            if (py->version >= 0x03000000 && pc_read(py->t, obj + HEAD + 16, &locked, 1))
                return -1;
            out->locked = py->version >= 0x03000000 ? locked != 0 : -1;
        }
        return 0;
    }
    if (name_is(ty, "_thread.RLock", NULL)) {
        uint64_t w[3];
        if (pc_read(py->t, obj + HEAD, w, sizeof w))
            return -1;
        out->kind = PC_LOCK_RLOCK;
        if (new_mutex) {
            out->mutex = obj + HEAD;
            out->locked = (w[0] & 1) != 0;
            out->owner = w[1];
            out->count = w[1] ? w[2] + 1 : 0;   /* level is depth - 1 */
        } else {
            out->sem = w[0];
            out->owner = w[1];
            out->count = w[2];
            out->locked = w[1] != 0;
        }
        out->owner_known = 1;
        return 0;
    }
    if (py->version < 0x03000000 && strcmp(ty, "_RLock") == 0) {
        /* 2.7's RLock is Python code: __owner, __count, __block. */
        int64_t owner = 0, count = 0;
        uint64_t o = pc_py_attr(py, obj, "_RLock__owner");
        pc_py_int(py, o, &owner);
        pc_py_int(py, pc_py_attr(py, obj, "_RLock__count"), &count);
        out->kind = PC_LOCK_RLOCK;
        out->owner = (uint64_t)owner;
        out->count = (uint64_t)count;
        out->locked = owner != 0;
        out->owner_known = 1;
        struct pc_lock block;
        if (pc_py_lock(py, pc_py_attr(py, obj, "_RLock__block"), &block) == 0)
            out->sem = block.sem;
        return 0;
    }
    return -1;
}

uint64_t pc_py_futex_mutex(struct pc_python *py, const struct pc_syscall *s)
{
    /* 3.13+ parks a waiter on a semaphore inside a wait_entry on its own
     * stack; the word before the semaphore is the PyMutex address (3.13's
     * PyThread_type_lock is itself a PyMutex). */
    uint64_t m = 0;
    if (py->version < 0x030d0000 || s->cls != PC_SYS_FUTEX)
        return 0;
    pc_read_ptr(py->t, s->args[0] - 8, &m);
    return m;
}

int pc_py_lock_matches_futex(const struct pc_lock *l, uint64_t futex, uint64_t mutex)
{
    if (l->sem && futex >= l->sem && futex < l->sem + 32)
        return 1;
    return mutex && (mutex == l->mutex || mutex == l->sem);
}

/* SemLockObject is private to Modules/_multiprocessing/semaphore.c; its
 * offsets are generated (gen/layout_probe.c) and checked against the DWARF
 * of every interpreter's _multiprocessing module
 * (tests/integration/test_private_layouts.py). */
/* glibc's struct new_sem on 64-bit: uint64_t data (value: low 32 bits,
 * nwaiters: high 32 bits), int private, int pad.  sem_wait sleeps in
 * FUTEX_WAIT on the value word, i.e. on the sem_t's address. */
#define SEM_NWAITERS_SHIFT 32

int pc_py_semlock(struct pc_python *py, uint64_t obj, struct pc_semlock *out)
{
    char ty[64];
    memset(out, 0, sizeof *out);
    if (pc_py_type_name(py, obj, ty, sizeof ty))
        return -1;
    if (strcmp(ty, "_multiprocessing.SemLock") != 0) {
        uint64_t inner = pc_py_attr(py, obj, "_semlock");
        if (!inner || pc_py_type_name(py, inner, ty, sizeof ty) || strcmp(ty, "_multiprocessing.SemLock") != 0)
            return -1;
        obj = inner;
    }
    const struct pc_py_layout *L = py->L;
    if (L->sl_handle == PC_NO_FIELD || pc_read_ptr(py->t, obj + (uint64_t)L->sl_handle, &out->handle) ||
        pc_read_u64(py->t, obj + (uint64_t)L->sl_last_tid, &out->last_tid) ||
        pc_read(py->t, obj + (uint64_t)L->sl_count, &out->count, 4) ||
        pc_read(py->t, obj + (uint64_t)L->sl_maxvalue, &out->maxvalue, 4) ||
        pc_read(py->t, obj + (uint64_t)L->sl_kind, &out->kind, 4))
        return -1;
    out->obj = obj;
    if (!out->handle)
        return -1;
    uint64_t name = 0;
    if (L->sl_name != PC_NO_FIELD && pc_read_ptr(py->t, obj + (uint64_t)L->sl_name, &name) == 0 && name)
        pc_read_cstr(py->t, name, out->name, sizeof out->name);
    uint64_t data;
    if (pc_read_u64(py->t, out->handle, &data) == 0) {
        out->sem_read = 1;
        out->value = (uint32_t)data;
        out->nwaiters = (uint32_t)(data >> SEM_NWAITERS_SHIFT);
    }
    return 0;
}

int pc_py_semlock_matches_futex(const struct pc_semlock *s, uint64_t futex)
{
    return s->handle && futex == s->handle;
}
