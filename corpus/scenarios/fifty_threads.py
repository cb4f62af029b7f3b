"""expect: orphaned-wait
Fifty threads "deep-00" .. "deep-49" (odd numbers are daemon threads) each
recurse 20 frames deep through the method Worker.descend and then wait without
timeout on an Event that is never set (Worker.park -> Event.wait ->
Condition.wait); main joins them in order (blocked joining deep-00).  Exercises
many threads, deep stacks and qualnames (Worker.descend, Worker.park).
Threads: MainThread (join), deep-NN (Event.wait).
PYCORE_BENCH_THREADS=N makes N threads instead of 50: the benchmark's
1,000-thread core (tests/bench/bench_analyze.py); the tests never set it.
"""
import _oracle; _oracle.arm()

import os
import threading

COUNT = int(os.environ.get("PYCORE_BENCH_THREADS", "50"))
DEPTH = 20

gate = threading.Event()            # never set
arrived = threading.Condition()
parked = [0]


class Worker(object):
    def __init__(self, index):
        self.index = index

    def run(self):
        self.descend(DEPTH)

    def descend(self, depth):
        if depth > 1:
            return self.descend(depth - 1)
        return self.park()

    def park(self):
        with arrived:
            parked[0] += 1
            arrived.notify()
        gate.wait()


def main():
    threads = []
    for i in range(COUNT):
        t = threading.Thread(target=Worker(i).run, name="deep-%02d" % i)
        t.daemon = (i % 2 == 1)
        threads.append(t)
        t.start()
    with arrived:
        while parked[0] < COUNT:
            arrived.wait()
    _oracle.ready()
    for t in threads:
        t.join()


main()
