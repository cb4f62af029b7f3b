"""`pycore-analyze --pid P --save-core FILE`: the process as the analysis
read it, written as an ELF core by pycore itself (no gdb, no
core_pattern), plain or zstd-compressed.  The oracle is the live report:
analyzing the written core must give the same JSON report (threads,
registers, native and Python frames, waits, diagnosis) except for the two
fields that say what kind of target was read (process.core_kind,
process.snapshot; docs/json-schema.md).  gdb and readelf must read the
core too, and compressed cores (zstd, xz, gzip, lz4) are read directly."""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pythons  # noqa: E402
from test_tree import syscalls  # noqa: E402

# Two threads in a lock-order deadlock, a daemon thread blocked reading a
# pipe nobody writes, the main thread joining the first (2.7 to 3.15).
HANG = textwrap.dedent("""\
    import os, sys, threading, time
    a, b = threading.Lock(), threading.Lock()
    r, w = os.pipe()
    both = threading.Barrier(2) if hasattr(threading, "Barrier") else None
    def meet():
        if both:
            both.wait()
        else:
            time.sleep(0.3)
    def one():
        with a:
            meet()
            with b:
                pass
    def two():
        with b:
            meet()
            with a:
                pass
    def reader():
        os.read(r, 1)
    ts = [threading.Thread(target=one, name="one"), threading.Thread(target=two, name="two"),
          threading.Thread(target=reader, name="reader")]
    ts[2].daemon = True
    for t in ts:
        t.start()
    ts[0].join()
""")

READ, FUTEX = 0, 202
# What may differ between the live report and the core's: the kind of target.
KIND_FIELDS = {("process", "core_kind"), ("process", "snapshot")}


def interpreters():
    out = pythons.one_per_version()
    return out or ["/usr/bin/python3"]


def start(python):
    """The hung process, once its four threads wait where they will stay."""
    proc = subprocess.Popen([python, "-S", "-c", HANG], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
        calls = list(syscalls(proc.pid).values())
        if len(calls) == 4 and calls.count(FUTEX) == 3 and calls.count(READ) == 1:
            time.sleep(0.2)
            return proc
        assert time.monotonic() < deadline, "never settled: %s" % calls
        time.sleep(0.05)


def run(analyzer, *argv, **kw):
    res = subprocess.run([analyzer] + list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, **kw)
    return res.returncode, res.stdout.decode(errors="replace"), res.stderr.decode(errors="replace")


def err_lines(err):
    """stderr's lines, without LeakSanitizer's list of the suppressions it
    used (an ASan build run with LSAN_OPTIONS=suppressions=...)."""
    text = re.sub(r"-+\nSuppressions used:.*", "", err, flags=re.S)
    return text.strip().splitlines()


def differences(live, core, path=()):
    """Paths where two JSON values differ, the target-kind fields excepted."""
    if path in KIND_FIELDS:
        return []
    if isinstance(live, dict) and isinstance(core, dict):
        out = []
        for k in sorted(set(live) | set(core)):
            if k not in live or k not in core:
                out.append(path + (k,))
            else:
                out += differences(live[k], core[k], path + (k,))
        return out
    if isinstance(live, list) and isinstance(core, list):
        if len(live) != len(core):
            return [path + ("len %d != %d" % (len(live), len(core)),)]
        out = []
        for i, (x, y) in enumerate(zip(live, core)):
            out += differences(x, y, path + (i,))
        return out
    return [] if live == core else [path]


def snapshot(analyzer, python, workdir, mode, suffix):
    """(live report, core report, core path, process) for one hung process."""
    proc = start(python)
    core = os.path.join(workdir, "snap" + suffix)
    extra = ["--no-stop"] if mode == "no-stop" else []
    try:
        rc, out, err = run(analyzer, "--pid", str(proc.pid), "--save-core", core, "--format", "json", *extra)
        where = "%s %s %s pid %d: %s" % (python, mode, suffix, proc.pid, err.strip())
        assert rc == 1, where
        live = json.loads(out)
        assert proc.poll() is None, "the process did not survive: " + where
        assert os.path.isfile(core) and (os.stat(core).st_mode & 0o777) == 0o600, where
        rc, out, err = run(analyzer, core, "--format", "json")
        assert rc == 1, (where, err)
        return live, json.loads(out), core, proc
    except BaseException:
        proc.kill()
        proc.wait()
        raise


@pytest.mark.parametrize("python", interpreters())
@pytest.mark.parametrize("mode,suffix", [("no-stop", ".core.zst"), ("no-stop", ".core"), ("stop", ".core.zst")])
def test_snapshot_analyzes_as_live(analyzer, python, mode, suffix):
    workdir = tempfile.mkdtemp(prefix="pycore-snap-")
    proc = None
    try:
        live, core, path, proc = snapshot(analyzer, python, workdir, mode, suffix)
        where = "%s %s %s" % (python, mode, suffix)
        assert live["process"]["core_kind"] == "live" and core["process"]["core_kind"] == "pycore", where
        assert core["process"]["snapshot"] is True and core["process"]["signal"] == 0, where
        assert live["diagnosis"]["pattern"] == "lock-order-deadlock", (where, live["diagnosis"])
        assert len(live["threads"]) == 4, where
        stopped = [t["stopped"] for t in core["threads"]]
        assert all(s is (mode == "stop") for s in stopped), (where, stopped)
        diff = differences(live, core)
        assert not diff, (where, diff[:20])
        if suffix == ".core.zst":
            assert subprocess.run(["zstd", "-q", "-t", path]).returncode == 0, where
        rc, text, err = run(analyzer, path)
        assert rc == 1 and "snapshot written by pycore of a live process" in text.splitlines()[0], (where, text[:300])
    finally:
        if proc:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def test_gdb_and_readelf_read_it(analyzer):
    """The core is a kernel-style core: gdb lists every thread, readelf and
    eu-readelf parse every note (PYCORE included)."""
    python = "/usr/bin/python3.11" if os.path.exists("/usr/bin/python3.11") else interpreters()[0]
    workdir = tempfile.mkdtemp(prefix="pycore-snap-")
    proc = None
    try:
        live, core, path, proc = snapshot(analyzer, python, workdir, "no-stop", ".core")
        exe = live["process"]["executable"]
        gdb = shutil.which("gdb")
        if gdb:
            res = subprocess.run([gdb, "-batch", "-nx", "-ex", "info threads", exe, path], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=300)
            text = res.stdout.decode(errors="replace")
            listed = [l for l in text.splitlines() if re.match(r"^\*?\s+\d+\s+Thread 0x[0-9a-f]+ \(LWP \d+\)", l)]
            assert len(listed) == len(live["threads"]), text
            assert {int(re.search(r"LWP (\d+)", l).group(1)) for l in listed} == {t["tid"] for t in live["threads"]}
        res = subprocess.run(["readelf", "-n", "-W", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        notes = res.stdout.decode(errors="replace")
        assert res.returncode == 0 and not res.stderr.strip(), res.stderr
        assert notes.count("NT_PRSTATUS") == len(live["threads"]) + 1, notes   # readelf names type 1 so in PYCORE too
        assert "NT_PRPSINFO" in notes and "NT_AUXV" in notes and "NT_FILE" in notes and "PYCORE" in notes, notes
        eu = shutil.which("eu-readelf")
        if eu:
            res = subprocess.run([eu, "-n", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            text = res.stdout.decode(errors="replace")
            assert res.returncode == 0 and "PYCORE" in text and "PRPSINFO" in text, res.stderr
            assert str(live["process"]["pid"]) in text
        res = subprocess.run(["readelf", "-l", "-W", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert res.returncode == 0 and not res.stderr.strip(), res.stderr
    finally:
        if proc:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def test_compressed_cores_read_directly(analyzer):
    """xz, gzip and lz4 copies of a written core give its report."""
    workdir = tempfile.mkdtemp(prefix="pycore-snap-")
    proc = None
    try:
        _, core, path, proc = snapshot(analyzer, "/usr/bin/python3", workdir, "no-stop", ".core")
        for tool, ext in (("xz", ".xz"), ("gzip", ".gz"), ("lz4", ".lz4")):
            if not shutil.which(tool):
                continue
            packed = path + ext
            with open(path, "rb") as src, open(packed, "wb") as dst:
                assert subprocess.run([tool, "-1", "-c"], stdin=src, stdout=dst).returncode == 0, tool
            rc, out, err = run(analyzer, packed, "--format", "json")
            assert rc == 1, (tool, err)
            assert not differences(core, json.loads(out)), tool
            os.unlink(packed)
        rc, out, err = run(analyzer, os.path.join(workdir, "missing.core.zst"))
        assert rc == 3 and len(err_lines(err)) == 1, err
    finally:
        if proc:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def no_big_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # write(2) fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))


def test_save_core_errors(analyzer):
    """An existing file is refused (exit 2) and untouched; a write that fails
    leaves no partial file, and says so in one line after the report."""
    workdir = tempfile.mkdtemp(prefix="pycore-snap-")
    proc = start("/usr/bin/python3")
    try:
        taken = os.path.join(workdir, "taken.core")
        with open(taken, "w") as f:
            f.write("mine")
        rc, out, err = run(analyzer, "--pid", str(proc.pid), "--save-core", taken)
        assert rc == 2 and out == "" and len(err_lines(err)) == 1 and "never overwrites" in err, err
        assert open(taken).read() == "mine"
        rc, out, err = run(analyzer, "--save-core", os.path.join(workdir, "x.core"), taken)
        assert rc == 2 and "--save-core goes with --pid" in err, err
        for name in ("big.core", "big.core.zst"):
            target = os.path.join(workdir, name)
            rc, out, err = run(analyzer, "--pid", str(proc.pid), "--save-core", target, "--no-stop",
                               preexec_fn=no_big_files)
            assert rc == 6 and out.startswith("Process %d" % proc.pid), (rc, out[:200], err)
            assert len(err_lines(err)) == 1 and "cannot write the core to %s" % target in err, err
            assert not os.path.exists(target), name
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
