/* The architecture layer: everything the layers above need to know of a
 * machine's registers, system calls and core notes, as one row of data per
 * architecture (x86_64.c, aarch64.c).  Only arch/ names a register; the
 * layers above ask through the functions below, which read the row of the
 * thread's machine (pc_thread_desc.machine). */
#ifndef PYCORE_ARCH_H
#define PYCORE_ARCH_H

#include "pycore.h"

#include <stddef.h>

/* The register file of pc_thread_desc.regs, per machine: the kernel's
 * NT_PRSTATUS pr_reg first (x86_64 user_regs_struct, aarch64 user_pt_regs),
 * then what pycore adds (aarch64: the thread pointer, the system call and
 * the thread's pthread_t, which pr_reg does not hold). */
enum pc_x86_64_reg {
    PC_X86_R15, PC_X86_R14, PC_X86_R13, PC_X86_R12, PC_X86_RBP, PC_X86_RBX, PC_X86_R11, PC_X86_R10,
    PC_X86_R9, PC_X86_R8, PC_X86_RAX, PC_X86_RCX, PC_X86_RDX, PC_X86_RSI, PC_X86_RDI, PC_X86_ORIG_RAX,
    PC_X86_RIP, PC_X86_CS, PC_X86_EFLAGS, PC_X86_RSP, PC_X86_SS, PC_X86_FS_BASE, PC_X86_GS_BASE,
    PC_X86_DS, PC_X86_ES, PC_X86_FS, PC_X86_GS, PC_X86_NREGS
};
enum pc_aarch64_reg {
    PC_A64_X0 = 0, PC_A64_X8 = 8, PC_A64_X29 = 29, PC_A64_X30 = 30, PC_A64_SP = 31, PC_A64_PC = 32,
    PC_A64_PSTATE = 33, PC_A64_PRSTATUS_NREGS = 34,
    PC_A64_TPIDR = 34,        /* NT_ARM_TLS; 0 unknown (qemu-user cores lack it) */
    PC_A64_SYSCALLNO = 35,    /* the call the thread is in, all ones none (pc_arch_complete) */
    PC_A64_PTHREAD = 36,      /* the thread's pthread_t once known; 0 unknown */
    PC_A64_NREGS = 37
};

/* One system call of an architecture's table (syscalls_<arch>.def). */
struct pc_sys_row {
    uint64_t nr;
    const char *name;
    int cls;                      /* enum pc_sys_class (syscall.h) */
    unsigned flags;
};

struct pc_arch {
    int machine;                  /* ELF e_machine, enum pc_machine */
    const char *name;             /* as uname -m says it */
    const char *gdb_name;         /* as gdb's architecture name says it */
    unsigned prstatus_nregs;      /* 64-bit registers in NT_PRSTATUS pr_reg */
    unsigned nregs;               /* with pycore's own after them (<= PC_MAX_REGS) */
    unsigned nshown;              /* those a report shows (pycore's internal ones last) */
    const char *const *reg_names; /* nregs names, as gdb names them */
    int pc, sp;                   /* register indexes */
    int sysnr;                    /* the call's number; all ones: in none */
    int args[6];                  /* the call's arguments as it received them */
    int enosys;                   /* the register holding -ENOSYS until a call returns; -1 none */
    int tp;                       /* the thread pointer's register */
    unsigned tls_note;            /* the per-thread core note holding it (0: pr_reg has it) */
    int pthread;                  /* the register holding pthread_t (x86_64 fs_base) */
    int pthread_is_tp;            /* ... which is the thread pointer itself */
    /* A thread whose system call is not in its registers (aarch64: the
     * number stays in x8, and only the instruction at or before the pc
     * says a call is under way): the call instruction, its length; 0 when
     * sysnr is the kernel's own. */
    uint32_t call_insn;
    unsigned call_len;
    int callnr;                   /* the register a call's number is passed in */
    const char *no_call;          /* the evidence of being in no call, for reports */
    uint64_t code_mask;           /* the address bits of a signed code pointer; 0: none signed */
    /* The unwinder's initial registers: DWARF register k is
     * regs[dwarf[k]], k < ndwarf; dwarf_sp is the stack pointer's number. */
    const signed char *dwarf;
    unsigned ndwarf, dwarf_sp;
    const struct pc_sys_row *sys;
    size_t nsys;
};

/* The row of an ELF machine; NULL when pycore does not support it. */
const struct pc_arch *pc_arch_of(int machine);
/* The row of a thread's machine (x86_64 for a zeroed one). */
const struct pc_arch *pc_arch_row(const pc_thread_desc *d);
/* The row of a machine by its name (uname -m: x86_64, aarch64); NULL none. */
const struct pc_arch *pc_arch_by_name(const char *name, size_t len);
/* The row of the machine pycore was built for (a live process is one). */
const struct pc_arch *pc_arch_host(void);
/* The supported machines' names, "x86_64, aarch64" (for messages). */
const char *pc_arch_supported(void);

uint64_t pc_arch_pc(const pc_thread_desc *d);
uint64_t pc_arch_sp(const pc_thread_desc *d);
/* The thread's pthread_t (glibc's struct pthread), as its registers say it
 * (x86_64: fs_base) or as pycore found it; 0 unknown. */
uint64_t pc_arch_pthread(const pc_thread_desc *d);
void pc_arch_set_pthread(pc_thread_desc *d, uint64_t pthread);
/* The number of the system call the thread is in; all ones when in none. */
uint64_t pc_arch_syscall_nr(const pc_thread_desc *d);

/* A code address without what the machine may have signed into its high
 * bits (aarch64 pointer authentication: the bits above a 48-bit user
 * address); v itself on a machine that signs none. */
uint64_t pc_arch_code_address(const pc_thread_desc *d, uint64_t v);

/* The names of the registers evidence quotes: the one holding the system
 * call's number (x86_64 orig_rax, aarch64 x8), and argument i's. */
const char *pc_arch_sysnr_name(const pc_thread_desc *d);
const char *pc_arch_arg_name(const pc_thread_desc *d, unsigned i);
/* What in the registers says the thread is in no system call. */
const char *pc_arch_no_call_evidence(const pc_thread_desc *d);

/* What the registers of a stopped thread leave out, from the instructions
 * around its pc (insn: the 2*call_len bytes at pc - call_len, NULL when
 * unreadable): aarch64's system call.  Targets call it on each thread. */
void pc_arch_complete(pc_thread_desc *d, const uint8_t *insn);

/* The registers an unwinder starts from, in the architecture's DWARF
 * numbering, registers first..first+count-1 in out (at most max): the
 * count, 0 if none.  A thread left running in its system call
 * (PC_THREAD_NOT_STOPPED) has only its stack pointer: the others stay
 * undefined, so a frame that needs one ends the unwind instead of
 * reading 0. */
size_t pc_arch_dwarf_regs(const pc_thread_desc *d, uint64_t *out, size_t max, unsigned *first);

extern const struct pc_arch pc_arch_x86_64, pc_arch_aarch64;

#endif
