"""expect: self-deadlock
Re-entrancy through __del__: a cache of Handle objects is guarded by the
plain Lock registry_lock, and Handle.__del__ unregisters the handle under the
same lock.  Thread "refresher" replaces a cached handle inside
`with registry_lock:`; the dict store drops the last reference to the old
handle, whose __del__ runs right there, in the same thread, and blocks on
registry_lock, which that thread holds (3.x: slot_tp_finalize <
subtype_dealloc < insertdict; 2.7: slot_tp_del).  Main joins refresher.
Threads: MainThread (join), refresher (non-daemon, Lock acquire in __del__
above refresh, which holds the lock).
"""
import _oracle; _oracle.arm()

import threading
import time

registry_lock = threading.Lock()
cache = {}
live = set()


class Handle(object):
    def __init__(self, key, generation):
        self.key = key
        self.generation = generation

    def __del__(self):
        with registry_lock:             # re-enters the lock held by refresh()
            live.discard((self.key, self.generation))


def open_handle(key, generation):
    handle = Handle(key, generation)
    with registry_lock:
        live.add((key, generation))
    return handle


def refresh(key, generation):
    new = open_handle(key, generation)
    with registry_lock:
        cache[key] = new                # drops the old handle: __del__ runs here
    return new


started = threading.Event()


def run_refresher():
    # The old handle is made here, by the thread that drops it: in a
    # free-threaded build only its owner thread's decref frees an object
    # at once (another thread's goes to the shared count, merged later).
    cache["db"] = open_handle("db", 1)
    started.set()
    refresh("db", 2)


def main():
    refresher = threading.Thread(target=run_refresher, name="refresher")
    refresher.start()
    started.wait()
    time.sleep(0.2)
    _oracle.ready()
    refresher.join()


main()
