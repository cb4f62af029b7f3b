"""The offsets of private structs in layouts_generated.c against the DWARF
of the interpreters that carry it.

Modules/_io's fileio, buffered and textio and Modules/_multiprocessing's
SemLockObject are declared in .c files, not in installed headers; the
generator re-declares them (gen/layout_probe.c).  The code, float and set
fields read for frame locals come from headers, but 3.14 and 3.15 take
them from the 3.13 table.  gdb's `ptype /o` reads
the real declarations from each build's debug info (the executable, its
libpython, or the extension module that holds them) and every offset the
engine reads must agree.  Files without DWARF (Debian's stripped release
builds) are passed over; their debug twins are built from the same source.
The run must find at least three interpreters with each struct."""
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

# group -> (files of an interpreter that may hold its DWARF, {layout field -> (struct, member)})
GROUPS = {
    "io": (("exe", "libpython", "_io"), {
        "fio_fd": ("fileio", "fd"),
        "buf_raw": ("buffered", "raw"),
        "buf_lock": ("buffered", "lock"),
        "buf_owner": ("buffered", "owner"),
        "buf_dict": ("buffered", "dict"),
        "tio_buffer": ("textio", "buffer"),
    }),
    "semlock": (("exe", "libpython", "_multiprocessing"), {
        "sl_handle": ("SemLockObject", "handle"),
        "sl_last_tid": ("SemLockObject", "last_tid"),
        "sl_count": ("SemLockObject", "count"),
        "sl_maxvalue": ("SemLockObject", "maxvalue"),
        "sl_kind": ("SemLockObject", "kind"),
        "sl_name": ("SemLockObject", "name"),
    }),
    # Modules/_asynciomodule.c's Task (3.14+ builds without a table of
    # their own read it from _AsyncioDebug instead: OWN_MINOR)
    "asyncio": (("exe", "libpython", "_asyncio"), {
        "fut_loop": ("TaskObj", "task_loop"),
        "fut_state": ("TaskObj", "task_state"),
        "fut_exception": ("TaskObj", "task_exception"),
        "fut_callback0": ("TaskObj", "task_callback0"),
        "fut_callbacks": ("TaskObj", "task_callbacks"),
        "task_fut_waiter": ("TaskObj", "task_fut_waiter"),
        "task_coro": ("TaskObj", "task_coro"),
        "task_name": ("TaskObj", "task_name"),
        "task_node": ("TaskObj", "task_node"),
    }),
    # Coroutine frames (3.14+ read them from _Py_DebugOffsets)
    "gen": (("exe", "libpython"), {
        "gen_frame": ("PyGenObject", "gi_frame"),
        "gen_iframe": ("PyGenObject", "gi_iframe"),
        "gen_frame_state": ("PyGenObject", "gi_frame_state"),
        "wr_object": ("PyWeakReference", "wr_object"),
        "co_exceptiontable": ("PyCodeObject", "co_exceptiontable"),
    }),
    # Public structs, but 3.14 and 3.15 read them through the 3.13 table
    # (_Py_DebugOffsets has no entry for them): their DWARF must agree.
    "locals": (("exe", "libpython"), {
        "co_argcount": ("PyCodeObject", "co_argcount"),
        "co_kwonlyargcount": ("PyCodeObject", "co_kwonlyargcount"),
        "co_flags": ("PyCodeObject", "co_flags"),
        "fl_fval": ("PyFloatObject", "ob_fval"),
        "set_mask": ("PySetObject", "mask"),
        "set_table": ("PySetObject", "table"),
        "meth_self": ("PyMethodObject", "im_self"),
        "fn_closure": ("PyFunctionObject", "func_closure"),
        # greenlets: the type chain and an extension type's named fields
        "tp_base": ("PyTypeObject", "tp_base"),
        "tp_members": ("PyTypeObject", "tp_members"),
        "tp_weaklistoffset": ("PyTypeObject", "tp_weaklistoffset"),
        "md_offset": ("PyMemberDef", "offset"),
    }),
}
FIELDS = dict(f for _, fields in GROUPS.values() for f in fields.items())
# 2.7's SemLockObject has no name; a Task has a name from 3.8, links from
# 3.14; a generator has gi_frame up to 3.10, then its frame inside it
OPTIONAL = {"sl_name", "task_name", "task_node", "fut_callback0", "gen_frame", "gen_iframe", "gen_frame_state",
            "co_exceptiontable"}
OWN_MINOR = {"asyncio", "gen"}   # checked only where the table is the interpreter's own minor


def generated():
    """(version_hex, debug, free_threaded) -> {field: offset} for the io fields."""
    out = {}
    for entry in re.findall(r"^    \{ \.version_min = .*?^    \},", open(GENERATED).read(), re.M | re.S):
        ver = int(re.search(r"\.version_min = 0x([0-9a-fA-F]+)", entry).group(1), 16)
        dbg = int(re.search(r"\.debug_build = (\d)", entry).group(1))
        ft = int(re.search(r"\.free_threaded = (\d)", entry).group(1))
        out[(ver, dbg, ft)] = {f: (int(m.group(1)) if m.group(1) != "PC_NO_FIELD" else None)
                           for f in FIELDS for m in [re.search(r"\.%s = (\w+)" % f, entry)]}
        out[(ver, dbg, ft)]["_minor"] = (ver >> 24, (ver >> 16) & 0xff)
    return out


def entry_for(table, version, debug, free_threaded):
    """The entry the engine uses: the same X.Y.Z, else the nearest older
    one of the same X.Y (3.13+ complete _Py_DebugOffsets from it), of the
    same flavour (free-threaded builds have tables of their own)."""
    x, y, z = (int(p) for p in version.split("."))
    want = (x << 24) | (y << 16) | (z << 8) | 0xf0
    table = {k: v for k, v in table.items() if k[2] == int(free_threaded)}
    same = sorted(k for k in table if k[0] >> 16 == want >> 16 and k[0] <= want)
    same = [k for k in same if k[1] == int(debug)] or same
    if same:
        return table[same[-1]]
    older = sorted(k for k in table if k[0] <= want)     # 3.14, 3.15: the 3.13 base
    return table[older[-1]] if older else None


def dwarf_files(path, kinds):
    """Files of one interpreter that may carry the DWARF of a struct, in
    the order of kinds: the executable, its libpython, an extension
    module (lib-dynload, as pyenv and Debian install them)."""
    exe = os.path.realpath(path)
    root = os.path.dirname(os.path.dirname(exe))
    xy = re.search(r"python(\d\.\d+)", os.path.basename(exe))
    debug = os.path.basename(exe).endswith("d")
    files = []
    for kind in kinds:
        if kind == "exe":
            files.append(exe)
        elif kind == "libpython":
            files += glob.glob(os.path.join(root, "lib", "libpython*.so.1.0"))
        else:
            mods = glob.glob(os.path.join(root, "lib", "python*", "lib-dynload", kind + "*.so"))
            if xy:
                mods = [m for m in mods if "/python%s/" % xy.group(1) in m]
            # a debug interpreter loads the d-tagged module, a release one the other
            mods = [m for m in mods if bool(re.search(r"\d+d-", os.path.basename(m))) == debug] or mods
            files += mods
    return files


def ptype_offsets(files, fields):
    """{(struct, member): offset} from the first file whose DWARF has them all."""
    structs = sorted(set(st for st, _ in fields.values()))
    for f in files:
        args = ["gdb", "-nx", "-batch"]
        for st in structs:
            args += ["-ex", "echo @@%s\\n" % st, "-ex", "ptype /o %s" % st]
        res = subprocess.run(args + [f], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        text = res.stdout.decode(errors="replace")
        found, cur = {}, None
        for line in text.splitlines():
            if line.startswith("@@"):
                cur = line[2:]
                continue
            # top-level members only: ptype /o indents nested ones further
            m = re.match(r"/\*\s+(\d+)\s+\|\s+\d+\s+\*/    (\S.*?)\b(\w+)(?:\[\d*\])?;$", line)
            if cur and m:
                found.setdefault((cur, m.group(3)), int(m.group(1)))
        if all(v in found for k, v in fields.items() if k not in OPTIONAL):
            return f, found
    return None, None


def interpreters():
    seen = []
    for xy in pythons.SUPPORTED:
        seen += [p for p in pythons.selected(xy) if p["present"]]
    return seen


def test_private_offsets_match_dwarf():
    assert shutil.which("gdb"), "gdb is required (make deps installs it)"
    table = generated()
    mismatches = []
    checked = {g: [] for g in GROUPS}
    for p in interpreters():
        entry = entry_for(table, p["version"], p["debug"], p.get("gil_build") == "free-threaded")
        assert entry, "no generated layout for %s %s" % (p["label"], p["version"])
        own = entry["_minor"] == tuple(int(x) for x in p["version"].split(".")[:2])
        for group, (kinds, fields) in GROUPS.items():
            if group in OWN_MINOR and not own:
                continue
            where, found = ptype_offsets(dwarf_files(p["path"], kinds), fields)
            if not found:
                continue
            for field, key in fields.items():
                real = found.get(key)      # None: the struct has no such member (2.7's SemLock name)
                if entry[field] != real:
                    mismatches.append("%s (%s): %s.%s is at %s, layouts_generated.c says %s = %s" % (
                        p["label"], where, key[0], key[1], real, field, entry[field]))
            checked[group].append(p["label"])
    assert not mismatches, "\n".join(mismatches)
    if os.environ.get("PYCORE_PYTHONS"):
        return
    for group, labels in checked.items():
        assert len(labels) >= 3, "only %s carry DWARF for %s; expected the debug builds at least" % (labels, group)
