"""expect: io-wait
accept: none
Healthy process waiting for a child: main runs `sleep 1000` with
subprocess.Popen and waits for it with Popen.wait() (no timeout): wait4 on
the child's pid.  Not a deadlock inside the process (the harness kills the
child with the process group).
Threads: MainThread (Popen.wait -> os.waitpid).
"""
import _oracle; _oracle.arm()

import subprocess


def main():
    child = subprocess.Popen(["sleep", "1000"])
    _oracle.ready()
    child.wait()


main()
