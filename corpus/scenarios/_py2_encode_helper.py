"""Helper module for py2_encode_import.py (not a scenario): the seed story's
str_encode_thread.py, imported instead of run."""
import threading
import time

import _oracle


def to_latin_1(event, value):
    print((time.time(), "Before encode"))
    value.encode('latin-1')
    print((time.time(), "After encode"))
    event.set()
    print((time.time(), "Event set"))


event = threading.Event()
thread = threading.Thread(target=to_latin_1, args=(event, u'42'), name="to-latin-1")
thread.start()
time.sleep(0.2)         # the thread reaches the import lock in the codec lookup
_oracle.ready()
event.wait()            # the story: event.wait(10)
