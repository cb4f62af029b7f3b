"""expect: io-wait
accept: none
python: >=3.6
Healthy look-alike of the fork_* scenarios: a thread logs to a pipe that
is read, the main thread forks, and the child logs once (its lock is free)
and then sleeps, as a worker waiting for its next job would.  A forked
child that waits in time.sleep is no hang.  The child is cored.
Threads (child): MainThread (sleep).
"""
import _oracle; _oracle.arm()

import logging
import os
import threading
import time

log = logging.getLogger("worker")
log.propagate = False
r, w = os.pipe()
log.addHandler(logging.StreamHandler(os.fdopen(w, "w")))
done = threading.Event()


def drain():
    while os.read(r, 65536):
        pass


def chatter():
    for _ in range(100):
        log.warning("x" * 100)
    done.set()


def child():
    log.warning("child started")
    _oracle.ready()
    while True:
        time.sleep(3600)


def main():
    threading.Thread(target=drain, name="drain", daemon=True).start()
    threading.Thread(target=chatter, name="chatter", daemon=True).start()
    done.wait()
    pid = os.fork()
    if pid == 0:
        child()
    os.waitpid(pid, 0)


main()
