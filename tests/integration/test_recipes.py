"""docs/ci.md: the recipes' command lines, as written there, run against a
hanging pytest suite: the step fails with 124 and leaves the JUnit file
naming the hang, the Markdown, the tree JSON and the cores."""
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HANGS = os.path.join(REPO, "corpus", "pytest_hangs")
PYTHON = "/usr/bin/python3.11"


def yaml_blocks(title):
    text = open(os.path.join(REPO, "docs", "ci.md")).read()
    section = text.split("## " + title, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


def watch_command(block):
    """The `pycore-analyze watch ...` command of a recipe, its backslash
    continuations joined."""
    lines = block.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*(?:- )?(pycore-analyze watch .*)", line)
        if m:
            cmd = m.group(1)
            while cmd.endswith("\\"):
                i += 1
                cmd = cmd[:-1] + " " + lines[i].strip()
            return cmd
    raise AssertionError("no watch command in the recipe")


@pytest.mark.parametrize("title", ["GitHub Actions", "GitLab CI"])
def test_recipe_on_hanging_suite(analyzer, tmp_path, title):
    block, = yaml_blocks(title)
    cmd = watch_command(block)
    work = tmp_path / "project"
    work.mkdir()
    shutil.copy(os.path.join(HANGS, "passing", "test_passes.py"), str(work))
    shutil.copy(os.path.join(HANGS, "test_fixture_deadlock.py"), str(work))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(analyzer, str(bindir / "pycore-analyze"))
    for name in ("python", "python3"):
        os.symlink(PYTHON, str(bindir / name))
    env = dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]), PYCORE_TIMEOUT="8",
               PYTHONDONTWRITEBYTECODE="1")
    res = subprocess.run(["bash", "-ec", cmd], cwd=str(work), env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=300)
    err = res.stderr.decode(errors="replace")
    assert res.returncode == 124, err[-3000:]
    cases = [(tc.get("classname"), tc.find("failure")) for tc in ET.parse(str(work / "pycore-junit.xml")).iter("testcase")]
    assert cases[0][0] == "pycore.watch.orphaned-wait" and cases[0][1] is not None, cases
    assert "`orphaned-wait`" in (work / "pycore.md").read_text()
    tree = json.loads((work / "pycore-tree.json").read_text())["tree"]
    cores = sorted(os.listdir(str(work / "pycore-cores")))
    assert cores == sorted("core.%d.zst" % p["pid"] for p in tree["processes"])
    if title == "GitHub Actions":
        # the job-summary step, as written
        step = re.search(r"Diagnosis in the job summary\n.*?run: \|\n\s+(.*?)\n", block, re.S).group(1)
        summary = tmp_path / "summary.md"
        subprocess.run(["bash", "-ec", step], cwd=str(work), env=dict(env, GITHUB_STEP_SUMMARY=str(summary)),
                       check=True, timeout=60)
        assert summary.read_text() == (work / "pycore.md").read_text()
