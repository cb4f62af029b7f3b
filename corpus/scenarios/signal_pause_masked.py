"""expect: signal-blocked-main-thread
python: >=3.6
Seed story 003 ("Signals and Threads with Python on FreeBSD") on Linux, with
the story's own code: main installs a SIGTERM handler, starts the thread
"kill-me", which calls os.kill(os.getpid(), SIGTERM), and waits in
signal.pause().  Linux delivers a process-directed signal to the main thread
unless it blocks it; here main blocks SIGTERM (pthread_sigmask, after
starting kill-me), so the kernel hands it to kill-me, like FreeBSD did: the
C handler runs there and sets the tripped flag, main's pause() is never
interrupted and the handler never runs.  Kernel cores: SIGTERM in the main
thread's pr_sighold, the flag tripped in memory.
Harness: main also blocks SIGUSR1 so that the oracle's SIGUSR1 is taken by
kill-me (in main it would interrupt pause() and run the pending handler).
Threads: MainThread (signal.pause), kill-me (non-daemon, time.sleep).
"""
import _oracle; _oracle.arm()

import os
import signal
import threading
import time

pausing = threading.Event()


def handler(signum, frame):
    print('Signal %d handled' % (signum,))


def kill_me():
    pausing.wait()
    time.sleep(0.2)                 # main is in pause() by now
    print('Suicide?')
    os.kill(os.getpid(), signal.SIGTERM)
    _oracle.ready()
    while True:
        time.sleep(3600)


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, handler)
    t = threading.Thread(target=kill_me, name="kill-me")
    t.start()
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGUSR1])
    pausing.set()
    signal.pause()
    print('Got a signal, exit.')
