"""Second oracle: gdb's own py-bt (CPython's libpython.py, loaded from
python3.11-dbg) must see the same Python frames as pycore-analyze, and
gdb's bt the same native frames of the interpreter, inlined calls
included, with the same source lines."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
import make_core  # noqa: E402

PYTHON = "/usr/bin/python3.11"
GDB_SCRIPT = "/usr/share/gdb/auto-load/usr/bin/python3.11-gdb.py"
SCENARIOS = ["two_threads", "gil_held", "import_lock", "shutdown_join"]

THREAD_RE = re.compile(r"^Thread \d+ \(Thread 0x[0-9a-f]+ \(LWP (\d+)\)\):")
FRAME_RE = re.compile(r'^  File "(.*)", line (\d+), in (.*)$')


def gdb_stacks(core, commands, frame_re, item):
    """{lwp: [item(match)] innermost first}: gdb's output for `commands`
    on the core, each line matching frame_re under its thread's header."""
    argv = ["gdb", "-nx", "-batch"]
    for c in commands:
        argv += ["-ex", c]
    res = subprocess.run(argv + [PYTHON, core], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = res.stdout.decode(errors="replace")
    if "Undefined command" in out:
        pytest.fail("gdb has no py-bt: install python3.11-dbg (%s)" % GDB_SCRIPT, pytrace=False)
    stacks, cur = {}, None
    for line in out.splitlines():
        m = THREAD_RE.match(line)
        if m:
            cur = stacks.setdefault(int(m.group(1)), [])
            continue
        m = frame_re.match(line)
        if m and cur is not None:
            cur.append(item(m))
    return stacks


def py_bt(core):
    """{lwp: [(file, line, name)] innermost first} from `thread apply all py-bt`."""
    return gdb_stacks(core, ["thread apply all py-bt"], FRAME_RE,
                      lambda m: (m.group(1), int(m.group(2)), m.group(3)))


NATIVE_RE = re.compile(r"^#\d+\s+(0x[0-9a-f]+) in (\S+) \(.*\)(?: at (\S+):(\d+))?")


def exe_ranges():
    """python3.11's loaded ranges: Debian's is not position-independent, so
    its addresses in a core are those of its program headers."""
    out = subprocess.run(["readelf", "-hlW", PYTHON], stdout=subprocess.PIPE, check=True).stdout.decode()
    if "EXEC (Executable file)" not in out:
        pytest.fail("%s is position-independent: this oracle expects Debian's non-PIE build" % PYTHON,
                    pytrace=False)
    ranges = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            ranges.append((int(f[2], 16), int(f[2], 16) + int(f[5], 16)))
    return ranges


def groups(frames, in_exe):
    """[(pc, function, file, line)] innermost first -> the interpreter's
    frames as (function, file, line); consecutive frames at one pc are a
    physical frame and the calls inlined into it, innermost first.  The
    innermost line is the line table's, and gdb's rule (is_stmt rows only)
    differs from libdw's (every row), which we keep: the call's own line
    rather than the start of the statement.  So it is not compared there;
    the other lines are DWARF's call sites."""
    out, prev = [], None
    for pc, fn, file, line in frames:
        first = pc != prev
        prev = pc
        if in_exe(pc):
            out.append((fn.split(".")[0], None if first else file, None if first else line))
    return out


def native_bt(core):
    """{lwp: [(pc, function, file, line)] innermost first}: gdb's bt, every
    frame with its pc (inlined ones too)."""
    return gdb_stacks(core, ["set print frame-arguments none", "set print frame-info location-and-address",
                             "thread apply all bt"], NATIVE_RE,
                      lambda m: (int(m.group(1), 16), m.group(2), m.group(3),
                                 int(m.group(4)) if m.group(4) else None))


@pytest.fixture(scope="module", params=SCENARIOS)
def core(request):
    if not os.path.isfile(GDB_SCRIPT):
        pytest.fail("%s missing: apt-get install python3.11-dbg" % GDB_SCRIPT, pytrace=False)
    out = tempfile.mkdtemp(prefix="pycore-gdb-")
    try:
        yield make_core.make_core(PYTHON, request.param, "kernel", out, verify=False)["core"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def ours(analyzer, core):
    res = subprocess.run([analyzer, "--format", "json", core], stdout=subprocess.PIPE, timeout=120)
    assert res.returncode in (0, 1)
    return json.loads(res.stdout)["threads"]


def test_py_bt_agrees(analyzer, core):
    gdb = py_bt(core)
    mine = {t["tid"]: [(f["file"], f["line"], f["name"]) for f in t["python_frames"]] for t in ours(analyzer, core)}
    assert gdb, "py-bt printed no frames"
    for lwp, frames in gdb.items():
        assert mine.get(lwp) == frames, "LWP %d: py-bt %s, pycore %s" % (lwp, frames, mine.get(lwp))


def test_native_bt_agrees(analyzer, core):
    """The interpreter's native frames as gdb's bt lists them: each inlined
    call (an inline function inlined into another too) and its call site's
    line.  Functions as DWARF names them (ours is the ELF symbol for a
    physical frame: its LTO suffix, .lto_priv.0 or .isra.0, is not
    compared)."""
    ranges = exe_ranges()

    def in_exe(pc):
        return any(lo <= pc < hi for lo, hi in ranges)

    gdb = {lwp: groups(frames, in_exe) for lwp, frames in native_bt(core).items()}
    mine = {t["tid"]: groups([(int(f["pc"], 16), f["function"] or "??", f["file"], f["line"])
                              for f in t["native_frames"]], in_exe)
            for t in ours(analyzer, core)}
    assert any(gdb.values()), "gdb's bt printed no frame of the interpreter"
    for lwp, frames in gdb.items():
        assert mine.get(lwp) == frames, "LWP %d: gdb %s, pycore %s" % (lwp, frames, mine.get(lwp))
