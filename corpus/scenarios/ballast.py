"""expect: io-wait
accept: none
Benchmark helper: a healthy process whose heap holds $PYCORE_BALLAST_MB
(default 400) MiB of touched memory, main in time.sleep, so its core is large
while its stacks are small.  Used by tests/bench to show that the analyzer's
memory does not grow with the size of the core.
Threads: MainThread (sleep).
"""
import _oracle; _oracle.arm()

import os
import time

ballast = bytearray(int(os.environ.get("PYCORE_BALLAST_MB", "400")) << 20)
for i in range(0, len(ballast), 4096):
    ballast[i] = 1


def idle():
    _oracle.ready()
    while True:
        time.sleep(3600)


idle()
