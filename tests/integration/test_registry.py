"""The pattern registry (analyzer/src/diagnose/patterns.def) against what
is written about it: docs/patterns.md has a section for every pattern and
none for a pattern that does not exist, every hang pattern has at least two
corpus reproducers, and the renderers print the analysis without reading
the target (no call into the target, CPython or native layers)."""
import glob
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEF = os.path.join(REPO, "analyzer", "src", "diagnose", "patterns.def")


def registry():
    """id -> is a hang, from the PATTERN rows."""
    rows = re.findall(r'^PATTERN\(\w+, "([a-z-]+)", ([01]),', open(DEF).read(), re.M)
    assert rows, "no PATTERN rows in %s" % DEF
    return {i: h == "1" for i, h in rows}


def test_docs_have_a_section_per_pattern():
    docs = open(os.path.join(REPO, "docs", "patterns.md")).read()
    sections = set(re.findall(r"^### `([a-z-]+)`", docs, re.M))
    ids = set(registry()) | {"none"}
    assert sections == ids, "docs/patterns.md lacks %s; documents unknown %s" % (
        sorted(ids - sections), sorted(sections - ids))


def test_every_hang_pattern_has_two_reproducers():
    expected = {}
    for path in glob.glob(os.path.join(REPO, "corpus", "scenarios", "*.py")):
        m = re.search(r"^(?:\"\"\")?expect:\s*(\S+)", open(path).read(), re.M)
        if m:
            expected.setdefault(m.group(1), []).append(os.path.basename(path))
    unknown = set(expected) - set(registry()) - {"none"}
    assert not unknown, "scenarios expect patterns the registry does not have: %s" % sorted(unknown)
    few = {p: expected.get(p, []) for p, hang in registry().items() if hang and len(expected.get(p, [])) < 2}
    assert not few, "hang patterns with fewer than two reproducers: %s" % few


def test_renderers_read_no_target():
    for path in glob.glob(os.path.join(REPO, "analyzer", "src", "report", "*.c")):
        code = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
        calls = re.findall(r"\b(pc_read\w*|pc_py_\w+|pc_native_\w+|pc_target_\w+)\s*\(", code)
        assert not calls, "%s calls %s: renderers print the analysis, they never read the target" % (
            os.path.relpath(path, REPO), sorted(set(calls)))
