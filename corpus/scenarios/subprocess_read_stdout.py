"""expect: subprocess-pipe-deadlock
python: >=3.6
The parent starts a child with stdout=PIPE and stderr=PIPE and reads
stdout to its end (p.stdout.read()) before it looks at stderr.  The child
writes its diagnostics to stderr first: once 64 KiB of them are unread it
blocks writing, never closes stdout, and the parent's read never ends.
The parent is cored.
Threads: MainThread (BufferedReader.read on the stdout pipe).
"""
import _oracle; _oracle.arm()

import subprocess
import sys
import time

CHILD = ("import sys\n"
         "for i in range(100000): sys.stderr.write('warning: record %d skipped\\n' % i)\n"
         "sys.stdout.write('done\\n')\n")


def collect():
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    _oracle.ready()
    output = proc.stdout.read()
    errors = proc.stderr.read()
    proc.wait()
    return output, errors


collect()
