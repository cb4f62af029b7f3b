"""expect: shutdown-join
Seed story 004 ("Learning Python 3 threading module"), the producer/consumer
with a queue whose poison pill is forgotten: the consumer "consumer" is not a
daemon (so it may finish writing) and appends every item it gets to a file;
the producer "producer-1" puts five items and ends; main joins the producer
and falls off the end of the module without `q.put(must_stop)`.  The consumer
now waits in Queue.get() forever and the interpreter exit waits for it:
main's only Python frame is threading._shutdown (3.6: _shutdown -> join;
2.7: _MainThread._exitfunc -> join).
Threads: MainThread (threading._shutdown), consumer (non-daemon, Queue.get).
"""
import _oracle; _oracle.arm()

import threading
import time

try:
    import queue
except ImportError:         # 2.7
    import Queue as queue

q = queue.Queue()
must_stop = threading.Event()


def append_to_file():
    with open('log', 'a') as f:
        while True:
            data = q.get()
            if data is must_stop:
                print('Consumer received the poison pill, stopping')
                return
            f.write(data + '\n')
            f.flush()


def produce_something():
    for i in range(5):
        q.put(threading.current_thread().name)
        time.sleep(0.01)


threading.Thread(target=append_to_file, name="consumer").start()
p1 = threading.Thread(target=produce_something, name="producer-1")
p1.start()
p1.join()
# the story ends with q.put(must_stop): forgotten here
while not q.empty():        # harness: let the consumer drain the queue
    time.sleep(0.01)
time.sleep(0.2)
_oracle.ready()
