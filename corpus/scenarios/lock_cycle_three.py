"""expect: lock-order-deadlock
Dining philosophers: three threads "philosopher-0/1/2" and three plain Locks
(forks).  Philosopher i takes fork i (`with left:`), waits until all three
are seated with their left fork, then takes fork (i+1) % 3 (`with right:`):
a cycle of three threads, each holding one Lock and waiting for the next
one's.  All three run the same code (locals `left` and `right`), so a Lock's
holder cannot be guessed from the code that names it.  Main joins
philosopher-0.
Threads: MainThread (join), philosopher-0/1/2 (non-daemon, Lock acquire).
"""
import _oracle; _oracle.arm()

import threading
import time

N = 3
forks = [threading.Lock() for _ in range(N)]
seated = threading.Condition()
holding = [0]


def dine(i):
    left, right = forks[i], forks[(i + 1) % N]
    with left:
        with seated:
            holding[0] += 1
            seated.notify_all()
            while holding[0] < N:
                seated.wait()
        with right:
            pass            # eat


def main():
    philosophers = [threading.Thread(target=dine, args=(i,), name="philosopher-%d" % i)
                    for i in range(N)]
    for p in philosophers:
        p.start()
    with seated:
        while holding[0] < N:
            seated.wait()
    time.sleep(0.2)
    _oracle.ready()
    for p in philosophers:
        p.join()


main()
