/* A live process and its descendants as one report: each analyzed by the
 * engine (read without stopping the threads blocked in system calls), and
 * the waits that cross from one process to another, read from /proc: a
 * thread in wait4 on a child, a thread blocked on a pipe whose other end
 * another process of the tree holds.  A cycle of such waits is a hang that
 * no single process shows. */
#ifndef PYCORE_TREE_H
#define PYCORE_TREE_H

#include "pycore.h"
#include "base/base.h"
#include "target/proctree.h"

/* A cycle of processes each waiting for the next: not a row of the
 * pattern registry (a single process never shows it), the name the tree's
 * reports give it, and its fix. */
#define PC_TREE_CYCLE_PATTERN "cross-process-deadlock"
#define PC_TREE_CYCLE_ADVICE                                                                                  \
    "Read a child's pipes while waiting for it (communicate(), or a reader thread), or close a pipe's unused " \
    "ends in every process, before waiting for an exit."

enum pc_link_kind {
    PC_LINK_CHILD_EXIT,     /* waits for the child's exit */
    PC_LINK_PIPE_READ,      /* reads a pipe: waits for a writer */
    PC_LINK_PIPE_WRITE,     /* writes a full pipe: waits for a reader */
};

struct pc_tree_proc {
    struct pc_proc_node node;
    char command[256];          /* /proc/PID/cmdline, spaces for NULs; "" unknown */
    pc_target *target;          /* open until the tree is freed: the analysis points into it */
    pc_analysis *a;             /* NULL when it could not be read (error) */
    int status;                 /* pc_analyze's: 0, PC_E_NOPYTHON (native only), or the failure */
    char error[512];
    int running;                /* some thread of it runs (is in no system call) */
};

struct pc_tree_link {
    size_t from, to;            /* process indices */
    int32_t tid;                /* the waiting thread of `from` */
    const char *thread;         /* its name ("" none); owned by from's analysis */
    int kind;                   /* enum pc_link_kind */
    int32_t fd;                 /* the pipe's descriptor in `from`; -1 */
    uint64_t inode;
    int in_cycle;
};

struct pc_tree {
    int32_t root;
    struct pc_tree_proc *procs;
    size_t nprocs;
    struct pc_tree_link *links;
    size_t nlinks, links_cap;
    size_t cycle[PC_TREE_MAX];  /* processes of the first cycle found, in wait order */
    size_t ncycle;
};

int pc_tree_build(int32_t root, const pc_analyze_options *opts, unsigned open_flags, struct pc_tree *t,
                  pc_error *err);
void pc_tree_free(struct pc_tree *t);
/* 1 when some process has a hang pattern or the tree has a cycle. */
int pc_tree_hang_found(const struct pc_tree *t);
/* 1 when process i is one of the first cycle's. */
int pc_tree_in_cycle(const struct pc_tree *t, size_t i);
/* The first cycle's pids, "A -> B -> A", appended to b; 1 when no thread of
 * its processes runs (the deadlock is sure), 0 otherwise or without one. */
int pc_tree_cycle_path(const struct pc_tree *t, pc_buf *b);
/* Every process of the tree as a member of the batch t (pc_triage_init'ed
 * by the caller), named "process PID: COMMAND", each with its own
 * analysis; a process of the cycle whose own diagnosis names no hang is a
 * PC_TREE_CYCLE_PATTERN hang.  The batch is finished (counted, grouped). */
struct pc_triage;
int pc_tree_to_triage(const struct pc_tree *tr, struct pc_triage *t, pc_error *err);
char *pc_tree_render(const struct pc_tree *t, enum pc_format fmt, unsigned flags);

#endif
