"""expect: greenlet-deadlock
python: >=3.11
python: <3.12
needs: gevent
Three greenlets share three gevent.lock.RLocks in a ring (the dining
philosophers): each takes its left lock, yields to the hub (gevent.sleep,
as any I/O would), then waits for its right lock, which its neighbour
holds.  No monkey-patching.  A heartbeat greenlet keeps a timer on the
hub, so gevent never raises LoopExit: the hub wakes every second, the
three wait forever.  An RLock waits and is held through the Semaphore in
its _block; each greenlet's `with` keeps the RLock's __exit__ on the frame.
Threads: MainThread (the hub greenlet, in epoll_wait inside libev).
"""
import _oracle; _oracle.arm()

import gevent
import gevent.lock

forks = [gevent.lock.RLock() for _ in range(3)]
meals = []


def philosopher(seat):
    left, right = forks[seat], forks[(seat + 1) % 3]
    with left:
        gevent.sleep(0.05)          # think while holding the left fork
        with right:
            meals.append(seat)


def heartbeat():
    while True:
        gevent.sleep(1)


gevent.spawn(heartbeat)
diners = [gevent.spawn(philosopher, seat) for seat in range(3)]
gevent.sleep(0.2)
_oracle.ready_when_gevent_idle()
gevent.joinall(diners)
