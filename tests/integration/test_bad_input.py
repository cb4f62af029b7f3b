"""Bad input: every failure is one line on stderr naming the problem and
the fix, with a documented exit code (docs/cli.md), never a crash or hang."""
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

E_USAGE, E_CORE, E_MODULE, E_NOPYTHON = 2, 3, 4, 5


def run(analyzer, *args):
    res = subprocess.run([analyzer] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=60)
    err = res.stderr.decode(errors="replace")
    return res.returncode, err


def one_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, "expected one line on stderr, got:\n" + err
    assert lines[0].startswith("pycore-analyze: ")
    return lines[0]


@pytest.fixture(scope="module")
def workdir():
    d = tempfile.mkdtemp(prefix="pycore-bad-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def real_core(workdir):
    """A kernel core of a hung Debian python3.11, and its interpreter."""
    py = "/usr/bin/python3.11"
    if not os.access(py, os.X_OK):
        pytest.fail("%s is missing: apt-get install python3.11" % py, pytrace=False)
    rec = make_core.make_core(py, "two_threads", "kernel", workdir, verify=False)
    return rec["core"], py


@pytest.fixture(scope="module")
def sleep_core(workdir):
    """A gcore of a process without Python."""
    if shutil.which("gcore") is None:
        pytest.fail("gcore is missing: apt-get install gdb", pytrace=False)
    p = subprocess.Popen(["sleep", "300"])
    try:
        time.sleep(0.2)
        out = os.path.join(workdir, "sleep")
        subprocess.run(["gcore", "-o", out, str(p.pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True, timeout=120)
        return "%s.%d" % (out, p.pid)
    finally:
        p.kill()
        p.wait()


def test_not_elf(analyzer, workdir):
    path = os.path.join(workdir, "notes.txt")
    with open(path, "w") as f:
        f.write("this is not a core\n")
    rc, err = run(analyzer, path)
    assert rc == E_CORE
    assert "not an ELF file" in one_line(err)


def test_empty_and_missing_and_directory(analyzer, workdir):
    empty = os.path.join(workdir, "empty")
    open(empty, "w").close()
    for path, words in ((empty, "empty"), (os.path.join(workdir, "nope"), "cannot open"),
                        (workdir, "not a regular file")):
        rc, err = run(analyzer, path)
        assert rc == E_CORE, err
        assert words in one_line(err)


def test_usage(analyzer):
    rc, err = run(analyzer)
    assert rc == E_USAGE
    one_line(err)
    rc, err = run(analyzer, "--format", "xml", "core")
    assert rc == E_USAGE
    rc, out = run(analyzer, "--version")
    assert rc == 0


def test_truncated(analyzer, real_core, workdir):
    core, _ = real_core
    cut = os.path.join(workdir, "cut")
    with open(core, "rb") as src, open(cut, "wb") as dst:
        dst.write(src.read(os.path.getsize(core) // 2))
    rc, err = run(analyzer, cut)
    assert rc == E_CORE
    line = one_line(err)
    assert "truncated" in line and "ulimit -c" in line


def test_wrong_architecture(analyzer, real_core, workdir):
    """A machine pycore does not read is named with the ones it does; an
    x86_64 core relabelled aarch64 has notes too short for that machine."""
    core, _ = real_core
    other = os.path.join(workdir, "riscv")
    shutil.copyfile(core, other)
    with open(other, "r+b") as f:
        f.seek(18)
        f.write(b"\xf3\x00")   # EM_RISCV
    rc, err = run(analyzer, other)
    assert rc == E_CORE
    assert "machine 243" in one_line(err) and "x86_64" in err and "aarch64" in err
    with open(other, "r+b") as f:
        f.seek(18)
        f.write(b"\xb7\x00")   # EM_AARCH64
    rc, err = run(analyzer, other)
    assert rc == E_CORE
    assert "short NT_PRSTATUS" in one_line(err)


def test_mismatched_executable(analyzer, real_core):
    core, py = real_core
    other = [p["path"] for p in pythons.selected("3.11")
             if p["present"] and os.path.realpath(p["path"]) != os.path.realpath(py)]
    other.append(shutil.which("true") or "/bin/true")
    rc, err = run(analyzer, core, other[0])
    assert rc == E_MODULE
    line = one_line(err)
    assert "build-id" in line and "the core needs" in line


def test_missing_executable_under_sysroot(analyzer, real_core, workdir):
    core, _ = real_core
    root = os.path.join(workdir, "emptyroot")
    os.makedirs(root, exist_ok=True)
    rc, err = run(analyzer, "--sysroot", root, core)
    assert rc == E_MODULE
    line = one_line(err)
    assert "missing" in line and "--sysroot" in line


def test_sysroot_with_the_files_works(analyzer, real_core, workdir):
    core, py = real_core
    root = os.path.join(workdir, "root")
    dst = os.path.join(root, py.lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(py, dst)
    rc, err = run(analyzer, "--sysroot", root, "--format", "json", core)
    assert rc in (0, 1), err


def test_no_python(analyzer, sleep_core):
    rc, err = run(analyzer, sleep_core)
    assert rc == E_NOPYTHON
    assert "no Python interpreter" in one_line(err)


def test_missing_libpython_is_found_by_scanning(analyzer, workdir):
    """A shared build whose libpython file is absent: the interpreter is
    found by scanning the core's copy of libpython's data, and the report
    says which file, with which build-id, it lacked."""
    shared = [p for p in pythons.selected("3.11") if p["present"] and p.get("build") == "shared"
              and p.get("arch") != "aarch64"]      # a host process: kernel cores
    assert shared, "no shared-libpython CPython 3.11 present (pyenv)"
    py = shared[0]["path"]
    rec = make_core.make_core(py, "two_threads", "kernel", workdir, verify=False)
    root = os.path.join(workdir, "exe-only-root")
    dst = os.path.join(root, os.path.realpath(py).lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(os.path.realpath(py), dst)
    res = subprocess.run([analyzer, "--format", "json", "--sysroot", root, rec["core"]], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60)
    assert res.returncode in (0, 1), res.stderr
    report = json.loads(res.stdout)
    missing = [w for w in report["warnings"] if "libpython3.11" in w and "missing" in w]
    assert missing and "build-id" in missing[0], report["warnings"]
    assert report["python"]["version"].startswith("3.11")
    assert any(t["python_frames"] for t in report["threads"])


def _mutated(core, workdir, name, mutate):
    """A copy of core with its program headers changed by mutate(phdrs)."""
    import struct
    data = bytearray(open(core, "rb").read())
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    phdrs = [(phoff + 56 * i, struct.unpack_from("<IIQQQQQQ", data, phoff + 56 * i)) for i in range(phnum)]
    mutate(data, phdrs)
    path = os.path.join(workdir, name)
    open(path, "wb").write(data)
    return path


def test_wrapping_program_headers(analyzer, real_core, workdir):
    """offset + size wrapping past 2^64 used to skip the truncation check
    and read outside the mapped core."""
    import struct

    def note_size(data, phdrs):
        off, ph = next(p for p in phdrs if p[1][0] == 4)
        struct.pack_into("<Q", data, off + 32, 0xffffffffffffffff)

    def load_offset(data, phdrs):
        off, ph = next(p for p in phdrs if p[1][0] == 1 and p[1][5])
        struct.pack_into("<Q", data, off + 8, 0xfffffffffffff000)

    for name, fn in (("note_size", note_size), ("load_offset", load_offset)):
        rc, err = run(analyzer, _mutated(real_core[0], workdir, name, fn))
        assert rc == E_CORE, err
        assert "corrupt program header" in one_line(err) and "wraps" in err


def test_fifo_never_blocks(analyzer, real_core, workdir):
    """A FIFO as the core, or where the core's executable should be."""
    fifo = os.path.join(workdir, "fifo-core")
    os.mkfifo(fifo)
    rc, err = run(analyzer, fifo)
    assert rc == E_CORE and "not a regular file" in one_line(err)
    root = os.path.join(workdir, "fifo-root")
    exe = root + real_core[1]
    os.makedirs(os.path.dirname(exe))
    os.mkfifo(exe)
    rc, err = run(analyzer, "--sysroot", root, real_core[0])
    assert rc == E_MODULE and "missing" in one_line(err)


def test_report_that_cannot_be_written(analyzer, real_core):
    """Exit 6 and one line, for a short report and a long one alike."""
    for args in (["--format", "dot"], ["--native", "--format", "json"]):
        with open("/dev/full", "w") as full:
            res = subprocess.run([analyzer] + args + [real_core[0]], stdout=full, stderr=subprocess.PIPE,
                                 timeout=60)
        assert res.returncode == 6, res.stderr
        assert "cannot write the report" in one_line(res.stderr.decode())


def _catches_sigbus(pid):
    with open("/proc/%d/status" % pid) as f:
        caught = next(l for l in f if l.startswith("SigCgt:"))
    return int(caught.split()[1], 16) & (1 << (signal.SIGBUS - 1))


def test_sigbus_is_a_bad_core(analyzer, real_core):
    """The kernel raises SIGBUS when a mapped core shrinks under a read.
    Step the analyzer (stop, look, continue) until its handler is in
    place, raise the signal, and it must exit 3 with one line (never die
    of the signal)."""
    # Under `make asan-check`, ASan would catch SIGBUS itself (and show as
    # catching it before the analyzer installs its handler).
    env = dict(os.environ, ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") + ":handle_sigbus=0").lstrip(":"))
    for _ in range(20):
        p = subprocess.Popen([analyzer, "--native", real_core[0]], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=env)
        ready = False
        while not ready and p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGSTOP)
                ready = bool(_catches_sigbus(p.pid))
                if not ready:
                    os.kill(p.pid, signal.SIGCONT)
                    time.sleep(0.0002)
            except (OSError, StopIteration):
                break
        if not ready:
            p.communicate()
            continue
        os.kill(p.pid, signal.SIGBUS)
        os.kill(p.pid, signal.SIGCONT)
        _, err = p.communicate(timeout=60)
        assert p.returncode == E_CORE, (p.returncode, err)
        assert "shrank while being read" in one_line(err.decode())
        return
    pytest.fail("never caught the analyzer with its SIGBUS handler installed")


def test_core_truncated_while_read(analyzer, real_core, workdir):
    """Whatever the timing, a core cut short under the analyzer gives a
    report (cut too late) or exit 3 with one line: never a crash."""
    for i in range(5):
        path = os.path.join(workdir, "shrinking-%d" % i)
        shutil.copyfile(real_core[0], path)
        p = subprocess.Popen([analyzer, "--native", path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.01 * i)
        os.truncate(path, 1 << 20)
        _, err = p.communicate(timeout=60)
        assert p.returncode in (0, 1, E_CORE), (p.returncode, err)
        if p.returncode == E_CORE:
            one_line(err.decode())
