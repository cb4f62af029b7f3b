"""expect: orphaned-wait
python: >=3.6
Like future_worker_queue, the queue being an attribute of a service
object and the wait a concurrent.futures.wait() on two futures: both
tasks take their input from `self.inbox`, which nobody fills (the feeder
was never started).
Threads: MainThread (futures.wait), fetch_0, fetch_1 (Queue.get in the task).
"""
import _oracle; _oracle.arm()

import concurrent.futures
import queue
import time


class Fetcher(object):
    def __init__(self):
        self.inbox = queue.Queue()
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="fetch")

    def fetch_one(self):
        url = self.inbox.get()
        return len(url)

    def run(self):
        jobs = [self.pool.submit(self.fetch_one) for _ in range(2)]
        time.sleep(0.3)
        _oracle.ready()
        return concurrent.futures.wait(jobs)


Fetcher().run()
