"""Helper module for import_lock.py (not a scenario).

Executed as an import by the main thread: starts a thread that imports this
partially initialised module again, then joins that thread while the import
(and its module lock) is still in progress.
"""
import threading

import _oracle


def import_me_again():
    import _import_lock_helper  # noqa: F401  (blocks on the import lock)


late = threading.Thread(target=import_me_again, name="late-importer")
late.daemon = False
late.start()
_oracle.ready()
late.join()

INITIALISED = True      # never reached
