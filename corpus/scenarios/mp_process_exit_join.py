"""expect: mp-queue-join-deadlock
A multiprocessing.Process subclass keeps its own JoinableQueue as an
attribute: run() (in the child, fork) puts 300 result rows into it.  The
script starts the indexer from a function, which returns without reading
the queue, and ends; at exit multiprocessing.util._exit_function joins the
non-daemon child, whose queue feeder thread blocks writing to the full
pipe, so the child never exits.  Neither a frame nor a module global holds
the queue: only the joined process object does.  (mp_queue_exit_join.py: a
Queue in a module global.)  The parent is the process that is cored.
Threads: MainThread (_exit_function < Indexer.join < Popen.wait).
"""
import _oracle; _oracle.arm()

import multiprocessing

try:
    ctx = multiprocessing.get_context("fork")
except AttributeError:      # 2.7: fork is the only start method
    ctx = multiprocessing


class Indexer(ctx.Process):
    def __init__(self, paths):
        ctx.Process.__init__(self, name="indexer")
        self.paths = paths
        self.rows = ctx.JoinableQueue()

    def run(self):
        for path in self.paths:
            self.rows.put((path, "r" * 4000))


def index_all():
    Indexer(["/srv/doc/%d" % i for i in range(300)]).start()


if __name__ == "__main__":
    index_all()
    _oracle.ready()         # the script ends: the exit hook joins the indexer
