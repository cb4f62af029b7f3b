"""expect: gil-held-blocking
Thread "gil-holder" calls libc sleep() through ctypes.PyDLL, which does not
release the GIL around foreign calls, in a loop: it holds the GIL while blocked
in clock_nanosleep.  Thread "gil-waiter" returns from a short time.sleep() and
waits for the GIL forever (take_gil).  Main joins gil-holder (lock wait, GIL
released); the oracle's SIGUSR1 does not change that: faulthandler's handler
is SA_RESTART, so the kernel restarts main's futex wait.
Threads: MainThread (join), gil-holder (GIL held, in libc sleep),
gil-waiter (GIL wait, Python frame at time.sleep).
build: gil
python: >=3.0  (the 2.7 oracle needs the GIL to write its dump)
"""
import _oracle; _oracle.arm()

import ctypes
import threading
import time

libc = ctypes.PyDLL(None)           # PyDLL: the GIL stays held during the call
libc_sleep = libc.sleep
libc_sleep.argtypes = [ctypes.c_uint]
libc_sleep.restype = ctypes.c_uint

waiter_running = threading.Event()
main_joining = threading.Event()


def wait_for_gil():
    waiter_running.set()
    while True:
        time.sleep(0.005)


def hold_gil():
    waiter_running.wait()
    main_joining.wait()
    # Main is a few bytecodes away from blocking in join(): give it the GIL
    # long enough to get there (otherwise it may be caught still inside
    # start() or before join's lock acquire).
    time.sleep(0.2)
    _oracle.ready()
    while True:
        libc_sleep(3600)


def main():
    waiter = threading.Thread(target=wait_for_gil, name="gil-waiter")
    waiter.daemon = True
    waiter.start()
    holder = threading.Thread(target=hold_gil, name="gil-holder")
    holder.daemon = True
    holder.start()
    main_joining.set()
    holder.join()


main()
