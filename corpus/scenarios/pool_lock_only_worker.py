"""expect: mp-lock-orphaned
A multiprocessing.Pool of one worker (fork) ran its first jobs; while it
is idle, waiting for the next task in SimpleQueue.get() with the pool's
task-queue lock (_inqueue._rlock, a SemLock) held, it is killed by SIGKILL
(an external watchdog, the OOM killer).  The dead worker never releases
the SemLock; its replacement blocks on it for good, so the tasks handed
out by imap_unordered() are never read and the main thread waits forever
for the first result.  The parent is the process that is cored.
Threads: MainThread (IMapUnorderedIterator.next < wait), pool-workers,
pool-tasks, pool-results (daemon).
"""
import _oracle; _oracle.arm()

import multiprocessing
import os
import signal
import time


def checksum(block):
    return sum(bytearray(block)) & 0xffff


def main():
    ctx = multiprocessing.get_context("fork") if hasattr(multiprocessing, "get_context") else multiprocessing
    pool = ctx.Pool(1)
    for t, name in ((pool._worker_handler, "pool-workers"), (pool._task_handler, "pool-tasks"),
                    (pool._result_handler, "pool-results")):
        t.name = name
    print(pool.apply(checksum, (b"warm-up",)))
    time.sleep(0.2)             # back in SimpleQueue.get(), the lock held
    os.kill(pool._pool[0].pid, signal.SIGKILL)
    time.sleep(0.5)             # replaced; the new worker waits for the lock
    _oracle.ready()
    for total in pool.imap_unordered(checksum, [b"abc", b"def"]):
        print(total)


if __name__ == "__main__":
    main()
