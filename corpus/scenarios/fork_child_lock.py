"""expect: fork-child-deadlock
python: >=3.6
The main thread starts "holder", which takes a Lock and keeps it, then
forks.  The child has only a copy of the forking thread, and the lock stays
locked forever: the child blocks in `with work_lock:` (the classic
os.fork()-in-a-threaded-program hang; multiprocessing's 'fork' start method
does the same).  The child is the process that is cored (it calls ready());
the parent waits for it in os.waitpid.
Threads (child): MainThread (Lock acquire, no timeout).
"""
import _oracle; _oracle.arm()

import os
import threading
import time

work_lock = threading.Lock()
taken = threading.Event()


def hold_forever():
    with work_lock:
        taken.set()
        time.sleep(3600)


def child():
    _oracle.ready()
    with work_lock:
        pass
    os._exit(0)


def main():
    threading.Thread(target=hold_forever, name="holder", daemon=True).start()
    taken.wait()
    pid = os.fork()
    if pid == 0:
        child()
    os.waitpid(pid, 0)


main()
