"""expect: stop-the-world-blocked
build: free-threaded
python: >=3.13
The free-threaded analogue of gil_held_read: thread "c-reader" calls libc
read() on a pipe nobody writes to through ctypes.PyDLL, which does not
detach the thread state around foreign calls, so it stays attached while
blocked.  The main thread then calls gc.collect(): a free-threaded
collection stops the world first and waits for every attached thread to
detach, c-reader never does.  Thread "heartbeat", waking from
time.sleep(0.005), is suspended when it tries to attach again, for as long
as the world stays stopped.  (CPython gh-124149 and gh-137433 are this shape
with other blocking calls.)  The oracle's SIGUSR1 goes to main;
faulthandler's handler is SA_RESTART, so c-reader's read is restarted.
Threads: MainThread (stop-the-world in gc.collect), c-reader (attached, in
libc read), heartbeat (daemon, suspended).
"""
import _oracle; _oracle.arm()

import ctypes
import gc
import os
import threading
import time

libc = ctypes.PyDLL(None)           # PyDLL: the thread stays attached during the call
libc_read = libc.read
libc_read.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
libc_read.restype = ctypes.c_ssize_t

rfd, wfd = os.pipe()                # wfd stays open: read() blocks, no EOF
reading = threading.Event()


def heartbeat():
    while True:
        time.sleep(0.005)


def read_request():
    buf = ctypes.create_string_buffer(16)
    reading.set()
    libc_read(rfd, buf, 16)


def main():
    beat = threading.Thread(target=heartbeat, name="heartbeat", daemon=True)
    beat.start()
    reader = threading.Thread(target=read_request, name="c-reader")
    reader.start()
    reading.wait()
    time.sleep(0.2)                 # c-reader is inside read() by now
    _oracle.ready()
    gc.collect()


main()
