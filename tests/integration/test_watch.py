"""`pycore-analyze watch -- CMD`: a command that finishes runs as it runs
alone (output, exit status, death by a signal); one that runs past
--timeout is analyzed as a process tree while it still runs, reported, and
stopped with its whole tree, and watch exits 124."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_tree import PIPE_CYCLE, MP_QUEUE_JOIN  # noqa: E402

PYTHON = "/usr/bin/python3.11"
HANGS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "corpus", "pytest_hangs")


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, **kw)


def test_finishing_command_is_untouched(analyzer):
    script = "printf 'out\\n'; printf 'err\\n' >&2; exit 3"
    alone = run(["sh", "-c", script])
    watched = run([analyzer, "watch", "--timeout", "60", "--", "sh", "-c", script])
    assert (watched.returncode, watched.stdout, watched.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert watched.returncode == 3
    data = os.urandom(1 << 16)
    alone = run(["cat"], input=data)
    watched = run([analyzer, "watch", "--timeout", "60", "--", "cat"], input=data)
    assert watched.stdout == alone.stdout == data and watched.returncode == 0


def test_death_by_signal_is_passed_through(analyzer):
    watched = run([analyzer, "watch", "--timeout", "60", "--", "sh", "-c", "kill -TERM $$"])
    assert watched.returncode == -signal.SIGTERM, watched


def test_signals_are_forwarded(analyzer):
    script = textwrap.dedent("""\
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(7))
        print("ready", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([analyzer, "watch", "--timeout", "60", "--", PYTHON, "-S", "-c", script],
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"ready\n"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 7
    finally:
        proc.kill()
        proc.wait()


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def watch_hang(analyzer, tmp_path, script):
    out = tmp_path / "tree.json"
    t0 = time.monotonic()
    # 6 s: time for the hang to form on a loaded machine (the suite makes cores meanwhile)
    res = run([analyzer, "watch", "--timeout", "6", "--grace", "2", "-f", "json:%s" % out, "--",
               PYTHON, "-S", "-c", script])
    took = time.monotonic() - t0
    err = res.stderr.decode(errors="replace")
    assert res.returncode == 124, err
    assert took < 6 + 2 + 20, took
    tree = json.loads(out.read_text())["tree"]
    pids = [p["pid"] for p in tree["processes"]]
    time.sleep(0.2)
    assert not [p for p in pids if alive(p)], "left running: %s" % [p for p in pids if alive(p)]
    return tree, err


def test_hung_pipe_cycle_is_analyzed_and_stopped(analyzer, tmp_path):
    tree, err = watch_hang(analyzer, tmp_path, PIPE_CYCLE)
    assert "ran past 6 s: analyzing its process tree" in err, err
    assert "Cross-process deadlock" in err, err
    assert tree["hang"] is True and len(tree["cycle"]) == 2, tree["cycle"]
    assert tree["processes"][0]["report"]["diagnosis"]["pattern"] == "subprocess-pipe-deadlock"


def test_hung_multiprocessing_join_is_analyzed_and_stopped(analyzer, tmp_path):
    tree, err = watch_hang(analyzer, tmp_path, MP_QUEUE_JOIN)
    assert tree["cycle"] and len(tree["processes"]) >= 2, tree["links"]


def test_watch_usage(analyzer):
    for argv, want in ((["watch", "--", "true"], "--timeout or --idle is required"),
                       (["watch", "--timeout", "x", "--", "true"], "--timeout takes a duration"),
                       (["watch", "--timeout", "5"], "no command to run"),
                       (["watch", "--idle", "0", "--", "true"], "--idle takes a duration"),
                       (["watch", "--timeout", "5", "-f", "xml:f", "--", "true"], "-f takes FMT:FILE")):
        res = run([analyzer] + argv)
        assert res.returncode == 2 and want in res.stderr.decode(), (argv, res.stderr)
    res = run([analyzer, "watch", "--timeout", "5", "--", "/nonexistent/cmd"])
    assert res.returncode == 6 and res.stderr.decode().count("\n") == 1, res.stderr
    res = run([analyzer, "watch", "--help"])
    assert res.returncode == 0 and b"Usage: pycore-analyze watch" in res.stdout


def junit_cases(path):
    import xml.etree.ElementTree as ET
    return [(tc.get("classname"), tc.get("name"), tc.find("failure"))
            for tc in ET.parse(str(path)).getroot().iter("testcase")]


def same_report(live, core):
    """A saved core's report against the live one: the same but for what
    says which kind of target it is."""
    for r in (live, core):
        r["process"].pop("core_kind", None)
        r["process"].pop("snapshot", None)
    assert live == core


@pytest.mark.parametrize("test_file, pattern", [
    ("test_exit_thread.py", "shutdown-join"),
    ("test_fixture_deadlock.py", "orphaned-wait"),
    ("test_mp_pipe.py", "mp-queue-join-deadlock"),
    ("test_import_deadlock.py", "import-lock-deadlock"),
])
def test_hanging_pytest_suite(analyzer, tmp_path, test_file, pattern):
    """corpus/pytest_hangs: pytest itself run under watch; each hang named in
    the report of the pytest process and in the JUnit file, nothing left
    running, and the cores saved analyze as the live processes did."""
    out, junit, cores = tmp_path / "tree.json", tmp_path / "watch.xml", tmp_path / "cores"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    t0 = time.monotonic()
    res = run([analyzer, "watch", "--timeout", "10", "--grace", "2", "-f", "json:%s" % out, "-f", "junit:%s" % junit,
               "--cores", str(cores), "--",
               PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", os.path.join(HANGS, test_file)],
              cwd=str(tmp_path), env=env)
    took = time.monotonic() - t0
    err = res.stderr.decode(errors="replace")
    assert res.returncode == 124, err
    assert took < 10 + 2 + 20, took
    tree = json.loads(out.read_text())["tree"]
    got = tree["processes"][0]["report"]["diagnosis"]["pattern"]
    assert got == pattern, (got, err[-3000:])
    if test_file == "test_mp_pipe.py":
        assert tree["cycle"], tree["links"]
        # triage links the saved cores of the tree as the live tree was
        tri = json.loads(run([analyzer, "triage", "-f", "json", str(cores)]).stdout)
        by_pid = {c["process"]["pid"]: c for c in tri["cores"]}
        parent, child = tree["processes"][0]["pid"], tree["processes"][1]["pid"]
        assert by_pid[child]["parent"] == by_pid[parent]["path"]
        assert {"tid": parent, "core": by_pid[child]["path"]} in by_pid[parent]["waits_for"]
    cases = junit_cases(junit)
    assert len(cases) == len(tree["processes"])
    cls, name, failure = cases[0]
    assert cls == "pycore.watch." + pattern and name.startswith("process %d: " % tree["processes"][0]["pid"])
    assert failure is not None and failure.get("type") == pattern, cases
    time.sleep(0.2)
    assert not [p["pid"] for p in tree["processes"] if alive(p["pid"])]
    for proc in tree["processes"]:
        core = cores / ("core.%d.zst" % proc["pid"])
        saved = run([analyzer, "-f", "json", str(core)])
        assert saved.returncode in (0, 1), saved.stderr
        same_report(proc["report"], json.loads(saved.stdout))


def normalized(res):
    """pytest's output without its run time, which no two runs share."""
    import re
    strip = lambda b: re.sub(rb" in \d+\.\d+s", b" in Ts", b)     # noqa: E731
    return res.returncode, strip(res.stdout), strip(res.stderr)


@pytest.mark.parametrize("how", [["--timeout", "120"], ["--idle", "120"]])
def test_passing_pytest_suite_is_untouched(analyzer, tmp_path, how):
    argv = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", os.path.join(HANGS, "passing")]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    alone = run(argv, cwd=str(tmp_path), env=env)
    watched = run([analyzer, "watch"] + how + ["--", *argv], cwd=str(tmp_path), env=env)
    assert alone.returncode == 0, alone.stdout
    assert normalized(watched) == normalized(alone)


def test_idle_command_is_stopped(analyzer, tmp_path):
    junit = tmp_path / "idle.xml"
    script = "import time; print('started', flush=True); time.sleep(60)"
    t0 = time.monotonic()
    res = run([analyzer, "watch", "--idle", "3", "--grace", "1", "-f", "md:%s" % (tmp_path / "r.md"),
               "-f", "junit:%s" % junit, "--", PYTHON, "-S", "-c", script])
    assert res.returncode == 124 and res.stdout == b"started\n", res
    assert time.monotonic() - t0 < 3 + 1 + 20
    assert b"printed nothing for 3 s" in res.stderr
    assert "### pycore watch: 1 process:" in (tmp_path / "r.md").read_text()
    assert junit_cases(junit)[0][0] == "pycore.watch.io-wait"


def test_talking_command_is_not_idle(analyzer):
    script = "import time\nfor i in range(6):\n    print(i, flush=True); time.sleep(0.5)\n"
    res = run([analyzer, "watch", "--idle", "2", "--", PYTHON, "-S", "-c", script])
    assert res.returncode == 0 and res.stdout == b"0\n1\n2\n3\n4\n5\n", res
