"""The public library surface: libpycore.so exports exactly pycore.h's
PC_API functions, and the gdb extension's ctypes view of pycore.h
(gdb-ext/pycore_gdb/library.py) matches the header: struct field names,
order, offsets and sizes (measured by a C program compiled against the
header), constants, argument counts, and the target interface version."""
import ctypes
import json
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HEADER = os.path.join(REPO, "analyzer", "include", "pycore.h")
SO = os.path.join(REPO, os.environ.get("PYCORE_BUILD", "build"), "lib", "libpycore.so")
sys.path.insert(0, os.path.join(REPO, "gdb-ext"))
from pycore_gdb import library as L  # noqa: E402

# ctypes class -> C typedef
STRUCTS = {"Error": "pc_error", "ThreadDesc": "pc_thread_desc", "MappingDesc": "pc_mapping_desc",
           "ProcessDesc": "pc_process_desc", "TargetOps": "pc_target_ops", "AnalyzeOptions": "pc_analyze_options"}
# library.py constant -> C expression
CONSTANTS = {"TARGET_OPS_VERSION": "PC_TARGET_OPS_VERSION", "MAX_REGS": "PC_MAX_REGS",
             "PC_CORE_UNKNOWN": "PC_CORE_UNKNOWN", "PC_CORE_KERNEL": "PC_CORE_KERNEL",
             "PC_CORE_GCORE": "PC_CORE_GCORE", "PC_CORE_LIVE": "PC_CORE_LIVE",
             "PC_CORE_PYCORE": "PC_CORE_PYCORE", "PC_CORE_QEMU": "PC_CORE_QEMU",
             "PC_FORMAT_TEXT": "PC_FORMAT_TEXT", "PC_FORMAT_JSON": "PC_FORMAT_JSON", "PC_FORMAT_DOT": "PC_FORMAT_DOT",
             "PC_RENDER_NATIVE": "PC_RENDER_NATIVE", "PC_RENDER_STACKS": "PC_RENDER_STACKS", "PC_E_MEMORY": "PC_E_MEMORY", "PC_E_INTERNAL": "PC_E_INTERNAL",
             "PC_E_MODULE": "PC_E_MODULE"}


def header():
    return re.sub(r"/\*.*?\*/", " ", open(HEADER).read(), flags=re.S)


def struct_fields(text, name):
    m = re.search(r"typedef struct %s \{(.*?)\} %s;" % (name, name), text, re.S)
    assert m, "pycore.h has no typedef struct %s" % name
    names = []
    for decl in m.group(1).split(";"):
        decl = " ".join(decl.split())
        if not decl:
            continue
        fn = re.search(r"\(\*(\w+)\)", decl)
        if fn:
            names.append(fn.group(1))
            continue
        parts = [re.sub(r"\[.*?\]", "", p).strip() for p in decl.split(",")]
        names.append(re.findall(r"\w+", parts[0])[-1])
        names += [p.strip("* ") for p in parts[1:]]
    return names


def api_functions(text):
    """name -> parameter count of every PC_API function."""
    out = {}
    for m in re.finditer(r"PC_API [^;(]*?\b(pc_\w+)\(([^)]*)\)\s*;", text):
        params = m.group(2).strip()
        out[m.group(1)] = 0 if params in ("", "void") else params.count(",") + 1
    return out


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """sizeof/offsetof of every mirrored struct, and the constants, from C."""
    text = header()
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "pycore.h"', "int main(void) {",
             'printf("{\\"structs\\": {");']
    for k, (cls, cname) in enumerate(STRUCTS.items()):
        lines.append('printf("%s\\"%s\\": {\\"size\\": %%zu", sizeof(%s));' % ("," if k else "", cname, cname))
        for f in struct_fields(text, cname):
            lines.append('printf(", \\"%s\\": %%zu", offsetof(%s, %s));' % (f, cname, f))
        lines.append('printf("}");')
    lines.append('printf("}, \\"constants\\": {");')
    for k, (py, c) in enumerate(CONSTANTS.items()):
        lines.append('printf("%s\\"%s\\": %%lld", (long long)(%s));' % ("," if k else "", py, c))
    lines += ['printf("}}\\n");', "return 0; }"]
    d = tmp_path_factory.mktemp("abi")
    src, exe = d / "probe.c", d / "probe"
    src.write_text("\n".join(lines) + "\n")
    subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", "-I", os.path.dirname(HEADER), "-o", str(exe), str(src)],
                   check=True)
    return json.loads(subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout)


@pytest.mark.parametrize("cls", sorted(STRUCTS))
def test_struct_matches_header(cls, measured):
    cname = STRUCTS[cls]
    ct = getattr(L, cls)
    names = [f[0] for f in ct._fields_]
    assert names == struct_fields(header(), cname), "%s's fields differ from pycore.h's %s" % (cls, cname)
    c = measured["structs"][cname]
    assert ctypes.sizeof(ct) == c["size"], "sizeof %s" % cname
    for n in names:
        assert getattr(ct, n).offset == c[n], "offsetof(%s, %s)" % (cname, n)


def test_constants_match_header(measured):
    for py, value in measured["constants"].items():
        assert getattr(L, py) == value, "%s = %r, pycore.h says %r" % (py, getattr(L, py), value)


def test_argument_counts_match_header():
    os.environ["PYCORE_LIB"] = SO
    L._lib = None
    lib = L.load()
    api = api_functions(header())
    declared = [n for n in api if getattr(getattr(lib, n), "argtypes", None) is not None]
    assert declared, "library.py declares no prototypes"
    for n in declared:
        assert len(getattr(lib, n).argtypes) == api[n], "%s takes %d arguments in pycore.h" % (n, api[n])


def test_exports_are_the_public_api():
    out = subprocess.run(["nm", "-D", "--defined-only", SO], check=True, capture_output=True, text=True).stdout
    exported = {l.split()[-1] for l in out.splitlines() if re.search(r" [TDBR] ", l)}
    exported = {s for s in exported if not s.startswith("_")}
    assert exported == set(api_functions(header())), \
        "libpycore.so exports %s beyond pycore.h, lacks %s" % (sorted(exported - set(api_functions(header()))),
                                                              sorted(set(api_functions(header())) - exported))


def test_wrong_interface_version_is_refused():
    lib = ctypes.CDLL(SO)
    ops = L.TargetOps()
    ops.version = L.TARGET_OPS_VERSION + 1
    t, err = ctypes.c_void_p(), L.Error()
    lib.pc_target_new.argtypes = [ctypes.POINTER(L.TargetOps), ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                  ctypes.POINTER(L.Error)]
    assert lib.pc_target_new(ctypes.byref(ops), None, ctypes.byref(t), ctypes.byref(err)) == 2
    assert b"target interface version" in err.msg and not t.value


ACCESSORS = r"""
#include <pycore.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    pc_target *t; pc_analysis *a; pc_error err;
    pc_analyze_options o = {.native = 1};
    if (argc < 2 || pc_target_open_core(argv[1], NULL, &t, &err) || pc_analyze(t, &o, &a, &err))
        return 2;
    size_t n = pc_analysis_thread_count(a);
    printf("threads %zu\n", n);
    for (size_t i = 0; i < n; i++) {
        pc_thread_info ti;
        if (pc_analysis_thread(a, i, &ti))
            return 3;
        printf("thread %d %s main=%d python=%d wait=%s frames=%zu/%zu\n", ti.tid, ti.name, ti.main, ti.python,
               ti.wait_kind, ti.python_frames, ti.native_frames);
        for (size_t k = 0; k < ti.python_frames; k++) {
            pc_py_frame_info f;
            if (pc_analysis_py_frame(a, i, k, &f))
                return 4;
            printf("  py %s %s:%d %s\n", f.qualname, f.file, f.line, f.source ? f.source : "-");
        }
        pc_native_frame_info nf;
        if (ti.native_frames && pc_analysis_native_frame(a, i, 0, &nf))
            return 5;
        if (pc_analysis_py_frame(a, i, ti.python_frames, &(pc_py_frame_info){0}) != PC_E_USAGE)
            return 6;
    }
    if (pc_analysis_thread(a, n, &(pc_thread_info){0}) != PC_E_USAGE)
        return 7;
    pc_analysis_free(a);
    pc_target_close(t);
    return 0;
}
"""


def test_accessors_agree_with_json(tmp_path, analyzer):
    """A C program walks an analysis through the accessors of pycore.h and
    prints what the JSON report says (threads, names, Python frames)."""
    import make_core
    static = os.path.join(os.path.dirname(SO), "libpycore.a")
    src = tmp_path / "walk.c"
    src.write_text(ACCESSORS)
    exe = tmp_path / "walk"
    libs = ["-ldw", "-lelf", "-lzstd", "-llz4", "-llzma", "-lz", "-ldl", "-lpthread"]
    subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", "-I", os.path.dirname(HEADER), "-o", str(exe), str(src),
                    static] + libs, check=True)
    rec = make_core.make_core("/usr/bin/python3.11", "two_threads", "kernel", str(tmp_path / "core"))
    out = subprocess.run([str(exe), rec["core"]], stdout=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert out.returncode == 0, out.returncode
    doc = json.loads(subprocess.run([analyzer, "--format", "json", rec["core"]], stdout=subprocess.PIPE,
                                    universal_newlines=True).stdout)
    want = ["threads %d" % len(doc["threads"])]
    for th in doc["threads"]:
        want.append("thread %d %s main=%d python=%d wait=%s frames=%d/%d" % (
            th["tid"], th["name"] or "", th["main"], th["python"], th["wait"]["kind"], len(th["python_frames"]),
            len(th["native_frames"])))
        want += ["  py %s %s:%d %s" % (f["qualname"], f["file"], f["line"], f["source"] or "-")
                 for f in th["python_frames"]]
    assert out.stdout.splitlines() == want
