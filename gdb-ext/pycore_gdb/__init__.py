"""pycore's gdb commands: py-deadlock and py-stacks.

The analysis is libpycore's (the same C engine as pycore-analyze), loaded
with ctypes; this package only gives it a target whose callbacks read
through gdb.  See docs/gdb.md.
"""


def register():
    from . import commands
    commands.register()
