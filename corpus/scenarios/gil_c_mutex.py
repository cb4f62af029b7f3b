"""expect: gil-held-blocking
A lock-order inversion between the GIL and a C mutex (what C extensions that
call back into Python under their own lock do): thread "c-owner" locks a
pthread mutex through ctypes.CDLL (GIL released during the call), returns
to Python and wants the GIL back for its next bytecode; thread "gil-taker"
calls pthread_mutex_lock on the same mutex through ctypes.PyDLL, which keeps
the GIL during the call: it holds the GIL and waits for the mutex, c-owner
holds the mutex and waits for the GIL.  The mutex's __owner field names
c-owner's TID.  Main joins gil-taker (lock wait, GIL released).
Threads: MainThread (join), c-owner (GIL wait), gil-taker (GIL held, in
pthread_mutex_lock).
build: gil
python: >=3.0  (the 2.7 oracle needs the GIL to write its dump)
"""
import _oracle; _oracle.arm()

import ctypes
import threading
import time

mutex = ctypes.create_string_buffer(64)    # zeroed: PTHREAD_MUTEX_INITIALIZER
lock_releasing_gil = ctypes.CDLL(None).pthread_mutex_lock
lock_holding_gil = ctypes.PyDLL(None).pthread_mutex_lock
for fn in (lock_releasing_gil, lock_holding_gil):
    fn.argtypes = [ctypes.c_void_p]
    fn.restype = ctypes.c_int

owner_has_mutex = threading.Event()
main_joining = threading.Event()


def own_mutex():
    lock_releasing_gil(mutex)
    owner_has_mutex.set()
    while True:
        time.sleep(0.005)


def take_mutex():
    owner_has_mutex.wait()
    main_joining.wait()
    time.sleep(0.2)                 # main reaches its join() lock wait
    _oracle.ready()
    lock_holding_gil(mutex)


def main():
    owner = threading.Thread(target=own_mutex, name="c-owner")
    owner.daemon = True
    owner.start()
    taker = threading.Thread(target=take_mutex, name="gil-taker")
    taker.daemon = True
    taker.start()
    main_joining.set()
    taker.join()


main()
