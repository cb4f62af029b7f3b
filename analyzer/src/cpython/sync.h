/* Lock objects of the threading module, read from the target. */
#ifndef PYCORE_SYNC_H
#define PYCORE_SYNC_H

#include "arch/syscall.h"
#include "cpython/python.h"

enum pc_lock_kind { PC_LOCK_NONE, PC_LOCK_PLAIN, PC_LOCK_RLOCK };

struct pc_lock {
    uint64_t obj;
    int kind;
    int locked;           /* 1, 0, or -1 unknown (2.7 Lock) */
    int owner_known;      /* RLock: owner and count are recorded */
    uint64_t owner;       /* thread ident, 0: none */
    uint64_t count;
    uint64_t sem;         /* <= 3.13: the sem_t a waiter sleeps on */
    uint64_t mutex;       /* 3.14+: the PyMutex */
};

/* Fill *out if obj is a threading Lock or RLock (any version). */
int pc_py_lock(struct pc_python *py, uint64_t obj, struct pc_lock *out);
/* 3.13+: the PyMutex a thread parked in a futex wait is waiting for. */
uint64_t pc_py_futex_mutex(struct pc_python *py, const struct pc_syscall *s);
int pc_py_lock_matches_futex(const struct pc_lock *l, uint64_t futex, uint64_t mutex);

/* multiprocessing's SemLock (Modules/_multiprocessing/semaphore.c): a
 * POSIX semaphore shared between processes.  count and last_tid are what
 * *this* process did with it; value and nwaiters are the sem_t itself
 * (glibc: one 64-bit word, value in the low half, waiters in the high
 * half), shared by every process that maps it. */
enum pc_semlock_kind { PC_SEM_RECURSIVE_MUTEX = 0, PC_SEM_SEMAPHORE = 1 };

struct pc_semlock {
    uint64_t obj;             /* the C _multiprocessing.SemLock */
    uint64_t handle;          /* sem_t * */
    uint64_t last_tid;        /* ident of the last thread of this process to acquire it */
    int count;                /* acquisitions by this process not yet released */
    int maxvalue;
    int kind;                 /* enum pc_semlock_kind */
    char name[64];            /* 3.4+: its /dev/shm name, "" unknown (unlinked: None) */
    int sem_read;             /* the sem_t was in the core */
    uint32_t value, nwaiters;
};

/* Fill *out if obj is a _multiprocessing.SemLock, or a multiprocessing.
 * synchronize object (Lock, RLock, Semaphore...) wrapping one in _semlock. */
int pc_py_semlock(struct pc_python *py, uint64_t obj, struct pc_semlock *out);
int pc_py_semlock_matches_futex(const struct pc_semlock *s, uint64_t futex);

#endif
