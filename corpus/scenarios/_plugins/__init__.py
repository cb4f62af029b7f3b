"""Helper package for import_pkg_thread.py (not a scenario).

Its initialisation loads the built-in plugins in a thread and joins it while
the package import (and its module lock / the 2.7 import lock) is held.
"""
import threading
import time

import _oracle

registry = {}
loading = threading.Event()


def load_builtin_plugins():
    loading.set()
    import _plugins.builtin     # blocks: _plugins is still initialising
    registry.update(_plugins.builtin.PLUGINS)


loader = threading.Thread(target=load_builtin_plugins, name="plugin-loader")
loader.daemon = False
loader.start()
loading.wait()
time.sleep(0.2)         # the loader reaches the import lock
_oracle.ready()
loader.join()

INITIALISED = True      # never reached
