"""expect: subprocess-pipe-deadlock
python: >=3.6
A log-follower thread iterates over a child's stderr line by line (text
mode) while the child's stdout, also a pipe, is read by nobody until the
follower is done; the main thread joins the follower.  The child fills
stdout, blocks, and never writes another line to stderr nor exits.
Threads: MainThread (Thread.join), follow-log (readline on the stderr pipe).
"""
import _oracle; _oracle.arm()

import subprocess
import sys
import threading
import time

CHILD = ("import sys\n"
         "sys.stderr.write('starting\\n'); sys.stderr.flush()\n"
         "while True: sys.stdout.write('row,' * 1024 + '\\n')\n")

log = []


def follow(proc):
    for line in proc.stderr:
        log.append(line)


def main():
    build = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True)
    follower = threading.Thread(target=follow, args=(build,), name="follow-log")
    follower.start()
    time.sleep(0.5)
    _oracle.ready()
    follower.join()
    return build.stdout.read()


main()
