"""expect: cpu-busy
The main thread spins in a pure Python loop, `while True: x += 1` (one line,
so its frame's line is the same in the oracle dump and in the core), with no
other thread: a livelock or a runaway computation, not a wait (orig_rax = -1
when the core is taken).
Threads: MainThread (running).
"""
import _oracle; _oracle.arm()


def crunch():
    x = 0
    _oracle.ready()
    while True: x += 1  # noqa: E701  (one line: a deterministic line number)


crunch()
