"""expect: orphaned-wait
Event.wait() without timeout whose only setter died: the thread "loader"
should parse the configuration and then set the Event `loaded`, but it raises
(KeyError, printed on stderr) before loaded.set(); main waits in
loaded.wait() forever.  Main is the only thread left.
Threads: MainThread (Event.wait).
"""
import _oracle; _oracle.arm()

import threading
import time

loaded = threading.Event()
config = {}


def load_config():
    raw = {"workers": "4"}
    config["workers"] = int(raw["workers"])
    config["timeout"] = float(raw["timeout"])       # KeyError: the thread dies
    loaded.set()


def main():
    loader = threading.Thread(target=load_config, name="loader")
    loader.start()
    while loader.is_alive():    # harness: the loader is gone before ready()
        time.sleep(0.01)
    time.sleep(0.2)
    _oracle.ready()
    loaded.wait()


main()
