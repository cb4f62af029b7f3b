"""expect: pool-helper-died
A multiprocessing.Pool (fork, 2 workers) runs a job with apply_async()
that returns a cached object: a Thumbnail pickles itself as a key into a
cache that only the worker process has filled (__reduce__ returns
restore_thumbnail, key).  Unpickling the results in the parent raises
KeyError inside the pool's result-handler thread, which dies.  Nothing
collects results any more, and AsyncResult.get() waits forever.  The
parent is the process that is cored.
Threads: MainThread (ApplyResult.get < wait), pool-workers,
pool-tasks (daemon); the result handler has exited.
"""
import _oracle; _oracle.arm()

import multiprocessing
import time

_thumbnails = {}        # filled by the worker processes only


def restore_thumbnail(key):
    return _thumbnails[key]


class Thumbnail(object):
    def __init__(self, key):
        self.key = key

    def __reduce__(self):
        return restore_thumbnail, (self.key,)


def render(name):
    _thumbnails[name] = Thumbnail(name)
    return _thumbnails[name]


def main():
    ctx = multiprocessing.get_context("fork") if hasattr(multiprocessing, "get_context") else multiprocessing
    pool = ctx.Pool(2)
    for t, name in ((pool._worker_handler, "pool-workers"), (pool._task_handler, "pool-tasks"),
                    (pool._result_handler, "pool-results")):
        t.name = name
    job = pool.apply_async(render, ("a.png",))
    while pool._result_handler.is_alive():
        time.sleep(0.05)
    _oracle.ready()
    print(job.get().key)


if __name__ == "__main__":
    main()
