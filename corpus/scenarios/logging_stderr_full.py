"""expect: output-pipe-full
The process's stderr is a pipe nobody reads, and logging writes to it: the
daemon thread "audit" logs in a loop until the pipe is full and then blocks
in write(2, ...) inside StreamHandler.emit, holding the handler's RLock; the
main thread then logs one line and waits for that RLock forever.  The script
re-runs itself with stderr on an unread pipe; the child is the process that
is cored.  (output_pipe_full.py: stdout, print(), BufferedWriter's lock,
two daemon printers.)
Threads (child): MainThread (Handler.acquire), audit (daemon, write).
"""
import _oracle; _oracle.arm()

import logging
import os
import subprocess
import sys
import threading
import time

log = logging.getLogger("app")


def audit():
    n = 0
    while True:
        n += 1
        log.warning("audit record %d %s", n, "y" * 500)


if os.environ.get("PYCORE_PIPE_CHILD"):
    handler = logging.StreamHandler(sys.stderr)
    log.addHandler(handler)
    t = threading.Thread(target=audit, name="audit")
    t.daemon = True
    t.start()
    time.sleep(1.0)
    _oracle.ready()
    log.warning("main: shutting down")
    while True:
        time.sleep(3600)
else:
    env = dict(os.environ, PYCORE_PIPE_CHILD="1")
    child = subprocess.Popen([sys.executable] + sys.argv, stderr=subprocess.PIPE, env=env)
    child.wait()
