"""aarch64 cores beside x86_64 ones (issue 15): one triage run over cores of
both machines, --sysroot per machine, and what a report says of an aarch64
core (its machine, its registers by their aarch64 names, core kind qemu).
The per-scenario matrix of the arm64 interpreters is in the case tests
(conftest.py: kind "qemu"); this file checks what spans machines."""
import json
import os
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

X86 = "/usr/bin/python3.11"
ARM = os.path.join(pythons.debian_pythons_dir(), "arm64")
ARM_ROOT = os.path.join(ARM, "3.11", "root")
ARM_PY = os.path.join(ARM, "bin", "python3.11")
SCENARIOS = ["abba_lock", "gil_held"]


@pytest.fixture(scope="module")
def cores():
    """{(machine, scenario): core path}: kernel cores of Debian's x86_64
    3.11 and qemu cores of its arm64 3.11, of the same scenarios."""
    if not os.access(ARM_PY, os.X_OK):
        pytest.fail("%s missing: make provision (provision-debian-pythons.sh --arch arm64 3.11)" % ARM_PY,
                    pytrace=False)
    out = tempfile.mkdtemp(prefix="pycore-aarch64-")
    try:
        got = {}
        for s in SCENARIOS:
            got[("x86_64", s)] = make_core.make_core(X86, s, "kernel", out, verify=False)["core"]
            got[("aarch64", s)] = make_core.make_core(ARM_PY, s, "qemu", out, verify=False)["core"]
        yield got
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run(analyzer, *args):
    return subprocess.run([analyzer] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                          stdin=subprocess.DEVNULL)


def test_triage_groups_cores_of_both_machines(analyzer, cores, tmp_path):
    """Each core analyzed with its own machine's files (--sysroot
    aarch64=DIR leaves the x86_64 cores on /), and the same hang grouped
    across machines: its signature does not depend on the architecture."""
    d = tmp_path / "cores"
    d.mkdir()
    for (machine, s), core in cores.items():
        os.symlink(core, str(d / ("%s-%s.core" % (machine, s))))
    res = run(analyzer, "triage", "-f", "json", "--sysroot", "aarch64=" + ARM_ROOT, str(d))
    assert res.returncode == 1, res.stderr.decode()
    rep = json.loads(res.stdout)
    by = {os.path.basename(c["path"]): c for c in rep["cores"]}
    assert len(by) == 2 * len(SCENARIOS)
    for (machine, s) in cores:
        c = by["%s-%s.core" % (machine, s)]
        assert c["ok"], c
        assert c["process"]["machine"] == machine, c["process"]
        want = make_core.scenario_info(s)["expect"]
        assert c["diagnosis"]["pattern"] == want, (machine, s, c["diagnosis"])
    for s in SCENARIOS:
        assert by["x86_64-%s.core" % s]["signature"] == by["aarch64-%s.core" % s]["signature"], s
    assert len([g for g in rep["groups"] if g["hang"]]) == len(SCENARIOS)


def test_sysroot_per_machine(analyzer, cores):
    """DIR, MACHINE=DIR, a list, and an unknown machine (usage error)."""
    arm, x86 = cores[("aarch64", "abba_lock")], cores[("x86_64", "abba_lock")]
    for spec in (ARM_ROOT, "aarch64=" + ARM_ROOT, "x86_64=/nonexistent,aarch64=" + ARM_ROOT):
        res = run(analyzer, "--format", "json", "--sysroot", spec, arm)
        assert res.returncode == 1, (spec, res.stderr.decode())
        rep = json.loads(res.stdout)
        assert rep["diagnosis"]["pattern"] == "lock-order-deadlock", spec
        assert not [w for w in rep.get("warnings", []) if "missing" in w], (spec, rep.get("warnings"))
    # an aarch64 root does not apply to an x86_64 core
    res = run(analyzer, "--format", "json", "--sysroot", "aarch64=" + ARM_ROOT, x86)
    assert res.returncode == 1, res.stderr.decode()
    res = run(analyzer, "--sysroot", "riscv64=/x", arm)
    assert res.returncode == 2 and b"unknown machine 'riscv64'" in res.stderr, res.stderr


def test_report_names_the_machine_and_its_registers(analyzer, cores):
    res = run(analyzer, "--format", "json", "--sysroot", ARM_ROOT, cores[("aarch64", "gil_held")])
    rep = json.loads(res.stdout)
    assert rep["process"]["machine"] == "aarch64" and rep["process"]["core_kind"] == "qemu"
    for t in rep["threads"]:
        regs = t["registers"]
        assert list(regs)[:3] == ["x0", "x1", "x2"] and list(regs)[-4:] == ["sp", "pc", "cpsr", "tpidr"], regs
        assert t["signals"] is None, t["signals"]       # qemu writes no masks
        assert any(f["function"] for f in t["native_frames"]), t["native_frames"]
    text = run(analyzer, "--sysroot", ARM_ROOT, cores[("aarch64", "gil_held")]).stdout.decode()
    assert "qemu-user core" in text and "machine:    aarch64" in text, text[:600]
    holder = [t for t in rep["threads"] if t["name"] == "gil-holder"][0]
    assert holder["syscall"] == "clock_nanosleep", holder["syscall"]
    assert any("x8 = 115" in e for e in rep["diagnosis"]["evidence"]), rep["diagnosis"]["evidence"]
