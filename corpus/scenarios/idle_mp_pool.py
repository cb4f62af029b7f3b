"""expect: io-wait
accept: none, cpu-busy
python: >=3.6
Healthy look-alike of mp-lock-orphaned and pool-task-lost: a
multiprocessing.Pool of 3 workers (fork) runs one long job, and the main
thread waits for its result with AsyncResult.get() and no timeout.  One
idle worker reads the task pipe holding the pool's task-queue lock (a
SemLock whose sem_t is taken), the other idle one waits for that lock, the
third runs the job: the lock's holder is alive and the result will come.
No worker was replaced.  The parent is the process that is cored.
The pool's worker handler polls (time.sleep(0.1) in a loop): a gcore
snapshot can catch it between two sleeps, which one core cannot tell from
a busy loop; cpu-busy (low, no hang) is then the honest verdict.
(2.7: lock.acquire() cannot be interrupted, so the oracle's SIGUSR1 leaves
a Python handler pending, which is reported as such.)
Threads: MainThread (ApplyResult.get < wait), pool-workers, pool-tasks,
pool-results (daemon).
"""
import _oracle; _oracle.arm()

import multiprocessing
import time


def nightly_report(days):
    time.sleep(3600)            # a long job, still running
    return days


def main():
    ctx = multiprocessing.get_context("fork") if hasattr(multiprocessing, "get_context") else multiprocessing
    pool = ctx.Pool(3)
    for t, name in ((pool._worker_handler, "pool-workers"), (pool._task_handler, "pool-tasks"),
                    (pool._result_handler, "pool-results")):
        t.name = name
    pool.map(abs, range(6))
    job = pool.apply_async(nightly_report, (7,))
    time.sleep(0.5)             # the job runs; the two idle workers are back at the lock
    _oracle.ready()
    print(job.get())


if __name__ == "__main__":
    main()
