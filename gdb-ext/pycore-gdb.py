# Load pycore's gdb commands: (gdb) source /usr/local/share/pycore/gdb/pycore-gdb.py
#
# Deliberately not named pythonX.Y-gdb.py / libpython...-gdb.py: gdb
# auto-loads only the first script matching an objfile, and ours would
# hide CPython's own py-bt.  Loading costs nothing: libpycore is opened
# by the first command that needs it.
import os
import sys

_here = os.path.dirname(os.path.abspath(os.path.expanduser(__file__)))
if _here not in sys.path:
    sys.path.insert(0, _here)

import pycore_gdb  # noqa: E402

pycore_gdb.register()
