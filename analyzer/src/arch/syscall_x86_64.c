/* x86_64: orig_rax holds the system call number of a thread stopped
 * inside one (-1 otherwise); its arguments are rdi, rsi, rdx, r10. */
#include "arch/syscall.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
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

int pc_syscall_regs_from_proc(const char *text, size_t len, pc_thread_desc *out)
{
    char line[256];
    if (len >= sizeof line)
        return -1;
    memcpy(line, text, len);
    line[len] = 0;
    if (strncmp(line, "running", 7) == 0)
        return 0;
    long nr;
    uint64_t a[6], sp, pc;
    if (sscanf(line, "%ld", &nr) == 1 && nr == -1)
        return 0;   /* blocked, but not in a system call (a stop, a fault) */
    if (sscanf(line, "%ld %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
                     " %" SCNx64,
               &nr, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &sp, &pc) != 9 || nr < 0)
        return -1;
    int32_t tid = out->tid;
    memset(out, 0, sizeof *out);
    out->tid = tid;
    out->flags = PC_THREAD_NOT_STOPPED;
    out->regs[PC_ORIG_RAX] = (uint64_t)nr;
    out->regs[PC_RAX] = (uint64_t)-ENOSYS;     /* what the kernel leaves in rax until the call returns */
    out->regs[PC_RDI] = a[0];
    out->regs[PC_RSI] = a[1];
    out->regs[PC_RDX] = a[2];
    out->regs[PC_R10] = a[3];
    out->regs[PC_R8] = a[4];
    out->regs[PC_R9] = a[5];
    out->regs[PC_RSP] = sp;
    out->regs[PC_RIP] = pc;
    return 1;
}

int pc_syscall_fd(const struct pc_syscall *s)
{
    return (s->flags & PC_SYS_FD0) && s->args[0] <= INT32_MAX ? (int)s->args[0] : -1;
}

int32_t pc_syscall_child(const struct pc_syscall *s)
{
    enum { P_ALL_ = 0, P_PID_ = 1 };    /* waitid's idtype, <sys/wait.h> */
    if (s->flags & PC_SYS_PID0) {
        int32_t pid = (int32_t)s->args[0];
        return pid > 0 || pid == -1 ? pid : 0;
    }
    if (s->flags & PC_SYS_IDTYPE0) {
        if ((int32_t)s->args[0] == P_ALL_)
            return -1;
        if ((int32_t)s->args[0] == P_PID_ && (int32_t)s->args[1] > 0)
            return (int32_t)s->args[1];
    }
    return 0;
}
