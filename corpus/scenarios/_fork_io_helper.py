"""Shared by the fork_*_io scenarios (helper module, not a scenario): a
writer that is inside a buffered io object's write when the process forks.

stuck_stream() returns a text stream over a pipe that nobody reads.
wait_until_blocked_in_write() returns once another thread of this process
sits in write(2), read from /proc/self/task/*/syscall: that thread then
holds the BufferedWriter's C-level lock, and a fork copies the lock locked.
fork_while_writing(chatter, child) runs chatter in a daemon thread until
it is blocked so, forks, runs child in the child and waits for it.
"""
import io
import os
import threading
import time

_keep = []


def stuck_stream():
    r, w = os.pipe()
    _keep.append(r)     # a reader exists, but never reads
    return io.TextIOWrapper(io.BufferedWriter(io.FileIO(w, "w"), buffer_size=8192), encoding="utf-8")


def wait_until_blocked_in_write(timeout=20.0):
    me = str(os.getpid())
    end = time.time() + timeout
    while time.time() < end:
        for tid in os.listdir("/proc/self/task"):
            if tid == me:
                continue
            try:
                with open("/proc/self/task/%s/syscall" % tid) as f:
                    if f.read().split()[0] == "1":      # x86_64 write
                        return
            except (OSError, IndexError):
                pass
        time.sleep(0.01)
    raise RuntimeError("no thread blocked in write() after %.0f s" % timeout)


def fork_while_writing(chatter, child):
    threading.Thread(target=chatter, name="chatter", daemon=True).start()
    wait_until_blocked_in_write()
    pid = os.fork()
    if pid == 0:
        child()
    os.waitpid(pid, 0)
