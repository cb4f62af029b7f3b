"""The gdb commands.  Errors are one-line gdb.GdbError messages."""
import gdb

from . import library as L


def _run(fmt, native, source=False, flags=0):
    from . import target
    try:
        return target.analyze(fmt, native, source, flags)
    except gdb.GdbError:
        raise
    except RuntimeError as e:
        raise gdb.GdbError("pycore: %s" % e)
    except KeyboardInterrupt:
        raise gdb.GdbError("pycore: interrupted")


class PyDeadlock(gdb.Command):
    """Name the hang of this Python process: the diagnosis, the threads in
it, the evidence read from memory, and the fix; then every thread's stack.

Usage: py-deadlock [--json | --dot] [--native] [--source]
  --native  show every native frame; --source  add native source lines
  (slower: gdb's own `bt` shows them too)."""

    def __init__(self):
        super(PyDeadlock, self).__init__("py-deadlock", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        unknown = [a for a in args if a not in ("--json", "--dot", "--native", "--source")]
        if unknown:
            raise gdb.GdbError("py-deadlock: unknown argument %s (use --json, --dot, --native, --source)"
                               % unknown[0])
        fmt = L.PC_FORMAT_JSON if "--json" in args else L.PC_FORMAT_DOT if "--dot" in args else L.PC_FORMAT_TEXT
        gdb.write(_run(fmt, "--native" in args, "--source" in args))


class PyStacks(gdb.Command):
    """Print every thread's Python stack merged with its native frames.

Usage: py-stacks [--native] [--source]"""

    def __init__(self):
        super(PyStacks, self).__init__("py-stacks", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if any(a not in ("--native", "--source") for a in args):
            raise gdb.GdbError("py-stacks: options are --native and --source")
        # The stacks, without the diagnosis that py-deadlock adds.
        gdb.write(_run(L.PC_FORMAT_TEXT, "--native" in args, "--source" in args, L.PC_RENDER_STACKS))


def register():
    PyDeadlock()
    PyStacks()
