"""expect: thread-pool-starvation
python: >=3.6
A ThreadPoolExecutor with one worker runs a task that submits a second task
to the same pool and waits for its result: the second task is queued behind
the first forever.  Main waits for the first task's result.
Threads: MainThread (Future.result), pool worker (Future.result in outer).
"""
import _oracle; _oracle.arm()

import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")
started = threading.Event()


def inner():
    return 42


def outer():
    nested = pool.submit(inner)
    started.set()
    return nested.result()


def main():
    first = pool.submit(outer)
    started.wait()
    time.sleep(0.2)
    _oracle.ready()
    first.result()


main()
