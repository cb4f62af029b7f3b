"""expect: shutdown-join
python: >=3.6
python: <3.9
shutdown_executor.py on 3.6 - 3.8: a ThreadPoolExecutor is never shut down
and its only job waits forever.  There the workers are daemon threads and the
exit hook concurrent.futures.thread._python_exit is registered with
atexit.register: threading._shutdown has nothing to wait for, then
Py_FinalizeEx -> call_py_exitfuncs -> atexit_callfuncs runs _python_exit,
which joins the daemon worker "job_0" forever.  Main's Python stack:
_wait_for_tstate_lock < join < _python_exit (no _shutdown frame).
Threads: MainThread (atexit _python_exit -> join), job_0 (daemon,
Event.wait inside a job).
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
# no pool.shutdown(): the atexit hook joins the worker
