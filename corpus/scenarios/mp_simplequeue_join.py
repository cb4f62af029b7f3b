"""expect: mp-queue-join-deadlock
python: >=3.6
Three worker processes (fork) each send their 200 result rows through one
multiprocessing.SimpleQueue; collect() joins them all before reading.  A
SimpleQueue has no feeder thread: a worker's put() itself blocks on the
full pipe, so the first worker never exits and the parent waits in its
join() forever.  (mp_queue_join.py: a Queue, one child, its feeder thread
blocked at exit.)  The parent is the process that is cored.
Threads: MainThread (Process.join inside collect).
"""
import _oracle; _oracle.arm()

import multiprocessing


def work(n, rows):
    for i in range(200):
        rows.put((n, i, "r" * 1000))


def collect(ctx):
    rows = ctx.SimpleQueue()
    workers = [ctx.Process(target=work, args=(n, rows), name="worker-%d" % n) for n in range(3)]
    for w in workers:
        w.start()
    _oracle.ready()
    for w in workers:
        w.join()
    return [rows.get() for _ in range(600)]


if __name__ == "__main__":
    print(len(collect(multiprocessing.get_context("fork"))))
