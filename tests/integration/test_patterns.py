"""Every corpus scenario is diagnosed as the pattern its docstring names,
on every interpreter and core kind of the matrix; the exit status says
whether a hang was found."""
import pytest

import make_core

HANG_FREE = ("none", "io-wait", "cpu-busy")


def test_diagnosis(case, analyzer, corpus):
    res = corpus.result(case)
    report = res.report()
    info = make_core.scenario_info(case.scenario)
    got = report["diagnosis"]["pattern"]
    assert got in [info["expect"]] + info["accept"], "%s: diagnosed %r, expected %r\n%s" % (
        res.where(), got, info["expect"], "\n".join(
            "%s (%s): %s" % (f["pattern"], f["confidence"], f["summary"]) for f in report["findings"]))
    want_rc = 0 if got in HANG_FREE else 1
    assert res.analyzer_run["rc"] == want_rc


def test_findings_are_complete(case, analyzer, corpus):
    """Each finding carries the contract fields, with threads that exist."""
    report = corpus.result(case).report()
    tids = set(t["tid"] for t in report["threads"])
    for f in [report["diagnosis"]] + report["findings"]:
        assert set(f) >= {"pattern", "confidence", "summary", "threads", "evidence", "advice"}, f
        assert f["confidence"] in ("high", "medium", "low"), f
        assert set(f["threads"]) <= tids, f
