"""`pycore-analyze --pid`: the live-process target, on hung corpus processes
of every CPython version present.  The oracle is the same as for cores: the
faulthandler dump taken just before, and once more after, the analysis must
equal the Python frames read from the running process; the process must
run on afterwards."""
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
import compare  # noqa: E402
import make_core  # noqa: E402
import pythons  # noqa: E402


def interpreters():
    """One present interpreter per supported version, plus Debian's 3.11."""
    out = pythons.one_per_version()
    if os.path.exists("/usr/bin/python3.11") and "/usr/bin/python3.11" not in out:
        out.append("/usr/bin/python3.11")
    return out


def run_pid(analyzer, pid, *extra):
    res = subprocess.run([analyzer, "--pid", str(pid)] + list(extra), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=120)
    return res.returncode, res.stdout.decode(errors="replace"), res.stderr.decode(errors="replace")


@pytest.mark.parametrize("python", interpreters())
@pytest.mark.parametrize("scenario", ["two_threads", "abba_lock"])
def test_live_process_matches_oracle(analyzer, python, scenario):
    out = tempfile.mkdtemp(prefix="pycore-live-")
    try:
        rec = make_core.make_core(python, scenario, "live", out,
                                  live=lambda pid: run_pid(analyzer, pid, "--format", "json"))
        rc, stdout, stderr = rec["live"]
        where = "%s %s pid %d: %s" % (python, scenario, rec["pid"], stderr.strip())
        assert rc in (0, 1), where
        report = json.loads(stdout)
        assert report["process"]["pid"] == rec["pid"], where
        assert report["process"]["core_kind"] == "live" and report["process"]["signal"] == 0, where
        assert not compare.python_frames(rec["oracle"], report), \
            (where, compare.python_frames(rec["oracle"], report))
        assert not compare.thread_identity(scenario, rec["ready"], report), where
        info = make_core.scenario_info(scenario)
        assert report["diagnosis"]["pattern"] in [info["expect"]] + info["accept"], where
        assert rc == 1, where
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_pid_errors(analyzer):
    """One line and a documented status for each misuse."""
    rc, out, err = run_pid(analyzer, 0x7ffffff0)           # no such process
    assert rc == 3 and out == "" and len(err.strip().splitlines()) == 1, (rc, err)
    rc, out, err = run_pid(analyzer, 1, "core")             # --pid with a CORE
    assert rc == 2 and len(err.strip().splitlines()) == 1, (rc, err)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        rc, out, err = run_pid(analyzer, sleeper.pid)       # not a Python process
        assert rc == 5 and len(err.strip().splitlines()) == 1, (rc, err)
        assert sleeper.poll() is None, "the process did not survive the analysis"
    finally:
        sleeper.kill()
        sleeper.wait()
