"""Architecture knowledge lives in analyzer/src/arch/ only (issue 15): no
register, ELF machine, architecture macro or system call number is named
by any other layer, nor by the gdb extension.  A line that needs one asks
arch/ (pc_arch_*, pc_register_name, pc_machine_from_name) instead.

The public header may name the machines (enum pc_machine is the
interface); nothing else is exempt, comments included: a comment naming
fs_base is the trace of code that reads it."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ARCH = os.path.join(REPO, "analyzer", "src", "arch")

# Registers of x86_64 and aarch64 as C code or reports would spell them,
# architecture macros and ELF machine constants, the arch layer's own
# register enums, and the x86_64 and aarch64 futex numbers written as
# literals next to "futex".
FORBIDDEN = re.compile(
    r"(?<![\\\w])(?:[re](?:ip|sp|bp|ax|bx|cx|dx|si|di)|r(?:8|9|1[0-5])|orig_rax|orig_x0|[fg]s_base|eflags|"
    r"x(?:[0-9]|[12][0-9]|30)|tpidr(?:_el0)?|pstate|cpsr|"
    r"user_regs_struct|user_pt_regs|elf_gregset_t|PTRACE_GETREGS|"
    r"__x86_64__|__aarch64__|__amd64__|__arm64__|EM_X86_64|EM_AARCH64|NT_ARM_\w+|"
    r"PC_X86_\w+|PC_A64_\w+|x86_64|x86-64|aarch64|arm64)\b"
    r"|futex\D{0,20}\b(?:202|98)\b|\b(?:202|98)\b\D{0,20}futex")

SOURCES = [(os.path.join(REPO, "analyzer", "src"), (".c", ".h", ".def")),
           (os.path.join(REPO, "analyzer", "include"), (".h",)),
           (os.path.join(REPO, "gdb-ext"), (".py",))]


def offending_lines():
    out = []
    for top, exts in SOURCES:
        for d, dirs, files in os.walk(top):
            if os.path.realpath(d).startswith(os.path.realpath(ARCH)):
                continue
            dirs[:] = [x for x in dirs if x != "__pycache__"]
            for name in sorted(files):
                if not name.endswith(exts):
                    continue
                path = os.path.join(d, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        if path.endswith("pycore.h") and "enum pc_machine" in line:
                            continue        # the interface names its machines
                        if FORBIDDEN.search(line):
                            out.append("%s:%d: %s" % (os.path.relpath(path, REPO), n, line.rstrip()))
    return out


def test_no_architecture_outside_arch():
    lines = offending_lines()
    assert not lines, "%d line(s) outside analyzer/src/arch name an architecture's registers, " \
        "macros or numbers:\n%s" % (len(lines), "\n".join(lines[:40]))


def test_the_pattern_finds_what_it_must():
    """The grep is not vacuous: each kind of name is caught."""
    for text in ("regs[PC_X86_RIP]", "uint64_t fs_base;", "#ifdef __aarch64__", "e_machine == EM_X86_64",
                 "orig_rax = -1", "the x8 register", "struct user_regs_struct r;", "if (nr == 202) /* futex */",
                 "futex(98)", "tpidr_el0"):
        assert FORBIDDEN.search(text), text
    for text in ("pc_arch_pc(d)", "PC_MACHINE_X86_64", "xdigit", "r8_lookup", "0x98", "futex word", '"\\x18"'):
        assert not FORBIDDEN.search(text), text
