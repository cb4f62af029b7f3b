"""expect: pool-helper-died
A job of a multiprocessing.Pool (fork, 2 workers) raises an exception
class whose __init__ takes two arguments.  The worker sends it back
pickled, as (class, self.args); unpickling it in the parent calls
QuotaExceeded(message) and raises TypeError inside the pool's
result-handler thread, which dies (its traceback goes to stderr).  Nothing
collects results any more: AsyncResult.get() without a timeout waits
forever.  (pool_result_class_missing.py: a result whose class the parent
does not have.)  The parent is the process that is cored.
Threads: MainThread (ApplyResult.get < wait), pool-workers, pool-tasks
(daemon); the result handler has exited.
"""
import _oracle; _oracle.arm()

import multiprocessing
import sys
import time


class QuotaExceeded(Exception):
    def __init__(self, user, limit):
        Exception.__init__(self, "%s is over its quota of %d" % (user, limit))
        self.user, self.limit = user, limit


def upload(user):
    raise QuotaExceeded(user, 100)


def main():
    ctx = multiprocessing.get_context("fork") if hasattr(multiprocessing, "get_context") else multiprocessing
    pool = ctx.Pool(2)
    for t, name in ((pool._worker_handler, "pool-workers"), (pool._task_handler, "pool-tasks"),
                    (pool._result_handler, "pool-results")):
        t.name = name
    job = pool.apply_async(upload, ("alice",))
    while pool._result_handler.is_alive():
        time.sleep(0.05)
    _oracle.ready()
    try:
        job.get()
    except QuotaExceeded as e:
        sys.stdout.write("%s\n" % e)


if __name__ == "__main__":
    main()
