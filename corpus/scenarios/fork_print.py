"""expect: fork-child-deadlock
python: >=3.6
sys.stdout is a buffered stream over a pipe nobody reads (as when a
parent stops reading a child's output; the harness passes no
PYTHONUNBUFFERED, which would remove the buffer).  A daemon thread prints
until it blocks in write() inside the BufferedWriter, holding its C-level
lock.  The main thread forks; the child prints and blocks on that lock,
inherited locked.  The child is cored.
Threads (child): MainThread (the io buffer's lock, no timeout).
"""
import _oracle; _oracle.arm()

import os
import sys

import _fork_io_helper

sys.stdout = _fork_io_helper.stuck_stream()


def chatter():
    while True:
        print("z" * 4000)


def report():
    print("child started")


def child():
    _oracle.ready()
    report()
    sys.stdout.flush()
    os._exit(0)


def main():
    _fork_io_helper.fork_while_writing(chatter, child)


main()
