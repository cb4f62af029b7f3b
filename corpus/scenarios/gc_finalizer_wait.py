"""expect: orphaned-wait
python: >=3.6
The garbage collector, run by gc.collect() in the main thread, calls the
finalizer of an object in a reference cycle; the finalizer waits, without
a timeout, for an Event nobody will set (the thread that would have set it
was never started).  A collection is running: the report says so (JSON
python.gc; 3.6 keeps that state in a file-static variable: null).  2.7
does not finalize objects in cycles (they go to gc.garbage): 3.6+.
Threads: MainThread (Event.wait in Journal.__del__, under gc.collect).
"""
import _oracle; _oracle.arm()

import gc
import threading

flushed = threading.Event()


class Journal(object):
    def __del__(self):
        _oracle.ready()
        flushed.wait()


def leak():
    j = Journal()
    j.me = j                            # a cycle: only the collector frees it


gc.disable()
leak()
gc.collect()
