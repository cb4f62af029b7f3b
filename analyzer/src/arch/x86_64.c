/* x86_64: registers in struct user_regs_struct's order (the kernel's
 * NT_PRSTATUS pr_reg); orig_rax holds the number of the system call a
 * stopped thread is in (all ones otherwise), rdi rsi rdx r10 r8 r9 its
 * arguments; fs_base is the thread pointer, which glibc makes the
 * thread's pthread_t. */
#include "arch/arch.h"
#include "arch/syscall.h"

static const char *const names[PC_X86_NREGS] = {
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx",
    "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base",
    "gs_base", "ds", "es", "fs", "gs",
};

/* DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip */
static const signed char dwarf[17] = {
    PC_X86_RAX, PC_X86_RDX, PC_X86_RCX, PC_X86_RBX, PC_X86_RSI, PC_X86_RDI, PC_X86_RBP, PC_X86_RSP, PC_X86_R8,
    PC_X86_R9, PC_X86_R10, PC_X86_R11, PC_X86_R12, PC_X86_R13, PC_X86_R14, PC_X86_R15, PC_X86_RIP,
};

static const struct pc_sys_row sys[] = {
#define SYSCALL(nr, name, cls, flags) {nr, name, cls, flags},
#include "arch/syscalls_x86_64.def"
#undef SYSCALL
};

const struct pc_arch pc_arch_x86_64 = {
    .machine = PC_MACHINE_X86_64,
    .name = "x86_64",
    .gdb_name = "i386:x86-64",
    .prstatus_nregs = PC_X86_NREGS,
    .nregs = PC_X86_NREGS,
    .nshown = PC_X86_NREGS,
    .reg_names = names,
    .pc = PC_X86_RIP,
    .sp = PC_X86_RSP,
    .sysnr = PC_X86_ORIG_RAX,
    .args = {PC_X86_RDI, PC_X86_RSI, PC_X86_RDX, PC_X86_R10, PC_X86_R8, PC_X86_R9},
    .enosys = PC_X86_RAX,
    .no_call = "orig_rax = -1",
    .tp = PC_X86_FS_BASE,
    .pthread = PC_X86_FS_BASE,
    .pthread_is_tp = 1,
    .dwarf = dwarf,
    .ndwarf = 17,
    .dwarf_sp = 7,
    .sys = sys,
    .nsys = sizeof sys / sizeof *sys,
};
