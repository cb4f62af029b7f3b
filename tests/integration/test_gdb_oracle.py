"""Second oracle: gdb's own py-bt (CPython's libpython.py, loaded from
python3.11-dbg) must see the same Python frames as pycore-analyze."""
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


def py_bt(core):
    """{lwp: [(file, line, name)] innermost first} from `thread apply all py-bt`."""
    res = subprocess.run(["gdb", "-nx", "-batch", "-ex", "thread apply all py-bt", PYTHON, core],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = res.stdout.decode(errors="replace")
    if "Undefined command" in out:
        pytest.fail("gdb has no py-bt: install python3.11-dbg (%s)" % GDB_SCRIPT, pytrace=False)
    stacks, cur = {}, None
    for line in out.splitlines():
        m = THREAD_RE.match(line)
        if m:
            cur = stacks.setdefault(int(m.group(1)), [])
            continue
        m = FRAME_RE.match(line)
        if m and cur is not None:
            cur.append((m.group(1), int(m.group(2)), m.group(3)))
    return stacks


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_py_bt_agrees(analyzer, scenario):
    if not os.path.isfile(GDB_SCRIPT):
        pytest.fail("%s missing: apt-get install python3.11-dbg" % GDB_SCRIPT, pytrace=False)
    out = tempfile.mkdtemp(prefix="pycore-gdb-")
    try:
        rec = make_core.make_core(PYTHON, scenario, "kernel", out, verify=False)
        gdb = py_bt(rec["core"])
        res = subprocess.run([analyzer, "--format", "json", rec["core"]], stdout=subprocess.PIPE, timeout=120)
        assert res.returncode in (0, 1)
        ours = {t["tid"]: [(f["file"], f["line"], f["name"]) for f in t["python_frames"]]
                for t in json.loads(res.stdout)["threads"]}
        assert gdb, "py-bt printed no frames"
        for lwp, frames in gdb.items():
            assert ours.get(lwp) == frames, "LWP %d: py-bt %s, pycore %s" % (lwp, frames, ours.get(lwp))
    finally:
        shutil.rmtree(out, ignore_errors=True)
