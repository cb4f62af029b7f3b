"""expect: orphaned-wait
python: >=3.6
The main thread waits for a ThreadPoolExecutor future whose task waits
for a job on a queue.Queue that nothing feeds any more: the producer
thread died of an exception before its first put().  Nothing alive can
put into the queue, so the worker, and the main thread behind it, wait
forever.  The pool's worker is named by thread_name_prefix.
Threads: MainThread (Future.result), render_0 (Queue.get in the task).
"""
import _oracle; _oracle.arm()

import concurrent.futures
import queue
import threading
import time

pages = queue.Queue()


def produce():
    raise RuntimeError("source unavailable")      # dies before pages.put()


def render():
    page = pages.get()
    return page.upper()


def main():
    producer = threading.Thread(target=produce, name="producer")
    producer.start()
    producer.join()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
    done = pool.submit(render)
    time.sleep(0.3)
    _oracle.ready()
    return done.result()


main()
