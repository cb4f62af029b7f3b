"""Subinterpreter helpers for the subinterp_* scenarios (not a scenario).

Imported by the main interpreter and by every subinterpreter (code() puts
this directory on the subinterpreter's sys.path first).  The API, by version:

    3.8 - 3.12  _xxsubinterpreters.create() / run_string(id, code)
    3.13+       _interpreters.create() / exec(id, code) (returns the error)
    3.14+       concurrent.interpreters.create() / Interpreter.exec(code)
                (run_high; the low-level module is still there)

3.9 - 3.11 create(isolated=True), the default, refuses `threading` threads
("thread is not supported for isolated subinterpreters"): isolated=False.
3.12+ subinterpreters are isolated (own GIL, allow_threads, no daemon
threads), so the scenarios start only non-daemon threads inside them.

The oracle: faulthandler's dump covers one interpreter only.  So every
segment (one thread's frames in one interpreter) writes its own stack,
innermost first, from inside that interpreter at the blocking C call
itself (snap_at: a profile hook on that call), so the frames it records
are those of the hung process.  Each record is one file in
$PYCORE_READY.subinterp/ ; the main interpreter waits for them (wait())
and hands them to _oracle.ready({"interpreters": collect()}).
"""
import json
import os
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

if sys.version_info >= (3, 13):
    import _interpreters as _api
else:
    import _xxsubinterpreters as _api

_depth = [0]        # this interpreter's nesting depth on the thread that entered it


def out_dir():
    d = os.environ["PYCORE_READY"] + ".subinterp"
    if not os.path.isdir(d):
        try:
            os.mkdir(d)
        except OSError:
            pass
    return d


def current_id():
    cur = _api.get_current()
    if isinstance(cur, tuple):      # 3.13+: (id, whence)
        cur = cur[0]
    return int(cur)


def main_id():
    cur = _api.get_main()
    if isinstance(cur, tuple):
        cur = cur[0]
    return int(cur)


_keep = []          # < 3.13: an interpreter dies with its last InterpreterID object


def create():
    if (3, 9) <= sys.version_info < (3, 12):
        iid = _api.create(isolated=False)       # isolated ones refuse threads there
    else:
        iid = _api.create()
    _keep.append(iid)
    return int(iid)


def code(body, depth):
    """Source for a subinterpreter entered at nesting depth `depth`
    (1 = entered from the main interpreter)."""
    return ("import sys\nsys.path.insert(0, %r)\nimport _subinterp\n_subinterp._depth[0] = %d\n"
            % (HERE, depth)) + body


def _record(f):
    frames = [[fs[0], fs[1], fs[2]] for fs in traceback.extract_stack(f)]
    frames.reverse()
    ident = threading.get_ident()
    t = threading._active.get(ident)
    rec = {"interp": current_id(), "main": current_id() == main_id(), "depth": _depth[0],
           "ident": ident, "native_id": threading.get_native_id(),
           "name": t.name if t is not None and not isinstance(t, threading._DummyThread) else None,
           "frames": frames}
    path = os.path.join(out_dir(), "%d-%d.json" % (rec["interp"], ident))
    with open(path + ".tmp", "w") as fh:
        json.dump(rec, fh)
    os.rename(path + ".tmp", path)


def snap_at(target):
    """Record this thread's stack in this interpreter, innermost first, when
    it next calls the C function `target` (compared with ==, so a bound
    builtin method matches a fresh one): the Python frames at that moment
    are those of the blocked thread, whatever Python code lies between
    here and the call.  A profile hook; removed when it fires."""
    def hook(frame, event, arg):
        if event == "c_call" and arg == target:
            sys.setprofile(None)
            _record(frame)
    sys.setprofile(hook)


def joining(thread):
    """The C call Thread.join blocks in: _ThreadHandle.join (3.13
    `_handle`, 3.14+ `_os_thread_handle`), before the tstate lock's acquire
    (in _wait_for_tstate_lock)."""
    for attr in ("_os_thread_handle", "_handle"):
        handle = getattr(thread, attr, None)
        if handle is not None:
            return handle.join
    return thread._tstate_lock.acquire


def run(iid, source):
    """Enter interpreter iid on this thread and run source there; blocks."""
    if sys.version_info >= (3, 13):
        snap_at(_api.exec)
        err = _api.exec(iid, source)
        if err is not None:
            raise RuntimeError("interpreter %d failed: %r" % (iid, err))
    else:
        snap_at(_api.run_string)
        _api.run_string(iid, source)


def run_high(interp, source):
    """3.14+: concurrent.interpreters.Interpreter.exec (Python, around
    _interpreters.exec)."""
    snap_at(_api.exec)
    interp.exec(source)


def sleep_forever():
    snap_at(time.sleep)
    time.sleep(600)


def wait(count, timeout=60):
    """Main interpreter: wait until `count` segments have recorded themselves."""
    d = out_dir()
    end = time.time() + timeout
    while time.time() < end:
        if len([n for n in os.listdir(d) if n.endswith(".json")]) >= count:
            return
        time.sleep(0.02)
    raise RuntimeError("_subinterp.wait: %d of %d segments recorded: %s"
                       % (len(os.listdir(d)), count, sorted(os.listdir(d))))


def collect():
    """{interp id (str): {"main": bool, "segments": [record, ...]}} for ready()."""
    d = out_dir()
    out = {}
    for n in sorted(os.listdir(d)):
        if n.endswith(".json"):
            with open(os.path.join(d, n)) as fh:
                rec = json.load(fh)
            entry = out.setdefault(str(rec["interp"]), {"main": rec["main"], "segments": []})
            entry["segments"].append(rec)
    return out
