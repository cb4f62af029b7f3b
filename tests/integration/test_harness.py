"""Self-tests of the corpus harness; they need no analyzer.

They prove that what test_frames / test_bfd_oracle compare against is right:
the oracle parses, shows the hang each scenario claims, matches the
scenario's threading view, and its thread idents are the fs_base (pthread_t)
of the core's LWPs as read by libbfd.
"""
import os
import shutil
import signal

import pytest

import expectations
import make_core
import pythons
from conftest import VERSIONS


def test_required_tools():
    missing = [t for t in ("gdb", "gcore", "cc") if shutil.which(t) is None]
    assert not missing, "required tools missing from PATH: %s" % missing


def test_kernel_core_pattern():
    try:
        make_core.check_kernel_core_pattern()
    except make_core.MakeCoreError as e:
        pytest.fail(str(e), pytrace=False)


def test_bfd_oracle_builds(bfd_core_bin):
    assert os.access(bfd_core_bin, os.X_OK)


def test_required_interpreters_present():
    for version in VERSIONS:
        present, missing = pythons.for_version(version)
        assert not missing, "\n".join(m["error"] for m in missing)


def test_build_kinds():
    """Debian's python3.11 links libpython statically, pyenv builds are shared."""
    by_label = dict((c["label"], c) for c in pythons.candidates() if c["present"])
    assert "debian-3.11" in by_label, "debian-3.11 (/usr/bin/python3.11) absent"
    assert by_label["debian-3.11"]["build"] == "static", by_label["debian-3.11"]
    shared = [c for c in by_label.values() if c["label"].startswith("pyenv-3.11.")]
    assert shared, "no pyenv 3.11.x interpreter present"
    assert all(c["build"] == "shared" for c in shared), shared


def test_scenario_docstrings():
    names = make_core.scenarios()
    assert set(expectations.THREADS) <= set(names), names
    for name in names:
        info = make_core.scenario_info(name)
        assert info["expect"], name
        with open(info["path"]) as f:
            code = [l for l in f.read().split('"""', 2)[2].splitlines() if l.strip()]
        assert code[0] == "import _oracle; _oracle.arm()", (name, code[0])


ORACLE_TEXT = """\
Thread 0x00007f0000000700 (most recent call first):
  File "/x/y.py", line 3 in inner
  File "<frozen importlib._bootstrap>", line 120 in acquire
  ...

Thread 0x00007f0000000800 (most recent call first):
  <no Python frame>
Current thread 0x00007f0000000900 (most recent call first):
  File "/x/y.py", line ??? in <module>
"""


def test_parse_oracle():
    o = make_core.parse_oracle(ORACLE_TEXT)
    t = o["threads"]
    assert [x["ident"] for x in t] == [0x7f0000000700, 0x7f0000000800, 0x7f0000000900]
    assert t[0]["frames"] == [{"name": "inner", "file": "/x/y.py", "line": 3},
                              {"name": "acquire", "file": "<frozen importlib._bootstrap>",
                               "line": 120}]
    assert t[0]["truncated"] and not t[0]["current"]
    assert t[1]["no_python_frame"] and t[1]["frames"] == []
    assert t[2]["current"] and t[2]["frames"] == [{"name": "<module>", "file": "/x/y.py",
                                                   "line": None}]
    dumps = make_core.parse_oracle_dumps(ORACLE_TEXT + ORACLE_TEXT)
    assert len(dumps) == 2 and make_core.oracle_key(dumps[0]) == make_core.oracle_key(dumps[1])
    with pytest.raises(ValueError):
        make_core.parse_oracle("Thread 0x1 (most recent call first):\n  garbage\n")


def test_oracle_and_bfd_agree(case, bfd_core_bin, corpus):
    res = corpus.result(case)
    rec, bfd = res.record, res.bfd()
    where = res.where()
    oracle_ids = [t["ident"] for t in rec["oracle"]["threads"]]
    ready = dict((t["ident"], t) for t in rec["ready"]["threads"])
    assert bfd["pid"] == rec["pid"] == rec["ready"]["pid"], where
    if case.kind == "gcore":
        assert bfd["siginfo_signo"] == signal.SIGSTOP and bfd["signal"] in (0, signal.SIGSTOP)
    else:
        assert bfd["signal"] == bfd["siginfo_signo"] == signal.SIGABRT, bfd["signal"]
    # every LWP is a Python thread here, and each oracle ident is one LWP's fs_base
    fs_bases = sorted(int(t["registers"]["fs_base"], 16) for t in bfd["threads"])
    if case.scenario in expectations.TEARDOWN:
        # daemon threads are stopped: an oracle thread may have no LWP (its
        # state left behind), an LWP no thread state (3.14: hung), and the
        # threading view still lists them; the main thread is in all three
        mains = [i for i, t in ready.items() if t["main"]]
        assert len(mains) == 1 and mains[0] in oracle_ids and mains[0] in fs_bases, where
        assert set(oracle_ids) <= set(ready) and set(fs_bases) <= set(ready), where
    elif case.scenario in expectations.SUBINTERPRETERS:
        # threads started inside a subinterpreter are in neither faulthandler's
        # dump nor the main threading view: only in the segments' records
        sub_only = set(s["ident"] for e in rec["ready"]["interpreters"].values() for s in e["segments"]) - \
            set(s["ident"] for e in rec["ready"]["interpreters"].values() for s in e["segments"] if s["main"])
        assert sorted(set(oracle_ids) | sub_only) == fs_bases, "%s: oracle idents %s + %s, LWP fs_base %s" % (
            where, [hex(i) for i in sorted(oracle_ids)], [hex(i) for i in sorted(sub_only)],
            [hex(i) for i in fs_bases])
        assert sorted(ready) == sorted(oracle_ids), where
    else:
        assert sorted(oracle_ids) == fs_bases, "%s: oracle idents %s, LWP fs_base %s" % (
            where, [hex(i) for i in sorted(oracle_ids)], [hex(i) for i in fs_bases])
        extra = [(hex(t["ident"]), [f["name"] for f in t["frames"]][:6]) for t in rec["oracle"]["threads"]
                 if t["ident"] not in ready]
        assert sorted(ready) == sorted(oracle_ids), "%s: threading view at ready() %s; oracle threads not in it %s; " \
            "thread states at ready() %s" % (where, [(hex(i), t["name"]) for i, t in sorted(ready.items())], extra,
                                            [hex(i) for i in rec["ready"].get("tstates", [])])
    assert rec["pid"] in [t["tid"] for t in bfd["threads"]], where
    # the threading view holds the expected names / daemon flags
    names = dict((t["name"], t["daemon"]) for t in ready.values())
    version = tuple(rec["python_version"][:2])
    assert names == expectations.expected_threads(case.scenario, version), where
    mains = [t for t in ready.values() if t["main"]]
    assert len(mains) == 1 and mains[0]["name"] == "MainThread", where
    # the oracle shows the hang the scenario claims
    by_name = dict((ready[t["ident"]]["name"], t["frames"]) for t in rec["oracle"]["threads"])
    expectations.check_oracle(case.scenario, by_name, version)
    assert rec["expect"] == make_core.scenario_info(case.scenario)["expect"]


# ---------------------------------------------- the comparisons catch errors

def _good():
    """A synthetic two_threads oracle / ready view / bfd output / report that agree."""
    import copy
    fr = lambda n, q, f, l: {"name": n, "qualname": q, "file": f, "line": l}  # noqa: E731
    main_frames = [fr("_wait_for_tstate_lock", "Thread._wait_for_tstate_lock", "/t.py", 1132),
                   fr("join", "Thread.join", "/t.py", 1112), fr("main", "main", "/s.py", 27),
                   fr("<module>", "<module>", "/s.py", 30)]
    work_frames = [fr("take_guard", "take_guard", "/s.py", 17), fr("run", "Thread.run", "/t.py", 975),
                   fr("_bootstrap_inner", "Thread._bootstrap_inner", "/t.py", 1038),
                   fr("_bootstrap", "Thread._bootstrap", "/t.py", 995)]
    strip = lambda fs: [dict((k, f[k]) for k in ("name", "file", "line")) for f in fs]  # noqa
    oracle = {"threads": [
        {"ident": 0x7f01, "frames": strip(main_frames), "truncated": False},
        {"ident": 0x7f02, "frames": strip(work_frames), "truncated": False}]}
    ready = {"threads": [{"ident": 0x7f01, "name": "MainThread", "daemon": False, "main": True},
                         {"ident": 0x7f02, "name": "worker-1", "daemon": False, "main": False}]}
    regs = dict((r, "0x%x" % i) for i, r in enumerate(
        "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags "
        "rsp ss fs_base gs_base ds es fs gs".split()))
    bfd = {"pid": 100, "signal": 6, "siginfo_signo": 6,
           "threads": [{"tid": 100, "registers": dict(regs)},
                       {"tid": 101, "registers": dict(regs)}]}
    report = {"schema_version": 1,
              "process": {"pid": 100, "core_kind": "kernel", "signal": 6},
              "threads": [
                  {"tid": 100, "ident": 0x7f01, "name": "MainThread", "main": True, "daemon": False,
                   "registers": dict(regs), "python_frames": copy.deepcopy(main_frames)},
                  {"tid": 101, "ident": 0x7f02, "name": "worker-1", "main": False, "daemon": False,
                   "registers": dict(regs), "python_frames": copy.deepcopy(work_frames)}]}
    return oracle, ready, bfd, report


def _all_problems(oracle, ready, bfd, report, kind="kernel"):
    import compare
    return (compare.python_frames(oracle, report) + compare.qualnames("two_threads", report) +
            compare.thread_identity("two_threads", ready, report) +
            compare.process_and_registers(kind, bfd, report))


def test_compare_accepts_agreement():
    assert _all_problems(*_good()) == []
    oracle, ready, bfd, report = _good()
    bfd.update(signal=0, siginfo_signo=19)
    report["process"].update(core_kind="gcore", signal=19)
    assert _all_problems(oracle, ready, bfd, report, "gcore") == []


@pytest.mark.parametrize("mutation", [
    "line", "file", "name", "missing_frame", "extra_frame", "qualname", "missing_thread",
    "thread_name", "daemon", "two_mains", "register", "missing_tid", "pid", "signal",
    "core_kind", "gcore_signal"])
def test_compare_detects(mutation):
    oracle, ready, bfd, report = _good()
    kind = "kernel"
    t0, t1 = report["threads"]
    if mutation == "line":
        t0["python_frames"][2]["line"] += 1
    elif mutation == "file":
        t1["python_frames"][0]["file"] = "/other.py"
    elif mutation == "name":
        t1["python_frames"][1]["name"] = "runx"
    elif mutation == "missing_frame":
        del t0["python_frames"][-1]
    elif mutation == "extra_frame":
        t0["python_frames"].append(dict(t0["python_frames"][-1]))
    elif mutation == "qualname":
        t0["python_frames"][1]["qualname"] = "join"
    elif mutation == "missing_thread":
        del report["threads"][1]
    elif mutation == "thread_name":
        t1["name"] = "Thread-1"
    elif mutation == "daemon":
        t1["daemon"] = True
    elif mutation == "two_mains":
        t1["main"] = True
    elif mutation == "register":
        t1["registers"]["rip"] = "0x00000001"
    elif mutation == "missing_tid":
        t1["tid"] = 999
    elif mutation == "pid":
        report["process"]["pid"] = 101
    elif mutation == "signal":
        report["process"]["signal"] = 19
    elif mutation == "core_kind":
        report["process"]["core_kind"] = "gcore"
    elif mutation == "gcore_signal":
        kind = "gcore"
        bfd.update(signal=0, siginfo_signo=19)
        report["process"].update(core_kind="gcore", signal=0)
    assert _all_problems(oracle, ready, bfd, report, kind), mutation
