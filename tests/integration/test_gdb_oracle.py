"""Second oracle: gdb's own py-bt (CPython's libpython.py, loaded from
python3.11-dbg) must see the same Python frames as pycore-analyze, and
gdb's bt the same native frames of the interpreter, inlined calls
included, with the same source lines.  The same on aarch64: Debian's arm64
3.11 run under qemu-user, its qemu core read by gdb-multiarch with the
arm64 tree as sysroot (and its python3.11-dbg's gdb script and DWARF)."""
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

import pythons  # noqa: E402

SCENARIOS = ["two_threads", "gil_held", "import_lock", "shutdown_join"]


class Target(object):
    """An interpreter, how its cores are made, and how gdb reads them."""

    def __init__(self, name, python, exe, kind, gdb, root=None):
        self.name, self.python, self.exe, self.kind, self.gdb, self.root = name, python, exe, kind, gdb, root
        self.script = os.path.join(root or "/", "usr/share/gdb/auto-load/usr/bin/python3.11-gdb.py")

    def gdb_init(self):
        if not self.root:
            return []
        # before the files load: their libraries and DWARF from the arm64 tree
        return ["-iex", "set sysroot " + self.root, "-iex", "set debug-file-directory " + self.root + "/usr/lib/debug",
                "-iex", "set auto-load safe-path /", "-iex", "source " + self.script]

    def analyze_args(self):
        return ["--sysroot", self.root] if self.root else []


def _targets():
    arm = os.path.join(pythons.debian_pythons_dir(), "arm64")
    root = os.path.join(arm, "3.11", "root")
    return [Target("x86_64", "/usr/bin/python3.11", "/usr/bin/python3.11", "kernel", "gdb"),
            Target("aarch64", os.path.join(arm, "bin", "python3.11"), os.path.join(root, "usr/bin/python3.11"),
                   "qemu", "gdb-multiarch", root)]


TARGETS = _targets()

THREAD_RE = re.compile(r"^Thread \d+ \(Thread 0x[0-9a-f]+ \(LWP (\d+)\)\):")
FRAME_RE = re.compile(r'^  File "(.*)", line (\d+), in (.*)$')


def gdb_stacks(core, commands, frame_re, item):
    """({lwp: [item(match)] innermost first}, {lwps gdb could not unwind
    to the end}): gdb's output for `commands` on the core, each line
    matching frame_re under its thread's header; commands include a bt."""
    target, core = core
    if shutil.which(target.gdb) is None:
        pytest.fail("%s not found (apt-get install %s)" % (target.gdb, target.gdb), pytrace=False)
    argv = [target.gdb, "-nx", "-batch"] + target.gdb_init()
    for c in commands:
        argv += ["-ex", c]
    res = subprocess.run(argv + [target.exe, core], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = res.stdout.decode(errors="replace")
    if "Undefined command" in out:
        pytest.fail("gdb has no py-bt: install python3.11-dbg (%s)" % target.script, pytrace=False)
    stacks, cur, stopped = {}, None, set()
    for line in out.splitlines():
        m = THREAD_RE.match(line)
        if m:
            lwp = int(m.group(1))
            cur = stacks.setdefault(lwp, [])
            continue
        if line.startswith("Backtrace stopped:") and cur is not None:
            stopped.add(lwp)
            continue
        m = frame_re.match(line)
        if m and cur is not None:
            cur.append(item(m))
    return stacks, stopped


def agree(gdb, stopped, mine):
    """Each thread's frames as gdb sees them == ours; where gdb's unwinder
    gave up ("Backtrace stopped": gdb-multiarch in libffi's aarch64 code),
    gdb's frames are the start of ours."""
    assert any(gdb.values()), "gdb printed no frame"
    for lwp, frames in gdb.items():
        got = mine.get(lwp)
        if lwp in stopped and got is not None:
            got = got[:len(frames)]
        assert got == frames, "LWP %d: gdb %s, pycore %s" % (lwp, frames, mine.get(lwp))


def py_bt(core):
    """{lwp: [(file, line, name)] innermost first} from `thread apply all py-bt`."""
    return gdb_stacks(core, ["thread apply all bt", "thread apply all py-bt"], FRAME_RE,
                      lambda m: (m.group(1), int(m.group(2)), m.group(3)))


NATIVE_RE = re.compile(r"^#\d+\s+(0x[0-9a-f]+) in (\S+) \(.*\)(?: at (\S+):(\d+))?")


def exe_ranges(exe):
    """python3.11's loaded ranges: Debian's is not position-independent, so
    its addresses in a core are those of its program headers."""
    out = subprocess.run(["readelf", "-hlW", exe], stdout=subprocess.PIPE, check=True).stdout.decode()
    if "EXEC (Executable file)" not in out:
        pytest.fail("%s is position-independent: this oracle expects Debian's non-PIE build" % exe,
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


@pytest.fixture(scope="module", params=[(t, s) for t in TARGETS for s in SCENARIOS],
                ids=["%s-%s" % (t.name, s) for t in TARGETS for s in SCENARIOS])
def core(request):
    target, scenario = request.param
    if not os.path.isfile(target.script):
        pytest.fail("%s missing: apt-get install python3.11-dbg (arm64: make provision)" % target.script,
                    pytrace=False)
    out = tempfile.mkdtemp(prefix="pycore-gdb-")
    try:
        yield target, make_core.make_core(target.python, scenario, target.kind, out, verify=False)["core"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def ours(analyzer, core):
    target, core = core
    res = subprocess.run([analyzer, "--format", "json"] + target.analyze_args() + [core], stdout=subprocess.PIPE,
                         timeout=120)
    assert res.returncode in (0, 1)
    return json.loads(res.stdout)["threads"]


def test_py_bt_agrees(analyzer, core):
    gdb, stopped = py_bt(core)
    agree(gdb, stopped, {t["tid"]: [(f["file"], f["line"], f["name"]) for f in t["python_frames"]]
                         for t in ours(analyzer, core)})


def test_native_bt_agrees(analyzer, core):
    """The interpreter's native frames as gdb's bt lists them: each inlined
    call (an inline function inlined into another too) and its call site's
    line.  Functions as DWARF names them (ours is the ELF symbol for a
    physical frame: its LTO suffix, .lto_priv.0 or .isra.0, is not
    compared)."""
    ranges = exe_ranges(core[0].exe)

    def in_exe(pc):
        return any(lo <= pc < hi for lo, hi in ranges)

    stacks, stopped = native_bt(core)
    gdb = {lwp: [(int(f[0]), f[1], f[2], f[3]) for f in frames] for lwp, frames in stacks.items()}
    mine = {t["tid"]: [(int(f["pc"], 16), f["function"] or "??", f["file"], f["line"]) for f in t["native_frames"]]
            for t in ours(analyzer, core)}
    for lwp in stopped:     # compare what gdb unwound: the frames up to its last pc
        if lwp in mine:
            mine[lwp] = mine[lwp][:len(gdb[lwp])]
    agree({lwp: groups(f, in_exe) for lwp, f in gdb.items()}, set(),
          {lwp: groups(f, in_exe) for lwp, f in mine.items()})
