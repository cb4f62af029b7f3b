"""pytest-plugin/pycore_hang.py: `pytest -p pycore_hang --hang-timeout SEC`
turns a hanging test into a failed one whose JUnit failure holds the
diagnosis, watches pytest's exit, and leaves passing runs alone."""
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HANGS = os.path.join(REPO, "corpus", "pytest_hangs")
PLUGIN_DIR = os.path.join(REPO, "pytest-plugin")
PYTHON = "/usr/bin/python3.11"


def run_pytest(analyzer, tmp_path, paths, *extra, plugin=True, timeout=4):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=PLUGIN_DIR, PYCORE_ANALYZE=analyzer)
    argv = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if plugin:
        argv += ["-p", "pycore_hang", "--hang-timeout", str(timeout)]
    argv += list(extra) + [os.path.join(HANGS, p) for p in paths]
    return subprocess.run(argv, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=300)


def test_hanging_tests_fail_with_the_diagnosis(analyzer, tmp_path):
    junit = tmp_path / "junit.xml"
    files = {"test_fixture_deadlock.py": "orphaned-wait", "test_mp_pipe.py": "mp-queue-join-deadlock",
             "test_import_deadlock.py": "import-lock-deadlock"}
    t0 = time.monotonic()
    res = run_pytest(analyzer, tmp_path, list(files), "--junitxml=%s" % junit)
    assert res.returncode == 1, res.stdout.decode(errors="replace")[-3000:]
    assert time.monotonic() - t0 < 3 * 4 + 60
    assert b"3 failed" in res.stdout
    got = {}
    for tc in ET.parse(str(junit)).getroot().iter("testcase"):
        failure = tc.find("failure")
        assert failure is not None, tc.get("name")
        got[tc.get("classname").split(".")[-1] + ".py"] = failure.get("message")
    for name, pattern in files.items():
        msg = got[name]
        first = msg.splitlines()[0]
        assert first.startswith("pycore: call of ") and " ran past 4 s: %s" % pattern in first, msg[:2000]
        assert "\nProcess tree of " in msg and "Diagnosis: %s" % pattern in msg, msg[:3000]
    # the processes the hung test started were stopped: pytest ended
    assert "cross-process-deadlock" in got["test_mp_pipe.py"].splitlines()[0]


def test_hang_at_exit_is_reported(analyzer, tmp_path):
    t0 = time.monotonic()
    res = run_pytest(analyzer, tmp_path, ["test_exit_thread.py"])
    err = res.stderr.decode(errors="replace")
    assert b"1 passed" in res.stdout
    assert res.returncode == 1, err
    assert "pycore: pytest's exit ran past 4 s: shutdown-join" in err, err[:3000]
    assert time.monotonic() - t0 < 4 + 60


def test_passing_tests_are_untouched(analyzer, tmp_path):
    strip = lambda b: re.sub(rb" in \d+\.\d+s", b" in Ts", b)     # noqa: E731
    alone = run_pytest(analyzer, tmp_path, ["passing"], plugin=False)
    watched = run_pytest(analyzer, tmp_path, ["passing"], timeout=60)
    assert alone.returncode == 0, alone.stdout
    assert (watched.returncode, strip(watched.stdout), strip(watched.stderr)) == \
        (alone.returncode, strip(alone.stdout), strip(alone.stderr))


def test_missing_analyzer_is_said(tmp_path):
    res = run_pytest("/nonexistent/pycore-analyze", tmp_path, ["test_fixture_deadlock.py"], timeout=2)
    out = res.stdout.decode(errors="replace")
    assert res.returncode == 1 and "pycore-analyze could not run" in out, out[-2000:]
