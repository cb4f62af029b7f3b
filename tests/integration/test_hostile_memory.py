"""Hostile memory: real cores whose writable memory (heap, stacks, the
interpreter's data) is overwritten with garbage and with pointers that are
valid but wrong (into other segments, back into the same object: cycles).
The core's structure stays valid, so the engine reads all the way into the
CPython objects.  Every run must end with exit status 0-6, one line on
stderr when it fails, within the time limit: never a crash or a hang.
Seeded, so a failure can be replayed."""
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
import make_core  # noqa: E402
import pythons  # noqa: E402

MUTANTS = 40            # per core
RATES = (0.0005, 0.005, 0.05)   # share of the writable words overwritten, by turns
TIMEOUT = 60


def writable_loads(data):
    """(file offset, size, vaddr) of the PT_LOAD segments with PF_W and bytes."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    out = []
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_flags & 2 and p_filesz >= 8:
            out.append((p_offset, p_filesz, p_vaddr))
    return out


def mutate(data, rng, rate):
    segs = writable_loads(data)
    total = sum(s[1] for s in segs)
    out = bytearray(data)
    for _ in range(int(total / 8 * rate)):
        pick = rng.randrange(total)
        for off, size, vaddr in segs:
            if pick < size:
                break
            pick -= size
        pos = off + (pick & ~7)
        if pos + 8 > off + size:
            continue
        kind = rng.randrange(4)
        if kind == 0:       # a pointer into some segment: readable, wrong
            o2, s2, v2 = rng.choice(segs)
            word = v2 + (rng.randrange(s2) & ~7)
        elif kind == 1:     # a pointer back to itself: the shortest cycle
            word = vaddr + (pos - off)
        elif kind == 2:     # a huge length or count
            word = rng.choice([0x7fffffffffffffff, 0xffffffffffffffff, 1 << 40, 0x80000000])
        else:
            word = rng.getrandbits(64)
        struct.pack_into("<Q", out, pos, word)
    return bytes(out)


@pytest.mark.parametrize("python", pythons.one_per_version(("2.7", "3.8", "3.11", "3.12", "3.13", "3.14")))
def test_garbage_in_memory_never_crashes(analyzer, python):
    work = tempfile.mkdtemp(prefix="pycore-hostile-")
    try:
        rec = make_core.make_core(python, "lock_cycle_three", "kernel", work, verify=False)
        with open(rec["core"], "rb") as f:
            data = f.read()
        seed = sum(map(ord, python))
        rng = random.Random(seed)
        mutant = os.path.join(work, "mutant")
        seen = {}
        for i in range(MUTANTS):
            with open(mutant, "wb") as f:
                f.write(mutate(data, rng, RATES[i % len(RATES)]))
            for args in (["--format", "json"], ["--no-source", "--format", "text"]):
                try:
                    res = subprocess.run([analyzer] + args + [mutant, python], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    pytest.fail("mutant %d (seed %d) of %s: no answer in %d s" % (i, seed, python, TIMEOUT))
                err = res.stderr.decode(errors="replace")
                where = "mutant %d (seed %d, %s) of %s: exit %d\n%s" % (i, seed, " ".join(args), python,
                                                                       res.returncode, err[-2000:])
                assert 0 <= res.returncode <= 6, where
                if res.returncode >= 2:
                    assert len([l for l in err.splitlines() if l.strip()]) == 1, where
                seen[res.returncode] = seen.get(res.returncode, 0) + 1
        sys.stderr.write("%s: exit statuses %s\n" % (python, sorted(seen.items())))
    finally:
        shutil.rmtree(work, ignore_errors=True)
