"""expect: gil-held-blocking
build: gil
python: >=3.0
The main thread holds the GIL while blocked in C: it calls libc read() on the
read end of a pipe nobody writes to (the write end stays open, so no EOF)
through ctypes.PyDLL, which keeps the GIL during foreign calls.  The daemon
thread "heartbeat" wakes from time.sleep(0.005) and waits for the GIL
forever (take_gil; its Python frame stays at the time.sleep line).  Unlike
gil_held.py the holder is the main thread and it sits in read(), not sleep.
The oracle's SIGUSR1 goes to main; faulthandler's handler is SA_RESTART, so
the kernel restarts the read.
Threads: MainThread (GIL held, in libc read), heartbeat (daemon, GIL wait).
python: >=3.0 because the 2.7 oracle needs the GIL to write its dump.
"""
import _oracle; _oracle.arm()

import ctypes
import os
import threading
import time

libc = ctypes.PyDLL(None)           # PyDLL: the GIL stays held during the call
libc_read = libc.read
libc_read.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
libc_read.restype = ctypes.c_ssize_t

rfd, wfd = os.pipe()                # wfd stays open: read() blocks, no EOF
beating = threading.Event()


def heartbeat():
    beating.set()
    while True:
        time.sleep(0.005)


def main():
    beat = threading.Thread(target=heartbeat, name="heartbeat")
    beat.daemon = True
    beat.start()
    beating.wait()
    buf = ctypes.create_string_buffer(16)
    _oracle.ready()
    libc_read(rfd, buf, 16)


main()
