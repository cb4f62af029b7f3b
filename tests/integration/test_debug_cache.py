"""--debug-cache (docs/cli.md): plain copies of compressed separate debug
files, by build-id.  Debian's python3.11-dbg ships its DWARF compressed;
the first run writes the copy, later runs read it, and every run reports
exactly what a run without the cache reports.  A damaged copy is not used
(and is replaced); a cache that cannot be written changes nothing."""
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

PY = "/usr/bin/python3.11"


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE, check=True).stdout.decode()
    return [l.split()[-1] for l in out.splitlines() if "Build ID" in l][0]


@pytest.fixture(scope="module")
def core():
    work = tempfile.mkdtemp(prefix="pycore-dcache-")
    rec = make_core.make_core(PY, "two_threads", "kernel", work, verify=False)
    yield rec["core"], work
    shutil.rmtree(work, ignore_errors=True)


def run(analyzer, core, env_home, *args):
    env = dict(os.environ, XDG_CACHE_HOME=env_home)
    res = subprocess.run([analyzer, "--format", "json"] + list(args) + [core], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, timeout=120)
    assert res.returncode in (0, 1), res.stderr.decode()
    return res.stdout


def test_cache_written_once_and_same_report(analyzer, core):
    path, work = core
    debug = "/usr/lib/debug/.build-id/%s.debug" % (lambda b: b[:2] + "/" + b[2:])(build_id(PY))
    if not os.path.exists(debug):
        pytest.fail("python3.11-dbg is not installed (%s missing): tools/install-deps.sh installs it" % debug,
                    pytrace=False)
    home = os.path.join(work, "xdg")
    plain = run(analyzer, path, home, "--no-debug-cache")
    assert not os.path.exists(os.path.join(home, "pycore")), "--no-debug-cache wrote a cache"
    first = run(analyzer, path, home)
    copy = os.path.join(home, "pycore", "debuginfo", build_id(PY) + ".debug")
    assert os.path.isfile(copy), os.listdir(os.path.join(home, "pycore", "debuginfo"))
    assert build_id(copy) == build_id(PY)
    sections = subprocess.run(["readelf", "-S", "-W", copy], stdout=subprocess.PIPE).stdout.decode()
    info = [l for l in sections.splitlines() if ".debug_info" in l]
    assert info and " C " not in info[0] and "MSC" not in info[0], info     # stored plain
    stamp = os.stat(copy).st_mtime_ns
    second = run(analyzer, path, home)
    assert os.stat(copy).st_mtime_ns == stamp, "the copy was written again"
    assert plain == first == second
    # a damaged copy is not trusted: replaced, same report
    with open(copy, "r+b") as f:
        f.write(os.urandom(4096))
    assert run(analyzer, path, home) == plain
    assert build_id(copy) == build_id(PY)
    # an explicit directory, and one that cannot be created
    other = os.path.join(work, "explicit")
    assert run(analyzer, path, home, "--debug-cache", other) == plain
    assert build_id(PY) + ".debug" in os.listdir(other), os.listdir(other)
    blocked = os.path.join(work, "file-not-dir")
    open(blocked, "w").close()
    assert run(analyzer, path, home, "--debug-cache", os.path.join(blocked, "sub")) == plain
