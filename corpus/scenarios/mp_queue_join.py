"""expect: mp-queue-join-deadlock
python: >=3.6
The multiprocessing docs' "joining processes that use queues" deadlock: a
child process (fork) puts a 1 MiB result into a multiprocessing.Queue and
exits; at exit it joins the queue's feeder thread, which is blocked in
write() because the pipe is full.  The parent calls Process.join() before
Queue.get(), so each waits for the other forever.  The parent is the
process that is cored: main in Process.join < Popen.wait < os.waitpid.
Threads: MainThread (Process.join).
"""
import _oracle; _oracle.arm()

import multiprocessing


def render(q):
    q.put(b"x" * (1 << 20))


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    worker = ctx.Process(target=render, args=(results,), name="renderer")
    worker.start()
    _oracle.ready()
    worker.join()               # before results.get(): never returns
    print(len(results.get()))
