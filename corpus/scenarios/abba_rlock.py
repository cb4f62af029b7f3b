"""expect: lock-order-deadlock
ABBA inversion with RLocks, through methods: Account.transfer_to() takes its
own account's RLock, then the other account's.  Thread "pay-alice-bob" runs
alice.transfer_to(bob) and thread "pay-bob-alice" runs bob.transfer_to(alice)
at the same time: each holds its source account's lock and waits for the
other's (`with other.lock:`).  RLocks record their owner (3.x rlock_owner,
3.14+ _PyRecursiveMutex.thread; 2.7 the Python _RLock's owner ident), so the
cycle is fully recorded.  Two Events make the interleaving certain.  Main
joins pay-alice-bob.
Threads: MainThread (join), pay-alice-bob, pay-bob-alice (non-daemon, RLock
acquire).
"""
import _oracle; _oracle.arm()

import threading
import time


class Account(object):
    def __init__(self, name, balance):
        self.name = name
        self.balance = balance
        self.lock = threading.RLock()

    def transfer_to(self, other, amount, mine_locked, theirs_locked):
        with self.lock:
            mine_locked.set()
            theirs_locked.wait()
            with other.lock:
                self.balance -= amount
                other.balance += amount


def main():
    alice = Account("alice", 100)
    bob = Account("bob", 100)
    alice_locked = threading.Event()
    bob_locked = threading.Event()
    t1 = threading.Thread(target=alice.transfer_to, args=(bob, 10, alice_locked, bob_locked),
                          name="pay-alice-bob")
    t2 = threading.Thread(target=bob.transfer_to, args=(alice, 20, bob_locked, alice_locked),
                          name="pay-bob-alice")
    t1.start()
    t2.start()
    alice_locked.wait()
    bob_locked.wait()
    time.sleep(0.2)
    _oracle.ready()
    t1.join()
    t2.join()


main()
