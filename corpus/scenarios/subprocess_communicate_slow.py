"""expect: io-wait
accept: none
Healthy: the parent drains both pipes of a slow child with communicate()
(which polls stdout and stderr together), the child sleeping before it
writes.  Both pipes are pipes, and both are read: not a hang.
Threads: MainThread (Popen.communicate, in poll).
"""
import _oracle; _oracle.arm()

import subprocess
import sys
import time

CHILD = "import sys, time\nsys.stderr.write('working\\n')\ntime.sleep(600)\nsys.stdout.write('answer\\n')\n"


def ask():
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    _oracle.ready()
    return proc.communicate()


ask()
