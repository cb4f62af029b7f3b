"""expect: shutdown-join
Seed story 002 ("Python pytest hangs forever"): the test run is over and the
entry script raises SystemExit(0) at module level (pytest's console script
does `sys.exit(main())`), but the application under test left two non-daemon
threads running: "Whisperer", a threading.Thread subclass serving a request
queue (idle in Queue.get), and "wire", reading a connection nobody writes to
(socket.recv on a socketpair).  The exit (handle_system_exit -> Py_Exit ->
Py_FinalizeEx -> wait_for_thread_shutdown) joins them forever: 3.6 (the
story's Python) `_shutdown` -> `t.join()` -> `_wait_for_tstate_lock`, 3.7.4+
`_shutdown` alone, 2.7 `_exitfunc` -> `join`.  The story's fix: daemon=True.
Threads: MainThread (threading._shutdown), Whisperer (non-daemon,
Queue.get), wire (non-daemon, socket recv).
"""
import _oracle; _oracle.arm()

import socket
import sys
import threading
import time

try:
    import queue
except ImportError:         # 2.7
    import Queue as queue


class Whisperer(threading.Thread):
    """Answers requests from a queue until... nobody tells it to stop."""

    def __init__(self):
        threading.Thread.__init__(self, name="Whisperer")
        self.requests = queue.Queue()
        self.serving = threading.Event()

    def run(self):
        self.serving.set()
        while True:
            request = self.requests.get()
            request()


class Wire(object):
    """A connection with a reader thread."""

    def __init__(self):
        self._sock, self._peer = socket.socketpair()
        self.reading = threading.Event()
        self._thread = threading.Thread(target=self._read_loop, name="wire")

    def start(self):
        self._thread.start()

    def _read_loop(self):
        self.reading.set()
        while True:
            data = self._sock.recv(4096)
            if not data:
                return


def run_tests():
    whisperer = Whisperer()
    whisperer.start()
    wire = Wire()
    wire.start()
    whisperer.serving.wait()
    wire.reading.wait()
    time.sleep(0.2)
    sys.stdout.write("291 passed, 9 skipped in 20.68s\n")
    sys.stdout.flush()
    return 0


status = run_tests()
_oracle.ready()
sys.exit(status)
