"""expect: mp-lock-orphaned
The worker of a multiprocessing.Pool (fork, 3 workers) that holds the
pool's task-queue lock is killed by SIGKILL while the pool is idle (what the
OOM killer does): an idle pool worker waits for its next task in
SimpleQueue.get(), reading the task pipe while it holds _inqueue._rlock, a
SemLock the others wait on.  A SemLock is not released when its holder
dies.  The pool starts a replacement worker, which waits for the lock with
the other two; the tasks of the next Pool.map() are written into the pipe
but no worker can read them, and map() waits forever.  The parent is the
process that is cored.  (pool_lock_only_worker.py: a pool of one worker.)
Threads: MainThread (Pool.map < MapResult.get < wait), pool-workers,
pool-tasks, pool-results (daemon).
"""
import _oracle; _oracle.arm()

import multiprocessing
import os
import signal
import time


def square(n):
    return n * n


def reading_worker(pool):
    """The worker blocked in read(2) on the task pipe: the lock holder."""
    for _ in range(200):
        for p in pool._pool:
            try:
                with open("/proc/%d/syscall" % p.pid) as f:
                    if f.read().split()[0] == "0":
                        return p
            except (IOError, OSError, IndexError):
                pass
        time.sleep(0.01)
    raise RuntimeError("no worker reads the task pipe")


def main():
    ctx = multiprocessing.get_context("fork") if hasattr(multiprocessing, "get_context") else multiprocessing
    pool = ctx.Pool(3)
    for t, name in ((pool._worker_handler, "pool-workers"), (pool._task_handler, "pool-tasks"),
                    (pool._result_handler, "pool-results")):
        t.name = name
    pool.map(square, range(10))
    os.kill(reading_worker(pool).pid, signal.SIGKILL)   # the OOM killer
    time.sleep(0.5)             # the pool has replaced it; the new worker waits for the lock
    _oracle.ready()
    print(pool.map(square, range(10)))


if __name__ == "__main__":
    main()
