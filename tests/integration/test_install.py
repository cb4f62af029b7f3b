"""`make install` honours PREFIX and DESTDIR, and what it installs works:
the CLI, the library and header, the man page, the gdb script."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def test_make_install(analyzer):
    dest = tempfile.mkdtemp(prefix="pycore-install-")
    try:
        # A user's `make install`: not the variables of a make that runs the
        # tests (`make asan-check` passes BUILD and sanitizer CFLAGS down, in
        # MAKEFLAGS and, being command-line variables, in the environment).
        clean = dict((k, v) for k, v in os.environ.items()
                     if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BUILD", "CFLAGS", "LDFLAGS", "CC"))
        subprocess.run(["make", "-s", "install", "PREFIX=/opt/pycore", "DESTDIR=" + dest], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, env=clean)
        root = os.path.join(dest, "opt", "pycore")
        for rel in ("bin/pycore-analyze", "lib/libpycore.a", "lib/libpycore.so.0", "lib/libpycore.so",
                    "include/pycore.h", "lib/pkgconfig/pycore.pc", "share/man/man1/pycore-analyze.1",
                    "share/pycore/gdb/pycore-gdb.py", "share/pycore/gdb/pycore_gdb/target.py",
                    "share/pycore/pytest/pycore_hang.py"):
            assert os.path.exists(os.path.join(root, rel)), rel
        out = subprocess.run([os.path.join(root, "bin", "pycore-analyze"), "--version"], stdout=subprocess.PIPE,
                             check=True).stdout.decode()
        assert out.startswith("pycore-analyze ")
        man = subprocess.run(["man", "-l", os.path.join(root, "share/man/man1/pycore-analyze.1")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, MANPAGER="cat"))
        assert b"pycore-analyze" in man.stdout
        # The installed gdb script finds the installed library by itself.
        env = dict(os.environ)
        env.pop("PYCORE_LIB", None)
        res = subprocess.run(["gdb", "-nx", "-batch", "-ex", "source " + os.path.join(
            root, "share/pycore/gdb/pycore-gdb.py"), "-ex", "help py-deadlock"], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=env, timeout=60)
        assert b"Name the hang" in res.stdout, res.stdout
        # The installed pytest plugin finds the installed analyzer by itself.
        sys.path.insert(0, os.path.join(root, "share/pycore/pytest"))
        try:
            import pycore_hang

            class Config:
                def getoption(self, name):
                    return None
            env_analyzer = os.environ.pop("PYCORE_ANALYZE", None)
            try:
                assert pycore_hang.find_analyzer(Config()) == os.path.join(root, "bin", "pycore-analyze")
            finally:
                if env_analyzer is not None:
                    os.environ["PYCORE_ANALYZE"] = env_analyzer
        finally:
            sys.path.pop(0)
            sys.modules.pop("pycore_hang", None)
        # A program links against the installed library and header.
        prog = os.path.join(dest, "t.c")
        with open(prog, "w") as f:
            f.write('#include <pycore.h>\n#include <stdio.h>\nint main(void){puts(pc_status_name(PC_E_CORE));return 0;}\n')
        exe = os.path.join(dest, "t")
        pc_env = dict(os.environ, PKG_CONFIG_SYSROOT_DIR=dest,
                      PKG_CONFIG_PATH=os.path.join(root, "lib", "pkgconfig"))
        flags = subprocess.run(["pkg-config", "--static", "--cflags", "--libs", "pycore"], env=pc_env,
                               stdout=subprocess.PIPE, check=True).stdout.decode().split()
        # Link the static library: the shared one would need LD_LIBRARY_PATH.
        flags = [f for f in flags if f != "-lpycore"] + [os.path.join(root, "lib", "libpycore.a")]
        flags = [f for f in flags if not f.startswith("-l")] + [f for f in flags if f.startswith("-l")]
        subprocess.run(["cc", prog, "-o", exe] + flags, check=True)
        assert subprocess.run([exe], stdout=subprocess.PIPE, check=True).stdout.strip() == b"bad-core"
    finally:
        shutil.rmtree(dest, ignore_errors=True)
