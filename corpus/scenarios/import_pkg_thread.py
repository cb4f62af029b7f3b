"""expect: import-lock-deadlock
A package whose __init__ loads its plugins in a background thread and waits
for it at import time.  Main imports the helper package _plugins; its
__init__ starts the non-daemon thread "plugin-loader", which runs
`import _plugins.builtin` (a submodule of the package that is still being
initialised), and joins it.  3.x: the loader imports _plugins.builtin, then
waits for the per-module _ModuleLock of the parent package _plugins (owner:
main; 3.15 may wait for it before loading the submodule, resolving the
initialising parent), while main waits in Thread.join under the package
import (<module> of _plugins/__init__.py < ... < _find_and_load).  2.7: the
loader blocks at once on the global import lock held by main.
Threads: MainThread (join inside the package import), plugin-loader
(non-daemon, import).
"""
import _oracle; _oracle.arm()

import _plugins  # noqa: F401  (never returns)
