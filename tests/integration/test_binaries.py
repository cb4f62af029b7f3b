"""Finding the interpreter when the binaries are not where the core says:
a program started through ld.so, a moved or missing python or libpython."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
import compare  # noqa: E402
import make_core  # noqa: E402
import pythons  # noqa: E402

LDSO = "/lib64/ld-linux-x86-64.so.2"


def analyze(analyzer, *args):
    res = subprocess.run([analyzer, "--format", "json"] + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=120)
    return res.returncode, res.stdout.decode(), res.stderr.decode()


@pytest.fixture(scope="module")
def workdir():
    d = tempfile.mkdtemp(prefix="pycore-bin-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def shared_311():
    shared = [p for p in pythons.selected("3.11") if p["present"] and p.get("build") == "shared"
              and p.get("arch") != "aarch64"]      # a host process: kernel cores
    assert shared, "no shared-libpython CPython 3.11 present (pyenv)"
    return os.path.realpath(shared[0]["path"])


def libpython_of(py):
    lib = os.path.join(os.path.dirname(os.path.dirname(py)), "lib", "libpython3.11.so.1.0")
    assert os.path.isfile(lib), lib
    return os.path.realpath(lib)


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE, check=True).stdout.decode()
    for line in out.splitlines():
        if "Build ID:" in line:
            return line.split("Build ID:")[1].strip()
    raise AssertionError("no build-id in %s" % path)


def test_started_through_ld_so(analyzer, workdir):
    """`ld.so python`: AT_PHDR names ld.so; the interpreter is still found
    and the executable is the python named on the command line."""
    py = "/usr/bin/python3.11"
    wrapper = os.path.join(workdir, "ldso-python")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (LDSO, py))
    os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
    rec = make_core.make_core(wrapper, "two_threads", "kernel", workdir)
    rc, out, err = analyze(analyzer, rec["core"])
    assert rc in (0, 1), err
    report = json.loads(out)
    assert report["process"]["executable"] == py
    assert not compare.python_frames(rec["oracle"], report)


def test_moved_binaries_found_by_name_and_build_id(analyzer, workdir):
    py = shared_311()
    lib = libpython_of(py)
    rec = make_core.make_core(py, "two_threads", "kernel", workdir)
    empty = os.path.join(workdir, "empty-root")
    os.makedirs(empty, exist_ok=True)
    # By file name in a directory.
    flat = os.path.join(workdir, "flat")
    os.makedirs(flat, exist_ok=True)
    shutil.copy(py, flat)
    shutil.copy(lib, flat)
    # By build-id, in the /usr/lib/debug/.build-id layout.
    byid = os.path.join(workdir, "byid")
    for f in (py, lib):
        bid = build_id(f)
        dst = os.path.join(byid, ".build-id", bid[:2], bid[2:])
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(f, dst)
    for d in (flat, byid):
        rc, out, err = analyze(analyzer, "--sysroot", empty, "--debug-dir", d, rec["core"])
        assert rc in (0, 1), err
        assert not compare.python_frames(rec["oracle"], json.loads(out))
    # Missing everywhere: the message names the file and the build-id needed.
    rc, out, err = analyze(analyzer, "--sysroot", empty, "--debug-dir", empty, rec["core"])
    assert rc == 4
    assert build_id(py) in err and "--debug-dir" in err, err


@pytest.mark.parametrize("xy", ["2.7", "3.6", "3.10", "3.11", "3.12", "3.13", "3.15"])
def test_interpreter_found_without_symbols(analyzer, workdir, xy):
    """--scan-runtime ignores the _PyRuntime symbol (what a build without
    it leaves): 3.13+ is found by its debug-offsets cookie, older versions
    by a validated scan of the interpreter's data."""
    present = [p for p in pythons.selected(xy) if p["present"]]
    assert present, "no CPython %s present" % xy
    rec = make_core.make_core(present[0]["path"], "two_threads", "kernel", workdir)
    rc, out, err = analyze(analyzer, "--scan-runtime", "--no-source", rec["core"])
    if xy in ("2.7", "3.6"):
        # No _PyRuntime before 3.7: the interpreter is found through its
        # other symbols, and the scan is not needed.
        assert rc in (0, 1, 5), err
        return
    assert rc in (0, 1), err
    assert not compare.python_frames(rec["oracle"], json.loads(out))
