"""expect: fork-child-deadlock
python: >=3.6
A FileHandler's file is a FIFO that nobody reads: a daemon thread logging
to it blocks in write() inside the file's BufferedWriter, holding its
C-level lock (a FileHandler's stream is buffered, whatever PYTHONUNBUFFERED
says).  The main thread forks; the child logs and blocks on that lock,
inherited locked.  The child is cored.
Threads (child): MainThread (the io buffer's lock, no timeout).
"""
import _oracle; _oracle.arm()

import logging
import os

import _fork_io_helper

os.mkfifo("app.log")
reader = os.open("app.log", os.O_RDONLY | os.O_NONBLOCK)   # kept open, never read
log = logging.getLogger("app")
log.addHandler(logging.FileHandler("app.log", mode="w"))   # "a" would seek: a FIFO cannot
log.propagate = False


def chatter():
    while True:
        log.error("y" * 4000)


def child():
    _oracle.ready()
    log.error("child started")
    os._exit(0)


def main():
    _fork_io_helper.fork_while_writing(chatter, child)


main()
