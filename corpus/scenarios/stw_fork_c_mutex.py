"""expect: stop-the-world-blocked
build: free-threaded
python: >=3.13
A second shape of stop-the-world-blocked, through fork: the main thread
locks a C pthread mutex (through ctypes.CDLL, which detaches), then thread
"c-locker" calls pthread_mutex_lock on it through ctypes.PyDLL, which keeps
the thread state attached while it waits.  The main thread then calls
os.fork(): PyOS_BeforeFork stops the world of every interpreter
(_PyEval_StopTheWorldAll) and waits for c-locker to detach, which it cannot
before it gets the mutex, which only the main thread would unlock.  The
oracle's SIGUSR1 does not end c-locker's wait (pthread_mutex_lock retries
its futex).
Threads: MainThread (os.fork, stopping the world), c-locker (attached, in
pthread_mutex_lock).
"""
import _oracle; _oracle.arm()

import ctypes
import os
import threading
import time

mutex = ctypes.create_string_buffer(64)     # zeroed: PTHREAD_MUTEX_INITIALIZER
cdll = ctypes.CDLL(None)                    # detaches around the call
pydll = ctypes.PyDLL(None)                  # stays attached during the call
waiting = threading.Event()


def lock_in_c():
    waiting.set()
    pydll.pthread_mutex_lock(mutex)


def main():
    cdll.pthread_mutex_lock(mutex)
    locker = threading.Thread(target=lock_in_c, name="c-locker")
    locker.start()
    waiting.wait()
    time.sleep(0.2)                 # c-locker is inside pthread_mutex_lock by now
    _oracle.ready()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


main()
