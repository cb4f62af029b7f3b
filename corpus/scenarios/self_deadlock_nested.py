"""expect: self-deadlock
A thread re-acquires a non-reentrant Lock it already holds, through a
function call: Inventory.add() takes self._lock (`with self._lock:`) and,
still holding it, logs the new total through Inventory._log_total(), which
calls Inventory.total(), which does `with self._lock:` again.  Thread
"stocker" blocks forever on its own lock (an RLock would not).  Main joins
stocker.
Threads: MainThread (join), stocker (non-daemon, Lock acquire of a lock it
holds: total < _log_total < add).
"""
import _oracle; _oracle.arm()

import sys
import threading
import time


class Inventory(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._items = {}

    def add(self, name, count):
        with self._lock:
            self._items[name] = self._items.get(name, 0) + count
            self._log_total()           # called with the lock held

    def total(self):
        with self._lock:                # blocks: this thread holds it already
            return sum(self._items.values())

    def _log_total(self):
        sys.stdout.write("total: %d\n" % self.total())


inventory = Inventory()
started = threading.Event()


def stock():
    started.set()
    inventory.add("apples", 3)


def main():
    stocker = threading.Thread(target=stock, name="stocker")
    stocker.start()
    started.wait()
    time.sleep(0.2)
    _oracle.ready()
    stocker.join()


main()
