"""expect: output-pipe-full
python: >=3.6
The process's stdout is a pipe its reader stopped reading: two threads print
in a loop; once the pipe is full one blocks in write() holding stdout's
buffer lock and the other waits for that lock.  The script re-runs itself
with stdout on an unread pipe; the child is the process that is cored.
Threads (child): MainThread (sleep), printer-1, printer-2.
"""
import _oracle; _oracle.arm()

import os
import subprocess
import sys
import threading
import time


def printer():
    while True:
        print("x" * 200)


if os.environ.get("PYCORE_PIPE_CHILD"):
    for n in (1, 2):
        threading.Thread(target=printer, name="printer-%d" % n, daemon=True).start()
    time.sleep(1.0)
    _oracle.ready()
    while True:
        time.sleep(3600)
else:
    env = dict(os.environ, PYCORE_PIPE_CHILD="1")
    child = subprocess.Popen([sys.executable] + sys.argv, stdout=subprocess.PIPE, env=env)
    child.wait()
