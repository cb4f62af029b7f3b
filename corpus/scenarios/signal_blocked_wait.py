"""expect: signal-blocked-main-thread
accept: orphaned-wait
python: >=3.6
A single-threaded service stops when its SIGTERM handler sets the Event
`stop`, which main waits for without timeout.  A "critical section" helper
blocked SIGTERM and SIGINT with signal.pthread_sigmask(SIG_BLOCK) to protect a
migration and never restored the mask.  The service manager's
`kill -TERM <pid>` (a child process here) leaves SIGTERM pending forever: the
handler never runs, main waits in Event.wait() forever, and the process
ignores SIGTERM and Ctrl-C.
Kernel cores: SIGTERM/SIGINT in the main thread's pr_sighold ->
signal-blocked-main-thread.  gcore cores record no signal masks: all they show
is a lone thread waiting without timeout for an Event that nothing alive can
set, so orphaned-wait is accepted (for gcore; a kernel core must give
signal-blocked-main-thread).
Threads: MainThread (Event.wait).
"""
import _oracle; _oracle.arm()

import os
import signal
import subprocess
import threading

stop = threading.Event()
state = {}


def on_sigterm(signum, frame):
    stop.set()


def critical_section():
    # "the migration must not be interrupted": the old mask is never restored
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    state["schema"] = 2


def serve():
    signal.signal(signal.SIGTERM, on_sigterm)
    critical_section()
    # the service manager asks us to stop (systemctl stop / docker stop)
    subprocess.call(["kill", "-TERM", str(os.getpid())])
    _oracle.ready()
    stop.wait()


serve()
