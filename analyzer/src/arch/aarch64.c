/* aarch64: registers in struct user_pt_regs' order (x0-x30, sp, pc,
 * pstate: the kernel's NT_PRSTATUS pr_reg), then pycore's own.  A system
 * call's number is passed in x8 and its arguments in x0-x5; the kernel
 * keeps no "in a call" register in the core (it forgets the call when the
 * core's signal comes), so pc_arch_complete decides from the `svc #0` at
 * or before the pc.  The thread pointer (tpidr_el0) is not glibc's
 * pthread_t here (that lies below it), so a thread's pthread_t is found
 * from its tid (native/pthread.c). */
#include "arch/arch.h"
#include "arch/syscall.h"

static const char *const names[PC_A64_NREGS] = {
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
    "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30",
    "sp", "pc", "cpsr", "tpidr", "syscallno", "pthread",
};

/* DWARF numbering: x0-x30 are 0-30, sp 31 (the pc is set apart) */
static const signed char dwarf[32] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, PC_A64_SP,
};

static const struct pc_sys_row sys[] = {
#define SYSCALL(nr, name, cls, flags) {nr, name, cls, flags},
#include "arch/syscalls_aarch64.def"
#undef SYSCALL
};

const struct pc_arch pc_arch_aarch64 = {
    .machine = PC_MACHINE_AARCH64,
    .name = "aarch64",
    .gdb_name = "aarch64",
    .prstatus_nregs = PC_A64_PRSTATUS_NREGS,
    .nregs = PC_A64_NREGS,
    .nshown = PC_A64_SYSCALLNO,
    .reg_names = names,
    .pc = PC_A64_PC,
    .sp = PC_A64_SP,
    .sysnr = PC_A64_SYSCALLNO,
    .args = {0, 1, 2, 3, 4, 5},
    .enosys = -1,                 /* x0 is the first argument until then */
    .tp = PC_A64_TPIDR,
    .tls_note = 0x401,            /* NT_ARM_TLS, after each thread's NT_PRSTATUS */
    .pthread = PC_A64_PTHREAD,
    .call_insn = 0xd4000001u,     /* svc #0 */
    .call_len = 4,
    .callnr = PC_A64_X8,
    .no_call = "no svc #0 at or before the pc",
    /* PAC signs return addresses above the 48-bit user address (the
     * kernel's NT_ARM_PAC_MASK says the same for 48-bit VA; qemu-user's
     * cores have no such note) */
    .code_mask = (1ull << 48) - 1,
    .dwarf = dwarf,
    .ndwarf = 32,
    .dwarf_sp = 31,
    .sys = sys,
    .nsys = sizeof sys / sizeof *sys,
};
