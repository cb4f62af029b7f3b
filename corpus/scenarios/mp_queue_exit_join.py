"""expect: mp-queue-join-deadlock
The "joining processes that use queues" deadlock reached through the exit
hook: the script starts an export process (fork) that puts a 1 MiB chunk
into a multiprocessing.Queue held in a module global, then ends without
reading it.  At exit multiprocessing.util._exit_function joins every
non-daemon child; the child cannot exit because its queue feeder thread is
blocked writing to the full pipe (Queue._finalize_join at the child's
exit).  No frame of the waiting thread holds the queue: it is a global of
__main__.  (mp_queue_join.py: an explicit Process.join() in <module>.)
The parent is the process that is cored.
Threads: MainThread (_exit_function < Process.join < Popen.wait).
"""
import _oracle; _oracle.arm()

import multiprocessing

try:
    ctx = multiprocessing.get_context("fork")
except AttributeError:      # 2.7: fork is the only start method
    ctx = multiprocessing

chunks = ctx.Queue()


def export(q):
    q.put(b"x" * (1 << 20))


def start_export():
    ctx.Process(target=export, args=(chunks,), name="exporter").start()


if __name__ == "__main__":
    start_export()
    _oracle.ready()         # the script ends: the exit hook joins the exporter
