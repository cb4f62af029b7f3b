"""expect: io-wait
build: free-threaded
python: >=3.13
Healthy look-alike of stop-the-world-blocked: thread "c-reader" waits in
libc read() on a pipe through ctypes.PyDLL, so its thread state stays
attached while it blocks, exactly as in stw_attached_read; but nobody stops
the world: the main thread sleeps in a loop (time.sleep detaches).  The
process waits for input, it is not stuck.  Automatic collections are
disabled so that no allocation of the main thread starts one (which would
then be a real stop-the-world hang).
Threads: MainThread (time.sleep), c-reader (attached, in libc read).
"""
import _oracle; _oracle.arm()

import ctypes
import gc
import os
import threading
import time

gc.disable()
libc = ctypes.PyDLL(None)           # PyDLL: the thread stays attached during the call
libc_read = libc.read
libc_read.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
libc_read.restype = ctypes.c_ssize_t

rfd, wfd = os.pipe()                # wfd stays open: read() blocks, no EOF
reading = threading.Event()


def read_request():
    buf = ctypes.create_string_buffer(16)
    reading.set()
    libc_read(rfd, buf, 16)


def main():
    reader = threading.Thread(target=read_request, name="c-reader", daemon=True)
    reader.start()
    reading.wait()
    time.sleep(0.2)                 # c-reader is inside read() by now
    _oracle.ready()
    while True:
        time.sleep(1)


main()
