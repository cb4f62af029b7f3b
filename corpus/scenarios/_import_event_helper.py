"""Helper module for import_event.py (not a scenario).

Imported by the main thread: starts a thread that imports this partially
initialised module and would set `loaded` afterwards; the module body waits
for `loaded` without timeout.
"""
import threading
import time

import _oracle

SETTINGS = {}
loaded = threading.Event()
reading = threading.Event()


def parse(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def read_settings():
    reading.set()
    from _import_event_helper import parse as parse_settings  # blocks: still initialising
    SETTINGS.update(parse_settings("debug=0\nworkers=4\n"))
    loaded.set()


reader = threading.Thread(target=read_settings, name="settings-reader")
reader.daemon = False
reader.start()
reading.wait()
time.sleep(0.2)         # the reader reaches the import lock
_oracle.ready()
loaded.wait()

INITIALISED = True      # never reached
