"""expect: lock-order-deadlock
Classic ABBA inversion with two plain threading.Lock objects taken through
nested `with` statements: "transfer-ab" holds lock_a and waits in
`with lock_b:`, "transfer-ba" holds lock_b and waits in `with lock_a:`.  Two
Events make the interleaving certain (each thread takes its first lock, then
waits until the other one holds its own).  Plain Locks record no owner: the
holders must be inferred (the `with` block's __exit__ on the value stack,
3.11 - 3.13; the code naming the lock otherwise).  Main joins transfer-ab.
Threads: MainThread (join), transfer-ab, transfer-ba (non-daemon, Lock
acquire).
"""
import _oracle; _oracle.arm()

import threading
import time

lock_a = threading.Lock()
lock_b = threading.Lock()
a_taken = threading.Event()
b_taken = threading.Event()


def transfer_ab():
    with lock_a:
        a_taken.set()
        b_taken.wait()
        with lock_b:
            pass


def transfer_ba():
    with lock_b:
        b_taken.set()
        a_taken.wait()
        with lock_a:
            pass


def main():
    t1 = threading.Thread(target=transfer_ab, name="transfer-ab")
    t2 = threading.Thread(target=transfer_ba, name="transfer-ba")
    t1.start()
    t2.start()
    a_taken.wait()
    b_taken.wait()
    time.sleep(0.2)
    _oracle.ready()
    t1.join()
    t2.join()


main()
