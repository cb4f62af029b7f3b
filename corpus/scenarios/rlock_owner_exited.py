"""expect: orphaned-wait
An RLock acquired by a thread that exited without releasing it: thread
"warmer" calls cache_lock.acquire() (no with/try-finally), then raises while
filling the cache (ValueError, printed on stderr) and dies; the RLock's
recorded owner (rlock_owner; 3.14+ _PyRecursiveMutex.thread; 2.7 _RLock's
owner ident) is now a thread that no longer exists.  Thread "reader", started
before the warmer so that it cannot reuse the dead thread's identity, waits
in `with cache_lock:` forever; main joins reader.
Threads: MainThread (join), reader (non-daemon, RLock acquire, owner gone).
"""
import _oracle; _oracle.arm()

import threading
import time

cache_lock = threading.RLock()
cache = {}
warmed = threading.Event()


def warm_cache():
    cache_lock.acquire()
    warmed.set()
    cache["answer"] = int("forty-two")      # ValueError: dies holding cache_lock
    cache_lock.release()


def read_cache():
    warmed.wait()
    with cache_lock:
        return dict(cache)


def main():
    reader = threading.Thread(target=read_cache, name="reader")
    reader.start()
    warmer = threading.Thread(target=warm_cache, name="warmer")
    warmer.start()
    warmer.join()
    time.sleep(0.2)             # reader blocked in `with cache_lock:`, warmer gone
    _oracle.ready()
    reader.join()


main()
