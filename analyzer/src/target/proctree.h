/* A live process's descendants and the kernel objects behind their
 * descriptors, from /proc: what links processes that wait for each other
 * (a parent in wait4 on its child, a reader and a writer of one pipe). */
#ifndef PYCORE_PROCTREE_H
#define PYCORE_PROCTREE_H

#include "pycore.h"

#include <stddef.h>
#include <stdint.h>

#define PC_TREE_MAX 4096        /* processes in one tree */

struct pc_proc_node {
    int32_t pid, ppid;
    int32_t depth;              /* 0 for the root */
};

/* root and every live descendant (no kernel threads; not the calling
 * process and what it started, when it runs inside the tree), root first, then
 * breadth first, pids ascending within a parent; at most PC_TREE_MAX.
 * The caller frees *out. */
int pc_proc_tree(int32_t root, struct pc_proc_node **out, size_t *n, pc_error *err);

enum pc_fd_kind { PC_FD_OTHER, PC_FD_PIPE, PC_FD_SOCKET };

struct pc_fd_object {
    int kind;                   /* enum pc_fd_kind; PC_FD_PIPE covers FIFOs */
    uint64_t dev, inode;        /* the object's identity */
    int access;                 /* O_RDONLY, O_WRONLY, O_RDWR; -1 unknown */
};

/* What descriptor fd of pid refers to; -1 when it cannot be read. */
int pc_proc_fd_object(int32_t pid, int32_t fd, struct pc_fd_object *out);

/* Calls cb for each descriptor of pid (stops when cb returns nonzero);
 * -1 when the table cannot be read. */
int pc_proc_each_fd(int32_t pid, int (*cb)(int32_t fd, const struct pc_fd_object *o, void *arg), void *arg);

/* /proc/PID/cmdline with spaces between the arguments (control bytes
 * become spaces too); "" and -1 when unreadable. */
int pc_proc_cmdline(int32_t pid, char *buf, size_t cap);

#endif
