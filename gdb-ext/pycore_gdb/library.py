"""ctypes view of libpycore's public header (analyzer/include/pycore.h)."""
import ctypes
import os

TARGET_OPS_VERSION = 4    # PC_TARGET_OPS_VERSION: the layout of TargetOps and the structs below
MAX_REGS = 40             # PC_MAX_REGS
PC_CORE_UNKNOWN, PC_CORE_KERNEL, PC_CORE_GCORE, PC_CORE_LIVE, PC_CORE_PYCORE, PC_CORE_QEMU = 0, 1, 2, 3, 4, 5
PC_FORMAT_TEXT, PC_FORMAT_JSON, PC_FORMAT_DOT = 0, 1, 2
PC_RENDER_NATIVE = 1
PC_RENDER_STACKS = 8
PC_E_MEMORY = 7
PC_E_INTERNAL = 6
PC_E_MODULE = 4


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * 512)]


class ThreadDesc(ctypes.Structure):
    _fields_ = [("tid", ctypes.c_int32), ("flags", ctypes.c_uint32),
                ("machine", ctypes.c_int32), ("reserved", ctypes.c_uint32),
                ("regs", ctypes.c_uint64 * MAX_REGS), ("sighold", ctypes.c_uint64),
                ("sigpend", ctypes.c_uint64), ("cursig", ctypes.c_int32)]


class MappingDesc(ctypes.Structure):
    _fields_ = [("start", ctypes.c_uint64), ("end", ctypes.c_uint64),
                ("pgoff", ctypes.c_uint64), ("path", ctypes.c_char_p)]


class ProcessDesc(ctypes.Structure):
    _fields_ = [("pid", ctypes.c_int32), ("signal", ctypes.c_int32),
                ("has_siginfo", ctypes.c_int32), ("sig_code", ctypes.c_int32), ("sig_pid", ctypes.c_int32),
                ("sig_addr", ctypes.c_uint64),
                ("core_kind", ctypes.c_int32), ("machine", ctypes.c_int32),
                ("exe", ctypes.c_char_p), ("cmdline", ctypes.c_char_p),
                ("at_phdr", ctypes.c_uint64), ("at_entry", ctypes.c_uint64),
                ("at_base", ctypes.c_uint64)]


READ = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t)
PROCESS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ProcessDesc))
COUNT = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p)
THREAD = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ThreadDesc))
MAPPING = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(MappingDesc))
SYMBOL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint64))
OPEN_FILE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t,
                             ctypes.POINTER(ctypes.c_int), ctypes.POINTER(Error))
CLOSE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
READ_TEXT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p,
                             ctypes.POINTER(ctypes.c_size_t))


class TargetOps(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("read", READ), ("process", PROCESS), ("thread_count", COUNT), ("thread", THREAD),
                ("mapping_count", COUNT), ("mapping", MAPPING), ("symbol", SYMBOL),
                ("open_file", OPEN_FILE), ("close", CLOSE), ("read_text", READ_TEXT)]


class AnalyzeOptions(ctypes.Structure):
    _fields_ = [("native", ctypes.c_int), ("max_frames", ctypes.c_int), ("no_source", ctypes.c_int),
                ("debug_dirs", ctypes.c_void_p), ("scan_runtime", ctypes.c_int),
                ("native_without_python", ctypes.c_int), ("locals", ctypes.c_int),
                ("debug_cache", ctypes.c_char_p)]


def _candidates():
    env = os.environ.get("PYCORE_LIB")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    # Installed: PREFIX/share/pycore/gdb/pycore_gdb -> PREFIX/lib
    yield os.path.join(here, "..", "..", "..", "..", "lib", "libpycore.so.0")
    # In the source tree: gdb-ext/pycore_gdb -> build/lib
    yield os.path.join(here, "..", "..", "build", "lib", "libpycore.so")
    yield "libpycore.so.0"


_lib = None


def load():
    """libpycore, loaded once, with its prototypes declared."""
    global _lib
    if _lib is not None:
        return _lib
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            break
        except OSError as e:
            errors.append(str(e))
    else:
        raise RuntimeError("cannot load libpycore (set PYCORE_LIB or install pycore): " + "; ".join(errors[-2:]))
    lib.pc_target_ops_version.restype = ctypes.c_uint
    if lib.pc_target_ops_version() != TARGET_OPS_VERSION:
        raise RuntimeError("libpycore implements target interface version %d, this extension %d: install the "
                           "extension and the library of the same pycore" % (lib.pc_target_ops_version(),
                                                                            TARGET_OPS_VERSION))
    lib.pc_target_new.argtypes = [ctypes.POINTER(TargetOps), ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                  ctypes.POINTER(Error)]
    lib.pc_target_close.argtypes = [ctypes.c_void_p]
    lib.pc_analyze.argtypes = [ctypes.c_void_p, ctypes.POINTER(AnalyzeOptions), ctypes.POINTER(ctypes.c_void_p),
                               ctypes.POINTER(Error)]
    lib.pc_analysis_free.argtypes = [ctypes.c_void_p]
    lib.pc_render.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint]
    lib.pc_render.restype = ctypes.c_void_p
    lib.pc_free.argtypes = [ctypes.c_void_p]
    lib.pc_register_name.argtypes = [ctypes.c_int, ctypes.c_uint]
    lib.pc_register_name.restype = ctypes.c_char_p
    lib.pc_machine_from_name.argtypes = [ctypes.c_char_p]
    lib.pc_machine_from_name.restype = ctypes.c_int
    _lib = lib
    return lib


def register_names(machine):
    """gdb's names of pc_thread_desc.regs of a machine, in their order."""
    lib = load()
    names = []
    while True:
        n = lib.pc_register_name(machine, len(names))
        if n is None:
            return names
        names.append(n.decode())


def machine_from_name(arch):
    """The ELF machine of gdb's architecture name; 0 if libpycore lacks it."""
    return load().pc_machine_from_name(arch.encode())
