"""expect: lock-order-deadlock
Main thread takes a plain threading.Lock ("guard"), starts the non-daemon thread
"worker-1", which blocks in `with guard:`, and then joins worker-1 while still
holding guard.  Main waits for worker-1 (Thread.join), worker-1 waits for a lock
only main can release: a cycle of two threads through a join and a lock (the
lock has no owner field: its holder is inferred, so the confidence is lower).
Threads: MainThread (join), worker-1 (non-daemon, Lock acquire).
"""
import _oracle; _oracle.arm()

import threading

guard = threading.Lock()


def take_guard():
    with guard:
        pass


def main():
    guard.acquire()
    worker = threading.Thread(target=take_guard, name="worker-1")
    worker.daemon = False
    worker.start()
    _oracle.ready()
    worker.join()


main()
