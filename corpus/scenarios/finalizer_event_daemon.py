"""expect: finalizer-teardown-wait
python: >=3.6
python: <3.15
build: gil
A module-level write-behind journal (_finalizer_event_helper.Journal) whose
__del__ waits without timeout on the Event `flushed`, set only by its daemon
thread "flusher" (time.sleep(0.05) polling loop).  The main module ends; the
journal is referenced by __main__'s globals only (no def/class here, so no
reference cycle), so it dies by reference counting when module teardown drops
__main__ (3.10+: finalize_modules -> finalize_remove_modules -> PyDict_SetItem
-> module_dealloc -> dict_dealloc -> subtype_dealloc -> slot_tp_finalize;
3.6-3.8: PyImport_Cleanup, 3.9: _PyImport_Cleanup).  By then
_PyRuntime._finalizing is set: when the flusher wakes up from its sleep and
retakes the GIL it is stopped (3.6/3.7: PyThread_exit_thread in
PyEval_RestoreThread; 3.8-3.13: in take_gil; 3.14: parked in
PyThread_hang_thread), so `flushed` is never set.  3.9+ delete the daemon's
thread state before module teardown, so the oracle lists the main thread only
(3.6-3.8: also the flusher's stale stack, in time.sleep); the threading view
(ready file) still lists the flusher.  _oracle.ready() writes
with os.write, which still works at teardown.  3.15 raises
PythonFinalizationError instead of waiting.  Free-threaded builds
(deferred reference counts) free the journal only in the final collection,
after module globals are cleared: its __del__ fails instead of waiting.
Threads: MainThread (Event.wait in Journal.__del__ at teardown; Python stack
wait < wait < __del__ only), flusher (daemon; gone in the core on 3.6-3.13,
3.14: pause < PyThread_hang_thread < ... < take_gil).
"""
import _oracle; _oracle.arm()

import _finalizer_event_helper

journal = _finalizer_event_helper.Journal(on_close=_oracle.ready)
journal.write("service started")
# falling off the end of the module: interpreter teardown destroys `journal`
