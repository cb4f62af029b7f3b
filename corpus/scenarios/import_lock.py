"""expect: import-lock-deadlock
Main imports the helper module _import_lock_helper.  While it is being
initialised, the helper starts thread "late-importer", which imports the same
module, and joins it.  3.x: late-importer blocks on the helper's per-module
_ModuleLock (owner: main), main blocks in Thread.join under the import
(<module> < ... < _find_and_load).  2.7: late-importer blocks on the global
import lock held by main.
Threads: MainThread (join inside an import), late-importer (non-daemon, import).
"""
import _oracle; _oracle.arm()

import _import_lock_helper  # noqa: F401  (never returns)
