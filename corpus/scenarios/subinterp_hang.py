"""expect: lock-order-deadlock
python: >=3.8
A hang whose waiting threads are in a subinterpreter: two_threads.py run
inside one.  The non-daemon thread "runner" of the main interpreter enters
subinterpreter 1; there it takes a threading.Lock ("guard"), starts the
non-daemon thread "sub-worker" (a thread of subinterpreter 1 only), which
blocks in guard.acquire(), and joins sub-worker while still holding guard:
a cycle of two threads through a join and a lock, both in subinterpreter
1.  The main thread joins runner, which never returns.
Oracle: _subinterp.py (each segment records itself from inside its
interpreter).
Threads: MainThread (Thread.join of runner), runner (non-daemon; main: run;
1: Thread.join of sub-worker < main < <module>), sub-worker (subinterpreter
1 only: take_guard, Lock acquire).
"""
import _oracle; _oracle.arm()

import threading

import _subinterp

BODY = '''
import threading

guard = threading.Lock()


def take_guard():
    _subinterp.snap_at(guard.acquire)
    guard.acquire()


def main():
    guard.acquire()
    worker = threading.Thread(target=take_guard, name="sub-worker")
    worker.start()
    _subinterp.snap_at(_subinterp.joining(worker))
    worker.join()


main()
'''


def main():
    sub = _subinterp.create()
    runner = threading.Thread(target=_subinterp.run, args=(sub, _subinterp.code(BODY, 1)), name="runner")
    runner.daemon = False
    runner.start()
    _subinterp.wait(3)      # runner in main and in 1, sub-worker in 1
    _oracle.ready({"interpreters": _subinterp.collect()})
    runner.join()


main()
