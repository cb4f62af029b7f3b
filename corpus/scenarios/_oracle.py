"""Test oracle for corpus scenarios (helper module, not a scenario).

Every scenario starts with ``import _oracle; _oracle.arm()`` and calls
``_oracle.ready()`` once it is about to enter its hung state.

arm():   makes SIGUSR1 write the Python stacks of all threads to the file
         named by $PYCORE_ORACLE, in faulthandler's text format:

             Thread 0x00007f0123456700 (most recent call first):
               File "/path/file.py", line 12 in func
             Current thread 0x00007f0123456000 (most recent call first):
               File "/path/file.py", line 3 in <module>

         CPython 3.3+: faulthandler.register(SIGUSR1, all_threads=True).
         CPython 2.7 (no faulthandler): a C-level SIGUSR1 handler writes to a
         wakeup pipe (signal.set_wakeup_fd); a raw helper thread blocked on
         that pipe wakes, writes the stacks of every other thread from
         sys._current_frames() in the same format (innermost first), and
         exits, so it is gone before the core is taken.  Only ONE dump is
         possible on 2.7 (the C handler writes the wakeup fd only while the
         main thread has not yet run its Python-level handler).  The dumper
         waits until no thread is inside that handler: the main thread runs
         it after the same signal, and the core is taken after it returned.
ready(): writes $PYCORE_READY (JSON: pid, version, executable and the
         threading view of every thread: ident, name, daemon, main).  The
         harness sends SIGUSR1 some time after this file appears.
ready_when_loop_idle(loop):  from asyncio code: once the loop has gone
         round a few times (every task runs until it suspends), records
         every pending task of the loop with its coroutine chain and then
         calls ready({"tasks": [...]}) (the oracle for tasks).
ready_when_gevent_idle():  the same for gevent: once every greenlet has
         blocked, records each greenlet's gr_frame chain (the oracle for
         greenlets) and calls ready({"greenlets": [...]}).

Nothing here may start a Python thread on 3.x: the scenario's threads are
exactly the threads in the core.  Runnable by CPython 2.7 and 3.6+.
"""
import json
import os
import signal
import sys
import threading

_keep = []          # file objects / fds that must stay alive for the process lifetime
_armed = [False]


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError("_oracle: environment variable %s is not set" % name)
    return value


def arm():
    """Install the SIGUSR1 stack dumper.  Idempotent."""
    if _armed[0]:
        return
    path = _env("PYCORE_ORACLE")
    try:
        import faulthandler
    except ImportError:
        faulthandler = None
    if faulthandler is not None:
        f = open(path, "w")
        _keep.append(f)     # faulthandler only keeps the fd: keep the object alive
        faulthandler.register(signal.SIGUSR1, file=f, all_threads=True)
    else:
        _arm_py2(path)
    _armed[0] = True


def _arm_py2(path):
    import time         # now: the dumper must import nothing (a scenario may hold the import lock)
    import traceback
    try:
        import thread as _thread            # 2.7
    except ImportError:                     # pragma: no cover (3.x has faulthandler)
        import _thread
    rfd, wfd = os.pipe()
    _keep.append((rfd, wfd))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    _keep.append(fd)

    def _noop(signum, frame):
        pass

    signal.signal(signal.SIGUSR1, _noop)    # C handler installed -> writes the wakeup fd
    signal.set_wakeup_fd(wfd)

    def _dumper():
        while True:
            try:
                data = os.read(rfd, 64)
            except OSError:
                continue
            if not data:
                return
            me = _thread.get_ident()
            frames = _frames_outside(_noop.__code__, time.sleep)
            out = []
            for ident, frame in frames.items():
                if ident == me:
                    continue
                out.append("Thread 0x%016x (most recent call first):\n" % ident)
                stack = traceback.extract_stack(frame)
                stack.reverse()                 # innermost first, like faulthandler
                if not stack:
                    out.append("  <no Python frame>\n")
                for entry in stack[:100]:
                    out.append('  File "%s", line %d in %s\n' % (entry[0], entry[1], entry[2]))
                if len(stack) > 100:
                    out.append("  ...\n")
            frames = frame = None
            text = "".join(out)
            if not isinstance(text, bytes):
                text = text.encode("ascii", "backslashreplace")
            os.write(fd, text)
            return      # leave the process as it was: this thread is gone before the core

    _thread.start_new_thread(_dumper, ())


def _frames_outside(handler, sleep):
    """sys._current_frames() once no thread is inside the Python-level
    signal handler: the main thread runs it after the same SIGUSR1 that woke
    the dumper, so a snapshot taken meanwhile shows a frame the core (taken
    after the handler returned) does not have."""
    for _ in range(400):
        frames = sys._current_frames()
        if not any(f.f_code is handler for f in frames.values()):
            return frames
        frames = None
        sleep(0.005)                        # releases the GIL: the handler returns
    return sys._current_frames()


def thread_table():
    """The threading module's view of the live threads."""
    try:
        main = threading.main_thread()
    except AttributeError:                  # 2.7
        main = None
    table = []
    for t in threading.enumerate():
        if main is not None:
            is_main = t is main
        else:
            is_main = type(t).__name__ == "_MainThread"
        table.append({"ident": t.ident, "name": t.name, "daemon": bool(t.daemon),
                      "main": is_main})
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        # gevent's threading says greenlet ids; the thread's own ident is
        # what a core shows (gevent scenarios run one thread: the main one)
        real = monkey.get_original("_thread", "get_ident")()
        for row in table:
            if row["main"]:
                row["ident"] = real
    return table


def _tstates():
    """Every thread state, threading's or not (what faulthandler lists).
    Not on free-threaded builds: sys._current_frames() stops the world
    there, which the stw_* scenarios block on purpose."""
    if "t" in getattr(sys, "abiflags", ""):
        return []
    try:
        return sorted(sys._current_frames())
    except Exception:               # interpreter teardown (finalizer_* scenarios)
        return []


def ready(extra=None):
    """Announce that the scenario is about to block for good."""
    path = _env("PYCORE_READY")
    info = {
        "pid": os.getpid(),
        "version": list(sys.version_info[:3]),
        "gil_build": "free-threaded" if "t" in getattr(sys, "abiflags", "") else "gil",
        "executable": sys.executable,
        "threads": thread_table(),
        "tstates": _tstates(),
    }
    if extra:
        info.update(extra)
    tmp = path + ".tmp"
    # os-level writes, not open(): the finalizer_* scenarios call ready()
    # during interpreter teardown, where the builtins have no open() any more
    # and text files cannot find their codec.
    data = json.dumps(info, sort_keys=True).encode("utf-8")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)
    os.rename(tmp, path)    # atomic: the harness never sees a partial file


def asyncio_tasks(loop):
    """Every pending task of loop: id (its address in CPython), name (3.8+)
    and its coroutine chain through cr_await / gi_yieldfrom, innermost
    frame first, each frame as (name, file, line)."""
    import asyncio
    try:
        tasks = asyncio.all_tasks(loop)
    except AttributeError:                  # 3.6
        tasks = [t for t in asyncio.Task.all_tasks(loop) if not t.done()]
    out = []
    for t in tasks:
        coro = t.get_coro() if hasattr(t, "get_coro") else t._coro
        frames = []
        while coro is not None and len(frames) < 64:
            f = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
            if f is None:
                break
            frames.append({"name": f.f_code.co_name, "file": f.f_code.co_filename, "line": f.f_lineno})
            nxt = getattr(coro, "cr_await", None)
            if nxt is None:
                nxt = getattr(coro, "gi_yieldfrom", None)
            coro = nxt
        frames.reverse()
        name = t.get_name() if hasattr(t, "get_name") else None
        out.append({"id": id(t), "name": name, "frames": frames})
    return out


def greenlets():
    """Every greenlet the collector tracks (what pycore reads): id, type,
    whether it is a thread's main greenlet, dead, and its suspended frames
    from gr_frame through f_back, innermost first (none while it runs)."""
    import gc
    import greenlet
    out = []
    for g in gc.get_objects():
        if not isinstance(g, greenlet.greenlet):
            continue
        frames = []
        f = g.gr_frame
        while f is not None and len(frames) < 256:
            frames.append({"name": f.f_code.co_name, "file": f.f_code.co_filename, "line": f.f_lineno})
            f = f.f_back
        out.append({"id": id(g), "type": "%s.%s" % (type(g).__module__, type(g).__name__),
                    "main": g.parent is None, "dead": bool(g.dead), "frames": frames})
    return out


def ready_when_gevent_idle(turns=5):
    """From gevent code: a greenlet yields to the hub `turns` times (every
    other greenlet runs until it blocks), then records every greenlet and
    calls ready({"greenlets": [...]}); it ends right after."""
    import gevent

    def announce():
        for _ in range(turns):
            gevent.sleep(0)
        ready({"greenlets": greenlets()})
    gevent.spawn(announce)


def ready_when_loop_idle(loop, quiet=3, limit=10000):
    """Announce from a loop callback once `quiet` turns of the loop in a row
    found nothing else ready to run (every task has reached its await)."""
    def turn(calm, left):
        calm = calm + 1 if not loop._ready else 0
        if calm < quiet and left:
            loop.call_soon(turn, calm, left - 1)
        else:
            ready({"tasks": asyncio_tasks(loop)})
    loop.call_soon(turn, 0, limit)
