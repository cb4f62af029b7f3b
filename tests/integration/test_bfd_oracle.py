"""pycore-analyze's process and register view against GNU libbfd (bfd_core).

process.pid, process.signal, process.core_kind, the set of thread tids and
every thread's registers (27 x86_64 user_regs_struct names, lowercase hex
strings without leading zeros) must equal what libbfd reads from the core.
gcore cores: bfd's failing signal (pr_cursig) is 0; the SIGSTOP (19) of gdb's
attach is in NT_SIGINFO, which bfd_core reports as siginfo_signo.
"""
import compare


def test_process_and_registers(case, analyzer, bfd_core_bin, corpus):
    res = corpus.result(case)
    problems = compare.process_and_registers(case.kind, res.bfd(), res.report())
    assert not problems, "%s:\n  %s" % (res.where(), "\n  ".join(problems))
