"""expect: subprocess-pipe-deadlock
python: >=3.6
Like subprocess_write_stdin, unbuffered (bufsize=0: Popen.stdin is a raw
FileIO) and from a worker thread, the child's echo going to stderr=PIPE,
which nobody reads; the main thread joins the worker.
Threads: MainThread (Thread.join), feeder (FileIO.write on the stdin pipe).
"""
import _oracle; _oracle.arm()

import subprocess
import sys
import threading
import time

CHILD = ("import sys\n"
         "while True:\n"
         "    b = sys.stdin.buffer.read(4096)\n"
         "    if not b: break\n"
         "    sys.stderr.buffer.write(b); sys.stderr.flush()\n")


def feed(proc):
    view = b"x" * (4 << 20)
    while view:
        view = view[proc.stdin.write(view):]
    proc.stdin.close()


def main():
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            bufsize=0)
    feeder = threading.Thread(target=feed, args=(proc,), name="feeder")
    feeder.start()
    time.sleep(0.8)
    _oracle.ready()
    feeder.join()
    proc.wait()


main()
