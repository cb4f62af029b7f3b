/* The system call a thread is in, from its registers and its machine's
 * table (syscalls_<arch>.def). */
#include "arch/arch.h"
#include "arch/syscall.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void pc_thread_syscall(const pc_thread_desc *t, struct pc_syscall *out)
{
    const struct pc_arch *a = pc_arch_row(t);
    memset(out, 0, sizeof *out);
    uint64_t nr = t->regs[a->sysnr];
    out->cls = nr == UINT64_MAX ? PC_SYS_RUNNING : PC_SYS_OTHER;
    for (size_t i = 0; i < 4; i++)
        out->args[i] = t->regs[a->args[i]];
    if (t->flags & PC_THREAD_ARG0_LOST) {
        out->arg0_lost = 1;
        out->args[0] = UINT64_MAX;      /* no descriptor, futex word or pid */
    }
    for (size_t i = 0; i < a->nsys; i++)
        if (a->sys[i].nr == nr) {
            out->name = a->sys[i].name;
            out->cls = a->sys[i].cls;
            out->flags = a->sys[i].flags;
            break;
        }
    if ((out->flags & PC_SYS_NFDS0) && out->args[0] == 0)
        out->cls = PC_SYS_SLEEP;
    else if ((out->flags & PC_SYS_NFDS1_MS) && out->args[1] == 0)
        out->cls = (int32_t)out->args[2] < 0 ? PC_SYS_SIGNAL : PC_SYS_SLEEP;
    else if ((out->flags & PC_SYS_NFDS1_TS) && out->args[1] == 0)
        out->cls = out->args[2] == 0 ? PC_SYS_SIGNAL : PC_SYS_SLEEP;
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
    int32_t tid = out->tid, machine = out->machine;
    memset(out, 0, sizeof *out);
    out->tid = tid;
    out->machine = machine;
    out->flags = PC_THREAD_NOT_STOPPED;
    const struct pc_arch *r = pc_arch_row(out);
    out->regs[r->sysnr] = (uint64_t)nr;
    for (size_t i = 0; i < 6; i++)
        out->regs[r->args[i]] = a[i];
    if (r->enosys >= 0)
        out->regs[r->enosys] = (uint64_t)-ENOSYS;
    out->regs[r->sp] = sp;
    out->regs[r->pc] = pc;
    return 1;
}

int pc_syscall_fd(const struct pc_syscall *s)
{
    return (s->flags & PC_SYS_FD0) && s->args[0] <= INT32_MAX ? (int)s->args[0] : -1;
}

int32_t pc_syscall_child(const struct pc_syscall *s)
{
    enum { P_ALL_ = 0, P_PID_ = 1 };    /* waitid's idtype, <sys/wait.h> */
    if (s->arg0_lost)
        return 0;
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
