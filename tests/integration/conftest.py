"""Fixtures of the pycore-analyze integration tests.

Run from the repository root with Debian's interpreter:

    /usr/bin/python3 -m pytest tests/integration

Each test that takes the `case` argument is parametrized over
(interpreter, scenario, kind): interpreters = tests/integration/pythons.py
selected("3.11") (required-but-absent ones included, they FAIL), scenarios =
corpus/scenarios/*.py, kind = gcore | kernel (only those in the interpreter's
pythons.py "kinds").  The session's corpus makes every
core with a pool of workers from the end of collection on (case by case, ahead
of the tests, while the tests that need no core run first), runs bfd_core and
pycore-analyze on it, keeps their outputs and deletes the core at once.  Nothing is skipped: a missing tool fails the tests.

Environment:
  PYCORE_ANALYZE     analyzer binary (default build/bin/pycore-analyze)
  PYCORE_PYTHONS     comma-separated interpreter labels to restrict to
  PYCORE_SCENARIOS   comma-separated scenario names to restrict to
  PYCORE_KINDS       comma-separated core kinds (default gcore,kernel)
  PYCORE_CORE_JOBS   core-making workers (default 4: making a core mostly waits;
                     3 workers kept 2 CPUs about 40% busy, 5 about 60%)
  PYCORE_KEEP_CORES  1 = keep the cores and scenario files (prints where)
  PYCORE_TEST_VERSIONS  comma-separated X.Y to test (default: every supported
                     version, pythons.SUPPORTED)
"""
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
sys.path.insert(0, HERE)

import make_core  # noqa: E402
import pythons  # noqa: E402
import expectations  # noqa: E402

VERSIONS = [v.strip() for v in os.environ.get("PYCORE_TEST_VERSIONS", ",".join(pythons.SUPPORTED)).split(",")
            if v.strip()]
KINDS = tuple(k for k in os.environ.get("PYCORE_KINDS", "gcore,kernel").split(",") if k)
BFD_SRC = os.path.join(REPO, "tests", "oracle", "bfd_core.c")
BFD_BIN = os.path.join(REPO, "build", "tests", "bfd_core")
BFD_CMD = ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", BFD_BIN, BFD_SRC, "-lbfd"]
ANALYZER_DEFAULT = os.path.join(REPO, "build", "bin", "pycore-analyze")
ANALYZER_TIMEOUT = 120


Case = collections.namedtuple("Case", "interp scenario kind")


def case_id(case):
    return "%s-%s-%s" % (case.interp["label"], case.scenario, case.kind)


def _scenarios():
    names = make_core.scenarios()
    only = os.environ.get("PYCORE_SCENARIOS")
    if only:
        wanted = [x.strip() for x in only.split(",") if x.strip()]
        unknown = [w for w in wanted if w not in names]
        if unknown:
            raise pytest.UsageError("PYCORE_SCENARIOS: unknown scenario(s) %s" % unknown)
        names = wanted
    return names


def all_cases():
    cases = []
    for interp in [i for v in VERSIONS for i in pythons.selected(v)]:
        for scenario in _scenarios():
            if interp.get("scenarios") is not None and scenario not in interp["scenarios"]:
                continue            # a slow interpreter runs a sample (pythons.py ARM64)
            info = make_core.scenario_info(scenario)
            if interp["present"] and (info["min_python"] or info.get("max_python")):
                have = tuple(int(x) for x in interp["xy"].split("."))
                if info["min_python"] and have < tuple(info["min_python"]):
                    continue        # scenario not meant for this version
                if info.get("max_python") and have >= tuple(info["max_python"]):
                    continue        # `python: <X.Y`: e.g. a 2.7-only scenario
            if any(interp["label"] not in pythons.NEEDS.get(n, ()) for n in info.get("needs", [])):
                continue            # `needs: gevent`: only where Debian packages the module
            if interp["present"] and info.get("build") and info["build"] != interp["gil_build"]:
                continue            # `build: gil`: a shape that needs the GIL (or none)
            # an arm64 interpreter runs under qemu-user: qemu's cores only
            for kind in (interp.get("kinds", ["qemu"]) if interp.get("arch") == "aarch64" else KINDS):
                # not generated: a kind the interpreter cannot be cored with
                # (pythons.py "kinds"), e.g. no gcore for glibc >= 2.42 (sid):
                # gdb 13's gcore writes zeroed thread stacks there
                if interp["present"] and kind not in interp.get("kinds", KINDS):
                    continue
                if info.get("kinds") and kind not in info["kinds"]:
                    continue        # `kinds: kernel`: evidence gcore does not record
                cases.append(Case(interp, scenario, kind))
    return cases


def _gap_marks(test, case):
    """expectations.KNOWN_GAPS: a known failure of this test on this case
    is marked xfail(strict=True), so that it must keep failing until fixed."""
    gap = expectations.KNOWN_GAPS.get((test, case.scenario))
    if gap is None or not case.interp["present"]:
        return ()
    applies, reason = gap
    if not applies(tuple(int(x) for x in case.interp["xy"].split(".")), case.kind):
        return ()
    return (pytest.mark.xfail(strict=True, reason=reason),)


# Tests of the case matrix that do not run on qemu-user cores, and why.
NOT_ON_QEMU = {
    "test_process_and_registers": "libbfd (Debian's binutils-dev) reads x86_64 cores only",
    "test_oracle_and_bfd_agree": "libbfd (Debian's binutils-dev) reads x86_64 cores only",
}


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        test = metafunc.function.__name__
        cases = [c for c in all_cases() if not (c.kind == "qemu" and test in NOT_ON_QEMU)]
        metafunc.parametrize("case", [pytest.param(c, marks=_gap_marks(test, c)) for c in cases],
                             ids=[case_id(c) for c in cases])


# ------------------------------------------------------------------ tools

def analyzer_path():
    return os.environ.get("PYCORE_ANALYZE") or ANALYZER_DEFAULT


@pytest.fixture(scope="session")
def analyzer():
    """The pycore-analyze binary; fails (never skips) when it is missing."""
    path = analyzer_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail("analyzer binary %s is missing or not executable: build it "
                    "(make) or set PYCORE_ANALYZE" % path, pytrace=False)
    return path


_bfd_lock = threading.Lock()


def build_bfd_core():
    """Compile tests/oracle/bfd_core.c into build/tests/ unless up to date."""
    with _bfd_lock:
        if os.path.isfile(BFD_BIN) and os.path.getmtime(BFD_BIN) >= os.path.getmtime(BFD_SRC):
            return BFD_BIN
        os.makedirs(os.path.dirname(BFD_BIN), exist_ok=True)
        if shutil.which("cc") is None:
            raise RuntimeError("no C compiler `cc` on PATH (needed for %s)" % BFD_SRC)
        res = subprocess.run(BFD_CMD, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        if res.returncode != 0:
            raise RuntimeError(
                "cannot build the libbfd oracle (apt-get install binutils-dev?):\n$ %s\n%s"
                % (" ".join(BFD_CMD), res.stdout.decode(errors="replace")))
        return BFD_BIN


@pytest.fixture(scope="session")
def bfd_core_bin():
    try:
        return build_bfd_core()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


# ------------------------------------------------------------------ cores

class CaseFailure(Exception):
    """Making or reading the core of one case failed."""


class CaseResult(object):
    """Everything the tests need from one core; the core itself is gone."""

    def __init__(self, case, record, bfd, analyzer):
        self.case, self.record, self.bfd_run, self.analyzer_run = case, record, bfd, analyzer

    def where(self):
        return "%s (core %s, python %s, pid %s)" % (case_id(self.case), self.record["core"],
                                                    self.record["python"], self.record["pid"])

    @property
    def oracle(self):
        return self.record["oracle"]

    def bfd(self):
        run = self.bfd_run
        if run["rc"] != 0:
            pytest.fail("bfd_core failed (exit %s) on %s:\n%s"
                        % (run["rc"], self.where(), run["stderr"]), pytrace=False)
        return json.loads(run["stdout"])

    def report(self):
        """pycore-analyze's parsed JSON; fails the test on any error."""
        run = self.analyzer_run
        if run is None:
            pytest.fail("pycore-analyze was not run (missing at %s)" % analyzer_path(),
                        pytrace=False)
        if run.get("timeout"):
            pytest.fail("pycore-analyze timed out after %ss on %s" % (ANALYZER_TIMEOUT,
                                                                     self.where()),
                        pytrace=False)
        if run["rc"] not in (0, 1):   # 1: a hang pattern was found
            pytest.fail("`%s` exit %s on %s\nstderr:\n%s" % (" ".join(run["argv"]), run["rc"],
                                                           self.where(), run["stderr"][-4000:]),
                        pytrace=False)
        try:
            return json.loads(run["stdout"])
        except ValueError as e:
            pytest.fail("pycore-analyze printed invalid JSON (%s) on %s:\n%s"
                        % (e, self.where(), run["stdout"][:2000]), pytrace=False)


class Corpus(object):
    """Makes, reads and deletes the cores of a session, `jobs` at a time."""

    def __init__(self, session, out, jobs):
        self.session, self.out = session, out
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs,
                                                          thread_name_prefix="corpus")
        self.futures = {}
        self.lock = threading.Lock()
        self.keep = os.environ.get("PYCORE_KEEP_CORES") == "1"
        self.analyzer = analyzer_path()
        if not (os.path.isfile(self.analyzer) and os.access(self.analyzer, os.X_OK)):
            self.analyzer = None
        self.log = []

    def _submit_all(self):
        # every case of the session, in test order, so cores are ready
        # before the tests ask for them
        for item in self.session.items:
            case = _item_case(item)
            if case is not None:
                self._submit(case)

    def _submit(self, case):
        key = case_id(case)
        if key not in self.futures:
            self.futures[key] = self.pool.submit(self._work, case)
        return self.futures[key]

    def result(self, case):
        with self.lock:
            fut = self._submit(case)
        try:
            return fut.result()
        except CaseFailure as e:
            pytest.fail(str(e), pytrace=False)

    def _work(self, case):
        if not case.interp["present"]:
            raise CaseFailure(case.interp["error"])
        if case.kind == "gcore" and (shutil.which("gcore") is None or shutil.which("gdb") is None):
            raise CaseFailure("gcore/gdb not on PATH (apt-get install gdb)")
        try:
            bfd_bin = build_bfd_core()
        except RuntimeError as e:
            raise CaseFailure(str(e))
        out = os.path.join(self.out, case_id(case))
        t0 = time.monotonic()
        try:
            try:
                record = make_core.make_core(case.interp["path"], case.scenario, case.kind, out)
            except make_core.MakeCoreError as e:
                raise CaseFailure("making the core failed: %s" % e)
            core = record["core"]
            t1 = time.monotonic()
            bfd = None
            if case.kind != "qemu":     # NOT_ON_QEMU
                b = subprocess.run([bfd_bin, core], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                bfd = {"rc": b.returncode, "stdout": b.stdout.decode(errors="replace"),
                       "stderr": b.stderr.decode(errors="replace")}
            analyzer = None
            if self.analyzer:
                argv = [self.analyzer, "--format", "json", core]
                if case.interp.get("sysroot"):  # another machine's files, as a triager has them
                    argv[3:3] = ["--sysroot", case.interp["sysroot"]]
                t2 = time.monotonic()
                try:
                    # every native symbol also asked of libdwfl (test_frames checks they agree)
                    a = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       timeout=ANALYZER_TIMEOUT, stdin=subprocess.DEVNULL,
                                       env=dict(make_core.environ(), PYCORE_SYMBOL_SELFCHECK="1"))
                    analyzer = {"argv": argv, "rc": a.returncode,
                                "stdout": a.stdout.decode(errors="replace"),
                                "stderr": a.stderr.decode(errors="replace"),
                                "seconds": round(time.monotonic() - t2, 3)}
                except subprocess.TimeoutExpired:
                    analyzer = {"argv": argv, "rc": None, "timeout": True, "stdout": "",
                                "stderr": ""}
            self.log.append((case_id(case), record["core_size"], record["timings"],
                             round(t1 - t0, 3), analyzer and analyzer.get("seconds")))
            return CaseResult(case, record, bfd, analyzer)
        finally:
            if not self.keep:
                shutil.rmtree(out, ignore_errors=True)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


def _item_case(item):
    """The corpus case a test reads: its `case` parameter, or the `xcase` of
    tests that take a subset of the cases (test_interpreters.py)."""
    callspec = getattr(item, "callspec", None)
    if not callspec:
        return None
    case = callspec.params.get("case") or callspec.params.get("xcase")
    return case if isinstance(case, Case) else None     # an empty parameter set


def pytest_collection_modifyitems(session, config, items):
    """Tests that need no corpus core first, while the pool makes the cores
    (making one mostly waits for the scenario); then the case tests grouped
    by case, in the order the cores come, so that what each test runs on its
    core overlaps the making of the next ones instead of following all of it."""
    order = {}
    for item in items:
        case = _item_case(item)
        if case is not None:
            order.setdefault(case_id(case), len(order))
    plain = [i for i in items if _item_case(i) is None]
    cased = sorted((i for i in items if _item_case(i) is not None),
                   key=lambda i: order[case_id(_item_case(i))])      # stable: test order kept per case
    items[:] = plain + cased


def pytest_collection_finish(session):
    """Start making the cores as soon as the session's cases are known."""
    config = session.config
    if config.option.collectonly or not any(_item_case(i) is not None for i in session.items):
        return
    c = Corpus(session, str(config._tmp_path_factory.mktemp("cores")),
               int(os.environ.get("PYCORE_CORE_JOBS", "4")))
    config._pycore_corpus = c       # for the fixture and pytest_terminal_summary
    with c.lock:
        c._submit_all()


def pytest_sessionfinish(session):
    c = getattr(session.config, "_pycore_corpus", None)
    if c is not None:
        c.close()
        if c.keep:
            sys.stderr.write("\ncores kept under %s\n" % c.out)


@pytest.fixture(scope="session")
def corpus(request):
    c = getattr(request.config, "_pycore_corpus", None)
    if c is None:
        pytest.fail("no corpus: the session collected no case", pytrace=False)
    return c


_outcomes = {}   # (label, build, kind) -> [passed, failed]


def pytest_runtest_logreport(report):
    """Collect the outcome of every case-parametrized test for the matrix."""
    case = getattr(report, "_pycore_case", None)
    if case is None or report.when != "call" and not report.failed:
        return
    key = (case.interp["label"], case.interp.get("build") or "-", case.kind)
    cell = _outcomes.setdefault(key, [0, 0])
    if report.when == "call" and report.passed:
        cell[0] += 1
    elif report.failed:
        cell[1] += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "case" in callspec.params:
        outcome.get_result()._pycore_case = callspec.params["case"]


def pytest_terminal_summary(terminalreporter):
    """The version x build x core kind matrix, then one line per core."""
    if _outcomes:
        terminalreporter.section("pycore matrix: interpreter x build x core kind")
        kinds = sorted(set(k for _, _, k in _outcomes))
        rows = sorted(set((label, build) for label, build, _ in _outcomes))
        terminalreporter.write_line("%-22s %-8s %s" % ("interpreter", "build", "  ".join("%-16s" % k for k in kinds)))
        for label, build in rows:
            cells = []
            for k in kinds:
                c = _outcomes.get((label, build, k))
                cells.append("%-16s" % ("-" if c is None else "FAIL %d/%d" % (c[1], c[0] + c[1]) if c[1]
                                         else "pass %d" % c[0]))
            terminalreporter.write_line("%-22s %-8s %s" % (label, build, "  ".join(cells)))
    corpus_obj = getattr(terminalreporter.config, "_pycore_corpus", None)
    if corpus_obj is None or not corpus_obj.log:
        return
    terminalreporter.section("pycore cores")
    for key, size, timings, make_s, ana_s in sorted(corpus_obj.log):
        terminalreporter.write_line("%-48s %8.1f MB  make %5.2fs (core %5.2fs)  analyze %s"
                                    % (key, size / 1e6, make_s, timings.get("core", 0),
                                       "%.2fs" % ana_s if ana_s is not None else "-"))
