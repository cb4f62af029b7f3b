"""Crashed processes, not hung ones: the report still says what happened.

A C program that dies of SIGSEGV has no Python: pycore-analyze exits 5
with its one-line message on stderr, and still prints the native report on
stdout: the signal, si_code and fault address from NT_SIGINFO, which thread
took it, every thread's native stack.  A Python process that dies of
SIGSEGV in C code (ctypes reading address 0x10) gets the full report with
the same header.  Both are real kernel cores, made here."""
import json
import os
import re
import shutil
import subprocess

import pytest

import make_core
import pythons

E_NOPYTHON = 5
C_PROGRAM = r"""
#include <pthread.h>
#include <unistd.h>
static void *idle(void *a) { (void)a; pause(); return 0; }
int main(void)
{
    pthread_t t;
    pthread_create(&t, 0, idle, 0);
    usleep(200000);
    volatile int *p = (int *)0x10;
    return *p;
}
"""
PY_PROGRAM = r"""
import ctypes, threading, time
threading.Thread(target=time.sleep, args=(300,), name="sleeper", daemon=True).start()
time.sleep(0.2)
ctypes.string_at(0x10)
"""


def kernel_core(argv, cwd):
    """Run argv in cwd with cores unlimited until it dies; its core's path."""
    make_core.check_kernel_core_pattern()
    p = subprocess.Popen(argv, cwd=cwd, preexec_fn=make_core._set_core_unlimited,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert p.wait(timeout=60) < 0, "%s did not die of a signal" % argv
    pattern, uses_pid = make_core._core_pattern()
    rx = make_core._kernel_core_regex(os.path.basename(pattern), uses_pid, p.pid)
    found = [f for f in os.listdir(cwd) if rx.match(f)]
    assert found, "no core of pid %d in %s (core_pattern %r)" % (p.pid, cwd, pattern)
    return os.path.join(cwd, found[0])


@pytest.fixture(scope="module")
def c_core(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("ccrash"))
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is required (make deps installs build-essential)"
    src = os.path.join(d, "segv.c")
    with open(src, "w") as f:
        f.write(C_PROGRAM)
    exe = os.path.join(d, "segv")
    subprocess.run([cc, "-g", "-O0", "-pthread", "-o", exe, src], check=True)
    return kernel_core([exe], d)


def run(analyzer, *args):
    return subprocess.run([analyzer] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)


def test_c_crash_reports_the_fault(analyzer, c_core):
    r = run(analyzer, c_core)
    assert r.returncode == E_NOPYTHON, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "no Python interpreter" in r.stderr, r.stderr
    assert "died of SIGSEGV (11), SEGV_MAPERR at address 0x10" in r.stdout, r.stdout
    assert "python:     none: no Python interpreter" in r.stdout, r.stdout
    heads = [l for l in r.stdout.splitlines() if l.startswith("Thread ")]
    assert len(heads) == 2, heads
    assert heads[0].endswith("[took SIGSEGV]") and not heads[1].endswith("]"), heads
    assert re.search(r"#0 +main\+0x[0-9a-f]+ \(segv\) .*segv\.c:11", r.stdout), r.stdout
    assert re.search(r"pause.*\n.*idle\+0x[0-9a-f]+ \(segv\)", r.stdout), r.stdout


def test_c_crash_json(analyzer, c_core):
    r = run(analyzer, "--format", "json", c_core)
    assert r.returncode == E_NOPYTHON, r.stderr
    doc = json.loads(r.stdout)
    assert doc["python"] is None and "no Python interpreter" in doc["python_error"], doc
    assert doc["process"]["siginfo"] == {"code": 1, "code_name": "SEGV_MAPERR", "address": "0x10",
                                         "sender_pid": None}, doc["process"]
    assert [t["took_signal"] for t in doc["threads"]] == [True, False], doc["threads"]
    assert all(t["native_frames"] and not t["python_frames"] for t in doc["threads"])


def test_python_crash_in_c_code(analyzer, tmp_path):
    py = "/usr/bin/python3.11"
    assert os.path.exists(py), "Debian's python3.11 is required"
    core = kernel_core([py, "-c", PY_PROGRAM], str(tmp_path))
    r = run(analyzer, "--format", "json", core)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    assert doc["process"]["signal_name"] == "SIGSEGV", doc["process"]
    assert doc["process"]["siginfo"]["code_name"] == "SEGV_MAPERR", doc["process"]
    assert doc["process"]["siginfo"]["address"] == "0x10", doc["process"]
    crashed = [t for t in doc["threads"] if t["took_signal"]]
    assert len(crashed) == 1 and crashed[0]["main"], doc["threads"]
    assert crashed[0]["python_frames"][-1]["qualname"] == "<module>", crashed[0]["python_frames"]
    assert any(f["function"] and "string_at" in f["function"] or f["module"] and "ctypes" in f["module"]
               for f in crashed[0]["native_frames"]), crashed[0]["native_frames"]
    text = run(analyzer, core).stdout
    assert "died of SIGSEGV (11), SEGV_MAPERR at address 0x10" in text, text
