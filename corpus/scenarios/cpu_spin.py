"""expect: cpu-busy
A thread spinning in a pure Python loop: the daemon thread "spinner" runs
`while True: pass` (one line, so its frame's line is the same in the oracle
dump and in the core) and holds the GIL nearly all the time; main sleeps in
time.sleep(3600) in a loop.  Not a wait: the spinner is running
(orig_rax = -1) when the core is taken.
Threads: MainThread (time.sleep), spinner (daemon, running).
"""
import _oracle; _oracle.arm()

import threading
import time

started = threading.Event()


def spin():
    started.set()
    while True: pass  # noqa: E701  (one line: a deterministic line number)


def main():
    spinner = threading.Thread(target=spin, name="spinner")
    spinner.daemon = True
    spinner.start()
    started.wait()
    time.sleep(0.2)
    _oracle.ready()
    while True:
        time.sleep(3600)


main()
