"""`pycore-analyze triage` against hostile members (docs/triage.md, "Limits").

One directory of hostile members is triaged in one run, with a small
--max-core-size and its own $TMPDIR: real kernel cores with mutated headers
(a PT_NOTE of 2**64-1 bytes, a PT_LOAD whose p_offset wraps past 2**64,
garbage program headers, truncated), plain and compressed; decompression
bombs (zstd frames of zeros, of an ELF header and then zeros, declaring
1 TiB in the frame header or in the program headers, needing too large a
window); a FIFO; a symbolic link loop; a truncated zstd core; a core a
background writer is still appending to; and good cores.  The run must
finish, report every member with its own reason, analyze the good cores,
leave $TMPDIR empty, and keep disk and memory under the documented bounds.

The bombs are built in Python (zstd RLE blocks, an lz4 frame header, an xz
block header patched): a few MB of input that would inflate to 1 TiB,
made in well under a second.

More runs: the batch killed by SIGTERM or SIGINT while it inflates a big
member (nothing left in $TMPDIR, the output sparse); a core truncated under
its worker (always a bad core, never a crash); the free-space reserve,
with $TMPDIR on a small tmpfs in a private mount namespace (unshare).

Every assertion holds for any timing: the tests that race a worker use the
PYCORE_TRIAGE_FAULT=stall hook so the truncation lands before the analysis
ends, and the background writer never completes its core.
"""
import json
import lzma
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "corpus"))
import make_core  # noqa: E402

PYTHON = "/usr/bin/python3.11"
BATCH_TIMEOUT = 300          # the whole batch, seconds: generous, it takes a few
CORE_TIMEOUT = 120           # --timeout per member
MAX = 64 << 20               # --max-core-size of the hostile batch
JOBS = 2
# Bounds checked on the hostile batch (docs/triage.md, "Limits").
DISK_BOUND = 24 << 20        # real bytes in $TMPDIR at any time (the good
                             # zstd core's non-zero pages; the bombs add ~0)
RSS_BOUND = 64 << 20         # peak RSS of the parent and of any worker
TiB = 1 << 40

PT_LOAD, PT_NOTE = 1, 4


# ------------------------------------------------------------ core bytes

def phdrs(data):
    """(index, file offset of the entry, p_type, p_offset, p_filesz) of each program header."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    out = []
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, at)
        out.append((i, at, p_type, p_offset, p_filesz))
    return out


def header_end(data):
    """End of the ELF header and program header table."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return phoff + phentsize * phnum


def with_phdr(data, pick, p_offset=None, p_filesz=None):
    """A copy of data with the first program header that pick() accepts changed."""
    out = bytearray(data)
    for i, at, p_type, off, filesz in phdrs(data):
        if pick(p_type, filesz):
            if p_offset is not None:
                struct.pack_into("<Q", out, at + 8, p_offset)
            if p_filesz is not None:
                struct.pack_into("<Q", out, at + 32, p_filesz)
                struct.pack_into("<Q", out, at + 40, max(p_filesz, struct.unpack_from("<Q", data, at + 40)[0]))
            return bytes(out)
    raise AssertionError("no program header to mutate")


# ------------------------------------------------------- compressed bombs

ZSTD_BLOCK = 128 << 10


def zstd_frame(parts, content_size=None, window_log=17):
    """A zstd frame of raw blocks (("raw", bytes)) and RLE blocks
    (("fill", byte, count)): any size of repeated bytes in 4 bytes per
    128 KiB, so a 1 TiB frame is 32 MB and a 128 GiB one 4 MB."""
    fhd = (3 << 6) if content_size is not None else 0      # 8-byte content size; windowed
    out = [b"\x28\xb5\x2f\xfd", bytes([fhd, (window_log - 10) << 3])]
    if content_size is not None:
        out.append(struct.pack("<Q", content_size))

    def block(kind, size, payload):
        return struct.pack("<I", (kind << 1) | (size << 3))[:3] + payload

    for part in parts:
        if part[0] == "raw":
            data = part[1]
            for i in range(0, len(data), ZSTD_BLOCK):
                out.append(block(0, len(data[i:i + ZSTD_BLOCK]), data[i:i + ZSTD_BLOCK]))
        else:
            _, byte, count = part
            full, rest = divmod(count, ZSTD_BLOCK)
            out.append(block(1, ZSTD_BLOCK, bytes([byte])) * full)
            if rest:
                out.append(block(1, rest, bytes([byte])))
    out.append(b"\x01\x00\x00")                            # an empty last raw block
    return b"".join(out)


def xxh32(data, seed=0):
    """xxHash32, for the lz4 frame header's checksum byte."""
    p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    m = 0xffffffff

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & m

    n, i = len(data), 0
    if n >= 16:
        v = [(seed + p1 + p2) & m, (seed + p2) & m, seed & m, (seed - p1) & m]
        while i + 16 <= n:
            for k in range(4):
                lane, = struct.unpack_from("<I", data, i + 4 * k)
                v[k] = (rotl((v[k] + lane * p2) & m, 13) * p1) & m
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & m
    else:
        h = (seed + p5) & m
    h = (h + n) & m
    while i + 4 <= n:
        word, = struct.unpack_from("<I", data, i)
        h = (rotl((h + word * p3) & m, 17) * p4) & m
        i += 4
    while i < n:
        h = (rotl((h + data[i] * p5) & m, 11) * p1) & m
        i += 1
    h ^= h >> 15
    h = (h * p2) & m
    h ^= h >> 13
    h = (h * p3) & m
    h ^= h >> 16
    return h


def lz4_frame(payload, content_size):
    """An lz4 frame with one uncompressed block, declaring content_size."""
    desc = bytes([0x68, 0x40]) + struct.pack("<Q", content_size)   # v1, independent, C.Size; 64 KiB blocks
    head = b"\x04\x22\x4d\x18" + desc + bytes([(xxh32(desc) >> 8) & 0xff])
    return head + struct.pack("<I", len(payload) | 0x80000000) + payload + b"\0\0\0\0"


def xz_needing(data, dict_code=40):
    """xz data whose block header asks for a 4 GiB dictionary (LZMA2
    dictionary code 40): more than the 256 MiB memory limit."""
    x = bytearray(lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32,
                                filters=[{"id": lzma.FILTER_LZMA2, "preset": 0}]))
    hsize = (x[12] + 1) * 4                      # the block header follows the 12-byte stream header
    at = x.index(b"\x21\x01", 12, 12 + hsize)    # LZMA2 filter flags: id, size of properties, dictionary
    x[at + 2] = dict_code
    struct.pack_into("<I", x, 12 + hsize - 4, zlib.crc32(bytes(x[12:12 + hsize - 4])))
    return bytes(x)


def compress(data, fmt):
    cmd = {"zstd": ["zstd", "-q", "-c", "-3"], "xz": ["xz", "-q", "-c", "-0"]}[fmt]
    if shutil.which(cmd[0]) is None:
        pytest.fail("%s is not installed (apt-get install zstd xz-utils)" % cmd[0], pytrace=False)
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, check=True).stdout


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("hostile"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def good_core(base):
    """A real kernel core of a deadlocked python3.11 (15 MB, sparse)."""
    if not os.access(PYTHON, os.X_OK):
        pytest.fail("the hostile triage tests need %s" % PYTHON, pytrace=False)
    try:
        rec = make_core.make_core(PYTHON, "two_threads", "kernel", os.path.join(base, "work"), verify=False)
    except make_core.MakeCoreError as e:
        pytest.fail("making the core failed: %s" % e, pytrace=False)
    dst = os.path.join(base, "good.core")
    shutil.move(rec["core"], dst)
    shutil.rmtree(rec["workdir"], ignore_errors=True)
    return dst


class Run(object):
    pass


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def tmp_files(pid, tmpdir):
    """(path in /proc, file offset, real bytes) of the files under tmpdir
    that pid holds open.  The offset, not st_size: zeros are seeked over
    and the size set at the end."""
    out = []
    fd_dir = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return out
    for fd in fds:
        p = os.path.join(fd_dir, fd)
        try:
            if not os.readlink(p).startswith(tmpdir + "/"):
                continue
            st = os.stat(p)
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                pos = int(f.readline().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        out.append((p, max(pos, st.st_size), st.st_blocks * 512))
    return out


def holders(tmpdir):
    """Every process with a file under tmpdir open (deleted or not)."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and tmp_files(int(pid), tmpdir):
            found.append(int(pid))
    return found


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        out += kids
        todo += kids
    return out


def triage(analyzer, base, args, env=None, name="run"):
    """Run the batch under GNU time with a fresh $TMPDIR, JSON into a file.
    While it runs, sample the real bytes of the files its processes hold
    under $TMPDIR.  GNU time gives the peak RSS of the batch and of the
    workers it reaped (wait4), measured from a small process: a child
    forked from pytest would count pytest's own RSS from before exec."""
    if not os.access("/usr/bin/time", os.X_OK):
        pytest.fail("GNU time is not installed (apt-get install time)", pytrace=False)
    run = Run()
    run.tmpdir = os.path.join(base, "tmpdir-" + name)
    os.makedirs(run.tmpdir)
    run.json_path = os.path.join(base, name + ".json")
    rss_path = os.path.join(base, name + ".rss")
    e = dict(os.environ)
    e.pop("DEBUGINFOD_URLS", None)
    e.pop("PYCORE_TRIAGE_FAULT", None)
    e["TMPDIR"] = run.tmpdir
    e.update(env or {})
    err = open(os.path.join(base, name + ".stderr"), "w+b")
    t0 = time.time()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_path, analyzer, "triage", "-f",
                          "json:" + run.json_path] + list(args),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=e)
    run.peak_disk = 0
    try:
        while p.poll() is None:
            if time.time() - t0 > BATCH_TIMEOUT:
                pytest.fail("the batch did not finish within %d s" % BATCH_TIMEOUT, pytrace=False)
            used = sum(r for pid in descendants(p.pid) for _, _, r in tmp_files(pid, run.tmpdir))
            run.peak_disk = max(run.peak_disk, used)
            time.sleep(0.01)
    finally:
        if p.poll() is None:
            for pid in descendants(p.pid):
                os.kill(pid, signal.SIGKILL)
            p.kill()
            p.wait()
    run.seconds = time.time() - t0
    run.rc = p.returncode
    err.seek(0)
    run.err = err.read().decode("utf-8", "replace")
    err.close()
    with open(rss_path) as f:
        run.maxrss = int(f.read().split()[-1]) * 1024
    with open(run.json_path) as f:
        run.report = json.load(f)
    run.cores = {c["path"]: c for c in run.report["cores"]}
    return run


# ------------------------------------------------------------ the batch

@pytest.fixture(scope="module")
def hostile(base, good_core):
    """name -> (error_kind or None for ok, words in the error): the members,
    plus the growing core's writer, which runs until stopped."""
    d = os.path.join(base, "hostile")
    os.makedirs(d)
    data = open(good_core, "rb").read()
    head = data[:header_end(data)]
    members = {}

    def put(name, content, kind, words):
        with open(os.path.join(d, name), "wb") as f:
            f.write(content)
        members[name] = (kind, words)

    corrupt = r"corrupt|truncated"      # the core parser's words, or the early check's
    # good cores, plain and zstd (the CLI records the content size: it is checked)
    shutil.copyfile(good_core, os.path.join(d, "core.good"))
    members["core.good"] = (None, None)
    zpath = os.path.join(d, "core.good.zst")
    subprocess.run(["zstd", "-q", "-3", good_core, "-o", zpath], check=True)
    members["core.good.zst"] = (None, None)
    # mutated headers, plain: the core parser must refuse them
    note_huge = with_phdr(data, lambda t, s: t == PT_NOTE, p_filesz=2**64 - 1)
    load_wrap = with_phdr(data, lambda t, s: t == PT_LOAD and s > 0, p_offset=2**64 - 0x1000)
    put("core.note-huge", note_huge, "bad-core", corrupt)
    put("core.load-wrap", load_wrap, "bad-core", corrupt)
    garbage = bytearray(data)
    rnd = random.Random(20240601)
    phoff, = struct.unpack_from("<Q", data, 0x20)
    garbage[phoff:header_end(data)] = bytes(rnd.getrandbits(8) for _ in range(header_end(data) - phoff))
    put("core.garbage-phdrs", bytes(garbage), "bad-core", corrupt)
    put("core.truncated", data[:len(data) // 3], "bad-core", "truncated")
    # the same mutations compressed: refused while they stream in
    put("core.note-huge.zst", compress(note_huge, "zstd"), "bad-core", r"corrupt: program header #\d+ ends past 2\^64")
    put("core.load-wrap.zst", compress(load_wrap, "zstd"), "bad-core", r"corrupt: program header #\d+ ends past 2\^64")
    # bombs (each frame 4 bytes per 128 KiB)
    put("core.zero-bomb.zst", zstd_frame([("fill", 0, 8 << 30)]), "bad-core", "not an ELF core")
    extent = max(off + size for _, _, _, off, size in phdrs(data))
    put("core.elf-bomb.zst", zstd_frame([("raw", head), ("fill", 0, 8 << 30)]), "bad-core",
        r"goes on more than 16 MiB past the %d bytes its headers declare" % extent)
    huge_load = with_phdr(data, lambda t, s: t == PT_LOAD and s > 0, p_filesz=TiB)
    put("core.declares-1T.zst", zstd_frame([("raw", huge_load[:header_end(data)]), ("fill", 0, 8 << 30)]),
        "too-large", r"headers declare \d+ bytes, more than --max-core-size \(%d bytes\)" % MAX)
    put("core.frame-1T.zst", zstd_frame([("raw", head), ("fill", 0, 1 << 20)], content_size=TiB), "too-large",
        r"zstd frame header declares %d decompressed bytes, more than --max-core-size" % TiB)
    put("core.frame-1T.lz4", lz4_frame(head[:4096], TiB), "too-large",
        r"lz4 frame header declares %d decompressed bytes" % TiB)
    put("core.window.zst", zstd_frame([("raw", head)], window_log=31), "decompress",
        "corrupt zstd data: Frame requires too much memory")
    put("core.dict.xz", xz_needing(head), "decompress", "needs more than 256 MiB of memory")
    put("core.exe.zst", compress(open("/bin/true", "rb").read(), "zstd"), "bad-core",
        r"not an ELF core \(ELF type 3, not ET_CORE\)")
    z = compress(data, "zstd")
    put("core.truncated.zst", z[:len(z) // 2], "decompress", "zstd data is truncated")
    # not regular files, links
    os.mkfifo(os.path.join(d, "core.fifo"))                  # in a directory: skipped
    os.symlink("core.loop", os.path.join(d, "core.loop"))
    members["core.loop"] = ("unreadable", "Too many levels of symbolic links")
    # a core still being written: never complete while the batch runs
    growing = os.path.join(d, "core.growing")
    members["core.growing"] = ("bad-core", "truncated")
    stop = threading.Event()
    started = threading.Event()

    def writer():
        with open(growing, "wb", buffering=0) as f:
            f.write(data[:1 << 20])
            started.set()
            at = 1 << 20
            while not stop.is_set() and at + (64 << 10) < len(data) * 4 // 5:
                f.write(data[at:at + (64 << 10)])
                at += 64 << 10
                stop.wait(0.02)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    started.wait(30)
    # a FIFO named on the command line is a member
    explicit = os.path.join(base, "explicit")
    os.makedirs(explicit)
    fifo = os.path.join(explicit, "core.fifo")
    os.mkfifo(fifo)
    yield d, {os.path.join(d, k): v for k, v in members.items()}, fifo, len(data), extent
    stop.set()
    t.join()


def test_hostile_batch(analyzer, base, hostile):
    d, members, fifo, core_size, extent = hostile
    run = triage(analyzer, base, ["--jobs", str(JOBS), "--max-core-size", str(MAX >> 20) + "M", "--timeout",
                                  str(CORE_TIMEOUT), d, fifo], name="hostile")
    expect = dict(members)
    expect[fifo] = ("unreadable", "not a regular file")
    info = make_core.scenario_info("two_threads")
    patterns = [info["expect"]] + info["accept"]
    assert run.rc == 1 | 8, (run.rc, run.err)
    assert run.err == "", run.err
    assert set(run.cores) == set(expect), sorted(set(run.cores) ^ set(expect))
    wrong = []
    for path, (kind, words) in sorted(expect.items()):
        c = run.cores[path]
        if kind is None:
            if not (c["ok"] and c["diagnosis"]["pattern"] in patterns):
                wrong.append((os.path.basename(path), "not analyzed", c["error_kind"], c["error"]))
        elif c["ok"] or c["error_kind"] != kind or not re.search(words, c["error"] or ""):
            wrong.append((os.path.basename(path), "want %s /%s/" % (kind, words), c["error_kind"], c["error"]))
    assert not wrong, "\n".join(map(str, wrong))
    assert run.cores[os.path.join(d, "core.good.zst")]["size"] == core_size
    # refused early: decompressed bytes kept before the refusal (the first
    # output buffer is 1 MiB; the bombs inflate to 8 GiB)
    early = {"core.zero-bomb.zst": 0, "core.frame-1T.zst": 0, "core.frame-1T.lz4": 0, "core.window.zst": 0,
             "core.declares-1T.zst": 1 << 20, "core.note-huge.zst": 1 << 20, "core.load-wrap.zst": 1 << 20,
             "core.exe.zst": 0, "core.elf-bomb.zst": extent + (16 << 20)}
    for name, most in early.items():
        assert run.cores[os.path.join(d, name)]["size"] <= most, (name, run.cores[os.path.join(d, name)]["size"])
    assert run.report["summary"]["skipped"] == 1                 # the FIFO in the directory
    # nothing crashed, nothing timed out: every member has its reason
    assert not [c for c in run.cores.values() if c["error_kind"] in ("crashed", "timeout")]
    # bounds
    assert os.listdir(run.tmpdir) == []
    assert run.peak_disk <= DISK_BOUND, "peak real disk use in $TMPDIR %d bytes > %d" % (run.peak_disk, DISK_BOUND)
    assert run.maxrss <= RSS_BOUND, "peak RSS %d bytes > %d" % (run.maxrss, RSS_BOUND)
    assert run.seconds < BATCH_TIMEOUT
    print("hostile batch: %.1f s, peak RSS %.1f MiB, peak real disk in TMPDIR %.1f MiB"
          % (run.seconds, run.maxrss / 2**20, run.peak_disk / 2**20))


# --------------------------------------------------------- killed batches

def big_member(base, good_core, name, gib):
    """A zstd core: the good core's headers with a PT_LOAD of `gib` GiB,
    then that many GiB of zeros (4 MB of input per 128 GiB)."""
    data = open(good_core, "rb").read()
    head = with_phdr(data, lambda t, s: t == PT_LOAD and s > 0, p_filesz=gib << 30)[:header_end(data)]
    path = os.path.join(base, name)
    with open(path, "wb") as f:
        f.write(zstd_frame([("raw", head), ("fill", 0, gib << 30)]))
    return path


def worker_file(batch, tmpdir, min_size, timeout=120):
    """(worker pid, /proc path, offset, real bytes) of a worker's temporary file once min_size went in."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for child in children(batch):
            for p, size, real in tmp_files(child, tmpdir):
                if size >= min_size:
                    return child, p, size, real
        time.sleep(0.02)
    return None


def gone(pid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_killed_while_inflating_leaves_nothing(analyzer, base, good_core, sig):
    """Killed mid-decompression of a 128 GiB member: the worker goes with
    the batch, $TMPDIR is empty and no process holds a file there.  The
    output is sparse: hundreds of MiB long, almost no disk."""
    member = big_member(base, good_core, "core.big-%d.zst" % sig, 128)
    tmpdir = os.path.join(base, "tmpdir-kill-%d" % sig)
    os.makedirs(tmpdir)
    env = dict(os.environ, TMPDIR=tmpdir)
    env.pop("PYCORE_TRIAGE_FAULT", None)
    p = subprocess.Popen([analyzer, "triage", "--max-core-size", "1T", member], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        found = worker_file(p.pid, tmpdir, 256 << 20)
        assert found, "no worker inflating into %s" % tmpdir
        worker, _, size, real = found
        assert real < 8 << 20, "%d bytes long, %d on disk: zeros were written, not skipped" % (size, real)
        p.send_signal(sig)
        p.wait(timeout=60)
        assert p.returncode == -sig
        assert gone(worker), "worker %d survived the batch" % worker
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert os.listdir(tmpdir) == []
    assert holders(tmpdir) == []


# ------------------------------------------------------- shrinking cores

def mapped(pid, path):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return any(line.rstrip("\n").endswith(" " + path) for line in f)
    except OSError:
        return False


def has_open(pid, path):
    try:
        return any(os.readlink("/proc/%d/fd/%s" % (pid, fd)) == path for fd in os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return False


@pytest.mark.parametrize("when", ["opened", "mapped"])
def test_core_truncated_under_its_worker(analyzer, base, good_core, when):
    """A plain core truncated while its worker reads it is a bad core with
    a reason, never "crashed".  The stall hook holds the worker after the
    core target has mapped the core, until the size changes, so the cut
    always lands before the analysis ends.  "opened": cut as soon as the
    worker has the file open, before or after the mapping (the parser finds
    it truncated, or the worker dies of SIGBUS); "mapped": cut once it is
    mapped (SIGBUS)."""
    path = os.path.join(base, "core.shrinking-" + when)
    shutil.copyfile(good_core, path)
    keep = 4096 if when == "mapped" else os.path.getsize(path) // 2
    tmpdir = os.path.join(base, "tmpdir-shrink-" + when)
    os.makedirs(tmpdir)
    out = os.path.join(base, "shrink-%s.json" % when)
    env = dict(os.environ, TMPDIR=tmpdir, PYCORE_TRIAGE_FAULT="stall:core.shrinking-" + when)
    p = subprocess.Popen([analyzer, "triage", "-f", "json:" + out, "--timeout", str(CORE_TIMEOUT), path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        ready = mapped if when == "mapped" else has_open
        deadline = time.time() + 120
        while time.time() < deadline and not any(ready(c, path) for c in children(p.pid)):
            if p.poll() is not None:
                break
            time.sleep(0.005)
        os.truncate(path, keep)
        _, err = p.communicate(timeout=BATCH_TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 8, err
    c = json.load(open(out))["cores"][0]
    assert c["error_kind"] == "bad-core", c
    if when == "mapped":
        assert "shrank while it was being read (SIGBUS)" in c["error"], c["error"]
    else:
        assert re.search(r"core is truncated|shrank while it was being read", c["error"]), c["error"]
    assert "re-" in c["error"]          # says what to do
    assert os.listdir(tmpdir) == []


# ------------------------------------------------------- disk reserve

def test_free_space_reserve(analyzer, base, good_core):
    """$TMPDIR on a 1200 MiB tmpfs (a private mount namespace): the reserve
    is 1 GiB, so a member of 4 GiB of non-zero bytes is refused once about
    128 MiB are written, with a message naming TMPDIR."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare is not installed (apt-get install util-linux)", pytrace=False)
    data = open(good_core, "rb").read()
    head = with_phdr(data, lambda t, s: t == PT_LOAD and s > 0, p_filesz=4 << 30)[:header_end(data)]
    member = os.path.join(base, "core.fill.zst")
    with open(member, "wb") as f:
        f.write(zstd_frame([("raw", head), ("fill", 1, 4 << 30)]))
    mnt = os.path.join(base, "small-tmp")
    os.makedirs(mnt)
    out = os.path.join(base, "reserve.json")
    script = ('mount -t tmpfs -o size=1200m tmpfs "$1" || exit 90; TMPDIR="$1" "$2" triage --jobs 1 '
              '--max-core-size 8G -f json:"$3" "$4"; rc=$?; [ -z "$(ls -A "$1")" ] || exit 91; exit $rc')
    p = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", mnt, analyzer, out, member],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=BATCH_TIMEOUT)
    assert p.returncode != 90, "cannot mount a tmpfs in a private mount namespace: %s" % p.stderr.decode()
    assert p.returncode != 91, "files left in the tmpfs $TMPDIR"
    assert p.returncode == 8, p.stderr.decode()
    c = json.load(open(out))["cores"][0]
    assert c["error_kind"] == "internal", c
    assert "not enough free space in %s (TMPDIR)" % mnt in c["error"], c["error"]
    assert "MiB must stay free" in c["error"] and "TMPDIR" in c["error"]
