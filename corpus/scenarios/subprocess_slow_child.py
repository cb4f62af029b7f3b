"""expect: io-wait
accept: none
Healthy: the parent reads a child's stdout to its end while the child is
merely slow (it sleeps before it writes its answer).  The child's stderr is
inherited, not a pipe: nothing can fill up.  Not a hang.
Threads: MainThread (BufferedReader.read on the stdout pipe).
"""
import _oracle; _oracle.arm()

import subprocess
import sys
import time

CHILD = "import sys, time\ntime.sleep(600)\nsys.stdout.write('answer\\n')\n"


def ask():
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE)
    time.sleep(0.3)
    _oracle.ready()
    answer = proc.stdout.read()
    proc.wait()
    return answer


ask()
