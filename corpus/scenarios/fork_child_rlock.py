"""expect: fork-child-deadlock
python: >=3.6
Like fork_child_lock, with an RLock: "holder" keeps an RLock when the main
thread forks; in the child the RLock's recorded owner is a thread the child
does not have, and the child's only thread waits for it in a method called
through a helper object.
Threads (child): MainThread (RLock acquire, no timeout).
"""
import _oracle; _oracle.arm()

import os
import threading
import time


class Store(object):
    def __init__(self):
        self.lock = threading.RLock()
        self.taken = threading.Event()

    def hold_forever(self):
        with self.lock:
            self.taken.set()
            time.sleep(3600)

    def update(self):
        with self.lock:
            pass


def main():
    store = Store()
    threading.Thread(target=store.hold_forever, name="holder", daemon=True).start()
    store.taken.wait()
    pid = os.fork()
    if pid == 0:
        _oracle.ready()
        store.update()
        os._exit(0)
    os.waitpid(pid, 0)


main()
