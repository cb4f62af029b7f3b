"""expect: finalizer-teardown-wait
python: >=3.6
python: <3.15
A pool-like object whose __del__ (via close) queues a stop sentinel and
joins its work queue (queue.Queue.join, no timeout): it waits until its daemon
worker thread "pool-worker", blocked in tasks.get(), has taken and finished
everything.  Automatic garbage collection is disabled (gc.disable) and the
pool sits in a reference cycle (pool._close_hook = pool.close), so after
main() drops it only the collection at interpreter teardown frees it:
finalize_modules -> _PyGC_CollectNoFail -> gc_collect_main ->
finalize_garbage -> slot_tp_finalize (3.6-3.8: PyImport_Cleanup, 3.9:
_PyImport_Cleanup, instead of finalize_modules).
_PyRuntime._finalizing is set by then: the worker, woken by the put, is
stopped when it retakes the GIL (3.6/3.7: PyThread_exit_thread in
PyEval_RestoreThread; 3.8-3.13: in take_gil; 3.14: parked in
PyThread_hang_thread), so task_done() never comes and Queue.join never
returns.  (Thread.join of the worker would not do: 3.9-3.12 release the
thread's tstate lock when finalization deletes its thread state, so join
returns; 3.14 raises PythonFinalizationError.)  3.9+ delete the worker's
thread state before the collection, so the oracle lists the main thread only
(3.6-3.8: also the worker's stale stack, in Queue.get); the threading view
(ready file) still lists the worker.  _oracle.ready() writes
with os.write, which still works at teardown.  3.15 raises
PythonFinalizationError instead of waiting.
Threads: MainThread (Condition.wait < Queue.join in WorkerPool.close <
__del__ at teardown), pool-worker (daemon; gone in the core on 3.6-3.13,
3.14: pause < PyThread_hang_thread < ... < take_gil).
"""
import _oracle; _oracle.arm()

import gc
import queue
import threading

gc.disable()                    # latency-sensitive service: no automatic cyclic GC


def work(tasks):
    while True:
        job = tasks.get()
        try:
            if job is None:
                return
            job()
        finally:
            tasks.task_done()


class WorkerPool(object):
    def __init__(self, on_close=None):
        self._tasks = queue.Queue()     # shared with the worker; the worker never sees the pool
        self._on_close = on_close
        worker = threading.Thread(target=work, args=(self._tasks,), name="pool-worker")
        worker.daemon = True
        worker.start()
        self._close_hook = self.close   # bound method: a reference cycle

    def submit(self, job):
        self._tasks.put(job)

    def close(self):
        self._tasks.put(None)           # finish what is queued, then stop
        if self._on_close is not None:
            self._on_close()            # _oracle.ready, bound at creation
        self._tasks.join()              # the worker can no longer run: never returns

    def __del__(self):
        self.close()


def main():
    pool = WorkerPool(on_close=_oracle.ready)
    pool.submit(gc.isenabled)
    pool._tasks.join()                  # the worker is alive and well until teardown


main()
# falling off the end of the module: the final collection runs pool.__del__
