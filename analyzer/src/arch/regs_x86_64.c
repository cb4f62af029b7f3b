/* x86_64 registers, as struct user_regs_struct orders them (pycore.h's
 * PC_* indexes). */
#include "arch/regs.h"

uint64_t pc_arch_pc(const pc_thread_desc *d)
{
    return d->regs[PC_RIP];
}

uint64_t pc_arch_sp(const pc_thread_desc *d)
{
    return d->regs[PC_RSP];
}

uint64_t pc_arch_thread_pointer(const pc_thread_desc *d)
{
    return d->regs[PC_FS_BASE];
}

void pc_arch_set_thread_pointer(pc_thread_desc *d, uint64_t tp)
{
    d->regs[PC_FS_BASE] = tp;
}

uint64_t pc_arch_syscall_nr(const pc_thread_desc *d)
{
    return d->regs[PC_ORIG_RAX];
}

size_t pc_arch_dwarf_regs(const pc_thread_desc *d, uint64_t *out, size_t max, unsigned *first)
{
    const uint64_t *r = d->regs;
    if (d->flags & PC_THREAD_NOT_STOPPED) {
        if (max < 1)
            return 0;
        *first = 7;                 /* rsp */
        out[0] = r[PC_RSP];
        return 1;
    }
    /* DWARF numbering of x86_64: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip */
    static const int order[17] = {
        PC_RAX, PC_RDX, PC_RCX, PC_RBX, PC_RSI, PC_RDI, PC_RBP, PC_RSP, PC_R8,
        PC_R9, PC_R10, PC_R11, PC_R12, PC_R13, PC_R14, PC_R15, PC_RIP,
    };
    if (max < 17)
        return 0;
    for (size_t i = 0; i < 17; i++)
        out[i] = r[order[i]];
    *first = 0;
    return 17;
}
