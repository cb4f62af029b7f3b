"""`pycore-analyze triage` on real kernel cores (docs/triage.md).

Cores: four corpus scenarios (a lock-order deadlock, a shutdown join, a GIL
holder blocked in C, an idle server that is no hang) under two interpreters,
Debian's /usr/bin/python3.11 (static) and pyenv's 3.12 (shared libpython),
plus a kernel core of `sleep` (no Python).  They are triaged in every input
form (plain, zstd, lz4, xz, gzip detected by content, a systemd-coredump
name, a directory tree with unrelated files), with bad members (truncated,
corrupt, not a core, not Python, empty, unreadable), in every output format,
and with the exit status checked.  Every run gets its own $TMPDIR, which
must be empty afterwards, also when the batch is killed.  The debuginfod
test starts a real `debuginfod` on 127.0.0.1 (a free port) over copies of
the binaries, and hides them from the analyzer with an empty --sysroot.
"""
import concurrent.futures
import glob
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
import make_core  # noqa: E402
import pythons  # noqa: E402

SCENARIOS = ["two_threads", "shutdown_join", "gil_held", "idle_sleep"]
HANG_FREE = ("none", "io-wait", "cpu-busy")
EXIT_HANG, EXIT_ERRORS, EXIT_USAGE = 1, 8, 2
TIMEOUT = 300


def interpreters():
    """label -> path: Debian's 3.11 and a pyenv 3.12 (both required)."""
    out = {"py311": "/usr/bin/python3.11"}
    root = pythons.pyenv_root()
    found = sorted(glob.glob(os.path.join(root, "versions", "3.12.*", "bin", "python3.12"))) if root else []
    if found:
        out["py312"] = found[-1]
    missing = [p for p in out.values() if not os.access(p, os.X_OK)]
    if missing or "py312" not in out:
        pytest.fail("triage tests need /usr/bin/python3.11 and a pyenv 3.12 (pyenv install 3.12.1); "
                    "missing: %s" % (missing or ["pyenv 3.12"]), pytrace=False)
    return out


def sleep_core(out):
    """A kernel core of /bin/sleep: an ELF core without Python."""
    pattern, uses_pid = make_core._core_pattern()
    make_core.check_kernel_core_pattern()
    d = os.path.join(out, "sleep-run")
    os.makedirs(d)
    p = subprocess.Popen(["sleep", "300"], cwd=d, preexec_fn=make_core._set_core_unlimited)
    time.sleep(0.2)
    p.send_signal(signal.SIGABRT)
    p.wait()
    rx = make_core._kernel_core_regex(pattern, uses_pid, p.pid)
    found = [f for f in os.listdir(d) if rx.match(f)]
    assert len(found) == 1, "no kernel core of sleep in %s: %s" % (d, os.listdir(d))
    return os.path.join(d, found[0])


class Corpus(object):
    def __init__(self, base):
        self.base = base
        self.plain = os.path.join(base, "plain")
        os.makedirs(self.plain)
        self.cores = {}          # (scenario, label) -> plain core path
        self.expect = {}         # scenario -> acceptable patterns

    def make(self):
        interps = interpreters()
        jobs = [(s, label, path) for s in SCENARIOS for label, path in sorted(interps.items())]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            futs = {ex.submit(self._one, s, label, path): (s, label) for s, label, path in jobs}
            for f in concurrent.futures.as_completed(futs):
                self.cores[futs[f]] = f.result()
        for s in SCENARIOS:
            info = make_core.scenario_info(s)
            self.expect[s] = [info["expect"]] + info["accept"]
        self.sleep = sleep_core(self.base)

    def _one(self, scenario, label, python):
        try:
            rec = make_core.make_core(python, scenario, "kernel", os.path.join(self.base, "work"),
                                      verify=False)
        except make_core.MakeCoreError as e:
            pytest.fail("making the %s core with %s failed: %s" % (scenario, python, e), pytrace=False)
        dst = os.path.join(self.plain, "%s-%s.core" % (scenario, label))
        shutil.move(rec["core"], dst)
        shutil.rmtree(rec["workdir"], ignore_errors=True)
        return dst


@pytest.fixture(scope="module")
def triage_corpus(tmp_path_factory):
    c = Corpus(str(tmp_path_factory.mktemp("triage")))
    c.make()
    yield c
    shutil.rmtree(c.base, ignore_errors=True)


class Run(object):
    def __init__(self, rc, out, err, tmpdir):
        self.rc, self.out, self.err, self.tmpdir = rc, out, err, tmpdir

    def json(self):
        return json.loads(self.out)


_runs = [0]


def triage(analyzer, triage_corpus, *args, env=None, check_tmp=True):
    """Run triage with a fresh $TMPDIR; it must be empty afterwards."""
    _runs[0] += 1
    tmpdir = os.path.join(triage_corpus.base, "tmpdir-%d" % _runs[0])
    os.makedirs(tmpdir)
    e = dict(os.environ)
    e.pop("DEBUGINFOD_URLS", None)
    e["TMPDIR"] = tmpdir
    e.update(env or {})
    p = subprocess.run([analyzer, "triage"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, env=e, timeout=TIMEOUT)
    run = Run(p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace"), tmpdir)
    if check_tmp:
        assert os.listdir(tmpdir) == [], "temporary files left behind in $TMPDIR: %s" % os.listdir(tmpdir)
    return run


def compress(src, dst, fmt):
    cmd = {"zstd": ["zstd", "-q", "-c", "-3"], "lz4": ["lz4", "-q", "-c"], "xz": ["xz", "-c", "-0", "-T1"],
           "gzip": ["gzip", "-c", "-1"]}[fmt]
    if shutil.which(cmd[0]) is None:
        pytest.fail("%s is not installed (apt-get install zstd lz4 xz-utils gzip)" % cmd[0], pytrace=False)
    with open(src, "rb") as i, open(dst, "wb") as o:
        subprocess.run(cmd, stdin=i, stdout=o, check=True)
    return dst


def by_path(report):
    return {c["path"]: c for c in report["cores"]}


# ------------------------------------------------------------------ groups

def test_plain_cores_group_by_hang_across_versions(analyzer, triage_corpus):
    """One group per scenario: 3.11 and 3.12 cores of the same hang share a
    signature (no pids, tids, addresses, line numbers or paths in it)."""
    run = triage(analyzer, triage_corpus, "--format", "json", triage_corpus.plain)
    assert run.rc == EXIT_HANG, run.err
    rep = run.json()
    assert rep["kind"] == "triage" and rep["schema_version"] == 1
    cores = by_path(rep)
    assert len(cores) == len(triage_corpus.cores)
    groups = {}
    for (scenario, label), path in triage_corpus.cores.items():
        c = cores[path]
        assert c["ok"] and c["error"] is None and c["compression"] == "none", c
        assert c["diagnosis"]["pattern"] in triage_corpus.expect[scenario], (scenario, label, c["diagnosis"])
        assert c["hang"] == (c["diagnosis"]["pattern"] not in HANG_FREE)
        assert re.match(r"^[0-9a-f]{16}$", c["signature"])
        groups.setdefault(scenario, set()).add(c["signature"])
    for scenario, sigs in groups.items():
        assert len(sigs) == 1, "%s: 3.11 and 3.12 cores got different signatures %s" % (scenario, sigs)
    assert len(rep["groups"]) == len(SCENARIOS)
    assert rep["summary"]["groups"] == len(SCENARIOS)
    assert rep["summary"]["hang_groups"] == len(SCENARIOS) - 1      # idle_sleep is no hang
    for g in rep["groups"]:
        assert g["count"] == 2 and len(g["cores"]) == 2
        assert g["representative"] in g["cores"]
        assert g["key_frames"] and all(re.match(r"^.+ \([^/]+\)$", f) for f in g["key_frames"]), g
        assert not any(re.search(r":\d+\)", f) for f in g["key_frames"]), g   # no line numbers
        members = [cores[p] for p in g["cores"]]
        assert all(m["signature"] == g["signature"] and m["diagnosis"]["pattern"] == g["pattern"] for m in members)
    # hangs first
    hangs = [g["hang"] for g in rep["groups"]]
    assert hangs == sorted(hangs, reverse=True)


def test_key_frames_are_the_user_frames(analyzer, triage_corpus):
    rep = triage(analyzer, triage_corpus, "--format", "json", triage_corpus.plain).json()
    frames = {g["pattern"]: g["key_frames"] for g in rep["groups"]}
    assert frames["lock-order-deadlock"] == ["main (two_threads.py)", "take_guard (two_threads.py)"]
    assert frames["shutdown-join"] == ["_shutdown (threading.py)", "wait_forever (shutdown_join.py)"]


def test_triage_agrees_with_analyze(analyzer, triage_corpus):
    """The diagnosis in the batch is the one `pycore-analyze CORE` makes."""
    rep = by_path(triage(analyzer, triage_corpus, "--format", "json", triage_corpus.plain).json())
    for path in triage_corpus.cores.values():
        p = subprocess.run([analyzer, "--format", "json", "--no-source", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        assert p.returncode in (0, 1), p.stderr
        single = json.loads(p.stdout)
        assert single["diagnosis"]["pattern"] == rep[path]["diagnosis"]["pattern"]
        assert single["process"]["pid"] == rep[path]["process"]["pid"]
        assert (p.returncode == 1) == rep[path]["hang"]


# ------------------------------------------------------------ input forms

@pytest.fixture(scope="module")
def forms(triage_corpus):
    """Every core in every form, in a tree with unrelated files."""
    root = os.path.join(triage_corpus.base, "forms")
    expect = {}   # path -> (plain path, compression)
    fmts = ["zstd", "lz4", "xz", "gzip"]
    for i, ((scenario, label), plain) in enumerate(sorted(triage_corpus.cores.items())):
        job = os.path.join(root, "job-%d" % i, "artifacts" if i % 2 else "")
        os.makedirs(job, exist_ok=True)
        fmt = fmts[i % len(fmts)]
        # the name says nothing of the format: detected by content
        dst = compress(plain, os.path.join(job, "%s-%s.dump" % (scenario, label)), fmt)
        expect[dst] = (plain, fmt)
        if i % 2 == 0:
            copy = os.path.join(job, "plain-%s-%s.core" % (scenario, label))
            shutil.copyfile(plain, copy)
            expect[copy] = (plain, "none")
    # systemd-coredump's name (zstd, a comm with a dot)
    plain = triage_corpus.cores[("two_threads", "py311")]
    sd = os.path.join(root, "coredump",
                      "core.python3\\x2e11.1000.0123456789abcdef0123456789abcdef.4242.1700000000123456.zst")
    sd = sd.replace("\\x2e", ".")
    os.makedirs(os.path.dirname(sd))
    compress(plain, sd, "zstd")
    expect[sd] = (plain, "zstd")
    # unrelated files: skipped, not errors
    with open(os.path.join(root, "job-0", "build.log"), "w") as f:
        f.write("log\n" * 100)
    shutil.copyfile("/bin/true", os.path.join(root, "job-0", "helper-binary"))
    compress(os.path.join(root, "job-0", "build.log"), os.path.join(root, "job-0", "logs.tar.xz"), "xz")
    os.symlink("..", os.path.join(root, "job-0", "loop"))          # never followed
    return root, expect


def test_every_input_form(analyzer, triage_corpus, forms):
    root, expect = forms
    plain = by_path(triage(analyzer, triage_corpus, "--format", "json", triage_corpus.plain).json())
    run = triage(analyzer, triage_corpus, "--format", "json", "--jobs", "3", root)
    assert run.rc == EXIT_HANG, run.err
    rep = run.json()
    got = by_path(rep)
    assert set(got) == set(expect), "members: %s" % sorted(got)
    for path, (src, fmt) in expect.items():
        c = got[path]
        assert c["ok"], c
        assert c["compression"] == fmt, c
        assert c["size"] == os.path.getsize(src)
        assert c["signature"] == plain[src]["signature"], path
    assert rep["summary"]["skipped"] == 3       # build.log, helper-binary, logs.tar.xz
    sd = [c for c in rep["cores"] if c["systemd"]]
    assert len(sd) == 1
    assert sd[0]["systemd"] == {"comm": "python3.11", "uid": 1000, "boot_id": "0123456789abcdef0123456789abcdef",
                                "pid": 4242, "time_usec": 1700000000123456}
    # groups are the same as for the plain cores
    assert len(rep["groups"]) == len(SCENARIOS)


def test_explicit_files_and_jobs_give_the_same_answer(analyzer, triage_corpus, forms):
    root, expect = forms
    files = sorted(expect)
    one = triage(analyzer, triage_corpus, "--format", "json", "--jobs", "1", *files).json()
    many = triage(analyzer, triage_corpus, "--format", "json", "--jobs", "8", *files).json()
    assert [c["path"] for c in one["cores"]] == files       # input order kept
    strip = lambda r: [(g["signature"], g["count"], g["cores"]) for g in r["groups"]]
    assert strip(one) == strip(many)


# ------------------------------------------------------------- bad members

@pytest.fixture(scope="module")
def bad(triage_corpus):
    d = os.path.join(triage_corpus.base, "bad")
    os.makedirs(d)
    src = triage_corpus.cores[("two_threads", "py311")]
    data = open(src, "rb").read()
    files = {}

    def put(name, content, kind, words):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(content)
        files[path] = (kind, words)
        return path

    put("core.truncated", data[:len(data) // 3], "bad-core", "truncated")
    z = subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    put("core.truncated.zst", z[:len(z) // 2], "decompress", "zstd data is truncated")
    x = bytearray(subprocess.run(["xz", "-c", "-0"], input=data, stdout=subprocess.PIPE, check=True).stdout)
    for i in range(len(x) // 2, len(x) // 2 + 64):
        x[i] ^= 0x5A
    put("core.corrupt.xz", bytes(x), "decompress", "corrupt xz data")
    g = bytearray(subprocess.run(["gzip", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout)
    for i in range(len(g) // 2, len(g) // 2 + 64):
        g[i] ^= 0x5A
    put("core.corrupt.gz", bytes(g), "decompress", "corrupt gzip data")
    put("core.text", b"this is not a core\n", "bad-core", "not a core")
    put("core.empty", b"", "bad-core", "empty")
    put("core.exe", open("/bin/true", "rb").read(), "bad-core", "not a core dump")
    lz = subprocess.run(["lz4", "-q", "-c"], input=b"not a core either\n" * 10, stdout=subprocess.PIPE,
                        check=True).stdout
    put("core.text.lz4", lz, "bad-core", "not an ELF file")
    nopy = os.path.join(d, "core.sleep")
    shutil.copyfile(triage_corpus.sleep, nopy)
    files[nopy] = ("no-python", "no Python")
    dangling = os.path.join(d, "core.dangling")
    os.symlink(os.path.join(d, "does-not-exist"), dangling)
    files[dangling] = ("unreadable", "cannot open")
    missing = os.path.join(d, "never-written")       # named on the command line only
    files[missing] = ("unreadable", "No such file")
    return d, files, missing


def test_bad_members_are_reported_in_every_format(analyzer, triage_corpus, bad, tmp_path):
    d, files, missing = bad
    good = triage_corpus.cores[("two_threads", "py311")]
    outs = {fmt: str(tmp_path / ("report." + fmt)) for fmt in ("json", "junit", "markdown")}
    run = triage(analyzer, triage_corpus, d, missing, good, *["--format=%s:%s" % kv for kv in outs.items()])
    assert run.rc == EXIT_HANG | EXIT_ERRORS, run.err
    # text on stdout
    for path, (kind, words) in files.items():
        assert path in run.out and kind in run.out, path
    # JSON
    rep = json.load(open(outs["json"]))
    got = by_path(rep)
    assert set(got) == set(files) | {good}
    for path, (kind, words) in files.items():
        c = got[path]
        assert not c["ok"] and c["error_kind"] == kind, c
        assert words in c["error"], (path, c["error"])
        assert c["signature"] is None and c["diagnosis"] is None
    assert got[good]["ok"] and got[good]["hang"]
    assert rep["summary"]["errors"] == len(files) and rep["summary"]["exit_status"] == 9
    # JUnit: one testcase per core, an <error> per bad member, a <failure> per hang
    root = ET.parse(outs["junit"]).getroot()
    cases = {tc.get("name"): tc for tc in root.iter("testcase")}
    assert set(cases) == set(got)
    for path, (kind, words) in files.items():
        err = cases[path].find("error")
        assert err is not None and err.get("type") == kind and words in err.get("message"), path
    fail = cases[good].find("failure")
    assert fail is not None and fail.get("type") == "lock-order-deadlock"
    assert "take_guard (two_threads.py)" in fail.text and "Thread" in fail.text
    # Markdown
    md = open(outs["markdown"]).read()
    assert "#### Not analyzed (%d)" % len(files) in md
    for path in files:
        assert os.path.basename(path) in md


def test_worker_crash_and_timeout_fail_only_their_member(analyzer, triage_corpus):
    crash = triage_corpus.cores[("gil_held", "py311")]
    hang = triage_corpus.cores[("shutdown_join", "py312")]
    run = triage(analyzer, triage_corpus, "--format", "json", triage_corpus.plain,
                 env={"PYCORE_TRIAGE_FAULT": "crash:" + os.path.basename(crash)})
    rep = by_path(run.json())
    assert run.rc == EXIT_HANG | EXIT_ERRORS
    assert rep[crash]["error_kind"] == "crashed" and "signal 6" in rep[crash]["error"]
    assert sum(c["ok"] for c in rep.values()) == len(rep) - 1
    run = triage(analyzer, triage_corpus, "--format", "json", "--timeout", "2", triage_corpus.plain,
                 env={"PYCORE_TRIAGE_FAULT": "hang:" + os.path.basename(hang)})
    rep = by_path(run.json())
    assert rep[hang]["error_kind"] == "timeout"
    assert sum(c["ok"] for c in rep.values()) == len(rep) - 1


# ------------------------------------------------------------ formats, exit

def test_formats_parse(analyzer, triage_corpus, forms):
    root, expect = forms
    text = triage(analyzer, triage_corpus, root)
    js = triage(analyzer, triage_corpus, "-f", "json", root).json()
    junit = triage(analyzer, triage_corpus, "-f", "junit", root)
    md = triage(analyzer, triage_corpus, "-f", "markdown", root)
    assert text.rc == js["summary"]["exit_status"] == junit.rc == md.rc == EXIT_HANG
    assert text.out.startswith("pycore-analyze triage: %d cores: " % len(expect))
    suite = ET.fromstring(junit.out)
    assert suite.tag == "testsuites"
    assert int(suite.get("tests")) == len(expect)
    assert int(suite.get("failures")) == js["summary"]["hangs"]
    assert len(suite.findall(".//failure")) == js["summary"]["hangs"]
    assert len(suite.findall(".//testcase")) == len(expect)
    assert md.out.startswith("### pycore triage: ")
    assert "| # | Cores | Hang | Pattern | Signature |" in md.out
    for g in js["groups"]:
        assert g["signature"] in text.out and g["signature"] in md.out
        for f in g["key_frames"]:
            assert f in text.out
    assert md.out.count("<details>") == md.out.count("</details>") == len(js["groups"])


def test_exit_status(analyzer, triage_corpus, bad):
    d, files, missing = bad
    idle = [p for (s, _), p in triage_corpus.cores.items() if s == "idle_sleep"]
    hang = triage_corpus.cores[("two_threads", "py312")]
    assert triage(analyzer, triage_corpus, *idle).rc == 0
    assert triage(analyzer, triage_corpus, hang, *idle).rc == EXIT_HANG
    assert triage(analyzer, triage_corpus, missing, *idle).rc == EXIT_ERRORS
    assert triage(analyzer, triage_corpus, missing, hang).rc == EXIT_HANG | EXIT_ERRORS
    empty = os.path.join(triage_corpus.base, "empty-dir")
    os.makedirs(empty, exist_ok=True)
    r = triage(analyzer, triage_corpus, empty)
    assert r.rc == 0 and r.out.startswith("pycore-analyze triage: 0 cores")
    for args in ([], ["--format", "xml", hang], ["--jobs", "0", hang], ["--max-core-size", "x", hang],
                 ["-f", "json", "-f", "text", hang]):
        r = triage(analyzer, triage_corpus, *args)
        assert r.rc == EXIT_USAGE, args
        assert r.err.startswith("pycore-analyze triage: "), r.err


def test_max_core_size(analyzer, triage_corpus, forms):
    root, expect = forms
    compressed = [p for p, (_, fmt) in expect.items() if fmt != "none"][0]
    rep = triage(analyzer, triage_corpus, "-f", "json", "--max-core-size", "1M", compressed).json()
    assert rep["cores"][0]["error_kind"] == "too-large"


def test_baseline_marks_new_groups(analyzer, triage_corpus, tmp_path):
    first = triage(analyzer, triage_corpus, "-f", "json", triage_corpus.plain)
    known = tmp_path / "baseline.json"
    known.write_text(first.out)
    rep = triage(analyzer, triage_corpus, "-f", "json", "--baseline", str(known), triage_corpus.plain).json()
    assert all(g["new"] is False for g in rep["groups"])
    sigs = [g["signature"] for g in rep["groups"]]
    lines = tmp_path / "baseline.txt"
    lines.write_text("# known hangs\n" + "\n".join(sigs[1:]) + "\n")
    rep = triage(analyzer, triage_corpus, "-f", "json", "--baseline", str(lines), triage_corpus.plain).json()
    assert [g["new"] for g in rep["groups"]] == [True] + [False] * (len(sigs) - 1)
    assert all(g["new"] is None for g in first.json()["groups"])
    text = triage(analyzer, triage_corpus, "--baseline", str(lines), triage_corpus.plain).out
    assert "NEW" in text


def test_shards_merged_equal_one_run(analyzer, triage_corpus, forms, bad, tmp_path):
    """4 shards run side by side by GNU parallel (docs/triage.md), merged:
    the same report as one run over the same inputs, times aside, in JSON;
    the same exit status; and each core in exactly one shard."""
    root, _ = forms
    d, _, missing = bad
    inputs = [root, d, missing]
    if not shutil.which("parallel"):
        pytest.fail("GNU parallel is missing (Debian package parallel; tools/install-deps.sh installs it)",
                    pytrace=False)
    one = triage(analyzer, triage_corpus, "--format", "json", *inputs)
    out = str(tmp_path)
    p = subprocess.run(["parallel", "--will-cite", "-j", "4", "--joblog", "%s/jobs" % out,
                        analyzer, "triage", "--shard", "{}/4",
                        "--format", "json:%s/shard-{}.json" % out] + inputs +
                       [":::", "1", "2", "3", "4"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    assert p.returncode <= 4, p.stderr.decode()     # parallel: how many jobs exited non-zero, 101+ its errors
    codes = [int(line.split("\t")[6]) for line in open("%s/jobs" % out).read().splitlines()[1:]]
    assert len(codes) == 4 and all(c in (0, 1, 8, 9) for c in codes), codes
    shards = [json.load(open("%s/shard-%d.json" % (out, k))) for k in range(1, 5)]
    seen = [c["path"] for s in shards for c in s["cores"]]
    assert sorted(seen) == sorted(c["path"] for c in one.json()["cores"]), "each core in exactly one shard"
    for k, s in enumerate(shards, 1):
        assert s["summary"]["shard"] == {"index": k, "count": 4, "inputs": len(one.json()["cores"])}
    merged = triage(analyzer, triage_corpus, "merge", "--format", "json",
                    *["%s/shard-%d.json" % (out, k) for k in (3, 1, 4, 2)])
    assert merged.rc == one.rc, (merged.rc, one.rc, merged.err)

    def norm(r):
        r = json.loads(json.dumps(r))
        del r["summary"]["seconds"]
        return r
    assert norm(merged.json()) == norm(one.json())
    # a shard left out, or given twice, is an error, not a smaller report
    part = triage(analyzer, triage_corpus, "merge", "%s/shard-1.json" % out, "%s/shard-2.json" % out)
    assert part.rc == EXIT_USAGE and "shard is missing" in part.err, part.err
    dup = next(k for k, s in enumerate(shards, 1) if s["cores"])
    twice = triage(analyzer, triage_corpus, "merge", *["%s/shard-%d.json" % (out, k) for k in (dup, 1, 2, 3, 4)])
    assert twice.rc == EXIT_USAGE and "two reports" in twice.err, twice.err


def test_db_history_across_runs(analyzer, triage_corpus, tmp_path):
    """--db: the first run marks every group new, later ones known, with
    first/last seen and counts; parallel runs on one file all land (WAL,
    busy timeout); a locked, corrupt or foreign database is a one-line
    error (exit 6) that records nothing and leaves the file as it was."""
    import sqlite3
    db = str(tmp_path / "history.db")
    plain = triage_corpus.plain
    first = triage(analyzer, triage_corpus, "--db", db, "--format", "json", plain)
    assert first.rc == EXIT_HANG, first.err
    groups = first.json()["groups"]
    assert groups and all(g["new"] is True and g["history"]["runs"] == 1 for g in groups), groups
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        runs = list(ex.map(lambda _: triage(analyzer, triage_corpus, "--db", db, "--format", "json", plain),
                           range(4)))
    assert all(r.rc == EXIT_HANG for r in runs), [r.err for r in runs]
    again = triage(analyzer, triage_corpus, "--db", db, "--format", "json", plain).json()["groups"]
    for g in again:
        assert g["new"] is False and g["history"]["runs"] == 6, g
        assert g["history"]["cores"] == 6 * g["count"], g
        assert g["history"]["first_seen"] <= g["history"]["last_seen"], g
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from runs").fetchone()[0] == 6
    n_cores = len(first.json()["cores"])
    assert con.execute("select count(*) from occurrences").fetchone()[0] == 6 * sum(g["count"] for g in groups)
    assert n_cores >= sum(g["count"] for g in groups)
    con.close()
    text = triage(analyzer, triage_corpus, "--db", db, plain)
    assert "known" in text.out and "NEW?" in text.out, text.out
    # locked past --db-timeout: nothing recorded
    hold = sqlite3.connect(db, isolation_level=None)
    hold.execute("BEGIN IMMEDIATE")
    locked = triage(analyzer, triage_corpus, "--db", db, "--db-timeout", "1", plain)
    hold.execute("ROLLBACK")
    hold.close()
    assert locked.rc == 6 and "locked" in locked.err and len(locked.err.strip().splitlines()) == 1, locked.err
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from runs").fetchone()[0] == 7
    con.close()
    # not a database, another program's database: left untouched
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(8192))
    before = junk.read_bytes()
    bad = triage(analyzer, triage_corpus, "--db", str(junk), plain)
    assert bad.rc == 6 and "not a database" in bad.err, bad.err
    assert junk.read_bytes() == before
    other = tmp_path / "other.db"
    con = sqlite3.connect(str(other))
    con.execute("create table notes(x)")
    con.commit()
    con.close()
    foreign = triage(analyzer, triage_corpus, "--db", str(other), plain)
    assert foreign.rc == 6 and "something else" in foreign.err, foreign.err
    both = triage(analyzer, triage_corpus, "--db", db, "--baseline", str(junk), plain)
    assert both.rc == EXIT_USAGE, both.err


def test_progress_only_on_a_terminal(analyzer, triage_corpus):
    run = triage(analyzer, triage_corpus, triage_corpus.plain)
    assert run.err == ""
    master, slave = pty.openpty()
    tmpdir = os.path.join(triage_corpus.base, "tmpdir-pty")
    os.makedirs(tmpdir)
    p = subprocess.Popen([analyzer, "triage", triage_corpus.plain], stdout=subprocess.DEVNULL, stderr=slave,
                         stdin=subprocess.DEVNULL, env=dict(os.environ, TMPDIR=tmpdir))
    os.close(slave)
    seen = b""
    while True:
        r, _, _ = select.select([master], [], [], TIMEOUT)
        if not r:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    p.wait(timeout=TIMEOUT)
    os.close(master)
    assert b"/%d cores" % len(triage_corpus.cores) in seen, seen


# ---------------------------------------------------- temporary files, signals

def worker_holding_tmpfile(parent, tmpdir, timeout=60):
    """A worker (child of parent) with an open (deleted) file in tmpdir."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for child in open("/proc/%d/task/%d/children" % (parent, parent)).read().split():
            fd_dir = "/proc/%s/fd" % child
            try:
                targets = [os.readlink(os.path.join(fd_dir, f)) for f in os.listdir(fd_dir)]
            except OSError:
                continue
            if any(t.startswith(tmpdir) for t in targets):
                return int(child)
        time.sleep(0.02)
    return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_nothing_left_behind_when_killed(analyzer, triage_corpus, forms, sig):
    root, expect = forms
    compressed = sorted(p for p, (_, fmt) in expect.items() if fmt != "none")
    tmpdir = os.path.join(triage_corpus.base, "tmpdir-kill-%d" % sig)
    os.makedirs(tmpdir)
    env = dict(os.environ, TMPDIR=tmpdir, PYCORE_TRIAGE_FAULT="hang:" + os.path.basename(compressed[0]))
    p = subprocess.Popen([analyzer, "triage", "--jobs", "2"] + compressed, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env)
    try:
        worker = worker_holding_tmpfile(p.pid, tmpdir)
        assert worker, "no worker with a decompressed core open in %s" % tmpdir
        p.send_signal(sig)
        p.wait(timeout=30)
        deadline = time.time() + 10
        while os.path.exists("/proc/%d" % worker) and time.time() < deadline:
            with open("/proc/%d/stat" % worker) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            time.sleep(0.05)
        state = open("/proc/%d/stat" % worker).read().rsplit(")", 1)[1].split()[0] \
            if os.path.exists("/proc/%d" % worker) else "gone"
        assert state in ("gone", "Z"), "worker %d survived the batch (state %s)" % (worker, state)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert os.listdir(tmpdir) == []


# ------------------------------------------------------------------ debuginfod

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def mapped_files(core):
    """Absolute paths in the core's NT_FILE note."""
    data = open(core, "rb").read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    paths = set()
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type != 4:                          # PT_NOTE
            continue
        off, end = p_offset, p_offset + p_filesz
        while off + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, off)
            desc = off + 12 + ((namesz + 3) & ~3)
            if ntype == 0x46494C45:              # NT_FILE
                count, _ = struct.unpack_from("<QQ", data, desc)
                names = data[desc + 16 + 24 * count:desc + descsz].split(b"\0")
                paths |= set(n.decode() for n in names[:count] if n.startswith(b"/"))
            off = desc + ((descsz + 3) & ~3)
    return sorted(p for p in paths if os.path.isfile(p) and not p.startswith("/dev/"))


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE, check=True).stdout.decode()
    return re.search(r"Build ID: ([0-9a-f]+)", out).group(1)


@pytest.fixture
def debuginfod_server(triage_corpus):
    exe = shutil.which("debuginfod")
    if exe is None:
        pytest.fail("debuginfod is not installed (apt-get install debuginfod)", pytrace=False)
    d = os.path.join(triage_corpus.base, "debuginfod")
    files = os.path.join(d, "files")
    os.makedirs(files)
    wanted = set()
    for key in (("two_threads", "py311"), ("two_threads", "py312")):
        for path in mapped_files(triage_corpus.cores[key]):
            if path.endswith(".so") or ".so." in path or os.access(path, os.X_OK):
                wanted.add(path)
    for i, path in enumerate(sorted(wanted)):
        shutil.copyfile(path, os.path.join(files, "%03d-%s" % (i, os.path.basename(path))))
    port = free_port()
    log = open(os.path.join(d, "log"), "wb")
    srv = subprocess.Popen([exe, "-F", "-p", str(port), "-d", os.path.join(d, "db.sqlite"), "-t", "0", "-g", "0",
                            "-c", "2", files], stdout=log, stderr=subprocess.STDOUT, cwd=d)
    url = "http://127.0.0.1:%d" % port
    try:
        deadline = time.time() + 60
        ids = [build_id(p) for p in sorted(wanted)]
        pending = set(ids)
        while pending and time.time() < deadline:
            for bid in list(pending):
                try:
                    with urllib.request.urlopen("%s/buildid/%s/executable" % (url, bid), timeout=5) as r:
                        if r.status == 200:
                            pending.discard(bid)
                except OSError:
                    pass
            if srv.poll() is not None:
                pytest.fail("debuginfod exited: %s" % open(os.path.join(d, "log")).read(), pytrace=False)
            time.sleep(0.2)
        assert not pending, "debuginfod did not index %s within 60 s" % pending
        yield url, d
    finally:
        srv.terminate()
        try:
            srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
        log.close()


def test_debuginfod_supplies_the_binaries(analyzer, triage_corpus, debuginfod_server):
    url, d = debuginfod_server
    empty = os.path.join(d, "empty-sysroot")
    os.makedirs(empty)
    cores = [triage_corpus.cores[("two_threads", "py311")], triage_corpus.cores[("two_threads", "py312")]]
    local = by_path(triage(analyzer, triage_corpus, "-f", "json", *cores).json())
    # hidden: the empty sysroot has nothing, no server -> a module error each
    run = triage(analyzer, triage_corpus, "-f", "json", "--sysroot", empty, *cores)
    assert run.rc == EXIT_ERRORS
    assert all(c["error_kind"] == "module" for c in run.json()["cores"])
    # debuginfod fetches them by build-id
    cache = os.path.join(d, "cache")
    run = triage(analyzer, triage_corpus, "-f", "json", "--sysroot", empty, *cores,
                 env={"DEBUGINFOD_URLS": url, "DEBUGINFOD_CACHE_PATH": cache, "DEBUGINFOD_TIMEOUT": "30"})
    assert run.rc == EXIT_HANG, run.out + run.err
    got = by_path(run.json())
    for path in cores:
        assert got[path]["ok"], got[path]
        assert got[path]["signature"] == local[path]["signature"]
        assert got[path]["process"]["build_id"] == local[path]["process"]["build_id"]
    fetched = os.listdir(cache)
    assert build_id("/usr/bin/python3.11") in fetched
