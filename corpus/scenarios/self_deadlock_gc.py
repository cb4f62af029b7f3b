"""expect: self-deadlock
Re-entrancy through the cyclic garbage collector: a weakref callback
(on_collect) takes the plain Lock state_lock.  Thread "compactor" runs
gc.collect() inside `with state_lock:`; the collector finds an unreachable
reference cycle (a Node referring to itself) watched by a live weakref and
calls the weakref's callback right there, in the same thread, which blocks on
state_lock, held by the frame below the collection (3.x: handle_weakrefs <
gc_collect_main; 2.7: handle_weakrefs < collect).  Automatic collection is
disabled so that the cycle is collected exactly there.  Main joins compactor.
Threads: MainThread (join), compactor (non-daemon, Lock acquire in a weakref
callback above compact, which holds the lock).
"""
import _oracle; _oracle.arm()

import gc
import threading
import time
import weakref

gc.disable()
state_lock = threading.Lock()
collected = []


class Node(object):
    pass


def on_collect(ref):
    with state_lock:                    # the collecting thread holds it already
        collected.append(ref)


def compact():
    with state_lock:
        gc.collect()


node = Node()
node.self = node                        # a reference cycle: only gc frees it
watcher = weakref.ref(node, on_collect)
del node
started = threading.Event()


def run_compactor():
    started.set()
    compact()


def main():
    compactor = threading.Thread(target=run_compactor, name="compactor")
    compactor.start()
    started.wait()
    time.sleep(0.2)
    _oracle.ready()
    compactor.join()


main()
