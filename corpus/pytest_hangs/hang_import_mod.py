# Imported by test_import_deadlock.py: at import time it starts a thread
# that imports this very module, and joins it.
import threading


def _warm_up():
    import hang_import_mod  # noqa: F401  (waits for this module's import lock)


_t = threading.Thread(target=_warm_up, name="warm-up")
_t.start()
_t.join()
