"""expect: signal-blocked-main-thread
python: >=3.6
Seed story 003 ("Signals and Threads with Python on FreeBSD") on Linux, with
a thread-directed signal: main installs a SIGUSR2 handler, starts the thread
"kill-me" and waits in signal.pause().  kill-me sends the signal to itself
with signal.pthread_kill(threading.get_ident(), SIGUSR2) (what FreeBSD did
with the story's os.kill(os.getpid(), SIGTERM): deliver it to whichever
thread): the C handler runs in kill-me and sets Python's "tripped" flag, but
Python handlers only run in the main thread, and main's pause() is never
interrupted.  The handler never runs, 'Got a signal, exit.' is never printed.
Harness: main blocks SIGUSR1 (after starting kill-me, which keeps it open) so
that the oracle's SIGUSR1 is taken by kill-me; in main it would interrupt
pause(), which would then run the pending handler and end the hang.
Threads: MainThread (signal.pause), kill-me (non-daemon, time.sleep).
"""
import _oracle; _oracle.arm()

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
    signal.pthread_kill(threading.get_ident(), signal.SIGUSR2)
    _oracle.ready()
    while True:
        time.sleep(3600)


if __name__ == '__main__':
    signal.signal(signal.SIGUSR2, handler)
    t = threading.Thread(target=kill_me, name="kill-me")
    t.start()
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])   # harness, see above
    pausing.set()
    signal.pause()
    print('Got a signal, exit.')
