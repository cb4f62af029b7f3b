/* A live process as a target.  Every thread is stopped with ptrace
 * (PTRACE_SEIZE + PTRACE_INTERRUPT: no signal is sent to the process)
 * for as long as the target is open, so the engine reads one consistent
 * state; memory comes from /proc/PID/mem, mappings from /proc/PID/maps,
 * registers from PTRACE_GETREGSET (the core's register sets).  Closing the
 * target detaches and the process runs on as if nothing happened.
 *
 * With PC_OPEN_NO_STOP a thread blocked in a system call is left in it:
 * stopping it ends some calls early (a pipe write returns a short count
 * that most code ignores), and while it stays blocked its stack and its
 * Python frames cannot change.  /proc/PID/task/TID/syscall gives its call,
 * the call's arguments and its stack and instruction pointers; only the
 * threads outside a system call are stopped. */
#include "arch/arch.h"
#include "arch/syscall.h"
#include "target/target.h"
#include "target/procfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <elf.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 65536
#define MAX_MAPS 65536
#define ATTACH_ROUNDS 16    /* threads started while attaching: look again */

struct live_ctx {
    pid_t pid;
    unsigned flags;                 /* PC_OPEN_* */
    int mem_fd;
    pid_t *tids;                    /* attached, stopped */
    size_t ntids, tids_cap;
    pc_thread_desc *left;           /* PC_OPEN_NO_STOP: left running in a system call */
    size_t nleft, left_cap;
    pc_thread_desc *threads;
    size_t nthreads;
    pc_mapping_desc *maps;
    size_t nmaps, maps_cap;
    struct pc_region *regions;      /* every line of maps, for a written core */
    size_t nregions, regions_cap;
    char *exe, *cmdline, *root;
    /* Where mem, maps, auxv, exe and root are read: /proc/PID, or a
     * stopped thread's /proc/PID/task/TID once the main thread has ended
     * (its own entries are empty then, the others still see the memory). */
    char proc[48];
    uint64_t at_phdr, at_entry, at_base;
};

static char *slurp(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = 0;
    while (buf && n < max) {
        ssize_t r = read(fd, buf + n, max - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (buf) {
        buf[n] = 0;
        if (len)
            *len = n;
    }
    return buf;
}

/* Whether a task still runs, as far as /proc tells.  LIFE_ON also covers
 * "cannot tell": only a definite answer may turn an error into "it has
 * exited". */
enum life { LIFE_GONE, LIFE_ENDED, LIFE_ON };

static enum life stat_life(const char *path)
{
    size_t len = 0;
    char *buf = slurp(path, 4096, &len);
    if (!buf)
        return errno == ENOENT || errno == ESRCH ? LIFE_GONE : LIFE_ON;
    char state;
    int ppid;
    int ok = pc_proc_stat(buf, len, &state, &ppid) == 0;
    free(buf);
    if (len == 0)
        return LIFE_GONE;   /* reaped between open and read */
    /* Z: a zombie; X, x: dead, being reaped. */
    return ok && (state == 'Z' || state == 'X' || state == 'x') ? LIFE_ENDED : LIFE_ON;
}

static int32_t parent_of(int pid)
{
    char path[64];
    size_t len = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    char *buf = slurp(path, 4096, &len);
    char state;
    int ppid = 0;
    if (!buf || pc_proc_stat(buf, len, &state, &ppid))
        ppid = 0;
    free(buf);
    return ppid > 0 ? (int32_t)ppid : 0;
}

static enum life thread_life(pid_t pid, pid_t tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    return stat_life(path);
}

static int exiting_fail(const struct live_ctx *c, pc_error *err, const char *why)
{
    return pc_fail(err, PC_E_CORE, "process %d is exiting (%s): there is nothing left to analyze", (int)c->pid,
                   why);
}

#define MEMORY_GONE "its memory is already released"
#define THREADS_KILLED "its threads were killed while stopped"

/* A task's memory goes before the task does: an exiting thread still
 * shows R or D but has no memory left, and its auxv, a copy kept with
 * the memory, reads empty.  1 when that copy is there or cannot be read
 * (no permission: no claim either way). */
static int has_memory(const char *procdir)
{
    char path[64];
    snprintf(path, sizeof path, "%s/auxv", procdir);
    size_t len = 0;
    char *buf = slurp(path, 64, &len);
    if (!buf)
        return !(errno == ENOENT || errno == ESRCH);
    free(buf);
    return len > 0;
}

/* The process as a whole.  /proc/PID/stat describes only the main thread,
 * which stays a zombie while the others run on after it called
 * pthread_exit; the process has ended only when no other thread both
 * runs and still has the memory. */
static enum life process_life(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    enum life leader = stat_life(path);
    if (leader != LIFE_ENDED)
        return leader;
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT || errno == ESRCH ? LIFE_GONE : LIFE_ENDED;
    enum life l = LIFE_ENDED;
    struct dirent *e;
    for (int n = 0; l == LIFE_ENDED && n < MAX_THREADS && (e = readdir(d)) != NULL; n++) {
        pid_t tid = isdigit((unsigned char)e->d_name[0]) ? (pid_t)atoi(e->d_name) : 0;
        char dir[48];
        snprintf(dir, sizeof dir, "/proc/%d/task/%d", (int)pid, (int)tid);
        if (tid && tid != pid && thread_life(pid, tid) == LIFE_ON && has_memory(dir))
            l = LIFE_ON;
    }
    closedir(d);
    return l;
}

/* For a step that failed: if the process has ended or is ending, that is
 * what happened, not the step's own error.  PC_OK if it still runs. */
static int exited_fail(const struct live_ctx *c, pc_error *err)
{
    switch (process_life(c->pid)) {
    case LIFE_GONE:
        return pc_fail(err, PC_E_CORE, "process %d exited while being attached: there is nothing left to analyze",
                       (int)c->pid);
    case LIFE_ENDED:
        return pc_fail(err, PC_E_CORE,
                       "process %d exited while being attached (it is a zombie now): there is nothing left to "
                       "analyze",
                       (int)c->pid);
    default:
        break;
    }
    /* Its threads' states say it runs; an exit under way shows only in
     * the memory of the thread it is read through (the main thread's,
     * unless that one ended and the others run on: then no claim). */
    if (c->proc[0])
        return has_memory(c->proc) ? PC_OK : exiting_fail(c, err, MEMORY_GONE);
    char dir[48];
    snprintf(dir, sizeof dir, "/proc/%d", (int)c->pid);
    return thread_life(c->pid, c->pid) != LIFE_ON || has_memory(dir) ? PC_OK : exiting_fail(c, err, MEMORY_GONE);
}

static int attached(const struct live_ctx *c, pid_t tid)
{
    for (size_t i = 0; i < c->ntids; i++)
        if (c->tids[i] == tid)
            return 1;
    return 0;
}

static int left_running(const struct live_ctx *c, pid_t tid)
{
    for (size_t i = 0; i < c->nleft; i++)
        if (c->left[i].tid == tid)
            return 1;
    return 0;
}

static const char ATTACH_HINT[] = "run as the process's user or root; check /proc/sys/kernel/yama/ptrace_scope";

/* PC_OPEN_NO_STOP: leave the thread where it is if it waits in a system
 * call.  *left: 1 left (its registers recorded), 0 to be stopped, -1 gone. */
static int leave_in_syscall(struct live_ctx *c, pid_t tid, int *left, pc_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)c->pid, (int)tid);
    size_t len = 0;
    char *text = slurp(path, 255, &len);
    *left = 0;
    if (!text) {
        if (errno == EACCES || errno == EPERM)
            return pc_fail(err, PC_E_CORE, "cannot read %s: %s (%s)", path, strerror(errno), ATTACH_HINT);
        if (errno == ENOENT || errno == ESRCH)
            *left = -1;
        return PC_OK;
    }
    pc_thread_desc t;
    memset(&t, 0, sizeof t);
    t.tid = tid;
    t.machine = pc_arch_host()->machine;
    int in_call = pc_syscall_regs_from_proc(text, len, &t);
    free(text);
    if (in_call != 1)
        return PC_OK;
    if (c->nleft >= MAX_THREADS || pc_grow(&c->left, &c->left_cap, c->nleft + 1, sizeof *c->left))
        return pc_fail(err, PC_E_INTERNAL, "process %d: too many threads", (int)c->pid);
    c->left[c->nleft++] = t;
    *left = 1;
    return PC_OK;
}

/* Wait for the group-stop PTRACE_INTERRUPT causes; other stops (a signal
 * arriving meanwhile) are passed back to the thread. */
static int wait_stopped(pid_t tid)
{
    for (int i = 0; i < 64; i++) {
        int st;
        if (waitpid(tid, &st, __WALL) < 0)
            return -1;
        if (WIFEXITED(st) || WIFSIGNALED(st))
            return -1;
        if (WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_STOP)
            return 0;
        if (WIFSTOPPED(st) && ptrace(PTRACE_CONT, tid, NULL, (void *)(uintptr_t)WSTOPSIG(st)) == 0 &&
            ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == 0)
            continue;
        return -1;
    }
    return -1;
}

/* PTRACE_SEIZE + PTRACE_INTERRUPT one thread; a thread that has ended
 * meanwhile is skipped. */
static int stop_thread(struct live_ctx *c, pid_t tid, pc_error *err)
{
    if (c->ntids >= MAX_THREADS || pc_grow(&c->tids, &c->tids_cap, c->ntids + 1, sizeof *c->tids))
        return pc_fail(err, PC_E_INTERNAL, "process %d: too many threads", (int)c->pid);
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
        int e2 = errno;
        /* The kernel refuses to trace a thread that has ended (ESRCH once
         * reaped, EPERM while a zombie): that is no permission problem,
         * and the other threads may run on. */
        if (e2 == ESRCH || (e2 == EPERM && thread_life(c->pid, tid) != LIFE_ON))
            return PC_OK;
        int rc = exited_fail(c, err);
        if (rc)
            return rc;
        return pc_fail(err, PC_E_CORE, "cannot attach to process %d: %s (%s; a debugger may be attached already)",
                       (int)c->pid, strerror(e2), ATTACH_HINT);
    }
    c->tids[c->ntids++] = tid;
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0 || wait_stopped(tid) != 0)
        c->ntids--;     /* gone; PTRACE_SEIZE ends with the thread */
    return PC_OK;
}

/* PC_OPEN_NO_STOP: a thread seen running may be running inside a system
 * call (a pipe write copying while its reader drains the pipe), where a
 * stop would cut the call short.  Look again, all together, for a while:
 * such a thread blocks again within microseconds; one that keeps running
 * (a busy loop) is stopped after that. */
#define NO_STOP_LOOKS 40
#define NO_STOP_PAUSE_NS 500000L

static int leave_or_stop(struct live_ctx *c, pid_t *pending, size_t n, pc_error *err)
{
    for (int look = 0; look < NO_STOP_LOOKS && n; look++) {
        struct timespec pause = {0, NO_STOP_PAUSE_NS};
        nanosleep(&pause, NULL);
        size_t keep = 0;
        for (size_t i = 0; i < n; i++) {
            int left, rc = leave_in_syscall(c, pending[i], &left, err);
            if (rc)
                return rc;
            if (!left)
                pending[keep++] = pending[i];
        }
        n = keep;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = stop_thread(c, pending[i], err);
        if (rc)
            return rc;
    }
    return PC_OK;
}

static int attach_all(struct live_ctx *c, pc_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)c->pid);
    pid_t *pending = NULL;
    size_t npending = 0, pending_cap = 0;
    int rc = PC_OK;
    for (int round = 0; round < ATTACH_ROUNDS && rc == PC_OK; round++) {
        DIR *d = opendir(path);
        if (!d) {
            int e0 = errno;
            rc = exited_fail(c, err);
            if (!rc)
                rc = pc_fail(err, PC_E_CORE, "process %d: %s (is it running?)", (int)c->pid, strerror(e0));
            break;
        }
        int added = 0;
        npending = 0;
        struct dirent *e;
        while (rc == PC_OK && (e = readdir(d)) != NULL) {
            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            pid_t tid = (pid_t)atoi(e->d_name);
            if (attached(c, tid) || left_running(c, tid))
                continue;
            if (!(c->flags & PC_OPEN_NO_STOP)) {
                rc = stop_thread(c, tid, err);
                added = 1;
                continue;
            }
            int left;
            rc = leave_in_syscall(c, tid, &left, err);
            added |= left > 0;
            if (rc == PC_OK && !left) {
                if (npending >= MAX_THREADS || pc_grow(&pending, &pending_cap, npending + 1, sizeof *pending))
                    rc = pc_fail(err, PC_E_INTERNAL, "process %d: too many threads", (int)c->pid);
                else
                    pending[npending++] = tid;
                added = 1;
            }
        }
        closedir(d);
        if (rc == PC_OK && npending)
            rc = leave_or_stop(c, pending, npending, err);
        if (rc != PC_OK)
            break;
        if (!added && !c->ntids && !c->nleft) {
            rc = exited_fail(c, err);
            if (!rc)
                rc = pc_fail(err, PC_E_CORE, "process %d has no threads", (int)c->pid);
            break;
        }
        if (!added)
            break;
    }
    free(pending);
    return rc;  /* past ATTACH_ROUNDS, still creating threads: the ones seen are stopped */
}

/* A stopped thread's registers as its core would hold them: the
 * NT_PRSTATUS regset, and the architecture's thread-pointer regset. */
static int get_regs(pid_t tid, pc_thread_desc *t)
{
    const struct pc_arch *a = pc_arch_host();
    memset(t, 0, sizeof *t);
    struct iovec io = {t->regs, 8 * (size_t)a->prstatus_nregs};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)NT_PRSTATUS, &io) != 0)
        return -1;
    uint64_t tp[2] = {0};
    struct iovec tio = {tp, sizeof tp};
    if (a->tls_note && ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)a->tls_note, &tio) == 0)
        t->regs[a->tp] = tp[0];
    return 0;
}

/* Every thread was seen stopped, and only SIGKILL (which kills the whole
 * process) takes a thread out of a ptrace stop: a thread no longer
 * stopped means the process is going, however alive its memory still
 * looks.  Its own threads can send that only until all are stopped, so
 * after this check only a killer from outside remains. */
static int still_stopped(const struct live_ctx *c, pc_error *err)
{
    for (size_t i = 0; i < c->ntids; i++) {
        pc_thread_desc t;
        if (get_regs(c->tids[i], &t) != 0 && errno == ESRCH) {
            int rc = exited_fail(c, err);
            return rc ? rc : exiting_fail(c, err, THREADS_KILLED);
        }
    }
    return PC_OK;
}

static void read_sigmasks(const struct live_ctx *c, pc_thread_desc *t)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)c->pid, (int)t->tid);
    size_t len = 0;
    char *st = slurp(path, 1 << 16, &len);
    if (st) {
        t->sighold = pc_proc_status_hex(st, len, "SigBlk:");
        t->sigpend = pc_proc_status_hex(st, len, "SigPnd:") | pc_proc_status_hex(st, len, "ShdPnd:");
        t->flags |= PC_THREAD_SIGMASKS;
        free(st);
    }
}

static int read_threads(struct live_ctx *c, pc_error *err)
{
    const struct pc_arch *a = pc_arch_host();
    c->threads = calloc(c->ntids + c->nleft, sizeof *c->threads);
    if (!c->threads)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    int killed = 0;
    for (size_t i = 0; i < c->ntids; i++) {
        pc_thread_desc *t = &c->threads[c->nthreads];
        if (get_regs(c->tids[i], t) != 0) {
            killed |= errno == ESRCH;   /* no longer stopped: see still_stopped */
            continue;
        }
        c->nthreads++;
        t->tid = c->tids[i];
        t->machine = a->machine;
        read_sigmasks(c, t);
    }
    for (size_t i = 0; i < c->nleft; i++) {
        pc_thread_desc *t = &c->threads[c->nthreads++];
        *t = c->left[i];
        read_sigmasks(c, t);
    }
    /* The main thread first, as a kernel core lists the faulting one. */
    for (size_t i = 1; i < c->nthreads; i++)
        if (c->threads[i].tid == c->pid) {
            pc_thread_desc main = c->threads[i];
            c->threads[i] = c->threads[0];
            c->threads[0] = main;
        }
    if (killed) {
        int rc = exited_fail(c, err);
        return rc ? rc : exiting_fail(c, err, THREADS_KILLED);
    }
    if (c->nthreads)
        return PC_OK;
    int rc = exited_fail(c, err);
    return rc ? rc : pc_fail(err, PC_E_CORE, "process %d: no thread's registers are readable", (int)c->pid);
}

static int add_map(struct live_ctx *c, const char *line, size_t len)
{
    uint64_t start, end, off;
    const char *p;
    size_t plen;
    unsigned prot;
    if (c->nregions < MAX_MAPS && pc_proc_maps_region(line, len, &start, &end, &prot)) {
        if (pc_grow(&c->regions, &c->regions_cap, c->nregions + 1, sizeof *c->regions))
            return PC_E_INTERNAL;
        c->regions[c->nregions++] = (struct pc_region){start, end, prot};
    }
    if (!pc_proc_maps_line(line, len, &start, &end, &off, &p, &plen))
        return PC_OK;   /* anonymous, [heap], [stack], [vdso], deleted ... */
    char *copy = malloc(plen + 1);
    if (!copy || pc_grow(&c->maps, &c->maps_cap, c->nmaps + 1, sizeof *c->maps)) {
        free(copy);
        return PC_E_INTERNAL;
    }
    memcpy(copy, p, plen);
    copy[plen] = 0;
    pc_mapping_desc *m = &c->maps[c->nmaps++];
    m->start = start;
    m->end = end;
    m->pgoff = off;
    m->path = copy;
    return PC_OK;
}

static int read_maps(struct live_ctx *c, pc_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "%s/maps", c->proc);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        int rc = exited_fail(c, err);
        return rc ? rc : pc_fail(err, PC_E_CORE, "%s: %s", path, strerror(e));
    }
    /* A path is at most PATH_MAX: a longer line is not the kernel's
     * format, and is skipped whole so that its tail is not read as a line
     * of its own.  Lines are cut at '\n' only, NUL bytes included. */
    char buf[2 * (4096 + 256)];
    size_t have = 0;
    int skipping = 0, eof = 0, rc = PC_OK;
    while (rc == PC_OK && c->nmaps < MAX_MAPS && (have || !eof)) {
        char *nl = memchr(buf, '\n', have);
        if (!nl && !eof && have < sizeof buf) {
            ssize_t r = read(fd, buf + have, sizeof buf - have);
            if (r <= 0)
                eof = 1;
            else
                have += (size_t)r;
            continue;
        }
        size_t len = nl ? (size_t)(nl - buf) : have;
        if (!skipping && (nl || eof))
            rc = add_map(c, buf, len);
        skipping = !nl && !eof;     /* a full buffer without a newline */
        size_t used = nl ? len + 1 : have;
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    close(fd);
    return rc ? pc_fail(err, rc, "out of memory reading %s", path) : PC_OK;
}

static void read_process(struct live_ctx *c)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "%s/exe", c->proc);
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        c->exe = pc_strdup(buf);
    }
    size_t len = 0;
    snprintf(path, sizeof path, "%s/cmdline", c->proc);
    c->cmdline = slurp(path, 4096, &len);
    for (size_t i = 0; c->cmdline && i + 1 < len; i++)
        if (!c->cmdline[i])
            c->cmdline[i] = ' ';
    snprintf(path, sizeof path, "%s/auxv", c->proc);
    char *auxv = slurp(path, 4096, &len);
    if (auxv) {
        struct pc_auxv a;
        pc_auxv_parse((const uint8_t *)auxv, len, &a);
        c->at_phdr = a.phdr;
        c->at_entry = a.entry;
        c->at_base = a.base;
        free(auxv);
    }
    snprintf(path, sizeof path, "%s/root", c->proc);
    c->root = pc_strdup(path);
}

/* Which /proc directory sees the memory.  The main thread's, unless it
 * has ended: a zombie main thread keeps the process's pid but no longer
 * its memory. */
static int choose_reader(struct live_ctx *c, pc_error *err)
{
    snprintf(c->proc, sizeof c->proc, "/proc/%d", (int)c->pid);
    if (attached(c, c->pid) || left_running(c, c->pid))
        return PC_OK;
    enum life leader = thread_life(c->pid, c->pid);
    if (leader == LIFE_GONE)
        return pc_fail(err, PC_E_CORE, "process %d exited while being attached: there is nothing left to analyze",
                       (int)c->pid);
    if (leader == LIFE_ON)
        return PC_OK;
    /* Threads still stopped after the main one ended: it called
     * pthread_exit and they run on, or the process exits and they are
     * about to end too; their memory tells which. */
    for (size_t i = 0; i < c->ntids; i++)
        if (c->tids[i] != c->pid) {
            snprintf(c->proc, sizeof c->proc, "/proc/%d/task/%d", (int)c->pid, (int)c->tids[i]);
            return PC_OK;
        }
    return pc_fail(err, PC_E_CORE,
                   "process %d is exiting (its main thread has ended and no other thread could be stopped): there "
                   "is nothing left to analyze",
                   (int)c->pid);
}

/* Once a process exits, its memory goes before its pid does: /proc/PID/mem
 * then reads nothing (EOF, EIO or ESRCH) at every address, and the engine
 * would only report "no Python".  Any readable mapping, or another error,
 * means it is not that. */
static int check_memory(const struct live_ctx *c, pc_error *err)
{
    uint8_t b[8];
    int other = 0;
    uint64_t probe[65];
    size_t n = 0;
    if (c->at_phdr)
        probe[n++] = c->at_phdr;
    for (size_t i = 0; i < c->nmaps && n < sizeof probe / sizeof *probe; i++)
        probe[n++] = c->maps[i].start;
    for (size_t i = 0; i < n; i++) {
        ssize_t r = pread(c->mem_fd, b, sizeof b, (off_t)probe[i]);
        if (r > 0)
            return PC_OK;
        if (r < 0 && errno != EIO && errno != ESRCH)
            other = 1;
    }
    if (other)
        return PC_OK;   /* not the signature of an exit: let the engine say what it cannot read */
    int rc = exited_fail(c, err);
    return rc ? rc : exiting_fail(c, err, MEMORY_GONE);
}

static int live_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct live_ctx *c = ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(c->mem_fd, (char *)buf + done, len - done, (off_t)(addr + done));
        if (r <= 0)
            return PC_E_CORE;
        done += (size_t)r;
    }
    return PC_OK;
}

static int live_process(void *ctx, pc_process_desc *out)
{
    struct live_ctx *c = ctx;
    memset(out, 0, sizeof *out);
    out->pid = c->pid;
    out->core_kind = PC_CORE_LIVE;
    out->machine = pc_arch_host()->machine;
    out->exe = c->exe;
    out->cmdline = c->cmdline;
    out->at_phdr = c->at_phdr;
    out->at_entry = c->at_entry;
    out->at_base = c->at_base;
    return PC_OK;
}

static size_t live_thread_count(void *ctx)
{
    return ((struct live_ctx *)ctx)->nthreads;
}

static int live_thread(void *ctx, size_t i, pc_thread_desc *out)
{
    struct live_ctx *c = ctx;
    if (i >= c->nthreads)
        return PC_E_USAGE;
    *out = c->threads[i];
    return PC_OK;
}

static size_t live_mapping_count(void *ctx)
{
    return ((struct live_ctx *)ctx)->nmaps;
}

static int live_mapping(void *ctx, size_t i, pc_mapping_desc *out)
{
    struct live_ctx *c = ctx;
    if (i >= c->nmaps)
        return PC_E_USAGE;
    *out = c->maps[i];
    return PC_OK;
}

static size_t live_region_count(void *ctx)
{
    return ((struct live_ctx *)ctx)->nregions;
}

static int live_region(void *ctx, size_t i, struct pc_region *out)
{
    struct live_ctx *c = ctx;
    if (i >= c->nregions)
        return PC_E_USAGE;
    *out = c->regions[i];
    return PC_OK;
}

static const struct pc_region_ops live_regions = {live_region_count, live_region};

/* The file the process maps, seen through its root (containers too). */
static int live_open_file(void *ctx, const char *path, const uint8_t *build_id, size_t build_id_len, int *fd,
                          pc_error *err)
{
    struct live_ctx *c = ctx;
    (void)build_id;
    (void)build_id_len;     /* the live mapping is that file: nothing to match */
    char *full = malloc(strlen(c->root) + strlen(path) + 1);
    if (!full)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    strcpy(full, c->root);
    strcat(full, path);
    *fd = open(full, O_RDONLY | O_CLOEXEC);
    int e = errno;
    free(full);
    return *fd < 0 ? pc_fail(err, PC_E_MODULE, "%s: %s", path, strerror(e)) : PC_OK;
}

static int live_read_text(void *ctx, const char *path, char *buf, size_t *len)
{
    struct live_ctx *c = ctx;
    char *full = malloc(strlen(c->root) + strlen(path) + 1);
    if (!full)
        return PC_E_INTERNAL;
    strcpy(full, c->root);
    strcat(full, path);
    int rc = pc_read_regular(full, buf, len);
    free(full);
    return rc;
}

static void live_close(void *ctx)
{
    struct live_ctx *c = ctx;
    for (size_t i = 0; i < c->ntids; i++)
        ptrace(PTRACE_DETACH, c->tids[i], NULL, NULL);
    if (c->mem_fd >= 0)
        close(c->mem_fd);
    for (size_t i = 0; i < c->nmaps; i++)
        free((char *)c->maps[i].path);
    free(c->maps);
    free(c->regions);
    free(c->tids);
    free(c->left);
    free(c->threads);
    free(c->exe);
    free(c->cmdline);
    free(c->root);
    free(c);
}

static const pc_target_ops live_ops = {
    .version = PC_TARGET_OPS_VERSION,
    .read = live_read,
    .process = live_process,
    .thread_count = live_thread_count,
    .thread = live_thread,
    .mapping_count = live_mapping_count,
    .mapping = live_mapping,
    .symbol = NULL,
    .open_file = live_open_file,
    .read_text = live_read_text,
    .close = live_close,
};


static int kernel_thread(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    size_t len = 0;
    char *buf = slurp(path, 4096, &len);
    uint64_t flags = 0;
    int k = buf && pc_proc_stat_u64(buf, len, 9, &flags) == 0 && (flags & PC_PF_KTHREAD);
    free(buf);
    return k;
}

/* Before attaching: a pid that is gone, a zombie or a kernel thread would
 * otherwise fail PTRACE_SEIZE with errors that read like a permission
 * problem (and a kernel thread, which has no memory, would look like a
 * process whose exit has begun). */
static int check_alive(const struct live_ctx *c, pc_error *err)
{
    if (kernel_thread(c->pid))
        return pc_fail(err, PC_E_NOPYTHON, "process %d is a kernel thread, not a Python process: give another pid",
                       (int)c->pid);
    switch (process_life(c->pid)) {
    case LIFE_GONE:
        return pc_fail(err, PC_E_CORE, "process %d does not exist (it has exited?)", (int)c->pid);
    case LIFE_ENDED:
        return pc_fail(err, PC_E_CORE,
                       "process %d has exited and is a zombie waiting for its parent to reap it: there is nothing "
                       "left to analyze",
                       (int)c->pid);
    default:
        return PC_OK;
    }
}

int pc_target_open_pid(int pid, pc_target **out, pc_error *err)
{
    return pc_target_open_pid_flags(pid, 0, out, err);
}

int pc_target_open_pid_flags(int pid, unsigned flags, pc_target **out, pc_error *err)
{
    *out = NULL;
    if (pid <= 0)
        return pc_fail(err, PC_E_USAGE, "not a process id: %d", pid);
    if (flags & ~PC_OPEN_NO_STOP)
        return pc_fail(err, PC_E_USAGE, "unknown flags 0x%x for a process", flags);
    if (pid == getpid())
        return pc_fail(err, PC_E_USAGE, "pycore-analyze cannot stop itself: give another process's id");
    struct live_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    c->pid = pid;
    c->flags = flags;
    c->mem_fd = -1;
    int rc = check_alive(c, err);
    if (rc == PC_OK)
        rc = attach_all(c, err);
    if (rc == PC_OK)
        rc = choose_reader(c, err);
    if (rc == PC_OK) {
        char path[64];
        snprintf(path, sizeof path, "%s/mem", c->proc);
        c->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
        int e = errno;
        if (c->mem_fd < 0 && (rc = exited_fail(c, err)) == PC_OK)
            rc = pc_fail(err, PC_E_CORE, "%s: %s", path, strerror(e));
    }
    if (rc == PC_OK)
        rc = read_threads(c, err);
    if (rc == PC_OK)
        rc = read_maps(c, err);
    if (rc == PC_OK)
        read_process(c);
    if (rc == PC_OK)
        rc = check_memory(c, err);
    if (rc == PC_OK)
        rc = still_stopped(c, err);
    if (rc == PC_OK && !c->exe && (rc = exited_fail(c, err)) == PC_OK)
        rc = pc_fail(err, PC_E_CORE, "process %d: cannot read %s/exe (a kernel thread?)", pid, c->proc);
    if (rc != PC_OK) {
        live_close(c);
        return rc;
    }
    /* Reads cross into the kernel one syscall each: a cached target. */
    rc = pc_target_new(&live_ops, c, out, err);
    if (rc != PC_OK) {
        if (!*out)
            live_close(c);   /* else pc_target_new closed it */
        *out = NULL;
        return rc;
    }
    (*out)->regions = &live_regions;
    (*out)->ppid = parent_of(pid);
    return PC_OK;
}
