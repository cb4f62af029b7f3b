"""expect: subprocess-pipe-deadlock
python: >=3.6
The parent starts a child with stdout=PIPE and calls wait() without reading:
the child blocks writing once the pipe buffer is full, the parent waits for
it to exit.  The parent is cored.
Threads: MainThread (Popen.wait).
"""
import _oracle; _oracle.arm()

import subprocess
import sys
import time

CHILD = "import sys\nwhile True: sys.stdout.write('x' * 4096)\n"


def main():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE)
    time.sleep(0.3)
    _oracle.ready()
    child.wait()


main()
