/* The architecture layer: what a thread's registers say about the system
 * call it is in.  One table per architecture (syscalls_<arch>.def); the
 * layers above ask by class, never by number. */
#ifndef PYCORE_ARCH_SYSCALL_H
#define PYCORE_ARCH_SYSCALL_H

#include "pycore.h"

enum pc_sys_class {
    PC_SYS_OTHER,     /* a call the table does not know (and a zeroed struct) */
    PC_SYS_RUNNING,   /* not in a system call */
    PC_SYS_IO,        /* read/write/accept/recv/send on one descriptor */
    PC_SYS_POLL,      /* poll/select family: a set of descriptors */
    PC_SYS_EPOLL,     /* epoll_wait family (asyncio's selector) */
    PC_SYS_SLEEP,
    PC_SYS_CHILD,     /* wait4/waitid */
    PC_SYS_SIGNAL,    /* pause/sigtimedwait/sigsuspend */
    PC_SYS_FUTEX,     /* locks, semaphores, conditions */
};

#define PC_SYS_FD0 1u      /* the first argument is the descriptor */
#define PC_SYS_WRITES 2u   /* writes to it */
#define PC_SYS_PID0 4u     /* the first argument is the pid waited for (wait4) */
#define PC_SYS_IDTYPE0 8u  /* the first two are an idtype and an id (waitid) */
/* A poll family call given no descriptor waits for no I/O: for its
 * timeout (a sleep: 2.7's time.sleep is select(0, ...)), or with none for
 * a signal only (glibc's pause() on aarch64 is ppoll(NULL, 0, NULL, NULL)). */
#define PC_SYS_NFDS0 16u   /* select, pselect6: the count is the first argument */
#define PC_SYS_NFDS1_MS 32u  /* poll: the count is the second, the timeout (ms, < 0 none) the third */
#define PC_SYS_NFDS1_TS 64u  /* ppoll: the count is the second, the timeout a pointer (NULL none) the third */

struct pc_syscall {
    const char *name;      /* NULL when not in a (known) system call */
    int cls;               /* enum pc_sys_class */
    unsigned flags;
    uint64_t args[4];      /* the first arguments, as the call received them */
    int arg0_lost;         /* the first was overwritten (PC_THREAD_ARG0_LOST): args[0] is all ones */
};

/* pc_thread_desc.flags bit the arch layer sets (not a target's): the
 * thread's call returned an error into its first argument's register as
 * the core's signal interrupted it (qemu-user does; a kernel restores the
 * argument for the restart), so the call is known but not that argument. */
#define PC_THREAD_ARG0_LOST 0x100u

/* The system call a stopped thread is in, from its registers. */
void pc_thread_syscall(const pc_thread_desc *t, struct pc_syscall *out);

/* The descriptor the call waits on; -1 when it names none. */
int pc_syscall_fd(const struct pc_syscall *s);

/* The child a wait4/waitid waits for: its pid, -1 for any child, 0 when
 * the call waits for no child or for a process group. */
int32_t pc_syscall_child(const struct pc_syscall *s);

/* A thread left running inside a system call, from the text of its
 * /proc/PID/task/TID/syscall ("NR ARG1..ARG6 SP PC"): the registers that
 * text determines (the call's number and arguments, the stack and
 * instruction pointers), the others zero, flag PC_THREAD_NOT_STOPPED.
 * 1: filled; 0: the thread is in no system call ("running", "-1 SP PC");
 * -1: text of another shape. */
int pc_syscall_regs_from_proc(const char *text, size_t len, pc_thread_desc *out);

#endif
