"""expect: signal-blocked-main-thread
python: >=3.6
kinds: kernel
A service that never stops on SIGTERM because it was born with SIGTERM
blocked: the launcher blocks SIGTERM in its own thread (say, to protect a
critical section) and starts the service with subprocess; a child inherits
the blocked mask across fork and exec.  The service installs a SIGTERM
handler that would end its main loop, but the signal stays pending and the
handler never runs; the launcher's terminate() is lost and its wait()
never returns.  The service is the process that is cored: its main thread
sleeps in its loop with SIGTERM in pr_sighold (gcore records no masks:
kernel cores only).
Threads (child): MainThread (time.sleep in the service loop).
"""
import _oracle; _oracle.arm()

import os
import signal
import subprocess
import sys
import time

stopping = []


def on_term(signum, frame):
    stopping.append(signum)


if os.environ.get("PYCORE_SERVICE"):
    signal.signal(signal.SIGTERM, on_term)
    sys.stdout.write("up\n")
    sys.stdout.flush()
    while signal.SIGTERM not in signal.sigpending():
        time.sleep(0.01)        # the launcher's terminate() has arrived (and is blocked)
    _oracle.ready()
    while not stopping:
        time.sleep(0.2)
else:
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    env = dict(os.environ, PYCORE_SERVICE="1")
    service = subprocess.Popen([sys.executable] + sys.argv, stdout=subprocess.PIPE, env=env)
    service.stdout.readline()
    service.terminate()
    service.wait()
