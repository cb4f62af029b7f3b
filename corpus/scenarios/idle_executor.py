"""expect: io-wait
accept: none
python: >=3.9
Healthy, idle process: a concurrent.futures.ThreadPoolExecutor with two
workers "pool_0" and "pool_1" (non-daemon from 3.9 on) finished its jobs and
its workers wait for more in the C SimpleQueue.get() of _worker (no Python
frame above _worker), while main sleeps in time.sleep(3600) in a loop.
Nothing waits for the workers: not a hang ("none" is also accepted).
Threads: MainThread (time.sleep), pool_0, pool_1 (non-daemon, idle
executor workers).
"""
import _oracle; _oracle.arm()

import concurrent.futures
import threading
import time

both_running = threading.Barrier(2)


def job(n):
    both_running.wait()         # two jobs at once: the executor starts two workers
    return n * n


def main():
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
    futures = [pool.submit(job, n) for n in range(2)]
    for f in futures:
        f.result()
    time.sleep(0.2)             # both workers are back in the work queue's get()
    _oracle.ready()
    while True:
        time.sleep(3600)


main()
