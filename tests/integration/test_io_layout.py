"""The Modules/_io offsets of layouts_generated.c against the DWARF of the
interpreters that carry it.

The structs fileio, buffered and textio are private to Modules/_io; the
generator re-declares their heads (gen/layout_probe.c).  gdb's `ptype /o`
reads the real declarations from each build's debug info (the executable,
its libpython, or the _io extension module of builds that have one) and
every offset the engine reads must agree.  Interpreters without DWARF are
passed over; the run must find at least three with it."""
import glob
import os
import re
import shutil
import subprocess

import pytest

import pythons

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GENERATED = os.path.join(REPO, "analyzer", "src", "cpython", "layouts_generated.c")

# layout field -> (struct, member)
FIELDS = {
    "fio_fd": ("fileio", "fd"),
    "buf_raw": ("buffered", "raw"),
    "buf_lock": ("buffered", "lock"),
    "buf_owner": ("buffered", "owner"),
    "buf_dict": ("buffered", "dict"),
    "tio_buffer": ("textio", "buffer"),
}


def generated():
    """(version_hex, debug) -> {field: offset} for the io fields."""
    out = {}
    for entry in re.findall(r"^    \{ \.version_min = .*?^    \},", open(GENERATED).read(), re.M | re.S):
        ver = int(re.search(r"\.version_min = 0x([0-9a-fA-F]+)", entry).group(1), 16)
        dbg = int(re.search(r"\.debug_build = (\d)", entry).group(1))
        out[(ver, dbg)] = {f: int(re.search(r"\.%s = (\d+)" % f, entry).group(1)) for f in FIELDS}
    return out


def entry_for(table, version, debug):
    """The entry the engine uses: the same X.Y.Z, else the nearest older
    one of the same X.Y (3.13+ complete _Py_DebugOffsets from it)."""
    x, y, z = (int(p) for p in version.split("."))
    want = (x << 24) | (y << 16) | (z << 8) | 0xf0
    same = sorted(k for k in table if k[0] >> 16 == want >> 16 and k[0] <= want)
    same = [k for k in same if k[1] == int(debug)] or same
    if same:
        return table[same[-1]]
    older = sorted(k for k in table if k[0] <= want)     # 3.14, 3.15: the 3.13 base
    return table[older[-1]] if older else None


def dwarf_files(path):
    exe = os.path.realpath(path)
    files = [exe]
    root = os.path.dirname(os.path.dirname(exe))
    files += glob.glob(os.path.join(root, "lib", "libpython*.so.1.0"))
    files += glob.glob(os.path.join(root, "lib", "python*", "lib-dynload", "_io*.so"))
    return files


def ptype_offsets(files):
    """{(struct, member): offset} from the first file whose DWARF has them."""
    for f in files:
        args = ["gdb", "-nx", "-batch"]
        for s in ("fileio", "buffered", "textio"):
            args += ["-ex", "echo @@%s\\n" % s, "-ex", "ptype /o %s" % s]
        res = subprocess.run(args + [f], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        text = res.stdout.decode(errors="replace")
        found, cur = {}, None
        for line in text.splitlines():
            if line.startswith("@@"):
                cur = line[2:]
                continue
            m = re.match(r"/\*\s+(\d+)\s+\|\s+\d+\s+\*/\s+.*?\b(\w+);$", line.strip())
            # top-level members only: ptype /o indents nested ones further
            if cur and m and line.startswith("/*") and re.match(r"/\*\s+\d+\s+\|\s+\d+\s+\*/    \S", line):
                found.setdefault((cur, m.group(2)), int(m.group(1)))
        if all(v in found for v in FIELDS.values()):
            return f, found
    return None, None


def interpreters():
    seen = []
    for xy in pythons.SUPPORTED:
        seen += [p for p in pythons.selected(xy) if p["present"]]
    return seen


def test_io_offsets_match_dwarf():
    assert shutil.which("gdb"), "gdb is required (make deps installs it)"
    table = generated()
    checked, mismatches = [], []
    for p in interpreters():
        where, found = ptype_offsets(dwarf_files(p["path"]))
        if not found:
            continue
        entry = entry_for(table, p["version"], p["debug"])
        assert entry, "no generated layout for %s %s" % (p["label"], p["version"])
        for field, key in FIELDS.items():
            if entry[field] != found[key]:
                mismatches.append("%s (%s): %s.%s is at %d, layouts_generated.c says %s = %d" % (
                    p["label"], where, key[0], key[1], found[key], field, entry[field]))
        checked.append(p["label"])
    assert not mismatches, "\n".join(mismatches)
    if os.environ.get("PYCORE_PYTHONS"):
        return
    assert len(checked) >= 3, "only %s carry DWARF for Modules/_io; expected the debug builds at least" % checked
