"""A libpycore target whose callbacks read through gdb.

ctypes swallows exceptions raised in a callback and C would then see
success with an unfilled buffer: every callback catches everything,
KeyboardInterrupt included, and returns an error code.  Callbacks run only
on gdb's thread (inside the pc_analyze call).  libpycore puts a page cache
in front of this target (pc_target_new), so the engine's many small reads
become a few page-sized read_memory calls.""" 
import ctypes
import os
import stat
import re

import gdb

from . import library as L


MAPPING_RE = re.compile(r"^\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(?:\S+\s+)?(/.*\S)\s*$")


def _u64(value):
    return int(value) & 0xFFFFFFFFFFFFFFFF


class GdbTarget(object):
    def __init__(self):
        self.inferior = gdb.selected_inferior()
        if self.inferior is None or not self.inferior.is_valid() or (
                self.inferior.pid == 0 and not self.inferior.threads()):
            raise gdb.GdbError("pycore: no process or core: run, attach (gdb -p PID) or open a core first")
        self.keep = []                      # C strings handed to the engine
        self.live = self._is_live()
        arch = self.inferior.architecture().name()
        self.machine = L.machine_from_name(arch)
        if not self.machine:
            raise gdb.GdbError("pycore: this libpycore does not read the %s architecture" % arch)
        self.reg_names = L.register_names(self.machine)
        self.threads = self._threads()
        self.mappings = self._mappings()
        self.ops = L.TargetOps(
            L.TARGET_OPS_VERSION,
            L.READ(self._guard(self._read, L.PC_E_MEMORY)),
            L.PROCESS(self._guard(self._process, L.PC_E_INTERNAL)),
            L.COUNT(self._guard(lambda ctx: len(self.threads), 0)),
            L.THREAD(self._guard(self._thread, L.PC_E_INTERNAL)),
            L.COUNT(self._guard(lambda ctx: len(self.mappings), 0)),
            L.MAPPING(self._guard(self._mapping, L.PC_E_INTERNAL)),
            # No symbol operation: the engine reads the symbol tables of the
            # files it opens itself, in one pass; gdb's expression parser
            # took 14 ms a name on a first run (most of a cold py-deadlock),
            # longest for the names a version lacks.
            L.SYMBOL(0),
            L.OPEN_FILE(self._guard(self._open_file, L.PC_E_INTERNAL)),
            L.CLOSE(0),
            L.READ_TEXT(self._guard(self._read_text, L.PC_E_MODULE)))

    @staticmethod
    def _guard(fn, failure):
        def wrapper(*args):
            try:
                return fn(*args)
            except BaseException:           # never let ctypes swallow it
                return failure
        return wrapper

    def _is_live(self):
        try:
            text = gdb.execute("info target", to_string=True)
        except gdb.error:
            return False
        return "Local core dump file" not in text

    def _threads(self):
        """(lwp, registers) of every thread, read from each thread's
        innermost frame; the selected thread is restored."""
        out = []
        selected = gdb.selected_thread()
        try:
            for th in sorted(self.inferior.threads(), key=lambda t: t.num):
                th.switch()
                frame = gdb.newest_frame()
                regs = []
                for name in self.reg_names:
                    try:
                        regs.append(_u64(frame.read_register(name)))
                    except (gdb.error, ValueError):
                        regs.append(0)
                lwp = th.ptid[1] or th.ptid[0]
                out.append((lwp, regs))
        finally:
            if selected is not None and selected.is_valid():
                selected.switch()
        return out

    def _mappings(self):
        try:
            text = gdb.execute("info proc mappings", to_string=True)
        except gdb.error:
            return []
        maps = []
        for line in text.splitlines():
            m = MAPPING_RE.match(line)
            if m:
                path = m.group(4).encode()
                self.keep.append(path)
                maps.append((int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16), path))
        return maps

    # ---------------------------------------------------------------- callbacks
    def _read(self, ctx, addr, buf, length):
        ctypes.memmove(buf, bytes(self.inferior.read_memory(addr, length)), length)
        return 0

    def _process(self, ctx, out):
        p = out.contents
        p.pid = self.inferior.pid or (self.threads[0][0] if self.threads else 0)
        p.machine = self.machine
        p.core_kind = L.PC_CORE_LIVE if self.live else L.PC_CORE_UNKNOWN
        try:
            p.signal = 0 if self.live else int(gdb.parse_and_eval("$_siginfo.si_signo"))
        except gdb.error:
            p.signal = 0
        exe = self.inferior.progspace.filename
        if exe:
            # The engine knows the executable by the path it is mapped at.
            real = os.path.realpath(exe)
            for _, _, _, path in self.mappings:
                if os.path.realpath(path.decode()) == real:
                    exe = path.decode()
                    break
            b = exe.encode()
            self.keep.append(b)
            p.exe = b
        return 0

    def _thread(self, ctx, index, out):
        lwp, regs = self.threads[index]
        t = out.contents
        t.tid = lwp
        t.flags = 0                         # gdb does not show signal masks
        t.machine = self.machine
        for i, v in enumerate(regs):
            t.regs[i] = v
        return 0

    def _mapping(self, ctx, index, out):
        start, end, off, path = self.mappings[index]
        m = out.contents
        m.start, m.end, m.pgoff, m.path = start, end, off, path
        return 0

    def _open_file(self, ctx, path, build_id, build_id_len, fd, err):
        fd[0] = os.open(path.decode(), os.O_RDONLY | os.O_CLOEXEC)
        return 0

    def _read_text(self, ctx, path, buf, size):
        """A source file, as this machine has it (gdb reads the same files)."""
        name = path.decode(errors="surrogateescape")
        fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return L.PC_E_MODULE
            data = os.read(fd, size[0])
        finally:
            os.close(fd)
        ctypes.memmove(buf, data, len(data))
        size[0] = len(data)
        return 0


def analyze(fmt, native=False, source=False, flags=0):
    """Run the engine on the current inferior; the rendered report.  Native
    source lines are off unless asked for: gdb's own `bt` shows them, and
    reading DWARF a second time would dominate the command's time."""
    lib = L.load()
    target = GdbTarget()
    err = L.Error()
    handle = ctypes.c_void_p()
    if lib.pc_target_new(ctypes.byref(target.ops), None, ctypes.byref(handle), ctypes.byref(err)):
        raise gdb.GdbError("pycore: " + err.msg.decode(errors="replace"))
    analysis = ctypes.c_void_p()
    try:
        opts = L.AnalyzeOptions(1, 0, 0 if source else 1, None, 0)
        if lib.pc_analyze(handle, ctypes.byref(opts), ctypes.byref(analysis), ctypes.byref(err)):
            raise gdb.GdbError("pycore: " + err.msg.decode(errors="replace"))
        text = lib.pc_render(analysis, fmt, flags | (L.PC_RENDER_NATIVE if native else 0))
        if not text:
            raise gdb.GdbError("pycore: out of memory")
        try:
            return ctypes.string_at(text).decode(errors="replace")
        finally:
            lib.pc_free(text)
    finally:
        if analysis:
            lib.pc_analysis_free(analysis)
        lib.pc_target_close(handle)
