"""Subinterpreters (issue 11, item 1 "Every interpreter").

The subinterp_* scenarios (expectations.SUBINTERPRETERS) record, from
inside each interpreter, every segment's frames (one thread in one
interpreter, innermost first) just as it blocks; ready() carries them
under "interpreters" (corpus/scenarios/_subinterp.py).  faulthandler's dump
covers the main interpreter only.

test_segment_oracle: the scenarios' records agree with faulthandler where
both see (the main interpreter's segments) and nest properly: the oracle
is sound.  test_every_interpreter: pycore's JSON lists every interpreter
and shows each thread's segments in nesting order, each frame tagged with
its interpreter.
"""
import pytest

import compare
import conftest
import expectations


def pytest_generate_tests(metafunc):
    if "xcase" in metafunc.fixturenames:
        cases = [c for c in conftest.all_cases() if c.scenario in expectations.SUBINTERPRETERS]
        metafunc.parametrize("xcase", cases, ids=[conftest.case_id(c) for c in cases])


def _check(res, problems):
    assert not problems, "%s:\n  %s" % (res.where(), "\n  ".join(problems))


def test_segment_oracle(xcase, analyzer, corpus):
    res = corpus.result(xcase)
    _check(res, compare.segment_oracle_sane(res.oracle, res.record["ready"]))


def test_every_interpreter(xcase, analyzer, corpus):
    res = corpus.result(xcase)
    _check(res, compare.interpreters(res.record["ready"], res.report()))
