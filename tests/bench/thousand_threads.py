"""expect: orphaned-wait
Benchmark input (not a test scenario): fifty_threads.py with 1,000 threads,
20 Python frames deep each, waiting on an Event that is never set.
"""
import _oracle; _oracle.arm()

import threading

COUNT = 1000
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
        t = threading.Thread(target=Worker(i).run, name="deep-%03d" % i)
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
