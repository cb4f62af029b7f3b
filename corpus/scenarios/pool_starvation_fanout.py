"""expect: thread-pool-starvation
python: >=3.6
Recursive fan-out on a pool of two workers: each task splits its work into
two sub-tasks of the same pool and waits for them with
concurrent.futures.wait (no timeout); once both workers wait, the queued
sub-tasks never run.
Threads: MainThread (Future.result), two pool workers (wait in split).
"""
import _oracle; _oracle.arm()

import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="fanout")
busy = threading.Semaphore(0)


def split(depth):
    if depth == 0:
        return 1
    parts = [pool.submit(split, depth - 1) for _ in range(2)]
    busy.release()
    done, _ = concurrent.futures.wait(parts)
    return sum(f.result() for f in done)


def main():
    top = [pool.submit(split, 3), pool.submit(split, 3)]
    busy.acquire()
    busy.acquire()
    time.sleep(0.2)
    _oracle.ready()
    top[0].result()


main()
