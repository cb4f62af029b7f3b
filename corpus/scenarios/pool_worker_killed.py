"""expect: pool-task-lost
python: >=3.6
The main thread submits one job with Pool.apply_async() to a pool of 3
worker processes (fork) and waits for it with AsyncResult.get(); the job's
worker is killed by SIGKILL while it runs (what the OOM killer does).  The
pool starts a fourth worker in its place; the job's result never comes and
get() without a timeout waits forever.  (pool_worker_died.py: Pool.map, a
worker that calls os._exit.)  The parent is the process that is cored; the
pool's handler threads are renamed so that thread names do not depend on
the version.
Threads: MainThread (ApplyResult.get < wait), pool-workers, pool-tasks,
pool-results (daemon).
"""
import _oracle; _oracle.arm()

import multiprocessing
import os
import signal


def render_report(pages):
    os.kill(os.getpid(), signal.SIGKILL)    # the OOM killer, mid-task
    return "%d pages" % pages


def main():
    pool = multiprocessing.get_context("fork").Pool(3)
    for t, name in ((pool._worker_handler, "pool-workers"), (pool._task_handler, "pool-tasks"),
                    (pool._result_handler, "pool-results")):
        t.name = name
    job = pool.apply_async(render_report, (12,))
    _oracle.ready()
    print(job.get())


if __name__ == "__main__":
    main()
