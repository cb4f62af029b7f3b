"""expect: io-wait
accept: none
python: >=3.11
python: <3.12
needs: gevent
Healthy, not a hang: a gevent TCP server on 127.0.0.1 waits for clients;
its handler greenlets are parked in gevent.sleep() (timers on the hub)
and an Event the next request will set.  The hub sleeps in epoll_wait
inside libev with timers pending and a listening socket: any client or
timer wakes it.  The look-alike of the greenlet-deadlock scenarios.
Threads: MainThread (the hub greenlet, in epoll_wait inside libev).
"""
import _oracle; _oracle.arm()

from gevent import monkey; monkey.patch_all()

import gevent
import gevent.event
import gevent.server

next_request = gevent.event.Event()


def heartbeat():
    while True:
        gevent.sleep(30)


def wait_for_request():
    next_request.wait()


def handle(sock, address):
    next_request.set()
    sock.close()


server = gevent.server.StreamServer(("127.0.0.1", 0), handle)
server.start()
gevent.spawn(heartbeat)
gevent.spawn(wait_for_request)
_oracle.ready_when_gevent_idle()
server.serve_forever()
