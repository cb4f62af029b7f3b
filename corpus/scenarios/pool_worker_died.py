"""expect: pool-task-lost
python: >=3.6
A multiprocessing.Pool of 2 worker processes (fork) maps convert() over 6
items; the worker that gets item 3 dies (os._exit(1)), as an OOM kill or a
crash in a C extension would.  The pool's worker handler replaces it, but
the task it held is never answered: Pool.map waits forever (bpo-22393;
concurrent.futures.ProcessPoolExecutor raises BrokenProcessPool instead).
The parent is the process that is cored.  The pool's three handler threads
are renamed so that the test's thread names do not depend on the version.
Threads: MainThread (Pool.map < MapResult.get < wait), pool-workers,
pool-tasks, pool-results (daemon).
"""
import _oracle; _oracle.arm()

import multiprocessing
import os


def convert(n):
    if n == 3:
        os._exit(1)
    return n * n


if __name__ == "__main__":
    pool = multiprocessing.get_context("fork").Pool(2)
    for t, name in ((pool._worker_handler, "pool-workers"), (pool._task_handler, "pool-tasks"),
                    (pool._result_handler, "pool-results")):
        t.name = name
    _oracle.ready()
    print(pool.map(convert, range(6), chunksize=1))
