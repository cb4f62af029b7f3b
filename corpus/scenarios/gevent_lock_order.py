"""expect: greenlet-deadlock
python: >=3.11
python: <3.12
needs: gevent
A gevent service (monkey-patched: threading.Lock is gevent's lock) moves
stock between two warehouses, each guarded by a lock; two transfer
greenlets take the locks in opposite orders, each yielding to the hub
(a simulated database round trip) while it holds the first: "a-to-b"
holds a's lock and waits for b's, "b-to-a" holds b's and waits for a's.
The main greenlet joins both; the hub keeps serving a listening socket,
so gevent never raises LoopExit: the process waits forever.  Each greenlet
keeps the __exit__ of the `with` it is inside on its frame's value stack;
each lock's waiters are the greenlets' switch methods in its _links.
Threads: MainThread (the hub greenlet, in epoll_wait inside libev).
"""
import _oracle; _oracle.arm()

from gevent import monkey; monkey.patch_all()

import threading

import gevent
import gevent.server

stock = {"a": 10, "b": 10}
locks = {"a": threading.Lock(), "b": threading.Lock()}


def transfer(src, dst, n):
    with locks[src]:
        stock[src] -= n
        gevent.sleep(0.05)          # the database round trip
        with locks[dst]:
            stock[dst] += n


def handle(sock, address):
    sock.sendall(b"ok\n")
    sock.close()


server = gevent.server.StreamServer(("127.0.0.1", 0), handle)
server.start()
jobs = [gevent.spawn(transfer, "a", "b", 1), gevent.spawn(transfer, "b", "a", 2)]
gevent.sleep(0.2)
_oracle.ready_when_gevent_idle()
gevent.joinall(jobs)
