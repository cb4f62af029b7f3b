"""expect: queue-join-unfinished
Queue.join() with no consumer left: the only consumer thread "consumer" died
on the first item (an exception in the job, printed on stderr, no
task_done()), and main, which put four items, waits in q.join() forever:
unfinished_tasks == 4, three items still queued, no thread that could ever
get them.  Main is the only thread left.
Threads: MainThread (Queue.join).
"""
import _oracle; _oracle.arm()

import threading
import time

try:
    import queue
except ImportError:         # 2.7
    import Queue as queue

q = queue.Queue()


def consume():
    while True:
        path = q.get()
        with open(path) as f:               # IOError/FileNotFoundError: the thread dies
            f.read()
        q.task_done()


def main():
    for path in ("/nonexistent/a", "/nonexistent/b", "/nonexistent/c", "/nonexistent/d"):
        q.put(path)
    consumer = threading.Thread(target=consume, name="consumer")
    consumer.daemon = True
    consumer.start()
    consumer.join()             # harness: the consumer is gone before ready()
    time.sleep(0.2)
    _oracle.ready()
    q.join()


main()
