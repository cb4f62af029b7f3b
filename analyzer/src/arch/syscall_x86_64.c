/* x86_64: orig_rax holds the system call number of a thread stopped
 * inside one (-1 otherwise); its arguments are rdi, rsi, rdx, r10. */
#include "arch/syscall.h"

#include <string.h>

struct row {
    uint64_t nr;
    const char *name;
    int cls;
    unsigned flags;
};

static const struct row table[] = {
#define SYSCALL(nr, name, cls, flags) {nr, name, cls, flags},
#include "arch/syscalls_x86_64.def"
#undef SYSCALL
};

void pc_thread_syscall(const pc_thread_desc *t, struct pc_syscall *out)
{
    memset(out, 0, sizeof *out);
    uint64_t nr = t->regs[PC_ORIG_RAX];
    out->cls = nr == UINT64_MAX ? PC_SYS_RUNNING : PC_SYS_OTHER;
    out->args[0] = t->regs[PC_RDI];
    out->args[1] = t->regs[PC_RSI];
    out->args[2] = t->regs[PC_RDX];
    out->args[3] = t->regs[PC_R10];
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (table[i].nr == nr) {
            out->name = table[i].name;
            out->cls = table[i].cls;
            out->flags = table[i].flags;
            return;
        }
}
