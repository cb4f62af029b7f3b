"""Helper module for finalizer_event_daemon.py (not a scenario).

A write-behind journal: write() queues a record in `pending`; the daemon
thread "flusher" wakes every 50 ms and writes the queued records out, then
sets the Event `flushed`.  Journal.__del__ queues a last record and waits
without timeout until the flusher has written it.

The flusher runs this module's code only and gets `pending` / `flushed`, never
the Journal: the journal is not kept alive by the thread, so it dies with the
module that holds it.  Everything __del__ needs is bound to the instance at
creation (module globals may be gone at teardown).
"""
import threading
import time


def flush_loop(pending, flushed):
    while True:
        time.sleep(0.05)
        if pending:
            del pending[:]              # "write" the records
            flushed.set()


class Journal(object):
    def __init__(self, on_close=None):
        self.pending = []
        self.flushed = threading.Event()
        self.on_close = on_close        # called right before the final wait
        flusher = threading.Thread(target=flush_loop, args=(self.pending, self.flushed),
                                   name="flusher")
        flusher.daemon = True
        flusher.start()

    def write(self, record):
        self.flushed.clear()
        self.pending.append(record)

    def __del__(self):
        self.write("journal closed")
        if self.on_close is not None:
            self.on_close()
        self.flushed.wait()             # only the (stopped) flusher sets it
