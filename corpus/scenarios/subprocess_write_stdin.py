"""expect: subprocess-pipe-deadlock
python: >=3.6
The parent writes a large input to a filter child's stdin (1 MiB in one
write) before it reads the child's stdout.  The child echoes what it reads:
once 64 KiB of output are unread it blocks writing stdout, stops reading
stdin, and the parent's write blocks too.
Threads: MainThread (BufferedWriter.write on the stdin pipe).
"""
import _oracle; _oracle.arm()

import subprocess
import sys
import time

CHILD = ("import sys\n"
         "for line in sys.stdin: sys.stdout.write(line.upper())\n")


def transform(data):
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    time.sleep(0.3)
    _oracle.ready()         # the write below fills both pipes and blocks
    proc.stdin.write(data)
    proc.stdin.close()
    return proc.stdout.read()


transform(b"some text to shout\n" * 60000)
