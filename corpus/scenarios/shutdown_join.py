"""expect: shutdown-join
The main module returns while the non-daemon thread "never-ends" waits without
timeout on an Event nobody sets.  The interpreter exit then blocks joining it:
main's only Python frame is threading._shutdown (3.x; 2.7: _MainThread._exitfunc
-> join), natively Py_FinalizeEx -> wait_for_thread_shutdown.
Threads: MainThread (threading._shutdown), never-ends (non-daemon, Event.wait).
"""
import _oracle; _oracle.arm()

import threading

never = threading.Event()


def wait_forever():
    never.wait()


worker = threading.Thread(target=wait_forever, name="never-ends")
worker.daemon = False
worker.start()
_oracle.ready()
# falling off the end of the module: interpreter exit waits for "never-ends"
