"""py-deadlock / py-stacks in real gdb (batch mode), on live hung processes
and on their cores, with and without the interpreter's debug info: the
diagnosis and the Python stacks must equal the CLI's for the same process."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
import make_core  # noqa: E402
import pythons  # noqa: E402

SCRIPT = os.path.join(REPO, "gdb-ext", "pycore-gdb.py")
LIB = os.path.join(REPO, "build", "lib", "libpycore.so")
NO_DEBUG = ["-iex", "set debug-file-directory /nonexistent"]


def gdb_json(args, extra=()):
    env = dict(os.environ, PYCORE_LIB=LIB)
    res = subprocess.run(["gdb", "-nx", "-batch"] + list(extra) + ["-ex", "source " + SCRIPT,
                         "-ex", "py-deadlock --json"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, timeout=300)
    out = res.stdout.decode(errors="replace")
    start = out.find('{"schema_version"')
    assert start >= 0, "no JSON from py-deadlock:\n%s\n%s" % (out[-3000:], res.stderr.decode()[-3000:])
    return json.loads(out[start:out.rindex("}") + 1])


def cli_json(analyzer, core):
    res = subprocess.run([analyzer, "--format", "json", core], stdout=subprocess.PIPE, timeout=120)
    assert res.returncode in (0, 1)
    return json.loads(res.stdout)


def same(a, b):
    assert a["diagnosis"]["pattern"] == b["diagnosis"]["pattern"]
    stacks = lambda r: dict((t["tid"], [(f["qualname"], f["file"], f["line"]) for f in t["python_frames"]])
                            for t in r["threads"])
    assert stacks(a) == stacks(b)
    names = lambda r: dict((t["tid"], (t["name"], t["daemon"], t["gil"])) for t in r["threads"])
    assert names(a) == names(b)
    tasks = lambda r: dict((t["address"], (t["name"], t["state"], t["wait"], [h["address"] for h in t["holds"]],
                                           [(f["qualname"], f["file"], f["line"]) for f in t["python_frames"]]))
                           for t in r["tasks"] or [])
    assert tasks(a) == tasks(b)
    greenlets = lambda r: dict((g["address"], (g["state"], (g["wait_object"] or {}).get("address"),
                                               [h["address"] for h in g["holds"]],
                                               [(f["qualname"], f["file"], f["line"]) for f in g["python_frames"]]))
                               for g in r["greenlets"] or [])
    assert greenlets(a) == greenlets(b)


def interpreters():
    out = ["/usr/bin/python3.11"]
    for xy in ("3.8", "3.12", "3.13"):
        out += [p["path"] for p in pythons.selected(xy) if p["present"] and p["label"].startswith("pyenv")][:1]
    return out


@pytest.mark.parametrize("python", interpreters())
@pytest.mark.parametrize("scenario", ["two_threads", "import_lock", "asyncio_lock_order"])
def test_core_in_gdb_equals_cli(analyzer, python, scenario):
    out = tempfile.mkdtemp(prefix="pycore-gdbext-")
    try:
        rec = make_core.make_core(python, scenario, "kernel", out, verify=False)
        cli = cli_json(analyzer, rec["core"])
        same(gdb_json([python, rec["core"]]), cli)
        # Without the interpreter's debug info (python3.11-dbg hidden).
        same(gdb_json([python, rec["core"]], NO_DEBUG), cli)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_gevent_core_in_gdb_equals_cli(analyzer):
    """Greenlets in gdb on a core: Debian's 3.11, the one with gevent."""
    out = tempfile.mkdtemp(prefix="pycore-gdbext-")
    try:
        rec = make_core.make_core("/usr/bin/python3.11", "gevent_lock_order", "kernel", out, verify=False)
        cli = cli_json(analyzer, rec["core"])
        assert cli["diagnosis"]["pattern"] == "greenlet-deadlock", cli["diagnosis"]
        same(gdb_json(["/usr/bin/python3.11", rec["core"]]), cli)
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.mark.parametrize("scenario", ["gil_held", "asyncio_lock_order", "gevent_lock_order"])
def test_live_process_equals_its_core(analyzer, scenario):
    """gdb -p on the hung process, then a core of the same process (asyncio
    tasks and greenlets included)."""
    python = "/usr/bin/python3.11"
    out = tempfile.mkdtemp(prefix="pycore-gdblive-")
    info = make_core.scenario_info(scenario)
    run = make_core._Run(python, info, "gcore", out)
    try:
        run.start()
        run.wait_ready(20)
        time.sleep(0.3)
        live = gdb_json(["-p", str(run.target)])
        subprocess.run(["gcore", "-o", os.path.join(out, "core"), str(run.target)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        core = cli_json(analyzer, os.path.join(out, "core.%d" % run.target))
        assert live["process"]["core_kind"] == "live"
        same(live, core)
        if scenario.startswith("asyncio"):
            assert live["diagnosis"]["pattern"] == "asyncio-task-deadlock", live["diagnosis"]
            assert len([t for t in live["tasks"] if t["state"] == "pending"]) == 3, live["tasks"]
        if scenario.startswith("gevent"):
            assert live["diagnosis"]["pattern"] == "greenlet-deadlock", live["diagnosis"]
            assert len([g for g in live["greenlets"] if g["holds"] and g["wait_object"]]) == 2, live["greenlets"]
    finally:
        run.kill()
        shutil.rmtree(out, ignore_errors=True)


def test_clear_errors():
    env = dict(os.environ, PYCORE_LIB=LIB)
    res = subprocess.run(["gdb", "-nx", "-batch", "-ex", "source " + SCRIPT, "-ex", "py-deadlock"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=60)
    out = res.stdout.decode()
    assert "pycore: no process or core" in out and "Traceback" not in out, out
    res = subprocess.run(["gdb", "-nx", "-batch", "-ex", "source " + SCRIPT, "-ex", "py-deadlock --bogus"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=60)
    assert "unknown argument" in res.stdout.decode()
