"""expect: queue-join-unfinished
Queue.join() without task_done(): the daemon thread "consumer" gets every
item from the queue and processes it, but never calls q.task_done(); main
puts three items and waits in q.join() forever (unfinished_tasks == 3 while
the queue is empty).  The consumer is idle in Queue.get() (Condition.wait),
main in Queue.join() (Condition.wait).
Threads: MainThread (Queue.join), consumer (daemon, Queue.get).
"""
import _oracle; _oracle.arm()

import threading
import time

try:
    import queue
except ImportError:         # 2.7
    import Queue as queue

q = queue.Queue()
results = []
all_processed = threading.Event()


def consume():
    while True:
        item = q.get()
        results.append(item * 2)
        # missing: q.task_done()
        if len(results) == 3:
            all_processed.set()


def main():
    consumer = threading.Thread(target=consume, name="consumer")
    consumer.daemon = True
    consumer.start()
    for item in (1, 2, 3):
        q.put(item)
    all_processed.wait()
    time.sleep(0.2)             # the consumer is back in q.get()
    _oracle.ready()
    q.join()


main()
