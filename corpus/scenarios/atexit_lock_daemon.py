"""expect: atexit-blocked-by-daemon
python: >=3.6
An atexit hook saves state under an RLock that a daemon thread holds while
it sleeps; at exit the hook waits for the daemon thread, which never runs.
Threads: MainThread (RLock acquire in save_state), saver (daemon, holds it).
"""
import _oracle; _oracle.arm()

import atexit
import threading
import time

state_lock = threading.RLock()
held = threading.Event()


def save_state():
    with state_lock:
        pass


def background():
    with state_lock:
        held.set()
        time.sleep(3600)


atexit.register(save_state)
threading.Thread(target=background, name="saver", daemon=True).start()
held.wait()
_oracle.ready()
