"""expect: import-lock-deadlock
A settings module that reads its configuration in a thread at import time and
waits for an Event the thread sets when done.  Main imports
_import_event_helper; the helper starts the non-daemon thread
"settings-reader", which needs a function of the helper module itself
(`from _import_event_helper import parse`), and waits without timeout on the
Event `loaded`.  3.x: settings-reader waits for the helper's per-module
_ModuleLock (owner: main, _lock_unlock_module); main waits in Event.wait
(Condition.wait) under the import (<module> < ... < _find_and_load), i.e. for
an Event only the blocked reader would set.  2.7: the reader blocks on the
global import lock held by main.
Threads: MainThread (Event.wait inside an import), settings-reader
(non-daemon, import).
"""
import _oracle; _oracle.arm()

import _import_event_helper  # noqa: F401  (never returns)
