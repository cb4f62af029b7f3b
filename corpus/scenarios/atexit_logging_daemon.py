"""expect: atexit-blocked-by-daemon
python: >=3.6
A daemon thread is inside a logging handler's emit() (holding the handler's
RLock) when the main module returns; logging.shutdown, an atexit hook,
flushes every handler and waits for that lock forever.
Threads: MainThread (Handler.acquire in logging.shutdown), log-writer (daemon, emit).
"""
import _oracle; _oracle.arm()

import logging
import threading
import time

inside = threading.Event()


class SlowHandler(logging.Handler):
    def emit(self, record):
        inside.set()
        time.sleep(3600)


log = logging.getLogger("app")
log.addHandler(SlowHandler())


def writer():
    log.warning("from the daemon thread")


threading.Thread(target=writer, name="log-writer", daemon=True).start()
inside.wait()
_oracle.ready()
