"""expect: fork-child-deadlock
python: >=3.6
A daemon thread logs through a StreamHandler whose stream is a pipe nobody
reads, so it blocks in write() inside the BufferedWriter, holding the
buffer's C-level lock.  The main thread forks.  The child logs too and
blocks on that lock, inherited locked, with no thread to release it:
since 3.8 logging re-creates its handler locks in the child, not the io
buffer's (before 3.8 the child blocks on the handler's RLock first).  The
child is the process that is cored (it calls ready()).
Threads (child): MainThread (the io buffer's lock, no timeout).
"""
import _oracle; _oracle.arm()

import logging
import os

import _fork_io_helper

log = logging.getLogger("audit")
log.addHandler(logging.StreamHandler(_fork_io_helper.stuck_stream()))
log.propagate = False


def chatter():
    while True:
        log.warning("x" * 4000)


def child():
    _oracle.ready()
    log.warning("child started")
    os._exit(0)


def main():
    _fork_io_helper.fork_while_writing(chatter, child)


main()
