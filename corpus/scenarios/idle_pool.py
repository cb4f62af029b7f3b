"""expect: io-wait
accept: none
Healthy, idle process: a hand-written thread pool of two daemon workers
"pool-0" and "pool-1" ran its jobs and now waits for more in Queue.get()
(no timeout), while main sleeps in time.sleep(3600) in a loop.  Nothing waits
for the workers: not a hang ("none" is also accepted).
Threads: MainThread (time.sleep), pool-0, pool-1 (daemon, Queue.get).
"""
import _oracle; _oracle.arm()

import threading
import time

try:
    import queue
except ImportError:         # 2.7
    import Queue as queue

jobs = queue.Queue()
results = []


def work():
    while True:
        job = jobs.get()
        try:
            results.append(job())
        finally:
            jobs.task_done()


def main():
    for i in range(2):
        worker = threading.Thread(target=work, name="pool-%d" % i)
        worker.daemon = True
        worker.start()
    for n in range(10):
        jobs.put(lambda n=n: n * n)
    jobs.join()
    time.sleep(0.2)             # both workers are back in jobs.get()
    _oracle.ready()
    while True:
        time.sleep(3600)


main()
