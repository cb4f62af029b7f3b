#!/usr/bin/python3
"""Make the committed seed corpora of the fuzz targets from real cores.

    tests/fuzz/make_seeds.py [--only memory,corefile,...]

For one interpreter of each CPython version present (tests/integration/
pythons.py) and a few corpus scenarios, a kernel core is taken with
corpus/make_core.py, then:
  memory/      build/tools/make_memimage records what the CPython,
               diagnose and report layers read (`make memimage` first);
  corefile/       the core trimmed to its headers, notes and the first page
               of up to four mapped ELF files (the build-id notes);
  decompress/  the first trimmed core compressed with zstd, lz4, xz, gzip;
  linetable/   line tables of real code objects of each version, behind
               the 8-byte (firstlineno, instruction offset) header;
  text/        strings a core gives the escapers (paths, names, bytes);
  proc/        /proc/self maps, status, stat and auxv of this process.
Inputs are small (a few KiB to some tens of KiB): they are committed.
"""
import argparse
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import make_core  # noqa: E402
import pythons  # noqa: E402

SCENARIOS = ["two_threads", "import_lock", "asyncio_await_forever", "asyncio_lock_order", "gil_held"]
VERSIONS = ["2.7", "3.6", "3.8", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
PT_LOAD, PT_NOTE = 1, 4


def trim_core(data):
    """ELF header, program headers, notes and a few ELF-header pages."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    phdrs = [list(struct.unpack_from("<IIQQQQQQ", data, phoff + 56 * i)) for i in range(phnum)]
    keep_pages = 0
    out = bytearray(data[:64]) + bytearray(56 * phnum)
    for ph in phdrs:
        ptype, off, filesz = ph[0], ph[2], ph[5]
        chunk = b""
        if ptype == PT_NOTE:
            chunk = data[off:off + filesz]
        elif ptype == PT_LOAD and filesz and keep_pages < 4 and data[off:off + 4] == b"\x7fELF":
            chunk = data[off:off + 4096]
            keep_pages += 1
        while len(out) % 8:
            out.append(0)
        ph[2] = len(out) if chunk else 0
        ph[5] = len(chunk)
        out += chunk
    struct.pack_into("<Q", out, 32, 64)
    for i, ph in enumerate(phdrs):
        struct.pack_into("<IIQQQQQQ", out, 64 + 56 * i, *ph)
    return bytes(out)


def linetables(python, dest, label):
    code = ("import sys,struct,threading,os\n"
            "fs=[threading.Thread.join, os.walk, struct.calcsize.__class__.__init__]\n"
            "out=[]\n"
            "for f in (threading.Thread.join, threading.Condition.wait, os.walk):\n"
            "  c=getattr(f,'__code__',None)\n"
            "  if c is None: continue\n"
            "  t=getattr(c,'co_linetable',None) if sys.version_info>=(3,10) else c.co_lnotab\n"
            "  out.append(struct.pack('<ii',c.co_firstlineno,len(c.co_code)//2)+bytes(t))\n"
            "sys.stdout.write(','.join(x.hex() for x in out))\n")
    r = subprocess.run([python, "-S", "-c", code], capture_output=True, text=True)
    for i, h in enumerate(r.stdout.split(",")):
        if h:
            open(os.path.join(dest, "%s-%d.bin" % (label, i)), "wb").write(bytes.fromhex(h))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="memory,corefile,decompress,linetable,text,proc")
    args = ap.parse_args()
    only = set(args.only.split(","))
    corpus = os.path.join(HERE, "corpus")
    recorder = os.path.join(REPO, "build", "tools", "make_memimage")
    if "memory" in only and not os.access(recorder, os.X_OK):
        sys.exit("make_seeds: run `make memimage` first")
    for d in only:
        os.makedirs(os.path.join(corpus, d), exist_ok=True)
    work = tempfile.mkdtemp(prefix="pycore-seeds-")
    first_core = None
    try:
        for xy in VERSIONS:
            present = [p for p in pythons.selected(xy) if p["present"]]
            if not present:
                print("make_seeds: no CPython %s here, skipped" % xy, file=sys.stderr)
                continue
            py = present[0]
            label = py["label"]
            if "linetable" in only:
                linetables(py["path"], os.path.join(corpus, "linetable"), label)
            for sc in SCENARIOS if only & {"memory", "corefile", "decompress"} else []:
                if sc.startswith("asyncio") and xy.startswith("2."):
                    continue
                try:
                    rec = make_core.make_core(py["path"], sc, "kernel", work)
                except Exception as e:   # a scenario that does not run on this version
                    print("make_seeds: %s %s: %s" % (label, sc, str(e).splitlines()[0]), file=sys.stderr)
                    continue
                core = rec["core"]
                name = "%s-%s" % (label, sc)
                # 3.6 and 3.14+ find their asyncio tasks through the native
                # layer (a symbol, the .AsyncioDebug section), which an image
                # does not keep: it would not replay to the recorded report.
                native_tasks = sc.startswith("asyncio") and (xy == "3.6" or xy >= "3.14")
                if "memory" in only and not native_tasks:
                    subprocess.run([recorder, core, os.path.join(corpus, "memory", name + ".img")], check=True)
                if only & {"corefile", "decompress"}:
                    trimmed = trim_core(open(core, "rb").read())
                    if "corefile" in only and sc == SCENARIOS[0]:
                        open(os.path.join(corpus, "corefile", name + ".core"), "wb").write(trimmed)
                    first_core = first_core or trimmed
                shutil.rmtree(rec["workdir"], ignore_errors=True)
        if "decompress" in only and first_core:
            d = os.path.join(corpus, "decompress")
            raw = os.path.join(work, "seed.core")
            open(raw, "wb").write(first_core)
            for tool, ext in (("zstd", "zst"), ("lz4", "lz4"), ("xz", "xz")):
                subprocess.run([tool, "-q", "-f", "-c", raw], stdout=open(os.path.join(d, "core." + ext), "wb"),
                               check=True)
            open(os.path.join(d, "core.gz"), "wb").write(gzip.compress(first_core))
        if "text" in only:
            d = os.path.join(corpus, "text")
            for i, s in enumerate([b"\x10/usr/lib/python3.11/threading.py", b"\x20Thread-1 (worker) \xe2\x9c\x93",
                                   b"\x08a|b`c\nd\re\tf<g>&\"'", b"\x30\xff\xfe\xc3\x28 bad utf-8 \xed\xa0\x80",
                                   b"\x05" + "é".encode() * 40]):
                open(os.path.join(d, "s%d.txt" % i), "wb").write(s)
        if "proc" in only:
            d = os.path.join(corpus, "proc")
            for i, name in enumerate(["maps", "status", "stat", "auxv"]):
                open(os.path.join(d, name), "wb").write(bytes([i]) + open("/proc/self/" + name, "rb").read())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
