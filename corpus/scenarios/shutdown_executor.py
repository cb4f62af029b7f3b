"""expect: shutdown-join
python: >=3.9
A concurrent.futures.ThreadPoolExecutor is never shut down and its only job
waits forever (Event.wait without timeout).  The main module returns; the
executor's exit hook concurrent.futures.thread._python_exit, registered with
threading._register_atexit (3.9+), runs inside threading._shutdown and joins
the worker "job_0" (non-daemon from 3.9 on): main's Python stack is
_wait_for_tstate_lock < join < _python_exit < _shutdown (3.13+: join <
_python_exit < <lambda> < _shutdown).  The worker: Event.wait < job <
_WorkItem.run < _worker (3.14+: WorkerContext.run between them).  See
shutdown_executor_legacy.py for 3.6 - 3.8.
Threads: MainThread (threading._shutdown -> _python_exit), job_0
(non-daemon, Event.wait inside a job).
"""
import _oracle; _oracle.arm()

import concurrent.futures
import threading
import time

never = threading.Event()
started = threading.Event()


def job():
    started.set()
    never.wait()


pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="job")
pool.submit(job)
started.wait()
time.sleep(0.2)
_oracle.ready()
# no pool.shutdown(): the interpreter exit joins the worker
