"""expect: subprocess-pipe-deadlock
python: >=3.6
Like subprocess_pipe_wait, with stderr=PIPE and the wait in a worker thread
that the main thread joins.
Threads: MainThread (join), runner (Popen.wait).
"""
import _oracle; _oracle.arm()

import subprocess
import sys
import threading
import time

CHILD = "import sys\nwhile True: sys.stderr.write('e' * 4096)\n"


def run():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stderr=subprocess.PIPE)
    child.wait()


runner = threading.Thread(target=run, name="runner")
runner.start()
time.sleep(0.5)
_oracle.ready()
runner.join()
